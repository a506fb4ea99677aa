//! `keysmith hotp`: the code of a secret for a counter (RFC 4226), and the
//! secret and code options `totp` shares.

use crate::failure::{Failure, Status};
use crate::output::line;
use keysmith::otp::{Algorithm, Hotp, Secret};
use keysmith::zeroize::Zeroizing;
use std::path::PathBuf;

/// The largest secret file read: a base32 secret is a few dozen bytes.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// HOTP (RFC 4226): the code for a counter.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith hotp code --secret-file secret.txt --counter 42
  keysmith hotp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --counter 0   # 755224")]
pub(crate) struct HotpArgs {
    #[command(subcommand)]
    command: HotpCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HotpCommand {
    /// Print the code of a secret for a counter.
    #[command(after_help = "\
Examples:
  keysmith hotp code --secret-file secret.txt --counter 42
  keysmith hotp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --counter 0")]
    Code(HotpCodeArgs),
}

#[derive(Debug, clap::Args)]
struct HotpCodeArgs {
    #[command(flatten)]
    secret: SecretArgs,

    /// The counter the code is for.
    #[arg(long, value_name = "C")]
    counter: u64,

    #[command(flatten)]
    params: HotpParams,
}

/// The secret of a command that takes one, and how strictly it is read.
#[derive(Debug, clap::Args)]
pub(crate) struct SecretArgs {
    #[command(flatten)]
    input: SecretInput,

    #[arg(
        long,
        help = format!(
            "Accept a secret shorter than {} bits (RFC 4226 requires at least {}, \
             recommends 160); only for an old enrolment that cannot be redone",
            Secret::MIN_BITS,
            Secret::MIN_BITS
        )
    )]
    allow_short_secret: bool,
}

/// Where the secret comes from.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct SecretInput {
    /// The shared secret in base32. Other users can see command lines in
    /// `ps`: prefer --secret-file.
    #[arg(long, value_name = "B32")]
    secret: Option<String>,

    /// Read the base32 secret from PATH (`-` for stdin) instead.
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct HotpParams {
    /// Digits per code: 6, 7 or 8.
    #[arg(long, value_name = "D", default_value_t = Hotp::DEFAULT_DIGITS)]
    digits: u32,

    /// The HMAC hash: sha1 (what most apps assume), sha256 or sha512.
    #[arg(long, value_name = "ALG", default_value = "sha1", value_parser = parse_algorithm)]
    algorithm: Algorithm,
}

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.parse().map_err(|e: keysmith::Error| e.to_string())
}

pub(crate) fn run(args: HotpArgs) -> Result<Status, Failure> {
    match args.command {
        HotpCommand::Code(a) => {
            let hotp = hotp(read_secret(&a.secret)?, &a.params)?;
            line(&hotp.code_at(a.counter))?;
        }
    }
    Ok(Status::Yes)
}

pub(crate) fn hotp(secret: Secret, p: &HotpParams) -> Result<Hotp, Failure> {
    Ok(Hotp::new(secret)
        .with_digits(p.digits)?
        .with_algorithm(p.algorithm))
}

/// The secret from --secret or --secret-file. Messages never contain it.
pub(crate) fn read_secret(args: &SecretArgs) -> Result<Secret, Failure> {
    let input = &args.input;
    if let Some(text) = &input.secret {
        return parse_secret(text, args.allow_short_secret);
    }
    let Some(path) = &input.secret_file else {
        return Err(Failure::usage("give --secret or --secret-file"));
    };
    // Wiped when dropped, on every path.
    let bytes = Zeroizing::new(crate::input::read_input(
        path,
        Some((MAX_SECRET_FILE, "it should hold one base32 secret")),
    )?);
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse_secret(text, args.allow_short_secret),
        Err(_) => Err(Failure::usage(
            "invalid base32 secret: the secret file is not valid UTF-8",
        )),
    }
}

/// Reads a base32 secret; one under the library's minimum only with
/// `allow_short`. When that is all that is wrong, the library's refusal is
/// shown with the flag that lifts it.
fn parse_secret(text: &str, allow_short: bool) -> Result<Secret, Failure> {
    let import = Secret::import().allow_short_secret(allow_short);
    match import.base32(text) {
        Ok(secret) => Ok(secret),
        Err(e)
            if !allow_short
                && Secret::import()
                    .allow_short_secret(true)
                    .base32(text)
                    .is_ok() =>
        {
            Err(Failure::usage(format!(
                "{e}; --allow-short-secret accepts it"
            )))
        }
        Err(e) => Err(e.into()),
    }
}
