#!/usr/bin/env bash
# WAIT times out (the Redis replica frozen with SIGSTOP): the Sentinels,
# asked after the change, still name the master it went to, so the write
# still answers 2xx, after about REDIS_WAIT_MS, and the pool logs the
# timeout; reads after it see the write.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
master=$(master_port)
read -ra ports <<<"$REDIS_PORTS"
n=0
[ "$master" = "${ports[0]}" ] && n=1
replica_pid=$(cat "$HA_RUN_DIR/redis$n/redis.pid")
trap 'kill -CONT "$replica_pid" 2>/dev/null' EXIT

# The restarted old master may still be on its way back to being a replica.
check "wait timeout: the master has a replica" eventually 30 has_replica
before=$(cat "$HA_RUN_DIR"/logs/pool*.log | grep -c 'no replica confirmed')
kill -STOP "$replica_pid"
http PUT /products/4 -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
  --data '{"name":"Waited for","price":4.25}'
kill -CONT "$replica_pid"
after=$(cat "$HA_RUN_DIR"/logs/pool*.log | grep -c 'no replica confirmed')
info "wait timeout: the write answered $STATUS in ${TIME} s"
check_eq "wait timeout: the write still answers 200" 200 "$STATUS"
check "wait timeout: ... after waiting REDIS_WAIT_MS (${TIME} s >= 0.2 s)" awk "BEGIN {exit !($TIME >= 0.2)}"
check_eq "wait timeout: the pool logged it" 1 $((after - before))
http GET /products/4
check "wait timeout: a read after it sees the write" eval "printf '%s' \"\$BODY\" | grep -q 'Waited for'"
tests_done
