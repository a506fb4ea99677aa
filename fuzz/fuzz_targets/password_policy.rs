//! Password policies from settings as the CLI and the server take them:
//! a length or an entropy target, classes left out, per-class minimums,
//! a symbol set or a whole character set, exclusions, `--no-ambiguous`.
//!
//! Invariants: no panic; an error is one line; a built policy has the
//! length asked for (or the shortest that reaches the bits asked for),
//! only characters of its own classes that were not excluded, the
//! minimums asked for, and a password drawn from it is accepted by it;
//! for small policies, the exact count of passwords equals a count by
//! enumeration of every string.

//!
//! Input: settings (see `keysmith_fuzz::Settings`), as the CLI's flags:
//! `length N` or `bits X`, `without CLASS`, `min CLASS N` (classes
//! `lower`, `upper`, `digit`, `symbol`, `other`), `symbols SET`,
//! `charset SET`, `exclude CHARS`, `no-ambiguous`, `seed N`.

#![no_main]

use keysmith::Recipe;
use keysmith::password::{AMBIGUOUS, Class, MAX_LENGTH, Policy, PolicyBuilder};
use keysmith_fuzz::Settings;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

/// Above this length (or this many bits), exact counting with large
/// minimums takes about a second even without sanitizers: such inputs are
/// left out, the others run in milliseconds.
const LONG: usize = 128;

fn class(name: &str) -> Option<Class> {
    Some(match name {
        "lower" => Class::Lower,
        "upper" => Class::Upper,
        "digit" => Class::Digit,
        "symbol" => Class::Symbol,
        "other" => Class::OtherLetter,
        _ => return None,
    })
}

/// What the settings ask for.
struct Asked {
    length: Option<usize>,
    bits: Option<f64>,
    without: Vec<Class>,
    mins: Vec<(Class, usize)>,
    exclude: String,
}

fn read(s: &Settings<'_>) -> Asked {
    Asked {
        length: s.num("length"),
        bits: s.num("bits"),
        without: s.all("without").filter_map(class).collect(),
        mins: s
            .all("min")
            .filter_map(|v| {
                let (c, n) = v.split_once(' ')?;
                Some((class(c)?, n.trim().parse().ok()?))
            })
            .collect(),
        exclude: s.all("exclude").collect(),
    }
}

/// The settings as a builder, without the size.
fn builder(s: &Settings<'_>, asked: &Asked) -> PolicyBuilder {
    let mut b = Policy::builder();
    for &c in &asked.without {
        b = b.without(c);
    }
    for &(c, n) in &asked.mins {
        b = b.min(c, n);
    }
    if let Some(set) = s.get("symbols") {
        b = b.symbols(set);
    }
    if let Some(set) = s.get("charset") {
        b = b.charset(set);
    }
    if s.has("no-ambiguous") {
        b = b.no_ambiguous();
    }
    b.exclude(&asked.exclude)
}

/// Whether `n >= 2^bits`.
fn reaches(n: &BigUint, bits: f64) -> bool {
    if bits <= 0.0 {
        return true;
    }
    let whole = bits.ceil();
    if whole == bits {
        n.bits() > whole as u64
    } else {
        keysmith::entropy::log2(n) >= bits
    }
}

/// Every string of the policy's length over its alphabet, counted by
/// whether the policy's rules (not `accepts`) allow it.
fn enumerate(policy: &Policy) -> u64 {
    let alphabet: Vec<char> = policy.alphabet().chars().collect();
    let n = policy.length();
    let mut index = vec![0usize; n];
    let mut allowed = 0;
    loop {
        let mut counts = [0usize; 5];
        for &i in &index {
            counts[Class::ALL
                .iter()
                .position(|&c| c == Class::of(alphabet[i]))
                .unwrap()] += 1;
        }
        if Class::ALL
            .iter()
            .enumerate()
            .all(|(k, &c)| counts[k] >= policy.min(c))
        {
            allowed += 1;
        }
        // The next string, as an odometer.
        let mut pos = 0;
        loop {
            if pos == n {
                return allowed;
            }
            index[pos] += 1;
            if index[pos] < alphabet.len() {
                break;
            }
            index[pos] = 0;
            pos += 1;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let s = Settings::parse(data);
    let asked = read(&s);
    let long =
        asked.length.is_some_and(|n| n > LONG) || asked.bits.is_some_and(|b| b > LONG as f64);
    if long && asked.mins.iter().any(|&(_, n)| n > 3) {
        return;
    }
    let mut b = builder(&s, &asked);
    if let Some(n) = asked.length {
        b = b.length(n);
    }
    if let Some(x) = asked.bits {
        b = b.bits(x);
    }
    let policy = match b.build() {
        Ok(p) => p,
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.is_empty() && !shown.contains('\n'), "{shown:?}");
            return;
        }
    };
    let len = policy.length();
    assert!((1..=MAX_LENGTH).contains(&len));
    match (asked.length, asked.bits) {
        // Bits are set after the length, and replace it.
        (Some(n), None) => assert_eq!(len, n),
        (None, None) => assert!(policy.entropy_bits() >= keysmith::password::DEFAULT_BITS),
        _ => {}
    }
    let space = policy.space();
    assert!(space > BigUint::ZERO);
    if let Some(bits) = asked.bits {
        assert!(bits.is_finite() && bits > 0.0);
        assert!(
            reaches(&space, bits),
            "{len} characters do not reach {bits} bits"
        );
        // The shortest: one character fewer does not reach it.
        if len > 1
            && let Ok(p) = builder(&s, &asked).length(len - 1).build()
        {
            assert!(
                !reaches(&p.space(), bits),
                "{} characters reach {bits} bits",
                len - 1
            );
        }
    }

    // The alphabet: each class holds only its own characters, none excluded.
    let excluded: Vec<char> = asked
        .exclude
        .chars()
        .chain(AMBIGUOUS.chars().filter(|_| s.has("no-ambiguous")))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for class in Class::ALL {
        let chars = policy.chars(class);
        if asked.without.contains(&class) {
            assert!(chars.is_empty(), "{class:?} was left out");
        }
        for &c in chars {
            assert_eq!(Class::of(c), class, "{c:?}");
            assert!(!excluded.contains(&c), "{c:?} was excluded");
            assert!(seen.insert(c), "{c:?} twice");
            if let Some(set) = s.get("charset") {
                assert!(set.contains(c));
            }
        }
        if let Some(&(_, m)) = asked.mins.iter().rev().find(|(c, _)| *c == class) {
            assert_eq!(policy.min(class), m);
        }
    }

    let password = policy.sample(&mut s.rng());
    assert_eq!(password.chars().count(), len);
    assert!(policy.accepts(&password), "a drawn password is refused");
    let entropy = policy.entropy_bits();
    assert!(entropy.is_finite() && entropy >= 0.0);

    // Small policies: the exact count against enumeration.
    let alphabet = policy.alphabet().chars().count();
    if (alphabet as f64).powi(len as i32) <= 5000.0 {
        assert_eq!(space, BigUint::from(enumerate(&policy)), "{policy:?}");
    }
});
