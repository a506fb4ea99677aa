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
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/openapi.json", get(openapi::openapi_json))
        .nest("/v1", v1)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
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
