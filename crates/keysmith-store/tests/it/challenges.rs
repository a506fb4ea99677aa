//! One-time-code challenges on both backends.

use crate::common;

use common::{T0, TestStore};
use keysmith_store::{
    AtRestKey, AtRestKeys, CheckOutcome, StartOptions, StartedChallenge, Store, StoreError,
    StoreOptions,
};
use sqlx::{Column, Row};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;

const MINUTE: Duration = Duration::from_secs(60);

/// A code of the same length that differs from `code` in every digit.
fn wrong(code: &str) -> String {
    code.bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect()
}

fn k1() -> AtRestKey {
    // The harness's key.
    AtRestKey::new("k1", [7u8; 32].to_vec()).unwrap()
}

fn k2() -> AtRestKey {
    AtRestKey::new("k2", [9u8; 32].to_vec()).unwrap()
}

async fn start(t: &TestStore, subject: &str) -> StartedChallenge {
    t.store
        .challenges()
        .start(subject, StartOptions::default())
        .await
        .unwrap()
}

async fn check(store: &Store, id: &str, code: &str) -> CheckOutcome {
    store.challenges().check(id, code).await.unwrap()
}

async fn stored_attempts(t: &TestStore, id: &str) -> i64 {
    sqlx::query_scalar("SELECT attempts FROM otp_challenges WHERE id = $1")
        .bind(id)
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

async fn stored_failures(t: &TestStore, subject: &str) -> i64 {
    sqlx::query_scalar("SELECT failures FROM otp_subjects WHERE subject = $1")
        .bind(subject)
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

async fn right_code_is_approved_once(t: TestStore) {
    let c = start(&t, "alice").await;
    assert!(c.id.starts_with("ch_") && c.id.len() == 3 + 22, "{}", c.id);
    assert!(c.code.len() == 6 && c.code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(c.expires_at_ms, T0 + 10 * 60 * 1000);
    assert_eq!(
        c.expires_at(),
        keysmith_store::to_system_time(T0 + 10 * 60 * 1000)
    );
    // Surrounding whitespace is what users add; it is not part of the code.
    let outcome = check(&t.store, &c.id, &format!(" {}\n", c.code)).await;
    assert_eq!(
        outcome,
        CheckOutcome::Approved {
            subject: "alice".into()
        }
    );
    assert!(outcome.is_approved());
    // Consumed: the right code again, or a wrong one, finds nothing open.
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Expired);
    assert_eq!(
        check(&t.store, &c.id, &wrong(&c.code)).await,
        CheckOutcome::Expired
    );
    // Ids are not reused, and unknown ids look like expired ones.
    assert_ne!(start(&t, "bob").await.id, c.id);
    assert_eq!(
        check(&t.store, "ch_unknown", &c.code).await,
        CheckOutcome::Expired
    );
    assert_eq!(check(&t.store, "", "").await, CheckOutcome::Expired);
}

async fn wrong_codes_count_down_then_lock(t: TestStore) {
    let c = start(&t, "alice").await;
    let bad = wrong(&c.code);
    for left in (0..5).rev() {
        assert_eq!(
            check(&t.store, &c.id, &bad).await,
            CheckOutcome::Denied {
                attempts_left: left
            }
        );
    }
    assert_eq!(check(&t.store, &c.id, &bad).await, CheckOutcome::Locked);
    // Once locked, not even the right code is compared.
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Locked);
    assert_eq!(stored_attempts(&t, &c.id).await, 5);
    assert_eq!(stored_failures(&t, "alice").await, 5);
    // A locked challenge that expires is expired like any other.
    t.clock.advance(10 * MINUTE);
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Expired);
}

async fn anything_presented_is_an_attempt(t: TestStore) {
    let options = StartOptions::default().with_max_attempts(6);
    let c = t.store.challenges().start("alice", options).await.unwrap();
    // Not codes at all, or the right code with something extra: each is
    // counted and denied, so malformed input is no free oracle.
    let not_codes = [
        String::new(),
        "abcdef".into(),
        c.code[..5].to_string(),
        format!("{}0", c.code),
        format!("{} 1", c.code),
    ];
    for (i, s) in not_codes.iter().enumerate() {
        assert_eq!(
            check(&t.store, &c.id, s).await,
            CheckOutcome::Denied {
                attempts_left: 5 - i as u32
            },
            "{s:?}"
        );
    }
    assert_eq!(stored_attempts(&t, &c.id).await, 5);
    assert!(
        check(&t.store, &c.id, &format!("\t{}  ", c.code))
            .await
            .is_approved()
    );
}

