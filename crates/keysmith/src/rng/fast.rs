//! The fast generator: ChaCha20 in fast-key-erasure mode, per thread.
//!
//! Construction (Bernstein, "Fast-key-erasure random-number generators",
//! 2017): the state is a 32-byte key and a buffer of keystream not yet handed
//! out. A refill runs ChaCha20 under the current key (nonce 0, counter 0) for
//! [`BLOCK`] bytes; the first 32 bytes immediately replace the key and the
//! rest become the buffer. Bytes are wiped from the buffer as they are
//! handed out, so the state never holds output that was already returned,
//! and an attacker who reads the state learns nothing about past outputs.
//!
//! Requests of [`BULK`] bytes or more skip the buffer: a fresh key is taken
//! from the first 32 bytes of the keystream and the rest is written straight
//! into the caller's buffer.
//!
//! # Reseeding
//!
//! The key is replaced by 32 fresh bytes from the operating system when the
//! state is new or was wiped (after `fork()`), after [`RESEED_BYTES`] bytes
//! of output, and when [`RESEED_INTERVAL`] has passed since the last seed
//! (checked at every refill, so at most one buffer is served past the
//! deadline).

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use zeroize::Zeroize;

/// Bytes of keystream per refill: 32 become the next key, the rest output.
pub(crate) const BLOCK: usize = 2048;
/// Output bytes a refill leaves in the buffer.
pub(crate) const BUF_LEN: usize = BLOCK - 32;
/// Requests at least this long are written straight to the caller.
pub(crate) const BULK: usize = BUF_LEN;
/// Output after which the key is replaced from the operating system.
pub const RESEED_BYTES: u64 = 1 << 20;
/// Time after which the key is replaced from the operating system.
pub const RESEED_INTERVAL: Duration = Duration::from_secs(60);

/// The per-thread state. Every field is plain data and the all-zero value
/// is valid: it means "not seeded", which is what a fresh page, and a page
/// wiped in a child after `fork()`, look like.
#[repr(C)]
pub(crate) struct State {
    /// `block[..32]` is the key; `block[32 + pos..]` is unread output.
    block: [u8; BLOCK],
    /// How much of the output part of `block` has been handed out.
    pos: usize,
    /// Output bytes since the last seed from the operating system.
    since_seed: u64,
    /// When the next seed is due, in nanoseconds since [`epoch`].
    reseed_at: u64,
    /// Non-zero once seeded. Zero on a fresh or fork-wiped page.
    seeded: u64,
    /// How many times the key was taken from the operating system (for
    /// tests; wraps).
    reseeds: u64,
}

