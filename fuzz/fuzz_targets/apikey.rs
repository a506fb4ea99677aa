//! API keys: parsing a presented key (`ApiKey::parse`, `check`) and
//! scanning text for keys (`find_keys_in_bytes`), on arbitrary text and on
//! generated keys placed in arbitrary text.
//!
//! Invariants: no panic; `parse`, `check` and `is_well_formed` agree; a
//! parsed key is the text it came from, split into a valid prefix, a body
//! of the allowed length and the checksum of the rest; an error never
//! quotes the key; every key the scanner reports is on the line and at the
//! column it says, parses, and is a whole run of word characters; a
//! generated key parses back equal and is found where it was put.
//!
//! Input: the text, read as it is and searched for keys. A key is also
//! made with the text's first run of prefix characters as its prefix (if
//! that is a valid prefix) and put in the middle of the text.

#![no_main]

use chacha20::ChaCha20Rng;
use chacha20::rand_core::SeedableRng;
use keysmith::Recipe;
use keysmith::apikey::{
    self, ApiKey, CHECKSUM_LEN, KeySpec, MAX_BODY_LEN, MIN_BODY_LEN, find_keys_in_bytes,
};
use libfuzzer_sys::fuzz_target;

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Checks what `parse` says of `text` against the format's definition.
fn check_parse(text: &str) {
    let parsed = ApiKey::parse(text);
    assert_eq!(parsed.is_ok(), apikey::check(text).is_ok());
    assert_eq!(parsed.is_ok(), apikey::is_well_formed(text));
    match parsed {
        Ok(key) => {
            assert_eq!(key.as_str(), text);
            let prefix = key.prefix();
            assert!(KeySpec::new(prefix).is_ok(), "bad prefix {prefix:?}");
            assert_eq!(&text[..prefix.len()], prefix);
            assert_eq!(text.as_bytes()[prefix.len()], b'_');
            assert!((MIN_BODY_LEN..=MAX_BODY_LEN).contains(&key.body_len()));
            assert_eq!(prefix.len() + 1 + key.body_len() + CHECKSUM_LEN, text.len());
            let (data, sum) = text.split_at(text.len() - CHECKSUM_LEN);
            assert_eq!(apikey::checksum(data.as_bytes()), sum.as_bytes());
            assert!(
                text[prefix.len() + 1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric())
            );
            let shown = format!("{key:?}");
            assert!(!shown.contains(&text[prefix.len() + 1..]), "{shown}");
            assert!(key.display_id().starts_with(&format!("{prefix}_")));
            assert!(ApiKey::parse(&key.display_id()).is_err());
            assert_eq!(key.sha256_hex().len(), 64);
            // A key on its own is found where it is, and only it.
            let found: Vec<_> = find_keys_in_bytes(text.as_bytes()).collect();
            assert_eq!(found.len(), 1);
            assert_eq!((found[0].line, found[0].column), (1, 1));
            assert_eq!(found[0].key, key);
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.contains('\n'), "{shown:?}");
            // Keys have no whitespace, and no run of 16 characters without
            // any is in a message.
            let key_like = text.len() >= 16 && !text.contains(char::is_whitespace);
            assert!(
                !key_like || !shown.contains(text),
                "the error quotes the key: {shown}"
            );
        }
    }
}

/// Checks every key the scanner reports in `text`.
fn check_scan(text: &[u8]) -> Vec<apikey::Found> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let found: Vec<apikey::Found> = find_keys_in_bytes(text).collect();
    let mut last = (0, 0);
    for f in &found {
        assert!((f.line, f.column) > last, "out of order");
        last = (f.line, f.column);
        let line = lines[f.line - 1];
        let start = f.column - 1;
        let key = f.key.as_str().as_bytes();
        assert_eq!(&line[start..start + key.len()], key);
        // The key ends its run of word characters.
        assert!(line.get(start + key.len()).is_none_or(|&b| !is_word(b)));
        assert!(ApiKey::parse(f.key.as_str()).is_ok());
    }
    found
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check_parse(text);
        for line in text.lines() {
            check_parse(line);
        }
    }
    check_scan(data);

    let prefix: String = data
        .iter()
        .skip_while(|b| !b.is_ascii_lowercase())
        .take_while(|&&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        .map(|&b| char::from(b))
        .collect();
    let prefix = prefix.trim_end_matches('_');
    let body_len = MIN_BODY_LEN + data.len() % (MAX_BODY_LEN - MIN_BODY_LEN + 1);
    let Ok(spec) = KeySpec::new(prefix).and_then(|s| s.with_body_len(body_len)) else {
        return;
    };
    let seed = fnv1a(data);
    let key = spec.sample(&mut ChaCha20Rng::seed_from_u64(seed));
    check_parse(key.as_str());
    assert_eq!(key.prefix(), prefix);
    assert_eq!(key.body_len(), body_len);
    let (before, after) = data.split_at(data.len() / 2);
    // Put between text that does not run into it, it is found there.
    let before: &[u8] = match before.iter().rposition(|&b| !is_word(b)) {
        Some(i) => &before[..=i],
        None => &[],
    };
    let after: &[u8] = match after.iter().position(|&b| !is_word(b)) {
        Some(i) => &after[i..],
        None => &[],
    };
    let mut text = before.to_vec();
    text.extend_from_slice(key.as_str().as_bytes());
    text.extend_from_slice(after);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    let found = check_scan(&text);
    assert!(
        found
            .iter()
            .any(|f| f.line == line && f.column == column && f.key == key),
        "the key at {line}:{column} was not found"
    );
});

/// A seed from the input (FNV-1a), so that the same input makes the same
/// key.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
