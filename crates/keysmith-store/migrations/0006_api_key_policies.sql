-- API keys with policies, as applications hand them to their own clients:
-- a name and metadata, usage credits with an optional refill, a rate limit
-- whose state is here (so it holds across instances), an on/off switch,
-- the record of a leak report, and the successor of a rotated key.

ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN meta TEXT;               -- a JSON object, serialised
ALTER TABLE api_keys ADD COLUMN remaining BIGINT;        -- uses left; NULL: unlimited
ALTER TABLE api_keys ADD COLUMN refill_amount BIGINT;
ALTER TABLE api_keys ADD COLUMN refill_interval TEXT;    -- 'daily' or 'monthly'
ALTER TABLE api_keys ADD COLUMN refill_period BIGINT;    -- the UTC day or month last refilled
ALTER TABLE api_keys ADD COLUMN rate_limit BIGINT;       -- uses per window; NULL: none
ALTER TABLE api_keys ADD COLUMN rate_window_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN rate_window_start BIGINT;
ALTER TABLE api_keys ADD COLUMN rate_count BIGINT;
ALTER TABLE api_keys ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE api_keys ADD COLUMN exposed_at BIGINT;
ALTER TABLE api_keys ADD COLUMN exposure_url TEXT;
ALTER TABLE api_keys ADD COLUMN exposure_source TEXT;
ALTER TABLE api_keys ADD COLUMN rotated_to TEXT;         -- the successor's id, once rotated
CREATE INDEX api_keys_page ON api_keys (tenant, owner, created_at, id);
