//! Python's [`secrets`](https://docs.python.org/3/library/secrets.html)
//! module in Rust: tokens, integers and choices drawn from a secure source,
//! every draw exactly unbiased.
//!
//! # Tokens
//!
//! ```
//! let reset_token = keysmith::token_urlsafe(None);   // 32 bytes, 43 characters
//! let session_id = keysmith::token_hex(16);          // 16 bytes, 32 hex digits
//! let key: Vec<u8> = keysmith::token_bytes(32);
//! assert_eq!((reset_token.len(), session_id.len(), key.len()), (43, 32, 32));
//!
//! let mut nonce = [0u8; 12];
//! keysmith::fill_bytes(&mut nonce);                  // no allocation
//! ```
//!
//! # Integers and choices
//!
//! ```
//! use keysmith::BigUint;
//!
//! let die = keysmith::randbelow(6u32)? + 1;          // 1..=6, exactly uniform
//! assert!((1..=6).contains(&die));
//!
//! let huge = BigUint::from(10u32).pow(40);
//! assert!(keysmith::randbelow(huge.clone())? < huge); // any size
//!
//! assert!(keysmith::randbits(12)? < 4096);
//! let colour = keysmith::choice(&["red", "green", "blue"])?;
//!
//! assert_eq!(keysmith::randbelow(0u64).unwrap_err().to_string(),
//!            "upper bound must be positive");
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # Comparing secrets
//!
//! ```
//! let stored = "1f9a...";
//! let presented = "1f9a...";
//! assert!(keysmith::compare_digest(stored, presented)); // constant time
//! ```
//!
//! # The rest of `random`, over the secure source
//!
//! [`SystemRandom`] has Python's `random` API and implements the `rand_core`
//! traits, so `rand` and `rand_distr` can use it too.
//!
//! ```
//! let mut r = keysmith::SystemRandom::new();
//! let x = r.random();                                  // 53-bit float in [0, 1)
//! let roll = r.randint(1, 6)?;
//! let even = r.randrange(0, 100, 2)?;
//! let mut deck: Vec<u32> = (1..=52).collect();
//! r.shuffle(&mut deck);
//! let hand = r.sample(&deck, 5)?;
//! # assert!((0.0..1.0).contains(&x) && (1..=6).contains(&roll) && even % 2 == 0 && hand.len() == 5);
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! # Generators with exact entropy
//!
//! Passwords that meet site rules, passphrases, one-time codes, API keys
//! and reset links are [`Recipe`]s: values that are checked when built and
//! then draw exactly uniformly, knowing the exact size of their space.
//!
//! ```
//! # #[cfg(all(feature = "password", feature = "passphrase", feature = "otp", feature = "apikey"))] {
//! use keysmith::{Recipe, Policy, PassphraseRecipe, CodeFormat, KeySpec};
//!
//! let policy = Policy::builder().length(16).min_digits(2).no_ambiguous().build()?;
//! let password = policy.generate();
//! assert_eq!(password.chars().count(), 16);
//! assert!(policy.entropy_bits() > 90.0);                // log2 of an exact count
//!
//! let phrase = PassphraseRecipe::builder().build()?;    // EFF long list, 6 words
//! assert!(phrase.entropy_bits() >= 77.0);
//!
//! let code = CodeFormat::numeric(6)?.generate();        // "048213"
//! let key = KeySpec::new("sk_live")?.generate();        // sk_live_<30 base62><checksum>
//! assert!(keysmith::ApiKey::parse(key.expose()).is_ok());
//! # assert_eq!(code.len(), 6);
//! # }
//! # Ok::<(), keysmith::Error>(())
//! ```
//!
//! See [`password`], [`passphrase`], [`otp`] (codes, HOTP, TOTP),
//! [`apikey`] and [`reset`] (password-reset links). Each is a Cargo
//! feature, all on by default; with `default-features = false` the crate
//! is the `secrets` API, [`SystemRandom`] and the sources alone.
//!
//! # Python → keysmith
//!
//! | Python                                   | keysmith                                          |
//! |------------------------------------------|---------------------------------------------------|
//! | `secrets.DEFAULT_ENTROPY`                | [`DEFAULT_ENTROPY`] (32 bytes)                    |
//! | `secrets.token_bytes(n=None)`            | [`token_bytes`]`(n)` / `token_bytes(None)`        |
//! | `secrets.token_hex(n=None)`              | [`token_hex`]`(n)` / `token_hex(None)`            |
//! | `secrets.token_urlsafe(n=None)`          | [`token_urlsafe`]`(n)` / `token_urlsafe(None)`    |
//! | `secrets.randbelow(n)`                   | [`randbelow`]`(n)` (u8…u128, usize, [`BigUint`])  |
//! | `secrets.randbits(k)`                    | [`randbits`]`(k)` (k ≤ 128), [`randbits_big`]`(k)`|
//! | `secrets.choice(seq)`                    | [`choice`]`(&seq)`                                |
//! | `secrets.compare_digest(a, b)`           | [`compare_digest`]`(a, b)`                        |
//! | `secrets.SystemRandom()`                 | [`SystemRandom::new()`]                           |
//! | `os.urandom(n)` into a buffer            | [`fill_bytes`]`(&mut buf)`, [`try_fill_bytes`]    |
//!
//! The `random` methods of [`SystemRandom`] keep Python's names:
//! `random`, `uniform`, `randint`, `randrange`, `choice`, `choices`,
//! `shuffle`, `sample`, `getrandbits`, `randbytes`, `triangular`, `gauss`,
//! `normalvariate`, `lognormvariate`, `expovariate`, `vonmisesvariate`,
//! `gammavariate`, `betavariate`, `paretovariate`, `weibullvariate`,
//! `binomialvariate`. Python's `choices(pop, weights, cum_weights, k)` is
//! split into [`SystemRandom::choices`], [`SystemRandom::choices_weighted`]
//! and [`SystemRandom::choices_cum_weighted`] (all exact, unlike Python's),
//! and `sample(pop, k, counts=c)` is [`SystemRandom::sample_counts`].
//! `seed`, `getstate` and `setstate` are absent: a secure source has no
//! state to set. Where Python raises, keysmith returns an [`Error`].
//!
//! # Guarantees
//!
//! - **Exactly unbiased.** Every integer, index and permutation is drawn by
//!   rejection sampling; see [`sample`]. No `%` on a random value, no
//!   scaled float.
//! - **One source.** Everything draws from [`rng()`]; the generic functions
//!   in [`sample`] take any [`rand_core::CryptoRng`] instead. By default that
//!   is a fork-safe per-thread ChaCha20 fast-key-erasure generator seeded
//!   from the operating system; [`rng::set_source`] switches the process to
//!   `getrandom(2)` for every draw. See [`mod@rng`] for the construction and
//!   its reseeding bounds.
//! - **Errors are values.** Bad arguments give an [`Error`] whose message
//!   names the problem. The one panic is the operating system failing to
//!   supply entropy at all, where no secret can safely be made (see
//!   [`rng::SecureRng`]).
//! - **Constant-time comparison** with [`compare_digest`].

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The crate docs name every generator: without all of them, some of their
// links have nothing to point at.
#![cfg_attr(
    not(all(
        feature = "password",
        feature = "passphrase",
        feature = "otp",
        feature = "apikey",
        feature = "reset"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "apikey")]
