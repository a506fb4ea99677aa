//! Purging rows that can no longer be used.

use std::time::Duration;

use crate::clock::millis;
use crate::{Result, Store};

/// How long revoked and expired API keys stay listed before the sweeper
/// deletes them (30 days).
pub const API_KEY_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The most rows (about; see [`Store::sweep`]) one statement of the
/// sweeper deletes. A sweep of a large backlog is many short statements,
/// with the flows' writes between them, instead of one that holds SQLite's
/// write lock, or PostgreSQL's row locks, for the whole backlog.
pub const SWEEP_BATCH: u64 = 250;

/// The least pause between two batches of the sweeper; see [`SWEEP_BATCH`].
pub const SWEEP_PAUSE: Duration = Duration::from_millis(1);

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

/// One table the sweeper purges: its key columns, and the conditions that
/// make a row spent (any of them), each with its own index (migration
/// 0008), with parameters $1, $2, … bound by [`Store::sweep`].
struct Purge {
    table: &'static str,
    key: &'static str,
    conds: &'static [&'static str],
}

const RESET_TOKENS: Purge = Purge {
    table: "reset_tokens",
    key: "token_hash",
    conds: &["used_at IS NOT NULL", "expires_at <= $1"],
};
const RESET_THROTTLE: Purge = Purge {
    table: "reset_throttle",
    key: "tenant, user_id",
    conds: &["last_issued_at <= $1"],
};
const OTP_CHALLENGES: Purge = Purge {
    table: "otp_challenges",
    key: "id",
    conds: &["closed_at IS NOT NULL", "expires_at <= $1"],
};
const OTP_SENDS: Purge = Purge {
    table: "otp_sends",
    key: "sent_at",
    conds: &["sent_at <= $1"],
};
const OTP_SUBJECTS: Purge = Purge {
    table: "otp_subjects",
    key: "tenant, subject",
    conds: &["failures = 0 AND touched_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM otp_challenges c \
                                 WHERE c.tenant = otp_subjects.tenant \
                                   AND c.subject = otp_subjects.subject AND c.closed_at IS NULL) \
                 AND NOT EXISTS (SELECT 1 FROM otp_sends s \
                                 WHERE s.tenant = otp_subjects.tenant \
                                   AND s.subject = otp_subjects.subject AND s.sent_at > $1)"],
};
const TOTP_FACTORS: Purge = Purge {
    table: "totp_factors",
    key: "id",
    conds: &["status = 'pending' AND expires_at <= $1"],
};
const RECOVERY_CODES: Purge = Purge {
    table: "recovery_codes",
    key: "tenant, subject, code_hmac",
    conds: &["used_at IS NOT NULL"],
};
const API_KEYS: Purge = Purge {
    table: "api_keys",
    key: "id",
    conds: &[
        "kind = 'api' AND revoked_at IS NOT NULL AND revoked_at <= $1",
        "kind = 'api' AND expires_at IS NOT NULL AND expires_at <= $1",
    ],
};

/// Every table the sweeper purges.
#[cfg(test)]
const PURGES: [&Purge; 8] = [
    &RESET_TOKENS,
    &RESET_THROTTLE,
    &OTP_CHALLENGES,
    &OTP_SENDS,
    &OTP_SUBJECTS,
    &TOTP_FACTORS,
    &RECOVERY_CODES,
    &API_KEYS,
];

/// One batch of `purge` for one of its conditions.
fn purge_sql(purge: &Purge, cond: &str) -> String {
    let Purge { table, key, .. } = purge;
    format!(
        "DELETE FROM {table} WHERE ({cond}) AND ({key}) IN \
         (SELECT {key} FROM {table} WHERE ({cond}) LIMIT {SWEEP_BATCH})"
    )
}

