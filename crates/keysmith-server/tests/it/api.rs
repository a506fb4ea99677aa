//! The `/v1` routes over HTTP: happy paths, status codes, JSON shapes,
//! bad requests, and the OpenAPI document.

use crate::common;

use common::TestApp;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The body of an error answer, after checking its status, its code and
/// that it has a message.
async fn expect_error(r: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers()["content-type"],
        "application/json",
        "error bodies are JSON"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

async fn json_of(r: Response, status: StatusCode) -> Value {
    let got = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

/// The object's keys, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

// ---- reset tokens ----

async fn reset_token_redeems_once(app: TestApp) {
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "alice"}))
        .send()
        .await
        .unwrap();
    let issued = json_of(r, StatusCode::CREATED).await;
    assert_eq!(keys(&issued), ["expires_at", "token"]);
    // The default time to live is 20 minutes.
    assert_eq!(issued["expires_at"], "2026-01-01T00:20:00Z");
    let token = issued["token"].as_str().unwrap();
    assert!(token.len() >= 43, "{token}");

    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"user_id": "alice"})
    );

    // Used, unknown and empty tokens get one answer.
    for t in [token, "not-a-token", ""] {
        let r = app
            .post("/v1/reset-tokens/redeem")
            .json(&json!({"token": t}))
            .send()
            .await
            .unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert!(!body.to_string().contains(token));
    }
}

async fn reset_token_expires(app: TestApp) {
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "bob", "ttl_seconds": 60}))
        .send()
        .await
        .unwrap();
    let issued = json_of(r, StatusCode::CREATED).await;
    assert_eq!(issued["expires_at"], "2026-01-01T00:01:00Z");
    app.clock.advance(Duration::from_secs(60));
    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": issued["token"]}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_token").await;
}

async fn reset_token_ttl_is_checked(app: TestApp) {
    for ttl in [json!(0), json!(7 * 24 * 3600 + 1), json!(u64::MAX)] {
        let r = app
            .post("/v1/reset-tokens")
            .json(&json!({"user_id": "carol", "ttl_seconds": ttl}))
            .send()
            .await
            .unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(
            body["message"].as_str().unwrap().contains("ttl_seconds"),
            "{body}"
        );
    }
    for ttl in [json!(-1), json!(1.5), json!("60")] {
        let r = app
            .post("/v1/reset-tokens")
            .json(&json!({"user_id": "carol", "ttl_seconds": ttl}))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    // The refusals claimed nothing: the longest ttl is accepted at once.
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "carol", "ttl_seconds": 7 * 24 * 3600}))
        .send()
        .await
        .unwrap();
    let issued = json_of(r, StatusCode::CREATED).await;
    assert_eq!(issued["expires_at"], "2026-01-08T00:00:00Z");
    // An empty user id is the store's refusal, still a 400.
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": ""}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

async fn reset_token_throttled(app: TestApp) {
    let issue = || {
        app.post("/v1/reset-tokens")
            .json(&json!({"user_id": "dave"}))
            .send()
    };
    let first = json_of(issue().await.unwrap(), StatusCode::CREATED).await;
    app.clock.advance(Duration::from_secs(15));
    let r = issue().await.unwrap();
    assert_eq!(r.headers()["retry-after"], "45");
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "throttled").await;
    // The throttled request changed nothing: the first token still works.
    app.clock.advance(Duration::from_secs(45));
    let second = json_of(issue().await.unwrap(), StatusCode::CREATED).await;
    // ...until the next one revoked it.
    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": first["token"]}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_token").await;
    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": second["token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["user_id"], "dave");
}

// ---- one-time codes ----

async fn start_otp(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/otp").json(&body).send().await.unwrap();
    json_of(r, StatusCode::CREATED).await
}

async fn check_otp(app: &TestApp, id: &Value, code: &str) -> Response {
    app.post(&format!("/v1/otp/{}/check", id.as_str().unwrap()))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
}

/// A wrong code for `code`: same length, another first digit.
fn wrong(code: &str) -> String {
    let first = if code.starts_with('0') { '1' } else { '0' };
    format!("{first}{}", &code[1..])
}

