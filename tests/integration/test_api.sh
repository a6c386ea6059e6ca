#!/usr/bin/env bash
# The HTTP contract through nginx: bodies equal the table, validation
# errors name the parameter, 404/405 are JSON, health endpoints answer.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Rows as "id<TAB>name<TAB>price" with prices at two decimals, from the
# API (JSON) and from MySQL directly, so the two can be compared exactly.
api_rows() { jq -r '.[] | "\(.id)\t\(.name)\t\(.price)"' | awk -F'\t' '{printf "%s\t%s\t%.2f\n", $1, $2, $3}'; }
db_rows() {
  "$(command -v mariadb || command -v mysql)" --no-defaults --protocol=socket \
    --socket="$MYSQL_SOCKET" -uroot -N -B -r products -e "$1" |
    awk -F'\t' '{printf "%s\t%s\t%.2f\n", $1, $2, $3}'
}

http GET /products
check_eq "list status" 200 "$STATUS"
check_eq "list content type" "application/json" "$(header content-type)"
check "list has X-Cache" test -n "$(header x-cache)"
expected=$(db_rows "SELECT id, name, price FROM products ORDER BY id LIMIT 100")
actual=$(printf '%s' "$BODY" | api_rows)
check "list body equals the table's rows" test "$expected" = "$actual"
check_eq "list row count" "$(sql 'SELECT LEAST(COUNT(*), 100) FROM products')" "$(printf '%s' "$BODY" | jq length)"
check "names with quotes, backslash and unicode survive" \
  test "$(printf '%s' "$BODY" | jq -r '.[24].name')" = 'Café "Special" \ №25'

http GET '/products?limit=5&offset=10'
check_eq "limit+offset status" 200 "$STATUS"
check_eq "limit+offset ids" "11 12 13 14 15" "$(printf '%s' "$BODY" | jq -r '[.[].id] | map(tostring) | join(" ")')"
http GET '/products?%6Cimit=%32'
check_eq "percent-encoded key and value" 2 "$(printf '%s' "$BODY" | jq length)"

# query -> the parameter the 400 must name
while read -r query param; do
  http GET "/products?$query"
  if [ "$STATUS" = 400 ] && printf '%s' "$BODY" | jq -e --arg p "$param" '.error | startswith($p)' >/dev/null; then
    pass "400 for ?$query names $param"
  else
    fail "400 for ?$query names $param" "got $STATUS $BODY"
  fi
done <<'CASES'
limit=0 limit
limit=1001 limit
limit=-1 limit
limit=abc limit
limit= limit
limit limit
limit=+5 limit
limit=5.0 limit
limit=99999999999999999999999 limit
limit=%ZZ limit
limit=1&limit=2 limit
offset=x offset
offset=1000001 offset
foo=1 foo
limit=5&sort=name sort
CASES

http GET /products/1
check_eq "one product status" 200 "$STATUS"
check_eq "one product body" "$(db_rows 'SELECT id, name, price FROM products WHERE id = 1')" "$(printf '[%s]' "$BODY" | api_rows)"
http GET /products/99999999
check_eq "missing id is 404" 404 "$STATUS"
check "404 body is JSON with error" eval "printf '%s' \"\$BODY\" | jq -e .error >/dev/null"
for bad in abc 0 -1 1.5 4294967296; do
  http GET "/products/$bad"
  check_eq "id '$bad' is 400" 400 "$STATUS"
done

http GET /nope
check_eq "unknown path 404" 404 "$STATUS"
check "unknown path JSON" eval "printf '%s' \"\$BODY\" | jq -e .error >/dev/null"
http GET /products/1/extra
check_eq "nested path 404" 404 "$STATUS"
http PATCH /products
check_eq "PATCH /products 405" 405 "$STATUS"
check_eq "405 Allow header" "GET, HEAD, POST" "$(header allow)"
check "405 body JSON" eval "printf '%s' \"\$BODY\" | jq -e .error >/dev/null"
http POST /healthz
check_eq "POST /healthz 405" 405 "$STATUS"

http GET /healthz
check_eq "healthz 200" 200 "$STATUS"
check_eq "healthz body" ok "$(printf '%s' "$BODY" | jq -r .status)"
http GET /readyz
check_eq "readyz 200" 200 "$STATUS"
check_eq "readyz mode" cached "$(printf '%s' "$BODY" | jq -r .mode)"
http HEAD /products -I
check_eq "HEAD /products" 200 "$STATUS"

tests_done
