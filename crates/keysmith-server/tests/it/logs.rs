//! Logs: one event per request with method, route pattern, status and
//! latency, and never a token, code, key or bearer.
//!
//! [`capture_logs`] runs a workflow on a single-threaded runtime under a
//! JSON subscriber writing to a buffer: the server's tasks run on that
//! thread too, so every event of the workflow is captured. To check
//! another workflow, write `async fn f(app: TestApp) -> Vec<String>`
//! returning the secrets it saw, and add it to `logged_workflows!`.

use crate::common;

use common::TestApp;
use keysmith::Recipe as _;
use keysmith_server::logging::{self, LogFormat};
use keysmith_store::StartOptions;
use reqwest::StatusCode;
use serde_json::Value;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where the test subscriber writes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The events the server and store emit at any level, and the rest of the
/// process's at the default level (`info`), each a parsed JSON line, while
/// `workflow` runs; with what the workflow returns.
fn capture_logs<T, Fut>(workflow: impl FnOnce() -> Fut) -> (T, Vec<Value>)
where
    Fut: Future<Output = T>,
{
    keep_callsites_open();
    let buf = Buffer::default();
    let writer = buf.clone();
    let filter = logging::filter("info,keysmith_server=trace,keysmith_store=trace").unwrap();
    let dispatch = logging::dispatch(LogFormat::Json, filter, move || writer.clone());
    let out = tracing::dispatcher::with_default(&dispatch, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out = rt.block_on(workflow());
        drop(rt);
        out
    });
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (out, events)
}

/// Makes every callsite ask the current dispatcher at each event, once for
/// the whole test binary. Without it, a callsite first reached by another
/// test's thread (with no subscriber) while no capture is running caches
/// "never", and a capture that starts then misses its events: tracing
/// rebuilds that cache when a dispatcher is made, but a callsite
/// registering at the same moment can miss the rebuild.
fn keep_callsites_open() {
    use tracing::subscriber::Interest;
    use tracing::{Event, Metadata, span};

    /// A global subscriber that records nothing but answers "sometimes".
    struct Undecided;

    impl tracing::Subscriber for Undecided {
        fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
            Interest::sometimes()
        }
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            false
        }
        fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
            span::Id::from_u64(1)
        }
        fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
        fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &span::Id) {}
        fn exit(&self, _: &span::Id) {}
    }

    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        tracing::subscriber::set_global_default(Undecided)
            .expect("no other global subscriber in the server's tests");
    });
    // For a callsite that registered while the global one was being set.
    tracing::callsite::rebuild_interest_cache();
}

/// Whether `secret` occurs in `line`. A short all-digit secret (a
/// one-time code) counts only standing alone, not inside a longer number
/// or a fraction such as a timestamp's microseconds.
fn leaks(line: &str, secret: &str) -> bool {
    if !(secret.len() < 12 && secret.bytes().all(|b| b.is_ascii_digit())) {
        return line.contains(secret);
    }
    line.match_indices(secret).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + secret.len()..].chars().next();
        !matches!(before, Some(c) if c.is_ascii_digit() || c == '.')
            && !matches!(after, Some(c) if c.is_ascii_digit())
    })
}

