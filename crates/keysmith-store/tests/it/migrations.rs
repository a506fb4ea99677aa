//! Upgrading a database migrated by an earlier release.

use crate::common;

use common::T0;
use keysmith_store::{ManualClock, StartOptions, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

const MIN: i64 = 60_000;

/// Applies the migrations up to `version` only, as an earlier release did.
async fn migrate_up_to(url: &str, version: i64) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") {
        format!("{url}?mode=rwc")
    } else {
        url.to_string()
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let all = sqlx::migrate!("./migrations");
    let earlier = sqlx::migrate::Migrator::with_migrations(
        all.iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect(),
    );
    earlier.run(&pool).await.unwrap();
    pool
}

/// [`migrate_up_to`] `version` (2 or 3), with subjects as the fixed-window
/// send throttle of those releases left them.
async fn migrate_with_subjects(url: &str, version: i64) {
    let pool = migrate_up_to(url, version).await;
    // Subjects as the fixed-window throttle left them: alice used up a
    // window that began 2 minutes ago, bob one that ended long ago, carol
    // sent 3 in a window that began 1 minute ago.
    sqlx::query(
        "INSERT INTO otp_subjects (subject, window_start, sends, failures) \
         VALUES ('alice', $1, 5, 0), ('bob', $2, 5, 0), ('carol', $3, 3, 0)",
    )
    .bind(T0 - 2 * MIN)
    .bind(T0 - 25 * MIN)
    .bind(T0 - MIN)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

async fn start(store: &Store, subject: &str) -> Result<(), StoreError> {
    store
        .challenges()
        .start(subject, StartOptions::default())
        .await
        .map(drop)
}

/// The sends of the current fixed window carry over: upgrading grants no
/// subject extra starts, and the ones it had left are still there.
async fn an_upgrade_keeps_each_subjects_sends(url: String) {
    migrate_with_subjects(&url, 2).await;
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(&url, common::options(clock.clone()))
        .await
        .expect("the upgraded store opens");
    let throttled = |r: Result<(), StoreError>| match r {
        Err(StoreError::Throttled { retry_after }) => retry_after,
        other => panic!("expected Throttled, got {other:?}"),
    };
    assert_eq!(
        throttled(start(&store, "alice").await),
        Duration::from_secs(8 * 60)
    );
    start(&store, "bob").await.unwrap();
    start(&store, "carol").await.unwrap();
    start(&store, "carol").await.unwrap();
    assert_eq!(
        throttled(start(&store, "carol").await),
        Duration::from_secs(9 * 60)
    );
    clock.advance(Duration::from_secs(8 * 60));
    start(&store, "alice").await.unwrap();
    // Opening again applies nothing twice.
    let again = Store::open(&url, common::options(clock)).await.unwrap();
    again.ping().await.unwrap();
}

/// A database made by the migrations before tenants, with live rows of
/// every flow, upgraded: every row is tenant `default`'s and works as
/// before, and its service key has every scope.
async fn an_upgrade_to_tenants_keeps_live_rows(url: String) {
    use keysmith::{KeySpec, Recipe};
    use keysmith_store::{AtRestKey, CheckOutcome, Scopes, Tenant};
    migrate_with_subjects(&url, 3).await;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let token = keysmith::token_urlsafe(32);
    let api_key = KeySpec::new("sk_live").unwrap().generate();
    let service_key = KeySpec::new("ks_svc").unwrap().generate();
    let code = "123456";
    let code_hmac = AtRestKey::new("k1", [7u8; 32].to_vec())
        .unwrap()
        .mac_hex(&[b"ch_old", code.as_bytes()]);
    sqlx::query(
        "INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, 'u-old', $2, $3)",
    )
    .bind(keysmith::reset::hash_token_hex(&token))
    .bind(T0)
    .bind(T0 + 20 * MIN)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO otp_challenges (id, subject, code_hmac, key_id, created_at, expires_at, \
                                     attempts, max_attempts) \
         VALUES ('ch_old', 'dave', $1, 'k1', $2, $3, 0, 5)",
    )
    .bind(code_hmac)
    .bind(T0)
    .bind(T0 + 20 * MIN)
    .execute(&pool)
    .await
    .unwrap();
    for (sql, hash) in [
        (
            "INSERT INTO api_keys (id, key_hash, display_id, owner, prefix, scopes, created_at) \
             VALUES ('key_old', $1, 'd', 'acme', 'sk_live', 'read', $2)",
            api_key.sha256_hex(),
        ),
        (
            "INSERT INTO service_keys (id, key_hash, display_id, name, created_at) \
             VALUES ('svc_old', $1, 'd', 'old', $2)",
            service_key.sha256_hex(),
        ),
    ] {
        sqlx::query(sql)
            .bind(hash)
            .bind(T0)
            .execute(&pool)
            .await
            .unwrap();
    }
    for sql in [
        "INSERT INTO reset_throttle (user_id, last_issued_at) VALUES ('u-old', $1)",
        "INSERT INTO otp_subjects (subject, window_start, sends, failures) \
         VALUES ('dave', $1, 1, 2)",
    ] {
        sqlx::query(sql).bind(T0).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let clock = Arc::new(ManualClock::new(T0 + MIN / 2));
    let store = Store::open(&url, common::options(clock))
        .await
        .expect("the upgraded store opens");
    let svc = store
        .service_keys()
        .verify(service_key.expose())
        .await
        .unwrap();
    assert_eq!(
        (&svc.tenant, svc.scopes, svc.name.as_str()),
        (&Tenant::default(), Scopes::all(), "old")
    );
    let verified = store.api_keys().verify(api_key.expose()).await.unwrap();
    assert_eq!(
        (verified.id.as_str(), verified.scopes.as_slice()),
        ("key_old", &["read".to_string()][..])
    );
    assert_eq!(store.api_keys().list("acme").await.unwrap().len(), 1);
    // The throttle came along: u-old was issued a token 30 s ago.
    assert!(matches!(
        store.reset_tokens().issue("u-old", None).await,
        Err(StoreError::Throttled { .. })
    ));
    assert_eq!(store.reset_tokens().redeem(&token).await.unwrap(), "u-old");
    // So did dave's two failures: a wrong code leaves min(5 - 1, 100 - 3).
    assert_eq!(
        store.challenges().check("ch_old", "000000").await.unwrap(),
        CheckOutcome::Denied { attempts_left: 4 }
    );
    assert_eq!(
        store.challenges().check("ch_old", code).await.unwrap(),
        CheckOutcome::Approved {
            subject: "dave".into()
        }
    );
    // Another tenant sees none of it.
    let other = Tenant::new("other").unwrap();
    assert!(
        store
            .tenant(&other)
            .api_keys()
            .verify(api_key.expose())
            .await
            .is_err()
    );
    store.close().await;
}

/// A database at migration 6, with service keys of two tenants (one
/// revoked) beside API keys, upgraded to service keys as API keys: each
/// service key works for its tenant with its scopes, the revoked one stays
/// revoked, and no API-key call sees a service key.
async fn an_upgrade_moves_service_keys_into_api_keys(url: String) {
    use keysmith::{KeySpec, Recipe};
    use keysmith_store::{Scope, Scopes, StoreError, Tenant};
    let pool = migrate_up_to(&url, 6).await;
    let live = KeySpec::new("ks_svc").unwrap().generate();
    let revoked = KeySpec::new("ks_svc").unwrap().generate();
    let api_key = KeySpec::new("sk_live").unwrap().generate();
    for (sql, hash) in [
        (
            "INSERT INTO service_keys (id, key_hash, display_id, name, created_at, tenant, scopes) \
             VALUES ('svc_live', $1, 'd1', 'billing', $2, 'acme', 'otp:start otp:check')",
            live.sha256_hex(),
        ),
        (
            "INSERT INTO service_keys \
                 (id, key_hash, display_id, name, created_at, tenant, scopes, revoked_at) \
             VALUES ('svc_gone', $1, 'd2', 'old', $2, 'default', 'admin', 1)",
            revoked.sha256_hex(),
        ),
        (
            "INSERT INTO api_keys (id, key_hash, display_id, owner, prefix, scopes, created_at, \
                                   tenant) \
             VALUES ('key_acme', $1, 'd3', 'billing', 'sk_live', 'read', $2, 'acme')",
            api_key.sha256_hex(),
        ),
    ] {
        sqlx::query(sql)
            .bind(hash)
            .bind(T0)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let clock = Arc::new(ManualClock::new(T0 + MIN));
    let store = Store::open(&url, common::options(clock))
        .await
        .expect("the upgraded store opens");
    let svc = store.service_keys().verify(live.expose()).await.unwrap();
    assert_eq!(
        (svc.id.as_str(), svc.tenant.as_str(), svc.name.as_str()),
        ("svc_live", "acme", "billing")
    );
    assert_eq!(
        svc.scopes,
        Scopes::none().with(Scope::OtpStart).with(Scope::OtpCheck)
    );
    assert!(matches!(
        store.service_keys().verify(revoked.expose()).await,
        Err(StoreError::InvalidKey)
    ));
    let listed = store.service_keys().list(None).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|k| (k.id.as_str(), k.revoked_at_ms.is_some()))
            .collect::<Vec<_>>(),
        [("svc_gone", true), ("svc_live", false)]
    );
    // API-key calls of tenant acme see its API key and not its service key
    // (same owner, same tenant).
    let acme = Tenant::new("acme").unwrap();
    let keys = store.tenant(&acme).api_keys();
    assert_eq!(
        keys.list("billing")
            .await
            .unwrap()
            .iter()
            .map(|k| k.id.as_str())
            .collect::<Vec<_>>(),
        ["key_acme"]
    );
    assert!(matches!(
        keys.get("svc_live").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        keys.revoke("svc_live").await,
        Err(StoreError::NotFound)
    ));
    let checked = keys.check(live.expose(), &[], 1).await.unwrap();
    assert_eq!(checked.code, keysmith_store::VerifyCode::NotFound);
    assert!(keys.verify(api_key.expose()).await.is_ok());
    store.close().await;
}

on_empty_databases!(
    an_upgrade_keeps_each_subjects_sends,
    an_upgrade_to_tenants_keeps_live_rows,
    an_upgrade_moves_service_keys_into_api_keys,
);
