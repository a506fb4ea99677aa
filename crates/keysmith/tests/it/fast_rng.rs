//! The default fast generator, through the public API: per-thread streams
//! and the reseeding bounds. (The construction's known-answer test and the
//! key-erasure checks are unit tests in `rng::fast`.)

use keysmith::rng::{RESEED_BYTES, Source, thread_reseeds};

#[test]
fn threads_get_independent_streams() {
    let outputs: Vec<[u8; 32]> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                let mut b = [0u8; 32];
                keysmith::fill_bytes(&mut b);
                b
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let mut unique = outputs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), outputs.len());
}

#[test]
fn each_thread_seeds_once_then_at_the_output_bound() {
    std::thread::spawn(|| {
        assert_eq!(keysmith::rng::source(), Source::Fast);
        assert_eq!(thread_reseeds(), 0, "a new thread has no state yet");
        keysmith::fill_bytes(&mut [0u8; 1]);
        // Where the kernel lacks MADV_WIPEONFORK there is no fast state to
        // reseed. Whether keysmith's answer matches the kernel's is checked
        // against madvise itself in tests/fork.rs.
        if !keysmith::rng::fork_safe_state_supported() {
            eprintln!(
                "skipping the reseeding bounds: no MADV_WIPEONFORK here (Linux 4.14+), \
                 so every draw goes to the operating system"
            );
            assert_eq!(thread_reseeds(), 0, "no state, so no seed");
            return;
        }
        assert_eq!(thread_reseeds(), 1);
        let mut chunk = vec![0u8; 4096];
        let mut total = 1u64;
        while total + 4096 <= RESEED_BYTES - 4096 {
            keysmith::fill_bytes(&mut chunk);
            total += 4096;
        }
        assert_eq!(thread_reseeds(), 1);
        for _ in 0..3 {
            keysmith::fill_bytes(&mut chunk);
        }
        assert_eq!(thread_reseeds(), 2, "reseeded after {RESEED_BYTES} bytes");
    })
    .join()
    .unwrap();
}

#[test]
fn fast_output_is_balanced() {
    // 8 Mbit: the share of ones is within 0.5% of half with probability
    // 1 - 1e-180.
    let mut buf = vec![0u8; 1 << 20];
    keysmith::fill_bytes(&mut buf);
    let ones: u64 = buf.iter().map(|b| u64::from(b.count_ones())).sum();
    let half = (buf.len() * 4) as f64;
    assert!((ones as f64 - half).abs() < half * 0.005);
}
