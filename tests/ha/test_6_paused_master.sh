#!/usr/bin/env bash
# A Redis master that freezes and comes back, PAUSE_RUNS times (default 5):
# under the 50-connection read load and the consistency checker, the
# current master is frozen (SIGSTOP) until the Sentinels have promoted the
# other Redis, kept frozen one more second (writes land on the new master),
# then resumed (SIGCONT) while responder connections may still take it for
# the master. Each run: a replica was promoted, 0 stale reads (a read sent
# after a write's 2xx shows the older value: through the resumed old
# master, before the Sentinels demote it, it would), the old master rejoins
# as a replica of the new one, in sync, before the next run freezes that.
# Reads and writes that fail during the switch (500/503) are counted, not
# checked.
#
# The Sentinels demote the resumed old master about 15 s after it is back
# (14-16 s here: they poll a replica's INFO every 10 s and let a "master"
# answer stand for a while first), and that whole time it may answer: the
# checker, one per run so that a stale read counts in its run, lasts until
# the old master has rejoined as a replica, and 1 s more; a run takes about
# 25 s, so tests/ha/run gives this script 60 + 36 s per run.
#
# Env: PAUSE_RUNS (5).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LOAD_LOG=$(mktemp) CHECK_LOG=$(mktemp)
HOT='/products?limit=20'
RUNS=${PAUSE_RUNS:-5}
check_int PAUSE_RUNS "$RUNS" 1
read -ra ports <<<"$REDIS_PORTS"
frozen=""
LOAD_PID="" CHECK_PID=""
# Whatever happens, nothing stays frozen and nothing runs on.
cleanup() {
  [ -z "$frozen" ] || kill -CONT "$frozen" 2>/dev/null
  [ -z "$LOAD_PID" ] || kill -INT "$LOAD_PID" 2>/dev/null
  [ -z "$CHECK_PID" ] || kill "$CHECK_PID" 2>/dev/null
  rm -f "$LOAD_LOG" "$CHECK_LOG"
}
trap cleanup EXIT

# usage: redis_pid PORT    e.g. kill -STOP "$(redis_pid "$old")"
redis_pid() {
  local n=0
  [ "$1" = "${ports[0]}" ] || n=1
  cat "$HA_RUN_DIR/redis$n/redis.pid"
}

# usage: ms_since T0    e.g. t=$(ms_since "$t0")  (T0 from date +%s%3N)
ms_since() { echo $(($(date +%s%3N) - $1)); }

# usage: secs MS    e.g. secs 1234 -> 1.2
secs() { awk -v ms="$1" 'BEGIN {printf "%.1f", ms / 1000}'; }

# True once OLD is a replica of NEW with its link up (ROLE: slave, host,
# port, state "connected" once the sync is done).
rejoined() {
  local role
  role=$(redis_at "$old" ROLE 2>/dev/null | sed -n '1p;3p;4p' | tr '\n' ' ')
  [ "$role" = "slave $new connected " ]
}

stale_per_run=()
http GET "$HOT"
for ((k = 1; k <= RUNS; k++)); do
  name="paused master run $k"
  # The master must have a replica in sync before it is frozen.
  if ! eventually 20 has_replica; then
    fail "$name: the master has a replica in sync before the freeze" "none after 20 s"
    break
  fi
  old=$(master_port) new=""
  pid=$(redis_pid "$old")
  start_load 600 "$HOT"
  checker_start 120 # stopped once the old master has rejoined
  t0=$(date +%s%3N)
  sleep 2
  kill -STOP "$pid"
  frozen=$pid
  t_stop=$(ms_since "$t0")
  # Frozen until a replica is promoted (bounded), then one second more:
  # the writer's next writes go to the new master.
  ok_promoted=0
  if eventually 30 promoted; then
    ok_promoted=1
    new=$(master_port)
  fi
  t_promoted=$(ms_since "$t0")
  sleep 1
  kill -CONT "$pid"
  frozen=""
  t_cont=$(ms_since "$t0")
  ok_rejoined=0
  [ "$ok_promoted" = 1 ] && eventually 20 rejoined && ok_rejoined=1
  t_rejoined=$(ms_since "$t0")
  sleep 1
  checker_stop
  CHECK_PID=""
  stop_load
  LOAD_PID=""
  stale_per_run+=("${C[stale_reads]}")
  show "$name (wrk 50 conns)"
  info "$name: checker $(sed -n 's/^RESULT //p' "$CHECK_LOG")"
  info "$name: frozen at $(secs "$t_stop") s, promoted $old -> ${new:-none} at $(secs "$t_promoted") s," \
    "resumed at $(secs "$t_cont") s, rejoined as a replica at $(secs "$t_rejoined") s"
  info "$name: failed during the switch: ${R[non2xx]} non-2xx and ${R[socket_errors]} socket errors" \
    "of ${R[requests]} load reads, ${C[get_errors]} checker reads, ${C[put_errors]} writes"
  check "$name: a replica was promoted ($old -> ${new:-none})" test "$ok_promoted" = 1
  check_eq "$name: 0 stale reads" 0 "${C[stale_reads]}"
  check "$name: the writer went on (writes=${C[writes]})" test "${C[writes]}" -gt 10
  check "$name: the old master rejoined as a replica of the new one, in sync" test "$ok_rejoined" = 1
  # What follows assumes a master with a replica; without one, stop here.
  [ "$ok_rejoined" = 1 ] || break
done
info "paused master: stale reads per run: ${stale_per_run[*]}"
tests_done
