//! `GET /healthz` (the process is up) and `GET /readyz` (the database
//! answers). Neither needs a key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::AppState;

pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The longest `/readyz` waits for the database, whatever the state of
/// the connection pool (a pool waits up to 10 s for a free connection).
pub(crate) const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer within 2 s");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
