#!/usr/bin/env bash
# Turns the nginx micro-cache on or off from EDGE_CACHE_MS (unset or 0:
# off) by writing or removing DIR/on.conf, which snippets/edge-cache.conf
# includes. Runs before nginx starts: from /docker-entrypoint.d in the nginx
# container (compose.yaml mounts it there) and from scripts/stack.
#
#   EDGE_CACHE_MS=1000 nginx/edge-switch.sh [DIR]   (DIR: /etc/nginx/edge.d)
set -eu
dir=${1:-/etc/nginx/edge.d}
ms=${EDGE_CACHE_MS:-0}
case $ms in
  '' | *[!0-9]*)
    echo "edge-switch: EDGE_CACHE_MS must be a non-negative integer, got '$ms'" >&2
    exit 1
    ;;
esac
mkdir -p "$dir"
if [ "$((10#$ms))" -gt 0 ]; then
  printf '# Written by edge-switch.sh (EDGE_CACHE_MS=%s).\nfastcgi_cache products_edge;\n' \
    "$ms" >"$dir/on.conf.tmp"
  mv "$dir/on.conf.tmp" "$dir/on.conf"
  echo "edge-switch: nginx micro-cache on (EDGE_CACHE_MS=$ms)"
else
  rm -f "$dir/on.conf"
  echo "edge-switch: nginx micro-cache off"
fi
