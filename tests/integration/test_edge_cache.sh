#!/usr/bin/env bash
# The edge micro-cache (nginx fastcgi_cache, EDGE_CACHE_MS; docs/consistency.md):
# off by default (every request reaches a responder); on: repeated reads
# within the lifetime do not, the query string is part of the key, HEAD and
# GET are kept apart, operator endpoints and 400s are never kept; the writer
# reads its own write at once (bypass cookie); another client, and a second
# nginx (same pool, its own cache), see it within EDGE_CACHE_MS plus a small
# margin; a 404 and a 503 are kept for at most their negative lifetime (1 s).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

EDGE_MS=5000
# nginx keeps a copy for whole seconds (X-Accel-Expires): up to 1 s more.
# The ages measured below are lower bounds (from the end of the read that
# made the copy to the start of one that still got it), so a slow read on
# a busy machine makes them smaller, never larger.
MARGIN_MS=1000
ACCESS_LOG=$LOG_DIR/nginx-access.log
EDGE2_DIR=$RUN_DIR/edge2
AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json")
JAR=$(mktemp)

# usage: edge_upstream_count URI    e.g. edge_upstream_count '/products?limit=3'
# How many "GET URI" lines of the access log reached a responder (an edge
# HIT logs "-" as its upstream time). nginx flushes the log within 1 s.
edge_upstream_count() {
  awk -v r="\"GET $1 HTTP/1.1\"" 'index($0, r) && $(NF - 1) != "-"' "$ACCESS_LOG" | wc -l
}

# usage: edge_upstream_is URI N    e.g. eventually 10 edge_upstream_is /products 3
edge_upstream_is() { [ "$(edge_upstream_count "$1")" -eq "$2" ]; }

