//! `keysmith service-key`: create, list or revoke the keys clients of
//! `keysmith serve` present.

use crate::failure::{Failure, Status};
use crate::options::{Db, Format};
use crate::output::{Output, line};
use keysmith_server::config::sqlite_file;
use keysmith_server::{CreatedServiceKeyBody, DEFAULT_SERVICE_KEY_NAME, ServiceKeyBody};
use keysmith_store::{
    DEFAULT_TENANT, Scope, Scopes, Store, StoreError, StoreOptions, Tenant, rfc3339,
};
use std::future::Future;

const SERVICE_KEY_EXAMPLES: &str = "\
A service key is what an application presents to `keysmith serve` as
`Authorization: Bearer <key>`. It acts for one tenant (an application
sharing the deployment: it sees only its own tokens, challenges and keys)
and may do what its scopes say. It is printed once, at creation; the
database keeps only its SHA-256. These commands work on the database
directly: they are the operator's way in.

Examples:
  keysmith service-key create --tenant billing --name web
  keysmith service-key create --tenant billing --scope otp:start,otp:check --json
  keysmith service-key create --tenant billing --name ops --scope all
  keysmith service-key list --tenant billing
  keysmith service-key revoke svc_0123456789abcdef0123456789abcdef";

/// `service-key create --help` after the options. The scopes are listed
/// from [`Scope::ALL`], so the help names every scope this build has.
fn create_after_help() -> String {
    format!(
        "\
Prints the key alone on stdout (its id on stderr), or with --json
{{\"id\", \"key\", \"display_id\", \"tenant\", \"name\", \"scopes\"}}. Store it where
the application reads its secrets: it cannot be shown again.

The tenant is created on first use. Without --scope the key gets every
scope but admin; --scope all gives every scope. Scopes:
{}

Examples:
  keysmith service-key create --tenant shop --name web
  KEY=$(keysmith service-key create --db sqlite://keysmith.db --tenant shop)
  keysmith service-key create --tenant shop --scope api-keys:verify --json
  keysmith service-key create --tenant shop --name ops --scope all",
        indented_words(Scope::ALL.map(Scope::as_str), 72)
    )
}

/// `words` on lines of at most `width` columns (unless a word is longer),
/// each indented by two spaces.
fn indented_words<'a>(words: impl IntoIterator<Item = &'a str>, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(format!("  {word}")),
        }
    }
    lines.join("\n")
}

/// Create, list or revoke the service keys clients of `serve` present.
#[derive(Debug, clap::Args)]
#[command(after_help = SERVICE_KEY_EXAMPLES)]
pub(crate) struct ServiceKeyArgs {
    #[command(subcommand)]
    action: KeyAction,
}

#[derive(Debug, clap::Subcommand)]
enum KeyAction {
    /// Make a service key and print it, once.
    #[command(after_help = create_after_help())]
    Create(CreateArgs),

    /// List the service keys, without their secrets.
    #[command(after_help = "\
Prints one line per key: id, display id, tenant, active or revoked,
creation time, name and scopes; with --json one object per line with id,
display_id, tenant, name, scopes, created_at and revoked_at (null while
active). Every tenant's keys unless --tenant says which.

Examples:
  keysmith service-key list
  keysmith service-key list --tenant shop
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
struct CreateArgs {
    #[command(flatten)]
    db: Db,

    /// The tenant the key acts for (1-63 of a-z, 0-9 and -), created on
    /// first use.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TENANT, value_parser = parse_tenant)]
    tenant: Tenant,

    /// A name saying who uses the key (1 to 256 characters, no control
    /// characters).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_SERVICE_KEY_NAME)]
    name: String,

    /// A scope the key gets (repeatable, or comma-separated); `all` for
    /// every scope. Default: every scope but admin.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,

    #[command(flatten)]
    format: Format,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[command(flatten)]
    db: Db,

    /// Only this tenant's keys.
    #[arg(long, value_name = "NAME", value_parser = parse_tenant)]
    tenant: Option<Tenant>,

    #[command(flatten)]
    format: Format,
}

fn parse_tenant(s: &str) -> Result<Tenant, String> {
    Tenant::new(s).map_err(|e| e.to_string())
}

#[derive(Debug, clap::Args)]
struct RevokeArgs {
    #[command(flatten)]
    db: Db,

    /// The id of the key, as `list` shows it (svc_...).
    #[arg(value_name = "ID")]
    id: String,
}

pub(crate) fn run(args: ServiceKeyArgs) -> Result<Status, Failure> {
    match args.action {
        KeyAction::Create(a) => block_on(create(a)),
        KeyAction::List(a) => block_on(list(a)),
        KeyAction::Revoke(a) => block_on(revoke(a)),
    }?;
    Ok(Status::Yes)
}

fn block_on<F: Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Failure::runtime)?
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
        StoreError::Keysmith(e) => Failure::from(e),
        other => Failure::Runtime(other.to_string()),
    }
}

async fn create(a: CreateArgs) -> Result<(), Failure> {
    let scopes = if a.scopes.is_empty() {
        Scopes::standard()
    } else {
        Scopes::parse_list(&a.scopes).map_err(store_failure)?
    };
    keysmith_store::ServiceKeys::check_name(&a.name).map_err(store_failure)?;
    let store = open(&a.db.url, true).await?;
    let made = store
        .service_keys()
        .create(&a.tenant, &a.name, scopes)
        .await;
    store.close().await;
    let made = made.map_err(store_failure)?;
    let mut out = Output::new(a.format.json);
    if a.format.json {
        out.object(&json_of(&CreatedServiceKeyBody::from(made))?)?;
    } else {
        out.text(made.key.expose())?;
        eprintln!(
            "keysmith: created service key {} ({}) for tenant {}; it is shown only this once",
            made.id, made.display_id, made.tenant
        );
    }
    out.finish()
}

async fn list(a: ListArgs) -> Result<(), Failure> {
    let store = open(&a.db.url, false).await?;
    let keys = store.service_keys().list(a.tenant.as_ref()).await;
    store.close().await;
    let keys = keys.map_err(store_failure)?;
    let mut out = Output::new(a.format.json);
    for k in keys {
        if a.format.json {
            out.object(&json_of(&ServiceKeyBody::from(k))?)?;
        } else {
            let status = k.revoked_at_ms.map_or_else(
                || "active".to_string(),
                |t| format!("revoked {}", rfc3339(t)),
            );
            out.text(&format!(
                "{}  {}  {}  {}  {}  {}  {}",
                k.id,
                k.display_id,
                k.tenant,
                status,
                rfc3339(k.created_at_ms),
                k.name,
                k.scopes.names().join(",")
            ))?;
        }
    }
    out.finish()
}

async fn revoke(a: RevokeArgs) -> Result<(), Failure> {
    let store = open(&a.db.url, false).await?;
    let done = store.service_keys().revoke(&a.id, None).await;
    store.close().await;
    match done {
        Ok(()) => line(&format!("revoked {}", a.id)),
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

/// What the server's JSON answer types print as.
fn json_of(v: &impl serde::Serialize) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(v).map_err(|e| Failure::Runtime(format!("cannot print JSON: {e}")))
}
