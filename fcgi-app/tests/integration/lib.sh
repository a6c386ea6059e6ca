# shellcheck shell=bash
# The integration tests' layer over scripts/lib.sh (sourced by each
# test_*.sh): the shared helpers (http, header, check, check_eq, pass, fail,
# eventually, ready, tests_done, ...) plus the few that reach into the
# private stack. Needs the stack's env (HTTP_URL, MYSQL_SOCKET, ...)
# exported, as fcgi-app/tests/integration/run does.

# shellcheck source=../../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib.sh"
# shellcheck disable=SC2034 # used by the test scripts
STACK=$ROOT/scripts/stack

# usage: sql STATEMENT    e.g. sql 'SELECT COUNT(*) FROM products'
# Runs STATEMENT as root on the private stack's socket; tab-separated rows.
sql() {
  "$(first_cmd mariadb mysql)" --no-defaults --protocol=socket \
    --socket="$MYSQL_SOCKET" -uroot -N -B products -e "$1"
}

# usage: redis ARGS...    e.g. redis FLUSHALL
# redis-cli on the private stack's socket.
redis() { redis-cli -s "$REDIS_SOCKET" "$@"; }