# usage: edge_logged URI N    e.g. eventually 10 edge_logged /products 20
# True once the access log holds N lines of "GET URI", edge HITs included.
edge_logged() { [ "$(grep -cF "\"GET $1 HTTP/1.1\"" "$ACCESS_LOG")" -ge "$2" ]; }

# usage: edge_price URL    e.g. edge_price "$HTTP_URL/products/5"
# The price of product 5 in the answer (an item or a list), or "error".
edge_price() {
  curl -s --max-time 5 "$@" | jq -r 'if type == "array" then (.[] | select(.id == 5) | .price) else .price end' 2>/dev/null || echo error
}

# usage: edge_old_until T0_NS PRICE URL    e.g. ms=$(edge_old_until "$t0" 12.5 "$url")
# Polls URL every 0.1 s (up to 15 s) until it shows PRICE; prints the ms
# from T0_NS to the start of the last read that did not (0 if none; false
# if no read showed PRICE): how long the old copy lived, at least.
edge_old_until() {
  local i t last=$1
  for ((i = 0; i < 150; i++)); do
    t=$(date +%s%N)
    if [ "$(edge_price "$3")" = "$2" ]; then
      echo $(((last - $1) / 1000000))
      return 0
    fi
    last=$t
    sleep 0.1
  done
  return 1
}

edge_stop_second() {
  [ -f "$EDGE2_DIR/nginx.pid" ] && kill -QUIT "$(cat "$EDGE2_DIR/nginx.pid")" 2>/dev/null
  rm -f "$EDGE2_DIR/nginx.pid"
}

cleanup() {
  edge_stop_second
  rm -f "$JAR"
  EDGE_CACHE_MS=0 "$STACK" up >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- off by default ------------------------------------------------------
uri='/products?limit=11&offset=1'
check "off: no switch file in the rendered nginx" test ! -e "$RUN_DIR/nginx/edge.d/on.conf"
for i in 1 2 3 4 5 6 7 8 9 10; do http GET "$uri"; done
check_eq "off: no X-Edge-Cache header" "" "$(header x-edge-cache)"
if eventually 10 edge_upstream_is "$uri" 10; then
  pass "off: all 10 reads reached a responder"
else
  grep -F "$uri" "$ACCESS_LOG"
  fail "off: all 10 reads reached a responder" "$(edge_upstream_count "$uri") in the access log (above)"
fi

# --- on ------------------------------------------------------------------
# A Redis TTL longer than the edge's lifetime, which it caps (the suite's
# 3 s would shorten every copy to the 2 s minimum).
EDGE_UP=(env "EDGE_CACHE_MS=$EDGE_MS" CACHE_TTL_S=30 "$STACK" up)
"${EDGE_UP[@]}" >/dev/null || fail "stack up with EDGE_CACHE_MS=$EDGE_MS" "did not start"
empty_cache
edge_on() { http GET /products?limit=1 && [ -n "$(header x-edge-cache)" ]; }
check "on: X-Edge-Cache appears after the reload" eventually 10 edge_on

uri='/products?limit=12&offset=2'
http GET "$uri"
check_eq "on: first read is an edge MISS" MISS "$(header x-edge-cache)"
first=$BODY
for i in $(seq 1 19); do http GET "$uri"; done
check_eq "on: a repeated read is an edge HIT" HIT "$(header x-edge-cache)"
check "on: the HIT's body is the MISS's" test "$first" = "$BODY"
eventually 10 edge_logged "$uri" 20 || true
check_eq "on: 20 reads within the lifetime, 1 reached a responder" 1 "$(edge_upstream_count "$uri")"
http GET '/products?limit=12&offset=3'
check_eq "on: another query string is another key (MISS)" MISS "$(header x-edge-cache)"
check "on: ...with its own answer" test "$first" != "$BODY"

status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -I "$HTTP_URL/products/42")
http GET /products/42
check_eq "on: HEAD ($status) then GET: the GET is not served the HEAD's copy" "42 MISS" \
  "$(printf '%s' "$BODY" | jq -r .id 2>/dev/null) $(header x-edge-cache)"

for path in /healthz /readyz /admin/stats; do
  http GET "$path"
  http GET "$path"
  check_eq "on: $path is never kept (no X-Edge-Cache)" "" "$(header x-edge-cache)"
done
http GET '/products?limit=oops'
http GET '/products?limit=oops'
check_eq "on: a 400 is not kept (second one MISS too)" "400 MISS" "$STATUS $(header x-edge-cache)"

# --- read-your-writes and the bound ----------------------------------------
# A second nginx: the same pool, a cache of its own.
edge2_port=$(free_port "${IT_EDGE2_PORT:-$((HTTP_PORT + 2))}")
rm -rf "$EDGE2_DIR"
cp -r "$RUN_DIR/nginx" "$EDGE2_DIR"
rm -rf "$EDGE2_DIR/cache/edge" "$EDGE2_DIR/nginx.pid" "$EDGE2_DIR"/*.log
sed -i -e "s|$RUN_DIR/nginx/|$EDGE2_DIR/|g" -e "s|$LOG_DIR/nginx-|$EDGE2_DIR/|g" \
  -e "s|listen 127.0.0.1:$HTTP_PORT;|listen 127.0.0.1:$edge2_port;|" \
  "$EDGE2_DIR/nginx.conf" "$EDGE2_DIR/edge-zone.conf"
user=""
[ "$(id -u)" = 0 ] && user=" user www-data www-data;" # as scripts/stack: the socket is theirs
nginx -p "$EDGE2_DIR" -c "$EDGE2_DIR/nginx.conf" \
  -g "pid $EDGE2_DIR/nginx.pid; error_log $EDGE2_DIR/error.log;$user" ||
  fail "second nginx" "did not start"
EDGE2_URL=http://127.0.0.1:$edge2_port
check "second nginx ready on $edge2_port" eventually 10 ready "$EDGE2_URL"

# Copies made just before the write: a list page on the first nginx, the
# item on the second; each timed from the end of its read (the copy cannot
# be younger). The "at once" reads follow the write directly.
old=$(edge_price "$HTTP_URL/products/5")
edge_price "$HTTP_URL/products?limit=20" >/dev/null
primed1=$(date +%s%N)
edge_price "$EDGE2_URL/products/5" >/dev/null
primed2=$(date +%s%N)
new=$(jq -n "$old + 1.11 | . * 100 | round / 100")
http PUT /products/5 "${AUTH[@]}" -c "$JAR" --data "{\"name\":\"Edge probe\",\"price\":$new}"
check_eq "write: 200" 200 "$STATUS"
check_eq "another client, at once: the edge's old copy of a list" "$old" \
  "$(edge_price "$HTTP_URL/products?limit=20")"
check_eq "second nginx, at once: still its old copy" "$old" "$(edge_price "$EDGE2_URL/products/5")"
check "write: sets the bypass cookie for longer than the bound" \
  eval "header set-cookie | grep -q 'products_wrote=1; Max-Age=$((EDGE_MS / 1000 + 1)); Path=/products'"
check_eq "writer: the next read (with its cookie) shows the write" "$new" \
  "$(edge_price -b "$JAR" "$HTTP_URL/products/5")"
check_eq "writer: a list shows it too" "$new" "$(edge_price -b "$JAR" "$HTTP_URL/products?limit=10")"
if ms=$(edge_old_until "$primed1" "$new" "$HTTP_URL/products?limit=20"); then
  check "another client: the old copy lived at most EDGE_CACHE_MS + ${MARGIN_MS} ms (${ms} ms)" \
    test "$ms" -le $((EDGE_MS + MARGIN_MS))
else fail "another client sees the write" "not within 15 s"; fi
if ms=$(edge_old_until "$primed2" "$new" "$EDGE2_URL/products/5"); then
  check "second nginx: its old copy lived at most EDGE_CACHE_MS + ${MARGIN_MS} ms (${ms} ms)" \
    test "$ms" -le $((EDGE_MS + MARGIN_MS))
else fail "second nginx sees the write" "not within 15 s"; fi
edge_stop_second

# --- negative lifetimes ----------------------------------------------------
# usage: edge_hit_for URI    e.g. read -r ms hits status <<<"$(edge_hit_for /products/0)"
# Reads URI every 50 ms for 2.5 s on one connection; prints the age (ms)
# of the oldest copy an edge HIT served, at least (from the end of the last
# read that was not a HIT, the one that made the copy, to the start of the
# HIT: a slow read on a busy machine cannot inflate it), how many HITs
# there were, and the last status.
edge_hit_for() {
  python3 - "$HTTP_PORT" "$1" <<'PY'
import http.client, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
def get():
    conn.request("GET", sys.argv[2])
    resp = conn.getresponse()
    resp.read()
    return resp.status, resp.getheader("X-Edge-Cache")
end = time.time() + 2.5
hits, oldest, made = 0, 0.0, None
while time.time() < end:
    t = time.time()
    status, edge = get()
    if edge != "HIT":
        made = time.time()
    elif made is not None:
        hits, oldest = hits + 1, max(oldest, t - made)
    time.sleep(0.05)
print(int(oldest * 1000), hits, status)
PY
}
read -r ms hits status <<<"$(edge_hit_for /products/424242)"
check_eq "404: status" 404 "$status"
check "404 is kept ($hits edge HITs)" test "$hits" -gt 0
check "404 is kept at most 1 s (oldest copy served: ${ms} ms)" test "$ms" -le 1000

kill "$(cat "$DB_PID_FILE")"
eventually 30 sh -c "! kill -0 $(cat "$DB_PID_FILE" 2>/dev/null || echo 0) 2>/dev/null"
read -r ms hits status <<<"$(edge_hit_for '/products?limit=9&offset=77')"
check_eq "503 (database down, nothing cached): status" 503 "$status"
check "503 is kept ($hits edge HITs)" test "$hits" -gt 0
check "503 is kept at most 1 s (oldest copy served: ${ms} ms)" test "$ms" -le 1000
"${EDGE_UP[@]}" >/dev/null
check "database back" eventually 10 ready

tests_done
