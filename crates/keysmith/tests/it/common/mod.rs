//! Helpers shared by the statistical tests.
#![allow(dead_code, unreachable_pub)]

use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;

/// A seeded generator: every statistical test is deterministic.
pub fn seeded(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Pearson's chi-square statistic of `observed` counts against equal
/// expected counts.
pub fn chi_square_uniform(observed: &[u64]) -> f64 {
    let total: u64 = observed.iter().sum();
    let expected = total as f64 / observed.len() as f64;
    observed
        .iter()
        .map(|&o| {
            let d = o as f64 - expected;
            d * d / expected
        })
        .sum()
}

/// Pearson's chi-square statistic of `observed` against `probabilities`.
pub fn chi_square(observed: &[u64], probabilities: &[f64]) -> f64 {
    assert_eq!(observed.len(), probabilities.len());
    let total: u64 = observed.iter().sum();
    observed
        .iter()
        .zip(probabilities)
        .map(|(&o, &p)| {
            let e = p * total as f64;
            let d = o as f64 - e;
            d * d / e
        })
        .sum()
}

/// The chi-square value that a true null hypothesis exceeds with
/// probability about 1e-4, by the Wilson–Hilferty approximation.
pub fn chi_square_critical(df: usize) -> f64 {
    const Z: f64 = 3.719; // upper 1e-4 quantile of the standard normal
    let df = df as f64;
    let a = 2.0 / (9.0 * df);
    df * (1.0 - a + Z * a.sqrt()).powi(3)
}

/// Asserts that `observed` is consistent with equal probabilities.
#[track_caller]
pub fn assert_uniform(observed: &[u64]) {
    assert!(observed.len() >= 2);
    let stat = chi_square_uniform(observed);
    let crit = chi_square_critical(observed.len() - 1);
    assert!(
        stat < crit,
        "not uniform: chi-square {stat:.1} >= {crit:.1} over {} cells: {observed:?}",
        observed.len()
    );
}

/// Asserts that `observed` is NOT consistent with equal probabilities: used
/// to show that a test has the power to catch a biased sampler.
#[track_caller]
pub fn assert_not_uniform(observed: &[u64]) {
    let stat = chi_square_uniform(observed);
    let crit = chi_square_critical(observed.len() - 1);
    assert!(
        stat > crit,
        "expected bias to be detected: chi-square {stat:.1} <= {crit:.1}"
    );
}
