//! After a full workflow through every flow, no table holds a plaintext
//! token, code or key.

use crate::common;

use common::{TestStore, every_table, every_value};
use keysmith_store::{CheckOutcome, StartOptions};
use std::time::Duration;

/// Whether `value` contains `code` as a whole run of digits.
fn has_digit_run(value: &str, code: &str) -> bool {
    value
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run == code)
}

async fn no_plaintext_secret_in_any_table(t: TestStore) {
    let s = &t.store;
    let mut secrets: Vec<String> = Vec::new();
    let mut codes: Vec<String> = Vec::new();

    // Reset tokens: one redeemed, one revoked by a later issue, one open.
    let first = s.reset_tokens().issue("alice", None).await.unwrap();
    assert_eq!(
        s.reset_tokens().redeem(first.token()).await.unwrap(),
        "alice"
    );
    t.clock.advance(Duration::from_secs(61));
    let revoked = s.reset_tokens().issue("alice", None).await.unwrap();
    t.clock.advance(Duration::from_secs(61));
    let open = s.reset_tokens().issue("alice", None).await.unwrap();
    secrets.extend([first, revoked, open].map(|i| i.into_token()));

    // Challenges: one approved after a wrong guess, one replaced, one open.
    let c1 = s
        .challenges()
        .start("bob@example.com", StartOptions::default())
        .await
        .unwrap();
    let wrong = if c1.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let denied = s.challenges().check(&c1.id, wrong).await.unwrap();
    assert!(matches!(denied, CheckOutcome::Denied { .. }));
    assert!(
        s.challenges()
            .check(&c1.id, &c1.code)
            .await
            .unwrap()
            .is_approved()
    );
    let c2 = s
        .challenges()
        .start("bob@example.com", StartOptions::default().with_digits(8))
        .await
        .unwrap();
    let c3 = s
        .challenges()
        .start("bob@example.com", StartOptions::default())
        .await
        .unwrap();
    codes.extend([c1.code.clone(), c2.code.clone(), c3.code.clone()]);

    // API keys: one verified, then rotated; one revoked.
    let k1 = s
        .api_keys()
        .create("carol", "sk_live", &["read", "write"], None)
        .await
        .unwrap();
    s.api_keys().verify(k1.key.expose()).await.unwrap();
    let k2 = s
        .api_keys()
        .rotate(&k1.id, Duration::from_secs(3600))
        .await
        .unwrap();
    let k3 = s
        .api_keys()
        .create("carol", "sk_test", &[], None)
        .await
        .unwrap();
    s.api_keys().revoke(&k3.id).await.unwrap();
    for k in [&k1, &k2, &k3] {
        let key = k.key.expose().to_string();
        // The random body alone must not be stored either.
        let body = key[k.prefix.len() + 1..].to_string();
        secrets.push(key);
        secrets.push(body);
    }

    let tables = every_table(&t).await;
    for expected in ["reset_tokens", "otp_challenges", "otp_subjects", "api_keys"] {
        assert!(
            tables.iter().any(|t| t == expected),
            "{expected} not in {tables:?}"
        );
    }
    let mut checked = 0;
    for table in &tables {
        for value in every_value(&t, table).await {
            checked += 1;
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "a secret is stored in plaintext in {table}"
                );
            }
            for code in &codes {
                assert!(
                    !has_digit_run(&value, code),
                    "a one-time code is stored in plaintext in {table}"
                );
            }
        }
    }
    assert!(checked > 40, "only {checked} values were read");
}

on_both_backends!(no_plaintext_secret_in_any_table);

#[test]
fn digit_runs() {
    assert!(has_digit_run("abc123456def", "123456"));
    assert!(has_digit_run("123456", "123456"));
    assert!(!has_digit_run("1234567", "123456"));
    assert!(!has_digit_run("1767225600000", "225600"));
}
