//! Server key files and `KEYSMITH_SERVER_KEY`
//! (`keysmith_server::config::parse_at_rest_keys`): `<id>:<hex>` entries,
//! one or more a line, `#` comments and blank lines ignored.
//!
//! Invariants: no panic; the text is accepted exactly when every entry is
//! a valid id, `:` and an even number of hex digits holding at least
//! `MIN_KEY_LEN` bytes, with no id twice and at least one entry; the keys
//! are those entries, in order, the first current, each with the bytes its
//! hex spells; an error is one line, names where the text came from and
//! never quotes a key: no run of 16 or more hex digits of the text is in
//! it.

#![no_main]

use keysmith_server::config::parse_at_rest_keys;
use keysmith_store::{AtRestKey, MIN_KEY_LEN};
use libfuzzer_sys::fuzz_target;

const ORIGIN: &str = "key-file";

fn id_ok(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The entries the documented format holds, or `None` when it is invalid.
fn expected(text: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for entry in line.split_whitespace() {
            let (id, hex) = entry.split_once(':')?;
            let bytes = data_encoding::HEXLOWER_PERMISSIVE
                .decode(hex.as_bytes())
                .ok()?;
            if !id_ok(id) || bytes.len() < MIN_KEY_LEN || entries.iter().any(|(i, _)| i == id) {
                return None;
            }
            entries.push((id.to_owned(), bytes));
        }
    }
    (!entries.is_empty()).then_some(entries)
}

/// Every run of 16 or more ASCII hex digits in `text`.
fn hex_runs(text: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate().chain([(text.len(), b' ')]) {
        match (b.is_ascii_hexdigit() && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= 16 {
                    runs.push(&text[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

fuzz_target!(|text: &str| {
    let parsed = parse_at_rest_keys(text, ORIGIN);
    match (parsed, expected(text)) {
        (Ok(keys), Some(entries)) => {
            assert_eq!(keys.current().id(), entries[0].0);
            let ids: Vec<&str> = keys.all().map(AtRestKey::id).collect();
            let want: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, want);
            for (key, (id, bytes)) in keys.all().zip(&entries) {
                let same = AtRestKey::new(id.clone(), bytes.clone()).expect("a valid key");
                assert_eq!(key.mac_hex(&[b"x"]), same.mac_hex(&[b"x"]), "key {id}");
                assert!(!format!("{key:?}").contains(&data_encoding::HEXLOWER.encode(bytes)));
            }
        }
        (Err(e), None) => {
            assert_eq!(e.exit_code(), 2);
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("{ORIGIN}: ")), "{shown}");
            assert!(!shown.contains(['\n', '\r']), "{shown:?}");
            let lower = shown.to_ascii_lowercase();
            for run in hex_runs(text) {
                let run = run.to_ascii_lowercase();
                for start in 0..=run.len() - 16 {
                    assert!(
                        !lower.contains(&run[start..start + 16]),
                        "the error quotes key material: {shown}"
                    );
                }
            }
        }
        (Ok(_), None) => panic!("accepted an invalid key text"),
        (Err(e), Some(_)) => panic!("refused a valid key text: {e}"),
    }
});
