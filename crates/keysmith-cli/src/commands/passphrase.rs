//! `keysmith passphrase`: words from a bundled or custom list.

use crate::failure::{Failure, Status};
use crate::options::{EntropyTarget, Generated};
use crate::output::warn;
use clap::builder::PossibleValuesParser;
use keysmith::Recipe;
use keysmith::passphrase::{Case, Decodability, PassphraseRecipe, WordList};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CaseArg {
    /// As written in the word list.
    Keep,
    /// all lowercase.
    Lower,
    /// ALL UPPERCASE.
    Upper,
    /// First letter uppercase.
    Title,
    /// Per word, drawn at random (and counted in the entropy).
    Random,
}

impl From<CaseArg> for Case {
    fn from(c: CaseArg) -> Case {
        match c {
            CaseArg::Keep => Case::Keep,
            CaseArg::Lower => Case::Lower,
            CaseArg::Upper => Case::Upper,
            CaseArg::Title => Case::Title,
            CaseArg::Random => Case::Random,
        }
    }
}

/// A passphrase of words from a bundled or custom word list.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Words are drawn uniformly and independently; the entropy (--entropy, or
\"entropy_bits\" beside \"value\" with --json) is exact. Without --words or
--bits, the number of words is the smallest that gives at least 77 bits
(6 words of eff-long).

Examples:
  keysmith passphrase                          # 6 words of eff-long, 77.5 bits
  keysmith passphrase --bits 100 --separator - --case title --digit
  keysmith passphrase --list eff-short1 --words 8 --entropy
  keysmith passphrase --wordlist /usr/share/dict/words --min-length 4 --max-length 8")]
pub(crate) struct PassphraseArgs {
    /// A bundled word list.
    #[arg(
        long = "list",
        visible_alias = "wordlist-name",
        value_name = "NAME",
        default_value = "eff-long",
        value_parser = PossibleValuesParser::new(WordList::names()),
        conflicts_with = "wordlist"
    )]
    list: String,

    /// Read the word list from PATH (`-` for stdin), one word per line, at
    /// most 64 MiB; words are trimmed, blank lines and duplicates dropped.
    #[arg(long, value_name = "PATH")]
    wordlist: Option<PathBuf>,

    /// Number of words, 1 to 1000 [default: enough for 77 bits].
    #[arg(long, value_name = "N", conflicts_with = "bits")]
    words: Option<usize>,

    #[command(flatten)]
    target: EntropyTarget,

    /// What goes between words (any string, empty allowed).
    #[arg(
        long,
        value_name = "S",
        default_value = " ",
        allow_hyphen_values = true
    )]
    separator: String,

    /// Letter case of the words.
    #[arg(long, value_enum, default_value = "keep")]
    case: CaseArg,

    /// Only use words of at least N characters.
    #[arg(long, value_name = "N")]
    min_length: Option<usize>,

    /// Only use words of at most N characters.
    #[arg(long, value_name = "N")]
    max_length: Option<usize>,

    /// Put a random digit after one randomly chosen word.
    #[arg(long)]
    digit: bool,

    /// Put a random symbol after one randomly chosen word (default set:
    /// !#$%&*+=?@).
    #[arg(long)]
    symbol: bool,

    /// The symbols --symbol draws from (implies --symbol).
    #[arg(long, value_name = "SET")]
    symbols: Option<String>,

    #[command(flatten)]
    generated: Generated,
}

/// Reads a word list file, or stdin for `-`, of at most
/// [`MAX_LIST_INPUT`](crate::input::MAX_LIST_INPUT) bytes.
fn read_list(path: &std::path::Path) -> Result<WordList, Failure> {
    let bytes = crate::input::read_input(
        path,
        Some((
            crate::input::MAX_LIST_INPUT,
            "a word list is held in memory",
        )),
    )?;
    WordList::from_bytes(&bytes).map_err(|e| Failure::usage(format!("'{}': {e}", path.display())))
}

pub(crate) fn run(args: PassphraseArgs) -> Result<Status, Failure> {
    let list = match &args.wordlist {
        Some(path) => read_list(path)?,
        None => WordList::bundled(&args.list)?,
    };
    let mut builder = PassphraseRecipe::builder()
        .list(list)
        .separator(args.separator)
        .case(args.case.into())
        .digit(args.digit)
        .symbol(args.symbol);
    if let Some(set) = args.symbols {
        builder = builder.symbols(set);
    }
    if let Some(n) = args.words {
        builder = builder.words(n);
    }
    if let Some(b) = args.target.bits {
        builder = builder.bits(b);
    }
    if let Some(n) = args.min_length {
        builder = builder.min_length(n);
    }
    if let Some(n) = args.max_length {
        builder = builder.max_length(n);
    }
    let recipe = builder.build()?;

    match recipe.decodability() {
        Decodability::Unique => {}
        Decodability::Ambiguous => warn(
            "reported entropy is an upper bound: with this separator and word list, \
             different draws can give the same passphrase",
        ),
        _ => warn(
            "reported entropy is an upper bound: this separator and word list could not \
             be shown to give a different passphrase for every draw",
        ),
    }

    let bits = recipe.entropy_bits();
    let mut rng = keysmith::rng();
    // Each phrase is a SecretString, wiped as soon as it is written.
    args.generated
        .print_each(bits, |out| out.secret(&recipe.sample(&mut rng), bits))
}
