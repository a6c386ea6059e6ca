#!/usr/bin/env bash
# Writes: authorisation, validation, statuses, and invalidation that makes
# every later read see the write. Also: the read-only database user
# really cannot write.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")

http POST /products "${JSON[@]}" --data '{"name":"x","price":1}'
check_eq "write without token: 401" 401 "$STATUS"
check_eq "401 challenges for a bearer token" Bearer "$(header www-authenticate)"
http POST /products "${JSON[@]}" -H "Authorization: Bearer wrong-token-wrong-token" --data '{"name":"x","price":1}'
check_eq "write with a wrong token: 401" 401 "$STATUS"
http DELETE /products/1 -H "Authorization: Bearer ${ADMIN_TOKEN}x"
check_eq "delete with a longer token: 401" 401 "$STATUS"

# Validation: body -> status, and the field the error must name.
while IFS='|' read -r body status field; do
  http POST /products "${AUTH[@]}" "${JSON[@]}" --data "$body"
  if [ "$STATUS" = "$status" ] && printf '%s' "$BODY" | jq -e --arg f "$field" '.error | startswith($f)' >/dev/null; then
    pass "POST $body -> $status naming $field"
  else
    fail "POST $body -> $status naming $field" "got $STATUS $BODY"
  fi
done <<'CASES'
{"name":"x"}|400|price
{"price":1}|400|name
{"name":"","price":1}|400|name
{"name":"x","price":-1}|400|price
{"name":"x","price":"1"}|400|price
{"name":"x","price":1,"stock":2}|400|body
{"name":"x","price":1|400|body
[1]|400|body
CASES
http POST /products "${AUTH[@]}" -H "Content-Type: text/plain" --data '{"name":"x","price":1}'
check_eq "wrong content type: 415" 415 "$STATUS"
big=$(head -c 5000 /dev/zero | tr '\0' 'a')
http POST /products "${AUTH[@]}" "${JSON[@]}" --data "{\"name\":\"$big\",\"price\":1}"
check_eq "body over the limit: 413" 413 "$STATUS"
check "413 body is JSON" eval "printf '%s' \"\$BODY\" | jq -e .error >/dev/null"
huge=$(mktemp)
head -c 70000 /dev/zero | tr '\0' 'a' >"$huge"
http POST /products "${AUTH[@]}" "${JSON[@]}" --data-binary "@$huge"
rm -f "$huge"
check_eq "body over nginx's limit: 413" 413 "$STATUS"
check "nginx's 413 is JSON too" eval "printf '%s' \"\$BODY\" | jq -e .error >/dev/null"
http POST /products -H "Authorization: bearer $ADMIN_TOKEN" -H "Content-Type: Application/JSON" --data '{"name":"Case test","price":1}'
check_eq "bearer scheme and media type are case-insensitive" 201 "$STATUS"
http DELETE "$(header location)" "${AUTH[@]}"
http PUT /products/abc "${AUTH[@]}" "${JSON[@]}" --data '{"name":"x","price":1}'
check_eq "PUT non-integer id: 400" 400 "$STATUS"
http PUT /products/99999999 "${AUTH[@]}" "${JSON[@]}" --data '{"name":"x","price":1}'
check_eq "PUT missing id: 404" 404 "$STATUS"
http DELETE /products/99999999 "${AUTH[@]}"
check_eq "DELETE missing id: 404" 404 "$STATUS"
check_eq "no stray rows from rejected writes" 0 "$(sql "SELECT COUNT(*) FROM products WHERE name = 'x'")"

# Create, read, update, delete, each visible at once through the cache.
http GET /products?limit=1000 >/dev/null
http GET /products?limit=1000
check_eq "list cached before the writes" HIT "$(header x-cache)"
http POST /products "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Lamp \"Nova\" ☀","price":12.345}'
check_eq "create: 201" 201 "$STATUS"
id=$(printf '%s' "$BODY" | jq -r .id)
check_eq "create: Location" "/products/$id" "$(header location)"
check_eq "create: price rounded to cents" 12.35 "$(printf '%s' "$BODY" | jq .price)"
check_eq "create: row in MySQL" 'Lamp "Nova" ☀	12.35' "$(sql "SELECT name, price FROM products WHERE id = $id")"
http GET /products?limit=1000
check "create: the cached list shows the new row at once" \
  test "$(printf '%s' "$BODY" | jq --argjson id "$id" 'map(select(.id == $id)) | length')" = 1
