#!/usr/bin/env bash
# nginx in front of several responder pools on TCP, for compose's "ha"
# profile (nginx-ha mounts this as /docker-entrypoint.d/41-products-ha.sh;
# the image's entrypoint runs it before nginx starts). Writes DIR
# (/etc/nginx/ha.d, a tmpfs): fcgi-upstream.conf, which is
# nginx/fcgi-upstream-pools.conf with its two example addresses
# (127.0.0.1:9001 and :9002) replaced by the pools of HA_POOLS, and a link
# to everything else in /etc/nginx. nginx -c DIR/nginx.conf then runs the
# same nginx.conf and snippets (relative includes resolve in DIR) with the
# pools' upstream; the pools file stays the one source of the upstream.
#
#   HA_POOLS="app-a:9000 app-b:9000" nginx/ha-pools.sh [DIR]
set -eu
dir=${1:-/etc/nginx/ha.d}
conf=/etc/nginx
read -r -a pools <<<"${HA_POOLS:-app-a:9000 app-b:9000}"
if [ "${#pools[@]}" != 2 ]; then
  echo "ha-pools: HA_POOLS must name two pools as host:port, got '${HA_POOLS:-}'" >&2
  exit 1
fi
mkdir -p "$dir"
for f in "$conf"/*; do
  case $f in
    "$dir" | "$conf/fcgi-upstream.conf") ;;
    *) ln -sfn "$f" "$dir/" ;;
  esac
done
sed -e "s|127\.0\.0\.1:9001|${pools[0]}|" -e "s|127\.0\.0\.1:9002|${pools[1]}|" \
  "$conf/fcgi-upstream-pools.conf" >"$dir/fcgi-upstream.conf"
echo "ha-pools: nginx -c $dir/nginx.conf, pools ${pools[*]}"
