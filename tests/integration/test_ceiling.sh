#!/usr/bin/env bash
# test_ceiling.sh: the ceiling scenario (bench/ceiling) in short rounds.
#
# Runs `scripts/bench` with SCENARIO=ceiling ROUNDS=3 ROUND_S=1 against the
# suite's stack (100 seeded rows, so ?limit=1000 must come out skipped with
# its reason) into a temp results folder, and checks: it refuses without a
# stack, it runs, results/latest, every field of ceiling.json, no errors,
# the report's table; then that the reference answers the captured bytes
# byte-for-byte and that they are what the project's responders answer now.
# Relative facts only: no throughput threshold.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
ref_pid=
cleanup() {
  if [ -n "$ref_pid" ]; then
    kill "$ref_pid" 2>/dev/null
    wait "$ref_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
results=$tmp/results

# Without a stack it stops at once and says what to do.
mkdir -p "$tmp/nostack"
if out=$(RUN_DIR=$tmp/nostack SCENARIO=ceiling "$ROOT/scripts/bench" 2>&1); then
  fail ceiling_refuses_without_stack "exited 0: $out"
else
  case $out in
    *"no stack is running"*"make up"*) pass ceiling_refuses_without_stack ;;
    *) fail ceiling_refuses_without_stack "unclear message: $out" ;;
  esac
fi

log=$tmp/ceiling.log
if SCENARIO=ceiling ROUNDS=3 ROUND_S=1 CONNS="50 100" BENCH_RESULTS_DIR=$results \
  "$ROOT/scripts/bench" >"$log" 2>&1; then
  pass ceiling_runs
else
  fail ceiling_runs "exited non-zero: $(tail -n 5 "$log" | tr '\n' ' ')"
  tests_done
fi
dir=$(cd "$results/latest" 2>/dev/null && pwd -P) || dir=none
case $dir in
  *-ceiling) pass ceiling_latest ;;
  *)
    fail ceiling_latest "results/latest points at $dir"
    tests_done
    ;;
esac
json=$dir/ceiling.json

# jq_check NAME FILTER: PASS when FILTER is true of ceiling.json.
jq_check() {
  if jq -e "$2" "$json" >/dev/null 2>&1; then pass "$1"; else fail "$1" "not true: $2"; fi
}
jq_check ceiling_json_parses .
check_eq ceiling_cases "limit5:50 limit100:50 limit1000:50 limit100:100" \
  "$(jq -r '[.answers[] | "\(.id):\(.conns)"] | join(" ")' "$json")"

# Every measured answer has every field, both sides, one value per round.
missing=$(jq -r '.answers[] | select(.skipped == null) as $a
  | ["answer_bytes", "body_bytes", "ratio", "p99_ratio"]
    | map(select($a[.] == null)) as $top
  | [("project", "ceiling") as $s
      | ("rps_median", "rps_spread", "p99_ms_median", "errors_total")
      | select($a[$s][.] == null) | "\($s).\(.)"] as $side
  | [("project", "ceiling") as $s | ("rps", "p99_ms", "errors")
      | select(($a[$s][.] | length) != 3) | "\($s).\(.)[3]"] as $rounds
  | ($top + $side + $rounds)[] | "\($a.id)@\($a.conns): \(.)"' "$json" 2>/dev/null) ||
  missing="ceiling.json unreadable"
if [ -z "$missing" ]; then pass ceiling_json_fields; else fail ceiling_json_fields "$(printf "%s" "$missing" | tr "\n" " ")"; fi
jq_check ceiling_json_meta '.rounds == 3 and .round_s == 1 and .ceiling.processes > 0
  and .ceiling.keepalive_per_worker > 0 and .ceiling.fastcgi_keep_conn == true'
jq_check ceiling_no_errors '[.answers[] | select(.skipped == null)
  | .project.errors_total + .ceiling.errors_total] | add == 0'
jq_check ceiling_same_body '[.answers[] | select(.skipped == null) | .same_body] | all'
jq_check ceiling_conns_ratio '.answers[] | select(.conns == 100)
  | .project_vs_base_conns > 0 and .base_conns == 50'

