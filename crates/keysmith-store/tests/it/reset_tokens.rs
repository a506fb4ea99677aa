//! Reset tokens on both backends: single use, expiry, revocation, the
//! issue throttle, races within one pool and across two instances, nothing
//! secret at rest, and database failures that stay database failures.

use crate::common;

use common::{T0, TestStore, every_value};
use keysmith_store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;

const MINUTE: Duration = Duration::from_secs(60);
const MS: Duration = Duration::from_millis(1);

fn is_invalid_token<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::InvalidToken))
}

async fn issue_then_redeem_once(t: TestStore) {
    let resets = t.store.reset_tokens();
    let issued = resets.issue("alice", None).await.unwrap();
    assert_eq!(issued.token().len(), 43, "token_urlsafe(32)");
    assert_eq!(issued.expires_at_ms(), T0 + 20 * 60 * 1000);
    assert_eq!(
        issued.expires_at(),
        keysmith_store::to_system_time(T0 + 20 * 60 * 1000)
    );

    assert_eq!(resets.redeem(issued.token()).await.unwrap(), "alice");
    let again = resets.redeem(issued.token()).await;
    assert!(is_invalid_token(&again), "{again:?}");
}

async fn expired_tokens_are_invalid(t: TestStore) {
    let resets = t.store.reset_tokens();
    let a = resets.issue("alice", None).await.unwrap();
    let b = resets.issue("bob", None).await.unwrap();
    // Valid strictly before the expiry, not at it.
    t.clock.advance(20 * MINUTE - MS);
    assert_eq!(resets.redeem(b.token()).await.unwrap(), "bob");
    t.clock.advance(MS);
    let late = resets.redeem(a.token()).await;
    assert!(is_invalid_token(&late), "{late:?}");
}

async fn custom_ttl(t: TestStore) {
    let resets = t.store.reset_tokens();
    let short = resets
        .issue("alice", Some(Duration::from_secs(5 * 60)))
        .await
        .unwrap();
    let long = resets.issue("bob", Some(2 * 60 * MINUTE)).await.unwrap();
    assert_eq!(short.expires_at_ms(), T0 + 5 * 60 * 1000);
    assert_eq!(long.expires_at_ms(), T0 + 2 * 60 * 60 * 1000);

    t.clock.advance(5 * MINUTE);
    let r = resets.redeem(short.token()).await;
    assert!(is_invalid_token(&r), "{r:?}");
    // Past the default TTL, still inside its own.
    t.clock.advance(60 * MINUTE);
    assert_eq!(resets.redeem(long.token()).await.unwrap(), "bob");
}

async fn unknown_and_malformed_tokens_are_invalid(t: TestStore) {
    let resets = t.store.reset_tokens();
    resets.issue("alice", None).await.unwrap();
    for token in [
        keysmith::token_urlsafe(32),
        String::new(),
        "x".repeat(513),
        "not a token".into(),
    ] {
        let r = resets.redeem(&token).await;
        assert!(is_invalid_token(&r), "{r:?}");
    }
}

async fn issuing_again_revokes_the_earlier_token(t: TestStore) {
    let resets = t.store.reset_tokens();
    let first = resets.issue("alice", None).await.unwrap();
    let other = resets.issue("bob", None).await.unwrap();
    t.clock.advance(MINUTE);
    let second = resets.issue("alice", None).await.unwrap();
    assert_ne!(first.token(), second.token());

    let r = resets.redeem(first.token()).await;
    assert!(is_invalid_token(&r), "the earlier token still works: {r:?}");
    assert_eq!(resets.redeem(second.token()).await.unwrap(), "alice");
    // Another user's token is untouched.
    assert_eq!(resets.redeem(other.token()).await.unwrap(), "bob");
}