async fn expires_after_ttl(t: TestStore) {
    let c = start(&t, "alice").await;
    t.clock.advance(10 * MINUTE - Duration::from_millis(1));
    assert_eq!(
        check(&t.store, &c.id, &wrong(&c.code)).await,
        CheckOutcome::Denied { attempts_left: 4 }
    );
    t.clock.advance(Duration::from_millis(1));
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Expired);

    let short = StartOptions::default().with_ttl(Duration::from_secs(30));
    let c = t.store.challenges().start("alice", short).await.unwrap();
    t.clock.advance(Duration::from_secs(30));
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Expired);
    // Expiry does not count as an attempt.
    assert_eq!(stored_attempts(&t, &c.id).await, 0);
}

async fn a_new_challenge_replaces_the_open_one(t: TestStore) {
    let old = start(&t, "alice").await;
    let other = start(&t, "bob").await;
    let new = start(&t, "alice").await;
    assert_eq!(
        check(&t.store, &old.id, &old.code).await,
        CheckOutcome::Expired
    );
    // Another subject's challenge is untouched.
    assert!(check(&t.store, &other.id, &other.code).await.is_approved());
    assert_eq!(
        check(&t.store, &new.id, &new.code).await,
        CheckOutcome::Approved {
            subject: "alice".into()
        }
    );
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM otp_challenges WHERE subject = 'alice' AND closed_at IS NULL",
    )
    .fetch_one(t.store.pool())
    .await
    .unwrap();
    assert_eq!(open, 0);
}

async fn starts_are_throttled_per_subject(t: TestStore) {
    for _ in 0..5 {
        start(&t, "alice").await;
        t.clock.advance(MINUTE);
    }
    // Five starts in the window that opened at T0; the sixth waits for the
    // window to end, another subject does not.
    let e = t
        .store
        .challenges()
        .start("alice", StartOptions::default())
        .await
        .unwrap_err();
    match e {
        StoreError::Throttled { retry_after } => assert_eq!(retry_after, 5 * MINUTE),
        e => panic!("expected Throttled, got {e:?}"),
    }
    start(&t, "bob").await;
    t.clock.advance(5 * MINUTE - Duration::from_millis(1));
    assert!(matches!(
        t.store
            .challenges()
            .start("alice", StartOptions::default())
            .await,
        Err(StoreError::Throttled { retry_after }) if retry_after == Duration::from_millis(1)
    ));
    t.clock.advance(Duration::from_millis(1));
    // The first start has left the window: one more, and the next waits
    // for the second start to leave it.
    start(&t, "alice").await;
    assert!(matches!(
        t.store
            .challenges()
            .start("alice", StartOptions::default())
            .await,
        Err(StoreError::Throttled { retry_after }) if retry_after == MINUTE
    ));
    // The administrator's reset clears the recorded sends too.
    t.store.challenges().reset_subject("alice").await.unwrap();
    for _ in 0..5 {
        start(&t, "alice").await;
    }
    assert!(matches!(
        t.store
            .challenges()
            .start("alice", StartOptions::default())
            .await,
        Err(StoreError::Throttled { retry_after }) if retry_after == 10 * MINUTE
    ));
}

/// What a start of `subject` gives: `Ok(())` or the throttle's wait.
async fn try_start(t: &TestStore, subject: &str) -> Result<(), Duration> {
    match t
        .store
        .challenges()
        .start(subject, StartOptions::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Throttled { retry_after }) => Err(retry_after),
        Err(e) => panic!("expected a start or Throttled, got {e:?}"),
    }
}

