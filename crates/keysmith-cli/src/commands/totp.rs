//! `keysmith totp` and `keysmith hotp`: enrol a secret, make or check codes
//! (RFC 6238 / RFC 4226).

use crate::options::Generated;
use crate::failure::Failure;
use crate::output::{Output, report_entropy};
use keysmith::otp::{Algorithm, Hotp, MAX_TOTP_SKEW_STEPS, Secret, Totp};
use keysmith::zeroize::Zeroizing;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest secret file read: a base32 secret is a few dozen bytes.
const MAX_SECRET_FILE: u64 = 64 * 1024;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  keysmith totp new --issuer 'Example Co' --account alice@example.com --qr
  keysmith totp code --secret-file secret.txt
  keysmith totp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --time 1700000000
  keysmith totp verify --secret-file secret.txt 492039 && echo ok
  keysmith totp code --secret JBSWY3DPEHPK3PXP --allow-short-secret   # a legacy 80-bit secret")]
pub(crate) struct TotpArgs {
    #[command(subcommand)]
    command: TotpCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TotpCommand {
    /// Make a 160-bit secret (more with --bits) and the otpauth:// URI that
    /// enrols it in an authenticator app.
    #[command(after_help = "\
Prints the base32 secret on the first line and the otpauth:// URI on the
second (with --json: secret, uri, entropy_bits, ...). The server keeps the
secret; the user scans the URI (--qr draws it as a QR code).

Examples:
  keysmith totp new --issuer 'Example Co' --account alice@example.com
  keysmith totp new --issuer Example --account bob --qr
  keysmith totp new --issuer Example --account bob --digits 8 --algorithm sha256 --json
  keysmith totp new --issuer Example --account bob --algorithm sha256 --bits 256")]
    New(NewArgs),

    /// Print the code of a secret at a time (default: now).
    #[command(after_help = "\
Examples:
  keysmith totp code --secret-file secret.txt
  printf '%s' \"$SECRET\" | keysmith totp code --secret-file -
  keysmith totp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --time 1700000000 --digits 8

A secret shorter than RFC 4226 allows (R6) is refused unless
--allow-short-secret is given.")]
    Code(TotpCodeArgs),

    /// Check a code against a secret: exit 0 and print "valid", or exit 1
    /// and print "invalid".
    #[command(after_help = "\
--window W accepts the codes of W time steps before and after the current
one, for clocks that drift (default 1; 0 accepts the current step only).
A secret shorter than RFC 4226 allows is refused unless --allow-short-secret
is given. Exit status: 0 valid, 1 invalid, 2 trouble (bad input or a failure).

Examples:
  keysmith totp verify --secret-file secret.txt 492039
  keysmith totp verify --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --window 0 492039")]
    Verify(TotpVerifyArgs),
}

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
struct NewArgs {
    /// Who the account is with, shown in the app (must not contain ':').
    #[arg(long, value_name = "ISSUER")]
    issuer: String,

    /// The user's account name, shown in the app (e.g. an email address).
    #[arg(long, value_name = "ACCOUNT")]
    account: String,

    #[command(flatten)]
    params: TotpParams,

    /// Also draw the URI as a QR code (for a dark terminal background).
    #[arg(long, conflicts_with = "json")]
    qr: bool,

    /// Draw the QR code for a light terminal background.
    #[arg(long, requires = "qr")]
    qr_invert: bool,

    /// Use the shortest secret (at least 20 bytes, 160 bits) with at least B
    /// bits, e.g. 256 with --algorithm sha256.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    bits: Option<f64>,

    #[command(flatten)]
    generated: Generated,
}

/// The secret of a command that takes one, and how strictly it is read.
#[derive(Debug, clap::Args)]
struct SecretArgs {
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
struct HotpParams {
    /// Digits per code: 6, 7 or 8.
    #[arg(long, value_name = "D", default_value_t = Hotp::DEFAULT_DIGITS)]
    digits: u32,

    /// The HMAC hash: sha1 (what most apps assume), sha256 or sha512.
    #[arg(long, value_name = "ALG", default_value = "sha1", value_parser = parse_algorithm)]
    algorithm: Algorithm,
}

#[derive(Debug, clap::Args)]
struct TotpParams {
    #[command(flatten)]
    hotp: HotpParams,

    /// Seconds per time step.
    #[arg(long, value_name = "SECONDS", default_value_t = Totp::DEFAULT_PERIOD)]
    period: u64,
}

#[derive(Debug, clap::Args)]
struct TotpCodeArgs {
    #[command(flatten)]
    secret: SecretArgs,

    #[command(flatten)]
    params: TotpParams,

