//! The configuration of `keysmith serve`, read in one place
//! ([`ServeConfig::resolve`]), and why starting can fail ([`StartError`]).
//!
//! # Server key files
//!
//! One-time codes are stored as HMACs under a server key. A key file (and
//! `KEYSMITH_SERVER_KEY`, in the same format) holds one key per line as
//! `<id>:<hex>`, at least 64 hex digits (32 bytes) each. The first key is
//! current and protects new records; the others are previous keys, still
//! accepted for records made before a rotation. Blank lines and lines
//! starting with `#` are ignored.
//!
//! Every instance sharing a database must have the same keys. To rotate
//! without a moment where one instance cannot read another's records, in
//! two phases: first add the new key as a *second* line on every instance
//! (each restarted with it), then, once all have it, move it to the first
//! line everywhere. Keep the old line until nothing made under it is left
//! (one-time codes live at most a day; TOTP factors are sealed again under
//! the current key when used).

use keysmith_store::{
    AtRestKey, AtRestKeys, Backend, MIN_KEY_LEN, StoreOptions, decode_hex, redact_url,
};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::limits::Limits;
use crate::logging::LogFormat;

/// The database used when none is given: a SQLite file in the working
/// directory, created on first start.
pub const DEFAULT_DB: &str = "sqlite://keysmith.db";
/// The address listened on when none is given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// How often spent rows are purged unless told otherwise (5 minutes).
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The environment variable that may hold the server keys.
pub const SERVER_KEY_ENV: &str = "KEYSMITH_SERVER_KEY";
/// The environment variable that may hold the database URL, so that a
/// password in it need not appear in the process's arguments.
pub const DB_URL_ENV: &str = "KEYSMITH_DB_URL";
/// What a SQLite database's key file is called: the database file's name
/// with this added.
pub const KEY_FILE_SUFFIX: &str = ".server-key";

/// Why `keysmith serve` could not start or stopped with an error. The
/// message is one line and holds no secret (database passwords are
/// redacted).
#[derive(Debug)]
pub enum StartError {
    /// The configuration is wrong: a flag, file or variable must change.
    Config(String),
    /// Something failed at run time: the database, the network, a file.
    Runtime(String),
}

impl StartError {
    /// The process exit status this failure calls for: 2 for both kinds,
    /// as `keysmith` exits (docs/cli.md, "Exit status and errors": 1 is kept for a
    /// "no" or a finding, 2 is trouble of any kind).
    pub fn exit_code(&self) -> u8 {
        match self {
            StartError::Config(_) | StartError::Runtime(_) => 2,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Config(m) | StartError::Runtime(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StartError {}

/// What the command line gave; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct ServeFlags {
    /// `--db URL`.
    pub db: Option<String>,
    /// `--listen ADDR`.
    pub listen: Option<String>,
    /// `--server-key-file PATH`.
    pub server_key_file: Option<PathBuf>,
    /// `--log-format json|pretty`.
    pub log_format: Option<LogFormat>,
    /// `--sweep-interval DURATION`.
    pub sweep_interval: Option<Duration>,
    /// `--tls-cert PEM` and `--tls-key PEM`.
    pub tls_cert: Option<PathBuf>,
    /// See `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// The abuse and overload limits (`--rate-limit`, `--max-in-flight`,
    /// …); the defaults where `None`.
    pub limits: Option<Limits>,
    /// `--db-statement-timeout DURATION`.
    pub db_statement_timeout: Option<Duration>,
    /// `--db-lock-timeout DURATION`.
    pub db_lock_timeout: Option<Duration>,
    /// `--totp-skew STEPS`.
    pub totp_skew: Option<u32>,
    /// `--lockout-duration DURATION`.
    pub lockout_duration: Option<Duration>,
    /// `--github-scanning-keys PATH`.
    pub github_scanning_keys: Option<PathBuf>,
    /// `--service-key-cache DURATION`.
    pub service_key_cache: Option<Duration>,
}

/// Where the server keys come from.
#[derive(Clone)]
pub enum AtRestKeySource {
    /// A key file the operator named; it must exist.
    File(PathBuf),
    /// The text of `KEYSMITH_SERVER_KEY`.
    Env(String),
    /// The file beside a SQLite database, created with mode 0600 holding a
    /// new random key if it is missing.
    BesideDatabase(PathBuf),
    /// A random key that lives as long as the process: for an in-memory
    /// SQLite database, whose records do not outlive the process either.
    Ephemeral,
}

impl fmt::Debug for AtRestKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtRestKeySource::File(p) => f.debug_tuple("File").field(p).finish(),
            AtRestKeySource::Env(_) => f.write_str("Env([redacted])"),
            AtRestKeySource::BesideDatabase(p) => f.debug_tuple("BesideDatabase").field(p).finish(),
            AtRestKeySource::Ephemeral => f.write_str("Ephemeral"),
        }
    }
}

