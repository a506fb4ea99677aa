//! The answers the layers give, whatever the route: defined here once as
//! components (`#/components/responses/…`), and named by each route
//! through the groups below, which refer to them.
//!
//! A route lists its groups first and its own answers after them, so that
//! an answer of its own (a 429 `throttled`, a 401 `bad_signature`) takes
//! the place of the shared one with the same status.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use utoipa::IntoResponses;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};

use crate::error::ErrorCode;

/// One shared answer.
pub(crate) struct Shared {
    /// Its name under `#/components/responses`.
    pub(crate) name: &'static str,
    pub(crate) status: StatusCode,
    /// The codes it answers, each of `status`.
    pub(crate) codes: &'static [ErrorCode],
    description: &'static str,
    /// Whether it may carry `Retry-After` (seconds).
    retry_after: bool,
    /// Whether it carries `Allow` (the methods the route takes).
    allow: bool,
    /// A limit in bytes the description ends with.
    bytes: Option<usize>,
}

impl Shared {
    const fn new(
        name: &'static str,
        codes: &'static [ErrorCode],
        description: &'static str,
    ) -> Shared {
        Shared {
            name,
            status: codes[0].status(),
            codes,
            description,
            retry_after: false,
            allow: false,
            bytes: None,
        }
    }

    /// The component: an [`ErrorBody`](super::ErrorBody) and its headers.
    /// The description ends with the codes answered with this status.
    fn response(&self) -> Response {
        let codes: Vec<String> = self.codes.iter().map(|c| format!("`{c}`")).collect();
        let limit = self
            .bytes
            .map_or_else(String::new, |n| format!(": {n} bytes"));
        let mut response = ResponseBuilder::new()
            .description(format!(
                "{}{limit} (`error`: {})",
                self.description,
                codes.join(", ")
            ))
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            );
        if self.retry_after {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(super::bounds::integer(1, u64::MAX)))
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            );
        }
        if self.allow {
            response = response.header(
                "Allow",
                HeaderBuilder::new()
                    .schema(Some(Schema::Object(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .build(),
                    )))
                    .description(Some("The methods the route takes"))
                    .build(),
            );
        }
        response.build()
    }
}

pub(crate) const UNAUTHORIZED: Shared = Shared::new(
    "Unauthorized",
    &[ErrorCode::Unauthorized],
    "No working service key: missing, malformed, unknown or revoked; with \
     `WWW-Authenticate: Bearer`",
);
pub(crate) const FORBIDDEN: Shared = Shared::new(
    "Forbidden",
    &[ErrorCode::Forbidden],
    "The service key lacks the scope this route names",
);
pub(crate) const METHOD_NOT_ALLOWED: Shared = Shared {
    allow: true,
    ..Shared::new(
        "MethodNotAllowed",
        &[ErrorCode::MethodNotAllowed],
        "The route does not take that method; `Allow` lists those it takes",
    )
};
pub(crate) const REQUEST_TIMEOUT: Shared = Shared::new(
    "RequestTimeout",
    &[ErrorCode::RequestTimeout],
    "The request, body included, took longer than the server's request timeout",
);
pub(crate) const PAYLOAD_TOO_LARGE: Shared = Shared {
    bytes: Some(crate::BODY_LIMIT),
    ..Shared::new(
        "PayloadTooLarge",
        &[ErrorCode::PayloadTooLarge],
        "The body is larger than the most a route takes",
    )
};
pub(crate) const UNSUPPORTED_MEDIA_TYPE: Shared = Shared::new(
    "UnsupportedMediaType",
    &[ErrorCode::UnsupportedMediaType],
    "The body's Content-Type is not JSON (`application/json` or `application/*+json`)",
);
pub(crate) const TOO_MANY_REQUESTS: Shared = Shared {
    retry_after: true,
    ..Shared::new(
        "TooManyRequests",
        &[ErrorCode::RateLimited],
        "The service key is over its rate limit, or the client address over its limit of \
         failed authentications; `Retry-After` says when to try again",
    )
};
pub(crate) const INTERNAL_ERROR: Shared = Shared::new(
    "InternalError",
    &[ErrorCode::InternalError, ErrorCode::ServerMisconfigured],
    "The server failed: a handler panicked, or a record's server key is not configured",
);
pub(crate) const UNAVAILABLE: Shared = Shared {
    retry_after: true,
    ..Shared::new(
        "Unavailable",
        &[ErrorCode::Overloaded, ErrorCode::DatabaseUnavailable],
        "The server is at its cap of requests in flight (`Retry-After: 1`), or the database \
         failed or timed out",
    )
};

/// Every shared answer, as registered under `#/components/responses`.
pub(crate) const ALL: &[&Shared] = &[
    &UNAUTHORIZED,
    &FORBIDDEN,
    &METHOD_NOT_ALLOWED,
    &REQUEST_TIMEOUT,
    &PAYLOAD_TOO_LARGE,
    &UNSUPPORTED_MEDIA_TYPE,
    &TOO_MANY_REQUESTS,
    &INTERNAL_ERROR,
    &UNAVAILABLE,
];

/// The components, by name.
pub(crate) fn components() -> impl Iterator<Item = (&'static str, Response)> {
    ALL.iter().map(|s| (s.name, s.response()))
}

fn refs(shared: &[&Shared]) -> BTreeMap<String, RefOr<Response>> {
    shared
        .iter()
        .map(|s| {
            (
                s.status.as_u16().to_string(),
                RefOr::Ref(Ref::from_response_name(s.name)),
            )
        })
        .collect()
}

/// What every route may answer, whatever it is: 405 (another method), 408
/// (the request timeout), 500, and 503 (the in-flight cap, the database).
pub(crate) struct Always;

impl IntoResponses for Always {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        refs(&[
            &METHOD_NOT_ALLOWED,
            &REQUEST_TIMEOUT,
            &INTERNAL_ERROR,
            &UNAVAILABLE,
        ])
    }
}

/// What a `/v1` route behind a service key and a scope may answer besides:
/// [`Always`], 401, 403 and 429 `rate_limited`.
pub(crate) struct Authenticated;

impl IntoResponses for Authenticated {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut responses = Always::responses();
        responses.extend(refs(&[&UNAUTHORIZED, &FORBIDDEN, &TOO_MANY_REQUESTS]));
        responses
    }
}

/// What a route that reads a JSON body may answer besides: 413 and 415.
pub(crate) struct JsonBody;

impl IntoResponses for JsonBody {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        refs(&[&PAYLOAD_TOO_LARGE, &UNSUPPORTED_MEDIA_TYPE])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_shared_answer_has_the_status_of_its_codes() {
        for shared in super::ALL {
            for code in shared.codes {
                assert_eq!(code.status(), shared.status, "{} {code}", shared.name);
            }
        }
    }
}
