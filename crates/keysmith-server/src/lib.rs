//! `keysmith serve`: keysmith's flows as an HTTP JSON service for
//! applications in any language, on [`keysmith_store`].
//!
//! [`router`] builds the application (the tests call it too); [`serve`]
//! runs it on a listener until a shutdown signal, letting in-flight
//! requests finish.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod error;
pub mod extract;
pub mod openapi;
mod routes;

pub mod config;
pub mod logging;
pub mod metrics;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use keysmith_store::Store;
use std::future::Future;
use tokio::net::TcpListener;

/// The largest request body accepted, in bytes (16 KiB).
pub const BODY_LIMIT: usize = 16 * 1024;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The flows' database.
    pub store: Store,
}

/// The whole application: the health checks without a key, everything
/// under `/v1` behind a service key.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(routes::reset::routes())
        .merge(routes::otp::routes())
        .merge(routes::api_keys::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_service_key,
        ));
    let app = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/openapi.json", get(openapi::openapi_json))
        .nest("/v1", v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    observed(app)
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such route",
    )
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// `app` with `GET /metrics` (no key) and, around every route, request
/// metrics and one log event per request. Layers added after the routes
/// run after routing, so they see the route pattern that matched.
fn observed(app: Router) -> Router {
    metrics::handle();
    app.route("/metrics", get(metrics::render))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(logging::log_request))
}

/// Serves `app` on `listener` until `shutdown` completes; requests in
/// flight then finish before this returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// `keysmith serve`: loads the server keys, opens the database (applying
/// migrations), listens, purges spent rows every
/// [`ServeConfig::sweep_interval`](config::ServeConfig::sweep_interval)
/// and serves until `shutdown` completes, letting requests in flight
/// finish. Logging must be set up first ([`logging::init`]).
pub async fn run(
    config: config::ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), config::StartError> {
    use config::StartError;
    use keysmith_store::{StoreError, StoreOptions, redact_url};

    let listener = TcpListener::bind(&config.listen).await.map_err(|e| {
        let msg = format!("cannot listen on {}: {e}", config.listen);
        if e.kind() == std::io::ErrorKind::InvalidInput {
            StartError::Config(msg)
        } else {
            StartError::Runtime(msg)
        }
    })?;
    let keys = config.server_key.load()?;
    let store = Store::open(
        &config.db_url,
        StoreOptions::default().with_server_keys(keys),
    )
    .await
    .map_err(|e| match e {
        StoreError::InvalidInput(m) => StartError::Config(m),
        other => StartError::Runtime(format!(
            "cannot open the database {}: {other}",
            redact_url(&config.db_url)
        )),
    })?;
    let address = listener
        .local_addr()
        .map_or_else(|_| config.listen.clone(), |a| a.to_string());
    let sweeper = store.spawn_sweeper(config.sweep_interval);
    let upkeep = metrics::spawn_upkeep(std::time::Duration::from_secs(5));
    tracing::info!(%address, backend = ?store.backend(), "listening");
    let served = serve(
        listener,
        router(AppState {
            store: store.clone(),
        }),
        shutdown,
    )
    .await;
    sweeper.abort();
    upkeep.abort();
    store.close().await;
    served.map_err(|e| StartError::Runtime(format!("the server failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}
