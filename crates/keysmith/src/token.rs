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
            TokenFormat::UrlSafe => base64::<false>(bytes),
            TokenFormat::Base64 => base64::<true>(bytes),
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

/// Base64 of `bytes` in one allocation, eight characters (six bytes) at a
/// time in one 64-bit word: the word's eight 6-bit groups
/// are spread into its eight bytes, and each byte is turned into its
/// character with arithmetic on all eight at once (SWAR), not looked up in
/// a table, so no memory address depends on the secret's bits. The
/// arithmetic has no comparison in it, which leaves the compiler nothing to
/// turn into a branch on the secret either.
///
/// Written here rather than taken from a crate: the `base64` crate indexes
/// a table by the secret bits (a cache-timing channel), and RustCrypto's
/// constant-time `base64ct` is slower than that table. This takes fewer
/// instructions than the `base64` crate's table for 16 to 256 bytes, and
/// about as long (`JOBS='encode encode-table' bench/callgrind`, criterion's
/// `base64url_encode`; docs/benchmarks.md).
///
/// `STANDARD`: RFC 4648's standard alphabet, padded with `=` to a multiple
/// of four; otherwise the URL- and filename-safe alphabet, unpadded
/// (section 5). A constant, so that the alphabet's arithmetic is constants
/// in the loop.
fn base64<const STANDARD: bool>(bytes: &[u8]) -> String {
    let chars = const {
        match STANDARD {
            true => Base64Chars::STANDARD,
            false => Base64Chars::URL_SAFE,
        }
    };
    let n = bytes.len();
    // One character for every six bits or part of six, then the padding.
    let sextets = (n * 4).div_ceil(3);
    // Eight characters for every six bytes or part of six, cut to
    // `sextets` at the end (the characters cut are those of the zero
    // padding, not of the secret), then padded (eight for every six is room
    // enough). Not `vec![]`, which asks for zeroed memory (see [`zeroed`]).
    let words = n.div_ceil(6);
    let mut out = Vec::with_capacity(words);
    out.resize(words, [0u8; 8]);
    // Each group of six read as the top of an eight-byte load while eight
    // bytes are left (the other two are shifted out)...
    let loads = bytes.windows(8).step_by(6);
    let full = loads.len();
    for (word, eight) in out.iter_mut().zip(loads) {
        let eight = u64::from_be_bytes(eight.try_into().expect("eight bytes"));
        *word = chars.encode(eight >> 16).to_be_bytes();
    }
    // ... then the last one or two groups (a part of six at the end).
    for (i, word) in out.iter_mut().enumerate().skip(full) {
        *word = chars.encode(six_bytes_at(bytes, 6 * i)).to_be_bytes();
    }
    let mut out = out.into_flattened();
    out.truncate(sextets);
    if STANDARD {
        out.resize(n.div_ceil(3) * 4, b'=');
    }
    ascii_string(out)
}

/// The six bytes of `bytes` from `at` as the low 48 bits of a word, the
/// first on top, zero-padded past the end: where the slice has eight
/// bytes, its last eight in one load, moved up so that those from `at` are
/// on top; a byte at a time only for a slice shorter than that.
fn six_bytes_at(bytes: &[u8], at: usize) -> u64 {
    if let Some(start) = bytes.len().checked_sub(8).filter(|&start| start <= at) {
        let last = u64::from_be_bytes(bytes[start..].try_into().expect("eight bytes"));
        (last << (8 * (at - start))) >> 16
    } else {
        let rest = &bytes[at..bytes.len().min(at + 6)];
        rest.iter().fold(0, |w, &b| w << 8 | u64::from(b)) << (8 * (6 - rest.len()))
    }
}

/// The arithmetic of a base64 alphabet on eight 6-bit groups at a time,
/// one in each byte of a `u64` ("SIMD within a register").
#[derive(Clone, Copy)]
struct Base64Chars {
    /// Per range boundary (26, 52, 62, 63): what a group that has reached
    /// it adds to (`up`) or takes from (`down`) its character: the gap
    /// from the range below to the range above. One of the two is 0.
    up: [u8; 4],
    down: [u8; 4],
}

