//! Password-reset links: a fresh token on a trusted base URL, the hash to
//! store, and the constant-time check of a presented token.
//!
//! ```
//! use keysmith::reset::{self, ResetLinks};
//! use std::time::{Duration, SystemTime};
//!
//! let links = ResetLinks::new("https://example.com/reset")?;
//! let now = SystemTime::now();                         // injected: tests pass any time
//! let link = links.make(Duration::from_secs(20 * 60), now)?;
//!
//! // Send link.url() to the user; store only the hash and the expiry.
//! assert!(link.url().starts_with("https://example.com/reset?token="));
//! let stored = link.token_sha256_hex();
//! assert_eq!(link.expires_at(), now + Duration::from_secs(20 * 60));
//!
//! // Later, the user presents the token from the link:
//! assert!(reset::verify_token_hex(link.token(), &stored));
//! assert!(!reset::verify_token_hex("forged", &stored));
//!
//! // Untrusted bases are refused:
//! assert!(ResetLinks::new("http://example.com/reset").is_err());
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # What is guaranteed
//!
//! - The token is [`token_urlsafe(32)`](crate::token_urlsafe): 32 bytes
//!   (256 bits) from the secure source, 43 base64url characters; longer
//!   when [`ResetLinks::with_bits`] asks for more, never shorter.
//! - The link is the base URL with one query parameter added (`token` by
//!   default), properly encoded; the base's own query parameters are kept.
//! - The base is an absolute `https` URL with a host, or `http` only on
//!   the loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), with no user
//!   name, password or fragment. "Host" means the host as the
//!   [WHATWG URL standard](https://url.spec.whatwg.org/) (and so every
//!   browser) parses it: `https://evil.example\@good.example` has the host
//!   `evil.example`, and is checked as such.
//! - What to store is SHA-256 of the token: 256 bits of entropy cannot be
//!   guessed from a fast unsalted hash. [`verify_token`] compares hashes in
//!   constant time.

use crate::time::LAST_RFC3339_SECOND;
use crate::{Error, Result};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::{Host, Url};

/// The number of random bytes in a reset token: 32 (256 bits). It is
/// also the least: [`ResetLinks::with_bits`] only makes tokens longer.
pub const TOKEN_BYTES: usize = 32;

/// The most random bytes a reset token may have: 256 (2048 bits, 342
/// base64url characters).
pub const MAX_TOKEN_BYTES: usize = 256;

/// The default name of the query parameter that carries the token.
pub const DEFAULT_PARAM: &str = "token";

/// The default lifetime of a link: 20 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(20 * 60);

/// The longest lifetime a link may have: 7 days.
pub const MAX_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The longest query parameter name accepted.
const MAX_PARAM_LEN: usize = 64;

/// A trusted base URL that reset links are made on, and the name of the
/// query parameter that carries the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetLinks {
    base: Url,
    param: String,
    token_bytes: usize,
}

impl ResetLinks {
    /// Reset links on `base_url`, with the token in the `token` parameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the URL and the reason when it is not
    /// an absolute URL, its scheme is not `https` (or `http` on a loopback
    /// host), it has no host, it has a user name or password (these are
    /// masked in the message), it has a fragment, or it already has a
    /// `token` query parameter.
    pub fn new(base_url: &str) -> Result<Self> {
        let base = check_base(base_url)?;
        let links = ResetLinks {
            base,
            param: DEFAULT_PARAM.to_owned(),
            token_bytes: TOKEN_BYTES,
        };
        links.check_param_free(DEFAULT_PARAM)?;
        Ok(links)
    }

    /// The same base with the token in the query parameter `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `name` is empty, longer than 64
    /// characters, has characters other than `A-Z a-z 0-9 - _ . ~`, or is
    /// already a query parameter of the base.
    pub fn with_param(mut self, name: &str) -> Result<Self> {
        if name.is_empty() {
            return Err(Error::InvalidInput(
                "the token parameter name must not be empty".into(),
            ));
        }
        if name.len() > MAX_PARAM_LEN
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        {
            return Err(Error::InvalidInput(format!(
                "the token parameter name '{name}' must be 1 to {MAX_PARAM_LEN} characters of \
                 A-Z, a-z, 0-9, '-', '_', '.', '~'"
            )));
        }
        self.check_param_free(name)?;
        self.param = name.to_owned();
        Ok(self)
    }

