# shellcheck shell=bash
# lib.sh: the one library of shell helpers, sourced by every script and test
# of this project (in the spirit of git's t/test-lib-functions.sh). Each
# helper has a one-line usage comment and an example. Sourcing it defines
# functions and ROOT, and runs nothing else.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"     # from scripts/
#   PROG=bench                                      # prefix for messages
#
# Helpers by concern: messages (say, warn, die), tools and settings (need,
# check_int, first_cmd), waiting (eventually, quiet), processes (pid_alive,
# kill_group_after, stop_pid, launch_pool), the running stack
# (read_stack_env), ports (port_taken, free_port), HTTP (http, header,
# ready) and test checks (pass, fail, info, check, check_eq, tests_done).

# ROOT: the repository's top folder.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PROG=${PROG:-$(basename "$0")}

# --- messages ---------------------------------------------------------------

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

# --- tools ------------------------------------------------------------------

# usage: need COMMAND PACKAGE    e.g. need wrk wrk
# Exits with a message naming the Debian/Ubuntu package when COMMAND is
# missing.
need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found; install the Debian/Ubuntu package '$2' (or run: make deps)"
}

# usage: check_int NAME VALUE MIN    e.g. check_int ROUNDS "$rounds" 3
# Dies unless VALUE is a decimal integer >= MIN (NAME says which setting).
check_int() {
  case $2 in '' | *[!0-9]*) die "$1 must be an integer >= $3, not '$2'" ;; esac
  [ "$2" -ge "$3" ] || die "$1 must be an integer >= $3, not '$2'"
}

# usage: first_cmd COMMAND...    e.g. client=$(first_cmd mariadb mysql)
# Prints the path of the first COMMAND that exists; nothing when none does.
first_cmd() {
  local c
  for c in "$@"; do command -v "$c" 2>/dev/null && return 0; done
  return 0
}

# --- waiting and processes --------------------------------------------------

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

# usage: quiet COMMAND...    e.g. eventually 10 quiet redis_ping
# Runs COMMAND with its output (stdout and stderr) discarded.
quiet() { "$@" >/dev/null 2>&1; }

# usage: pid_alive PIDFILE    e.g. pid_alive "$RUN_DIR/redis/redis.pid"
# True when PIDFILE exists and names a live process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

# usage: kill_group_after SECONDS PID    e.g. kill -TERM "$pid"; kill_group_after 30 "$pid"
# Waits up to SECONDS for PID (already asked to stop) to go; then KILLs its
# whole process group (a pool's responders must not outlive multiwatch), or
# PID alone when it leads none. True when PID went by itself.
kill_group_after() {
  local limit=$1 pid=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  return 1
}

# usage: stop_pid NAME PIDFILE [SIGNAL]    e.g. stop_pid nginx "$dir/nginx.pid" QUIT
# Sends SIGNAL (TERM) to the process PIDFILE names, KILLs its group after
# 30 s (kill_group_after), removes PIDFILE and says which. False when it
# was not running.
stop_pid() {
  local name=$1 file=$2 pid
  if ! pid_alive "$file"; then
    rm -f "$file"
    return 1
  fi
  pid=$(cat "$file")
  kill "-${3:-TERM}" "$pid" 2>/dev/null || true
  if kill_group_after 30 "$pid"; then
    say "stopped $name (pid $pid)"
  else
    say "killed $name (pid $pid) after 30 s"
  fi
  rm -f "$file"
}

# usage: launch_detached PIDFILE LOG PROGRAM ARG...    e.g. launch_detached "$d/x.pid" "$d/x.log" "$bin" A=1
# Starts PROGRAM in a session of its own (stop_pid ends the whole group),
# detached, with exactly the NAME=VALUE words of ARG... plus PATH as its
# environment (env -i); words after them are a command PROGRAM runs under
# (e.g. setpriv ...). Its pid goes to PIDFILE, its output to LOG. Returns at
# once: the caller waits for what shows it is up.
launch_detached() {
  local pidfile=$1 log=$2 program=$3
  shift 3
  # shellcheck disable=SC2016 # $$, $0 and $1 are the inner shell's
  nohup setsid env -i PATH="$PATH" "$@" \
    bash -c 'echo $$ > "$0"; exec "$1"' "$pidfile" "$program" >>"$log" 2>&1 &
}

# usage: launch_pool PIDFILE LOG NAME=VALUE...    e.g. launch_pool "$d/pool.pid" "$d/pool.log" POOL_SIZE=2 ...
# launch_detached of fcgi-app/start-pool (spawn-fcgi + multiwatch).
launch_pool() { launch_detached "$1" "$2" "$ROOT/fcgi-app/start-pool" "${@:3}"; }

