//! API keys with a checksum: `sk_live_` + random base62 + CRC32.
//!
//! A key looks like `sk_live_2Tq8…Wd0aZ3b1`: a prefix that says what the
//! key is for, `_`, a body of random base62 characters (30 by default,
//! 178.6 bits), and six base62 characters of checksum. The scheme is the one
//! GitHub uses for its tokens: the checksum lets a server reject a mistyped
//! or truncated key before it touches a database, and lets a scanner tell a
//! key-shaped string from random text offline, with no access to any secret.
//!
//! **The checksum detects accidents, not forgery.** It is a CRC-32 with no
//! key: anyone can compute it, so anyone can make a string with a valid
//! checksum. A valid checksum says "this was not mangled in transit", never
//! "keysmith issued this"; only the lookup of the key's hash
//! ([`ApiKey::sha256`]) says a key is real. Do not skip that lookup, or
//! grant anything, on the strength of the checksum.
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::apikey::{ApiKey, KeySpec};
//!
//! let spec = KeySpec::new("sk_live")?;                 // 30-character body
//! let key = spec.generate();
//! assert!(key.as_str().starts_with("sk_live_"));
//! assert_eq!(key.as_str().len(), "sk_live_".len() + 30 + 6);
//! assert!((spec.entropy_bits() - 178.6).abs() < 0.05);
//!
//! // What a server stores, and what it shows in a list of keys:
//! let stored: String = key.sha256_hex();
//! let label: String = key.display_id();                // "sk_live_" + 8 hex digits
//!
//! // What a server runs on a presented key before any database access:
//! let presented = ApiKey::parse(key.as_str())?;
//! assert_eq!(presented.sha256_hex(), stored);
//! assert!(ApiKey::parse("sk_live_nottherightlengthorchecksum").is_err());
//! # let _ = label;
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # The format, precisely
//!
//! `key = prefix "_" body checksum`, where
//!
//! - `prefix` is 1 to [`MAX_PREFIX_LEN`] characters of `a-z`, `0-9` and
//!   `_`, starting with a letter and not ending with `_` (`sk_live`, `ghp`);
//! - `body` is [`MIN_BODY_LEN`] to [`MAX_BODY_LEN`] characters of the
//!   base62 alphabet [`BASE62`] (`0-9A-Za-z`), each drawn uniformly and
//!   independently;
//! - `checksum` is the CRC-32 (IEEE, as `crc32fast` and zlib compute it)
//!   of the UTF-8 bytes of `prefix "_" body` — everything before the
//!   checksum — written in base62 with the most significant digit first
//!   and left-padded with `0` to [`CHECKSUM_LEN`] (6) characters.
//!
//! Checksumming everything before the checksum (not the body alone) covers
//! the prefix too, so a `sk_test_…` key whose prefix is changed by mistake
//! to `sk_live_` fails the check. (Someone who changes it on purpose just
//! recomputes the CRC; the result is still not a key the server knows.)
//! Because CRC-32 detects every error burst of up to 32 bits, every
//! single-character substitution and every swap of two adjacent characters
//! is detected; other accidental damage passes with probability about
//! 2^-32.
//!
//! A key is split at its **last** `_`: prefixes may contain `_`, bodies and
//! checksums cannot.

use crate::entropy::Recipe;
use crate::{Error, Result};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use std::fmt;

/// The base62 alphabet, in the order its digits are valued: `0-9A-Za-z`.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The fewest random body characters a key may have: 30, that is
/// `30 * log2(62) ≈ 178.6` bits.
pub const MIN_BODY_LEN: usize = 30;

/// The most random body characters a key may have (about 1524 bits).
pub const MAX_BODY_LEN: usize = 256;

/// The longest prefix accepted.
pub const MAX_PREFIX_LEN: usize = 32;

/// The number of base62 characters of checksum at the end of every key
/// (`62^6 > 2^32`, so any CRC-32 fits).
pub const CHECKSUM_LEN: usize = 6;

