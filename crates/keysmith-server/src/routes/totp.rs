//! TOTP factors: enrol (the secret is shown once), confirm, verify (each
//! time step accepted once), list and delete.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use keysmith::otp::Algorithm;
use keysmith_store::{ConfirmOutcome, Scope, StoreError, TotpOptions, VerifyOutcome, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Json, Path, Query};
use crate::openapi::{Authenticated, ErrorBody, JsonBody};

/// The longest issuer, in bytes. The `otpauth://` URI must fit a QR code
/// (2331 bytes at error correction level M): it holds the issuer twice
/// and the account once, each byte percent-encoded in at most 3, beside
/// about 110 bytes of its own; 128 and 256 leave it under 1650.
pub(crate) const MAX_ISSUER_BYTES: usize = 128;
/// The longest account name, in bytes (see [`MAX_ISSUER_BYTES`]).
pub(crate) const MAX_ACCOUNT_BYTES: usize = 256;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/totp", scoped(Scope::TotpManage, get(list).post(enrol)))
        .route("/totp/verify", scoped(Scope::TotpVerify, post(verify)))
        .route(
            "/totp/{factor_id}/confirm",
            scoped(Scope::TotpManage, post(confirm)),
        )
        .route(
            "/totp/{factor_id}",
            scoped(Scope::TotpManage, delete(remove)),
        )
}

/// The hash a factor's codes use.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub(crate) enum AlgorithmName {
    /// HMAC-SHA-1: what every authenticator app supports.
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    /// HMAC-SHA-256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// HMAC-SHA-512.
    #[serde(rename = "SHA512")]
    Sha512,
}

impl From<AlgorithmName> for Algorithm {
    fn from(a: AlgorithmName) -> Self {
        match a {
            AlgorithmName::Sha1 => Algorithm::Sha1,
            AlgorithmName::Sha256 => Algorithm::Sha256,
            AlgorithmName::Sha512 => Algorithm::Sha512,
        }
    }
}

/// A request to enrol a factor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TotpEnrolRequest {
    /// Whose factor it is.
    subject: String,
    /// The service's name, shown by the app: up to 128 bytes, not blank,
    /// without `:` or control characters.
    issuer: String,
    /// The user's account name, shown by the app: up to 256 bytes, not
    /// blank, without `:` or control characters.
    account: String,
    /// Digits per code, 6 to 8 (default 6).
    #[serde(default)]
    digits: Option<u32>,
    /// The hash (default SHA1).
    #[serde(default)]
    algorithm: Option<AlgorithmName>,
    /// Seconds per step, 15 to 300 (default 30).
    #[serde(default)]
    period: Option<u64>,
}

/// A factor just enrolled, pending until confirmed. The secret is shown
/// only here.
#[derive(Serialize, ToSchema)]
pub(crate) struct EnrolledTotp {
    factor_id: String,
    /// The secret, base32 without padding.
    secret: String,
    /// The `otpauth://totp/…` URI for the app.
    uri: String,
    /// The URI as an SVG QR code.
    qr_svg: String,
    /// Always `pending`.
    status: &'static str,
    /// When the pending factor is gone unless confirmed (RFC 3339).
    #[schema(format = DateTime)]
    expires_at: String,
}

/// A code to check. No `Debug`: it holds the code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TotpCodeRequest {
    /// The code the app shows.
    code: String,
}

/// A subject's code to verify. No `Debug`: it holds the code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TotpVerifyRequest {
    /// Whose factor.
    subject: String,
    /// The code the app shows.
    code: String,
}

/// What a confirmation found.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum TotpConfirmResult {
    /// Confirmed: the factor is the subject's active one.
    Active,
    /// Wrong code.
    Denied {
        /// Tries left before the pending factor is gone.
        attempts_left: u32,
    },
}

/// What a verification found.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum TotpVerifyResult {
    /// The code is right and was not used before.
    Approved {
        /// The factor that accepted it.
        factor_id: String,
    },
    /// Wrong, replayed, or of an earlier step.
    Denied,
}

/// Whose factors to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SubjectQuery {
    /// The subject.
    pub(crate) subject: String,
}

/// One factor, never its secret.
#[derive(Serialize, ToSchema)]
pub(crate) struct TotpFactorInfo {
    factor_id: String,
    /// `pending` or `active`.
    status: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime, required = true)]
    last_used_at: Option<String>,
}

/// A subject's factors.
#[derive(Serialize, ToSchema)]
pub(crate) struct TotpFactorList {
    factors: Vec<TotpFactorInfo>,
}

pub(crate) fn locked() -> ApiError {
    ApiError::new(
        ErrorCode::Locked,
        "too many failed codes in a row for this subject; try again later",
    )
}

