//! Prometheus metrics: requests by route, method and status, latency
//! histograms, requests in flight; served at `GET /metrics`.
//!
//! Labels come from the route *pattern* ([`MatchedPath`](axum::extract::MatchedPath)), never the raw
//! path, which could carry ids or tokens, and the method is one of the
//! standard ones or `OTHER`, so no client can grow the label space.

use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Gauge, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
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
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses(
        crate::openapi::Always,
        (status = 200, description = "Prometheus' text format (version 0.0.4): \
            `http_requests_total{route,method,status}`, `http_request_duration_seconds`, \
            `http_requests_in_flight` and the store's metrics", body = String, content_type = "text/plain"),
    )
)]
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

/// The series one route writes, made once and kept: looking a series up in
/// the recorder builds its key from the label strings every time, which
/// was a good part of the cost of a cheap request. The label space is
/// bounded (route patterns × methods × statuses), so is this map.
/// A request's method label and status.
type Outcome = (&'static str, u16);

struct RouteSeries {
    in_flight: Gauge,
    by_outcome: RwLock<HashMap<Outcome, (Counter, Histogram)>>,
    route: String,
}

fn route_series(route: &str) -> Arc<RouteSeries> {
    static ROUTES: OnceLock<RwLock<HashMap<String, Arc<RouteSeries>>>> = OnceLock::new();
    let routes = ROUTES.get_or_init(RwLock::default);
    if let Some(s) = routes
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(route)
    {
        return s.clone();
    }
    routes
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(route.to_owned())
        .or_insert_with(|| {
            Arc::new(RouteSeries {
                in_flight: metrics::gauge!(REQUESTS_IN_FLIGHT, "route" => route.to_owned()),
                by_outcome: RwLock::default(),
                route: route.to_owned(),
            })
        })
        .clone()
}

impl RouteSeries {
    fn record(&self, method: &'static str, status: u16, seconds: f64) {
        let key = (method, status);
        let known = self
            .by_outcome
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        let (requests, duration) = known.unwrap_or_else(|| {
            let labels = [
                ("route", self.route.clone()),
                ("method", method.to_string()),
                ("status", status.to_string()),
            ];
            let made = (
                metrics::counter!(REQUESTS_TOTAL, &labels),
                metrics::histogram!(REQUEST_DURATION, &labels),
            );
            self.by_outcome
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, made.clone());
            made
        });
        requests.increment(1);
        duration.record(seconds);
    }
}

/// One request in flight on a route, from [`Tracked::enter`] to
/// [`Tracked::done`]; the gauge goes down when it is dropped, also when
/// the client goes away and the handler is cancelled.
pub(crate) struct Tracked {
    series: Arc<RouteSeries>,
    started: Instant,
}

impl Tracked {
    /// A request on `route` (a pattern, or [`UNMATCHED`]) begins.
    pub(crate) fn enter(route: &str) -> Tracked {
        let series = route_series(route);
        series.in_flight.increment(1.0);
        Tracked {
            series,
            started: Instant::now(),
        }
    }

    /// It was answered with `status`: counted and timed.
    pub(crate) fn done(self, method: &'static str, status: u16) {
        self.series
            .record(method, status, self.started.elapsed().as_secs_f64());
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.series.in_flight.decrement(1.0);
    }
}
