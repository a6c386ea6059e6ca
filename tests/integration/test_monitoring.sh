#!/usr/bin/env bash
# The monitoring profile of the native stack: Prometheus and the nginx,
# Redis and MySQL exporters start next to the private stack, and
# Prometheus's own HTTP API reports every target up (up == 1) and the
# recording rules evaluated. Stopped again at the end: the exporters' own
# queries to Redis and MySQL would disturb the tests that count those.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Prometheus and the three exporters after it: four free ports, from the
# suite's own port up (two suites side by side must not meet).
PROM_PORT=${IT_PROM_PORT:-$(free_port $((HTTP_PORT + 60)) 4)}
PROM=http://127.0.0.1:$PROM_PORT
trap '"$STACK" monitoring stop >/dev/null 2>&1 || true' EXIT

check "promtool accepts prometheus/ (config and rules)" \
  quiet promtool check config "$ROOT/prometheus/prometheus.yml"

if ! PROMETHEUS_PORT=$PROM_PORT "$STACK" monitoring start >"$LOG_DIR/monitoring-start.log" 2>&1; then
  cat "$LOG_DIR/monitoring-start.log"
  fail "monitoring started" "see above and $LOG_DIR"
  tests_done
fi
pass "monitoring started (Prometheus on port $PROM_PORT)"

for job in products nginx redis mysql; do
  check "Prometheus: target $job up == 1" eventually 30 prom_up "$PROM" "$job"
done
# Traffic for the rules to see, then the recorded hit ratio (0..1).
for _ in 1 2 3 4 5; do http GET /products >/dev/null; done
ratio_recorded() { [ -n "$(prom_query "$PROM" 'products:cache_hit_ratio:rate1m')" ]; }
check "Prometheus: the hit-ratio rule is recorded" eventually 30 ratio_recorded
check "Prometheus: the MySQL exporter reports queries" test -n "$(prom_query "$PROM" 'mysql_global_status_queries')"

tests_done
