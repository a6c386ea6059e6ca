-- bench/wrk/ceiling.lua: one round of the ceiling scenario (bench/ceiling).
--
-- Only done() is defined: no response() hook, so wrk parses no headers in Lua
-- and both sides of the comparison (the project and the ceiling reference)
-- are loaded as fast as wrk can. Writes one flat JSON object to $CEILING_OUT
-- (stdout if unset):
--   requests, duration_s, rps, p50_ms, p90_ms, p99_ms, max_ms, bytes,
--   errors (connect + read + write + timeout + non-2xx/3xx statuses) and
--   each of those counts.
-- wrk counts latency from the first byte written to the last byte read;
-- requests in flight when -d expires are not counted.

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.timeout + e.status
    local secs = summary.duration / 1e6
    local out = string.format(
        '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,' ..
        '"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"bytes":%d,' ..
        '"errors":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
        '"err_timeout":%d,"err_status":%d}\n',
        summary.requests, secs, summary.requests / secs,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, summary.bytes,
        errors, e.connect, e.read, e.write, e.timeout, e.status)
    local path = os.getenv("CEILING_OUT")
    if path == nil or path == "" then
        io.write(out)
        return
    end
    local f = assert(io.open(path, "w"))
    f:write(out)
    f:close()
end
