//! The HTTP service in process: arbitrary methods, paths, queries, headers
//! and JSON bodies through `keysmith_server::router`, over a SQLite store
//! in a temporary directory, driven with `tower::ServiceExt::oneshot` on a
//! current-thread runtime built once.
//!
//! Requests are made from the service's own OpenAPI document (its routes,
//! parameters and body schemas), with values from the schema, from the
//! answers to earlier requests of the same input (ids, tokens, keys), from
//! a few fixed awkward strings, or arbitrary. One input is a short
//! sequence of requests, so that one can use what another made.
//!
//! An input that starts with an uppercase letter is a script instead, as
//! the seed corpus is written: requests in HTTP's text form (a request
//! line, headers, a blank line, the body), separated by `===` lines, with
//! `{full}`, `{narrow}` and `{other}` for the service keys (every scope;
//! one scope; another tenant) and `{last:FIELD}` for the latest value of
//! FIELD in an answer so far. A report to `/v1/leaks/github` without a
//! key id header is signed with the key the server trusts.
//! `KEYSMITH_FUZZ_TRACE=1` prints every request and its answer.
//!
//! Invariants: no answer is a 5xx (a panic in a handler is one: it becomes
//! a 500); every answer has `Cache-Control: no-store` and a request id;
//! every 4xx is a JSON `{"error": …, "message": …}`; no error message
//! holds a secret the service handed out (service keys, API keys, reset
//! tokens, codes, TOTP secrets).

#![no_main]

use arbitrary::{Result, Unstructured};
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use keysmith_server::limits::{Limits, Rate};
use keysmith_server::{AppState, KEY_ID_HEADER, SIGNATURE_HEADER, ScanningKeys, router};
use keysmith_store::{
    AtRestKey, AtRestKeys, ManualClock, Scope, Scopes, Store, StoreOptions, Tenant,
};
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tower::ServiceExt;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// The id the leak route's test key is published under.
const LEAK_KEY_ID: &str = "fuzz-key";

/// Requests per input, at most.
const MAX_REQUESTS: usize = 4;

/// Fields whose string values are secrets the service hands out once.
const SECRET_FIELDS: [&str; 6] = ["key", "token", "code", "codes", "secret", "uri"];

/// Strings that have broken parsers elsewhere.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "a\u{0}b",
    "%00",
    "%",
    "%zz",
    "..",
    "/",
    "//",
    "\\",
    "\u{feff}x",
    "\u{200b}",
    "é",
    "👍",
    "null",
    "true",
    "-1",
    "0",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "1e400",
    "NaN",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00+23:59",
    "1970-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "all",
    "admin",
    "sk_live_",
    "ks_",
    "SHA1",
    "minute",
    "month",
];

#[derive(Debug)]
struct Op {
    method: Method,
    /// The path template, `{name}` for each path parameter.
    path: String,
    path_params: Vec<String>,
    query_params: Vec<String>,
    body: Option<Value>,
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
    store: Store,
    clock: Arc<ManualClock>,
    doc: Value,
    ops: Vec<Op>,
    /// Every property and parameter name in the document.
    names: Vec<String>,
    /// String values from answers to the fixed requests made at start,
    /// with the field each was in.
    pool: Vec<(String, String)>,
    /// Secrets handed out at start, which no error may contain.
    secrets: Vec<String>,
    /// A key with every scope; made again if a request revokes it.
    full_key: Mutex<String>,
    /// A key with one scope only.
    narrow_key: String,
    /// A key of another tenant.
    other_key: String,
    signer: SigningKey,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(Harness::start)
}

/// A directory that lives as long as the process (libFuzzer ends with
/// `exit`, so nothing would remove it): under `TMPDIR`, which `.ci/fuzz`
/// points at a directory it removes.
fn data_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keysmith-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