/// Everything `keysmith serve` needs to start.
#[derive(Clone)]
pub struct ServeConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub db_url: String,
    /// The address to listen on, such as `127.0.0.1:8080`.
    pub listen: String,
    /// Where the server keys come from.
    pub server_key: AtRestKeySource,
    /// How logs are written.
    pub log_format: LogFormat,
    /// How often spent rows are purged.
    pub sweep_interval: Duration,
    /// HTTPS with this certificate chain and private key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The abuse and overload limits.
    pub limits: Limits,
    /// PostgreSQL's `statement_timeout` for the server's sessions.
    pub db_statement_timeout: Duration,
    /// PostgreSQL's `lock_timeout` for the server's sessions.
    pub db_lock_timeout: Duration,
    /// TOTP steps accepted either side of the current one.
    pub totp_skew: u32,
    /// How long a subject's lockout lasts.
    pub lockout_duration: Duration,
    /// GitHub's secret-scanning public keys (JSON), for the leak route.
    pub github_scanning_keys: Option<PathBuf>,
    /// How long a verified service key is taken again without a query.
    pub service_key_cache: Duration,
}

impl fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeConfig")
            .field("db_url", &redact_url(&self.db_url))
            .field("listen", &self.listen)
            .field("server_key", &self.server_key)
            .field("log_format", &self.log_format)
            .field("sweep_interval", &self.sweep_interval)
            .field("tls", &self.tls)
            .field("limits", &self.limits)
            .field("db_statement_timeout", &self.db_statement_timeout)
            .field("db_lock_timeout", &self.db_lock_timeout)
            .field("totp_skew", &self.totp_skew)
            .field("lockout_duration", &self.lockout_duration)
            .field("github_scanning_keys", &self.github_scanning_keys)
            .field("service_key_cache", &self.service_key_cache)
            .finish()
    }
}

