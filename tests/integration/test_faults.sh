#!/usr/bin/env bash
# Faults under load (wrk, 50 connections, loopback, bounded): Redis killed
# and restarted, the database stopped while the cache is warm, a graceful
# pool restart, a responder SIGKILLed; then a read-after-write consistency
# run and the stampede guard measured against no guard. Each prints what it
# measured and asserts it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD_LOG=$(mktemp)
trap 'rm -f "$LOAD_LOG"' EXIT
command -v wrk >/dev/null || {
  fail "wrk installed" "install the 'wrk' package (make deps)"
  tests_done
}

HOT='/products?limit=20'
warm() {
  http GET "$HOT"
  http GET "$HOT"
}

# Each fault runs inside one wrk run that lasts until the scenario is
# over (stop_load), however long its steps take on a loaded machine; the
# waits inside are bounded polls for the state the checks need.
# A request of the hot path, answered with this X-Cache.
hot_is() { [ "$(x_cache "$HOT")" = "$1" ]; }

# 1. Redis killed and restarted during load.
warm
start_load 120 "$HOT"
sleep 2
kill "$(cat "$REDIS_PID_FILE")"
# Away long enough that the load met it: a BYPASS seen here too.
check "redis killed: answers from MySQL (BYPASS within 10 s)" eventually 10 hot_is BYPASS
sleep 2
"$STACK" up >/dev/null
stop_load
show "redis restart"
check_eq "redis restart: non-2xx" 0 "${R[non2xx]}"
check_eq "redis restart: socket errors" 0 "${R[socket_errors]}"
check "redis restart: answered from MySQL while away (bypass=${R[bypass]})" test "${R[bypass]}" -gt 0
# Back to HIT within seconds: responders skip Redis for 500 ms after a
# failed connect, then the first reads rebuild the emptied cache.
check "redis restart: cache used again afterwards (HIT within 5 s)" eventually 5 hot_is HIT

# 2. Database stopped while the cache is warm, longer than the TTL.
warm
start_load 120 "$HOT"
sleep 2
db_pid=$(cat "$DB_PID_FILE")
kill "$db_pid"
eventually 30 sh -c "! kill -0 $db_pid 2>/dev/null"
http PUT /products/1 -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
  --data '{"name":"During outage","price":1}'
check_eq "db down: a write gets 503" 503 "$STATUS"
check "db down: the 503 says why" eval "printf '%s' \"\$BODY\" | jq -e '.error | test(\"database\")' >/dev/null"
# Past the TTL: the hot entry's freshness marker gone (it lives at most
# the TTL, so the bound is the TTL and a margin) and a STALE copy served.
eventually $((CACHE_TTL_S + 5)) fresh_gone products:list:20:0
check "db down past the TTL: a STALE copy served (within 5 s)" eventually 5 hot_is STALE
sleep 1
"$STACK" up >/dev/null
stop_load
show "db outage"
check_eq "db outage: non-2xx" 0 "${R[non2xx]}"
check_eq "db outage: socket errors" 0 "${R[socket_errors]}"
check "db outage: stale copy served past its TTL (stale=${R[stale]})" test "${R[stale]}" -gt 0
check_eq "db outage: the refused write did not land" 0 "$(sql "SELECT COUNT(*) FROM products WHERE name = 'During outage'")"

# 3a. Graceful restart of the pool (multiwatch forwards USR2).
pool=$(cat "$POOL_PID_FILE")
old=$(pool_responders)
start_load 120 "$HOT"
sleep 2
"$STACK" restart-pool >/dev/null
# Still under full load (wrk runs until stop_load): a responder must stop
# after its current request, not wait for an idle moment that a busy pool
# never has. A request takes milliseconds: 10 s is the bound of a hang.
check "graceful restart: every responder replaced while under load (within 10 s)" \
  eventually 10 no_survivors_of "$old"
stop_load
show "graceful restart"
check_eq "graceful restart: non-2xx" 0 "${R[non2xx]}"
check_eq "graceful restart: socket errors" 0 "${R[socket_errors]}"
check_eq "graceful restart: pool size kept" "$POOL_SIZE" "$(pgrep -P "$pool" | wc -l)"

# 3b. One responder SIGKILLed during load: at most its one in-flight
# request is lost.
start_load 120 "$HOT"
sleep 2
kill -KILL "$(pgrep -P "$pool" | head -n 1)"
sleep 2
stop_load
show "sigkill"
info "sigkill: requests lost = $((R[non2xx] + R[socket_errors]))"
check "sigkill: at most 1 request lost (lost $((R[non2xx] + R[socket_errors])))" \
  test $((R[non2xx] + R[socket_errors])) -le 1
check "sigkill: multiwatch restored the pool" \
  eventually 10 sh -c "[ \$(pgrep -P $pool | wc -l) -eq $POOL_SIZE ]"

# 4. Read-after-write consistency: one writer, 50 readers.
out=$(python3 "$HERE/consistency.py" 127.0.0.1 "$HTTP_PORT" "$ADMIN_TOKEN" 50 10)
info "consistency: $out"
consistency_checks "consistency: no read older than a completed write" "$out"

# 5. Stampede: MySQL queries while one hot key expires again and again
# under 50 connections, with and without the guard.
stampede() { # guard
  CACHE_GUARD=$1 "$STACK" mode cached >/dev/null
  empty_cache
  # Warm before counting: the expiries are the stampedes measured, not a
  # cold start (which, on a slow machine, outlasts the guard's wait).
  http GET /products?limit=30
  local before after
  before=$(sql "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | cut -f2)
  wrk -t2 -c50 -d10s --timeout 5s -s "$ROOT/bench/wrk/count.lua" "$HTTP_URL/products?limit=30" >"$LOAD_LOG" 2>&1
  after=$(sql "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | cut -f2)
  # Each MySQL read is two statements: the delay and the SELECT.
  echo $(((after - before) / 2))
}
unguarded=$(stampede 0)
show "stampede, no guard"
guarded=$(stampede 1)
show "stampede, guard"
parse_load
info "stampede: MySQL reads in 10 s with TTL ${CACHE_TTL_S}s: without guard $unguarded, with guard $guarded"
check "stampede: the guard cuts MySQL reads at least 3x ($guarded vs $unguarded)" test $((guarded * 3)) -lt "$unguarded"
check "stampede: about one rebuild per expiry ($guarded for 10 s / ${CACHE_TTL_S}s TTL)" test "$guarded" -le $((10 / CACHE_TTL_S + 3))
check_eq "stampede: guarded run non-2xx" 0 "${R[non2xx]}"

tests_done
