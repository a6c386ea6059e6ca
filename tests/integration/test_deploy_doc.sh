#!/usr/bin/env bash
# docs/deploy-behind-nginx.md followed as written, three times: its main
# steps, then with its edge section, then with several pools (the block
# marked `<!-- deploy-test: only pools -->`). Each time in a fresh nginx
# configuration folder that already serves a site of its own (`location /`)
# on a side port: the document's sh blocks run in order, with /etc/nginx read
# as that folder and /var/cache/nginx as its cache/ (nginx and curl on PATH
# are shims that point at it); the
# include lines of its nginx blocks go where they stand (http or server
# level) into the site's nginx.conf; the edits its prose asks for are made
# (socket path, pool addresses, cache path). Step 1's pool is the private
# stack's (a second one for the pools run). After each reload: GET /products
# and /readyz through the site, a JSON 403 for /metrics from 127.0.0.2 (the
# snippet allows loopback's 127.0.0.1 and ::1 only), 200 from 127.0.0.1, the
# site's own page unchanged, the edge cache on or off as the switch says.
# When the files and the document disagree, the failure names the step: a
# file the copied configuration includes that no step copies names the step
# that copied the file including it (or showed the include line).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=second_host.sh
. "$(dirname "$0")/second_host.sh"

DOC=$ROOT/docs/deploy-behind-nginx.md
DOC_NAME=docs/deploy-behind-nginx.md
WORK=$RUN_DIR/deploy-doc
BLOCKS=$WORK/blocks
SITE_PAGE="the site's own page"
NGINX_BIN=$(command -v nginx)
CURL_BIN=$(command -v curl)
EDGE_CHANGED=0
declare -A FILE_STEP INCLUDE_STEP

# --- the site that was there before ----------------------------------------

# usage: deploy_site VARIANT    e.g. deploy_site plain
# A fresh configuration folder (the stock fastcgi_params and an nginx.conf
# with one server and its own `location /`), started on a free side port;
# sets CONF, SITE_PORT, SITE_URL and the shims in $CONF.bin.
deploy_site() {
  local user=""
  CONF=$WORK/$1/nginx
  rm -rf "${WORK:?}/$1"
  mkdir -p "$CONF" "$CONF.bin"
  chmod a+rx "$WORK" "$WORK/$1"
  cp /etc/nginx/fastcgi_params "$CONF/"
  SITE_PORT=$(free_port $((HTTP_PORT + 20)))
  SITE_URL=http://127.0.0.1:$SITE_PORT
  cat >"$CONF/nginx.conf" <<EOF
worker_processes 1;
events { worker_connections 256; }
http {
    log_format upstream '\$upstream_addr';
    access_log $CONF/access.log upstream;
    # deploy-test: http includes
    server {
        listen 127.0.0.1:$SITE_PORT;
        server_name shop.example.com;
        location / { default_type text/plain; return 200 "$SITE_PAGE\n"; }
        location = /gone { return 404; }
        # deploy-test: server includes
    }
}
EOF
  [ "$(id -u)" = 0 ] && user=" user www-data www-data;" # as scripts/stack: the socket is theirs
  NGINX_ARGS=(-p "$CONF/" -c "$CONF/nginx.conf" -g "pid $CONF/nginx.pid; error_log $CONF/error.log;$user")
  deploy_shims
  FILE_STEP=([fastcgi_params]="the fresh folder" [nginx.conf]="the fresh folder")
  INCLUDE_STEP=()
  "$NGINX_BIN" "${NGINX_ARGS[@]}" || return 1
  eventually 10 deploy_own_page
}

# nginx and curl as the document's commands reach them: nginx on the site's
# folder (a reload waits until the old workers are gone, or fails when nginx
# kept them: a configuration it refused); curl to the site for
# shop.example.com, failing on an HTTP error.
deploy_shims() {
  cat >"$CONF.bin/nginx" <<EOF
#!/usr/bin/env bash
old=""
[ "\$*" = "-s reload" ] && old=\$(pgrep -P "\$(cat $CONF/nginx.pid)")
$NGINX_BIN $(printf '%q ' "${NGINX_ARGS[@]}") "\$@" || exit
for pid in \$old; do
  for ((i = 0; i < 100; i++)); do kill -0 "\$pid" 2>/dev/null || continue 2; sleep 0.1; done
  echo "nginx: the reload was not applied (old worker \$pid still runs): $CONF/error.log" >&2
  exit 1
done
EOF
  cat >"$CONF.bin/curl" <<EOF
#!/usr/bin/env bash
exec $CURL_BIN --fail -sS --max-time 10 --connect-to shop.example.com:80:127.0.0.1:$SITE_PORT "\$@"
EOF
  chmod +x "$CONF.bin/nginx" "$CONF.bin/curl"
}

