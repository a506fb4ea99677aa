//! Random tokens: `token_bytes`, `token_hex`, `token_urlsafe`.

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
            TokenFormat::UrlSafe => base64(bytes, Alphabet::UrlSafe),
            TokenFormat::Base64 => base64(bytes, Alphabet::Standard),
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

/// The two base64 alphabets of RFC 4648: they differ in the last two
/// characters, and the standard one pads to a multiple of four.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Alphabet {
    /// `A-Z a-z 0-9 + /`, padded with `=`.
    Standard,
    /// `A-Z a-z 0-9 - _`, unpadded (section 5).
    UrlSafe,
}

/// Base64 of `bytes` in one allocation, in two passes: the 6-bit groups,
/// then each group turned into its character with arithmetic (as
/// [`hex_lower`] does), not looked up in a table, so no memory address
/// depends on the secret's bits. The second pass runs over whole blocks of
/// sixteen, which the compiler makes vector instructions. Written here
/// rather than taken from a crate: the `base64` crate indexes a table by
/// the secret bits (a cache-timing channel), and RustCrypto's constant-time
/// `base64ct` takes 661 instructions for a 32-byte token where this takes
/// 471 and the table 398 (`bench/callgrind`, "urlsafe").
fn base64(bytes: &[u8], alphabet: Alphabet) -> String {
    let tail = bytes.len() % 3;
    let sextets = bytes.len() / 3 * 4 + [0, 2, 3][tail];
    let len = match alphabet {
        Alphabet::Standard => bytes.len().div_ceil(3) * 4,
        Alphabet::UrlSafe => sextets,
    };
    let last = match alphabet {
        Alphabet::Standard => [b'+', b'/'],
        Alphabet::UrlSafe => [b'-', b'_'],
    };
    // Room for whole blocks; cut to `len` at the end.
    let mut out = zeroed(sextets.next_multiple_of(16).max(len));
    let (groups, rest) = bytes.as_chunks::<3>();
    let (fours, _) = out.as_chunks_mut::<4>();
    for (four, three) in fours.iter_mut().zip(groups) {
        *four = base64_groups(*three);
    }
    if let Some((&a, more)) = rest.split_first() {
        let b = more.first().copied().unwrap_or(0);
        let at = groups.len() * 4;
        out[at] = a >> 2;
        out[at + 1] = (a & 3) << 4 | b >> 4;
        if !more.is_empty() {
            out[at + 2] = (b & 15) << 2;
        }
    }
    for block in out.as_chunks_mut::<16>().0 {
        for n in block {
            *n = base64_char(*n, last);
        }
    }
    out.truncate(len);
    out[sextets..].fill(b'=');
    ascii_string(out)
}

/// The encoders' output (ASCII) as a `String`.
fn ascii_string(out: Vec<u8>) -> String {
    String::from_utf8(out).expect("the encoders write ASCII")
}

/// The four 6-bit groups of three bytes.
#[inline(always)]
fn base64_groups([a, b, c]: [u8; 3]) -> [u8; 4] {
    [
        a >> 2,
        (a & 3) << 4 | b >> 4,
        (b & 15) << 2 | c >> 6,
        c & 63,
    ]
}

/// The character for a 6-bit group `n` (`n < 64`), where the alphabet's
/// last two are `last`: `'A' + n`, moved by the
/// gap to the next range for each range boundary `n` has passed, each
/// selected with a mask (all ones when `n >= boundary`).
#[inline(always)]
fn base64_char(n: u8, [c62, c63]: [u8; 2]) -> u8 {
    let at_least = |boundary: u8| 0u8.wrapping_sub(u8::from(n as i8 >= boundary as i8));
    // 0..26 'A'.., 26..52 'a'.., 52..62 '0'.., 62 and 63.
    let mut c = (b'A').wrapping_add(n);
    c = c.wrapping_add(at_least(26) & (b'a' - b'A' - 26));
    c = c.wrapping_add(at_least(52) & (b'0'.wrapping_sub(b'a' + 26)));
    c = c.wrapping_add(at_least(62) & c62.wrapping_sub(b'0' + 10));
    c.wrapping_add(at_least(63) & c63.wrapping_sub(c62 + 1))
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
    ascii_string(out)
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

    #[test]
    fn base64_matches_rfc_4648_and_an_independent_encoder() {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        // RFC 4648, section 10.
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(TokenFormat::Base64.encode(input.as_bytes()), encoded);
        }
        // Every 6-bit group, in both alphabets.
        let all: Vec<u8> = (0..16u32)
            .flat_map(|k| {
                let n = (4 * k) << 18 | (4 * k + 1) << 12 | (4 * k + 2) << 6 | (4 * k + 3);
                [(n >> 16) as u8, (n >> 8) as u8, n as u8]
            })
            .collect();
        assert!(TokenFormat::UrlSafe.encode(&all).starts_with("ABCDEFGH"));
        assert_eq!(
            URL_SAFE_NO_PAD.encode(&all),
            TokenFormat::UrlSafe.encode(&all)
        );
        for n in 0..64 {
            let [std, url] = [[b'+', b'/'], [b'-', b'_']].map(|last| base64_char(n, last));
            assert!(std.is_ascii_alphanumeric() || b"+/".contains(&std), "{n}");
            assert!(url.is_ascii_alphanumeric() || b"-_".contains(&url), "{n}");
        }
        // Every length up to 258 (each remainder mod 3; the longest hold every
        // byte value).
        let bytes: Vec<u8> = (0..=255u8).cycle().skip(7).take(258).collect();
        for n in 0..=bytes.len() {
            let b = &bytes[..n];
            assert_eq!(
                TokenFormat::Base64.encode(b),
                STANDARD.encode(b),
                "{n} bytes"
            );
            assert_eq!(
                TokenFormat::UrlSafe.encode(b),
                URL_SAFE_NO_PAD.encode(b),
                "{n} bytes"
            );
        }
    }
}
