#!/usr/bin/env bash
# Hostile requests: malformed or malicious input, each answered with the
# expected status and a JSON body {"error": "..."} (never HTML, a 500, a
# hang or a dropped connection), whether nginx or a responder answers it.
# Raw bytes go through raw_request where curl would normalise them; the
# requests that only nginx sees (it answers them itself) must also carry
# nosniff. Ends with the stack still answering.
source "$(dirname "$0")/lib.sh"

AUTH="Authorization: Bearer $ADMIN_TOKEN"
JSON="Content-Type: application/json"

# usage: expect_json_error NAME STATUS [nginx]    after http or raw_request
# Checks STATUS and that BODY is a JSON object with a non-empty "error"
# string; with "nginx", that nginx's own answer has nosniff too.
expect_json_error() {
  check_eq "$1: $2" "$2" "$STATUS"
  check "$1: JSON error body" quiet jq -e '.error | type == "string" and length > 0' <<<"$BODY"
  [ "${3:-}" != nginx ] ||
    check_eq "$1: nosniff" nosniff "$(header X-Content-Type-Options)"
}

long=$(head -c 9000 /dev/zero | tr '\0' a)

# --- paths ------------------------------------------------------------------
http GET '/products/1%2F2'
expect_json_error "encoded slash in an id" 404
http GET '/products/%00'
expect_json_error "NUL byte in the path" 400 nginx
http GET '/products/%2e%2e' --path-as-is
expect_json_error "/products/%2e%2e (resolves to /)" 404 nginx
http GET /admin/stats
direct=$STATUS
http GET '/products/%2e%2e/admin/stats' --path-as-is
check_eq "/products/%2e%2e/admin/stats answers as /admin/stats does, no more" "$direct" "$STATUS"
http GET '/_products_errors/500'
expect_json_error "nginx's internal error pages are not reachable from outside" 404 nginx
http GET "/products?x=$long"
expect_json_error "URI over 8 KB (was an HTML 500)" 414 nginx

# --- query strings ----------------------------------------------------------
http GET '/products?limit=1%00'
expect_json_error "NUL byte in a value" 400
http GET '/products?limit=1&%6cimit=2'
expect_json_error "duplicate parameter, second name percent-encoded" 400
http GET '/products?lim%0d%0ait=1'
expect_json_error "CR/LF in a parameter name" 400
check "CR/LF in a parameter name: not echoed raw" eval "! printf '%s' \"\$BODY\" | grep -q \$'\\r'"
http GET '/products?limit=99999999999999999999'
expect_json_error "limit beyond 64 bits" 400
http GET '/products/99999999999999999999'
expect_json_error "id beyond 64 bits" 400
http GET '/products?offset=-1'
expect_json_error "negative offset" 400
http GET '/products?limit=%zz'
expect_json_error "broken percent-encoding" 400

# --- methods and headers ------------------------------------------------------
http TRACE /products
expect_json_error "TRACE (nginx refuses it itself)" 405 nginx
http PATCH /products
expect_json_error "PATCH" 405
check "PATCH: Allow names the methods" test -n "$(header Allow)"
http GET /products -H "Authorization: Bearer a" -H "Authorization: Bearer b"
expect_json_error "duplicate Authorization headers" 400 nginx
http GET /products -H "X-Big: $long"
expect_json_error "header over 8 KB" 431 nginx
raw_request 'G@T /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_json_error "invalid method token" 400 nginx
raw_request 'GET /products HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_json_error "unknown HTTP version" 505 nginx
raw_request 'GET /products HTTP/1.1\r\nConnection: close\r\n\r\n'
expect_json_error "HTTP/1.1 without Host" 400 nginx
raw_request 'GET /pro\rducts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_json_error "CR inside the request line" 400 nginx

# --- bodies -----------------------------------------------------------------
big=$(mktemp)
head -c 70000 /dev/zero | tr '\0' a >"$big"
http POST /products -H "$AUTH" -H "$JSON" --data-binary "@$big"
expect_json_error "body over nginx's limit" 413 nginx
http POST /products -H "$AUTH" -H "$JSON" -H "Transfer-Encoding: chunked" --data-binary "@$big"
expect_json_error "chunked body over nginx's limit" 413 nginx
rm -f "$big"
http POST /products -H "$AUTH" -H "$JSON" --data "{\"name\":\"${long:0:5000}\",\"price\":1}"
expect_json_error "body over BODY_MAX_BYTES (the responder's limit)" 413
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{}'
expect_json_error "two Content-Length headers" 400 nginx
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n'
expect_json_error "negative Content-Length" 400 nginx
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: close\r\n\r\n0\r\n\r\n'
expect_json_error "Transfer-Encoding and Content-Length together (smuggling)" 400 nginx
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n'
expect_json_error "unknown Transfer-Encoding" 501 nginx
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'
expect_json_error "broken chunk size" 400 nginx
nested=$(printf '%.0s[' $(seq 3000))
http POST /products -H "$AUTH" -H "$JSON" --data "$nested"
expect_json_error "3,000 nested arrays" 400
http POST /products -H "$AUTH" -H "$JSON" --data '{"name":"a\u0000b","price":1}'
expect_json_error "NUL escaped in a name" 400
http POST /products -H "$AUTH" -H "$JSON" --data $'{"name":"a\xff","price":1}'
expect_json_error "invalid UTF-8 in a name" 400
http POST /products -H "$AUTH" -H "$JSON" --data '{"name":"a","price":1e309}'
expect_json_error "price beyond a double" 400
http POST /products -H "$AUTH" -H "$JSON" --data '{"name":"a","name":"b","price":1}'
expect_json_error "duplicate key in a body" 400

# A body that stops short: nginx waits client_body_timeout (5 s), then
# closes without an answer (it never sends its 408); the responder never
# sees the request. The close is nginx's (raw_request would wait 20 s), and
# not before the timeout (whole seconds: at least 4 apart).
t0=$(date +%s)
raw_request 'POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{"a"'
waited=$(($(date +%s) - t0))
check "body that stops short: nginx closed the connection, no answer (status $STATUS, closed $CLOSED, after $waited s)" \
  test "$STATUS" = 000 -a "$CLOSED" = 1
check "body that stops short: ... after client_body_timeout (5 s; $waited s)" test "$waited" -ge 4

http GET /products
check_eq "the stack still answers afterwards" 200 "$STATUS"

tests_done
