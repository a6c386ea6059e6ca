#!/usr/bin/env bash
# Entrypoint of the nginx stand-in. The official one runs the scripts in
# /docker-entrypoint.d (templates, IPv6 listen, worker tuning) first; the
# stand-in runs any executable *.sh found there, then the command.
set -e

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  echo "$0: nginx stand-in (Debian nginx), not the official image"
  for f in /docker-entrypoint.d/*.sh; do
    if [ -x "$f" ]; then
      echo "$0: launching $f"
      "$f"
    fi
  done
  echo "$0: Configuration complete; ready for start up"
fi
exec "$@"
