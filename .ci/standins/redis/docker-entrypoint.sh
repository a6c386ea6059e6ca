#!/usr/bin/env bash
# Entrypoint of the redis:7 stand-in: the official image's contract, minus
# its protected-mode and THP checks. "-..." or "*.conf" as first argument
# means redis-server; redis-server started as root drops to user redis.
set -e

case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

umask 0077
exec "$@"
