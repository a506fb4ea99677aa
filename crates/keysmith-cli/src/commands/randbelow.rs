//! `keysmith randbelow`: a random integer in [0, N), exactly uniform.

use crate::failure::{Failure, Status};
use crate::options::{Repeat, parse_whole};
use keysmith::BigUint;

/// A random integer in [0, N), exactly uniform (Python's randbelow).
#[derive(Debug, clap::Args)]
#[command(
    allow_negative_numbers = true,
    after_help = "\
Examples:
  keysmith randbelow 6                       # 0..=5
  keysmith randbelow 340282366920938463463374607431768211457
  keysmith randbelow 100 -n 10 --json        # {\"value\":\"42\"}, a decimal string"
)]
pub(crate) struct RandbelowArgs {
    /// The exclusive upper bound: a positive whole number of any size.
    #[arg(value_name = "N", value_parser = parse_bound)]
    n: BigUint,

    #[command(flatten)]
    repeat: Repeat,
}

fn parse_bound(s: &str) -> Result<BigUint, String> {
    let n = parse_whole(s, "upper bound").map_err(|e| {
        if e.contains("negative") {
            "upper bound must be positive".to_string()
        } else {
            e
        }
    })?;
    if n == BigUint::ZERO {
        return Err("upper bound must be positive".into());
    }
    Ok(n)
}

pub(crate) fn run(a: RandbelowArgs) -> Result<Status, Failure> {
    a.repeat
        .print_each(|out| out.text(&keysmith::randbelow(a.n.clone())?.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn big_bounds_parse() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "keysmith",
            "randbelow",
            "340282366920938463463374607431768211457",
        ])
        .unwrap();
        let crate::cli::Command::Randbelow(a) = cli.command else {
            panic!("parsed the wrong command")
        };
        assert_eq!(a.n, (keysmith::BigUint::from(1u32) << 128u32) + 1u32);
    }
}
