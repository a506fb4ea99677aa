//! Base32 secret import (`otp::Secret`): what `--secret`, a pasted
//! `secret=` value and the server's stored secrets go through.
//!
//! Invariants: no panic; an imported secret exports to base32 that imports
//! back to the same bytes; its length is what the text's base32 characters
//! hold; without `allow_short_secret` it has at least `Secret::MIN_LEN`
//! bytes; an error never quotes the text; raw bytes that import export back
//! equal.

#![no_main]

use keysmith::otp::Secret;
use keysmith_fuzz::quotes_a_run;
use libfuzzer_sys::fuzz_target;

/// What the reader is documented to accept once case, whitespace and
/// trailing padding are set aside.
fn normalized(text: &str) -> String {
    let body: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    body.trim_end_matches('=').to_ascii_uppercase()
}

fn is_base32(c: char) -> bool {
    c.is_ascii_uppercase() || ('2'..='7').contains(&c)
}

fuzz_target!(|data: &[u8]| {
    let text = &*String::from_utf8_lossy(data);
    for allow_short in [false, true] {
        check(text, data, allow_short);
    }
});

/// The text read as base32, and the same bytes taken as a raw secret.
fn check(text: &str, raw: &[u8], allow_short: bool) {
    let import = Secret::import().allow_short_secret(allow_short);
    match import.base32(text) {
        Ok(secret) => {
            let norm = normalized(text);
            assert!(!norm.is_empty());
            assert!(norm.chars().all(is_base32), "accepted a non-base32 text");
            assert_eq!(secret.as_bytes().len(), norm.len() * 5 / 8);
            assert!(allow_short || !secret.is_short());
            assert_eq!(secret.is_short(), secret.as_bytes().len() < Secret::MIN_LEN);
            let exported = secret.to_base32();
            let again = Secret::import()
                .allow_short_secret(true)
                .base32(&exported)
                .expect("an exported secret imports");
            assert_eq!(again, secret);
            assert_eq!(again.as_bytes(), secret.as_bytes());
            // Unused bits of the last character are ignored, so the export
            // is the input up to those bits.
            assert_eq!(exported.len(), norm.len());
            let whole = norm.len() - norm.len() % 8;
            assert_eq!(exported[..whole], norm[..whole]);
            assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.contains('\n'), "{shown:?}");
            let base32 = |c: char| is_base32(c.to_ascii_uppercase());
            assert!(
                !quotes_a_run(&shown, text, base32),
                "the error quotes the secret: {shown}"
            );
        }
    }

    match import.bytes(raw) {
        Ok(secret) => {
            assert!(!raw.is_empty());
            assert!(allow_short || raw.len() >= Secret::MIN_LEN);
            assert_eq!(secret.as_bytes(), raw);
            let back = Secret::import()
                .allow_short_secret(true)
                .base32(&secret.to_base32())
                .expect("an exported secret imports");
            assert_eq!(back.as_bytes(), raw);
        }
        Err(_) => assert!(raw.is_empty() || (!allow_short && raw.len() < Secret::MIN_LEN)),
    }
}
