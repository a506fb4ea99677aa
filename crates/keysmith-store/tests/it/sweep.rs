//! The sweeper deletes exactly the rows no flow can use any more.

use crate::common;

use common::{T0, TestStore};
use std::time::Duration;

const MIN: i64 = 60_000;

async fn count(t: &TestStore, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

async fn exec(t: &TestStore, sql: &'static str) {
    sqlx::query(sql).execute(t.store.pool()).await.unwrap();
}

/// Rows in every state, written directly; times relative to T0.
async fn seed(t: &TestStore) {
    let (open, expired) = (T0 + 10 * MIN, T0 - MIN);
    for (hash, expires, used) in [
        ("open", open, None),
        ("used", open, Some(T0 - MIN)),
        ("expired", expired, None),
    ] {
        sqlx::query(
            "INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at, used_at) \
             VALUES ($1, 'u', $2, $3, $4)",
        )
        .bind(hash)
        .bind(T0 - 20 * MIN)
        .bind(expires)
        .bind(used)
        .execute(t.store.pool())
        .await
        .unwrap();
    }
    for (id, subject, expires, closed) in [
        ("c-open", "s-open", open, None),
        ("c-closed", "s-old", open, Some(T0 - MIN)),
        ("c-expired", "s-old", expired, None),
    ] {
        sqlx::query(
            "INSERT INTO otp_challenges (id, subject, code_hmac, key_id, created_at, \
             expires_at, attempts, max_attempts, closed_at) \
             VALUES ($1, $2, 'h', 'k1', $3, $4, 0, 5, $5)",
        )
        .bind(id)
        .bind(subject)
        .bind(T0 - 20 * MIN)
        .bind(expires)
        .bind(closed)
        .execute(t.store.pool())
        .await
        .unwrap();
    }
    // s-open has an open challenge; s-old is idle; s-failing keeps its
    // count; s-recent started a challenge a minute ago, s-old 11 minutes
    // ago (outside the 10-minute send window).
    exec(
        t,
        "INSERT INTO otp_subjects (tenant, subject, failures) VALUES \
         ('default', 's-open', 0), ('default', 's-old', 0), ('default', 's-failing', 3), \
         ('default', 's-recent', 0)",
    )
    .await;
    for (subject, sent_at) in [("s-recent", T0 - MIN), ("s-old", T0 - 11 * MIN)] {
        sqlx::query("INSERT INTO otp_sends (subject, sent_at) VALUES ($1, $2)")
            .bind(subject)
            .bind(sent_at)
            .execute(t.store.pool())
            .await
            .unwrap();
    }
    exec(
        t,
        "INSERT INTO reset_throttle (user_id, last_issued_at) VALUES ('old', 0)",
    )
    .await;
    let day = 24 * 60 * MIN;
    for (id, expires, revoked) in [
        ("k-live", None, None),
        ("k-revoked-recently", None, Some(T0 - day)),
        ("k-revoked-long-ago", None, Some(T0 - 31 * day)),
        ("k-expired-long-ago", Some(T0 - 31 * day), None),
    ] {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, display_id, owner, prefix, scopes, \
             created_at, expires_at, revoked_at) VALUES ($1, $1, 'd', 'o', 'p', '', 0, $2, $3)",
        )
        .bind(id)
        .bind(expires)
        .bind(revoked)
        .execute(t.store.pool())
        .await
        .unwrap();
    }
}

