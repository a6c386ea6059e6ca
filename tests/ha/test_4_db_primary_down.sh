#!/usr/bin/env bash
# The database primary stopped under load: reads keep answering from the
# cache (STALE past the TTL) and rebuilds from the replica, writes answer 503
# quickly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp)
trap 'rm -f "$LOAD_LOG"' EXIT
HOT='/products?limit=20'

http GET "$HOT"
http GET "$HOT"
start_load 600 "$HOT"
sleep 2
r0=$(rows_read 1)
db=$(cat "$HA_RUN_DIR/db0/mysqld.pid")
kill -TERM "$db"
eventually 30 sh -c "! kill -0 $db 2>/dev/null"
http PUT /products/3 -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
  --data '{"name":"During outage","price":2}'
write_status=$STATUS write_time=$TIME
# Load until a rebuild read the replica (the hot entry expires every 3 s),
# a bounded wait, however long stopping the primary took.
replica_read() { [ "$(rows_read 1)" -gt "$r0" ]; }
eventually 20 replica_read
stop_load
r1=$(rows_read 1)
show "db primary down (wrk 50 conns)"
info "db primary down: the write answered $write_status in ${write_time} s"
check_eq "db primary down: non-2xx reads" 0 "${R[non2xx]}"
check_eq "db primary down: socket errors" 0 "${R[socket_errors]}"
check "db primary down: answered from the cache (hit=${R[hit]} stale=${R[stale]})" \
  test $((R[hit] + R[stale])) -gt 100
check "db primary down: rebuilds read the replica ($((r1 - r0)) rows)" test $((r1 - r0)) -gt 0
check_eq "db primary down: a write gets 503" 503 "$write_status"
check "db primary down: ... quickly (${write_time} s < 1 s)" awk "BEGIN {exit !($write_time < 1)}"
tests_done