# The suite seeds 100 rows: ?limit=1000 is skipped, and says why.
rows=$(sql 'SELECT COUNT(*) FROM products')
if [ "$rows" -lt 1000 ]; then
  jq_check ceiling_skip_reason '.answers[] | select(.id == "limit1000")
    | .skipped | test("SEED_ROWS=1000")'
else
  jq_check ceiling_limit1000_measured '.answers[] | select(.id == "limit1000")
    | .skipped == null and .body_bytes > 40000'
fi

report=$dir/report.md
check ceiling_report_header grep -qF '| answer | conns | bytes | project req/s | ceiling req/s | ratio | p99 project (ms) | p99 ceiling (ms) |' "$report"
check_eq ceiling_report_rows 4 "$(grep -c '^| `GET /products' "$report")"

# Byte for byte: the reference, started on its own socket with the captured
# answers, must answer exactly those bytes, and their body must be what the
# project's responders answer now (a HIT, warmed the same way).
cp -r "$dir/answers" "$tmp/answers"
spawn-fcgi -n -s "$tmp/ref.sock" -- "$ROOT/fcgi-app/build/ceiling" "$tmp/answers" \
  >"$tmp/ref.log" 2>&1 &
ref_pid=$!
eventually 5 test -S "$tmp/ref.sock" || fail ceiling_reference_starts "$(cat "$tmp/ref.log")"
ask() { # socket query
  REQUEST_METHOD=GET DOCUMENT_URI=/products QUERY_STRING=$2 \
    timeout 5 cgi-fcgi -bind -connect "$1"
}
# body_after_headers FILE: the bytes after a CGI answer's blank line.
body_after_headers() {
  tail -c "+$(($(LC_ALL=C awk '{ n += length($0) + 1 } $0 == "\r" { print n; exit }' "$1") + 1))" "$1"
}
while read -r id q; do
  ask "$tmp/ref.sock" "$q" >"$tmp/ref.$id"
  if cmp -s "$tmp/answers/$id" "$tmp/ref.$id"; then
    pass "ceiling_reference_bytes_$id"
  else
    fail "ceiling_reference_bytes_$id" "$(cmp "$tmp/answers/$id" "$tmp/ref.$id" 2>&1)"
  fi
  curl -s --max-time 5 -o /dev/null "$HTTP_URL/products${q:+?$q}"
  ask "$FCGI_SOCKET" "$q" >"$tmp/app.$id"
  curl -s --max-time 5 -o "$tmp/http.$id" "$HTTP_URL/products${q:+?$q}"
  body_after_headers "$tmp/ref.$id" >"$tmp/refbody.$id"
  body_after_headers "$tmp/app.$id" >"$tmp/appbody.$id"
  if [ -s "$tmp/refbody.$id" ] && cmp -s "$tmp/refbody.$id" "$tmp/appbody.$id" &&
    cmp -s "$tmp/refbody.$id" "$tmp/http.$id"; then
    pass "ceiling_body_equals_project_$id"
  else
    fail "ceiling_body_equals_project_$id" "reference $(wc -c <"$tmp/refbody.$id") bytes, responder $(wc -c <"$tmp/appbody.$id"), nginx $(wc -c <"$tmp/http.$id")"
  fi
  len=$(tr -d '\r' <"$tmp/ref.$id" | sed -n 's/^Content-Length: //p' | head -n 1)
  check_eq "ceiling_content_length_$id" "$(wc -c <"$tmp/refbody.$id" | tr -d ' ')" "$len"
done <"$tmp/answers/index"
unknown=$(ask "$tmp/ref.sock" 'limit=7' | tr -d '\r')
case $unknown in
  "Status: 404"*'{"error":'*) pass ceiling_reference_unknown_query_404 ;;
  *) fail ceiling_reference_unknown_query_404 "got: $(printf '%s' "$unknown" | head -c 200)" ;;
esac

tests_done
