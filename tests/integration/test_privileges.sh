#!/usr/bin/env bash
# Least privilege in the native stack (scripts/stack, "users"): started by
# root, no process of the stack but nginx's master runs as root; each
# unprivileged user reaches the sockets it needs and no more. Started by a
# normal user, everything runs as that user.
source "$(dirname "$0")/lib.sh"

# usage: users_of PIDFILE [children]    e.g. users_of "$DB_PID_FILE"
# Prints "user:group" of the process in PIDFILE (or of its children), one
# per line, sorted and unique.
users_of() {
  local pid
  pid=$(cat "$1")
  if [ "${2:-}" = children ]; then
    ps -o user=,group= --ppid "$pid"
  else
    ps -o user=,group= -p "$pid"
  fi | awk '{print $1 ":" $2}' | sort -u | tr '\n' ' '
}

# usage: run_as_user USER COMMAND...    e.g. run_as_user www-data test -x "$REDIS_DIR"
# Runs COMMAND as USER with USER's groups, as the stack's processes do.
run_as_user() {
  local user=$1
  shift
  setpriv --reuid="$user" --regid="$(id -gn "$user")" --init-groups "$@"
}

REDIS_DIR=$(dirname "$REDIS_SOCKET")
DB_DIR=$(dirname "$MYSQL_SOCKET")
RESPONDERS=$(pgrep -c -P "$(cat "$POOL_PID_FILE")" || true)

# Redis' users (scripts/lib.sh, redis_acl), as root or not.
app_redis() { REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -s "$REDIS_SOCKET" --user "$REDIS_USER" "$@" 2>&1; }
check "redis without a password: NOAUTH" \
  eval "env -u REDISCLI_AUTH redis-cli -s '$REDIS_SOCKET' PING 2>&1 | grep -q NOAUTH"
check "redis with a wrong password: refused" \
  eval "REDISCLI_AUTH=wrong redis-cli -s '$REDIS_SOCKET' PING 2>&1 | grep -q WRONGPASS"
check "the responders' Redis user reads products:gen" \
  eval "! app_redis GET products:gen | grep -q NOPERM"
check "the responders' Redis user cannot FLUSHALL" eval "app_redis FLUSHALL | grep -q NOPERM"
check "the responders' Redis user cannot CONFIG SET" eval "app_redis CONFIG SET maxmemory 1 | grep -q NOPERM"
check "the responders' Redis user cannot touch keys outside products:" \
  eval "app_redis SET other 1 | grep -q NOPERM"
check "the responders' Redis user cannot list keys" eval "app_redis KEYS '*' | grep -q NOPERM"

if [ "$(id -u)" != 0 ]; then
  me="$(id -un):$(id -gn)"
  check_eq "database runs as the caller" "$me " "$(users_of "$DB_PID_FILE")"
  check_eq "redis runs as the caller" "$me " "$(users_of "$REDIS_PID_FILE")"
  check_eq "multiwatch runs as the caller" "$me " "$(users_of "$POOL_PID_FILE")"
  check_eq "responders run as the caller" "$me " "$(users_of "$POOL_PID_FILE" children)"
  check_eq "nginx's workers run as the caller" "$me " "$(users_of "$NGINX_PID_FILE" children)"
  tests_done
fi

check_eq "database runs as mysql" "mysql:mysql " "$(users_of "$DB_PID_FILE")"
check_eq "redis runs as redis, group products" "redis:products " "$(users_of "$REDIS_PID_FILE")"
check_eq "multiwatch runs as products" "products:products " "$(users_of "$POOL_PID_FILE")"
check "the pool has its responders ($RESPONDERS)" test "$RESPONDERS" -ge 1
check_eq "every responder runs as products" "products:products " "$(users_of "$POOL_PID_FILE" children)"
check_eq "nginx's workers run as www-data" "www-data:www-data " "$(users_of "$NGINX_PID_FILE" children)"
check_eq "only nginx's master runs as root" "nginx" \
  "$(for f in "$DB_PID_FILE" "$REDIS_PID_FILE" "$POOL_PID_FILE" "$NGINX_PID_FILE"; do
    p=$(cat "$f")
    ps -o user=,comm= -p "$p" --ppid "$p"
  done | awk '$1 == "root" {print $2}' | tr '\n' ' ' | sed 's/ $//')"
http GET /products
check_eq "and the stack answers: 200" 200 "$STATUS"

# What each user can reach.
check "responders reach the Redis socket" run_as_user products test -w "$REDIS_SOCKET"
check "responders reach the database socket" run_as_user products test -w "$MYSQL_SOCKET"
check "responders cannot read the database's files" \
  eval "! run_as_user products ls '$DB_DIR/data' >/dev/null 2>&1"
check "responders cannot log in as the database's root" \
  eval "! run_as_user products '$(first_cmd mariadb mysql)' --no-defaults --socket='$MYSQL_SOCKET' -uroot -e 'SELECT 1' >/dev/null 2>&1"
check "responders cannot read the stack's secrets (stack.env)" \
  eval "! run_as_user products cat '$RUN_DIR/stack.env' >/dev/null 2>&1"
check "responders cannot read pool.env" \
  eval "! run_as_user products cat '$RUN_DIR/fcgi/pool.env' >/dev/null 2>&1"
app_bin=$(readlink "/proc/$(pgrep -P "$(cat "$POOL_PID_FILE")" | head -n1)/exe")
check "responders cannot change their own program ($app_bin)" \
  eval "! run_as_user products test -w '$app_bin'"
check "nginx's workers reach the FastCGI socket" run_as_user www-data test -w "$FCGI_SOCKET"
check "nginx's workers cannot reach Redis" eval "! run_as_user www-data test -x '$REDIS_DIR'"
check "nginx's workers cannot reach the database" eval "! run_as_user www-data test -x '$DB_DIR'"
check "redis cannot reach the database" eval "! run_as_user redis test -x '$DB_DIR'"
check "the database cannot reach Redis" eval "! run_as_user mysql test -x '$REDIS_DIR'"
check "nobody else reaches the FastCGI socket" eval "! run_as_user nobody test -x '$(dirname "$FCGI_SOCKET")'"
check "nobody else lists the run folder" eval "! run_as_user nobody ls '$RUN_DIR' >/dev/null 2>&1"

tests_done
