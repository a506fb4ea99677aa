//! `keysmith otp` (scaffold: replaced by the real command).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct OtpArgs {}

pub(crate) fn run(_args: OtpArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
