//! `SystemRandom`: Python's `random` API, driven by a seeded generator so
//! that every statistical check is deterministic, plus one run over the real
//! source.

use crate::common;

use chacha20::ChaCha20Rng;
use common::{assert_not_uniform, assert_uniform, chi_square, chi_square_critical, seeded};
use keysmith::{Error, SystemRandom};
use rand_core::Rng;
use std::collections::{BTreeMap, HashMap};

fn seeded_random(seed: u64) -> SystemRandom<ChaCha20Rng> {
    SystemRandom::from_rng(seeded(seed))
}

/// Asserts that `observed` is consistent with `probabilities`.
#[track_caller]
fn assert_fits(observed: &[u64], probabilities: &[f64]) {
    let stat = chi_square(observed, probabilities);
    let crit = chi_square_critical(observed.len() - 1);
    assert!(
        stat < crit,
        "does not fit: chi-square {stat:.1} >= {crit:.1}: {observed:?} vs {probabilities:?}"
    );
}

fn invalid(name: &'static str, reason: &'static str) -> Error {
    Error::InvalidParameter { name, reason }
}

fn message<T: std::fmt::Debug>(r: keysmith::Result<T>) -> String {
    r.unwrap_err().to_string()
}

// ---- integers -------------------------------------------------------------

#[test]
fn randint_die_is_uniform() {
    let mut r = seeded_random(42);
    let mut counts = [0u64; 6];
    for _ in 0..60_000 {
        let x = r.randint(1, 6).unwrap();
        counts[(x - 1) as usize] += 1;
    }
    assert_uniform(&counts);
}

#[test]
fn randint_is_exact_where_modulo_is_not() {
    // 3·2^62 values: `next_u64() % n` puts half its mass in the first third.
    const N: u64 = 3 << 62;
    let mut r = seeded_random(7);
    let mut counts = [0u64; 3];
    for _ in 0..30_000 {
        counts[(r.randint(0, N - 1).unwrap() >> 62) as usize] += 1;
    }
    assert_uniform(&counts);

    let mut rng = seeded(7);
    let mut biased = [0u64; 3];
    for _ in 0..30_000 {
        biased[((rng.next_u64() % N) >> 62) as usize] += 1;
    }
    assert_not_uniform(&biased);
}

#[test]
fn randrange_with_step_hits_exactly_its_values() {
    let mut r = seeded_random(3);
    let mut counts = BTreeMap::new();
    for _ in 0..70_000 {
        *counts
            .entry(r.randrange(-10, 11, 3).unwrap())
            .or_insert(0u64) += 1;
    }
    assert_eq!(
        counts.keys().copied().collect::<Vec<i32>>(),
        [-10, -7, -4, -1, 2, 5, 8]
    );
    assert_uniform(&counts.values().copied().collect::<Vec<_>>());
}

#[test]
fn randrange_with_negative_step_counts_down() {
    let mut r = seeded_random(4);
    let mut counts = BTreeMap::new();
    for _ in 0..40_000 {
        *counts
            .entry(r.randrange(10i64, -10, -5).unwrap())
            .or_insert(0u64) += 1;
    }
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), [-5, 0, 5, 10]);
    assert_uniform(&counts.values().copied().collect::<Vec<_>>());
}

