//! Opening the database: one code path for SQLite and PostgreSQL through
//! sqlx's `Any` driver, with the schema migrated on open.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[cfg(feature = "postgres")]
use crate::clock::millis;
use crate::{Result, StoreError, StoreOptions};

/// The migrations in `migrations/`, compiled into the library.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "keysmith-store needs a backend: enable its `sqlite` or `postgres` feature, or both"
);

/// Which database a store runs on.
///
/// Both variants exist whichever backends are compiled in (the `sqlite`
/// and `postgres` features), so that code matching on them builds the
/// same way with any set of features; [`Backend::of_url`] refuses a URL
/// of a backend left out of the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (WAL mode): one machine.
    Sqlite,
    /// A PostgreSQL server: many instances sharing one database.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a URL of no backend;
    /// [`StoreError::Config`] for one of a backend this build leaves out
    /// (see [`Backend::is_compiled`]).
    pub fn of_url(url: &str) -> Result<Backend> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::InvalidInput(format!(
                "unsupported database URL '{}': use {}",
                redact_url(url),
                Backend::compiled()
                    .map(Backend::url_form)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        };
        if !backend.is_compiled() {
            return Err(StoreError::Config(format!(
                "this build has no {} support (keysmith-store's `{}` feature): use {}",
                backend.name(),
                backend.feature(),
                Backend::compiled()
                    .map(Backend::url_form)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        Ok(backend)
    }

    /// Whether this build can open databases of this backend: its feature
    /// (`sqlite`, `postgres`) is on.
    pub const fn is_compiled(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
        }
    }

    /// The backends this build can open.
    pub fn compiled() -> impl Iterator<Item = Backend> {
        [Backend::Sqlite, Backend::Postgres]
            .into_iter()
            .filter(|b| b.is_compiled())
    }

    /// The database's name, for messages.
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The keysmith-store feature that compiles the backend in.
    fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// How its URLs look, for messages.
    fn url_form(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite://PATH",
            Backend::Postgres => "postgres://...",
        }
    }
}

/// `url` with any password replaced by `***`, for messages: the one in
/// the authority (`user:PASSWORD@host`) and those given as query
/// parameters (`?password=…`, `sslpassword=…`).
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match (head.find("://"), head.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &head[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &head[..scheme_end + 3],
                    &userinfo[..colon],
                    &head[at..]
                ),
                None => head.to_string(),
            }
        }
        _ => head.to_string(),
    };
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _))
                    if k.eq_ignore_ascii_case("password")
                        || k.eq_ignore_ascii_case("sslpassword") =>
                {
                    format!("{k}=***")
                }
                _ => kv.to_string(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

/// A pooled connection idle at least this long is pinged before use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Opens a pool on `url` and brings the schema up to date. SQLite files
/// are created when missing and put in WAL mode with a busy timeout, so
/// concurrent writers wait for each other instead of failing.
pub(crate) async fn connect(url: &str, store: &StoreOptions) -> Result<(AnyPool, Backend)> {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(install_default_drivers);
    let backend = Backend::of_url(url)?;
    let url = match backend {
        // Created when missing.
        Backend::Sqlite if !url.contains("mode=") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        }
        _ => url.to_string(),
    };
    let mut options = AnyPoolOptions::new()
        .max_connections(store.max_connections.max(1))
        .acquire_timeout(Duration::from_secs(10))
        // By default every acquire pings the connection first: one more
        // round trip per statement outside a transaction, a third of all
        // round trips of a busy server. A connection idle long enough to
        // have been dropped (database restart, idle timeout, firewall) is
        // still checked; a busy one that breaks fails its statement, and
        // the caller sees a database error, never a success.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
    #[cfg(feature = "postgres")]
    if backend == Backend::Postgres {
        // Set per session: the URL may carry its own `options=`, and a
        // stuck statement or lock wait must end either way.
        let set = format!(
            "SET statement_timeout = {}; SET lock_timeout = {};",
            millis(store.statement_timeout).max(1),
            millis(store.lock_timeout).max(1)
        );
        options = options.after_connect(move |conn, _meta| {
            let set = set.clone();
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(set)).await?;
                Ok(())
            })
        });
    }
    #[cfg(feature = "sqlite")]
    if backend == Backend::Sqlite {
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        });
    }
    let pool = options.connect(&url).await?;
    MIGRATOR.run(&pool).await.map_err(StoreError::Migration)?;
    Ok((pool, backend))
}

/// Connections taken out of the pool for the statements of the hottest
/// paths (an API key's lookup and claim, a service key's lookup).
///
/// sqlx 0.9's pool pings every connection it takes back
/// (`PoolConnection::return_to_pool`), and that cannot be turned off: one
/// more round trip per statement, to SQLite's worker thread or to
/// PostgreSQL over the network, and for a point read about half its cost.
/// These connections never go back to the pool, so nothing pings them on
/// release. As for pooled ones, a connection idle for [`PING_AFTER_IDLE`]
/// is pinged before use; one whose statement failed is dropped, and its
/// slot refilled from the pool on next use. When every slot is busy the pool serves the statement as
/// usual. No crate offers this: sqlx's pool is the one in use everywhere
/// else, and a second pool crate would not remove the ping either.
pub(crate) struct Held {
    slots: Vec<tokio::sync::Mutex<Slot>>,
    next: AtomicUsize,
}