async fn a_burst_at_a_window_end_is_not_followed_by_another(t: TestStore) {
    let ms = Duration::from_millis;
    // One start at T0, four in the last second of the 10 minutes after it:
    // five within 10 minutes, so the sixth waits.
    start(&t, "alice").await;
    t.clock.advance(10 * MINUTE - ms(1000));
    for _ in 0..4 {
        start(&t, "alice").await;
    }
    assert_eq!(try_start(&t, "alice").await, Err(ms(1000)));
    // 10 minutes after T0, the start at T0 has left the window, but the
    // burst of four has not: one start, not five.
    t.clock.advance(ms(1000));
    assert_eq!(try_start(&t, "alice").await, Ok(()));
    for _ in 0..3 {
        assert_eq!(try_start(&t, "alice").await, Err(10 * MINUTE - ms(1000)));
    }
    // Refused until the burst is older than the window, to the
    // millisecond.
    t.clock.advance(10 * MINUTE - ms(1001));
    assert_eq!(try_start(&t, "alice").await, Err(ms(1)));
    t.clock.advance(ms(1));
    for _ in 0..4 {
        assert_eq!(try_start(&t, "alice").await, Ok(()));
    }
    assert_eq!(try_start(&t, "alice").await, Err(ms(1000)));
    // Never more than five starts in any 10 minutes.
    let sent: Vec<i64> = sqlx::query_scalar(
        "SELECT sent_at FROM otp_sends WHERE subject = 'alice' ORDER BY sent_at",
    )
    .fetch_all(t.store.pool())
    .await
    .unwrap();
    let window = 10 * 60 * 1000;
    assert_eq!(sent.len(), 10);
    for w in sent.windows(6) {
        assert!(w[5] - w[0] >= window, "{sent:?}");
    }
}

async fn starts_follow_an_exact_sliding_window(t: TestStore) {
    let (limit, window) = (5usize, 10 * 60 * 1000i64);
    // Steps from 0 to a whole window, some landing exactly where a send
    // leaves the window.
    let steps_ms = [
        0, 1, 999, 30_000, 60_000, 119_999, 120_000, 180_000, 599_999,
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut now = T0;
    let mut accepted: Vec<i64> = Vec::new();
    for _ in 0..120 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let step = steps_ms[(state >> 33) as usize % steps_ms.len()];
        t.clock.advance(Duration::from_millis(step));
        now += step as i64;
        let in_window: Vec<i64> = accepted
            .iter()
            .copied()
            .filter(|&s| s > now - window)
            .collect();
        let expected = if in_window.len() < limit {
            Ok(())
        } else {
            let blocking = in_window[in_window.len() - limit];
            Err(Duration::from_millis((blocking + window - now) as u64))
        };
        assert_eq!(
            try_start(&t, "alice").await,
            expected,
            "at T0 + {} ms",
            now - T0
        );
        if expected.is_ok() {
            accepted.push(now);
        }
    }
    assert!(accepted.len() > 20, "{accepted:?}");
    for w in accepted.windows(limit + 1) {
        assert!(w[limit] - w[0] >= window, "{accepted:?}");
    }
}

/// Starts a challenge allowing 20 attempts and fails `n` of them.
async fn fail(t: &TestStore, subject: &str, n: u32) -> StartedChallenge {
    let options = StartOptions::default().with_max_attempts(20);
    let c = t.store.challenges().start(subject, options).await.unwrap();
    let bad = wrong(&c.code);
    for i in 0..n {
        assert_eq!(
            check(&t.store, &c.id, &bad).await,
            CheckOutcome::Denied {
                attempts_left: 19 - i
            }
        );
    }
    c
}

async fn consecutive_failures_lock_the_subject(t: TestStore) {
    let s = "alice";
    // 99 failures across five challenges, then a success: the count starts
    // over.
    for _ in 0..4 {
        fail(&t, s, 20).await;
    }
    let c = fail(&t, s, 19).await;
    assert_eq!(stored_failures(&t, s).await, 99);
    assert!(check(&t.store, &c.id, &c.code).await.is_approved());
    assert_eq!(stored_failures(&t, s).await, 0);

    // 100 failures in a row: new challenges are refused, in a new window
    // as well as in a used-up one, and for no other subject.
    t.clock.advance(10 * MINUTE);
    for _ in 0..5 {
        fail(&t, s, 20).await;
    }
    assert_eq!(stored_failures(&t, s).await, 100);
    let refused = t.store.challenges().start(s, StartOptions::default()).await;
    assert!(
        matches!(refused, Err(StoreError::SubjectLocked)),
        "{refused:?}"
    );
    t.clock.advance(10 * MINUTE);
    let refused = t.store.challenges().start(s, StartOptions::default()).await;
    assert!(
        matches!(refused, Err(StoreError::SubjectLocked)),
        "{refused:?}"
    );
    start(&t, "bob").await;

    // The administrator's reset lets the subject start again.
    t.store.challenges().reset_subject(s).await.unwrap();
    assert_eq!(stored_failures(&t, s).await, 0);
    let c = start(&t, s).await;
    assert!(check(&t.store, &c.id, &c.code).await.is_approved());
    // Resetting a subject never seen is not an error.
    t.store.challenges().reset_subject("nobody").await.unwrap();
}

