-- One schema for SQLite and PostgreSQL: TEXT, BIGINT and nothing else, so
-- the same statements run on both. Times are Unix milliseconds. Secrets
-- never appear here: only SHA-256 (tokens, keys) or HMAC-SHA256 under a
-- server key (one-time codes), as lowercase hex.

CREATE TABLE reset_tokens (
    token_hash  TEXT PRIMARY KEY,      -- SHA-256 of the token
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT                 -- redeemed or revoked; NULL while open
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
CREATE INDEX reset_tokens_expiry ON reset_tokens (expires_at);

-- The issue throttle: one row per user, claimed by a guarded UPDATE.
CREATE TABLE reset_throttle (
    user_id         TEXT PRIMARY KEY,
    last_issued_at  BIGINT NOT NULL
);

-- Per-subject state of one-time-code challenges: the send window and the
-- consecutive failures across challenges (NIST SP 800-63B).
CREATE TABLE otp_subjects (
    subject       TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    sends         BIGINT NOT NULL,
    failures      BIGINT NOT NULL
);

CREATE TABLE otp_challenges (
    id            TEXT PRIMARY KEY,
    subject       TEXT NOT NULL,
    code_hmac     TEXT NOT NULL,       -- HMAC-SHA256(server key, id || code)
    key_id        TEXT NOT NULL,       -- which server key made code_hmac
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    closed_at     BIGINT               -- approved or replaced; NULL while open
);
CREATE INDEX otp_challenges_subject ON otp_challenges (subject);
CREATE INDEX otp_challenges_expiry ON otp_challenges (expires_at);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    key_hash      TEXT NOT NULL UNIQUE, -- SHA-256 of the whole key
    display_id    TEXT NOT NULL,
    owner         TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    scopes        TEXT NOT NULL,        -- space-separated
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    expires_at    BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_keys_owner ON api_keys (owner);
