#!/usr/bin/env bash
# GET /metrics for the whole pool: a real parser accepts it (promtool), N
# requests spread over the pool raise the total by exactly N and the
# histogram's count with it, a responder killed with SIGKILL takes nothing
# counted with it, the operator endpoints refuse other addresses with a JSON
# 403, and nginx logs each request with its cache outcome, rotated past
# LOG_MAX_BYTES.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# A client address outside the allowed set (loopback 127.0.0.1 and ::1):
# Linux routes all of 127.0.0.0/8 to lo, so curl can bind 127.0.0.2 and
# nginx sees that as the request's source address.
OUTSIDE=127.0.0.2

SCRAPE=$(mktemp)
trap 'rm -f "$SCRAPE"' EXIT

# usage: scrape    e.g. scrape && total products
# GET /metrics into SCRAPE; false unless it answered 200.
scrape() {
  [ "$(curl -s -o "$SCRAPE" -w '%{http_code}' --max-time 5 "$HTTP_URL/metrics")" = 200 ]
}

# usage: total REGEX    e.g. total '^products_http_requests_total\{route="/products",'
# The sum of the values of the SCRAPE lines that match REGEX (0 for none).
total() { awk -v re="$1" '$0 ~ re {s += $NF} END {printf "%d\n", s}' "$SCRAPE"; }

# the requests to /products, and the request-duration count of product
# outcomes (not "none", the scrapes' own)
products_total() { total '^products_http_requests_total[{]route="/products",'; }
hist_count() { total '^products_http_request_duration_seconds_count[{]cache="(L1|HIT|MISS|STALE|BYPASS)"'; }

# usage: spread N    e.g. spread 400
# N GETs of /products from one curl, 16 at a time on separate
# connections, so nginx opens several upstream connections and the pool's
# processes share them.
spread() {
  local i
  for ((i = 0; i < $1; i++)); do printf 'url = "%s/products?limit=5"\noutput = "/dev/null"\n' "$HTTP_URL"; done |
    curl -s --parallel --parallel-max 16 --max-time 30 --config - >/dev/null 2>&1
}

# 1. A real parser accepts a live scrape.
if command -v promtool >/dev/null 2>&1; then
  http GET /products >/dev/null
  scrape
  check "promtool check metrics accepts a live scrape" promtool check metrics <"$SCRAPE"
else
  fail "promtool check metrics" "promtool not found: install the Debian package 'prometheus' (make deps)"
fi
check_eq "content type of /metrics" "text/plain; version=0.0.4; charset=utf-8" \
  "$(curl -s -o /dev/null -w '%{content_type}' "$HTTP_URL/metrics")"
scrape
check_eq "every responder process is counted" "$POOL_SIZE" "$(total '^products_responder_processes ')"
check "build info names version and mode" grep -qE '^products_build_info[{]version="[^"]+",mode="cached"[}] 1$' "$SCRAPE"

# 2. N requests over the pool: both totals rise by exactly N.
N=400
scrape
before=$(products_total) hist_before=$(hist_count)
spread "$N"
scrape
check_eq "requests_total rises by exactly N=$N" "$N" "$(($(products_total) - before))"
check_eq "histogram count rises by exactly N=$N" "$N" "$(($(hist_count) - hist_before))"

# 3. SIGKILL of a responder: nothing counted goes, the restart is counted.
pool=$(cat "$POOL_PID_FILE")
starts=$(total '^products_responder_starts_total ')
before=$(products_total)
victim=$(pgrep -P "$pool" | head -n 1)
kill -KILL "$victim"
eventually 10 sh -c "[ \$(pgrep -P $pool | wc -l) -eq $POOL_SIZE ] && ! kill -0 $victim 2>/dev/null" ||
  info "the pool did not come back to $POOL_SIZE responders in 10 s"
# The new process counts its start when it maps the file, a moment after
# multiwatch forked it.
restart_counted() {
  scrape
  [ "$(total '^products_responder_starts_total ')" -ge $((starts + 1)) ]
}
eventually 10 restart_counted || true
scrape
check "after SIGKILL the total did not go backwards" test "$(products_total)" -ge "$before"
check_eq "after SIGKILL the restart is counted" "$((starts + 1))" "$(total '^products_responder_starts_total ')"
before=$(products_total)
spread 100
scrape
check_eq "after SIGKILL N=100 more still add up exactly" 100 "$(($(products_total) - before))"

# 4. Operator endpoints: allowed from loopback, a JSON 403 from elsewhere.
while read -r path; do
  inside=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$HTTP_URL$path")
  body=$(curl -s --interface "$OUTSIDE" -w '\n%{http_code}' --max-time 5 "$HTTP_URL$path")
  check_eq "$path from 127.0.0.1: 200" 200 "$inside"
  check_eq "$path from $OUTSIDE: 403" 403 "${body##*$'\n'}"
  check "$path from $OUTSIDE: JSON error" quiet jq -e '.error | test("not allowed")' <<<"${body%$'\n'*}"
done <<'PATHS'
/metrics
/admin/stats
/products/%2e%2e/admin/stats
/nginx_status
PATHS
check_eq "/products from $OUTSIDE: 200 (only operator paths are closed)" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' --interface "$OUTSIDE" --max-time 5 "$HTTP_URL/products")"

# 5. One access-log line per request with the cache outcome and upstream
# time; rotation past LOG_MAX_BYTES keeps nginx writing to a fresh file.
ACCESS=$LOG_DIR/nginx-access.log
marker="/products?limit=3&offset=7"
http GET "$marker"
logged() { grep -F "\"GET $marker HTTP/1.1\" 200" "$ACCESS" | tail -n 1 | grep -qE ' [0-9.]+ [0-9.]+ "(HIT|MISS|STALE|BYPASS)"$'; }
check "access log: status, request and upstream time, cache outcome" eventually 5 logged
LOG_MAX_BYTES=1 "$STACK" rotate-logs
check "rotation: the old access log is kept as .1" test -s "$ACCESS.1"
# nginx's workers reopen the file on the signal, a moment later: a request
# per look, until one lands in the fresh file.
fresh_line() { http GET "$marker" && logged; }
check "rotation: nginx writes the next line to a fresh file" eventually 5 fresh_line

tests_done
