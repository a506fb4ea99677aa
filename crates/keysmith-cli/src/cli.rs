//! Every command and flag, each defined once with its help text.

use crate::failure::Status;
use crate::size::parse_size;
use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use std::path::PathBuf;

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

    /// Stream SIZE random bytes to stdout, in constant memory.
    #[command(after_help = "\
SIZE is a whole number with an optional suffix: K, M, G, T (or KiB, MiB,
GiB, TiB) multiply by powers of 1024; KB, MB, GB, TB by powers of 1000.
A progress bar is drawn on stderr when stderr is a terminal.

Examples:
  keysmith bytes 64 > seed.bin
  keysmith bytes 1GiB > /dev/null
  keysmith bytes 10M | sha256sum")]
    Bytes(BytesArgs),

    /// Compare two secrets in constant time (Python's compare_digest).
    #[command(after_help = format!("\
The secrets are read from files, or from stdin for `-` (never from the
command line, which other users can see in `ps`). One trailing newline is
ignored unless --exact is given.

{}

Examples:
  keysmith compare expected.txt presented.txt
  printf '%s' \"$TOKEN\" | keysmith compare stored.txt -",
        Status::help("equal", "different")))]
    Compare(CompareArgs),

    /// A password that meets a site's rules, exactly uniform.
    Password(crate::commands::password::PasswordArgs),

    /// A passphrase of words from a bundled or custom word list.
    Passphrase(crate::commands::passphrase::PassphraseArgs),

    /// A numeric (or custom-alphabet) one-time code.
    Otp(crate::commands::otp::OtpArgs),

    /// TOTP (RFC 6238): enrol a secret, make or verify a code.
    Totp(crate::commands::totp::TotpArgs),

    /// HOTP (RFC 4226): the code for a counter.
    Hotp(crate::commands::totp::HotpArgs),

    /// Recovery codes: a set of single-use codes for when a second factor is lost.
    RecoveryCodes(crate::commands::recovery_codes::RecoveryCodesArgs),

    /// API keys with a checksum: make, check, scan files for leaks.
    Apikey(crate::commands::apikey::ApikeyArgs),

    /// A password-reset link on a trusted base URL.
    ResetLink(crate::commands::reset_link::ResetLinkArgs),

    /// Run the HTTP JSON service for reset tokens, one-time codes and API keys.
    Serve(crate::commands::serve::ServeArgs),

    /// Create, list or revoke the service keys clients of `serve` present.
    ServiceKey(crate::commands::serve::ServiceKeyArgs),

    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  keysmith completions bash > /etc/bash_completion.d/keysmith
  keysmith completions zsh > \"${fpath[1]}/_keysmith\"
  keysmith completions fish > ~/.config/fish/completions/keysmith.fish")]
    Completions {
        /// The shell to write the script for.
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct BytesArgs {
    /// How many bytes: 64, 10K, 1M, 1G, 1GiB, 1GB, ...
    #[arg(value_name = "SIZE", value_parser = parse_size)]
    pub(crate) size: u64,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The first secret: a file, or `-` for stdin.
    #[arg(value_name = "FILE_A")]
    pub(crate) a: PathBuf,

    /// The second secret: a file, or `-` for stdin.
    #[arg(value_name = "FILE_B")]
    pub(crate) b: PathBuf,

    /// Compare the bytes exactly, including any trailing newline.
    #[arg(long)]
    pub(crate) exact: bool,

    /// Print nothing; answer with the exit status only.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

