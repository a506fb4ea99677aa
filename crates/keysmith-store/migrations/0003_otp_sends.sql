-- The one-time-code send throttle becomes a sliding window: one row per
-- challenge started, so "at most N starts in any interval of the window's
-- length" is a count over these rows (claimed by one guarded INSERT while
-- the subject's otp_subjects row is held).
CREATE TABLE otp_sends (
    subject  TEXT NOT NULL,
    sent_at  BIGINT NOT NULL
);
CREATE INDEX otp_sends_subject ON otp_sends (subject, sent_at);
CREATE INDEX otp_sends_time ON otp_sends (sent_at);

-- Carry over the sends of each subject's current fixed window, dated at the
-- window's start: a subject that used up its window stays throttled until
-- that window would have ended, so upgrading grants no extra sends. Rows
-- already outside any window are ignored by the count and swept.
WITH RECURSIVE n (i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM n WHERE i < (SELECT MAX(sends) FROM otp_subjects)
)
INSERT INTO otp_sends (subject, sent_at)
SELECT s.subject, s.window_start
FROM otp_subjects s JOIN n ON n.i <= s.sends
WHERE s.window_start > 0;

-- otp_subjects.window_start and otp_subjects.sends are no longer read or
-- updated (new rows get 0). They stay so that instances of the previous
-- release sharing a PostgreSQL database keep working during a rolling
-- upgrade; a later migration can drop them.
