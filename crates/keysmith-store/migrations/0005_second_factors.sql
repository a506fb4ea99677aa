-- Second factors: TOTP factors and recovery codes, per tenant like every
-- flow row; one-time-code subjects learn when they last failed (so a
-- lockout ends by itself) and when they were last touched (so the sweeper
-- never deletes a row a concurrent start has just used).

-- A TOTP secret must be read back to compute codes, so it is sealed with
-- XChaCha20-Poly1305 under a key derived from server key `key_id`, with
-- the tenant and the factor id as associated data: `sealed` is the hex of
-- nonce || ciphertext || tag. No column holds the secret itself.
CREATE TABLE totp_factors (
    id                TEXT PRIMARY KEY,
    tenant            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL,      -- 'pending' until confirmed, then 'active'
    sealed            TEXT NOT NULL,
    key_id            TEXT NOT NULL,
    algorithm         TEXT NOT NULL,      -- SHA1, SHA256, SHA512
    digits            BIGINT NOT NULL,
    period            BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT,             -- a pending factor's end; NULL once active
    confirm_attempts  BIGINT NOT NULL,
    last_step         BIGINT NOT NULL,    -- the last time step accepted; -1 for none
    last_used_at      BIGINT
);
CREATE INDEX totp_factors_subject ON totp_factors (tenant, subject);
-- At most one active factor per subject.
CREATE UNIQUE INDEX totp_factors_active ON totp_factors (tenant, subject) WHERE status = 'active';

-- Recovery codes: 50 bits each, so stored as HMAC-SHA256 under a server
-- key (an unkeyed hash of 50 bits is reversed offline).
CREATE TABLE recovery_codes (
    tenant      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    code_hmac   TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (tenant, subject, code_hmac)
);

ALTER TABLE otp_subjects ADD COLUMN last_failure_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE otp_subjects ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
-- A subject failing now failed at the latest with its last challenge's
-- start: its lockout (if any) runs from then.
UPDATE otp_subjects SET last_failure_at = COALESCE(
    (SELECT MAX(c.created_at) FROM otp_challenges c
     WHERE c.tenant = otp_subjects.tenant AND c.subject = otp_subjects.subject), 0)
WHERE failures > 0;

-- Service keys that could do everything (admin) gain the new flows' scopes.
UPDATE service_keys
SET scopes = scopes || ' totp:manage totp:verify recovery-codes:manage recovery-codes:redeem'
WHERE (' ' || scopes || ' ') LIKE '% admin %';