    fn check_param_free(&self, name: &str) -> Result<()> {
        if self.base.query_pairs().any(|(k, _)| k == name) {
            return Err(Error::InvalidInput(format!(
                "the base URL '{}' already has a '{name}' query parameter",
                self.base
            )));
        }
        Ok(())
    }

    /// The base URL, as parsed.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The name of the query parameter that carries the token.
    pub fn param(&self) -> &str {
        &self.param
    }

    /// The same links with the shortest token, at least [`TOKEN_BYTES`]
    /// (32) bytes, whose entropy reaches the entropy target `bits`: 256 bits
    /// or less keeps 32 bytes, 300 bits gives 38.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the entropy target when it is not a
    /// positive finite number, or needs more than [`MAX_TOKEN_BYTES`] bytes.
    pub fn with_bits(mut self, bits: f64) -> Result<Self> {
        self.token_bytes = crate::entropy::target::shortest(
            bits,
            TOKEN_BYTES..=MAX_TOKEN_BYTES,
            "bytes of token",
            |n| BigUint::from(1u32) << (8 * n),
        )?;
        Ok(self)
    }

    /// The number of random bytes in each link's token: [`TOKEN_BYTES`]
    /// unless [`with_bits`](Self::with_bits) asked for more.
    pub fn token_bytes(&self) -> usize {
        self.token_bytes
    }

    /// The entropy of each link's token in bits: 8 per byte, 256 by
    /// default.
    pub fn entropy_bits(&self) -> f64 {
        (self.token_bytes * 8) as f64
    }

    /// A new link with a fresh token from the default source, expiring
    /// `ttl` after `now`.
    ///
    /// # Errors
    ///
    /// As [`check_ttl`] for `ttl`, and [`Error::InvalidInput`] when
    /// `now + ttl` is before 1970 or after 9999 (it cannot be written in
    /// RFC 3339).
    pub fn make(&self, ttl: Duration, now: SystemTime) -> Result<ResetLink> {
        self.make_with(&mut crate::rng(), ttl, now)
    }

    /// [`make`](ResetLinks::make) drawing the token from `rng`.
    ///
    /// # Errors
    ///
    /// As [`make`](ResetLinks::make).
    pub fn make_with<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<ResetLink> {
        check_ttl(ttl)?;
        let expires_at = now
            .checked_add(ttl)
            .filter(|t| {
                t.duration_since(UNIX_EPOCH)
                    .is_ok_and(|d| d.as_secs() <= LAST_RFC3339_SECOND)
            })
            .ok_or_else(|| {
                Error::InvalidInput(
                    "the expiry time is outside the years 1970 to 9999 (is the clock right?)"
                        .into(),
                )
            })?;
        let token = crate::token_with(rng, Some(self.token_bytes), crate::TokenFormat::UrlSafe);
        let mut url = self.base.clone();
        url.query_pairs_mut().append_pair(&self.param, &token);
        Ok(ResetLink {
            token_sha256: hash_token(&token),
            url: url.into(),
            token,
            expires_at,
        })
    }
}

/// Checks a link lifetime: positive and at most [`MAX_TTL`] (7 days).
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the lifetime when it is zero or too long.
pub fn check_ttl(ttl: Duration) -> Result<()> {
    if ttl.is_zero() {
        return Err(Error::InvalidInput(
            "the link lifetime must be positive, not 0s".into(),
        ));
    }
    if ttl > MAX_TTL {
        return Err(Error::InvalidInput(format!(
            "the link lifetime ({}) exceeds the maximum of {}: reset links should be short-lived",
            humantime::format_duration(ttl),
            humantime::format_duration(MAX_TTL)
        )));
    }
    Ok(())
}

/// One reset link: the URL to send, the token it carries, the hash to
/// store and when it expires.
///
/// `Debug` shows only the expiry: the URL and the token are secrets.
#[derive(Clone)]
pub struct ResetLink {
    url: String,
    token: String,
    token_sha256: [u8; 32],
    expires_at: SystemTime,
}

