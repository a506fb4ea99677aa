//! One deployment shared safely: tenants see nothing of each other on any
//! route (two instances on one database), admin routes act on the caller's
//! tenant only, and the instance's limits (rate limits, in-flight cap,
//! timeouts, TLS, request ids) answer as documented.

use crate::common;

use common::{TestApp, limits, sqlite_app_with};
use keysmith_server::Listening;
use keysmith_server::limits::Rate;
use keysmith_store::{Scope, Scopes};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn error_of(r: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let body = json_of(r, status).await;
    assert_eq!(body["error"], code, "{body}");
    body
}

// ---- tenants ----

/// Tenant A works on one instance, tenant B on another sharing the
/// database: B sees none of A's tokens, challenges, API keys, subjects or
/// service keys, and nothing B does changes A's.
async fn tenants_see_nothing_of_each_other(app: TestApp) {
    let b_app = app.another_server().await;
    let a = app.with_key(app.key_for("app-a", Scopes::all()).await);
    let b = b_app.with_key(b_app.key_for("app-b", Scopes::all()).await);

    // Reset tokens: B's redemption is the unknown-token answer.
    let issued = json_of(
        a.post("/v1/reset-tokens")
            .json(&json!({"user_id": "u1"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap();
    let r = b
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::BAD_REQUEST, "invalid_token").await;
    // B's u1 is B's own: not throttled by A's issue.
    let r = b
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "u1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = a
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["user_id"], "u1");

    // Challenges: B's checks are the unknown-challenge answer and do not
    // count against A's attempts.
    let started = json_of(
        a.post("/v1/otp")
            .json(&json!({"subject": "s1", "max_attempts": 3}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let (id, code) = (
        started["challenge_id"].as_str().unwrap(),
        started["code"].as_str().unwrap(),
    );
    for _ in 0..4 {
        let r = b
            .post(&format!("/v1/otp/{id}/check"))
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        error_of(r, StatusCode::GONE, "expired").await;
    }
    let r = a
        .post(&format!("/v1/otp/{id}/check"))
        .json(&json!({"code": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied", "attempts_left": 2})
    );
    let r = a
        .post(&format!("/v1/otp/{id}/check"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "approved");

    // Lockouts: A's locked s1 is not B's; B's unlock does not free A's.
    sqlx::query("UPDATE otp_subjects SET failures = 1000 WHERE tenant = 'app-a'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let start = |who: &common::As<'_>| who.post("/v1/otp").json(&json!({"subject": "s1"})).send();
    error_of(
        start(&a).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "subject_locked",
    )
    .await;
    assert_eq!(start(&b).await.unwrap().status(), StatusCode::CREATED);
    let r = b.post("/v1/otp/subjects/s1/unlock").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    error_of(
        start(&a).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "subject_locked",
    )
    .await;
    let r = a.post("/v1/otp/subjects/s1/unlock").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(start(&a).await.unwrap().status(), StatusCode::CREATED);

    // API keys: unknown to B on every route.
    let made = json_of(
        a.post("/v1/api-keys")
            .json(&json!({"owner": "o1", "prefix": "sk_live"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let (key_id, key) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    let r = b
        .post("/v1/api-keys/verify")
        .json(&json!({"key": key}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"valid": false, "code": "NOT_FOUND"})
    );
    let r = b.get("/v1/api-keys?owner=o1").send().await.unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"keys": [], "next_cursor": null})
    );
    let r = b
        .delete(&format!("/v1/api-keys/{key_id}"))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = b
        .post(&format!("/v1/api-keys/{key_id}/rotate"))
        .json(&json!({"grace_seconds": 0}))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = a
        .post("/v1/api-keys/verify")
        .json(&json!({"key": key}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["id"], key_id);
    let listed = json_of(
        a.get("/v1/api-keys?owner=o1").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["keys"][0]["revoked_at"], Value::Null);
    assert_eq!(listed["keys"][0]["expires_at"], Value::Null);

    // Service keys: B lists only its own and cannot revoke A's.
    let listed = json_of(
        b.get("/v1/service-keys").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let tenants: Vec<&Value> = listed["service_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["tenant"])
        .collect();
    assert_eq!(tenants, [&json!("app-b")]);
    let a_id = app
        .store
        .service_keys()
        .verify(&a.key)
        .await
        .unwrap()
        .id
        .clone();
    let r = b
        .delete(&format!("/v1/service-keys/{a_id}"))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        a.get("/v1/service-keys").send().await.unwrap().status(),
        StatusCode::OK
    );
}

/// The admin routes: a key made through the API has the scopes asked for,
/// is listed without its secret, and once revoked stops working; a key
/// cannot revoke itself.
async fn admin_routes_manage_the_tenants_keys(app: TestApp) {
    let admin = app.with_key(app.key_for("shop", Scopes::all()).await);
    let made = json_of(
        admin
            .post("/v1/service-keys")
            .json(&json!({"name": "web", "scopes": ["otp:start", "otp:check"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let mut fields: Vec<&String> = made.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["display_id", "id", "key", "name", "scopes", "tenant"]
    );
    assert_eq!(
        (&made["tenant"], &made["name"]),
        (&json!("shop"), &json!("web"))
    );
    assert_eq!(made["scopes"], json!(["otp:start", "otp:check"]));
    let web = app.with_key(made["key"].as_str().unwrap().to_string());
    let r = web
        .post("/v1/otp")
        .json(&json!({"subject": "s"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = web
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "u"}))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = web.get("/v1/service-keys").send().await.unwrap();
    error_of(r, StatusCode::FORBIDDEN, "forbidden").await;

    // Defaults: every scope but admin, named "default"; "all" is every one.
    let plain = json_of(
        admin
            .post("/v1/service-keys")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(plain["name"], "default");
    assert_eq!(plain["scopes"], json!(Scopes::standard().names()));
    let all = json_of(
        admin
            .post("/v1/service-keys")
            .json(&json!({"scopes": ["all"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(all["scopes"], json!(Scopes::all().names()));

    let listed = json_of(
        admin.get("/v1/service-keys").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let keys = listed["service_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 4);
    for k in keys {
        assert!(k.get("key").is_none(), "{k}");
        assert_eq!(k["tenant"], "shop");
        assert_eq!(k["revoked_at"], Value::Null);
    }

    let web_id = made["id"].as_str().unwrap();
    let r = admin
        .delete(&format!("/v1/service-keys/{web_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = web
        .post("/v1/otp")
        .json(&json!({"subject": "s"}))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let r = admin
        .delete(&format!("/v1/service-keys/{web_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "revoking twice is fine");

    let own = app
        .store
        .service_keys()
        .verify(&admin.key)
        .await
        .unwrap()
        .id
        .clone();
    let r = admin
        .delete(&format!("/v1/service-keys/{own}"))
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::CONFLICT, "self_revocation").await;
    let r = admin
        .delete("/v1/service-keys/svc_nope")
        .send()
        .await
        .unwrap();
    error_of(r, StatusCode::NOT_FOUND, "not_found").await;

    for bad in [
        json!({"scopes": ["otp:nope"]}),
        json!({"scopes": []}),
        json!({"name": ""}),
        json!({"name": "x".repeat(keysmith_store::MAX_IDENTIFIER_LEN + 1)}),
        json!({"name": "a\tb"}),
        json!({"name": 7}),
    ] {
        let r = admin
            .post("/v1/service-keys")
            .json(&bad)
            .send()
            .await
            .unwrap();
        error_of(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
}

/// Every `/v1` answer, refused or not, says not to store it.
async fn v1_answers_are_not_cached(app: TestApp) {
    let no_reset = app
        .key_for("default", Scopes::all().without(Scope::ResetTokensIssue))
        .await;
    for (key, status) in [
        (app.key.clone(), StatusCode::CREATED),
        ("ks_svc_nope".to_string(), StatusCode::UNAUTHORIZED),
        (no_reset, StatusCode::FORBIDDEN),
    ] {
        let r = app
            .with_key(key)
            .post("/v1/reset-tokens")
            .json(&json!({"user_id": "u1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["cache-control"], "no-store", "{status}");
    }
}

on_both_backends!(
    tenants_see_nothing_of_each_other,
    admin_routes_manage_the_tenants_keys,
    v1_answers_are_not_cached,
);

// ---- request ids ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_when_sane() {
    let app = common::sqlite_app().await;
    let get = |id: Option<&str>| {
        let mut r = app
            .client
            .get(app.url("/v1/service-keys"))
            .bearer_auth(&app.key);
        if let Some(id) = id {
            r = r.header("x-request-id", id);
        }
        r.send()
    };
    let sane = "req-42:abc/DEF~".to_string() + &"x".repeat(100);
    let r = get(Some(&sane)).await.unwrap();
    assert_eq!(r.headers()["x-request-id"], sane.as_str());
    let made = |r: &reqwest::Response| {
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        id
    };
    let long = "x".repeat(129);
    for insane in [Some(long.as_str()), Some("has space"), Some(""), None] {
        let r = get(insane).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        made(&r);
    }
    // Unauthenticated answers and the fallback carry one too.
    let r = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (one, two) = (
        made(&r),
        made(&app.client.get(app.url("/healthz")).send().await.unwrap()),
    );
    assert_ne!(one, two);
}

// ---- rate limits ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_key_has_its_own_rate() {
    let app = sqlite_app_with(limits(|l| l.rate_limit = "3/m".parse::<Rate>().unwrap())).await;
    let other = app.with_key(app.key_for("default", Scopes::all()).await);
    let list = |who: &common::As<'_>| who.get("/v1/service-keys").send();
    let me = app.with_key(app.key.clone());
    for _ in 0..3 {
        assert_eq!(list(&me).await.unwrap().status(), StatusCode::OK);
    }
    let r = list(&me).await.unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    error_of(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(list(&other).await.unwrap().status(), StatusCode::OK);
}

/// Past the failure limit an address gets 429 before any lookup: even a
/// working key is refused, and the database is not asked (it is closed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_authentications_are_limited_per_address() {
    let app = sqlite_app_with(limits(|l| {
        l.auth_failure_limit = "3/m".parse::<Rate>().unwrap();
    }))
    .await;
    let bad = app.with_key("ks_svc_0000000000000000000000000000000000000000".into());
    for _ in 0..3 {
        let r = bad.get("/v1/service-keys").send().await.unwrap();
        error_of(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let r = bad.get("/v1/service-keys").send().await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    error_of(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    app.store.close().await;
    let r = app.get("/v1/service-keys").send().await.unwrap();
    error_of(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Routes without a key are not refused.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Behind a proxy, the address is the last X-Forwarded-For entry: one
/// client's failures do not block another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_are_limited_apart() {
    let app = sqlite_app_with(limits(|l| {
        l.auth_failure_limit = "2/m".parse::<Rate>().unwrap();
        l.trust_forwarded_for = true;
    }))
    .await;
    let from = |addr: &str, key: &str| {
        app.client
            .get(app.url("/v1/service-keys"))
            .bearer_auth(key)
            .header("x-forwarded-for", format!("203.0.113.9, {addr}"))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(
            from("198.51.100.1", "bad").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        from("198.51.100.1", "bad").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        from("198.51.100.2", &app.key).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        from("198.51.100.1", &app.key).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

// ---- overload and slow clients ----

/// Sends a request head announcing a body it never sends, so the request
/// stays in flight (its handler waits for the body).
async fn hold_a_request(app: &TestApp) -> TcpStream {
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /v1/reset-tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.key
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s
}

async fn read_answer(s: &mut TcpStream, within: Duration) -> String {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within {within:?}");
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_in_flight_cap_is_503_not_a_wait() {
    let app = sqlite_app_with(limits(|l| l.max_in_flight = 1)).await;
    let mut held = hold_a_request(&app).await;
    // Wait until the held request has its slot.
    let deadline = Instant::now() + Duration::from_secs(10);
    let r = loop {
        let r = app.client.get(app.url("/healthz")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            break r;
        }
        assert!(Instant::now() < deadline, "the cap never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(r.headers()["retry-after"], "1");
    error_of(r, StatusCode::SERVICE_UNAVAILABLE, "overloaded").await;
    // Let the held request finish; the slot is free again.
    held.write_all(&[b' '; 98]).await.unwrap();
    held.write_all(b"}").await.unwrap();
    let answer = read_answer(&mut held, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_timeout_is_a_json_408() {
    let app = sqlite_app_with(limits(|l| l.request_timeout = Duration::from_millis(300))).await;
    let mut held = hold_a_request(&app).await;
    let answer = read_answer(&mut held, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""error":"request_timeout""#), "{answer}");
    assert!(
        answer
            .to_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
}

/// 300 connections that send half a request head and stop: a normal
/// client is still answered within a second, and the half-open ones are
/// closed once the header timeout passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_do_not_starve_others() {
    const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
    let app = sqlite_app_with(limits(|l| l.header_timeout = HEADER_TIMEOUT)).await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"POST /v1/otp HTTP/1.1\r\nHost: x\r\nAuthori")
            .await
            .unwrap();
        slow.push(s);
    }
    let opened = Instant::now();
    for _ in 0..5 {
        let t = Instant::now();
        let r = app.get("/v1/service-keys").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "answered in {:?}",
            t.elapsed()
        );
    }
    let mut closed = 0;
    for s in &mut slow {
        let mut byte = [0u8; 1];
        let patience = (HEADER_TIMEOUT * 5).saturating_sub(opened.elapsed());
        match tokio::time::timeout(patience, s.read(&mut byte)).await {
            Ok(Ok(0) | Err(_)) => closed += 1,
            // hyper may answer 408 before closing; then it closes.
            Ok(Ok(_)) => {
                let mut rest = Vec::new();
                if tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest))
                    .await
                    .is_ok()
                {
                    closed += 1;
                }
            }
            Err(_) => {}
        }
    }
    assert_eq!(closed, 300, "half-open connections left open");
    assert!(
        opened.elapsed() >= HEADER_TIMEOUT,
        "closed before the timeout"
    );
}

/// `/readyz` answers within 2 s even when no pooled connection is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_answers_even_when_the_pool_is_exhausted() {
    let app = common::sqlite_app().await;
    let mut held = Vec::new();
    for _ in 0..app.store.options().max_connections {
        held.push(app.store.pool().acquire().await.unwrap());
    }
    let t = Instant::now();
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    drop(held);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Shutdown waits for requests in flight at most the shutdown timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_up_on_requests_after_its_timeout() {
    let mut app =
        sqlite_app_with(limits(|l| l.shutdown_timeout = Duration::from_millis(500))).await;
    let mut held = hold_a_request(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), app.stop())
        .await
        .expect("shutdown never ended");
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(
        TcpStream::connect(app.addr).await.is_err(),
        "still accepting"
    );
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), held.read_to_end(&mut rest)).await;
}

// ---- HTTPS ----

struct Pem {
    dir: common::TempDir,
    cert_der: rustls_pki_types::CertificateDer<'static>,
}

fn self_signed() -> Pem {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let dir = common::TempDir::new("keysmith-tls");
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    Pem {
        dir,
        cert_der: cert.cert.der().clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_certificate_it_is_given() {
    use std::sync::Arc;
    let pem = self_signed();
    let (cert, key) = (
        pem.dir.path().join("cert.pem"),
        pem.dir.path().join("key.pem"),
    );
    let tls = keysmith_server::listen::tls_config(&cert, &key).unwrap();
    let app = sqlite_app_with(Listening {
        tls: Some(tls),
        ..Listening::default()
    })
    .await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(pem.cert_der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(app.addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!(
        "GET /v1/service-keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Connection: close\r\n\r\n",
        app.key
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""service_keys""#), "{answer}");

    // Plain HTTP to the HTTPS port gets no HTTP answer.
    let r = app.client.get(app.url("/healthz")).send().await;
    assert!(r.is_err(), "plain HTTP was answered: {r:?}");

    // Files that are not a certificate and key are refused by name,
    // without their contents.
    std::fs::write(pem.dir.path().join("junk.pem"), "not a pem").unwrap();
    let junk = pem.dir.path().join("junk.pem");
    for (c, k) in [(&junk, &key), (&cert, &junk), (&key, &cert)] {
        let e = keysmith_server::listen::tls_config(c, k).unwrap_err();
        assert!(
            e.contains("junk.pem") || e.contains("cert.pem") || e.contains("key.pem"),
            "{e}"
        );
        assert!(!e.contains("PRIVATE KEY-----\n"), "{e}");
    }
    let other = self_signed();
    let e =
        keysmith_server::listen::tls_config(&cert, &other.dir.path().join("key.pem")).unwrap_err();
    assert!(e.contains("do not go together"), "{e}");
}
