//! API keys: create (the key is shown once), verify, list (never a key or
//! its hash), revoke and rotate.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use keysmith_store::{CreatedKey, KeyInfo, Scope, VerifiedKey, rfc3339};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::openapi::ErrorBody;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api-keys",
            scoped(Scope::ApiKeysRead, get(list)).merge(scoped(Scope::ApiKeysWrite, post(create))),
        )
        .route(
            "/api-keys/verify",
            scoped(Scope::ApiKeysVerify, post(verify)),
        )
        .route(
            "/api-keys/{id}",
            scoped(Scope::ApiKeysWrite, delete(revoke)),
        )
        .route(
            "/api-keys/{id}/rotate",
            scoped(Scope::ApiKeysWrite, post(rotate)),
        )
}

/// A request for a new key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyCreateRequest {
    /// Whom the key belongs to.
    owner: String,
    /// The key's prefix, such as `sk_live` (lowercase letters, digits and
    /// `_`).
    prefix: String,
    /// What the key may do (default none).
    #[serde(default)]
    scopes: Vec<String>,
    /// When the key stops working, an RFC 3339 UTC time such as
    /// `2027-01-01T00:00:00Z` (default never).
    #[serde(default)]
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// A key just made. The key is shown only here.
#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedApiKey {
    /// The key's record id, to revoke or rotate it. Not a secret.
    id: String,
    /// The key, to hand to its owner; the server keeps only its SHA-256.
    key: String,
    /// A label that is safe to show and log.
    display_id: String,
    /// Whom the key belongs to.
    owner: String,
    /// The key's prefix.
    prefix: String,
    /// What the key may do.
    scopes: Vec<String>,
    /// When the key was made (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
    /// When the key stops working (RFC 3339), or null for never.
    #[schema(format = DateTime, required = true)]
    expires_at: Option<String>,
}

impl From<CreatedKey> for CreatedApiKey {
    fn from(k: CreatedKey) -> Self {
        CreatedApiKey {
            key: k.key.into_string(),
            id: k.id,
            display_id: k.display_id,
            owner: k.owner,
            prefix: k.prefix,
            scopes: k.scopes,
            created_at: rfc3339(k.created_at_ms),
            expires_at: k.expires_at_ms.map(rfc3339),
        }
    }
}

/// A key to check. No `Debug`: it holds the key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyVerifyRequest {
    /// The key an application's client presented.
    key: String,
}

/// A working key.
#[derive(Serialize, ToSchema)]
pub(crate) struct VerifiedApiKey {
    /// The key's record id.
    id: String,
    /// Whom the key belongs to.
    owner: String,
    /// What the key may do.
    scopes: Vec<String>,
}

impl From<VerifiedKey> for VerifiedApiKey {
    fn from(k: VerifiedKey) -> Self {
        VerifiedApiKey {
            id: k.id,
            owner: k.owner,
            scopes: k.scopes,
        }
    }
}

/// Whose keys to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The owner whose keys to list.
    owner: String,
}

/// An owner's keys.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyList {
    /// Oldest first; revoked and expired keys included until they are
    /// purged.
    keys: Vec<ApiKeyInfo>,
}

/// One key's record: never the key, never its hash.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyInfo {
    /// The key's record id.
    id: String,
    /// A label that is safe to show and log.
    display_id: String,
    /// The key's prefix.
    prefix: String,
    /// What the key may do.
    scopes: Vec<String>,
    /// When the key was made (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
    /// When a verification last recorded a use (to within a minute), or
    /// null.
    #[schema(format = DateTime, required = true)]
    last_used_at: Option<String>,
    /// When the key stops (or stopped) working, or null for never.
    #[schema(format = DateTime, required = true)]
    expires_at: Option<String>,
    /// When the key was revoked, or null.
    #[schema(format = DateTime, required = true)]
    revoked_at: Option<String>,
}

impl From<KeyInfo> for ApiKeyInfo {
    fn from(k: KeyInfo) -> Self {
        ApiKeyInfo {
            id: k.id,
            display_id: k.display_id,
            prefix: k.prefix,
            scopes: k.scopes,
            created_at: rfc3339(k.created_at_ms),
            last_used_at: k.last_used_at_ms.map(rfc3339),
            expires_at: k.expires_at_ms.map(rfc3339),
            revoked_at: k.revoked_at_ms.map(rfc3339),
        }
    }
}

