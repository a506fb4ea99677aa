-- What one reset-token issue + redeem through `keysmith serve` asks of
-- PostgreSQL, statement for statement, without HTTP or the server: the
-- issue transaction (throttle claim, revocation of open tokens, insert of
-- the hash) and the guarded redeem, each for the caller's tenant
-- ('default' here, as for a key made without --tenant). The service key's
-- lookup is not here: a server answers it from memory for
-- --service-key-cache (1 s) after the first, so it is one query a second,
-- not one a request. bench/load runs this against the real schema beside
-- the server. Earlier schemas: pgbench_reset_tenanted.sql (migrations 0004
-- to 0006), pgbench_reset_untenanted.sql (before 0004).
\set n random(1, 9000000000000000000)
BEGIN;
INSERT INTO reset_throttle (tenant, user_id, last_issued_at) VALUES ('default', 'user-' || :n, 1)
    ON CONFLICT (tenant, user_id) DO UPDATE SET last_issued_at = excluded.last_issued_at
    WHERE reset_throttle.last_issued_at <= 0
    RETURNING user_id;
UPDATE reset_tokens SET used_at = 1
    WHERE user_id = 'user-' || :n AND tenant = 'default' AND used_at IS NULL AND expires_at > 1;
INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at, used_at, tenant)
    VALUES (md5(:n::text), 'user-' || :n, 1, 9000000000000, NULL, 'default');
COMMIT;
UPDATE reset_tokens SET used_at = 2
    WHERE token_hash = md5(:n::text) AND tenant = 'default' AND used_at IS NULL AND expires_at > 2
    RETURNING user_id;
