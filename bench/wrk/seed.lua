-- bench/wrk/seed.lua: the seed scenario (k6/load.js) for wrk.
--
-- GET / of the URL given to wrk (scripts/bench passes $HTTP_URL/products),
-- one request at a time per connection, then 1 s of think time before the
-- next one: with -c 50 that is k6's 50 VUs doing request + sleep(1).
-- THINK_MS overrides the think time. Counting and the JSON summary live in
-- common.lua.
--
-- wrk asks delay() before every request, the first one included, while a k6
-- VU requests first and sleeps after. So that short runs are not a second
-- short, the first WRK_CONNS_PER_THREAD calls in each thread (one per
-- connection; scripts/bench sets it to connections / threads) return 0.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
require("common")

local think_ms = tonumber(os.getenv("THINK_MS") or "") or 1000

local first = tonumber(os.getenv("WRK_CONNS_PER_THREAD") or "") or 0

function delay()
    if first > 0 then
        first = first - 1
        return 0
    end
    return think_ms
end

done = bench_done(think_ms)
