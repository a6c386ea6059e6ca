#!/usr/bin/env bash
# Replication for compose's "ha" profile (docs/scaling-out.md), on MySQL 8
# (the official image) and MariaDB (the stand-in here) alike; the flavour
# comes from SELECT VERSION(). Runs as an init script of the official MySQL
# image (/docker-entrypoint-initdb.d, root over the local socket, after
# 01-03, on the first start only); does nothing without
# DB_REPLICATION_PASSWORD (scripts/stack, which never sets it).
#
# Every server: the user 'repl'@'%' (DB_REPLICATION_PASSWORD), allowed to
# replicate and to read the replication status (SHOW REPLICA STATUS: the
# replica's health check and tests/compose/run use it).
#
# A replica (DB_REPLICATION_SOURCE=host[:port] set): it has just run the
# same 01-03 as its source, and the seed is deterministic, so its tables are
# the source's as of the source's first start. It forgets its own GTIDs,
# starts from the source's current GTID position (MariaDB: gtid_slave_pos,
# MASTER_USE_GTID=slave_pos; MySQL: gtid_purged, SOURCE_AUTO_POSITION=1)
# and replicates from there. So it must first start before anything is
# written to the source; a replica added later starts from an empty volume
# and a copy of the source's data instead (not automated here).
# The MySQL statements are written for 8.4 (RESET BINARY LOGS AND GTIDS,
# with RESET MASTER for 8.0) and have not run here: this machine has only
# the MariaDB stand-in.
# Standalone, not sourcing scripts/lib.sh, for the reasons in 03-users.sh.
set -eu

[ -n "${DB_REPLICATION_PASSWORD:-}" ] || {
  echo "05-replication.sh: DB_REPLICATION_PASSWORD unset, no replication user"
  exit 0
}

# Quoted for SQL: a single quote is doubled (as 03-users.sh does).
repl_pw=$(printf '%s' "$DB_REPLICATION_PASSWORD" | sed "s/'/''/g")

client=$(command -v mysql || command -v mariadb) || {
  echo "05-replication.sh: no mysql client found (install mariadb-client or mysql-client)" >&2
  exit 1
}

# usage: local_sql    e.g. echo 'SELECT 1' | local_sql
# Runs SQL from stdin as root on this server; prints rows, no headers.
local_sql() {
  MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-}" "$client" --protocol=socket \
    ${MYSQL_SOCKET:+--socket="$MYSQL_SOCKET"} -uroot -N -B -r
}

case $(echo 'SELECT VERSION()' | local_sql) in
  *MariaDB*) flavour=mariadb monitor='SLAVE MONITOR' ;;
  *) flavour=mysql monitor='REPLICATION CLIENT' ;;
esac

local_sql <<SQL
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '$repl_pw';
ALTER USER 'repl'@'%' IDENTIFIED BY '$repl_pw';
GRANT REPLICATION SLAVE, $monitor ON *.* TO 'repl'@'%';
FLUSH PRIVILEGES;
SQL
echo "05-replication.sh: replication user repl ready ($flavour)"

[ -n "${DB_REPLICATION_SOURCE:-}" ] || exit 0

source_host=${DB_REPLICATION_SOURCE%:*}
source_port=3306
case $DB_REPLICATION_SOURCE in *:*) source_port=${DB_REPLICATION_SOURCE##*:} ;; esac
case $source_port in '' | *[!0-9]*)
  echo "05-replication.sh: DB_REPLICATION_SOURCE must be host[:port], got '$DB_REPLICATION_SOURCE'" >&2
  exit 1
  ;;
esac

# The source's executed GTIDs, read as repl over TCP (a system variable:
# no privilege needed). MySQL prints a set over several lines.
if [ "$flavour" = mariadb ]; then
  pos_sql='SELECT @@GLOBAL.gtid_binlog_pos'
else
  pos_sql='SELECT @@GLOBAL.gtid_executed'
fi
pos=
for _ in $(seq 60); do
  if pos=$(MYSQL_PWD="$DB_REPLICATION_PASSWORD" "$client" --protocol=tcp \
    -h"$source_host" -P"$source_port" -urepl -N -B -r -e "$pos_sql" 2>/dev/null); then
    break
  fi
  pos=unreachable
  sleep 1
done
[ "$pos" != unreachable ] || {
  echo "05-replication.sh: source $source_host:$source_port did not answer as repl within 60 s" >&2
  exit 1
}
pos=$(printf '%s' "$pos" | tr -d '\n')
source_host_sql=$(printf '%s' "$source_host" | sed "s/'/''/g")

if [ "$flavour" = mariadb ]; then
  local_sql <<SQL
RESET MASTER;
SET GLOBAL gtid_slave_pos = '$pos';
CHANGE MASTER TO MASTER_HOST='$source_host_sql', MASTER_PORT=$source_port,
  MASTER_USER='repl', MASTER_PASSWORD='$repl_pw', MASTER_USE_GTID=slave_pos,
  MASTER_CONNECT_RETRY=1;
START SLAVE;
SQL
else
  # RESET MASTER is gone in 8.4; RESET BINARY LOGS AND GTIDS is 8.2+.
  echo 'RESET BINARY LOGS AND GTIDS' | local_sql 2>/dev/null ||
    echo 'RESET MASTER' | local_sql
  local_sql <<SQL
SET GLOBAL gtid_purged = '$pos';
CHANGE REPLICATION SOURCE TO SOURCE_HOST='$source_host_sql', SOURCE_PORT=$source_port,
  SOURCE_USER='repl', SOURCE_PASSWORD='$repl_pw', SOURCE_AUTO_POSITION=1,
  GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=1;
START REPLICA;
SQL
fi
echo "05-replication.sh: replicating from $source_host:$source_port from GTID position '$pos'"
