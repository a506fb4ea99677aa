//! `keysmith shuffle`: all items in a uniformly random order.

use crate::failure::{Failure, Status};
use crate::input::nonempty_items;
use crate::options::ItemsArgs;

/// All items in a uniformly random order (Python's random.shuffle).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith shuffle 1 2 3 4 5
  keysmith shuffle --file playlist.txt --separator $'\\n'
  keysmith shuffle 1 2 3 --json     # {\"value\":[\"3\",\"1\",\"2\"]}")]
pub(crate) struct ShuffleArgs {
    #[command(flatten)]
    list: ItemsArgs,
}

pub(crate) fn run(a: ShuffleArgs) -> Result<Status, Failure> {
    let a = a.list;
    let items = nonempty_items(&a.items)?;
    let mut refs: Vec<&String> = items.iter().collect();
    a.repeat.print_each(|out| {
        keysmith::sample::shuffle(&mut keysmith::rng(), &mut refs);
        out.list(&refs, &a.separator)
    })
}
