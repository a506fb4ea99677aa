//! API keys: format, checksum, parsing, uniformity and scanning.

#![cfg(feature = "apikey")]

use crate::common;

use common::{assert_not_uniform, assert_uniform, seeded};
use keysmith::apikey::{
    self, ApiKey, BASE62, CHECKSUM_LEN, Invalid, KeySpec, MIN_BODY_LEN, find_keys,
    find_keys_in_bytes, is_well_formed,
};
use keysmith::{BigUint, Recipe};
use rand_core::Rng as _;

fn sk_live() -> KeySpec {
    KeySpec::new("sk_live").unwrap()
}

/// Keys whose checksum and hash were computed independently, with Python's
/// `zlib.crc32` and `hashlib.sha256`.
const KNOWN: [(&str, &str); 3] = [
    (
        "sk_live_abcdefghijklmnopqrstuvwxyzABCD47jjTd",
        "cf7305d4688ed46e48d188a990af572ff679c69b9ee21bb55ec218c83b5d8da9",
    ),
    (
        "ghp_0000000000000000000000000000000p7rof",
        "8c7f60ab30f3cddef293c3addd46e60be408c1a89663d1296dfa67086862828e",
    ),
    (
        "k_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz3blnKA",
        "f7503a3189a53061fbda7009eb356af4b477bf4fc60d8acd252b459850bc4f57",
    ),
];

// ---- format ----------------------------------------------------------------

#[test]
fn generated_keys_have_the_documented_shape() {
    let mut rng = seeded(1);
    for body_len in [30, 31, 40, 64] {
        let spec = sk_live().with_body_len(body_len).unwrap();
        let key = spec.sample(&mut rng);
        let s = key.as_str();
        assert!(s.starts_with("sk_live_"));
        assert_eq!(s.len(), "sk_live_".len() + body_len + CHECKSUM_LEN);
        assert!(s["sk_live_".len()..].bytes().all(|b| BASE62.contains(&b)));
        assert_eq!(key.prefix(), "sk_live");
        assert_eq!(key.body_len(), body_len);
        // The checksum is CRC-32 of everything before it, in base62.
        let (data, sum) = s.split_at(s.len() - CHECKSUM_LEN);
        assert_eq!(sum.as_bytes(), apikey::checksum(data.as_bytes()));
        assert_eq!(sum, base62_independent(crc32fast::hash(data.as_bytes())));
        assert!(is_well_formed(s));
        assert_eq!(ApiKey::parse(s).unwrap(), key);
    }
}

/// Base62 by repeated division in u64, written separately from the
/// library's.
fn base62_independent(crc: u32) -> String {
    let mut digits = Vec::new();
    let mut n = u64::from(crc);
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize] as char);
        n /= 62;
    }
    while digits.len() < 6 {
        digits.push('0');
    }
    digits.iter().rev().collect()
}

#[test]
fn checksum_matches_independently_computed_values() {
    for (key, sha) in KNOWN {
        let parsed = ApiKey::parse(key).unwrap();
        assert_eq!(parsed.sha256_hex(), sha);
        let (data, sum) = key.split_at(key.len() - 6);
        assert_eq!(&apikey::checksum(data.as_bytes()), sum.as_bytes());
    }
    // The extremes of the encoding: 0 pads, 2^32 - 1 fits in six digits.
    assert_eq!(base62_independent(0), "000000");
    assert_eq!(base62_independent(u32::MAX), "4gfFC3");
    assert_eq!(&apikey::checksum(b""), b"000000");
}

#[test]
fn checksum_covers_the_prefix_and_separator() {
    // Same body and checksum under another prefix: rejected.
    let (key, _) = KNOWN[0];
    let moved = key.replacen("sk_live_", "sk_test_", 1);
    assert_eq!(apikey::check(&moved), Err(Invalid::BadChecksum));
    let crc_body_only = apikey::checksum(b"abcdefghijklmnopqrstuvwxyzABCD");
    assert_ne!(&crc_body_only, b"47jjTd");
}

// ---- every single-character change is detected -----------------------------

/// Every character a key could plausibly be mistyped into.
fn replacements() -> Vec<char> {
    let mut all: Vec<char> = BASE62.iter().map(|&b| b as char).collect();
    all.extend(['_', '-', '.', ' ', 'é', '\0']);
    all
}

