//! `keysmith otp`: random one-time codes to send by mail or SMS.

use crate::failure::{Failure, Status};
use crate::options::{EntropyTarget, Generated};
use keysmith::Recipe;
use keysmith::otp::{CROCKFORD_BASE32, CodeFormat};

/// The length of an alphabet code when neither --length nor --bits is given.
const DEFAULT_ALPHABET_LENGTH: usize = 6;

/// The number of digits when neither --digits nor --bits is given.
const DEFAULT_DIGITS: u32 = 6;

/// A numeric (or custom-alphabet) one-time code.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every code is exactly equally likely: 10^D numeric codes (zero-padded), or
|SET|^L alphabet codes. --entropy and --json report log2 of that count.

Examples:
  keysmith otp                          # 6 digits, e.g. 048213
  keysmith otp --digits 8 -n 5          # five 8-digit codes
  keysmith otp --crockford --length 8   # e.g. 7HK2Q9ZD (40 bits)
  keysmith otp --alphabet ABCDEF0123 --length 5
  keysmith otp --bits 30 --entropy      # the fewest digits giving 30 bits
  keysmith otp --json                   # {\"value\":\"048213\",\"entropy_bits\":19.93...}")]
pub(crate) struct OtpArgs {
    /// Decimal digits per code, 4 to 12 [default: 6].
    #[arg(long, value_name = "D", conflicts_with_all = ["alphabet", "crockford", "bits"])]
    digits: Option<u32>,

    /// Draw the characters from SET instead of digits (repeated characters
    /// count once).
    #[arg(long, value_name = "SET", conflicts_with = "crockford")]
    alphabet: Option<String>,

    /// Use Crockford's base32 alphabet: 0-9 and A-Z without I, L, O, U.
    #[arg(long)]
    crockford: bool,

    /// Characters per code with --alphabet or --crockford [default: 6].
    #[arg(long, value_name = "L", conflicts_with = "bits")]
    length: Option<usize>,

    #[command(flatten)]
    target: EntropyTarget,

    #[command(flatten)]
    generated: Generated,
}

pub(crate) fn run(args: OtpArgs) -> Result<Status, Failure> {
    let code = recipe(&args)?;
    let bits = code.entropy_bits();
    let mut rng = keysmith::rng();
    args.generated
        .print_each(bits, |out| out.secret(&code.sample(&mut rng), bits))
}

fn recipe(args: &OtpArgs) -> Result<CodeFormat, Failure> {
    let set = match (&args.alphabet, args.crockford) {
        (Some(set), _) => Some(set.as_str()),
        (None, true) => Some(CROCKFORD_BASE32),
        (None, false) => None,
    };
    Ok(match (set, args.target.bits) {
        (Some(set), Some(bits)) => CodeFormat::alphabet_for_bits(set, bits)?,
        (Some(set), None) => {
            CodeFormat::alphabet(set, args.length.unwrap_or(DEFAULT_ALPHABET_LENGTH))?
        }
        (None, _) if args.length.is_some() => {
            return Err(Failure::usage(
                "--length needs --alphabet or --crockford (numeric codes take --digits)",
            ));
        }
        (None, Some(bits)) => CodeFormat::numeric_for_bits(bits)?,
        (None, None) => CodeFormat::numeric(args.digits.unwrap_or(DEFAULT_DIGITS))?,
    })
}
