#!/usr/bin/env bash
# docs/design.md's code map names every source file of the responder: each
# .c, and each .h that has no .c of its own (issue 22: the map had missed
# 7). The source folder is globbed, so a file added or renamed without its
# line in the map fails here. First against a copy of the map with one line
# taken out, so the check can fail.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
PROG=test_docs_code_map
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DOC=$ROOT/docs/design.md
SRC=$ROOT/fcgi-app/src

# usage: unmapped DOC SRC_DIR    e.g. unmapped docs/design.md fcgi-app/src
# Prints, one a line, each SRC_DIR/*.c, and each SRC_DIR/*.h without a .c
# beside it, not named as `file.c` (`file.h`) in DOC's "## Code map"
# section (up to the next "## " heading).
unmapped() {
  local map f
  map=$(awk '/^## Code map/ {on = 1; next} /^## / {on = 0} on' "$1")
  for f in "$2"/*.c "$2"/*.h; do
    [ -e "$f" ] || continue
    case $f in *.h) [ ! -e "${f%.h}.c" ] || continue ;; esac
    grep -qF "\`$(basename "$f")\`" <<<"$map" || basename "$f"
  done
}

sources=("$SRC"/*.c)
check "the source folder has C files" test -e "${sources[0]}"
check "design.md has a code map" grep -q '^## Code map' "$DOC"

# Control: the map without the line of one of its files reports that file.
victim=$(basename "${sources[0]}")
grep -vF "\`$victim\`" "$DOC" >"$TMP/design.md"
unmapped "$TMP/design.md" "$SRC" >"$TMP/unmapped"
check "a map missing $victim is caught" grep -qx "$victim" "$TMP/unmapped"

check_eq "every fcgi-app/src file is in design.md's code map" "" \
  "$(unmapped "$DOC" "$SRC" | paste -sd ' ')"

tests_done
