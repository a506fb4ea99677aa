//! `keysmith recovery-codes`: a set of recovery codes to print or save.

use crate::failure::{Failure, Status};
use crate::options::Format;
use crate::output::Output;
use keysmith::Recipe;
use keysmith::recovery::RecoveryCodesRecipe;

/// Recovery codes: a set of single-use codes for when a second factor is lost.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each code is 10 characters of Crockford's base32 (exactly 50 bits), shown as
xxxxx-xxxxx. Typed back, case, spaces and hyphens do not matter, and I, L
and O read as 1, 1 and 0. Store only keyed hashes of them (keysmith serve
keeps HMACs under its server key).

Examples:
  keysmith recovery-codes             # 10 codes, one per line
  keysmith recovery-codes --count 16
  keysmith recovery-codes --json      # {\"value\", \"entropy_bits\"} per code")]
pub(crate) struct RecoveryCodesArgs {
    /// How many codes, 1 to 20.
    #[arg(long, short = 'n', value_name = "N", default_value_t = RecoveryCodesRecipe::DEFAULT_COUNT)]
    count: usize,

    #[command(flatten)]
    format: Format,
}

pub(crate) fn run(args: RecoveryCodesArgs) -> Result<Status, Failure> {
    let set = RecoveryCodesRecipe::new(args.count)?;
    let mut out = Output::new(args.format.json);
    for code in set.generate() {
        out.secret(&code, RecoveryCodesRecipe::ENTROPY_BITS)?;
    }
    out.finish()?;
    Ok(Status::Yes)
}
