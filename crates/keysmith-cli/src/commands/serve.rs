//! `keysmith serve`: the HTTP JSON service.

use crate::failure::{Failure, Status};
use crate::options::{Db, parse_duration};
use keysmith_server::config::{DEFAULT_LISTEN, ServeConfig, ServeFlags, StartError};
use keysmith_server::limits::{Limits, Rate};
use keysmith_server::logging::{self, LogFormat};
use keysmith_store::StoreOptions;
use std::path::PathBuf;
use std::time::Duration;

/// Run the HTTP JSON service for reset tokens, one-time codes and API keys.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every route but /healthz, /readyz, /metrics and /openapi.json needs
`Authorization: Bearer <service key>` with the scope the route names, and
acts on that key's tenant only; make keys with `keysmith service-key
create`. One-time and recovery codes are stored as HMACs, TOTP secrets
sealed, under a server key: with SQLite it is kept beside the database
(keysmith.db.server-key, created with mode 0600 on first start) unless
--server-key-file or KEYSMITH_SERVER_KEY says otherwise; with PostgreSQL
one of those is required, and every instance must have the same keys (a
code made on one instance is checked on another). The key file holds lines
of <id>:<64+ hex digits>, the first current, the others still accepted.
To rotate: add the new key as a second line on every instance, restart
them all, then move it to the first line everywhere.

Without --tls-cert/--tls-key the server speaks plain HTTP: on any address
but loopback, put it behind a TLS terminator. The database URL may come
from KEYSMITH_DB_URL instead of --db, so that its password is not in argv.
Rate limits and the in-flight cap are per instance.

Logs go to stderr; RUST_LOG filters them (default: info). SIGTERM or
Ctrl-C stops the server after the requests in flight finish (at most
--shutdown-timeout).

Examples:
  keysmith serve
  keysmith serve --db sqlite:///var/lib/keysmith/keysmith.db --listen 0.0.0.0:8443 \\
    --tls-cert /etc/keysmith/cert.pem --tls-key /etc/keysmith/key.pem
  keysmith token 32 --hex | sed 's/^/k1:/' > /etc/keysmith/server-key
      # once; copy the same file to every instance (see Server keys)
  KEYSMITH_DB_URL='postgres://keysmith:secret@db/keysmith?sslmode=verify-full' \\
    keysmith serve --server-key-file /etc/keysmith/server-key --log-format json
  keysmith serve --rate-limit 200/s --auth-failure-limit 20/m --trust-forwarded-for")]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    db: Db,

    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: String,

    /// A file of server keys, one ID:HEX per line, the first current
    /// (default with SQLite: the database file's name + .server-key).
    #[arg(long, value_name = "PATH")]
    server_key_file: Option<PathBuf>,

    /// How logs are written.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LogFormatArg::Pretty)]
    log_format: LogFormatArg,

    /// How often spent tokens, challenges and keys are purged: 30s, 5m, 1h ...
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_interval)]
    sweep_interval: Duration,

    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Close a connection whose request head has not arrived in this long.
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.header_timeout.into(), value_parser = parse_positive)]
    header_timeout: humantime::Duration,

    /// End a request that takes longer than this (408, JSON).
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.request_timeout.into(), value_parser = parse_positive)]
    request_timeout: humantime::Duration,

    /// Requests handled at once; past it, 503 overloaded with Retry-After.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_in_flight as u32, value_parser = clap::value_parser!(u32).range(1..))]
    max_in_flight: u32,

    /// Requests per service key, per instance: N/s, N/m or off.
    #[arg(long, value_name = "RATE", default_value_t = Limits::DEFAULT.rate_limit)]
    rate_limit: Rate,

    /// Failed authentications per client address, per instance: N/m, N/s
    /// or off. Past it, the address gets 429 before any key lookup.
    #[arg(long, value_name = "RATE", default_value_t = Limits::DEFAULT.auth_failure_limit)]
    auth_failure_limit: Rate,

    /// Take the client address from X-Forwarded-For (its last entry), for
    /// a server behind a proxy that sets it.
    #[arg(long)]
    trust_forwarded_for: bool,

    /// How long shutdown waits for requests in flight.
    #[arg(long, value_name = "DURATION", default_value_t = Limits::DEFAULT.shutdown_timeout.into(), value_parser = parse_duration)]
    shutdown_timeout: humantime::Duration,

    /// PostgreSQL's statement_timeout for the server's connections.
    #[arg(long, value_name = "DURATION", default_value_t = StoreOptions::default().statement_timeout.into(), value_parser = parse_positive)]
    db_statement_timeout: humantime::Duration,

    /// TOTP time steps accepted either side of the current one (0 to 2).
    #[arg(long, value_name = "STEPS", default_value_t = StoreOptions::default().totp_skew, value_parser = clap::value_parser!(u32).range(0..=i64::from(keysmith_store::MAX_TOTP_SKEW)))]
    totp_skew: u32,

    /// How long a subject stays locked out after too many failed codes in
    /// a row; then it counts from zero (admin unlock ends it sooner).
    #[arg(long, value_name = "DURATION", default_value_t = StoreOptions::default().otp_lockout.into(), value_parser = parse_positive)]
    lockout_duration: humantime::Duration,

    /// Receive GitHub's secret-scanning leak reports at POST
    /// /v1/leaks/github, verified against the public keys in this file (the
    /// JSON of GitHub's /meta/public_keys/secret_scanning).
    #[arg(long, value_name = "PATH")]
    github_scanning_keys: Option<PathBuf>,

    /// PostgreSQL's lock_timeout for the server's connections.
    #[arg(long, value_name = "DURATION", default_value_t = StoreOptions::default().lock_timeout.into(), value_parser = parse_positive)]
    db_lock_timeout: humantime::Duration,

    /// How long a service key that authenticated is taken again without a
    /// database lookup (0 turns it off; at most 1m). A key revoked through
    /// this server stops at once; one revoked elsewhere (the CLI, another
    /// instance) works here for at most this long.
    #[arg(long, value_name = "DURATION", default_value_t = StoreOptions::default().service_key_cache.into(), value_parser = parse_duration)]
    service_key_cache: humantime::Duration,
}

/// A duration of at least 1 ms: 500ms, 10s, 1m ...
fn parse_positive(s: &str) -> Result<humantime::Duration, String> {
    let d = parse_duration(s)?;
    if *d < Duration::from_millis(1) {
        return Err("must be at least 1ms".into());
    }
    Ok(d)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    /// One JSON object per line.
    Json,
    /// One human-readable line per event.
    Pretty,
}

impl From<LogFormatArg> for LogFormat {
    fn from(f: LogFormatArg) -> Self {
        match f {
            LogFormatArg::Json => LogFormat::Json,
            LogFormatArg::Pretty => LogFormat::Pretty,
        }
    }
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = *parse_duration(s)?;
    if d < Duration::from_secs(1) {
        return Err("the sweep interval must be at least 1s".into());
    }
    Ok(d)
}

impl From<StartError> for Failure {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Config(m) => Failure::Usage(m),
            StartError::Runtime(m) => Failure::Runtime(m),
        }
    }
}

pub(crate) fn run(args: ServeArgs) -> Result<Status, Failure> {
    let mut limits = Limits::DEFAULT;
    limits.rate_limit = args.rate_limit;
    limits.auth_failure_limit = args.auth_failure_limit;
    limits.max_in_flight = args.max_in_flight as usize;
    limits.request_timeout = *args.request_timeout;
    limits.header_timeout = *args.header_timeout;
    limits.shutdown_timeout = *args.shutdown_timeout;
    limits.trust_forwarded_for = args.trust_forwarded_for;
    let config = ServeConfig::from_env(ServeFlags {
        db: Some(args.db.url),
        listen: Some(args.listen),
        server_key_file: args.server_key_file,
        log_format: Some(args.log_format.into()),
        sweep_interval: Some(args.sweep_interval),
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        limits: Some(limits),
        db_statement_timeout: Some(*args.db_statement_timeout),
        db_lock_timeout: Some(*args.db_lock_timeout),
        totp_skew: Some(args.totp_skew),
        lockout_duration: Some(*args.lockout_duration),
        github_scanning_keys: args.github_scanning_keys,
        service_key_cache: Some(*args.service_key_cache),
    })?;
    let filter = logging::filter_from_env().map_err(Failure::usage)?;
    logging::init(config.log_format, filter);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::runtime)?;
    runtime.block_on(keysmith_server::run(
        config,
        keysmith_server::shutdown_signal(),
    ))?;
    Ok(Status::Yes)
}
