#!/usr/bin/env bash
# The hot path: Redis commands per HIT (strict path and L1), the L1 after
# its invalidation connection is killed, and read-after-write consistency
# with L1 on across two app hosts sharing one Redis.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/second_host.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
HOST2_PORT=$(free_port "${IT_HOST2_PORT:-$((HTTP_PORT + 4))}")
trap stop_second_host EXIT
HOT='/products?limit=10'

# calls of one command since the last CONFIG RESETSTAT
calls() { redis INFO commandstats | tr -d '\r' | sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p" | grep . || echo 0; }
# every command but the invalidation connections' liveness PINGs and the
# test's own INFO and CONFIG RESETSTAT, and the AUTH that opens each
# connection (one per redis-cli call: Redis has passwords)
calls_but_ping() {
  redis INFO commandstats | tr -d '\r' | grep '^cmdstat_' | grep -Ev '^cmdstat_(ping|info|config|auth)' |
    sed 's/^[^:]*:calls=\([0-9]*\),.*/\1/' | awk '{n += $1} END {print n + 0}'
}
# GET $1 on $3 (default: the stack) $2 times; prints how many answers were
# L1, then how many were HIT (from either layer)
l1_answers() { # path count [url]
  local i n=0 hits=0 h
  for ((i = 0; i < $2; i++)); do
    h=$(curl -s -D - -o /dev/null --max-time 5 "${3:-$HTTP_URL}$1" | tr -d '\r')
    grep -qi '^x-cache-layer: L1' <<<"$h" && n=$((n + 1))
    grep -qi '^x-cache: HIT' <<<"$h" && hits=$((hits + 1))
  done
  echo "$n $hits"
}

# 1. Strict path (a second host with CACHE_L1=0): one command per HIT.
# A long TTL on that host, so the entry stays fresh during the count.
if ! start_second_host "$HOST2_PORT" CACHE_L1=0 CACHE_TTL_S=60; then
  fail "second host (L1 off) started" "see $HOST2_DIR/logs"
  tests_done
fi
# Should the entry expire during the count anyway, a rebuild's commands
# would be counted: up to 3 tries for a run in which every answer was a HIT.
for try in 1 2 3; do
  empty_cache
  curl -s -o /dev/null "$HOST2_URL$HOT"
  curl -s -o /dev/null "$HOST2_URL$HOT"
  redis CONFIG RESETSTAT >/dev/null
  read -r strict_l1 hits < <(l1_answers "$HOT" 40 "$HOST2_URL")
  mget=$(calls mget)
  total=$(calls_but_ping)
  info "strict path, try $try: 40 reads, $hits HIT -> $mget MGET, $total commands (liveness PINGs aside):" \
    "$(redis INFO commandstats | tr -d '\r' | grep '^cmdstat_' | cut -d, -f1 | tr '\n' ' ')"
  [ "$hits" = 40 ] && break
done
check_eq "strict path: no L1 answers with CACHE_L1=0" 0 "$strict_l1"
check_eq "strict path: one MGET per HIT" 40 "$mget"
check_eq "strict path: one command per HIT, nothing else" 40 "$total"
stop_second_host

# 2. L1 on (the stack's default): after one strict read per responder,
# HITs come from process memory. The fresh marker lasts CACHE_TTL_S, so
# count within one TTL: known from the marker still alive after the count
# (60 reads can outlast a 3 s TTL on a loaded machine), up to 3 tries.
for try in 1 2 3; do
  empty_cache
  curl -s -o /dev/null "$HTTP_URL$HOT"
  redis CONFIG RESETSTAT >/dev/null
  read -r l1 _ < <(l1_answers "$HOT" 60)
  mget=$(calls mget)
  left=$(redis PTTL products:list:10:0:fresh)
  info "L1, try $try: 60 reads -> $l1 answered from L1, $mget MGET (pool of $POOL_SIZE), marker ${left} ms left"
  [ "$left" -le 0 ] || break
done
check "L1: the count within one TTL (marker ${left} ms left)" test "$left" -gt 0
check "L1: most reads answered from process memory ($l1 of 60)" test "$l1" -ge 30
check "L1: Redis read at most about once per responder per TTL ($mget MGET)" \
  test "$mget" -le $((60 - l1))

# 3. The invalidation connections killed while L1 holds entries: the next
# reads take the strict path, so a change nobody could announce (the
# generation moved while no connection listened) is seen at once; L1
# comes back after they reconnect.
empty_cache
old=$(sql 'SELECT price FROM products WHERE id = 3')
curl -s -o /dev/null "$HTTP_URL$HOT"
l1_answers "$HOT" 60 >/dev/null # fill the L1 of (nearly) every responder
killed=$(redis CLIENT KILL TYPE pubsub)
info "invalidation connections killed: $killed"
check "kill: there were invalidation connections to kill ($killed)" test "$killed" -ge 1
sql 'UPDATE products SET price = 4343.43 WHERE id = 3'
redis INCR products:gen >/dev/null
stale=0
for i in $(seq 1 40); do
  http GET "$HOT"
  [ "$(printf '%s' "$BODY" | jq '.[2].price')" = 4343.43 ] || stale=$((stale + 1))
done
check_eq "kill: reads after the kill older than the change" 0 "$stale"
check "kill: L1 answers again after reconnecting" \
  eventually 10 sh -c "curl -s -D - -o /dev/null '$HTTP_URL$HOT' | tr -d '\r' | grep -qi '^x-cache-layer: L1'"
check "kill: invalidation connections back" test "$(redis CLIENT LIST TYPE pubsub | grep -c .)" -ge 1
sql "UPDATE products SET price = $old WHERE id = 3"
redis INCR products:gen >/dev/null

# 4. Read-after-write with L1 on, two app hosts sharing Redis and MySQL:
# one writer on host 1, 50 readers spread over both.
if start_second_host "$HOST2_PORT"; then
  # A write every 0.5 s: the rebuild after each (DB_DELAY_MS) leaves time
  # for L1 to answer before the next write empties it.
  out=$(python3 "$HERE/consistency.py" 127.0.0.1 "$HTTP_PORT,$HOST2_PORT" "$ADMIN_TOKEN" 50 10 0.5)
  info "two hosts, L1 on: $out"
  consistency_checks "two hosts, L1 on" "$out"
  check "two hosts, L1 on: L1 answered some reads" grep -qv ' l1_hits=0 ' <<<"$out"
else
  fail "second host (L1 on) started" "see $HOST2_DIR/logs"
fi
stop_second_host

tests_done