/// Checks the events of a workflow: none holds a secret or a bearer,
/// and there is one request event per request, with only the expected
/// fields.
fn check(events: &[Value], secrets: &[String]) -> Vec<Value> {
    assert!(!secrets.is_empty());
    for event in events {
        let line = event.to_string();
        for s in secrets {
            assert!(!leaks(&line, s), "a secret was logged: {line}");
        }
        let lower = line.to_lowercase();
        assert!(
            !lower.contains("bearer") && !lower.contains("authorization"),
            "{line}"
        );
    }
    let requests: Vec<Value> = events
        .iter()
        .filter(|e| e["target"] == logging::REQUEST_TARGET)
        .cloned()
        .collect();
    for r in &requests {
        let mut fields: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort_unstable();
        let mut expected = vec![
            "latency_ms",
            "level",
            "message",
            "method",
            "request_id",
            "route",
            "status",
            "target",
            "timestamp",
        ];
        // An authenticated request names its tenant and the service key's
        // display id (never the key); a refused or failed lookup cannot.
        let answered = r["status"].as_u64().is_some_and(|s| s < 300);
        if r["tenant"].is_string()
            || (answered && r["route"].as_str().is_some_and(|p| p.starts_with("/v1/")))
        {
            expected.extend(["key", "tenant"]);
            expected.sort_unstable();
            assert_eq!(r["tenant"], "default", "{r}");
            assert!(
                r["key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("ks_svc_") && k.len() == 15),
                "{r}"
            );
        }
        assert_eq!(fields, expected, "{r}");
        let id = r["request_id"].as_str().unwrap();
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{r}"
        );
        let route = r["route"].as_str().unwrap();
        assert!(
            route == "unmatched" || (route.starts_with('/') && !route.contains('?')),
            "{r}"
        );
    }
    requests
}

