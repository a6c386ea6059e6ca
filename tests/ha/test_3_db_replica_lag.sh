#!/usr/bin/env bash
# The database replica lagging (its SQL thread stopped) while the writer
# goes on: 0 stale reads, rebuilds read the primary once the replica misses
# the latest write's GTID position (DB_READ_WAIT_MS); replica restarted,
# rebuilds go back to it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp) CHECK_LOG=$(mktemp)
trap 'rm -f "$LOAD_LOG" "$CHECK_LOG"; on_replica "START SLAVE SQL_THREAD" 2>/dev/null' EXIT
HOT='/products?limit=20'

# Each phase lasts until the rebuilds it is about were seen (bounded polls
# on the rows each database read: TTL 3 s, so a rebuild every few seconds),
# not a fixed sleep; the load lasts until the last phase is over.
# usage: reads_grew N SINCE    e.g. eventually 20 reads_grew 1 "$r0"
reads_grew() { [ "$(rows_read "$1")" -gt "$2" ]; }
http GET "$HOT"
start_load 600 "$HOT"
checker_start 120 # stopped once the last phase is over
r0=$(rows_read 1) p0=$(rows_read 0)
eventually 20 reads_grew 1 "$r0"
r1=$(rows_read 1) p1=$(rows_read 0)
on_replica 'STOP SLAVE SQL_THREAD'
# Lagging counts from the first rebuild read on the primary (a write the
# replica cannot apply has landed), until a page's worth (20 rows) more:
# replica reads from before it are not the lagging replica's.
eventually 20 reads_grew 0 "$p1"
rl=$(rows_read 1) pl=$(rows_read 0)
eventually 20 reads_grew 0 $((pl + 20))
r2=$(rows_read 1) p2=$(rows_read 0)
on_replica 'START SLAVE SQL_THREAD'
eventually 20 reads_grew 1 "$r2"
r3=$(rows_read 1) p3=$(rows_read 0)
stop_load
checker_stop
show "replica lag (wrk 50 conns)"
info "replica lag: checker $(sed -n 's/^RESULT //p' "$CHECK_LOG")"
info "replica lag: rows read replica/primary: before $((r1 - r0))/$((p1 - p0)), lagging $((r2 - rl))/$((p2 - pl)), after $((r3 - r2))/$((p3 - p2))"
check_eq "replica lag: stale reads" 0 "${C[stale_reads]}"
check_eq "replica lag: non-2xx reads" 0 "${R[non2xx]}"
check_eq "replica lag: failed GETs of the checker" 0 "${C[get_errors]}"
check "replica lag: rebuilds read the replica before" test $((r1 - r0)) -gt 0
check "replica lag: ... the primary while it lags" test $((p2 - pl)) -gt 0
check "replica lag: ... not the lagging replica" test $((r2 - rl)) -lt $((p2 - pl))
check "replica lag: ... the replica again once restarted" test $((r3 - r2)) -gt 0
tests_done
