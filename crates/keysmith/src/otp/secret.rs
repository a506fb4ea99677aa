//! The shared secret of HOTP/TOTP, and its base32 text form.

use crate::{Error, Result};
use rand_core::CryptoRng;
use std::fmt;

/// The key an authenticator app and a server share for HOTP/TOTP.
///
/// Its `Debug` form is `Secret([redacted])`, equality is constant time,
/// and the bytes are overwritten with zeros when it is dropped. It is
/// exchanged as base32 (RFC 4648), the form authenticator apps accept.
///
/// ```
/// use keysmith::otp::Secret;
///
/// let s = Secret::from_base32("jbsw y3dp ehpk 3pxp")?;  // case and spaces ignored
/// assert_eq!(s.as_bytes(), b"Hello!\xde\xad\xbe\xef");
/// assert_eq!(s.to_base32(), "JBSWY3DPEHPK3PXP");
/// assert_eq!(format!("{s:?}"), "Secret([redacted])");
/// assert_eq!(Secret::generate().as_bytes().len(), 20);   // 160 bits
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
    /// `bits`: 160 bits or less keeps 20 bytes, 256 bits gives 32 (the
    /// length RFC 6238 pairs with SHA-256).
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
    /// [`Error::InvalidInput`] naming the target when it is not a finite
    /// positive number, or needs more than
    /// [`MAX_GENERATED_LEN`](Secret::MAX_GENERATED_LEN) bytes.
    pub fn len_for_bits(bits: f64) -> Result<usize> {
        crate::entropy::check_bits_target(bits)?;
        (Self::GENERATED_LEN..=Self::MAX_GENERATED_LEN)
            .find(|&n| (n * 8) as f64 >= bits)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{bits} bits need a secret of more than {} bytes (at most {} bits)",
                    Self::MAX_GENERATED_LEN,
                    Self::MAX_GENERATED_LEN * 8
                ))
            })
    }

    /// A fresh secret of `len` random bytes from `rng`; its entropy is
    /// `8 * len` bits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] unless `len` is between 16 (the 128 bits
    /// RFC 4226 requires) and [`MAX_GENERATED_LEN`](Secret::MAX_GENERATED_LEN).
    pub fn generate_len_with<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> Result<Secret> {
        if !(16..=Self::MAX_GENERATED_LEN).contains(&len) {
            return Err(Error::InvalidInput(format!(
                "a generated secret has 16 to {} bytes (got {len})",
                Self::MAX_GENERATED_LEN
            )));
        }
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        Ok(Secret { bytes })
    }

    /// A secret with exactly these bytes (for example the RFC test seeds).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `bytes` is empty.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Secret> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::InvalidInput("the secret is empty".into()));
        }
        Ok(Secret { bytes })
    }

    /// Reads a base32 secret (RFC 4648 alphabet) as people and apps write
    /// it: lowercase is accepted, whitespace is ignored, and trailing `=`
    /// padding is optional. Unused bits in the last character are ignored,
    /// as authenticator apps do.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] ("invalid base32 secret: ...") naming the
    /// position of the first bad character or the impossible length, and
    /// "the secret is empty" for blank input. The message never contains
    /// the secret.
    pub fn from_base32(text: &str) -> Result<Secret> {
        let body = text.trim_end_matches(|c: char| c == '=' || c.is_whitespace());
        let mut bytes = Vec::with_capacity(body.len() * 5 / 8 + 1);
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
                bytes.push((acc >> nbits) as u8);
                acc &= (1 << nbits) - 1;
            }
        }
        let problem = if let Some(pos) = bad {
            Some(format!(
                "invalid base32 secret: character {pos} is not in the base32 alphabet (A-Z, 2-7)"
            ))
        } else if matches!(count % 8, 1 | 3 | 6) {
            Some(format!(
                "invalid base32 secret: {count} characters is not a possible base32 length"
            ))
        } else if count == 0 {
            Some("the secret is empty".to_owned())
        } else {
            None
        };
        match problem {
            Some(msg) => {
                bytes.fill(0);
                Err(Error::InvalidInput(msg))
            }
            None => Ok(Secret { bytes }),
        }
    }

    /// The secret in base32 (RFC 4648), uppercase, without `=` padding: the
    /// form `otpauth://` URIs and authenticator apps use.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.bytes)
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
        self.bytes.fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let s = Secret::from_bytes(bytes).unwrap();
            assert_eq!(s.to_base32(), text);
            assert_eq!(Secret::from_base32(text).unwrap().as_bytes(), bytes);
        }
        // with padding, lowercase and spaces
        assert_eq!(
            Secret::from_base32("mzxw 6ytb oi======")
                .unwrap()
                .as_bytes(),
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
    }

    #[test]
    fn debug_is_redacted_and_equality_compares_bytes() {
        let s = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(s, s.clone());
        assert_ne!(s, Secret::from_bytes(b"x".to_vec()).unwrap());
    }
}
