//! Bearer authentication with service keys.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::error::ApiError;

/// Lets the request through only with `Authorization: Bearer <service
/// key>` naming a working service key. Every failure is the same 401 with
/// no detail; the key is never logged.
pub async fn require_service_key(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110, section 11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, key)| key.trim())
        .ok_or_else(ApiError::unauthorized)?;
    let info = match state.store.service_keys().verify(presented).await {
        Ok(info) => info,
        Err(keysmith_store::StoreError::InvalidKey) => return Err(ApiError::unauthorized()),
        Err(other) => return Err(other.into()),
    };
    req.extensions_mut().insert(info);
    Ok(next.run(req).await)
}
