//! Where randomness comes from.
//!
//! Every keysmith function that does not take a generator draws from
//! [`rng()`]: this is the one place that decides which source backs the
//! library. All samplers are generic over [`rand_core::CryptoRng`], so the
//! same code runs on the default source, on [`OsRng`] and, in tests, on a
//! seeded generator.

mod os;

pub use os::OsRng;

use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};

/// A handle to keysmith's default secure source.
///
/// It is a zero-sized value: copying it is free and every copy draws from the
/// same source. It implements the `rand_core` 0.10 traits (`Rng`,
/// `CryptoRng`), so it can drive `rand` and `rand_distr` as well.
///
/// Today the default source is the operating system ([`OsRng`]), exactly as
/// Python's `secrets` uses `os.urandom`.
///
/// # Panics
///
/// Drawing panics if the operating system cannot supply random bytes at all
/// (on Linux: `getrandom(2)` failing for a reason other than an interrupted
/// call). No secret can safely be made without entropy, so there is nothing
/// sensible to return instead; use [`crate::try_fill_bytes`] to handle that
/// case as an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecureRng {
    _private: (),
}

/// The default secure generator: the single function through which all of
/// keysmith's randomness flows.
#[inline]
pub fn rng() -> SecureRng {
    SecureRng { _private: () }
}

impl SecureRng {
    /// Fills `dest` from the default source, reporting a failure of the
    /// operating system's source as an error instead of panicking.
    #[inline]
    pub fn try_fill(&mut self, dest: &mut [u8]) -> crate::Result<()> {
        os::fill(dest).map_err(crate::Error::Entropy)
    }
}

impl TryRng for SecureRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        os::fill_or_panic(dst);
        Ok(())
    }
}

impl TryCryptoRng for SecureRng {}
