//! Random tokens: `token_bytes`, `token_hex`, `token_urlsafe`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

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

/// A zeroed buffer of `len` bytes. Not `vec![0; len]`: that asks the
/// allocator for zeroed memory (`calloc`), which glibc serves without its
/// per-thread cache; for a token-sized buffer a plain allocation and a
/// memset cost about a third as many instructions.
#[allow(clippy::slow_vector_initialization)]
#[inline]
fn zeroed(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    v.resize(len, 0);
    v
}

/// Base64 of `bytes` in one allocation of the exact size (`Engine::encode`
/// zero-fills its buffer through `calloc`, see [`zeroed`]).
fn base64_string(engine: &impl Engine, bytes: &[u8]) -> String {
    let len = base64::encoded_len(
        bytes.len(),
        base64::engine::Config::encode_padding(engine.config()),
    )
    .expect("a token's length fits in usize");
    let mut out = zeroed(len);
    let written = engine
        .encode_slice(bytes, &mut out)
        .expect("the buffer has the encoded length");
    debug_assert_eq!(written, len);
    String::from_utf8(out).expect("base64 is ASCII")
}

/// Lowercase hex into one allocation of the exact size. Each digit is
/// computed with arithmetic rather than looked up in a table: no memory
/// address depends on the secret, and the compiler turns the loop into
/// vector instructions (eight bytes a step with SSE2), several times faster
/// than a byte-at-a-time table. Written here rather than taken from a crate
/// for that reason: the `hex` crate builds the string a character at a time.
fn hex_lower(bytes: &[u8]) -> String {
    let mut out = zeroed(bytes.len() * 2);
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = hex_digit(b >> 4);
        pair[1] = hex_digit(b & 0x0f);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// The lowercase hex digit for a nibble (`n < 16`): `'0' + n`, plus the
/// gap from `'9' + 1` to `'a'` when `n > 9`, selected with a mask.
#[inline(always)]
fn hex_digit(n: u8) -> u8 {
    // All ones when n > 9, else zero.
    let above_nine = (9u8.wrapping_sub(n) as i8 >> 7) as u8;
    b'0' + n + (above_nine & (b'a' - b'0' - 10))
}

/// `nbytes` random bytes (default [`DEFAULT_ENTROPY`]) from `rng`.
pub fn token_bytes_with<R: CryptoRng + ?Sized>(rng: &mut R, nbytes: Option<usize>) -> Vec<u8> {
    let n = nbytes.unwrap_or(DEFAULT_ENTROPY);
    let mut buf = zeroed(n);
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
    // Tokens are short: keep the bytes on the stack when they fit. Only
    // the `n` bytes used are wiped, with `zeroize`'s volatile writes: a
    // plain `fill(0)` of memory about to go out of scope is a dead store
    // the optimiser may remove.
    let mut stack = [0u8; STACK_TOKEN];
    if n <= stack.len() {
        let bytes = &mut stack[..n];
        rng.fill_bytes(bytes);
        let s = format.encode(bytes);
        bytes.zeroize();
        s
    } else {
        let mut bytes = Zeroizing::new(zeroed(n));
        rng.fill_bytes(&mut bytes);
        format.encode(&bytes)
    }
}

/// The longest token whose bytes [`token_with`] keeps on the stack.
const STACK_TOKEN: usize = 64;

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
