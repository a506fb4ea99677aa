//! Per-call cost of each job, side by side: keysmith on its default fast
//! source, keysmith on the operating system's source, and `rand`'s
//! `ThreadRng` doing the same job. `bench/run` adds Python's `secrets` and
//! writes the table in docs/benchmarks.md.
//!
//! Benchmark ids are `<job>/<contender>`.

use criterion::{Criterion, criterion_group, criterion_main};
use keysmith::TokenFormat;
use keysmith::rng::OsRng;
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

criterion_group!(benches, tokens, integers);
criterion_main!(benches);
