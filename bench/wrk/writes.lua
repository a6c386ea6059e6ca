-- bench/wrk/writes.lua: the read half of `make bench SCENARIO=writes`
-- (scripts/writes). Each request reads one of 200 hot keys, uniformly:
-- /products/1..100 and /products?limit=10&offset=1..100. Counts the 5xx
-- answers and the X-Cache values; done() writes one JSON object to
-- $BENCH_OUT (stdout if unset).
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    n5xx = 0
    nother = 0
    nhit = 0
    math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
    local k = math.random(1, 200)
    if k <= 100 then
        return wrk.format("GET", "/products/" .. k)
    end
    return wrk.format("GET", "/products?limit=10&offset=" .. (k - 100))
end

function response(status, headers, body)
    if status >= 500 then
        n5xx = n5xx + 1
    elseif status >= 300 then
        nother = nother + 1
    end
    local x = headers["X-Cache"] or headers["x-cache"]
    if x == "HIT" then
        nhit = nhit + 1
    end
end

function done(summary, latency, requests)
    local n5, no, nh = 0, 0, 0
    for _, t in ipairs(threads) do
        n5 = n5 + t:get("n5xx")
        no = no + t:get("nother")
        nh = nh + t:get("nhit")
    end
    local out = string.format(
        '{"requests":%d,"duration_us":%d,"p50_ms":%.3f,"p99_ms":%.3f,' ..
        '"http_5xx":%d,"http_other":%d,"x_cache_hit":%d,"socket_errors":%d}\n',
        summary.requests, summary.duration, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, n5, no, nh,
        summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout)
    local path = os.getenv("BENCH_OUT")
    if path and path ~= "" then
        local f = io.open(path, "w")
        f:write(out)
        f:close()
    else
        io.write(out)
    end
end