/// `b` in each of the eight bytes of a `u64`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

impl Base64Chars {
    /// RFC 4648's alphabet: `A-Z a-z 0-9 + /`.
    const STANDARD: Base64Chars = Base64Chars::new([b'+', b'/']);
    /// RFC 4648's URL- and filename-safe alphabet: `A-Z a-z 0-9 - _`.
    const URL_SAFE: Base64Chars = Base64Chars::new([b'-', b'_']);

    /// The ranges `0..26` (`'A'..`), `26..52` (`'a'..`), `52..62`
    /// (`'0'..`), then the alphabet's last two characters, each a range of
    /// one.
    const BOUNDARIES: [u8; 4] = [26, 52, 62, 63];

    /// Per boundary `k`: `128 - k` in every byte, which sets a byte's top
    /// bit exactly when the byte is `>= k`: a byte is below 64, so the sum
    /// is below 256 and never carries into the next byte.
    const ABOVE: [u64; 4] = {
        let [a, b, c, d] = Self::BOUNDARIES;
        [
            splat(128 - a),
            splat(128 - b),
            splat(128 - c),
            splat(128 - d),
        ]
    };

    /// The alphabet whose characters 62 and 63 are `last`.
    ///
    /// A character is computed as `'A' + group`, then moved by each
    /// boundary's gap in turn, every byte at once; this holds when no step
    /// takes a byte below 0 or above 255 (the byte would borrow from, or
    /// carry into, its neighbour), which is checked here, at compile time
    /// for the two alphabets.
    const fn new(last: [u8; 2]) -> Base64Chars {
        // Each range's first group and first character.
        let first = [
            (0, b'A'),
            (26, b'a'),
            (52, b'0'),
            (62, last[0]),
            (63, last[1]),
        ];
        let mut up = [0; 4];
        let mut down = [0; 4];
        let mut i = 0;
        while i < 4 {
            let (g, c) = first[i];
            let (g_next, c_next) = first[i + 1];
            // The offset (character - group) above and below the boundary.
            let gap = (c_next as i16 - g_next as i16) - (c as i16 - g as i16);
            if gap >= 0 {
                up[i] = gap as u8;
            } else {
                down[i] = (-gap) as u8;
            }
            i += 1;
        }
        let chars = Base64Chars { up, down };
        // No step leaves 0..=255 for any group.
        let mut g = 0;
        while g < 64 {
            let mut c = b'A' as i16 + g;
            let mut i = 0;
            while i < 4 {
                if g >= Self::BOUNDARIES[i] as i16 {
                    c += chars.up[i] as i16;
                    assert!(c <= 255, "a base64 step overflows a byte");
                    c -= chars.down[i] as i16;
                    assert!(c >= 0, "a base64 step underflows a byte");
                }
                i += 1;
            }
            g += 1;
        }
        chars
    }

    /// The eight characters, first in the top byte, of the eight 6-bit
    /// groups of the low 48 bits of `bits`, first group on top.
    #[inline(always)]
    fn encode(self, bits: u64) -> u64 {
        let groups = spread_sextets(bits);
        let mut chars = groups + splat(b'A');
        for i in 0..4 {
            // 0x80 in the bytes whose group has reached boundary i, then
            // 0xff there (0x100 - 0x01: the borrow stays in the byte).
            let reached = (groups + Self::ABOVE[i]) & splat(0x80);
            let mask = (reached << 1).wrapping_sub(reached >> 7);
            chars = chars + (mask & splat(self.up[i])) - (mask & splat(self.down[i]));
        }
        chars
    }
}