impl Harness {
    fn start() -> Harness {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let clock = Arc::new(ManualClock::new(T0));
        let keys = AtRestKeys::new(AtRestKey::new("k1", [7u8; 32].to_vec()).unwrap());
        let options = StoreOptions::default()
            .with_clock(clock.clone())
            .with_at_rest_keys(keys);
        let url = format!("sqlite://{}", data_dir().join("fuzz.db").display());
        let signer = SigningKey::from_slice(&[0x42; 32]).expect("a P-256 key");
        let pem = signer
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM");
        let scanning = ScanningKeys::parse(
            &json!({"public_keys": [{"key_identifier": LEAK_KEY_ID, "key": pem, "is_current": true}]})
                .to_string(),
            "fuzz",
        )
        .expect("the leak key");
        let (store, full_key, narrow_key, other_key) = runtime.block_on(async {
            let store = Store::open(&url, options).await.expect("the store");
            let make = |tenant: &'static str, scopes: Scopes| {
                let store = store.clone();
                async move {
                    store
                        .service_keys()
                        .create(&Tenant::new(tenant).unwrap(), "fuzz", scopes)
                        .await
                        .expect("a service key")
                        .key
                        .expose()
                        .to_owned()
                }
            };
            let full = make("default", Scopes::all()).await;
            let narrow = make("default", Scopes::none().with(Scope::ALL[0])).await;
            let other = make("other", Scopes::all()).await;
            (store, full, narrow, other)
        });
        // Every limit off: one address and three keys send everything, and
        // a limit reached would hide the routes behind it.
        let mut limits = Limits::DEFAULT;
        limits.rate_limit = Rate::Off;
        limits.auth_failure_limit = Rate::Off;
        limits.trust_forwarded_for = true;
        limits.request_timeout = Duration::from_secs(60);
        let app = router(AppState::new(store.clone(), limits).with_scanning_keys(scanning));

        let mut harness = Harness {
            runtime,
            app,
            store,
            clock,
            doc: Value::Null,
            ops: Vec::new(),
            names: Vec::new(),
            pool: Vec::new(),
            secrets: vec![full_key.clone(), narrow_key.clone(), other_key.clone()],
            full_key: Mutex::new(full_key),
            narrow_key,
            other_key,
            signer,
        };
        let (status, doc) = harness.call_json(Method::GET, "/openapi.json", None);
        assert_eq!(status, StatusCode::OK);
        harness.read_doc(doc);
        harness.seed_pool();
        harness
    }

    /// One request with the full key; the status and the JSON answer.
    fn call_json(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.full_key()));
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        let (status, _, bytes) = self.send(req);
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        self.runtime.block_on(async {
            let response = self.app.clone().oneshot(req).await.expect("infallible");
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .expect("a body that can be read");
            (parts.status, parts.headers, bytes.to_vec())
        })
    }

    fn full_key(&self) -> String {
        self.full_key.lock().unwrap().clone()
    }

    /// A new full key when a request revoked the old one, so that the
    /// inputs after it reach the routes again.
    fn renew_full_key(&self) {
        let key = self.runtime.block_on(async {
            self.store
                .service_keys()
                .create(&Tenant::default(), "fuzz", Scopes::all())
                .await
                .expect("a service key")
                .key
                .expose()
                .to_owned()
        });
        *self.full_key.lock().unwrap() = key;
    }

    /// The operations and names of the OpenAPI document.
    fn read_doc(&mut self, doc: Value) {
        let mut names = std::collections::BTreeSet::new();
        collect_names(&doc, &mut names);
        self.names = names.into_iter().collect();
        let paths = doc["paths"].as_object().expect("paths").clone();
        for (path, item) in &paths {
            for (method, op) in item.as_object().expect("a path item") {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                let named = |place: &str| -> Vec<String> {
                    params
                        .iter()
                        .filter(|p| p["in"] == place)
                        .filter_map(|p| p["name"].as_str().map(str::to_owned))
                        .collect()
                };
                self.ops.push(Op {
                    method,
                    path: path.clone(),
                    path_params: named("path"),
                    query_params: named("query"),
                    body: op
                        .pointer("/requestBody/content/application~1json/schema")
                        .cloned(),
                });
            }
        }
        assert!(self.ops.len() >= 20, "only {} operations", self.ops.len());
        self.doc = doc;
    }

    /// Things to refer to: a reset token, a challenge, an API key, a TOTP
    /// factor and recovery codes, made once with fixed requests.
    fn seed_pool(&mut self) {
        let requests = [
            ("/v1/reset-tokens", json!({"user_id": "alice"})),
            ("/v1/otp", json!({"subject": "alice"})),
            (
                "/v1/api-keys",
                json!({"owner": "alice", "prefix": "sk_test", "scopes": ["read", "write"],
                       "remaining": 5, "rate_limit": {"limit": 3, "window_seconds": 60}}),
            ),
            (
                "/v1/totp",
                json!({"subject": "alice", "issuer": "Example", "account": "alice@example.com"}),
            ),
            ("/v1/recovery-codes", json!({"subject": "alice"})),
            (
                "/v1/service-keys",
                json!({"name": "second", "scopes": ["reset-tokens:issue"]}),
            ),
        ];
        for (path, body) in requests {
            let (status, answer) = self.call_json(Method::POST, path, Some(body));
            assert!(status.is_success(), "{path}: {status} {answer}");
            let mut secrets = Vec::new();
            harvest(&answer, None, &mut self.pool, &mut secrets);
            self.secrets.extend(secrets);
        }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(r) => self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or(&Value::Null),
            None => schema,
        }
    }
}

