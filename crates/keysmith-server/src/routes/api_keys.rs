//! API keys: create (the key is shown once), verify, list (never a key or
//! its hash), revoke and rotate.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use keysmith_store::{
    CreatedKey, DEFAULT_PAGE, KeyInfo, KeyPolicy, KeyUpdate, MAX_PAGE, RateLimit, Refill,
    RefillInterval, Scope, Verification, rfc3339,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::openapi::{Authenticated, ErrorBody, JsonBody};

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
            scoped(Scope::ApiKeysWrite, delete(revoke).patch(update))
                .merge(scoped(Scope::ApiKeysRead, get(show))),
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
    /// When the key stops working: an RFC 3339 time in the future, such as
    /// `2027-01-01T00:00:00Z` (default never).
    #[serde(default)]
    #[schema(format = DateTime)]
    expires_at: Option<String>,
    /// A name for people.
    #[serde(default)]
    name: Option<String>,
    /// Any JSON object, at most 4 KiB serialised, returned by verify.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    meta: Option<serde_json::Map<String, Value>>,
    /// Uses left (absent or null: unlimited); each valid verification
    /// takes its cost.
    #[serde(default)]
    remaining: Option<u64>,
    /// Credits set back to `amount` at each UTC day or month.
    #[serde(default)]
    refill: Option<RefillBody>,
    /// At most `limit` verifications per fixed window, across instances.
    #[serde(default)]
    rate_limit: Option<RateLimitBody>,
    /// Whether the key verifies at all (default true).
    #[serde(default)]
    enabled: Option<bool>,
}

/// A refill.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefillBody {
    /// What `remaining` is set to, 1 or more.
    amount: u64,
    /// When: `daily` (each UTC midnight) or `monthly` (each first of the
    /// month, UTC).
    interval: IntervalName,
}

/// A refill interval.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IntervalName {
    /// Each UTC midnight.
    Daily,
    /// Each first of the month, UTC.
    Monthly,
}

/// A rate limit: a fixed window aligned to the Unix epoch.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RateLimitBody {
    /// Uses per window, 1 to 1,000,000.
    limit: u64,
    /// The window, 1 s to 30 days.
    window_seconds: u64,
}

impl From<RefillBody> for Refill {
    fn from(r: RefillBody) -> Self {
        Refill {
            amount: r.amount,
            interval: match r.interval {
                IntervalName::Daily => RefillInterval::Daily,
                IntervalName::Monthly => RefillInterval::Monthly,
            },
        }
    }
}

impl From<Refill> for RefillBody {
    fn from(r: Refill) -> Self {
        RefillBody {
            amount: r.amount,
            interval: match r.interval {
                RefillInterval::Daily => IntervalName::Daily,
                RefillInterval::Monthly => IntervalName::Monthly,
            },
        }
    }
}

impl From<RateLimitBody> for RateLimit {
    fn from(r: RateLimitBody) -> Self {
        RateLimit {
            limit: r.limit,
            window: Duration::from_secs(r.window_seconds),
        }
    }
}

impl From<RateLimit> for RateLimitBody {
    fn from(r: RateLimit) -> Self {
        RateLimitBody {
            limit: r.limit,
            window_seconds: r.window.as_secs(),
        }
    }
}

fn meta_text(meta: Option<&serde_json::Map<String, Value>>) -> Option<String> {
    meta.map(|m| Value::Object(m.clone()).to_string())
}

fn meta_value(meta: Option<&str>) -> Value {
    meta.and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(Value::Null)
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
    /// Scopes the key must all have (default none).
    #[serde(default)]
    required_scopes: Vec<String>,
    /// Credits a valid verification takes (default 1).
    #[serde(default)]
    cost: Option<u64>,
}

/// The schema of a verification's `code`: the store's codes, listed from
/// the one definition of them.
fn verify_code_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(keysmith_store::VerifyCode::ALL.map(|c| c.as_str())))
        .description(Some("Why the key is valid or not (Unkey's codes)"))
        .build()
}

/// What a verification found. Always 200 for a well-formed request; the
/// key's fields are present when the key exists. Its schema is written by
/// hand: derived, the flattened `Option` would say the fields are an
/// object or null, not that they may be absent.
#[derive(Serialize)]
pub(crate) struct ApiKeyVerification {
    /// Whether the key may be used now (this use was counted).
    valid: bool,
    /// Why.
    code: &'static str,
    /// The key's record, when it exists.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    key: Option<VerifiedFields>,
}

