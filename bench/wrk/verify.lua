-- wrk script for `POST /v1/api-keys/verify`: the service key and the API
-- key come from the environment (KEYSMITH_SERVICE_KEY, KEYSMITH_API_KEY),
-- the phase's name for the report from KEYSMITH_PHASE. Any answer but a
-- 200 with "valid": true is counted as unexpected, so a run that measured
-- refusals is seen as such. Prints one JSON line, as the load example
-- does. Used by bench/load:
--
--   KEYSMITH_SERVICE_KEY=ks_svc_... KEYSMITH_API_KEY=sk_live_... \
--     wrk -t1 -c16 -d10s --latency -s bench/wrk/verify.lua \
--     http://127.0.0.1:8080/v1/api-keys/verify
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYSMITH_SERVICE_KEY")
wrk.body = '{"key":"' .. os.getenv("KEYSMITH_API_KEY") .. '"}'

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- Per thread (each has its own Lua state); summed in done() through
-- thread:get().
unexpected = 0
invalid = 0

function response(status, headers, body)
    if status ~= 200 then
        unexpected = unexpected + 1
    elseif not string.find(body, '"valid":true', 1, true) then
        invalid = invalid + 1
    end
end

function done(summary, latency, requests)
    local s = summary.duration / 1e6
    local bad_status, not_valid = 0, 0
    for _, t in ipairs(threads) do
        bad_status = bad_status + t:get("unexpected")
        not_valid = not_valid + t:get("invalid")
    end
    io.write(string.format(
        '{"phase": "%s", "requests": %d, "seconds": %.3f, "requests_per_second": %.1f, ' ..
        '"p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d, ' ..
        '"unexpected_status": %d, "not_valid": %d}\n',
        os.getenv("KEYSMITH_PHASE") or "api-key verify", summary.requests, s, summary.requests / s,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        bad_status + not_valid, not_valid))
end
