-- The sweeper's statements each find their rows through an index, so a pass
-- with little or nothing to delete reads little (without them each pass
-- scanned whole tables while holding SQLite's write lock). The partial
-- indexes hold only spent, closed, revoked or pending rows: what the sweeper
-- deletes.
CREATE INDEX reset_tokens_used ON reset_tokens (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX reset_throttle_issued ON reset_throttle (last_issued_at);
CREATE INDEX otp_challenges_closed ON otp_challenges (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX otp_subjects_touched ON otp_subjects (touched_at);
CREATE INDEX totp_factors_pending ON totp_factors (expires_at) WHERE status = 'pending';
CREATE INDEX recovery_codes_used ON recovery_codes (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX api_keys_revoked ON api_keys (kind, revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX api_keys_expiry ON api_keys (kind, expires_at) WHERE expires_at IS NOT NULL;
