//! HOTP and TOTP against every test vector of RFC 4226 (Appendix D) and
//! RFC 6238 (Appendix B), plus verification windows, base32 and URIs.

#![cfg(feature = "otp")]

use crate::common;

use keysmith::otp::{
    Algorithm, Hotp, MAX_HOTP_LOOK_AHEAD, MAX_TOTP_SKEW_STEPS, Secret, SecretImport, Totp,
};

const RFC4226: &str = include_str!("vectors/rfc4226.txt");
const RFC6238: &str = include_str!("vectors/rfc6238.txt");

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect())
}

/// Secrets of any length, for the base32 round trips.
fn lenient() -> SecretImport {
    Secret::import().allow_short_secret(true)
}

fn rfc_seed(algorithm: Algorithm) -> Secret {
    let seed: &[u8] = match algorithm {
        Algorithm::Sha1 => b"12345678901234567890",
        Algorithm::Sha256 => b"12345678901234567890123456789012",
        Algorithm::Sha512 => b"1234567890123456789012345678901234567890123456789012345678901234",
    };
    Secret::from_bytes(seed).unwrap()
}

#[test]
fn rfc4226_appendix_d() {
    let hotp = Hotp::new(rfc_seed(Algorithm::Sha1));
    let mut n = 0;
    for row in rows(RFC4226) {
        let [counter, _hmac, trunc_hex, trunc_dec, code] = row[..] else {
            panic!("bad row {row:?}")
        };
        let counter: u64 = counter.parse().unwrap();
        let truncated = hotp.truncated_at(counter);
        assert_eq!(truncated, u32::from_str_radix(trunc_hex, 16).unwrap());
        assert_eq!(truncated, trunc_dec.parse::<u32>().unwrap());
        assert_eq!(hotp.code_at(counter), code, "counter {counter}");
        assert_eq!(hotp.verify(code, counter, 0).unwrap(), Some(counter));
        n += 1;
    }
    assert_eq!(n, 10, "every counter 0..=9");
}

#[test]
fn rfc6238_appendix_b() {
    let mut n = 0;
    for row in rows(RFC6238) {
        let [time, step_hex, code, mode] = row[..] else {
            panic!("bad row {row:?}")
        };
        let time: u64 = time.parse().unwrap();
        let algorithm: Algorithm = mode.parse().unwrap();
        let totp = Totp::new(rfc_seed(algorithm))
            .with_digits(8)
            .unwrap()
            .with_algorithm(algorithm);
        assert_eq!(
            totp.step_at(time),
            u64::from_str_radix(step_hex, 16).unwrap()
        );
        assert_eq!(totp.code_at(time), code, "{mode} at {time}");
        assert_eq!(totp.verify(code, time, 0).unwrap(), Some(0));
        n += 1;
    }
    assert_eq!(n, 18, "six times, three hashes");
}

#[test]
fn six_digit_totp_is_the_last_six_digits() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1));
    assert_eq!(totp.code_at(59), "287082");
    assert_eq!(totp.code_at(1111111109), "081804");
}

#[test]
fn verify_window_accepts_neighbouring_steps_only_when_asked() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1));
    let now = 1_700_000_015;
    let previous = totp.code_at(now - 30);
    let current = totp.code_at(now);
    let next = totp.code_at(now + 30);
    let two_back = totp.code_at(now - 60);

    assert_eq!(totp.verify(&current, now, 0).unwrap(), Some(0));
    assert_eq!(totp.verify(&previous, now, 1).unwrap(), Some(-1));
    assert_eq!(totp.verify(&next, now, 1).unwrap(), Some(1));
    assert_eq!(totp.verify(&previous, now, 0).unwrap(), None);
    assert_eq!(totp.verify(&next, now, 0).unwrap(), None);
    assert_eq!(totp.verify(&two_back, now, 1).unwrap(), None);
    assert_eq!(totp.verify(&two_back, now, 2).unwrap(), Some(-2));
}

