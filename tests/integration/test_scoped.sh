#!/usr/bin/env bash
# Scoped invalidation (issue 19): a write invalidates what it changed, not
# the whole catalogue. A PUT leaves other products and pages cached; a POST
# or DELETE reaches the pages after its position and past the end; counted
# in /metrics. Then the catalogue checker (POST, PUT, DELETE against items
# and many pages: 0 stale) and readers of hot keys under writes (no 503).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")
metric() { curl -s "$HTTP_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# usage: cache_twice PATH...    e.g. cache_twice /products/7
cache_twice() {
  local p
  for p in "$@"; do
    http GET "$p"
    http GET "$p"
  done
}

# usage: cached KEY    e.g. check "still cached" cached products:item:8
# True when KEY's entry is in Redis under the current generation ("<gen>"
# or "<gen>:<bound>" on its first line): what a scoped write leaves alone.
# Not a read's X-Cache, which depends on the 3 s TTL, which a loaded box
# can outlast between two lines.
cached() {
  local tag
  tag=$(redis GET "$1" | head -n 1)
  [ -n "$tag" ] && [ "${tag%%:*}" = "$(redis GET products:gen)" ]
}

# usage: written_through KEY JQ    e.g. written_through products:item:7 .price
# True when KEY is cached (above) and JQ on its body finds PUT 7's 7.77.
written_through() {
  cached "$1" && [ "$(redis --raw GET "$1" | tail -n +2 | jq -r "$2")" = 7.77 ]
}

empty_cache
cache_twice /products/7 /products/8 '/products?limit=3&offset=20' '/products?limit=10'
updates=$(metric 'products_invalidated_changes_total{kind="update"}')
keys=$(metric products_invalidated_keys_total)
http PUT /products/7 "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Scoped","price":7.77}'
check_eq "PUT: 200" 200 "$STATUS"
# The update is written through (docs/design.md): item and page keep an
# entry, with the new price and exactly the bytes a rebuild gives. Read in
# Redis, not from a read's X-Cache (the 3 s TTL, see cached).
check "PUT 7: product 7 written through" written_through products:item:7 .price
check "PUT 7: the page holding 7 patched" written_through 'products:list:10:0' '.[] | select(.id == 7) | .price'
check "PUT 7: product 8 still cached" cached products:item:8
check "PUT 7: a page without 7 still cached" cached products:list:3:20
http GET /products/7
check_eq "PUT 7: product 7 shows the new price" 7.77 "$(jq -r .price <<<"$BODY")"
item_through=$BODY
http GET '/products?limit=10'
check_eq "PUT 7: the page holding 7 shows it" 7.77 "$(jq -r '.[] | select(.id == 7) | .price' <<<"$BODY")"
page_through=$BODY
check_eq "counted: one update" $((updates + 1)) "$(metric 'products_invalidated_changes_total{kind="update"}')"
check_eq "counted: two keys (the item, the page)" $((keys + 2)) "$(metric products_invalidated_keys_total)"
redis DEL products:item:7 'products:list:10:0' >/dev/null
http GET /products/7
check_eq "PUT 7: a rebuild of the item gives the same bytes" "$item_through" "$BODY"
http GET '/products?limit=10'
check_eq "PUT 7: a rebuild of the page gives the same bytes" "$page_through" "$BODY"

# POST appends a row: the last page and a page past the end change, a full
# page before them does not. DELETE of it shifts them back.
total=$(sql "SELECT COUNT(*) FROM products")
last="/products?limit=10&offset=$((total - 3))"
past="/products?limit=10&offset=$((total))"
cache_twice "$last" "$past" '/products?limit=3&offset=20'
http POST /products "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Scoped new","price":1.5}'
check_eq "POST: 201" 201 "$STATUS"
id=$(jq -r .id <<<"$BODY")
http GET "$last"
check_eq "POST: the last page shows the new row" "$id" "$(jq -r '.[-1].id' <<<"$BODY")"
http GET "$past"
check_eq "POST: the page past the end shows it" "$id" "$(jq -r '.[0].id' <<<"$BODY")"
check "POST: a full page before it still cached" cached products:list:3:20
http DELETE "/products/$id" "${AUTH[@]}"
check_eq "DELETE: 204" 204 "$STATUS"
http GET "$past"
check_eq "DELETE: the page past the end is empty again" "[]" "$BODY"
http GET "/products/$id"
check_eq "DELETE: the item is gone" 404 "$STATUS"

out=$(python3 "$HERE/consistency_catalogue.py" 127.0.0.1 "$HTTP_PORT" "$ADMIN_TOKEN" 20 8)
rc=$?
info "catalogue: $out"
check_eq "catalogue checker: no stale read (exit)" 0 "$rc"
check "catalogue checker: stale_reads=0" grep -q ' stale_reads=0 ' <<<"$out"

# Readers of 200 hot keys while a writer PUTs 5 times a second: refreshes
# queue for a rebuild slot instead of answering 503.
hot_keys() {
  local k
  for k in $(seq 100); do echo "/products/$k"; done
  for k in $(seq 100); do echo "/products?limit=10&offset=$k"; done
}
# usage: hot_keys_cold    reads the 200 keys (eight at a time, within the
# rebuild slots) and prints how many have no entry in Redis. The answer's
# X-Cache does not tell: with a 3 s TTL a pass outlives the first keys'
# freshness, and their refresh answers MISS.
hot_keys_cold() {
  local k keys=()
  hot_keys | sed "s|^|$HTTP_URL|" | xargs -P 8 -n 1 curl -s -o /dev/null
  for k in $(seq 100); do keys+=("products:item:$k" "products:list:10:$k"); done
  echo $((200 - $(redis EXISTS "${keys[@]}")))
}
if command -v wrk >/dev/null; then
  # Every key cached first: cold keys are a flood, which may be turned away
  # (a slow 503). Eight at a time stays within the rebuild slots; a loaded
  # box may need more than one pass.
  cold=200
  for _ in 1 2 3 4 5 6; do
    cold=$(hot_keys_cold)
    [ "$cold" = 0 ] && break
  done
  check_eq "precondition: the 200 hot keys cached" 0 "$cold"
  (for _ in $(seq 25); do
    curl -s -o /dev/null -X PUT "$HTTP_URL/products/$((RANDOM % 100 + 1))" "${AUTH[@]}" "${JSON[@]}" \
      --data "{\"name\":\"Hot\",\"price\":$((RANDOM % 900 + 1))}"
    sleep 0.2
  done) &
  writer=$!
  out=$(mktemp)
  # A turned-away read is a 503 sent slowly (reads.c): the timeout lets it
  # arrive and be counted rather than cut off as a socket error.
  BENCH_OUT=$out wrk -t1 -c50 -d5s --timeout 10s -s "$ROOT/bench/wrk/writes.lua" "$HTTP_URL" >/dev/null
  wait "$writer"
  res=$(cat "$out")
  rm -f "$out"
  info "hot keys under writes: $res"
  check "hot keys under 5 writes/s: requests answered" [ "$(jq -r .requests <<<"$res")" -gt 0 ]
  check_eq "hot keys under 5 writes/s: no 5xx" 0 "$(jq -r .http_5xx <<<"$res")"
  check_eq "hot keys under 5 writes/s: no socket error" 0 "$(jq -r .socket_errors <<<"$res")"
fi
tests_done
