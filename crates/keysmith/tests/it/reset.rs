//! Reset links: base URL validation, the token in the link, hashing,
//! verification and expiry.

#![cfg(feature = "reset")]

use crate::common;

use common::seeded;
use keysmith::reset::{
    self, DEFAULT_TTL, MAX_TTL, ResetLinks, check_ttl, hash_token, hash_token_hex, verify_token,
    verify_token_hex,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const T0: u64 = 1_700_000_000; // 2023-11-14T22:13:20Z

// ---- base URL ----------------------------------------------------------------

#[test]
fn base_url_validation_table() {
    let accepted = [
        ("https://example.com/reset", "example.com"),
        ("https://example.com", "example.com"),
        ("HTTPS://Example.COM/r?lang=en", "example.com"),
        ("https://example.com:8443/a/b/", "example.com"),
        ("https://203.0.113.7/reset", "203.0.113.7"),
        ("http://localhost/reset", "localhost"),
        ("http://localhost:3000/reset", "localhost"),
        ("http://LOCALHOST/", "localhost"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("http://127.1.2.3/", "127.1.2.3"),
        ("http://[::1]:8080/", "[::1]"),
        // Parsed as browsers parse it: the backslash ends the host, so the
        // host is evil.example, not good.example (and it is https).
        ("https://evil.example\\@good.example/", "evil.example"),
    ];
    for (given, host) in accepted {
        let links = ResetLinks::new(given).unwrap_or_else(|e| panic!("{given}: {e}"));
        assert_eq!(links.base().host_str(), Some(host), "{given}");
        let link = links.make(DEFAULT_TTL, at(T0)).unwrap();
        let parsed = Url::parse(link.url()).unwrap();
        assert_eq!(parsed.host_str(), Some(host), "{given}");
    }

    let rejected = [
        ("http://example.com/reset", "must use https"),
        ("http://localhost.example.com/", "must use https"),
        ("http://127.0.0.1.nip.io/", "must use https"),
        ("http://128.0.0.1/", "must use https"),
        ("http://[::2]/", "must use https"),
        ("ftp://example.com/reset", "scheme 'ftp'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("mailto:a@example.com", "scheme 'mailto'"),
        ("/reset", "is not absolute"),
        ("example.com/reset", "is not absolute"),
        ("", "is not absolute"),
        ("https://", "is not a valid URL"),
        ("https://exa mple.com/", "is not a valid URL"),
        ("https://user:hunter2@example.com/", "user name or password"),
        (
            "https://good.example@evil.example/",
            "user name or password",
        ),
        ("http://localhost@evil.example/", "user name or password"),
        ("https://example.com/reset#frag", "fragment"),
        ("https://example.com/reset#", "fragment"),
        (
            "https://example.com/reset?token=old",
            "already has a 'token'",
        ),
    ];
    for (given, why) in rejected {
        let msg = ResetLinks::new(given).map(|_| ()).unwrap_err().to_string();
        assert!(msg.contains(why), "{given}: {msg:?} lacks {why:?}");
        assert!(msg.starts_with("the base URL '"), "{msg}");
        assert!(!msg.contains('\n'));
        assert!(!msg.contains("hunter2"), "password echoed: {msg}");
    }
}

#[test]
fn param_names_are_checked() {
    let links = ResetLinks::new("https://example.com/r?lang=en").unwrap();
    assert_eq!(links.param(), "token");
    assert_eq!(links.clone().with_param("t").unwrap().param(), "t");
    assert!(links.clone().with_param("reset-token.v2_~").is_ok());
    for bad in ["", "a b", "a&b", "a=b", "é", &"p".repeat(65)] {
        assert!(links.clone().with_param(bad).is_err(), "{bad:?}");
    }
    let e = links.with_param("lang").unwrap_err().to_string();
    assert!(e.contains("already has a 'lang'"), "{e}");
    // A base that has `token` can use another name.
    let e = ResetLinks::new("https://x.example/?token=1").unwrap_err();
    assert!(e.to_string().contains("'token'"));
}

// ---- the link ----------------------------------------------------------------

#[test]
fn token_round_trips_through_the_url() {
    let links = ResetLinks::new("https://example.com/reset?lang=en&x=a%20b")
        .unwrap()
        .with_param("t");
    let links = links.unwrap();
    let mut rng = seeded(1);
    for _ in 0..200 {
        let link = links.make_with(&mut rng, DEFAULT_TTL, at(T0)).unwrap();
        assert_eq!(link.token().len(), 43);
        assert!(
            link.token()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let url = Url::parse(link.url()).unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.path(), "/reset");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("lang".into(), "en".into()),
                ("x".into(), "a b".into()),
                ("t".into(), link.token().to_owned()),
            ]
        );
        assert_eq!(hash_token(link.token()), link.token_sha256());
        use sha2::Digest;
        let expected: [u8; 32] = sha2::Sha256::digest(link.token().as_bytes()).into();
        assert_eq!(link.token_sha256(), expected);
        assert_eq!(link.token_sha256_hex(), hash_token_hex(link.token()));
    }
}

#[test]
fn links_on_a_bare_host_get_a_path() {
    let link = ResetLinks::new("https://example.com")
        .unwrap()
        .make(DEFAULT_TTL, at(T0))
        .unwrap();
    let prefix = "https://example.com/?token=";
    assert!(link.url().starts_with(prefix), "{}", link.url());
    assert_eq!(&link.url()[prefix.len()..], link.token());
}

#[test]
fn tokens_are_fresh_and_base64url_of_32_bytes() {
    let links = ResetLinks::new("http://localhost:8080/reset").unwrap();
    assert_eq!(links.entropy_bits(), 256.0);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        let link = links.make(DEFAULT_TTL, SystemTime::now()).unwrap();
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(link.token())
            .unwrap();
        assert_eq!(bytes.len(), 32);
        assert!(seen.insert(link.token().to_owned()));
    }
}

