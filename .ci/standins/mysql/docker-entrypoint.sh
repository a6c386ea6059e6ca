#!/usr/bin/env bash
# Entrypoint of the mysql:8.4 stand-in (MariaDB 10.11 from Debian).
#
# Follows the official image's entrypoint contract so that compose.yaml and
# db/init run unchanged: on first start (no $DATADIR/mysql) it initialises the
# data directory, starts a temporary server without networking, sets the root
# account from MYSQL_ROOT_PASSWORD / MYSQL_ALLOW_EMPTY_PASSWORD /
# MYSQL_RANDOM_ROOT_PASSWORD (+ MYSQL_ROOT_HOST), creates MYSQL_DATABASE and
# MYSQL_USER/MYSQL_PASSWORD, then runs /docker-entrypoint-initdb.d in name
# order: *.sh executed when executable and sourced otherwise, *.sql (and
# compressed .sql) piped to the client with MYSQL_DATABASE as the default
# database. Then it stops the temporary server and execs the real one.
#
# Not emulated: time zone tables (MYSQL_INITDB_SKIP_TZINFO is accepted and
# has no effect) and MySQL-only server options.
set -eo pipefail
shopt -s nullglob

mysql_log() {
  local type="$1"
  shift
  printf '%s [%s] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" \
    "$type" "$*"
}
mysql_note() { mysql_log Note "$@"; }
mysql_warn() { mysql_log Warn "$@" >&2; }
mysql_error() {
  mysql_log ERROR "$@" >&2
  exit 1
}

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE.
file_env() {
  local var="$1" def="${2:-}"
  local file_var="${var}_FILE"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    mysql_error "Both $var and $file_var are set (but are exclusive)"
  fi
  local val="$def"
  if [ -n "${!var:-}" ]; then
    val="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    val="$(<"${!file_var}")"
  fi
  export "$var"="$val"
  unset "$file_var"
}

want_help() {
  local arg
  for arg; do
    case "$arg" in
      -'?' | --help | --print-defaults | -V | --version) return 0 ;;
    esac
  done
  return 1
}

# mysql_get_config NAME ARGS...: the server's effective value of NAME.
mysql_get_config() {
  local conf="$1"
  shift
  "$@" --verbose --help 2>/dev/null |
    awk -v conf="$conf" '$1 == conf && /^[^ \t]/ { print $2; exit }'
}

sql_escape_string_literal() {
  local escaped="${1//\\/\\\\}"
  printf '%s' "${escaped//\'/\\\'}"
}

setup_env() {
  DATADIR="$(mysql_get_config datadir "$@")"
  SOCKET="$(mysql_get_config socket "$@")"
  DATADIR="${DATADIR:-/var/lib/mysql}"
  DATADIR="${DATADIR%/}"
  SOCKET="${SOCKET:-/var/run/mysqld/mysqld.sock}"
  file_env MYSQL_ROOT_HOST '%'
  file_env MYSQL_DATABASE
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD
  file_env MYSQL_ROOT_PASSWORD
  DATABASE_ALREADY_EXISTS=
  if [ -d "$DATADIR/mysql" ]; then
    DATABASE_ALREADY_EXISTS=true
  fi
}