#[test]
fn verify_rejects_malformed_codes() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1));
    let code = totp.code_at(59);
    assert_eq!(totp.verify(&code, 59, 1).unwrap(), Some(0));
    assert_eq!(totp.verify(&format!("{code}0"), 59, 1).unwrap(), None);
    assert_eq!(totp.verify(&code[1..], 59, 1).unwrap(), None);
    assert_eq!(totp.verify("28708a", 59, 1).unwrap(), None);
    assert_eq!(totp.verify("", 59, 1).unwrap(), None);
    // a window reaching before step 0 is not an error
    assert_eq!(totp.verify(&totp.code_at(0), 0, 3).unwrap(), Some(0));
}

#[test]
fn period_and_t0_move_the_steps() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1))
        .with_period(60)
        .unwrap()
        .with_t0(100);
    assert_eq!(totp.step_at(159), 0);
    assert_eq!(totp.step_at(160), 1);
    assert_eq!(totp.step_end(160), 220);
    assert_eq!(
        totp.code_at(160),
        Hotp::new(rfc_seed(Algorithm::Sha1)).code_at(1)
    );
    assert!(Totp::new(rfc_seed(Algorithm::Sha1)).with_period(0).is_err());
}

#[test]
fn digits_are_six_seven_or_eight() {
    for d in [0, 5, 9, 10] {
        let e = Totp::new(rfc_seed(Algorithm::Sha1))
            .with_digits(d)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("(got {d})")), "{e}");
    }
    let seven = Totp::new(rfc_seed(Algorithm::Sha1)).with_digits(7).unwrap();
    assert_eq!(seven.code_at(59), "4287082");
}

#[test]
fn hotp_look_ahead() {
    let hotp = Hotp::new(rfc_seed(Algorithm::Sha1));
    assert_eq!(hotp.verify("969429", 0, 2).unwrap(), None); // counter 3
    assert_eq!(hotp.verify("969429", 0, 3).unwrap(), Some(3));
    assert_eq!(hotp.verify("969429", 4, 100).unwrap(), None);
}

#[test]
fn hotp_look_ahead_is_capped() {
    let hotp = Hotp::new(rfc_seed(Algorithm::Sha1));
    // The cap itself is accepted and searched to its end.
    let far = hotp.code_at(1_000 + MAX_HOTP_LOOK_AHEAD);
    assert_eq!(
        hotp.verify(&far, 1_000, MAX_HOTP_LOOK_AHEAD).unwrap(),
        Some(1_000 + MAX_HOTP_LOOK_AHEAD)
    );
    assert_eq!(
        hotp.verify(&far, 1_000, MAX_HOTP_LOOK_AHEAD - 1).unwrap(),
        None
    );
    // One more is an error, as is the window that used to never end.
    for too_wide in [MAX_HOTP_LOOK_AHEAD + 1, 1_000_000, u64::MAX] {
        let e = hotp.verify(&far, 1_000, too_wide).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "the HOTP look-ahead must be at most {MAX_HOTP_LOOK_AHEAD} counters (got {too_wide})"
            )
        );
    }
    // The window is checked before the code: a malformed code does not
    // hide a bad window.
    assert!(hotp.verify("12", 0, u64::MAX).is_err());
    assert_eq!(hotp.verify("12", 0, 0).unwrap(), None);
    // Near the top of the counter space the window stops at u64::MAX.
    let last = hotp.code_at(u64::MAX);
    assert_eq!(
        hotp.verify(&last, u64::MAX - 3, MAX_HOTP_LOOK_AHEAD)
            .unwrap(),
        Some(u64::MAX)
    );
}

