//! Serving many small draws from one request to the source.

use core::convert::Infallible;
use core::fmt;
use rand_core::{CryptoRng, TryCryptoRng, TryRng};
use zeroize::Zeroize;

/// The smallest buffer [`Buffered`] may have: one `u64` draw.
pub(crate) const MIN_BUFFER: usize = 8;

/// Takes bytes from `inner` `N` at a time and serves draws from them.
///
/// Generators that make many small draws (a password asks for one integer
/// per character) call the source once instead of once per draw: one
/// system call instead of twenty on the OS source. The bytes are exactly
/// the source's bytes in order, so every sampler's exactness is unchanged.
/// Bytes are wiped from the buffer as they are served, and the rest when
/// the adapter is dropped, with [`zeroize`] so that the optimiser cannot
/// drop the wipe. `Debug` shows the sizes only, never the bytes or the
/// source.
///
/// Internal to the crate: the samplers that need it use it, and nothing
/// outside names it. `N` must be at least [`MIN_BUFFER`] (8, one `u64`):
/// a smaller `N` does not compile.
pub(crate) struct Buffered<'a, R: ?Sized, const N: usize = 128> {
    inner: &'a mut R,
    buf: [u8; N],
    pos: usize,
}

impl<'a, R: CryptoRng + ?Sized, const N: usize> Buffered<'a, R, N> {
    /// An adapter over `inner` with an empty buffer.
    pub(crate) fn new(inner: &'a mut R) -> Self {
        // Evaluated when `new` is instantiated: `Buffered::<_, 4>` is a
        // compile-time error, not a panic at the first `next_u64`.
        const { assert!(N >= MIN_BUFFER, "rng::Buffered needs N >= 8 (one u64 draw)") };
        Buffered {
            inner,
            buf: [0u8; N],
            pos: N,
        }
    }

    #[inline]
    fn take<const K: usize>(&mut self) -> [u8; K] {
        const { assert!(K <= MIN_BUFFER) };
        if N - self.pos < K {
            self.inner.fill_bytes(&mut self.buf);
            self.pos = 0;
        }
        let src = &mut self.buf[self.pos..self.pos + K];
        let mut out = [0u8; K];
        out.copy_from_slice(src);
        src.zeroize();
        self.pos += K;
        out
    }
}

impl<R: ?Sized, const N: usize> fmt::Debug for Buffered<'_, R, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffered")
            .field("size", &N)
            .field("buffered", &(N - self.pos))
            .finish_non_exhaustive()
    }
}

impl<R: ?Sized, const N: usize> Drop for Buffered<'_, R, N> {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl<R: CryptoRng + ?Sized, const N: usize> TryRng for Buffered<'_, R, N> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(u32::from_le_bytes(self.take::<4>()))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(u64::from_le_bytes(self.take::<8>()))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let avail = N - self.pos;
        if dst.len() <= avail {
            let src = &mut self.buf[self.pos..self.pos + dst.len()];
            dst.copy_from_slice(src);
            src.zeroize();
            self.pos += dst.len();
        } else {
            // Large requests go straight to the source; what is buffered
            // stays for the next small draw.
            self.inner.fill_bytes(dst);
        }
        Ok(())
    }
}

impl<R: CryptoRng + ?Sized, const N: usize> TryCryptoRng for Buffered<'_, R, N> {}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    #[test]
    fn serves_the_inner_stream_in_order() {
        let mut a = ChaCha20Rng::seed_from_u64(3);
        let mut b = ChaCha20Rng::seed_from_u64(3);
        let mut expected = [0u8; 64 * 4];
        b.fill_bytes(&mut expected);
        let mut buffered = Buffered::<_, 64>::new(&mut a);
        let mut got = Vec::new();
        for _ in 0..8 {
            got.extend_from_slice(&buffered.next_u32().to_le_bytes());
        }
        for _ in 0..4 {
            got.extend_from_slice(&buffered.next_u64().to_le_bytes());
        }
        let mut small = [0u8; 16];
        buffered.fill_bytes(&mut small);
        got.extend_from_slice(&small);
        // 80 bytes drawn: the first 64-byte block, then 16 of the second.
        assert_eq!(got[..], expected[..80]);
    }

    #[test]
    fn debug_shows_sizes_never_bytes() {
        let mut inner = ChaCha20Rng::seed_from_u64(5);
        let mut b = Buffered::<_, 32>::new(&mut inner);
        assert_eq!(format!("{b:?}"), "Buffered { size: 32, buffered: 0, .. }");
        b.next_u32();
        let shown = format!("{b:?}");
        assert_eq!(shown, "Buffered { size: 32, buffered: 28, .. }");
        // No byte of the buffer, in any of Debug's forms, appears.
        assert!(!shown.contains('['), "{shown}");
        let pretty = format!("{b:#?}");
        assert!(
            !pretty.contains('[') && !pretty.contains("inner"),
            "{pretty}"
        );
    }

    #[test]
    fn the_smallest_buffer_serves_u64_draws() {
        let mut a = ChaCha20Rng::seed_from_u64(6);
        let mut c = ChaCha20Rng::seed_from_u64(6);
        let mut b = Buffered::<_, MIN_BUFFER>::new(&mut a);
        for _ in 0..4 {
            assert_eq!(b.next_u64(), c.next_u64());
        }
        // A u32 then a u64: the u64 does not fit the 4 bytes left, so a
        // refill discards them (wiped) and serves the next 8.
        let first = b.next_u32();
        let second = b.next_u64();
        let mut expected = [0u8; 16];
        c.fill_bytes(&mut expected);
        assert_eq!(first.to_le_bytes(), expected[..4]);
        assert_eq!(second.to_le_bytes(), expected[8..16]);
    }

    #[test]
    fn wipes_what_it_serves() {
        let mut inner = ChaCha20Rng::seed_from_u64(4);
        let mut b = Buffered::<_, 32>::new(&mut inner);
        b.next_u64();
        b.next_u32();
        assert!(b.buf[..12].iter().all(|&x| x == 0));
        assert!(b.buf[12..].iter().any(|&x| x != 0));
    }
}
