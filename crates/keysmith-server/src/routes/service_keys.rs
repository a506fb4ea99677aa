//! A tenant's own service keys, for callers with the `admin` scope:
//! create (the key is shown once), list (never a key), revoke.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use keysmith_store::{CreatedServiceKey, Scope, Scopes, ServiceKeyInfo, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, scoped};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Json, Path};
use crate::openapi::{Authenticated, ErrorBody, JsonBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/service-keys",
            scoped(Scope::Admin, get(list).post(create)),
        )
        .route("/service-keys/{id}", scoped(Scope::Admin, delete(revoke)))
}

/// The name a service key gets when none is given.
pub const DEFAULT_SERVICE_KEY_NAME: &str = "default";

/// A request for a new service key of the caller's tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceKeyCreateRequest {
    /// Who uses the key, 1 to 64 printable characters (default `default`).
    #[serde(default)]
    name: Option<String>,
    /// What the key may do: scope names, or `all` for every scope
    /// (default: every scope but `admin`).
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// A service key just made. The key is shown only here; this is also what
/// `keysmith service-key create --json` prints.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedServiceKeyBody {
    /// The key's record id, to revoke it. Not a secret.
    id: String,
    /// The key, for the application's `Authorization: Bearer`; the server
    /// keeps only its SHA-256.
    key: String,
    /// A label that is safe to show and log.
    display_id: String,
    /// The tenant the key acts for.
    tenant: String,
    /// Who uses the key.
    name: String,
    /// What the key may do.
    scopes: Vec<&'static str>,
}

impl From<CreatedServiceKey> for CreatedServiceKeyBody {
    fn from(k: CreatedServiceKey) -> Self {
        CreatedServiceKeyBody {
            key: k.key.into_string(),
            id: k.id,
            display_id: k.display_id,
            tenant: k.tenant.to_string(),
            name: k.name,
            scopes: k.scopes.names(),
        }
    }
}

/// One service key's record, never the key; also what `keysmith
/// service-key list --json` prints.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceKeyBody {
    /// The key's record id.
    id: String,
    /// A label that is safe to show and log.
    display_id: String,
    /// The tenant the key acts for.
    tenant: String,
    /// Who uses the key.
    name: String,
    /// What the key may do.
    scopes: Vec<&'static str>,
    /// When the key was made (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
    /// When the key was revoked (RFC 3339), or null while it works.
    #[schema(format = DateTime, required = true)]
    revoked_at: Option<String>,
}

impl From<ServiceKeyInfo> for ServiceKeyBody {
    fn from(k: ServiceKeyInfo) -> Self {
        ServiceKeyBody {
            id: k.id,
            display_id: k.display_id,
            tenant: k.tenant.to_string(),
            name: k.name,
            scopes: k.scopes.names(),
            created_at: rfc3339(k.created_at_ms),
            revoked_at: k.revoked_at_ms.map(rfc3339),
        }
    }
}

/// The tenant's service keys.
#[derive(Serialize, ToSchema)]
pub(crate) struct ServiceKeyList {
    /// Oldest first, revoked ones included.
    service_keys: Vec<ServiceKeyBody>,
}

/// Makes a service key for the caller's tenant.
#[utoipa::path(
    post,
    path = "/v1/service-keys",
    operation_id = "create_service_key",
    tag = "service keys",
    request_body = ServiceKeyCreateRequest,
    responses(
        Authenticated,
        JsonBody,
        (status = 201, description = "Key made", body = CreatedServiceKeyBody),
        (status = 400, description = "`invalid_request`: an unknown scope, a bad name", body = ErrorBody),
    ),
    security(("service_key" = ["admin"]))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ServiceKeyCreateRequest>,
) -> Result<(StatusCode, axum::Json<CreatedServiceKeyBody>), ApiError> {
    let scopes = match &req.scopes {
        None => Scopes::standard(),
        Some(names) => Scopes::parse_list(names)?,
    };
    let name = req.name.as_deref().unwrap_or(DEFAULT_SERVICE_KEY_NAME);
    let created = state
        .store
        .service_keys()
        .create(&caller.0.tenant, name, scopes)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
}

/// Lists the caller's tenant's service keys, without the keys.
#[utoipa::path(
    get,
    path = "/v1/service-keys",
    operation_id = "list_service_keys",
    tag = "service keys",
    responses(
        Authenticated,
        (status = 200, description = "The tenant's service keys", body = ServiceKeyList),
    ),
    security(("service_key" = ["admin"]))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<ServiceKeyList>, ApiError> {
    let keys = state
        .store
        .service_keys()
        .list(Some(&caller.0.tenant))
        .await?;
    Ok(axum::Json(ServiceKeyList {
        service_keys: keys.into_iter().map(ServiceKeyBody::from).collect(),
    }))
}

/// Revokes one of the caller's tenant's service keys; revoking it again
/// succeeds. A key cannot revoke itself.
#[utoipa::path(
    delete,
    path = "/v1/service-keys/{id}",
    operation_id = "revoke_service_key",
    tag = "service keys",
    params(("id" = String, Path, description = "The key's record id (svc_…)")),
    responses(
        Authenticated,
        (status = 204, description = "Revoked"),
        (status = 400, description = "`invalid_request`: a malformed body, path or query, or a value out of range", body = ErrorBody),
        (status = 404, description = "`not_found`: the tenant has no service key with this id", body = ErrorBody),
        (status = 409, description = "`self_revocation`: this is the key making the request", body = ErrorBody),
    ),
    security(("service_key" = ["admin"]))
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if id == caller.0.id {
        return Err(ApiError::new(
            ErrorCode::SelfRevocation,
            "a service key cannot revoke itself: revoke it with another admin key or the CLI",
        ));
    }
    state
        .store
        .service_keys()
        .revoke(&id, Some(&caller.0.tenant))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
