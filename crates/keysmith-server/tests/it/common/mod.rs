//! Black-box test harness: the real application on 127.0.0.1:0 over a
//! fresh database (a SQLite file, or a new PostgreSQL schema when
//! `KEYSMITH_TEST_POSTGRES_URL` is set), talked to over HTTP.
#![allow(dead_code, unreachable_pub)]

use keysmith_server::limits::Limits;
use keysmith_server::{AppState, Listening, ScanningKeys, router, serve};
use keysmith_store::{AtRestKey, AtRestKeys, ManualClock, Scopes, Store, StoreOptions, Tenant};
use std::net::SocketAddr;
use std::sync::Arc;

/// 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;

pub struct TestApp {
    pub addr: SocketAddr,
    /// A working service key of tenant `default`, with every scope.
    pub key: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    /// The database URL, for a second server on the same database.
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A request with the service key.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.key)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.key)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(&self.key)
    }

    /// A new service key of `tenant` with `scopes`.
    pub async fn key_for(&self, tenant: &str, scopes: Scopes) -> String {
        self.store
            .service_keys()
            .create(&Tenant::new(tenant).unwrap(), "tests", scopes)
            .await
            .unwrap()
            .key
            .expose()
            .to_string()
    }

    /// This app, seen through another service key.
    pub fn with_key(&self, key: String) -> As<'_> {
        As { app: self, key }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.unwrap().unwrap();
        }
    }

    /// Another server (its own pool: another instance) on the same
    /// database, clock and server keys, with the same service key.
    pub async fn another_server(&self) -> TestApp {
        let store = Store::open(&self.url, self.store.options().clone())
            .await
            .unwrap();
        let (addr, shutdown, server) = start(store.clone(), Listening::default(), None).await;
        TestApp {
            addr,
            key: self.key.clone(),
            client: reqwest::Client::new(),
            store,
            clock: self.clock.clone(),
            url: self.url.clone(),
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: None,
        }
    }
}

fn options(clock: Arc<ManualClock>) -> StoreOptions {
    let keys = AtRestKeys::new(AtRestKey::new("k1", [7u8; 32].to_vec()).unwrap());
    StoreOptions::default()
        .with_clock(clock)
        .with_at_rest_keys(keys)
}

/// Requests with another service key.
pub struct As<'a> {
    app: &'a TestApp,
    pub key: String,
}

impl As<'_> {
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.key)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.key)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .delete(self.app.url(path))
            .bearer_auth(&self.key)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.key)
    }
}

async fn start(
    store: Store,
    listening: Listening,
    scanning: Option<ScanningKeys>,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut state = AppState::new(store, listening.limits);
    if let Some(keys) = scanning {
        state = state.with_scanning_keys(keys);
    }
    let app = router(state);
    let server = tokio::spawn(serve(listener, app, listening, async {
        let _ = rx.await;
    }));
    (addr, tx, server)
}

async fn app_on(url: String, dir: Option<TempDir>, listening: Listening) -> TestApp {
    app_with(url, dir, listening, None).await
}

async fn app_with(
    url: String,
    dir: Option<TempDir>,
    listening: Listening,
    scanning: Option<ScanningKeys>,
) -> TestApp {
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&url, options(clock.clone())).await.unwrap();
    let key = store
        .service_keys()
        .create(&Tenant::default(), "tests", Scopes::all())
        .await
        .unwrap()
        .key
        .expose()
        .to_string();
    let (addr, shutdown, server) = start(store.clone(), listening, scanning).await;
    TestApp {
        addr,
        key,
        client: reqwest::Client::new(),
        store,
        clock,
        url,
        shutdown: Some(shutdown),
        server: Some(server),
        _dir: dir,
    }
}

pub async fn sqlite_app() -> TestApp {
    sqlite_app_with(Listening::default()).await
}

/// An app on SQLite with these limits (and TLS, if set).
pub async fn sqlite_app_with(listening: Listening) -> TestApp {
    let dir = std::env::temp_dir().join(format!("keysmith-server-{}", keysmith::token_hex(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("test.db").display());
    app_on(url, Some(TempDir(dir)), listening).await
}

/// `Limits::DEFAULT` with changes.
pub fn limits(change: impl FnOnce(&mut Limits)) -> Listening {
    let mut limits = Limits::DEFAULT;
    change(&mut limits);
    Listening { limits, tls: None }
}

/// An app with `listening` that receives leak reports signed by `keys`,
/// on SQLite, or on PostgreSQL when `postgres` is set (and configured).
pub async fn scanning_app(
    keys: ScanningKeys,
    postgres: bool,
    listening: Listening,
) -> Option<TestApp> {
    if postgres {
        let url = postgres_url().await?;
        Some(app_with(url, None, listening, Some(keys)).await)
    } else {
        let dir = std::env::temp_dir().join(format!("keysmith-server-{}", keysmith::token_hex(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("test.db").display());
        Some(app_with(url, Some(TempDir(dir)), listening, Some(keys)).await)
    }
}

/// A new PostgreSQL schema's URL, or `None` without PostgreSQL.
async fn postgres_url() -> Option<String> {
    let base = std::env::var("KEYSMITH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let schema = format!("ks_test_{}", keysmith::token_hex(8));
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("KEYSMITH_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

pub async fn postgres_app() -> Option<TestApp> {
    let url = postgres_url().await?;
    Some(app_on(url, None, Listening::default()).await)
}

/// Runs `async fn f(app: TestApp)` against SQLite and PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$f($crate::common::sqlite_app().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $crate::common::postgres_app().await {
                    Some(app) => super::$f(app).await,
                    None => eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped"),
                }
            }
        }
    )*};
}
