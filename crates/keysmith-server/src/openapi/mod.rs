//! The OpenAPI 3.1 document of the service, generated from the handlers
//! and their request and response types, served at `GET /openapi.json`.
//!
//! What the layers answer on every route is defined once (`responses`);
//! the limits of what a request may hold come from the constants that
//! define them (`bounds`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::error::ErrorCode;
use crate::routes::{api_keys, health, leaks, otp, recovery, reset, service_keys, totp};

pub(crate) mod bounds;
pub(crate) mod responses;

pub(crate) use responses::{Always, Authenticated, JsonBody};

/// The path of GitHub's leak reports, absent from the document of a server
/// without scanning keys, as it is from its router.
pub(crate) const LEAKS_PATH: &str = "/v1/leaks/github";

/// The API's OpenAPI document: `ApiDoc::openapi()`. A server without
/// GitHub's scanning keys serves it without the leak route.
///
/// # Panics
///
/// `openapi()` panics when a rule of the bounds names a place the document
/// does not have: a mistake in their table, which every test of the
/// document meets.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "keysmith",
        description = "Password-reset tokens, one-time-code challenges and API keys over HTTP. \
                       Every `/v1` route needs `Authorization: Bearer <service key>` with the \
                       scope its security requirement names; it acts on the key's tenant only. \
                       Strings in a body, a path or a query never hold NUL; lengths are in \
                       bytes of UTF-8."
    ),
    paths(
        reset::issue,
        reset::redeem,
        otp::start,
        otp::check,
        otp::unlock,
        api_keys::create,
        api_keys::verify,
        api_keys::list,
        api_keys::revoke,
        api_keys::rotate,
        api_keys::show,
        api_keys::update,
        leaks::github,
        service_keys::create,
        service_keys::list,
        service_keys::revoke,
        totp::enrol,
        totp::confirm,
        totp::verify,
        totp::list,
        totp::remove,
        recovery::generate,
        recovery::redeem,
        recovery::status,
        health::healthz,
        health::readyz,
        crate::metrics::render,
        openapi_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Components, &Bounds),
    tags(
        (name = "reset tokens", description = "Single-use password-reset tokens"),
        (name = "one-time codes", description = "Challenges with a code to deliver and check"),
        (name = "API keys", description = "Keys for an application's own clients"),
        (name = "second factors", description = "TOTP factors verified by the server, and recovery codes"),
        (name = "service keys", description = "The tenant's own service keys (scope `admin`)"),
        (name = "operations", description = "Health, readiness, metrics and this document; no key needed"),
    )
)]
pub struct ApiDoc;

/// Every error answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// A stable code to switch on.
    #[schema(schema_with = error_code_schema)]
    error: String,
    /// A sentence for people.
    message: String,
    /// With `already_rotated`: the key that replaced the one to rotate.
    #[serde(skip_serializing_if = "Option::is_none")]
    successor_id: Option<String>,
}

/// The schema of `error`: every [`ErrorCode`], from its one definition.
fn error_code_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .description(Some("A stable code to switch on"))
        .build()
}

/// Declares the `service_key` bearer scheme the paths refer to, and the
/// shared answers they refer to.
struct Components;

impl Modify for Components {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "service_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (name, response) in responses::components() {
            components
                .responses
                .insert(name.to_owned(), response.into());
        }
    }
}

/// States the limits of what a request may hold ([`bounds`]).
struct Bounds;

impl Modify for Bounds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Err(e) = bounds::apply(openapi) {
            panic!("the document's bounds do not fit it: {e}");
        }
    }
}

/// The document of a server, with the leak route when it receives
/// reports.
pub(crate) fn document(with_leaks: bool) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    if !with_leaks {
        doc.paths.paths.remove(LEAKS_PATH);
    }
    doc
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses(
        Always,
        (status = 200, description = "This document", body = Object),
    )
)]
pub(crate) async fn openapi_json(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    static WITH_LEAKS: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| document(true));
    static WITHOUT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| document(false));
    Json(if state.scanning_keys.is_some() {
        WITH_LEAKS.clone()
    } else {
        WITHOUT.clone()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bound_fits_the_document() {
        let doc = super::document(true);
        let schemas = &doc.components.as_ref().unwrap().schemas;
        assert!(schemas.contains_key(super::bounds::JSON_VALUE));
    }
}
