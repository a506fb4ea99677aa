//! Errors as JSON: `{"error": code, "message": text}` with stable codes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keysmith_store::StoreError;

/// Defines [`ErrorCode`] from one table: each code's name, text and status.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = ($text:literal, $status:ident),)*) => {
        /// The closed set of error codes, each with the one status it is
        /// answered with. The OpenAPI document lists them from here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as answered, such as `invalid_request`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }

            /// The HTTP status the code is answered with.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }
        }
    };
}

error_codes! {
    /// A malformed body, path or query, or a value out of range.
    InvalidRequest = ("invalid_request", BAD_REQUEST),
    /// A reset token that is unknown, used, revoked or expired.
    InvalidToken = ("invalid_token", BAD_REQUEST),
    /// No working service key.
    Unauthorized = ("unauthorized", UNAUTHORIZED),
    /// A leak report whose signature is missing, by an unknown key or wrong.
    BadSignature = ("bad_signature", UNAUTHORIZED),
    /// The service key lacks the route's scope.
    Forbidden = ("forbidden", FORBIDDEN),
    /// No such route, or no such record in the caller's tenant.
    NotFound = ("not_found", NOT_FOUND),
    /// A TOTP code for a subject without an active factor.
    NoFactor = ("no_factor", NOT_FOUND),
    /// The route does not take that method.
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED),
    /// The request took longer than the request timeout.
    RequestTimeout = ("request_timeout", REQUEST_TIMEOUT),
    /// A service key revoking itself.
    SelfRevocation = ("self_revocation", CONFLICT),
    /// Rotating a key that was rotated before.
    AlreadyRotated = ("already_rotated", CONFLICT),
    /// A code checked against no open challenge.
    Expired = ("expired", GONE),
    /// A TOTP factor that is not pending.
    Gone = ("gone", GONE),
    /// A body over the route's limit.
    PayloadTooLarge = ("payload_too_large", PAYLOAD_TOO_LARGE),
    /// A body without a JSON content type.
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE),
    /// A challenge or a subject out of attempts.
    Locked = ("locked", LOCKED),
    /// A user's or a subject's throttle (`Retry-After`).
    Throttled = ("throttled", TOO_MANY_REQUESTS),
    /// Starting a challenge for a locked-out subject.
    SubjectLocked = ("subject_locked", TOO_MANY_REQUESTS),
    /// The key's rate limit, or the address's failure limit (`Retry-After`).
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS),
    /// A handler panicked, or the server failed in a way it cannot name.
    InternalError = ("internal_error", INTERNAL_SERVER_ERROR),
    /// The server key a record was made under is not configured.
    ServerMisconfigured = ("server_misconfigured", INTERNAL_SERVER_ERROR),
    /// Past the in-flight cap (`Retry-After`).
    Overloaded = ("overloaded", SERVICE_UNAVAILABLE),
    /// The database failed, or a statement or lock wait timed out.
    DatabaseUnavailable = ("database_unavailable", SERVICE_UNAVAILABLE),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: the status is the code's. `code` is stable (clients
/// switch on it); `message` is for people. Neither ever contains a token,
/// code or key.
#[derive(Debug)]
pub struct ApiError {
    /// The stable error code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Seconds to wait, for 429 and 503.
    pub retry_after: Option<u64>,
    /// One more field of the body, such as the successor of a rotated key.
    pub extra: Option<(&'static str, String)>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
            extra: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }

    /// 403 `forbidden`: the service key lacks `scope`.
    pub fn forbidden(scope: keysmith_store::Scope) -> Self {
        ApiError::new(
            ErrorCode::Forbidden,
            format!("this service key lacks the scope '{scope}'"),
        )
    }

    /// `code` (a 429) with `message` and a `Retry-After` of `wait`, rounded
    /// up to whole seconds (at least 1).
    pub fn too_many_requests(
        code: ErrorCode,
        message: impl Into<String>,
        wait: std::time::Duration,
    ) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after: Some(secs.max(1)),
            ..ApiError::new(code, message)
        }
    }

    /// 500 `internal_error`, with no detail.
    pub fn internal() -> Self {
        ApiError::new(
            ErrorCode::InternalError,
            "the server failed to answer this request",
        )
    }

    /// 401 `unauthorized`, with no detail.
    pub fn unauthorized() -> Self {
        ApiError::new(ErrorCode::Unauthorized, "a valid service key is required")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.code.as_str(), "message": self.message });
        if let Some((field, value)) = self.extra {
            body[field] = serde_json::Value::String(value);
        }
        let body = Json(body);
        let mut response = (self.code.status(), body).into_response();
        // Only a missing or bad service key asks for one; a bad API key
        // sent to /v1/api-keys/verify is an answer, not a challenge.
        if self.code == ErrorCode::Unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidToken => ApiError::new(
                ErrorCode::InvalidToken,
                "the token is invalid, expired or already used",
            ),
            // No route meets it: verifications answer with a code, and a
            // bad service key is the auth layer's 401.
            StoreError::InvalidKey => {
                tracing::error!("a route met an invalid API key it should have answered");
                ApiError::internal()
            }
            StoreError::NotFound => ApiError::new(ErrorCode::NotFound, "not found"),
            StoreError::AlreadyRotated { successor } => ApiError {
                extra: Some(("successor_id", successor.clone())),
                ..ApiError::new(
                    ErrorCode::AlreadyRotated,
                    format!("the key was rotated already: rotate its successor {successor}"),
                )
            },
            StoreError::Throttled { retry_after } => ApiError::too_many_requests(
                ErrorCode::Throttled,
                "too many requests; see Retry-After",
                retry_after,
            ),
            StoreError::SubjectLocked => ApiError::new(
                ErrorCode::SubjectLocked,
                "too many failed codes in a row: the subject is locked out until the lockout ends or an administrator unlocks it",
            ),
            StoreError::InvalidInput(m) => ApiError::bad_request(m),
            StoreError::Keysmith(keysmith::Error::Entropy(e)) => {
                tracing::error!(error = %e, "the operating system could not supply random bytes");
                ApiError::internal()
            }
            StoreError::Keysmith(e) => ApiError::bad_request(e.to_string()),
            StoreError::Config(m) => {
                tracing::error!(error = %m, "server misconfigured");
                ApiError::new(
                    ErrorCode::ServerMisconfigured,
                    "the server is not configured for this request",
                )
            }
            other => {
                tracing::error!(error = %other, "database unavailable");
                ApiError::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database is unavailable; try again",
                )
            }
        }
    }
}
