-- What one reset-token issue + redeem asks of PostgreSQL, without HTTP or
-- the server: an insert of the hashed token, then the guarded update that
-- redeems it. bench/load runs it with pgbench beside the server's figures.
\set n random(1, 2000000000)
INSERT INTO pgb_reset_tokens (token_hash, user_id, created_at, expires_at)
    VALUES (md5(:n::text || clock_timestamp()::text), 'user-' || :n, 0, 9000000000000)
    RETURNING token_hash AS h \gset
UPDATE pgb_reset_tokens SET used_at = 1
    WHERE token_hash = :'h' AND used_at IS NULL AND expires_at > 0
    RETURNING user_id;
