//! API keys on both backends: create, verify, list, revoke, rotate.

use crate::common;

use common::{T0, TestStore};
use keysmith::Recipe;
use keysmith::apikey::ApiKey;
use keysmith_store::{Backend, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// A key that is well formed with a good checksum but was never stored.
fn stranger() -> String {
    keysmith::KeySpec::new("sk_live")
        .unwrap()
        .generate()
        .into_string()
}

/// `key` with the character at `at` replaced by another base62 one.
fn one_char_off(key: &str, at: usize) -> String {
    let mut b = key.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

async fn last_used(t: &TestStore, id: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT last_used_at FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

async fn create_then_verify_gives_owner_and_scopes(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys
        .create("alice", "sk_live", &["read", "write:orders"], None)
        .await
        .unwrap();
    assert!(k.key.as_str().starts_with("sk_live_"));
    assert!(k.id.starts_with("key_"));
    assert_eq!(k.owner, "alice");
    assert_eq!(k.prefix, "sk_live");
    assert_eq!(k.scopes, ["read", "write:orders"]);
    assert_eq!(k.created_at_ms, T0);
    assert_eq!(k.expires_at_ms, None);
    assert_eq!(k.display_id, k.key.display_id());

    let v = keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(v.id, k.id);
    assert_eq!(v.owner, "alice");
    assert_eq!(v.scopes, ["read", "write:orders"]);
    assert_eq!(v.prefix, "sk_live");
    assert_eq!(v.display_id, k.display_id);
    assert!(v.has_scope("read") && !v.has_scope("write"));

    // A key without scopes is a key without scopes.
    let bare = keys.create("bob", "ghp", &[], None).await.unwrap();
    let v = keys.verify(bare.key.as_str()).await.unwrap();
    assert_eq!(v.owner, "bob");
    assert!(v.scopes.is_empty());
}

async fn wrong_keys_are_invalid(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys
        .create("alice", "sk_live", &["read"], None)
        .await
        .unwrap();
    let s = k.key.as_str();
    // One character off anywhere: in the prefix, the body, the checksum.
    for at in [0, 8, 20, s.len() - 1] {
        let e = keys.verify(&one_char_off(s, at)).await.unwrap_err();
        assert!(matches!(e, StoreError::InvalidKey), "{at}: {e:?}");
    }
    // Well formed, good checksum, never issued: the database says no.
    let e = keys.verify(&stranger()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    // Not a key at all.
    let longer = format!("{s}x");
    for junk in ["", "sk_live_", "hello", &s[..s.len() - 1], longer.as_str()] {
        let e = keys.verify(junk).await.unwrap_err();
        assert!(matches!(e, StoreError::InvalidKey), "{junk:?}: {e:?}");
    }
    // The original still works.
    keys.verify(s).await.unwrap();
}

async fn malformed_keys_never_reach_the_database(t: TestStore) {
    let k = t
        .store
        .api_keys()
        .create("alice", "sk_live", &[], None)
        .await
        .unwrap();
    t.store.close().await;
    let keys = t.store.api_keys();
    // With no database at all, a bad key is still just a bad key...
    for bad in [
        "malformed".to_string(),
        one_char_off(k.key.as_str(), 12),
        "sk_live_".to_string() + &"A".repeat(36),
    ] {
        let e = keys.verify(&bad).await.unwrap_err();
        assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    }
    // ...while a well-formed key needs the database, and says it failed:
    // never InvalidKey, never Ok.
    for good in [k.key.as_str().to_string(), stranger()] {
        let e = keys.verify(&good).await.unwrap_err();
        assert!(matches!(e, StoreError::Database(_)), "{e:?}");
    }
}

async fn database_errors_are_database_errors(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys.create("alice", "sk_live", &[], None).await.unwrap();
    t.store.close().await;
    let db = |r: Result<(), StoreError>| match r {
        Err(StoreError::Database(_)) => {}
        other => panic!("expected a database error, got {other:?}"),
    };
    db(keys.verify(k.key.as_str()).await.map(drop));
    db(keys.create("alice", "sk_live", &[], None).await.map(drop));
    db(keys.list("alice").await.map(drop));
    db(keys.revoke(&k.id).await);
    db(keys.rotate(&k.id, HOUR).await.map(drop));
}

async fn revoked_keys_are_invalid(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys.create("alice", "sk_live", &[], None).await.unwrap();
    let other = keys.create("alice", "sk_live", &[], None).await.unwrap();
    keys.verify(k.key.as_str()).await.unwrap();
    t.clock.advance(MINUTE);
    keys.revoke(&k.id).await.unwrap();
    let e = keys.verify(k.key.as_str()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    // Revoking again is fine and keeps the first revocation time.
    t.clock.advance(MINUTE);
    keys.revoke(&k.id).await.unwrap();
    let revoked: Option<i64> = sqlx::query_scalar("SELECT revoked_at FROM api_keys WHERE id = $1")
        .bind(&k.id)
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(revoked, Some(T0 + 60_000));
    // Only that key.
    keys.verify(other.key.as_str()).await.unwrap();
    // An unknown id is not found.
    let e = keys.revoke("key_nope").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}

async fn expired_keys_are_invalid(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys
        .create("alice", "sk_live", &["read"], Some(T0 + 3_600_000))
        .await
        .unwrap();
    assert_eq!(k.expires_at_ms, Some(T0 + 3_600_000));
    t.clock.advance(HOUR - Duration::from_millis(1));
    let v = keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(v.expires_at_ms, Some(T0 + 3_600_000));
    t.clock.advance(Duration::from_millis(1));
    let e = keys.verify(k.key.as_str()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
}

async fn list_shows_keys_without_secrets(t: TestStore) {
    let keys = t.store.api_keys();
    let a = keys
        .create("alice", "sk_live", &["read"], None)
        .await
        .unwrap();
    t.clock.advance(MINUTE);
    let b = keys
        .create(
            "alice",
            "sk_test",
            &["read", "write"],
            Some(T0 + 10 * 3_600_000),
        )
        .await
        .unwrap();
    t.clock.advance(MINUTE);
    let c = keys.create("alice", "sk_live", &[], None).await.unwrap();
    let bob = keys.create("bob", "sk_live", &[], None).await.unwrap();
    keys.verify(a.key.as_str()).await.unwrap();
    t.clock.advance(MINUTE);
    keys.revoke(&c.id).await.unwrap();

    let list = keys.list("alice").await.unwrap();
    let ids: Vec<&str> = list.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, [&a.id, &b.id, &c.id]);
    assert_eq!(list[0].display_id, a.display_id);
    assert_eq!(list[0].prefix, "sk_live");
    assert_eq!(list[0].scopes, ["read"]);
    assert_eq!(list[0].created_at_ms, T0);
    assert_eq!(list[0].last_used_at_ms, Some(T0 + 120_000));
    assert_eq!(list[0].revoked_at_ms, None);
    assert_eq!(list[1].prefix, "sk_test");
    assert_eq!(list[1].scopes, ["read", "write"]);
    assert_eq!(list[1].expires_at_ms, Some(T0 + 10 * 3_600_000));
    assert_eq!(list[1].last_used_at_ms, None);
    assert_eq!(list[2].revoked_at_ms, Some(T0 + 180_000));

    let shown = format!("{list:?}");
    for k in [&a, &b, &c] {
        assert!(!shown.contains(k.key.as_str()), "{shown}");
        assert!(!shown.contains(&k.key.sha256_hex()), "{shown}");
    }
    assert!(!shown.contains(&bob.id), "another owner's key: {shown}");
    assert_eq!(keys.list("bob").await.unwrap().len(), 1);
    assert!(keys.list("carol").await.unwrap().is_empty());
}

async fn last_use_is_written_at_most_once_a_minute(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys.create("alice", "sk_live", &[], None).await.unwrap();
    assert_eq!(last_used(&t, &k.id).await, None);
    keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(last_used(&t, &k.id).await, Some(T0));
    t.clock.advance(Duration::from_secs(30));
    keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(
        last_used(&t, &k.id).await,
        Some(T0),
        "rewritten within 60 s"
    );
    t.clock.advance(Duration::from_secs(29));
    keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(
        last_used(&t, &k.id).await,
        Some(T0),
        "rewritten within 60 s"
    );
    t.clock.advance(Duration::from_secs(2));
    keys.verify(k.key.as_str()).await.unwrap();
    assert_eq!(last_used(&t, &k.id).await, Some(T0 + 61_000));
}

/// A table and trigger counting the writes to `api_keys.last_used_at`.
async fn count_last_used_writes(t: &TestStore) {
    let pool = t.store.pool();
    sqlx::query("CREATE TABLE last_used_writes (n BIGINT NOT NULL)")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO last_used_writes (n) VALUES (0)")
        .execute(pool)
        .await
        .unwrap();
    let trigger: &[&'static str] = match t.store.backend() {
        Backend::Sqlite => &[
            "CREATE TRIGGER count_last_used AFTER UPDATE OF last_used_at \
              ON api_keys BEGIN UPDATE last_used_writes SET n = n + 1; END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION count_last_used() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN UPDATE last_used_writes SET n = n + 1; RETURN NEW; END $$",
            "CREATE TRIGGER count_last_used AFTER UPDATE OF last_used_at ON api_keys \
             FOR EACH ROW EXECUTE FUNCTION count_last_used()",
        ],
    };
    for sql in trigger {
        sqlx::query(*sql).execute(pool).await.unwrap();
    }
}

async fn last_used_writes(t: &TestStore) -> i64 {
    sqlx::query_scalar("SELECT n FROM last_used_writes")
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

async fn concurrent_verifies_write_last_use_once(t: TestStore) {
    count_last_used_writes(&t).await;
    let k = t
        .store
        .api_keys()
        .create("alice", "sk_live", &["read"], None)
        .await
        .unwrap();
    // Two instances, 32 verifications each, all at once.
    let stores = [t.store.clone(), t.another_instance().await];
    let barrier = Arc::new(Barrier::new(64));
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = stores[i % 2].clone();
        let barrier = barrier.clone();
        let key = k.key.as_str().to_string();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.api_keys().verify(&key).await
        }));
    }
    for task in tasks {
        let v = task.await.unwrap().expect("every verification succeeds");
        assert_eq!(v.owner, "alice");
    }
    assert_eq!(last_used(&t, &k.id).await, Some(T0));
    assert_eq!(last_used_writes(&t).await, 1);
    // A minute on, one more write; none for verifications within it.
    t.clock.advance(MINUTE);
    for _ in 0..3 {
        t.store.api_keys().verify(k.key.as_str()).await.unwrap();
    }
    assert_eq!(last_used_writes(&t).await, 2);
    assert_eq!(last_used(&t, &k.id).await, Some(T0 + 60_000));
}

async fn rotation_keeps_the_old_key_for_the_grace_period(t: TestStore) {
    let keys = t.store.api_keys();
    let old = keys
        .create("alice", "sk_live", &["read", "write"], None)
        .await
        .unwrap();
    t.clock.advance(MINUTE);
    let new = keys.rotate(&old.id, HOUR).await.unwrap();
    assert_ne!(new.id, old.id);
    assert_ne!(new.key, old.key);
    assert_eq!(new.owner, "alice");
    assert_eq!(new.prefix, "sk_live");
    assert_eq!(new.scopes, ["read", "write"]);
    assert_eq!(new.created_at_ms, T0 + 60_000);
    assert_eq!(new.expires_at_ms, None, "the old key's expiry");

    let v = keys.verify(new.key.as_str()).await.unwrap();
    assert_eq!((v.owner.as_str(), v.scopes.len()), ("alice", 2));
    let v = keys.verify(old.key.as_str()).await.unwrap();
    assert_eq!(v.expires_at_ms, Some(T0 + 60_000 + 3_600_000));

    t.clock.advance(HOUR - Duration::from_millis(1));
    keys.verify(old.key.as_str()).await.unwrap();
    t.clock.advance(Duration::from_millis(1));
    let e = keys.verify(old.key.as_str()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    keys.verify(new.key.as_str()).await.unwrap();

    // A rotated key is not rotated again: the answer names its successor.
    let e = keys.rotate(&old.id, HOUR).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::AlreadyRotated { successor } if *successor == new.id),
        "{e:?}"
    );
    let list = keys.list("alice").await.unwrap();
    assert_eq!(list.len(), 2);
}

async fn rotation_keeps_a_sooner_expiry(t: TestStore) {
    let keys = t.store.api_keys();
    let end = T0 + 2 * 3_600_000;
    let old = keys
        .create("alice", "sk_test", &["read"], Some(end))
        .await
        .unwrap();
    // Grace longer than the old key's life: the old key keeps its expiry,
    // and the new key inherits it.
    let new = keys.rotate(&old.id, 5 * HOUR).await.unwrap();
    assert_eq!(new.expires_at_ms, Some(end));
    let info = keys.list("alice").await.unwrap();
    let old_info = info.iter().find(|k| k.id == old.id).unwrap();
    assert_eq!(old_info.expires_at_ms, Some(end));
    // Grace shorter: the old key ends first; the new one still inherits
    // the original expiry.
    let newer = keys.rotate(&new.id, MINUTE).await.unwrap();
    assert_eq!(newer.expires_at_ms, Some(end));
    t.clock.advance(MINUTE);
    let e = keys.verify(new.key.as_str()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    keys.verify(old.key.as_str()).await.unwrap();
    keys.verify(newer.key.as_str()).await.unwrap();
    // No grace: the old key stops at once.
    let last = keys.rotate(&newer.id, Duration::ZERO).await.unwrap();
    let e = keys.verify(newer.key.as_str()).await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidKey), "{e:?}");
    keys.verify(last.key.as_str()).await.unwrap();
}

