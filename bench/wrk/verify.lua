-- wrk script for `POST /v1/api-keys/verify`: the service key and the API
-- key come from the environment (KEYSMITH_SERVICE_KEY, KEYSMITH_API_KEY),
-- the phase's name for the report from KEYSMITH_PHASE. Prints one JSON
-- line, as the load example does; `unexpected_status` counts answers that
-- are not 2xx. Bodies are not read here (a Lua `response` callback would
-- cost wrk more CPU than the server spends on a request): bench/load
-- checks afterwards, from the key itself, that every request was a valid
-- verification (credits spent, rate window counted).
--
--   KEYSMITH_SERVICE_KEY=ks_svc_... KEYSMITH_API_KEY=sk_live_... \
--     wrk -t1 -c16 -d10s --latency -s bench/wrk/verify.lua \
--     http://127.0.0.1:8080/v1/api-keys/verify
--
-- Without KEYSMITH_API_KEY it sends plain GETs (bench/load points it at
-- /healthz: the HTTP stack alone, no key, no database).
if os.getenv("KEYSMITH_API_KEY") then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYSMITH_SERVICE_KEY")
    wrk.body = '{"key":"' .. os.getenv("KEYSMITH_API_KEY") .. '"}'
end

function done(summary, latency, requests)
    local s = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        '{"phase": "%s", "requests": %d, "seconds": %.3f, "requests_per_second": %.1f, ' ..
        '"p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d, ' ..
        '"unexpected_status": %d}\n',
        os.getenv("KEYSMITH_PHASE") or "api-key verify", summary.requests, s, summary.requests / s,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        e.connect + e.read + e.write + e.timeout, e.status))
end
