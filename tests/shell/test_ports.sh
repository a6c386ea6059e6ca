#!/usr/bin/env bash
# make test picks free side ports: with the old fixed ones (5081, and 5083
# for the ASan pass) taken by another program, the integration runner still
# starts its private stack (IT_ONLY matches no test, so only the stack
# starts and stops).
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
TMP=$(mktemp -d)
# nginx's workers (nobody, when we are root) must reach the run folder.
chmod 711 "$TMP"
LISTENERS=()

cleanup() {
  local pid
  for pid in "${LISTENERS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# usage: occupy PORT: a listener there unless something already listens
occupy() {
  port_taken "$1" && return 0
  python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(300)' "$1" &
  LISTENERS+=($!)
  eventually 5 port_taken "$1"
}

occupy 5081
occupy 5083
check "ports 5081 and 5083 are taken" bash -c '(exec 3<>/dev/tcp/127.0.0.1/5081) && (exec 3<>/dev/tcp/127.0.0.1/5083)' 2>/dev/null
env -u IT_HTTP_PORT IT_ONLY=no-such-test IT_RUN_DIR="$TMP/run" \
  "$ROOT/tests/integration/run" >"$TMP/run.log" 2>&1
rc=$?
if grep -q '^PASS stack_up' "$TMP/run.log" && [ "$rc" = 0 ]; then
  pass "integration runner starts with 5081 taken $(sed -n "s/^PASS stack_up //p" "$TMP/run.log")"
else
  fail "integration runner starts with 5081 taken" "exit $rc: $(grep -E '^FAIL|error' "$TMP/run.log" | tail -n 3 | tr '\n' ' ')"
fi
check "the private stack is gone afterwards" test ! -e "$TMP/run"

tests_done
