//! A bounded load generator for `keysmith serve`, for docs/benchmarks.md.
//!
//! Talks only to the URL it is given (meant for 127.0.0.1). Three
//! workloads; the first two in two phases so that the figure for the
//! second request is not mixed with the first:
//!
//! - `reset`: issue N reset tokens (unique users, so no throttle), then
//!   redeem them all;
//! - `reset-sweep`: the same, running the shell command in
//!   `LOAD_BEFORE_REDEEM` between the two phases;
//! - `otp`: start N challenges (unique subjects), then check each with its
//!   code;
//! - `verify`: create one API key (`POST /v1/api-keys`, not timed), then
//!   verify it N times (`POST /v1/api-keys/verify`, expected: 200).
//!
//! Every phase runs N requests over C concurrent connections and prints one
//! JSON line: requests, seconds, requests/s, p50/p99/max latency in ms, and
//! how many answers were not the expected one (status, and for a code check
//! "approved").
//!
//! ```text
//! cargo run --release -p keysmith-server --example load -- \
//!     http://127.0.0.1:8080 KEY reset 20000 32
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Phase {
    name: String,
    latencies_us: Vec<u64>,
    errors: usize,
    elapsed: Duration,
}

impl Phase {
    fn report(&mut self) -> serde_json::Value {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        let pct = |p: f64| {
            if n == 0 {
                0.0
            } else {
                let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
                self.latencies_us[i] as f64 / 1000.0
            }
        };
        serde_json::json!({
            "phase": self.name,
            "requests": n,
            "seconds": self.elapsed.as_secs_f64(),
            "requests_per_second": n as f64 / self.elapsed.as_secs_f64(),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": pct(1.0),
            "unexpected_status": self.errors,
        })
    }
}

