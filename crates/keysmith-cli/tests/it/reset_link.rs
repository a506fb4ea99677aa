//! `keysmith reset-link`.

use crate::common;

use common::{keysmith, lines, rejects, stdout_of};
use std::time::{Duration, SystemTime};

const BASE: &str = "https://example.com/reset";

fn is_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[test]
fn prints_the_link() {
    let out = stdout_of(&["reset-link", "--base-url", BASE]);
    assert_eq!(lines(&out).len(), 1);
    let token = out
        .trim_end()
        .strip_prefix("https://example.com/reset?token=")
        .unwrap();
    assert!(is_token(token), "{out}");
}

#[test]
fn json_has_every_field() {
    let before = SystemTime::now();
    let out = stdout_of(&["reset-link", "--base-url", BASE, "--ttl", "1h", "--json"]);
    let after = SystemTime::now();
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    let token = v["token"].as_str().unwrap();
    assert!(is_token(token));
    assert_eq!(v["url"], format!("{BASE}?token={token}"));
    assert_eq!(v["token_sha256"], keysmith::reset::hash_token_hex(token));
    assert!(keysmith::reset::verify_token_hex(
        token,
        v["token_sha256"].as_str().unwrap()
    ));
    assert_eq!(v["entropy_bits"], 256.0);
    let expires = humantime::parse_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let hour = Duration::from_secs(3600);
    assert!(expires + Duration::from_secs(1) > before + hour, "{v}");
    assert!(expires <= after + hour, "{v}");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn default_ttl_is_twenty_minutes() {
    let before = SystemTime::now();
    let out = stdout_of(&["reset-link", "--base-url", BASE, "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    let expires = humantime::parse_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let delta = expires.duration_since(before).unwrap_or_default().as_secs();
    assert!((1199..=1205).contains(&delta), "{delta}");
}

#[test]
fn param_query_and_localhost() {
    let out = stdout_of(&[
        "reset-link",
        "--base-url",
        "https://example.com/r?lang=en",
        "--param",
        "t",
    ]);
    let token = out
        .trim_end()
        .strip_prefix("https://example.com/r?lang=en&t=")
        .unwrap();
    assert!(is_token(token));

    let out = stdout_of(&["reset-link", "--base-url", "http://localhost:3000/reset"]);
    assert!(out.starts_with("http://localhost:3000/reset?token="));
    let out = stdout_of(&["reset-link", "--base-url", "http://127.0.0.1/"]);
    assert!(out.starts_with("http://127.0.0.1/?token="));
}

#[test]
fn count_and_entropy() {
    let out = keysmith()
        .args(["reset-link", "--base-url", BASE, "-n", "4", "--entropy"])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut links = lines(&text);
    assert_eq!(links.len(), 4);
    links.sort_unstable();
    links.dedup();
    assert_eq!(links.len(), 4);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "entropy: 256.00 bits\n"
    );
}

#[test]
fn bits_lengthen_the_token() {
    for (bits, chars, had) in [
        ("64", 43, "256.00"),
        ("256", 43, "256.00"),
        ("300", 51, "304.00"),
    ] {
        let out = keysmith()
            .args([
                "reset-link",
                "--base-url",
                BASE,
                "--bits",
                bits,
                "--entropy",
            ])
            .assert()
            .success()
            .get_output()
            .clone();
        let url = String::from_utf8(out.stdout).unwrap();
        let token = url.trim_end().rsplit_once("token=").unwrap().1;
        assert_eq!(token.len(), chars, "{bits}: {token}");
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!("entropy: {had} bits\n")
        );
    }
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "reset-link",
        "--base-url",
        BASE,
        "--bits",
        "2048",
        "--json",
    ]))
    .unwrap();
    assert_eq!(v["entropy_bits"], 2048.0);
    assert_eq!(v["token"].as_str().unwrap().len(), 342);
    rejects(
        &["reset-link", "--base-url", BASE, "--bits", "2049"],
        "2049 bits",
    );
    rejects(
        &["reset-link", "--base-url", BASE, "--bits", "-5"],
        "positive number of bits, not -5",
    );
    rejects(&["reset-link", "--base-url", BASE, "--bits", "x"], "'x'");
}

#[test]
fn bad_base_urls() {
    rejects(&["reset-link"], "--base-url");
    rejects(
        &["reset-link", "--base-url", "http://example.com/reset"],
        "'http://example.com/reset' must use https",
    );
    rejects(
        &["reset-link", "--base-url", "ftp://example.com/"],
        "scheme 'ftp'",
    );
    rejects(
        &["reset-link", "--base-url", "/reset"],
        "'/reset' is not absolute",
    );
    rejects(
        &["reset-link", "--base-url", "example.com/reset"],
        "is not absolute",
    );
    rejects(
        &["reset-link", "--base-url", "https://"],
        "is not a valid URL",
    );
    rejects(
        &["reset-link", "--base-url", "https://example.com/r#top"],
        "fragment",
    );
    rejects(
        &["reset-link", "--base-url", "https://example.com/r?token=x"],
        "already has a 'token' query parameter",
    );
    // Credentials are refused and not echoed.
    let out = keysmith()
        .args([
            "reset-link",
            "--base-url",
            "https://admin:hunter2@example.com/",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("user name or password"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_ttls_and_params() {
    rejects(
        &["reset-link", "--base-url", BASE, "--ttl", "0s"],
        "must be positive",
    );
    rejects(
        &["reset-link", "--base-url", BASE, "--ttl", "8days"],
        "exceeds the maximum of 7days",
    );
    rejects(&["reset-link", "--base-url", BASE, "--ttl", "5x"], "'5x'");
    rejects(&["reset-link", "--base-url", BASE, "--ttl", "20"], "'20'");
    rejects(&["reset-link", "--base-url", BASE, "--ttl", ""], "--ttl");
    rejects(
        &["reset-link", "--base-url", BASE, "--param", ""],
        "must not be empty",
    );
    rejects(
        &["reset-link", "--base-url", BASE, "--param", "a b"],
        "'a b'",
    );
    rejects(
        &["reset-link", "--base-url", BASE, "-n", "0"],
        "count must be at least 1",
    );
}
