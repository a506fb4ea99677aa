-- Keys that applications present to `keysmith serve` (Authorization:
-- Bearer). Stored as SHA-256 only, like API keys.
CREATE TABLE service_keys (
    id          TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL UNIQUE,
    display_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
