//! Prometheus metrics: requests by route, method and status, latency
//! histograms, requests in flight; served at `GET /metrics`.
//!
//! Labels come from the route *pattern* ([`MatchedPath`]), never the raw
//! path, which could carry ids or tokens, and the method is one of the
//! standard ones or `OTHER`, so no client can grow the label space.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Requests answered, by `route`, `method` and `status`.
pub const REQUESTS_TOTAL: &str = "http_requests_total";
/// Time from the request reaching the router to its response, in seconds,
/// by `route`, `method` and `status`.
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Requests being handled now, by `route`.
pub const REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
/// The `route` label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Latency bucket bounds, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's Prometheus handle. The recorder is global (the `metrics`
/// macros need it so), so it is installed once, by the first app built in
/// the process; every app after it shares it. If some other recorder was
/// installed first, the handle renders an empty page rather than failing.
pub(crate) fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), BUCKETS)
            .expect("the bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will be empty");
        } else {
            describe();
        }
        handle
    })
}

fn describe() {
    metrics::describe_counter!(REQUESTS_TOTAL, "HTTP requests answered");
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency"
    );
    metrics::describe_gauge!(REQUESTS_IN_FLIGHT, "HTTP requests being handled");
}

/// Keeps the recorder's histograms drained while nobody scrapes: every
/// `every`, on the current tokio runtime, until aborted.
pub(crate) fn spawn_upkeep(every: Duration) -> tokio::task::JoinHandle<()> {
    let handle = handle().clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    })
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn render() -> Response {
    let body = handle().render();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// The route pattern that matched `req`, or [`UNMATCHED`].
pub(crate) fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string())
}

/// The method as a label: a standard method's name, else `OTHER`.
pub(crate) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

/// Middleware counting every request and timing it.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = method_label(req.method());
    let started = Instant::now();
    let in_flight = InFlight::enter(route.clone());
    let response = next.run(req).await;
    drop(in_flight);
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(REQUEST_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// One request in flight; leaves the gauge when dropped, also when the
/// client goes away and the handler is cancelled.
struct InFlight(metrics::Gauge);

impl InFlight {
    fn enter(route: String) -> Self {
        let gauge = metrics::gauge!(REQUESTS_IN_FLIGHT, "route" => route);
        gauge.increment(1.0);
        InFlight(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