impl ResetLink {
    /// The link to send to the user (secret: it carries the token).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token alone (secret).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// SHA-256 of the token's UTF-8 bytes: what to store.
    pub fn token_sha256(&self) -> [u8; 32] {
        self.token_sha256
    }

    /// [`token_sha256`](ResetLink::token_sha256) in lowercase hex.
    pub fn token_sha256_hex(&self) -> String {
        crate::TokenFormat::Hex.encode(&self.token_sha256)
    }

    /// When the link stops working: `now + ttl`.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// [`expires_at`](ResetLink::expires_at) in RFC 3339, UTC, whole
    /// seconds (`2025-01-31T12:00:00Z`).
    pub fn expires_at_rfc3339(&self) -> String {
        crate::rfc3339(self.expires_at)
    }

    /// Whether the link has expired at `now` (it is valid strictly before
    /// [`expires_at`](ResetLink::expires_at)).
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

impl fmt::Debug for ResetLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetLink")
            .field("url", &format_args!("[redacted]"))
            .field("token", &format_args!("[redacted]"))
            .field("expires_at", &format_args!("{}", self.expires_at_rfc3339()))
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a token's UTF-8 bytes: what a server stores for it.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// [`hash_token`] in lowercase hex (64 characters).
pub fn hash_token_hex(token: &str) -> String {
    crate::TokenFormat::Hex.encode(&hash_token(token))
}

/// Whether `presented` hashes to `stored_sha256`, comparing the hashes in
/// constant time (so the time taken says nothing about how much matched).
pub fn verify_token(presented: &str, stored_sha256: &[u8; 32]) -> bool {
    crate::compare_digest(hash_token(presented), stored_sha256)
}

/// [`verify_token`] against a stored hash in hex (either case). A stored
/// value that is not 64 hex digits matches nothing.
pub fn verify_token_hex(presented: &str, stored_sha256_hex: &str) -> bool {
    let Ok(bytes) = data_encoding::HEXLOWER_PERMISSIVE.decode(stored_sha256_hex.as_bytes()) else {
        return false;
    };
    let Ok(stored) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        return false;
    };
    verify_token(presented, &stored)
}

/// Whether plain `http` is allowed for `host`: loopback only.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => *d == "localhost",
        Host::Ipv4(ip) => ip.octets()[0] == Ipv4Addr::LOCALHOST.octets()[0],
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn check_base(given: &str) -> Result<Url> {
    let fail = |shown: &dyn fmt::Display, why: &str| {
        Error::InvalidInput(format!("the base URL '{shown}' {why}"))
    };
    let url = Url::parse(given).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => fail(
            &given,
            "is not absolute: give the scheme and host (https://…)",
        ),
        other => fail(&given, &format!("is not a valid URL: {other}")),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        let mut masked = url.clone();
        // Both setters only fail for URLs that cannot have credentials,
        // which this one has.
        let _ = masked.set_username("***");
        if url.password().is_some() {
            let _ = masked.set_password(Some("***"));
        }
        return Err(fail(
            &masked,
            "has a user name or password: they do not belong in a link",
        ));
    }
    if url.fragment().is_some() {
        return Err(fail(
            &url,
            "has a fragment ('#…'): the token must reach the server",
        ));
    }
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(fail(
            &url,
            &format!("has the scheme '{scheme}': reset links must use https"),
        ));
    }
    let host = match url.host() {
        Some(Host::Domain("")) | None => return Err(fail(&url, "has no host")),
        Some(h) => h,
    };
    if scheme == "http" && !is_loopback(&host) {
        return Err(fail(
            &url,
            "must use https (plain http is allowed only for localhost)",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://localhost/",
            "http://127.0.0.1:8080/r",
            "http://127.9.8.7/",
            "http://[::1]/",
        ] {
            assert!(check_base(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://localhost.example/",
        ] {
            assert!(check_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ttl_bounds() {
        assert!(check_ttl(Duration::from_secs(1)).is_ok());
        assert!(check_ttl(MAX_TTL).is_ok());
        assert!(check_ttl(Duration::ZERO).is_err());
        assert!(check_ttl(MAX_TTL + Duration::from_secs(1)).is_err());
    }
}
