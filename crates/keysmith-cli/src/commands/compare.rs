//! `keysmith compare`: two secrets compared in constant time.

use crate::failure::{Failure, Status};
use crate::options::Answer;
use keysmith::zeroize::Zeroize;
use std::path::PathBuf;

/// Compare two secrets in constant time (Python's compare_digest).
#[derive(Debug, clap::Args)]
#[command(after_help = format!("\
The secrets are read from files, or from stdin for `-` (never from the
command line, which other users can see in `ps`). One trailing newline is
ignored unless --exact is given.

{}

Examples:
  keysmith compare expected.txt presented.txt
  printf '%s' \"$TOKEN\" | keysmith compare stored.txt -",
        Status::help("equal", "different")))]
pub(crate) struct CompareArgs {
    /// The first secret: a file, or `-` for stdin.
    #[arg(value_name = "FILE_A")]
    a: PathBuf,

    /// The second secret: a file, or `-` for stdin.
    #[arg(value_name = "FILE_B")]
    b: PathBuf,

    /// Compare the bytes exactly, including any trailing newline.
    #[arg(long)]
    exact: bool,

    #[command(flatten)]
    answer: Answer,
}

pub(crate) fn run(a: CompareArgs) -> Result<Status, Failure> {
    let (mut x, mut y) = crate::input::secrets(&a.a, &a.b, a.exact)?;
    let equal = keysmith::compare_digest(&x, &y);
    x.zeroize();
    y.zeroize();
    a.answer.say(if equal { "equal" } else { "different" })?;
    Ok(Status::answer(equal))
}
