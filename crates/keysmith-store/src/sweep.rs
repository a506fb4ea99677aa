//! Purging rows that can no longer be used.

use std::time::Duration;

use crate::clock::millis;
use crate::{Result, Store};

/// How long revoked and expired API keys stay listed before the sweeper
/// deletes them (30 days).
pub const API_KEY_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Reset tokens that were used, revoked or expired.
    pub reset_tokens: u64,
    /// Throttle rows older than the throttle period.
    pub reset_throttle: u64,
    /// Challenges that were approved, replaced or expired.
    pub challenges: u64,
    /// Recorded challenge starts older than the send window.
    pub otp_sends: u64,
    /// Subjects with no failures, no open challenge and no start in the
    /// send window.
    pub subjects: u64,
    /// API keys revoked or expired more than [`API_KEY_RETENTION`] ago.
    pub api_keys: u64,
    /// TOTP factors left pending past their confirmation time.
    pub totp_factors: u64,
    /// Recovery codes already redeemed.
    pub recovery_codes: u64,
}

impl SweepReport {
    /// All rows deleted.
    pub fn total(&self) -> u64 {
        self.reset_tokens
            + self.reset_throttle
            + self.challenges
            + self.otp_sends
            + self.subjects
            + self.api_keys
            + self.totp_factors
            + self.recovery_codes
    }
}

impl Store {
    /// Deletes every row that no flow can use any more, of every tenant.
    /// Each statement is safe to run at any time, on any instance,
    /// concurrently with the flows: a row is deleted only when its own
    /// columns say it is spent (and a subject's row only with no live row
    /// of the same tenant and subject).
    pub async fn sweep(&self) -> Result<SweepReport> {
        let now = self.now_ms();
        let opts = self.options();
        let pool = self.pool();
        // One turn for the whole sweep: the deletes follow each other at
        // once, and each would hold SQLite's write lock while it runs anyway.
        let _turn = self.writing().await;
        let reset_tokens =
            sqlx::query("DELETE FROM reset_tokens WHERE used_at IS NOT NULL OR expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
        let reset_throttle = sqlx::query("DELETE FROM reset_throttle WHERE last_issued_at <= $1")
            .bind(now.saturating_sub(millis(opts.reset_throttle)))
            .execute(pool)
            .await?
            .rows_affected();
        let challenges = sqlx::query(
            "DELETE FROM otp_challenges WHERE closed_at IS NOT NULL OR expires_at <= $1",
        )
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
        // A send older than the window no longer counts towards the limit.
        let send_cutoff = now.saturating_sub(millis(opts.otp_send_window));
        let otp_sends = sqlx::query("DELETE FROM otp_sends WHERE sent_at <= $1")
            .bind(send_cutoff)
            .execute(pool)
            .await?
            .rows_affected();
        // A subject's row holds its failure count: keep it while it counts,
        // while the subject has an open challenge or sends in the window,
        // and while any flow touched it within the longest a challenge can
        // live. That last guard is on the row itself: a start that has just
        // taken the row holds its lock, and when it commits PostgreSQL
        // re-checks this row's own columns (not the sub-selects, which keep
        // their older snapshot under READ COMMITTED), so the new touch keeps
        // it.
        let untouched_since =
            now.saturating_sub(millis(opts.otp_send_window.max(crate::challenge::MAX_TTL)));
        let subjects = sqlx::query(
            "DELETE FROM otp_subjects WHERE failures = 0 AND touched_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM otp_challenges c \
                             WHERE c.tenant = otp_subjects.tenant \
                               AND c.subject = otp_subjects.subject AND c.closed_at IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM otp_sends s \
                             WHERE s.tenant = otp_subjects.tenant \
                               AND s.subject = otp_subjects.subject AND s.sent_at > $1)",
        )
        .bind(send_cutoff)
        .bind(untouched_since)
        .execute(pool)
        .await?
        .rows_affected();
        let totp_factors =
            sqlx::query("DELETE FROM totp_factors WHERE status = 'pending' AND expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
        let recovery_codes = sqlx::query("DELETE FROM recovery_codes WHERE used_at IS NOT NULL")
            .execute(pool)
            .await?
            .rows_affected();
        let cutoff = now.saturating_sub(millis(API_KEY_RETENTION));
        let api_keys = sqlx::query(
            "DELETE FROM api_keys WHERE kind = 'api' \
             AND ((revoked_at IS NOT NULL AND revoked_at <= $1) \
                  OR (expires_at IS NOT NULL AND expires_at <= $1))",
        )
        .bind(cutoff)
        .execute(pool)
        .await?
        .rows_affected();
        Ok(SweepReport {
            reset_tokens,
            reset_throttle,
            challenges,
            otp_sends,
            subjects,
            api_keys,
            totp_factors,
            recovery_codes,
        })
    }

    /// Runs [`Store::sweep`] every `every` on the current tokio runtime
    /// until the returned handle is aborted. Results and failures are
    /// logged (counts only); a failed sweep is retried at the next tick.
    pub fn spawn_sweeper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        let every = every.max(Duration::from_millis(10));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match store.sweep().await {
                    Ok(report) if report.total() > 0 => {
                        tracing::info!(
                            reset_tokens = report.reset_tokens,
                            challenges = report.challenges,
                            api_keys = report.api_keys,
                            "sweeper purged spent rows"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sweep failed; retrying next tick"),
                }
            }
        })
    }
}
