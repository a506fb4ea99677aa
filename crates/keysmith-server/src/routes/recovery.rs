//! Recovery codes: make a set (shown once), redeem one, count what is left.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use keysmith::recovery::RecoveryCodesRecipe;
use keysmith_store::{RedeemOutcome, Scope, StoreError, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::openapi::{Authenticated, ErrorBody, JsonBody};
use crate::routes::totp::SubjectQuery;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/recovery-codes",
            scoped(Scope::RecoveryCodesManage, get(status).post(generate)),
        )
        .route(
            "/recovery-codes/redeem",
            scoped(Scope::RecoveryCodesRedeem, post(redeem)),
        )
}

/// A request for a new set, replacing the subject's previous one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecoveryCodesRequest {
    /// Whose codes.
    subject: String,
    /// How many codes, 1 to 20 (default 10).
    #[serde(default)]
    count: Option<usize>,
}

/// A set just made. The codes are shown only here.
#[derive(Serialize, ToSchema)]
pub(crate) struct IssuedRecoveryCodes {
    /// The codes, as `xxxxx-xxxxx`.
    codes: Vec<String>,
    /// Entropy of each code, in bits (50).
    entropy_bits: f64,
    #[schema(format = DateTime)]
    created_at: String,
}

/// A code to redeem. No `Debug`: it holds the code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecoveryRedeemRequest {
    subject: String,
    /// The code as typed: case, spaces and hyphens are ignored; I and L
    /// read as 1, O as 0.
    code: String,
}

/// What a redemption found.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum RecoveryRedeemResult {
    /// The code was unused; it is used now.
    Approved {
        /// Unused codes left.
        remaining: u32,
    },
    /// Not an unused code of the subject's.
    Denied,
}

/// How many codes a subject has left.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecoveryCodesStatus {
    /// Unused codes (0 without a set).
    remaining: u32,
    /// When the set was made, or null without one.
    #[schema(format = DateTime, required = true)]
    created_at: Option<String>,
}

/// Makes a subject's set of recovery codes, replacing the previous set.
#[utoipa::path(
    post,
    path = "/v1/recovery-codes",
    operation_id = "generate_recovery_codes",
    tag = "second factors",
    request_body = RecoveryCodesRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 201, description = "The new set", body = IssuedRecoveryCodes),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
    ),
    security(("service_key" = ["recovery-codes:manage"]))
)]
pub(crate) async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<RecoveryCodesRequest>,
) -> Result<(StatusCode, axum::Json<IssuedRecoveryCodes>), ApiError> {
    let issued = caller
        .flows(&state)
        .recovery_codes()
        .generate(
            &req.subject,
            req.count.unwrap_or(RecoveryCodesRecipe::DEFAULT_COUNT),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(IssuedRecoveryCodes {
            created_at: rfc3339(issued.created_at_ms),
            codes: issued.codes,
            entropy_bits: RecoveryCodesRecipe::ENTROPY_BITS,
        }),
    ))
}

/// Redeems a recovery code, once.
#[utoipa::path(
    post,
    path = "/v1/recovery-codes/redeem",
    operation_id = "redeem_recovery_code",
    tag = "second factors",
    request_body = RecoveryRedeemRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "`approved` with the codes left, or `denied`", body = RecoveryRedeemResult),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 423, description = "`locked`: too many failed codes in a row", body = ErrorBody),
    ),
    security(("service_key" = ["recovery-codes:redeem"]))
)]
pub(crate) async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<RecoveryRedeemRequest>,
) -> Result<axum::Json<RecoveryRedeemResult>, ApiError> {
    match caller
        .flows(&state)
        .recovery_codes()
        .redeem(&req.subject, &req.code)
        .await
    {
        Ok(RedeemOutcome::Approved { remaining }) => {
            Ok(axum::Json(RecoveryRedeemResult::Approved { remaining }))
        }
        Ok(RedeemOutcome::Denied) => Ok(axum::Json(RecoveryRedeemResult::Denied)),
        Err(StoreError::SubjectLocked) => Err(crate::routes::totp::locked()),
        Err(e) => Err(e.into()),
    }
}

/// How many recovery codes a subject has left.
#[utoipa::path(
    get,
    path = "/v1/recovery-codes",
    operation_id = "recovery_codes_status",
    tag = "second factors",
    params(SubjectQuery),
    responses(
        Authenticated,
        (status = 200, description = "Codes left", body = RecoveryCodesStatus),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
    ),
    security(("service_key" = ["recovery-codes:manage"]))
)]
pub(crate) async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SubjectQuery>,
) -> Result<axum::Json<RecoveryCodesStatus>, ApiError> {
    let (remaining, created) = caller
        .flows(&state)
        .recovery_codes()
        .status(&query.subject)
        .await?;
    Ok(axum::Json(RecoveryCodesStatus {
        remaining,
        created_at: created.map(rfc3339),
    }))
}
