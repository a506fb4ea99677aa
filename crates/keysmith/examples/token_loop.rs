//! Calls one token function in a loop, for instruction counts under
//! `valgrind --tool=callgrind` (`bench/callgrind`): counts, unlike times,
//! do not move with the load on a shared machine.
//!
//! `cargo run --release -p keysmith --example token_loop -- JOB CALLS`
//! with JOB one of `bytes`, `hex`, `urlsafe`, `fill`, or, for the encoder
//! alone on the same 32 bytes, `encode` (ours) and `encode-table` (the
//! `base64` crate's table-driven encoder, the comparison); `ENCODE_BYTES`
//! sets how many bytes (default 32).

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let job = args.next().unwrap_or_default();
    let calls: u64 = match args.next().map(|s| s.parse()) {
        Some(Ok(n)) => n,
        None => 1_000_000,
        Some(Err(_)) => {
            eprintln!("token_loop: CALLS must be a whole number");
            return ExitCode::from(2);
        }
    };
    match job.as_str() {
        "bytes" => (0..calls).for_each(|_| drop(black_box(keysmith::token_bytes(black_box(32))))),
        "hex" => (0..calls).for_each(|_| drop(black_box(keysmith::token_hex(black_box(32))))),
        "urlsafe" => {
            (0..calls).for_each(|_| drop(black_box(keysmith::token_urlsafe(black_box(32)))))
        }
        "fill" => {
            let mut buf = [0u8; 32];
            (0..calls).for_each(|_| keysmith::fill_bytes(black_box(&mut buf)));
        }
        "encode" => {
            let bytes = black_box(vec![0x5au8; encode_len()]);
            (0..calls).for_each(|_| {
                drop(black_box(
                    keysmith::TokenFormat::UrlSafe.encode(black_box(&bytes)),
                ))
            });
        }
        "encode-table" => {
            use base64::Engine;
            use base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let bytes = black_box(vec![0x5au8; encode_len()]);
            (0..calls).for_each(|_| drop(black_box(URL_SAFE_NO_PAD.encode(black_box(&bytes)))));
        }
        _ => {
            eprintln!("token_loop: JOB must be bytes, hex, urlsafe, fill, encode or encode-table");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// The input size of the `encode` jobs: `ENCODE_BYTES`, or 32.
fn encode_len() -> usize {
    std::env::var("ENCODE_BYTES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}
