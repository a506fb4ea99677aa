//! Fresh databases for tests, the one harness the store's, the server's and
//! the CLI's tests share (feature `testing`): a SQLite file in a directory
//! removed afterwards, a new PostgreSQL schema when
//! `KEYSMITH_TEST_POSTGRES_URL` is set, a manual clock at [`T0`] and a fixed
//! at-rest key. Not for production: the key is public.

use crate::{AtRestKey, AtRestKeys, ManualClock, StoreOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The variable naming the test PostgreSQL (`postgres://…`); unset or
/// empty, the PostgreSQL half of each test is skipped.
pub const POSTGRES_URL_VAR: &str = "KEYSMITH_TEST_POSTGRES_URL";

/// The start of time in tests: 2026-01-01T00:00:00Z, in milliseconds.
pub const T0: i64 = 1_767_225_600_000;

/// A directory removed, with what it holds, when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new directory under the system's temporary directory, its name
    /// starting with `prefix`.
    pub fn new(prefix: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", keysmith::token_hex(8)));
        std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
        TempDir(dir)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The URL of a SQLite file not created yet, in a directory removed when
/// the [`TempDir`] is dropped.
pub fn empty_sqlite() -> (String, TempDir) {
    let dir = TempDir::new("keysmith-test");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    (url, dir)
}

/// The test PostgreSQL's URL, if [`POSTGRES_URL_VAR`] is set.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty())
}

/// The URL of a new, empty schema (`ks_test_…`) of the test PostgreSQL, or
/// `None` when [`POSTGRES_URL_VAR`] is not set. Set but unreachable panics:
/// a failure, not a skip.
pub async fn empty_postgres() -> Option<String> {
    let base = postgres_url()?;
    let schema = format!("ks_test_{}", keysmith::token_hex(8));
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("create the test schema");
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// Options on `clock` with the tests' at-rest key (`k1`, 32 bytes of 7).
pub fn options(clock: Arc<ManualClock>) -> StoreOptions {
    let keys = AtRestKeys::new(AtRestKey::new("k1", [7u8; 32].to_vec()).expect("a valid key"));
    StoreOptions::default()
        .with_clock(clock)
        .with_at_rest_keys(keys)
}

/// For each `async fn f(x)`, a module `f` with two tests, `sqlite` and
/// `postgres`, which call `f` with what `$sqlite().await` and
/// `$postgres().await` make (each an `Option`: `None`, a backend not
/// configured or not built, skips).
#[macro_export]
macro_rules! per_backend_tests {
    ($sqlite:path, $postgres:path => $($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                match $sqlite().await {
                    Some(x) => super::$f(x).await,
                    None => eprintln!("this build has no SQLite: skipped"),
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $postgres().await {
                    Some(x) => super::$f(x).await,
                    None => eprintln!(
                        "{} not set: skipped",
                        $crate::testing::POSTGRES_URL_VAR
                    ),
                }
            }
        }
    )*};
}
