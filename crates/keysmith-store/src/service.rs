//! Service keys: the bearer keys applications present to `keysmith serve`.
//! Each acts for one [`Tenant`] and carries [`Scopes`].

use keysmith::apikey::ApiKey;
use keysmith::{KeySpec, Recipe};
use std::fmt;

use crate::{Result, Scopes, Store, StoreError, Tenant};

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

/// id, display_id, tenant, name, scopes, created_at, revoked_at
type InfoRow = (String, String, String, String, String, i64, Option<i64>);

fn info(
    (id, display_id, tenant, name, scopes, created_at_ms, revoked_at_ms): InfoRow,
) -> ServiceKeyInfo {
    ServiceKeyInfo {
        id,
        display_id,
        tenant: Tenant::from_stored(tenant),
        name,
        scopes: Scopes::from_stored(&scopes),
        created_at_ms,
        revoked_at_ms,
    }
}

/// The columns of an [`InfoRow`], for `concat!`.
macro_rules! info_columns {
    () => {
        "SELECT id, display_id, tenant, name, scopes, created_at, revoked_at FROM service_keys "
    };
}

const REVOKE: &str = "UPDATE service_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2";

impl ServiceKeys<'_> {
    /// The longest name of a service key, in bytes.
    pub const MAX_NAME_LEN: usize = 64;
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
    /// [`MAX_NAME_LEN`](ServiceKeys::MAX_NAME_LEN) printable characters.
    pub fn check_name(name: &str) -> Result<()> {
        if name.is_empty() || name.len() > Self::MAX_NAME_LEN || name.chars().any(char::is_control)
        {
            return Err(StoreError::InvalidInput(format!(
                "a service key name must be 1 to {} printable characters",
                Self::MAX_NAME_LEN
            )));
        }
        Ok(())
    }

    /// Makes a service key for `tenant` (created on first use), named
    /// `name` (1 to [`MAX_NAME_LEN`](ServiceKeys::MAX_NAME_LEN) printable
    /// characters), that may do `scopes`.
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
        let key = KeySpec::new(SERVICE_KEY_PREFIX)
            .map_err(|e| StoreError::InvalidInput(e.to_string()))?
            .generate();
        let id = format!("svc_{}", keysmith::token_hex(16));
        let display_id = key.display_id();
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(
            "INSERT INTO tenants (name, created_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO service_keys \
                 (id, key_hash, display_id, name, created_at, tenant, scopes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(key.sha256_hex())
        .bind(&display_id)
        .bind(name)
        .bind(now)
        .bind(tenant.as_str())
        .bind(scopes.to_stored())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CreatedServiceKey {
            id,
            key,
            display_id,
            tenant: tenant.clone(),
            name: name.to_string(),
            scopes,
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
        let row: Option<InfoRow> = sqlx::query_as(concat!(
            info_columns!(),
            "WHERE key_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(key.sha256_hex())
        .fetch_optional(self.store.pool())
        .await?;
        row.map(info).ok_or(StoreError::InvalidKey)
    }

    /// The service keys of `tenant`, or of every tenant with `None`,
    /// oldest first.
    pub async fn list(&self, tenant: Option<&Tenant>) -> Result<Vec<ServiceKeyInfo>> {
        let rows: Vec<InfoRow> = match tenant {
            Some(t) => {
                sqlx::query_as(concat!(
                    info_columns!(),
                    "WHERE tenant = $1 ORDER BY created_at, id"
                ))
                .bind(t.as_str())
                .fetch_all(self.store.pool())
                .await?
            }
            None => {
                sqlx::query_as(concat!(info_columns!(), "ORDER BY created_at, id"))
                    .fetch_all(self.store.pool())
                    .await?
            }
        };
        Ok(rows.into_iter().map(info).collect())
    }

    /// Revokes the service key `id` of `tenant`, or of any tenant with
    /// `None`; revoking twice keeps the first time.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] for an unknown id, or another tenant's.
    pub async fn revoke(&self, id: &str, tenant: Option<&Tenant>) -> Result<()> {
        if id.contains('\0') {
            // No record id holds one (PostgreSQL could not even compare it).
            return Err(StoreError::NotFound);
        }
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let done = match tenant {
            Some(t) => {
                sqlx::query(concat!(
                    "UPDATE service_keys SET revoked_at = COALESCE(revoked_at, $1) ",
                    "WHERE id = $2 AND tenant = $3"
                ))
                .bind(now)
                .bind(id)
                .bind(t.as_str())
                .execute(self.store.pool())
                .await?
            }
            None => {
                sqlx::query(REVOKE)
                    .bind(now)
                    .bind(id)
                    .execute(self.store.pool())
                    .await?
            }
        }
        .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
