//! Extractors whose every rejection is a JSON error: for bodies, malformed
//! JSON, wrong types and unknown fields are 400, a missing or wrong
//! content type 415, an oversized body 413; an undecodable path or query
//! is 400 — never 500, never axum's plain-text answer.
//!
//! A JSON number is a number however it is written: an integer field takes
//! `30.0` and `3e1` as 30, as JSON Schema's `integer` does, up to 2^53
//! (beyond it a float no longer spells one integer).
//!
//! A NUL character (`\u0000` in a JSON string, `%00` in a path or query)
//! is refused with 400 too: PostgreSQL cannot store it in text, and its
//! refusal would otherwise surface as a database failure (503).

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

/// `axum::Json` with keysmith's error answers, for bodies that are JSON
/// objects (an array is refused, though serde would read a struct from
/// one).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // What `axum::Json` does (content type, body within the limit,
        // decoding), in steps, so that the buffered bytes can be looked at
        // for NUL once decoded: one buffer, one decoding.
        if !json_content_type(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| rejection_to_error(e.into()))?;
        // serde reads a struct from an array too, field by field in order:
        // every body here is an object, and says which field is which.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        let value = match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => value,
            // Rarely taken: only a body that does not fit its type is
            // decoded a second time, as a `Value`.
            Err(JsonRejection::JsonDataError(e)) => match with_whole_numbers(&bytes) {
                Some(value) => serde_json::from_value(value)
                    .map_err(|_| rejection_to_error(JsonRejection::JsonDataError(e)))?,
                None => return Err(rejection_to_error(JsonRejection::JsonDataError(e))),
            },
            Err(other) => return Err(rejection_to_error(other)),
        };
        // `\\u0000` (an escaped backslash) also matches the byte test; only
        // the decoded strings say for sure.
        let suspect = bytes.windows(NUL_ESCAPE.len()).any(|w| w == NUL_ESCAPE);
        if suspect && serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| holds_nul(&v)) {
            return Err(ApiError::bad_request(
                "strings in the body must not contain NUL (\\u0000)",
            ));
        }
        Ok(Json(value))
    }
}

/// Whether the request says its body is JSON: `application/json` or any
/// `application/*+json`, with parameters, as `axum::Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        "the body must be JSON with Content-Type: application/json",
    )
}

/// The largest magnitude up to which every integer has exactly one float.
const EXACT_FLOAT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53

/// The JSON in `bytes` with every whole float within 2^53 made an integer
/// (`30.0` as `30`); `None` when it is not JSON or has no such float.
fn with_whole_numbers(bytes: &[u8]) -> Option<Value> {
    fn fix(v: &mut Value) -> bool {
        match v {
            Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                let Some(f) = n.as_f64() else { return false };
                if f.fract() != 0.0 || f.abs() > EXACT_FLOAT_INTEGERS {
                    return false;
                }
                // Exact: f is whole and within 2^53.
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = Value::from(i);
                true
            }
            // Every value is visited (no short cut): all are fixed.
            Value::Array(items) => items.iter_mut().map(fix).fold(false, |a, b| a | b),
            Value::Object(map) => map.values_mut().map(fix).fold(false, |a, b| a | b),
            _ => false,
        }
    }
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    fix(&mut value).then_some(value)
}

/// How JSON writes a NUL character.
const NUL_ESCAPE: &[u8] = b"\\u0000";

/// Whether any string (or object key) in `v` contains a NUL character.
fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// Whether a percent-encoded part of a URI (path or query) decodes to a
/// NUL character.
fn encodes_nul(s: &str) -> bool {
    s.contains("%00")
}

/// `axum::extract::Path` with a JSON 400 for a path it cannot decode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if encodes_nul(parts.uri.path()) {
            return Err(ApiError::bad_request("the path must not contain NUL (%00)"));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|r| ApiError::bad_request(format!("invalid path: {}", r.body_text())))
    }
}

