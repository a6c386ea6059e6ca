#!/usr/bin/env bash
# Starts a Redis Sentinel of compose's "ha" profile (sentinel-1..3 run it as
# their command). On the first start it writes /data/sentinel.conf: the
# master's address, redis/sentinel.conf (mounted at
# /usr/local/etc/redis/sentinel.conf: settings for that master) and the
# password of the servers' default user; later starts of the same container keep that file, which
# Sentinel has rewritten with what it learnt (replicas, the other
# Sentinels, a new master after a failover).
#
# The master is given by address, resolved here once: with `sentinel
# resolve-hostnames yes` a Sentinel resolves the name again on every
# reconnect, and once the master's container is gone the lookup blocks
# (no answer on the internal network) long enough to put Sentinel in TILT
# mode, and no failover happens.
#
# Env: REDIS_ADMIN_PASSWORD (required), REDIS_MASTER_HOST (redis),
# REDIS_MASTER_PORT (6379), SENTINEL_QUORUM (2).
set -eu
conf=/data/sentinel.conf
template=/usr/local/etc/redis/sentinel.conf
: "${REDIS_ADMIN_PASSWORD:?set REDIS_ADMIN_PASSWORD}"
host=${REDIS_MASTER_HOST:-redis}

if [ ! -s "$conf" ]; then
  ip=
  for _ in $(seq 30); do
    ip=$(getent hosts "$host" | awk '{ print $1; exit }') && [ -n "$ip" ] && break
    sleep 1
  done
  [ -n "$ip" ] || {
    echo "sentinel-start: cannot resolve the master '$host'" >&2
    exit 1
  }
  {
    printf 'sentinel monitor products %s %s %s\n' "$ip" "${REDIS_MASTER_PORT:-6379}" "${SENTINEL_QUORUM:-2}"
    cat "$template"
    printf 'sentinel auth-pass products %s\n' "$REDIS_ADMIN_PASSWORD"
  } >"$conf.tmp"
  mv "$conf.tmp" "$conf"
  echo "sentinel-start: monitoring $host ($ip) as 'products'"
fi
exec redis-server "$conf" --sentinel