/// Every `properties` key and parameter name under `v`.
fn collect_names(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            if let (Some(Value::String(name)), Some(Value::String(_))) =
                (map.get("name"), map.get("in"))
            {
                out.insert(name.clone());
            }
            map.values().for_each(|v| collect_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_names(v, out)),
        _ => {}
    }
}

/// Every string in `v` into `pool`, with its field; those under a secret
/// field also into `secrets`.
fn harvest(
    v: &Value,
    field: Option<&str>,
    pool: &mut Vec<(String, String)>,
    secrets: &mut Vec<String>,
) {
    match v {
        Value::String(s) => {
            if field.is_some_and(|f| SECRET_FIELDS.contains(&f)) && s.len() >= 16 {
                secrets.push(s.clone());
            }
            // Each code of a list is a secret too, however short.
            if field == Some("codes") && s.len() >= 8 {
                secrets.push(s.clone());
            }
            let entry = (field.unwrap_or_default().to_owned(), s.clone());
            if !pool.contains(&entry) {
                pool.push(entry);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| harvest(i, field, pool, secrets)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| harvest(v, Some(k), pool, secrets)),
        _ => {}
    }
}

/// What one input has seen so far: the fixed pool, then what its own
/// requests were answered with.
struct Seen<'h> {
    h: &'h Harness,
    pool: Vec<(String, String)>,
    secrets: Vec<String>,
}