deploy_own_page() { [ "$(curl -s --max-time 2 "$SITE_URL/")" = "$SITE_PAGE" ]; }

deploy_stop_site() {
  [ -f "$CONF/nginx.pid" ] && kill -QUIT "$(cat "$CONF/nginx.pid")" 2>/dev/null
  eventually 10 test ! -e "$CONF/nginx.pid" || fail "$VARIANT: the site's nginx stops" "$CONF/nginx.pid still there"
}

# --- following the document --------------------------------------------------

# usage: deploy_block_applies VARIANT SECTION MARKER
# The main section's blocks apply to every run, the edge section's to the
# edge run; a block marked "deploy-test: only X" to the run X only.
deploy_block_applies() {
  case $3 in "deploy-test: only "*) [ "${3#deploy-test: only }" = "$1" ] || return 1 ;; esac
  case $2 in
    "Deploy behind an existing nginx") return 0 ;;
    "The edge micro-cache") [ "$1" = edge ] ;;
    *) return 1 ;;
  esac
}

# usage: deploy_sh WHERE BLOCK    runs an sh block of the document in ROOT
# with /etc/nginx read as the site's folder; files it adds are the step's.
deploy_sh() {
  local where=$1 block=$2 f out before after
  before=$(cd "$CONF" && find . -type f | sort)
  sed -e "s|/etc/nginx|$CONF|g" -e "s|/var/cache/nginx|$CONF/cache|g" "$block" >"$block.sub"
  doc_script "$block.sub" >"$block.sh"
  if ! out=$(cd "$ROOT" && PATH="$CONF.bin:$PATH" timeout 60 bash "$block.sh" 2>&1 </dev/null); then
    fail "$VARIANT: $where" "$(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"
    return 1
  fi
  after=$(cd "$CONF" && find . -type f | sort)
  while IFS= read -r f; do
    [ -n "$f" ] && FILE_STEP[${f#./}]=$where
  done < <(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after"))
  deploy_adjust
  pass "$VARIANT: $where runs"
}

# What the prose asks the reader to edit: the socket path, the pools'
# addresses, the cache path.
deploy_adjust() {
  local f=$CONF/fcgi-upstream.conf
  [ -f "$f" ] && sed -i -e "s|unix:/run/fcgi-app/fcgi.sock|unix:$FCGI_SOCKET|" \
    -e "s|127.0.0.1:9001|unix:$FCGI_SOCKET|" -e "s|127.0.0.1:9002|unix:$HOST2_DIR/fcgi/fcgi.sock|" "$f"
  f=$CONF/edge-zone.conf
  [ -f "$f" ] && sed -i "s|/var/cache/nginx/|$CONF/cache/|" "$f"
  return 0
}

# usage: deploy_nginx WHERE BLOCK    puts the include lines of an nginx
# block into the site's nginx.conf, at the level they stand (inside a
# `server` block or at http level), each once.
deploy_nginx() {
  local where=$1 level path n=0
  while read -r level path; do
    path=${path//\/etc\/nginx/$CONF}
    grep -qF "include $path;" "$CONF/nginx.conf" && continue
    sed -i "s|^\( *\)# deploy-test: $level includes|&\n\1include $path;|" "$CONF/nginx.conf"
    INCLUDE_STEP[$path]=$where
    n=$((n + 1))
  done < <(awk '{
      gsub(/[{};]/, " & ")
      for (i = 1; i <= NF; i++) {
        if ($i == "server" && $(i + 1) == "{") server = depth + 1
        else if ($i == "{") depth++
        else if ($i == "}") { if (depth == server) server = 0; depth-- }
        else if ($i == "include") print (server ? "server" : "http"), $(i + 1)
      }
    }' "$2")
  pass "$VARIANT: $where: $n include line(s) placed"
}

# usage: deploy_includes_ok    e.g. deploy_includes_ok || return 1
# Every file the site's nginx.conf includes, followed through the copied
# files, exists (a wildcard may match nothing, as nginx allows); a missing
# one fails naming the step that brought in the file including it.
deploy_includes_ok() {
  local -A seen=() missing=()
  local msg
  deploy_walk nginx.conf
  if [ ${#missing[@]} = 0 ]; then
    pass "$VARIANT: every included file was copied"
    return 0
  fi
  msg=$(printf '%s; ' "${!missing[@]}")
  fail "$VARIANT: every included file was copied" "${msg//"$CONF"//etc/nginx}"
  return 1
}

deploy_walk() {
  local file=$1 arg path match
  seen[$file]=1
  while read -r arg; do
    case $arg in /*) path=$arg ;; *) path=$CONF/$arg ;; esac
    if [[ $arg == *[*?[]* ]]; then
      for match in $path; do
        [ -f "$match" ] && [ -z "${seen[${match#"$CONF"/}]:-}" ] && deploy_walk "${match#"$CONF"/}"
      done
    elif [ -f "$path" ]; then
      [ -z "${seen[${path#"$CONF"/}]:-}" ] && deploy_walk "${path#"$CONF"/}"
    elif [ "$file" = nginx.conf ]; then
      missing["${INCLUDE_STEP[$path]:-nginx.conf} includes $arg, which no step copies"]=1
    else
      missing["${FILE_STEP[$file]:-?} copies $file, which includes $arg: no step copies it"]=1
    fi
  done < <(sed 's/#.*//' "$CONF/$file" | grep -oE '(^|[[:space:]{;])include[[:space:]]+[^;[:space:]]+;' |
    sed -E 's/.*include[[:space:]]+//; s/;$//')
}

# --- what a reload must give ----------------------------------------------------

# usage: deploy_check_site LABEL    after a reload
deploy_check_site() {
  local label="$VARIANT: $1" own status
  own=$(curl -s --max-time 5 -H 'Host: shop.example.com' "$SITE_URL/")
  check_eq "$label: the site's own location / still answers" "$SITE_PAGE" "$own"
  # What the document warns of: the snippet's server-level settings reach
  # the site's own locations too.
  HTTP_URL=$SITE_URL http GET /gone
  check_eq "$label: as documented, the site's own 404 is the API's JSON" \
    '404 no such path (try GET /products)' "$STATUS $(printf '%s' "$BODY" | jq -r .error 2>/dev/null)"
  HTTP_URL=$SITE_URL http POST / --data-binary "$(head -c 9000 /dev/zero | tr '\0' x)"
  check_eq "$label: as documented, a 9 KB body to the site's own location / answers 413" 413 "$STATUS"
  HTTP_URL=$SITE_URL http GET '/products?limit=3' -H 'Host: shop.example.com'
  check_eq "$label: GET /products through the site" "200 3" \
    "$STATUS $(printf '%s' "$BODY" | jq 'length' 2>/dev/null)"
  HTTP_URL=$SITE_URL http GET /readyz -H 'Host: shop.example.com'
  check_eq "$label: /readyz ready" "200 true" "$STATUS $(printf '%s' "$BODY" | jq -e '.status == "ready"' 2>/dev/null)"
  HTTP_URL=$SITE_URL http GET /metrics --interface 127.0.0.2
  check_eq "$label: /metrics from 127.0.0.2: JSON 403" "403 true" \
    "$STATUS $(printf '%s' "$BODY" | jq -e '.error | type == "string"' 2>/dev/null)"
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SITE_URL/metrics")
  check_eq "$label: /metrics from 127.0.0.1" 200 "$status"
  deploy_check_edge "$label"
  [ "$VARIANT" = pools ] && deploy_check_pools "$label"
  return 0
}

# Off: no X-Edge-Cache header. On: the second of two reads is a copy.
deploy_check_edge() {
  local uri="/products?limit=4&offset=$RANDOM"
  if [ "$EDGE_EXPECT" = on ]; then
    HTTP_URL=$SITE_URL http GET "$uri"
    HTTP_URL=$SITE_URL http GET "$uri"
    # Copies live whole seconds (X-Accel-Expires): one made just before a
    # second turns may be served STALE (while one request refreshes it).
    case $(header x-edge-cache) in
      HIT | STALE | UPDATING) pass "$1: edge on: the second read comes from the edge ($(header x-edge-cache))" ;;
      *) fail "$1: edge on: the second read comes from the edge" "X-Edge-Cache: '$(header x-edge-cache)'" ;;
    esac
  else
    HTTP_URL=$SITE_URL http GET "$uri"
    check_eq "$1: edge off: no X-Edge-Cache header" "" "$(header x-edge-cache)"
  fi
}

# Reads reach both pools; a write goes through the writers' map (an
# unchanged product written back as it is).
deploy_check_pools() {
  local i item pools
  : >"$CONF/access.log"
  for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null --max-time 5 "$SITE_URL/products?limit=$i"; done
  eventually 5 test -s "$CONF/access.log" || true
  pools=$(grep -c . <(sort -u "$CONF/access.log"))
  check_eq "$1: 10 reads reached both pools" 2 "$pools"
  item=$(curl -s --max-time 5 "$SITE_URL/products/7" | jq -c '{name, price}')
  HTTP_URL=$SITE_URL http PUT /products/7 -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' --data "$item"
  check_eq "$1: a PUT through the writers' map" 200 "$STATUS"
}

# --- one run -------------------------------------------------------------------

# usage: deploy_follow VARIANT    e.g. deploy_follow edge
deploy_follow() {
  local n lang line section step marker where ms
  VARIANT=$1
  EDGE_EXPECT=off
  deploy_site "$VARIANT" || {
    fail "$VARIANT: a fresh site answers its own page" "nginx did not start: $(tail -3 "$CONF/error.log")"
    return 1
  }
  pass "$VARIANT: a fresh site answers its own page (port $SITE_PORT)"
  HTTP_URL=$SITE_URL http GET /gone
  check_eq "$VARIANT: before the steps, its 404 is nginx's own page" "404 1" \
    "$STATUS $(grep -c '<html>' <<<"$BODY")"
  while IFS=$'\t' read -r n lang line section step marker; do
    deploy_block_applies "$VARIANT" "$section" "$marker" || continue
    where="step $step ($section, $DOC_NAME:$line)"
    case $lang in
      nginx) deploy_nginx "$where" "$BLOCKS/$n" ;;
      sh)
        if grep -qE '(^|[;&|[:space:]])nginx -t' "$BLOCKS/$n"; then deploy_includes_ok || return 1; fi
        ms=$(sed -nE 's/^EDGE_CACHE_MS=([0-9]+) .*edge-switch\.sh.*/\1/p' "$BLOCKS/$n")
        # "give the responders EDGE_CACHE_MS": the stack's pool is step 1's.
        if [ -n "$ms" ] && [ "$ms" -gt 0 ]; then
          EDGE_CHANGED=1
          EDGE_CACHE_MS=$ms "$STACK" up >/dev/null 2>&1 || fail "stack up with EDGE_CACHE_MS=$ms" "did not start"
        fi
        deploy_sh "$where" "$BLOCKS/$n" || return 1
        [ -n "$ms" ] && EDGE_EXPECT=$([ "$ms" -gt 0 ] && echo on || echo off)
        if grep -q 'nginx -s reload' "$BLOCKS/$n"; then deploy_check_site "after $where"; fi
        ;;
    esac
  done <"$BLOCKS/index"
}

# The stack's pool back to the suite's EDGE_CACHE_MS=0 (its nginx with it).
deploy_edge_off() {
  [ "$EDGE_CHANGED" = 0 ] && return 0
  EDGE_CACHE_MS=0 "$STACK" up >/dev/null 2>&1 || fail "stack up with EDGE_CACHE_MS=0" "did not start"
  EDGE_CHANGED=0
}

cleanup() {
  [ -n "${CONF:-}" ] && deploy_stop_site
  stop_second_host
  deploy_edge_off
}

main() {
  trap cleanup EXIT
  rm -rf "$WORK"
  mkdir -p "$BLOCKS"
  doc_blocks "$DOC" "$BLOCKS" >"$BLOCKS/index"
  check "$DOC_NAME has sh and nginx blocks to follow" \
    eval "cut -f2 '$BLOCKS/index' | grep -q '^sh$' && cut -f2 '$BLOCKS/index' | grep -q '^nginx$'"
  # Each run stops its site, also after a failure.
  deploy_follow plain
  deploy_stop_site
  deploy_follow edge
  deploy_stop_site
  deploy_edge_off
  if start_second_host "$(free_port $((HTTP_PORT + 30)))"; then
    pass "a second pool for the pools run"
    deploy_follow pools
    deploy_stop_site
  else
    fail "a second pool for the pools run" "did not start"
  fi
  tests_done
}

main "$@"
