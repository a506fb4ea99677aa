//! Serving many small draws from one request to the source.

use core::convert::Infallible;
use rand_core::{CryptoRng, TryCryptoRng, TryRng};

/// Takes bytes from `inner` `N` at a time and serves draws from them.
///
/// Generators that make many small draws (a password asks for one integer
/// per character) call the source once instead of once per draw: one
/// system call instead of twenty on the OS source. The bytes are exactly
/// the source's bytes in order, so every sampler's exactness is unchanged.
/// Bytes are wiped from the buffer as they are served, and the rest when
/// the adapter is dropped.
#[derive(Debug)]
pub struct Buffered<'a, R: ?Sized, const N: usize = 128> {
    inner: &'a mut R,
    buf: [u8; N],
    pos: usize,
}

impl<'a, R: CryptoRng + ?Sized, const N: usize> Buffered<'a, R, N> {
    /// An adapter over `inner` with an empty buffer.
    pub fn new(inner: &'a mut R) -> Self {
        Buffered {
            inner,
            buf: [0u8; N],
            pos: N,
        }
    }

    #[inline]
    fn take<const K: usize>(&mut self) -> [u8; K] {
        if N - self.pos < K {
            self.inner.fill_bytes(&mut self.buf);
            self.pos = 0;
        }
        let src = &mut self.buf[self.pos..self.pos + K];
        let mut out = [0u8; K];
        out.copy_from_slice(src);
        src.fill(0);
        self.pos += K;
        out
    }
}

impl<R: ?Sized, const N: usize> Drop for Buffered<'_, R, N> {
    fn drop(&mut self) {
        self.buf.fill(0);
        std::hint::black_box(&self.buf);
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
            src.fill(0);
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
    fn wipes_what_it_serves() {
        let mut inner = ChaCha20Rng::seed_from_u64(4);
        let mut b = Buffered::<_, 32>::new(&mut inner);
        b.next_u64();
        b.next_u32();
        assert!(b.buf[..12].iter().all(|&x| x == 0));
        assert!(b.buf[12..].iter().any(|&x| x != 0));
    }
}
