//! `keysmith randbits`: an integer of K random bits.

use crate::failure::{Failure, Status};
use crate::options::{Repeat, parse_whole_up_to};

/// The most bits `randbits` prints: beyond this, writing the number in
/// decimal takes longer than anyone waits for.
pub(crate) const MAX_RANDBITS: u64 = 1 << 20;

/// An integer of K random bits, in [0, 2^K) (Python's randbits).
#[derive(Debug, clap::Args)]
#[command(
    allow_negative_numbers = true,
    after_help = "\
Examples:
  keysmith randbits 64
  keysmith randbits 256 -n 3
  keysmith randbits 128 --json   # {\"value\":\"...\"}, a decimal string"
)]
pub(crate) struct RandbitsArgs {
    /// The number of bits, 0 to 1048576.
    #[arg(value_name = "K", value_parser = parse_bits)]
    k: u64,

    #[command(flatten)]
    repeat: Repeat,
}

fn parse_bits(s: &str) -> Result<u64, String> {
    parse_whole_up_to(s, "number of bits", MAX_RANDBITS, || {
        format!("number of bits must be at most {MAX_RANDBITS}")
    })
}

pub(crate) fn run(a: RandbitsArgs) -> Result<Status, Failure> {
    a.repeat
        .print_each(|out| out.text(&keysmith::randbits_big(a.k).to_string()))
}
