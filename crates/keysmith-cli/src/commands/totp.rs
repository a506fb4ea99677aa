//! `keysmith totp`: enrol a secret, make or check time-based codes
//! (RFC 6238).

use crate::commands::hotp::{HotpParams, SecretArgs, hotp, read_secret};
use crate::failure::{Failure, Status};
use crate::options::{Answer, EntropyTarget, Generated};
use crate::output::line;
use keysmith::otp::{MAX_TOTP_SKEW_STEPS, Secret, Totp};
use keysmith::zeroize::Zeroizing;
use std::time::{SystemTime, UNIX_EPOCH};

/// TOTP (RFC 6238): enrol a secret, make or verify a code.
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
second (with --json: secret, uri, entropy_bits, issuer, account, algorithm,
digits and period). The server keeps the secret; the user scans the URI
(--qr draws it as a QR code). The secret has 160 bits (20 bytes) unless
--bits asks for more: 256 suits --algorithm sha256, 512 sha512.

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

    #[command(flatten)]
    target: EntropyTarget,

    #[command(flatten)]
    generated: Generated,
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

    #[command(flatten)]
    at: At,
}

/// `--time`: the moment a code is made or checked for.
#[derive(Debug, clap::Args)]
struct At {
    /// The Unix time in seconds [default: now].
    #[arg(long, value_name = "UNIX", value_parser = parse_time)]
    time: Option<u64>,
}

impl At {
    /// The time given, or now.
    fn unix(&self) -> Result<u64, Failure> {
        self.time.map_or_else(now, Ok)
    }
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

    #[command(flatten)]
    at: At,

    #[command(flatten)]
    answer: Answer,
}

fn parse_time(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a Unix time (whole seconds since 1970)".into());
    }
    t.parse().map_err(|_| "the time is too large".into())
}

pub(crate) fn run(args: TotpArgs) -> Result<Status, Failure> {
    match args.command {
        TotpCommand::New(a) => new(a),
        TotpCommand::Code(a) => {
            let totp = totp(read_secret(&a.secret)?, &a.params)?;
            line(&totp.code_at(a.at.unix()?))?;
            Ok(Status::Yes)
        }
        TotpCommand::Verify(a) => verify(a),
    }
}

fn new(a: NewArgs) -> Result<Status, Failure> {
    let len = match a.target.bits {
        Some(b) => Secret::len_for_bits(b)?,
        None => Secret::GENERATED_LEN,
    };
    let mut rng = keysmith::rng();
    // Check the parameters and labels once, before making any secret.
    let probe = totp(Secret::generate_len_with(&mut rng, len)?, &a.params)?;
    probe.otpauth_uri(&a.issuer, &a.account)?;
    let bits = (8 * len) as f64;
    a.generated.print_each(bits, |out| {
        let totp = totp(Secret::generate_len_with(&mut rng, len)?, &a.params)?;
        // Both hold the secret: wiped when this value is written.
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
            }))
        } else {
            out.text(&secret)?;
            out.text(&uri)?;
            if a.qr {
                out.text(&qr(&uri, a.qr_invert)?)?;
            }
            Ok(())
        }
    })
}

fn verify(a: TotpVerifyArgs) -> Result<Status, Failure> {
    let totp = totp(read_secret(&a.secret)?, &a.params)?;
    let code = a.code.trim();
    if !totp.hotp().is_well_formed(code) {
        return Err(Failure::usage(format!(
            "the code must be {} decimal digits (see --digits)",
            totp.digits()
        )));
    }
    let valid = totp.verify(code, a.at.unix()?, a.window)?.is_some();
    a.answer.say(if valid { "valid" } else { "invalid" })?;
    Ok(Status::answer(valid))
}

fn totp(secret: Secret, p: &TotpParams) -> Result<Totp, Failure> {
    Ok(Totp::from_hotp(hotp(secret, &p.hotp)?).with_period(p.period)?)
}

fn now() -> Result<u64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::Runtime("the system clock is before 1970".into()))
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
