//! No token, code or key reaches a log line or an error message: every
//! tracing event at every level is captured through a full workflow.

use crate::common;

use common::TestStore;
use keysmith_store::{CheckOutcome, StartOptions};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, span};

/// Every event and span of the process, as text.
static CAPTURED: Mutex<String> = Mutex::new(String::new());

/// A subscriber that writes every field of every event and span into
/// [`CAPTURED`].
struct Capture {
    next_id: AtomicU64,
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        let mut out = CAPTURED.lock().unwrap();
        let _ = write!(out, "\nspan {}", span.metadata().name());
        span.record(&mut Fields(&mut out));
        span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &span::Id, values: &span::Record<'_>) {
        values.record(&mut Fields(&mut CAPTURED.lock().unwrap()));
    }

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut out = CAPTURED.lock().unwrap();
        let _ = write!(out, "\n{}", event.metadata().target());
        event.record(&mut Fields(&mut out));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(Capture {
            next_id: AtomicU64::new(1),
        })
        .expect("no other subscriber in this test binary");
    });
}

async fn no_secret_in_logs_or_errors(t: TestStore) {
    capture();
    let s = &t.store;
    let mut secrets: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();

    let first = s.reset_tokens().issue("alice", None).await.unwrap();
    s.reset_tokens().redeem(first.token()).await.unwrap();
    let e = s.reset_tokens().redeem(first.token()).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));
    let e = s.reset_tokens().issue("alice", None).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));
    t.clock.advance(Duration::from_secs(61));
    let second = s.reset_tokens().issue("alice", None).await.unwrap();
    s.reset_tokens().revoke_all("alice").await.unwrap();
    secrets.extend([first, second].map(|i| i.into_token()));

    let c = s
        .challenges()
        .start("bob", StartOptions::default().with_digits(12))
        .await
        .unwrap();
    let wrong = if c.code.starts_with('0') {
        format!("1{}", &c.code[1..])
    } else {
        format!("0{}", &c.code[1..])
    };
    let denied = s.challenges().check(&c.id, &wrong).await.unwrap();
    assert!(matches!(denied, CheckOutcome::Denied { .. }), "{denied:?}");
    assert!(
        s.challenges()
            .check(&c.id, &c.code)
            .await
            .unwrap()
            .is_approved()
    );
    secrets.push(c.code.clone());

    let k = s
        .api_keys()
        .create("carol", "sk_live", &["read"], None)
        .await
        .unwrap();
    s.api_keys().verify(k.key.expose()).await.unwrap();
    let k2 = s
        .api_keys()
        .rotate(&k.id, Duration::from_secs(60))
        .await
        .unwrap();
    s.api_keys().revoke(&k2.id).await.unwrap();
    let e = s.api_keys().verify(k2.key.expose()).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));
    secrets.extend([&k, &k2].map(|k| k.key.expose().to_string()));

    t.clock.advance(Duration::from_secs(3600));
    s.sweep().await.unwrap();
    s.close().await;
    let e = s.reset_tokens().redeem(&secrets[1]).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));

    let logs = CAPTURED.lock().unwrap().clone();
    // The capture works: the flows' own events are in it.
    for event in [
        "reset token issued",
        "reset token redeemed",
        "one-time-code challenge approved",
        "API key rotated",
    ] {
        assert!(logs.contains(event), "{event} was not captured");
    }
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret was logged");
        for error in &errors {
            assert!(!error.contains(secret.as_str()), "{error}");
        }
    }
}

on_both_backends!(no_secret_in_logs_or_errors);