async fn failures_stop_at_the_subject_limit(t: TestStore) {
    let s = "alice";
    for _ in 0..4 {
        fail(&t, s, 20).await;
    }
    fail(&t, s, 19).await;
    assert_eq!(stored_failures(&t, s).await, 99);
    // A new challenge allows 20 attempts, but the subject has one failure
    // left before the limit of 100 in a row.
    t.clock.advance(10 * MINUTE);
    let options = StartOptions::default().with_max_attempts(20);
    let c = t.store.challenges().start(s, options).await.unwrap();
    assert_eq!(
        check(&t.store, &c.id, &wrong(&c.code)).await,
        CheckOutcome::Denied { attempts_left: 0 }
    );
    // The 100th failure: no code is compared any more, not even the right
    // one, and nothing more is counted.
    assert_eq!(check(&t.store, &c.id, &c.code).await, CheckOutcome::Locked);
    assert_eq!(
        check(&t.store, &c.id, &wrong(&c.code)).await,
        CheckOutcome::Locked
    );
    assert_eq!(stored_failures(&t, s).await, 100);
    assert_eq!(stored_attempts(&t, &c.id).await, 1);
    // The administrator's reset lets the open challenge be checked again.
    t.store.challenges().reset_subject(s).await.unwrap();
    assert!(check(&t.store, &c.id, &c.code).await.is_approved());
}

/// Runs `check(id, codes[i])` for every `i` at once, half of them on a
/// second instance, and returns the outcomes.
async fn race(t: &TestStore, id: &str, codes: Vec<String>) -> Vec<CheckOutcome> {
    let other = t.another_instance().await;
    let barrier = Arc::new(Barrier::new(codes.len()));
    let tasks: Vec<_> = codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let store = if i % 2 == 0 {
                t.store.clone()
            } else {
                other.clone()
            };
            let barrier = barrier.clone();
            let id = id.to_string();
            tokio::spawn(async move {
                barrier.wait().await;
                store.challenges().check(&id, &code).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().unwrap());
    }
    other.close().await;
    outcomes
}

async fn concurrent_wrong_guesses_never_exceed_max_attempts(t: TestStore) {
    let c = start(&t, "alice").await;
    let outcomes = race(&t, &c.id, vec![wrong(&c.code); 64]).await;
    let mut left: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            CheckOutcome::Denied { attempts_left } => Some(*attempts_left),
            _ => None,
        })
        .collect();
    left.sort_unstable();
    assert_eq!(left, [0, 1, 2, 3, 4], "{outcomes:?}");
    let locked = outcomes
        .iter()
        .filter(|o| **o == CheckOutcome::Locked)
        .count();
    assert_eq!(locked, 59, "{outcomes:?}");
    assert_eq!(stored_attempts(&t, &c.id).await, 5);
    assert_eq!(stored_failures(&t, "alice").await, 5);
}

async fn concurrent_guesses_never_exceed_the_subject_limit(t: TestStore) {
    let options = StartOptions::default().with_max_attempts(20);
    let c = t.store.challenges().start("alice", options).await.unwrap();
    // Three failures short of the limit of 100 in a row.
    sqlx::query("UPDATE otp_subjects SET failures = 97 WHERE subject = 'alice'")
        .execute(t.store.pool())
        .await
        .unwrap();
    let outcomes = race(&t, &c.id, vec![wrong(&c.code); 64]).await;
    let mut left: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            CheckOutcome::Denied { attempts_left } => Some(*attempts_left),
            _ => None,
        })
        .collect();
    left.sort_unstable();
    assert_eq!(left, [0, 1, 2], "{outcomes:?}");
    let locked = outcomes
        .iter()
        .filter(|o| **o == CheckOutcome::Locked)
        .count();
    assert_eq!(locked, 61, "{outcomes:?}");
    assert_eq!(stored_attempts(&t, &c.id).await, 3);
    assert_eq!(stored_failures(&t, "alice").await, 100);
}

async fn concurrent_right_codes_approve_once(t: TestStore) {
    let options = StartOptions::default().with_max_attempts(20);
    let c = t.store.challenges().start("alice", options).await.unwrap();
    let outcomes = race(&t, &c.id, vec![c.code.clone(); 64]).await;
    let approved = outcomes.iter().filter(|o| o.is_approved()).count();
    assert_eq!(approved, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_approved() || matches!(o, CheckOutcome::Expired | CheckOutcome::Locked)),
        "{outcomes:?}"
    );
    assert!(stored_attempts(&t, &c.id).await <= 20);
}

