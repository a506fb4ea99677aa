//! Where randomness comes from.
//!
//! Every keysmith function that does not take a generator draws from
//! [`rng()`]: this is the one place that decides which source backs the
//! library. All samplers are generic over [`rand_core::CryptoRng`], so the
//! same code runs on the default source, on [`OsRng`] and, in tests, on a
//! seeded generator.
//!
//! # Sources
//!
//! - [`Source::Fast`] (the default): a per-thread ChaCha20 generator in
//!   fast-key-erasure mode, seeded from the operating system and reseeded
//!   after [`RESEED_BYTES`] of output or [`RESEED_INTERVAL`], whichever comes
//!   first. Its state lives in a page the kernel wipes in a forked child
//!   (`MADV_WIPEONFORK`), so parent and child never share output; where the
//!   kernel cannot promise that ([`fork_safe_state_supported`] is false),
//!   every draw goes to the operating system instead.
//! - [`Source::Os`]: the operating system (`getrandom(2)`) for every draw,
//!   as Python's `secrets` does. Slower, with no state in the process.
//!
//! [`set_source`] picks the source for the whole process.

#[cfg(any(feature = "password", feature = "passphrase"))]
mod buffered;
mod fast;
mod os;
mod page;

#[cfg(any(feature = "password", feature = "passphrase"))]
pub(crate) use buffered::Buffered;

pub use fast::{RESEED_BYTES, RESEED_INTERVAL, thread_reseeds};
pub use os::OsRng;
pub use page::fork_safe_state_supported;

use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};
use std::sync::atomic::{AtomicU8, Ordering};

/// Which generator backs [`rng()`] and so every keysmith function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Source {
    /// The fork-safe per-thread ChaCha20 fast-key-erasure generator.
    #[default]
    Fast,
    /// The operating system's source, one system call per draw.
    Os,
}

static SOURCE: AtomicU8 = AtomicU8::new(0);

/// Makes `source` the source of every draw in this process from now on.
pub fn set_source(source: Source) {
    let v = match source {
        Source::Fast => 0,
        Source::Os => 1,
    };
    SOURCE.store(v, Ordering::Relaxed);
}

/// The source [`rng()`] draws from.
#[inline]
pub fn source() -> Source {
    match SOURCE.load(Ordering::Relaxed) {
        0 => Source::Fast,
        _ => Source::Os,
    }
}

/// A handle to keysmith's default secure source.
///
/// It is a zero-sized value: copying it is free and every copy draws from
/// the process's selected [`Source`] (per thread for the fast generator).
/// It implements the `rand_core` 0.10 traits (`Rng`, `CryptoRng`), so it
/// can drive `rand` and `rand_distr` as well.
///
/// # Panics
///
/// Drawing panics if the operating system cannot supply random bytes at all
/// (on Linux: `getrandom(2)` failing for a reason other than an interrupted
/// call) when a seed is needed. No secret can safely be made without
/// entropy, so there is nothing sensible to return instead; use
/// [`crate::try_fill_bytes`] to handle that case as an error.
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
        match source() {
            Source::Fast => fast::try_fill(dest),
            Source::Os => os::fill(dest),
        }
        .map_err(crate::Error::Entropy)
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
        match source() {
            Source::Fast => fast::fill(dst),
            Source::Os => os::fill_or_panic(dst),
        }
        Ok(())
    }
}

impl TryCryptoRng for SecureRng {}
