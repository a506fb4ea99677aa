//! `keysmith choice`: one item chosen uniformly.

use crate::failure::{Failure, Status};
use crate::input::nonempty_items;
use crate::options::ItemsArgs;

/// One item chosen uniformly (Python's choice).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith choice heads tails
  keysmith choice --file /usr/share/dict/words -n 6
  printf 'a\\nb\\nc\\n' | keysmith choice --file -
  keysmith choice heads tails --json   # {\"value\":\"tails\"}")]
pub(crate) struct ChoiceArgs {
    #[command(flatten)]
    list: ItemsArgs,
}

pub(crate) fn run(a: ChoiceArgs) -> Result<Status, Failure> {
    let a = a.list;
    let items = nonempty_items(&a.items)?;
    a.repeat
        .print_each(|out| out.text(keysmith::choice(&items)?))
}