async fn issuing_is_throttled_per_user(t: TestStore) {
    let resets = t.store.reset_tokens();
    let first = resets.issue("alice", None).await.unwrap();
    t.clock.advance(Duration::from_secs(15));
    match resets.issue("alice", None).await {
        Err(StoreError::Throttled { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(45));
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    // Other users are not held back.
    resets.issue("bob", None).await.unwrap();

    t.clock.advance(Duration::from_secs(45) - MS);
    match resets.issue("alice", None).await {
        Err(StoreError::Throttled { retry_after }) => assert_eq!(retry_after, MS),
        other => panic!("expected Throttled, got {other:?}"),
    }
    // A refused issue changes nothing: the first token still works...
    t.clock.advance(MS);
    let second = resets.issue("alice", None).await.unwrap();
    // ...until the next successful issue revokes it.
    let r = resets.redeem(first.token()).await;
    assert!(is_invalid_token(&r), "{r:?}");
    assert_eq!(resets.redeem(second.token()).await.unwrap(), "alice");
}

async fn a_refused_issue_keeps_the_open_token(t: TestStore) {
    let resets = t.store.reset_tokens();
    let first = resets.issue("alice", None).await.unwrap();
    t.clock.advance(Duration::from_secs(30));
    let r = resets.issue("alice", None).await;
    assert!(matches!(r, Err(StoreError::Throttled { .. })), "{r:?}");
    assert_eq!(resets.redeem(first.token()).await.unwrap(), "alice");
}

async fn revoke_all_invalidates_open_tokens(t: TestStore) {
    let resets = t.store.reset_tokens();
    let alice = resets.issue("alice", None).await.unwrap();
    let bob = resets.issue("bob", None).await.unwrap();
    assert_eq!(resets.revoke_all("alice").await.unwrap(), 1);
    let r = resets.redeem(alice.token()).await;
    assert!(is_invalid_token(&r), "{r:?}");
    assert_eq!(resets.revoke_all("alice").await.unwrap(), 0);
    assert_eq!(resets.revoke_all("nobody").await.unwrap(), 0);
    assert_eq!(resets.redeem(bob.token()).await.unwrap(), "bob");

    // Used and expired tokens are not counted as revoked.
    t.clock.advance(MINUTE);
    let used = resets.issue("alice", None).await.unwrap();
    resets.redeem(used.token()).await.unwrap();
    t.clock.advance(MINUTE);
    resets
        .issue("alice", Some(Duration::from_secs(1)))
        .await
        .unwrap();
    t.clock.advance(Duration::from_secs(1));
    assert_eq!(resets.revoke_all("alice").await.unwrap(), 0);

    // A new token after revocation works.
    t.clock.advance(MINUTE);
    let fresh = resets.issue("alice", None).await.unwrap();
    assert_eq!(resets.redeem(fresh.token()).await.unwrap(), "alice");
}

/// Redeems `token` `n` times at once, split round-robin over `stores`,
/// and returns how many succeeded; every failure must be `InvalidToken`.
async fn race_redemptions(stores: &[Store], token: &str, n: usize) -> usize {
    let barrier = Arc::new(Barrier::new(n));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let store = stores[i % stores.len()].clone();
        let token = token.to_owned();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.reset_tokens().redeem(&token).await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(user) => {
                assert_eq!(user, "alice");
                wins += 1;
            }
            Err(StoreError::InvalidToken) => {}
            Err(e) => panic!("a redemption failed with {e:?}"),
        }
    }
    wins
}

async fn concurrent_redemptions_win_once(t: TestStore) {
    let issued = t.store.reset_tokens().issue("alice", None).await.unwrap();
    let wins = race_redemptions(std::slice::from_ref(&t.store), issued.token(), 64).await;
    assert_eq!(wins, 1);
}

async fn two_instances_race_one_token(t: TestStore) {
    let other = t.another_instance().await;
    let issued = t.store.reset_tokens().issue("alice", None).await.unwrap();
    let wins = race_redemptions(&[t.store.clone(), other.clone()], issued.token(), 64).await;
    assert_eq!(wins, 1);
    other.close().await;
}

async fn concurrent_issues_across_instances_give_one_token(t: TestStore) {
    let other = t.another_instance().await;
    let n = 16;
    let barrier = Arc::new(Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = if i % 2 == 0 {
            t.store.clone()
        } else {
            other.clone()
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.reset_tokens().issue("alice", None).await
        }));
    }
    let mut issued = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(token) => issued.push(token),
            Err(StoreError::Throttled { retry_after }) => {
                assert_eq!(retry_after, MINUTE);
            }
            Err(e) => panic!("an issue failed with {e:?}"),
        }
    }
    assert_eq!(issued.len(), 1, "exactly one issue wins the throttle");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reset_tokens")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(
        t.store
            .reset_tokens()
            .redeem(issued[0].token())
            .await
            .unwrap(),
        "alice"
    );
    other.close().await;
}

/// Decodes unpadded base64url.
fn base64url_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn no_plaintext_token_at_rest(t: TestStore) {
    let resets = t.store.reset_tokens();
    let redeemed = resets.issue("alice", None).await.unwrap();
    resets.redeem(redeemed.token()).await.unwrap();
    t.clock.advance(MINUTE);
    let revoked = resets.issue("alice", None).await.unwrap();
    t.clock.advance(MINUTE);
    let open = resets.issue("alice", None).await.unwrap();

    let mut values = every_value(&t, "reset_tokens").await;
    values.extend(every_value(&t, "reset_throttle").await);
    assert!(!values.is_empty());

    for issued in [&redeemed, &revoked, &open] {
        let token = issued.token();
        let raw = base64url_decode(token);
        assert_eq!(raw.len(), 32);
        let raw_hex = hex(&raw);
        // The token, any 12-character piece of it, and its bytes in hex
        // appear nowhere.
        let mut needles: Vec<String> = token
            .as_bytes()
            .windows(12)
            .map(|w| String::from_utf8(w.to_vec()).unwrap())
            .collect();
        needles.extend(
            raw_hex
                .as_bytes()
                .windows(16)
                .map(|w| String::from_utf8(w.to_vec()).unwrap()),
        );
        needles.push(token.to_owned());
        for value in &values {
            for needle in &needles {
                assert!(
                    !value.contains(needle.as_str()),
                    "a stored value contains a piece of the token"
                );
            }
        }
        // What is stored is SHA-256 of the token, in hex.
        let expected = hex(&Sha256::digest(token.as_bytes()));
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM reset_tokens")
            .fetch_all(t.store.pool())
            .await
            .unwrap();
        assert!(stored.contains(&expected), "{stored:?}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reset_tokens")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 3);
}

