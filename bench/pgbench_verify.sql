-- What one verification of a plain API key (no credits, no rate limit)
-- through `keysmith serve` asks of PostgreSQL: the key's lookup by
-- SHA-256, for the caller's tenant ('default') and kind. (The service
-- key's lookup is answered from memory; the last-use write happens at most
-- once a minute.) bench/load runs it beside the server with
-- -D api_hash=<the SHA-256 of an API key in the schema>.
SELECT id, display_id, owner, prefix, scopes, created_at, last_used_at, expires_at,
       revoked_at, name, meta, remaining, refill_amount, refill_interval, rate_limit,
       rate_window_ms, enabled, exposed_at, exposure_url, exposure_source, rotated_to, tenant
    FROM api_keys WHERE key_hash = :api_hash AND tenant = 'default' AND kind = 'api';
