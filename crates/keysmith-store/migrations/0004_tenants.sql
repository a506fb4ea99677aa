-- Tenants: one deployment shared by several applications. Every flow row
-- carries the tenant of the service key that made it, and every statement
-- filters by it; user ids, subjects and owners are unique per tenant only.
-- Rows made before this migration belong to tenant 'default', and service
-- keys made before it keep every scope they had in effect (all of them).
--
-- Tables whose primary key gains the tenant are rebuilt (SQLite cannot
-- change a primary key in place); the others gain a column. Instances of
-- an earlier release cannot share a database migrated this far: their
-- statements name the old keys. Upgrade every instance at once.

CREATE TABLE tenants (
    name        TEXT PRIMARY KEY,     -- 1-63 of a-z, 0-9 and '-'
    created_at  BIGINT NOT NULL
);
INSERT INTO tenants (name, created_at) VALUES ('default', 0);

ALTER TABLE service_keys ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
-- Space-separated, like api_keys.scopes.
ALTER TABLE service_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE service_keys SET scopes = 'reset-tokens:issue reset-tokens:redeem otp:start otp:check api-keys:write api-keys:read api-keys:verify admin';
CREATE INDEX service_keys_tenant ON service_keys (tenant, created_at);

ALTER TABLE reset_tokens ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX reset_tokens_user;
CREATE INDEX reset_tokens_user ON reset_tokens (tenant, user_id);

CREATE TABLE reset_throttle_t (
    tenant          TEXT NOT NULL DEFAULT 'default',
    user_id         TEXT NOT NULL,
    last_issued_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, user_id)
);
INSERT INTO reset_throttle_t (tenant, user_id, last_issued_at)
    SELECT 'default', user_id, last_issued_at FROM reset_throttle;
DROP TABLE reset_throttle;
ALTER TABLE reset_throttle_t RENAME TO reset_throttle;

-- window_start and sends (unused since 0003) go with the rebuild.
CREATE TABLE otp_subjects_t (
    tenant    TEXT NOT NULL DEFAULT 'default',
    subject   TEXT NOT NULL,
    failures  BIGINT NOT NULL,
    PRIMARY KEY (tenant, subject)
);
INSERT INTO otp_subjects_t (tenant, subject, failures)
    SELECT 'default', subject, failures FROM otp_subjects;
DROP TABLE otp_subjects;
ALTER TABLE otp_subjects_t RENAME TO otp_subjects;

ALTER TABLE otp_challenges ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX otp_challenges_subject;
CREATE INDEX otp_challenges_subject ON otp_challenges (tenant, subject);

ALTER TABLE otp_sends ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX otp_sends_subject;
CREATE INDEX otp_sends_subject ON otp_sends (tenant, subject, sent_at);

ALTER TABLE api_keys ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX api_keys_owner;
CREATE INDEX api_keys_owner ON api_keys (tenant, owner);
