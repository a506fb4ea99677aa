//! Black-box test harness: the real application on 127.0.0.1:0 over a
//! fresh database (a SQLite file, or a new PostgreSQL schema when
//! `KEYSMITH_TEST_POSTGRES_URL` is set), talked to over HTTP.
#![allow(dead_code, unreachable_pub)]

use keysmith_server::limits::Limits;
use keysmith_server::{AppState, Listening, ScanningKeys, router, serve};
use keysmith_store::testing::{empty_postgres, empty_sqlite, options};
use keysmith_store::{ManualClock, Scopes, Store, Tenant};

pub use keysmith_store::testing::{T0, TempDir};
use std::net::SocketAddr;
use std::sync::Arc;

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

/// [`sqlite_app`], as `on_both_backends!` takes it.
pub async fn some_sqlite_app() -> Option<TestApp> {
    Some(sqlite_app().await)
}

pub async fn sqlite_app() -> TestApp {
    sqlite_app_with(Listening::default()).await
}

/// An app on SQLite with these limits (and TLS, if set).
pub async fn sqlite_app_with(listening: Listening) -> TestApp {
    let (url, dir) = empty_sqlite();
    app_on(url, Some(dir), listening).await
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
        let url = empty_postgres().await?;
        Some(app_with(url, None, listening, Some(keys)).await)
    } else {
        let (url, dir) = empty_sqlite();
        Some(app_with(url, Some(dir), listening, Some(keys)).await)
    }
}

pub async fn postgres_app() -> Option<TestApp> {
    let url = empty_postgres().await?;
    Some(app_on(url, None, Listening::default()).await)
}

/// Runs `async fn f(app: TestApp)` against SQLite and PostgreSQL.
macro_rules! on_both_backends {
    ($($f:ident),* $(,)?) => {
        keysmith_store::per_backend_tests!(
            crate::common::some_sqlite_app, crate::common::postgres_app => $($f),*
        );
    };
}