# usage: no_service_starts COMMAND...   e.g. no_service_starts apt-get install -y redis-server
# Runs COMMAND (a package install, as root) with a policy-rc.d that stops
# packages from starting system services; removes it again afterwards.
no_service_starts() {
  local policy=/usr/sbin/policy-rc.d rc=0
  if [ -e "$policy" ]; then
    "$@"
    return
  fi
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  "$@" || rc=$?
  rm -f "$policy"
  return "$rc"
}

# usage: read_stack_env    e.g. read_stack_env || die "no stack"; url=${STACK_ENV[HTTP_URL]}
# Fills the associative array STACK_ENV with the KEY=value lines of
# `scripts/stack env` (the stack that RUN_DIR names); false when none runs.
read_stack_env() {
  local out k v
  declare -gA STACK_ENV=()
  out=$("$ROOT/scripts/stack" env 2>/dev/null) || return 1
  # shellcheck disable=SC2034 # STACK_ENV is the result, for the caller
  while IFS='=' read -r k v; do [ -z "$k" ] || STACK_ENV[$k]=$v; done <<<"$out"
}

# --- secrets ----------------------------------------------------------------

# usage: random_secret    e.g. pw=$(random_secret)
# Prints 32 random hex digits (128 bits from /dev/urandom).
random_secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# usage: redis_acl APP_PASSWORD ADMIN_PASSWORD    e.g. redis_acl "$a" "$b" >users.acl
# Prints the Redis ACL file of the native stack and compose (passwords as
# SHA-256 hashes only). The default user is the operator's, with every
# right, behind ADMIN_PASSWORD; "products", the responders' user, may run
# exactly the commands fcgi-app/src/cache.c, sentinel.c and tracking.c send (the
# scripts' GET/SET/DEL included, since ACLs check them too), on keys under
# "products:" and the invalidation and L1 sync channels only.
redis_acl() {
  local app admin
  app=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
  admin=$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)
  printf '%s\n' \
    "user default on #$admin ~* &* +@all" \
    "user products on #$app resetkeys ~products:* resetchannels &__redis__:invalidate &products:l1:sync -@all +mget +get +set +pttl +incr +del +zadd +zrem +zscore +zcard +zpopmax +zrangebyscore +zremrangebyrank +exists +decr +pexpire +sadd +scard +publish +eval +time +ping +client|id +client|tracking +subscribe +role +info +wait"
}

# --- nginx ------------------------------------------------------------------

# usage: render_nginx_conf DIR LOGS PORT FCGI_DIR    e.g. render_nginx_conf "$d" "$l" 5000 "$r/fcgi/"
# Writes nginx's configuration into DIR: the repo's nginx/ files with only
# the container paths rewritten (the socket's folder to FCGI_DIR, cache and
# logs to DIR/cache and LOGS) and the listen address to 127.0.0.1:PORT;
# reads ACCESS_LOG_FORMAT (timed), EDGE_CACHE_MS (0) and OPERATOR_ALLOW
# (loopback). Both topologies of scripts/stack share it.
render_nginx_conf() {
  local dir=$1 logs=$2 port=$3 fcgi_dir=$4 conf=/etc/nginx a
  mkdir -p "$dir/cache" "$dir/snippets" "$logs"
  local rewrite=(-e "s|/run/fcgi-app/|$fcgi_dir|g"
    -e "s|/var/cache/nginx/|$dir/cache/|g"
    -e "s|/var/log/nginx/|$logs/nginx-|g"
    -e "s|listen 5000;|listen 127.0.0.1:$port;|")
  [ "${ACCESS_LOG_FORMAT:-timed}" = json ] && rewrite+=(-e "s|^\( *access_log .*\) timed |\1 json |")
  sed "${rewrite[@]}" "$ROOT/nginx/nginx.conf" >"$dir/nginx.conf"
  sed "${rewrite[@]}" "$ROOT/nginx/fcgi-upstream.conf" >"$dir/fcgi-upstream.conf"
  sed "${rewrite[@]}" "$ROOT/nginx/edge-zone.conf" >"$dir/edge-zone.conf"
  EDGE_CACHE_MS=${EDGE_CACHE_MS:-0} "$ROOT/nginx/edge-switch.sh" "$dir/edge.d" >/dev/null
  cp "$ROOT/nginx/snippets/"*.conf "$dir/snippets/"
  {
    echo "# Written by scripts/lib.sh from OPERATOR_ALLOW."
    for a in ${OPERATOR_ALLOW:-127.0.0.1 ::1}; do echo "allow $a;"; done
    echo "deny all;"
  } >"$dir/snippets/operator-access.conf"
  [ -f "$conf/fastcgi_params" ] || die "$conf/fastcgi_params missing: install 'nginx' (make deps)"
  cp "$conf/fastcgi_params" "$dir/fastcgi_params"
}

# --- ports ------------------------------------------------------------------

