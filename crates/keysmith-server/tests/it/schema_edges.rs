//! Requests the OpenAPI document admits, or refuses, at the edges that
//! schemathesis found: whole numbers written as floats, times with an
//! offset, bodies that are arrays, and the bounds of a TOTP label.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};

async fn answer(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn integers_may_be_written_as_whole_floats() {
    let app = common::sqlite_app().await;
    for (count, status, codes) in [
        (json!(3.0), StatusCode::CREATED, Some(3)),
        (json!(2e0), StatusCode::CREATED, Some(2)),
        (json!(3.5), StatusCode::BAD_REQUEST, None),
        // Past 2^53 a float spells no one integer.
        (json!(1e16), StatusCode::BAD_REQUEST, None),
    ] {
        let r = app
            .post("/v1/recovery-codes")
            .json(&json!({"subject": "s", "count": count}))
            .send()
            .await
            .unwrap();
        let (got, body) = answer(r).await;
        assert_eq!(got, status, "{count}: {body}");
        if let Some(n) = codes {
            assert_eq!(body["codes"].as_array().unwrap().len(), n, "{body}");
        } else {
            assert_eq!(body["error"], "invalid_request", "{body}");
        }
    }
}

#[tokio::test]
async fn an_array_is_no_body() {
    let app = common::sqlite_app().await;
    let r = app
        .post("/v1/api-keys")
        .json(&json!({"owner": "o", "prefix": "sk"}))
        .send()
        .await
        .unwrap();
    let (status, key) = answer(r).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = key["id"].as_str().unwrap();
    // serde would read `[owner, prefix]` as the two fields in order.
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/v1/api-keys".to_string(),
            json!(["o", "sk"]),
        ),
        (
            reqwest::Method::PATCH,
            format!("/v1/api-keys/{id}"),
            json!([null, null]),
        ),
    ] {
        let r = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&app.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, body) = answer(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {body}");
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["message"], "the body must be a JSON object");
    }
}

#[tokio::test]
async fn expiry_times_take_any_offset() {
    let app = common::sqlite_app().await;
    for (given, stored) in [
        ("2027-01-01T14:30:00+02:30", "2027-01-01T12:00:00Z"),
        ("2027-01-01t12:00:00z", "2027-01-01T12:00:00Z"),
        ("2027-01-01T01:00:00-11:00", "2027-01-01T12:00:00Z"),
    ] {
        let r = app
            .post("/v1/api-keys")
            .json(&json!({"owner": "o", "prefix": "sk", "expires_at": given}))
            .send()
            .await
            .unwrap();
        let (status, body) = answer(r).await;
        assert_eq!(status, StatusCode::CREATED, "{given}: {body}");
        assert_eq!(body["expires_at"], stored, "{given}");
    }
    for past in ["1969-07-20T20:17:00Z", "0313-04-08T15:35:31Z"] {
        let r = app
            .post("/v1/api-keys")
            .json(&json!({"owner": "o", "prefix": "sk", "expires_at": past}))
            .send()
            .await
            .unwrap();
        let (status, body) = answer(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{past}");
        assert_eq!(body["message"], "the key's expiry must be in the future");
    }
}

#[tokio::test]
async fn totp_labels_are_bounded_so_the_uri_fits_a_qr_code() {
    let app = common::sqlite_app().await;
    // The longest of each, in four-byte characters: the most a URI holds.
    let issuer = "😀".repeat(128 / 4);
    let account = "😀".repeat(256 / 4);
    let enrol = |issuer: String, account: String| {
        app.post("/v1/totp")
            .json(&json!({"subject": "s", "issuer": issuer, "account": account}))
            .send()
    };
    let (status, body) = answer(enrol(issuer.clone(), account.clone()).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    for (issuer, account, what) in [
        (format!("{issuer}x"), account.clone(), "issuer"),
        (issuer.clone(), format!("{account}x"), "account"),
    ] {
        let (status, body) = answer(enrol(issuer, account).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert!(body["message"].as_str().unwrap().contains(what), "{body}");
    }
}
