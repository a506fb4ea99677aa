//! `keysmith password` (scaffold: replaced by the real command).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct PasswordArgs {}

pub(crate) fn run(_args: PasswordArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
