//! Options several commands share, each defined once with its help text,
//! its default and its validation, and flattened into the commands that
//! take it.

use crate::failure::{Failure, Status};
use crate::output::{Output, report_entropy};
use clap::Args;
use keysmith::BigUint;
use keysmith_server::config::{DB_URL_ENV, DEFAULT_DB};
use std::path::PathBuf;

/// Options every secret generator has: [`Repeat`] plus `--entropy`.
#[derive(Debug, Args)]
pub(crate) struct Generated {
    #[command(flatten)]
    pub(crate) repeat: Repeat,

    /// Print the exact entropy of each value, in bits, to stderr.
    #[arg(long)]
    pub(crate) entropy: bool,
}

impl Generated {
    /// Reports `bits` on stderr with --entropy, then prints the values as
    /// [`Repeat::print_each`] does.
    pub(crate) fn print_each(
        &self,
        bits: f64,
        one: impl FnMut(&mut Output) -> Result<(), Failure>,
    ) -> Result<Status, Failure> {
        if self.entropy {
            report_entropy(bits);
        }
        self.repeat.print_each(one)
    }
}

/// Options every generator has.
#[derive(Debug, Args)]
pub(crate) struct Repeat {
    /// How many values to print, one per line.
    #[arg(
        short = 'n',
        long = "count",
        value_name = "N",
        default_value_t = 1,
        value_parser = parse_count
    )]
    pub(crate) count: u64,

    #[command(flatten)]
    pub(crate) format: Format,
}

impl Repeat {
    /// Prints --count values, each by `one`, as text or JSON; the first
    /// failure ends the run.
    pub(crate) fn print_each(
        &self,
        mut one: impl FnMut(&mut Output) -> Result<(), Failure>,
    ) -> Result<Status, Failure> {
        let mut out = Output::new(self.format.json);
        for _ in 0..self.count {
            one(&mut out)?;
        }
        out.finish()?;
        Ok(Status::Yes)
    }
}

/// `--json`: what every command that prints values or records can print
/// instead of text.
#[derive(Debug, Args)]
pub(crate) struct Format {
    /// Print JSON instead of text: one object per line, with the fields
    /// named below.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--bits`: the size of a generated secret, given as the entropy it must
/// have. The library checks the number (a positive number of bits that the
/// recipe can reach) and says what is wrong with it.
#[derive(Debug, Args)]
pub(crate) struct EntropyTarget {
    /// Use the shortest length whose exact entropy is at least B bits (a
    /// positive number, such as 100 or 77.5).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub(crate) bits: Option<f64>,
}

/// `--quiet`, for the commands whose answer is their exit status.
#[derive(Debug, Args)]
pub(crate) struct Answer {
    /// Print nothing; answer with the exit status only.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

impl Answer {
    /// Prints the answer, one word on a line, unless --quiet.
    pub(crate) fn say(&self, word: &str) -> Result<(), Failure> {
        if self.quiet {
            Ok(())
        } else {
            crate::output::line(word)
        }
    }
}

/// Where the items of choice, sample and shuffle come from.
#[derive(Debug, Args)]
pub(crate) struct Items {
    /// The items to choose from.
    #[arg(value_name = "ITEM")]
    pub(crate) items: Vec<String>,

    /// Also read items from PATH, one per line (`-` for stdin), at most
    /// 64 MiB; blank lines are skipped.
    #[arg(long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
}

/// The options of choice, sample and shuffle.
#[derive(Debug, Args)]
pub(crate) struct ItemsArgs {
    #[command(flatten)]
    pub(crate) items: Items,

    /// What to print between items (shuffle and sample only).
    #[arg(long, value_name = "SEP", default_value = " ")]
    pub(crate) separator: String,

    #[command(flatten)]
    pub(crate) repeat: Repeat,
}

/// `--db`, defined once for every command that opens the database.
#[derive(Debug, Args)]
pub(crate) struct Db {
    /// The database: sqlite://PATH (created by serve if missing) or
    /// postgres://... (sslmode and sslrootcert honoured).
    #[arg(
        id = "db",
        long = "db",
        value_name = "URL",
        env = DB_URL_ENV,
        hide_env_values = true,
        default_value = DEFAULT_DB
    )]
    pub(crate) url: String,
}

/// A whole number in decimal, of any size; `what` names it in the message
/// for a negative one.
pub(crate) fn parse_whole(s: &str, what: &str) -> Result<BigUint, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("{what} must not be negative"));
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number in decimal".into());
    }
    digits
        .parse::<BigUint>()
        .map_err(|_| "not a whole number in decimal".into())
}

/// A whole number in decimal that fits a `T` and is at most `max`: `what`
/// names it in the message for a negative one, `too_large` is the message
/// for one past `max`.
pub(crate) fn parse_whole_up_to<T>(
    s: &str,
    what: &str,
    max: T,
    too_large: impl FnOnce() -> String,
) -> Result<T, String>
where
    T: for<'a> TryFrom<&'a BigUint> + PartialOrd,
{
    match T::try_from(&parse_whole(s, what)?) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(too_large()),
    }
}

fn parse_count(s: &str) -> Result<u64, String> {
    match parse_whole_up_to(s, "count", u64::MAX, || "count is too large".into())? {
        0 => Err("count must be at least 1".into()),
        n => Ok(n),
    }
}

/// A duration such as 500ms, 90s, 20m, 1h or 2days.
pub(crate) fn parse_duration(s: &str) -> Result<humantime::Duration, String> {
    humantime::parse_duration(s.trim())
        .map(Into::into)
        .map_err(|e| e.to_string())
}
