//! `keysmith sample`: K distinct items in random order.

use crate::failure::{Failure, Status};
use crate::options::{ItemsArgs, parse_whole};
use crate::output::Output;

/// K distinct items in random order (Python's random.sample).
#[derive(Debug, clap::Args)]
#[command(
    allow_negative_numbers = true,
    after_help = "\
Examples:
  keysmith sample 2 alice bob carol dave
  keysmith sample 3 --file names.txt --separator $'\\n'
  keysmith sample 2 a b c --json    # {\"value\":[\"c\",\"a\"]}"
)]
pub(crate) struct SampleArgs {
    /// How many distinct items to pick.
    #[arg(value_name = "K", value_parser = parse_k)]
    k: usize,

    #[command(flatten)]
    rest: ItemsArgs,
}

fn parse_k(s: &str) -> Result<usize, String> {
    let k = parse_whole(s, "sample size")?;
    usize::try_from(&k).map_err(|_| "sample size is too large".into())
}

pub(crate) fn run(a: SampleArgs) -> Result<Status, Failure> {
    let items = crate::input::items(&a.rest.items)?;
    let mut out = Output::new(a.rest.repeat.format.json);
    for _ in 0..a.rest.repeat.count {
        let picked = keysmith::sample::sample(&mut keysmith::rng(), &items, a.k)?;
        out.list(&picked, &a.rest.separator)?;
    }
    out.finish()?;
    Ok(Status::Yes)
}
