//! The parts of an `otpauth://` URI: issuer and account labels, the
//! algorithm name, digits, period or counter, T0, and HOTP/TOTP codes and
//! verification around them.
//!
//! Invariants: no panic; a URI is made exactly when the labels are valid
//! (non-blank, no `:`, no control character) and T0 is 0; a standard URI
//! parser reads back from it the kind, the label `issuer:account`, the
//! secret (which imports to the same bytes), the issuer, the algorithm,
//! the digits and the period or counter; the URI is allocated at its final
//! size; the current code verifies at offset 0 and a malformed code
//! matches nothing.
//!
//! Input: settings (see `keysmith_fuzz::Settings`) `issuer`, `account`,
//! `algorithm`, `digits`, `hotp` (else TOTP), `period`, `t0`, `counter`,
//! `time`, `window`, `code`; the payload is the secret's bytes.

#![no_main]

use keysmith::otp::{Algorithm, Hotp, MAX_HOTP_LOOK_AHEAD, MAX_TOTP_SKEW_STEPS, Secret, Totp};
use keysmith_fuzz::Settings;
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

fn label_ok(s: &str) -> bool {
    !s.trim().is_empty() && !s.contains(':') && !s.chars().any(char::is_control)
}

fuzz_target!(|data: &[u8]| {
    let s = Settings::parse(data);
    let issuer = s.get("issuer").unwrap_or("Example");
    let account = s.get("account").unwrap_or("alice@example.com");
    let is_totp = !s.has("hotp");
    let counter: u64 = s.num("counter").unwrap_or(0);
    let time: u64 = s.num("time").unwrap_or(0);
    let given = s.get("code").unwrap_or("");
    let algorithm = match s.get("algorithm").map(str::parse::<Algorithm>) {
        Some(Ok(a)) => {
            let name = s.get("algorithm").unwrap();
            assert_eq!(a.name().parse::<Algorithm>().ok(), Some(a));
            assert_eq!(name.to_ascii_uppercase().replace('-', ""), a.name());
            a
        }
        Some(Err(_)) | None => Algorithm::Sha1,
    };
    let Ok(secret) = Secret::import().allow_short_secret(true).bytes(s.payload) else {
        return;
    };
    let digits: u32 = s.num("digits").unwrap_or(6);
    let hotp = match Hotp::new(secret.clone()).with_digits(digits) {
        Ok(h) => h.with_algorithm(algorithm),
        Err(_) => {
            assert!(!(6..=8).contains(&digits));
            return;
        }
    };
    let t0: u64 = s.num("t0").unwrap_or(0);
    let period: u64 = s.num("period").unwrap_or(30);
    let totp = match Totp::from_hotp(hotp.clone()).with_period(period) {
        Ok(t) => t.with_t0(t0),
        Err(_) => {
            assert_eq!(period, 0);
            return;
        }
    };
    let made = if is_totp {
        totp.otpauth_uri(issuer, account)
    } else {
        hotp.otpauth_uri(issuer, account, counter)
    };
    let expect_ok = label_ok(issuer) && label_ok(account) && (!is_totp || t0 == 0);
    match made {
        Ok(uri) => {
            assert!(expect_ok, "a URI with bad parts: {uri}");
            assert_eq!(uri.capacity(), uri.len());
            let parsed = url::Url::parse(&uri).expect("an otpauth URI parses");
            assert_eq!(parsed.scheme(), "otpauth");
            assert_eq!(
                parsed.host_str(),
                Some(if is_totp { "totp" } else { "hotp" })
            );
            let label = percent_decode_str(parsed.path().trim_start_matches('/'))
                .decode_utf8()
                .expect("the label is UTF-8");
            assert_eq!(label, format!("{}:{}", issuer, account));
            let query: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let last = if is_totp {
                ("period".to_owned(), period.to_string())
            } else {
                ("counter".to_owned(), counter.to_string())
            };
            let expected = [
                ("secret".to_owned(), secret.to_base32()),
                ("issuer".to_owned(), issuer.to_owned()),
                ("algorithm".to_owned(), algorithm.name().to_owned()),
                ("digits".to_owned(), digits.to_string()),
                last,
            ];
            assert_eq!(query, expected);
            let back = Secret::import()
                .allow_short_secret(true)
                .base32(&query[0].1)
                .expect("the URI's secret imports");
            assert_eq!(back, secret);
        }
        Err(e) => {
            assert!(!expect_ok, "refused good parts: {e}");
            // The message may quote a label, not the secret (unless the
            // label holds it).
            let b32 = secret.to_base32();
            let quoted = [issuer, account].iter().any(|l| l.contains(&b32));
            assert!(b32.len() < 16 || quoted || !e.to_string().contains(&b32));
        }
    }

    // Codes around the URI's parameters.
    let code = totp.code_at(time);
    assert_eq!(code.len(), digits as usize);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let window: u32 = s.num("window").unwrap_or(1);
    match totp.verify(&code, time, window) {
        Ok(found) => {
            assert!(window <= MAX_TOTP_SKEW_STEPS);
            let offset = found.expect("the current code verifies");
            assert!(offset.unsigned_abs() <= u64::from(window));
            // The first match is reported: at or before the current step.
            assert!(offset <= 0);
        }
        Err(_) => assert!(window > MAX_TOTP_SKEW_STEPS),
    }
    if !hotp.is_well_formed(given) {
        assert_eq!(totp.verify(given, time, 1).ok(), Some(None));
    }
    let look_ahead = u64::from(window);
    let at = hotp.code_at(counter);
    match hotp.verify(&at, counter, look_ahead) {
        Ok(found) => {
            assert!(look_ahead <= MAX_HOTP_LOOK_AHEAD);
            assert_eq!(found, Some(counter));
        }
        Err(_) => assert!(look_ahead > MAX_HOTP_LOOK_AHEAD),
    }
    let end = totp.step_end(time);
    assert!(end > time || end == u64::MAX);
    if end != u64::MAX {
        assert_eq!(totp.step_at(end - 1), totp.step_at(time));
        assert_eq!(totp.step_at(end), totp.step_at(time) + 1);
    }
});
