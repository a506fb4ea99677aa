//! Server-side flows built on keysmith's secrets, with state in a database:
//!
//! - **reset tokens** ([`ResetTokens`]): stored only as SHA-256 with an
//!   expiry, redeemed exactly once;
//! - **one-time-code challenges** ([`Challenges`]): codes stored as
//!   HMAC-SHA256 under a server key, with a time to live and an attempt
//!   limit that concurrent guesses cannot exceed;
//! - **API keys** ([`ApiKeys`]): stored as SHA-256, verified, listed,
//!   revoked and rotated;
//! - **TOTP factors** ([`TotpFactors`]): secrets sealed with an AEAD,
//!   codes verified by the server, each time step accepted once;
//! - **recovery codes** ([`RecoveryCodeSets`]): HMAC'd under a server key,
//!   each redeemed once.
//!
//! One async API over two backends through one code path (sqlx's `Any`
//! driver with runtime queries and embedded migrations): an embedded SQLite
//! file (the default; WAL mode) for one machine, PostgreSQL when many
//! instances share the work.
//!
//! # Features
//!
//! - `sqlite` (default): `sqlite://PATH` databases, SQLite compiled in.
//! - `postgres` (default): `postgres://…` databases, with TLS by rustls.
//!
//! At least one is needed. A build with one of them opens only its URLs:
//! [`Store::open`] refuses the other's as [`StoreError::Config`], naming
//! the feature.
//!
//! # Rules every flow keeps
//!
//! - **Every row has a tenant** ([`Tenant`]): flows are reached through
//!   [`Store::tenant`], every row they write carries the tenant and every
//!   statement they run filters by it. Only the sweeper, which deletes rows
//!   by their own spent columns, works across tenants.
//! - **Secrets at rest are hashed**: no table holds a token, code or key.
//! - **The write is the claim**: single use and attempt limits are enforced
//!   by one guarded `UPDATE … WHERE … RETURNING`, never by a read followed by
//!   a write, so they hold across many instances on one PostgreSQL.
//! - **Time is injected** ([`Clock`]): tests move it instead of sleeping.
//! - **Database errors are errors** ([`StoreError::Database`]), never an
//!   "invalid token" and never a silent success.
//! - **One rule for identifiers**: user ids, subjects, API-key owners and
//!   key names are 1 to [`MAX_IDENTIFIER_LEN`] characters without control
//!   characters; anything else (NUL included, which PostgreSQL cannot keep
//!   in `TEXT`) is refused as [`StoreError::InvalidInput`] on both
//!   backends, before any query. Tenant names, at-rest key ids and scopes
//!   have rules of their own, for reasons their types give.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod apikeys;
mod challenge;
mod clock;
mod db;
mod error;
mod identifier;
mod keys;
mod policy;
mod recovery;
mod reset;
mod scope;
mod seal;
mod service;
mod subject;
mod sweep;
mod tenant;
#[cfg(feature = "testing")]
pub mod testing;
mod totp;

pub use apikeys::{
    ApiKeys, CreatedKey, DEFAULT_PAGE, Exposure, KeyInfo, KeyUpdate, MAX_PAGE, RateState,
    Verification, VerifiedKey, VerifyCode,
};
pub use challenge::{Challenges, CheckOutcome, StartOptions, StartedChallenge};
pub use clock::{Clock, ManualClock, SystemClock, rfc3339, to_system_time};
pub use db::{Backend, redact_url};
pub use error::{Result, StoreError};
pub use identifier::MAX_IDENTIFIER_LEN;
pub use keys::{AtRestKey, AtRestKeys, MAX_KEY_ID_LEN, MIN_KEY_LEN, decode_hex};
pub use policy::{
    KeyPolicy, MAX_CREDITS, MAX_KEY_NAME_LEN, MAX_META_BYTES, MAX_RATE_LIMIT, RATE_WINDOWS,
    RateLimit, Refill, RefillInterval,
};
pub use recovery::{IssuedCodes, RecoveryCodeSets, RedeemOutcome};
pub use reset::{IssuedToken, ResetTokens};
pub use scope::{ALL_SCOPES, Scope, Scopes};
pub use service::{CreatedServiceKey, SERVICE_KEY_PREFIX, ServiceKeyInfo, ServiceKeys};
pub use sweep::{API_KEY_RETENTION, SWEEP_BATCH, SWEEP_PAUSE, SweepReport};
pub use tenant::{DEFAULT_TENANT, Tenant, TenantStore};
pub use totp::{ConfirmOutcome, Enrolment, FactorInfo, TotpFactors, TotpOptions, VerifyOutcome};

use sqlx::AnyPool;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The longest [`StoreOptions::service_key_cache`] may be: how long a
/// revoked service key can keep working on another instance.
pub const MAX_SERVICE_KEY_CACHE: Duration = Duration::from_secs(60);

