#!/usr/bin/env bash
# The Redis link blackholed or cut, not Redis killed (issue 21's faults of
# real networks), with tests/faults/proxy.py between a second app host and
# the stack's Redis: while Redis does not answer, reads answer 200 from
# MySQL (BYPASS), each bounded by REDIS_TIMEOUT_MS, none hangs; once the
# link is back, the cache answers again (HIT).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/second_host.sh"
PROXY=$ROOT/tests/faults/proxy.py
HOST2_PORT=$(free_port "${IT_HOST2_PORT:-$((HTTP_PORT + 5))}")
LINK_DIR=$(mktemp -d)
PROXY_PID=
ITEM=/products/3

cleanup() {
  stop_second_host
  [ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null
  rm -rf "$LINK_DIR"
}
trap cleanup EXIT

# usage: via2 PATH: prints "STATUS X-CACHE" of a GET on the second host.
via2() {
  curl -s -o /dev/null -D - --max-time 5 "$HOST2_URL$1" | tr -d '\r' |
    awk 'NR == 1 {s = $2} tolower($1) == "x-cache:" {c = $2} END {print s " " c}'
}
hit2() { [ "$(via2 "$ITEM")" = "200 HIT" ]; }

# The responders' user must reach the proxy's socket.
chmod 711 "$LINK_DIR"
python3 "$PROXY" serve --listen "unix:$LINK_DIR/redis.sock" \
  --target "unix:$REDIS_SOCKET" --control "$LINK_DIR/ctl.sock" \
  >"$LINK_DIR/proxy.log" 2>&1 &
PROXY_PID=$!
eventually 10 test -S "$LINK_DIR/redis.sock" || {
  fail "proxy started" "$(cat "$LINK_DIR/proxy.log")"
  tests_done
}
chmod 666 "$LINK_DIR/redis.sock"
# L1 off, so that every read asks Redis; a long TTL, so a HIT stays one.
if ! start_second_host "$HOST2_PORT" CACHE_L1=0 CACHE_TTL_S=60 \
  REDIS_SOCKET="$LINK_DIR/redis.sock"; then
  fail "second host (Redis through the proxy) started" "see $HOST2_DIR/logs"
  tests_done
fi
check "through the proxy: the cache answers (HIT)" eventually 10 hit2

# fault NAME: the link under fault NAME (blackhole or cut), then restored.
fault() {
  local name=$1 got i bypass=0
  if [ "$name" = blackhole ]; then fault_ctl "$LINK_DIR/ctl.sock" blackhole on; else fault_ctl "$LINK_DIR/ctl.sock" cut; fi >/dev/null
  for ((i = 0; i < 5; i++)); do
    got=$(via2 "$ITEM")
    [ "$got" = "200 BYPASS" ] && bypass=$((bypass + 1))
  done
  check_eq "$name: 5 reads answered from MySQL (200 BYPASS)" 5 "$bypass"
  fault_ctl "$LINK_DIR/ctl.sock" restore >/dev/null
  check "$name lifted: the cache answers again (HIT)" eventually 10 hit2
}
fault blackhole
fault cut

tests_done
