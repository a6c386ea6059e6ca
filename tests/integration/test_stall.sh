#!/usr/bin/env bash
# No stall with kept connections (issue: hot path). nginx keeps up to
# worker_processes x keepalive FastCGI connections open; here that is far
# more than the pool has threads (POOL_SIZE x RESPONDER_THREADS=8). Under
# load, in both modes, while slow misses run on other connections, no
# request may wait longer than its own work plus a margin: with responders
# that a kept connection pins (the old design), requests queue behind idle
# connections for up to nginx's keepalive_timeout.
source "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp)
MISS_PIDS=()
cleanup() {
  [ ${#MISS_PIDS[@]} -eq 0 ] || kill "${MISS_PIDS[@]}" 2>/dev/null
  rm -f "$LOAD_LOG"
  RESPONDER_THREADS=$SAVED_THREADS CACHE_TTL_S=$CACHE_TTL_S DB_DELAY_MS=$SAVED_DELAY "$STACK" up >/dev/null 2>&1
}
trap cleanup EXIT
command -v wrk >/dev/null || {
  fail "wrk installed" "install the 'wrk' package (make deps)"
  tests_done
}
SAVED_THREADS=$("$STACK" env | sed -n 's/^RESPONDER_THREADS=//p')
SAVED_DELAY=$DB_DELAY_MS
THREADS=8
# Slow misses (1 s), so that waiting behind one stands out from scheduling
# noise (a sanitizer build on a busy 2-core machine): a HIT that waited
# behind a miss would take up to DB_DELAY_MS longer; one that waited behind
# an idle kept connection, up to nginx's keepalive_timeout.
DB_DELAY_MS=1000
HIT_MAX_MS=$((DB_DELAY_MS / 2))
MARGIN_MS=400
# A long TTL: the HIT load below must not include expiry rebuilds.
RESPONDER_THREADS=$THREADS CACHE_TTL_S=600 DB_DELAY_MS=$DB_DELAY_MS "$STACK" up >/dev/null || {
  fail "pool restarted" "stack up failed"
  tests_done
}
eventually 10 ready
total_threads=$((POOL_SIZE * THREADS))

# load CONNECTIONS SECONDS PATH: one wrk run in the foreground; fills R.
load() {
  start_load "$2" "$3" "$1"
  finish_load
}
# FastCGI connections open on the pool's socket (nginx's kept ones included).
kept() { ss -x state established 2>/dev/null | grep -c "$FCGI_SOCKET"; }
# misses N: N clients asking for pages nobody asked for before (each one a
# MySQL read of DB_DELAY_MS), until killed.
misses() {
  local i
  for ((i = 0; i < $1; i++)); do
    (
      n=0
      while :; do
        curl -s -o /dev/null --max-time 10 "$HTTP_URL/products?limit=2&offset=$((RANDOM * 20 + i * 7 + n))"
        n=$((n + 1))
      done
    ) &
    MISS_PIDS+=($!)
  done
}
stop_misses() {
  kill "${MISS_PIDS[@]}" 2>/dev/null
  wait "${MISS_PIDS[@]}" 2>/dev/null
  MISS_PIDS=()
}

# Open many kept connections: a burst of 100 concurrent clients, then idle.
http GET /products
load 100 2 /products
sleep 0.5
idle=$(kept)
info "kept FastCGI connections after the burst: $idle (pool threads: $total_threads)"
check "more kept connections ($idle) than pool threads ($total_threads)" [ "$idle" -gt "$total_threads" ]

# Cached mode: HITs while 2 slow misses hold threads on other connections.
misses 2
load 20 4 /products
stop_misses
show "cached, with misses running"
check_eq "cached: no failed request" "0 0" "${R[non2xx]} ${R[socket_errors]}"
check "cached: HITs served (${R[hit]:-0})" [ "${R[hit]:-0}" -gt 100 ]
check_eq "cached: every answer a HIT" "${R[requests]}" "${R[hit]:-0}"
check "cached: slowest HIT ${R[max_ms]} ms < ${HIT_MAX_MS} ms" \
  awk -v m="${R[max_ms]}" -v l="$HIT_MAX_MS" 'BEGIN {exit !(m < l)}'

# Baseline: every request is a MySQL read of DB_DELAY_MS. With fewer
# clients than one responder has threads (and MySQL connections), none may
# wait for another's, whichever responders nginx's kept connections lead to.
"$STACK" mode baseline >/dev/null
# Re-open kept connections to the new responders, then let the burst's
# queued 1 s reads drain (100 clients, 32 threads).
load 100 1 /products
sleep 5
load $((THREADS - 2)) 4 /products
show "baseline"
check_eq "baseline: no failed request" "0 0" "${R[non2xx]} ${R[socket_errors]}"
# Each client completes a request every DB_DELAY_MS (+ overhead).
expected=$(((THREADS - 2) * 4000 / DB_DELAY_MS))
check "baseline: ${R[requests]} requests, at least half of $expected" [ "${R[requests]}" -ge $((expected / 2)) ]
check "baseline: slowest request ${R[max_ms]} ms <= ${DB_DELAY_MS} ms + margin" \
  awk -v m="${R[max_ms]}" -v l="$((DB_DELAY_MS + MARGIN_MS))" 'BEGIN {exit !(m <= l)}'
"$STACK" mode cached >/dev/null
tests_done