impl Store {
    /// Deletes every row that no flow can use any more, of every tenant, in
    /// batches of [`SWEEP_BATCH`]. Each statement is safe to run at any
    /// time, on any instance, concurrently with the flows: a row is deleted
    /// only when its own columns say it is spent (and a subject's row only
    /// with no live row of the same tenant and subject).
    pub async fn sweep(&self) -> Result<SweepReport> {
        let now = self.now_ms();
        let opts = self.options();
        let reset_tokens = self.purge(&RESET_TOKENS, &[now]).await?;
        let reset_throttle = self
            .purge(
                &RESET_THROTTLE,
                &[now.saturating_sub(millis(opts.reset_throttle))],
            )
            .await?;
        let challenges = self.purge(&OTP_CHALLENGES, &[now]).await?;
        // A send older than the window no longer counts towards the limit.
        // (The table has no key; a batch by time may take a few more rows
        // than SWEEP_BATCH when several share one time.)
        let send_cutoff = now.saturating_sub(millis(opts.otp_send_window));
        let otp_sends = self.purge(&OTP_SENDS, &[send_cutoff]).await?;
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
        let subjects = self
            .purge(&OTP_SUBJECTS, &[send_cutoff, untouched_since])
            .await?;
        let totp_factors = self.purge(&TOTP_FACTORS, &[now]).await?;
        let recovery_codes = self.purge(&RECOVERY_CODES, &[]).await?;
        let api_keys = self
            .purge(&API_KEYS, &[now.saturating_sub(millis(API_KEY_RETENTION))])
            .await?;
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

    /// Deletes the rows of `purge.table` where any of its conditions holds
    /// (with `binds` as $1, $2, …), [`SWEEP_BATCH`] at a time by `key` (its key
    /// columns), each batch one statement and, on SQLite, one write turn:
    /// between two batches the flows' writes go first. Each condition is
    /// purged on its own, so that each finds its rows through its own index
    /// (migration 0008) rather than by a scan of the table, which an `OR`
    /// needs. The outer statement checks the condition again, on the row as
    /// it is when deleted.
    async fn purge(&self, purge: &Purge, binds: &[i64]) -> Result<u64> {
        let mut total = 0;
        for cond in purge.conds {
            let sql = purge_sql(purge, cond);
            // PostgreSQL refuses values for parameters a statement lacks.
            let used = (1..=binds.len())
                .take_while(|i| cond.contains(&format!("${i}")))
                .count();
            loop {
                let started = std::time::Instant::now();
                let deleted = {
                    let _turn = self.writing().await;
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                    for b in &binds[..used] {
                        query = query.bind(*b);
                    }
                    query.execute(self.pool()).await?.rows_affected()
                };
                total += deleted;
                if deleted > 0 {
                    self.checkpoint_wal().await;
                }
                if deleted < SWEEP_BATCH {
                    break;
                }
                // As long again before the next batch (at least
                // SWEEP_PAUSE): a backlog takes at most half of the
                // database's write time, and the writes queued behind a
                // batch go before the next one.
                tokio::time::sleep(started.elapsed().max(SWEEP_PAUSE)).await;
            }
        }
        Ok(total)
    }

    /// On SQLite, copies the write-ahead log back into the database file
    /// now, outside the write turn (a passive checkpoint waits for no
    /// writer and holds none up). Left to SQLite, the checkpoint runs in
    /// whichever commit takes the log past 1000 pages, and a backlog's
    /// deletes take it there often: that commit, often a flow's, waits for
    /// the copy and its fsync (a 250-row batch takes 0.7 ms at the median,
    /// one that checkpoints up to 20 ms). A failed checkpoint is only
    /// logged: SQLite's own comes later.
    async fn checkpoint_wal(&self) {
        if self.backend() != crate::Backend::Sqlite {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(self.pool())
            .await
        {
            tracing::warn!(error = %e, "sweep: WAL checkpoint failed");
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreOptions;
    use crate::testing::empty_sqlite;

    /// Every sweep statement finds its rows through an index: a pass with
    /// nothing to delete reads nothing, instead of scanning each table while
    /// it holds SQLite's write lock.
    #[tokio::test]
    async fn no_sweep_statement_scans_a_table() {
        let (url, _dir) = empty_sqlite();
        let store = Store::open(&url, StoreOptions::default()).await.unwrap();
        for purge in PURGES {
            for cond in purge.conds {
                let sql = format!("EXPLAIN QUERY PLAN {}", purge_sql(purge, cond));
                let plan: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                        .fetch_all(store.pool())
                        .await
                        .unwrap();
                let steps: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
                assert!(
                    steps.iter().all(|s| !s.starts_with("SCAN")),
                    "{}: {cond}: {steps:?}",
                    purge.table
                );
            }
        }
    }
}
