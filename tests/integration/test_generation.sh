#!/usr/bin/env bash
# The generation cannot go backwards or get stuck (issue 10, point 4).
# Redis may evict only keys with a TTL, every key the responders write has
# one except products:gen and the scoped invalidation's index and log (an
# evicted index entry would hide a page from the write that must delete it;
# cache.c bounds their size); a generation that is not a plain counter (a
# sign, a space, garbage, past INT64_MAX) is repaired, by a read, to a fresh
# one from Redis' clock: larger than any the clock gave before. Writes do
# not use it (they invalidate by product, docs/design.md).
source "$(dirname "$0")/lib.sh"

AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")

check_eq "eviction spares keys without a TTL" volatile-lru \
  "$(redis CONFIG GET maxmemory-policy | tail -1)"

# Every kind of key a responder writes: answers, fresh markers, rebuild
# locks (left by a waiter-free miss: released, so look while one runs), a
# cached 404 and an empty page.
redis FLUSHALL >/dev/null
http GET /products/1 # creates the generation
http GET '/products?limit=3'
http GET /products/4000000000
http GET '/products?limit=3&offset=999999'
http GET /products/1
# The epoch check's keys (sentinel.h: the identity of the Redis last seen,
# and the write position's lost mark) must not be evicted either; a
# responder that reconnects after the FLUSHALL writes them.
untimed=$(redis --scan --pattern '*' | while read -r k; do
  [ "$(redis PTTL "$k")" != -1 ] || echo "$k" # -2: expired meanwhile
done | grep -Evx 'products:gen:(master|gtid:lost)' | sort | tr '\n' ' ')
check_eq "every key but the generation, its epoch keys and the page index has a TTL" \
  "products:gen products:pages products:pages:first " "$untimed"
check "there were keys to look at ($(redis DBSIZE))" [ "$(redis DBSIZE)" -ge 5 ]
# Stored afresh: a key that expired during the scan above reads -2 (and
# one without a TTL -1), which must not pass as "briefly".
redis DEL products:item:4000000000 >/dev/null
http GET /products/4000000000
ttl_404=$(redis PTTL products:item:4000000000)
check "a cached 404 is kept briefly (PTTL $ttl_404 ms: above 0, at most 10 s)" \
  [ "$ttl_404" -gt 0 -a "$ttl_404" -le 10000 ]

now_us() { echo $(($(date +%s) * 1000000)); }
# corrupt VALUE HOW: set the generation to VALUE, then make a read (HOW=read)
# or a write and a read (HOW=write) find it; the generation must be a
# counter again, later than the clock before, and the answers right.
corrupt() {
  local value=$1 how=$2 floor gen before
  floor=$(now_us)
  before=$(redis GET products:gen)
  redis SET products:gen "$value" >/dev/null
  if [ "$how" = read ]; then
    http GET /products/1
    check_eq "'$value', then a read: 200" 200 "$STATUS"
  else
    http PUT /products/2 "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Gen repair","price":2}'
    check_eq "'$value', then a write: 200" 200 "$STATUS"
    http GET /products/2
    check_eq "'$value', then a write and a read: 200" 200 "$STATUS"
  fi
  gen=$(redis GET products:gen)
  if grep -Eqx '[1-9][0-9]{0,18}' <<<"$gen"; then
    pass "'$value' ($how): repaired to a counter ($gen)"
  else
    fail "'$value' ($how): repaired to a counter" "got '$gen'"
    gen=0
  fi
  check "'$value' ($how): from the clock ($gen >= $floor)" [ "$gen" -ge "$floor" ]
  check "'$value' ($how): later than before the damage ($gen > $before)" [ "$gen" -gt "$before" ]
}
corrupt garbage read
corrupt ' 42' read
corrupt -7 read
corrupt +7 read
corrupt 007 read
corrupt 99999999999999999999 read
corrupt 9223372036854775808 read
corrupt garbage write
corrupt '12 ' write

# A good counter is left alone by reads and by a write (scoped: it moves
# the write sequence by one instead).
gen=$(redis GET products:gen)
http GET /products/1
check_eq "a good generation is not touched by a read" "$gen" "$(redis GET products:gen)"
seq=$(redis GET products:wseq)
http PUT /products/2 "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Gen repair","price":2}'
check_eq "a write leaves the generation alone" "$gen" "$(redis GET products:gen)"
check_eq "a write moves the write sequence by one" "$((${seq:-0} + 1))" "$(redis GET products:wseq)"

# Cached reads work again after a repair: a miss, then a hit.
redis SET products:gen broken >/dev/null
http GET '/products?limit=4'
http GET '/products?limit=4'
check_eq "after a repair the cache answers again" HIT "$(header x-cache)"
tests_done
