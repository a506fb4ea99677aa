//! The test harness: every behaviour test runs against a fresh SQLite file
//! and, when `KEYSMITH_TEST_POSTGRES_URL` is set, a fresh PostgreSQL schema.
#![allow(dead_code, unreachable_pub)]

pub use keysmith_store::testing::{TempDir, options};
use keysmith_store::{Backend, ManualClock, Store};

pub use keysmith_store::testing::{T0, empty_postgres, empty_sqlite};
use std::sync::Arc;

/// Every table that holds flow rows, each with a `tenant` column.
pub const FLOW_TABLES: [&str; 8] = [
    "reset_tokens",
    "reset_throttle",
    "otp_subjects",
    "otp_sends",
    "otp_challenges",
    "api_keys",
    "totp_factors",
    "recovery_codes",
];

/// A store on a fresh database with a manual clock and a server key.
pub struct TestStore {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    /// How to open another store on the same database (a second instance).
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestStore {
    /// Another store (its own connection pool: "another instance") on the
    /// same database, the same clock and the same server keys.
    pub async fn another_instance(&self) -> Store {
        Store::open(&self.url, self.store.options().clone())
            .await
            .expect("second instance opens")
    }
}

pub async fn sqlite() -> TestStore {
    let (url, dir) = empty_sqlite();
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&url, options(clock.clone()))
        .await
        .expect("sqlite store opens");
    TestStore {
        store,
        clock,
        url,
        _dir: Some(dir),
    }
}

/// [`sqlite`], or `None` when this build has no SQLite.
pub async fn maybe_sqlite() -> Option<TestStore> {
    if cfg!(feature = "sqlite") {
        Some(sqlite().await)
    } else {
        None
    }
}

/// A store on a new schema of the test PostgreSQL, or `None` when
/// `KEYSMITH_TEST_POSTGRES_URL` is not set.
pub async fn postgres() -> Option<TestStore> {
    if !cfg!(feature = "postgres") {
        return None;
    }
    let url = empty_postgres().await?;
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&url, options(clock.clone()))
        .await
        .expect("postgres store opens");
    Some(TestStore {
        store,
        clock,
        url,
        _dir: None,
    })
}

/// Runs the async test function `$f(TestStore)` on SQLite and on
/// PostgreSQL (when configured), as two tests `$f::sqlite` and
/// `$f::postgres`; one whose backend's feature is off is skipped.
macro_rules! on_both_backends {
    ($($f:ident),* $(,)?) => {
        keysmith_store::per_backend_tests!(
            crate::common::maybe_sqlite, crate::common::postgres => $($f),*
        );
    };
}

/// Like `on_both_backends!`, for functions that take the URL of an empty
/// database (a new SQLite file, a new PostgreSQL schema) and lay out its
/// schema themselves, as the upgrade tests do.
macro_rules! on_empty_databases {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[cfg(feature = "sqlite")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let (url, _dir) = $crate::common::empty_sqlite();
                super::$f(url).await;
            }

            #[cfg(feature = "postgres")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $crate::common::empty_postgres().await {
                    Some(url) => super::$f(url).await,
                    None => eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped"),
                }
            }
        }
    )*};
}

/// The values of every column of `table`, as text (NULLs left out).
pub async fn every_value(t: &TestStore, table: &str) -> Vec<String> {
    let columns: Vec<String> = match t.store.backend() {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(t.store.pool())
            .await
            .unwrap(),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(t.store.pool())
        .await
        .unwrap(),
    };
    assert!(columns.len() >= 2, "{table} has columns: {columns:?}");
    let mut values = Vec::new();
    for column in columns {
        // Binary columns (the migrations' checksums) are read as hex.
        let sql = match t.store.backend() {
            Backend::Sqlite => format!(
                "SELECT CASE WHEN typeof({column}) = 'blob' THEN hex({column}) \
                 ELSE CAST({column} AS TEXT) END FROM {table}"
            ),
            Backend::Postgres => format!("SELECT CAST({column} AS TEXT) FROM {table}"),
        };
        let column_values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(t.store.pool())
            .await
            .unwrap();
        values.extend(column_values.into_iter().flatten());
    }
    values
}

/// Every table of the store's schema (the migrations' own table included).
pub async fn every_table(t: &TestStore) -> Vec<String> {
    match t.store.backend() {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(t.store.pool())
        .await
        .unwrap(),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(t.store.pool())
        .await
        .unwrap(),
    }
}

/// On PostgreSQL: runs `call` while another connection holds the rows
/// `lock_sql` selects `FOR UPDATE`, and terminates `call`'s connection
/// while it waits for them, as when a connection is lost mid-statement.
/// Returns what `call` returned.
pub async fn lose_connection_while_locked<T: Send + 'static>(
    t: &TestStore,
    lock_sql: &'static str,
    call: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    use sqlx::Connection;
    let mut blocker = sqlx::AnyConnection::connect(&t.url).await.unwrap();
    let blocker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut blocker)
        .await
        .unwrap();
    let mut tx = blocker.begin().await.unwrap();
    sqlx::query(lock_sql).execute(&mut *tx).await.unwrap();
    let task = tokio::spawn(call);
    let mut terminated = false;
    for _ in 0..1000 {
        let waiting: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(blocker_pid)
        .fetch_all(t.store.pool())
        .await
        .unwrap();
        if let Some(&pid) = waiting.first() {
            terminated = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .fetch_one(t.store.pool())
                .await
                .unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(terminated, "the call never waited for the locked rows");
    let out = task.await.unwrap();
    tx.rollback().await.unwrap();
    blocker.close().await.unwrap();
    out
}
