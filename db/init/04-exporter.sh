#!/usr/bin/env bash
# The monitoring profile's database user, least privilege:
#   products_exporter: PROCESS, REPLICATION CLIENT, SELECT on
#   performance_schema (what prometheus-mysqld-exporter reads), no data,
#   at most 3 connections.
# Password from APP_DB_EXPORTER_PASSWORD. Runs as the official MySQL image's
# init script (/docker-entrypoint-initdb.d, root over the local socket with
# MYSQL_ROOT_PASSWORD), on the first start only, whether or not the
# monitoring profile is on, so that turning it on later finds the user. The
# native stack makes its own exporter user (scripts/stack, MONITORING=1) and
# does not run this file.
# Standalone for the same reasons as 03-users.sh.
set -eu

: "${APP_DB_EXPORTER_PASSWORD:?set APP_DB_EXPORTER_PASSWORD}"

# The password is quoted for SQL: a single quote is doubled.
pw=$(printf "%s" "$APP_DB_EXPORTER_PASSWORD" | sed "s/'/''/g")

client=$(command -v mysql || command -v mariadb) || {
  echo "04-exporter.sh: no mysql client found (install mariadb-client or mysql-client)" >&2
  exit 1
}

# '%' only: the exporter is another container, it never uses the socket.
MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-}" "$client" --protocol=socket \
  ${MYSQL_SOCKET:+--socket="$MYSQL_SOCKET"} -uroot <<SQL
CREATE USER IF NOT EXISTS 'products_exporter'@'%' IDENTIFIED BY '$pw' WITH MAX_USER_CONNECTIONS 3;
ALTER USER 'products_exporter'@'%' IDENTIFIED BY '$pw';
GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'products_exporter'@'%';
GRANT SELECT ON performance_schema.* TO 'products_exporter'@'%';
FLUSH PRIVILEGES;
SQL
echo "04-exporter.sh: products_exporter ready"