/// The eight 6-bit groups of the low 48 bits of `x`, one in each byte of
/// the result, the first (most significant) group in the top byte: halves
/// of 24 bits into 32-bit lanes, then 12 bits into 16, then 6 into 8. Each
/// step moves the upper part of every lane up by `k` bits, as
/// `x + (2^k - 1) * upper`: the upper part is already in `x` once.
#[inline(always)]
fn spread_sextets(x: u64) -> u64 {
    let x = x + 0xff * (x & 0xffff_ff00_0000);
    let x = x + 0xf * (x & 0x00ff_f000_00ff_f000);
    x + 0x3 * (x & 0x0fc0_0fc0_0fc0_0fc0)
}

/// The encoders' output (ASCII) as a `String`.
fn ascii_string(out: Vec<u8>) -> String {
    String::from_utf8(out).expect("the encoders write ASCII")
}

/// Lowercase hex in one allocation, sixteen bytes at a time, each digit
/// computed with arithmetic rather than looked up in a table: no memory
/// address depends on the secret. Blocks of a fixed size (the last one
/// zero-padded, its padding's digits cut), so that the compiler turns each
/// into vector instructions with no scalar remainder loop: the remainder
/// loop of a byte-at-a-time version compiled its `n > 9` test into a
/// branch on the secret. (Checked in the x86-64 release build's
/// disassembly: no branch in the hex path but on lengths.) Written here
/// rather than taken from a crate for that reason: the `hex` crate looks
/// each digit up in a table.
fn hex_lower(bytes: &[u8]) -> String {
    let (blocks, rest) = bytes.as_chunks::<16>();
    let mut out = Vec::with_capacity(bytes.len().div_ceil(16));
    out.extend(blocks.iter().map(hex_block));
    if !rest.is_empty() {
        let mut block = Zeroizing::new([0u8; 16]);
        block[..rest.len()].copy_from_slice(rest);
        out.push(hex_block(&block));
    }
    let mut out = out.into_flattened();
    out.truncate(bytes.len() * 2);
    ascii_string(out)
}

/// The 32 digits of a block of 16 bytes.
#[inline(always)]
fn hex_block(block: &[u8; 16]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (pair, &b) in out.as_chunks_mut::<2>().0.iter_mut().zip(block) {
        *pair = [hex_digit(b >> 4), hex_digit(b & 15)];
    }
    out
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
        // Every length up to two blocks and a part (the padded last block).
        for n in 0..=40 {
            assert_eq!(
                hex_lower(&bytes[200..200 + n]),
                expected[400..400 + 2 * n],
                "{n}"
            );
        }
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
        // Every group in every byte of the word, against the alphabet
        // spelled out.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for last in [[b'+', b'/'], [b'-', b'_']] {
            let chars = Base64Chars::new(last);
            for n in 0..64u64 {
                let expected = alphabet
                    .get(n as usize)
                    .copied()
                    .unwrap_or_else(|| last[n as usize - 62]);
                for lane in 0..8 {
                    // `n` in one group, the others all 63 (the largest)
                    // or all 0, so a carry out of a byte would show.
                    for others in [0, 63u64] {
                        let mut bits = 0;
                        for g in 0..8 {
                            bits = bits << 6 | if g == lane { n } else { others };
                        }
                        let got = chars.encode(bits).to_be_bytes();
                        assert_eq!(got[lane], expected, "group {n} at {lane}, others {others}");
                    }
                }
            }
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

    #[test]
    fn base64_of_random_bytes_matches_an_independent_encoder() {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use rand_core::{Rng, SeedableRng};
        let mut rng = chacha20::ChaCha20Rng::seed_from_u64(12);
        for _ in 0..2000 {
            let mut b = vec![0u8; rng.next_u32() as usize % 100];
            rng.fill_bytes(&mut b);
            assert_eq!(TokenFormat::Base64.encode(&b), STANDARD.encode(&b), "{b:?}");
            assert_eq!(
                TokenFormat::UrlSafe.encode(&b),
                URL_SAFE_NO_PAD.encode(&b),
                "{b:?}"
            );
        }
    }
}
