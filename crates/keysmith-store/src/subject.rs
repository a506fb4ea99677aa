//! A subject's consecutive failures, shared by every second factor of a
//! tenant (one-time-code challenges, TOTP, recovery codes): claimed one at
//! a time by a guarded upsert before any code is compared, cleared by a
//! success, and forgiven once the lockout has lasted
//! [`otp_lockout`](crate::StoreOptions::otp_lockout).

use sqlx::AnyConnection;

use crate::clock::millis;
use crate::{Result, Store};

/// Refuses a subject that is no identifier
/// ([`check_identifier`](crate::identifier::check_identifier)).
pub(crate) fn check_subject(subject: &str) -> Result<()> {
    crate::identifier::check_identifier("the subject", subject)
}

/// Claims one failure of the subject's budget: creates its row with one
/// failure, or adds one while it is under the limit ($4) — or, when the
/// limit was reached before the lockout's start ($5), begins again at one.
/// A row comes back exactly when the claim succeeded. On PostgreSQL the
/// row stays locked until the transaction ends, which serializes every
/// check of one subject across instances.
const CLAIM_FAILURE: &str = "INSERT INTO otp_subjects \
         (tenant, subject, failures, last_failure_at, touched_at) VALUES ($1, $2, 1, $3, $3) \
     ON CONFLICT (tenant, subject) DO UPDATE SET \
         failures = CASE WHEN otp_subjects.failures >= $4 THEN 1 \
                         ELSE otp_subjects.failures + 1 END, \
         last_failure_at = $3, touched_at = $3 \
     WHERE otp_subjects.failures < $4 OR otp_subjects.last_failure_at <= $5 \
     RETURNING failures";

/// The subject's failure budget inside one transaction.
pub(crate) struct Failures {
    /// The limit of consecutive failures.
    pub(crate) max: i64,
    /// Failures at or before this time no longer lock (now − lockout).
    pub(crate) forgiven_before: i64,
}

impl Failures {
    pub(crate) fn of(store: &Store, now: i64) -> Failures {
        let options = store.options();
        Failures {
            max: i64::from(options.otp_max_failures),
            forgiven_before: now.saturating_sub(millis(options.otp_lockout)),
        }
    }

    /// Whether a subject with `failures`, the last at `last_failure_at`, is
    /// locked out.
    pub(crate) fn locked(&self, failures: i64, last_failure_at: i64) -> bool {
        failures >= self.max && last_failure_at > self.forgiven_before
    }

    /// Claims a failure for (`tenant`, `subject`) at `now`: the failures
    /// counted so far, this one included, or `None` while the subject is
    /// locked out.
    pub(crate) async fn claim(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        subject: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(CLAIM_FAILURE)
            .bind(tenant)
            .bind(subject)
            .bind(now)
            .bind(self.max)
            .bind(self.forgiven_before)
            .fetch_optional(&mut *conn)
            .await?)
    }
}

/// Clears the subject's failures: a code was right.
pub(crate) async fn clear(conn: &mut AnyConnection, tenant: &str, subject: &str) -> Result<()> {
    sqlx::query("UPDATE otp_subjects SET failures = 0 WHERE tenant = $1 AND subject = $2")
        .bind(tenant)
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
