# shellcheck shell=bash
# lib.sh: the one library of shell helpers, sourced by every script and test
# of this project (in the spirit of git's t/test-lib-functions.sh). Each
# helper has a one-line usage comment and an example. Sourcing it defines
# functions and ROOT, and runs nothing else.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"     # from scripts/
#   PROG=bench                                      # prefix for messages

# ROOT: the repository's top folder.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PROG=${PROG:-$(basename "$0")}

# usage: say MESSAGE...    e.g. say "starting the pool"
# Prints "PROG: MESSAGE" on stdout.
say() { printf '%s: %s\n' "$PROG" "$*"; }

# usage: warn MESSAGE...   e.g. warn "wrk not found, skipping"
# Prints "PROG: MESSAGE" on stderr.
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# usage: die MESSAGE...    e.g. die "no stack is running (make up)"
# Prints "PROG: error: MESSAGE" on stderr and exits 1.
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# usage: need COMMAND PACKAGE    e.g. need wrk wrk
# Exits with a message naming the Debian/Ubuntu package when COMMAND is
# missing.
need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found; install the Debian/Ubuntu package '$2' (or run: make deps)"
}

# usage: eventually SECONDS COMMAND...   e.g. eventually 10 redis_ping
# Runs COMMAND every 0.1 s until it succeeds (0) or SECONDS pass (1).
eventually() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# usage: port_taken PORT    e.g. port_taken 5000 && die "port 5000 is busy"
# True when something accepts TCP connections on 127.0.0.1:PORT.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# usage: free_port [FROM]    e.g. HTTP_PORT=$(free_port 5081)
# Prints the first TCP port at or above FROM (default 20000) on which
# nothing listens on 127.0.0.1.
free_port() {
  local p=${1:-20000}
  while port_taken "$p"; do p=$((p + 1)); done
  printf '%s\n' "$p"
}
