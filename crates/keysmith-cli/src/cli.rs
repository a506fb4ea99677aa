//! Every command and flag, each defined once with its help text.

use crate::failure::Status;
use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  keysmith token                     # 32 random bytes, base64url: a reset token
  keysmith token 16 --hex            # 32 hex digits: a session id
  keysmith randbelow 1000000         # an integer in [0, 1000000), exactly uniform
  keysmith choice red green blue
  keysmith shuffle --file names.txt --separator $'\\n'
  keysmith bytes 1GiB > key.bin      # stream random bytes
  keysmith compare stored.txt -      # constant-time comparison, secret on stdin
  keysmith --source os token         # draw from getrandom(2) directly";

/// The top-level help after the list of commands: what every exit status
/// means, then examples.
fn top_help() -> String {
    let help = Status::help(
        "success; or yes (compare: equal; apikey check, totp verify: valid;\n     \
         apikey scan: no key found)",
        "no, or a finding (compare: different; apikey check, totp verify:\n     \
         invalid; apikey scan: keys found); nothing else exits 1",
    );
    format!("{help}\n\n{EXAMPLES}")
}

/// Secure random tokens, numbers and choices: Python's `secrets`, from the
/// shell.
#[derive(Debug, Parser)]
#[command(name = "keysmith", version, after_help = top_help(), propagate_version = true)]
pub(crate) struct Cli {
    /// Where randomness comes from: `fast`, a fork-safe per-thread ChaCha20
    /// generator seeded from the operating system, or `os`, one
    /// getrandom(2) call per draw.
    #[arg(long, global = true, value_enum, default_value_t = SourceArg::Fast)]
    pub(crate) source: SourceArg,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The values of `--source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SourceArg {
    /// The fork-safe fast-key-erasure generator (the default).
    Fast,
    /// The operating system, for every draw.
    Os,
}

impl From<SourceArg> for keysmith::rng::Source {
    fn from(s: SourceArg) -> Self {
        match s {
            SourceArg::Fast => keysmith::rng::Source::Fast,
            SourceArg::Os => keysmith::rng::Source::Os,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Token(crate::commands::token::TokenArgs),

    Randbelow(crate::commands::randbelow::RandbelowArgs),

    Randbits(crate::commands::randbits::RandbitsArgs),

    Choice(crate::commands::choice::ChoiceArgs),

    Sample(crate::commands::sample::SampleArgs),

    Shuffle(crate::commands::shuffle::ShuffleArgs),

    Bytes(crate::commands::bytes::BytesArgs),

    Compare(crate::commands::compare::CompareArgs),

    /// A password that meets a site's rules, exactly uniform.
    Password(crate::commands::password::PasswordArgs),

    /// A passphrase of words from a bundled or custom word list.
    Passphrase(crate::commands::passphrase::PassphraseArgs),

    /// A numeric (or custom-alphabet) one-time code.
    Otp(crate::commands::otp::OtpArgs),

    /// TOTP (RFC 6238): enrol a secret, make or verify a code.
    Totp(crate::commands::totp::TotpArgs),

    /// HOTP (RFC 4226): the code for a counter.
    Hotp(crate::commands::hotp::HotpArgs),

    /// Recovery codes: a set of single-use codes for when a second factor is lost.
    RecoveryCodes(crate::commands::recovery_codes::RecoveryCodesArgs),

    /// API keys with a checksum: make, check, scan files for leaks.
    Apikey(crate::commands::apikey::ApikeyArgs),

    /// A password-reset link on a trusted base URL.
    ResetLink(crate::commands::reset_link::ResetLinkArgs),

    /// Run the HTTP JSON service for reset tokens, one-time codes and API keys.
    Serve(crate::commands::serve::ServeArgs),

    /// Create, list or revoke the service keys clients of `serve` present.
    ServiceKey(crate::commands::service_key::ServiceKeyArgs),

    Completions(crate::commands::completions::CompletionsArgs),
}
