#!/usr/bin/env bash
# One app host's links to Redis behind the fault proxy (tests/faults/proxy.py):
# a third pool ("host C", its own nginx) whose Sentinel questions go through
# tests/faults/sentinel_map.py, which answers with the proxy in front of the
# master. The consistency checker writes through the topology's nginx (pools
# A and B, direct links) and reads through both fronts, while C's links are
# delayed 50 ms each way, then blackholed, then cut. Host C runs the strict
# rung (CACHE_L1=0): 0 stale reads in each phase, and C answers its reads
# (from MySQL while the link is down). Then, for the record only, the same
# 50 ms delay with C's L1 on: without L1 leases (issue 21) a read on C may
# come from L1 before the invalidation arrives (docs/consistency.md: 1.5 s).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
FAULTS=$ROOT/tests/faults
C_DIR=$HA_RUN_DIR/hostc
PIDS=()
read -ra rports <<<"$REDIS_PORTS"
read -ra sports <<<"$SENTINEL_PORTS"

cleanup() {
  stop_pid "host C's nginx" "$C_DIR/nginx/nginx.pid" >/dev/null 2>&1 || true
  stop_pid "host C's pool" "$C_DIR/pool.pid" >/dev/null 2>&1 || true
  [ ${#PIDS[@]} = 0 ] || kill "${PIDS[@]}" 2>/dev/null
  wait "${PIDS[@]}" 2>/dev/null
}
trap cleanup EXIT

# usage: faults CMD [ARG]    e.g. faults delay 50: the same on both proxies
faults() {
  local i
  for i in 0 1; do python3 "$FAULTS/proxy.py" ctl "$C_DIR/proxy$i.ctl" "$@" >/dev/null || return 1; done
}

# usage: start_host_c CACHE_L1    e.g. start_host_c 0
# Host C's pool (pool B's settings, its FastCGI port, Sentinels through
# the map) and its nginx (the topology's configuration with C as the only
# pool) on C_PORT; waits for /readyz.
start_host_c() {
  local line vars=() user=""
  stop_pid "host C's nginx" "$C_DIR/nginx/nginx.pid" >/dev/null 2>&1 || true
  stop_pid "host C's pool" "$C_DIR/pool.pid" >/dev/null 2>&1 || true
  while IFS= read -r line; do
    case $line in '' | FCGI_APP_BUILD=* | FCGI_LISTEN=* | REDIS_SENTINELS=* | METRICS=* | CACHE_L1=*) continue ;; esac
    vars+=("$line")
  done <"$HA_RUN_DIR/pool1/pool.env"
  vars+=("FCGI_LISTEN=127.0.0.1:$C_FCGI" "REDIS_SENTINELS=127.0.0.1:$(cat "$C_DIR/map.port")"
  METRICS=0 "CACHE_L1=$1")
  launch_pool "$C_DIR/pool.pid" "$C_DIR/logs/pool.log" "${vars[@]}"
  rm -rf "$C_DIR/nginx"
  cp -r "$HA_RUN_DIR/nginx" "$C_DIR/nginx"
  rm -f "$C_DIR/nginx/nginx.pid"
  sed -i -e "s|server 127.0.0.1:[0-9]*|server 127.0.0.1:$C_FCGI|" \
    -e "s|$HA_RUN_DIR/nginx/|$C_DIR/nginx/|g" -e "s|$HA_RUN_DIR/logs/|$C_DIR/logs/|g" \
    -e "s|listen 127.0.0.1:[0-9]*;|listen 127.0.0.1:$C_PORT;|" \
    "$C_DIR/nginx/nginx.conf" "$C_DIR/nginx/fcgi-upstream.conf" "$C_DIR/nginx/edge-zone.conf"
  [ "$(id -u)" = 0 ] && user=" user www-data www-data;" # as scripts/stack
  nginx -p "$C_DIR/nginx" -c "$C_DIR/nginx/nginx.conf" \
    -g "pid $C_DIR/nginx/nginx.pid; error_log $C_DIR/logs/nginx-error.log;$user" || return 1
  eventually 20 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:$C_PORT/readyz)\" = 200 ]"
}

# usage: checked_phase NAME SECONDS [WRITE_PAUSE_S]    e.g. checked_phase "50 ms delay" 8
# The checker (writer on the topology's nginx, readers on both fronts)
# for SECONDS, a write every WRITE_PAUSE_S (0.1); fills C.
checked_phase() {
  python3 "$ROOT/tests/integration/consistency.py" 127.0.0.1 "${HTTP_URL##*:},$C_PORT" "$ADMIN_TOKEN" \
    4 "$2" "${3:-0.1}" >"$CHECK_LOG" 2>&1 &
  CHECK_PID=$!
  checker_finish
  info "invalidation link, $1: checker $(sed -n 's/^RESULT //p' "$CHECK_LOG")"
}

mkdir -p "$C_DIR/logs"
CHECK_LOG=$C_DIR/checker.log
for i in 0 1; do
  python3 "$FAULTS/proxy.py" serve --target "127.0.0.1:${rports[$i]}" --control "$C_DIR/proxy$i.ctl" \
    --port-file "$C_DIR/proxy$i.port" >/dev/null 2>>"$C_DIR/logs/proxy.log" &
  PIDS+=($!)
done
check "invalidation link: both proxies up" eventually 10 test -s "$C_DIR/proxy0.port" -a -s "$C_DIR/proxy1.port"
python3 "$FAULTS/sentinel_map.py" --listen-port-file "$C_DIR/map.port" \
  --sentinels "127.0.0.1:${sports[0]},127.0.0.1:${sports[1]},127.0.0.1:${sports[2]}" \
  --map "${rports[0]}:$(cat "$C_DIR/proxy0.port")" --map "${rports[1]}:$(cat "$C_DIR/proxy1.port")" \
  2>>"$C_DIR/logs/map.log" &
PIDS+=($!)
check "invalidation link: the Sentinel map up" eventually 10 test -s "$C_DIR/map.port"
C_FCGI=$(free_port $((HA_PORT_BASE + 20))) C_PORT=$(free_port $((HA_PORT_BASE + 30)))
check "invalidation link: host C ready (strict, CACHE_L1=0)" start_host_c 0
links() { python3 "$FAULTS/proxy.py" ctl "$C_DIR/proxy$1.ctl" status | sed -n 's/.*links=\([0-9]*\).*/\1/p'; }
check "invalidation link: host C talks to Redis through the proxies" test $(($(links 0) + $(links 1))) -gt 0

checked_phase "no fault" 4
check_eq "invalidation link, no fault: 0 stale reads" 0 "${C[stale_reads]}"
for fault in "delay 50" "blackhole on" cut; do
  faults restore
  # shellcheck disable=SC2086 # the fault's words are its arguments
  faults $fault
  checked_phase "$fault" 6
  check_eq "invalidation link, $fault: 0 stale reads" 0 "${C[stale_reads]}"
  check_eq "invalidation link, $fault: every read answered" 0 "${C[get_errors]}"
  check "invalidation link, $fault: the writer went on (writes=${C[writes]})" test "${C[writes]}" -gt 10
done
faults restore

# For the record: the same delay with host C's L1 on, writes 0.5 s apart
# (C's L1 is filled between two writes: a Redis round trip through the
# delay takes 100 ms, and an invalidation during it keeps the copy out).
if start_host_c 1; then
  faults delay 50
  checked_phase "delay 50, host C with L1 on (no L1 leases yet)" 6 0.5
  faults restore
fi
tests_done
