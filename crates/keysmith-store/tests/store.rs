//! Opening stores on both backends.

mod common;

use common::TestStore;
use keysmith_store::{Backend, Store, StoreOptions};

async fn opens_migrates_and_answers(t: TestStore) {
    t.store.ping().await.unwrap();
    // The schema is there: every table can be read.
    for table in [
        "reset_tokens",
        "reset_throttle",
        "otp_subjects",
        "otp_challenges",
        "api_keys",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(t.store.pool())
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // Opening again (a restart, or a second instance) finds the schema
    // migrated and changes nothing.
    let again = t.another_instance().await;
    again.ping().await.unwrap();
    assert_eq!(again.backend(), t.store.backend());
}

on_both_backends!(opens_migrates_and_answers);

#[tokio::test]
async fn sqlite_is_wal_mode() {
    let t = common::sqlite().await;
    assert_eq!(t.store.backend(), Backend::Sqlite);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn bad_urls_are_errors_without_passwords() {
    let e = Store::open("mysql://root:hunter2@localhost/x", StoreOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unsupported database URL"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_database_error() {
    let e = Store::open(
        "postgres://nobody:pw@127.0.0.1:1/none?connect_timeout=2",
        StoreOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, keysmith_store::StoreError::Database(_)),
        "{e:?}"
    );
}
