//! `keysmith token`: a random token (Python's token_urlsafe, token_hex,
//! token_bytes).

use crate::failure::{Failure, Status};
use crate::options::{Repeat, parse_whole_up_to};
use keysmith::TokenFormat;
use keysmith::zeroize::Zeroize;

/// The most bytes a `token` has: it is held in memory and printed as one
/// line, so a mistyped size must not exhaust memory; `bytes` streams any
/// amount.
pub(crate) const MAX_TOKEN_BYTES: usize = 1 << 20;

/// A random token (Python's token_urlsafe, token_hex, token_bytes).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith token                 # 32 bytes as base64url (43 characters)
  keysmith token 16 --hex        # 16 bytes as 32 lowercase hex digits
  keysmith token --base64 -n 5   # five tokens, one per line
  keysmith token 64 --raw > key  # 64 raw bytes
  keysmith token --json          # {\"value\":\"...\"}")]
pub(crate) struct TokenArgs {
    /// Number of random bytes, 0 to 1048576 (`keysmith bytes` streams more).
    #[arg(
        value_name = "NBYTES",
        default_value_t = keysmith::DEFAULT_ENTROPY,
        value_parser = parse_nbytes
    )]
    nbytes: usize,

    /// Lowercase hexadecimal, two characters per byte.
    #[arg(long, group = "encoding")]
    hex: bool,

    /// Base64url without padding (the default).
    #[arg(long, group = "encoding")]
    urlsafe: bool,

    /// Standard base64 with padding.
    #[arg(long, group = "encoding")]
    base64: bool,

    /// The bytes themselves, with no newline.
    #[arg(long, group = "encoding", conflicts_with = "json")]
    raw: bool,

    #[command(flatten)]
    repeat: Repeat,
}

fn parse_nbytes(s: &str) -> Result<usize, String> {
    parse_whole_up_to(s, "number of bytes", MAX_TOKEN_BYTES, || {
        format!("a token has at most {MAX_TOKEN_BYTES} bytes (`keysmith bytes SIZE` streams more)")
    })
}

pub(crate) fn run(a: TokenArgs) -> Result<Status, Failure> {
    let format = if a.hex {
        TokenFormat::Hex
    } else if a.base64 {
        TokenFormat::Base64
    } else {
        TokenFormat::UrlSafe
    };
    a.repeat.print_each(|out| {
        if a.raw {
            let mut bytes = keysmith::token_bytes(a.nbytes);
            let written = out.raw(&bytes);
            bytes.zeroize();
            written
        } else {
            out.text(&keysmith::token_with(
                &mut keysmith::rng(),
                Some(a.nbytes),
                format,
            ))
        }
    })
}
