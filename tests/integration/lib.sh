# shellcheck shell=bash
# The integration tests' layer over scripts/lib.sh (sourced by each
# test_*.sh): the shared helpers (http, header, check, check_eq, pass, fail,
# eventually, ready, tests_done, ...) plus the few that reach into the
# private stack. Needs the stack's env (HTTP_URL, MYSQL_SOCKET, ...)
# exported, as tests/integration/run does.

# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
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

# usage: empty_cache    e.g. empty_cache
# Every key goes but the record of Redis' identity (products:gen:master):
# after a FLUSHALL the next responder connection to open (most of a
# restarted pool's have not) takes Redis for a new one and moves the
# generation, which, between two reads of a test, turned a HIT into a MISS.
empty_cache() {
  redis EVAL "for _, k in ipairs(redis.call('KEYS', '*')) do
    if k ~= ARGV[1] then redis.call('DEL', k) end end" 0 products:gen:master >/dev/null
}

# usage: fresh_gone KEY    e.g. eventually 5 fresh_gone products:list:10:0
# True once KEY's freshness marker (KEY:fresh, which lives the TTL) is gone:
# a TTL test waits for the entry's own end, not a clock guess.
fresh_gone() { [ "$(redis PTTL "$1:fresh")" -le 0 ]; }

# Load runs: wrk with count.lua, which ends with one "RESULT key=value ..."
# line (requests, ok, non2xx, socket_errors, hit, miss, stale, bypass, other,
# p99_ms, max_ms). Each test sets LOAD_LOG=$(mktemp) and removes it.
declare -A R

# usage: start_load SECONDS PATH [CONNECTIONS]    e.g. start_load 10 /products
# Starts wrk (2 threads, 50 connections by default) in the background;
# LOAD_PID is its pid.
start_load() {
  wrk -t2 -c"${3:-50}" -d"$1"s --timeout 10s -s "$ROOT/bench/wrk/count.lua" \
    "$HTTP_URL$2" >"$LOAD_LOG" 2>&1 &
  LOAD_PID=$!
}

