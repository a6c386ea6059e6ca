#!/usr/bin/env bash
# Measures L1 on against L1 off in one sitting: the running stack (its
# CACHE_L1 setting) and a second host beside it with the other setting, both
# with the same nginx and pool size; alternating wrk rounds, median and
# spread of req/s and p99 per path. Not part of the suite (it is a
# measurement): run it against a stack that is up, e.g.
#   HTTP_PORT=5580 make up
#   HOST2_PORT=5585 ROUNDS=3 tests/integration/bench_l1.sh
set -eu
source "$(dirname "$0")/lib.sh"
set -a
eval "$("$STACK" env)"
set +a
source "$(dirname "$0")/second_host.sh"
ROUNDS=${ROUNDS:-3} SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-10} CONNS=${CONNS:-50}
command -v wrk >/dev/null || {
  echo "install the 'wrk' package (make deps)" >&2
  exit 1
}
on=$(sed -n 's/^CACHE_L1=//p' "$RUN_DIR/fcgi/pool.env")
other=$((1 - ${on:-1}))
trap stop_second_host EXIT
start_second_host "${HOST2_PORT:-$((HTTP_PORT + 5))}" "CACHE_L1=$other"

# round URL -> "req/s p99_ms"
round() {
  wrk -t1 -c"$CONNS" -d"$SECONDS_PER_ROUND"s --latency "$1" | awk '
    /^ +99%/ {v = $2; if (v ~ /us$/) p = v / 1000; else if (v ~ /ms$/) p = v + 0; else p = v * 1000}
    /^Requests\/sec/ {r = $2}
    END {printf "%.0f %.2f\n", r, p}'
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] " (" a[1] "-" a[NR] ")"}'; }

for path in '/products' '/products?limit=5'; do
  declare -A rps=() p99=()
  for url in "$HTTP_URL$path" "$HOST2_URL$path"; do
    curl -s -o /dev/null "$url"
    curl -s -o /dev/null "$url"
  done
  for ((i = 1; i <= ROUNDS; i++)); do
    for side in host1 host2; do
      [ "$side" = host1 ] && url=$HTTP_URL$path || url=$HOST2_URL$path
      read -r r p < <(round "$url")
      rps[$side]+="$r "
      p99[$side]+="$p "
      echo "round $i $path $side (CACHE_L1=$([ $side = host1 ] && echo "${on:-1}" || echo "$other")): $r req/s, p99 $p ms"
    done
  done
  for side in host1 host2; do
    echo "SUMMARY $path $side CACHE_L1=$([ $side = host1 ] && echo "${on:-1}" || echo "$other")" \
      "req/s $(tr ' ' '\n' <<<"${rps[$side]}" | grep . | median)" \
      "p99_ms $(tr ' ' '\n' <<<"${p99[$side]}" | grep . | median)"
  done
  unset rps p99
done