#[test]
fn full_ranges_work() {
    let mut r = seeded_random(5);
    let mut u8_counts = [0u64; 256];
    for _ in 0..256 * 200 {
        u8_counts[usize::from(r.randint(u8::MIN, u8::MAX).unwrap())] += 1;
    }
    assert_uniform(&u8_counts);

    // The sign and the top bits of a full-range i64 are fair coins.
    let mut negative = [0u64; 2];
    let mut top = [0u64; 4];
    for _ in 0..20_000 {
        let x = r.randint(i64::MIN, i64::MAX).unwrap();
        negative[usize::from(x < 0)] += 1;
        top[(x as u64 >> 62) as usize] += 1;
    }
    assert_uniform(&negative);
    assert_uniform(&top);

    for _ in 0..100 {
        let _: i128 = r.randint(i128::MIN, i128::MAX).unwrap();
        let _: u128 = r.randint(0, u128::MAX).unwrap();
        assert!(r.randint(i8::MIN, i8::MAX).is_ok());
        assert!(r.randrange(i8::MIN, i8::MAX, 1).unwrap() < i8::MAX);
        assert!(r.randrange(i8::MAX, i8::MIN, -1).unwrap() > i8::MIN);
        let x = r.randrange(i64::MIN, i64::MAX, i64::MAX).unwrap();
        assert!([i64::MIN, -1, i64::MAX - 1].contains(&x), "{x}");
        let x = r.randrange(u64::MAX, 0, 1).map_err(|e| e.to_string());
        assert_eq!(x, Err("empty range for randrange".to_string()));
        assert!(
            r.randrange(0usize, usize::MAX, 7)
                .unwrap()
                .is_multiple_of(7)
        );
        assert!((-3..=3).contains(&r.randint(-3isize, 3).unwrap()));
    }
    assert_eq!(r.randint(5, 5).unwrap(), 5);
    assert_eq!(r.randint(i64::MIN, i64::MIN).unwrap(), i64::MIN);
    assert_eq!(r.randrange(5, 6, 100).unwrap(), 5);
    assert_eq!(
        r.randrange(5u16, 4, u16::MAX)
            .map_err(|e| e.to_string())
            .unwrap_err(),
        "empty range for randrange"
    );
}

#[test]
fn integer_errors() {
    let mut r = seeded_random(6);
    assert_eq!(r.randint(6, 1), Err(Error::InvalidRange));
    assert_eq!(
        r.randint(6u8, 1).unwrap_err().to_string(),
        "empty range for randint: a must be <= b"
    );
    assert_eq!(r.randrange(0, 10, 0), Err(Error::ZeroStep));
    assert_eq!(r.randrange(5, 5, 1), Err(Error::EmptyRange));
    assert_eq!(r.randrange(5, 0, 1), Err(Error::EmptyRange));
    assert_eq!(r.randrange(0, 5, -1), Err(Error::EmptyRange));
    assert_eq!(r.randrange(5u32, 0, 2), Err(Error::EmptyRange));
    assert_eq!(r.getrandbits(129), Err(Error::TooManyBits { bits: 129 }));
}

#[test]
fn bits_and_bytes() {
    let mut r = seeded_random(8);
    assert_eq!(r.getrandbits(0).unwrap(), 0);
    let mut top = [0u64; 2];
    for k in 1..=128u32 {
        for _ in 0..50 {
            let x = r.getrandbits(k).unwrap();
            assert!(k == 128 || x >> k == 0);
            top[usize::from(x >> (k - 1) == 1)] += 1;
        }
    }
    assert_uniform(&top);
    let big = r.getrandbits_big(300);
    assert!(big.bits() <= 300);
    assert!(big.bits() > 250); // fails with probability 2^-50
    assert_eq!(r.randbytes(0), Vec::<u8>::new());
    let bytes = r.randbytes(1000);
    assert_eq!(bytes.len(), 1000);
    let mut nibbles = [0u64; 16];
    for b in bytes {
        nibbles[usize::from(b >> 4)] += 1;
    }
    assert_uniform(&nibbles);
}

// ---- choices --------------------------------------------------------------

#[test]
fn choice_and_choices_are_uniform() {
    let mut r = seeded_random(9);
    let items = ['a', 'b', 'c', 'd', 'e'];
    let mut counts = [0u64; 5];
    for _ in 0..25_000 {
        let c = r.choice(&items).unwrap();
        counts[(*c as u8 - b'a') as usize] += 1;
    }
    assert_uniform(&counts);

    let mut counts = [0u64; 5];
    for c in r.choices(&items, 25_000).unwrap() {
        counts[(*c as u8 - b'a') as usize] += 1;
    }
    assert_uniform(&counts);
    assert!(r.choices(&items, 0).unwrap().is_empty());
}

