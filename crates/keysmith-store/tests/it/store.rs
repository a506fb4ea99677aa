//! Opening stores on both backends.

use crate::common;

use common::{T0, TestStore};
use keysmith_store::{CheckOutcome, StartOptions, Store, StoreError, StoreOptions};
use std::time::Duration;

/// Every table of the schema exists and holds no row.
async fn assert_tables_empty(store: &Store) {
    for table in common::FLOW_TABLES {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

async fn opens_migrates_and_answers(t: TestStore) {
    t.store.ping().await.unwrap();
    // The schema is there: every table can be read.
    assert_tables_empty(&t.store).await;
    // Opening again (a restart, or a second instance) finds the schema
    // migrated and changes nothing.
    let again = t.another_instance().await;
    again.ping().await.unwrap();
    assert_eq!(again.backend(), t.store.backend());
}

/// Every limit in `StoreOptions` is honoured, not only its default.
async fn configured_limits_are_kept(t: TestStore) {
    let mut options = t.store.options().clone();
    options.reset_ttl = Duration::from_secs(120);
    options.reset_throttle = Duration::from_secs(300);
    options.otp_sends_per_window = 2;
    options.otp_send_window = Duration::from_secs(60);
    options.otp_max_failures = 3;
    options.last_used_granularity = Duration::from_secs(5);
    let store = Store::open(&t.url, options).await.unwrap();
    let secs = Duration::from_secs;

    let issued = store.reset_tokens().issue("alice", None).await.unwrap();
    assert_eq!(issued.expires_at_ms(), T0 + 120_000);
    t.clock.advance(secs(299));
    let r = store.reset_tokens().issue("alice", None).await;
    assert!(
        matches!(r, Err(StoreError::Throttled { retry_after }) if retry_after == secs(1)),
        "{r:?}"
    );
    t.clock.advance(secs(1));
    store.reset_tokens().issue("alice", None).await.unwrap();

    let challenges = store.challenges();
    challenges
        .start("bob", StartOptions::default())
        .await
        .unwrap();
    t.clock.advance(secs(10));
    let c = challenges
        .start("bob", StartOptions::default())
        .await
        .unwrap();
    let r = challenges.start("bob", StartOptions::default()).await;
    assert!(
        matches!(r, Err(StoreError::Throttled { retry_after }) if retry_after == secs(50)),
        "{r:?}"
    );
    let wrong = if c.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in [2, 1, 0] {
        let outcome = challenges.check(&c.id, wrong).await.unwrap();
        assert_eq!(
            outcome,
            CheckOutcome::Denied {
                attempts_left: left
            }
        );
    }
    let outcome = challenges.check(&c.id, &c.code).await.unwrap();
    assert_eq!(outcome, CheckOutcome::Locked);
    t.clock.advance(secs(50));
    let r = challenges.start("bob", StartOptions::default()).await;
    assert!(matches!(r, Err(StoreError::SubjectLocked)), "{r:?}");

    let key = store
        .api_keys()
        .create("carol", "sk_live", &[], None)
        .await
        .unwrap();
    store.api_keys().verify(key.key.expose()).await.unwrap();
    t.clock.advance(secs(4));
    store.api_keys().verify(key.key.expose()).await.unwrap();
    let listed = store.api_keys().list("carol").await.unwrap();
    assert_eq!(listed[0].last_used_at_ms, Some(T0 + 360_000));
    t.clock.advance(secs(1));
    store.api_keys().verify(key.key.expose()).await.unwrap();
    let listed = store.api_keys().list("carol").await.unwrap();
    assert_eq!(listed[0].last_used_at_ms, Some(T0 + 365_000));
}

/// PostgreSQL cannot store U+0000 in TEXT: every text the flows would store
/// or look up is checked first, so both backends answer alike and no call
/// reaches the database with one.
async fn nul_characters_are_refused_before_the_database(t: TestStore) {
    let s = &t.store;
    let refused = |r: Result<(), StoreError>, what: &str| match r {
        Err(StoreError::InvalidInput(m)) => {
            assert!(!m.contains('\0'), "{what}: {m:?}");
            m
        }
        other => panic!("{what}: expected InvalidInput, got {other:?}"),
    };
    let m = refused(
        s.reset_tokens().issue("al\0ice", None).await.map(drop),
        "issue",
    );
    assert!(m.contains("user id") && m.contains("NUL"), "{m}");
    refused(
        s.reset_tokens().revoke_all("al\0ice").await.map(drop),
        "revoke_all",
    );
    let m = refused(
        s.challenges()
            .start("al\0ice", StartOptions::default())
            .await
            .map(drop),
        "start",
    );
    assert!(m.contains("subject") && m.contains("NUL"), "{m}");
    refused(s.challenges().reset_subject("\0").await, "reset_subject");
    let m = refused(
        s.api_keys()
            .create("ac\0me", "sk_live", &[], None)
            .await
            .map(drop),
        "create (owner)",
    );
    assert!(m.contains("owner"), "{m}");
    let m = refused(
        s.api_keys()
            .create("acme", "sk_live", &["read", "wr\0ite"], None)
            .await
            .map(drop),
        "create (scope)",
    );
    assert!(m.contains("scope"), "{m}");
    refused(s.api_keys().list("ac\0me").await.map(drop), "list");
    refused(
        s.service_keys()
            .create(
                &keysmith_store::Tenant::default(),
                "n\0",
                keysmith_store::Scopes::all(),
            )
            .await
            .map(drop),
        "service key",
    );
    // Lookups by an id no record can have find nothing, as for any
    // unknown id.
    let outcome = s.challenges().check("ch_\0", "123456").await.unwrap();
    assert_eq!(outcome, CheckOutcome::Expired);
    assert!(matches!(
        s.api_keys().revoke("key_\0").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.api_keys().rotate("key_\0", Duration::ZERO).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.service_keys().revoke("svc_\0", None).await,
        Err(StoreError::NotFound)
    ));
    // Nothing was stored.
    assert_tables_empty(s).await;
    // The same calls without the NUL work.
    s.reset_tokens().issue("alice", None).await.unwrap();
    s.challenges()
        .start("alice", StartOptions::default())
        .await
        .unwrap();
    s.api_keys()
        .create("acme", "sk_live", &["read"], None)
        .await
        .unwrap();
}

on_both_backends!(
    opens_migrates_and_answers,
    configured_limits_are_kept,
    nul_characters_are_refused_before_the_database,
);

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_is_wal_mode() {
    let t = common::sqlite().await;
    assert_eq!(t.store.backend(), keysmith_store::Backend::Sqlite);
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

#[cfg(feature = "postgres")]
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

/// PostgreSQL over TLS: `sslmode` and `sslrootcert` in the URL are
/// honoured, and the store's own connections are encrypted (as the server
/// sees them in `pg_stat_ssl`). The local server's certificate is Debian's
/// self-signed one: verified against itself it is accepted, and checked
/// against a name it does not carry it is refused.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls() {
    const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let Some(url) = common::empty_postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    assert!(
        std::path::Path::new(SNAKEOIL).exists(),
        "{SNAKEOIL} is missing: the TLS tests need the local PostgreSQL's certificate"
    );
    for mode in [
        "sslmode=require".to_string(),
        format!("sslmode=verify-ca&sslrootcert={SNAKEOIL}"),
    ] {
        let store = Store::open(&format!("{url}&{mode}"), StoreOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        for _ in 0..3 {
            let encrypted: bool =
                sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            assert!(encrypted, "{mode}: connection not encrypted");
        }
        store.close().await;
    }
    // Debian's certificate names the machine, never an IP address: asked
    // to check the name against 127.0.0.1, the client refuses it.
    assert!(
        url.contains("@127.0.0.1"),
        "the test URL connects to 127.0.0.1: {url}"
    );
    let refused = Store::open(
        &format!("{url}&sslmode=verify-full&sslrootcert={SNAKEOIL}"),
        StoreOptions::default(),
    )
    .await;
    match refused {
        Err(StoreError::Database(_)) => {}
        other => panic!("a certificate for another name was accepted: {other:?}"),
    }
}

/// PostgreSQL sessions get the store's statement and lock timeouts.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_have_timeouts() {
    let Some(url) = common::empty_postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let mut options = StoreOptions::default();
    options.statement_timeout = Duration::from_millis(1500);
    options.lock_timeout = Duration::from_millis(700);
    let store = Store::open(&url, options).await.unwrap();
    let shown: (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(shown, ("1500ms".to_string(), "700ms".to_string()));
    let slow = sqlx::query("SELECT pg_sleep(5)")
        .execute(store.pool())
        .await;
    assert!(
        slow.unwrap_err().to_string().contains("statement timeout"),
        "a 5 s statement outlived a 1.5 s timeout"
    );
    store.close().await;
}

/// A build without PostgreSQL refuses its URLs, before any connection, as
/// a configuration error that names the feature and keeps the password out.
#[cfg(not(feature = "postgres"))]
#[tokio::test]
async fn postgres_urls_need_the_postgres_feature() {
    let e = Store::open(
        "postgres://app:hunter2@127.0.0.1:1/x",
        StoreOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::Config(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "this build has no PostgreSQL support (keysmith-store's `postgres` feature): \
         use sqlite://PATH"
    );
}

/// A build without SQLite refuses its URLs, and creates no file.
#[cfg(not(feature = "sqlite"))]
#[tokio::test]
async fn sqlite_urls_need_the_sqlite_feature() {
    let (url, dir) = common::empty_sqlite();
    let e = Store::open(&url, StoreOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Config(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "this build has no SQLite support (keysmith-store's `sqlite` feature): \
         use postgres://..."
    );
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
}
