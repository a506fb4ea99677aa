//! docs/http.md stays true to the server: every route it documents (a
//! heading `` `METHOD /path` ``) is in the server's `/openapi.json` with the
//! scope its `Scope:` line names, or, outside `/v1`, is answered by the
//! router; and every route of `/openapi.json` is documented.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use keysmith_server::router;
use keysmith_store::testing::{TempDir, empty_sqlite};
use keysmith_store::{Store, StoreOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tower::ServiceExt;

/// The methods an OpenAPI path item may have.
const METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

/// A route: its method and its path pattern, as the OpenAPI document
/// writes it (`/v1/otp/{challenge_id}/check`).
type Route = (String, String);

/// The application as `keysmith serve` builds it with every route (leak
/// reports included), on a fresh SQLite file.
async fn app() -> (axum::Router, TempDir) {
    let (url, dir) = empty_sqlite();
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    (router(crate::openapi_document::state(&store, true)), dir)
}

async fn call(app: &axum::Router, method: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

/// Every route of the document, with the scope its security requirement
/// names (`None` for a route without one).
fn openapi_routes(doc: &serde_json::Value) -> BTreeMap<Route, Option<String>> {
    let mut routes = BTreeMap::new();
    let paths = doc["paths"].as_object().expect("the document has paths");
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method.to_lowercase()) else {
                continue;
            };
            let scope = operation["security"]
                .as_array()
                .and_then(|reqs| reqs.first())
                .and_then(|req| req["service_key"].as_array())
                .and_then(|scopes| scopes.first())
                .and_then(|s| s.as_str())
                .map(str::to_owned);
            routes.insert((method.to_owned(), path.clone()), scope);
        }
    }
    routes
}

/// What docs/http.md says of one route.
#[derive(Debug)]
struct Documented {
    line: usize,
    /// The `Scope:` line's scope, `Some("none")` for "Scope: none", `None`
    /// without such a line.
    scope: Option<String>,
}

/// The text of a heading line, without its `#`s.
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    (rest.len() < line.len() && rest.starts_with(' ')).then(|| rest.trim())
}

/// `` `POST /v1/reset-tokens` `` as a route.
fn route_heading(title: &str) -> Option<Route> {
    let inner = title.strip_prefix('`')?.strip_suffix('`')?;
    let (method, path) = inner.split_once(' ')?;
    (METHODS.contains(&method) && path.starts_with('/'))
        .then(|| (method.to_owned(), path.to_owned()))
}

/// The scope a `Scope:` line names: `` Scope: `otp:start`. `` gives
/// `otp:start`, `Scope: none …` gives `none`.
fn scope_line(line: &str) -> Option<String> {
    let rest = line.strip_prefix("Scope: ")?;
    if rest.starts_with("none") {
        return Some("none".to_owned());
    }
    let inner = rest.strip_prefix('`')?;
    inner.split_once('`').map(|(s, _)| s.to_owned())
}

/// The routes docs/http.md documents, outside fenced code blocks.
fn documented_routes(text: &str) -> Result<BTreeMap<Route, Documented>, String> {
    let mut routes: BTreeMap<Route, Documented> = BTreeMap::new();
    let mut current: Option<Route> = None;
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if let Some(title) = heading(line) {
            current = route_heading(title);
            if let Some(route) = &current {
                let again = routes.insert(
                    route.clone(),
                    Documented {
                        line: i + 1,
                        scope: None,
                    },
                );
                if let Some(first) = again {
                    return Err(format!(
                        "`{} {}` has two headings, lines {} and {}",
                        route.0,
                        route.1,
                        first.line,
                        i + 1
                    ));
                }
            }
            continue;
        }
        if let (Some(route), Some(scope)) = (&current, scope_line(line)) {
            let entry = routes.get_mut(route).unwrap();
            entry.scope.get_or_insert(scope);
        }
    }
    Ok(routes)
}

fn http_md() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/http.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (path, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let (app, _dir) = app().await;
    let (status, body) = call(&app, "GET", "/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "GET /openapi.json");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let served = openapi_routes(&doc);
    assert!(
        served.len() > 20,
        "only {} routes in /openapi.json: its parsing is broken",
        served.len()
    );

    let (path, text) = http_md();
    let documented = documented_routes(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut problems = Vec::new();
    for ((method, route), scope) in &served {
        let want = scope.as_deref().unwrap_or("none");
        match documented.get(&(method.clone(), route.clone())) {
            None => problems.push(format!(
                "`{method} {route}` is in /openapi.json but has no heading ### `{method} {route}`"
            )),
            Some(d) => match d.scope.as_deref() {
                Some(s) if s == want => {}
                Some(s) => problems.push(format!(
                    "line {}: `{method} {route}` says Scope: {s}, /openapi.json says {want}",
                    d.line
                )),
                None => problems.push(format!(
                    "line {}: `{method} {route}` has no \"Scope: `{want}`\" line",
                    d.line
                )),
            },
        }
    }
    for ((method, route), d) in &documented {
        if served.contains_key(&(method.clone(), route.clone())) {
            continue;
        }
        // The routes outside /v1 (health, metrics, the document itself) are
        // not part of the API's document: the router must answer them.
        if route.starts_with("/v1") {
            problems.push(format!(
                "line {}: `{method} {route}` is not in /openapi.json",
                d.line
            ));
            continue;
        }
        let (status, _) = call(&app, method, route).await;
        if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            problems.push(format!(
                "line {}: `{method} {route}` is neither in /openapi.json nor answered by the server ({status})",
                d.line
            ));
        }
        if d.scope.as_deref() != Some("none") {
            problems.push(format!(
                "line {}: `{method} {route}` needs no key: its line should be \"Scope: none\"",
                d.line
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} and the server disagree:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
}

/// The parsers above, on small inputs, so that a test that passes has
/// looked at something.
#[test]
fn the_parsers_find_what_they_look_for() {
    let text = "# T\n### `POST /v1/x`\n\nScope: `x:y`.\n\nScope: `not:this`\n### `GET /healthz`\nScope: none.\n```\n### `GET /v1/in-code`\n```\n### Other\nScope: `z`\n";
    let routes = documented_routes(text).unwrap();
    let keys: Vec<_> = routes.keys().map(|(m, p)| format!("{m} {p}")).collect();
    assert_eq!(keys, ["GET /healthz", "POST /v1/x"]);
    assert_eq!(
        routes[&("POST".to_owned(), "/v1/x".to_owned())]
            .scope
            .as_deref(),
        Some("x:y")
    );
    assert_eq!(
        routes[&("GET".to_owned(), "/healthz".to_owned())]
            .scope
            .as_deref(),
        Some("none")
    );
    assert!(documented_routes("### `GET /a`\n### `GET /a`\n").is_err());
    let doc = serde_json::json!({"paths": {"/v1/a/{id}": {
        "get": {"security": [{"service_key": ["a:read"]}]},
        "post": {},
        "parameters": []
    }}});
    let served = openapi_routes(&doc);
    assert_eq!(
        served[&("GET".to_owned(), "/v1/a/{id}".to_owned())].as_deref(),
        Some("a:read")
    );
    assert_eq!(served[&("POST".to_owned(), "/v1/a/{id}".to_owned())], None);
    assert_eq!(served.len(), 2);
}