impl ServeConfig {
    /// The configuration from the command line and the environment
    /// (`KEYSMITH_SERVER_KEY`).
    pub fn from_env(flags: ServeFlags) -> Result<ServeConfig, StartError> {
        let env_key = std::env::var(SERVER_KEY_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        ServeConfig::resolve(flags, env_key)
    }

    /// The configuration from the command line and `env_key`, the value of
    /// `KEYSMITH_SERVER_KEY`. The server key comes from `--server-key-file`
    /// if given, else from `env_key`, else — for SQLite only — from the
    /// file beside the database. A PostgreSQL database is shared by many
    /// instances, which must share the key: there the file or the variable
    /// is required.
    pub fn resolve(flags: ServeFlags, env_key: Option<String>) -> Result<ServeConfig, StartError> {
        let db_url = flags.db.unwrap_or_else(|| DEFAULT_DB.to_string());
        let backend = Backend::of_url(&db_url).map_err(|e| StartError::Config(e.to_string()))?;
        let server_key = match (flags.server_key_file, env_key, backend) {
            (Some(path), _, _) => AtRestKeySource::File(path),
            (None, Some(text), _) => AtRestKeySource::Env(text),
            (None, None, Backend::Sqlite) => match sqlite_file(&db_url) {
                Some(db) => AtRestKeySource::BesideDatabase(key_file_beside(&db)),
                None => AtRestKeySource::Ephemeral,
            },
            (None, None, _) => {
                return Err(StartError::Config(format!(
                    "a PostgreSQL database needs the server key every instance shares: \
                     give --server-key-file PATH or set {SERVER_KEY_ENV}"
                )));
            }
        };
        let sweep_interval = flags.sweep_interval.unwrap_or(DEFAULT_SWEEP_INTERVAL);
        if sweep_interval.is_zero() {
            return Err(StartError::Config(
                "the sweep interval must be positive".into(),
            ));
        }
        let tls = match (flags.tls_cert, flags.tls_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(StartError::Config(
                    "--tls-cert and --tls-key go together: give both or neither".into(),
                ));
            }
        };
        let limits = flags.limits.unwrap_or_default();
        let positive = [
            (limits.request_timeout, "the request timeout"),
            (limits.header_timeout, "the header timeout"),
        ];
        if let Some((_, what)) = positive.iter().find(|(d, _)| d.is_zero()) {
            return Err(StartError::Config(format!("{what} must be positive")));
        }
        if limits.max_in_flight == 0 {
            return Err(StartError::Config(
                "--max-in-flight must be at least 1".into(),
            ));
        }
        let defaults = StoreOptions::default();
        let db_statement_timeout = flags
            .db_statement_timeout
            .unwrap_or(defaults.statement_timeout);
        let db_lock_timeout = flags.db_lock_timeout.unwrap_or(defaults.lock_timeout);
        if db_statement_timeout < Duration::from_millis(1)
            || db_lock_timeout < Duration::from_millis(1)
        {
            return Err(StartError::Config(
                "the database statement and lock timeouts must be at least 1ms".into(),
            ));
        }
        let totp_skew = flags.totp_skew.unwrap_or(defaults.totp_skew);
        if totp_skew > keysmith_store::MAX_TOTP_SKEW {
            return Err(StartError::Config(format!(
                "--totp-skew must be between 0 and {} steps",
                keysmith_store::MAX_TOTP_SKEW
            )));
        }
        let lockout_duration = flags.lockout_duration.unwrap_or(defaults.otp_lockout);
        let service_key_cache = flags
            .service_key_cache
            .unwrap_or(defaults.service_key_cache);
        if service_key_cache > keysmith_store::MAX_SERVICE_KEY_CACHE {
            return Err(StartError::Config(format!(
                "--service-key-cache must be at most {}",
                humantime::format_duration(keysmith_store::MAX_SERVICE_KEY_CACHE)
            )));
        }
        Ok(ServeConfig {
            service_key_cache,
            github_scanning_keys: flags.github_scanning_keys,
            totp_skew,
            lockout_duration,
            db_url,
            listen: flags.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            server_key,
            log_format: flags.log_format.unwrap_or_default(),
            sweep_interval,
            tls,
            limits,
            db_statement_timeout,
            db_lock_timeout,
        })
    }
}

impl ServeConfig {
    /// The store's options for this configuration, with `keys`.
    pub fn store_options(&self, keys: AtRestKeys) -> StoreOptions {
        let mut options = StoreOptions::default().with_at_rest_keys(keys);
        options.statement_timeout = self.db_statement_timeout;
        options.lock_timeout = self.db_lock_timeout;
        options.totp_skew = self.totp_skew;
        options.otp_lockout = self.lockout_duration;
        options.service_key_cache = self.service_key_cache;
        options
    }
}

/// The file a `sqlite:` URL names; `None` for an in-memory database or
/// another kind of URL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// `keysmith.db` → `keysmith.db.server-key`.
fn key_file_beside(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(KEY_FILE_SUFFIX);
    PathBuf::from(name)
}

impl AtRestKeySource {
    /// The server keys, creating the file beside a SQLite database when it
    /// is missing. A key file that group or others may read is used, with
    /// a warning in the log.
    pub fn load(&self) -> Result<AtRestKeys, StartError> {
        match self {
            AtRestKeySource::Env(text) => parse_at_rest_keys(text, SERVER_KEY_ENV),
            AtRestKeySource::Ephemeral => AtRestKey::generate("ephemeral")
                .map(AtRestKeys::new)
                .map_err(|e| StartError::Runtime(e.to_string())),
            AtRestKeySource::File(path) => read_key_file(path),
            AtRestKeySource::BesideDatabase(path) => {
                if create_key_file(path)? {
                    tracing::info!(path = %path.display(), "created a new server key file");
                }
                read_key_file(path)
            }
        }
    }
}