/// The number of hex digits of the key's SHA-256 in a
/// [`display_id`](ApiKey::display_id).
pub const DISPLAY_ID_HEX: usize = 8;

/// How API keys are made: a prefix and a body length. Build it with
/// [`KeySpec::new`]; draw keys with [`Recipe::generate`] or
/// [`Recipe::sample`].
///
/// Every body is uniform over the `62^body_len` base62 strings (each
/// character drawn with [`crate::sample`]'s exact rejection sampling), so
/// [`space`](Recipe::space) is `62^body_len` and the entropy is exact. The
/// checksum is a function of the body and adds no entropy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    prefix: String,
    body_len: usize,
}

impl KeySpec {
    /// A spec for keys with `prefix` and a body of [`MIN_BODY_LEN`] (30)
    /// characters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the prefix when it is empty, longer
    /// than [`MAX_PREFIX_LEN`], has a character other than `a-z`, `0-9`
    /// and `_`, does not start with a letter, or ends with `_`.
    pub fn new(prefix: &str) -> Result<Self> {
        check_prefix(prefix).map_err(Error::InvalidInput)?;
        Ok(KeySpec {
            prefix: prefix.to_owned(),
            body_len: MIN_BODY_LEN,
        })
    }

    /// The same spec with a body of `body_len` random characters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `body_len` is below [`MIN_BODY_LEN`] or
    /// above [`MAX_BODY_LEN`].
    pub fn with_body_len(mut self, body_len: usize) -> Result<Self> {
        if !(MIN_BODY_LEN..=MAX_BODY_LEN).contains(&body_len) {
            return Err(Error::InvalidInput(format!(
                "the key body length ({body_len}) must be between {MIN_BODY_LEN} and {MAX_BODY_LEN}"
            )));
        }
        self.body_len = body_len;
        Ok(self)
    }

    /// The same spec with the shortest body (at least [`MIN_BODY_LEN`])
    /// whose entropy reaches the entropy target `bits`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the entropy target when it is not a
    /// positive finite number, or needs a body longer than
    /// [`MAX_BODY_LEN`].
    pub fn with_bits(self, bits: f64) -> Result<Self> {
        let len = crate::entropy::target::shortest(
            bits,
            MIN_BODY_LEN..=MAX_BODY_LEN,
            "body characters",
            body_space,
        )?;
        self.with_body_len(len)
    }

    /// The prefix, without the `_` that follows it in a key.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The number of random base62 characters in each key's body.
    pub fn body_len(&self) -> usize {
        self.body_len
    }
}

impl Recipe for KeySpec {
    type Output = ApiKey;

    fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> ApiKey {
        let mut key = String::with_capacity(self.prefix.len() + 1 + self.body_len + CHECKSUM_LEN);
        key.push_str(&self.prefix);
        key.push('_');
        for _ in 0..self.body_len {
            key.push(char::from(BASE62[crate::sample::index(rng, BASE62.len())]));
        }
        let sum = checksum(key.as_bytes());
        key.push_str(std::str::from_utf8(&sum).expect("base62 digits are ASCII"));
        ApiKey {
            prefix_len: self.prefix.len(),
            key,
        }
    }

    fn space(&self) -> BigUint {
        body_space(self.body_len)
    }
}

/// The number of bodies of `body_len` base62 characters.
fn body_space(body_len: usize) -> BigUint {
    BigUint::from(62u32).pow(body_len as u32)
}

/// An API key: the secret itself, known to be well formed with a valid
/// checksum.
///
/// It does not implement `Display` and its `Debug` form hides the secret
/// (it shows the prefix and [`display_id`](ApiKey::display_id) only), so a
/// key cannot end up in a log by accident; [`as_str`](ApiKey::as_str) and
/// [`expose`](ApiKey::expose) are the explicit ways to the text. Equality
/// is compared in constant time.
#[derive(Clone)]
pub struct ApiKey {
    key: String,
    prefix_len: usize,
}

