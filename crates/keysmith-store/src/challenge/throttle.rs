//! A subject's starts: refused while it is locked out after too many
//! failed checks in a row, and throttled to `otp_sends_per_window` starts
//! in any interval of `otp_send_window` (a sliding window, claimed by one
//! guarded statement while the subject's row is held).

use sqlx::AnyConnection;

use super::Challenges;
use crate::Result;
use crate::subject::{Failures, check_subject};

/// Creates the subject's row, or locks it, and returns its failures only
/// while the subject is not locked out: under the limit ($2), or at it
/// since before the lockout's start ($5), which forgives them. On
/// PostgreSQL the conflicting row is locked even when the guard fails, and
/// a concurrent insert of the same subject waits for this one. Touching the
/// row ($4) keeps the sweeper from deleting it under this start.
const CLAIM_SUBJECT: &str = "INSERT INTO otp_subjects \
         (tenant, subject, failures, last_failure_at, touched_at) VALUES ($3, $1, 0, 0, $4) \
     ON CONFLICT (tenant, subject) DO UPDATE SET \
         failures = CASE WHEN otp_subjects.failures >= $2 THEN 0 ELSE otp_subjects.failures END, \
         touched_at = $4 \
     WHERE otp_subjects.failures < $2 OR otp_subjects.last_failure_at <= $5 \
     RETURNING failures";

/// Records a send at $2 only if fewer than $4 sends of the subject lie
/// after $3 (now minus the window): the sliding-window claim. A row is
/// inserted exactly when the claim succeeded.
const CLAIM_SEND: &str = "INSERT INTO otp_sends (tenant, subject, sent_at) SELECT $5, $1, $2 \
     WHERE (SELECT COUNT(*) FROM otp_sends \
            WHERE tenant = $5 AND subject = $1 AND sent_at > $3) < $4";

impl Challenges<'_> {
    /// Takes `subject`'s row (creating it) inside a start's transaction:
    /// `true` while the subject is not locked out, else `false` (its row
    /// then stays as it was).
    pub(super) async fn claim_subject(
        &self,
        conn: &mut AnyConnection,
        subject: &str,
        now: i64,
    ) -> Result<bool> {
        let max_failures = i64::from(self.store.options().otp_max_failures);
        let failures: Option<i64> = sqlx::query_scalar(CLAIM_SUBJECT)
            .bind(subject)
            .bind(max_failures)
            .bind(self.tenant)
            .bind(now)
            .bind(Failures::of(self.store, now).forgiven_before)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(failures.is_some_and(|f| f < max_failures))
    }

    /// Claims a send of `subject` at `now`: recorded only while fewer than
    /// `limit` sends lie in the `window` (ms) that ends now. `None` when it
    /// was recorded, else how many milliseconds until a start is allowed
    /// again. Run it while the subject's row is held
    /// ([`claim_subject`](Challenges::claim_subject)).
    pub(super) async fn claim_send(
        &self,
        conn: &mut AnyConnection,
        subject: &str,
        now: i64,
        limit: i64,
        window: i64,
    ) -> Result<Option<i64>> {
        let window_cutoff = now.saturating_sub(window);
        let claimed = sqlx::query(CLAIM_SEND)
            .bind(subject)
            .bind(now)
            .bind(window_cutoff)
            .bind(limit)
            .bind(self.tenant)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1;
        if claimed {
            return Ok(None);
        }
        // A start is allowed again once the limit-th most recent send
        // leaves the window.
        let blocking: Option<i64> = sqlx::query_scalar(
            "SELECT sent_at FROM otp_sends WHERE tenant = $4 AND subject = $1 AND sent_at > $2 \
             ORDER BY sent_at DESC LIMIT 1 OFFSET $3",
        )
        .bind(subject)
        .bind(window_cutoff)
        .bind(limit - 1)
        .bind(self.tenant)
        .fetch_optional(&mut *conn)
        .await?;
        // The send can only be missing if a reset removed it between the
        // two statements; the whole window is then a safe answer.
        Ok(Some(blocking.map_or(window, |sent_at| {
            sent_at.saturating_add(window).saturating_sub(now).max(1)
        })))
    }

    /// Clears `subject`'s failed checks and recorded sends, as an
    /// administrator does after confirming who the subject is: it may start
    /// challenges again at once. Open challenges are left as they are.
    /// Resetting an unknown subject does nothing.
    ///
    /// # Errors
    ///
    /// - [`StoreError::InvalidInput`] for a subject
    ///   [`start`](Challenges::start) would refuse;
    /// - [`StoreError::Database`] when the database fails; then nothing was
    ///   cleared.
    ///
    /// [`StoreError::InvalidInput`]: crate::StoreError::InvalidInput
    /// [`StoreError::Database`]: crate::StoreError::Database
    pub async fn reset_subject(&self, subject: &str) -> Result<()> {
        check_subject(subject)?;
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        sqlx::query("UPDATE otp_subjects SET failures = 0 WHERE tenant = $2 AND subject = $1")
            .bind(subject)
            .bind(self.tenant)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM otp_sends WHERE tenant = $2 AND subject = $1")
            .bind(subject)
            .bind(self.tenant)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!("one-time-code subject reset");
        Ok(())
    }
}
