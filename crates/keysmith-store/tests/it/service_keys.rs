//! Service keys: created once for a tenant with scopes, verified, listed
//! without secrets, revoked.

use crate::common;

use common::{TestStore, every_table, every_value};
use keysmith_store::{Clock, Scope, Scopes, Store, StoreError, Tenant};
use std::time::Duration;

async fn create_verify_list_revoke(t: TestStore) {
    let keys = t.store.service_keys();
    let tenant = Tenant::default();
    let created = keys
        .create(&tenant, "billing", Scopes::standard())
        .await
        .unwrap();
    assert!(created.key.expose().starts_with("ks_svc_"));
    assert!(!format!("{created:?}").contains(created.key.expose()));
    let info = keys.verify(created.key.expose()).await.unwrap();
    assert_eq!(
        (info.id.as_str(), info.name.as_str(), info.tenant.as_str()),
        (created.id.as_str(), "billing", "default")
    );
    assert_eq!(info.scopes, Scopes::standard());

    // An API key of another prefix, a changed character, garbage: refused.
    let mut changed = created.key.expose().to_string();
    let last = changed.pop().unwrap();
    changed.push(if last == 'a' { 'b' } else { 'a' });
    for bad in [changed.as_str(), "ks_svc_nope", "", "Bearer x"] {
        assert!(
            matches!(keys.verify(bad).await, Err(StoreError::InvalidKey)),
            "{bad}"
        );
    }

    let listed = keys.list(None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].display_id, created.display_id);

    keys.revoke(&created.id, None).await.unwrap();
    keys.revoke(&created.id, None).await.unwrap();
    assert!(matches!(
        keys.verify(created.key.expose()).await,
        Err(StoreError::InvalidKey)
    ));
    assert!(keys.list(None).await.unwrap()[0].revoked_at_ms.is_some());
    assert!(matches!(
        keys.revoke("svc_unknown", None).await,
        Err(StoreError::NotFound)
    ));
    for (name, scopes) in [("", Scopes::standard()), ("x", Scopes::none())] {
        assert!(matches!(
            keys.create(&tenant, name, scopes).await,
            Err(StoreError::InvalidInput(_))
        ));
    }

    for table in every_table(&t).await {
        for value in every_value(&t, &table).await {
            assert!(
                !value.contains(created.key.expose()),
                "key stored in {table}"
            );
        }
    }
}

/// Each tenant lists and revokes its own keys only; the operator's `None`
/// sees all of them.
async fn keys_belong_to_their_tenant(t: TestStore) {
    let keys = t.store.service_keys();
    let (a, b) = (Tenant::new("app-a").unwrap(), Tenant::new("app-b").unwrap());
    let only_admin = Scopes::none().with(Scope::Admin);
    let ka = keys.create(&a, "a", only_admin).await.unwrap();
    let kb = keys.create(&b, "b", Scopes::all()).await.unwrap();
    assert_eq!(ka.scopes.names(), ["admin"]);
    let info = keys.verify(kb.key.expose()).await.unwrap();
    assert_eq!(
        (info.tenant.as_str(), info.scopes),
        ("app-b", Scopes::all())
    );

    let ids =
        |v: Vec<keysmith_store::ServiceKeyInfo>| v.into_iter().map(|k| k.id).collect::<Vec<_>>();
    assert_eq!(ids(keys.list(Some(&a)).await.unwrap()), [ka.id.as_str()]);
    assert_eq!(ids(keys.list(Some(&b)).await.unwrap()), [kb.id.as_str()]);
    assert_eq!(keys.list(None).await.unwrap().len(), 2);

    assert!(matches!(
        keys.revoke(&kb.id, Some(&a)).await,
        Err(StoreError::NotFound)
    ));
    keys.verify(kb.key.expose()).await.unwrap();
    keys.revoke(&kb.id, Some(&b)).await.unwrap();
    assert!(keys.verify(kb.key.expose()).await.is_err());
    keys.verify(ka.key.expose()).await.unwrap();

    // Both tenants are recorded, beside the default one.
    let mut tenants: Vec<String> = sqlx::query_scalar("SELECT name FROM tenants")
        .fetch_all(t.store.pool())
        .await
        .unwrap();
    tenants.sort();
    assert_eq!(tenants, ["app-a", "app-b", "default"]);
}

