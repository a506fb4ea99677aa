//! Tenants see nothing of each other: every flow, on both backends, and
//! across two instances sharing one database.

use crate::common;

use common::TestStore;
use keysmith_store::{CheckOutcome, StartOptions, StoreError, Tenant};
use std::time::Duration;

fn tenants() -> (Tenant, Tenant) {
    (Tenant::new("app-a").unwrap(), Tenant::new("app-b").unwrap())
}

/// A's token does not redeem for B (the unknown-token answer) and still
/// redeems for A afterwards; throttles and revocations are per tenant.
async fn reset_tokens_are_per_tenant(t: TestStore) {
    let (a, b) = tenants();
    let other = t.another_instance().await;
    let (sa, sb) = (t.store.tenant(&a), other.tenant(&b));
    let issued = sa.reset_tokens().issue("u1", None).await.unwrap();
    assert!(matches!(
        sb.reset_tokens().redeem(issued.token()).await,
        Err(StoreError::InvalidToken)
    ));
    // B's own u1 is another user: not throttled by A's issue, and B's
    // revocation of "u1" leaves A's token alone.
    sb.reset_tokens().issue("u1", None).await.unwrap();
    assert_eq!(sb.reset_tokens().revoke_all("u1").await.unwrap(), 1);
    assert!(matches!(
        sa.reset_tokens().issue("u1", None).await,
        Err(StoreError::Throttled { .. })
    ));
    assert_eq!(
        sa.reset_tokens().redeem(issued.token()).await.unwrap(),
        "u1"
    );
    // The default tenant is a tenant like the others.
    assert!(t.store.reset_tokens().redeem(issued.token()).await.is_err());
}

/// An API key made by A does not verify, list, revoke or rotate for B.
async fn api_keys_are_per_tenant(t: TestStore) {
    let (a, b) = tenants();
    let other = t.another_instance().await;
    let (ka, kb) = (t.store.tenant(&a).api_keys(), other.tenant(&b).api_keys());
    let made = ka.create("acme", "sk_live", &["read"], None).await.unwrap();
    let key = made.key.expose();
    assert!(matches!(kb.verify(key).await, Err(StoreError::InvalidKey)));
    assert_eq!(kb.list("acme").await.unwrap(), vec![]);
    assert!(matches!(
        kb.revoke(&made.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        kb.rotate(&made.id, Duration::ZERO).await,
        Err(StoreError::NotFound)
    ));
    // Nothing B tried changed A's key.
    let info = &ka.list("acme").await.unwrap()[0];
    assert_eq!((info.revoked_at_ms, info.expires_at_ms), (None, None));
    assert_eq!(ka.verify(key).await.unwrap().id, made.id);
    // B may use the same owner name for its own keys.
    kb.create("acme", "sk_live", &[], None).await.unwrap();
    assert_eq!(ka.list("acme").await.unwrap().len(), 1);
}

/// A's challenge cannot be checked by B, and B's attempts do not count
/// against it; subjects, their sends and their lockouts are per tenant.
async fn challenges_are_per_tenant(t: TestStore) {
    let (a, b) = tenants();
    let other = t.another_instance().await;
    let (ca, cb) = (
        t.store.tenant(&a).challenges(),
        other.tenant(&b).challenges(),
    );
    let options = StartOptions::default().with_max_attempts(2);
    let started = ca.start("u1", options).await.unwrap();
    for _ in 0..5 {
        assert_eq!(
            cb.check(&started.id, &started.code).await.unwrap(),
            CheckOutcome::Expired
        );
    }
    // One wrong code of A's own: one attempt left, so B's did not count.
    assert_eq!(
        ca.check(&started.id, "not it").await.unwrap(),
        CheckOutcome::Denied { attempts_left: 1 }
    );
    assert!(
        ca.check(&started.id, &started.code)
            .await
            .unwrap()
            .is_approved()
    );

    // A's u1 locked out (5 starts used and 100 failures in a row) leaves
    // B's u1 free.
    for _ in 0..4 {
        ca.start("u1", options).await.unwrap();
    }
    assert!(matches!(
        ca.start("u1", options).await,
        Err(StoreError::Throttled { .. })
    ));
    cb.start("u1", options).await.unwrap();
    // Past the send window, and locked out just now.
    t.clock.advance(Duration::from_secs(3600));
    sqlx::query(
        "UPDATE otp_subjects SET failures = 100, last_failure_at = $1 WHERE tenant = 'app-a'",
    )
    .bind(common::T0 + 3_600_000)
    .execute(t.store.pool())
    .await
    .unwrap();
    assert!(matches!(
        ca.start("u1", options).await,
        Err(StoreError::SubjectLocked)
    ));
    cb.start("u1", options).await.unwrap();
    // B resetting its u1 does not unlock A's.
    cb.reset_subject("u1").await.unwrap();
    assert!(matches!(
        ca.start("u1", options).await,
        Err(StoreError::SubjectLocked)
    ));
    ca.reset_subject("u1").await.unwrap();
    ca.start("u1", options).await.unwrap();
}

/// Every flow row written carries its tenant.
async fn rows_carry_their_tenant(t: TestStore) {
    let (a, _) = tenants();
    let s = t.store.tenant(&a);
    s.reset_tokens().issue("u1", None).await.unwrap();
    s.challenges()
        .start("u1", StartOptions::default())
        .await
        .unwrap();
    s.api_keys()
        .create("o", "sk_live", &[], None)
        .await
        .unwrap();
    s.totp_factors()
        .enrol("u1", keysmith_store::TotpOptions::default())
        .await
        .unwrap();
    s.recovery_codes().generate("u1", 2).await.unwrap();
    for table in common::FLOW_TABLES {
        let tenants: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT tenant FROM {table}"
        )))
        .fetch_all(t.store.pool())
        .await
        .unwrap();
        assert_eq!(tenants, ["app-a"], "{table}");
    }
}

on_both_backends!(
    reset_tokens_are_per_tenant,
    api_keys_are_per_tenant,
    challenges_are_per_tenant,
    rows_carry_their_tenant,
);