impl utoipa::PartialSchema for ApiKeyVerification {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{Schema, Type};
        use utoipa::openapi::{ObjectBuilder, RefOr};
        let mut object = ObjectBuilder::new()
            .description(Some(
                "What a verification found: `valid` and `code`, and the key's fields when the \
                 key exists",
            ))
            .property(
                "valid",
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .description(Some(
                        "Whether the key may be used now (this use was counted)",
                    )),
            )
            .required("valid")
            .property("code", verify_code_schema())
            .required("code");
        // The key's fields, optional: present together when the key exists.
        if let RefOr::T(Schema::Object(fields)) = VerifiedFields::schema() {
            for (name, schema) in fields.properties {
                object = object.property(name, schema);
            }
        }
        RefOr::T(Schema::Object(object.build()))
    }
}

impl ToSchema for ApiKeyVerification {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <VerifiedFields as ToSchema>::schemas(schemas);
    }
}

/// The fields of an existing key in a verification.
#[derive(Serialize, ToSchema)]
pub(crate) struct VerifiedFields {
    id: String,
    owner: String,
    #[schema(required = true)]
    name: Option<String>,
    #[schema(value_type = Option<Object>, required = true)]
    meta: Value,
    scopes: Vec<String>,
    /// Credits left after this use; null for unlimited.
    #[schema(required = true)]
    remaining: Option<u64>,
    /// When the key stops working (shortened by a rotation), or null.
    #[schema(format = DateTime, required = true)]
    expires_at: Option<String>,
    /// The rate limit's state, for a key with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_limit: Option<RateBody>,
}

/// A rate limit's state.
#[derive(Serialize, ToSchema)]
pub(crate) struct RateBody {
    limit: u64,
    /// Uses left in this window.
    remaining: u64,
    /// When this window ends (RFC 3339).
    #[schema(format = DateTime)]
    reset_at: String,
}

impl From<Verification> for ApiKeyVerification {
    fn from(v: Verification) -> Self {
        let rate = v.rate;
        ApiKeyVerification {
            valid: v.code == keysmith_store::VerifyCode::Valid,
            code: v.code.as_str(),
            key: v.key.map(|k| VerifiedFields {
                id: k.id,
                owner: k.owner,
                meta: meta_value(k.policy.meta.as_deref()),
                name: k.policy.name,
                scopes: k.scopes,
                remaining: k.policy.remaining,
                expires_at: k.expires_at_ms.map(rfc3339),
                rate_limit: rate.map(|r| RateBody {
                    limit: r.limit,
                    remaining: r.remaining,
                    reset_at: rfc3339(r.reset_at_ms),
                }),
            }),
        }
    }
}

/// Whose keys to list, and which page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The owner whose keys to list.
    owner: String,
    /// Keys per page, 1 to 100 (default 50).
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of an owner's keys.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyList {
    /// Oldest first; revoked and expired keys included until they are
    /// purged.
    keys: Vec<ApiKeyInfo>,
    /// Give it as `cursor` for the next page; null after the last.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// One key's record: never the key, never its hash.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyInfo {
    /// The key's record id.
    id: String,
    /// A label that is safe to show and log.
    display_id: String,
    /// Whom the key belongs to.
    owner: String,
    /// The key's prefix.
    prefix: String,
    #[schema(required = true)]
    name: Option<String>,
    #[schema(value_type = Option<Object>, required = true)]
    meta: Value,
    /// Credits left; null for unlimited.
    #[schema(required = true)]
    remaining: Option<u64>,
    #[schema(required = true)]
    refill: Option<RefillBody>,
    #[schema(required = true)]
    rate_limit: Option<RateLimitBody>,
    enabled: bool,
    /// When a leak report named the key, or null.
    #[schema(format = DateTime, required = true)]
    exposed_at: Option<String>,
    /// Where the report found it.
    #[schema(required = true)]
    exposure_url: Option<String>,
    /// What the report says it was (`content`, `commit`, …).
    #[schema(required = true)]
    exposure_source: Option<String>,
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
        let exposure = k.exposure;
        ApiKeyInfo {
            id: k.id,
            display_id: k.display_id,
            owner: k.owner,
            prefix: k.prefix,
            meta: meta_value(k.policy.meta.as_deref()),
            name: k.policy.name,
            remaining: k.policy.remaining,
            refill: k.policy.refill.map(RefillBody::from),
            rate_limit: k.policy.rate_limit.map(RateLimitBody::from),
            enabled: k.policy.enabled,
            exposed_at: exposure.as_ref().map(|e| rfc3339(e.at_ms)),
            exposure_url: exposure.as_ref().and_then(|e| e.url.clone()),
            exposure_source: exposure.and_then(|e| e.source),
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
        Authenticated,
        JsonBody,
        (status = 201, description = "Key made", body = CreatedApiKey),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
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
    let mut policy = KeyPolicy::default();
    policy.name = req.name;
    policy.meta = meta_text(req.meta.as_ref());
    policy.remaining = req.remaining;
    policy.refill = req.refill.map(Refill::from);
    policy.rate_limit = req.rate_limit.map(RateLimit::from);
    policy.enabled = req.enabled.unwrap_or(true);
    let created = caller
        .flows(&state)
        .api_keys()
        .create_with(&req.owner, &req.prefix, &scopes, expires_at_ms, &policy)
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
        Authenticated,
        JsonBody,
        (status = 200, description = "`valid` and a `code` saying why; the key's fields when it exists", body = ApiKeyVerification),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:verify"]))
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ApiKeyVerifyRequest>,
) -> Result<axum::Json<ApiKeyVerification>, ApiError> {
    let required: Vec<&str> = req.required_scopes.iter().map(String::as_str).collect();
    let checked = caller
        .flows(&state)
        .api_keys()
        .check(&req.key, &required, req.cost.unwrap_or(1))
        .await?;
    Ok(axum::Json(checked.into()))
}