/// A key that verified is taken from memory for
/// `StoreOptions::service_key_cache`: revoked through the same store it
/// stops at once; revoked by another instance it works here until the
/// cache time has passed, and at once with the cache off.
async fn a_verified_key_is_remembered_briefly(t: TestStore) {
    let tenant = Tenant::default();
    let keys = t.store.service_keys();
    let other = t.another_instance().await;
    let ttl = t.store.options().service_key_cache;
    assert_eq!(ttl, Duration::from_secs(1), "the documented default");

    // Revoked here: forgotten at once, though it was just verified.
    let here = keys
        .create(&tenant, "here", Scopes::standard())
        .await
        .unwrap();
    keys.verify(here.key.expose()).await.unwrap();
    keys.revoke(&here.id, Some(&tenant)).await.unwrap();
    assert!(keys.verify(here.key.expose()).await.is_err());

    // Revoked elsewhere: still taken here within the cache time, not after.
    let there = keys
        .create(&tenant, "there", Scopes::standard())
        .await
        .unwrap();
    keys.verify(there.key.expose()).await.unwrap();
    other.service_keys().revoke(&there.id, None).await.unwrap();
    assert!(
        other
            .service_keys()
            .verify(there.key.expose())
            .await
            .is_err()
    );
    t.clock.advance(ttl - Duration::from_millis(1));
    keys.verify(there.key.expose()).await.unwrap();
    t.clock.advance(Duration::from_millis(1));
    assert!(keys.verify(there.key.expose()).await.is_err());

    // A leak report received here forgets the key at once.
    let leaked = keys
        .create(&tenant, "leaked", Scopes::standard())
        .await
        .unwrap();
    keys.verify(leaked.key.expose()).await.unwrap();
    assert!(
        t.store
            .revoke_exposed(&leaked.key, None, None)
            .await
            .unwrap()
    );
    assert!(keys.verify(leaked.key.expose()).await.is_err());

    // With the cache off, another instance's revocation counts at once.
    let mut options = t.store.options().clone();
    options.service_key_cache = Duration::ZERO;
    let uncached = Store::open(&t.url, options).await.unwrap();
    let k = keys
        .create(&tenant, "uncached", Scopes::standard())
        .await
        .unwrap();
    uncached
        .service_keys()
        .verify(k.key.expose())
        .await
        .unwrap();
    keys.revoke(&k.id, None).await.unwrap();
    assert!(
        uncached
            .service_keys()
            .verify(k.key.expose())
            .await
            .is_err()
    );
    uncached.close().await;
    other.close().await;
}

/// A service key is an API key of its own kind: the API-key calls of its
/// tenant do not see it (by id, by owner, by key), and it keeps the
/// API-key record of its last use.
async fn service_keys_are_not_api_keys(t: TestStore) {
    let tenant = Tenant::new("acme").unwrap();
    let svc = t
        .store
        .service_keys()
        .create(&tenant, "billing", Scopes::standard())
        .await
        .unwrap();
    let api = t.store.tenant(&tenant).api_keys();
    let key = api.create("billing", "ks_svc", &[], None).await.unwrap();
    assert!(matches!(api.get(&svc.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        api.revoke(&svc.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        api.rotate(&svc.id, Duration::ZERO).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        api.update(&svc.id, &keysmith_store::KeyUpdate::default())
            .await,
        Err(StoreError::NotFound)
    ));
    let listed: Vec<String> = api
        .list("billing")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(listed, std::slice::from_ref(&key.id));
    let checked = api.check(svc.key.expose(), &[], 1).await.unwrap();
    assert_eq!(checked.code, keysmith_store::VerifyCode::NotFound);
    // And the other way: an API key with the service prefix is no
    // service key.
    assert!(matches!(
        t.store.service_keys().verify(key.key.expose()).await,
        Err(StoreError::InvalidKey)
    ));

    t.store
        .service_keys()
        .verify(svc.key.expose())
        .await
        .unwrap();
    let last_used: Option<i64> =
        sqlx::query_scalar("SELECT last_used_at FROM api_keys WHERE id = $1")
            .bind(&svc.id)
            .fetch_one(t.store.pool())
            .await
            .unwrap();
    assert_eq!(last_used, Some(t.clock.now_ms()));
}

on_both_backends!(
    create_verify_list_revoke,
    keys_belong_to_their_tenant,
    a_verified_key_is_remembered_briefly,
    service_keys_are_not_api_keys
);
