//! `keysmith totp` and `keysmith hotp` (scaffold: replaced by the real commands).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct TotpArgs {}

#[derive(Debug, clap::Args)]
pub(crate) struct HotpArgs {}

pub(crate) fn run_totp(_args: TotpArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}

pub(crate) fn run_hotp(_args: HotpArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
