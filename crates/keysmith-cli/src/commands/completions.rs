//! `keysmith completions`: a shell completion script.

use crate::cli::Cli;
use crate::failure::{Failure, Status};
use crate::output::Output;
use clap::CommandFactory;
use clap_complete::Shell;

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith completions bash > /etc/bash_completion.d/keysmith
  keysmith completions zsh > \"${fpath[1]}/_keysmith\"
  keysmith completions fish > ~/.config/fish/completions/keysmith.fish")]
pub(crate) struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    shell: Shell,
}

pub(crate) fn run(a: CompletionsArgs) -> Result<Status, Failure> {
    // clap_complete panics when its writer fails, so the script is built
    // in memory and written here, where a closed pipe ends quietly and any
    // other write error is a runtime failure.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "keysmith", &mut script);
    let mut out = Output::new(false);
    out.raw(&script)?;
    out.finish()?;
    Ok(Status::Yes)
}
