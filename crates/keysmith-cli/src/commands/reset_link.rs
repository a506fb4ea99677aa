//! `keysmith reset-link` (scaffold: replaced by the real command).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct ResetLinkArgs {}

pub(crate) fn run(_args: ResetLinkArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
