-- wrk script for the fault tests: counts statuses and X-Cache values per
-- thread, and prints one "RESULT key=value ..." line when the run ends.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, hit, miss, stale, bypass, other = 0, 0, 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
  local x = headers["X-Cache"]
  if x == "HIT" then hit = hit + 1
  elseif x == "MISS" then miss = miss + 1
  elseif x == "STALE" then stale = stale + 1
  elseif x == "BYPASS" then bypass = bypass + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {ok = 0, non2xx = 0, hit = 0, miss = 0, stale = 0, bypass = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d ok=%d non2xx=%d socket_errors=%d hit=%d miss=%d stale=%d bypass=%d other=%d p99_ms=%.1f max_ms=%.1f\n",
    summary.requests, t.ok, t.non2xx, e.connect + e.read + e.write + e.timeout,
    t.hit, t.miss, t.stale, t.bypass, t.other, latency:percentile(99) / 1000,
    latency.max / 1000))
end
