//! `keysmith sample`: K distinct items in random order.

use crate::failure::{Failure, Status};
use crate::options::{ItemsArgs, parse_whole_up_to};

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
    parse_whole_up_to(s, "sample size", usize::MAX, || {
        "sample size is too large".into()
    })
}

pub(crate) fn run(a: SampleArgs) -> Result<Status, Failure> {
    let items = crate::input::items(&a.rest.items)?;
    a.rest.repeat.print_each(|out| {
        let picked = keysmith::sample::sample(&mut keysmith::rng(), &items, a.k)?;
        out.list(&picked, &a.rest.separator)
    })
}
