//! The operating system's source, through `getrandom`.

use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};

/// The operating system's secure source (`getrandom(2)` on Linux), one
/// system call per draw, with no state in the process.
///
/// This is what Python's `secrets` uses. It implements the infallible
/// `rand_core` traits; see [`SecureRng`](super::SecureRng) for what happens
/// if the operating system fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRng;

pub(crate) fn fill(dest: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::fill(dest)
}

#[cold]
#[inline(never)]
pub(crate) fn entropy_failure(e: getrandom::Error) -> ! {
    panic!("keysmith: the operating system could not supply random bytes: {e}")
}

#[inline]
pub(crate) fn fill_or_panic(dest: &mut [u8]) {
    if let Err(e) = fill(dest) {
        entropy_failure(e)
    }
}

impl TryRng for OsRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        fill_or_panic(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        fill_or_panic(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        fill_or_panic(dst);
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}
