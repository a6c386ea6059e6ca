#!/usr/bin/env bash
# test_bench.sh: the short bench, as CI runs it.
#
# Runs scripts/bench for 5 s per mode with SCENARIO=seed and then
# SCENARIO=capacity against the native stack that is already running (its
# `scripts/stack env` lines are in the environment), writing into
# $BENCH_RESULTS_DIR (a temp dir of our own if unset). Checks only relative
# facts: both JSON files parse and have every field, no errors, cached p95 <
# baseline p95, cached throughput > baseline throughput, the report has the
# table rows, the chart exists; plus a node syntax check of k6/*.js (k6
# itself is not installed in CI).
# Also: a stack setting in the environment that differs from the running
# stack's (DB_DELAY_MS=100 make bench against a stack with 300) is refused
# and not recorded, and `scripts/stack env` reports the running stack's
# settings whatever the caller's environment says; every result records the
# stack's DB_DELAY_MS.
# Output: one line per check, PASS <name> or FAIL <name>: <why>; exits
# non-zero if any check failed.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
root=$ROOT
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results=${BENCH_RESULTS_DIR:-$tmp/results}
mkdir -p "$results"
# The delay the running stack uses, as its pool.env says.
stack_delay=$(sed -n 's/^DB_DELAY_MS=//p' "$RUN_DIR/fcgi/pool.env")
other_delay=$((stack_delay + 1))

# cached_beats SCENARIO DIR FIELD OP NAME: cached.json's FIELD OP baseline's.
cached_beats() {
  local b c
  b=$(jq -r ".$3" "$2/baseline.json")
  c=$(jq -r ".$3" "$2/cached.json")
  if awk -v b="$b" -v c="$c" "BEGIN { exit !(c $4 b) }"; then
    pass "${1}_cached_$5"
  else
    fail "${1}_cached_$5" "$3: cached $c, baseline $b"
  fi
}

fields='tool tool_version scenario mode duration_s vus requests rps avg_ms p50_ms
p90_ms p95_ms p99_ms max_ms error_rate non_2xx body_bytes cpu_model cpu_cores'