impl ApiKey {
    /// Checks `key`'s format and checksum, without any secret or database:
    /// what a server runs on a presented key before looking it up. Passing
    /// says the key is well formed and not mistyped, not that it is
    /// genuine: the checksum is a public CRC-32 that anyone can compute,
    /// so the lookup of its hash must follow.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] saying what is wrong ("malformed API key:
    /// …" or "API key has a bad checksum"); the message never contains the
    /// key. [`check`] gives the reason as an [`Invalid`] value.
    pub fn parse(key: &str) -> Result<ApiKey> {
        match split(key.as_bytes()) {
            Ok(prefix_len) => Ok(ApiKey {
                key: key.to_owned(),
                prefix_len,
            }),
            Err(Invalid::BadChecksum) => {
                Err(Error::InvalidInput("API key has a bad checksum".to_owned()))
            }
            Err(Invalid::Malformed(why)) => {
                Err(Error::InvalidInput(format!("malformed API key: {why}")))
            }
        }
    }

    /// The whole key, secret included.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The whole key, secret included: the same as [`as_str`](ApiKey::as_str),
    /// under a name that stands out in review.
    pub fn expose(&self) -> &str {
        &self.key
    }

    /// The whole key as an owned string.
    pub fn into_string(self) -> String {
        self.key
    }

    /// The prefix, without its trailing `_` (`sk_live` for `sk_live_…`).
    pub fn prefix(&self) -> &str {
        &self.key[..self.prefix_len]
    }

    /// The number of random characters in the body.
    pub fn body_len(&self) -> usize {
        self.key.len() - self.prefix_len - 1 - CHECKSUM_LEN
    }

    /// SHA-256 of the whole key's UTF-8 bytes: what a server stores
    /// instead of the key. A key has at least 178 bits of entropy, so an
    /// unsalted fast hash cannot be reversed by guessing.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.key.as_bytes()).into()
    }

    /// [`sha256`](ApiKey::sha256) in lowercase hex (64 characters).
    pub fn sha256_hex(&self) -> String {
        crate::TokenFormat::Hex.encode(&self.sha256())
    }

    /// A short identifier that is safe to show, log and print in scan
    /// results: the prefix, `_`, and the first [`DISPLAY_ID_HEX`] (8) hex
    /// digits of [`sha256_hex`](ApiKey::sha256_hex), for example
    /// `sk_live_3f9a0c12`.
    ///
    /// It tells keys apart and finds a key's stored hash (it is that hash's
    /// first 8 digits), but reveals nothing useful about the secret: 32
    /// bits of a one-way hash of a secret with at least 178 bits of entropy
    /// leave at least 146 bits unknown. It is far too short to parse as a
    /// key.
    pub fn display_id(&self) -> String {
        let hex = self.sha256_hex();
        format!("{}_{}", self.prefix(), &hex[..DISPLAY_ID_HEX])
    }

    /// The key with its secret part replaced by `*`: the prefix, `_` and
    /// eight `*` whatever the length, for example `sk_live_********`.
    pub fn redacted(&self) -> String {
        format!("{}_********", self.prefix())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("prefix", &self.prefix())
            .field("display_id", &self.display_id())
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

impl PartialEq for ApiKey {
    fn eq(&self, other: &Self) -> bool {
        crate::compare_digest(&self.key, &other.key)
    }
}

impl Eq for ApiKey {}

impl std::str::FromStr for ApiKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ApiKey::parse(s)
    }
}

/// Why a string is not a valid API key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Invalid {
    /// It does not have the shape of a key; the text says how (it never
    /// contains the key).
    Malformed(String),
    /// It has the shape of a key but its checksum does not match: mistyped,
    /// truncated or damaged. (A forged key can carry a valid checksum, so
    /// the absence of this error proves nothing about where a key came
    /// from.)
    BadChecksum,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Malformed(why) => write!(f, "malformed: {why}"),
            Invalid::BadChecksum => f.write_str("bad checksum"),
        }
    }
}

impl std::error::Error for Invalid {}

