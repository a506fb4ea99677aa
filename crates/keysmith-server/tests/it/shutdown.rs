//! Graceful shutdown: a request in flight when shutdown is asked for
//! finishes with its answer, and the server stops after it.
//!
//! The request held in flight is `GET /readyz` while the test holds every
//! connection of the pool: the check waits for a connection until the
//! test lets go. The test knows the request is being handled from the
//! `http_requests_in_flight{route="/readyz"}` gauge; the backends run one
//! after the other so that the gauge counts this test's request alone.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(10);

async fn readyz_in_flight(app: &TestApp) -> f64 {
    let page = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.lines()
        .find_map(|l| l.strip_prefix(r#"http_requests_in_flight{route="/readyz"} "#))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn a_request_in_flight_finishes(mut app: TestApp) {
    let store = app.store.clone();
    let mut held = Vec::new();
    for _ in 0..store.options().max_connections {
        held.push(store.pool().acquire().await.unwrap());
    }
    let (client, url) = (app.client.clone(), app.url("/readyz"));
    let request = tokio::spawn(async move { client.get(url).send().await });

    let deadline = tokio::time::Instant::now() + PATIENCE;
    while readyz_in_flight(&app).await < 1.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the request never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let addr = app.addr;
    let stopping = tokio::spawn(async move {
        app.stop().await;
        app
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !stopping.is_finished(),
        "the server stopped with a request in flight"
    );
    assert!(!request.is_finished());

    drop(held);
    let answer = tokio::time::timeout(PATIENCE, request)
        .await
        .expect("the request in flight never finished")
        .unwrap()
        .expect("the request in flight was cut");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
    let app = tokio::time::timeout(PATIENCE, stopping)
        .await
        .expect("the server did not stop after its last request")
        .unwrap();
    // Stopped: nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_in_flight_finishes_on_both_backends() {
    a_request_in_flight_finishes(common::sqlite_app().await).await;
    match common::postgres_app().await {
        Some(app) => a_request_in_flight_finishes(app).await,
        None => eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: PostgreSQL skipped"),
    }
}
