//! GitHub's secret-scanning partner endpoint: GitHub posts the tokens it
//! found in public code, signed with ECDSA (P-256, SHA-256) under a key it
//! publishes; every token that is one of this server's keys, of any
//! tenant, is revoked at once and marked exposed.
//!
//! The route takes no bearer: the signature is the authentication. It
//! exists only when `--github-scanning-keys` names the public keys (the
//! JSON of GitHub's `/meta/public_keys/secret_scanning`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64ct::{Base64, Encoding};
use keysmith::apikey::ApiKey;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::openapi::{Always, ErrorBody};

/// The largest report accepted, in bytes (1 MiB).
pub const LEAK_BODY_LIMIT: usize = 1024 * 1024;

/// The header naming the key a report is signed with.
pub const KEY_ID_HEADER: &str = "github-public-key-identifier";
/// The header holding the signature (base64 of ASN.1 DER).
pub const SIGNATURE_HEADER: &str = "github-public-key-signature";

/// The public keys reports are signed with.
#[derive(Clone)]
pub struct ScanningKeys {
    keys: Vec<(String, VerifyingKey)>,
}

impl fmt::Debug for ScanningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(id, _)| id))
            .finish()
    }
}

#[derive(Deserialize)]
struct KeysFile {
    public_keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
struct KeyEntry {
    key_identifier: String,
    key: String,
}

impl ScanningKeys {
    /// The keys in `text`, in the format of GitHub's
    /// `/meta/public_keys/secret_scanning`; `origin` names it in messages.
    ///
    /// # Errors
    ///
    /// A one-line message for a file that is not that JSON or holds a key
    /// that is not a P-256 public key in PEM.
    pub fn parse(text: &str, origin: &str) -> Result<ScanningKeys, String> {
        let file: KeysFile = serde_json::from_str(text).map_err(|e| {
            format!("{origin}: not the JSON of GitHub's secret-scanning public keys: {e}")
        })?;
        let mut keys = Vec::new();
        for entry in file.public_keys {
            let key = VerifyingKey::from_public_key_pem(&entry.key).map_err(|_| {
                format!(
                    "{origin}: the key '{}' is not a P-256 public key in PEM",
                    entry.key_identifier
                )
            })?;
            keys.push((entry.key_identifier, key));
        }
        if keys.is_empty() {
            return Err(format!("{origin}: no public key in the file"));
        }
        Ok(ScanningKeys { keys })
    }

    /// The keys in the file at `path`.
    ///
    /// # Errors
    ///
    /// As [`parse`](ScanningKeys::parse), and when the file cannot be read.
    pub fn load(path: &Path) -> Result<ScanningKeys, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {}", path.display(), crate::io_reason(&e)))?;
        ScanningKeys::parse(&text, &path.display().to_string())
    }

    /// Whether `body` carries a good signature by the key named `key_id`.
    fn verifies(&self, key_id: &str, signature_b64: &str, body: &[u8]) -> bool {
        let Some((_, key)) = self.keys.iter().find(|(id, _)| id == key_id) else {
            return false;
        };
        let Ok(der) = Base64::decode_vec(signature_b64.trim()) else {
            return false;
        };
        let Ok(signature) = Signature::from_der(&der) else {
            return false;
        };
        key.verify(body, &signature).is_ok()
    }
}

/// One token GitHub found.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReportedToken {
    /// The token as found.
    token: String,
    /// GitHub's name for its pattern.
    #[serde(rename = "type")]
    token_type: String,
    /// Where it was found.
    #[serde(default)]
    url: Option<String>,
    /// What it was found in (`content`, `commit`, …).
    #[serde(default)]
    source: Option<String>,
}

/// GitHub's feedback for one token.
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenFeedback {
    token_raw: String,
    token_type: String,
    /// `true_positive` when the token was one of this server's keys.
    label: &'static str,
}

fn unauthorized() -> ApiError {
    ApiError::new(
        ErrorCode::BadSignature,
        "the report's signature is missing, unknown or wrong",
    )
}

/// Receives a leak report from GitHub's secret scanning. Signed, not
/// bearer-authenticated; every reported key of any tenant is revoked and
/// marked exposed.
#[utoipa::path(
    post,
    path = "/v1/leaks/github",
    operation_id = "github_leak_report",
    tag = "API keys",
    request_body = Vec<ReportedToken>,
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "The key the report is signed with"),
        ("Github-Public-Key-Signature" = String, Header, description = "Base64 of the ASN.1 DER ECDSA P-256 SHA-256 signature of the body"),
    ),
    responses(
        Always,
        (status = 200, description = "One feedback entry per token", body = Vec<TokenFeedback>),
        (status = 400, description = "`invalid_request`: not a JSON array of reported tokens", body = ErrorBody),
        (status = 401, description = "`bad_signature`: the signature is missing, by an unknown key or wrong", body = ErrorBody),
        (status = 413, description = format!("`payload_too_large`: the report is larger than {LEAK_BODY_LIMIT} bytes"), body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many bad signatures from this address; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn github(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::Json<Vec<TokenFeedback>>, ApiError> {
    // A bad signature is a failed authentication, counted against the
    // address like a bad bearer (each costs an ECDSA verification).
    let guards = &state.guards;
    let addr =
        crate::auth::client_address(&headers, &extensions, guards.limits().trust_forwarded_for);
    if let Some(wait) = guards.blocked(addr) {
        return Err(crate::auth::address_blocked(wait));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the report is larger than {LEAK_BODY_LIMIT} bytes"),
            )
        } else {
            ApiError::bad_request("the report's body could not be read")
        }
    })?;
    let Some(keys) = &state.scanning_keys else {
        return Err(ApiError::new(ErrorCode::NotFound, "no such route"));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key_id), Some(signature)) = (header(KEY_ID_HEADER), header(SIGNATURE_HEADER)) else {
        return Err(crate::auth::failed_from(guards, addr, unauthorized));
    };
    if !keys.verifies(key_id, signature, &body) {
        return Err(crate::auth::failed_from(guards, addr, unauthorized));
    }
    let reported: Vec<ReportedToken> = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("the report is not a JSON array of tokens"))?;
    let nul = |s: &Option<String>| s.as_deref().is_some_and(|s| s.contains('\0'));
    if reported.iter().any(|r| nul(&r.url) || nul(&r.source)) {
        return Err(ApiError::bad_request(
            "strings in the body must not contain NUL (\\u0000)",
        ));
    }
    let mut feedback = Vec::with_capacity(reported.len());
    for r in reported {
        // The checksum first: most reports are of other providers' tokens.
        let ours = match ApiKey::parse(&r.token) {
            Ok(key) => {
                state
                    .store
                    .revoke_exposed(&key, r.url.as_deref(), r.source.as_deref())
                    .await?
            }
            Err(_) => false,
        };
        feedback.push(TokenFeedback {
            token_raw: r.token,
            token_type: r.token_type,
            label: if ours {
                "true_positive"
            } else {
                "false_positive"
            },
        });
    }
    Ok(axum::Json(feedback))
}
