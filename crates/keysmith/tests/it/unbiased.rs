//! Unbiasedness, tested deterministically: each sampler is driven by a
//! seeded generator and its output checked with a chi-square test over
//! ranges where a biased method fails badly. Each test also runs the biased
//! method it guards against through the same check, to show the check would
//! catch it.

use crate::common;

use common::{assert_not_uniform, assert_uniform, seeded};
use keysmith::BigUint;
use keysmith::sample::{below, bits, bits_big, choice, sample_indices, shuffle};
use rand_core::Rng;

const DRAWS: usize = 30_000;

/// 3·2^62: a modulo sampler (`next_u64() % n`) puts half its mass in the
/// first third instead of a third.
const THREE_QUARTERS_2_64: u64 = 3 << 62;

fn third_of(x: u64) -> usize {
    (x >> 62) as usize
}

#[test]
fn randbelow_u64_three_quarters_of_range_is_uniform() {
    let mut rng = seeded(1);
    let mut counts = [0u64; 3];
    for _ in 0..DRAWS {
        let x = below(&mut rng, THREE_QUARTERS_2_64).unwrap();
        assert!(x < THREE_QUARTERS_2_64);
        counts[third_of(x)] += 1;
    }
    assert_uniform(&counts);

    let mut biased = [0u64; 3];
    for _ in 0..DRAWS {
        biased[third_of(rng.next_u64() % THREE_QUARTERS_2_64)] += 1;
    }
    assert_not_uniform(&biased);
}

#[test]
fn randbelow_u128_three_quarters_of_range_is_uniform() {
    let n: u128 = 3 << 126;
    let mut rng = seeded(2);
    let mut counts = [0u64; 3];
    for _ in 0..DRAWS {
        let x = below(&mut rng, n).unwrap();
        assert!(x < n);
        counts[(x >> 126) as usize] += 1;
    }
    assert_uniform(&counts);
}

#[test]
fn randbelow_u32_and_narrow_widths_are_uniform() {
    let mut rng = seeded(3);
    let n: u32 = 3 << 30;
    let mut counts = [0u64; 3];
    for _ in 0..DRAWS {
        counts[(below(&mut rng, n).unwrap() >> 30) as usize] += 1;
    }
    assert_uniform(&counts);

    // Every value of small bounds, for each width.
    let mut c8 = [0u64; 7];
    let mut c16 = [0u64; 7];
    let mut cus = [0u64; 7];
    for _ in 0..DRAWS {
        c8[usize::from(below(&mut rng, 7u8).unwrap())] += 1;
        c16[usize::from(below(&mut rng, 7u16).unwrap())] += 1;
        cus[below(&mut rng, 7usize).unwrap()] += 1;
    }
    assert_uniform(&c8);
    assert_uniform(&c16);
    assert_uniform(&cus);
}

/// n = 5·2^98, just above 2^100. A sampler that draws bits(n) = 101 bits and
/// reduces modulo n gives the first three fifths twice the weight.
#[test]
fn randbelow_biguint_just_above_power_of_two_is_uniform() {
    let n = BigUint::from(5u32) << 98u32;
    let fifth = BigUint::from(1u32) << 98u32;
    let mut rng = seeded(4);
    let mut counts = [0u64; 5];
    let mut biased = [0u64; 5];
    for _ in 0..DRAWS {
        let x = below(&mut rng, n.clone()).unwrap();
        assert!(x < n);
        counts[usize::try_from(&x / &fifth).unwrap()] += 1;

        let y = bits_big(&mut rng, n.bits()) % &n;
        biased[usize::try_from(&y / &fifth).unwrap()] += 1;
    }
    assert_uniform(&counts);
    assert_not_uniform(&biased);
}