#[test]
fn bits_pick_the_shortest_token_of_at_least_32_bytes() {
    use base64::Engine as _;
    let links = ResetLinks::new("https://example.com/reset").unwrap();
    assert_eq!(links.token_bytes(), 32);
    for (bits, bytes) in [
        (0.5, 32),
        (128.0, 32),
        (256.0, 32),
        (256.5, 33),
        (300.0, 38),
        (2048.0, 256),
    ] {
        let l = links.clone().with_bits(bits).unwrap();
        assert_eq!(l.token_bytes(), bytes, "{bits} bits");
        assert_eq!(l.entropy_bits(), (8 * bytes) as f64);
        let link = l.make_with(&mut seeded(9), DEFAULT_TTL, at(T0)).unwrap();
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(link.token())
            .unwrap();
        assert_eq!(decoded.len(), bytes, "{bits} bits");
    }
    for bad in [2048.5, 1e9, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = links.clone().with_bits(bad).unwrap_err().to_string();
        assert!(e.contains(&bad.to_string()), "{bad}: {e}");
    }
}

// ---- time --------------------------------------------------------------------

#[test]
fn expiry_is_now_plus_ttl() {
    let links = ResetLinks::new("https://example.com/reset").unwrap();
    let link = links.make(Duration::from_secs(20 * 60), at(T0)).unwrap();
    assert_eq!(link.expires_at(), at(T0 + 1200));
    assert_eq!(link.expires_at_rfc3339(), "2023-11-14T22:33:20Z");
    assert!(!link.is_expired(at(T0)));
    assert!(!link.is_expired(at(T0 + 1199)));
    assert!(link.is_expired(at(T0 + 1200)));
    assert!(link.is_expired(at(T0 + 5000)));

    let link = links.make(MAX_TTL, at(T0)).unwrap();
    assert_eq!(link.expires_at(), at(T0 + 7 * 86400));
    // Sub-second times are cut to whole seconds in RFC 3339.
    let link = links
        .make(
            Duration::from_millis(1500),
            at(T0) + Duration::from_millis(700),
        )
        .unwrap();
    assert_eq!(link.expires_at_rfc3339(), "2023-11-14T22:13:22Z");
}

#[test]
fn bad_lifetimes_and_clocks_are_errors() {
    let links = ResetLinks::new("https://example.com/reset").unwrap();
    let e = links.make(Duration::ZERO, at(T0)).unwrap_err().to_string();
    assert!(e.contains("positive"), "{e}");
    let e = links
        .make(MAX_TTL + Duration::from_secs(1), at(T0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("7days") && e.contains("7days 1s"), "{e}");
    assert!(check_ttl(Duration::from_secs(90)).is_ok());
    // A clock before 1970 or past 9999 cannot give an RFC 3339 expiry.
    let e = links
        .make(DEFAULT_TTL, UNIX_EPOCH - Duration::from_secs(3600))
        .unwrap_err()
        .to_string();
    assert!(e.contains("1970"), "{e}");
    assert!(links.make(DEFAULT_TTL, at(253_402_300_799 - 60)).is_err());
    assert!(
        links
            .make(Duration::from_secs(60), at(253_402_300_799 - 60))
            .is_ok()
    );
}

// ---- verification ------------------------------------------------------------

#[test]
fn verify_token_accepts_only_the_token() {
    let link = ResetLinks::new("https://example.com/reset")
        .unwrap()
        .make(DEFAULT_TTL, at(T0))
        .unwrap();
    let stored = link.token_sha256();
    let stored_hex = link.token_sha256_hex();
    assert!(verify_token(link.token(), &stored));
    assert!(verify_token_hex(link.token(), &stored_hex));
    assert!(verify_token_hex(link.token(), &stored_hex.to_uppercase()));

    let mut wrong = link.token().to_owned();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'A' { 'B' } else { 'A' });
    for presented in [wrong.as_str(), "", &link.token()[..42], &stored_hex] {
        assert!(!verify_token(presented, &stored), "{presented}");
        assert!(!verify_token_hex(presented, &stored_hex));
    }
    // A stored value that is not a SHA-256 in hex matches nothing.
    assert!(!verify_token_hex(link.token(), &stored_hex[..62]));
    assert!(!verify_token_hex(link.token(), "zz"));
    assert!(!verify_token_hex(link.token(), ""));
    // Known vector: SHA-256("abc").
    assert_eq!(
        reset::hash_token_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn debug_output_hides_the_token_and_url() {
    let link = ResetLinks::new("https://example.com/reset")
        .unwrap()
        .make(DEFAULT_TTL, at(T0))
        .unwrap();
    let debug = format!("{link:?}");
    assert!(!debug.contains(link.token()), "{debug}");
    assert!(!debug.contains(&link.token()[..10]), "{debug}");
    assert!(!debug.contains("example.com"), "{debug}");
    assert!(debug.contains("[redacted]") && debug.contains("2023-11-14T22:33:20Z"));
}
