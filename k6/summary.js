// k6/summary.js: what load.js and capacity.js share.
//
// - the per-response checks and counters (status, Content-Type, X-Cache),
// - the end-of-test summary: the usual text on stdout plus one flat JSON
//   object (the fields scripts/bench and bench/wrk/common.lua write) in
//   $SUMMARY_FILE.
// Machine facts (tool_version, cpu_model, cpu_cores) are added by
// scripts/bench; a plain `k6 run` leaves tool_version empty unless
// K6_VERSION is set.
import { check } from 'k6';
import { Counter } from 'k6/metrics';

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

const non2xx = new Counter('non_2xx');
const badType = new Counter('bad_content_type');
const bodyBytes = new Counter('body_bytes');
const xCache = {
  HIT: new Counter('x_cache_hit'),
  MISS: new Counter('x_cache_miss'),
  BYPASS: new Counter('x_cache_bypass'),
  STALE: new Counter('x_cache_stale'),
};
const xCacheOther = new Counter('x_cache_other');

// Request parameters for GET /products: the body as an ArrayBuffer, so that
// body_bytes is a byte count (names hold non-ASCII text) and no time goes
// into decoding a string nobody reads.
export const GET_PARAMS = { responseType: 'binary' };

// Checks one GET /products response and feeds the counters.
export function checkProducts(res) {
  const ctype = res.headers['Content-Type'] || '';
  const xc = res.headers['X-Cache'] || '';
  check(res, {
    'status is 200': (r) => r.status === 200,
    'content type is application/json': () => ctype.indexOf('application/json') === 0,
    'X-Cache is HIT|MISS|BYPASS|STALE': () => xc in xCache,
  });
  if (res.status !== 0 && (res.status < 200 || res.status > 299)) {
    non2xx.add(1);
  }
  if (ctype.indexOf('application/json') !== 0) {
    badType.add(1);
  }
  // The scripts ask for responseType 'binary', so this counts bytes.
  const body = res.body;
  bodyBytes.add(body ? (body.byteLength !== undefined ? body.byteLength : body.length) : 0);
  if (xc in xCache) {
    xCache[xc].add(1);
  } else {
    xCacheOther.add(1);
  }
}

function count(metrics, name) {
  return metrics[name] ? metrics[name].values.count : 0;
}

function thresholdsOk(metrics) {
  for (const name of Object.keys(metrics)) {
    const th = metrics[name].thresholds || {};
    for (const key of Object.keys(th)) {
      if (!th[key].ok) {
        return false;
      }
    }
  }
  return true;
}

// data: k6's handleSummary argument. Returns the flat result object.
export function flatSummary(data, scenario, extra) {
  const m = data.metrics;
  const d = m.http_req_duration ? m.http_req_duration.values : {};
  const requests = count(m, 'http_reqs');
  const durationS = data.state.testRunDurationMs / 1000;
  const out = {
    tool: 'k6',
    tool_version: __ENV.K6_VERSION || '',
    scenario: scenario,
    mode: __ENV.MODE || '',
    duration_s: durationS,
    vus: m.vus_max ? m.vus_max.values.max : 0,
    requests: requests,
    rps: durationS > 0 ? requests / durationS : 0,
    avg_ms: d.avg || 0,
    p50_ms: d.med || 0,
    p90_ms: d['p(90)'] || 0,
    p95_ms: d['p(95)'] || 0,
    p99_ms: d['p(99)'] || 0,
    max_ms: d.max || 0,
    error_rate: m.http_req_failed ? m.http_req_failed.values.rate : 0,
    non_2xx: count(m, 'non_2xx'),
    bad_content_type: count(m, 'bad_content_type'),
    body_bytes: count(m, 'body_bytes'),
    bytes_received: count(m, 'data_received'),
    x_cache_hit: count(m, 'x_cache_hit'),
    x_cache_miss: count(m, 'x_cache_miss'),
    x_cache_bypass: count(m, 'x_cache_bypass'),
    x_cache_stale: count(m, 'x_cache_stale'),
    x_cache_other: count(m, 'x_cache_other'),
    thresholds_ok: thresholdsOk(m),
  };
  return Object.assign(out, extra || {});
}

// A short plain-text summary, written here rather than imported from
// jslib.k6.io so the scripts also run offline.
function plainText(flat) {
  const ms = (v) => `${v.toFixed(1)} ms`;
  return [
    `${flat.scenario} (${flat.mode || 'mode not set'}): ${flat.requests} requests in ` +
      `${flat.duration_s.toFixed(1)} s, ${flat.rps.toFixed(1)} req/s, ${flat.vus} VUs`,
    `  latency avg ${ms(flat.avg_ms)}  p50 ${ms(flat.p50_ms)}  p90 ${ms(flat.p90_ms)}  ` +
      `p95 ${ms(flat.p95_ms)}  p99 ${ms(flat.p99_ms)}  max ${ms(flat.max_ms)}`,
    `  errors ${(flat.error_rate * 100).toFixed(2)} % (non-2xx ${flat.non_2xx}, ` +
      `wrong content type ${flat.bad_content_type})`,
    `  X-Cache HIT ${flat.x_cache_hit}  MISS ${flat.x_cache_miss}  STALE ${flat.x_cache_stale}  ` +
      `BYPASS ${flat.x_cache_bypass}`,
    `  thresholds ${flat.thresholds_ok ? 'passed' : 'FAILED'}`,
    '',
  ].join('\n');
}

// The handleSummary body: text on stdout, JSON in $SUMMARY_FILE (default
// results/<scenario>-summary.json: run from the repository's top folder, a
// plain `k6 run k6/load.js` leaves nothing outside results/, which git
// ignores).
export function writeSummary(data, scenario, extra) {
  const file = __ENV.SUMMARY_FILE || `results/${scenario}-summary.json`;
  const flat = flatSummary(data, scenario, extra);
  return {
    stdout: plainText(flat),
    [file]: JSON.stringify(flat) + '\n',
  };
}