/// Runs `make(i)` for i in 0..n over `clients` workers; each call returns
/// whether the answer was the expected one and an output to keep.
async fn run_phase<F, Fut, T>(
    name: &str,
    n: usize,
    clients: usize,
    make: F,
) -> (Phase, Vec<Option<T>>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = (bool, Option<T>)> + Send,
    T: Send + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients {
        let make = make.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                let (ok, value) = make(i).await;
                out.push((i, t.elapsed().as_micros() as u64, ok, value));
            }
            out
        }));
    }
    let mut latencies_us = Vec::with_capacity(n);
    let mut errors = 0;
    let mut values: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for w in workers {
        for (i, us, ok, value) in w.await.expect("worker") {
            latencies_us.push(us);
            if !ok {
                errors += 1;
            }
            values[i] = value;
        }
    }
    let elapsed = start.elapsed();
    (
        Phase {
            name: name.to_string(),
            latencies_us,
            errors,
            elapsed,
        },
        values,
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: load BASE_URL SERVICE_KEY reset|reset-sweep|otp|verify REQUESTS CLIENTS");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_string();
    let key = args[2].clone();
    let workload = args[3].clone();
    let n: usize = args[4].parse().expect("REQUESTS is a number");
    let clients: usize = args[5].parse().expect("CLIENTS is a number");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let run = keysmith::token_hex(4);

    match workload.as_str() {
        "reset" | "reset-sweep" => {
            // reset-sweep: the same, with the command in LOAD_BEFORE_REDEEM
            // run between the two phases (bench/load fills the database
            // with spent rows there, for the server's sweeper to purge
            // while the redeem phase runs).
            let sweep = workload == "reset-sweep";
            let (c, b, k, r) = (client.clone(), base.clone(), key.clone(), run.clone());
            let issue_name = if sweep {
                "reset issue, before a sweep"
            } else {
                "reset issue"
            };
            let (mut issue, tokens) = run_phase(issue_name, n, clients, move |i| {
                let (c, b, k, r) = (c.clone(), b.clone(), k.clone(), r.clone());
                async move {
                    let resp = c
                        .post(format!("{b}/v1/reset-tokens"))
                        .bearer_auth(&k)
                        .json(&serde_json::json!({ "user_id": format!("load-{r}-{i}") }))
                        .send()
                        .await;
                    match resp {
                        Ok(resp) if resp.status() == 201 => {
                            let v: serde_json::Value = resp.json().await.unwrap_or_default();
                            (true, v["token"].as_str().map(str::to_owned))
                        }
                        _ => (false, None),
                    }
                }
            })
            .await;
            println!("{}", issue.report());
            if sweep {
                let hook = std::env::var("LOAD_BEFORE_REDEEM").unwrap_or_default();
                let ran = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(&hook)
                    .status();
                if !matches!(ran, Ok(s) if s.success()) {
                    eprintln!("load: LOAD_BEFORE_REDEEM failed: {ran:?}");
                    std::process::exit(1);
                }
            }
            let tokens = Arc::new(tokens);
            let (c, b, k) = (client.clone(), base.clone(), key.clone());
            let redeem_name = if sweep {
                "reset redeem, while sweeping"
            } else {
                "reset redeem"
            };
            let (mut redeem, _) = run_phase(redeem_name, n, clients, move |i| {
                let (c, b, k, tokens) = (c.clone(), b.clone(), k.clone(), tokens.clone());
                async move {
                    let token = tokens[i].clone().unwrap_or_default();
                    let resp = c
                        .post(format!("{b}/v1/reset-tokens/redeem"))
                        .bearer_auth(&k)
                        .json(&serde_json::json!({ "token": token }))
                        .send()
                        .await;
                    (matches!(resp, Ok(r) if r.status() == 200), None::<()>)
                }
            })
            .await;
            println!("{}", redeem.report());
        }
        "otp" => {
            let (c, b, k, r) = (client.clone(), base.clone(), key.clone(), run.clone());
            let (mut start, started) = run_phase("otp start", n, clients, move |i| {
                let (c, b, k, r) = (c.clone(), b.clone(), k.clone(), r.clone());
                async move {
                    let resp = c
                        .post(format!("{b}/v1/otp"))
                        .bearer_auth(&k)
                        .json(&serde_json::json!({ "subject": format!("load-{r}-{i}") }))
                        .send()
                        .await;
                    match resp {
                        Ok(resp) if resp.status() == 201 => {
                            let v: serde_json::Value = resp.json().await.unwrap_or_default();
                            let pair = v["challenge_id"]
                                .as_str()
                                .zip(v["code"].as_str())
                                .map(|(a, b)| (a.to_owned(), b.to_owned()));
                            (true, pair)
                        }
                        _ => (false, None),
                    }
                }
            })
            .await;
            println!("{}", start.report());
            let started = Arc::new(started);
            let (c, b, k) = (client.clone(), base.clone(), key.clone());
            let (mut check, _) = run_phase("otp check", n, clients, move |i| {
                let (c, b, k, started) = (c.clone(), b.clone(), k.clone(), started.clone());
                async move {
                    let (id, code) = started[i].clone().unwrap_or_default();
                    let resp = c
                        .post(format!("{b}/v1/otp/{id}/check"))
                        .bearer_auth(&k)
                        .json(&serde_json::json!({ "code": code }))
                        .send()
                        .await;
                    // A wrong code is a 200 too ("denied"): only "approved"
                    // is the expected answer.
                    let approved = match resp {
                        Ok(r) if r.status() == 200 => r
                            .json::<serde_json::Value>()
                            .await
                            .is_ok_and(|v| v["status"] == "approved"),
                        _ => false,
                    };
                    (approved, None::<()>)
                }
            })
            .await;
            println!("{}", check.report());
        }
        "verify" => {
            // One key, made before the clock starts; the server records a
            // use at most once a minute, so nearly every verify is a read.
            let made = client
                .post(format!("{base}/v1/api-keys"))
                .bearer_auth(&key)
                .json(&serde_json::json!({ "owner": "load", "prefix": "sk_live" }))
                .send()
                .await;
            let api_key = match made {
                Ok(resp) if resp.status().is_success() => resp
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v["key"].as_str().map(str::to_owned)),
                Ok(resp) => {
                    eprintln!("load: creating the API key answered {}", resp.status());
                    None
                }
                Err(e) => {
                    eprintln!("load: creating the API key failed: {e}");
                    None
                }
            };
            let Some(api_key) = api_key else {
                std::process::exit(1);
            };
            let api_key = Arc::new(api_key);
            let (c, b, k) = (client.clone(), base.clone(), key.clone());
            let (mut verify, _) = run_phase("api-key verify", n, clients, move |_| {
                let (c, b, k, api_key) = (c.clone(), b.clone(), k.clone(), api_key.clone());
                async move {
                    let resp = c
                        .post(format!("{b}/v1/api-keys/verify"))
                        .bearer_auth(&k)
                        .json(&serde_json::json!({ "key": api_key.as_str() }))
                        .send()
                        .await;
                    // Read the body, as for the other phases that keep
                    // something, so the connection goes back clean.
                    let ok = match resp {
                        Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    (ok, None::<()>)
                }
            })
            .await;
            println!("{}", verify.report());
        }
        other => {
            eprintln!("unknown workload '{other}': use reset, reset-sweep, otp or verify");
            std::process::exit(2);
        }
    }
}