const _: () = assert!(std::mem::size_of::<State>() <= 4096);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl State {
    /// The all-zero state: not seeded.
    #[cfg(test)]
    pub(crate) const ZERO: State = State {
        block: [0; BLOCK],
        pos: 0,
        since_seed: 0,
        reseed_at: 0,
        seeded: 0,
        reseeds: 0,
    };

    /// Overwrites the whole state with zeros (key and buffer included) in
    /// a way the optimiser keeps, as before the memory is given back.
    pub(crate) fn wipe(&mut self) {
        self.block.zeroize();
        self.pos.zeroize();
        self.since_seed.zeroize();
        self.reseed_at.zeroize();
        self.seeded.zeroize();
        self.reseeds.zeroize();
    }

    /// The zero state on the heap, for tests.
    #[cfg(test)]
    pub(crate) fn zeroed() -> Box<State> {
        Box::new(State::ZERO)
    }

    /// Seeds from the operating system.
    fn reseed(&mut self) -> Result<(), getrandom::Error> {
        super::os::fill(&mut self.block[..32])?;
        self.block[32..].fill(0);
        self.pos = BUF_LEN;
        self.since_seed = 0;
        self.reseed_at = now_ns().saturating_add(RESEED_INTERVAL.as_nanos() as u64);
        self.seeded = 1;
        self.reseeds = self.reseeds.wrapping_add(1);
        Ok(())
    }

    fn reseed_due(&self) -> bool {
        self.seeded == 0 || self.since_seed >= RESEED_BYTES || now_ns() >= self.reseed_at
    }

    /// A cipher under the current key. The caller must replace the key
    /// with the cipher's first 32 bytes of keystream before using any
    /// other output.
    fn cipher(&self) -> ChaCha20 {
        let key: &[u8; 32] = self.block[..32].try_into().expect("32-byte key");
        ChaCha20::new(key.into(), &[0u8; 12].into())
    }

    /// Runs the cipher under the current key over the whole block: the new
    /// key first, then fresh output.
    fn refill(&mut self) -> Result<(), getrandom::Error> {
        if self.reseed_due() {
            self.reseed()?;
        }
        let mut cipher = self.cipher();
        cipher.write_keystream(&mut self.block);
        self.pos = 0;
        Ok(())
    }

    /// Fills `dest` with output, wiping what it hands out.
    #[inline]
    pub(crate) fn fill(&mut self, dest: &mut [u8]) -> Result<(), getrandom::Error> {
        // The common case, kept small enough to inline: a seeded state
        // with enough buffered output for the whole request.
        let start = 32 + self.pos;
        if self.seeded != 0 && dest.len() <= BUF_LEN - self.pos {
            take(dest, &mut self.block[start..start + dest.len()]);
            self.pos += dest.len();
            self.since_seed += dest.len() as u64;
            return Ok(());
        }
        self.fill_slow(dest)
    }

    #[cold]
    #[inline(never)]
    fn fill_slow(&mut self, mut dest: &mut [u8]) -> Result<(), getrandom::Error> {
        if self.seeded == 0 {
            self.reseed()?;
        }
        while !dest.is_empty() {
            if self.pos == BUF_LEN {
                if dest.len() >= BULK {
                    let n = self.bulk(dest)?;
                    dest = &mut dest[n..];
                    continue;
                }
                self.refill()?;
            }
            let start = 32 + self.pos;
            let n = dest.len().min(BUF_LEN - self.pos);
            take(&mut dest[..n], &mut self.block[start..start + n]);
            self.pos += n;
            self.since_seed += n as u64;
            dest = &mut dest[n..];
        }
        Ok(())
    }

    /// Writes keystream straight into `dest` (at most up to the next
    /// reseed), after first replacing the key. Returns how much it wrote.
    fn bulk(&mut self, dest: &mut [u8]) -> Result<usize, getrandom::Error> {
        if self.reseed_due() {
            self.reseed()?;
        }
        let room = usize::try_from(RESEED_BYTES - self.since_seed.min(RESEED_BYTES))
            .unwrap_or(usize::MAX)
            .max(1);
        let n = dest.len().min(room);
        let mut cipher = self.cipher();
        cipher.write_keystream(&mut self.block[..32]);
        cipher.write_keystream(&mut dest[..n]);
        self.since_seed += n as u64;
        Ok(n)
    }

    #[cfg(test)]
    pub(crate) fn key(&self) -> [u8; 32] {
        self.block[..32].try_into().unwrap()
    }

    #[cfg(test)]
    pub(crate) fn set_seed_for_test(&mut self, key: [u8; 32]) {
        self.block[..32].copy_from_slice(&key);
        self.block[32..].fill(0);
        self.pos = BUF_LEN;
        self.since_seed = 0;
        self.reseed_at = now_ns().saturating_add(RESEED_INTERVAL.as_nanos() as u64);
        self.seeded = 1;
    }

    #[cfg(test)]
    pub(crate) fn age_for_test(&mut self, by: Duration) {
        self.reseed_at = self.reseed_at.saturating_sub(by.as_nanos() as u64);
    }
}

/// Moves `src` into `dest` (equal lengths) and zeroes `src` in the same
/// pass. One loop the compiler vectorises costs less, for the short
/// requests that are most of the traffic, than a copy and a wipe that each
/// call into libc.
#[inline(always)]
fn take(dest: &mut [u8], src: &mut [u8]) {
    for (d, s) in dest.iter_mut().zip(src.iter_mut()) {
        *d = core::mem::take(s);
    }
}

/// How many times this thread's generator has taken a seed from the
/// operating system (zero where the fast generator is not in use). Exposed
/// for tests of the reseeding bounds.
#[doc(hidden)]
pub fn thread_reseeds() -> u64 {
    super::page::with_state(|s| s.reseeds).unwrap_or(0)
}

/// Fills `dest` from this thread's generator, or from the operating system
/// where the fork-safe state cannot be had (see [`super::page`]).
#[inline]
pub(crate) fn try_fill(dest: &mut [u8]) -> Result<(), getrandom::Error> {
    match super::page::with_state(|s| s.fill(dest)) {
        Some(result) => result,
        None => super::os::fill(dest),
    }
}