impl Seen<'_> {
    fn string(&self, u: &mut Unstructured<'_>) -> Result<String> {
        Ok(match u.int_in_range(0..=9)? {
            0..=3 if !self.pool.is_empty() || !self.h.pool.is_empty() => {
                let all = self.h.pool.len() + self.pool.len();
                let i = u.choose_index(all)?;
                let s = if i < self.h.pool.len() {
                    &self.h.pool[i].1
                } else {
                    &self.pool[i - self.h.pool.len()].1
                };
                match u.int_in_range(0..=7)? {
                    0..=5 => s.clone(),
                    // Damaged: cut short, or one character more.
                    6 => s
                        .chars()
                        .take(s.chars().count().saturating_sub(1))
                        .collect(),
                    _ => format!("{s}{}", u.arbitrary::<char>()?),
                }
            }
            4 | 5 => (*u.choose(AWKWARD)?).to_owned(),
            6 => u.choose(&self.h.names)?.clone(),
            7 => "x".repeat(u.int_in_range(0..=2000)?),
            _ => u.arbitrary()?,
        })
    }

    fn any_json(&self, u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
        let top = if depth == 0 { 4 } else { 6 };
        Ok(match u.int_in_range(0..=top)? {
            0 => Value::Null,
            1 => Value::Bool(u.arbitrary()?),
            2 => json!(u.arbitrary::<i64>()?),
            3 => {
                let f: f64 = u.arbitrary()?;
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            4 => Value::String(self.string(u)?),
            5 => {
                let n = u.int_in_range(0..=4)?;
                Value::Array(
                    (0..n)
                        .map(|_| self.any_json(u, depth - 1))
                        .collect::<Result<_>>()?,
                )
            }
            _ => {
                let n = u.int_in_range(0..=4)?;
                let mut map = Map::new();
                for _ in 0..n {
                    map.insert(self.string(u)?, self.any_json(u, depth - 1)?);
                }
                Value::Object(map)
            }
        })
    }

    fn integer(&self, u: &mut Unstructured<'_>, schema: &Value) -> Result<Value> {
        let min = schema["minimum"].as_f64();
        let max = schema["maximum"].as_f64();
        let edge = |x: Option<f64>, d: f64| x.map_or(json!(0), |x| json!((x + d) as i64));
        Ok(match u.int_in_range(0..=9)? {
            0 => edge(min, 0.0),
            1 => edge(max, 0.0),
            2 => json!(u.int_in_range(0..=100)?),
            3 => edge(min, -1.0),
            4 => edge(max, 1.0),
            5 => json!(u64::MAX),
            6 => json!(-1),
            7 => json!(1.5),
            _ => json!(u.arbitrary::<i64>()?),
        })
    }

    /// A value for `schema`: usually one it allows, sometimes anything.
    fn value(&self, u: &mut Unstructured<'_>, schema: &Value, depth: u32) -> Result<Value> {
        let schema = self.h.resolve(schema);
        if depth == 0 || rarely(u, 12)? {
            return self.any_json(u, depth.min(2));
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(choices)) = schema.get(key)
                && !choices.is_empty()
            {
                let choice = u.choose(choices)?;
                return self.value(u, choice, depth - 1);
            }
        }
        if let Some(Value::Array(values)) = schema.get("enum")
            && !values.is_empty()
            && u.ratio(3, 4)?
        {
            return Ok(u.choose(values)?.clone());
        }
        let kind = match &schema["type"] {
            Value::String(t) => t.clone(),
            Value::Array(ts) if !ts.is_empty() => {
                u.choose(ts)?.as_str().unwrap_or("null").to_owned()
            }
            _ if schema.get("properties").is_some() => "object".to_owned(),
            _ => return self.any_json(u, depth.min(2)),
        };
        Ok(match kind.as_str() {
            "null" => Value::Null,
            "boolean" => Value::Bool(u.arbitrary()?),
            "integer" => self.integer(u, schema)?,
            "number" => json!(u.arbitrary::<f32>()?),
            "string" => Value::String(self.string(u)?),
            "array" => {
                let n = u.int_in_range(0..=5)?;
                let items = schema.get("items").unwrap_or(&Value::Null);
                Value::Array(
                    (0..n)
                        .map(|_| self.value(u, items, depth - 1))
                        .collect::<Result<_>>()?,
                )
            }
            _ => {
                let mut map = Map::new();
                if let Some(Value::Object(props)) = schema.get("properties") {
                    for (name, prop) in props {
                        if u.ratio(4, 5)? {
                            map.insert(name.clone(), self.value(u, prop, depth - 1)?);
                        }
                    }
                }
                if rarely(u, 10)? {
                    map.insert(self.string(u)?, self.any_json(u, 1)?);
                }
                Value::Object(map)
            }
        })
    }

    /// A path segment or query value, percent-encoded (or sometimes not).
    fn component(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let s = self.string(u)?;
        Ok(if rarely(u, 8)? {
            s
        } else {
            percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        })
    }

    fn request(&self, u: &mut Unstructured<'_>) -> Result<Sent> {
        let h = self.h;
        let op = u.choose(&h.ops)?;
        let method = match u.int_in_range(0..=15)? {
            0..=7 => op.method.clone(),
            8 => Method::GET,
            9 => Method::POST,
            10 => Method::DELETE,
            11 => Method::PATCH,
            12 => Method::PUT,
            13 => Method::HEAD,
            14 => Method::OPTIONS,
            _ => match Method::from_bytes(u.arbitrary::<&str>()?.as_bytes()) {
                Ok(m) => m,
                Err(_) => op.method.clone(),
            },
        };
        let mut path = op.path.clone();
        for name in &op.path_params {
            path = path.replace(&format!("{{{name}}}"), &self.component(u)?);
        }
        if rarely(u, 16)? {
            path = u.arbitrary()?;
        }
        let mut query = Vec::new();
        for name in &op.query_params {
            if u.ratio(3, 4)? {
                query.push(format!("{name}={}", self.component(u)?));
            }
        }
        if rarely(u, 6)? {
            query.push(format!("{}={}", self.component(u)?, self.component(u)?));
        }
        let uri = if query.is_empty() && u.ratio(7, 8)? {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };

        let body: Vec<u8> = match (&op.body, u.int_in_range(0..=9)?) {
            (_, 7) => Vec::new(),
            (_, 8) => u.arbitrary::<&[u8]>()?.to_vec(),
            (_, 9) => self.any_json(u, 3)?.to_string().into_bytes(),
            (Some(schema), _) => self.value(u, schema, 5)?.to_string().into_bytes(),
            (None, _) if op.path == "/v1/leaks/github" => {
                let n = u.int_in_range(0..=3)?;
                let mut reports = Vec::new();
                for _ in 0..n {
                    reports.push(json!({
                        "token": self.string(u)?,
                        "type": "keysmith_api_key",
                        "url": self.string(u)?,
                        "source": self.string(u)?,
                    }));
                }
                Value::Array(reports).to_string().into_bytes()
            }
            (None, _) => Vec::new(),
        };

        let bearer = match u.int_in_range(0..=9)? {
            0..=5 => Some(h.full_key()),
            6 => Some(h.narrow_key.clone()),
            7 => Some(h.other_key.clone()),
            8 => Some(self.string(u)?),
            _ => None,
        };
        let mut req = Request::builder().method(method).uri(uri.as_str());
        if let Some(b) = &bearer {
            let scheme = *u.choose(&["Bearer", "Bearer", "Bearer", "bearer", "Basic", ""])?;
            req = req.header(header::AUTHORIZATION, format!("{scheme} {b}"));
        }
        let content_type = match u.int_in_range(0..=9)? {
            0..=4 => Some("application/json".to_owned()),
            5 => Some("application/json; charset=utf-8".to_owned()),
            6 => Some("application/problem+json".to_owned()),
            7 => Some("text/plain".to_owned()),
            8 => Some(u.arbitrary::<String>()?),
            _ => None,
        };
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        if op.path == "/v1/leaks/github" && u.ratio(3, 4)? {
            let signature: Signature = h.signer.sign(&body);
            let b64 = base64_encode(signature.to_der().as_bytes());
            req = req
                .header(KEY_ID_HEADER, LEAK_KEY_ID)
                .header(SIGNATURE_HEADER, b64);
        }
        for _ in 0..u.int_in_range(0..=3)? {
            let name = *u.choose(&[
                "x-request-id",
                "x-forwarded-for",
                "content-length",
                "accept",
                "accept-encoding",
                "authorization",
                "content-type",
                KEY_ID_HEADER,
                SIGNATURE_HEADER,
            ])?;
            let value = self.string(u)?;
            req = req.header(name, value);
        }
        Ok(Sent {
            head: req,
            body,
            bearer: bearer.unwrap_or_default(),
        })
    }
}

