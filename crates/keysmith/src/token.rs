//! Random tokens: `token_bytes`, `token_hex`, `token_urlsafe`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand_core::CryptoRng;

/// The number of random bytes a token has when none is given: 32 bytes,
/// 256 bits, as in Python's `secrets`.
pub const DEFAULT_ENTROPY: usize = 32;

/// How a token's bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFormat {
    /// Lowercase hexadecimal, two characters a byte (`token_hex`).
    Hex,
    /// Base64 with the URL- and filename-safe alphabet and no padding
    /// (`token_urlsafe`), about 1.3 characters a byte.
    UrlSafe,
    /// Standard base64 with padding.
    Base64,
}

impl TokenFormat {
    /// The text form of `bytes` in this format.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            TokenFormat::Hex => hex_lower(bytes),
            TokenFormat::UrlSafe => base64_string(&URL_SAFE_NO_PAD, bytes),
            TokenFormat::Base64 => base64_string(&STANDARD, bytes),
        }
    }
}

/// Base64 of `bytes`, encoded on the stack when it fits, so the only
/// allocation is the returned string's.
fn base64_string(engine: &impl Engine, bytes: &[u8]) -> String {
    let mut stack = [0u8; 128];
    match engine.encode_slice(bytes, &mut stack) {
        Ok(n) => {
            let s = std::str::from_utf8(&stack[..n])
                .expect("base64 is ASCII")
                .to_owned();
            stack.fill(0);
            s
        }
        Err(_) => engine.encode(bytes),
    }
}

/// Lowercase hex into one allocation of the exact size, two digits per
/// byte from a 256-entry table. Written here rather than taken from a crate
/// because the token path is hot and the crates' `encode` builds the string
/// a character at a time.
fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    const TABLE: [[u8; 2]; 256] = {
        let mut t = [[0u8; 2]; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = [DIGITS[i >> 4], DIGITS[i & 0x0f]];
            i += 1;
        }
        t
    };
    let mut stack = [0u8; 128];
    let mut heap;
    let out: &mut [u8] = if bytes.len() * 2 <= stack.len() {
        &mut stack[..bytes.len() * 2]
    } else {
        heap = vec![0u8; bytes.len() * 2];
        &mut heap
    };
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&TABLE[usize::from(b)]);
    }
    // Only ASCII hex digits were written.
    let s = std::str::from_utf8(out)
        .expect("hex digits are ASCII")
        .to_owned();
    out.fill(0);
    s
}

/// `nbytes` random bytes (default [`DEFAULT_ENTROPY`]) from `rng`.
pub fn token_bytes_with<R: CryptoRng + ?Sized>(rng: &mut R, nbytes: Option<usize>) -> Vec<u8> {
    let n = nbytes.unwrap_or(DEFAULT_ENTROPY);
    // Small tokens: fill on the stack and copy out, which costs less than
    // a zeroed allocation.
    let mut stack = [0u8; 64];
    if n <= stack.len() {
        let bytes = &mut stack[..n];
        rng.fill_bytes(bytes);
        let v = bytes.to_vec();
        bytes.fill(0);
        return v;
    }
    let mut buf = vec![0u8; n];
    rng.fill_bytes(&mut buf);
    buf
}

/// A token of `nbytes` random bytes (default [`DEFAULT_ENTROPY`]) from `rng`,
/// written in `format`.
pub fn token_with<R: CryptoRng + ?Sized>(
    rng: &mut R,
    nbytes: Option<usize>,
    format: TokenFormat,
) -> String {
    let n = nbytes.unwrap_or(DEFAULT_ENTROPY);
    // Tokens are short: keep the bytes on the stack when they fit.
    let mut stack = [0u8; 64];
    if n <= stack.len() {
        let bytes = &mut stack[..n];
        rng.fill_bytes(bytes);
        let s = format.encode(bytes);
        bytes.fill(0);
        s
    } else {
        let mut bytes = vec![0u8; n];
        rng.fill_bytes(&mut bytes);
        let s = format.encode(&bytes);
        bytes.fill(0);
        s
    }
}

/// Random bytes: `nbytes` of them, or [`DEFAULT_ENTROPY`] (32) when given
/// `None`. Python: `secrets.token_bytes(nbytes=None)`.
///
/// ```
/// assert_eq!(keysmith::token_bytes(16).len(), 16);
/// assert_eq!(keysmith::token_bytes(None).len(), keysmith::DEFAULT_ENTROPY);
/// ```
pub fn token_bytes(nbytes: impl Into<Option<usize>>) -> Vec<u8> {
    token_bytes_with(&mut crate::rng(), nbytes.into())
}

/// A random text string in lowercase hexadecimal: `nbytes` random bytes
/// (default 32), two hex digits each. Python: `secrets.token_hex(nbytes=None)`.
///
/// ```
/// let t = keysmith::token_hex(16);
/// assert_eq!(t.len(), 32);
/// assert!(t.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
/// ```
pub fn token_hex(nbytes: impl Into<Option<usize>>) -> String {
    token_with(&mut crate::rng(), nbytes.into(), TokenFormat::Hex)
}

/// A random URL-safe text string: `nbytes` random bytes (default 32) in
/// base64url without padding, safe in URLs and file names.
/// Python: `secrets.token_urlsafe(nbytes=None)`.
///
/// ```
/// let t = keysmith::token_urlsafe(None); // 32 bytes -> 43 characters
/// assert_eq!(t.len(), 43);
/// ```
pub fn token_urlsafe(nbytes: impl Into<Option<usize>>) -> String {
    token_with(&mut crate::rng(), nbytes.into(), TokenFormat::UrlSafe)
}

/// Fills `dest` with random bytes from the default source without
/// allocating.
///
/// # Panics
///
/// If the operating system cannot supply random bytes; see
/// [`try_fill_bytes`] for the fallible form.
#[inline]
pub fn fill_bytes(dest: &mut [u8]) {
    use rand_core::Rng as _;
    crate::rng().fill_bytes(dest);
}

/// Fills `dest` with random bytes from the default source, reporting a
/// failure of the operating system's source as [`Error::Entropy`].
///
/// [`Error::Entropy`]: crate::Error::Entropy
#[inline]
pub fn try_fill_bytes(dest: &mut [u8]) -> crate::Result<()> {
    crate::rng().try_fill(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_format_macro() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex_lower(&bytes), expected);
    }

    #[test]
    fn formats_encode_known_bytes() {
        let b = [0xfb, 0xff, 0x00];
        assert_eq!(TokenFormat::Hex.encode(&b), "fbff00");
        assert_eq!(TokenFormat::UrlSafe.encode(&b), "-_8A");
        assert_eq!(TokenFormat::Base64.encode(&b), "+/8A");
        assert_eq!(TokenFormat::Base64.encode(&b[..1]), "+w==");
        assert_eq!(TokenFormat::UrlSafe.encode(&b[..1]), "-w");
    }
}
