//! CPython's `Lib/test/test_secrets.py`, carried over to Rust.

use keysmith::{
    BigUint, DEFAULT_ENTROPY, Error, choice, compare_digest, randbelow, randbits, randbits_big,
    token_bytes, token_hex, token_urlsafe,
};

// ---- class Compare_Digest_Tests -------------------------------------------

#[test]
fn compare_digest_equal() {
    for s in ["a", "bcd", "xyz123"] {
        let a = s.to_string();
        let b = s.to_string();
        assert!(compare_digest(&a, &b));
        assert!(compare_digest(a.as_bytes(), b.as_bytes()));
    }
    assert!(compare_digest("", ""));
    assert!(compare_digest(Vec::<u8>::new(), [0u8; 0]));
}

#[test]
fn compare_digest_unequal() {
    assert!(!compare_digest("abc", "abcd"));
    assert!(!compare_digest(b"abc", b"abcd"));
    for s in ["x", "mn", "a1b2c3"] {
        let a = format!("{s}q");
        let b = format!("{s}k");
        assert!(!compare_digest(&a, &b));
        assert!(!compare_digest(a.as_bytes(), b.as_bytes()));
    }
    // A difference in the first byte and in the last byte both count.
    assert!(!compare_digest([1u8, 0, 0], [0u8, 0, 0]));
    assert!(!compare_digest([0u8, 0, 1], [0u8, 0, 0]));
}

#[test]
fn compare_digest_accepts_mixed_byte_and_string_types() {
    // Rust's equivalent of test_bad_types is the type system; what remains
    // is that every byte-like form of the same secret compares equal.
    let s = String::from("secret");
    assert!(compare_digest(&s, b"secret"));
    assert!(compare_digest(s.as_str(), s.clone().into_bytes()));
    assert!(!compare_digest("Secret", b"secret"));
}

// ---- class Random_Tests ---------------------------------------------------

#[test]
fn randbelow_in_range() {
    for i in 2u32..10 {
        assert!(randbelow(i).unwrap() < i);
    }
    for i in 2u128..10 {
        assert!(randbelow(i).unwrap() < i);
    }
    let big = BigUint::from(1u32) << 300u32;
    assert!(randbelow(big.clone()).unwrap() < big);
}

#[test]
fn randbelow_rejects_zero() {
    // Python raises ValueError for 0 and for negative bounds; unsigned types
    // make a negative bound unrepresentable.
    assert_eq!(randbelow(0u8), Err(Error::NonPositiveBound));
    assert_eq!(randbelow(0u64), Err(Error::NonPositiveBound));
    assert_eq!(randbelow(0usize), Err(Error::NonPositiveBound));
    assert_eq!(randbelow(BigUint::from(0u32)), Err(Error::NonPositiveBound));
    assert_eq!(
        randbelow(0u32).unwrap_err().to_string(),
        "upper bound must be positive"
    );
}

#[test]
fn randbelow_of_one_is_zero() {
    assert_eq!(randbelow(1u64), Ok(0));
    assert_eq!(randbelow(1u128), Ok(0));
    assert_eq!(randbelow(BigUint::from(1u32)), Ok(BigUint::from(0u32)));
}

#[test]
fn randbits_in_range() {
    assert_eq!(randbits(0), Ok(0));
    assert_eq!(randbits_big(0), BigUint::from(0u32));
    for numbits in 1..=128 {
        let x = randbits(numbits).unwrap();
        assert!(numbits == 128 || x < 1u128 << numbits);
    }
    for numbits in [129u64, 1000, 4096] {
        assert!(randbits_big(numbits).bits() <= numbits);
    }
    assert_eq!(randbits(129), Err(Error::TooManyBits { bits: 129 }));
}

#[test]
fn choice_from_items() {
    let items = [1, 2, 4, 8, 16, 32, 64];
    for _ in 0..10 {
        assert!(items.contains(choice(&items).unwrap()));
    }
}

#[test]
fn choice_from_empty_is_an_error() {
    let empty: [u8; 0] = [];
    let e = choice(&empty).unwrap_err();
    assert_eq!(e, Error::EmptySequence);
    assert_eq!(e.to_string(), "cannot choose from an empty sequence");
}

// ---- class Token_Tests ----------------------------------------------------

#[test]
fn token_defaults() {
    // Python: each function called with no argument and with None.
    assert_eq!(token_bytes(None).len(), DEFAULT_ENTROPY);
    assert_eq!(token_hex(None).len(), 2 * DEFAULT_ENTROPY);
    // 32 bytes of base64 without padding: ceil(32 * 4 / 3) = 43 characters.
    assert_eq!(token_urlsafe(None).len(), 43);
    assert_eq!(DEFAULT_ENTROPY, 32);
}

#[test]
fn token_bytes_lengths() {
    for n in [1usize, 8, 17, 100] {
        assert_eq!(token_bytes(n).len(), n);
    }
    assert!(token_bytes(0).is_empty());
}

#[test]
fn token_hex_digits_and_length() {
    for n in [1usize, 12, 25, 90] {
        let s = token_hex(n);
        assert_eq!(s.len(), 2 * n);
        assert!(
            s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
            "{s}"
        );
    }
}

#[test]
fn token_urlsafe_alphabet_and_length() {
    for n in [1usize, 11, 28, 76, 100] {
        let s = token_urlsafe(n);
        assert_eq!(s.len(), (n * 4).div_ceil(3), "n={n}: {s}");
        assert!(
            s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{s}"
        );
    }
}

#[test]
fn tokens_differ() {
    // 256-bit tokens colliding would be a broken source, not bad luck.
    assert_ne!(token_bytes(None), token_bytes(None));
    assert_ne!(token_hex(None), token_hex(None));
    assert_ne!(token_urlsafe(None), token_urlsafe(None));
}

#[test]
fn fill_bytes_fills_without_allocating() {
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    keysmith::fill_bytes(&mut a);
    keysmith::try_fill_bytes(&mut b).unwrap();
    assert_ne!(a, [0u8; 64]);
    assert_ne!(a, b);
}

#[test]
fn token_bytes_are_roughly_balanced_on_the_real_source() {
    // 1 MiB has 8,388,608 bits; the count of ones is within 0.5% of half
    // with probability 1 - 1e-180.
    let t = token_bytes(1 << 20);
    let ones: u64 = t.iter().map(|b| u64::from(b.count_ones())).sum();
    let half = (t.len() * 4) as f64;
    assert!((ones as f64 - half).abs() < half * 0.005, "{ones} ones");
}

#[test]
fn tokens_on_both_sides_of_the_stack_buffer() {
    use chacha20::ChaCha20Rng;
    use keysmith::{TokenFormat, token_bytes_with, token_with};
    use rand_core::SeedableRng;
    // token_with keeps up to 64 bytes on the stack and allocates above:
    // both paths encode exactly the bytes token_bytes_with draws.
    for n in [0usize, 1, 32, 63, 64, 65, 200] {
        for format in [TokenFormat::Hex, TokenFormat::UrlSafe, TokenFormat::Base64] {
            let mut a = ChaCha20Rng::seed_from_u64(n as u64);
            let mut b = ChaCha20Rng::seed_from_u64(n as u64);
            let token = token_with(&mut a, Some(n), format);
            let bytes = token_bytes_with(&mut b, Some(n));
            assert_eq!(token, format.encode(&bytes), "{n} bytes, {format:?}");
        }
        assert_eq!(token_hex(n).len(), 2 * n);
        assert_eq!(token_urlsafe(n).len(), (n * 4).div_ceil(3));
        if n >= 16 {
            assert_ne!(token_hex(n), token_hex(n));
        }
    }
}