async fn rotating_revoked_or_unknown_keys_is_not_found(t: TestStore) {
    let keys = t.store.api_keys();
    let k = keys.create("alice", "sk_live", &[], None).await.unwrap();
    keys.revoke(&k.id).await.unwrap();
    for id in [k.id.as_str(), "key_unknown", ""] {
        let e = keys.rotate(id, HOUR).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{id:?}: {e:?}");
    }
    // Nothing was made.
    assert_eq!(keys.list("alice").await.unwrap().len(), 1);
    let e = keys
        .rotate(&k.id, Duration::from_secs(30 * 86_400 + 1))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::InvalidInput(_)), "{e:?}");
}

async fn key_hashes_are_unique(t: TestStore) {
    let k = t
        .store
        .api_keys()
        .create("alice", "sk_live", &[], None)
        .await
        .unwrap();
    let insert = |id: &'static str| {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, display_id, owner, prefix, scopes, created_at) \
             VALUES ($1, $2, 'x', 'mallory', 'sk_live', '', 0)",
        )
        .bind(id)
        .bind(k.key.sha256_hex())
        .execute(t.store.pool())
    };
    insert("key_dup").await.unwrap_err();
    // Without the collision the same row goes in: the hash made it fail.
    sqlx::query("DELETE FROM api_keys WHERE id = $1")
        .bind(&k.id)
        .execute(t.store.pool())
        .await
        .unwrap();
    insert("key_dup").await.unwrap();
}

