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
mod io_reason;
pub mod limits;
pub mod listen;
pub mod openapi;
mod routes;

pub mod config;
pub mod logging;
pub mod metrics;

pub use io_reason::io_reason;
pub use listen::{Listening, serve};
pub use routes::leaks::{KEY_ID_HEADER, LEAK_BODY_LIMIT, SIGNATURE_HEADER, ScanningKeys};
pub use routes::service_keys::{CreatedServiceKeyBody, DEFAULT_SERVICE_KEY_NAME, ServiceKeyBody};

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use keysmith_store::Store;
use limits::{Guards, Limits};
use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::timeout::TimeoutLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest request body accepted, in bytes (16 KiB).
pub const BODY_LIMIT: usize = 16 * 1024;

/// The request id header, taken from the client when sane and otherwise
/// made, and sent back on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client request id kept, in bytes.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The flows' database.
    pub store: Store,
    /// The instance's rate limits and their state.
    pub guards: Arc<Guards>,
    /// The public keys GitHub signs leak reports with; without them the
    /// leak route is not there.
    pub scanning_keys: Option<Arc<routes::leaks::ScanningKeys>>,
}

impl AppState {
    /// The state of an app on `store` with `limits`.
    pub fn new(store: Store, limits: Limits) -> AppState {
        AppState {
            store,
            guards: Arc::new(Guards::new(limits)),
            scanning_keys: None,
        }
    }

    /// This state, receiving GitHub's leak reports signed by `keys`.
    pub fn with_scanning_keys(mut self, keys: ScanningKeys) -> AppState {
        self.scanning_keys = Some(Arc::new(keys));
        self
    }
}

/// The whole application: the health checks, the metrics and the OpenAPI
/// document without a key, everything under `/v1` behind a service key and
/// the scope each route names, with the instance's limits around it all.
pub fn router(state: AppState) -> Router {
    let limits = *state.guards.limits();
    let v1 = Router::new()
        .merge(routes::reset::routes())
        .merge(routes::otp::routes())
        .merge(routes::api_keys::routes())
        .merge(routes::service_keys::routes())
        .merge(routes::totp::routes())
        .merge(routes::recovery::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_service_key,
        ));
    let mut app = Router::new();
    if state.scanning_keys.is_some() {
        // Outside /v1's bearer check: the report's signature authenticates
        // it. Without keys the route is absent (404 from the fallback).
        app = app.route(
            "/v1/leaks/github",
            axum::routing::post(routes::leaks::github)
                .layer(DefaultBodyLimit::max(routes::leaks::LEAK_BODY_LIMIT)),
        );
    }
    let app = app
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/openapi.json", get(openapi::openapi_json))
        .nest("/v1", v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    observed(app, &limits)
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(error::ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(
        error::ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}

/// `app` with `GET /metrics` (no key) and, around every route (innermost
/// first): a JSON 500 for a panic, the request timeout and the in-flight
/// cap, request metrics and one log event per request; then, around the
/// whole router at once, the request id and `Cache-Control: no-store`.
///
/// Layers added with `Router::layer` run after routing, so they see the
/// route pattern that matched (metrics and logs need it), but axum boxes
/// them once per route and clones that box on every request: the layers
/// that need no pattern wrap the finished router instead, as one service.
/// The in-flight cap is one semaphore for all routes.
fn observed(app: Router, limits: &Limits) -> Router {
    metrics::handle();
    let routed = app
        .route("/metrics", get(metrics::render))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded_or_late))
                .layer(LoadShedLayer::new())
                .layer(GlobalConcurrencyLimitLayer::new(
                    limits.max_in_flight.max(1),
                ))
                .layer(TimeoutLayer::new(limits.request_timeout))
                .layer(CatchPanicLayer::custom(panicked)),
        )
        .layer(axum::middleware::from_fn(observe));
    Router::new().fallback_service(routed).layer(
        ServiceBuilder::new()
            // Answers hold secrets or say who holds them: no cache keeps
            // any, whatever the route or the outcome.
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(axum::middleware::from_fn(drop_insane_request_id))
            .layer(SetRequestIdLayer::new(REQUEST_ID, NewRequestId))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
}

/// Counts, times and logs every request, after routing (the labels and the
/// log name the route pattern, never the path): one layer for both, since
/// each per-route layer is one more box and clone on every request.
async fn observe(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let route = route.as_ref().map_or(metrics::UNMATCHED, |r| r.as_str());
    let method = metrics::method_label(req.method());
    let request_id = req.headers().get(&REQUEST_ID).cloned();
    let tracked = metrics::Tracked::enter(route);
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let latency = started.elapsed();
    tracked.done(method, response.status().as_u16());
    let request_id = request_id.as_ref().and_then(|v| v.to_str().ok());
    logging::request_event(
        request_id.unwrap_or_default(),
        method,
        route,
        &response,
        latency,
    );
    response
}

