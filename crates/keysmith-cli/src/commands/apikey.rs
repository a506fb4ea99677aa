//! `keysmith apikey` (scaffold: replaced by the real command).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct ApikeyArgs {}

pub(crate) fn run(_args: ApikeyArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
