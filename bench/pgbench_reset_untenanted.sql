-- What one reset-token issue + redeem through `keysmith serve` asks of
-- PostgreSQL, statement for statement, without HTTP or the server: the
-- service-key lookup of each request, the issue transaction (throttle
-- claim, revocation of open tokens, insert of the hash) and the guarded
-- redeem. bench/load runs it against the real schema beside the server,
-- with -D svc_hash=<the SHA-256 of a service key in it>. These are the
-- statements of the schema before tenants (migrations 0001-0003, e.g.
-- 6b970fb), for BEFORE= runs; pgbench_reset.sql has today's.
\set n random(1, 9000000000000000000)
SELECT id, display_id, name, created_at FROM service_keys
    WHERE key_hash = :svc_hash AND revoked_at IS NULL;
BEGIN;
INSERT INTO reset_throttle (user_id, last_issued_at) VALUES ('user-' || :n, 1)
    ON CONFLICT (user_id) DO UPDATE SET last_issued_at = excluded.last_issued_at
    WHERE reset_throttle.last_issued_at <= 0
    RETURNING user_id;
UPDATE reset_tokens SET used_at = 1
    WHERE user_id = 'user-' || :n AND used_at IS NULL AND expires_at > 1;
INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at, used_at)
    VALUES (md5(:n::text), 'user-' || :n, 1, 9000000000000, NULL);
COMMIT;
SELECT id, display_id, name, created_at FROM service_keys
    WHERE key_hash = :svc_hash AND revoked_at IS NULL;
UPDATE reset_tokens SET used_at = 2
    WHERE token_hash = md5(:n::text) AND used_at IS NULL AND expires_at > 2
    RETURNING user_id;