fn read_key_file(path: &Path) -> Result<AtRestKeys, StartError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StartError::Config(format!(
            "cannot read the server key file {}: {}",
            path.display(),
            crate::io_reason(&e)
        ))
    })?;
    warn_if_exposed(path);
    parse_at_rest_keys(&text, &path.display().to_string())
}

#[cfg(unix)]
fn warn_if_exposed(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:04o}"),
                "the server key file can be read by other users; run chmod 600 on it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_exposed(_path: &Path) {}

/// Writes a new key file at `path` unless one exists; `true` if it wrote
/// one. The key is written to a private temporary file first and then
/// linked into place, so a concurrent start never reads a half-written
/// file and never overwrites another's key.
fn create_key_file(path: &Path) -> Result<bool, StartError> {
    if path.exists() {
        return Ok(false);
    }
    let failed = |e: std::io::Error| {
        StartError::Runtime(format!(
            "cannot create the server key file {}: {}",
            path.display(),
            crate::io_reason(&e)
        ))
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", keysmith::token_hex(8)));
    let tmp = PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut file = options.open(&tmp)?;
        let key = keysmith::token_hex(MIN_KEY_LEN);
        writeln!(
            file,
            "# keysmith server keys, one <id>:<hex> per line; the first is current.\n\
             # Keep this file private (mode 0600) and back it up with the database.\nk1:{key}"
        )?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(failed(e)),
    }
}