/// The most TOTP steps [`StoreOptions::totp_skew`] may allow on either
/// side of the current one.
pub const MAX_TOTP_SKEW: u32 = 2;

/// How a [`Store`] behaves. `StoreOptions::default()` gives the documented
/// defaults on the system clock, without a server key (needed only by
/// [`Challenges`]).
#[derive(Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Where the time comes from.
    pub clock: Arc<dyn Clock>,
    /// The keys one-time codes are HMAC'd under.
    pub at_rest_keys: Option<AtRestKeys>,
    /// How long a reset token lives unless the caller says (20 minutes).
    pub reset_ttl: Duration,
    /// The least time between two reset tokens for one user (60 s).
    pub reset_throttle: Duration,
    /// How many challenges one subject may start in any interval of
    /// length [`otp_send_window`](StoreOptions::otp_send_window) (5).
    pub otp_sends_per_window: u32,
    /// The length of that limit's sliding window (10 minutes): a start is
    /// refused while the subject's last `otp_sends_per_window` starts all
    /// lie within this much time before now.
    pub otp_send_window: Duration,
    /// Consecutive failed checks (of challenges, TOTP codes and recovery
    /// codes together) after which a subject is locked out: no new
    /// challenge, no code compared (100, NIST SP 800-63B).
    pub otp_max_failures: u32,
    /// How long a lockout lasts (1 hour): after it the subject counts from
    /// zero. An administrator can end it sooner
    /// ([`Challenges::reset_subject`]). A lockout without end would let
    /// anyone who knows a subject lock its owner out for good.
    pub otp_lockout: Duration,
    /// TOTP time steps accepted on either side of the current one (1; at
    /// most [`MAX_TOTP_SKEW`]).
    pub totp_skew: u32,
    /// The finest interval at which an API key's last use is written
    /// (60 s), so verification does not write on every call.
    pub last_used_granularity: Duration,
    /// The most connections the store's pool opens (10); the store holds
    /// half as many again for its hottest statements.
    pub max_connections: u32,
    /// On PostgreSQL, take "now" from the database, inside the transaction
    /// of each one-time-code, TOTP and recovery-code check and start, so
    /// that instances whose clocks disagree still agree on expiry, send
    /// windows and lockouts (true; [`with_clock`](StoreOptions::with_clock)
    /// turns it off, since a given clock is meant to be used).
    pub database_clock: bool,
    /// On PostgreSQL, the longest any one statement may run before the
    /// server cancels it (5 s): a stuck query fails instead of holding a
    /// connection and its locks.
    pub statement_timeout: Duration,
    /// On PostgreSQL, the longest a statement waits for a row lock (2 s).
    pub lock_timeout: Duration,
    /// How long a service key that verified is taken again without a
    /// query (1 s; zero: never). A key revoked through this store is
    /// forgotten at once; one revoked by another instance or process
    /// sharing the database keeps working here for at most this long (at
    /// most [`MAX_SERVICE_KEY_CACHE`]).
    pub service_key_cache: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            clock: Arc::new(SystemClock),
            at_rest_keys: None,
            reset_ttl: keysmith::reset::DEFAULT_TTL,
            reset_throttle: Duration::from_secs(60),
            otp_sends_per_window: 5,
            otp_send_window: Duration::from_secs(10 * 60),
            otp_max_failures: 100,
            otp_lockout: Duration::from_secs(60 * 60),
            totp_skew: 1,
            last_used_granularity: Duration::from_secs(60),
            max_connections: 10,
            database_clock: true,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(2),
            service_key_cache: Duration::from_secs(1),
        }
    }
}

impl StoreOptions {
    /// These options with `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.database_clock = false;
        self
    }

    /// These options with `keys` for one-time codes.
    pub fn with_at_rest_keys(mut self, keys: AtRestKeys) -> Self {
        self.at_rest_keys = Some(keys);
        self
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreOptions")
            .field("at_rest_keys", &self.at_rest_keys)
            .field("reset_ttl", &self.reset_ttl)
            .field("reset_throttle", &self.reset_throttle)
            .field("otp_sends_per_window", &self.otp_sends_per_window)
            .field("otp_send_window", &self.otp_send_window)
            .field("otp_max_failures", &self.otp_max_failures)
            .field("otp_lockout", &self.otp_lockout)
            .field("totp_skew", &self.totp_skew)
            .field("last_used_granularity", &self.last_used_granularity)
            .field("max_connections", &self.max_connections)
            .field("database_clock", &self.database_clock)
            .field("statement_timeout", &self.statement_timeout)
            .field("lock_timeout", &self.lock_timeout)
            .field("service_key_cache", &self.service_key_cache)
            .finish_non_exhaustive()
    }
}

