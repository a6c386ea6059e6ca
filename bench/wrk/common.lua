-- bench/wrk/common.lua: the shared half of the wrk scenarios.
--
-- Loaded by seed.lua and capacity.lua; it defines wrk's setup(), init(),
-- response() and done() globals. The scenario file only decides the think
-- time (wrk's delay()). What it does:
--   * response() counts, per thread, non-2xx statuses, responses whose
--     Content-Type is not application/json, body bytes and the X-Cache values,
--     the same things k6/load.js checks and counts;
--   * done() sums those counters over the threads and writes one flat JSON
--     object with the fields of k6/summary.js to $BENCH_OUT (stdout if unset).
-- Left to scripts/bench: tool_version, cpu_model, cpu_cores and the stack
-- settings, which it merges in with jq.
--
-- Timing notes (checked against wrk 4.1.0's wrk.c):
--   * latency runs from the first byte written to the last byte of the
--     response; the delay() think time is not part of it (k6's
--     http_req_duration excludes its sleep() in the same way);
--   * summary.duration is the real run time, so requests / duration is the
--     real throughput, think time included;
--   * requests still in flight when -d expires are not counted.
--   * errors = non-2xx + socket errors (connect, read, write, timeout).

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    n_non2xx = 0
    n_bad_type = 0
    n_body = 0
    n_hit = 0
    n_miss = 0
    n_bypass = 0
    n_stale = 0
    n_other = 0
end

local function header(headers, name)
    local v = headers[name]
    if v ~= nil then
        return v
    end
    local lname = string.lower(name)
    for k, val in pairs(headers) do
        if string.lower(k) == lname then
            return val
        end
    end
    return nil
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        n_non2xx = n_non2xx + 1
    end
    local ctype = header(headers, "Content-Type") or ""
    if not string.find(ctype, "application/json", 1, true) then
        n_bad_type = n_bad_type + 1
    end
    n_body = n_body + #body
    local xc = header(headers, "X-Cache")
    if xc == "HIT" then
        n_hit = n_hit + 1
    elseif xc == "MISS" then
        n_miss = n_miss + 1
    elseif xc == "BYPASS" then
        n_bypass = n_bypass + 1
    elseif xc == "STALE" then
        n_stale = n_stale + 1
    else
        n_other = n_other + 1
    end
end

local function sum(name)
    local total = 0
    for _, t in ipairs(threads) do
        total = total + (t:get(name) or 0)
    end
    return total
end

local function jstr(s)
    s = tostring(s or "")
    s = s:gsub('[%c"\\]', function(c)
        return string.format("\\u%04x", string.byte(c))
    end)
    return '"' .. s .. '"'
end

local function jnum(x)
    if x ~= x or x == math.huge or x == -math.huge then
        return "null"
    end
    if x == math.floor(x) and math.abs(x) < 2^53 then
        return string.format("%d", x)
    end
    return string.format("%.3f", x)
end

-- think_ms: the scenario's think time, recorded in the JSON.
function bench_done(think_ms)
    return function(summary, latency, requests)
        local e = summary.errors
        local socket_errors = e.connect + e.read + e.write + e.timeout
        local duration_s = summary.duration / 1e6
        local reqs = summary.requests
        local non2xx = sum("n_non2xx")
        local attempts = reqs + e.connect + e.read + e.write
        local error_rate = 0
        if attempts > 0 then
            error_rate = math.min(1, (non2xx + socket_errors) / attempts)
        end
        local function ms(us)
            return us / 1000
        end
        local fields = {
            { "tool", jstr("wrk") },
            { "scenario", jstr(os.getenv("BENCH_SCENARIO")) },
            { "mode", jstr(os.getenv("BENCH_MODE")) },
            { "duration_s", jnum(duration_s) },
            { "vus", jnum(tonumber(os.getenv("BENCH_VUS") or "") or 0) },
            { "think_time_ms", jnum(think_ms) },
            { "requests", jnum(reqs) },
            { "rps", jnum(duration_s > 0 and reqs / duration_s or 0) },
            { "avg_ms", jnum(ms(latency.mean)) },
            { "p50_ms", jnum(ms(latency:percentile(50))) },
            { "p90_ms", jnum(ms(latency:percentile(90))) },
            { "p95_ms", jnum(ms(latency:percentile(95))) },
            { "p99_ms", jnum(ms(latency:percentile(99))) },
            { "max_ms", jnum(ms(latency.max)) },
            { "error_rate", string.format("%.6f", error_rate) },
            { "non_2xx", jnum(non2xx) },
            { "socket_errors", jnum(socket_errors) },
            { "timeouts", jnum(e.timeout) },
            { "bad_content_type", jnum(sum("n_bad_type")) },
            { "body_bytes", jnum(sum("n_body")) },
            { "bytes_received", jnum(summary.bytes) },
            { "x_cache_hit", jnum(sum("n_hit")) },
            { "x_cache_miss", jnum(sum("n_miss")) },
            { "x_cache_bypass", jnum(sum("n_bypass")) },
            { "x_cache_stale", jnum(sum("n_stale")) },
            { "x_cache_other", jnum(sum("n_other")) },
        }
        local parts = {}
        for _, kv in ipairs(fields) do
            table.insert(parts, jstr(kv[1]) .. ":" .. kv[2])
        end
        local text = "{" .. table.concat(parts, ",") .. "}\n"
        local path = os.getenv("BENCH_OUT")
        if path == nil or path == "" then
            io.write(text)
            return
        end
        local f = assert(io.open(path, "w"))
        f:write(text)
        f:close()
    end
end
