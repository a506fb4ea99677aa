//! `keysmith password`: a password that meets a site's rules, drawn exactly
//! uniformly from all that do.

use crate::failure::{Failure, Status};
use crate::options::{EntropyTarget, Generated};
use keysmith::Recipe;
use keysmith::password::{Class, Policy};

/// A password that meets a site's rules, exactly uniform.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
By default every class in use appears at least once; --min-X 0 lifts that.
Every password that satisfies the rules is exactly equally likely, and the
entropy reported is log2 of their exact number.

Examples:
  keysmith password                              # 20 characters, all four classes, >= 128 bits
  keysmith password --length 10 --no-symbols --min-digits 3
  keysmith password --length 16 --symbols '!@#$%' --no-ambiguous
  keysmith password --charset 0123456789abcdef --bits 64 --entropy
  keysmith password -n 5 --json                  # {\"value\":\"...\",\"entropy_bits\":130.93...}")]
pub(crate) struct PasswordArgs {
    /// Number of characters (1 to 1024). Default: the smallest length that
    /// gives at least 128 bits.
    #[arg(long, value_name = "L", conflicts_with = "bits")]
    length: Option<usize>,

    #[command(flatten)]
    target: EntropyTarget,

    /// No lowercase letters (a-z).
    #[arg(long)]
    no_lower: bool,

    /// No uppercase letters (A-Z).
    #[arg(long)]
    no_upper: bool,

    /// No digits (0-9).
    #[arg(long)]
    no_digits: bool,

    /// No symbols.
    #[arg(long)]
    no_symbols: bool,

    /// At least N lowercase letters (default 1; 0 with --charset).
    #[arg(long, value_name = "N")]
    min_lower: Option<usize>,

    /// At least N uppercase letters (default 1; 0 with --charset).
    #[arg(long, value_name = "N")]
    min_upper: Option<usize>,

    /// At least N digits (default 1; 0 with --charset).
    #[arg(long, value_name = "N")]
    min_digits: Option<usize>,

    /// At least N symbols (default 1; 0 with --charset).
    #[arg(long, value_name = "N")]
    min_symbols: Option<usize>,

    /// The symbols to use (those a site accepts) instead of the 32 ASCII
    /// punctuation characters.
    #[arg(long, value_name = "SET", conflicts_with_all = ["no_symbols", "charset"])]
    symbols: Option<String>,

    /// Use exactly these characters (repeats count once): letters of any
    /// script count as lowercase, uppercase or caseless letters by their
    /// Unicode category, 0-9 as digits, anything else as a symbol; format
    /// characters (U+200B, U+FEFF, ...) and combining marks are refused.
    #[arg(long, value_name = "SET")]
    charset: Option<String>,

    /// Never use any of these characters.
    #[arg(long, value_name = "CHARS")]
    exclude: Option<String>,

    /// Leave out look-alike characters: 0 O o 1 l I | ' " `
    #[arg(long)]
    no_ambiguous: bool,

    #[command(flatten)]
    generated: Generated,
}

impl PasswordArgs {
    fn policy(&self) -> Result<Policy, Failure> {
        let mut b = Policy::builder();
        if let Some(l) = self.length {
            b = b.length(l);
        }
        if let Some(bits) = self.target.bits {
            b = b.bits(bits);
        }
        for (off, min, class) in [
            (self.no_lower, self.min_lower, Class::Lower),
            (self.no_upper, self.min_upper, Class::Upper),
            (self.no_digits, self.min_digits, Class::Digit),
            (self.no_symbols, self.min_symbols, Class::Symbol),
        ] {
            if off {
                b = b.without(class);
            }
            if let Some(n) = min {
                b = b.min(class, n);
            }
        }
        if let Some(set) = &self.symbols {
            b = b.symbols(set);
        }
        if let Some(set) = &self.charset {
            b = b.charset(set);
        }
        if let Some(chars) = &self.exclude {
            b = b.exclude(chars);
        }
        if self.no_ambiguous {
            b = b.no_ambiguous();
        }
        Ok(b.build()?)
    }
}

pub(crate) fn run(args: PasswordArgs) -> Result<Status, Failure> {
    let policy = args.policy()?;
    let bits = policy.entropy_bits();
    let mut rng = keysmith::rng();
    args.generated
        .print_each(bits, |out| out.secret(&policy.sample(&mut rng), bits))
}
