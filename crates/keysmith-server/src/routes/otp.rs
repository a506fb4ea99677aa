//! One-time-code challenges: `POST /v1/otp` starts one and returns its
//! code for the application to deliver; `POST /v1/otp/{challenge_id}/check`
//! checks a code against it.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use keysmith_store::{CheckOutcome, Scope, StartOptions, rfc3339};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Json, Path};
use crate::openapi::{Authenticated, ErrorBody, JsonBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/otp", scoped(Scope::OtpStart, post(start)))
        .route(
            "/otp/{challenge_id}/check",
            scoped(Scope::OtpCheck, post(check)),
        )
        .route(
            "/otp/subjects/{subject}/unlock",
            scoped(Scope::Admin, post(unlock)),
        )
}

/// A request for a challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OtpStartRequest {
    /// Whom the code is for: a user id, an address, whatever the
    /// application sends codes to.
    subject: String,
    /// Digits in the code, 4 to 12 (default 6).
    #[serde(default)]
    digits: Option<u32>,
    /// How long the challenge can be checked, 1 s to 1 day (default 600).
    #[serde(default)]
    ttl_seconds: Option<u64>,
    /// Checks allowed before the challenge locks, 1 to 20 (default 5).
    #[serde(default)]
    max_attempts: Option<u32>,
}

/// A challenge just started. The code is shown only here.
#[derive(Serialize, ToSchema)]
pub(crate) struct StartedOtpChallenge {
    /// The challenge's id, to check a code against it.
    challenge_id: String,
    /// The code to deliver to the subject; the server keeps only its HMAC.
    code: String,
    /// When the challenge stops accepting codes (RFC 3339).
    #[schema(format = DateTime)]
    expires_at: String,
}

/// A code to check. No `Debug`: it holds the code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OtpCheckRequest {
    /// The code the subject entered.
    code: String,
    /// The subject the application expects: when it is not the
    /// challenge's, the check is denied (and counted).
    #[serde(default)]
    subject: Option<String>,
}

/// What a check found, when the challenge was open.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum OtpCheckResult {
    /// The code is right; the challenge is used up.
    Approved {
        /// Whom the challenge was started for.
        subject: String,
    },
    /// The code is wrong; the attempt counted.
    Denied {
        /// Checks left before the challenge locks.
        attempts_left: u32,
    },
}

/// Starts a challenge for a subject, closing the subject's open one.
#[utoipa::path(
    post,
    path = "/v1/otp",
    operation_id = "start_otp",
    tag = "one-time codes",
    request_body = OtpStartRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 201, description = "Challenge started", body = StartedOtpChallenge),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 429, description = "`throttled` (too many challenges for this subject; see Retry-After), `subject_locked` (too many failed checks), or `rate_limited`, as on every route (see Retry-After)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait, but for `subject_locked`"))),
    ),
    security(("service_key" = ["otp:start"]))
)]
pub(crate) async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<OtpStartRequest>,
) -> Result<(StatusCode, axum::Json<StartedOtpChallenge>), ApiError> {
    let mut options = StartOptions::default();
    if let Some(digits) = req.digits {
        options = options.with_digits(digits);
    }
    if let Some(secs) = req.ttl_seconds {
        options = options.with_ttl(Duration::from_secs(secs));
    }
    if let Some(n) = req.max_attempts {
        options = options.with_max_attempts(n);
    }
    let started = caller
        .flows(&state)
        .challenges()
        .start(&req.subject, options)
        .await?;
    let expires_at = rfc3339(started.expires_at_ms);
    Ok((
        StatusCode::CREATED,
        axum::Json(StartedOtpChallenge {
            challenge_id: started.id,
            code: started.code,
            expires_at,
        }),
    ))
}

/// Checks a code against a challenge. Every check counts against the
/// challenge's attempts, right or wrong.
#[utoipa::path(
    post,
    path = "/v1/otp/{challenge_id}/check",
    operation_id = "check_otp",
    tag = "one-time codes",
    params(("challenge_id" = String, Path, description = "The id `POST /v1/otp` returned")),
    request_body = OtpCheckRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "`approved`, or `denied` with the attempts left", body = OtpCheckResult),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 410, description = "`expired`: no open challenge has this id (unknown, expired, approved or replaced)", body = ErrorBody),
        (status = 423, description = "`locked`: the challenge used up its attempts, or its subject reached the limit of failed checks in a row", body = ErrorBody),
    ),
    security(("service_key" = ["otp:check"]))
)]
pub(crate) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Path(challenge_id): Path<String>,
    Json(req): Json<OtpCheckRequest>,
) -> Result<axum::Json<OtpCheckResult>, ApiError> {
    match caller
        .flows(&state)
        .challenges()
        .check_for(&challenge_id, req.subject.as_deref(), &req.code)
        .await?
    {
        CheckOutcome::Approved { subject } => Ok(axum::Json(OtpCheckResult::Approved { subject })),
        CheckOutcome::Denied { attempts_left } => {
            Ok(axum::Json(OtpCheckResult::Denied { attempts_left }))
        }
        CheckOutcome::Expired => Err(ApiError::new(
            ErrorCode::Expired,
            "no open challenge has this id: it expired, was approved, was replaced or never existed",
        )),
        CheckOutcome::Locked => Err(ApiError::new(
            ErrorCode::Locked,
            "no more checks on this challenge: its attempts, or its subject's failed checks in a row, are used up",
        )),
    }
}

/// Clears a subject's consecutive failed checks and its recorded starts, as
/// an administrator does once they know who is asking: the subject may
/// start challenges again at once. Unknown subjects are fine (nothing to
/// clear).
#[utoipa::path(
    post,
    path = "/v1/otp/subjects/{subject}/unlock",
    operation_id = "unlock_otp_subject",
    tag = "one-time codes",
    params(("subject" = String, Path, description = "The subject, as given to `POST /v1/otp`")),
    responses(
        Authenticated,
        (status = 204, description = "Unlocked"),
        (status = 400, description = "`invalid_request`: an invalid subject", body = ErrorBody),
    ),
    security(("service_key" = ["admin"]))
)]
pub(crate) async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(subject): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller
        .flows(&state)
        .challenges()
        .reset_subject(&subject)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
