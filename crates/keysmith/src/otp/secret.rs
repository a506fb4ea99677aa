//! The shared secret of HOTP/TOTP, and its base32 text form.

use crate::{Error, Result};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The key an authenticator app and a server share for HOTP/TOTP.
///
/// Its `Debug` form is `Secret([redacted])`, equality is constant time,
/// and the bytes are wiped (with [`zeroize`], which the optimiser cannot
/// remove) when it is dropped. It is exchanged as base32 (RFC 4648), the
/// form authenticator apps accept.
///
/// An imported secret must have at least [`MIN_LEN`](Secret::MIN_LEN)
/// bytes (128 bits, RFC 4226 R6) unless the caller allows shorter ones
/// with [`Secret::import`]`().`[`allow_short_secret(true)`](SecretImport::allow_short_secret).
///
/// ```
/// use keysmith::otp::Secret;
///
/// let s = Secret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")?;  // case and spaces ignored
/// assert_eq!(s.as_bytes(), b"12345678901234567890");
/// assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
/// assert_eq!(format!("{s:?}"), "Secret([redacted])");
/// assert_eq!(Secret::generate().as_bytes().len(), 20);   // 160 bits
///
/// // 80 bits: refused, unless asked for explicitly.
/// assert!(Secret::from_base32("JBSWY3DPEHPK3PXP").is_err());
/// let short = Secret::import().allow_short_secret(true).base32("JBSWY3DPEHPK3PXP")?;
/// assert_eq!(short.as_bytes(), b"Hello!\xde\xad\xbe\xef");
/// assert!(short.is_short());
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Vec<u8>,
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl Secret {
    /// The length of a [generated](Secret::generate) secret: 20 bytes, the
    /// length RFC 4226 recommends and HMAC-SHA-1's output size.
    pub const GENERATED_LEN: usize = 20;

    /// The entropy of a [generated](Secret::generate) secret in bits (160).
    pub const GENERATED_BITS: u32 = 8 * Self::GENERATED_LEN as u32;

    /// The fewest bytes an imported secret may have unless
    /// [allowed](SecretImport::allow_short_secret): 16 bytes, the 128 bits
    /// RFC 4226 (requirement R6) sets as the minimum. Generated secrets
    /// have at least [`GENERATED_LEN`](Secret::GENERATED_LEN) (20).
    pub const MIN_LEN: usize = 16;

    /// [`MIN_LEN`](Secret::MIN_LEN) in bits (128).
    pub const MIN_BITS: u32 = 8 * Self::MIN_LEN as u32;

    /// The longest secret [`generate_len_with`](Secret::generate_len_with)
    /// makes: 64 bytes (512 bits), HMAC-SHA-512's output size. HMAC hashes
    /// longer keys down, so more bytes would add nothing.
    pub const MAX_GENERATED_LEN: usize = 64;

    /// A fresh 160-bit secret from keysmith's default source
    /// ([`crate::rng()`]).
    pub fn generate() -> Secret {
        Secret::generate_with(&mut crate::rng())
    }

    /// A fresh 160-bit secret from `rng`.
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Secret {
        let mut bytes = vec![0u8; Self::GENERATED_LEN];
        rng.fill_bytes(&mut bytes);
        Secret { bytes }
    }

    /// The length in bytes of the shortest secret, at least
    /// [`GENERATED_LEN`](Secret::GENERATED_LEN) (20), whose entropy reaches
    /// the entropy target `bits`: 160 bits or less keeps 20 bytes, 256 bits
    /// gives 32 (the length RFC 6238 pairs with SHA-256).
    ///
    /// ```
    /// use keysmith::otp::Secret;
    /// assert_eq!(Secret::len_for_bits(128.0)?, 20);
    /// assert_eq!(Secret::len_for_bits(256.0)?, 32);
    /// assert!(Secret::len_for_bits(513.0).is_err());
    /// # Ok::<(), keysmith::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the entropy target when it is not a
    /// positive finite number, or needs more than
    /// [`MAX_GENERATED_LEN`](Secret::MAX_GENERATED_LEN) bytes.
    pub fn len_for_bits(bits: f64) -> Result<usize> {
        crate::entropy::target::shortest(
            bits,
            Self::GENERATED_LEN..=Self::MAX_GENERATED_LEN,
            "bytes of secret",
            |n| BigUint::from(1u32) << (8 * n),
        )
    }

    /// A fresh secret of `len` random bytes from `rng`; its entropy is
    /// `8 * len` bits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] unless `len` is between
    /// [`MIN_LEN`](Secret::MIN_LEN) (16, the 128 bits RFC 4226 requires)
    /// and [`MAX_GENERATED_LEN`](Secret::MAX_GENERATED_LEN).
    pub fn generate_len_with<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> Result<Secret> {
        if !(Self::MIN_LEN..=Self::MAX_GENERATED_LEN).contains(&len) {
            return Err(Error::InvalidInput(format!(
                "a generated secret has {} to {} bytes (got {len})",
                Self::MIN_LEN,
                Self::MAX_GENERATED_LEN
            )));
        }
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        Ok(Secret { bytes })
    }

    /// How to read a secret made elsewhere, with the checks to apply:
    /// [`Secret::from_bytes`] and [`Secret::from_base32`] are
    /// `Secret::import().bytes(…)` and `Secret::import().base32(…)`.
    ///
    /// ```
    /// use keysmith::otp::Secret;
    ///
    /// // A legacy 80-bit secret, accepted because the caller says so.
    /// let legacy = Secret::import().allow_short_secret(true).base32("JBSWY3DPEHPK3PXP")?;
    /// assert_eq!(legacy.as_bytes().len(), 10);
    /// # Ok::<(), keysmith::Error>(())
    /// ```
    pub const fn import() -> SecretImport {
        SecretImport { allow_short: false }
    }

    /// A secret with exactly these bytes (for example the RFC test seeds).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `bytes` is empty, or shorter than
    /// [`MIN_LEN`](Secret::MIN_LEN) (16 bytes, 128 bits); see
    /// [`SecretImport::allow_short_secret`] for the latter.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Secret> {
        Secret::import().bytes(bytes)
    }

    /// Reads a base32 secret (RFC 4648 alphabet) as people and apps write
    /// it: lowercase is accepted, whitespace is ignored, and trailing `=`
    /// padding is optional. Unused bits in the last character are ignored,
    /// as authenticator apps do.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] ("invalid base32 secret: ...") naming the
    /// position of the first bad character or the impossible length,
    /// "the secret is empty" for blank input, and a message giving the
    /// number of bits for a secret shorter than
    /// [`MIN_LEN`](Secret::MIN_LEN) (see
    /// [`SecretImport::allow_short_secret`]). The message never contains
    /// the secret.
    pub fn from_base32(text: &str) -> Result<Secret> {
        Secret::import().base32(text)
    }

    /// Whether the secret has fewer than [`MIN_LEN`](Secret::MIN_LEN)
    /// bytes (128 bits): what [`Secret::from_bytes`] and
    /// [`Secret::from_base32`] refuse, and only
    /// [`SecretImport::allow_short_secret`] lets through.
    pub fn is_short(&self) -> bool {
        self.bytes.len() < Self::MIN_LEN
    }

    /// The base32 reader behind [`SecretImport::base32`], with no length
    /// check beyond "not empty". The bytes go straight into a `Secret`
    /// whose capacity is reserved up front, so no reallocation leaves part
    /// of the key in freed memory and every error path wipes it on drop.
    fn parse_base32(text: &str) -> Result<Secret> {
        let body = text.trim_end_matches(|c: char| c == '=' || c.is_whitespace());
        // At most 5 bits a byte of text: enough for every byte decoded.
        let mut secret = Secret {
            bytes: Vec::with_capacity(body.len() * 5 / 8 + 1),
        };
        let bytes = &mut secret.bytes;
        let mut acc: u32 = 0;
        let mut nbits = 0u32;
        let mut count = 0usize;
        let mut bad = None;
        for (i, c) in body.chars().enumerate() {
            if c.is_whitespace() {
                continue;
            }
            let Some(v) = base32_value(c) else {
                bad = Some(i + 1);
                break;
            };
            count += 1;
            acc = (acc << 5) | v;
            nbits += 5;
            if nbits >= 8 {
                nbits -= 8;
                debug_assert!(bytes.len() < bytes.capacity());
                bytes.push((acc >> nbits) as u8);
                acc &= (1 << nbits) - 1;
            }
        }
        acc.zeroize();
        if let Some(pos) = bad {
            return Err(Error::InvalidInput(format!(
                "invalid base32 secret: character {pos} is not in the base32 alphabet (A-Z, 2-7)"
            )));
        }
        if matches!(count % 8, 1 | 3 | 6) {
            return Err(Error::InvalidInput(format!(
                "invalid base32 secret: {count} characters is not a possible base32 length"
            )));
        }
        if count == 0 {
            return Err(Error::InvalidInput("the secret is empty".to_owned()));
        }
        Ok(secret)
    }

    /// The secret in base32 (RFC 4648), uppercase, without `=` padding: the
    /// form `otpauth://` URIs and authenticator apps use. The string is
    /// made in one allocation of its final size; wiping it when done (for
    /// example by holding it in a [`zeroize::Zeroizing`]) is the caller's
    /// part.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.bytes)
    }

    /// Appends [`to_base32`](Secret::to_base32) to `out`, which the caller
    /// has reserved room in.
    pub(crate) fn append_base32(&self, out: &mut String) {
        data_encoding::BASE32_NOPAD.encode_append(&self.bytes, out);
    }

    /// The length of [`to_base32`](Secret::to_base32).
    pub(crate) fn base32_len(&self) -> usize {
        data_encoding::BASE32_NOPAD.encode_len(self.bytes.len())
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

fn base32_value(c: char) -> Option<u32> {
    let c = u8::try_from(c).ok()?.to_ascii_uppercase();
    BASE32.iter().position(|&b| b == c).map(|i| i as u32)
}

impl std::str::FromStr for Secret {
    type Err = Error;

    /// [`Secret::from_base32`].
    fn from_str(s: &str) -> Result<Secret> {
        Secret::from_base32(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl PartialEq for Secret {
    /// Constant time, with [`compare_digest`](crate::compare_digest).
    fn eq(&self, other: &Secret) -> bool {
        crate::compare_digest(&self.bytes, &other.bytes)
    }
}

impl Eq for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        // The whole allocation, spare capacity included.
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

/// How [`Secret::import`] reads a secret made elsewhere: which checks
/// apply. By default a secret under [`Secret::MIN_LEN`] bytes (128 bits)
/// is refused, as RFC 4226 (R6) requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct SecretImport {
    allow_short: bool,
}

impl Default for SecretImport {
    fn default() -> Self {
        Secret::import()
    }
}

impl SecretImport {
    /// With `true`, also accept secrets shorter than [`Secret::MIN_LEN`]
    /// (at least one byte), for a legacy enrolment that cannot be redone.
    /// Such a secret is weaker than RFC 4226 allows: 80 bits, the length
    /// of many old examples, is within reach of a well-funded search.
    pub const fn allow_short_secret(mut self, allow: bool) -> SecretImport {
        self.allow_short = allow;
        self
    }

    /// A secret with exactly these bytes. The bytes are wiped when the
    /// result (or the error) is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `bytes` is empty, or shorter than
    /// [`Secret::MIN_LEN`] without
    /// [`allow_short_secret(true)`](SecretImport::allow_short_secret).
    pub fn bytes(self, bytes: impl Into<Vec<u8>>) -> Result<Secret> {
        let secret = Secret {
            bytes: bytes.into(),
        };
        if secret.bytes.is_empty() {
            return Err(Error::InvalidInput("the secret is empty".into()));
        }
        self.check_len(secret)
    }

    /// Reads a base32 secret as [`Secret::from_base32`] does.
    ///
    /// # Errors
    ///
    /// As [`Secret::from_base32`]; a short secret only without
    /// [`allow_short_secret(true)`](SecretImport::allow_short_secret).
    pub fn base32(self, text: &str) -> Result<Secret> {
        self.check_len(Secret::parse_base32(text)?)
    }

    fn check_len(self, secret: Secret) -> Result<Secret> {
        if secret.is_short() && !self.allow_short {
            return Err(Error::InvalidInput(format!(
                "the secret has {} bits, fewer than the {} RFC 4226 requires (R6)",
                8 * secret.bytes.len(),
                Secret::MIN_BITS
            )));
        }
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any length, as the RFC 4648 vectors need.
    fn lenient() -> SecretImport {
        Secret::import().allow_short_secret(true)
    }

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 section 10, without padding.
        let cases: [(&[u8], &str); 6] = [
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ];
        for (bytes, text) in cases {
            let s = lenient().bytes(bytes).unwrap();
            assert_eq!(s.to_base32(), text);
            assert_eq!(s.base32_len(), text.len());
            let mut appended = String::from("x=");
            s.append_base32(&mut appended);
            assert_eq!(appended, format!("x={text}"));
            assert_eq!(lenient().base32(text).unwrap().as_bytes(), bytes);
        }
        // with padding, lowercase and spaces
        assert_eq!(
            lenient().base32("mzxw 6ytb oi======").unwrap().as_bytes(),
            b"foobar"
        );
    }

    #[test]
    fn errors_name_the_position_not_the_secret() {
        let e = Secret::from_base32("JBSWY3DP1HPK3PXP")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid base32 secret: character 9 is not in the base32 alphabet (A-Z, 2-7)"
        );
        let e = Secret::from_base32("JBS").unwrap_err().to_string();
        assert!(e.starts_with("invalid base32 secret: 3 characters"), "{e}");
        assert!(!e.contains("JBS"));
        assert!(Secret::from_base32("JB=SWY3DP").is_err());
        assert_eq!(
            Secret::from_base32(" == ").unwrap_err().to_string(),
            "the secret is empty"
        );
        assert!(Secret::from_base32("JBSWY3DPé").is_err());
        assert!(Secret::from_bytes(Vec::new()).is_err());
        // Allowing short secrets allows no empty one, nor bad base32.
        assert_eq!(
            lenient().bytes(Vec::new()).unwrap_err().to_string(),
            "the secret is empty"
        );
        assert!(lenient().base32("").is_err());
        assert!(lenient().base32("JBSWY3DP1HPK3PXP").is_err());
    }

    #[test]
    fn secrets_under_128_bits_are_refused_unless_allowed() {
        // 15 bytes (120 bits) is one short; 16 is the minimum.
        let e = Secret::from_bytes([7u8; 15]).unwrap_err().to_string();
        assert_eq!(
            e,
            "the secret has 120 bits, fewer than the 128 RFC 4226 requires (R6)"
        );
        assert!(Secret::from_bytes([7u8; Secret::MIN_LEN]).is_ok());
        assert!(!Secret::from_bytes([7u8; 16]).unwrap().is_short());
        // 80 bits in base32: the message gives the size, not the secret.
        let e = Secret::from_base32("JBSWY3DPEHPK3PXP")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("the secret has 80 bits"), "{e}");
        assert!(!e.contains("JBSW"), "{e}");
        assert!("JBSWY3DPEHPK3PXP".parse::<Secret>().is_err());
        // 26 base32 characters are 16 bytes.
        let sixteen = "AEBAGBAFAYDQQCIKBMGA2DQPCA";
        assert_eq!(Secret::from_base32(sixteen).unwrap().as_bytes().len(), 16);
        // Allowed explicitly, the same inputs are read.
        let short = lenient().base32("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(short.as_bytes(), b"Hello!\xde\xad\xbe\xef");
        assert!(short.is_short());
        assert!(lenient().bytes([7u8; 1]).unwrap().is_short());
        // The default import is the strict one.
        assert_eq!(SecretImport::default(), Secret::import());
        assert!(SecretImport::default().bytes([1u8; 10]).is_err());
        assert!(
            lenient()
                .allow_short_secret(false)
                .bytes([1u8; 10])
                .is_err()
        );
    }

    #[test]
    fn base32_capacity_is_reserved_up_front() {
        // The longest possible decode fits the reserved capacity, so no
        // push reallocates (and frees) a buffer holding part of the key.
        for len in 1..=70usize {
            let text = "A".repeat(len);
            if let Ok(s) = lenient().base32(&text) {
                assert!(s.bytes.capacity() >= s.bytes.len());
                assert!(s.bytes.capacity() <= len * 5 / 8 + 1, "{len}");
            }
        }
    }

    #[test]
    fn secret_is_zeroize_on_drop() {
        // Fails to compile if the marker (and the promise) goes away.
        fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}
        wiped_on_drop(&Secret::generate());
    }

    #[test]
    fn debug_is_redacted_and_equality_compares_bytes() {
        let s = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(s, s.clone());
        assert_ne!(
            s,
            Secret::from_bytes(b"12345678901234567891".to_vec()).unwrap()
        );
        assert_ne!(s, lenient().bytes(b"x".to_vec()).unwrap());
    }
}