fn weighted_counts(picks: &[&usize], n: usize) -> Vec<u64> {
    let mut counts = vec![0u64; n];
    for &&i in picks {
        counts[i] += 1;
    }
    counts
}

#[test]
fn choices_weighted_integer_weights() {
    let mut r = seeded_random(10);
    let items = [0usize, 1, 2, 3];
    let picks = r
        .choices_weighted(&items, &[1u32, 2, 3, 4], 100_000)
        .unwrap();
    assert_fits(&weighted_counts(&picks, 4), &[0.1, 0.2, 0.3, 0.4]);

    // Zero weights are never chosen.
    let picks = r
        .choices_weighted(&items, &[0u64, 5, 0, 5], 10_000)
        .unwrap();
    let counts = weighted_counts(&picks, 4);
    assert_eq!((counts[0], counts[2]), (0, 0));
    assert_uniform(&[counts[1], counts[3]]);

    // Weights whose total needs more than 128 bits.
    let picks = r
        .choices_weighted(&items[..2], &[u128::MAX, u128::MAX], 10_000)
        .unwrap();
    assert_uniform(&weighted_counts(&picks, 2));
}

#[test]
fn choices_weighted_float_weights() {
    let mut r = seeded_random(11);
    let items = [0usize, 1, 2, 3];
    let picks = r
        .choices_weighted(&items, &[0.1f64, 0.2, 0.3, 0.4], 100_000)
        .unwrap();
    assert_fits(&weighted_counts(&picks, 4), &[0.1, 0.2, 0.3, 0.4]);

    let picks = r
        .choices_weighted(&items[..2], &[3.0f64, 1.0], 100_000)
        .unwrap();
    assert_fits(&weighted_counts(&picks, 2), &[0.75, 0.25]);

    let picks = r
        .choices_weighted(&items[..2], &[0.75f32, 0.25], 100_000)
        .unwrap();
    assert_fits(&weighted_counts(&picks, 2), &[0.75, 0.25]);

    // Weights 600 orders of magnitude apart: the tiny one is representable,
    // so it is allowed, and is (practically) never drawn.
    let picks = r
        .choices_weighted(&items[..2], &[1e300f64, 1e-300], 10_000)
        .unwrap();
    assert!(picks.iter().all(|&&i| i == 0));
    let picks = r
        .choices_weighted(&items[..2], &[1.0f64, 2f64.powi(-60)], 10_000)
        .unwrap();
    assert!(picks.iter().all(|&&i| i == 0));
}

#[test]
fn choices_cum_weighted_matches_weights() {
    let mut r = seeded_random(12);
    let items = [0usize, 1, 2, 3];
    let picks = r
        .choices_cum_weighted(&items, &[1u32, 3, 6, 10], 100_000)
        .unwrap();
    assert_fits(&weighted_counts(&picks, 4), &[0.1, 0.2, 0.3, 0.4]);

    let picks = r
        .choices_cum_weighted(&items, &[0.5f64, 0.5, 1.5, 2.0], 100_000)
        .unwrap();
    let counts = weighted_counts(&picks, 4);
    assert_eq!(counts[1], 0);
    assert_fits(&[counts[0], counts[2], counts[3]], &[0.25, 0.5, 0.25]);
}