#[test]
fn randbits_are_uniform_and_in_range() {
    let mut rng = seeded(5);
    let mut counts = [0u64; 8];
    for _ in 0..DRAWS {
        counts[bits(&mut rng, 3).unwrap() as usize] += 1;
    }
    assert_uniform(&counts);

    // The top bit of wide draws is set half the time, and never above k.
    for k in [1u32, 63, 64, 65, 127, 128] {
        let mut top = [0u64; 2];
        for _ in 0..4_000 {
            let x = bits(&mut rng, k).unwrap();
            assert!(k == 128 || x < 1u128 << k, "randbits({k}) gave {x}");
            top[(x >> (k - 1)) as usize] += 1;
        }
        assert_uniform(&top);
    }
    for k in [1u64, 7, 8, 9, 200] {
        let mut top = [0u64; 2];
        for _ in 0..4_000 {
            let x = bits_big(&mut rng, k);
            assert!(x.bits() <= k);
            top[usize::from(x.bit(k - 1))] += 1;
        }
        assert_uniform(&top);
    }
}

#[test]
fn choice_over_three_and_seven_items_is_uniform() {
    let mut rng = seeded(6);
    for n in [3usize, 7] {
        let items: Vec<usize> = (0..n).collect();
        let mut counts = vec![0u64; n];
        for _ in 0..DRAWS {
            counts[*choice(&mut rng, &items).unwrap()] += 1;
        }
        assert_uniform(&counts);
    }
}

fn order_index(p: &[u8; 4]) -> usize {
    // Lehmer code of a permutation of 0..4, in 0..24.
    let mut idx = 0;
    for i in 0..4 {
        let smaller_after = p[i + 1..].iter().filter(|&&x| x < p[i]).count();
        idx = idx * (4 - i) + smaller_after;
    }
    idx
}

#[test]
fn shuffle_of_four_gives_all_24_orders_equally_often() {
    let mut rng = seeded(7);
    let mut counts = [0u64; 24];
    for _ in 0..24_000 {
        let mut p = [0u8, 1, 2, 3];
        shuffle(&mut rng, &mut p);
        counts[order_index(&p)] += 1;
    }
    assert!(counts.iter().all(|&c| c > 0));
    assert_uniform(&counts);

    // The classic mistake — swapping each position with any position —
    // gives 4^4 = 256 equally likely paths onto 24 orders, which cannot be
    // uniform.
    let mut naive = [0u64; 24];
    for _ in 0..24_000 {
        let mut p = [0u8, 1, 2, 3];
        for i in 0..4 {
            let j = below(&mut rng, 4usize).unwrap();
            p.swap(i, j);
        }
        naive[order_index(&p)] += 1;
    }
    assert_not_uniform(&naive);
}

#[test]
fn sample_indices_gives_every_ordered_pair_equally_often() {
    let mut rng = seeded(8);
    // Both methods: the pool (n <= 64) and the set (k <= n / 4, n > 64).
    let mut counts = [0u64; 12];
    for _ in 0..24_000 {
        let s = sample_indices(&mut rng, 4, 2).unwrap();
        assert_ne!(s[0], s[1]);
        let second = if s[1] > s[0] { s[1] - 1 } else { s[1] };
        counts[s[0] * 3 + second] += 1;
    }
    assert_uniform(&counts);

    let mut first = [0u64; 10];
    for _ in 0..20_000 {
        let s = sample_indices(&mut rng, 1000, 5).unwrap();
        let mut sorted = s.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 5, "indices must be distinct: {s:?}");
        assert!(s.iter().all(|&i| i < 1000));
        first[s[0] / 100] += 1;
        first[s[4] / 100] += 1;
    }
    assert_uniform(&first);
}

#[test]
fn randbelow_on_the_real_source_covers_small_ranges() {
    // Loose enough never to flake: 6000 draws over 6 values; each value is
    // expected 1000 times, and fewer than 700 has probability < 1e-20.
    let mut counts = [0u64; 6];
    for _ in 0..6000 {
        counts[keysmith::randbelow(6usize).unwrap()] += 1;
    }
    assert!(counts.iter().all(|&c| c > 700), "{counts:?}");
}