/// A /v1 request refused by authentication.
fn refused(status: StatusCode) {
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The whole API over HTTP, as a client uses it: every secret it handles
/// (the service key, a reset token, codes, API keys) must stay out of the
/// logs.
async fn http_workflow(app: TestApp) -> Vec<String> {
    let mut secrets = vec![app.key.clone()];
    let r = app
        .post("/v1/reset-tokens")
        .json(&serde_json::json!({ "user_id": "user-7" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let token = r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    secrets.push(token.clone());
    for want in [StatusCode::OK, StatusCode::BAD_REQUEST] {
        let r = app
            .post("/v1/reset-tokens/redeem")
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want);
    }
    let r = app
        .post("/v1/otp")
        .json(&serde_json::json!({ "subject": "user-7@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    let (id, code) = (
        v["challenge_id"].as_str().unwrap().to_string(),
        v["code"].as_str().unwrap().to_string(),
    );
    secrets.push(code.clone());
    // A wrong code sent as a number: the error must not echo it either.
    let wrong: u64 = if code == "000000" { 111_111 } else { 0 };
    let r = app
        .post(&format!("/v1/otp/{id}/check"))
        .json(&serde_json::json!({ "code": wrong }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app
        .post(&format!("/v1/otp/{id}/check"))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post("/v1/api-keys")
        .json(&serde_json::json!({ "owner": "acme", "prefix": "sk_live", "scopes": ["read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    let (key_id, key) = (
        v["id"].as_str().unwrap().to_string(),
        v["key"].as_str().unwrap().to_string(),
    );
    secrets.push(key.clone());
    let r = app
        .post("/v1/api-keys/verify")
        .json(&serde_json::json!({ "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(&format!("/v1/api-keys/{key_id}/rotate"))
        .json(&serde_json::json!({ "grace_seconds": 60 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    secrets.push(v["key"].as_str().unwrap().to_string());
    let r = app
        .delete(&format!("/v1/api-keys/{key_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Second factors: the TOTP secret, its codes and the recovery codes.
    let r = app
        .post("/v1/totp")
        .json(&serde_json::json!({"subject": "user-7", "issuer": "Shop", "account": "u7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let enrolled: serde_json::Value = r.json().await.unwrap();
    let secret = enrolled["secret"].as_str().unwrap().to_string();
    let totp = keysmith::otp::Totp::new(keysmith::otp::Secret::from_base32(&secret).unwrap());
    let now = (common::T0 / 1000) as u64;
    let factor = enrolled["factor_id"].as_str().unwrap();
    for (path, body) in [
        (
            format!("/v1/totp/{factor}/confirm"),
            serde_json::json!({"code": totp.code_at(now)}),
        ),
        (
            "/v1/totp/verify".into(),
            serde_json::json!({"subject": "user-7", "code": totp.code_at(now + 30)}),
        ),
    ] {
        let r = app.post(&path).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    secrets.push(secret.clone());
    secrets.push(secret.to_lowercase());
    secrets.push(totp.code_at(now));
    secrets.push(totp.code_at(now + 30));
    let r = app
        .post("/v1/recovery-codes")
        .json(&serde_json::json!({"subject": "user-7", "count": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: serde_json::Value = r.json().await.unwrap();
    for c in made["codes"].as_array().unwrap() {
        let c = c.as_str().unwrap();
        secrets.push(c.to_string());
        secrets.push(keysmith::recovery::normalize(c).unwrap());
    }
    let r = app
        .post("/v1/recovery-codes/redeem")
        .json(&serde_json::json!({"subject": "user-7", "code": made["codes"][0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    secrets
}

/// (method, route, status) of every request event.
fn seen_requests(events: &[Value]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["route"].as_str().unwrap().to_string(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[track_caller]
fn assert_saw(seen: &[(String, String, u64)], want: (&str, &str, u64)) {
    assert!(
        seen.iter()
            .any(|(m, r, s)| (m.as_str(), r.as_str(), *s) == want),
        "no request event {want:?} in {seen:?}"
    );
}

fn expected_workflow_requests(events: &[Value]) {
    let seen = seen_requests(events);
    for want in [
        ("POST", "/v1/reset-tokens", 201),
        ("POST", "/v1/reset-tokens/redeem", 200),
        ("POST", "/v1/reset-tokens/redeem", 400),
        ("POST", "/v1/otp", 201),
        ("POST", "/v1/otp/{challenge_id}/check", 400),
        ("POST", "/v1/otp/{challenge_id}/check", 200),
        ("POST", "/v1/api-keys", 201),
        ("POST", "/v1/api-keys/verify", 200),
        ("POST", "/v1/api-keys/{id}/rotate", 201),
        ("DELETE", "/v1/api-keys/{id}", 204),
    ] {
        assert_saw(&seen, want);
    }
}

/// Requests that carry secrets in every place a careless log would show:
/// the bearer, the path, the query string and the body; and the flows
/// through the store.
async fn secrets_in_every_place(app: TestApp) -> Vec<String> {
    let mut secrets = vec![app.key.clone()];
    let made_up = keysmith::token_urlsafe(None);
    secrets.push(made_up.clone());

    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = app
        .client
        .get(app.url(&format!("/healthz?token={made_up}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(app.url(&format!("/no/such/{made_up}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A made-up bearer, on a path holding a secret, with a secret body.
    let r = app
        .client
        .post(app.url(&format!("/v1/otp/{made_up}/check")))
        .bearer_auth(format!("ks_svc_{made_up}"))
        .json(&serde_json::json!({ "code": made_up }))
        .send()
        .await
        .unwrap();
    refused(r.status());

    // The flows, straight on the store.
    let store = &app.store;
    let issued = store.reset_tokens().issue("user-1", None).await.unwrap();
    secrets.push(issued.token().to_string());
    assert_eq!(
        store.reset_tokens().redeem(issued.token()).await.unwrap(),
        "user-1"
    );
    assert!(store.reset_tokens().redeem(issued.token()).await.is_err());
    let challenge = store
        .challenges()
        .start("alice@example.com", StartOptions::default().with_digits(8))
        .await
        .unwrap();
    secrets.push(challenge.code.clone());
    let wrong = if challenge.code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let denied = store
        .challenges()
        .check(&challenge.id, wrong)
        .await
        .unwrap();
    assert!(!denied.is_approved());
    let ok = store
        .challenges()
        .check(&challenge.id, &challenge.code)
        .await
        .unwrap();
    assert!(ok.is_approved());
    let key = store
        .api_keys()
        .create("acme", "sk_live", &["read"], None)
        .await
        .unwrap();
    secrets.push(key.key.expose().to_string());
    store.api_keys().verify(key.key.expose()).await.unwrap();

    // A revoked service key, presented.
    let revoked = store
        .service_keys()
        .create(
            &keysmith_store::Tenant::default(),
            "old",
            keysmith_store::Scopes::all(),
        )
        .await
        .unwrap();
    secrets.push(revoked.key.expose().to_string());
    store
        .service_keys()
        .revoke(&revoked.id, None)
        .await
        .unwrap();
    let r = app
        .client
        .get(app.url("/v1/api-keys?owner=acme"))
        .bearer_auth(revoked.key.expose())
        .send()
        .await
        .unwrap();
    refused(r.status());
    // The working key gets past authentication.
    let r = app
        .post("/v1/reset-tokens")
        .json(&serde_json::json!({ "user_id": "user-1" }))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::UNAUTHORIZED);

    // Failures are logged too, without their secrets.
    store.close().await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The key authenticated a moment ago and is taken from memory; the
    // flow needs the database.
    let r = app
        .post("/v1/reset-tokens")
        .json(&serde_json::json!({ "user_id": "u-closed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A key not seen before cannot authenticate without it.
    let r = app
        .with_key(
            keysmith::KeySpec::new(keysmith_store::SERVICE_KEY_PREFIX)
                .unwrap()
                .generate()
                .into_string(),
        )
        .post("/v1/reset-tokens")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    secrets
}

/// The request events `secrets_in_every_place` must produce, as
/// (method, route, status).
fn expected_requests(events: &[Value]) {
    let seen = seen_requests(events);
    for want in [
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/metrics", 200),
        ("GET", "unmatched", 404),
        ("GET", "/readyz", 503),
    ] {
        assert_saw(&seen, want);
    }
    assert_eq!(
        seen.iter().filter(|(_, r, _)| r == "/healthz").count(),
        2,
        "{seen:?}"
    );
    // One event per request: 11 requests were made.
    assert_eq!(seen.len(), 11, "{seen:?}");
    for e in events {
        assert!(e["latency_ms"].as_f64().unwrap() >= 0.0);
        let level = e["level"].as_str().unwrap();
        let want = if e["status"].as_u64().unwrap() >= 500 {
            "WARN"
        } else {
            "INFO"
        };
        assert_eq!(level, want, "{e}");
    }
}

/// Runs each workflow, on SQLite and (when configured) PostgreSQL, under
/// [`capture_logs`], and checks its events with [`check`]; `$expect`
/// checks the request events further.
macro_rules! logged_workflows {
    ($($f:ident => $expect:expr),* $(,)?) => {$(
        mod $f {
            #[test]
            fn sqlite() {
                let (secrets, events) =
                    super::capture_logs(|| async { super::$f(super::common::sqlite_app().await).await });
                let requests = super::check(&events, &secrets);
                ($expect)(&requests[..]);
            }

            #[test]
            fn postgres() {
                let (secrets, events) = super::capture_logs(|| async {
                    match super::common::postgres_app().await {
                        Some(app) => Some(super::$f(app).await),
                        None => None,
                    }
                });
                match secrets {
                    Some(secrets) => {
                        let requests = super::check(&events, &secrets);
                        ($expect)(&requests[..]);
                    }
                    None => eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped"),
                }
            }
        }
    )*};
}

logged_workflows!(
    secrets_in_every_place => super::expected_requests,
    http_workflow => super::expected_workflow_requests,
);

#[test]
fn the_capture_sees_a_leak() {
    // The checks above can fail: a secret logged through the same
    // subscriber is found.
    let secret = keysmith::token_urlsafe(None);
    let ((), events) = capture_logs(|| async {
        tracing::info!(target: "keysmith_server::oops", token = %secret, "leak");
    });
    let caught = std::panic::catch_unwind(|| check(&events, std::slice::from_ref(&secret)));
    assert!(caught.is_err());
    assert!(leaks("code 12345678 sent", "12345678"));
    assert!(!leaks("at 10:00:00.12345678Z", "12345678"));
    assert!(!leaks("n=912345678", "12345678"));
}
