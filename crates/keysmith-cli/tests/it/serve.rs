//! `keysmith serve` and `keysmith service-key`, run as a user would.

use crate::common;

use common::{keysmith, rejects, stdout_of};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keysmith_store::testing::TempDir;

/// A fresh directory, removed at the end.
fn temp_dir() -> TempDir {
    TempDir::new("keysmith-cli-serve")
}

/// The URL of the database `keysmith serve` makes in `dir`.
fn db(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("keysmith.db").display())
}

#[test]
fn help_has_examples() {
    for cmd in [
        &["serve", "--help"][..],
        &["service-key", "--help"],
        &["service-key", "create", "--help"],
        &["service-key", "list", "--help"],
        &["service-key", "revoke", "--help"],
    ] {
        let help = stdout_of(cmd);
        assert!(help.contains("Examples:\n  keysmith "), "{cmd:?}: {help}");
    }
    let help = stdout_of(&["serve", "--help"]);
    for flag in [
        "--db",
        "--listen",
        "--server-key-file",
        "--log-format",
        "--sweep-interval",
        "--tls-cert <PEM>",
        "--tls-key <PEM>",
        "--header-timeout <DURATION>",
        "--request-timeout <DURATION>",
        "--max-in-flight <N>",
        "--rate-limit <RATE>",
        "--auth-failure-limit <RATE>",
        "--trust-forwarded-for",
        "--shutdown-timeout <DURATION>",
        "--db-statement-timeout <DURATION>",
        "--db-lock-timeout <DURATION>",
        "[env: KEYSMITH_DB_URL]",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn service_keys_are_created_listed_and_revoked() {
    let dir = temp_dir();
    let db = db(&dir);
    let key = stdout_of(&["service-key", "create", "--db", &db, "--name", "web"]);
    let key = key.trim();
    assert!(key.starts_with("ks_svc_"), "{key}");
    assert_eq!(key.lines().count(), 1);

    let made: Value = serde_json::from_str(&stdout_of(&[
        "service-key",
        "create",
        "--db",
        &db,
        "--name",
        "billing",
        "--json",
    ]))
    .unwrap();
    assert!(made["key"].as_str().unwrap().starts_with("ks_svc_"));
    assert!(made["id"].as_str().unwrap().starts_with("svc_"));
    assert_eq!(made["name"], "billing");
    let billing_key = made["key"].as_str().unwrap();

    // Listed without secrets.
    let text = stdout_of(&["service-key", "list", "--db", &db]);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("web") && text.contains("billing") && text.contains("active"));
    let json = stdout_of(&["service-key", "list", "--db", &db, "--json"]);
    for out in [&text, &json] {
        assert!(!out.contains(key) && !out.contains(billing_key), "{out}");
    }
    let listed: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    let web = listed.iter().find(|k| k["name"] == "web").unwrap();
    assert_eq!(web["revoked_at"], Value::Null);
    assert!(web["created_at"].as_str().unwrap().ends_with('Z'));

    // Revoked.
    let id = web["id"].as_str().unwrap();
    let out = stdout_of(&["service-key", "revoke", "--db", &db, id]);
    assert!(out.contains(id));
    let json = stdout_of(&["service-key", "list", "--db", &db, "--json"]);
    let web: Value = json
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|k| k["id"] == id)
        .unwrap();
    assert!(web["revoked_at"].as_str().unwrap().ends_with('Z'), "{web}");
    assert!(stdout_of(&["service-key", "list", "--db", &db]).contains("revoked"));

    // Unknown ids, and keys pasted in place of an id, are refused; the
    // key is not echoed.
    rejects(
        &["service-key", "revoke", "--db", &db, "svc_nope"],
        "svc_nope",
    );
    let out = keysmith()
        .args(["service-key", "revoke", "--db", &db, key])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains(key), "{err}");
}