/// Enrols a pending factor with a fresh 160-bit secret.
#[utoipa::path(
    post,
    path = "/v1/totp",
    operation_id = "enrol_totp",
    tag = "second factors",
    request_body = TotpEnrolRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 201, description = "Pending factor", body = EnrolledTotp),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
    ),
    security(("service_key" = ["totp:manage"]))
)]
pub(crate) async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<TotpEnrolRequest>,
) -> Result<(StatusCode, axum::Json<EnrolledTotp>), ApiError> {
    let defaults = TotpOptions::default();
    let options = TotpOptions {
        digits: req.digits.unwrap_or(defaults.digits),
        algorithm: req.algorithm.map_or(defaults.algorithm, Algorithm::from),
        period: req.period.unwrap_or(defaults.period),
    };
    // The URI is checked before anything is stored.
    for (what, value, max) in [
        ("issuer", &req.issuer, MAX_ISSUER_BYTES),
        ("account", &req.account, MAX_ACCOUNT_BYTES),
    ] {
        if value.len() > max {
            return Err(ApiError::bad_request(format!(
                "the {what} must be at most {max} bytes"
            )));
        }
    }
    let probe = keysmith::otp::Totp::new(keysmith::otp::Secret::generate());
    probe
        .otpauth_uri(&req.issuer, &req.account)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let enrolled = caller
        .flows(&state)
        .totp_factors()
        .enrol(&req.subject, options)
        .await?;
    let uri = enrolled
        .totp
        .otpauth_uri(&req.issuer, &req.account)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::bad_request(format!("the URI does not fit a QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok((
        StatusCode::CREATED,
        axum::Json(EnrolledTotp {
            secret: enrolled.totp.secret().to_base32(),
            factor_id: enrolled.factor_id,
            uri,
            qr_svg,
            status: "pending",
            expires_at: rfc3339(enrolled.expires_at_ms),
        }),
    ))
}

/// Confirms a pending factor with a code from the app; it replaces the
/// subject's active factor.
#[utoipa::path(
    post,
    path = "/v1/totp/{factor_id}/confirm",
    operation_id = "confirm_totp",
    tag = "second factors",
    params(("factor_id" = String, Path, description = "The id enrolment returned")),
    request_body = TotpCodeRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "`active`, or `denied` with the tries left", body = TotpConfirmResult),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 410, description = "`gone`: no pending factor has this id (unknown, confirmed, out of tries or past 10 minutes)", body = ErrorBody),
    ),
    security(("service_key" = ["totp:manage"]))
)]
pub(crate) async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(factor_id): Path<String>,
    Json(req): Json<TotpCodeRequest>,
) -> Result<axum::Json<TotpConfirmResult>, ApiError> {
    match caller
        .flows(&state)
        .totp_factors()
        .confirm(&factor_id, &req.code)
        .await?
    {
        ConfirmOutcome::Active => Ok(axum::Json(TotpConfirmResult::Active)),
        ConfirmOutcome::Denied { attempts_left } => {
            Ok(axum::Json(TotpConfirmResult::Denied { attempts_left }))
        }
        ConfirmOutcome::Gone => Err(ApiError::new(
            ErrorCode::Gone,
            "no pending factor has this id: it was confirmed, ran out of tries, expired or never existed",
        )),
    }
}

/// Verifies a subject's code: accepted once per time step, never again.
#[utoipa::path(
    post,
    path = "/v1/totp/verify",
    operation_id = "verify_totp",
    tag = "second factors",
    request_body = TotpVerifyRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "`approved` with the factor, or `denied`", body = TotpVerifyResult),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`no_factor`: the subject has no active factor", body = ErrorBody),
        (status = 423, description = "`locked`: too many failed codes in a row", body = ErrorBody),
    ),
    security(("service_key" = ["totp:verify"]))
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<TotpVerifyRequest>,
) -> Result<axum::Json<TotpVerifyResult>, ApiError> {
    match caller
        .flows(&state)
        .totp_factors()
        .verify(&req.subject, &req.code)
        .await
    {
        Ok(VerifyOutcome::Approved { factor_id }) => {
            Ok(axum::Json(TotpVerifyResult::Approved { factor_id }))
        }
        Ok(VerifyOutcome::Denied) => Ok(axum::Json(TotpVerifyResult::Denied)),
        Ok(VerifyOutcome::NoFactor) => Err(ApiError::new(
            ErrorCode::NoFactor,
            "the subject has no active TOTP factor",
        )),
        Err(StoreError::SubjectLocked) => Err(locked()),
        Err(e) => Err(e.into()),
    }
}

/// Lists a subject's factors, without secrets.
#[utoipa::path(
    get,
    path = "/v1/totp",
    operation_id = "list_totp",
    tag = "second factors",
    params(SubjectQuery),
    responses(
        Authenticated,
        (status = 200, description = "The subject's factors", body = TotpFactorList),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
    ),
    security(("service_key" = ["totp:manage"]))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SubjectQuery>,
) -> Result<axum::Json<TotpFactorList>, ApiError> {
    let factors = caller
        .flows(&state)
        .totp_factors()
        .list(&query.subject)
        .await?;
    Ok(axum::Json(TotpFactorList {
        factors: factors
            .into_iter()
            .map(|f| TotpFactorInfo {
                factor_id: f.factor_id,
                status: f.status,
                created_at: rfc3339(f.created_at_ms),
                last_used_at: f.last_used_at_ms.map(rfc3339),
            })
            .collect(),
    }))
}

/// Deletes a factor.
#[utoipa::path(
    delete,
    path = "/v1/totp/{factor_id}",
    operation_id = "delete_totp",
    tag = "second factors",
    params(("factor_id" = String, Path, description = "The factor's id")),
    responses(
        Authenticated,
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: no factor has this id", body = ErrorBody),
    ),
    security(("service_key" = ["totp:manage"]))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(factor_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller
        .flows(&state)
        .totp_factors()
        .delete(&factor_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
