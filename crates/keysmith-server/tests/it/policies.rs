//! API keys with policies over HTTP: every verify code, credits and rate
//! limits exact across two instances, refills, PATCH of each field,
//! pagination while keys are made, and GitHub's signed leak reports.

use crate::common;

use common::{T0, TestApp};
use keysmith_server::ScanningKeys;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn create(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/api-keys").json(&body).send().await.unwrap();
    json_of(r, StatusCode::CREATED).await
}

async fn verify(app: &TestApp, body: Value) -> Value {
    let r = app
        .post("/v1/api-keys/verify")
        .json(&body)
        .send()
        .await
        .unwrap();
    json_of(r, StatusCode::OK).await
}

async fn verify_key(app: &TestApp, key: &Value) -> Value {
    verify(app, json!({"key": key})).await
}

/// Each code, and the key's fields beside it.
async fn every_verify_code(app: TestApp) {
    let plain = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "scopes": ["read"],
        "name": "ci", "meta": {"plan": "pro", "n": 1}}),
    )
    .await;
    let v = verify(
        &app,
        json!({"key": plain["key"], "required_scopes": ["read"]}),
    )
    .await;
    assert_eq!((&v["valid"], &v["code"]), (&json!(true), &json!("VALID")));
    assert_eq!(v["meta"], json!({"plan": "pro", "n": 1}));
    assert_eq!(v["name"], "ci");
    assert_eq!(v["owner"], "o");
    let v = verify(
        &app,
        json!({"key": plain["key"], "required_scopes": ["read", "write"]}),
    )
    .await;
    assert_eq!(
        (&v["valid"], &v["code"]),
        (&json!(false), &json!("INSUFFICIENT_SCOPES"))
    );
    assert_eq!(v["id"], plain["id"]);

    let off = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "enabled": false}),
    )
    .await;
    assert_eq!(verify_key(&app, &off["key"]).await["code"], "DISABLED");
    let soon = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live",
        "expires_at": "2026-01-01T00:00:10Z"}),
    )
    .await;
    let credits = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "remaining": 1}),
    )
    .await;
    let v = verify(&app, json!({"key": credits["key"], "cost": 2})).await;
    assert_eq!(
        (&v["code"], &v["remaining"]),
        (&json!("USAGE_EXCEEDED"), &json!(1))
    );
    let v = verify_key(&app, &credits["key"]).await;
    assert_eq!((&v["code"], &v["remaining"]), (&json!("VALID"), &json!(0)));
    assert_eq!(
        verify_key(&app, &credits["key"]).await["code"],
        "USAGE_EXCEEDED"
    );
    let limited = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live",
        "rate_limit": {"limit": 1, "window_seconds": 60}}),
    )
    .await;
    let v = verify_key(&app, &limited["key"]).await;
    assert_eq!(v["code"], "VALID");
    assert_eq!(
        v["rate_limit"],
        json!({"limit": 1, "remaining": 0, "reset_at": "2026-01-01T00:01:00Z"})
    );
    let v = verify_key(&app, &limited["key"]).await;
    assert_eq!(v["code"], "RATE_LIMITED");
    assert_eq!(v["rate_limit"]["reset_at"], "2026-01-01T00:01:00Z");

    app.clock.advance(Duration::from_secs(10));
    assert_eq!(verify_key(&app, &soon["key"]).await["code"], "EXPIRED");
    let r = app
        .delete(&format!("/v1/api-keys/{}", plain["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(verify_key(&app, &plain["key"]).await["code"], "REVOKED");
    let unknown = keysmith::KeySpec::new("sk_live").unwrap();
    let unknown = keysmith::Recipe::generate(&unknown).into_string();
    assert_eq!(
        verify_key(&app, &json!(unknown)).await,
        json!({"valid": false, "code": "NOT_FOUND"})
    );
    // A new window: the limited key works again.
    app.clock.advance(Duration::from_secs(50));
    assert_eq!(verify_key(&app, &limited["key"]).await["code"], "VALID");
}

/// 64 concurrent verifications, split across two instances: exactly as
/// many VALID as the key allows.
async fn credits_and_rates_are_exact_across_instances(app: TestApp) {
    let other = app.another_server().await;
    let race = |key: Value| {
        let (a, b) = (&app, &other);
        async move {
            let mut tasks = Vec::new();
            for i in 0..64 {
                let req = if i % 2 == 0 { a } else { b }
                    .post("/v1/api-keys/verify")
                    .json(&json!({"key": key}));
                tasks.push(tokio::spawn(async move {
                    let v: Value = req.send().await.unwrap().json().await.unwrap();
                    v["code"].as_str().unwrap().to_string()
                }));
            }
            let mut codes = Vec::new();
            for t in tasks {
                codes.push(t.await.unwrap());
            }
            codes
        }
    };
    let count = |codes: &[String], c: &str| codes.iter().filter(|x| *x == c).count();
    let credits = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "remaining": 10}),
    )
    .await;
    let codes = race(credits["key"].clone()).await;
    assert_eq!(
        (count(&codes, "VALID"), count(&codes, "USAGE_EXCEEDED")),
        (10, 54),
        "{codes:?}"
    );
    let limited = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live",
        "rate_limit": {"limit": 5, "window_seconds": 3600}}),
    )
    .await;
    let codes = race(limited["key"].clone()).await;
    assert_eq!(
        (count(&codes, "VALID"), count(&codes, "RATE_LIMITED")),
        (5, 59),
        "{codes:?}"
    );
    let v = verify_key(&app, &limited["key"]).await;
    assert_eq!(
        v["rate_limit"],
        json!({"limit": 5, "remaining": 0, "reset_at": "2026-01-01T01:00:00Z"})
    );
}

