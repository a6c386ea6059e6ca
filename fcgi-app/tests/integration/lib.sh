# Shared helpers for the integration tests (sourced). Each check prints
# "PASS name" or "FAIL name: why"; a script exits non-zero if any failed.
# Needs the stack's env (HTTP_URL, RUN_DIR, MYSQL_SOCKET, ...) exported.

FAILED=0
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
STACK=$ROOT/scripts/stack

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
info() { echo "INFO $*"; }

check() { # name condition-command...
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name" "'$*' was false"; fi
}

check_eq() { # name expected actual
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# http METHOD PATH [curl args...]: sets STATUS, BODY, HEADERS, TIME (s).
http() {
  local method=$1 path=$2 out; shift 2
  out=$(mktemp)
  local meta
  meta=$(curl -s -X "$method" -D "$out.h" -o "$out" -w '%{http_code} %{time_total}' \
    --max-time 10 "$@" "$HTTP_URL$path") || meta="000 0"
  STATUS=${meta% *}
  TIME=${meta#* }
  BODY=$(cat "$out")
  HEADERS=$(tr -d '\r' < "$out.h" 2>/dev/null)
  rm -f "$out" "$out.h"
}

# The value of a response header (name matched case-insensitively).
header() { printf '%s\n' "$HEADERS" | awk -v h="$1:" 'tolower($1) == tolower(h) {sub(/^[^:]*: */, ""); v=$0} END {print v}'; }

# mysql as root on the private stack's socket.
sql() {
  "$(command -v mariadb || command -v mysql)" --no-defaults --protocol=socket \
    --socket="$MYSQL_SOCKET" -uroot -N -B products -e "$1"
}

redis() { redis-cli -s "$REDIS_SOCKET" "$@"; }

# Waits (bounded) until the command succeeds.
eventually() { # seconds command...
  local limit=$1 i; shift
  for ((i = 0; i < limit * 10; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$HTTP_URL/readyz")" = 200 ]; }

finish() { exit "$FAILED"; }
