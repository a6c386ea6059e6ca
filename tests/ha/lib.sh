# shellcheck shell=bash
# The ha tests' helpers, over the integration tests' library (start_load,
# finish_load, show, R, ...). Needs the topology's env (TOPOLOGY=ha scripts/stack env)
# exported, as tests/ha/run does.

# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
CHECKER=$ROOT/tests/integration/consistency.py

# usage: redis_at PORT ARGS...    e.g. redis_at 5237 GET products:gen
# As Redis' default user (REDIS_ADMIN_PASSWORD from TOPOLOGY=ha scripts/stack env).
redis_at() {
  local port=$1
  shift
  REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli --no-auth-warning -p "$port" "$@"
}

# usage: master_port    e.g. old=$(master_port)
# The Redis master's port, as the Sentinels see it.
master_port() { redis-cli -p "${SENTINEL_PORTS%% *}" SENTINEL get-master-addr-by-name "$REDIS_MASTER_NAME" | sed -n 2p; }

# usage: promoted    e.g. old=$(master_port); ...; eventually 30 promoted
# True once the Sentinels name a master other than $old.
promoted() {
  local p
  p=$(master_port)
  [ -n "$p" ] && [ "$p" != "${old:?}" ]
}

# usage: has_replica    e.g. eventually 30 has_replica
# True when the master the Sentinels name has a replica online: connected
# and past its first sync (state=online). One still syncing (Redis waits
# repl-diskless-sync-delay, 5 s, before a fresh replica's first sync) is
# connected but not counted by ROLE, so a write would not WAIT for it.
has_replica() {
  redis_at "$(master_port)" INFO replication | tr -d '\r' | grep -q '^slave[0-9]*:.*state=online'
}

# usage: checker_start SECONDS    e.g. checker_start 15
# The consistency checker (one writer, 4 readers, a write every 0.2 s) in
# the background; its output goes to CHECK_LOG.
checker_start() {
  python3 "$CHECKER" 127.0.0.1 "${HTTP_URL##*:}" "$ADMIN_TOKEN" 4 "$1" 0.2 >"$CHECK_LOG" 2>&1 &
  CHECK_PID=$!
}

# usage: checker_stop    e.g. checker_start 120; ...; checker_stop
# Ends the checker now (SIGINT: it reports as at its end), then as
# checker_finish: a checker that lasts until the scenario is over, however
# long that took on this box.
checker_stop() {
  kill -INT "$CHECK_PID" 2>/dev/null
  checker_finish
}

# usage: checker_finish    e.g. checker_finish; echo "${C[stale_reads]}"
# Waits for the checker and fills C from its RESULT line.
declare -A C
checker_finish() {
  local kv kvs
  wait "$CHECK_PID"
  C=()
  read -ra kvs <<<"$(sed -n 's/^RESULT //p' "$CHECK_LOG")"
  for kv in "${kvs[@]}"; do C[${kv%%=*}]=${kv#*=}; done
  [ -n "${C[reads]:-}" ] || {
    cat "$CHECK_LOG"
    C=([reads]=0 [stale_reads]=-1 [get_errors]=-1 [put_errors]=-1)
  }
}

# usage: seconds_until_hit PATH LIMIT    e.g. s=$(seconds_until_hit /products/5 20)
# Polls PATH every 0.1 s until X-Cache: HIT; prints the seconds it took (one
# decimal), or "never" after LIMIT seconds.
seconds_until_hit() {
  local t0 i
  t0=$(date +%s%N)
  for ((i = 0; i < $2 * 10; i++)); do
    if [ "$(x_cache "$1")" = HIT ]; then
      echo $((($(date +%s%N) - t0) / 100000000)) | sed 's/.$/.&/;s/^\./0./'
      return 0
    fi
    sleep 0.1
  done
  echo never
}

# usage: rows_read N    e.g. before=$(rows_read 1)
# Rows the responders' read-only user has read on database N (0 primary,
# 1 replica), from MariaDB's user statistics (--userstat=1, scripts/stack).
rows_read() {
  local sockets
  read -ra sockets <<<"$MYSQL_ROOT_SOCKETS"
  "$(first_cmd mariadb mysql)" --no-defaults --protocol=socket --socket="${sockets[$1]}" -uroot -N -B \
    -e "SELECT COALESCE(SUM(ROWS_READ), 0) FROM information_schema.USER_STATISTICS WHERE USER = 'products_reader'"
}

# usage: on_replica SQL    e.g. on_replica 'STOP SLAVE SQL_THREAD'
on_replica() {
  local sockets
  read -ra sockets <<<"$MYSQL_ROOT_SOCKETS"
  "$(first_cmd mariadb mysql)" --no-defaults --protocol=socket --socket="${sockets[1]}" -uroot -N -B -e "$1"
}