http GET "/products/$id"
check_eq "create: GET by id" 'Lamp "Nova" ☀' "$(printf '%s' "$BODY" | jq -r .name)"
http GET "/products/$id"
check_eq "create: GET by id is cached" HIT "$(header x-cache)"

http PUT "/products/$id" "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Lamp","price":20}'
check_eq "update: 200" 200 "$STATUS"
http GET "/products/$id"
check_eq "update: visible at once by id" 20 "$(printf '%s' "$BODY" | jq .price)"
http PUT "/products/$id" "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Lamp","price":20}'
check_eq "update with unchanged values: 200, not 404" 200 "$STATUS"

http DELETE "/products/$id" "${AUTH[@]}"
check_eq "delete: 204" 204 "$STATUS"
check_eq "delete: empty body" "" "$BODY"
http GET "/products/$id"
check_eq "delete: GET by id is 404 at once" 404 "$STATUS"
http GET /products?limit=1000
check "delete: gone from the cached list at once" \
  test "$(printf '%s' "$BODY" | jq --argjson id "$id" 'map(select(.id == $id)) | length')" = 0

# Least privilege: the read user cannot write, the write user cannot DDL.
client=$(command -v mariadb || command -v mysql)
if MYSQL_PWD=$MYSQL_PASSWORD "$client" --no-defaults --protocol=socket --socket="$MYSQL_SOCKET" \
  -u"$MYSQL_USER" products -e "UPDATE products SET price = 1 WHERE id = 1" 2>/dev/null; then
  fail "reader cannot UPDATE" "the UPDATE succeeded"
else
  pass "reader cannot UPDATE"
fi
if MYSQL_PWD=$MYSQL_WRITE_PASSWORD "$client" --no-defaults --protocol=socket --socket="$MYSQL_SOCKET" \
  -u"$MYSQL_WRITE_USER" products -e "DROP TABLE products" 2>/dev/null; then
  fail "writer cannot DROP" "the DROP succeeded"
else
  pass "writer cannot DROP"
fi

# Persistent connections closed by the server while idle (wait_timeout):
# the next read and the next write still succeed on a fresh connection.
sql "SET GLOBAL wait_timeout = 2"
MODE=cached "$STACK" mode cached >/dev/null # nothing changed: no restart
fresh_pool                                  # new responders, new sessions
# Enough requests that every responder opens its connections (which one
# takes a request is up to the kernel), then let them all idle out.
idle_round() { # price -> number of non-2xx among 3 x POOL_SIZE writes and reads
  local bad=0 i code
  for ((i = 0; i < POOL_SIZE * 3; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X PUT "${AUTH[@]}" "${JSON[@]}" \
      --data "{\"name\":\"Idle probe\",\"price\":$1}" "$HTTP_URL/products/2")
    [ "$code" = 200 ] || bad=$((bad + 1))
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$HTTP_URL/products?limit=$((i % 50 + 1))")
    [ "$code" = 200 ] || bad=$((bad + 1))
  done
  echo "$bad"
}
idle_round 2 >/dev/null
responder_sessions() {
  sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST
       WHERE USER IN ('$MYSQL_USER', '$MYSQL_WRITE_USER')"
}
# Else the checks below would pass with nothing to close.
sessions=$(responder_sessions)
check "precondition: the responders hold sessions ($sessions)" test "$sessions" -ge 1
# The server closes them after wait_timeout; awaited (bounded), not slept.
no_responder_sessions() { [ "$(responder_sessions)" = 0 ]; }
check "the server closed the responders' idle connections (within 10 s)" \
  eventually 10 no_responder_sessions
check_eq "writes and reads after the server closed idle connections: non-200" 0 "$(idle_round 3)"
http GET /products/2
check_eq "and the reads show the write" 3 "$(printf '%s' "$BODY" | jq .price)"
sql "SET GLOBAL wait_timeout = 28800"
fresh_pool

# Without ADMIN_TOKEN the write endpoints are disabled.
ADMIN_TOKEN='' "$STACK" mode cached >/dev/null
http POST /products "${AUTH[@]}" "${JSON[@]}" --data '{"name":"x","price":1}'
check_eq "no ADMIN_TOKEN configured: 403" 403 "$STATUS"
"$STACK" mode cached >/dev/null

tests_done
