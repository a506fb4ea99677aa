//! Two servers on one database: a reset token redeemed 64 times at once,
//! half through each, is accepted exactly once.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDEMPTIONS: usize = 64;

async fn one_token_redeems_once_across_two_servers(app: TestApp) {
    let other = app.another_server().await;
    let r = app
        .post("/v1/reset-tokens")
        .json(&json!({"user_id": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let token = r.json::<Value>().await.unwrap()["token"].clone();

    // Every request waits at the barrier so they reach the servers together.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(REDEMPTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..REDEMPTIONS {
        let server = if i % 2 == 0 { &app } else { &other };
        let req = server
            .post("/v1/reset-tokens/redeem")
            .json(&json!({"token": token}));
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let r = req.send().await.unwrap();
            let status = r.status();
            (i % 2, status, r.json::<Value>().await.unwrap())
        });
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for (server, status, body) in tasks.join_all().await {
        match status {
            StatusCode::OK => {
                assert_eq!(body, json!({"user_id": "alice"}));
                accepted.push(server);
            }
            StatusCode::BAD_REQUEST => {
                assert_eq!(body["error"], "invalid_token", "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(accepted.len(), 1, "accepted by servers {accepted:?}");
    assert_eq!(refused, REDEMPTIONS - 1);
}

on_both_backends!(one_token_redeems_once_across_two_servers);