async fn otp_denied_then_approved(app: TestApp) {
    let started = start_otp(&app, json!({"subject": "alice@example.com"})).await;
    assert_eq!(keys(&started), ["challenge_id", "code", "expires_at"]);
    assert!(started["challenge_id"].as_str().unwrap().starts_with("ch_"));
    let code = started["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(started["expires_at"], "2026-01-01T00:10:00Z");
    let id = &started["challenge_id"];

    let r = check_otp(&app, id, &wrong(code)).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied", "attempts_left": 4})
    );
    // The answer names the subject; a check for another subject is
    // denied and counted, even with the right code.
    let r = app
        .post(&format!("/v1/otp/{}/check", id.as_str().unwrap()))
        .json(&json!({"code": code, "subject": "mallory@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied", "attempts_left": 3})
    );
    let r = app
        .post(&format!("/v1/otp/{}/check", id.as_str().unwrap()))
        .json(&json!({"code": code, "subject": "alice@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "approved", "subject": "alice@example.com"})
    );
    // Used up.
    let r = check_otp(&app, id, code).await;
    expect_error(r, StatusCode::GONE, "expired").await;
}

async fn otp_locks(app: TestApp) {
    let started = start_otp(&app, json!({"subject": "bob", "max_attempts": 2})).await;
    let (id, code) = (&started["challenge_id"], started["code"].as_str().unwrap());
    for left in [1, 0] {
        let r = check_otp(&app, id, &wrong(code)).await;
        assert_eq!(
            json_of(r, StatusCode::OK).await,
            json!({"status": "denied", "attempts_left": left})
        );
    }
    // Not even the right code is compared any more.
    let r = check_otp(&app, id, code).await;
    let body = expect_error(r, StatusCode::LOCKED, "locked").await;
    assert!(!body.to_string().contains(code));
}

async fn otp_expires(app: TestApp) {
    let started = start_otp(
        &app,
        json!({"subject": "carol", "ttl_seconds": 30, "digits": 8}),
    )
    .await;
    let code = started["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert_eq!(started["expires_at"], "2026-01-01T00:00:30Z");
    app.clock.advance(Duration::from_secs(30));
    let r = check_otp(&app, &started["challenge_id"], code).await;
    expect_error(r, StatusCode::GONE, "expired").await;
    // An unknown id reads the same.
    let r = check_otp(&app, &json!("ch_unknown"), code).await;
    expect_error(r, StatusCode::GONE, "expired").await;
}

async fn otp_options_are_checked(app: TestApp) {
    for body in [
        json!({"subject": "dave", "digits": 3}),
        json!({"subject": "dave", "digits": 13}),
        json!({"subject": "dave", "ttl_seconds": 0}),
        json!({"subject": "dave", "ttl_seconds": 86_401}),
        json!({"subject": "dave", "max_attempts": 0}),
        json!({"subject": "dave", "max_attempts": 21}),
        json!({"subject": ""}),
        json!({"subject": "dave", "digits": -6}),
        json!({"subject": "dave", "digits": "6"}),
    ] {
        let r = app.post("/v1/otp").json(&body).send().await.unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
}

async fn otp_throttled(app: TestApp) {
    for _ in 0..5 {
        start_otp(&app, json!({"subject": "erin"})).await;
    }
    let r = app
        .post("/v1/otp")
        .json(&json!({"subject": "erin"}))
        .send()
        .await
        .unwrap();
    let secs: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&secs), "{secs}");
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "throttled").await;
    // Another subject is not held back.
    start_otp(&app, json!({"subject": "frank"})).await;
}

async fn otp_undecodable_path_is_a_json_400(app: TestApp) {
    let r = app
        .post("/v1/otp/%FF%FE/check")
        .json(&json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

// ---- API keys ----

async fn create_key(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/api-keys").json(&body).send().await.unwrap();
    json_of(r, StatusCode::CREATED).await
}

async fn verify_key(app: &TestApp, key: &Value) -> Response {
    app.post("/v1/api-keys/verify")
        .json(&json!({"key": key}))
        .send()
        .await
        .unwrap()
}

async fn list_keys(app: &TestApp, owner: &str) -> Value {
    let r = app
        // Owners in these tests need no percent-encoding.
        .get(&format!("/v1/api-keys?owner={owner}"))
        .send()
        .await
        .unwrap();
    json_of(r, StatusCode::OK).await
}

async fn api_key_lifecycle(app: TestApp) {
    let created = create_key(
        &app,
        json!({"owner": "acme", "prefix": "sk_live", "scopes": ["read", "write"]}),
    )
    .await;
    assert_eq!(
        keys(&created),
        [
            "created_at",
            "display_id",
            "expires_at",
            "id",
            "key",
            "owner",
            "prefix",
            "scopes"
        ]
    );
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("sk_live_"), "{key}");
    assert!(created["id"].as_str().unwrap().starts_with("key_"));
    assert_eq!(created["owner"], "acme");
    assert_eq!(created["prefix"], "sk_live");
    assert_eq!(created["scopes"], json!(["read", "write"]));
    assert_eq!(created["created_at"], "2026-01-01T00:00:00Z");
    assert_eq!(created["expires_at"], Value::Null);

    let r = verify_key(&app, &created["key"]).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({
            "valid": true, "code": "VALID", "id": created["id"], "owner": "acme",
            "name": null, "meta": null, "scopes": ["read", "write"], "remaining": null,
            "expires_at": null,
        })
    );

    app.clock.advance(Duration::from_secs(5));
    create_key(&app, json!({"owner": "acme", "prefix": "sk_test"})).await;
    create_key(&app, json!({"owner": "someone-else", "prefix": "sk_live"})).await;
    let listed = list_keys(&app, "acme").await;
    assert_eq!(keys(&listed), ["keys", "next_cursor"]);
    assert_eq!(listed["next_cursor"], Value::Null);
    let entries = listed["keys"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for e in entries {
        assert_eq!(
            keys(e),
            [
                "created_at",
                "display_id",
                "enabled",
                "expires_at",
                "exposed_at",
                "exposure_source",
                "exposure_url",
                "id",
                "last_used_at",
                "meta",
                "name",
                "owner",
                "prefix",
                "rate_limit",
                "refill",
                "remaining",
                "revoked_at",
                "scopes"
            ]
        );
    }
    assert_eq!(
        entries[0],
        json!({
            "id": created["id"],
            "display_id": created["display_id"],
            "owner": "acme",
            "prefix": "sk_live",
            "scopes": ["read", "write"],
            "name": null,
            "meta": null,
            "remaining": null,
            "refill": null,
            "rate_limit": null,
            "enabled": true,
            "created_at": "2026-01-01T00:00:00Z",
            "last_used_at": "2026-01-01T00:00:00Z",
            "expires_at": null,
            "revoked_at": null,
            "exposed_at": null,
            "exposure_url": null,
            "exposure_source": null,
        })
    );
    assert_eq!(entries[1]["prefix"], "sk_test");
    assert_eq!(entries[1]["scopes"], json!([]));
    assert!(!listed.to_string().contains(key));
    assert_eq!(
        list_keys(&app, "nobody").await,
        json!({"keys": [], "next_cursor": null})
    );

    // Revoked: verification fails, revoking again is fine.
    let path = format!("/v1/api-keys/{}", created["id"].as_str().unwrap());
    for _ in 0..2 {
        let r = app.delete(&path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = verify_key(&app, &created["key"]).await;
    let body = json_of(r, StatusCode::OK).await;
    assert_eq!(
        (&body["valid"], &body["code"]),
        (&json!(false), &json!("REVOKED"))
    );
    assert!(!body.to_string().contains(key));
    assert_eq!(
        list_keys(&app, "acme").await["keys"][0]["revoked_at"],
        "2026-01-01T00:00:05Z"
    );

    let r = app.delete("/v1/api-keys/key_unknown").send().await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app.delete("/v1/api-keys/%FF").send().await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

async fn api_key_rotation(app: TestApp) {
    let old = create_key(
        &app,
        json!({"owner": "acme", "prefix": "sk_live", "scopes": ["read"],
               "expires_at": "2026-06-01T00:00:00Z"}),
    )
    .await;
    let rotate = |id: &Value, grace: u64| {
        app.post(&format!("/v1/api-keys/{}/rotate", id.as_str().unwrap()))
            .json(&json!({"grace_seconds": grace}))
            .send()
    };
    let r = rotate(&old["id"], 60).await.unwrap();
    let new = json_of(r, StatusCode::CREATED).await;
    assert_eq!(keys(&new), keys(&old));
    assert_ne!(new["id"], old["id"]);
    assert_ne!(new["key"], old["key"]);
    assert_eq!(new["scopes"], json!(["read"]));
    assert_eq!(new["expires_at"], "2026-06-01T00:00:00Z");

    // Both work during the grace period; then only the new one.
    json_of(verify_key(&app, &old["key"]).await, StatusCode::OK).await;
    json_of(verify_key(&app, &new["key"]).await, StatusCode::OK).await;
    app.clock.advance(Duration::from_secs(60));
    let r = verify_key(&app, &old["key"]).await;
    assert_eq!(json_of(r, StatusCode::OK).await["code"], "EXPIRED");
    let r = verify_key(&app, &new["key"]).await;
    assert_eq!(json_of(r, StatusCode::OK).await["id"], new["id"]);

    // A rotated key is not rotated again: 409 naming the successor.
    let r = rotate(&old["id"], 0).await.unwrap();
    let body = expect_error(r, StatusCode::CONFLICT, "already_rotated").await;
    assert_eq!(body["successor_id"], new["id"]);
    // A revoked key and an unknown id: 404.
    let r = app
        .delete(&format!("/v1/api-keys/{}", new["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = rotate(&new["id"], 0).await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = rotate(&json!("key_unknown"), 0).await.unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "not_found").await;

    // Grace beyond 30 days, or missing: 400.
    let fresh = create_key(&app, json!({"owner": "acme", "prefix": "sk_live"})).await;
    let r = rotate(&fresh["id"], 30 * 24 * 3600 + 1).await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    let r = app
        .post(&format!(
            "/v1/api-keys/{}/rotate",
            fresh["id"].as_str().unwrap()
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

async fn api_key_expiry(app: TestApp) {
    let created = create_key(
        &app,
        json!({"owner": "acme", "prefix": "sk_live", "expires_at": "2026-01-01T01:00:00Z"}),
    )
    .await;
    assert_eq!(created["expires_at"], "2026-01-01T01:00:00Z");
    json_of(verify_key(&app, &created["key"]).await, StatusCode::OK).await;
    app.clock.advance(Duration::from_secs(3600));
    let r = verify_key(&app, &created["key"]).await;
    assert_eq!(json_of(r, StatusCode::OK).await["code"], "EXPIRED");

    for expires_at in [
        json!("tomorrow"),
        json!("2026-13-01T00:00:00Z"),
        json!(""),
        json!(1_767_225_600),
        // In the past.
        json!("2025-01-01T00:00:00Z"),
    ] {
        let r = app
            .post("/v1/api-keys")
            .json(&json!({"owner": "acme", "prefix": "sk_live", "expires_at": expires_at}))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    for body in [
        json!({"owner": "", "prefix": "sk_live"}),
        json!({"owner": "acme", "prefix": "Not A Prefix"}),
        json!({"owner": "acme", "prefix": "sk_live", "scopes": ["a", "a"]}),
        json!({"owner": "acme", "prefix": "sk_live", "scopes": "read"}),
        json!({"owner": "acme"}),
    ] {
        let r = app.post("/v1/api-keys").json(&body).send().await.unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    // Made-up keys are unknown keys: NOT_FOUND, and nothing else said.
    for key in [json!("sk_live_nope"), json!("")] {
        let r = verify_key(&app, &key).await;
        assert_eq!(
            json_of(r, StatusCode::OK).await,
            json!({"valid": false, "code": "NOT_FOUND"})
        );
    }
}

async fn api_key_list_needs_an_owner(app: TestApp) {
    for query in ["", "?owner=", "?who=acme", "?owner=acme&extra=1"] {
        let r = app
            .get(&format!("/v1/api-keys{query}"))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
}

// ---- bad requests on every body-taking route ----

/// Every route that takes a JSON body, with a valid body for it.
fn body_routes() -> Vec<(&'static str, Value)> {
    vec![
        ("/v1/reset-tokens", json!({"user_id": "u"})),
        ("/v1/reset-tokens/redeem", json!({"token": "t"})),
        ("/v1/otp", json!({"subject": "s"})),
        ("/v1/otp/ch_x/check", json!({"code": "123456"})),
        ("/v1/api-keys", json!({"owner": "o", "prefix": "sk_live"})),
        ("/v1/api-keys/verify", json!({"key": "k"})),
        ("/v1/api-keys/key_x/rotate", json!({"grace_seconds": 0})),
    ]
}

async fn bad_bodies_are_json_errors(app: TestApp) {
    for (path, valid) in body_routes() {
        let send = |body: Vec<u8>, content_type: Option<&str>| {
            let mut req = app.post(path).body(body);
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            req.send()
        };
        let json = Some("application/json");

        let r = send(b"{\"oops\": ".to_vec(), json).await.unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        let r = send(b"[1, 2, 3]".to_vec(), json).await.unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;

        // Wrong type for the first field.
        let mut wrong_type = valid.clone();
        let first = wrong_type
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        wrong_type[&first] = json!({"nested": true});
        let r = send(wrong_type.to_string().into_bytes(), json)
            .await
            .unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;

        let mut unknown = valid.clone();
        unknown["surprise"] = json!(1);
        let r = send(unknown.to_string().into_bytes(), json).await.unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        // Named by the client: not repeated (it could be a secret).
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("unknown field") && !message.contains("surprise"),
            "{message}"
        );

        let r = send(valid.to_string().into_bytes(), None).await.unwrap();
        expect_error(
            r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        let r = send(valid.to_string().into_bytes(), Some("text/plain"))
            .await
            .unwrap();
        expect_error(
            r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;

        // 17 KiB: over the limit, even though it is valid JSON.
        let mut big = valid.clone();
        big["padding"] = json!("x".repeat(17 * 1024));
        let r = send(big.to_string().into_bytes(), json).await.unwrap();
        expect_error(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    }
}

// ---- OpenAPI ----

/// Every `/v1` operation the server has.
/// Every operation, with the scope it needs. The test below checks this
/// table against the OpenAPI document and against the server's answers,
/// so the route table, the document and this list cannot drift apart.
const OPERATIONS: [(&str, &str, &str); 23] = [
    ("/v1/reset-tokens", "post", "reset-tokens:issue"),
    ("/v1/reset-tokens/redeem", "post", "reset-tokens:redeem"),
    ("/v1/otp", "post", "otp:start"),
    ("/v1/otp/{challenge_id}/check", "post", "otp:check"),
    ("/v1/otp/subjects/{subject}/unlock", "post", "admin"),
    ("/v1/api-keys", "post", "api-keys:write"),
    ("/v1/api-keys", "get", "api-keys:read"),
    ("/v1/api-keys/verify", "post", "api-keys:verify"),
    ("/v1/api-keys/{id}", "delete", "api-keys:write"),
    ("/v1/api-keys/{id}/rotate", "post", "api-keys:write"),
    ("/v1/api-keys/{id}", "get", "api-keys:read"),
    ("/v1/api-keys/{id}", "patch", "api-keys:write"),
    ("/v1/service-keys", "post", "admin"),
    ("/v1/service-keys", "get", "admin"),
    ("/v1/service-keys/{id}", "delete", "admin"),
    ("/v1/totp", "post", "totp:manage"),
    ("/v1/totp", "get", "totp:manage"),
    ("/v1/totp/verify", "post", "totp:verify"),
    ("/v1/totp/{factor_id}/confirm", "post", "totp:manage"),
    ("/v1/totp/{factor_id}", "delete", "totp:manage"),
    ("/v1/recovery-codes", "post", "recovery-codes:manage"),
    ("/v1/recovery-codes", "get", "recovery-codes:manage"),
    ("/v1/recovery-codes/redeem", "post", "recovery-codes:redeem"),
];

fn request(app: &TestApp, key: &str, path: &str, method: &str) -> reqwest::RequestBuilder {
    let url = app.url(
        &path
            .replace("{challenge_id}", "ch_x")
            .replace("{factor_id}", "tf_x")
            .replace("{subject}", "s1")
            .replace("{id}", "key_x"),
    );
    let req = match method {
        "get" => app.client.get(url),
        "post" => app.client.post(url).json(&json!({})),
        "delete" => app.client.delete(url),
        "patch" => app.client.patch(url).json(&json!({})),
        other => panic!("unexpected method {other}"),
    };
    req.bearer_auth(key)
}

async fn openapi_documents_every_route(app: TestApp) {
    // No service key needed.
    let r = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
    assert!(doc["components"]["securitySchemes"]["service_key"].is_object());
    // The limits the schema states are the ones the layers below enforce.
    assert_eq!(
        doc["components"]["schemas"]["ResetTokenRequest"]["properties"]["ttl_seconds"]["maximum"]
            .as_u64(),
        Some(keysmith::reset::MAX_TTL.as_secs())
    );

    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented.push((path.as_str(), method.as_str()));
        }
    }
    documented.sort_unstable();
    let mut ids: Vec<&str> = documented
        .iter()
        .map(|(p, m)| paths[*p][*m]["operationId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), documented.len(), "operation ids are unique");
    let mut expected: Vec<(&str, &str)> = OPERATIONS.iter().map(|(p, m, _)| (*p, *m)).collect();
    // Without a key: health, readiness, metrics and the document. The
    // leak route is documented only by a server that has it (see
    // tests/openapi_document.rs).
    expected.extend([
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
    ]);
    expected.sort_unstable();
    assert_eq!(documented, expected);

    for (path, method, scope) in OPERATIONS {
        let op = &paths[path][method];
        assert!(op["responses"].is_object(), "{method} {path}");
        assert_eq!(
            op["security"],
            json!([{"service_key": [scope]}]),
            "{method} {path}"
        );
        assert!(
            op["responses"]["403"].is_object(),
            "{method} {path}: 403 documented"
        );
        // The route exists: a request with an empty body gets a JSON
        // answer from it, not the fallback's "no such route" or a 405.
        let r = request(&app, &app.key, path, method).send().await.unwrap();
        let status = r.status();
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {status}"
        );
        if status.is_success() {
            // Unlocking and making a service key need nothing in the body.
            continue;
        }
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {status}: {e}"));
        assert!(body["error"].is_string(), "{method} {path}: {body}");
        assert_ne!(body["message"], "no such route", "{method} {path}");
    }
}

/// Each route without its scope is 403 naming the scope; with only that
/// scope it is answered (anything but 401 and 403).
async fn every_route_needs_its_scope(app: TestApp) {
    use keysmith_store::{Scope, Scopes};
    for (path, method, name) in OPERATIONS {
        let scope = Scope::parse(name).unwrap();
        let without = app.key_for("default", Scopes::all().without(scope)).await;
        let r = request(&app, &without, path, method).send().await.unwrap();
        let body = expect_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(
            body["message"],
            format!("this service key lacks the scope '{name}'"),
            "{method} {path}"
        );
        let only = app.key_for("default", Scopes::none().with(scope)).await;
        let r = request(&app, &only, path, method).send().await.unwrap();
        assert!(
            ![StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED].contains(&r.status()),
            "{method} {path} with {name}: {}",
            r.status()
        );
    }
}

// ---- NUL characters ----

/// PostgreSQL cannot store NUL in text: a NUL anywhere a client can put
/// one is the client's 400 on both backends, never a database failure.
async fn nul_characters_are_refused(app: TestApp) {
    for (path, body) in [
        ("/v1/reset-tokens", r#"{"user_id": "a\u0000b"}"#),
        ("/v1/reset-tokens/redeem", r#"{"token": "\u0000"}"#),
        ("/v1/otp", r#"{"subject": "a\u0000"}"#),
        ("/v1/otp/ch_x/check", r#"{"code": "12345\u0000"}"#),
        (
            "/v1/api-keys",
            r#"{"owner": "acme", "prefix": "sk_live", "scopes": ["a\u0000"]}"#,
        ),
        ("/v1/api-keys/verify", r#"{"key": "sk_live_\u0000"}"#),
    ] {
        let r = app
            .post(path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(body["message"].as_str().unwrap().contains("NUL"), "{body}");
    }
    for (path, body) in [
        ("/v1/otp/ch_%00/check", json!({"code": "123456"})),
        ("/v1/api-keys/key_%00/rotate", json!({"grace_seconds": 0})),
    ] {
        let r = app.post(path).json(&body).send().await.unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(body["message"].as_str().unwrap().contains("NUL"), "{body}");
    }
    let r = app.delete("/v1/api-keys/key_%00").send().await.unwrap();
    let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(body["message"].as_str().unwrap().contains("NUL"), "{body}");
    let r = app.get("/v1/api-keys?owner=a%00").send().await.unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    // An escaped backslash before "u0000" is no NUL.
    let r = app
        .post("/v1/reset-tokens")
        .header("content-type", "application/json")
        .body(r#"{"user_id": "a\\u0000"}"#)
        .send()
        .await
        .unwrap();
    json_of(r, StatusCode::CREATED).await;
}

on_both_backends!(
    reset_token_redeems_once,
    reset_token_expires,
    reset_token_ttl_is_checked,
    reset_token_throttled,
    otp_denied_then_approved,
    otp_locks,
    otp_expires,
    otp_options_are_checked,
    otp_throttled,
    otp_undecodable_path_is_a_json_400,
    api_key_lifecycle,
    api_key_rotation,
    api_key_expiry,
    api_key_list_needs_an_owner,
    bad_bodies_are_json_errors,
    openapi_documents_every_route,
    nul_characters_are_refused,
    every_route_needs_its_scope,
);