/// A refill sets the credits back at the next UTC day (or month), lazily.
async fn refills_come_at_the_boundary(app: TestApp) {
    let daily = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "remaining": 2,
        "refill": {"amount": 3, "interval": "daily"}}),
    )
    .await;
    let monthly = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "remaining": 1,
        "refill": {"amount": 1, "interval": "monthly"}}),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(verify_key(&app, &daily["key"]).await["code"], "VALID");
    }
    assert_eq!(
        verify_key(&app, &daily["key"]).await["code"],
        "USAGE_EXCEEDED"
    );
    assert_eq!(verify_key(&app, &monthly["key"]).await["code"], "VALID");
    app.clock.set_ms(T0 + 86_400_000 - 1);
    assert_eq!(
        verify_key(&app, &daily["key"]).await["code"],
        "USAGE_EXCEEDED"
    );
    app.clock.set_ms(T0 + 86_400_000);
    let v = verify_key(&app, &daily["key"]).await;
    assert_eq!((&v["code"], &v["remaining"]), (&json!("VALID"), &json!(2)));
    assert_eq!(
        verify_key(&app, &monthly["key"]).await["code"],
        "USAGE_EXCEEDED"
    );
    // 2026-02-01.
    app.clock.set_ms(T0 + 31 * 86_400_000);
    let v = verify_key(&app, &monthly["key"]).await;
    assert_eq!((&v["code"], &v["remaining"]), (&json!("VALID"), &json!(0)));
}

