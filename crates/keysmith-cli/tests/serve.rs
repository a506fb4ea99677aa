//! `keysmith serve` and `keysmith service-key`, run as a user would.

mod common;

use common::{keysmith, rejects, stdout_of};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh directory, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("keysmith-cli-serve-{}", keysmith::token_hex(8)));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.0.join("keysmith.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}

#[test]
fn service_keys_are_created_listed_and_revoked() {
    let dir = TempDir::new();
    let db = dir.db();
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
    let dir = TempDir::new();
    rejects(&["service-key", "list", "--db", "bogus://x"], "bogus://x");
    rejects(
        &["service-key", "create", "--db", "mysql://u:hunter2@h/x"],
        "unsupported",
    );
    let missing = format!("sqlite://{}", dir.0.join("missing.db").display());
    rejects(&["service-key", "list", "--db", &missing], "missing.db");
    assert!(
        !dir.0.join("missing.db").exists(),
        "list created a database"
    );
    rejects(
        &["service-key", "create", "--db", &dir.db(), "--name", ""],
        "name",
    );
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

    let dir = TempDir::new();
    rejects(
        &[
            "serve",
            "--db",
            &dir.db(),
            "--server-key-file",
            dir.0.join("absent").to_str().unwrap(),
        ],
        "absent",
    );
    rejects(&["serve", "--db", &dir.db(), "--log-format", "xml"], "xml");
    rejects(
        &["serve", "--db", &dir.db(), "--sweep-interval", "0s"],
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
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
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
    let dir = TempDir::new();
    let key = service_key(&dir.db());
    let (mut server, port) = start_server(&dir.db());
    let (status, _) = get(port, "/readyz").unwrap();
    assert_eq!(status, 200);
    let (status, page) = get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains(r#"route="/healthz""#), "{page}");

    // The key file was made beside the database, private.
    let key_file = dir.0.join("keysmith.db.server-key");
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
    let dir = TempDir::new();
    let key = service_key(&dir.db());
    let (mut server, port) = start_server(&dir.db());
    stop_with_a_request_in_flight(&mut server, port, &key, "INT");
}

#[test]
fn serve_reports_a_port_in_use_in_one_line() {
    let dir = TempDir::new();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = keysmith()
        .env_remove("KEYSMITH_SERVER_KEY")
        .args(["serve", "--db", &dir.db(), "--listen", &addr])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
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
