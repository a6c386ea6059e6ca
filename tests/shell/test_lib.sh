#!/usr/bin/env bash
# The helpers of scripts/lib.sh, each against a case that tells them apart
# from a wrong version: messages and exit codes, ports, waiting, headers and
# the test counters.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
PROG=test_lib
TMP=$(mktemp -d)
LISTENER=

cleanup() {
  [ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# usage: listen PORT: a TCP listener on 127.0.0.1:PORT in the background
# The precondition is made, not hoped for: the listener says when it
# listens (a file), and the wait is bounded by its own end, not by a guess
# at how long Python takes to start on a loaded machine.
listen() {
  rm -f "$TMP/listening"
  python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
open(sys.argv[2], "w").close()
time.sleep(300)' "$1" "$TMP/listening" &
  LISTENER=$!
  while [ ! -e "$TMP/listening" ] && kill -0 "$LISTENER" 2>/dev/null; do sleep 0.05; done
  [ -e "$TMP/listening" ] || die "the test's listener could not bind port $1"
}

# Messages.
check_eq "say prefixes PROG" "test_lib: hello" "$(say hello)"
check_eq "warn goes to stderr" "test_lib: careful" "$(warn careful 2>&1 >/dev/null)"
out=$( (die "broken") 2>&1)
check_eq "die prints an error line" "test_lib: error: broken" "$out"
(die x) 2>/dev/null
check_eq "die exits 1" 1 "$?"
out=$( (need no-such-command-here some-package) 2>&1)
check "need names the package" grep -q "'some-package'" <<<"$out"
check_eq "first_cmd picks the first that exists" "$(command -v bash)" "$(first_cmd no-such-command-here bash sh)"
check_eq "first_cmd prints nothing when none exists" "" "$(first_cmd no-such-command-here)"

# Waiting.
check "eventually succeeds once the command does" eventually 2 test -e /
if eventually 1 false; then
  fail "eventually gives up" "returned success for a command that always fails"
else
  pass "eventually gives up"
fi
touch "$TMP/late"
(
  sleep 0.5
  rm "$TMP/late"
) &
check "eventually waits for a change" eventually 5 test ! -e "$TMP/late"
check_eq "quiet discards output" "" "$(quiet sh -c 'echo out; echo err >&2')"

# Ports.
port=$(free_port 20000)
listen "$port"
check "port_taken sees a listener" port_taken "$port"
check "free_port skips a taken port" test "$(free_port "$port")" -gt "$port"
check "free_port FROM 4: a run of four free ports, none of them the taken one" \
  test "$(free_port $((port - 2)) 4)" -gt "$port"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
LISTENER=
check "port_taken is false once nothing listens" eventually 5 sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"

# Headers, from $HEADERS and from a file.
HEADERS=$'HTTP/1.1 200 OK\nContent-Type: application/json\nX-Cache: HIT'
check_eq "header from HEADERS, any case" HIT "$(header x-cache)"
printf 'HTTP/1.1 200 OK\r\nX-Cache: MISS\r\n\r\n' >"$TMP/h"
check_eq "header from a file, CR removed" MISS "$(header X-Cache "$TMP/h")"
check_eq "header missing is empty" "" "$(header etag)"

# Counters.
out=$(
  PASSED=0 FAILED=0
  pass a >/dev/null
  fail b why >/dev/null
  check c false >/dev/null
  check_eq d 1 1 >/dev/null
  echo "$PASSED $FAILED"
)
check_eq "pass, fail, check and check_eq count" "2 2" "$out"
check_eq "fail names the reason" "FAIL x: expected '1', got '2'" "$(check_eq x 1 2)"
(
  FAILED=1
  tests_done
)
check_eq "tests_done exits 1 after a failure" 1 "$?"
(
  FAILED=0
  tests_done
)
check_eq "tests_done exits 0 without failures" 0 "$?"
check_eq "script_ended: a cut-off script (124) gets a FAIL line" "FAIL test_x.sh ended: status 124" \
  "$(script_ended test_x.sh 124)"
check_eq "script_ended: after the script's own FAIL (1), no second line" "" "$(script_ended test_x.sh 1)"
check "script_ended: false unless 0" eval '! script_ended test_x.sh 1 && script_ended test_x.sh 0'

tests_done
