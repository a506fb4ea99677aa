//! A restart loses nothing: a token issued before it redeems after it,
//! and one redeemed before it stays spent.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn issue(app: &TestApp, user: &str) -> Value {
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["token"].clone()
}

async fn redeem(app: &TestApp, token: &Value) -> (StatusCode, Value) {
    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn tokens_survive_a_restart(mut app: TestApp) {
    let kept = issue(&app, "alice").await;
    let spent = issue(&app, "bob").await;
    assert_eq!(redeem(&app, &spent).await.0, StatusCode::OK);

    let old_addr = app.addr;
    app.stop().await;
    app.store.close().await;
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "the first server is down"
    );

    // A new server process on the same database: new pool, new listener.
    let restarted = app.another_server().await;
    assert_ne!(restarted.addr, old_addr);
    assert_eq!(
        redeem(&restarted, &kept).await,
        (StatusCode::OK, json!({"user_id": "alice"}))
    );
    let (status, body) = redeem(&restarted, &spent).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_token");
    // And the kept one is spent now, too.
    assert_eq!(redeem(&restarted, &kept).await.0, StatusCode::BAD_REQUEST);
}

on_both_backends!(tokens_survive_a_restart);