async fn sweeps_spent_rows_only(t: TestStore) {
    seed(&t).await;
    let report = t.store.sweep().await.unwrap();
    assert_eq!(report.reset_tokens, 2);
    assert_eq!(report.reset_throttle, 1);
    assert_eq!(report.challenges, 2);
    assert_eq!(report.otp_sends, 1, "only the send outside the window");
    assert_eq!(report.subjects, 1, "only the idle subject without failures");
    assert_eq!(report.api_keys, 2);
    assert_eq!(count(&t, "reset_tokens").await, 1);
    assert_eq!(count(&t, "otp_challenges").await, 1);
    assert_eq!(count(&t, "otp_sends").await, 1);
    assert_eq!(count(&t, "otp_subjects").await, 3);
    assert_eq!(count(&t, "api_keys").await, 2);
    let left: String = sqlx::query_scalar("SELECT token_hash FROM reset_tokens")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(left, "open");

    // Nothing more to do; then time passes and the open rows expire.
    assert_eq!(t.store.sweep().await.unwrap().total(), 0);
    t.clock.advance(Duration::from_secs(11 * 60));
    let later = t.store.sweep().await.unwrap();
    assert_eq!((later.reset_tokens, later.challenges), (1, 1));
    // The last send left the window; s-open's challenge expired.
    assert_eq!((later.otp_sends, later.subjects), (1, 2));
    let left: Vec<String> = sqlx::query_scalar("SELECT subject FROM otp_subjects")
        .fetch_all(t.store.pool())
        .await
        .unwrap();
    assert_eq!(left, ["s-failing"]);
}

async fn the_background_sweeper_runs(t: TestStore) {
    seed(&t).await;
    let handle = t.store.spawn_sweeper(Duration::from_millis(20));
    let mut left = i64::MAX;
    for _ in 0..200 {
        left = count(&t, "reset_tokens").await;
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.abort();
    assert_eq!(left, 1);
}

/// `count` used reset tokens, written directly.
async fn insert_spent(t: &TestStore, count: u64) {
    sqlx::query(
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at, used_at) \
         SELECT 'spent-' || i, 'u', 0, $2, 1 FROM n",
    )
    .bind(i64::try_from(count).unwrap())
    .bind(T0 + 10 * MIN)
    .execute(t.store.pool())
    .await
    .unwrap();
}

/// A backlog of spent rows larger than one batch is swept whole, in
/// batches of `SWEEP_BATCH`, and the live rows beside it stay.
async fn a_large_backlog_is_swept_in_batches(t: TestStore) {
    use keysmith_store::SWEEP_BATCH;
    let spent = 2 * SWEEP_BATCH + 500;
    insert_spent(&t, spent).await;
    let live = t.store.reset_tokens().issue("alice", None).await.unwrap();
    let report = t.store.sweep().await.unwrap();
    assert_eq!(report.reset_tokens, spent);
    assert_eq!(count(&t, "reset_tokens").await, 1);
    assert_eq!(
        t.store.reset_tokens().redeem(live.token()).await.unwrap(),
        "alice"
    );
    assert_eq!(t.store.sweep().await.unwrap().reset_tokens, 1);
}

on_both_backends!(
    sweeps_spent_rows_only,
    the_background_sweeper_runs,
    a_large_backlog_is_swept_in_batches
);

/// On SQLite the sweeper checkpoints the write-ahead log itself between
/// batches, so that no flow's commit is left to copy a backlog's deletes
/// into the database file: after a sweep, the file alone (without its
/// `-wal`) no longer holds the spent rows. Without the sweeper's
/// checkpoint they stay there until SQLite's own, at 1000 pages of log,
/// which these few batches do not reach.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sweep_on_sqlite_checkpoints_its_deletes() {
    use keysmith_store::SWEEP_BATCH;
    let t = common::sqlite().await;
    let spent = 2 * SWEEP_BATCH;
    insert_spent(&t, spent).await;
    // The rows into the database file, and the log emptied.
    exec(&t, "PRAGMA wal_checkpoint(TRUNCATE)").await;
    let path = t.url.strip_prefix("sqlite://").unwrap();
    let in_file = |name: &'static str| async move {
        let copy = std::path::Path::new(path).with_file_name(name);
        std::fs::copy(path, &copy).unwrap();
        let db = sqlx::AnyPool::connect(&format!("sqlite://{}", copy.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reset_tokens")
            .fetch_one(&db)
            .await
            .unwrap();
        db.close().await;
        n
    };
    assert_eq!(in_file("before.db").await, i64::try_from(spent).unwrap());
    assert_eq!(t.store.sweep().await.unwrap().reset_tokens, spent);
    assert_eq!(in_file("after.db").await, 0);
}
