// k6/load.js: the seed scenario.
//
// GET /products through the nginx front, 50 VUs for 2 minutes, 1 s of think
// time after every request. With the think time, 50 VUs can never send more
// than 50 req/s: this scenario measures latency at a fixed, light load, not
// capacity (that is capacity.js).
//
//   k6 run k6/load.js
//   k6 run -e BASE_URL=http://127.0.0.1:5000 -e VUS=50 -e DURATION=2m k6/load.js
//
// Env: BASE_URL, VUS, DURATION, THINK_S (1), P95_MS (threshold, 1000),
// MODE (recorded only), SUMMARY_FILE
// (results/seed-summary.json).
// scripts/bench runs this when k6 is installed; otherwise it runs the same
// scenario with wrk (bench/wrk/seed.lua).
import http from 'k6/http';
import { sleep } from 'k6';
import { GET_PARAMS, TREND_STATS, checkProducts, writeSummary } from './summary.js';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:5000';
const VUS = parseInt(__ENV.VUS || '50', 10);
const DURATION = __ENV.DURATION || '2m';
const THINK_S = parseFloat(__ENV.THINK_S || '1');
const P95_MS = parseFloat(__ENV.P95_MS || '1000');

export const options = {
  vus: VUS,
  duration: DURATION,
  thresholds: {
    http_req_duration: [`p(95)<${P95_MS}`],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
  summaryTrendStats: TREND_STATS,
};

// Only 2xx counts as success, so http_req_failed = non-2xx + network errors,
// the same definition as the wrk scripts' error_rate.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));

export default function () {
  checkProducts(http.get(`${BASE_URL}/products`, GET_PARAMS));
  sleep(THINK_S);
}

export function handleSummary(data) {
  return writeSummary(data, 'seed', { think_time_ms: THINK_S * 1000 });
}