#[derive(Default)]
pub(crate) struct Slot {
    conn: Option<AnyConnection>,
    last_used: Option<Instant>,
}

/// A connection for one statement or one transaction: a held one, or the
/// pool's when none was free.
pub(crate) enum HeldConnection<'a> {
    Held(tokio::sync::MutexGuard<'a, Slot>),
    Pooled(PoolConnection<Any>),
}

impl Held {
    /// `n` slots, filled on first use.
    pub(crate) fn new(n: usize) -> Held {
        Held {
            slots: (0..n).map(|_| tokio::sync::Mutex::default()).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// A free held connection, or a pooled one when every slot is busy.
    pub(crate) async fn get<'a>(&'a self, pool: &AnyPool) -> Result<HeldConnection<'a>> {
        if pool.is_closed() {
            return Err(sqlx::Error::PoolClosed.into());
        }
        let n = self.slots.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let Ok(mut slot) = self.slots[(start + i) % n].try_lock() else {
                continue;
            };
            if slot
                .last_used
                .is_some_and(|t| t.elapsed() >= PING_AFTER_IDLE)
                && let Some(conn) = slot.conn.as_mut()
                && conn.ping().await.is_err()
            {
                slot.conn = None;
            }
            if slot.conn.is_none() {
                slot.conn = Some(fill(pool).await?);
            }
            slot.last_used = Some(Instant::now());
            return Ok(HeldConnection::Held(slot));
        }
        Ok(HeldConnection::Pooled(pool.acquire().await?))
    }

    /// Closes the held connections (the store is closing).
    pub(crate) async fn close(&self) {
        for slot in &self.slots {
            if let Some(conn) = slot.lock().await.conn.take() {
                let _ = conn.close().await;
            }
        }
    }
}

/// A connection from `pool` to hold, pinged first (this happens once per
/// slot, not per statement): the pool does not ping one idle for less than
/// [`PING_AFTER_IDLE`], and a held connection that is already broken would
/// fail the statement it is taken for. The pool's connections may all be
/// broken at once (a database restart): each is tried, then a new one.
async fn fill(pool: &AnyPool) -> Result<AnyConnection> {
    for _ in 0..=pool.size() {
        let mut conn = pool.acquire().await?.detach();
        if conn.ping().await.is_ok() {
            return Ok(conn);
        }
    }
    Err(sqlx::Error::PoolTimedOut.into())
}

impl HeldConnection<'_> {
    /// The connection, to run statements on.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        match self {
            HeldConnection::Held(slot) => slot
                .conn
                .as_mut()
                .expect("a handed-out slot holds a connection"),
            HeldConnection::Pooled(conn) => conn,
        }
    }

    /// Passes `result` on; a held connection whose statement failed is
    /// dropped, not used again, whatever the failure: a terminated
    /// PostgreSQL session first answers with an error of the database's
    /// own (57P01) and only then with end of file, and the statements of
    /// the hot paths fail no other way often enough for a new connection
    /// to cost anything. A statement cut off by a dropped future
    /// leaves its answer to sqlx, which reads it before the next statement
    /// on that connection (and rolls back a transaction left open), as it
    /// does for pooled connections.
    pub(crate) fn checked<T, E: Into<StoreError>>(
        &mut self,
        result: std::result::Result<T, E>,
    ) -> Result<T> {
        let result = result.map_err(Into::into);
        if let (Err(_), HeldConnection::Held(slot)) = (&result, self) {
            slot.conn = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        let of = |url| Backend::of_url(url).map_err(|e| e.to_string());
        let sqlite: std::result::Result<Backend, String> = if cfg!(feature = "sqlite") {
            Ok(Backend::Sqlite)
        } else {
            Err(
                "this build has no SQLite support (keysmith-store's `sqlite` feature): \
                 use postgres://..."
                    .into(),
            )
        };
        let postgres: std::result::Result<Backend, String> = if cfg!(feature = "postgres") {
            Ok(Backend::Postgres)
        } else {
            Err(
                "this build has no PostgreSQL support (keysmith-store's `postgres` feature): \
                 use sqlite://PATH"
                    .into(),
            )
        };
        assert_eq!(of("sqlite://x.db"), sqlite);
        assert_eq!(of("sqlite::memory:"), sqlite);
        assert_eq!(of("postgres://u@h/db"), postgres);
        assert_eq!(of("postgresql://u:hunter2@h/db"), postgres);
        let e = Backend::of_url("mysql://root:hunter2@h/db").unwrap_err();
        assert!(matches!(e, StoreError::InvalidInput(_)), "{e:?}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
        assert_eq!(
            redact_url("postgres://app@db/x?sslmode=require&password=s3cret&PassWord=x"),
            "postgres://app@db/x?sslmode=require&password=***&PassWord=***"
        );
        assert_eq!(
            redact_url("postgres://app:a@b@db/x?sslpassword=k"),
            "postgres://app:***@db/x?sslpassword=***"
        );
    }
}
