-- What one verification of an API key with credits or a rate limit
-- through `keysmith serve` asks of PostgreSQL: the key's lookup, the
-- database's clock, and the guarded update that applies a due refill,
-- counts the rate window and takes the cost, as the store's
-- `ApiKeys::spend` runs them. bench/load runs it beside the server with
-- -D api_hash=<the SHA-256 of such a key> -D api_id=<its record id>.
SELECT id, display_id, owner, prefix, scopes, created_at, last_used_at, expires_at,
       revoked_at, name, meta, remaining, refill_amount, refill_interval, rate_limit,
       rate_window_ms, enabled, exposed_at, exposure_url, exposure_source, rotated_to, tenant
    FROM api_keys WHERE key_hash = :api_hash AND tenant = 'default' AND kind = 'api';
SELECT CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT) AS now \gset
UPDATE api_keys SET
        remaining = CASE WHEN remaining IS NULL THEN NULL ELSE (CASE WHEN refill_interval IS NOT NULL AND refill_period <> (CASE refill_interval WHEN 'daily' THEN 0 ELSE 0 END) THEN refill_amount ELSE remaining END) - 1 END,
        refill_period = CASE refill_interval WHEN 'daily' THEN 0 WHEN 'monthly' THEN 0 ELSE refill_period END,
        rate_count = CASE WHEN rate_limit IS NULL THEN NULL
                     WHEN rate_window_start = (:now - (:now % rate_window_ms)) THEN rate_count + 1 ELSE 1 END,
        rate_window_start = CASE WHEN rate_limit IS NULL THEN NULL ELSE (:now - (:now % rate_window_ms)) END,
        last_used_at = :now
    WHERE id = :api_id AND tenant = 'default' AND kind = 'api' AND revoked_at IS NULL AND enabled <> 0
      AND (remaining IS NULL OR (CASE WHEN refill_interval IS NOT NULL AND refill_period <> (CASE refill_interval WHEN 'daily' THEN 0 ELSE 0 END) THEN refill_amount ELSE remaining END) >= 1)
      AND (rate_limit IS NULL OR rate_window_start IS NULL
           OR rate_window_start <> (:now - (:now % rate_window_ms)) OR rate_count < rate_limit)
    RETURNING remaining, rate_count, rate_window_start;
