//! Password-reset tokens: `POST /v1/reset-tokens` issues one,
//! `POST /v1/reset-tokens/redeem` spends it, exactly once.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use keysmith_store::{Scope, rfc3339};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::ApiError;
use crate::extract::Json;
use crate::openapi::{Authenticated, ErrorBody, JsonBody};

/// The longest time to live a caller may ask for: the library's limit for
/// reset links (7 days), checked here so the answer names the field; the
/// document states it from here (`openapi::bounds`).
pub(crate) const MAX_TTL_SECONDS: u64 = keysmith::reset::MAX_TTL.as_secs();

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/reset-tokens",
            scoped(Scope::ResetTokensIssue, post(issue)),
        )
        .route(
            "/reset-tokens/redeem",
            scoped(Scope::ResetTokensRedeem, post(redeem)),
        )
}

/// A request for a reset token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetTokenRequest {
    /// Whose password the token resets.
    user_id: String,
    /// How long the token lives, 1 s to 7 days (default 20 minutes).
    #[serde(default)]
    ttl_seconds: Option<u64>,
}

/// A token just issued. The token is shown only here.
#[derive(Serialize, ToSchema)]
pub(crate) struct IssuedResetToken {
    /// The token, for the reset link; the server keeps only its SHA-256.
    token: String,
    /// When the token stops working (RFC 3339).
    #[schema(format = DateTime)]
    expires_at: String,
}

/// A token to redeem. No `Debug`: it holds the token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedeemRequest {
    /// The token from the reset link.
    token: String,
}

/// A token redeemed.
#[derive(Serialize, ToSchema)]
pub(crate) struct RedeemedResetToken {
    /// Whose password may now be reset.
    user_id: String,
}

/// Issues a reset token for a user and revokes the user's earlier ones.
#[utoipa::path(
    post,
    path = "/v1/reset-tokens",
    operation_id = "issue_reset_token",
    tag = "reset tokens",
    request_body = ResetTokenRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 201, description = "Token issued", body = IssuedResetToken),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 429, description = "`throttled`: a token was issued to this user too recently; or `rate_limited`, as on every route. See Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("service_key" = ["reset-tokens:issue"]))
)]
pub(crate) async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ResetTokenRequest>,
) -> Result<(StatusCode, axum::Json<IssuedResetToken>), ApiError> {
    let ttl = match req.ttl_seconds {
        None => None,
        Some(s) if (1..=MAX_TTL_SECONDS).contains(&s) => Some(Duration::from_secs(s)),
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "ttl_seconds must be between 1 and {MAX_TTL_SECONDS}"
            )));
        }
    };
    let issued = caller
        .flows(&state)
        .reset_tokens()
        .issue(&req.user_id, ttl)
        .await?;
    let expires_at = rfc3339(issued.expires_at_ms());
    Ok((
        StatusCode::CREATED,
        axum::Json(IssuedResetToken {
            token: issued.into_token(),
            expires_at,
        }),
    ))
}

/// Redeems a reset token, once. Unknown, used, revoked and expired tokens
/// get the same answer.
#[utoipa::path(
    post,
    path = "/v1/reset-tokens/redeem",
    operation_id = "redeem_reset_token",
    tag = "reset tokens",
    request_body = RedeemRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "Token redeemed", body = RedeemedResetToken),
        (status = 400, description = "`invalid_token` (unknown, used, revoked or expired), or `invalid_request`", body = ErrorBody),
    ),
    security(("service_key" = ["reset-tokens:redeem"]))
)]
pub(crate) async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<RedeemRequest>,
) -> Result<axum::Json<RedeemedResetToken>, ApiError> {
    let user_id = caller
        .flows(&state)
        .reset_tokens()
        .redeem(&req.token)
        .await?;
    Ok(axum::Json(RedeemedResetToken { user_id }))
}
