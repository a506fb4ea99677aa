//! `GET /metrics`: requests by route, method and status, and latency
//! histograms, labelled by route pattern, never by raw path.
//!
//! The recorder is global and the tests of this file run in parallel, so
//! each test looks only at series its own requests make (a method and
//! status no other test uses), or at differences.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;

async fn scrape(app: &TestApp) -> String {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain"), "{ct}");
    r.text().await.unwrap()
}

/// The value of the series `name{labels}` (labels in the exporter's
/// order, which is the order they were recorded in), 0 if absent.
fn value(page: &str, name: &str, labels: &str) -> f64 {
    let series = format!("{name}{{{labels}}} ");
    page.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn requests_are_counted_by_route_method_and_status(app: TestApp) {
    // DELETE /healthz (405) is this test's alone on SQLite, PUT on
    // PostgreSQL: the two run at the same time.
    let method = match app.store.backend() {
        keysmith_store::Backend::Sqlite => reqwest::Method::DELETE,
        _ => reqwest::Method::PUT,
    };
    let labels = format!(r#"route="/healthz",method="{method}",status="405""#);
    let labels = labels.as_str();
    let before = scrape(&app).await;
    let before_count = value(&before, "http_requests_total", labels);
    for _ in 0..3 {
        let r = app
            .client
            .request(method.clone(), app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let after = scrape(&app).await;
    assert_eq!(
        value(&after, "http_requests_total", labels) - before_count,
        3.0,
        "{after}"
    );
    let hist = |page: &str, suffix: &str, extra: &str| {
        value(
            page,
            &format!("http_request_duration_seconds{suffix}"),
            &format!("{labels}{extra}"),
        )
    };
    assert_eq!(
        hist(&after, "_count", "") - hist(&before, "_count", ""),
        3.0
    );
    // A real histogram with buckets, not a summary.
    assert_eq!(
        hist(&after, "_bucket", r#",le="+Inf""#) - hist(&before, "_bucket", r#",le="+Inf""#),
        3.0,
        "{after}"
    );
    assert!(after.contains(r#"le="0.005""#), "{after}");
    assert!(after.contains("# TYPE http_request_duration_seconds histogram"));
    assert!(after.contains("# TYPE http_requests_total counter"));
}

async fn labels_never_hold_the_raw_path(app: TestApp) {
    let secret = keysmith::token_urlsafe(None);
    // Unmatched paths, a path under /v1 refused by auth, a query string:
    // none may reach a label.
    let r = app
        .client
        .get(app.url(&format!("/no/such/{secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .client
        .post(app.url(&format!("/v1/otp/{secret}/check")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .client
        .get(app.url(&format!("/healthz?token={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A made-up method is folded into OTHER.
    let r = app
        .client
        .request(
            reqwest::Method::from_bytes(secret[..8].to_ascii_uppercase().as_bytes()).unwrap(),
            app.url("/healthz"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

    let page = scrape(&app).await;
    assert!(!page.contains(&secret), "{page}");
    assert!(!page.contains(&secret[..8].to_ascii_uppercase()), "{page}");
    assert!(
        value(
            &page,
            "http_requests_total",
            r#"route="unmatched",method="GET",status="404""#
        ) >= 1.0,
        "{page}"
    );
    assert!(
        value(
            &page,
            "http_requests_total",
            r#"route="/healthz",method="OTHER",status="405""#
        ) >= 1.0,
        "{page}"
    );
    // Every route label is a pattern or "unmatched".
    for line in page
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
    {
        let route = line
            .split("route=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            route == "unmatched" || route.starts_with('/') && !route.contains('?'),
            "{line}"
        );
    }
}

async fn metrics_need_no_key_and_count_themselves(app: TestApp) {
    let labels = r#"route="/metrics",method="GET",status="200""#;
    let first = value(&scrape(&app).await, "http_requests_total", labels);
    let second = value(&scrape(&app).await, "http_requests_total", labels);
    // Other tests scrape too: at least this test's own scrape was counted.
    assert!(second > first, "{first} -> {second}");
}

on_both_backends!(
    requests_are_counted_by_route_method_and_status,
    labels_never_hold_the_raw_path,
    metrics_need_no_key_and_count_themselves,
);