/// `axum::extract::Query` with a JSON 400 for a query it cannot decode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(encodes_nul) {
            return Err(ApiError::bad_request(
                "the query must not contain NUL (%00)",
            ));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|r| ApiError::bad_request(format!("invalid query: {}", r.body_text())))
    }
}

fn rejection_to_error(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!(
            "invalid JSON body: {}",
            redact_values(&e.body_text())
        )),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("the body is not valid JSON"),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {} bytes", crate::BODY_LIMIT),
            )
        }
        other => ApiError::bad_request(other.body_text()),
    }
}

/// serde's messages quote the offending value ("invalid type: integer
/// `123456`, expected a string"); that value may be a secret, so it is cut
/// out. So is an unknown field's name, with the path that leads to it: the
/// client wrote it, and it may be a secret put where a name goes. The
/// fields expected, which are ours, are kept.
fn redact_values(message: &str) -> String {
    let mut out = message.to_string();
    const UNKNOWN: &str = "unknown field `";
    if let Some(start) = out.find(UNKNOWN) {
        let name_start = start + UNKNOWN.len();
        let rest = match out[name_start..].find('`') {
            Some(end) => out[name_start + end + 1..].to_string(),
            None => String::new(),
        };
        out = format!("unknown field{rest}");
    }
    for marker in [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
    ] {
        while let Some(start) = out.find(marker) {
            let value_start = start + marker.len();
            let label = marker.trim_end().trim_end_matches(':');
            match out[value_start..].find(", expected") {
                Some(rel_end) => out.replace_range(start..value_start + rel_end, label),
                None => {
                    out.replace_range(start.., label);
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{json_content_type, redact_values, with_whole_numbers};
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn json_content_types_as_axum_takes_them() {
        let is_json = |v: Option<&'static str>| {
            let mut h = HeaderMap::new();
            if let Some(v) = v {
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            }
            json_content_type(&h)
        };
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(is_json(Some(ok)), "{ok}");
        }
        for bad in [
            None,
            Some("text/plain"),
            Some("application/jsonx"),
            Some("text/json"),
            Some("json"),
            Some(""),
        ] {
            assert!(!is_json(bad), "{bad:?}");
        }
    }

    #[test]
    fn values_and_unknown_field_names_are_cut() {
        let m = redact_values("code: invalid type: integer `123456`, expected a string at line 1");
        assert_eq!(m, "code: invalid type, expected a string at line 1");
        let m = redact_values("token: invalid type: string \"s3cr3t\", expected u64");
        assert!(!m.contains("s3cr3t"), "{m}");
        let m = redact_values("ks_live_x: unknown field `ks_live_x`, expected one of `a`, `b`");
        assert_eq!(m, "unknown field, expected one of `a`, `b`");
        let m = redact_values("refill: unknown field `surprise`, expected `amount` at line 1");
        assert_eq!(m, "unknown field, expected `amount` at line 1");
        let m = redact_values("x: invalid value: string \"zz\"");
        assert!(!m.contains("zz"), "{m}");
    }

    #[test]
    fn whole_floats_are_integers_up_to_2_pow_53() {
        let fixed = |s: &str| with_whole_numbers(s.as_bytes()).map(|v| v.to_string());
        assert_eq!(
            fixed(r#"{"a": 30.0, "b": [1e2, -4.0], "c": {"d": 0.0}}"#).as_deref(),
            Some(r#"{"a":30,"b":[100,-4],"c":{"d":0}}"#)
        );
        assert_eq!(
            fixed("9007199254740992.0").as_deref(),
            Some("9007199254740992")
        );
        // Nothing to change, a fraction, or past 2^53: left to the type.
        assert_eq!(fixed(r#"{"a": 30}"#), None);
        assert_eq!(fixed(r#"{"a": 30.5}"#), None);
        assert_eq!(fixed("1e16"), None);
        assert_eq!(fixed("not json"), None);
    }
}
