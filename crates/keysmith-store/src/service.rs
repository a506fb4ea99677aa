//! Service keys: the bearer keys applications present to `keysmith serve`.
//! Each acts for one [`Tenant`] and carries [`Scopes`].
//!
//! A service key is an API key of its own kind, in the same table and
//! through the same code ([`ApiKeys`]): made, looked up by SHA-256,
//! refused when revoked, expired or disabled, its last use recorded, and
//! revoked by a leak report, exactly as an API key is. What differs is
//! the prefix ([`SERVICE_KEY_PREFIX`]), that its scopes are [`Scopes`],
//! and that a lookup by key is not limited to one tenant: the key says
//! which tenant it acts for.

use keysmith::apikey::ApiKey;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::apikeys::{Kind, key_columns, key_info};
use crate::clock::millis;
use crate::{ApiKeys, KeyInfo, KeyPolicy, Result, Scopes, Store, StoreError, Tenant, VerifyCode};

/// The prefix of every service key.
pub const SERVICE_KEY_PREFIX: &str = "ks_svc";

/// Service keys, stored as SHA-256 only.
#[derive(Debug, Clone, Copy)]
pub struct ServiceKeys<'a> {
    store: &'a Store,
}

/// A new service key: shown once.
#[non_exhaustive]
pub struct CreatedServiceKey {
    /// The record id (not secret).
    pub id: String,
    /// The key itself. Not stored anywhere.
    pub key: ApiKey,
    /// A short non-secret identifier of the key.
    pub display_id: String,
    /// The tenant the key acts for.
    pub tenant: Tenant,
    /// The name given at creation.
    pub name: String,
    /// What the key may do.
    pub scopes: Scopes,
}

impl fmt::Debug for CreatedServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedServiceKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .field("display_id", &self.display_id)
            .field("tenant", &self.tenant)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A service key's record, without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceKeyInfo {
    /// The record id.
    pub id: String,
    /// The key's display id.
    pub display_id: String,
    /// The tenant the key acts for.
    pub tenant: Tenant,
    /// The name given at creation.
    pub name: String,
    /// What the key may do.
    pub scopes: Scopes,
    /// When it was created (Unix ms).
    pub created_at_ms: i64,
    /// When it was revoked (Unix ms), if it was.
    pub revoked_at_ms: Option<i64>,
}

fn info(k: KeyInfo, tenant: String) -> ServiceKeyInfo {
    ServiceKeyInfo {
        name: k.policy.name.unwrap_or(k.owner),
        scopes: Scopes::from_names(&k.scopes),
        id: k.id,
        display_id: k.display_id,
        tenant: Tenant::from_stored(tenant),
        created_at_ms: k.created_at_ms,
        revoked_at_ms: k.revoked_at_ms,
    }
}

/// A service key of any tenant, by the SHA-256 of the key.
const LOOKUP: &str = concat!(key_columns!(), "WHERE key_hash = $1 AND kind = 'service'");

/// Service keys that verified a moment ago, by the SHA-256 of the key, so
/// that the lookup every request makes is not a query every time. Only
/// working keys are kept, each for at most
/// [`StoreOptions::service_key_cache`](crate::StoreOptions::service_key_cache);
/// revoking a key through this store forgets it at once.
#[derive(Default)]
pub(crate) struct RecentKeys {
    entries: Mutex<HashMap<String, (i64, Arc<ServiceKeyInfo>)>>,
}

impl RecentKeys {
    /// The most keys kept; past it the cache starts again from empty (a
    /// deployment has a handful of service keys, not thousands).
    const MAX_ENTRIES: usize = 4096;

    fn get(&self, hash: &str, now: i64) -> Option<Arc<ServiceKeyInfo>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(hash)
            .filter(|(until, _)| now < *until)
            .map(|(_, info)| info.clone())
    }

    fn put(&self, hash: String, until: i64, info: Arc<ServiceKeyInfo>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, (until, info));
    }

    fn forget(&self, matches: impl Fn(&str, &ServiceKeyInfo) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|hash, (_, info)| !matches(hash, info));
    }
}

impl ServiceKeys<'_> {
    /// The longest name of a service key, in characters: an identifier's
    /// ([`MAX_IDENTIFIER_LEN`](crate::MAX_IDENTIFIER_LEN)), as the name of
    /// any API key.
    pub const MAX_NAME_LEN: usize = crate::identifier::MAX_IDENTIFIER_LEN;
}