# k6 scripts: ES modules, so parse each as a .mjs copy.
if command -v node >/dev/null 2>&1; then
  for f in "$root"/k6/*.js; do
    name=k6_syntax_$(basename "$f" .js)
    cp "$f" "$tmp/$(basename "$f" .js).mjs"
    if err=$(node --check "$tmp/$(basename "$f" .js).mjs" 2>&1); then
      pass "$name"
    else
      fail "$name" "$(printf '%s' "$err" | head -n 3 | tr '\n' ' ')"
    fi
  done
else
  fail k6_syntax "node not found (Debian package: nodejs)"
fi

# A setting the running stack does not use: refused, nothing recorded, and
# the stack keeps its own.
check_other_settings() {
  local log=$tmp/refused.log before after
  before=$(find "$results" -mindepth 1 -maxdepth 1 | wc -l)
  if DB_DELAY_MS=$other_delay DURATION=1s BENCH_RESULTS_DIR=$results \
    "$root/scripts/bench" >"$log" 2>&1; then
    fail bench_refuses_other_db_delay "DB_DELAY_MS=$other_delay against a stack with $stack_delay was measured"
  elif grep -q "DB_DELAY_MS=$other_delay (the stack: $stack_delay)" "$log"; then
    pass bench_refuses_other_db_delay
  else
    fail bench_refuses_other_db_delay "no message naming both delays: $(tail -n 2 "$log" | tr '\n' ' ')"
  fi
  after=$(find "$results" -mindepth 1 -maxdepth 1 | wc -l)
  check_eq bench_refused_writes_no_result "$before" "$after"
  check_eq stack_keeps_its_db_delay "DB_DELAY_MS=$stack_delay" \
    "$(grep '^DB_DELAY_MS=' "$RUN_DIR/fcgi/pool.env")"
  check_eq stack_env_reports_running_db_delay "DB_DELAY_MS=$stack_delay" \
    "$(DB_DELAY_MS=$other_delay "$STACK" env | grep '^DB_DELAY_MS=')"
}

# $1 scenario: run the bench, then check what it wrote.
check_scenario() {
  sc=$1
  t=bench_$sc
  log=$tmp/$sc.log
  if ! SCENARIO=$sc DURATION=5s BENCH_RESULTS_DIR=$results \
    "$root/scripts/bench" >"$log" 2>&1; then
    fail "${t}_runs" "scripts/bench exited non-zero: $(tail -n 3 "$log" | tr '\n' ' ')"
    return 0
  fi
  pass "${t}_runs"
  dir=$(cd "$results/latest" 2>/dev/null && pwd -P) || dir=none
  case "$dir" in
    *-"$sc") ;;
    *)
      fail "${t}_latest" "results/latest points at $dir"
      return 0
      ;;
  esac
  pass "${t}_latest"

  ok=1
  for m in baseline cached; do
    f=$dir/$m.json
    if ! jq -e . "$f" >/dev/null 2>&1; then
      fail "${t}_json_$m" "$f missing or not JSON"
      ok=0
      continue
    fi
    missing=
    for k in $fields; do
      jq -e --arg k "$k" 'has($k) and .[$k] != null and .[$k] != ""' "$f" >/dev/null ||
        missing="$missing $k"
    done
    if [ -n "$missing" ]; then
      fail "${t}_json_$m" "missing fields:$missing"
      ok=0
      continue
    fi
    pass "${t}_json_$m"
    if jq -e '.error_rate == 0 and .requests > 0' "$f" >/dev/null; then
      pass "${t}_no_errors_$m"
    else
      fail "${t}_no_errors_$m" "$(jq -c '{requests, error_rate, non_2xx}' "$f")"
    fi
  done
  [ "$ok" -eq 1 ] || return 0

  check_eq "${t}_records_stack_db_delay" "$stack_delay $stack_delay" \
    "$(jq -r .db_delay_ms "$dir/baseline.json") $(jq -r .db_delay_ms "$dir/cached.json")"
  cached_beats "$t" "$dir" p95_ms '<' p95_lower
  cached_beats "$t" "$dir" rps '>' rps_higher
  # The server's own figures, from GET /metrics before and after each mode.
  check "${t}_server_baseline_all_bypass" quiet jq -e '.server.hit_ratio == 0 and .server.requests > 0' "$dir/baseline.json"
  check "${t}_server_cached_mostly_hits" quiet jq -e '.server.hit_ratio > 0.5' "$dir/cached.json"
  cached_beats "$t" "$dir" server.mysql_qps '<' fewer_mysql_statements
  check "${t}_server_p99_recorded" quiet jq -e '.server.p99_ms > 0' "$dir/cached.json"
  check "${t}_timeline_per_5s" quiet jq -e '(.timeline | length) >= 1 and .timeline[0].server.rps > 0' "$dir/cached.json"

  missing=
  for row in '| metric | before (baseline) | after (cached) | improvement |' \
    '| avg latency (ms) |' '| p50 latency (ms) |' '| p90 latency (ms) |' \
    '| p95 latency (ms) |' '| p99 latency (ms) |' '| throughput (req/s) |' \
    '| error rate (%) |' '| server: hit ratio (%) |' '| server: p99 of reads (ms) |' \
    '| server: MySQL statements/s |'; do
    grep -qF -- "$row" "$dir/report.md" 2>/dev/null || missing="$missing '$row'"
  done
  if [ -n "$missing" ]; then
    fail "${t}_report_table" "report.md lacks$missing"
  else
    pass "${t}_report_table"
  fi
  if [ -s "$dir/report.svg" ] && grep -q '<svg' "$dir/report.svg"; then
    pass "${t}_report_svg"
  else
    fail "${t}_report_svg" "report.svg missing, empty or not SVG"
  fi
}

check_other_settings
check_scenario seed
check_scenario capacity

tests_done