/// 503 `overloaded` past the in-flight cap, 408 `request_timeout` past the
/// request timeout.
async fn overloaded_or_late(e: tower::BoxError) -> error::ApiError {
    if e.is::<tower::load_shed::error::Overloaded>() {
        error::ApiError {
            retry_after: Some(1),
            ..error::ApiError::new(
                error::ErrorCode::Overloaded,
                "the server is handling as many requests as it may; try again",
            )
        }
    } else if e.is::<tower::timeout::error::Elapsed>() {
        error::ApiError::new(
            error::ErrorCode::RequestTimeout,
            "the request took too long",
        )
    } else {
        tracing::error!(error = %e, "middleware failed");
        error::ApiError::internal()
    }
}

/// A handler's panic, as a JSON 500. The panic's message is not logged or
/// answered: it could quote anything the handler held.
fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error::ApiError::internal().into_response()
}

/// Request ids are made from 128 random bits.
#[derive(Debug, Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&keysmith::token_hex(16))
            .ok()
            .map(RequestId::new)
    }
}

/// Whether a client's request id is kept: 1 to [`MAX_REQUEST_ID_LEN`]
/// visible ASCII characters.
pub fn sane_request_id(v: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&v.len()) && v.iter().all(u8::is_ascii_graphic)
}

/// Removes a request id that is not [sane](sane_request_id), or given
/// twice, so that a new one is made in its place.
async fn drop_insane_request_id(mut req: Request, next: Next) -> Response {
    let mut ids = req.headers().get_all(&REQUEST_ID).iter();
    let keep = match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(v), None) => sane_request_id(v.as_bytes()),
        _ => false,
    };
    if !keep {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
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

/// `keysmith serve`: loads the server keys and the TLS certificate, opens
/// the database (applying migrations), listens, purges spent rows every
/// [`ServeConfig::sweep_interval`](config::ServeConfig::sweep_interval)
/// and serves until `shutdown` completes, letting requests in flight
/// finish. Logging must be set up first ([`logging::init`]).
pub async fn run(
    config: config::ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), config::StartError> {
    use config::StartError;
    use keysmith_store::{StoreError, redact_url};

    let tls = match &config.tls {
        Some((cert, key)) => Some(listen::tls_config(cert, key).map_err(StartError::Config)?),
        None => None,
    };
    let listener = TcpListener::bind(&config.listen).await.map_err(|e| {
        let msg = format!("cannot listen on {}: {}", config.listen, io_reason(&e));
        if e.kind() == std::io::ErrorKind::InvalidInput {
            StartError::Config(msg)
        } else {
            StartError::Runtime(msg)
        }
    })?;
    let keys = config.server_key.load()?;
    let store = Store::open(&config.db_url, config.store_options(keys))
        .await
        .map_err(|e| match e {
            StoreError::InvalidInput(m) => StartError::Config(m),
            other => StartError::Runtime(format!(
                "cannot open the database {}: {other}",
                redact_url(&config.db_url)
            )),
        })?;
    let address = listener.local_addr().ok();
    let shown = address.map_or_else(|| config.listen.clone(), |a| a.to_string());
    if tls.is_none() && address.is_some_and(|a| !a.ip().is_loopback()) {
        tracing::warn!(
            address = %shown,
            "serving plain HTTP on a non-loopback address: put this server behind a TLS \
             terminator, or give --tls-cert and --tls-key"
        );
    }
    let mut state = AppState::new(store.clone(), config.limits);
    if let Some(path) = &config.github_scanning_keys {
        state = state.with_scanning_keys(ScanningKeys::load(path).map_err(StartError::Config)?);
    }
    let sweeper = store.spawn_sweeper(config.sweep_interval);
    let upkeep = metrics::spawn_upkeep(std::time::Duration::from_secs(5));
    let guards = state.guards.clone();
    let shrinker = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            ticks.tick().await;
            guards.shrink();
        }
    });
    tracing::info!(
        address = %shown,
        backend = ?store.backend(),
        tls = tls.is_some(),
        "listening"
    );
    let served = serve(
        listener,
        router(state),
        Listening {
            limits: config.limits,
            tls,
        },
        shutdown,
    )
    .await;
    sweeper.abort();
    upkeep.abort();
    shrinker.abort();
    // A sweep cut off mid-way must not meet a closed pool (and log a
    // failure on a clean stop): wait for the abort to land first.
    let _ = sweeper.await;
    store.close().await;
    served.map_err(|e| StartError::Runtime(format!("the server failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}
