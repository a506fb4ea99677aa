//! Per-call cost of each job, side by side: keysmith on its default fast
//! source, keysmith on the operating system's source, and `rand`'s
//! `ThreadRng` doing the same job. `bench/run` adds Python's `secrets` and
//! writes the table in docs/benchmarks.md.
//!
//! Benchmark ids are `<job>/<contender>`.

use criterion::{Criterion, criterion_group, criterion_main};
use keysmith::rng::OsRng;
use keysmith::{PassphraseRecipe, Policy, Recipe, TokenFormat, WordList};
use rand::seq::IndexedRandom;
use rand::{Rng, RngExt};
use std::hint::black_box;

/// The 94 printable ASCII characters other than space.
fn printable() -> Vec<char> {
    ('!'..='~').collect()
}

fn tokens(c: &mut Criterion) {
    let mut g = c.benchmark_group("token_bytes_32");
    g.bench_function("keysmith", |b| {
        b.iter(|| keysmith::token_bytes(black_box(32)))
    });
    g.bench_function("keysmith_os", |b| {
        b.iter(|| keysmith::token_bytes_with(&mut OsRng, Some(black_box(32))))
    });
    g.bench_function("rand_thread_rng", |b| {
        b.iter(|| {
            let mut v = vec![0u8; black_box(32)];
            rand::rng().fill_bytes(&mut v);
            v
        })
    });
    g.finish();

    for (job, format) in [
        ("token_hex_32", TokenFormat::Hex),
        ("token_urlsafe_32", TokenFormat::UrlSafe),
    ] {
        let mut g = c.benchmark_group(job);
        g.bench_function("keysmith", |b| {
            b.iter(|| keysmith::token_with(&mut keysmith::rng(), Some(black_box(32)), format))
        });
        g.bench_function("keysmith_os", |b| {
            b.iter(|| keysmith::token_with(&mut OsRng, Some(black_box(32)), format))
        });
        g.bench_function("rand_thread_rng", |b| {
            b.iter(|| keysmith::token_with(&mut rand::rng(), Some(black_box(32)), format))
        });
        g.finish();
    }
}

/// The token encoder (arithmetic on 64-bit words, nothing indexed by secret
/// bits) against the `base64` crate's table-driven one, on the same bytes.
fn encoders(c: &mut Criterion) {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for len in [32usize, 256] {
        let bytes = keysmith::token_bytes(len);
        let mut g = c.benchmark_group(format!("base64url_encode_{len}"));
        g.bench_function("keysmith", |b| {
            b.iter(|| TokenFormat::UrlSafe.encode(black_box(&bytes)))
        });
        g.bench_function("base64_table", |b| {
            b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&bytes)))
        });
        g.finish();
    }
}

fn integers(c: &mut Criterion) {
    let mut g = c.benchmark_group("randbelow_1e6");
    g.bench_function("keysmith", |b| {
        b.iter(|| keysmith::randbelow(black_box(1_000_000u32)))
    });
    g.bench_function("keysmith_os", |b| {
        b.iter(|| keysmith::sample::below(&mut OsRng, black_box(1_000_000u32)))
    });
    g.bench_function("rand_thread_rng", |b| {
        b.iter(|| rand::rng().random_range(0..black_box(1_000_000u32)))
    });
    g.finish();

    let chars = printable();
    let mut g = c.benchmark_group("choice_94");
    g.bench_function("keysmith", |b| {
        b.iter(|| *keysmith::choice(black_box(&chars)).unwrap())
    });
    g.bench_function("keysmith_os", |b| {
        b.iter(|| *keysmith::sample::choice(&mut OsRng, black_box(&chars)).unwrap())
    });
    g.bench_function("rand_thread_rng", |b| {
        b.iter(|| *black_box(&chars).choose(&mut rand::rng()).unwrap())
    });
    g.finish();
}

/// Whether `pw` has a lowercase letter, an uppercase letter, a digit and a
/// symbol: the check of the rejection recipe in Python's documentation.
fn has_four_classes(pw: &str) -> bool {
    pw.chars().any(|c| c.is_ascii_lowercase())
        && pw.chars().any(|c| c.is_ascii_uppercase())
        && pw.chars().any(|c| c.is_ascii_digit())
        && pw.chars().any(|c| c.is_ascii_punctuation())
}

fn generators(c: &mut Criterion) {
    let policy = Policy::builder().length(20).build().unwrap();
    let chars = printable();
    let mut g = c.benchmark_group("password_20");
    g.bench_function("keysmith", |b| b.iter(|| black_box(&policy).generate()));
    g.bench_function("keysmith_os", |b| {
        b.iter(|| black_box(&policy).sample(&mut OsRng))
    });
    g.bench_function("rand_thread_rng", |b| {
        b.iter(|| {
            let mut rng = rand::rng();
            loop {
                let pw: String = (0..20).map(|_| *chars.choose(&mut rng).unwrap()).collect();
                if has_four_classes(&pw) {
                    return pw;
                }
            }
        })
    });
    g.finish();

    let phrase = PassphraseRecipe::builder().words(6).build().unwrap();
    let list = WordList::eff_long();
    let words = list.words();
    let mut g = c.benchmark_group("passphrase_6");
    g.bench_function("keysmith", |b| b.iter(|| black_box(&phrase).generate()));
    g.bench_function("keysmith_os", |b| {
        b.iter(|| black_box(&phrase).sample(&mut OsRng))
    });
    g.bench_function("rand_thread_rng", |b| {
        b.iter(|| {
            let mut rng = rand::rng();
            (0..6)
                .map(|_| words.choose(&mut rng).unwrap().as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    });
    g.finish();
}

criterion_group!(benches, tokens, encoders, integers, generators);
criterion_main!(benches);