/// Checks `key`'s format and checksum and says what is wrong, without
/// allocating when the key is valid. The same test as [`ApiKey::parse`],
/// with the same limit: it catches accidents, and a forger can pass it.
///
/// # Errors
///
/// [`Invalid::Malformed`] or [`Invalid::BadChecksum`].
pub fn check(key: &str) -> std::result::Result<(), Invalid> {
    split(key.as_bytes()).map(|_| ())
}

/// Whether `key` is a well-formed API key with a valid checksum: cheap (one
/// pass and one CRC-32, no allocation), for filtering typos and truncation
/// before any lookup. `true` does not mean the key is genuine: anyone can
/// compute the checksum.
pub fn is_well_formed(key: &str) -> bool {
    split(key.as_bytes()).is_ok()
}

/// The CRC-32 of `data` in base62, most significant digit first, padded
/// with `0` to [`CHECKSUM_LEN`] characters.
///
/// An error-detecting code, not a MAC: it has no key, so it catches
/// accidents (typos, truncation, a changed character) and nothing else.
/// Anyone can compute it for any string they like.
///
/// ```
/// // CRC-32("123456789") = 0xCBF43926 = 3421780262
/// assert_eq!(&keysmith::apikey::checksum(b"123456789"), b"3jZRME");
/// ```
pub fn checksum(data: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut n = crc32fast::hash(data);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        // Base conversion of a public checksum, not a random draw.
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

fn is_base62(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Why `prefix` cannot be a key prefix, or `Ok`.
fn check_prefix(prefix: &str) -> std::result::Result<(), String> {
    let shown = || {
        if prefix.len() > 40 {
            format!("'{}…'", prefix.chars().take(40).collect::<String>())
        } else {
            format!("'{prefix}'")
        }
    };
    if prefix.is_empty() {
        return Err("the key prefix must not be empty".into());
    }
    if prefix.len() > MAX_PREFIX_LEN {
        return Err(format!(
            "the key prefix {} is longer than {MAX_PREFIX_LEN} characters",
            shown()
        ));
    }
    if let Some(c) = prefix
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        return Err(format!(
            "the key prefix {} has {c:?}: only a-z, 0-9 and '_' are allowed",
            shown()
        ));
    }
    if !prefix.as_bytes()[0].is_ascii_lowercase() {
        return Err(format!(
            "the key prefix {} must start with a letter",
            shown()
        ));
    }
    if prefix.ends_with('_') {
        return Err(format!(
            "the key prefix {} must not end with '_' (the separator is added)",
            shown()
        ));
    }
    Ok(())
}

/// Validates a whole key; on success gives the prefix length.
fn split(key: &[u8]) -> std::result::Result<usize, Invalid> {
    let malformed = |s: String| Err(Invalid::Malformed(s));
    let Some(sep) = key.iter().rposition(|&b| b == b'_') else {
        return malformed("no '_' between prefix and body".into());
    };
    let (prefix, tail) = (&key[..sep], &key[sep + 1..]);
    if prefix.is_empty() {
        return malformed("the prefix is empty".into());
    }
    if prefix.len() > MAX_PREFIX_LEN {
        return malformed(format!(
            "the prefix is longer than {MAX_PREFIX_LEN} characters"
        ));
    }
    if !prefix
        .iter()
        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return malformed("the prefix may only have a-z, 0-9 and '_'".into());
    }
    if !prefix[0].is_ascii_lowercase() {
        return malformed("the prefix must start with a letter".into());
    }
    if prefix.ends_with(b"_") {
        return malformed("the prefix must not end with '_'".into());
    }
    if !tail.iter().all(|&b| is_base62(b)) {
        return malformed("the body may only have base62 characters (0-9, A-Z, a-z)".into());
    }
    let min = MIN_BODY_LEN + CHECKSUM_LEN;
    let max = MAX_BODY_LEN + CHECKSUM_LEN;
    if tail.len() < min {
        return malformed(format!(
            "the part after the last '_' has {} characters; at least {min} \
             ({MIN_BODY_LEN} random + {CHECKSUM_LEN} checksum) are needed",
            tail.len()
        ));
    }
    if tail.len() > max {
        return malformed(format!(
            "the part after the last '_' has {} characters; at most {max} are allowed",
            tail.len()
        ));
    }
    let (data, sum) = key.split_at(key.len() - CHECKSUM_LEN);
    if checksum(data) != sum {
        return Err(Invalid::BadChecksum);
    }
    Ok(sep)
}