async fn one_right_code_among_concurrent_guesses(t: TestStore) {
    let c = start(&t, "alice").await;
    let mut codes = vec![wrong(&c.code); 64];
    codes[17] = c.code.clone();
    let outcomes = race(&t, &c.id, codes).await;
    let approved = outcomes.iter().filter(|o| o.is_approved()).count();
    let denied = outcomes
        .iter()
        .filter(|o| matches!(o, CheckOutcome::Denied { .. }))
        .count();
    assert!(approved <= 1, "{outcomes:?}");
    assert!(approved + denied <= 5, "{outcomes:?}");
    assert!(stored_attempts(&t, &c.id).await <= 5);
    // Whoever won, the challenge is now closed or locked.
    let after = check(&t.store, &c.id, &c.code).await;
    assert!(
        matches!(after, CheckOutcome::Expired | CheckOutcome::Locked),
        "{after:?}"
    );
}

async fn concurrent_starts_keep_the_throttle_and_one_open_challenge(t: TestStore) {
    let first = start(&t, "alice").await;
    let other = t.another_instance().await;
    let barrier = Arc::new(Barrier::new(32));
    // 16 starts racing 16 wrong guesses on the subject's open challenge,
    // on two instances: the send limit holds, and the starts and checks,
    // which lock the subject and the challenge, never deadlock.
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = if i % 2 == 0 {
                t.store.clone()
            } else {
                other.clone()
            };
            let barrier = barrier.clone();
            let (id, bad) = (first.id.clone(), wrong(&first.code));
            tokio::spawn(async move {
                barrier.wait().await;
                if i < 16 {
                    Err(store
                        .challenges()
                        .start("alice", StartOptions::default())
                        .await)
                } else {
                    Ok(store.challenges().check(&id, &bad).await.unwrap())
                }
            })
        })
        .collect();
    let (mut started, mut throttled) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Err(Ok(_)) => started += 1,
            Err(Err(StoreError::Throttled { .. })) => throttled += 1,
            Err(Err(e)) => panic!("start failed: {e:?}"),
            Ok(outcome) => assert!(
                matches!(
                    outcome,
                    CheckOutcome::Denied { .. } | CheckOutcome::Locked | CheckOutcome::Expired
                ),
                "{outcome:?}"
            ),
        }
    }
    assert_eq!((started, throttled), (4, 12));
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM otp_challenges WHERE subject = 'alice' AND closed_at IS NULL",
    )
    .fetch_one(t.store.pool())
    .await
    .unwrap();
    assert_eq!(open, 1);
    assert!(stored_attempts(&t, &first.id).await <= 5);
    other.close().await;
}

async fn open_with_keys(t: &TestStore, keys: Option<AtRestKeys>) -> Store {
    let mut options = StoreOptions::default().with_clock(t.clock.clone());
    options.at_rest_keys = keys;
    Store::open(&t.url, options).await.unwrap()
}

async fn at_rest_keys_rotate_without_breaking_open_challenges(t: TestStore) {
    let before = start(&t, "alice").await;
    let stranded = start(&t, "carol").await;
    // Restarted with k2 as the current key and k1 still accepted.
    let rotated = open_with_keys(&t, Some(AtRestKeys::new(k2()).with_previous(k1()))).await;
    assert_eq!(
        check(&rotated, &before.id, &wrong(&before.code)).await,
        CheckOutcome::Denied { attempts_left: 4 }
    );
    assert!(
        check(&rotated, &before.id, &before.code)
            .await
            .is_approved()
    );

    let after = rotated
        .challenges()
        .start("bob", StartOptions::default())
        .await
        .unwrap();
    let key_id: String = sqlx::query_scalar("SELECT key_id FROM otp_challenges WHERE id = $1")
        .bind(&after.id)
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(key_id, "k2");
    // A store that does not know k2 cannot check it: a configuration
    // error, not a denial.
    let e = t.store.challenges().check(&after.id, &after.code).await;
    assert!(matches!(e, Err(StoreError::Config(_))), "{e:?}");
    assert!(check(&rotated, &after.id, &after.code).await.is_approved());

    // k1 dropped too early: its open challenges fail loudly.
    let only_k2 = open_with_keys(&t, Some(AtRestKeys::new(k2()))).await;
    let e = only_k2
        .challenges()
        .check(&stranded.id, &stranded.code)
        .await;
    match e {
        Err(StoreError::Config(m)) => assert!(m.contains("'k1'"), "{m}"),
        e => panic!("expected Config, got {e:?}"),
    }
    // ...and count nothing.
    assert_eq!(stored_attempts(&t, &stranded.id).await, 0);
    assert_eq!(stored_failures(&t, "carol").await, 0);
}