#[test]
fn weighted_errors() {
    let mut r = seeded_random(15);
    let items = [1, 2, 3];
    let expect = |res: keysmith::Result<Vec<&i32>>, name, reason| {
        assert_eq!(res.unwrap_err(), invalid(name, reason));
    };
    expect(
        r.choices_weighted(&items, &[1.0, -1.0, 1.0], 1),
        "weights",
        "must be non-negative and finite",
    );
    expect(
        r.choices_weighted(&items, &[1.0, f64::NAN, 1.0], 1),
        "weights",
        "must be non-negative and finite",
    );
    expect(
        r.choices_weighted(&items, &[1.0, f64::INFINITY, 1.0], 1),
        "weights",
        "must be non-negative and finite",
    );
    expect(
        r.choices_weighted(&items, &[1.0f32, 1.0], 1),
        "weights",
        "must have the same length as the population",
    );
    expect(
        r.choices_weighted(&items, &[0u32, 0, 0], 1),
        "total of weights",
        "must be greater than zero",
    );
    expect(
        r.choices_weighted(&items, &[0.0, -0.0, 0.0], 1),
        "total of weights",
        "must be greater than zero",
    );
    expect(
        r.choices_cum_weighted(&items, &[1u32, 3, 2], 1),
        "cum_weights",
        "must be non-decreasing",
    );
    expect(
        r.choices_cum_weighted(&items, &[1.0, 0.5, 2.0], 1),
        "cum_weights",
        "must be non-decreasing",
    );
    expect(
        r.choices_cum_weighted(&items, &[0u8, 0, 0], 1),
        "total of cum_weights",
        "must be greater than zero",
    );
    expect(
        r.choices_cum_weighted(&items, &[-1.0, 0.0, 1.0], 1),
        "cum_weights",
        "must be non-negative and finite",
    );
    expect(
        r.choices_cum_weighted(&items, &[1u64], 1),
        "cum_weights",
        "must have the same length as the population",
    );
    assert_eq!(
        message(r.choices_weighted(&items, &[0u32, 0, 0], 1)),
        "total of weights must be greater than zero"
    );
    assert_eq!(
        message(r.choices_weighted(&items, &[1.0, -1.0, 1.0], 1)),
        "weights must be non-negative and finite"
    );

    let empty: [i32; 0] = [];
    assert_eq!(r.choice(&empty), Err(Error::EmptySequence));
    assert_eq!(r.choices(&empty, 1), Err(Error::EmptySequence));
    assert_eq!(r.choices(&empty, 0), Ok(vec![]));
    assert_eq!(
        r.choices_weighted(&empty, &[] as &[u32], 1),
        Err(Error::EmptySequence)
    );
    assert_eq!(r.choices_weighted(&empty, &[] as &[f64], 0), Ok(vec![]));
    assert_eq!(
        r.choices_cum_weighted(&empty, &[] as &[u32], 2),
        Err(Error::EmptySequence)
    );
}

// ---- permutations and samples ---------------------------------------------

/// The rank of a permutation of 0..4 among the 24 (Lehmer code).
fn rank(p: &[usize; 4]) -> usize {
    let mut rank = 0;
    for i in 0..4 {
        let smaller_after = p[i + 1..].iter().filter(|&&x| x < p[i]).count();
        rank = rank * (4 - i) + smaller_after;
    }
    rank
}

#[test]
fn shuffle_gives_all_24_orders_equally_often() {
    let mut r = seeded_random(16);
    let mut counts = [0u64; 24];
    for _ in 0..48_000 {
        let mut deck = [0usize, 1, 2, 3];
        r.shuffle(&mut deck);
        counts[rank(&deck)] += 1;
    }
    assert!(counts.iter().all(|&c| c > 0));
    assert_uniform(&counts);
}

#[test]
fn sample_gives_all_12_ordered_pairs_equally_often() {
    let mut r = seeded_random(17);
    let items = [0usize, 1, 2, 3];
    let mut counts = [0u64; 16];
    for _ in 0..36_000 {
        let pair = r.sample(&items, 2).unwrap();
        assert_ne!(pair[0], pair[1]);
        counts[pair[0] * 4 + pair[1]] += 1;
    }
    let pairs: Vec<u64> = (0..16)
        .filter(|i| i / 4 != i % 4)
        .map(|i| counts[i])
        .collect();
    assert_eq!(pairs.len(), 12);
    assert_uniform(&pairs);
    assert_eq!(
        r.sample(&items, 5),
        Err(Error::SampleLargerThanPopulation {
            k: 5,
            population: 4
        })
    );
    assert_eq!(r.sample(&items, 0), Ok(vec![]));
    let mut all: Vec<usize> = r.sample(&items, 4).unwrap().into_iter().copied().collect();
    all.sort_unstable();
    assert_eq!(all, items);
}

