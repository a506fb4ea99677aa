//! Service keys: the bearer keys applications present to `keysmith serve`.

use keysmith::apikey::ApiKey;
use keysmith::{KeySpec, Recipe};
use std::fmt;

use crate::{Result, Store, StoreError};

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
    /// The name given at creation.
    pub name: String,
}

impl fmt::Debug for CreatedServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedServiceKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .field("display_id", &self.display_id)
            .field("name", &self.name)
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
    /// The name given at creation.
    pub name: String,
    /// When it was created (Unix ms).
    pub created_at_ms: i64,
    /// When it was revoked (Unix ms), if it was.
    pub revoked_at_ms: Option<i64>,
}

impl<'a> ServiceKeys<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        ServiceKeys { store }
    }

    /// Makes a service key named `name` (1 to 64 printable characters).
    pub async fn create(&self, name: &str) -> Result<CreatedServiceKey> {
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(StoreError::InvalidInput(
                "a service key name must be 1 to 64 printable characters".into(),
            ));
        }
        let key = KeySpec::new(SERVICE_KEY_PREFIX)
            .map_err(|e| StoreError::InvalidInput(e.to_string()))?
            .generate();
        let id = format!("svc_{}", keysmith::token_hex(16));
        let display_id = key.display_id();
        let _turn = self.store.writing().await;
        sqlx::query(
            "INSERT INTO service_keys (id, key_hash, display_id, name, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(key.sha256_hex())
        .bind(&display_id)
        .bind(name)
        .bind(self.store.now_ms())
        .execute(self.store.pool())
        .await?;
        Ok(CreatedServiceKey {
            id,
            key,
            display_id,
            name: name.to_string(),
        })
    }

    /// The record of a working key. Malformed keys and bad checksums are
    /// refused before any database access; unknown and revoked keys give
    /// the same [`StoreError::InvalidKey`].
    pub async fn verify(&self, key: &str) -> Result<ServiceKeyInfo> {
        let key = ApiKey::parse(key).map_err(|_| StoreError::InvalidKey)?;
        if key.prefix() != SERVICE_KEY_PREFIX {
            return Err(StoreError::InvalidKey);
        }
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, display_id, name, created_at FROM service_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key.sha256_hex())
        .fetch_optional(self.store.pool())
        .await?;
        let (id, display_id, name, created_at_ms) = row.ok_or(StoreError::InvalidKey)?;
        Ok(ServiceKeyInfo {
            id,
            display_id,
            name,
            created_at_ms,
            revoked_at_ms: None,
        })
    }

    /// Every service key's record, oldest first.
    pub async fn list(&self) -> Result<Vec<ServiceKeyInfo>> {
        let rows: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, display_id, name, created_at, revoked_at FROM service_keys \
             ORDER BY created_at, id",
        )
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, display_id, name, created_at_ms, revoked_at_ms)| ServiceKeyInfo {
                    id,
                    display_id,
                    name,
                    created_at_ms,
                    revoked_at_ms,
                },
            )
            .collect())
    }

    /// Revokes a service key; revoking twice keeps the first time.
    /// [`StoreError::NotFound`] for an unknown id.
    pub async fn revoke(&self, id: &str) -> Result<()> {
        if id.contains('\0') {
            // No record id holds one (PostgreSQL could not even compare it).
            return Err(StoreError::NotFound);
        }
        let _turn = self.store.writing().await;
        let done = sqlx::query(
            "UPDATE service_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
        )
        .bind(self.store.now_ms())
        .bind(id)
        .execute(self.store.pool())
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