/// PATCH changes each field, and only it; null clears.
async fn patch_changes_each_field(app: TestApp) {
    let k = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "scopes": ["a"]}),
    )
    .await;
    let path = format!("/v1/api-keys/{}", k["id"].as_str().unwrap());
    let patch = |body: Value| {
        let path = path.clone();
        let app = &app;
        async move {
            let r = app
                .client
                .patch(app.url(&path))
                .bearer_auth(&app.key)
                .json(&body)
                .send()
                .await
                .unwrap();
            json_of(r, StatusCode::OK).await
        }
    };
    for (field, value) in [
        ("name", json!("renamed")),
        ("meta", json!({"tier": 2})),
        ("scopes", json!(["a", "b"])),
        ("remaining", json!(7)),
        ("refill", json!({"amount": 9, "interval": "monthly"})),
        ("rate_limit", json!({"limit": 3, "window_seconds": 10})),
        ("enabled", json!(false)),
        ("expires_at", json!("2027-01-01T00:00:00Z")),
    ] {
        let before = json_of(app.get(&path).send().await.unwrap(), StatusCode::OK).await;
        let after = patch(json!({ field: value })).await;
        assert_eq!(after[field], value, "{field}");
        for (other, v) in before.as_object().unwrap() {
            if other != field && other != "last_used_at" {
                assert_eq!(&after[other], v, "{field} changed {other}");
            }
        }
    }
    for field in [
        "name",
        "meta",
        "refill",
        "rate_limit",
        "expires_at",
        "remaining",
    ] {
        assert_eq!(
            patch(json!({ field: null })).await[field],
            Value::Null,
            "{field}"
        );
    }
    let r = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&app.key)
        .json(&json!({"remaining": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app
        .client
        .patch(app.url("/v1/api-keys/key_nope"))
        .bearer_auth(&app.key)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.get("/v1/api-keys/key_nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Pages of 3: every key made before paging appears exactly once, while
/// more keys are made between pages.
async fn pages_show_each_key_once(app: TestApp) {
    let mut made = Vec::new();
    for i in 0..8 {
        made.push(create(&app, json!({"owner": "pager", "prefix": "sk_live"})).await["id"].clone());
        if i % 3 == 0 {
            app.clock.advance(Duration::from_millis(1));
        }
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let q = match &cursor {
            Some(c) => format!("/v1/api-keys?owner=pager&limit=3&cursor={c}"),
            None => "/v1/api-keys?owner=pager&limit=3".into(),
        };
        let page = json_of(app.get(&q).send().await.unwrap(), StatusCode::OK).await;
        let keys = page["keys"].as_array().unwrap();
        assert!(keys.len() <= 3);
        seen.extend(keys.iter().map(|k| k["id"].clone()));
        create(&app, json!({"owner": "pager", "prefix": "sk_live"})).await;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    for id in &made {
        assert_eq!(seen.iter().filter(|s| *s == id).count(), 1, "{id}");
    }
    let mut unique = seen.clone();
    unique.sort_by_key(|v| v.to_string());
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "a key appeared twice");
    for q in ["limit=0", "limit=101", "cursor=garbage", "cursor=1.%00"] {
        let r = app
            .get(&format!("/v1/api-keys?owner=pager&{q}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
}

/// A second rotation is 409 naming the successor; the successor inherits
/// expiry, scopes, name, meta and limits.
async fn successors_inherit(app: TestApp) {
    let k = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "scopes": ["x"],
        "name": "n", "meta": {"a": 1}, "remaining": 4,
        "rate_limit": {"limit": 9, "window_seconds": 60},
        "expires_at": "2026-06-01T00:00:00Z"}),
    )
    .await;
    let r = app
        .post(&format!(
            "/v1/api-keys/{}/rotate",
            k["id"].as_str().unwrap()
        ))
        .json(&json!({"grace_seconds": 60}))
        .send()
        .await
        .unwrap();
    let new = json_of(r, StatusCode::CREATED).await;
    let shown = json_of(
        app.get(&format!("/v1/api-keys/{}", new["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    for field in [
        "scopes",
        "name",
        "meta",
        "remaining",
        "rate_limit",
        "expires_at",
    ] {
        let want = match field {
            "scopes" => json!(["x"]),
            "name" => json!("n"),
            "meta" => json!({"a": 1}),
            "remaining" => json!(4),
            "rate_limit" => json!({"limit": 9, "window_seconds": 60}),
            _ => json!("2026-06-01T00:00:00Z"),
        };
        assert_eq!(shown[field], want, "{field}");
    }
    let r = app
        .post(&format!(
            "/v1/api-keys/{}/rotate",
            k["id"].as_str().unwrap()
        ))
        .json(&json!({"grace_seconds": 60}))
        .send()
        .await
        .unwrap();
    let e = json_of(r, StatusCode::CONFLICT).await;
    assert_eq!(
        (&e["error"], &e["successor_id"]),
        (&json!("already_rotated"), &new["id"])
    );
}

/// A refill due but not taken before a rotation goes to the successor.
async fn a_due_refill_survives_rotation(app: TestApp) {
    let spent = create(
        &app,
        json!({"owner": "o", "prefix": "sk_live", "remaining": 1,
               "refill": {"amount": 5, "interval": "daily"}}),
    )
    .await;
    assert_eq!(verify_key(&app, &spent["key"]).await["remaining"], 0);
    app.clock.advance(Duration::from_secs(24 * 3600));
    let r = app
        .post(&format!(
            "/v1/api-keys/{}/rotate",
            spent["id"].as_str().unwrap()
        ))
        .json(&json!({"grace_seconds": 0}))
        .send()
        .await
        .unwrap();
    let next = json_of(r, StatusCode::CREATED).await;
    let v = verify_key(&app, &next["key"]).await;
    assert_eq!((&v["code"], &v["remaining"]), (&json!("VALID"), &json!(4)));
}

on_both_backends!(
    a_due_refill_survives_rotation,
    every_verify_code,
    credits_and_rates_are_exact_across_instances,
    refills_come_at_the_boundary,
    patch_changes_each_field,
    pages_show_each_key_once,
    successors_inherit,
);

// ---- GitHub leak reports ----

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};

fn signer(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn keys_file(keys: &[(&str, &SigningKey)]) -> String {
    let entries: Vec<Value> = keys
        .iter()
        .map(|(id, k)| {
            json!({"key_identifier": id, "is_current": true,
                   "key": k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()})
        })
        .collect();
    json!({"public_keys": entries}).to_string()
}

async fn report(app: &TestApp, key_id: &str, by: &SigningKey, body: &str) -> reqwest::Response {
    use base64::Engine;
    let signature: Signature = by.sign(body.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes());
    app.client
        .post(app.url("/v1/leaks/github"))
        .header("Github-Public-Key-Identifier", key_id)
        .header("Github-Public-Key-Signature", b64)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn leaked_keys_are_revoked(postgres: bool) {
    let github = signer(7);
    let keys = ScanningKeys::parse(&keys_file(&[("k-1", &github)]), "test").unwrap();
    let Some(app) = common::scanning_app(keys, postgres, Default::default()).await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let ours = create(&app, json!({"owner": "o", "prefix": "sk_live"})).await;
    let other_tenant = app.with_key(
        app.key_for("elsewhere", keysmith_store::Scopes::all())
            .await,
    );
    let r = other_tenant
        .post("/v1/api-keys")
        .json(&json!({"owner": "o", "prefix": "sk_live"}))
        .send()
        .await
        .unwrap();
    let theirs = json_of(r, StatusCode::CREATED).await;
    let body = json!([
        {"token": ours["key"], "type": "keysmith_api_key", "url": "https://github.com/a/b/blob/x/f", "source": "content"},
        {"token": theirs["key"], "type": "keysmith_api_key", "url": "https://github.com/c/d", "source": "commit"},
        {"token": "sk_live_notours", "type": "keysmith_api_key", "url": "u", "source": "content"},
    ])
    .to_string();

    // No, an unknown or a wrong signature: 401, and nothing revoked.
    let r = app
        .client
        .post(app.url("/v1/leaks/github"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::UNAUTHORIZED).await["error"],
        "bad_signature"
    );
    let r = report(&app, "k-2", &github, &body).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = report(&app, "k-1", &signer(8), &body).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(verify_key(&app, &ours["key"]).await["code"], "VALID");

    let r = report(&app, "k-1", &github, &body).await;
    let feedback = json_of(r, StatusCode::OK).await;
    let labels: Vec<&str> = feedback
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["true_positive", "true_positive", "false_positive"]);
    assert_eq!(feedback[0]["token_raw"], ours["key"]);
    assert_eq!(feedback[0]["token_type"], "keysmith_api_key");
    assert_eq!(verify_key(&app, &ours["key"]).await["code"], "REVOKED");
    let shown = json_of(
        app.get(&format!("/v1/api-keys/{}", ours["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["exposed_at"], "2026-01-01T00:00:00Z");
    assert_eq!(shown["exposure_url"], "https://github.com/a/b/blob/x/f");
    assert_eq!(shown["exposure_source"], "content");
    let r = other_tenant
        .post("/v1/api-keys/verify")
        .json(&json!({"key": theirs["key"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["code"], "REVOKED");
    // The same report again changes nothing.
    app.clock.advance(Duration::from_secs(60));
    let again = report(&app, "k-1", &github, &body).await;
    assert_eq!(again.status(), StatusCode::OK);
    let shown = json_of(
        app.get(&format!("/v1/api-keys/{}", ours["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["exposed_at"], "2026-01-01T00:00:00Z");
    assert_eq!(shown["revoked_at"], "2026-01-01T00:00:00Z");
    // Not an array: 400 (once signed); over 1 MiB: 413.
    let r = report(&app, "k-1", &github, "{}").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let big = format!("[{}]", "\"x\",".repeat(300_000));
    let r = report(&app, "k-1", &github, &big).await;
    assert_eq!(
        json_of(r, StatusCode::PAYLOAD_TOO_LARGE).await["error"],
        "payload_too_large"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leaked_keys_are_revoked_sqlite() {
    leaked_keys_are_revoked(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leaked_keys_are_revoked_postgres() {
    leaked_keys_are_revoked(true).await;
}

/// A bad leak-report signature is a failed authentication: past the
/// address's limit the route answers 429 before verifying anything, even
/// for a report that is signed right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_leak_signatures_count_against_the_address() {
    let github = signer(7);
    let keys = ScanningKeys::parse(&keys_file(&[("k-1", &github)]), "test").unwrap();
    let listening = common::limits(|l| {
        l.auth_failure_limit = "2/m".parse().unwrap();
    });
    let app = common::scanning_app(keys, false, listening).await.unwrap();
    for _ in 0..2 {
        let r = report(&app, "k-1", &signer(8), "[]").await;
        assert_eq!(
            json_of(r, StatusCode::UNAUTHORIZED).await["error"],
            "bad_signature"
        );
    }
    let r = report(&app, "k-1", &signer(8), "[]").await;
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        json_of(r, StatusCode::TOO_MANY_REQUESTS).await["error"],
        "rate_limited"
    );
    let r = report(&app, "k-1", &github, "[]").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_scanning_keys_there_is_no_leak_route() {
    let app = common::sqlite_app().await;
    let r = app
        .client
        .post(app.url("/v1/leaks/github"))
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for bad in [
        "",
        "{}",
        r#"{"public_keys": []}"#,
        r#"{"public_keys": [{"key_identifier": "a", "key": "nope"}]}"#,
    ] {
        assert!(ScanningKeys::parse(bad, "f").is_err(), "{bad}");
    }
}
