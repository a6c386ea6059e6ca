#!/usr/bin/env bash
# One responder pool (an "app host") SIGKILLed with its responders under
# load: nginx passes reads to the other pool, 0 failed GETs.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp) CHECK_LOG=$(mktemp)
trap 'rm -f "$LOAD_LOG" "$CHECK_LOG"' EXIT
HOT='/products?limit=20'

http GET "$HOT"
start_load 600 "$HOT"
checker_start 120 # stopped with the load
sleep 3
pool=$(cat "$HA_RUN_DIR/pool0/pool.pid")
kill -KILL -- "-$pool"
sleep 4 # reads go on through the other pool for a while
stop_load
checker_stop
show "pool killed (wrk 50 conns)"
info "pool killed: checker $(sed -n 's/^RESULT //p' "$CHECK_LOG")"
check "pool killed: pool 0 is gone" test ! -e "/proc/$pool"
check_eq "pool killed: non-2xx reads" 0 "${R[non2xx]}"
check_eq "pool killed: socket errors" 0 "${R[socket_errors]}"
check_eq "pool killed: failed GETs of the checker" 0 "${C[get_errors]}"
check_eq "pool killed: stale reads" 0 "${C[stale_reads]}"
check "pool killed: reads went on (${R[requests]})" test "${R[requests]}" -gt 100
tests_done