/// [`try_fill`], panicking if the operating system cannot supply a seed.
#[inline]
pub(crate) fn fill(dest: &mut [u8]) {
    if let Err(e) = try_fill(dest) {
        super::os::entropy_failure(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keystream of ChaCha20 (nonce 0) under `key`.
    fn keystream(key: &[u8; 32], len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        ChaCha20::new(key.into(), &[0u8; 12].into()).apply_keystream(&mut out);
        out
    }

    #[test]
    fn known_answer_from_a_fixed_seed() {
        let seed = [7u8; 32];
        let mut s = State::zeroed();
        s.set_seed_for_test(seed);

        let mut first = vec![0u8; 100];
        s.fill(&mut first).unwrap();
        let ks = keystream(&seed, BLOCK);
        // The first 32 bytes became the key; output starts after them.
        assert_eq!(s.key()[..], ks[..32]);
        assert_eq!(first[..], ks[32..132]);

        // The rest of the buffer, then a refill under the new key.
        let mut rest = vec![0u8; BUF_LEN - 100 + 10];
        s.fill(&mut rest).unwrap();
        assert_eq!(rest[..BUF_LEN - 100], ks[132..]);
        let key2: [u8; 32] = ks[..32].try_into().unwrap();
        let ks2 = keystream(&key2, BLOCK);
        assert_eq!(s.key()[..], ks2[..32]);
        assert_eq!(rest[BUF_LEN - 100..], ks2[32..42]);
    }

    #[test]
    fn bulk_requests_write_keystream_after_a_new_key() {
        let seed = [9u8; 32];
        let mut s = State::zeroed();
        s.set_seed_for_test(seed);
        let mut big = vec![0u8; 10_000];
        s.fill(&mut big).unwrap();
        let ks = keystream(&seed, 32 + 10_000);
        assert_eq!(s.key()[..], ks[..32]);
        assert_eq!(big[..], ks[32..]);
    }

    #[test]
    fn the_key_changes_at_every_refill_and_output_is_wiped() {
        let mut s = State::zeroed();
        s.set_seed_for_test([1u8; 32]);
        let mut keys = std::collections::HashSet::new();
        let mut out = [0u8; 64];
        for _ in 0..200 {
            s.fill(&mut out).unwrap();
            keys.insert(s.key());
            // Everything handed out so far is zero in the buffer.
            assert!(s.block[32..32 + s.pos].iter().all(|&b| b == 0));
        }
        // 200 * 64 bytes over 2016-byte buffers: 7 refills, 7 keys.
        assert_eq!(keys.len(), (200 * 64) / BUF_LEN + 1);
    }

    #[test]
    fn reseeds_after_the_output_bound() {
        let mut s = State::zeroed();
        s.fill(&mut [0u8; 1]).unwrap();
        assert_eq!(s.reseeds, 1);
        let mut chunk = vec![0u8; 1000];
        let mut total = 1u64;
        while total + 1000 < RESEED_BYTES {
            s.fill(&mut chunk).unwrap();
            total += 1000;
        }
        assert_eq!(s.reseeds, 1, "no reseed before {RESEED_BYTES} bytes");
        for _ in 0..4 {
            s.fill(&mut chunk).unwrap();
        }
        assert_eq!(s.reseeds, 2, "one reseed just after {RESEED_BYTES} bytes");

        // Bulk requests stop at the bound too.
        let mut s = State::zeroed();
        let mut huge = vec![0u8; 3 * RESEED_BYTES as usize + 5];
        s.fill(&mut huge).unwrap();
        assert_eq!(s.reseeds, 4);
    }

    #[test]
    fn reseeds_after_the_time_bound() {
        let mut s = State::zeroed();
        s.fill(&mut [0u8; 1]).unwrap();
        assert_eq!(s.reseeds, 1);
        // Each fill of BUF_LEN bytes, with a byte already taken, needs a
        // refill, and refills are where the clock is read.
        s.age_for_test(RESEED_INTERVAL - Duration::from_secs(5));
        s.fill(&mut [0u8; BUF_LEN]).unwrap();
        assert_eq!(s.reseeds, 1, "not yet at the interval");
        s.age_for_test(Duration::from_secs(10));
        s.fill(&mut [0u8; BUF_LEN]).unwrap();
        assert_eq!(
            s.reseeds, 2,
            "reseeded at the first refill past the interval"
        );
    }

    #[test]
    fn wipe_zeroes_everything() {
        let mut s = State::zeroed();
        s.fill(&mut [0u8; 100]).unwrap();
        assert!(s.block.iter().any(|&b| b != 0) && s.seeded != 0);
        s.wipe();
        assert!(s.block.iter().all(|&b| b == 0));
        assert_eq!(
            (s.pos, s.since_seed, s.reseed_at, s.seeded, s.reseeds),
            (0, 0, 0, 0, 0)
        );
    }

    #[test]
    fn a_wiped_state_reseeds() {
        let mut s = State::zeroed();
        s.fill(&mut [0u8; 8]).unwrap();
        // What MADV_WIPEONFORK does to the child's copy.
        *s = *State::zeroed();
        let mut a = [0u8; 32];
        s.fill(&mut a).unwrap();
        assert_eq!(s.seeded, 1);
        assert_ne!(a, [0u8; 32]);
        assert_ne!(s.key(), [0u8; 32]);
    }
}
