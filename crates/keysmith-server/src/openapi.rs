//! The OpenAPI 3 document of the `/v1` API, generated from the handlers
//! and their request and response types, served at `GET /openapi.json`.

use axum::Json;
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::routes::{api_keys, leaks, otp, recovery, reset, service_keys, totp};

/// The API's OpenAPI document: `ApiDoc::openapi()`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "keysmith",
        description = "Password-reset tokens, one-time-code challenges and API keys over HTTP. \
                       Every `/v1` route needs `Authorization: Bearer <service key>` with the \
                       scope its security requirement names; it acts on the key's tenant only."
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
    ),
    components(schemas(ErrorBody)),
    modifiers(&ServiceKeyAuth),
    tags(
        (name = "reset tokens", description = "Single-use password-reset tokens"),
        (name = "one-time codes", description = "Challenges with a code to deliver and check"),
        (name = "API keys", description = "Keys for an application's own clients"),
        (name = "second factors", description = "TOTP factors verified by the server, and recovery codes"),
        (name = "service keys", description = "The tenant's own service keys (scope `admin`)"),
    )
)]
pub struct ApiDoc;

/// Every error answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// A stable code to switch on, such as `invalid_token` or `throttled`.
    error: String,
    /// A sentence for people.
    message: String,
}

/// Declares the `service_key` bearer scheme the paths refer to.
struct ServiceKeyAuth;

impl Modify for ServiceKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "service_key",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// `GET /openapi.json`.
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    static DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);
    Json(DOC.clone())
}
