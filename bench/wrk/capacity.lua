-- bench/wrk/capacity.lua: the capacity scenario (k6/capacity.js, closed
-- model) for wrk.
--
-- No think time: every connection sends its next request as soon as the
-- previous response has arrived, so N connections keep N requests in flight
-- and the throughput is whatever the stack can serve at that concurrency.
-- wrk has no open (arrival-rate) model; k6/capacity.js MODEL=open has one.
-- Counting and the JSON summary live in common.lua.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
require("common")

done = bench_done(0)
