// k6/capacity.js: what the stack can actually serve.
//
// The seed scenario (load.js) sleeps 1 s per iteration, so 50 VUs cap it
// near 50 req/s whatever the server does. This one has no think time:
//   MODEL=closed (default): VUS virtual users send back to back for DURATION;
//     throughput = VUS / latency, i.e. the stack's capacity at that
//     concurrency. scripts/bench's wrk fallback runs the same model.
//   MODEL=open: a ramping arrival rate from START_RATE to MAX_RATE req/s over
//     DURATION, independent of how fast answers come back; it finds the rate
//     at which latency breaks.
// Both abort when p95 latency exceeds ABORT_P95_MS (1500) or more than 1 % of
// requests fail, evaluated after a 10 s grace period.
//
//   k6 run k6/capacity.js
//   k6 run -e MODEL=open -e MAX_RATE=3000 -e DURATION=2m k6/capacity.js
//
// Env: BASE_URL, VUS (50; pre-allocated VUs for MODEL=open), MAX_VUS (500),
// DURATION (1m), START_RATE (10), MAX_RATE (5000), ABORT_P95_MS, MODE
// (recorded only), SUMMARY_FILE
// (results/capacity-summary.json).
import http from 'k6/http';
import { GET_PARAMS, TREND_STATS, checkProducts, writeSummary } from './summary.js';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:5000';
const MODEL = __ENV.MODEL || 'closed';
const VUS = parseInt(__ENV.VUS || '50', 10);
const MAX_VUS = parseInt(__ENV.MAX_VUS || '500', 10);
const DURATION = __ENV.DURATION || '1m';
const START_RATE = parseInt(__ENV.START_RATE || '10', 10);
const MAX_RATE = parseInt(__ENV.MAX_RATE || '5000', 10);
const ABORT_P95_MS = parseFloat(__ENV.ABORT_P95_MS || '1500');

const scenarios = {
  closed: {
    executor: 'constant-vus',
    vus: VUS,
    duration: DURATION,
    gracefulStop: '5s',
  },
  open: {
    executor: 'ramping-arrival-rate',
    startRate: START_RATE,
    timeUnit: '1s',
    preAllocatedVUs: VUS,
    maxVUs: MAX_VUS,
    stages: [{ target: MAX_RATE, duration: DURATION }],
    gracefulStop: '5s',
  },
};

if (!(MODEL in scenarios)) {
  throw new Error(`MODEL must be closed or open, not ${MODEL}`);
}

export const options = {
  scenarios: { [MODEL]: scenarios[MODEL] },
  thresholds: {
    http_req_duration: [
      { threshold: `p(95)<${ABORT_P95_MS}`, abortOnFail: true, delayAbortEval: '10s' },
    ],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
  },
  summaryTrendStats: TREND_STATS,
};

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));

export default function () {
  checkProducts(http.get(`${BASE_URL}/products`, GET_PARAMS));
}

export function handleSummary(data) {
  const dropped = data.metrics.dropped_iterations;
  return writeSummary(data, 'capacity', {
    model: MODEL,
    think_time_ms: 0,
    dropped_iterations: dropped ? dropped.values.count : 0,
  });
}
