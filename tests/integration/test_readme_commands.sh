#!/usr/bin/env bash
# The shell blocks of README.md and docs/*.md run as written, so a renamed
# make target, script or setting fails here and not in a reader's hands.
# Every fenced sh (or bash) block is run, or dry-run, or skipped, as the line
# right above its fence says (a document's first line says it for all its
# blocks):
#   (nothing)                          run for real, in the checkout, against
#                                      the private stack
#   <!-- doc-test: dry-run: REASON --> nothing runs: each line's syntax is
#                                      checked, each make's targets must be
#                                      targets of its Makefile; for what
#                                      takes minutes or is this suite itself
#   <!-- doc-test: skip: REASON -->    not run (REASON printed): what another
#                                      test runs, or what needs Docker
# Either way, every VAR=value a make line is given must be read by some file
# of the repository that is not Markdown.
# Run for real: the stack's port 5000 reads as the private stack's HTTP_PORT
# (the README's stack is `make up`'s, scripts/stack's HTTP_PORT), curl fails
# on an HTTP error status, stdin is empty, HA_RUN_DIR is a folder of the
# private stack's; a block may take BLOCK_LIMIT_S at most (past it, it wants
# a marker). Each block starts with the stack up (one may stop it: make down).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$RUN_DIR/doc-commands
BLOCK_LIMIT_S=60
RAN=0

# usage: readme_run WHERE BLOCK    e.g. readme_run README.md:24 "$dir/2"
readme_run() {
  local where=$1 line out rc
  while IFS= read -r line; do readme_makes "$where" "$line"; done < <(doc_lines "$2")
  sed "s|127\.0\.0\.1:5000|127.0.0.1:$HTTP_PORT|g; s|localhost:5000|localhost:$HTTP_PORT|g" "$2" >"$2.sub"
  doc_script "$2.sub" >"$2.sh"
  "$STACK" up >/dev/null 2>&1
  eventually 90 ready || fail "$where: the stack is up before it" "no /readyz 200 in 90 s"
  out=$(cd "$ROOT" && PATH="$WORK/bin:$PATH" HA_RUN_DIR="$WORK/ha" \
    timeout "$BLOCK_LIMIT_S" bash "$2.sh" 2>&1 </dev/null)
  rc=$?
  if [ "$rc" = 124 ]; then
    fail "$where runs" "not done in $BLOCK_LIMIT_S s: mark it dry-run or skip, with the reason"
  elif [ "$rc" != 0 ]; then
    printf '%s\n' "$out" | tail -6 | cut -c1-300
    fail "$where runs" "$(printf '%s\n' "$out" | grep '^doc-test: ' | tail -1)"
  else
    pass "$where runs ($(grep -c '^{$' "$2.sh") command lines)"
  fi
  RAN=$((RAN + 1))
}

# usage: readme_dry_run WHERE BLOCK
# Each command line's syntax (bash -n) and each make in it (readme_makes,
# its targets checked too); nothing runs.
readme_dry_run() {
  local where=$1 line
  while IFS= read -r line; do
    if bash -n <<<"$line" 2>/dev/null; then
      readme_makes "$where" "$line" dry
    else
      fail "$where: syntax" "bash -n refuses: $line"
    fi
  done < <(doc_lines "$2")
}

# usage: readme_makes WHERE LINE [dry]    e.g. readme_makes README.md:24 'make up MODE=baseline'
# Each make in LINE (alone, after && || ; | or inside $(...), with VAR=value
# words before it): every VAR it is given is read by some file of the
# repository that is not Markdown (a renamed setting fails); with dry, every
# target it names is a target of that Makefile (make -prq prints the rules
# and runs no recipe, as make -n would for a line with $(MAKE) in it).
readme_makes() {
  local where=$1 seg words word var targets opts db t
  while IFS= read -r seg; do
    read -ra words <<<"$seg"
    targets=() opts=() var=()
    while [ ${#words[@]} -gt 0 ] && [[ ${words[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
      var+=("${words[0]%%=*}")
      words=("${words[@]:1}")
    done
    [ "${words[0]:-}" = make ] || continue
    words=("${words[@]:1}")
    while [ ${#words[@]} -gt 0 ]; do
      word=${words[0]}
      words=("${words[@]:1}")
      case $word in
        -C | -f | -j | -I | -o | -W)
          opts+=("$word" "${words[0]:-}")
          words=("${words[@]:1}")
          ;;
        -*) opts+=("$word") ;;
        *=*) var+=("${word%%=*}") ;;
        *) targets+=("$word") ;;
      esac
    done
    for word in "${var[@]}"; do
      if git -C "$ROOT" grep -qw -e "$word" -- ':(exclude)*.md'; then
        pass "$where: $word (given to make) is read by the repository"
      else
        fail "$where: $word (given to make) is read by the repository" "no file but Markdown names it: $seg"
      fi
    done
    [ "${3:-}" = dry ] || continue
    db=$(cd "$ROOT" && make "${opts[@]}" -prq : 2>/dev/null </dev/null |
      awk '/^# Not a target:/ {skip = 1; next}
        /^[A-Za-z0-9_.\/-]+:/ && !/^[^:]*:=/ {t = $0; sub(/:.*/, "", t); if (!skip) print t}
        {skip = 0}')
    for t in "${targets[@]}"; do
      if grep -qxF -e "$t" <<<"$db"; then
        pass "$where: make ${opts[*]}${opts[*]:+ }$t: a target"
      else
        fail "$where: make ${opts[*]}${opts[*]:+ }$t: a target" "no such target: $seg"
      fi
    done
  done < <(sed -E 's/(^|[[:space:]])#.*//; s/&&|\|\||[;|`()]|\$\(/\n/g' <<<"$2")
}

# usage: readme_doc DOC    every sh block of DOC, as its marker says
readme_doc() {
  local doc=$1 rel=${1#"$ROOT"/} dir all n lang line section marker where
  dir=$WORK/$(basename "$doc" .md)
  mkdir -p "$dir"
  all=$(head -n 1 "$doc" | sed -nE 's/^<!-- *(doc-test: .*[^ ]) *-->$/\1/p')
  doc_blocks "$doc" "$dir" >"$dir/index"
  while IFS=$'\t' read -r n lang line section _ marker; do
    case $lang in sh | bash | shell) ;; *) continue ;; esac
    where="$rel:$line ($section)"
    [[ $marker == doc-test:* ]] || marker=$all
    case $marker in
      '') readme_run "$where" "$dir/$n" ;;
      "doc-test: dry-run: "?*) readme_dry_run "$where" "$dir/$n" ;;
      "doc-test: skip: "?*) info "SKIP $where: ${marker#doc-test: skip: }" ;;
      *) fail "$where: marker" "'$marker': want 'doc-test: dry-run: REASON' or 'doc-test: skip: REASON'" ;;
    esac
  done <"$dir/index"
}

# curl as the documents' lines reach it: failing on an HTTP error status.
readme_shims() {
  mkdir -p "$WORK/bin" "$WORK/ha"
  cat >"$WORK/bin/curl" <<EOF
#!/usr/bin/env bash
exec $(command -v curl) --fail --max-time 10 "\$@"
EOF
  chmod +x "$WORK/bin/curl"
}

cleanup() { "$STACK" up >/dev/null 2>&1 || true; }

main() {
  local doc
  trap cleanup EXIT
  rm -rf "$WORK"
  readme_shims
  for doc in "$ROOT/README.md" "$ROOT"/docs/*.md; do readme_doc "$doc"; done
  check "at least one block ran for real ($RAN)" test "$RAN" -gt 0
  tests_done
}

main "$@"