async fn no_plaintext_key_is_stored(t: TestStore) {
    let keys = t.store.api_keys();
    let a = keys
        .create("alice", "sk_live", &["read"], Some(T0 + 86_400_000))
        .await
        .unwrap();
    let b = keys.create("alice", "ghp", &[], None).await.unwrap();
    keys.verify(a.key.as_str()).await.unwrap();
    t.clock.advance(MINUTE);
    let c = keys.rotate(&a.id, HOUR).await.unwrap();
    keys.revoke(&b.id).await.unwrap();

    let rows: Vec<Vec<Option<String>>> = sqlx::query_as::<
        _,
        (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        ),
    >(
        "SELECT id, key_hash, display_id, owner, prefix, scopes, CAST(created_at AS TEXT), \
                CAST(last_used_at AS TEXT), CAST(expires_at AS TEXT), CAST(revoked_at AS TEXT) \
         FROM api_keys",
    )
    .fetch_all(t.store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| {
        vec![
            Some(r.0),
            Some(r.1),
            Some(r.2),
            Some(r.3),
            Some(r.4),
            Some(r.5),
            Some(r.6),
            r.7,
            r.8,
            r.9,
        ]
    })
    .collect();
    assert_eq!(rows.len(), 3);
    let everything = format!("{rows:?}");
    for k in [&a, &b, &c] {
        let s = k.key.as_str();
        let body = &s[k.prefix.len() + 1..s.len() - 6];
        assert!(!everything.contains(s), "{everything}");
        assert!(!everything.contains(body), "{everything}");
        let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = $1")
            .bind(&k.id)
            .fetch_one(t.store.pool())
            .await
            .unwrap();
        assert_eq!(stored, ApiKey::parse(s).unwrap().sha256_hex());
        assert_eq!(stored.len(), 64);
    }
}

