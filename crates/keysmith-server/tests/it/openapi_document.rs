//! The OpenAPI document against the router it describes, both in process:
//! every route of the router is in it and no other, every error code it
//! names is in the error enum, the answers the layers give are documented
//! on every route they can reach, and the limits it states are the
//! constants that define them. (schemathesis, in `.ci/schemathesis`,
//! checks the answers themselves against it.)

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use keysmith_server::limits::Limits;
use keysmith_server::{AppState, BODY_LIMIT, LEAK_BODY_LIMIT, ScanningKeys, router};
use keysmith_store::{ALL_SCOPES, ApiKeys, MAX_IDENTIFIER_LEN, MAX_PAGE, RATE_WINDOWS, Scope};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

const LEAKS: &str = "/v1/leaks/github";

/// The state of a server on `store`, with leak reports or without.
pub(crate) fn state(store: &keysmith_store::Store, leaks: bool) -> AppState {
    let state = AppState::new(store.clone(), Limits::DEFAULT);
    if !leaks {
        return state;
    }
    let key = SigningKey::from_slice(&[7; 32]).unwrap();
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let file = json!({"public_keys": [{"key_identifier": "k", "key": pem, "is_current": true}]});
    state.with_scanning_keys(ScanningKeys::parse(&file.to_string(), "test").unwrap())
}

/// One request to the router, in process.
async fn call(state: AppState, method: Method, path: &str) -> axum::response::Response {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    router(state).oneshot(request).await.unwrap()
}

async fn document(state: AppState) -> Value {
    let r = call(state, Method::GET, "/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// (path, method) of every operation, the method in upper case.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.clone(), m.to_uppercase()))
        })
        .collect()
}

/// Every operation: (path, method, operation object).
fn each_operation(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), op));
        }
    }
    out
}

/// `value`, or what its `$ref` points at.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{r} resolves to nothing"))
        }
        None => value,
    }
}

/// The routes docs/http.md describes (its headings `` ### `METHOD /path` ``),
/// as `(path, method)`: an independent list of what the router serves.
fn readme_routes() -> BTreeSet<(String, String)> {
    let doc = include_str!("../../../../docs/http.md");
    let mut routes = BTreeSet::new();
    for heading in doc.lines().filter_map(|l| l.strip_prefix("### `")) {
        let Some(cell) = heading.strip_suffix('`') else {
            continue;
        };
        let Some((method, path)) = cell.split_once(' ') else {
            continue;
        };
        if method.bytes().all(|b| b.is_ascii_uppercase()) && path.starts_with('/') {
            routes.insert((path.to_string(), method.to_string()));
        }
    }
    routes
}

/// The document lists every route the router has, and only those: each
/// documented path answers an unknown method with 405 and an `Allow` of
/// exactly the documented methods, and the paths are docs/http.md's.
#[tokio::test]
async fn the_document_lists_the_routes_of_the_router() {
    let app = common::sqlite_app().await;
    for leaks in [false, true] {
        let doc = document(state(&app.store, leaks)).await;
        let documented = operations(&doc);
        let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (path, method) in &documented {
            by_path.entry(path).or_default().insert(method);
        }
        for (path, methods) in &by_path {
            let concrete = path
                .replace("{challenge_id}", "ch_x")
                .replace("{factor_id}", "tf_x")
                .replace("{subject}", "s1")
                .replace("{id}", "key_x");
            let probe = Method::from_bytes(b"PROBE").unwrap();
            let r = call(state(&app.store, leaks), probe, &concrete).await;
            assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
            let allow: BTreeSet<String> = r.headers()["allow"]
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| m != "HEAD")
                .collect();
            let methods: BTreeSet<String> = methods.iter().map(|m| m.to_string()).collect();
            assert_eq!(allow, methods, "{path}: the router's methods");
        }
        let mut readme = readme_routes();
        if !leaks {
            readme.remove(&(LEAKS.to_string(), "POST".to_string()));
            // Without scanning keys the route is absent from the router too.
            let r = call(state(&app.store, false), Method::POST, LEAKS).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
        }
        assert_eq!(documented, readme, "docs/http.md's routes (leaks: {leaks})");
    }
}

/// `text` of every response of the document: (where, status, text).
fn response_texts(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, method, op) in each_operation(doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if let Some(d) = response["description"].as_str() {
                out.push((format!("{method} {path}"), status.clone(), d.to_string()));
            }
        }
    }
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        // The status of a shared answer is where it is used; the codes
        // it lists are its own.
        out.push((
            name.clone(),
            String::new(),
            response["description"].as_str().unwrap().to_string(),
        ));
    }
    out
}