async fn codes_are_stored_only_as_hmacs(t: TestStore) {
    let twelve = StartOptions::default().with_digits(12);
    let approved = t.store.challenges().start("alice", twelve).await.unwrap();
    assert!(
        check(&t.store, &approved.id, &approved.code)
            .await
            .is_approved()
    );
    let denied = t.store.challenges().start("bob", twelve).await.unwrap();
    let _ = check(&t.store, &denied.id, &wrong(&denied.code)).await;
    let replaced = t.store.challenges().start("carol", twelve).await.unwrap();
    let open = t.store.challenges().start("carol", twelve).await.unwrap();
    let codes = [&approved, &denied, &replaced, &open].map(|c| c.code.clone());

    // Every column of every row of both tables, read as text.
    for table in ["otp_challenges", "otp_subjects"] {
        let sample = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_one(t.store.pool())
            .await
            .unwrap();
        let columns: Vec<String> = sample
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert!(columns.len() >= 3, "{table}: {columns:?}");
        for column in &columns {
            let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST({column} AS TEXT) FROM {table}"
            )))
            .fetch_all(t.store.pool())
            .await
            .unwrap();
            for value in values.into_iter().flatten() {
                for code in &codes {
                    assert!(!value.contains(code.as_str()), "{table}.{column}");
                }
            }
        }
    }

    // What is stored is the HMAC of (id, code) under the server key.
    let (code_hmac, key_id): (String, String) =
        sqlx::query_as("SELECT code_hmac, key_id FROM otp_challenges WHERE id = $1")
            .bind(&open.id)
            .fetch_one(t.store.pool())
            .await
            .unwrap();
    assert_eq!(key_id, "k1");
    assert_eq!(code_hmac.len(), 64);
    assert_eq!(
        code_hmac,
        k1().mac_hex(&[open.id.as_bytes(), open.code.as_bytes()])
    );
    assert_ne!(
        code_hmac,
        k1().mac_hex(&[open.id.as_bytes(), wrong(&open.code).as_bytes()])
    );
    assert_ne!(
        code_hmac,
        k2().mac_hex(&[open.id.as_bytes(), open.code.as_bytes()])
    );
    // Bound to the id: the same code under another id has another HMAC.
    assert_ne!(
        code_hmac,
        k1().mac_hex(&[approved.id.as_bytes(), open.code.as_bytes()])
    );

    // Nor is the code in the Debug output.
    let debug = format!("{open:?}");
    assert!(!debug.contains(&open.code), "{debug}");
    assert!(
        debug.contains(&open.id) && debug.contains("[redacted]"),
        "{debug}"
    );
}

async fn no_server_key_is_a_config_error(t: TestStore) {
    let c = start(&t, "alice").await;
    let keyless = open_with_keys(&t, None).await;
    let e = keyless
        .challenges()
        .start("alice", StartOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Config(_)), "{e:?}");
    assert_eq!(e.to_string(), "one-time codes need a server key");
    let e = keyless
        .challenges()
        .check(&c.id, &c.code)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Config(_)), "{e:?}");
    // Nothing was counted.
    assert_eq!(stored_attempts(&t, &c.id).await, 0);
    assert!(check(&t.store, &c.id, &c.code).await.is_approved());
}

async fn database_failures_are_errors(t: TestStore) {
    let c = start(&t, "alice").await;
    t.store.close().await;
    for code in [c.code.clone(), wrong(&c.code)] {
        let e = t.store.challenges().check(&c.id, &code).await;
        assert!(matches!(e, Err(StoreError::Database(_))), "{e:?}");
    }
    let e = t
        .store
        .challenges()
        .start("alice", StartOptions::default())
        .await;
    assert!(matches!(e, Err(StoreError::Database(_))), "{e:?}");
    let e = t.store.challenges().reset_subject("alice").await;
    assert!(matches!(e, Err(StoreError::Database(_))), "{e:?}");
}