/// A key found in text by [`find_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The line it is on, counting from 1 (lines end at `\n`).
    pub line: usize,
    /// Where on the line it starts: the byte offset from the start of the
    /// line, counting from 1.
    pub column: usize,
    /// The key (its `Debug` form is redacted).
    pub key: ApiKey,
}

/// Every API key with a valid checksum in `text`, in order.
///
/// A candidate is a run of `A-Z`, `a-z`, `0-9` and `_` that holds a `_`
/// followed by 36 to 262 base62 characters to the end of the run. If the
/// whole run is not a valid key, the runs starting after each of its `_`
/// are tried too (longest first), so `export_sk_live_…` finds the
/// `sk_live_…` key. Only candidates whose checksum verifies are reported:
/// random text passes by chance with probability 2^-32 per candidate.
pub fn find_keys(text: &str) -> impl Iterator<Item = Found> + '_ {
    find_keys_in_bytes(text.as_bytes())
}

/// [`find_keys`] over bytes that need not be UTF-8 (keys are ASCII, so any
/// ASCII-compatible encoding works).
pub fn find_keys_in_bytes(text: &[u8]) -> impl Iterator<Item = Found> + '_ {
    text.split(|&b| b == b'\n')
        .enumerate()
        .flat_map(|(i, line)| {
            keys_in_line(line)
                .into_iter()
                .map(move |(column, key)| Found {
                    line: i + 1,
                    column,
                    key,
                })
        })
}

/// The keys on one line, each with its 1-based byte column.
pub(crate) fn keys_in_line(line: &[u8]) -> Vec<(usize, ApiKey)> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if !is_word(line[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && is_word(line[i]) {
            i += 1;
        }
        if let Some((offset, key)) = key_in_run(&line[start..i]) {
            found.push((start + offset + 1, key));
        }
    }
    found
}

/// The longest valid key that ends a run of word characters, with its
/// offset in the run.
fn key_in_run(run: &[u8]) -> Option<(usize, ApiKey)> {
    let sep = run.iter().rposition(|&b| b == b'_')?;
    let tail = run.len() - sep - 1;
    if !(MIN_BODY_LEN + CHECKSUM_LEN..=MAX_BODY_LEN + CHECKSUM_LEN).contains(&tail) {
        return None;
    }
    let starts = std::iter::once(0).chain(
        run[..sep]
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'_')
            .map(|(j, _)| j + 1),
    );
    for s in starts {
        let candidate = &run[s..];
        if let Ok(prefix_len) = split(candidate) {
            let key = String::from_utf8(candidate.to_vec()).ok()?;
            return Some((s, ApiKey { key, prefix_len }));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_known_values() {
        // CRC-32 check value: crc32("123456789") = 0xCBF43926.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(&checksum(b"123456789"), b"3jZRME");
        // crc32("") = 0 pads to all zeros.
        assert_eq!(&checksum(b""), b"000000");
    }

    #[test]
    fn prefix_rules() {
        for ok in ["a", "sk_live", "ghp", "k2", "a_b_c", &"a".repeat(32)] {
            assert!(KeySpec::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Sk",
            "1k",
            "_k",
            "k_",
            "sk-live",
            "sk live",
            "ké",
            &"a".repeat(33),
        ] {
            assert!(KeySpec::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn run_with_leading_word_finds_the_key() {
        let key = KeySpec::new("sk_live").unwrap().generate();
        let text = format!("export_{}", key.as_str());
        let found = keys_in_line(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "export_".len() + 1);
        assert_eq!(found[0].1, key);
    }
}
