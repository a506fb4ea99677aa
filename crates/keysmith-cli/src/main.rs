//! `keysmith`: secure random tokens, integers and choices from the shell.
//!
//! The binary only parses arguments, calls the `keysmith` library and
//! prints; everything it computes is available from the library.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod failure;
mod input;
mod options;
mod output;
mod size;

use clap::Parser;
use cli::{Cli, Command};
use failure::{Failure, Status};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let _ = writeln!(std::io::stderr(), "keysmith: internal error: {msg}");
    }));

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(&e),
    };
    keysmith::rng::set_source(cli.source.into());
    // A panic is a bug, and its status is trouble like any other failure
    // (not Rust's 101): the hook above has already said what happened.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli.command)))
        .unwrap_or(Ok(Status::Trouble));
    match result {
        Ok(status) => status.into(),
        Err(failure) => {
            if let Some(msg) = failure.message() {
                say_error(msg);
            }
            failure.status().into()
        }
    }
}

/// Prints `msg` as keysmith's one line on stderr.
fn say_error(msg: &str) {
    let _ = writeln!(std::io::stderr(), "keysmith: {msg}");
}

/// Prints `msg` as keysmith's one line on stderr: trouble.
fn report(msg: &str) -> ExitCode {
    say_error(msg);
    Status::Trouble.into()
}

/// Help and version are printed as clap renders them; every other parse
/// error is folded into one line (no usage block, no tips): trouble.
fn clap_failure(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            // Help asked for goes to stdout: success. Help instead of a
            // missing command goes to stderr: the input was incomplete.
            if e.use_stderr() {
                Status::Trouble.into()
            } else {
                Status::Yes.into()
            }
        }
        ErrorKind::InvalidUtf8 => report(&invalid_utf8_argument()),
        _ => {
            let rendered = e.render().to_string();
            // Everything from the usage block on is left out; so are tips.
            let line = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:"))
                .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                .collect::<Vec<_>>()
                .join(" ");
            report(line.strip_prefix("error: ").unwrap_or(&line))
        }
    }
}

/// Which argument is not valid UTF-8, shown with its bad bytes escaped
/// (clap only says that some argument is). The value is left out where it
/// may be a secret: after `--secret` and in `apikey check`.
fn invalid_utf8_argument() -> String {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some(i) = args.iter().position(|a| a.to_str().is_none()) else {
        return "invalid UTF-8 was detected in one or more arguments".into();
    };
    let bytes = args[i].as_encoded_bytes();
    let secret = bytes.starts_with(b"--secret=")
        || (i > 0 && args[i - 1] == "--secret")
        || (args.iter().any(|a| a == "apikey") && args[..i].iter().any(|a| a == "check"));
    if secret {
        format!(
            "argument {} is not valid UTF-8 (not shown: it may be a secret)",
            i + 1
        )
    } else {
        format!(
            "argument {} is not valid UTF-8: '{}'",
            i + 1,
            bytes.escape_ascii()
        )
    }
}

/// Runs one command: every command answers with a [`Status`] or stops with
/// a [`Failure`].
fn run(command: Command) -> Result<Status, Failure> {
    match command {
        Command::Token(a) => commands::token::run(a),
        Command::Randbelow(a) => commands::randbelow::run(a),
        Command::Randbits(a) => commands::randbits::run(a),
        Command::Choice(a) => commands::choice::run(a),
        Command::Sample(a) => commands::sample::run(a),
        Command::Shuffle(a) => commands::shuffle::run(a),
        Command::Bytes(a) => commands::bytes::run(a),
        Command::Compare(a) => commands::compare::run(a),
        Command::Password(a) => commands::password::run(a),
        Command::Passphrase(a) => commands::passphrase::run(a),
        Command::Otp(a) => commands::otp::run(a),
        Command::Totp(a) => commands::totp::run(a),
        Command::Hotp(a) => commands::hotp::run(a),
        Command::RecoveryCodes(a) => commands::recovery_codes::run(a),
        Command::Apikey(a) => commands::apikey::run(a),
        Command::ResetLink(a) => commands::reset_link::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::ServiceKey(a) => commands::service_key::run(a),
        Command::Completions(a) => commands::completions::run(a),
    }
}