#[test]
fn every_substitution_is_detected() {
    let mut rng = seeded(2);
    let mut keys = vec![sk_live().sample(&mut rng)];
    keys.push(KeySpec::new("a").unwrap().sample(&mut rng));
    keys.push(
        KeySpec::new("x9_y_z")
            .unwrap()
            .with_body_len(33)
            .unwrap()
            .sample(&mut rng),
    );
    let mut tried = 0;
    for key in &keys {
        let chars: Vec<char> = key.as_str().chars().collect();
        for i in 0..chars.len() {
            for c in replacements() {
                if c == chars[i] {
                    continue;
                }
                let mut changed = chars.clone();
                changed[i] = c;
                let s: String = changed.into_iter().collect();
                assert!(!is_well_formed(&s), "{i}: {c:?} not detected");
                assert!(ApiKey::parse(&s).is_err());
                tried += 1;
            }
        }
    }
    assert!(tried > 3 * 36 * 60);
}

#[test]
fn every_adjacent_transposition_is_detected() {
    let mut rng = seeded(3);
    for _ in 0..20 {
        let key = sk_live().sample(&mut rng);
        let b = key.as_str().as_bytes();
        for i in 0..b.len() - 1 {
            if b[i] == b[i + 1] {
                continue;
            }
            let mut t = b.to_vec();
            t.swap(i, i + 1);
            let s = String::from_utf8(t).unwrap();
            assert!(!is_well_formed(&s), "swap at {i} not detected");
        }
        // And a few swaps further apart, within the body and across into
        // the checksum.
        let n = b.len();
        for (i, j) in [(8, 20), (10, 37), (15, n - 1), (8, n - 6)] {
            if b[i] == b[j] {
                continue;
            }
            let mut t = b.to_vec();
            t.swap(i, j);
            assert!(!is_well_formed(&String::from_utf8(t).unwrap()));
        }
    }
}

#[test]
fn deletions_and_insertions_are_detected() {
    let key = sk_live().sample(&mut seeded(4));
    let s = key.as_str();
    for i in 0..s.len() {
        let mut shorter = s.to_owned();
        shorter.remove(i);
        assert!(!is_well_formed(&shorter), "deleting {i}");
        let mut longer = s.to_owned();
        longer.insert(i, 'Q');
        assert!(!is_well_formed(&longer), "inserting at {i}");
    }
}

// ---- parsing -----------------------------------------------------------------

#[test]
fn parse_rejects_malformed_keys_without_echoing_them() {
    let good = KNOWN[0].0;
    let body = &good["sk_live_".len()..];
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "no '_'"),
        (body.into(), "no '_'"),
        (format!("_{body}"), "prefix is empty"),
        (format!("Sk_live_{body}"), "a-z, 0-9"),
        (format!("9k_{body}"), "start with a letter"),
        (format!("sk-live_{body}"), "a-z, 0-9"),
        (format!("sk_live__{body}"), "must not end with '_'"),
        (format!("{}_{body}", "a".repeat(33)), "longer than 32"),
        (format!("sk_live_{}", &body[..35]), "at least 36"),
        ("sk_live_".into(), "at least 36"),
        (format!("sk_live_{}", "A".repeat(263)), "at most 262"),
        (format!("sk_live_{}-{}", &body[..10], &body[11..]), "base62"),
        (format!("sk_live_{body} "), "base62"),
        (format!("sk_live_{body}\n"), "base62"),
    ];
    for (s, why) in cases {
        let err = apikey::check(&s).unwrap_err();
        let Invalid::Malformed(reason) = &err else {
            panic!("{s:?}: {err:?}")
        };
        assert!(reason.contains(why), "{s:?}: {reason:?} lacks {why:?}");
        let msg = ApiKey::parse(&s).unwrap_err().to_string();
        assert!(msg.starts_with("malformed API key: "), "{msg}");
        if s.len() > 8 {
            assert!(!msg.contains(&s[8..]), "the message echoes the key: {msg}");
        }
        assert!(!msg.contains(body), "{msg}");
    }
}