/// Lists an owner's keys, without the keys.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    operation_id = "list_api_keys",
    tag = "API keys",
    params(ListQuery),
    responses(
        Authenticated,
        (status = 200, description = "The owner's keys", body = ApiKeyList),
        (status = 400, description = "`invalid_request`: a missing or invalid owner, limit or cursor", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:read"]))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<ApiKeyList>, ApiError> {
    let (keys, next_cursor) = caller
        .flows(&state)
        .api_keys()
        .list_page(
            &query.owner,
            query.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE + 1),
            query.cursor.as_deref(),
        )
        .await?;
    Ok(axum::Json(ApiKeyList {
        keys: keys.into_iter().map(ApiKeyInfo::from).collect(),
        next_cursor,
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
        Authenticated,
        (status = 204, description = "Revoked"),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: no key has this id", body = ErrorBody),
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
        Authenticated,
        JsonBody,
        (status = 201, description = "The new key", body = CreatedApiKey),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: no working key has this id (unknown, revoked or expired)", body = ErrorBody),
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

/// An RFC 3339 time (any offset, `T` or `t`, `Z` or `z`: what JSON
/// Schema's `date-time` admits) as Unix milliseconds.
fn parse_time(s: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::bad_request("expires_at must be an RFC 3339 time such as 2027-01-01T00:00:00Z")
    };
    let upper = s.to_ascii_uppercase();
    // humantime takes UTC only: the offset is split off and applied here.
    let (local, offset_secs) = match upper.strip_suffix('Z') {
        Some(local) => (local, 0),
        None => {
            let split = upper.len().checked_sub(6).ok_or_else(bad)?;
            let (local, offset) = upper.split_at_checked(split).ok_or_else(bad)?;
            let b = offset.as_bytes();
            let sign = match b[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(bad()),
            };
            let two = |i: usize| -> Option<i64> {
                let d = offset.get(i..i + 2)?;
                d.bytes()
                    .all(|c| c.is_ascii_digit())
                    .then(|| d.parse().ok())?
            };
            match (two(1), b[3], two(4)) {
                (Some(h), b':', Some(m)) if h < 24 && m < 60 => (local, sign * (h * 3600 + m * 60)),
                _ => return Err(bad()),
            }
        }
    };
    let mut utc = format!("{local}Z");
    // humantime reads years from 1970 only. An earlier time is past, which
    // a key's expiry may not be: that is said once its form is checked,
    // in a year of the same length.
    let year = utc.get(..4).and_then(|y| y.parse::<u32>().ok());
    let before_1970 = year.is_some_and(|y| y < 1970);
    if let Some(y) = year.filter(|_| before_1970) {
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        utc.replace_range(..4, if leap { "2000" } else { "2001" });
    }
    let t: SystemTime = humantime::parse_rfc3339(&utc).map_err(|_| bad())?;
    if before_1970 {
        return Err(ApiError::bad_request(PAST_EXPIRY));
    }
    let since = t.duration_since(UNIX_EPOCH).map_err(|_| bad())?;
    let local_ms = i64::try_from(since.as_millis()).map_err(|_| bad())?;
    let ms = local_ms - offset_secs * 1000;
    if ms < 0 {
        return Err(ApiError::bad_request(PAST_EXPIRY));
    }
    Ok(ms)
}

/// The store's words for an expiry in the past.
const PAST_EXPIRY: &str = "the key's expiry must be in the future";

/// One key's record.
#[utoipa::path(
    get,
    path = "/v1/api-keys/{id}",
    operation_id = "get_api_key",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's record id")),
    responses(
        Authenticated,
        (status = 200, description = "The key, without its secret", body = ApiKeyInfo),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: no key has this id", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:read"]))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<ApiKeyInfo>, ApiError> {
    Ok(axum::Json(
        caller.flows(&state).api_keys().get(&id).await?.into(),
    ))
}

/// `Some(value)` for a field that is present, `null` included: with
/// `#[serde(default)]`, an absent field stays `None`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to a key: only the fields given change; `null` clears one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    meta: Option<Option<serde_json::Map<String, Value>>>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u64>)]
    remaining: Option<Option<u64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RefillBody>)]
    refill: Option<Option<RefillBody>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimitBody>)]
    rate_limit: Option<Option<RateLimitBody>>,
    #[serde(default)]
    enabled: Option<bool>,
    /// When the key stops working: an RFC 3339 time in the future, or null
    /// for never.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Option<String>>,
}