#[test]
fn totp_skew_is_capped() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1));
    let now: u64 = 1_700_000_015;
    let cap = i64::from(MAX_TOTP_SKEW_STEPS);
    for offset in [-cap, cap] {
        let t = now.checked_add_signed(offset * 30).unwrap();
        let code = totp.code_at(t);
        assert_eq!(
            totp.verify(&code, now, MAX_TOTP_SKEW_STEPS).unwrap(),
            Some(offset)
        );
        assert_eq!(
            totp.verify(&code, now, MAX_TOTP_SKEW_STEPS - 1).unwrap(),
            None
        );
    }
    for too_wide in [MAX_TOTP_SKEW_STEPS + 1, 1_000, u32::MAX] {
        let e = totp
            .verify(&totp.code_at(now), now, too_wide)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "the TOTP window must be at most {MAX_TOTP_SKEW_STEPS} steps either side (got {too_wide})"
            )
        );
    }
    assert!(totp.verify("", now, u32::MAX).is_err());
}

// ---- secrets --------------------------------------------------------------

#[test]
fn imported_secrets_under_128_bits_are_refused_unless_allowed() {
    assert_eq!(Secret::MIN_LEN, 16);
    assert_eq!(Secret::MIN_BITS, 128);
    // RFC 4226's own 160-bit seed passes; so does the 128-bit minimum.
    assert!(Secret::from_bytes(*b"12345678901234567890").is_ok());
    assert!(Secret::from_bytes([9u8; 16]).is_ok());
    // The classic 80-bit example secret, and one byte under the minimum.
    for (text, bits) in [("JBSWY3DPEHPK3PXP", 80), ("AEBAGBAFAYDQQCIKBMGA2DQP", 120)] {
        let e = Secret::from_base32(text).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("the secret has {bits} bits, fewer than the 128 RFC 4226 requires (R6)")
        );
        assert!(text.parse::<Secret>().is_err());
        let s = lenient().base32(text).unwrap();
        assert!(s.is_short());
        assert_eq!(s.as_bytes().len() * 8, bits);
        // A short secret, once allowed, works as any other.
        assert_eq!(Totp::new(s.clone()).code_at(59).len(), 6);
    }
    let e = Secret::from_bytes(*b"123456789012345")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("the secret has 120 bits"), "{e}");
    assert!(!e.contains("12345"), "{e}");
    assert!(lenient().bytes(*b"123456789012345").is_ok());
    // Generated secrets always meet the minimum.
    let mut rng = common::seeded(9);
    assert!(!Secret::generate_with(&mut rng).is_short());
    for len in Secret::MIN_LEN..=Secret::MAX_GENERATED_LEN {
        assert!(!Secret::generate_len_with(&mut rng, len).unwrap().is_short());
    }
}

#[test]
fn generated_secrets_are_160_bits_and_round_trip() {
    let mut rng = common::seeded(7);
    for _ in 0..200 {
        let s = Secret::generate_with(&mut rng);
        assert_eq!(s.as_bytes().len(), 20);
        let text = s.to_base32();
        assert_eq!(text.len(), 32);
        assert!(!text.contains('='));
        assert_eq!(Secret::from_base32(&text).unwrap(), s);
        assert_eq!(Secret::from_base32(&text.to_lowercase()).unwrap(), s);
        let spaced: String = text
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(Secret::from_base32(&spaced).unwrap(), s);
    }
    assert_eq!(Secret::GENERATED_BITS, 160);
    assert_ne!(Secret::generate(), Secret::generate());
}

#[test]
fn bits_pick_the_shortest_secret_of_at_least_160_bits() {
    for (bits, len) in [
        (0.5, 20),
        (128.0, 20),
        (160.0, 20),
        (160.5, 21),
        (256.0, 32),
        (512.0, 64),
    ] {
        assert_eq!(Secret::len_for_bits(bits).unwrap(), len, "{bits} bits");
    }
    for bad in [512.5, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = Secret::len_for_bits(bad).unwrap_err().to_string();
        assert!(e.contains(&bad.to_string()), "{bad}: {e}");
    }
    let mut rng = common::seeded(8);
    let s = Secret::generate_len_with(&mut rng, 32).unwrap();
    assert_eq!(s.as_bytes().len(), 32);
    assert_eq!(Secret::from_base32(&s.to_base32()).unwrap(), s);
    for bad in [0, 15, 65] {
        let e = Secret::generate_len_with(&mut rng, bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("(got {bad})")), "{e}");
    }
}

