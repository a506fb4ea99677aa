//! Inputs the fuzz targets (`fuzz/`) found breaking a property, kept as
//! tests: each names its target and the property.

use keysmith_server::config::parse_at_rest_keys;

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// `at_rest_keys`: an error never quotes key material. A key written
/// where the id goes (`<hex>:`, `<hex>:<id>`, or twice) was quoted as the
/// id.
#[test]
fn a_key_in_the_place_of_the_id_is_not_quoted() {
    let upper = KEY.to_uppercase();
    for text in [
        format!("{KEY}:"),
        format!("{KEY}:k1"),
        format!("{KEY}:{KEY}\n{KEY}:{KEY}"),
        format!("k1:{KEY}\n{KEY}{KEY}:zz"),
        format!("k1:{KEY} {upper}:"),
    ] {
        let e = parse_at_rest_keys(&text, "keys").unwrap_err();
        let shown = e.to_string().to_lowercase();
        assert!(shown.starts_with("keys: line "), "{shown}");
        assert!(!shown.contains(&KEY[..16]), "{shown}");
    }
    let e = parse_at_rest_keys(&format!("k1:{KEY}\n\n{KEY}:"), "keys").unwrap_err();
    assert_eq!(
        e.to_string(),
        "keys: line 3: a server key has 0 bytes; at least 32 are needed"
    );
    let e = parse_at_rest_keys(&format!("a:{KEY} a:{KEY}"), "keys").unwrap_err();
    assert_eq!(
        e.to_string(),
        "keys: line 1, entry 2: the key id is already used (line 1, entry 1)"
    );
}

/// `server_router`: an error never repeats what a request held. A secret
/// sent as the name of an unknown field came back in the 400's message.
async fn an_unknown_field_is_not_named(app: crate::common::TestApp) {
    let secret = keysmith::token_urlsafe(None);
    let r = app
        .post("/v1/reset-tokens")
        .json(&serde_json::json!({"user_id": "u", secret.clone(): 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains(&secret), "{message}");
    assert!(message.contains("unknown field"), "{message}");
}

on_both_backends!(an_unknown_field_is_not_named);
