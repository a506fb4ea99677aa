//! `keysmith passphrase` (scaffold: replaced by the real command).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct PassphraseArgs {}

pub(crate) fn run(_args: PassphraseArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