/// How to rotate a key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyRotateRequest {
    /// How long the old key keeps working, 0 to 30 days.
    #[schema(maximum = 2_592_000)]
    grace_seconds: u64,
}

/// Makes a key. The answer is the only place the key ever appears.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    operation_id = "create_api_key",
    tag = "API keys",
    request_body = ApiKeyCreateRequest,
    responses(
        (status = 201, description = "Key made", body = CreatedApiKey),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Missing or bad service key", body = ErrorBody),
        (status = 403, description = "`forbidden`: the service key lacks the scope this route names", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:write"]))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ApiKeyCreateRequest>,
) -> Result<(StatusCode, axum::Json<CreatedApiKey>), ApiError> {
    let expires_at_ms = req.expires_at.as_deref().map(parse_time).transpose()?;
    let scopes: Vec<&str> = req.scopes.iter().map(String::as_str).collect();
    let created = caller
        .flows(&state)
        .api_keys()
        .create(&req.owner, &req.prefix, &scopes, expires_at_ms)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// Checks a key a client presented.
#[utoipa::path(
    post,
    path = "/v1/api-keys/verify",
    operation_id = "verify_api_key",
    tag = "API keys",
    request_body = ApiKeyVerifyRequest,
    responses(
        (status = 200, description = "The key works", body = VerifiedApiKey),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "`invalid_key` (malformed, unknown, expired or revoked alike), or `unauthorized` for a missing or bad service key", body = ErrorBody),
        (status = 403, description = "`forbidden`: the service key lacks the scope this route names", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:verify"]))
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ApiKeyVerifyRequest>,
) -> Result<axum::Json<VerifiedApiKey>, ApiError> {
    let verified = caller.flows(&state).api_keys().verify(&req.key).await?;
    Ok(axum::Json(verified.into()))
}

/// Lists an owner's keys, without the keys.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    operation_id = "list_api_keys",
    tag = "API keys",
    params(ListQuery),
    responses(
        (status = 200, description = "The owner's keys", body = ApiKeyList),
        (status = 400, description = "Missing or invalid owner", body = ErrorBody),
        (status = 401, description = "Missing or bad service key", body = ErrorBody),
        (status = 403, description = "`forbidden`: the service key lacks the scope this route names", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:read"]))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<ApiKeyList>, ApiError> {
    let keys = caller.flows(&state).api_keys().list(&query.owner).await?;
    Ok(axum::Json(ApiKeyList {
        keys: keys.into_iter().map(ApiKeyInfo::from).collect(),
    }))
}

/// Revokes a key: it fails verification from now on. Revoking it again
/// succeeds.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    operation_id = "revoke_api_key",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's record id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Missing or bad service key", body = ErrorBody),
        (status = 403, description = "`forbidden`: the service key lacks the scope this route names", body = ErrorBody),
        (status = 404, description = "No key has this id", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:write"]))
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.flows(&state).api_keys().revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces a working key by a new one that inherits its owner, prefix,
/// scopes, expiry, name, metadata and limits; the old key keeps working
/// for the grace period. A key is rotated once.
#[utoipa::path(
    post,
    path = "/v1/api-keys/{id}/rotate",
    operation_id = "rotate_api_key",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's record id")),
    request_body = ApiKeyRotateRequest,
    responses(
        (status = 201, description = "The new key", body = CreatedApiKey),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Missing or bad service key", body = ErrorBody),
        (status = 403, description = "`forbidden`: the service key lacks the scope this route names", body = ErrorBody),
        (status = 404, description = "No working key has this id (unknown, revoked or expired)", body = ErrorBody),
        (status = 409, description = "`already_rotated`: the key was rotated before; `successor_id` names the key that replaced it", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:write"]))
)]
pub(crate) async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ApiKeyRotateRequest>,
) -> Result<(StatusCode, axum::Json<CreatedApiKey>), ApiError> {
    let created = caller
        .flows(&state)
        .api_keys()
        .rotate(&id, Duration::from_secs(req.grace_seconds))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// An RFC 3339 UTC time as Unix milliseconds.
fn parse_time(s: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "expires_at must be an RFC 3339 UTC time such as 2027-01-01T00:00:00Z",
        )
    };
    let t: SystemTime = humantime::parse_rfc3339(s).map_err(|_| bad())?;
    let since = t.duration_since(UNIX_EPOCH).map_err(|_| bad())?;
    i64::try_from(since.as_millis()).map_err(|_| bad())
}
