//! `keysmith reset-link`: a password-reset link on a trusted base URL.

use crate::failure::{Failure, Status};
use crate::options::{EntropyTarget, Generated, parse_duration};
use keysmith::reset::{self, ResetLinks};
use std::time::SystemTime;

/// A password-reset link on a trusted base URL.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The link is the base URL with `token=<token_urlsafe(32)>` added to its
query (a longer token with --bits over 256). The base must be an absolute
https URL (plain http only on localhost, 127.x.x.x or [::1]) with no user
name, password or fragment. With --json each link is {\"url\", \"token\",
\"token_sha256\", \"expires_at\", \"entropy_bits\"}: store only token_sha256,
never the token or the link.

Examples:
  keysmith reset-link --base-url https://example.com/reset
  keysmith reset-link --base-url https://example.com/reset --ttl 1h --json
  keysmith reset-link --base-url 'https://example.com/r?lang=en' --param t
  keysmith reset-link --base-url http://localhost:3000/reset -n 5
  keysmith reset-link --base-url https://example.com/reset --bits 384 --entropy")]
pub(crate) struct ResetLinkArgs {
    /// The trusted base URL the link points at.
    #[arg(long, value_name = "URL")]
    base_url: String,

    /// How long the link stays valid: 90s, 20m, 1h, 2days ... (at most 7
    /// days); only reported in --json as expires_at.
    #[arg(long, value_name = "DURATION", default_value_t = reset::DEFAULT_TTL.into(), value_parser = parse_ttl)]
    ttl: humantime::Duration,

    /// The query parameter that carries the token.
    #[arg(long, value_name = "NAME", default_value = reset::DEFAULT_PARAM)]
    param: String,

    #[command(flatten)]
    target: EntropyTarget,

    #[command(flatten)]
    generated: Generated,
}

fn parse_ttl(s: &str) -> Result<humantime::Duration, String> {
    let ttl = parse_duration(s)?;
    reset::check_ttl(*ttl).map_err(|e| e.to_string())?;
    Ok(ttl)
}

pub(crate) fn run(args: ResetLinkArgs) -> Result<Status, Failure> {
    let mut links = ResetLinks::new(&args.base_url)?.with_param(&args.param)?;
    if let Some(b) = args.target.bits {
        links = links.with_bits(b)?;
    }
    let bits = links.entropy_bits();
    args.generated.print_each(bits, |out| {
        let link = links.make(*args.ttl, SystemTime::now())?;
        if out.is_json() {
            out.object(&serde_json::json!({
                "url": link.url(),
                "token": link.token(),
                "token_sha256": link.token_sha256_hex(),
                "expires_at": link.expires_at_rfc3339(),
                "entropy_bits": bits,
            }))
        } else {
            out.text(link.url())
        }
    })
}