/// PostgreSQL only (SQLite has no connection to lose): a connection lost
/// while a check waits for the subject's row is a database error, nothing
/// is counted, and the pool reconnects for the next call.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_lost_mid_check_is_an_error() {
    let Some(t) = common::postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let c = start(&t, "alice").await;
    for code in [c.code.clone(), wrong(&c.code)] {
        let (store, id) = (t.store.clone(), c.id.clone());
        let r = common::lose_connection_while_locked(
            &t,
            "SELECT subject FROM otp_subjects FOR UPDATE",
            async move { store.challenges().check(&id, &code).await },
        )
        .await;
        assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    }
    assert_eq!(stored_attempts(&t, &c.id).await, 0);
    assert_eq!(stored_failures(&t, "alice").await, 0);
    assert!(check(&t.store, &c.id, &c.code).await.is_approved());
}

async fn bad_inputs_are_refused(t: TestStore) {
    let challenges = t.store.challenges();
    let d = StartOptions::default();
    assert_eq!(
        d,
        StartOptions {
            digits: 6,
            ttl: 10 * MINUTE,
            max_attempts: 5
        }
    );
    let bad = [
        ("alice", d.with_digits(3), "digits"),
        ("alice", d.with_digits(13), "digits"),
        ("alice", d.with_ttl(Duration::ZERO), "time to live"),
        (
            "alice",
            d.with_ttl(Duration::from_millis(999)),
            "time to live",
        ),
        (
            "alice",
            d.with_ttl(Duration::from_secs(86_401)),
            "time to live",
        ),
        ("alice", d.with_max_attempts(0), "attempts"),
        ("alice", d.with_max_attempts(21), "attempts"),
        ("", d, "subject"),
    ];
    for (subject, options, word) in bad {
        match challenges.start(subject, options).await {
            // Digits are keysmith's to refuse: its error, as the source.
            Err(e @ (StoreError::InvalidInput(_) | StoreError::Keysmith(_))) => {
                assert_eq!(
                    word == "digits",
                    matches!(e, StoreError::Keysmith(_)),
                    "{e:?}"
                );
                assert!(e.to_string().contains(word), "{e}");
            }
            other => panic!("{options:?}: expected InvalidInput, got {other:?}"),
        }
    }
    let long = "s".repeat(257);
    assert!(matches!(
        challenges.start(&long, d).await,
        Err(StoreError::InvalidInput(_))
    ));
    // The limits themselves are accepted.
    for options in [
        d.with_digits(4),
        d.with_digits(12),
        d.with_ttl(Duration::from_secs(1)),
        d.with_ttl(Duration::from_secs(86_400)),
        d.with_max_attempts(1),
        d.with_max_attempts(20),
    ] {
        let subject = format!("{options:?}");
        let c = challenges.start(&subject, options).await.unwrap();
        assert_eq!(c.code.len(), options.digits as usize);
    }
    // Nothing was stored for refused starts.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM otp_challenges")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 6);
}

/// A locked subject unlocks by itself after the lockout duration (1 h by
/// default) and counts from zero.
async fn a_lockout_ends_by_itself(t: TestStore) {
    sqlx::query(
        "INSERT INTO otp_subjects (tenant, subject, failures, last_failure_at, touched_at) \
                 VALUES ('default', 'alice', 100, $1, $1)",
    )
    .bind(T0)
    .execute(t.store.pool())
    .await
    .unwrap();
    let refused = t
        .store
        .challenges()
        .start("alice", StartOptions::default())
        .await;
    assert!(
        matches!(refused, Err(StoreError::SubjectLocked)),
        "{refused:?}"
    );
    t.clock.advance(Duration::from_secs(59 * 60));
    let refused = t
        .store
        .challenges()
        .start("alice", StartOptions::default())
        .await;
    assert!(
        matches!(refused, Err(StoreError::SubjectLocked)),
        "{refused:?}"
    );
    t.clock.advance(MINUTE);
    let started = start(&t, "alice").await;
    assert_eq!(stored_failures(&t, "alice").await, 0);
    // From zero: a wrong code leaves the limit minus one.
    assert_eq!(
        check(&t.store, &started.id, &wrong(&started.code)).await,
        CheckOutcome::Denied { attempts_left: 4 }
    );
    assert_eq!(stored_failures(&t, "alice").await, 1);
}

