//! `keysmith serve` (the HTTP JSON service) and `keysmith service-key`
//! (the keys its clients present).

use crate::failure::Failure;
use crate::output::Output;
use keysmith_server::config::{
    DEFAULT_DB, DEFAULT_LISTEN, ServeConfig, ServeFlags, StartError, sqlite_file,
};
use keysmith_server::logging::{self, LogFormat};
use keysmith_store::{Store, StoreError, StoreOptions};
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Run the HTTP JSON service.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every route but /healthz, /readyz, /metrics and /openapi.json needs
`Authorization: Bearer <service key>`; make one with `keysmith service-key
create`. One-time codes are stored as HMACs under a server key: with
SQLite it is kept beside the database (keysmith.db.server-key, created
with mode 0600 on first start) unless --server-key-file or
KEYSMITH_SERVER_KEY says otherwise; with PostgreSQL one of those is
required, so that every instance shares it. The key file holds lines of
<id>:<64+ hex digits>, the first current, the others still accepted.

Logs go to stderr; RUST_LOG filters them (default: info). SIGTERM or
Ctrl-C stops the server after the requests in flight finish.

Examples:
  keysmith serve
  keysmith serve --db sqlite:///var/lib/keysmith/keysmith.db --listen 0.0.0.0:8080
  KEYSMITH_SERVER_KEY=\"k1:$(keysmith token 32 --hex)\" \\
    keysmith serve --db postgres://keysmith@db/keysmith --log-format json
  keysmith serve --server-key-file /etc/keysmith/server-key --sweep-interval 1m")]
pub(crate) struct ServeArgs {
    /// The database: sqlite://PATH (created if missing) or postgres://...
    #[arg(long, value_name = "URL", default_value = DEFAULT_DB)]
    db: String,

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
    let d = humantime::parse_duration(s.trim()).map_err(|e| e.to_string())?;
    if d < Duration::from_secs(1) {
        return Err("the sweep interval must be at least 1s".into());
    }
    Ok(d)
}

const SERVICE_KEY_EXAMPLES: &str = "\
A service key is what an application presents to `keysmith serve` as
`Authorization: Bearer <key>`. It is printed once, at creation; the
database keeps only its SHA-256.

Examples:
  keysmith service-key create --name billing
  keysmith service-key create --db postgres://keysmith@db/keysmith --name web --json
  keysmith service-key list
  keysmith service-key revoke svc_0123456789abcdef0123456789abcdef";

/// Create, list or revoke service keys.
#[derive(Debug, clap::Args)]
#[command(after_help = SERVICE_KEY_EXAMPLES)]
pub(crate) struct ServiceKeyArgs {
    #[command(subcommand)]
    action: KeyAction,
}

