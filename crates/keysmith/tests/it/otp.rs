//! One-time codes: exact uniformity, zero padding, alphabets, entropy.

#![cfg(feature = "otp")]

use crate::common;

use common::{assert_not_uniform, assert_uniform, seeded};
use keysmith::otp::{CROCKFORD_BASE32, CodeFormat};
use keysmith::{BigUint, Recipe};
use rand_core::Rng;

#[test]
fn four_digit_codes_are_uniform_over_all_ten_thousand() {
    let code = CodeFormat::numeric(4).unwrap();
    let mut rng = seeded(1);
    let mut counts = vec![0u64; 10_000];
    for _ in 0..500_000 {
        let c = code.sample(&mut rng);
        assert_eq!(c.len(), 4);
        counts[c.parse::<usize>().unwrap()] += 1;
    }
    assert!(counts.iter().all(|&n| n > 0), "some code never appeared");
    assert_uniform(&counts);

    let mut leading = [0u64; 10];
    for (value, n) in counts.iter().enumerate() {
        leading[value / 1000] += n;
    }
    assert_uniform(&leading);
}

/// The method the sampler guards against: a 16-bit draw reduced with `%`.
/// 65536 = 6 * 10^4 + 5536, so codes below 5536 come up 7 times in 65536
/// and the rest 6 times: the same test must catch it.
#[test]
fn the_test_catches_modulo_reduction() {
    let mut rng = seeded(1);
    let mut counts = vec![0u64; 10_000];
    for _ in 0..500_000 {
        let x = (rng.next_u32() >> 16) as u16;
        counts[usize::from(x % 10_000)] += 1;
    }
    assert_not_uniform(&counts);
}

#[test]
fn codes_are_zero_padded() {
    let code = CodeFormat::numeric(4).unwrap();
    let mut rng = seeded(2);
    let mut padded = 0;
    for _ in 0..20_000 {
        let c = code.sample(&mut rng);
        assert_eq!(c.len(), 4, "{c}");
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        if c.starts_with('0') {
            padded += 1;
        }
    }
    // about a tenth of the codes start with 0
    assert!((1_600..2_400).contains(&padded), "{padded}");

    for d in 4..=12u32 {
        let c = CodeFormat::numeric(d).unwrap();
        assert_eq!(c.sample(&mut rng).len(), d as usize);
        assert_eq!(c.space(), BigUint::from(10u32).pow(d));
        assert!((c.entropy_bits() - f64::from(d) * 10f64.log2()).abs() < 1e-9);
    }
}

#[test]
fn alphabet_codes_are_uniform_per_position() {
    let code = CodeFormat::alphabet("abc", 3).unwrap();
    assert_eq!(code.space(), BigUint::from(27u32));
    let mut rng = seeded(3);
    let mut counts = vec![0u64; 27];
    for _ in 0..54_000 {
        let c = code.sample(&mut rng);
        let i = c
            .bytes()
            .fold(0usize, |acc, b| acc * 3 + usize::from(b - b'a'));
        counts[i] += 1;
    }
    assert_uniform(&counts);
}

#[test]
fn duplicates_in_the_alphabet_do_not_skew_codes() {
    // "aab" would favour 'a' 2:1 if duplicates were kept.
    let code = CodeFormat::alphabet("aab", 1).unwrap();
    assert_eq!(code.space(), BigUint::from(2u32));
    let mut rng = seeded(4);
    let mut counts = [0u64; 2];
    for _ in 0..20_000 {
        counts[usize::from(code.sample(&mut rng) == "b")] += 1;
    }
    assert_uniform(&counts);
    // and the test notices a 2:1 split
    assert_not_uniform(&[13_333, 6_667]);
}

#[test]
fn crockford_codes() {
    let code = CodeFormat::alphabet(CROCKFORD_BASE32, 10).unwrap();
    assert_eq!(code.entropy_bits(), 50.0);
    let c = code.generate();
    assert_eq!(c.len(), 10);
    assert!(c.chars().all(|ch| CROCKFORD_BASE32.contains(ch)));
    assert!(code.is_well_formed(&c));
    assert!(code.verify(&c, &c.to_lowercase()));
}

#[test]
fn bad_formats_are_errors_naming_the_value() {
    assert_eq!(
        CodeFormat::numeric(13).unwrap_err().to_string(),
        "the number of digits must be between 4 and 12 (got 13)"
    );
    assert_eq!(
        CodeFormat::alphabet("xxxx", 6).unwrap_err().to_string(),
        "the alphabet needs at least 2 distinct characters (got 1)"
    );
    assert!(
        CodeFormat::alphabet("ab", 0)
            .unwrap_err()
            .to_string()
            .contains("(got 0)")
    );
    assert!(
        CodeFormat::numeric_for_bits(50.0)
            .unwrap_err()
            .to_string()
            .contains("more than 12 digits")
    );
}

#[test]
fn bits_pick_the_smallest_format() {
    assert_eq!(CodeFormat::numeric_for_bits(13.0).unwrap().length(), 4);
    assert_eq!(CodeFormat::numeric_for_bits(13.3).unwrap().length(), 5);
    assert_eq!(CodeFormat::numeric_for_bits(30.0).unwrap().length(), 10);
    assert_eq!(
        CodeFormat::alphabet_for_bits("01", 17.0).unwrap().length(),
        17
    );
    assert_eq!(
        CodeFormat::alphabet_for_bits(CROCKFORD_BASE32, 64.0)
            .unwrap()
            .length(),
        13
    );
}