/// The backticked words of `text` that look like error codes.
fn named_codes(text: &str) -> impl Iterator<Item = &str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// Every code an error answer names is in the error body's enum, every
/// code of the enum is named by some answer, and the enum is docs/http.md's
/// table of error codes.
#[tokio::test]
async fn every_error_code_named_is_in_the_error_enum() {
    let app = common::sqlite_app().await;
    let doc = document(state(&app.store, true)).await;
    let error = &doc["components"]["schemas"]["ErrorBody"]["properties"]["error"];
    let codes: BTreeSet<&str> = error["enum"]
        .as_array()
        .expect("the error code is an enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // Words of an error answer that are fields of its body, not codes.
    let fields: BTreeSet<&str> = doc["components"]["schemas"]["ErrorBody"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut named = BTreeSet::new();
    for (at, status, text) in response_texts(&doc) {
        if status.starts_with('2') {
            continue;
        }
        for word in named_codes(&text) {
            assert!(
                codes.contains(word) || fields.contains(word),
                "{at} {status} names `{word}`, which is not an error code"
            );
            named.insert(word.to_string());
        }
    }
    for code in &codes {
        assert!(
            named.contains(*code),
            "no answer of the document names `{code}`"
        );
    }

    let readme = include_str!("../../../../docs/http.md");
    let table: BTreeSet<&str> = readme
        .lines()
        .filter_map(|l| {
            let mut cells = l.split('|').map(str::trim);
            let (_, status, code) = (cells.next()?, cells.next()?, cells.next()?);
            let code = code.strip_prefix('`')?.strip_suffix('`')?;
            (status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit())).then_some(code)
        })
        .collect();
    assert_eq!(codes, table, "docs/http.md's table of error codes");
}

/// The answers of the layers are documented on every route they can
/// reach, once, as shared responses the routes refer to: 405, 408, 500
/// and 503 everywhere; 401, 403 and 429 behind a service key; 413 and 415
/// with a JSON body. Every 429 and 503 documents `Retry-After`, every 405
/// `Allow`.
#[tokio::test]
async fn the_layers_answers_are_documented_on_every_route() {
    let app = common::sqlite_app().await;
    let doc = document(state(&app.store, true)).await;
    let shared = |status: &str| match status {
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "405" => "MethodNotAllowed",
        "408" => "RequestTimeout",
        "413" => "PayloadTooLarge",
        "415" => "UnsupportedMediaType",
        "429" => "TooManyRequests",
        "500" => "InternalError",
        "503" => "Unavailable",
        other => panic!("no shared answer for {other}"),
    };
    let mut v1 = 0;
    for (path, method, op) in each_operation(&doc) {
        let at = format!("{method} {path}");
        let responses = &op["responses"];
        let mut expected = vec!["405", "408", "500", "503"];
        let bearer = op.get("security").is_some();
        if bearer {
            expected.extend(["401", "403", "429"]);
        }
        if op.get("requestBody").is_some() {
            expected.push("413");
            // The leak route reads its body as bytes, whatever the type,
            // to check GitHub's signature over them.
            if path != LEAKS {
                expected.push("415");
            }
        }
        if path.starts_with("/v1/") {
            v1 += 1;
            assert!(
                bearer || path == LEAKS,
                "{at}: a /v1 route needs a service key"
            );
        }
        for status in expected {
            let response = responses
                .get(status)
                .unwrap_or_else(|| panic!("{at}: {status} is not documented"));
            // The route's own answer may take the place of the shared one
            // (a 429 `throttled`, a 401 `bad_signature`, readiness' 503);
            // behind a service key, it names the shared one's codes too,
            // which the layers still answer.
            let component = format!("#/components/responses/{}", shared(status));
            match response["$ref"].as_str() {
                Some(r) => assert_eq!(r, component, "{at}"),
                None if bearer && ["401", "403", "429"].contains(&status) => {
                    let own = response["description"].as_str().unwrap();
                    let reference = json!({ "$ref": component });
                    let theirs = resolve(&doc, &reference)["description"].as_str().unwrap();
                    let codes = theirs.rsplit("(`error`:").next().unwrap();
                    for code in named_codes(codes) {
                        assert!(
                            own.contains(&format!("`{code}`")),
                            "{at} {status}: `{code}`"
                        );
                    }
                }
                None => {}
            }
            let response = resolve(&doc, response);
            let content = &response["content"];
            assert!(
                content["application/json"]["schema"].is_object(),
                "{at} {status}: a JSON body"
            );
            let headers = &response["headers"];
            match status {
                "429" | "503" => assert!(headers["Retry-After"].is_object(), "{at} {status}"),
                "405" => assert!(headers["Allow"].is_object(), "{at} {status}"),
                _ => {}
            }
        }
        // Every reference of the operation resolves.
        for response in responses.as_object().unwrap().values() {
            let response = resolve(&doc, response);
            for media in response["content"].as_object().into_iter().flatten() {
                resolve(&doc, &media.1["schema"]);
            }
        }
    }
    assert!(v1 >= 24, "{v1} /v1 operations");
}

/// The document's limits are the constants that define them, and the
/// server holds to them at the boundary.
#[tokio::test]
async fn the_limits_are_the_constants() {
    let app = common::sqlite_app().await;
    let doc = document(state(&app.store, true)).await;
    let schemas = &doc["components"]["schemas"];
    let property = |schema: &str, field: &str| -> Value {
        let s = &schemas[schema];
        // A schema with a rule across its fields is an allOf.
        let object = s.get("allOf").map_or(s, |all| &all[0]);
        object["properties"][field].clone()
    };
    assert_eq!(
        property("ResetTokenRequest", "ttl_seconds")["maximum"].as_u64(),
        Some(keysmith::reset::MAX_TTL.as_secs())
    );
    for schema in [
        "OtpStartRequest",
        "TotpEnrolRequest",
        "TotpVerifyRequest",
        "RecoveryCodesRequest",
        "RecoveryRedeemRequest",
    ] {
        let subject = property(schema, "subject");
        assert_eq!(
            subject["maxLength"].as_u64(),
            Some(MAX_IDENTIFIER_LEN as u64),
            "{schema}"
        );
        assert_eq!(subject["minLength"].as_u64(), Some(1), "{schema}");
    }
    assert_eq!(
        property("ApiKeyCreateRequest", "owner")["maxLength"].as_u64(),
        Some(ApiKeys::MAX_OWNER_LEN as u64)
    );
    assert_eq!(
        property("ApiKeyCreateRequest", "scopes")["maxItems"].as_u64(),
        Some(ApiKeys::MAX_SCOPES as u64)
    );
    assert_eq!(
        property("RateLimitBody", "window_seconds")["maximum"].as_u64(),
        Some(RATE_WINDOWS.end().as_secs())
    );
    assert_eq!(
        property("ApiKeyRotateRequest", "grace_seconds")["maximum"].as_u64(),
        Some(ApiKeys::MAX_ROTATION_GRACE.as_secs())
    );
    let scopes = property("ServiceKeyCreateRequest", "scopes");
    let names: BTreeSet<&str> = scopes["items"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut expected: BTreeSet<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    expected.insert(ALL_SCOPES);
    assert_eq!(names, expected);
    let limit = doc["paths"]["/v1/api-keys"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["maximum"].as_u64(), Some(MAX_PAGE as u64));
    // The body limits, in the descriptions of the 413s.
    let too_large = doc["components"]["responses"]["PayloadTooLarge"]["description"]
        .as_str()
        .unwrap();
    assert!(too_large.contains(&BODY_LIMIT.to_string()), "{too_large}");
    let leak = doc["paths"][LEAKS]["post"]["responses"]["413"]["description"]
        .as_str()
        .unwrap();
    assert!(leak.contains(&LEAK_BODY_LIMIT.to_string()), "{leak}");

    // The subject's limit is the server's: at it 201, past it 400.
    for (len, status) in [
        (MAX_IDENTIFIER_LEN, reqwest::StatusCode::CREATED),
        (MAX_IDENTIFIER_LEN + 1, reqwest::StatusCode::BAD_REQUEST),
    ] {
        let r = app
            .post("/v1/recovery-codes")
            .json(&json!({"subject": "s".repeat(len)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "a subject of {len} bytes");
    }
}

/// Health, readiness and metrics are in the document, without a key; the
/// metrics as Prometheus' text.
#[tokio::test]
async fn operations_routes_are_documented() {
    let app = common::sqlite_app().await;
    let doc = document(state(&app.store, false)).await;
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path}");
        assert!(op.get("security").is_none(), "{path} needs no key");
        let ok = &op["responses"]["200"]["content"];
        let media = if path == "/metrics" {
            "text/plain"
        } else {
            "application/json"
        };
        assert!(ok[media].is_object(), "{path}: {ok}");
    }
    let ready = &doc["paths"]["/readyz"]["get"]["responses"]["503"];
    assert!(ready["content"]["application/json"]["schema"].is_object());
}