#[test]
fn service_key_commands_refuse_bad_databases() {
    let dir = temp_dir();
    rejects(&["service-key", "list", "--db", "bogus://x"], "bogus://x");
    rejects(
        &["service-key", "create", "--db", "mysql://u:hunter2@h/x"],
        "unsupported",
    );
    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    rejects(&["service-key", "list", "--db", &missing], "missing.db");
    assert!(
        !dir.path().join("missing.db").exists(),
        "list created a database"
    );
    rejects(
        &["service-key", "create", "--db", &db(&dir), "--name", ""],
        "name",
    );
}

/// A database that cannot be opened is a failure at run time, and ends
/// like bad input: status 2, one line.
#[test]
fn a_database_that_cannot_be_opened_is_trouble() {
    let dir = temp_dir();
    let unopenable = format!(
        "sqlite://{}",
        dir.path().join("no-such-dir").join("keysmith.db").display()
    );
    let out = keysmith()
        .args(["service-key", "create", "--db", &unopenable])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("keysmith: database error"), "{err}");
}

#[test]
fn serve_refuses_bad_configuration_in_one_line() {
    rejects(&["serve", "--db", "bogus://x"], "bogus://x");
    let out = keysmith()
        .env_remove("KEYSMITH_SERVER_KEY")
        .args(["serve", "--db", "postgres://app:hunter2@127.0.0.1:1/x"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("KEYSMITH_SERVER_KEY") && err.contains("--server-key-file"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));

    let out = keysmith()
        .env("KEYSMITH_SERVER_KEY", "k1:abcd")
        .args(["serve", "--db", "postgres://app@127.0.0.1:1/x"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("KEYSMITH_SERVER_KEY") && !err.contains("abcd"),
        "{err}"
    );

    let dir = temp_dir();
    rejects(
        &[
            "serve",
            "--db",
            &db(&dir),
            "--server-key-file",
            dir.path().join("absent").to_str().unwrap(),
        ],
        "absent",
    );
    rejects(&["serve", "--db", &db(&dir), "--log-format", "xml"], "xml");
    rejects(
        &["serve", "--db", &db(&dir), "--sweep-interval", "0s"],
        "sweep",
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `keysmith serve` child, killed if the test fails before it stops.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over plain HTTP/1.1; the status and body, or `None` when
/// nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    request(port, "GET", path, None, None)
}

/// `POST path` with a JSON `body` and `key` as the bearer token; the
/// status and the body parsed as JSON.
fn post(port: u16, path: &str, key: &str, body: &str) -> (u16, Value) {
    let (status, text) = request(port, "POST", path, Some(key), Some(body))
        .unwrap_or_else(|| panic!("no answer to POST {path}"));
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, json)
}

/// `method path` over plain HTTP/1.1, with `key` as the bearer token and
/// `body` as JSON when given; the status and body, or `None` when nothing
/// answers.
fn request(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(key) = key {
        head.push_str(&format!("Authorization: Bearer {key}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    write!(s, "{head}\r\n{}", body.unwrap_or("")).ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// Starts `keysmith serve` on `db` and a free port with JSON logs, and
/// waits until it answers `/healthz`.
fn start_server(db: &str) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_keysmith"))
        .args([
            "serve",
            "--db",
            db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--log-format", "json"])
        .env_remove("KEYSMITH_SERVER_KEY")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let health = loop {
        if let Some(answer) = get(port, "/healthz") {
            break answer;
        }
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "keysmith serve exited early"
        );
        assert!(Instant::now() < deadline, "keysmith serve never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(health.0, 200);
    assert!(health.1.contains("ok"), "{}", health.1);
    (server, port)
}

/// Sends `signal` to the server while a `POST /v1/reset-tokens` is in
/// flight (its body half sent), then checks that the server stops taking
/// connections, still answers that request in full, and exits with 0.
fn stop_with_a_request_in_flight(server: &mut Server, port: u16, key: &str, signal: &str) {
    let body = r#"{"user_id": "in-flight"}"#;
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "POST /v1/reset-tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..5]
    )
    .unwrap();
    // The request is being handled once the gauge counts it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, page) = get(port, "/metrics").unwrap();
        let in_flight = page
            .lines()
            .find_map(|l| l.strip_prefix(r#"http_requests_in_flight{route="/v1/reset-tokens"} "#))
            .map_or(0.0, |v| v.trim().parse::<f64>().unwrap());
        if in_flight >= 1.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the request never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let pid = server.0.id().to_string();
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still taking connections after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "keysmith serve exited with a request in flight"
    );

    conn.write_all(&body.as_bytes()[5..]).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");
    assert!(answer.contains(r#""token":"#), "{answer}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "keysmith serve ignored SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// A service key for `db`, made with `keysmith service-key create`.
fn service_key(db: &str) -> String {
    stdout_of(&["service-key", "create", "--db", db])
        .trim()
        .to_string()
}

#[test]
fn serve_runs_until_sigterm_and_stops_cleanly() {
    let dir = temp_dir();
    let key = service_key(&db(&dir));
    let (mut server, port) = start_server(&db(&dir));
    let (status, _) = get(port, "/readyz").unwrap();
    assert_eq!(status, 200);
    let (status, page) = get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains(r#"route="/healthz""#), "{page}");

    // The key file was made beside the database, private.
    let key_file = dir.path().join("keysmith.db.server-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let key_text = std::fs::read_to_string(&key_file).unwrap();

    stop_with_a_request_in_flight(&mut server, port, &key, "TERM");
    let mut stdout = String::new();
    server
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stdout.is_empty(), "{stdout}");
    // JSON logs on stderr: the address, the requests, the stop; no key.
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(messages.contains(&"listening"), "{stderr}");
    assert!(messages.contains(&"stopped"), "{stderr}");
    // At least the three answered above (a probe may be answered late).
    assert!(
        messages.iter().filter(|m| **m == "request").count() >= 3,
        "{stderr}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["route"] == "/v1/reset-tokens" && e["status"] == 201),
        "{stderr}"
    );
    let hex = key_text.lines().last().unwrap().split_once(':').unwrap().1;
    assert!(!stderr.contains(hex));
    assert!(!stderr.contains(&key), "{stderr}");
}

#[test]
fn serve_stops_on_sigint_after_the_request_in_flight() {
    let dir = temp_dir();
    let key = service_key(&db(&dir));
    let (mut server, port) = start_server(&db(&dir));
    stop_with_a_request_in_flight(&mut server, port, &key, "INT");
}

#[test]
fn serve_reports_a_port_in_use_in_one_line() {
    let dir = temp_dir();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = keysmith()
        .env_remove("KEYSMITH_SERVER_KEY")
        .args(["serve", "--db", &db(&dir), "--listen", &addr])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("keysmith: cannot listen on {addr}")),
        "{err}"
    );
    drop(taken);
}

/// The scopes a service key gets without `--scope`: every one but admin,
/// in the order they are listed.
const STANDARD_SCOPES: [&str; 11] = [
    "reset-tokens:issue",
    "reset-tokens:redeem",
    "otp:start",
    "otp:check",
    "api-keys:write",
    "api-keys:read",
    "api-keys:verify",
    "totp:manage",
    "totp:verify",
    "recovery-codes:manage",
    "recovery-codes:redeem",
];

/// Every scope: the standard ones and admin (`--scope all`).
fn every_scope() -> Vec<&'static str> {
    let mut every = STANDARD_SCOPES.to_vec();
    every.push("admin");
    every
}

#[test]
fn service_key_create_help_lists_every_scope() {
    let help = stdout_of(&["service-key", "create", "--help"]);
    let listed = help
        .split_once("Scopes:\n")
        .and_then(|(_, rest)| rest.split_once("\n\nExamples:"))
        .unwrap_or_else(|| panic!("no list of scopes: {help}"))
        .0;
    assert_eq!(
        listed.split_whitespace().collect::<Vec<_>>(),
        every_scope(),
        "{help}"
    );
    for line in listed.lines() {
        assert!(line.starts_with("  ") && line.len() <= 72, "{line:?}");
    }
}

/// `keysmith service-key create --db db --json` with `args`: the one JSON
/// object it prints.
fn create_json(db: &str, args: &[&str]) -> Value {
    let out = stdout_of(&[&["service-key", "create", "--db", db, "--json"], args].concat());
    assert_eq!(out.lines().count(), 1, "{out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `keysmith service-key list --db db --json` with `args`: one object per
/// line.
fn list_json(db: &str, args: &[&str]) -> Vec<Value> {
    stdout_of(&[&["service-key", "list", "--db", db, "--json"], args].concat())
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The keys of a JSON object, sorted.
fn fields(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn scopes_of(v: &Value) -> Vec<&str> {
    v["scopes"]
        .as_array()
        .unwrap_or_else(|| panic!("no scopes: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn service_key_create_json_names_the_tenant_and_scopes() {
    let dir = temp_dir();
    let db = db(&dir);

    let standard = create_json(&db, &["--tenant", "acme", "--name", "web"]);
    assert_eq!(
        fields(&standard),
        ["display_id", "id", "key", "name", "scopes", "tenant"],
        "{standard}"
    );
    assert_eq!(standard["tenant"], "acme");
    assert_eq!(standard["name"], "web");
    assert_eq!(scopes_of(&standard), STANDARD_SCOPES);
    let key = standard["key"].as_str().unwrap();
    let display_id = standard["display_id"].as_str().unwrap();
    assert!(key.starts_with("ks_svc_"), "{key}");
    assert!(standard["id"].as_str().unwrap().starts_with("svc_"));
    assert!(display_id.starts_with("ks_svc_") && display_id != key);

    let picked = create_json(
        &db,
        &[
            "--tenant",
            "acme",
            "--scope",
            "otp:start,otp:check",
            "--scope",
            "admin",
        ],
    );
    assert_eq!(scopes_of(&picked), ["otp:start", "otp:check", "admin"]);
    assert_eq!(picked["tenant"], "acme");
    assert_eq!(picked["name"], "default");

    // Without --tenant: the default tenant.
    let all = create_json(&db, &["--scope", "all"]);
    assert_eq!(all["tenant"], "default");
    assert_eq!(scopes_of(&all), every_scope());

    // What was printed is what was stored.
    let listed = list_json(&db, &[]);
    assert_eq!(listed.len(), 3);
    for made in [&standard, &picked, &all] {
        let row = listed.iter().find(|k| k["id"] == made["id"]).unwrap();
        for field in ["display_id", "tenant", "name", "scopes"] {
            assert_eq!(row[field], made[field], "{field}: {row} vs {made}");
        }
    }
}

#[test]
fn a_served_route_needs_the_scope_the_cli_gave_the_key() {
    let dir = temp_dir();
    let db = db(&dir);
    let otp_only = create_json(&db, &["--tenant", "acme", "--scope", "otp:start"]);
    let otp_only = otp_only["key"].as_str().unwrap();
    let standard = create_json(&db, &[]);
    let standard = standard["key"].as_str().unwrap();
    let admin = create_json(&db, &["--scope", "all", "--name", "ops"]);
    let admin_key = admin["key"].as_str().unwrap();
    let (_server, port) = start_server(&db);

    // The scope it has.
    let (status, started) = post(port, "/v1/otp", otp_only, r#"{"subject": "alice"}"#);
    assert_eq!(status, 201, "{started}");
    assert!(started["challenge_id"].is_string(), "{started}");
    // A scope it lacks.
    let (status, refused) = post(
        port,
        "/v1/reset-tokens",
        otp_only,
        r#"{"user_id": "alice"}"#,
    );
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "forbidden", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("reset-tokens:issue"),
        "{refused}"
    );
    // The default set has it, but not admin.
    let (status, issued) = post(
        port,
        "/v1/reset-tokens",
        standard,
        r#"{"user_id": "alice"}"#,
    );
    assert_eq!(status, 201, "{issued}");
    let (status, body) = request(port, "GET", "/v1/service-keys", Some(standard), None).unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(r#""forbidden""#), "{body}");
    // `--scope all` has admin, and sees its own tenant's keys only.
    let (status, body) = request(port, "GET", "/v1/service-keys", Some(admin_key), None).unwrap();
    assert_eq!(status, 200, "{body}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    let tenants: Vec<&Value> = listed["service_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["tenant"])
        .collect();
    assert_eq!(tenants, [&Value::from("default"); 2], "{body}");
}

/// Like [`rejects`], with a time limit (a `serve` that took its flags
/// would run on), and then checks that nothing at all was written in
/// `dir`: no database, no server key file.
fn refused_before_opening(dir: &TempDir, args: &[&str], needle: &str) {
    let out = keysmith()
        .env_remove("KEYSMITH_DB_URL")
        .env_remove("KEYSMITH_SERVER_KEY")
        .args(args)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("keysmith: "), "{err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{args:?} left {left:?}");
}

#[test]
fn bad_tenants_scopes_and_serve_flags_are_refused_before_the_database_is_touched() {
    let dir = temp_dir();
    let db = db(&dir);
    let create = ["service-key", "create", "--db", &db];
    let long = "a".repeat(64);
    for (extra, needle) in [
        (&["--scope", "otp:nope"][..], "unknown scope \"otp:nope\""),
        (
            &["--scope", "otp:start", "--scope", "Admin"],
            "unknown scope",
        ),
        (&["--scope", "otp:start,"], "empty"),
        (&["--tenant", "Acme"], "invalid tenant \"Acme\""),
        (&["--tenant=-x"], "invalid tenant \"-x\""),
        (&["--tenant", "-x"], "'-x'"),
        (&["--tenant", &long], "invalid tenant"),
        (&["--tenant", ""], "invalid tenant"),
    ] {
        refused_before_opening(&dir, &[&create[..], extra].concat(), needle);
    }
    refused_before_opening(
        &dir,
        &["service-key", "list", "--db", &db, "--tenant", "Acme"],
        "invalid tenant",
    );

    let serve = ["serve", "--db", &db, "--listen", "127.0.0.1:0"];
    let cert = dir.path().join("cert.pem");
    let cert = cert.to_str().unwrap();
    for (extra, needle) in [
        (&["--tls-cert", cert][..], "--tls-key"),
        (&["--tls-key", cert], "--tls-cert"),
        (&["--max-in-flight", "0"], "--max-in-flight"),
        (&["--rate-limit", "5/h"], "5/h"),
        (&["--auth-failure-limit", "lots"], "lots"),
        (&["--header-timeout", "0s"], "--header-timeout"),
        (&["--request-timeout", "0ms"], "--request-timeout"),
        (&["--shutdown-timeout", "soon"], "--shutdown-timeout"),
        (&["--db-statement-timeout", "0s"], "--db-statement-timeout"),
        (&["--db-lock-timeout", "0s"], "--db-lock-timeout"),
        // Both given, but there is no such file: refused before the
        // database or the server key file is made.
        (&["--tls-cert", cert, "--tls-key", cert], "cert.pem"),
    ] {
        refused_before_opening(&dir, &[&serve[..], extra].concat(), needle);
    }
}

#[test]
fn service_key_list_shows_one_tenant_or_all() {
    let dir = temp_dir();
    let db = db(&dir);
    let made = [
        create_json(&db, &["--tenant", "acme", "--name", "web"]),
        create_json(&db, &["--tenant", "billing", "--name", "web"]),
        create_json(
            &db,
            &["--tenant", "acme", "--name", "ops", "--scope", "all"],
        ),
        create_json(&db, &["--name", "cron", "--scope", "otp:start"]),
    ];
    let ids_of = |tenant: Option<&str>| -> Vec<&str> {
        made.iter()
            .filter(|k| tenant.is_none_or(|t| k["tenant"] == t))
            .map(|k| k["id"].as_str().unwrap())
            .collect()
    };

    for (tenant, expected) in [
        (Some("acme"), 2),
        (Some("billing"), 1),
        (Some("default"), 1),
        (Some("nobody"), 0),
        (None, 4),
    ] {
        let filter: Vec<&str> = tenant.map(|t| vec!["--tenant", t]).unwrap_or_default();
        let listed = list_json(&db, &filter);
        let mut ids: Vec<&str> = listed.iter().map(|k| k["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        let mut want = ids_of(tenant);
        want.sort_unstable();
        assert_eq!(want.len(), expected);
        assert_eq!(ids, want, "{tenant:?}");
        for row in &listed {
            assert_eq!(
                fields(row),
                [
                    "created_at",
                    "display_id",
                    "id",
                    "name",
                    "revoked_at",
                    "scopes",
                    "tenant"
                ],
                "{row}"
            );
            if let Some(t) = tenant {
                assert_eq!(row["tenant"], t, "{row}");
            }
            let created = made.iter().find(|k| k["id"] == row["id"]).unwrap();
            assert_eq!(row["scopes"], created["scopes"], "{row}");
            assert_eq!(row["revoked_at"], Value::Null);
        }

        // The text form: one line per key, the tenant third.
        let text = stdout_of(&[&["service-key", "list", "--db", &db][..], &filter].concat());
        let mut ids: Vec<&str> = text
            .lines()
            .map(|l| l.split("  ").next().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, want, "{text}");
        for line in text.lines() {
            let tenant_column = line.split("  ").nth(2).unwrap();
            assert!(tenant.is_none_or(|t| t == tenant_column), "{line}");
        }
        for k in &made {
            assert!(!text.contains(k["key"].as_str().unwrap()), "{text}");
        }
    }
}

#[test]
fn the_database_url_can_come_from_the_environment() {
    let dir = temp_dir();
    let file = dir.path().join("x.db");
    let url = format!("sqlite://{}", file.display());
    // Run where the default database would be made, to see it is not.
    let out = keysmith()
        .current_dir(dir.path())
        .env("KEYSMITH_DB_URL", &url)
        .args(["service-key", "create", "--tenant", "envy", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let made: Value = serde_json::from_slice(&out).unwrap();
    assert!(file.exists(), "no database at {}", file.display());
    assert!(
        !dir.path().join("keysmith.db").exists(),
        "the default was used"
    );
    let listed = list_json(&url, &[]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], made["id"]);
    assert_eq!(listed[0]["tenant"], "envy");

    // --db wins over the variable.
    let out = keysmith()
        .current_dir(dir.path())
        .env("KEYSMITH_DB_URL", "postgres://u:hunter2@127.0.0.1:1/x")
        .args(["service-key", "list", "--json", "--db", &url])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains(made["id"].as_str().unwrap()), "{out}");

    // --help names the variable but never shows its value.
    for cmd in [
        &["serve", "--help"][..],
        &["service-key", "create", "--help"],
        &["service-key", "list", "--help"],
        &["service-key", "revoke", "--help"],
    ] {
        let out = keysmith()
            .env("KEYSMITH_DB_URL", "postgres://u:hunter2@127.0.0.1:1/x")
            .args(cmd)
            .assert()
            .success()
            .get_output()
            .clone();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("[env: KEYSMITH_DB_URL]"), "{cmd:?}: {help}");
        assert!(!help.contains("hunter2"), "{cmd:?}: {help}");
        assert!(out.stderr.is_empty());
    }
}

#[test]
fn an_unreachable_postgres_is_reported_without_its_password() {
    let flag = |url: &'static str| vec!["service-key", "list", "--db", url];
    let runs: Vec<(Option<&str>, Vec<&str>)> = vec![
        (None, flag("postgres://u:hunter2@127.0.0.1:1/x")),
        (None, flag("postgres://u@127.0.0.1:1/x?password=hunter2")),
        (
            Some("postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"),
            vec!["service-key", "list"],
        ),
    ];
    // Each waits out the pool's connect timeout: run them side by side.
    std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(env, args)| {
                s.spawn(move || {
                    let mut cmd = keysmith();
                    cmd.env_remove("KEYSMITH_DB_URL");
                    if let Some(url) = env {
                        cmd.env("KEYSMITH_DB_URL", url);
                    }
                    let out = cmd
                        .args(args)
                        .timeout(Duration::from_secs(120))
                        .output()
                        .unwrap();
                    (args, out)
                })
            })
            .collect();
        for h in handles {
            let (args, out) = h.join().unwrap();
            let err = String::from_utf8(out.stderr).unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
            assert!(err.starts_with("keysmith: "), "{err:?}");
            assert!(!err.contains("hunter2"), "{args:?}: {err}");
        }
    });
}

/// Runs `keysmith serve` on `db` and `listen` with JSON logs until it
/// logs `listening` and answers `/healthz` there, stops it with SIGTERM
/// and returns its log events once it has exited with status 0.
fn serve_then_stop(db: &str, listen: &str) -> Vec<Value> {
    use std::io::BufRead;
    let child = Command::new(env!("CARGO_BIN_EXE_keysmith"))
        .args(["serve", "--db", db, "--listen", listen])
        .args(["--log-format", "json"])
        .env_remove("KEYSMITH_SERVER_KEY")
        .env_remove("KEYSMITH_DB_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stderr = server.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let event: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = rx
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("keysmith serve never said it listens ({e}): {events:?}"));
        let listening = event["message"] == "listening";
        let address = event["address"].as_str().map(str::to_owned);
        events.push(event);
        if listening {
            break address.unwrap();
        }
    };
    let port: u16 = address.rsplit_once(':').unwrap().1.parse().unwrap();
    assert_ne!(port, 0, "{address}");
    let (status, _) = get(port, "/healthz").expect("no answer on /healthz");
    assert_eq!(status, 200);

    let sent = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "keysmith serve ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    reader.join().unwrap();
    events.extend(rx.try_iter());
    assert!(
        events.iter().any(|e| e["message"] == "stopped"),
        "{events:?}"
    );
    events
}

#[test]
fn plain_http_off_loopback_is_warned_about() {
    let dir = temp_dir();
    // Only this warning is counted: a stop right after the start may
    // also log one about the first sweep being cut short.
    let tls_warnings = |events: &[Value]| -> Vec<Value> {
        events
            .iter()
            .filter(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("TLS terminator"))
            })
            .cloned()
            .collect()
    };

    let events = serve_then_stop(&db(&dir), "0.0.0.0:0");
    let warnings = tls_warnings(&events);
    assert_eq!(warnings.len(), 1, "{events:?}");
    assert_eq!(warnings[0]["level"], "WARN", "{events:?}");
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(message.contains("plain HTTP"), "{message}");
    let listening = events.iter().find(|e| e["message"] == "listening").unwrap();
    assert_eq!(warnings[0]["address"], listening["address"], "{events:?}");
    assert!(
        listening["address"]
            .as_str()
            .unwrap()
            .starts_with("0.0.0.0:"),
        "{events:?}"
    );

    let events = serve_then_stop(&db(&dir), "127.0.0.1:0");
    assert!(tls_warnings(&events).is_empty(), "{events:?}");
}
