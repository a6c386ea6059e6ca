# shellcheck shell=bash
# second_host.sh: a second "app host" beside the running stack, for tests
# and measurements that need two responder pools sharing one Redis and one
# MySQL: its own pool (spawn-fcgi + multiwatch, fcgi-app/start-pool) on its
# own socket, behind its own nginx on a side port. Sourced after lib.sh, with
# the stack's env exported (RUN_DIR, HTTP_PORT).
#
#   start_second_host 5585 CACHE_L1=0   # port, then pool.env overrides
#   HOST2_URL=http://127.0.0.1:5585
#   stop_second_host

HOST2_DIR=$RUN_DIR/host2

# usage: start_second_host PORT [NAME=VALUE...]   e.g. start_second_host 5585
# Copies the stack's pool settings (plus the overrides) and nginx
# configuration, pointing both at a socket of its own; waits for /readyz.
start_second_host() {
  local port=$1 line user="" vars=()
  shift
  stop_second_host
  # A fresh nginx folder: a switch file (edge.d/on.conf) or cache left by an
  # earlier second host must not carry over.
  rm -rf "$HOST2_DIR/nginx"
  mkdir -p "$HOST2_DIR/fcgi" "$HOST2_DIR/nginx" "$HOST2_DIR/logs"
  chmod a+x "$HOST2_DIR" "$HOST2_DIR/fcgi"
  while IFS= read -r line; do
    # Its own socket and counters (start-pool makes both afresh: a shared
    # METRICS_FILE would be replaced under the first pool).
    case $line in '' | FCGI_SOCKET=* | FCGI_APP_BUILD=* | METRICS_FILE=*) continue ;; esac
    vars+=("$line")
  done <"$RUN_DIR/fcgi/pool.env"
  vars+=("FCGI_SOCKET=$HOST2_DIR/fcgi/fcgi.sock" "$@")
  launch_pool "$HOST2_DIR/pool.pid" "$HOST2_DIR/logs/fcgi-app.log" "${vars[@]}"
  eventually 10 test -S "$HOST2_DIR/fcgi/fcgi.sock" || return 1
  cp -r "$RUN_DIR/nginx/." "$HOST2_DIR/nginx/"
  rm -f "$HOST2_DIR/nginx/nginx.pid"
  sed -i -e "s|$RUN_DIR/fcgi/|$HOST2_DIR/fcgi/|g" \
    -e "s|$RUN_DIR/nginx/|$HOST2_DIR/nginx/|g" \
    -e "s|$RUN_DIR/logs/|$HOST2_DIR/logs/|g" \
    -e "s|listen 127.0.0.1:$HTTP_PORT;|listen 127.0.0.1:$port;|" \
    "$HOST2_DIR/nginx/nginx.conf" "$HOST2_DIR/nginx/fcgi-upstream.conf" \
    "$HOST2_DIR/nginx/edge-zone.conf"
  [ "$(id -u)" = 0 ] && user=" user www-data www-data;" # as scripts/stack
  nginx -p "$HOST2_DIR/nginx" -c "$HOST2_DIR/nginx/nginx.conf" \
    -g "pid $HOST2_DIR/nginx/nginx.pid; error_log $HOST2_DIR/logs/nginx-error.log;$user" || return 1
  HOST2_URL=http://127.0.0.1:$port
  eventually 20 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 $HOST2_URL/readyz)\" = 200 ]"
}

# usage: stop_second_host    e.g. trap stop_second_host EXIT
# Stops its nginx and pool (each by its pid file) and waits for them.
stop_second_host() {
  stop_pid "second host's nginx" "$HOST2_DIR/nginx/nginx.pid" >/dev/null || true
  stop_pid "second host's pool" "$HOST2_DIR/pool.pid" >/dev/null || true
  rm -f "$HOST2_DIR/fcgi/fcgi.sock"
}
