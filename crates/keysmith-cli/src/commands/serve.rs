//! `keysmith serve` and `keysmith service-key` (scaffold: replaced by the real commands).

use crate::failure::Failure;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  keysmith serve")]
pub(crate) struct ServeArgs {}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  keysmith service-key create --db sqlite://keysmith.db")]
pub(crate) struct ServiceKeyArgs {}

pub(crate) fn run_serve(_args: ServeArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}

pub(crate) fn run_service_key(_args: ServiceKeyArgs) -> Result<ExitCode, Failure> {
    Err(Failure::Runtime("not implemented yet".into()))
}
