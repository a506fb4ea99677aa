//! Every error is JSON with a stable code, and none echoes a secret.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

async fn unknown_routes_and_methods_are_json(app: TestApp) {
    let r = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_found");
    let r = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
}

async fn type_errors_do_not_echo_values(app: TestApp) {
    let r = app
        .post("/v1/reset-tokens/redeem")
        .json(&serde_json::json!({ "token": 987_654_321_u64 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("token"), "{message}");
    assert!(!message.contains("987654321"), "{message}");
}

async fn a_bad_api_key_is_not_a_bad_service_key(app: TestApp) {
    let r = app
        .post("/v1/api-keys/verify")
        .json(&serde_json::json!({ "key": "sk_live_notakey" }))
        .send()
        .await
        .unwrap();
    // A 401 means only a bad service key: a bad API key is an answer.
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("www-authenticate").is_none());
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "NOT_FOUND");
}

on_both_backends!(
    unknown_routes_and_methods_are_json,
    type_errors_do_not_echo_values,
    a_bad_api_key_is_not_a_bad_service_key
);
