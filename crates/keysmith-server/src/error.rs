//! Errors as JSON: `{"error": code, "message": text}` with stable codes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keysmith_store::StoreError;

/// An error answer. `code` is stable (clients switch on it); `message` is
/// for people. Neither ever contains a token, code or key.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable error code.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
    /// One more field of the body, such as the successor of a rotated key.
    pub extra: Option<(&'static str, String)>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            extra: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 403 `forbidden`: the service key lacks `scope`.
    pub fn forbidden(scope: keysmith_store::Scope) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this service key lacks the scope '{scope}'"),
        )
    }

    /// 429 with `code`, `message` and a `Retry-After` of `wait`, rounded up
    /// to whole seconds (at least 1).
    pub fn too_many_requests(
        code: &'static str,
        message: impl Into<String>,
        wait: std::time::Duration,
    ) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after: Some(secs.max(1)),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// 500 `internal_error`, with no detail.
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed to answer this request",
        )
    }

    /// 401 `unauthorized`, with no detail.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid service key is required",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.code, "message": self.message });
        if let Some((field, value)) = self.extra {
            body[field] = serde_json::Value::String(value);
        }
        let body = Json(body);
        let mut response = (self.status, body).into_response();
        // Only a missing or bad service key asks for one; a bad API key
        // sent to /v1/api-keys/verify is an answer, not a challenge.
        if self.code == "unauthorized" {
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
                StatusCode::BAD_REQUEST,
                "invalid_token",
                "the token is invalid, expired or already used",
            ),
            StoreError::InvalidKey => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_key",
                "the API key is invalid, expired or revoked",
            ),
            StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", "not found"),
            StoreError::AlreadyRotated { successor } => ApiError {
                extra: Some(("successor_id", successor.clone())),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "already_rotated",
                    format!("the key was rotated already: rotate its successor {successor}"),
                )
            },
            StoreError::Throttled { retry_after } => ApiError::too_many_requests(
                "throttled",
                "too many requests; see Retry-After",
                retry_after,
            ),
            StoreError::SubjectLocked => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "subject_locked",
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
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_misconfigured",
                    "the server is not configured for this request",
                )
            }
            other => {
                tracing::error!(error = %other, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; try again",
                )
            }
        }
    }
}
