//! Service keys: created once for a tenant with scopes, verified, listed
//! without secrets, revoked.

mod common;

use common::{TestStore, every_table, every_value};
use keysmith_store::{Scope, Scopes, StoreError, Tenant};

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

on_both_backends!(create_verify_list_revoke, keys_belong_to_their_tenant);