verify_minimum_env() {
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] &&
    [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    mysql_error "Database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
  fi
  if [ "$MYSQL_USER" = root ]; then
    mysql_error "MYSQL_USER=\"root\", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user
    Remove MYSQL_USER=\"root\" and use one of the following to control the root user password:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
    mysql_warn "MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created"
  elif [ -z "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    mysql_warn "MYSQL_PASSWORD specified, but missing MYSQL_USER; MYSQL_PASSWORD will be ignored"
  fi
}

# process_sql [--dont-use-mysql-root-password] [mysql args]: stdin to the
# temporary server as root, in MYSQL_DATABASE when it is set.
process_sql() {
  local pw="$MYSQL_ROOT_PASSWORD"
  if [ "${1:-}" = --dont-use-mysql-root-password ]; then
    shift
    pw=
  fi
  local db_args=()
  if [ -n "$MYSQL_DATABASE" ]; then
    db_args=(--database="$MYSQL_DATABASE")
  fi
  # The password goes through the client's environment: MariaDB's client
  # refuses a --defaults-extra-file that is a pipe.
  MYSQL_PWD="$pw" mysql --protocol=socket -uroot -hlocalhost \
    --socket="$SOCKET" --comments "${db_args[@]}" "$@"
}
# The official image's function names, for sourced init scripts.
docker_process_sql() { process_sql "$@"; }

temp_server_start() {
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" &
  TEMP_SERVER_PID=$!

  for _ in $(seq 60); do
    if echo 'SELECT 1' | MYSQL_DATABASE='' \
      process_sql --dont-use-mysql-root-password >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$TEMP_SERVER_PID" 2>/dev/null; then
      mysql_error "Unable to start server (temporary server exited)."
    fi
    sleep 0.5
  done
  mysql_error "Unable to start server (not answering after 30 s)."
}

temp_server_stop() {
  kill -TERM "$TEMP_SERVER_PID"

  for _ in $(seq 120); do
    if ! kill -0 "$TEMP_SERVER_PID" 2>/dev/null; then
      wait "$TEMP_SERVER_PID" || true
      return 0
    fi
    sleep 0.5
  done
  mysql_error "Temporary server did not stop within 60 s."
}

init_database_dir() {
  mysql_note "Initializing database files"
  mariadb-install-db --datadir="$DATADIR" --user="$(id -un)" \
    --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --rpm >/dev/null
  mysql_note "Database files initialized"
}

setup_db() {
  local root_pw=
  if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    MYSQL_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    export MYSQL_ROOT_PASSWORD
    mysql_note "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  root_pw="$(sql_escape_string_literal "$MYSQL_ROOT_PASSWORD")"

  # mariadb-install-db also makes root@<hostname> (and anonymous users on
  # some versions); the official image starts with root@localhost only.
  local extra drops=
  for extra in $(echo "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user
            WHERE NOT (user = 'root' AND host = 'localhost')
            AND user NOT IN ('mariadb.sys', 'mysql')" |
    MYSQL_DATABASE='' process_sql --dont-use-mysql-root-password -N); do
    drops+="DROP USER $extra;"
  done

  local root_host_sql=
  if [ "$MYSQL_ROOT_HOST" != localhost ]; then
    root_host_sql="CREATE USER 'root'@'${MYSQL_ROOT_HOST}' IDENTIFIED BY '${root_pw}';
GRANT ALL ON *.* TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;"
  fi
  MYSQL_DATABASE='' process_sql --dont-use-mysql-root-password <<-SQL
		SET @@SESSION.SQL_LOG_BIN=0;
		${drops}
		ALTER USER 'root'@'localhost' IDENTIFIED BY '${root_pw}';
		${root_host_sql}
		DROP DATABASE IF EXISTS test;
		FLUSH PRIVILEGES;
	SQL

  if [ -n "$MYSQL_DATABASE" ]; then
    mysql_note "Creating database ${MYSQL_DATABASE}"
    MYSQL_DATABASE='' process_sql <<<"CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    mysql_note "Creating user ${MYSQL_USER}"
    local user_pw
    user_pw="$(sql_escape_string_literal "$MYSQL_PASSWORD")"
    MYSQL_DATABASE='' process_sql <<<"CREATE USER '$MYSQL_USER'@'%' IDENTIFIED BY '$user_pw';"
    if [ -n "$MYSQL_DATABASE" ]; then
      mysql_note "Giving user ${MYSQL_USER} access to schema ${MYSQL_DATABASE}"
      MYSQL_DATABASE='' process_sql <<<"GRANT ALL ON \`${MYSQL_DATABASE//_/\\_}\`.* TO '$MYSQL_USER'@'%';"
    fi
  fi
}

process_init_files() {
  echo
  local f
  for f; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          mysql_note "$0: running $f"
          "$f"
        else
          mysql_note "$0: sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql)
        mysql_note "$0: running $f"
        process_sql <"$f"
        echo
        ;;
      *.sql.gz)
        mysql_note "$0: running $f"
        gunzip -c "$f" | process_sql
        echo
        ;;
      *.sql.xz)
        mysql_note "$0: running $f"
        xzcat "$f" | process_sql
        echo
        ;;
      *.sql.bz2)
        mysql_note "$0: running $f"
        bunzip2 -c "$f" | process_sql
        echo
        ;;
      *.sql.zst)
        mysql_note "$0: running $f"
        zstd -dc "$f" | process_sql
        echo
        ;;
      *) mysql_warn "$0: ignoring $f" ;;
    esac
  done
}

main() {
  if [ "${1:0:1}" = - ]; then
    set -- mysqld "$@"
  fi
  case "$1" in
    mysqld | mariadbd) ;;
    *) exec "$@" ;;
  esac
  if want_help "$@"; then
    exec "$@"
  fi

  mysql_note "Entrypoint script for the mysql:8.4 stand-in (MariaDB $("$1" --version | awk '{print $3}')) started."
  setup_env "$@"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" "$(dirname "$SOCKET")"
    chown -R mysql:mysql "$DATADIR" "$(dirname "$SOCKET")"
    mysql_note "Switching to dedicated user 'mysql'"
    exec setpriv --reuid=mysql --regid=mysql --init-groups \
      "${BASH_SOURCE[0]}" "$@"
  fi

  if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
    verify_minimum_env
    ls /docker-entrypoint-initdb.d/ >/dev/null
    init_database_dir "$@"
    mysql_note "Starting temporary server"
    temp_server_start "$@"
    mysql_note "Temporary server started."
    setup_db
    process_init_files /docker-entrypoint-initdb.d/*
    if [ -n "${MYSQL_ONETIME_PASSWORD:-}" ]; then
      MYSQL_DATABASE='' process_sql <<<"ALTER USER 'root'@'%' PASSWORD EXPIRE;"
    fi
    mysql_note "Stopping temporary server"
    temp_server_stop
    mysql_note "Temporary server stopped"
    echo
    mysql_note "MySQL init process done. Ready for start up."
    echo
  fi
  exec "$@"
}

main "$@"