#[cfg_attr(docsrs, doc(cfg(feature = "apikey")))]
pub mod apikey;
mod compare;
pub mod entropy;
mod error;
#[cfg(feature = "otp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otp")))]
pub mod otp;
#[cfg(feature = "passphrase")]
#[cfg_attr(docsrs, doc(cfg(feature = "passphrase")))]
pub mod passphrase;
#[cfg(feature = "password")]
#[cfg_attr(docsrs, doc(cfg(feature = "password")))]
pub mod password;
mod random;
#[cfg(feature = "otp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otp")))]
pub mod recovery;
#[cfg(feature = "reset")]
#[cfg_attr(docsrs, doc(cfg(feature = "reset")))]
pub mod reset;
pub mod rng;
pub mod sample;
#[cfg(any(feature = "password", feature = "passphrase"))]
mod secret;
#[cfg(feature = "reset")]
mod time;
mod token;

#[cfg(feature = "apikey")]
#[cfg_attr(docsrs, doc(cfg(feature = "apikey")))]
pub use apikey::{ApiKey, KeySpec};
pub use compare::compare_digest;
pub use entropy::Recipe;
pub use error::{Error, Result};
pub use num_bigint::BigUint;
#[cfg(feature = "otp")]
#[allow(deprecated)]
#[doc(hidden)]
pub use otp::Code;
#[cfg(feature = "otp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otp")))]
pub use otp::{CodeFormat, Hotp, Totp};
#[cfg(feature = "passphrase")]
#[allow(deprecated)]
#[doc(hidden)]
pub use passphrase::Passphrase;
#[cfg(feature = "passphrase")]
#[cfg_attr(docsrs, doc(cfg(feature = "passphrase")))]
pub use passphrase::{PassphraseRecipe, WordList};
#[cfg(feature = "password")]
#[cfg_attr(docsrs, doc(cfg(feature = "password")))]
pub use password::Policy;
/// The `rand_core` this crate's public bounds name ([`RngCore`](rand_core::RngCore),
/// [`CryptoRng`](rand_core::CryptoRng)), so callers need not match its version.
pub use rand_core;
pub use random::{RandomInt, SystemRandom, Weight, WeightedIndex};
#[cfg(feature = "reset")]
#[cfg_attr(docsrs, doc(cfg(feature = "reset")))]
pub use reset::{ResetLink, ResetLinks};
pub use rng::rng;
pub use sample::UniformBelow;
#[cfg(feature = "reset")]
#[cfg_attr(docsrs, doc(cfg(feature = "reset")))]
pub use time::rfc3339;
pub use token::{
    DEFAULT_ENTROPY, TokenFormat, fill_bytes, token_bytes, token_bytes_with, token_hex,
    token_urlsafe, token_with, try_fill_bytes,
};
/// The `zeroize` this crate wipes secrets with, so callers can hold what
/// they get back (a [`otp::Secret::to_base32`], a token) in the same
/// [`Zeroizing`](zeroize::Zeroizing) without matching its version.
pub use zeroize;