/// A check whose subject row is gone (swept, or never carried over)
/// counts from zero failures instead of answering "expired".
async fn a_check_without_a_subject_row_counts_from_zero(t: TestStore) {
    let started = start(&t, "bob").await;
    sqlx::query("DELETE FROM otp_subjects")
        .execute(t.store.pool())
        .await
        .unwrap();
    assert_eq!(
        check(&t.store, &started.id, &wrong(&started.code)).await,
        CheckOutcome::Denied { attempts_left: 4 }
    );
    assert_eq!(stored_failures(&t, "bob").await, 1);
    assert!(
        check(&t.store, &started.id, &started.code)
            .await
            .is_approved()
    );
}

/// The sweeper keeps a subject row any flow touched within a day, even
/// with no challenge or send to show for it, and removes it after.
async fn the_sweeper_keeps_recently_touched_subjects(t: TestStore) {
    let started = start(&t, "carol").await;
    assert!(
        check(&t.store, &started.id, &started.code)
            .await
            .is_approved()
    );
    sqlx::query("DELETE FROM otp_sends")
        .execute(t.store.pool())
        .await
        .unwrap();
    t.store.sweep().await.unwrap();
    assert_eq!(stored_failures(&t, "carol").await, 0, "the row is kept");
    t.clock.advance(Duration::from_secs(24 * 3600 + 1));
    t.store.sweep().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM otp_subjects")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// A check naming another subject is denied and counted, even with the
/// right code; naming the right one approves.
async fn a_check_for_another_subject_is_denied(t: TestStore) {
    let started = start(&t, "dave").await;
    let c = t.store.challenges();
    assert_eq!(
        c.check_for(&started.id, Some("mallory"), &started.code)
            .await
            .unwrap(),
        CheckOutcome::Denied { attempts_left: 4 }
    );
    assert_eq!(stored_attempts(&t, &started.id).await, 1);
    assert_eq!(
        c.check_for(&started.id, Some("dave"), &started.code)
            .await
            .unwrap(),
        CheckOutcome::Approved {
            subject: "dave".into()
        }
    );
}

on_both_backends!(
    a_lockout_ends_by_itself,
    a_check_without_a_subject_row_counts_from_zero,
    the_sweeper_keeps_recently_touched_subjects,
    a_check_for_another_subject_is_denied,
    right_code_is_approved_once,
    wrong_codes_count_down_then_lock,
    anything_presented_is_an_attempt,
    expires_after_ttl,
    a_new_challenge_replaces_the_open_one,
    starts_are_throttled_per_subject,
    a_burst_at_a_window_end_is_not_followed_by_another,
    starts_follow_an_exact_sliding_window,
    consecutive_failures_lock_the_subject,
    failures_stop_at_the_subject_limit,
    concurrent_wrong_guesses_never_exceed_max_attempts,
    concurrent_guesses_never_exceed_the_subject_limit,
    concurrent_right_codes_approve_once,
    one_right_code_among_concurrent_guesses,
    concurrent_starts_keep_the_throttle_and_one_open_challenge,
    at_rest_keys_rotate_without_breaking_open_challenges,
    codes_are_stored_only_as_hmacs,
    no_server_key_is_a_config_error,
    database_failures_are_errors,
    bad_inputs_are_refused,
);

/// On PostgreSQL, instances whose own clocks disagree by decades agree on
/// a challenge's expiry: both take "now" from the database.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_with_skewed_clocks_share_the_databases_clock() {
    use keysmith_store::ManualClock;
    let Some(url) = common::empty_postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let at = |year_ms: i64| {
        let mut o = common::options(Arc::new(ManualClock::new(year_ms)));
        o.database_clock = true;
        o
    };
    // 2000-01-01 and 2050-01-01.
    let past = Store::open(&url, at(946_684_800_000)).await.unwrap();
    let future = Store::open(&url, at(2_524_608_000_000)).await.unwrap();
    let started = past
        .challenges()
        .start("alice", StartOptions::default())
        .await
        .unwrap();
    let db_now: i64 = sqlx::query_scalar(
        "SELECT CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT)",
    )
    .fetch_one(past.pool())
    .await
    .unwrap();
    let ten_minutes = 10 * 60 * 1000;
    assert!(
        (started.expires_at_ms - (db_now + ten_minutes)).abs() < 60_000,
        "expiry from the database's clock: {} vs {}",
        started.expires_at_ms,
        db_now + ten_minutes
    );
    assert!(
        check(&future, &started.id, &started.code)
            .await
            .is_approved()
    );
    past.close().await;
    future.close().await;
}