#[derive(Debug, clap::Subcommand)]
enum KeyAction {
    /// Make a service key and print it, once.
    #[command(after_help = "\
Prints the key alone on stdout (its id on stderr), or with --json
{\"id\", \"key\", \"display_id\", \"name\"}. Store it where the application
reads its secrets: it cannot be shown again.

Examples:
  keysmith service-key create --name billing
  KEY=$(keysmith service-key create --db sqlite://keysmith.db --name web)
  keysmith service-key create --name ci --json")]
    Create(CreateArgs),

    /// List the service keys, without their secrets.
    #[command(after_help = "\
Prints one line per key: id, display id, active or revoked, creation time
and name; with --json one object per line with id, display_id, name,
created_at and revoked_at (null while active).

Examples:
  keysmith service-key list
  keysmith service-key list --db postgres://keysmith@db/keysmith --json")]
    List(ListArgs),

    /// Revoke a service key: requests presenting it are refused from now on.
    #[command(after_help = "\
Revoking a key twice is not an error; an unknown id is (exit status 2).

Examples:
  keysmith service-key revoke svc_0123456789abcdef0123456789abcdef
  keysmith service-key revoke --db postgres://keysmith@db/keysmith svc_0123...")]
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
struct DbArg {
    /// The database: sqlite://PATH or postgres://...
    #[arg(long, value_name = "URL", default_value = DEFAULT_DB)]
    db: String,
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    #[command(flatten)]
    db: DbArg,

    /// A name saying who uses the key (1 to 64 printable characters).
    #[arg(long, value_name = "NAME", default_value = "default")]
    name: String,

    /// Print {"id", "key", "display_id", "name"} as one JSON line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[command(flatten)]
    db: DbArg,

    /// Print one JSON object per key.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct RevokeArgs {
    #[command(flatten)]
    db: DbArg,

    /// The id of the key, as `list` shows it (svc_...).
    #[arg(value_name = "ID")]
    id: String,
}

impl From<StartError> for Failure {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Config(m) => Failure::Usage(m),
            StartError::Runtime(m) => Failure::Runtime(m),
        }
    }
}

pub(crate) fn run_serve(args: ServeArgs) -> Result<ExitCode, Failure> {
    let config = ServeConfig::from_env(ServeFlags {
        db: Some(args.db),
        listen: Some(args.listen),
        server_key_file: args.server_key_file,
        log_format: Some(args.log_format.into()),
        sweep_interval: Some(args.sweep_interval),
    })?;
    let filter = logging::filter_from_env().map_err(Failure::usage)?;
    logging::init(config.log_format, filter);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(keysmith_server::run(
        config,
        keysmith_server::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_service_key(args: ServiceKeyArgs) -> Result<ExitCode, Failure> {
    match args.action {
        KeyAction::Create(a) => block_on(create(a)),
        KeyAction::List(a) => block_on(list(a)),
        KeyAction::Revoke(a) => block_on(revoke(a)),
    }?;
    Ok(ExitCode::SUCCESS)
}

fn block_on<F: Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?
        .block_on(f)
}

/// Opens the database; `create` says whether a missing SQLite file may be
/// created (only when making a key).
async fn open(url: &str, create: bool) -> Result<Store, Failure> {
    if !create
        && let Some(path) = sqlite_file(url)
        && !path.exists()
    {
        return Err(Failure::usage(format!(
            "no database at {}: check --db",
            path.display()
        )));
    }
    Store::open(url, StoreOptions::default())
        .await
        .map_err(store_failure)
}

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::InvalidInput(m) => Failure::Usage(m),
        other => Failure::Runtime(other.to_string()),
    }
}

fn rfc3339(ms: i64) -> String {
    humantime::format_rfc3339_seconds(keysmith_store::to_system_time(ms)).to_string()
}

async fn create(a: CreateArgs) -> Result<(), Failure> {
    let store = open(&a.db.db, true).await?;
    let made = store.service_keys().create(&a.name).await;
    store.close().await;
    let made = made.map_err(store_failure)?;
    let mut out = Output::new(a.json);
    if a.json {
        out.object(&serde_json::json!({
            "id": made.id,
            "key": made.key.expose(),
            "display_id": made.display_id,
            "name": made.name,
        }))?;
    } else {
        out.text(made.key.expose())?;
        eprintln!(
            "keysmith: created service key {} ({}); it is shown only this once",
            made.id, made.display_id
        );
    }
    out.finish()
}

async fn list(a: ListArgs) -> Result<(), Failure> {
    let store = open(&a.db.db, false).await?;
    let keys = store.service_keys().list().await;
    store.close().await;
    let keys = keys.map_err(store_failure)?;
    let mut out = Output::new(a.json);
    for k in keys {
        if a.json {
            out.object(&serde_json::json!({
                "id": k.id,
                "display_id": k.display_id,
                "name": k.name,
                "created_at": rfc3339(k.created_at_ms),
                "revoked_at": k.revoked_at_ms.map(rfc3339),
            }))?;
        } else {
            let status = k.revoked_at_ms.map_or_else(
                || "active".to_string(),
                |t| format!("revoked {}", rfc3339(t)),
            );
            out.text(&format!(
                "{}  {}  {}  {}  {}",
                k.id,
                k.display_id,
                status,
                rfc3339(k.created_at_ms),
                k.name
            ))?;
        }
    }
    out.finish()
}

async fn revoke(a: RevokeArgs) -> Result<(), Failure> {
    let store = open(&a.db.db, false).await?;
    let done = store.service_keys().revoke(&a.id).await;
    store.close().await;
    match done {
        Ok(()) => {
            let mut out = Output::new(false);
            out.text(&format!("revoked {}", a.id))?;
            out.finish()
        }
        // Someone may paste the key itself: never echo it.
        Err(StoreError::NotFound) if a.id.starts_with(keysmith_store::SERVICE_KEY_PREFIX) => Err(
            Failure::usage("that is a service key, not its id: give the id `list` shows (svc_...)"),
        ),
        Err(StoreError::NotFound) => {
            Err(Failure::usage(format!("no service key with id '{}'", a.id)))
        }
        Err(e) => Err(store_failure(e)),
    }
}
