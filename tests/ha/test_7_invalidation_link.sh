#!/usr/bin/env bash
# One app host's links to Redis behind the fault proxy (tests/faults/proxy.py):
# a third pool ("host C", its own nginx) whose Sentinel questions go through
# tests/faults/sentinel_map.py, which answers with the proxy in front of the
# master. The consistency checker writes through the topology's nginx (pools
# A and B, direct links) and reads through both fronts, while C's links are
# delayed 50 ms each way, then blackholed, then cut; first with host C on
# the strict rung (CACHE_L1=0), then with its L1 on, kept coherent across
# hosts by the L1 leases (l1_lease.h): 0 stale reads in each phase, and C
# answers its reads (from MySQL while the link is down). The writes'
# latency with L1 on is printed (a cut-off holder makes a write wait out
# its lease, about 1 s).
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

# usage: write_latency NAME    e.g. write_latency "cut"
# 30 PUTs one after the other through the topology's nginx; prints their
# p50 and p99 (the slowest of 30) in ms with info.
write_latency() {
  local i times
  times=$(for i in $(seq 30); do
    curl -s -o /dev/null -w '%{time_total}\n' -X PUT "$HTTP_URL/products/7" \
      -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
      --data "{\"name\":\"Latency\",\"price\":$i}"
  done | sort -n)
  info "invalidation link, $1: write latency p50 $(sed -n 15p <<<"$times" | awk '{printf "%.0f", $1 * 1000}') ms," \
    "p99 $(tail -n 1 <<<"$times" | awk '{printf "%.0f", $1 * 1000}') ms (30 PUTs)"
}

# Both rungs on host C: strict (CACHE_L1=0), then L1 on, whose copies are
# kept coherent across hosts by the L1 leases (l1_lease.h).
for l1 in 0 1; do
  rung=strict
  [ "$l1" = 0 ] || rung=L1
  if [ "$l1" = 1 ]; then
    check "invalidation link: host C ready (L1 on)" start_host_c 1
  fi
  checked_phase "$rung, no fault" 4 0.2
  check_eq "invalidation link, $rung, no fault: 0 stale reads" 0 "${C[stale_reads]}"
  [ "$l1" = 0 ] || write_latency "$rung, no fault"
  for fault in "delay 50" "blackhole on" cut; do
    faults restore
    # shellcheck disable=SC2086 # the fault's words are its arguments
    faults $fault
    # Writes 0.2 s apart: host C's L1 fills between two of them.
    checked_phase "$rung, $fault" 6 0.2
    check_eq "invalidation link, $rung, $fault: 0 stale reads" 0 "${C[stale_reads]}"
    check_eq "invalidation link, $rung, $fault: every read answered" 0 "${C[get_errors]}"
    check "invalidation link, $rung, $fault: the writer went on (writes=${C[writes]})" test "${C[writes]}" -ge 3
    [ "$l1" = 0 ] || write_latency "$rung, $fault"
  done
  faults restore
done
tests_done