async fn database_errors_are_not_invalid_tokens(t: TestStore) {
    let resets = t.store.reset_tokens();
    let issued = resets.issue("alice", None).await.unwrap();
    t.store.close().await;
    let r = resets.redeem(issued.token()).await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    let r = resets.redeem(&keysmith::token_urlsafe(32)).await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    t.clock.advance(MINUTE);
    let r = resets.issue("alice", None).await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    let r = resets.revoke_all("alice").await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");

    // The failed calls changed nothing: the token still works elsewhere.
    let other = t.another_instance().await;
    assert_eq!(
        other.reset_tokens().redeem(issued.token()).await.unwrap(),
        "alice"
    );
    other.close().await;
}

/// PostgreSQL only (SQLite has no connection to lose): a connection lost
/// while the redemption waits for the token's row is a database error, the
/// token is not used up, and the pool reconnects for the next call.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_lost_mid_redemption_is_an_error() {
    let Some(t) = common::postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let issued = t.store.reset_tokens().issue("alice", None).await.unwrap();
    let (store, token) = (t.store.clone(), issued.token().to_owned());
    let r = common::lose_connection_while_locked(
        &t,
        "SELECT token_hash FROM reset_tokens FOR UPDATE",
        async move { store.reset_tokens().redeem(&token).await },
    )
    .await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    assert_eq!(
        t.store.reset_tokens().redeem(issued.token()).await.unwrap(),
        "alice"
    );
}

/// PostgreSQL only: a pooled connection that the server dropped while it
/// sat idle (a restart, an idle timeout) fails at most the one call that
/// finds it, as a database error that uses nothing up; the pool replaces
/// it, and the token redeems exactly once.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_while_idle_fails_one_call_at_most() {
    let Some(t) = common::postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let issued = t.store.reset_tokens().issue("alice", None).await.unwrap();
    // One connection, so the one that is dropped is the one used next.
    let mut options = t.store.options().clone();
    options.max_connections = 1;
    let single = Store::open(&t.url, options).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(single.pool())
        .await
        .unwrap();
    let dropped: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert!(dropped);

    let first = single.reset_tokens().redeem(issued.token()).await;
    let user = match first {
        Ok(user) => user,
        Err(StoreError::Database(_)) => single.reset_tokens().redeem(issued.token()).await.unwrap(),
        Err(e) => panic!("a dropped connection must be a database error, not {e:?}"),
    };
    assert_eq!(user, "alice");
    let again = single.reset_tokens().redeem(issued.token()).await;
    assert!(matches!(again, Err(StoreError::InvalidToken)), "{again:?}");
    single.close().await;
}

async fn bad_inputs_are_refused(t: TestStore) {
    let resets = t.store.reset_tokens();
    let long_user = "u".repeat(257);
    for (user, ttl) in [
        ("", None),
        (long_user.as_str(), None),
        ("alice", Some(Duration::ZERO)),
        ("alice", Some(Duration::from_micros(500))),
        ("alice", Some(Duration::from_secs(7 * 24 * 3600 + 1))),
        ("alice", Some(Duration::MAX)),
    ] {
        let r = resets.issue(user, ttl).await;
        assert!(matches!(r, Err(StoreError::InvalidInput(_))), "{r:?}");
    }
    for user in ["", long_user.as_str()] {
        let r = resets.revoke_all(user).await;
        assert!(matches!(r, Err(StoreError::InvalidInput(_))), "{r:?}");
    }
    // Refused inputs claimed nothing: the throttle is free.
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reset_throttle")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0);
    // The limits themselves are accepted.
    let longest = resets
        .issue(&"u".repeat(256), Some(Duration::from_secs(7 * 24 * 3600)))
        .await
        .unwrap();
    assert_eq!(longest.expires_at_ms(), T0 + 7 * 24 * 3600 * 1000);
}

async fn debug_output_has_no_token(t: TestStore) {
    let issued = t.store.reset_tokens().issue("alice", None).await.unwrap();
    let shown = format!("{issued:?}");
    assert!(!shown.contains(issued.token()), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    assert!(
        shown.contains(&issued.expires_at_ms().to_string()),
        "{shown}"
    );
}

on_both_backends!(
    issue_then_redeem_once,
    expired_tokens_are_invalid,
    custom_ttl,
    unknown_and_malformed_tokens_are_invalid,
    issuing_again_revokes_the_earlier_token,
    issuing_is_throttled_per_user,
    a_refused_issue_keeps_the_open_token,
    revoke_all_invalidates_open_tokens,
    concurrent_redemptions_win_once,
    two_instances_race_one_token,
    concurrent_issues_across_instances_give_one_token,
    no_plaintext_token_at_rest,
    database_errors_are_not_invalid_tokens,
    bad_inputs_are_refused,
    debug_output_has_no_token,
);
