//! Health checks, authentication and error shape.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

async fn health_checks_need_no_key(app: TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Not ready once the database is gone.
    app.store.close().await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
}

async fn v1_needs_a_working_service_key(app: TestApp) {
    let path = app.url("/v1/reset-tokens");
    let cases: Vec<Option<String>> = vec![
        None,
        Some("Bearer".into()),
        Some("Bearer ks_svc_garbage".into()),
        Some(format!("Basic {}", app.key)),
        Some(format!("Bearer {}x", app.key)),
    ];
    for auth in cases {
        let mut req = app
            .client
            .post(&path)
            .json(&serde_json::json!({"user_id": "u"}));
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        assert!(!body.to_string().contains(&app.key));
    }
    // The scheme is case-insensitive; the key is not.
    for scheme in ["bearer", "BEARER"] {
        let r = app
            .client
            .post(&path)
            .header("authorization", format!("{scheme} {}", app.key))
            .json(&serde_json::json!({"user_id": scheme}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{scheme}");
    }
    let r = app
        .client
        .post(&path)
        .header(
            "authorization",
            format!("Bearer {}", app.key.to_uppercase()),
        )
        .json(&serde_json::json!({"user_id": "u"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

on_both_backends!(health_checks_need_no_key, v1_needs_a_working_service_key);
