//! `SystemRandom`: Python's `random` API over the secure source.

use core::convert::Infallible;
use rand_core::{Rng as _, TryCryptoRng, TryRng};

/// A handle to the secure source with the rest of Python's `random` API.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRandom {
    rng: crate::rng::SecureRng,
}

impl SystemRandom {
    /// A handle to keysmith's default secure source.
    pub fn new() -> Self {
        SystemRandom { rng: crate::rng() }
    }
}

impl TryRng for SystemRandom {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.rng.next_u32())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.rng.next_u64())
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.rng.fill_bytes(dst);
        Ok(())
    }
}

impl TryCryptoRng for SystemRandom {}
