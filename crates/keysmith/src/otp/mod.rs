//! One-time codes: random codes to send by mail or SMS, drawn from a
//! [`CodeFormat`], and HOTP/TOTP codes computed from a shared secret
//! ([`Hotp`], [`Totp`], RFC 4226 and RFC 6238).
//!
//! # Codes to send
//!
//! ```
//! use keysmith::Recipe;
//! use keysmith::otp::{CodeFormat, CROCKFORD_BASE32};
//!
//! let six = CodeFormat::numeric(6)?;
//! let code = six.generate();                     // "048213": zero-padded
//! assert_eq!(code.len(), 6);
//! assert_eq!(six.space(), 1_000_000u32.into());  // exactly uniform over 10^6
//!
//! let alnum = CodeFormat::alphabet(CROCKFORD_BASE32, 8)?;
//! assert_eq!(alnum.entropy_bits(), 40.0);        // 32^8 codes
//! assert!(!alnum.verify(&alnum.generate(), "not it"));
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # Authenticator apps (TOTP)
//!
//! ```
//! use keysmith::otp::{Secret, Totp};
//!
//! // Enrolment: a fresh 160-bit secret, shown to the user as a URI / QR code.
//! let totp = Totp::new(Secret::generate());
//! let uri = totp.otpauth_uri("Example Co", "alice@example.com")?;
//! assert!(uri.starts_with("otpauth://totp/Example%20Co:alice%40example.com?secret="));
//!
//! // Login: the code the app shows now is accepted, within one step of drift.
//! let now = 1_700_000_000;
//! let code = totp.code_at(now);
//! assert_eq!(totp.verify(&code, now + 30, 1)?, Some(-1));
//! assert_eq!(totp.verify(&code, now + 30, 0)?, None);
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # Limits
//!
//! - An imported secret has at least [`Secret::MIN_LEN`] bytes (128 bits,
//!   RFC 4226 R6) unless [`SecretImport::allow_short_secret`] says otherwise.
//! - [`Hotp::verify`] looks at most [`MAX_HOTP_LOOK_AHEAD`] counters ahead
//!   and [`Totp::verify`] at most [`MAX_TOTP_SKEW_STEPS`] steps either side;
//!   a wider window is an error, not a slower search.

mod code;
mod hotp;
mod secret;

#[allow(deprecated)]
pub use code::Code;
pub use code::{CROCKFORD_BASE32, CodeFormat, MAX_ALPHABET_CODE_LENGTH, NUMERIC_DIGITS};
pub use hotp::{Algorithm, Hotp, MAX_HOTP_LOOK_AHEAD, MAX_TOTP_SKEW_STEPS, Totp};
pub use secret::{Secret, SecretImport};