async fn created_keys_do_not_show_the_key(t: TestStore) {
    let k = t
        .store
        .api_keys()
        .create("alice", "sk_live", &["read"], None)
        .await
        .unwrap();
    let shown = format!("{k:?} {k:#?}");
    let s = k.key.as_str();
    assert!(!shown.contains(s), "{shown}");
    assert!(!shown.contains(&s[8..s.len() - 6]), "{shown}");
    assert!(
        shown.contains(&k.id) && shown.contains(&k.display_id),
        "{shown}"
    );
    let v = t.store.api_keys().verify(s).await.unwrap();
    assert!(!format!("{v:?}").contains(s));
}

async fn bad_inputs_are_refused(t: TestStore) {
    let keys = t.store.api_keys();
    let long_owner = "o".repeat(257);
    let long_scope = "s".repeat(65);
    let many: Vec<String> = (0..33).map(|i| format!("s{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let cases: Vec<(&str, &str, Vec<&str>, Option<i64>)> = vec![
        ("", "sk_live", vec![], None),
        (&long_owner, "sk_live", vec![], None),
        ("al\0ice", "sk_live", vec![], None),
        ("alice", "", vec![], None),
        ("alice", "SK_LIVE", vec![], None),
        ("alice", "sk_live_", vec![], None),
        ("alice", "sk live", vec![], None),
        ("alice", "sk_live", vec![""], None),
        ("alice", "sk_live", vec!["read write"], None),
        ("alice", "sk_live", vec!["read\twrite"], None),
        ("alice", "sk_live", vec![&long_scope], None),
        ("alice", "sk_live", vec!["read", "read"], None),
        ("alice", "sk_live", many.clone(), None),
        ("alice", "sk_live", vec![], Some(T0)),
        ("alice", "sk_live", vec![], Some(T0 - 1)),
    ];
    for (owner, prefix, scopes, expires) in &cases {
        let e = keys
            .create(owner, prefix, scopes, *expires)
            .await
            .unwrap_err();
        // A prefix is keysmith's to refuse: its error, as the source.
        let expected = if *prefix == "sk_live" {
            matches!(e, StoreError::InvalidInput(_))
        } else {
            matches!(e, StoreError::Keysmith(_))
        };
        assert!(
            expected,
            "{owner:?} {prefix:?} {scopes:?} {expires:?}: {e:?}"
        );
        assert!(!e.to_string().is_empty());
    }
    // Nothing was stored.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    // The limits themselves are accepted.
    let ok_owner = "o".repeat(256);
    let ok_scope = "s".repeat(64);
    keys.create(&ok_owner, "sk_live", &[&ok_scope], Some(T0 + 1))
        .await
        .unwrap();
    keys.create("alice", "sk_live", &many[..32], None)
        .await
        .unwrap();
    let e = keys.list("").await.unwrap_err();
    assert!(matches!(e, StoreError::InvalidInput(_)), "{e:?}");
}

on_both_backends!(
    create_then_verify_gives_owner_and_scopes,
    wrong_keys_are_invalid,
    malformed_keys_never_reach_the_database,
    database_errors_are_database_errors,
    revoked_keys_are_invalid,
    expired_keys_are_invalid,
    list_shows_keys_without_secrets,
    last_use_is_written_at_most_once_a_minute,
    concurrent_verifies_write_last_use_once,
    rotation_keeps_the_old_key_for_the_grace_period,
    rotation_keeps_a_sooner_expiry,
    rotating_revoked_or_unknown_keys_is_not_found,
    key_hashes_are_unique,
    no_plaintext_key_is_stored,
    created_keys_do_not_show_the_key,
    bad_inputs_are_refused,
);

/// PostgreSQL only: a connection the store holds for the verify path
/// (outside the pool, so sqlx does not ping it after each statement) that
/// the server dropped fails at most the one verification that finds it,
/// as a database error that spends nothing; the next takes a new
/// connection, and the credits come out exact.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_connection_dropped_fails_one_verification_at_most() {
    use keysmith_store::{KeyPolicy, Store, VerifyCode};
    let Some(t) = common::postgres().await else {
        eprintln!("KEYSMITH_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let mut policy = KeyPolicy::default();
    policy.remaining = Some(2);
    let key = t
        .store
        .api_keys()
        .create_with("acme", "sk_live", &[], None, &policy)
        .await
        .unwrap()
        .key;
    // A name to find this store's connections by; two pooled connections
    // at most, so one held.
    let name = format!("ks_held_{}", keysmith::token_hex(4));
    let mut options = t.store.options().clone();
    options.max_connections = 2;
    let store = Store::open(&format!("{}&application_name={name}", t.url), options)
        .await
        .unwrap();
    let v = store.api_keys().check(key.expose(), &[], 1).await.unwrap();
    assert_eq!(
        (v.code, v.key.unwrap().policy.remaining),
        (VerifyCode::Valid, Some(1))
    );

    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(&name)
    .fetch_all(t.store.pool())
    .await
    .unwrap();
    assert!(
        !dropped.is_empty() && dropped.iter().all(|d| *d),
        "{dropped:?}"
    );

    let v = match store.api_keys().check(key.expose(), &[], 1).await {
        Ok(v) => v,
        Err(StoreError::Database(_)) => store.api_keys().check(key.expose(), &[], 1).await.unwrap(),
        Err(e) => panic!("a dropped connection must be a database error, not {e:?}"),
    };
    assert_eq!(
        (v.code, v.key.unwrap().policy.remaining),
        (VerifyCode::Valid, Some(0))
    );
    let v = store.api_keys().check(key.expose(), &[], 1).await.unwrap();
    assert_eq!(v.code, VerifyCode::UsageExceeded);
    store.close().await;
    // Closed: the held connections are closed too, and refuse work.
    assert!(matches!(
        store.api_keys().check(key.expose(), &[], 1).await,
        Err(StoreError::Database(_))
    ));
}
