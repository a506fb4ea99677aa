-- What one reset-token issue + redeem through `keysmith serve` asks of
-- PostgreSQL, statement for statement, without HTTP or the server: the
-- service-key lookup of each request, the issue transaction (throttle
-- claim, revocation of open tokens, insert of the hash) and the guarded
-- redeem, each for the caller's tenant ('default' here, as for a key made
-- without --tenant). bench/load runs it against the real schema beside the
-- server, with -D svc_hash=<the SHA-256 of a service key in it>. These are
-- the statements of migrations 0004 to 0006 (service keys in a table of
-- their own, looked up on every request); before tenants (migration 0004)
-- they are in pgbench_reset_untenanted.sql, and from migration 0007 on in
-- pgbench_reset.sql.
\set n random(1, 9000000000000000000)
SELECT id, display_id, tenant, name, scopes, created_at, revoked_at FROM service_keys
    WHERE key_hash = :svc_hash AND revoked_at IS NULL;
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
SELECT id, display_id, tenant, name, scopes, created_at, revoked_at FROM service_keys
    WHERE key_hash = :svc_hash AND revoked_at IS NULL;
UPDATE reset_tokens SET used_at = 2
    WHERE token_hash = md5(:n::text) AND tenant = 'default' AND used_at IS NULL AND expires_at > 2
    RETURNING user_id;
