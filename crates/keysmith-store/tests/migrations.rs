//! Upgrading a database migrated by an earlier release.

mod common;

use common::T0;
use keysmith_store::{ManualClock, StartOptions, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

const MIN: i64 = 60_000;

/// Applies the migrations up to `version` only, as an earlier release did.
async fn migrate_up_to(url: &str, version: i64) {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") {
        format!("{url}?mode=rwc")
    } else {
        url.to_string()
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let all = sqlx::migrate!("./migrations");
    let earlier = sqlx::migrate::Migrator::with_migrations(
        all.iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect(),
    );
    earlier.run(&pool).await.unwrap();
    // Subjects as the fixed-window throttle left them: alice used up a
    // window that began 2 minutes ago, bob one that ended long ago, carol
    // sent 3 in a window that began 1 minute ago.
    sqlx::query(
        "INSERT INTO otp_subjects (subject, window_start, sends, failures) \
         VALUES ('alice', $1, 5, 0), ('bob', $2, 5, 0), ('carol', $3, 3, 0)",
    )
    .bind(T0 - 2 * MIN)
    .bind(T0 - 25 * MIN)
    .bind(T0 - MIN)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

async fn start(store: &Store, subject: &str) -> Result<(), StoreError> {
    store
        .challenges()
        .start(subject, StartOptions::default())
        .await
        .map(drop)
}

/// The sends of the current fixed window carry over: upgrading grants no
/// subject extra starts, and the ones it had left are still there.
async fn an_upgrade_keeps_each_subjects_sends(url: String) {
    migrate_up_to(&url, 2).await;
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&url, common::options(clock.clone()))
        .await
        .expect("the upgraded store opens");
    let throttled = |r: Result<(), StoreError>| match r {
        Err(StoreError::Throttled { retry_after }) => retry_after,
        other => panic!("expected Throttled, got {other:?}"),
    };
    assert_eq!(
        throttled(start(&store, "alice").await),
        Duration::from_secs(8 * 60)
    );
    start(&store, "bob").await.unwrap();
    start(&store, "carol").await.unwrap();
    start(&store, "carol").await.unwrap();
    assert_eq!(
        throttled(start(&store, "carol").await),
        Duration::from_secs(9 * 60)
    );
    clock.advance(Duration::from_secs(8 * 60));
    start(&store, "alice").await.unwrap();
    // Opening again applies nothing twice.
    let again = Store::open(&url, common::options(clock)).await.unwrap();
    again.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upgrade_keeps_each_subjects_sends_sqlite() {
    let (url, _dir) = common::empty_sqlite();
    an_upgrade_keeps_each_subjects_sends(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upgrade_keeps_each_subjects_sends_postgres() {
    match common::empty_postgres().await {
        Some(url) => an_upgrade_keeps_each_subjects_sends(url).await,
        None => eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped"),
    }
}