/// A random integer drawn uniformly from `[0, n)`. Python:
/// `secrets.randbelow(n)`.
///
/// Works for `u8`, `u16`, `u32`, `u64`, `u128`, `usize` and [`BigUint`].
///
/// # Errors
///
/// [`Error::NonPositiveBound`] ("upper bound must be positive") when `n`
/// is zero.
#[inline]
pub fn randbelow<T: UniformBelow>(n: T) -> Result<T> {
    sample::below(&mut rng(), n)
}

/// An integer of `k` random bits, `0 <= x < 2^k`. Python:
/// `secrets.randbits(k)`. `k = 0` gives 0.
///
/// # Errors
///
/// [`Error::TooManyBits`] when `k > 128`; [`randbits_big`] takes any `k`.
#[inline]
pub fn randbits(k: u32) -> Result<u128> {
    sample::bits(&mut rng(), k)
}

/// An arbitrary-precision integer of `k` random bits, `0 <= x < 2^k`.
pub fn randbits_big(k: u64) -> BigUint {
    sample::bits_big(&mut rng(), k)
}

/// A uniformly chosen element of a non-empty slice. Python:
/// `secrets.choice(seq)`.
///
/// # Errors
///
/// [`Error::EmptySequence`] ("cannot choose from an empty sequence").
#[inline]
pub fn choice<T>(seq: &[T]) -> Result<&T> {
    sample::choice(&mut rng(), seq)
}