# usage: parse_load    e.g. parse_load; echo "${R[requests]}"
# Fills R from the RESULT line in LOAD_LOG (failed counts when there is none).
parse_load() {
  local kv kvs
  R=()
  read -ra kvs <<<"$(sed -n 's/^RESULT //p' "$LOAD_LOG")"
  for kv in "${kvs[@]}"; do R[${kv%%=*}]=${kv#*=}; done
  [ -n "${R[requests]:-}" ] || {
    cat "$LOAD_LOG"
    R=([requests]=0 [non2xx]=-1 [socket_errors]=-1 [max_ms]=99999)
  }
}

# usage: finish_load    e.g. start_load 5 /products; finish_load
# Waits for the background wrk and parses its result.
finish_load() {
  wait "$LOAD_PID"
  parse_load
}

# usage: stop_load    e.g. start_load 600 /products; ...; stop_load
# Ends the background wrk now (SIGINT: wrk stops and reports as at its end)
# and parses its result: for load that must last exactly as long as a
# scenario whose steps take what they take on a loaded machine.
stop_load() {
  kill -INT "$LOAD_PID" 2>/dev/null
  finish_load
}

# usage: show LABEL    e.g. show "redis restart"
# Prints the last run's RESULT line as INFO.
show() { info "$1: $(sed -n 's/^RESULT //p' "$LOAD_LOG")"; }

# usage: x_cache PATH    e.g. [ "$(x_cache /products)" = HIT ]
# Prints the X-Cache header of a GET of $HTTP_URL$PATH (nothing without one).
x_cache() {
  curl -s -o /dev/null -D - --max-time 2 "$HTTP_URL$1" | tr -d '\r' |
    awk 'tolower($1) == "x-cache:" {print $2}'
}

# usage: raw_request BYTES    e.g. raw_request 'TRACE /products HTTP/1.1\r\nHost: x\r\n\r\n'
# Sends BYTES (a printf format: \r\n, \x00, ...) as they are on a new
# connection to the stack's nginx, for what curl would normalise or refuse
# to send; reads the answer until the server closes or 20 s pass. Sets
# STATUS (000 when nothing came back), HEADERS (CR removed) and BODY, like
# http, and CLOSED (1 when the server closed the connection, 0 when the
# 20 s ran out first). Send "Connection: close" (or HTTP/1.0) to get the
# answer at once.
# shellcheck disable=SC2034 # the variables are the result, for the caller
raw_request() {
  local out
  out=$(mktemp)
  CLOSED=0
  if exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"; then
    # In a subshell: nginx may answer and close before it has read all
    # the bytes, and a write to a closed socket (SIGPIPE) must not end the
    # test script.
    # shellcheck disable=SC2059 # the bytes are the format, on purpose
    (printf "$1" >&3) 2>/dev/null || true
    # cat ends at the server's close (or reset); 124: it never came.
    timeout 20 cat <&3 >"$out" 2>/dev/null
    [ $? = 124 ] || CLOSED=1
    exec 3<&-
  fi
  STATUS=$(head -n1 "$out" | awk '{print $2}')
  STATUS=${STATUS:-000}
  HEADERS=$(sed -n '1,/^\r\{0,1\}$/p' "$out" | tr -d '\r')
  BODY=$(sed '1,/^\r\{0,1\}$/d' "$out")
  rm -f "$out"
}

# --- documents' fenced blocks (test_deploy_doc.sh, test_readme_commands.sh) --

# usage: doc_blocks DOC DIR    e.g. doc_blocks "$ROOT/README.md" "$dir" >"$dir/index"
# Writes the Nth fenced code block of the Markdown file DOC to DIR/N
# (un-indented to its fence's column, as a block inside a list item is) and
# prints one tab-separated line per block: N, its language, the fence's line
# number, the heading it is under, the numbered list step it belongs to
# (or -) and the marker: the text of a `<!-- ... -->` line right above the
# fence (blank lines between allowed), or -.
doc_blocks() {
  awk -v dir="$2" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    fence && /^[ \t]*```/ { fence = 0; close(file); next }
    fence { print substr($0, 1, indent) ~ /^[ \t]*$/ ? substr($0, indent + 1) : $0 > file; next }
    /^#+ / { section = $0; sub(/^#+ +/, "", section); step = "-" }
    /^[0-9]+\. / { step = $1; sub(/\.$/, "", step) }
    /^[^ \t0-9]/ && !/^<!--/ { step = "-" }
    /^[ \t]*<!--.*-->[ \t]*$/ { marker = trim($0); sub(/^<!-- */, "", marker); sub(/ *-->$/, "", marker); next }
    /^[ \t]*```/ {
      n++; fence = 1; indent = match($0, /[^ \t]/) - 1
      lang = trim(substr($0, indent + 4)); file = dir "/" n; printf "" > file
      printf "%d\t%s\t%d\t%s\t%s\t%s\n", n, lang == "" ? "-" : lang, NR, section, step, marker == "" ? "-" : marker
      marker = ""; next
    }
    NF { marker = "" }
  ' "$1"
}

# usage: doc_lines BLOCK    e.g. doc_lines "$dir/3" | while IFS= read -r cmd; do ...
# Prints the command lines of the shell block BLOCK (a file), one a line: a
# line ending in a backslash goes on with the next; blank and comment-only
# lines are left out.
doc_lines() {
  local line cmd=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == *\\ ]]; then
      cmd+="${line%\\} "
      continue
    fi
    cmd+=$line
    [[ $cmd =~ ^[[:space:]]*(#|$) ]] || printf '%s\n' "$cmd"
    cmd=""
  done <"$1"
}

# usage: doc_script BLOCK    e.g. doc_script "$dir/3" >"$dir/3.sh"
# Prints the shell block BLOCK as a bash script that runs its command lines
# (doc_lines) in order and stops at the first that fails, printing
# "doc-test: exit N: LINE" on stderr.
doc_script() {
  local cmd
  # shellcheck disable=SC2016 # $1 and $2 belong to the script printed
  printf '%s\n' 'doc_failed() { printf "doc-test: exit %s: %s\n" "$1" "$2" >&2; exit 1; }'
  while IFS= read -r cmd; do
    printf '{\n%s\n} || doc_failed $? %q\n' "$cmd" "$cmd"
  done < <(doc_lines "$1")
}

# --- the binlog invalidator (test_binlog*.sh) ------------------------------

# usage: binlog_setup    e.g. binlog_setup; trap binlog_teardown EXIT
# The run keeps the invalidator off (INVALIDATOR=0) for the other tests;
# this restarts the pool with a 60 s TTL (so a missed invalidation stays
# visible for a minute, far past every bound below) and starts the
# invalidator with its metrics on a free port (INV_METRICS).
binlog_setup() {
  BINLOG_TTL_BEFORE=$CACHE_TTL_S
  INV_PORT=$(free_port $((HTTP_PORT + 50)))
  INV_METRICS=http://127.0.0.1:$INV_PORT/metrics
  CACHE_TTL_S=60 "$STACK" mode cached >/dev/null
  invalidator_start INVALIDATOR_SETTLE_MS=100
}

# usage: binlog_teardown    e.g. trap binlog_teardown EXIT
binlog_teardown() {
  "$STACK" invalidator stop >/dev/null 2>&1
  CACHE_TTL_S=$BINLOG_TTL_BEFORE "$STACK" mode cached >/dev/null 2>&1
}

# usage: invalidator_start [VAR=value...]    e.g. invalidator_start INVALIDATOR_SETTLE_MS=0
invalidator_start() {
  env "$@" INVALIDATOR_METRICS_PORT="$INV_PORT" "$STACK" invalidator start >/dev/null
}

# usage: result_field NAME OUT    e.g. result_field stale_reads "$out"
# The number NAME=... on a checker's RESULT line OUT (empty when missing).
result_field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

# usage: consistency_checks NAME OUT    e.g. consistency_checks "two hosts" "$out"
# The checks on consistency.py's RESULT line OUT: no stale read, every read
# answered, some HITs, and the writes answered 2xx but for one in ten at
# most: a write whose invalidation Redis answers later than
# REDIS_TIMEOUT_MS (a loaded box: once in 16 under a CPU hog, ASan build)
# honestly answers 500 ("cache not invalidated"). The checker's exit status
# counts those too, so it is not what is checked.
consistency_checks() {
  local writes put_errors hits
  writes=$(result_field writes "$2") put_errors=$(result_field put_errors "$2")
  hits=$(result_field hits "$2")
  check_eq "$1: stale reads" 0 "$(result_field stale_reads "$2")"
  check_eq "$1: every read answered" 0 "$(result_field get_errors "$2")"
  check "$1: some reads were HITs (${hits:-?})" test "${hits:-0}" -gt 0
  check "$1: writes answered 2xx, but for one in ten at most (${put_errors:-?} of ${writes:-?} not)" \
    test "${writes:-0}" -gt 0 -a "$((${put_errors:-1} * 10))" -le "${writes:-0}"
}

# usage: pool_responders    e.g. old=$(pool_responders)
# The pool's responder pids, sorted, one a line.
pool_responders() { pgrep -P "$(cat "$POOL_PID_FILE")" | sort; }

# usage: no_survivors_of PIDS    e.g. eventually 10 no_survivors_of "$old"
# True when none of PIDS (pool_responders' output) is a responder any more.
no_survivors_of() { [ -z "$(comm -12 <(printf '%s\n' "$1") <(pool_responders))" ]; }

# usage: fresh_pool    e.g. fresh_pool (side effect: a graceful pool restart)
# Restarts the pool and returns once no responder from before is left and
# the stack answers ready: restart-pool returns at the signal, while the
# old responders may still take requests.
fresh_pool() {
  local old
  old=$(pool_responders)
  "$STACK" restart-pool >/dev/null
  eventually 15 no_survivors_of "$old" || info "fresh_pool: responders from before still run after 15 s"
  eventually 10 ready
}

# usage: inv_metric SERIES    e.g. inv_metric 'binlog_invalidator_fallbacks_total{reason="large"}'
# The invalidator's current value of SERIES (empty when unreachable).
inv_metric() {
  curl -s --max-time 2 "$INV_METRICS" | awk -v s="$1" '$1 == s {print $2}'
}

# usage: inv_is SERIES VALUE    e.g. eventually 5 inv_is binlog_invalidator_connected 1
# For eventually: reads the metric each time (an argument $(...) would be
# read once, before the first look).
inv_is() { [ "$(inv_metric "$1")" = "$2" ]; }

# usage: inv_grew SERIES VALUE    e.g. eventually 5 inv_grew "$series" "$before"
# True once the metric is above VALUE; read each time, as inv_is.
inv_grew() { [ "$(inv_metric "$1")" -gt "$2" ] 2>/dev/null; }

# usage: shows_within SECONDS PATH JQ EXPECTED    e.g. shows_within 5 /products/1 .price 1.23
# Polls GET PATH every 20 ms until jq JQ of the body prints EXPECTED; true
# when that happened within SECONDS. SHOWN_MS is how long it took.
shows_within() {
  local limit_ms=$(($1 * 1000)) start now
  start=$(date +%s%3N)
  while :; do
    now=$(date +%s%3N)
    SHOWN_MS=$((now - start))
    [ "$(curl -s --max-time 2 "$HTTP_URL$2" | jq -c "$3" 2>/dev/null)" = "$4" ] && return 0
    [ "$SHOWN_MS" -lt "$limit_ms" ] || return 1
    sleep 0.02
  done
}
