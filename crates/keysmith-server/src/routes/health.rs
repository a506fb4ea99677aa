//! `GET /healthz` (the process is up) and `GET /readyz` (the database
//! answers). Neither needs a key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::AppState;
use crate::openapi::{Always, ErrorBody};

/// What a health check found.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` from `/healthz`; `ready` or `unavailable` from `/readyz`.
    #[schema(schema_with = health_status)]
    status: String,
}

fn health_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["ok", "ready", "unavailable"]))
        .build()
}

/// What `/readyz` answers with 503: the database did not answer (a
/// [`Health`]), or the server is at its in-flight cap (an error).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum NotReady {
    /// `{"status": "unavailable"}`.
    Database(Health),
    /// `overloaded`, `request_timeout`.
    Overloaded(ErrorBody),
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "operations",
    responses(
        Always,
        (status = 200, description = "`{\"status\": \"ok\"}`", body = Health),
    )
)]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The longest `/readyz` waits for the database, whatever the state of
/// the connection pool (a pool waits up to 10 s for a free connection).
pub(crate) const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The database answers within 2 s.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "operations",
    responses(
        Always,
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Health),
        (status = 503, description = "`{\"status\": \"unavailable\"}`: the database did not answer within 2 s; \
            or an error (`overloaded`, with `Retry-After`) past the in-flight cap", body = NotReady,
            headers(("Retry-After" = u64, description = "Seconds to wait, when overloaded"))),
    )
)]
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
