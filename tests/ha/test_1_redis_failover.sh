#!/usr/bin/env bash
# The Redis master SIGKILLed under load: Sentinel promotes the replica, the
# responders find it (connection errors -> ask the Sentinels again, ROLE
# checked), reads answer 2xx throughout, 0 stale reads, and the generation
# on the new master is above every generation the old one handed out.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp) CHECK_LOG=$(mktemp)
trap 'rm -f "$LOAD_LOG" "$CHECK_LOG"' EXIT
HOT='/products?limit=20'

old=$(master_port)
http GET "$HOT"
start_load 600 "$HOT"
checker_start 120 # stopped once the switch is over
sleep 4
gen_before=$(redis_at "$old" GET products:gen)
kill -KILL "$(cat "$HA_RUN_DIR/redis$([ "$old" = "${REDIS_PORTS%% *}" ] && echo 0 || echo 1)/redis.pid")"
# The switch is awaited (bounded), not assumed once a HIT comes back: a
# responder's L1 can answer HIT before it noticed the master is gone.
eventually 30 promoted || info "redis failover: no promotion seen within 30 s"
until_hit=$(seconds_until_hit "$HOT" 20)
new=$(master_port)
# Writes work again: a PUT answers 200 (polled: one may still meet the old
# master and answer 500, "cache not invalidated").
put_ok() {
  http PUT /products/6 -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
    --data '{"name":"After the switch","price":6.5}'
  [ "$STATUS" = 200 ]
}
writes_again=0
eventually 15 put_ok && writes_again=1
stop_load # the load ends once the switch is over, however long it took
refused=$(cat "$HA_RUN_DIR"/logs/pool*.log | grep -c 'cache invalidation failed')
checker_stop
show "redis failover (wrk 50 conns)"
info "redis failover: checker $(sed -n 's/^RESULT //p' "$CHECK_LOG"); HIT again after ${until_hit} s"
check "redis failover: a replica was promoted ($old -> $new)" test -n "$new" -a "$new" != "$old"
check_eq "redis failover: non-2xx reads" 0 "${R[non2xx]}"
check_eq "redis failover: socket errors" 0 "${R[socket_errors]}"
check_eq "redis failover: stale reads" 0 "${C[stale_reads]}"
check_eq "redis failover: failed GETs of the checker" 0 "${C[get_errors]}"
info "redis failover: the checker's writes: ${C[writes]} answered 2xx, ${C[put_errors]} refused; 500s logged by the pools: $refused"
check "redis failover: the checker's writer wrote, so 0 stale reads means something (${C[writes]})" \
  test "${C[writes]:-0}" -gt 0
check "redis failover: writes answer 200 again after the switch (within 15 s)" test "$writes_again" = 1
check "redis failover: HIT again after the switch (${until_hit} s)" test "$until_hit" != never
gen_after=$(redis_at "$new" GET products:gen)
check "redis failover: generation never went back ($gen_before -> $gen_after)" \
  test "$gen_after" -gt "$gen_before"
tests_done