#[test]
fn odd_lengths_round_trip_with_optional_padding() {
    for len in 1..=40usize {
        let bytes: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
        let s = lenient().bytes(bytes.clone()).unwrap();
        let text = s.to_base32();
        assert_eq!(lenient().base32(&text).unwrap().as_bytes(), &bytes[..]);
        let padded = format!("{text}{}", "=".repeat((8 - text.len() % 8) % 8));
        assert_eq!(lenient().base32(&padded).unwrap().as_bytes(), &bytes[..]);
        // Without the allowance only 128 bits and more are read.
        assert_eq!(Secret::from_base32(&padded).is_ok(), len >= Secret::MIN_LEN);
    }
}

#[test]
fn bad_base32_does_not_echo_the_secret() {
    for bad in [
        "JBSWY3DPEHPK3PX!",
        "JBSWY3DPEHPK3PX1",
        "JBSWY3DPEHPK3PXPZ",
        "JBSW=Y3DP",
    ] {
        let e = Secret::from_base32(bad).unwrap_err().to_string();
        assert!(e.starts_with("invalid base32 secret"), "{e}");
        assert!(!e.contains("JBSW"), "{e}");
    }
    assert!(Secret::from_base32("").is_err());
}

#[test]
fn debug_output_never_shows_the_secret() {
    let totp = Totp::new(lenient().base32("JBSWY3DPEHPK3PXP").unwrap());
    let shown = format!("{totp:?} {:?}", totp.hotp());
    assert!(shown.contains("[redacted]"));
    assert!(
        !shown.contains("JBSW") && !shown.contains("72, 101"),
        "{shown}"
    );
}

// ---- otpauth URIs ---------------------------------------------------------

#[test]
fn otpauth_uri_exact() {
    let secret = Secret::from_bytes(*b"12345678901234567890").unwrap();
    assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    let totp = Totp::new(secret);
    assert_eq!(
        totp.otpauth_uri("Example", "alice@example.com").unwrap(),
        "otpauth://totp/Example:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
         &issuer=Example&algorithm=SHA1&digits=6&period=30"
    );
    let custom = totp
        .clone()
        .with_digits(8)
        .unwrap()
        .with_algorithm(Algorithm::Sha256)
        .with_period(60)
        .unwrap();
    assert_eq!(
        custom
            .otpauth_uri("Big Corp & Sons", "bob smith+2fa")
            .unwrap(),
        "otpauth://totp/Big%20Corp%20%26%20Sons:bob%20smith%2B2fa\
         ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Big%20Corp%20%26%20Sons\
         &algorithm=SHA256&digits=8&period=60"
    );
    assert_eq!(
        Hotp::new(rfc_seed(Algorithm::Sha1))
            .otpauth_uri("Ex", "a", 5)
            .unwrap(),
        "otpauth://hotp/Ex:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
         &issuer=Ex&algorithm=SHA1&digits=6&counter=5"
    );
    // Non-ASCII is UTF-8 percent-encoded.
    assert!(
        totp.otpauth_uri("Café", "ü")
            .unwrap()
            .starts_with("otpauth://totp/Caf%C3%A9:%C3%BC?")
    );
}

#[test]
fn otpauth_uri_rejects_bad_labels() {
    let totp = Totp::new(rfc_seed(Algorithm::Sha1));
    for (issuer, account, needle) in [
        ("", "a", "issuer must not be empty"),
        ("  ", "a", "issuer must not be empty"),
        ("Ex", "", "account must not be empty"),
        ("Ex:Co", "a", "issuer must not contain ':'"),
        ("Ex", "a:b", "account must not contain ':'"),
        ("Ex\n", "a", "control characters"),
    ] {
        let e = totp.otpauth_uri(issuer, account).unwrap_err().to_string();
        assert!(e.contains(needle), "{issuer:?} {account:?}: {e}");
    }
    assert!(totp.with_t0(1).otpauth_uri("Ex", "a").is_err());
}