impl<'a> ServiceKeys<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        ServiceKeys { store }
    }

    /// Refuses a name [`create`](ServiceKeys::create) would refuse, so a
    /// caller can check it before opening anything.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] unless `name` is 1 to
    /// [`MAX_NAME_LEN`](ServiceKeys::MAX_NAME_LEN) bytes without control
    /// characters.
    pub fn check_name(name: &str) -> Result<()> {
        crate::identifier::check_identifier("the service key name", name)
    }

    /// Makes a service key for `tenant` (created on first use), named
    /// `name` (1 to [`MAX_NAME_LEN`](ServiceKeys::MAX_NAME_LEN) bytes
    /// without control characters), that may do `scopes`.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad name or an empty scope set;
    /// [`StoreError::Database`] when the database fails (then nothing was
    /// made).
    pub async fn create(
        &self,
        tenant: &Tenant,
        name: &str,
        scopes: Scopes,
    ) -> Result<CreatedServiceKey> {
        Self::check_name(name)?;
        if scopes.is_empty() {
            return Err(StoreError::InvalidInput(
                "a service key needs at least one scope".into(),
            ));
        }
        let names = scopes.names();
        let created = self
            .of(tenant.as_str())
            .create_with(
                name,
                SERVICE_KEY_PREFIX,
                &names,
                None,
                &KeyPolicy {
                    name: Some(name.to_owned()),
                    ..KeyPolicy::default()
                },
            )
            .await?;
        Ok(CreatedServiceKey {
            id: created.id,
            display_id: created.display_id,
            key: created.key,
            tenant: tenant.clone(),
            name: name.to_string(),
            scopes,
        })
    }

    /// The record of a working key. Malformed keys and bad checksums are
    /// refused before any database access; unknown, revoked, expired and
    /// disabled keys give the same [`StoreError::InvalidKey`]. A key that
    /// verified within the last
    /// [`service_key_cache`](crate::StoreOptions::service_key_cache) is
    /// answered from memory.
    pub async fn verify(&self, key: &str) -> Result<Arc<ServiceKeyInfo>> {
        let key = ApiKey::parse(key).map_err(|_| StoreError::InvalidKey)?;
        if key.prefix() != SERVICE_KEY_PREFIX {
            return Err(StoreError::InvalidKey);
        }
        let hash = key.sha256_hex();
        let now = self.store.now_ms();
        let recent = &self.store.inner.recent_keys;
        if let Some(info) = recent.get(&hash, now) {
            return Ok(info);
        }
        let mut conn = self.store.held().await?;
        let row = sqlx::query(LOOKUP)
            .bind(&hash)
            .fetch_optional(conn.conn())
            .await;
        let row = conn.checked(row)?.ok_or(StoreError::InvalidKey)?;
        drop(conn);
        let tenant: String = sqlx::Row::try_get(&row, "tenant")?;
        let record = key_info(&row)?;
        let expires_at_ms = record.expires_at_ms;
        let verdict = self.of(&tenant).judge(record, &[], 1).await?;
        let (VerifyCode::Valid, Some(record)) = (verdict.code, verdict.key) else {
            return Err(StoreError::InvalidKey);
        };
        let info = Arc::new(info(record, tenant));
        let ttl = millis(self.store.options().service_key_cache);
        if ttl > 0 {
            let until = now.saturating_add(ttl);
            recent.put(
                hash,
                expires_at_ms.map_or(until, |e| e.min(until)),
                info.clone(),
            );
        }
        Ok(info)
    }

    /// The service keys of `tenant`, or of every tenant with `None`,
    /// oldest first.
    pub async fn list(&self, tenant: Option<&Tenant>) -> Result<Vec<ServiceKeyInfo>> {
        let rows = match tenant {
            Some(t) => {
                sqlx::query(concat!(
                    key_columns!(),
                    "WHERE kind = 'service' AND tenant = $1 ORDER BY created_at, id"
                ))
                .bind(t.as_str())
                .fetch_all(self.store.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(
                    key_columns!(),
                    "WHERE kind = 'service' ORDER BY created_at, id"
                ))
                .fetch_all(self.store.pool())
                .await?
            }
        };
        rows.iter()
            .map(|row| Ok(info(key_info(row)?, sqlx::Row::try_get(row, "tenant")?)))
            .collect()
    }

    /// Revokes the service key `id` of `tenant`, or of any tenant with
    /// `None`; revoking twice keeps the first time. This store forgets the
    /// key at once; other instances sharing the database stop taking it
    /// within their
    /// [`service_key_cache`](crate::StoreOptions::service_key_cache).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] for an unknown id, or another tenant's.
    pub async fn revoke(&self, id: &str, tenant: Option<&Tenant>) -> Result<()> {
        let tenant = match tenant {
            Some(t) => t.clone(),
            None => {
                if crate::identifier::no_record_has(id) {
                    return Err(StoreError::NotFound);
                }
                let owner: Option<String> = sqlx::query_scalar(
                    "SELECT tenant FROM api_keys WHERE id = $1 AND kind = 'service'",
                )
                .bind(id)
                .fetch_optional(self.store.pool())
                .await?;
                Tenant::from_stored(owner.ok_or(StoreError::NotFound)?)
            }
        };
        self.of(tenant.as_str()).revoke(id).await?;
        self.store.inner.recent_keys.forget(|_, k| k.id == id);
        Ok(())
    }

    /// The service keys of `tenant`, through the API-key code.
    fn of<'t>(&self, tenant: &'t str) -> ApiKeys<'t>
    where
        'a: 't,
    {
        ApiKeys::of_kind(self.store, tenant, Kind::Service)
    }
}

impl Store {
    /// Forgets the service key whose SHA-256 is `hash`, if it was recently
    /// verified (a leak report revoked it).
    pub(crate) fn forget_service_key(&self, hash: &str) {
        self.inner.recent_keys.forget(|h, _| h == hash);
    }
}