/// Changes a key's name, meta, scopes, credits, refill, rate limit, switch
/// or expiry.
#[utoipa::path(
    patch,
    path = "/v1/api-keys/{id}",
    operation_id = "update_api_key",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's record id")),
    request_body = ApiKeyPatch,
    responses(
        Authenticated,
        JsonBody,
        (status = 200, description = "The key as it is now", body = ApiKeyInfo),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: no key has this id", body = ErrorBody),
    ),
    security(("service_key" = ["api-keys:write"]))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ApiKeyPatch>,
) -> Result<axum::Json<ApiKeyInfo>, ApiError> {
    let mut change = KeyUpdate::default();
    change.name = req.name;
    change.meta = req.meta.map(|m| meta_text(m.as_ref()));
    change.scopes = req.scopes;
    change.remaining = req.remaining;
    change.refill = req.refill.map(|r| r.map(Refill::from));
    change.rate_limit = req.rate_limit.map(|r| r.map(RateLimit::from));
    change.enabled = req.enabled;
    change.expires_at_ms = match req.expires_at {
        None => None,
        Some(None) => Some(None),
        Some(Some(t)) => Some(Some(parse_time(&t)?)),
    };
    let info = caller.flows(&state).api_keys().update(&id, &change).await?;
    Ok(axum::Json(info.into()))
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_take_any_offset() {
        let t = |s: &str| parse_time(s).ok();
        let noon = Some(1_798_804_800_000); // 2027-01-01T12:00:00Z
        assert_eq!(t("2027-01-01T12:00:00Z"), noon);
        assert_eq!(t("2027-01-01t12:00:00z"), noon);
        assert_eq!(t("2027-01-01T12:00:00+00:00"), noon);
        assert_eq!(t("2027-01-01T14:30:00+02:30"), noon);
        assert_eq!(t("2027-01-01T01:00:00-11:00"), noon);
        assert_eq!(t("2027-01-01T12:00:00.250Z"), noon.map(|n| n + 250));
        for bad in [
            "",
            "2027-01-01",
            "2027-01-01T12:00:00",
            "2027-01-01T12:00:00+2:00",
            "2027-01-01T12:00:00+24:00",
            "2027-01-01T12:00:00*02:00",
            "2027-01-01T12:00:00+0é:00",
            "0313-02-29T00:00:00Z",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        for past in [
            "1970-01-01T00:30:00+01:00",
            "1969-12-31T23:00:00Z",
            "0313-04-08T15:35:31Z",
            "0400-02-29T00:00:00Z",
        ] {
            let e = parse_time(past).unwrap_err();
            assert_eq!(e.message, super::PAST_EXPIRY, "{past}");
        }
    }
}