#[test]
fn parse_reports_a_bad_checksum() {
    let good = KNOWN[0].0;
    let bad = format!("{}x", &good[..good.len() - 1]);
    assert_eq!(apikey::check(&bad), Err(Invalid::BadChecksum));
    assert_eq!(Invalid::BadChecksum.to_string(), "bad checksum");
    let msg = ApiKey::parse(&bad).unwrap_err().to_string();
    assert_eq!(msg, "API key has a bad checksum");
    assert!(apikey::check(good).is_ok());
    assert!(good.parse::<ApiKey>().is_ok());
}

#[test]
fn parse_splits_at_the_last_underscore() {
    let key = KeySpec::new("my_org_key").unwrap().sample(&mut seeded(5));
    let parsed = ApiKey::parse(key.as_str()).unwrap();
    assert_eq!(parsed.prefix(), "my_org_key");
    assert_eq!(parsed.body_len(), MIN_BODY_LEN);
}

// ---- identifiers -------------------------------------------------------------

#[test]
fn display_id_and_hash_reveal_no_secret() {
    let key = sk_live().sample(&mut seeded(6));
    let body = &key.as_str()["sk_live_".len()..];
    let id = key.display_id();
    assert_eq!(id, format!("sk_live_{}", &key.sha256_hex()[..8]));
    assert!(!is_well_formed(&id));
    let hex = key.sha256_hex();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    use sha2::Digest;
    let expected: [u8; 32] = sha2::Sha256::digest(key.as_str().as_bytes()).into();
    assert_eq!(key.sha256(), expected);
    assert_eq!(key.redacted(), "sk_live_********");

    let debug = format!("{key:?}");
    assert!(debug.contains("[redacted]") && debug.contains(&id));
    // No run of 5 body characters appears in the Debug form.
    for w in body.as_bytes().windows(5) {
        assert!(!debug.contains(std::str::from_utf8(w).unwrap()), "{debug}");
    }
}

#[test]
fn keys_compare_by_value() {
    let a = ApiKey::parse(KNOWN[0].0).unwrap();
    let b = ApiKey::parse(KNOWN[0].0).unwrap();
    let c = ApiKey::parse(KNOWN[1].0).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.clone().into_string(), KNOWN[0].0);
    assert_eq!(a.expose(), a.as_str());
}

// ---- recipe ------------------------------------------------------------------

#[test]
fn space_and_entropy_are_exact() {
    assert_eq!(sk_live().space(), BigUint::from(62u32).pow(30));
    assert!((sk_live().entropy_bits() - 178.62).abs() < 0.01);
    let s40 = sk_live().with_body_len(40).unwrap();
    assert_eq!(s40.space(), BigUint::from(62u32).pow(40));
    assert_eq!(s40.body_len(), 40);
    assert_eq!(s40.prefix(), "sk_live");
}

#[test]
fn bits_pick_the_shortest_body() {
    assert!(sk_live().with_bits(0.0).is_err());
    assert_eq!(sk_live().with_bits(128.0).unwrap().body_len(), 30);
    assert_eq!(sk_live().with_bits(178.6).unwrap().body_len(), 30);
    assert_eq!(sk_live().with_bits(178.7).unwrap().body_len(), 31);
    assert_eq!(sk_live().with_bits(256.0).unwrap().body_len(), 43);
    for b in [30, 31, 43, 100] {
        let spec = sk_live().with_body_len(b).unwrap();
        assert_eq!(
            sk_live().with_bits(spec.entropy_bits()).unwrap().body_len(),
            b
        );
    }
    assert!(sk_live().with_bits(2000.0).is_err());
    assert!(sk_live().with_bits(f64::NAN).is_err());
    assert!(sk_live().with_bits(-1.0).is_err());
}

#[test]
fn bad_specs_are_errors_naming_the_value() {
    let e = KeySpec::new("Sk").unwrap_err().to_string();
    assert!(e.contains("'Sk'"), "{e}");
    let e = KeySpec::new("").unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let e = KeySpec::new("sk_").unwrap_err().to_string();
    assert!(e.contains("'sk_'") && e.contains("end with"), "{e}");
    let e = sk_live().with_body_len(29).unwrap_err().to_string();
    assert!(e.contains("(29)"), "{e}");
    assert!(sk_live().with_body_len(257).is_err());
}

// ---- uniformity --------------------------------------------------------------