/// A request to send, kept to be shown if its answer breaks a rule.
struct Sent {
    head: axum::http::request::Builder,
    body: Vec<u8>,
    bearer: String,
}

/// `true` with probability `1/n`, and `false` once the input is used up
/// (when `Unstructured` answers its defaults), so that a short input makes
/// the usual request rather than the odd one.
fn rarely(u: &mut Unstructured<'_>, n: u8) -> Result<bool> {
    Ok(!u.ratio(n - 1, n)?)
}

fn base64_encode(bytes: &[u8]) -> String {
    data_encoding::BASE64.encode(bytes)
}

impl Seen<'_> {
    /// `{full}`, `{narrow}`, `{other}` (the service keys) and
    /// `{last:FIELD}` (the latest value of FIELD in an answer) in `text`,
    /// replaced.
    fn fill(&self, text: &str) -> String {
        let h = self.h;
        let mut out = text
            .replace("{full}", &h.full_key())
            .replace("{narrow}", &h.narrow_key)
            .replace("{other}", &h.other_key);
        while let Some(start) = out.find("{last:") {
            let Some(len) = out[start..].find('}') else {
                break;
            };
            let field = &out[start + 6..start + len];
            let value = self
                .pool
                .iter()
                .rev()
                .chain(h.pool.iter().rev())
                .find(|(f, _)| f == field)
                .map_or(String::new(), |(_, v)| v.clone());
            out.replace_range(start..=start + len, &value);
        }
        out
    }

    /// One request of a script (see the module docs), placeholders filled.
    fn scripted(&self, text: &[u8]) -> Sent {
        let (head, body) = match text.windows(2).position(|w| w == b"\n\n") {
            Some(i) => (&text[..i], &text[i + 2..]),
            None => (text, &[][..]),
        };
        let head = self.fill(&String::from_utf8_lossy(head));
        let mut lines = head.lines();
        let first = lines.next().unwrap_or_default();
        let (method, uri) = first.split_once(' ').unwrap_or((first, "/"));
        let mut req = Request::builder().method(method).uri(uri);
        let mut bearer = String::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.trim_start();
            if name.eq_ignore_ascii_case("authorization") {
                bearer = value.split_once(' ').map_or(value, |(_, b)| b).to_owned();
            }
            req = req.header(name, value);
        }
        let body = match std::str::from_utf8(body) {
            Ok(b) => self.fill(b).into_bytes(),
            Err(_) => body.to_vec(),
        };
        if uri.starts_with("/v1/leaks/github") && !head.contains(KEY_ID_HEADER) {
            let signature: Signature = self.h.signer.sign(&body);
            req = req.header(KEY_ID_HEADER, LEAK_KEY_ID).header(
                SIGNATURE_HEADER,
                base64_encode(signature.to_der().as_bytes()),
            );
        }
        Sent {
            head: req,
            body,
            bearer,
        }
    }
}

