//! Service keys: created once, verified, listed without secrets, revoked.

mod common;

use common::{TestStore, every_table, every_value};
use keysmith_store::StoreError;

async fn create_verify_list_revoke(t: TestStore) {
    let keys = t.store.service_keys();
    let created = keys.create("billing").await.unwrap();
    assert!(created.key.expose().starts_with("ks_svc_"));
    assert!(!format!("{created:?}").contains(created.key.expose()));
    let info = keys.verify(created.key.expose()).await.unwrap();
    assert_eq!(
        (info.id.as_str(), info.name.as_str()),
        (created.id.as_str(), "billing")
    );

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

    let listed = keys.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].display_id, created.display_id);

    keys.revoke(&created.id).await.unwrap();
    keys.revoke(&created.id).await.unwrap();
    assert!(matches!(
        keys.verify(created.key.expose()).await,
        Err(StoreError::InvalidKey)
    ));
    assert!(keys.list().await.unwrap()[0].revoked_at_ms.is_some());
    assert!(matches!(
        keys.revoke("svc_unknown").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        keys.create("").await,
        Err(StoreError::InvalidInput(_))
    ));

    for table in every_table(&t).await {
        for value in every_value(&t, &table).await {
            assert!(
                !value.contains(created.key.expose()),
                "key stored in {table}"
            );
        }
    }
}

on_both_backends!(create_verify_list_revoke);
