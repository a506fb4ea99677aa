//! The CLI's byte sizes (`keysmith bytes 10K`, `1GiB`, `1GB`), from the
//! CLI's own source file: the parser lives in the binary crate, which has
//! no library to link against.
//!
//! Invariants: no panic; a size parses exactly when it is ASCII digits and
//! a known suffix (case ignored) around optional whitespace, and its value
//! is the number times the suffix's power of 1024 or 1000, computed here
//! without overflow: a size past `u64::MAX` is refused, never wrapped.

#![no_main]

#[path = "../../crates/keysmith-cli/src/size.rs"]
mod size;

use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

/// The message of a size past `u64::MAX`.
const TOO_LARGE: &str = "size is too large";

fn multiplier(suffix: &str) -> Option<u64> {
    const K: u64 = 1024;
    Some(match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => K,
        "m" | "mib" => K.pow(2),
        "g" | "gib" => K.pow(3),
        "t" | "tib" => K.pow(4),
        "kb" => 1000,
        "mb" => 1000u64.pow(2),
        "gb" => 1000u64.pow(3),
        "tb" => 1000u64.pow(4),
        _ => return None,
    })
}

fuzz_target!(|text: &str| {
    let parsed = size::parse_size(text);
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, suffix) = t.split_at(digits);
    let expected = match (number.is_empty(), multiplier(suffix)) {
        (false, Some(m)) => {
            let value = number.parse::<BigUint>().expect("ASCII digits") * m;
            Some(u64::try_from(value).ok())
        }
        _ => None,
    };
    match (parsed, expected) {
        (Ok(n), Some(Some(v))) => assert_eq!(n, v),
        (Err(e), Some(None)) => assert_eq!(e, TOO_LARGE),
        (Err(e), None) => assert_ne!(e, TOO_LARGE),
        (got, want) => panic!("{text:?}: parsed {got:?}, expected {want:?}"),
    }
});
