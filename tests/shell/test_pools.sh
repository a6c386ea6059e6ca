#!/usr/bin/env bash
# nginx/fcgi-upstream-pools.conf passes reads to the next pool and never a
# write: two "pools" that read each FastCGI request, note its method and
# close the connection unanswered. A GET reaches both; every POST, PUT and
# DELETE reaches exactly one, and the client gets nginx's JSON 503.
# (The writes' 12 draws all landing on one pool, 1 in 2,048, would fail
# "writes went to both pools".)
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
TMP=$(mktemp -d)
# nginx's workers (nobody, when we are root) must reach the run folder.
chmod 711 "$TMP"
PIDS=()

cleanup() {
  [ -f "$TMP/nginx/nginx.pid" ] && kill "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null
  kill "${PIDS[@]}" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# usage: black_hole PORT LOG: a FastCGI listener that appends each
# request's REQUEST_METHOD to LOG and closes without answering.
black_hole() {
  python3 - "$1" "$2" <<'PY' &
import socket, struct, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(64)

def more(conn):
    chunk = conn.recv(65536)
    if not chunk:
        raise OSError("closed")
    return chunk

def length(buf, i):
    if buf[i] < 128:
        return buf[i], i + 1
    return struct.unpack(">I", buf[i:i + 4])[0] & 0x7FFFFFFF, i + 4

while True:
    conn, _ = srv.accept()
    conn.settimeout(5)
    data, params = b"", b""
    try:
        while True:  # records until the empty FCGI_PARAMS that ends them
            while len(data) < 8:
                data += more(conn)
            rtype, clen, plen = data[1], struct.unpack(">H", data[4:6])[0], data[6]
            while len(data) < 8 + clen + plen:
                data += more(conn)
            body, data = data[8:8 + clen], data[8 + clen + plen:]
            if rtype == 4 and clen == 0:
                break
            if rtype == 4:
                params += body
    except (OSError, IndexError):
        pass
    i = 0
    while i < len(params):
        n, i = length(params, i)
        v, i = length(params, i)
        if params[i:i + n] == b"REQUEST_METHOD":
            with open(sys.argv[2], "a") as log:
                log.write(params[i + n:i + n + v].decode() + "\n")
        i += n + v
    conn.close()
PY
  PIDS+=($!)
  eventually 5 port_taken "$1"
}

A=$(free_port 20000)
black_hole "$A" "$TMP/a.log"
B=$(free_port $((A + 1)))
black_hole "$B" "$TMP/b.log"
HTTP_PORT=$(free_port $((B + 1)))
HTTP_URL=http://127.0.0.1:$HTTP_PORT
render_nginx_conf "$TMP/nginx" "$TMP/logs" "$HTTP_PORT" "$TMP/fcgi/"
sed -e "s|127.0.0.1:9001|127.0.0.1:$A|" -e "s|127.0.0.1:9002|127.0.0.1:$B|" \
  "$ROOT/nginx/fcgi-upstream-pools.conf" >"$TMP/nginx/fcgi-upstream.conf"
user=''
[ "$(id -u)" = 0 ] && user=' user nobody nogroup;'
if nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
  -g "pid $TMP/nginx/nginx.pid; error_log $TMP/logs/nginx-error.log;$user" 2>"$TMP/nginx.err" &&
  eventually 5 port_taken "$HTTP_PORT"; then
  pass "nginx starts with fcgi-upstream-pools.conf"
else
  fail "nginx starts with fcgi-upstream-pools.conf" "$(cat "$TMP/nginx.err")"
fi

# usage: seen METHOD: how many requests of METHOD both pools received
seen() { cat "$TMP/a.log" "$TMP/b.log" 2>/dev/null | grep -cx "$1"; }

body='{"name":"x","price":1}'
for i in 1 2 3 4; do
  http POST /products -H 'Content-Type: application/json' -d "$body"
  check_eq "POST $i: JSON 503 when its pool fails" "503 application/json" "$STATUS $(header content-type)"
  http PUT /products/1 -H 'Content-Type: application/json' -d "$body"
  check_eq "PUT $i: JSON 503 when its pool fails" 503 "$STATUS"
  http DELETE /products/1
  check_eq "DELETE $i: JSON 503 when its pool fails" 503 "$STATUS"
done
check_eq "each POST reached one pool" 4 "$(seen POST)"
check_eq "each PUT reached one pool" 4 "$(seen PUT)"
check_eq "each DELETE reached one pool" 4 "$(seen DELETE)"
check "writes went to both pools" test -s "$TMP/a.log" -a -s "$TMP/b.log"
http GET /products/1
check_eq "GET: JSON 503 when both pools fail" 503 "$STATUS"
check_eq "the GET was passed to the second pool" 2 "$(seen GET)"
tests_done