/// A handle to the flows' database. Cloning it is cheap and shares the
/// connection pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    backend: Backend,
    options: StoreOptions,
    /// On SQLite, taken around every write: see [`Store::writing`].
    write_gate: Option<tokio::sync::Mutex<()>>,
    /// Service keys verified a moment ago.
    recent_keys: service::RecentKeys,
    /// Connections for the hottest statements: see [`Store::held`].
    held: db::Held,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH`, created if missing, or
    /// `postgres://…`) and migrates its schema.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        let (pool, backend) = db::connect(url, &options).await?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                write_gate: (backend == Backend::Sqlite).then(|| tokio::sync::Mutex::new(())),
                recent_keys: service::RecentKeys::default(),
                held: db::Held::new((options.max_connections / 2).max(1) as usize),
                options,
            }),
        })
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The connection pool, for checks such as readiness probes and for
    /// tests that read the tables.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// Waits for this process's turn to write, on SQLite; on PostgreSQL
    /// there is no turn to wait for (rows are locked by the statements
    /// themselves) and this returns `None` at once. Hold the guard until
    /// the write, or its transaction, has finished.
    ///
    /// SQLite lets one connection write at a time. Left to itself, a
    /// connection that finds the write lock taken sleeps in SQLite's busy
    /// handler for 1, 2, 5, … up to 100 ms before trying again, which under
    /// load put the 99th percentile of a reset-token issue at about 80 ms
    /// and its worst case over a second. Queueing the writers of this
    /// process here, first come first served, leaves the busy handler only
    /// for other processes on the same file; reads still run side by side.
    ///
    /// Take the turn before a connection, never while holding one: a
    /// turn's holder waiting for a connection that a task waiting for the
    /// turn holds would stall both until the pool's acquire timeout.
    pub(crate) async fn writing(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.inner.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    /// The server keys, which `flow` ("one-time codes", …) needs.
    pub(crate) fn at_rest_keys(&self, flow: &str) -> Result<&AtRestKeys> {
        self.inner
            .options
            .at_rest_keys
            .as_ref()
            .ok_or_else(|| StoreError::Config(format!("{flow} need a server key")))
    }

    /// The store's clock, now, in Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.options.clock.now_ms()
    }

    /// Now, for a transaction whose guarded statements compare times: the
    /// database's clock on PostgreSQL (one clock for every instance, see
    /// [`StoreOptions::database_clock`]), else the store's.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub(crate) async fn now_in(&self, conn: &mut sqlx::AnyConnection) -> Result<i64> {
        #[cfg(feature = "postgres")]
        if self.inner.backend == Backend::Postgres && self.inner.options.database_clock {
            let now: i64 = sqlx::query_scalar(
                "SELECT CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT)",
            )
            .fetch_one(&mut *conn)
            .await?;
            return Ok(now);
        }
        Ok(self.now_ms())
    }

    /// Service keys for `keysmith serve`.
    pub fn service_keys(&self) -> ServiceKeys<'_> {
        ServiceKeys::new(self)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.inner.pool.close().await;
        self.inner.held.close().await;
    }

    /// A connection for a statement of a hot path (a key's lookup, its
    /// claim): one of the store's held connections (half of
    /// [`StoreOptions::max_connections`], beside the pool), which sqlx
    /// does not ping after every statement, or the pool's when all are
    /// busy. Pass each statement's result through
    /// [`checked`](db::HeldConnection::checked).
    pub(crate) async fn held(&self) -> Result<db::HeldConnection<'_>> {
        self.inner.held.get(&self.inner.pool).await
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    /// A SQLite file of its own, removed (with its WAL files) on drop.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> TempDb {
            let name = format!("keysmith-store-{}.db", keysmith::token_hex(8));
            TempDb(std::env::temp_dir().join(name))
        }

        fn url(&self) -> String {
            format!("sqlite://{}", self.0.display())
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    #[tokio::test]
    async fn sqlite_writes_wait_for_their_turn() {
        let db = TempDb::new();
        let store = Store::open(&db.url(), StoreOptions::default())
            .await
            .unwrap();
        let issued = store.reset_tokens().issue("alice", None).await.unwrap();

        let turn = store.writing().await;
        assert!(turn.is_some(), "SQLite writers take turns");
        let (s, token) = (store.clone(), issued.token().to_owned());
        let redeem = tokio::spawn(async move { s.reset_tokens().redeem(&token).await });
        // However long this waits, the redemption cannot finish while the
        // turn is held: a write that skipped the queue would have.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!redeem.is_finished(), "a write ran outside its turn");
        // Reads do not queue.
        assert_eq!(store.service_keys().list(None).await.unwrap(), vec![]);

        drop(turn);
        assert_eq!(redeem.await.unwrap().unwrap(), "alice");
        store.close().await;
    }
}