#[test]
fn sample_counts_repeats_without_materialising() {
    let mut r = seeded_random(18);
    let items = ["a", "b", "c", "never"];
    let counts = [1usize, 2, 3, 0];

    let mut first = HashMap::new();
    for _ in 0..60_000 {
        let s = r.sample_counts(&items, &counts, 1).unwrap();
        *first.entry(*s[0]).or_insert(0u64) += 1;
    }
    assert_eq!(first.len(), 3);
    assert_fits(
        &[first["a"], first["b"], first["c"]],
        &[1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0],
    );

    // Taking every position gives the repeated population exactly.
    for _ in 0..20 {
        let mut all = r.sample_counts(&items, &counts, 6).unwrap();
        all.sort_unstable();
        assert_eq!(all, [&"a", &"b", &"b", &"c", &"c", &"c"]);
    }

    // Ordered pairs of positions: P(first b, then c) = 2/6 · 3/5.
    let mut bc = 0u64;
    let mut other = 0u64;
    for _ in 0..30_000 {
        let s = r.sample_counts(&items, &counts, 2).unwrap();
        if (*s[0], *s[1]) == ("b", "c") {
            bc += 1
        } else {
            other += 1
        }
    }
    assert_fits(&[bc, other], &[0.2, 0.8]);

    // A huge repeated population is never built.
    let huge = r
        .sample_counts(&items[..2], &[usize::MAX / 2, usize::MAX / 2], 1000)
        .unwrap();
    assert_eq!(huge.len(), 1000);

    assert_eq!(
        r.sample_counts(&items, &counts, 7),
        Err(Error::SampleLargerThanPopulation {
            k: 7,
            population: 6
        })
    );
    assert_eq!(
        r.sample_counts(&items, &[1, 2], 1),
        Err(invalid(
            "counts",
            "must have the same length as the population"
        ))
    );
    assert_eq!(
        r.sample_counts(&items[..2], &[usize::MAX, 1], 1),
        Err(invalid("counts", "must add up to at most usize::MAX"))
    );
    assert_eq!(r.sample_counts(&items, &[0, 0, 0, 0], 0), Ok(vec![]));
}

// ---- floats and distributions ---------------------------------------------

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// `n` draws of `f`, all checked finite.
fn draws(n: usize, mut f: impl FnMut() -> keysmith::Result<f64>) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let x = f().unwrap();
            assert!(x.is_finite(), "{x}");
            x
        })
        .collect()
}

