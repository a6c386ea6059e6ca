-- wrk script for the flood test: every request is one nobody asked for
-- before (a distinct page inside or past the end of the catalogue, or an
-- unknown id), so each is a cache miss. Counts statuses per thread and
-- prints one "FLOOD key=value ..." line when the run ends.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  ok, notfound, busy, other, n = 0, 0, 0, 0, 0
  math.randomseed(os.time() * 100 + tid)
end

function request()
  n = n + 1
  local kind = n % 3
  local path
  if kind == 0 then
    -- a distinct page inside the catalogue (limit x offset: never repeats)
    path = string.format("/products?limit=%d&offset=%d", math.random(1, 100), math.random(0, 99))
  elseif kind == 1 then
    -- a page past the end of the catalogue
    path = string.format("/products?limit=5&offset=%d", math.random(1000, 1000000))
  else
    -- an id nobody has
    path = string.format("/products/%d", math.random(100000, 4000000000))
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status == 404 then notfound = notfound + 1
  elseif status == 503 then busy = busy + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {ok = 0, notfound = 0, busy = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    "FLOOD requests=%d ok=%d notfound=%d busy=%d other=%d socket_errors=%d p99_ms=%.1f\n",
    summary.requests, t.ok, t.notfound, t.busy, t.other,
    e.connect + e.read + e.write + e.timeout, latency:percentile(99) / 1000))
end