/// Parses key lines (`<id>:<hex>`, first current) from `text`; `origin`
/// names where they came from in messages. Messages name the line (and
/// the entry, on a line of several), never what an entry holds: an entry
/// written the wrong way round puts the key where the id goes.
pub fn parse_at_rest_keys(text: &str, origin: &str) -> Result<AtRestKeys, StartError> {
    let bad = |place: &str, msg: &str| StartError::Config(format!("{origin}: {place}: {msg}"));
    let mut keys: Vec<(AtRestKey, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entries: Vec<&str> = line.split_whitespace().collect();
        for (k, entry) in entries.iter().enumerate() {
            let place = if entries.len() == 1 {
                format!("line {}", n + 1)
            } else {
                format!("line {}, entry {}", n + 1, k + 1)
            };
            let Some((id, hex)) = entry.split_once(':') else {
                return Err(bad(&place, "expected <id>:<hex key>"));
            };
            let bytes = decode_hex(hex).ok_or_else(|| {
                bad(
                    &place,
                    "the key is not hex (an even number of digits 0-9, a-f)",
                )
            })?;
            let key = AtRestKey::new(id, bytes).map_err(|e| bad(&place, &e.to_string()))?;
            if let Some((_, first)) = keys.iter().find(|(k, _)| k.id() == key.id()) {
                return Err(bad(
                    &place,
                    &format!("the key id is already used ({first})"),
                ));
            }
            keys.push((key, place));
        }
    }
    let mut keys = keys.into_iter().map(|(key, _)| key);
    let current = keys.next().ok_or_else(|| {
        StartError::Config(format!(
            "{origin}: no key found: expected lines of <id>:<hex key>"
        ))
    })?;
    Ok(keys.fold(AtRestKeys::new(current), AtRestKeys::with_previous))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn an_unreadable_key_file_gives_the_reason_alone() {
        let e = AtRestKeySource::File("/nonexistent/keysmith-keys".into())
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read the server key file /nonexistent/keysmith-keys: "),
            "{e}"
        );
        assert!(!e.contains("os error"), "{e}");
    }

    fn flags(db: &str) -> ServeFlags {
        ServeFlags {
            db: Some(db.into()),
            ..ServeFlags::default()
        }
    }

    #[test]
    fn sqlite_keys_live_beside_the_database() {
        let c = ServeConfig::resolve(flags("sqlite://data/keysmith.db?mode=rwc"), None).unwrap();
        match c.server_key {
            AtRestKeySource::BesideDatabase(p) => {
                assert_eq!(p, PathBuf::from("data/keysmith.db.server-key"));
            }
            other => panic!("{other:?}"),
        }
        let c = ServeConfig::resolve(flags("sqlite::memory:"), None).unwrap();
        assert!(matches!(c.server_key, AtRestKeySource::Ephemeral));
        let c = ServeConfig::resolve(ServeFlags::default(), None).unwrap();
        assert_eq!(c.db_url, DEFAULT_DB);
        assert_eq!(c.listen, DEFAULT_LISTEN);
        assert_eq!(c.sweep_interval, DEFAULT_SWEEP_INTERVAL);
    }

    #[test]
    fn every_start_error_exits_2() {
        for e in [
            StartError::Config("bad flag".into()),
            StartError::Runtime("no database".into()),
        ] {
            assert_eq!(e.exit_code(), 2, "{e}");
        }
    }

    #[test]
    fn postgres_needs_a_shared_key() {
        let e = ServeConfig::resolve(flags("postgres://u:hunter2@h/db"), None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--server-key-file"), "{e}");
        let c = ServeConfig::resolve(flags("postgres://u:hunter2@h/db"), Some(format!("k:{HEX}")))
            .unwrap();
        assert!(matches!(c.server_key, AtRestKeySource::Env(_)));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains(HEX),
            "{shown}"
        );
    }

    #[test]
    fn unknown_databases_are_refused_without_their_password() {
        let e = ServeConfig::resolve(flags("mysql://u:hunter2@h/db"), None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn key_lines_parse_first_current() {
        let text = format!("# comment\n\nnew:{HEX}\nold:{}\n", HEX.replace('0', "1"));
        let keys = parse_at_rest_keys(&text, "f").unwrap();
        assert_eq!(keys.current().id(), "new");
        assert!(keys.get("old").is_some());
        let keys = parse_at_rest_keys(&format!("a:{HEX} b:{HEX}"), "env").unwrap();
        assert_eq!(keys.current().id(), "a");
    }

    #[test]
    fn bad_key_lines_are_refused_without_the_key() {
        let short = &HEX[..62];
        for text in [
            String::new(),
            "# only a comment".into(),
            HEX.to_string(),
            format!("k:{short}"),
            format!("k:{}", &HEX[..63]),
            format!("k:{}zz", &HEX[..62]),
            format!("k:{HEX}\nk:{HEX}"),
            format!("bad id:{HEX}"),
        ] {
            let e = parse_at_rest_keys(&text, "f").unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let shown = e.to_string();
            assert!(shown.starts_with("f: "), "{shown}");
            assert!(!shown.contains(short), "{shown}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_key_file_is_created_private_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("keysmith-config-{}", keysmith::token_hex(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.db.server-key");
        let source = AtRestKeySource::BesideDatabase(path.clone());
        let first = source.load().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = source.load().unwrap();
        assert_eq!(
            first.current().mac_hex(&[b"x"]),
            again.current().mac_hex(&[b"x"])
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "a temporary file was left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_service_key_cache_is_bounded() {
        let with = |d: Duration| ServeFlags {
            service_key_cache: Some(d),
            ..flags("sqlite::memory:")
        };
        let c = ServeConfig::resolve(flags("sqlite::memory:"), None).unwrap();
        assert_eq!(
            c.service_key_cache,
            StoreOptions::default().service_key_cache
        );
        for ok in [Duration::ZERO, keysmith_store::MAX_SERVICE_KEY_CACHE] {
            let c = ServeConfig::resolve(with(ok), None).unwrap();
            let keys = keysmith_store::AtRestKeys::new(
                keysmith_store::AtRestKey::new("k1", [7u8; 32].to_vec()).unwrap(),
            );
            assert_eq!(c.store_options(keys).service_key_cache, ok);
        }
        let too_long = keysmith_store::MAX_SERVICE_KEY_CACHE + Duration::from_secs(1);
        match ServeConfig::resolve(with(too_long), None) {
            Err(StartError::Config(m)) => assert!(m.contains("at most 1m"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