#[test]
fn body_characters_are_uniform() {
    let mut rng = seeded(7);
    let spec = sk_live();
    let mut counts = [0u64; 62];
    let mut by_position = vec![[0u64; 62]; 30];
    for _ in 0..4000 {
        let key = spec.sample(&mut rng);
        let body = &key.as_str().as_bytes()[8..38];
        for (i, b) in body.iter().enumerate() {
            let d = BASE62.iter().position(|x| x == b).unwrap();
            counts[d] += 1;
            by_position[i][d] += 1;
        }
    }
    assert_uniform(&counts);
    // The first and last body positions alone are uniform too.
    assert_uniform(&by_position[0]);
    assert_uniform(&by_position[29]);
}

#[test]
fn the_uniformity_test_catches_modulo_bias() {
    // The mistake the exact sampler avoids: a random byte reduced mod 62
    // makes the first 8 characters 5/4 as likely as the rest.
    let mut rng = seeded(7);
    let mut counts = [0u64; 62];
    for _ in 0..4000 * 30 {
        let mut b = [0u8; 1];
        rng.fill_bytes(&mut b);
        counts[usize::from(b[0]) % 62] += 1;
    }
    assert_not_uniform(&counts);
}

// ---- scanning ----------------------------------------------------------------

#[test]
fn find_keys_reports_valid_keys_with_positions() {
    let mut rng = seeded(8);
    let a = sk_live().sample(&mut rng);
    let b = KeySpec::new("ghp").unwrap().sample(&mut rng);
    let c = KeySpec::new("svc_key")
        .unwrap()
        .with_body_len(50)
        .unwrap()
        .sample(&mut rng);
    let noise = {
        // Same shape, one character off: the checksum fails.
        let mut s = sk_live().sample(&mut rng).into_string();
        let last = s.pop().unwrap();
        s.push(if last == 'A' { 'B' } else { 'A' });
        s
    };
    let text = format!(
        "# config\n\
         API_KEY={a}\n\
         both: \"{b}\", '{c}'; noise {noise}\n\
         export_{a}\n\
         sk_live_abcdefghijklmnopqrstuvwxyz0123456789 not a key\n\
         {a}X glued to more text\n",
        a = a.as_str(),
        b = b.as_str(),
        c = c.as_str(),
    );
    let found: Vec<_> = find_keys(&text).collect();
    let summary: Vec<(usize, usize, String)> = found
        .iter()
        .map(|f| (f.line, f.column, f.key.prefix().to_owned()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (2, 9, "sk_live".to_owned()),
            (3, 8, "ghp".to_owned()),
            (3, 12 + b.as_str().len(), "svc_key".to_owned()),
            (4, 8, "sk_live".to_owned()),
        ]
    );
    assert_eq!(found[0].key, a);
    assert_eq!(found[1].key, b);
    assert_eq!(found[2].key, c);
    assert_eq!(found[3].key, a);
}

#[test]
fn find_keys_ignores_random_text() {
    let mut rng = seeded(9);
    // Random word-character text with underscores: every token has the
    // right shape, none has a valid checksum.
    let alphabet: Vec<u8> = BASE62.iter().copied().chain(*b"__ \n").collect();
    let text: Vec<u8> = (0..200_000)
        .map(|_| *keysmith::sample::choice(&mut rng, &alphabet).unwrap())
        .collect();
    assert_eq!(find_keys_in_bytes(&text).count(), 0);
    // Keys with one character changed look right and are not reported.
    let mut shaped = String::new();
    for i in 0..2000 {
        let mut b = sk_live().sample(&mut rng).into_string().into_bytes();
        let at = 8 + i % 36;
        b[at] = if b[at] == b'Z' { b'Y' } else { b'Z' };
        shaped.push_str(std::str::from_utf8(&b).unwrap());
        shaped.push('\n');
    }
    assert_eq!(find_keys(&shaped).count(), 0);
}

#[test]
fn find_keys_in_bytes_scans_non_utf8() {
    let key = sk_live().sample(&mut seeded(10));
    let mut bytes = b"\xff\xfe latin1 \xe9 ".to_vec();
    bytes.extend_from_slice(key.as_str().as_bytes());
    bytes.extend_from_slice(b"\xff\n");
    let found: Vec<_> = find_keys_in_bytes(&bytes).collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, key);
    assert_eq!((found[0].line, found[0].column), (1, 13));
}
