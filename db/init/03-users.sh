#!/usr/bin/env bash
# The application's database users, least privilege:
#   products_reader: SELECT on products.products (every read, and readiness)
#   products_writer: SELECT, INSERT, UPDATE, DELETE on products.products
# Passwords come from APP_DB_READER_PASSWORD and APP_DB_WRITER_PASSWORD.
# Runs as the official MySQL image's init script (/docker-entrypoint-initdb.d,
# root over the local socket with MYSQL_ROOT_PASSWORD) and from scripts/stack
# (MYSQL_SOCKET set, root without a password).
# Standalone on purpose, not sourcing scripts/lib.sh: inside the database
# container only db/init is mounted (compose.yaml), and the official
# entrypoint may source this file into its own shell, where our helpers
# could shadow its functions.
set -eu

: "${APP_DB_READER_PASSWORD:?set APP_DB_READER_PASSWORD}"
: "${APP_DB_WRITER_PASSWORD:?set APP_DB_WRITER_PASSWORD}"

# Passwords are quoted for SQL: a single quote is doubled.
sql_quote() { printf "%s" "$1" | sed "s/'/''/g"; }
reader_pw=$(sql_quote "$APP_DB_READER_PASSWORD")
writer_pw=$(sql_quote "$APP_DB_WRITER_PASSWORD")

client=$(command -v mysql || command -v mariadb) || {
  echo "03-users.sh: no mysql client found (install mariadb-client or mysql-client)" >&2
  exit 1
}

# Both '%' and 'localhost': socket connections match 'localhost', and an
# anonymous ''@'localhost' account would otherwise shadow 'user'@'%'.
MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-}" "$client" --protocol=socket \
  ${MYSQL_SOCKET:+--socket="$MYSQL_SOCKET"} -uroot <<SQL
CREATE USER IF NOT EXISTS 'products_reader'@'%' IDENTIFIED BY '$reader_pw';
CREATE USER IF NOT EXISTS 'products_reader'@'localhost' IDENTIFIED BY '$reader_pw';
CREATE USER IF NOT EXISTS 'products_writer'@'%' IDENTIFIED BY '$writer_pw';
CREATE USER IF NOT EXISTS 'products_writer'@'localhost' IDENTIFIED BY '$writer_pw';
ALTER USER 'products_reader'@'%' IDENTIFIED BY '$reader_pw';
ALTER USER 'products_reader'@'localhost' IDENTIFIED BY '$reader_pw';
ALTER USER 'products_writer'@'%' IDENTIFIED BY '$writer_pw';
ALTER USER 'products_writer'@'localhost' IDENTIFIED BY '$writer_pw';
GRANT SELECT ON products.products TO 'products_reader'@'%', 'products_reader'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON products.products
  TO 'products_writer'@'%', 'products_writer'@'localhost';
FLUSH PRIVILEGES;
SQL
echo "03-users.sh: products_reader and products_writer ready"