# usage: port_taken PORT    e.g. port_taken 5000 && die "port 5000 is busy"
# True when something accepts TCP connections on 127.0.0.1:PORT.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# usage: free_port [FROM [COUNT]]    e.g. HTTP_PORT=$(free_port 5081)
# Prints the first TCP port at or above FROM (default 20000) on which
# nothing listens on 127.0.0.1, and on the COUNT - 1 after it (default 1:
# itself only), for a program that takes a run of ports.
free_port() {
  local p=${1:-20000} n=${2:-1} i
  for ((i = 0; i < n; i++)); do
    if port_taken $((p + i)); then
      p=$((p + i + 1)) i=-1
    fi
  done
  printf '%s\n' "$p"
}

# --- HTTP -------------------------------------------------------------------

# usage: http METHOD PATH [CURL_ARGS...]    e.g. http GET '/products?limit=2'
# Requests $HTTP_URL$PATH (10 s limit); sets STATUS (000 when no answer),
# BODY, HEADERS (CR removed) and TIME (seconds).
# shellcheck disable=SC2034 # the variables are the result, for the caller
http() {
  local method=$1 path=$2 out meta
  shift 2
  out=$(mktemp)
  meta=$(curl -s -X "$method" -D "$out.h" -o "$out" -w '%{http_code} %{time_total}' \
    --max-time 10 "$@" "$HTTP_URL$path") || meta="000 0"
  STATUS=${meta% *}
  TIME=${meta#* }
  BODY=$(cat "$out")
  HEADERS=$(tr -d '\r' <"$out.h" 2>/dev/null)
  rm -f "$out" "$out.h"
}

# usage: header NAME [FILE]    e.g. check_eq cached HIT "$(header x-cache)"
# Prints the value of response header NAME (any case) from FILE, or from
# $HEADERS (set by http) when no FILE is given; the last one wins.
header() {
  { if [ $# -gt 1 ]; then tr -d '\r' <"$2"; else printf '%s\n' "${HEADERS:-}"; fi; } |
    awk -v h="$1:" 'tolower($1) == tolower(h) {sub(/^[^:]*: */, ""); v=$0} END {print v}'
}

# usage: ready [URL]    e.g. eventually 10 ready "http://127.0.0.1:5000"
# True when URL (default $HTTP_URL) answers GET /readyz with 200.
ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${1:-$HTTP_URL}/readyz")" = 200 ]
}

# usage: prom_query URL EXPR    e.g. prom_query "$PROM" 'up{job="mysql"}'
# Prints the value of EXPR's first series from the Prometheus at URL (its
# HTTP API, 5 s limit), or nothing when there is no answer or no series.
prom_query() {
  curl -s --max-time 5 --get --data-urlencode "query=$2" "$1/api/v1/query" |
    jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

# usage: prom_up URL JOB    e.g. eventually 30 prom_up "$PROM" mysql
# True when the Prometheus at URL reports its target JOB up (up == 1).
prom_up() { [ "$(prom_query "$1" "up{job=\"$2\"}")" = 1 ]; }

# --- test checks ------------------------------------------------------------
# Checks print "PASS name" or "FAIL name: why" (tests/run counts
# these lines) and count into PASSED and FAILED.
PASSED=0
FAILED=0

# usage: pass NAME    e.g. pass "stack_up"
pass() {
  PASSED=$((PASSED + 1))
  printf 'PASS %s\n' "$1"
}

# usage: fail NAME WHY    e.g. fail "stack_up" "nginx did not start"
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s: %s\n' "$1" "${2:-failed}"
}

# usage: script_ended NAME STATUS    e.g. script_ended test_x.sh "$status"
# After a test script run by a suite's runner: a status other than 0 and
# 1 (tests_done's after a FAIL of its own), such as timeout's 124 for a
# script cut off by its limit, or a crash, names no check: a FAIL here
# does. True when the script passed.
script_ended() {
  [ "$2" = 0 ] || [ "$2" = 1 ] || fail "$1 ended" "status $2"
  [ "$2" = 0 ]
}

# usage: info MESSAGE...    e.g. info "--- test_api.sh"
# Prints "INFO MESSAGE": context for the reader, not a check.
info() { printf 'INFO %s\n' "$*"; }

# usage: check NAME COMMAND...    e.g. check "socket exists" test -S "$sock"
# Passes when COMMAND succeeds; the failure names the command.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name" "'$*' was false"; fi
}

# usage: check_eq NAME EXPECTED ACTUAL    e.g. check_eq "status" 200 "$STATUS"
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# usage: tests_done    e.g. as the last line of a test script
# Exits 0 when no check failed, else 1.
tests_done() { exit $((FAILED > 0)); }

# usage: fault_ctl CONTROL_SOCKET COMMAND...    e.g. fault_ctl "$dir/ctl.sock" delay 50
# Sends COMMAND (delay MS, blackhole on|off, cut, restore, status) to a
# tests/faults/proxy.py and prints its answer.
fault_ctl() { python3 "$ROOT/tests/faults/proxy.py" ctl "$@"; }