#[track_caller]
fn assert_near(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() < tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

const N: usize = 50_000;

#[test]
fn random_and_uniform() {
    let mut r = seeded_random(19);
    let xs = draws(N, || Ok(r.random()));
    assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    assert_near(mean(&xs), 0.5, 0.01);
    let mut tenths = [0u64; 10];
    for x in &xs {
        tenths[(x * 10.0) as usize] += 1;
    }
    assert_uniform(&tenths);
    // 53 bits: every value is a multiple of 2^-53, and the low bits vary.
    assert!(xs.iter().all(|x| (x * 2f64.powi(53)).fract() == 0.0));
    assert!(xs.iter().any(|x| (x * 2f64.powi(53)) as u64 % 2 == 1));

    let xs = draws(N, || r.uniform(2.0, 5.0));
    assert!(xs.iter().all(|x| (2.0..=5.0).contains(x)));
    assert_near(mean(&xs), 3.5, 0.03);
    let xs = draws(N, || r.uniform(5.0, 2.0));
    assert!(xs.iter().all(|x| (2.0..=5.0).contains(x)));
    assert_eq!(r.uniform(1.0, 1.0), Ok(1.0));
}

#[test]
fn triangular() {
    let mut r = seeded_random(20);
    let xs = draws(N, || r.triangular(0.0, 10.0, Some(2.0)));
    assert!(xs.iter().all(|x| (0.0..=10.0).contains(x)));
    assert_near(mean(&xs), 4.0, 0.05);
    let xs = draws(N, || r.triangular(0.0, 10.0, None));
    assert_near(mean(&xs), 5.0, 0.05);
    let xs = draws(N, || r.triangular(10.0, 0.0, Some(2.0)));
    assert!(xs.iter().all(|x| (0.0..=10.0).contains(x)));
    assert_near(mean(&xs), 4.0, 0.05);
    let xs = draws(N, || r.triangular(0.0, 1.0, Some(0.0)));
    assert_near(mean(&xs), 1.0 / 3.0, 0.01);
    assert_eq!(r.triangular(3.0, 3.0, None), Ok(3.0));
    assert_eq!(r.triangular(3.0, 3.0, Some(3.0)), Ok(3.0));
}

#[test]
fn normal_and_lognormal() {
    let mut r = seeded_random(21);
    let xs = draws(N, || r.normalvariate(3.0, 2.0));
    assert_near(mean(&xs), 3.0, 0.05);
    let var = xs.iter().map(|x| (x - 3.0).powi(2)).sum::<f64>() / N as f64;
    assert_near(var, 4.0, 0.2);
    let xs = draws(N, || r.gauss(-1.0, 0.5));
    assert_near(mean(&xs), -1.0, 0.02);
    assert_eq!(r.gauss(7.0, 0.0), Ok(7.0));
    let xs = draws(N, || r.lognormvariate(0.0, 0.5));
    assert!(xs.iter().all(|&x| x > 0.0));
    assert_near(mean(&xs), 0.125f64.exp(), 0.02);
}

#[test]
fn exponential() {
    let mut r = seeded_random(22);
    let xs = draws(N, || r.expovariate(2.0));
    assert!(xs.iter().all(|&x| x >= 0.0));
    assert_near(mean(&xs), 0.5, 0.02);
    let xs = draws(N, || r.expovariate(-2.0));
    assert!(xs.iter().all(|&x| x <= 0.0));
    assert_near(mean(&xs), -0.5, 0.02);
}

#[test]
fn gamma_beta_pareto_weibull() {
    let mut r = seeded_random(23);
    let xs = draws(N, || r.gammavariate(2.0, 3.0));
    assert!(xs.iter().all(|&x| x > 0.0));
    assert_near(mean(&xs), 6.0, 0.1);
    let xs = draws(N, || r.gammavariate(0.5, 1.0));
    assert_near(mean(&xs), 0.5, 0.03);
    let xs = draws(N, || r.betavariate(2.0, 5.0));
    assert!(xs.iter().all(|x| (0.0..=1.0).contains(x)));
    assert_near(mean(&xs), 2.0 / 7.0, 0.01);
    let xs = draws(N, || r.betavariate(0.5, 0.5));
    assert_near(mean(&xs), 0.5, 0.01);
    let xs = draws(N, || r.paretovariate(3.0));
    assert!(xs.iter().all(|&x| x >= 1.0));
    assert_near(mean(&xs), 1.5, 0.05);
    // Python's order: scale alpha = 2, shape beta = 1 is exponential, mean 2.
    let xs = draws(N, || r.weibullvariate(2.0, 1.0));
    assert!(xs.iter().all(|&x| x >= 0.0));
    assert_near(mean(&xs), 2.0, 0.05);
    // Shape 2 with scale 1: mean Γ(1.5) = √π / 2.
    let xs = draws(N, || r.weibullvariate(1.0, 2.0));
    assert_near(mean(&xs), std::f64::consts::PI.sqrt() / 2.0, 0.01);
}

#[test]
fn binomial() {
    let mut r = seeded_random(24);
    let xs: Vec<f64> = (0..N)
        .map(|_| r.binomialvariate(20, 0.3).unwrap() as f64)
        .collect();
    assert!(xs.iter().all(|&x| (0.0..=20.0).contains(&x)));
    assert_near(mean(&xs), 6.0, 0.05);
    assert_eq!(r.binomialvariate(10, 0.0), Ok(0));
    assert_eq!(r.binomialvariate(10, 1.0), Ok(10));
    assert_eq!(r.binomialvariate(0, 0.5), Ok(0));
}

#[test]
fn von_mises() {
    use std::f64::consts::TAU;
    let mut r = seeded_random(25);
    let xs = draws(N, || r.vonmisesvariate(1.0, 4.0));
    assert!(xs.iter().all(|x| (0.0..TAU).contains(x)));
    let (s, c) = xs
        .iter()
        .fold((0.0, 0.0), |(s, c), x| (s + x.sin(), c + x.cos()));
    assert_near(s.atan2(c), 1.0, 0.02);
    // Mean resultant length I1(4)/I0(4) ≈ 0.8635.
    assert_near((s * s + c * c).sqrt() / N as f64, 0.8635, 0.01);

    // Near the wrap-around: mean direction -0.5 ≡ 2π - 0.5.
    let xs = draws(N, || r.vonmisesvariate(-0.5, 10.0));
    assert!(xs.iter().all(|x| (0.0..TAU).contains(x)));
    let (s, c) = xs
        .iter()
        .fold((0.0, 0.0), |(s, c), x| (s + x.sin(), c + x.cos()));
    assert_near(s.atan2(c), -0.5, 0.02);

    // kappa = 0 is uniform on the circle.
    let xs = draws(N, || r.vonmisesvariate(1.0, 0.0));
    let mut sixths = [0u64; 6];
    for x in &xs {
        sixths[(x / TAU * 6.0) as usize] += 1;
    }
    assert_uniform(&sixths);

    // A huge concentration stays finite and on the mean direction.
    let xs = draws(1000, || r.vonmisesvariate(2.0, 1e12));
    assert!(xs.iter().all(|x| (x - 2.0).abs() < 1e-3));
}

#[test]
fn distribution_errors() {
    let mut r = seeded_random(26);
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let cases: Vec<(keysmith::Result<f64>, &str)> = vec![
        (r.uniform(nan, 1.0), "a must be finite"),
        (r.uniform(0.0, inf), "b must be finite"),
        (
            r.uniform(-f64::MAX, f64::MAX),
            "b - a must be finite (the bounds are too far apart)",
        ),
        (r.triangular(0.0, inf, None), "high must be finite"),
        (r.triangular(nan, 1.0, None), "low must be finite"),
        (
            r.triangular(-f64::MAX, f64::MAX, None),
            "high - low must be finite (the bounds are too far apart)",
        ),
        (
            r.triangular(0.0, 1.0, Some(2.0)),
            "mode must be finite and lie between low and high",
        ),
        (
            r.triangular(0.0, 1.0, Some(nan)),
            "mode must be finite and lie between low and high",
        ),
        (
            r.triangular(1.0, 1.0, Some(0.0)),
            "mode must be finite and lie between low and high",
        ),
        (r.gauss(0.0, -1.0), "sigma must be non-negative and finite"),
        (r.gauss(nan, 1.0), "mu must be finite"),
        (
            r.normalvariate(0.0, nan),
            "sigma must be non-negative and finite",
        ),
        (
            r.normalvariate(0.0, inf),
            "sigma must be non-negative and finite",
        ),
        (
            r.lognormvariate(0.0, -0.1),
            "sigma must be non-negative and finite",
        ),
        (r.lognormvariate(inf, 1.0), "mu must be finite"),
        (r.expovariate(0.0), "lambd must be non-zero and finite"),
        (r.expovariate(-0.0), "lambd must be non-zero and finite"),
        (r.expovariate(nan), "lambd must be non-zero and finite"),
        (r.expovariate(-inf), "lambd must be non-zero and finite"),
        (
            r.vonmisesvariate(0.0, -1.0),
            "kappa must be non-negative and finite",
        ),
        (r.vonmisesvariate(nan, 1.0), "mu must be finite"),
        (
            r.vonmisesvariate(0.0, inf),
            "kappa must be non-negative and finite",
        ),
        (
            r.gammavariate(0.0, 1.0),
            "alpha must be positive and finite",
        ),
        (
            r.gammavariate(1.0, -1.0),
            "beta must be positive and finite",
        ),
        (
            r.gammavariate(inf, 1.0),
            "alpha must be positive and finite",
        ),
        (r.betavariate(nan, 1.0), "alpha must be positive and finite"),
        (r.betavariate(1.0, 0.0), "beta must be positive and finite"),
        (r.paretovariate(0.0), "alpha must be positive and finite"),
        (r.paretovariate(-2.0), "alpha must be positive and finite"),
        (r.paretovariate(nan), "alpha must be positive and finite"),
        (
            r.weibullvariate(inf, 1.0),
            "alpha must be positive and finite",
        ),
        (
            r.weibullvariate(1.0, 0.0),
            "beta must be positive and finite",
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(message(result), expected);
    }
    for p in [-0.1, 1.1, nan, inf] {
        assert_eq!(
            message(r.binomialvariate(10, p)),
            "p must be between 0 and 1"
        );
    }
}

// ---- the generator itself -------------------------------------------------

#[test]
fn same_seed_same_draws() {
    let mut a = seeded_random(27);
    let mut b = seeded_random(27);
    for _ in 0..100 {
        assert_eq!(a.randint(0u64, 1 << 40), b.randint(0u64, 1 << 40));
        assert_eq!(a.random().to_bits(), b.random().to_bits());
        assert_eq!(a.gauss(0.0, 1.0), b.gauss(0.0, 1.0));
    }
    let mut c = seeded_random(28);
    assert_ne!(a.randbytes(32), c.randbytes(32));
}

#[test]
fn debug_shows_no_state() {
    assert_eq!(format!("{:?}", seeded_random(29)), "SystemRandom { .. }");
    assert_eq!(format!("{:?}", SystemRandom::new()), "SystemRandom { .. }");
    assert_eq!(
        format!("{:?}", SystemRandom::default()),
        "SystemRandom { .. }"
    );
}

#[test]
fn rand_distr_can_draw_from_it() {
    use rand_distr::{Distribution, Normal};
    let normal = Normal::new(0.0, 1.0).unwrap();
    let x: f64 = normal.sample(&mut SystemRandom::new());
    assert!(x.is_finite());

    // The same, deterministically: a standard normal has mean 0.
    let mut r = seeded_random(30);
    let xs: Vec<f64> = (0..N).map(|_| normal.sample(&mut r)).collect();
    assert_near(mean(&xs), 0.0, 0.03);

    // And as a plain `rand_core::Rng`.
    let mut r = SystemRandom::new();
    let words: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
    assert!(words.windows(2).any(|w| w[0] != w[1])); // fails with probability 2^-192
}

#[test]
fn real_source() {
    let mut r = SystemRandom::new();
    let mut seen = [false; 6];
    for _ in 0..10_000 {
        let x = r.random();
        assert!((0.0..1.0).contains(&x));
        let d = r.randint(1, 6).unwrap();
        seen[d as usize - 1] = true;
        assert!((2.0..=5.0).contains(&r.uniform(2.0, 5.0).unwrap()));
    }
    // Missing one face in 10 000 rolls has probability below 10^-790.
    assert!(seen.iter().all(|&s| s));

    let even = r.randrange(0, 100, 2).unwrap();
    assert!((0..100).contains(&even) && even % 2 == 0);
    let mut deck: Vec<u32> = (1..=52).collect();
    r.shuffle(&mut deck);
    let hand = r.sample(&deck, 5).unwrap();
    assert_eq!(hand.len(), 5);
    let mut sorted = deck.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=52).collect::<Vec<_>>());
    // Two 128-bit draws collide with probability 2^-128.
    assert_ne!(r.getrandbits(128).unwrap(), r.getrandbits(128).unwrap());
    let xs = draws(10_000, || r.normalvariate(0.0, 1.0));
    assert!(mean(&xs).abs() < 0.2); // 20 standard errors
    assert_eq!(
        r.choices_weighted(&["only"], &[1.0], 3).unwrap(),
        [&"only"; 3]
    );
}
