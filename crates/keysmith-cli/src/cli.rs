//! The command line at the top: the global options, the help around the
//! list of commands, and that list; each command is defined in its own file
//! under `commands/`, and options several share in `options.rs`.

use crate::commands::{
    apikey, bytes, choice, compare, completions, hotp, otp, passphrase, password, randbelow,
    randbits, recovery_codes, reset_link, sample, serve, service_key, shuffle, token, totp,
};
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

/// The commands, in the order `--help` lists them. Each one's summary, help
/// and examples are on its arguments, in its file under `commands/`.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Token(token::TokenArgs),
    Randbelow(randbelow::RandbelowArgs),
    Randbits(randbits::RandbitsArgs),
    Choice(choice::ChoiceArgs),
    Sample(sample::SampleArgs),
    Shuffle(shuffle::ShuffleArgs),
    Bytes(bytes::BytesArgs),
    Compare(compare::CompareArgs),
    Password(password::PasswordArgs),
    Passphrase(passphrase::PassphraseArgs),
    Otp(otp::OtpArgs),
    Totp(totp::TotpArgs),
    Hotp(hotp::HotpArgs),
    RecoveryCodes(recovery_codes::RecoveryCodesArgs),
    Apikey(apikey::ApikeyArgs),
    ResetLink(reset_link::ResetLinkArgs),
    Serve(serve::ServeArgs),
    ServiceKey(service_key::ServiceKeyArgs),
    Completions(completions::CompletionsArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// The help of every command that reads a list states the limit the
    /// reading enforces.
    #[test]
    fn help_states_the_list_input_limit() {
        use clap::CommandFactory;
        let limit = format!(
            "at most {};",
            crate::input::show_size(crate::input::MAX_LIST_INPUT)
        );
        let mut cli = super::Cli::command();
        for name in ["choice", "sample", "shuffle", "passphrase"] {
            let help = cli
                .find_subcommand_mut(name)
                .expect("the command exists")
                .render_long_help()
                .to_string();
            assert!(help.contains(&limit), "{name} --help lacks {limit:?}");
        }
    }
}
