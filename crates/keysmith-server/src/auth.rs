//! Who is calling: bearer authentication with service keys, the two rate
//! limits that go with it, and the scope each route declares.
//!
//! [`require_service_key`] runs around every `/v1` route: it refuses an
//! address over its failure limit before any database lookup, looks the
//! key up, spends one request of the key's rate, and hands the route a
//! [`Caller`]. `scoped` wraps a route where it is registered, so a new
//! route cannot be added without naming its scope.

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum_extra::headers::HeaderMapExt;
use axum_extra::headers::authorization::{Authorization, Bearer};
use keysmith_store::{Scope, ServiceKeyInfo, StoreError, TenantStore};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// The service key a request authenticated with: its tenant, scopes and
/// ids, never the key. Handlers take it as an extractor.
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<ServiceKeyInfo>);

impl Caller {
    /// The flows of the caller's tenant: the only way handlers reach them.
    pub fn flows<'a>(&'a self, state: &'a AppState) -> TenantStore<'a> {
        state.store.tenant(&self.0.tenant)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// What the request log says of the caller (its tenant and the key's
/// display id), put on the response for the log layer to find.
#[derive(Debug, Clone)]
pub(crate) struct Audit(pub(crate) Arc<ServiceKeyInfo>);

/// The address the request came from: the peer, or with
/// [`trust_forwarded_for`](crate::limits::Limits::trust_forwarded_for)
/// the last address in `X-Forwarded-For` (the one the nearest proxy
/// added; earlier ones are the client's own claims).
pub(crate) fn client_address(
    headers: &HeaderMap,
    extensions: &Extensions,
    trust_forwarded_for: bool,
) -> IpAddr {
    // Only the last entry: when it does not parse, an earlier one (which
    // the client may have written) is not taken in its place.
    if trust_forwarded_for
        && let Some(addr) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok())
    {
        return addr;
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The 429 of an address over its failed-authentication limit.
pub(crate) fn address_blocked(wait: Duration) -> ApiError {
    too_many(
        "too many failed authentications from this address; see Retry-After",
        wait,
    )
}

/// A failed authentication from `addr`: `refusal` (a 401), or the 429
/// when it takes the address past its limit.
pub(crate) fn failed_from(
    guards: &crate::limits::Guards,
    addr: IpAddr,
    refusal: fn() -> ApiError,
) -> ApiError {
    match guards.failed(addr) {
        Some(wait) => address_blocked(wait),
        None => refusal(),
    }
}

fn too_many(what: &'static str, wait: Duration) -> ApiError {
    ApiError::too_many_requests(ErrorCode::RateLimited, what, wait)
}

/// Lets the request through only with `Authorization: Bearer <service
/// key>` naming a working service key, within the address's failure limit
/// and the key's rate limit. Every failed authentication is the same 401
/// with no detail; the key is never logged.
pub async fn require_service_key(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let guards = &state.guards;
    let addr = client_address(
        req.headers(),
        req.extensions(),
        guards.limits().trust_forwarded_for,
    );
    if let Some(wait) = guards.blocked(addr) {
        return Err(address_blocked(wait));
    }
    let failed = || failed_from(guards, addr, ApiError::unauthorized);
    // `headers` takes the scheme case-insensitively (RFC 9110, 11.1).
    let Some(bearer) = req.headers().typed_get::<Authorization<Bearer>>() else {
        return Err(failed());
    };
    let info = match state
        .store
        .service_keys()
        .verify(bearer.token().trim())
        .await
    {
        Ok(info) => info,
        Err(StoreError::InvalidKey) => return Err(failed()),
        Err(other) => return Err(other.into()),
    };
    let audit = Audit(info.clone());
    if let Err(wait) = guards.request(&info.id) {
        let mut refused = too_many(
            "this service key is over its rate limit; see Retry-After",
            wait,
        )
        .into_response();
        refused.extensions_mut().insert(audit);
        return Ok(refused);
    }
    req.extensions_mut().insert(Caller(info));
    let mut response = next.run(req).await;
    response.extensions_mut().insert(audit);
    Ok(response)
}

/// `route` behind `scope`: a caller whose key lacks it gets 403
/// `forbidden`. Declared where the route is registered.
pub(crate) fn scoped(scope: Scope, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.route_layer(axum::middleware::from_fn(
        move |req: Request, next: Next| async move {
            let allowed = req
                .extensions()
                .get::<Caller>()
                .is_some_and(|c| c.0.scopes.contains(scope));
            if allowed {
                Ok(next.run(req).await)
            } else {
                Err(ApiError::forbidden(scope))
            }
        },
    ))
}
