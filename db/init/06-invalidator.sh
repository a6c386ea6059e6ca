#!/usr/bin/env bash
# The binlog invalidator's database user (docs/binlog-invalidator.md),
# least privilege: it may read the binary log as a replica and the server's
# binlog position, nothing of the data.
#   MariaDB: REPLICATION SLAVE, BINLOG MONITOR
#   MySQL 8: REPLICATION SLAVE, REPLICATION CLIENT
# Password from APP_DB_INVALIDATOR_PASSWORD; without it, no user (an older
# .env). Runs as the official MySQL image's init script (first start only)
# and from scripts/stack (every `up`, idempotent), like 03-users.sh.
# Standalone for the same reasons as 03-users.sh.
set -eu

[ -n "${APP_DB_INVALIDATOR_PASSWORD:-}" ] || {
  echo "06-invalidator.sh: APP_DB_INVALIDATOR_PASSWORD unset, no invalidator user"
  exit 0
}

# Quoted for SQL: a single quote is doubled.
pw=$(printf "%s" "$APP_DB_INVALIDATOR_PASSWORD" | sed "s/'/''/g")

client=$(command -v mysql || command -v mariadb) || {
  echo "06-invalidator.sh: no mysql client found (install mariadb-client or mysql-client)" >&2
  exit 1
}

# usage: root_sql    e.g. echo 'SELECT 1' | root_sql
root_sql() {
  MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-}" "$client" --protocol=socket \
    ${MYSQL_SOCKET:+--socket="$MYSQL_SOCKET"} -uroot -N -B
}

case $(echo 'SELECT VERSION()' | root_sql) in
  *MariaDB*) monitor='BINLOG MONITOR' ;;
  *) monitor='REPLICATION CLIENT' ;;
esac

# '%' for compose's invalidator container, 'localhost' for the native
# stack's socket (see 03-users.sh on the anonymous user).
root_sql <<SQL
CREATE USER IF NOT EXISTS 'products_invalidator'@'%' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'products_invalidator'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'products_invalidator'@'%' IDENTIFIED BY '$pw';
ALTER USER 'products_invalidator'@'localhost' IDENTIFIED BY '$pw';
GRANT REPLICATION SLAVE, $monitor ON *.*
  TO 'products_invalidator'@'%', 'products_invalidator'@'localhost';
SQL
echo "06-invalidator.sh: products_invalidator ready ($monitor)"