/// Sends `sent` and checks the answer; what the answer holds goes into
/// `seen`.
fn exchange(seen: &mut Seen<'_>, sent: Sent) {
    let h = seen.h;
    // What the HTTP layer would refuse (a bad URI or header) never
    // reaches the router.
    let Ok(req) = sent.head.body(Body::from(sent.body.clone())) else {
        return;
    };
    let shown = format!(
        "{} {} {:?} {:?}",
        req.method(),
        req.uri(),
        req.headers(),
        String::from_utf8_lossy(&sent.body)
    );
    let bearer = sent.bearer;
    let full = bearer == h.full_key();
    let head = req.method() == Method::HEAD;
    let (status, headers, body) = h.send(req);
    let context = || format!("{shown} -> {status} {}", String::from_utf8_lossy(&body));
    if std::env::var_os("KEYSMITH_FUZZ_TRACE").is_some() {
        eprintln!("{}", context());
    }
    assert!(!status.is_server_error(), "a 5xx: {}", context());
    assert_eq!(
        headers.get(header::CACHE_CONTROL),
        Some(&HeaderValue::from_static("no-store")),
        "{}",
        context()
    );
    assert!(
        headers.contains_key(HeaderName::from_static("x-request-id")),
        "{}",
        context()
    );
    let answer: Option<Value> = serde_json::from_slice(&body).ok();
    if !status.is_client_error() {
        if let Some(answer) = &answer {
            harvest(answer, None, &mut seen.pool, &mut seen.secrets);
        }
        return;
    }
    if !head {
        let message = answer
            .as_ref()
            .filter(|a| a["error"].is_string())
            .and_then(|a| a["message"].as_str());
        let Some(message) = message else {
            panic!("a 4xx that is not a JSON error: {}", context());
        };
        let current = h.full_key();
        for secret in h.secrets.iter().chain(&seen.secrets).chain([&current]) {
            assert!(
                !message.contains(secret.as_str()),
                "an error shows a secret: {}",
                context()
            );
        }
    }
    if full && answer.is_some_and(|a| a["error"] == "unauthorized") {
        h.renew_full_key();
    }
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let mut seen = Seen {
        h,
        pool: Vec::new(),
        secrets: Vec::new(),
    };
    // A script when it starts like a request line (the seed corpus), else
    // requests made from the document.
    if data.first().is_some_and(u8::is_ascii_uppercase) {
        let mut rest = data;
        for _ in 0..MAX_REQUESTS {
            let (one, next) = match rest.windows(5).position(|w| w == b"\n===\n") {
                Some(i) => (&rest[..i], Some(&rest[i + 5..])),
                None => (rest, None),
            };
            let sent = seen.scripted(one);
            exchange(&mut seen, sent);
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
        return;
    }
    let mut u = Unstructured::new(data);
    let requests = u.int_in_range(1..=MAX_REQUESTS).unwrap_or(1);
    for _ in 0..requests {
        if rarely(&mut u, 10).unwrap_or(false) {
            let secs = u.int_in_range(1..=100_000u64).unwrap_or(1);
            h.clock.advance(Duration::from_secs(secs));
        }
        let Ok(sent) = seen.request(&mut u) else {
            break;
        };
        exchange(&mut seen, sent);
    }
});