    /// The Unix time in seconds [default: now].
    #[arg(long, value_name = "UNIX", value_parser = parse_time)]
    time: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct TotpVerifyArgs {
    /// The code to check.
    #[arg(value_name = "CODE")]
    code: String,

    #[command(flatten)]
    secret: SecretArgs,

    #[command(flatten)]
    params: TotpParams,

    #[arg(
        long,
        value_name = "W",
        default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_TOTP_SKEW_STEPS)),
        help = format!(
            "How many time steps before and after the current one to accept \
             (at most {MAX_TOTP_SKEW_STEPS})"
        )
    )]
    window: u32,

    /// The Unix time in seconds [default: now].
    #[arg(long, value_name = "UNIX", value_parser = parse_time)]
    time: Option<u64>,

    /// Print nothing; answer with the exit status only.
    #[arg(short, long)]
    quiet: bool,
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

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.parse().map_err(|e: keysmith::Error| e.to_string())
}

fn parse_time(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a Unix time (whole seconds since 1970)".into());
    }
    t.parse().map_err(|_| "the time is too large".into())
}

pub(crate) fn run_totp(args: TotpArgs) -> Result<ExitCode, Failure> {
    match args.command {
        TotpCommand::New(a) => new(a),
        TotpCommand::Code(a) => {
            let totp = totp(read_secret(&a.secret)?, &a.params)?;
            let time = a.time.map_or_else(now, Ok)?;
            print_line(&totp.code_at(time))
        }
        TotpCommand::Verify(a) => verify(a),
    }
}

pub(crate) fn run_hotp(args: HotpArgs) -> Result<ExitCode, Failure> {
    match args.command {
        HotpCommand::Code(a) => {
            let hotp = hotp(read_secret(&a.secret)?, &a.params)?;
            print_line(&hotp.code_at(a.counter))
        }
    }
}

fn new(a: NewArgs) -> Result<ExitCode, Failure> {
    let len = match a.bits {
        Some(b) => Secret::len_for_bits(b)?,
        None => Secret::GENERATED_LEN,
    };
    let mut rng = keysmith::rng();
    // Check the parameters and labels once, before making any secret.
    let probe = totp(Secret::generate_len_with(&mut rng, len)?, &a.params)?;
    probe.otpauth_uri(&a.issuer, &a.account)?;
    let bits = (8 * len) as f64;
    if a.generated.entropy {
        report_entropy(bits);
    }
    let mut out = Output::new(a.generated.repeat.json);
    for _ in 0..a.generated.repeat.count {
        let totp = totp(Secret::generate_len_with(&mut rng, len)?, &a.params)?;
        // Both hold the secret: wiped when this iteration ends.
        let secret = Zeroizing::new(totp.secret().to_base32());
        let uri = Zeroizing::new(totp.otpauth_uri(&a.issuer, &a.account)?);
        if out.is_json() {
            out.object(&serde_json::json!({
                "secret": secret.as_str(),
                "uri": uri.as_str(),
                "entropy_bits": bits,
                "issuer": a.issuer,
                "account": a.account,
                "algorithm": totp.algorithm().name(),
                "digits": totp.digits(),
                "period": totp.period(),
            }))?;
        } else {
            out.text(&secret)?;
            out.text(&uri)?;
            if a.qr {
                out.text(&qr(&uri, a.qr_invert)?)?;
            }
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn verify(a: TotpVerifyArgs) -> Result<ExitCode, Failure> {
    let totp = totp(read_secret(&a.secret)?, &a.params)?;
    let code = a.code.trim();
    if !totp.hotp().is_well_formed(code) {
        return Err(Failure::usage(format!(
            "the code must be {} decimal digits (see --digits)",
            totp.digits()
        )));
    }
    let time = a.time.map_or_else(now, Ok)?;
    let valid = totp.verify(code, time, a.window)?.is_some();
    if !a.quiet {
        print_line(if valid { "valid" } else { "invalid" })?;
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn hotp(secret: Secret, p: &HotpParams) -> Result<Hotp, Failure> {
    Ok(Hotp::new(secret)
        .with_digits(p.digits)?
        .with_algorithm(p.algorithm))
}

fn totp(secret: Secret, p: &TotpParams) -> Result<Totp, Failure> {
    Ok(Totp::from_hotp(hotp(secret, &p.hotp)?).with_period(p.period)?)
}

fn print_line(s: &str) -> Result<ExitCode, Failure> {
    let mut out = Output::new(false);
    out.text(s)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn now() -> Result<u64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::Runtime("the system clock is before 1970".into()))
}

/// The secret from --secret or --secret-file. Messages never contain it.
fn read_secret(args: &SecretArgs) -> Result<Secret, Failure> {
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

/// `uri` as a QR code of Unicode half blocks, with the quiet zone the
/// standard asks for. By default the dark modules are left blank, which
/// suits light text on a dark terminal; `invert` suits a light one.
fn qr(uri: &str, invert: bool) -> Result<String, Failure> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Failure::Runtime(format!("cannot draw the QR code: {e}")))?;
    let (dark, light) = if invert {
        (Dense1x2::Dark, Dense1x2::Light)
    } else {
        (Dense1x2::Light, Dense1x2::Dark)
    };
    Ok(code
        .render::<Dense1x2>()
        .quiet_zone(true)
        .dark_color(dark)
        .light_color(light)
        .build())
}
