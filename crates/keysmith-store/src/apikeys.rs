//! API keys: created once and shown once, stored as SHA-256, verified,
//! listed, revoked and rotated.
//!
//! A key is keysmith's checksummed format (`sk_live_` + 30 base62
//! characters + CRC-32, at least 178 bits of entropy; see
//! [`keysmith::apikey`]). The table keeps its SHA-256 under a unique index,
//! never the key: with that much entropy an unsalted fast hash cannot be
//! reversed by guessing, and the hash is what a lookup needs.

use keysmith::apikey::ApiKey;
use keysmith::{KeySpec, Recipe};
use sqlx::AnyConnection;
use std::fmt;
use std::time::Duration;

use crate::clock::millis;
use crate::{Result, Store, StoreError};

/// API keys in a [`Store`]: [`create`](ApiKeys::create),
/// [`verify`](ApiKeys::verify), [`list`](ApiKeys::list),
/// [`revoke`](ApiKeys::revoke) and [`rotate`](ApiKeys::rotate).
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    store: &'a Store,
    tenant: &'a str,
}

/// A key just made by [`ApiKeys::create`] or [`ApiKeys::rotate`]: the only
/// time the key itself is available. `Debug` shows everything but the key.
#[derive(Clone)]
#[non_exhaustive]
pub struct CreatedKey {
    /// The key's record id (`key_` + 32 hex digits): not a secret; use it
    /// to revoke or rotate the key.
    pub id: String,
    /// The key, to hand to its owner once. The store keeps only its
    /// SHA-256.
    pub key: ApiKey,
    /// A short label that is safe to show and log (prefix + 8 hex digits
    /// of the key's SHA-256).
    pub display_id: String,
    /// Whom the key belongs to.
    pub owner: String,
    /// The key's prefix, without the trailing `_`.
    pub prefix: String,
    /// What the key may do, in the order given.
    pub scopes: Vec<String>,
    /// When the key was made, in Unix milliseconds.
    pub created_at_ms: i64,
    /// When the key stops working, in Unix milliseconds; `None` for never.
    pub expires_at_ms: Option<i64>,
}

impl fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedKey")
            .field("id", &self.id)
            .field("key", &format_args!("[redacted]"))
            .field("display_id", &self.display_id)
            .field("owner", &self.owner)
            .field("prefix", &self.prefix)
            .field("scopes", &self.scopes)
            .field("created_at_ms", &self.created_at_ms)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// What [`ApiKeys::verify`] learns about a valid key. No secret in it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedKey {
    /// The key's record id.
    pub id: String,
    /// Whom the key belongs to.
    pub owner: String,
    /// What the key may do.
    pub scopes: Vec<String>,
    /// The key's prefix, without the trailing `_`.
    pub prefix: String,
    /// The key's safe-to-log label.
    pub display_id: String,
    /// When the key stops working (shortened by a rotation), in Unix
    /// milliseconds; `None` for never.
    pub expires_at_ms: Option<i64>,
}

impl VerifiedKey {
    /// Whether the key carries `scope` (compared exactly).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// One key as [`ApiKeys::list`] shows it: its record, never the key or
/// its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key's record id.
    pub id: String,
    /// The key's safe-to-show label.
    pub display_id: String,
    /// The key's prefix, without the trailing `_`.
    pub prefix: String,
    /// What the key may do.
    pub scopes: Vec<String>,
    /// When the key was made, in Unix milliseconds.
    pub created_at_ms: i64,
    /// When a verification last recorded a use, in Unix milliseconds, to
    /// within the store's
    /// [`last_used_granularity`](crate::StoreOptions::last_used_granularity).
    pub last_used_at_ms: Option<i64>,
    /// When the key stops (or stopped) working, in Unix milliseconds.
    pub expires_at_ms: Option<i64>,
    /// When the key was revoked, in Unix milliseconds.
    pub revoked_at_ms: Option<i64>,
}

/// id, owner, prefix, scopes, display_id, expires_at, last_used_at
type VerifyRow = (
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
);

/// id, display_id, prefix, scopes, created_at, last_used_at, expires_at,
/// revoked_at
type KeyInfoRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

impl ApiKeys<'_> {
    /// The longest grace period [`rotate`](ApiKeys::rotate) accepts: 30
    /// days.
    pub const MAX_ROTATION_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

    /// The most scopes one key may carry.
    pub const MAX_SCOPES: usize = 32;

    /// The longest scope, in bytes.
    pub const MAX_SCOPE_LEN: usize = 64;

    /// The longest owner, in bytes.
    pub const MAX_OWNER_LEN: usize = 256;
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        ApiKeys { store, tenant }
    }

    /// Makes a key for `owner` with `prefix` (see [`KeySpec::new`]) and
    /// `scopes`, working until `expires_at_ms` (Unix milliseconds) or, with
    /// `None`, until revoked. The key is in the result and nowhere else:
    /// the store keeps its SHA-256, a display id, and the metadata.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] when `owner` is empty, longer than
    /// [`MAX_OWNER_LEN`](ApiKeys::MAX_OWNER_LEN) bytes or has control
    /// characters; when the prefix is not a valid key prefix; when there
    /// are more than [`MAX_SCOPES`](ApiKeys::MAX_SCOPES) scopes, or a scope
    /// is empty, longer than [`MAX_SCOPE_LEN`](ApiKeys::MAX_SCOPE_LEN)
    /// bytes, contains whitespace or control characters, or appears twice;
    /// when `expires_at_ms` is not in the future. [`StoreError::Database`]
    /// when the database fails.
    pub async fn create(
        &self,
        owner: &str,
        prefix: &str,
        scopes: &[&str],
        expires_at_ms: Option<i64>,
    ) -> Result<CreatedKey> {
        check_owner(owner)?;
        let spec = key_spec(prefix)?;
        let scopes = check_scopes(scopes)?;
        let now = self.store.now_ms();
        if let Some(t) = expires_at_ms
            && t <= now
        {
            return Err(StoreError::InvalidInput(
                "the key's expiry must be in the future".into(),
            ));
        }
        let _turn = self.store.writing().await;
        let mut conn = self.store.pool().acquire().await?;
        insert(
            &mut conn,
            self.tenant,
            &spec,
            owner,
            scopes,
            now,
            expires_at_ms,
        )
        .await
    }

    /// Checks a presented key: its owner and scopes when it is known, not
    /// revoked and not expired.
    ///
    /// The key's format and checksum are checked first, without any
    /// database access, so mistyped and made-up keys cost nothing. A valid
    /// key is looked up by its SHA-256. Its last use is written at most
    /// once per
    /// [`last_used_granularity`](crate::StoreOptions::last_used_granularity)
    /// (60 s by default) by a guarded update, so verifying does not write on
    /// every call, even when many instances verify the same key at once.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidKey`] for a malformed key, a bad checksum, and
    /// an unknown, revoked or expired key alike. [`StoreError::Database`]
    /// when the database fails: never `InvalidKey`, never a success.
    pub async fn verify(&self, key: &str) -> Result<VerifiedKey> {
        let key = ApiKey::parse(key).map_err(|_| StoreError::InvalidKey)?;
        let now = self.store.now_ms();
        let pool = self.store.pool();
        let row: Option<VerifyRow> = sqlx::query_as(
            "SELECT id, owner, prefix, scopes, display_id, expires_at, last_used_at \
             FROM api_keys \
             WHERE key_hash = $1 AND tenant = $3 AND revoked_at IS NULL \
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(key.sha256_hex())
        .bind(now)
        .bind(self.tenant)
        .fetch_optional(pool)
        .await?;
        let Some((id, owner, prefix, scopes, display_id, expires_at_ms, last_used)) = row else {
            return Err(StoreError::InvalidKey);
        };
        let stale_before = now.saturating_sub(millis(self.store.options().last_used_granularity));
        // The read above spares the write when the last use is recent; the
        // guard makes concurrent verifications write at most once.
        if last_used.is_none_or(|t| t <= stale_before) {
            let _turn = self.store.writing().await;
            sqlx::query(
                "UPDATE api_keys SET last_used_at = $2 \
                 WHERE id = $1 AND tenant = $4 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(&id)
            .bind(now)
            .bind(stale_before)
            .bind(self.tenant)
            .execute(pool)
            .await?;
        }
        Ok(VerifiedKey {
            id,
            owner,
            scopes: split_scopes(&scopes),
            prefix,
            display_id,
            expires_at_ms,
        })
    }

    /// Revokes the key with record id `id`: from now on it fails
    /// verification. Revoking a revoked key succeeds and keeps the first
    /// revocation time; revoking an expired key records the revocation.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when there is no key with this id (or the
    /// sweeper has purged it). [`StoreError::Database`] when the database
    /// fails.
    pub async fn revoke(&self, id: &str) -> Result<()> {
        if id.contains('\0') {
            // No record id holds one (PostgreSQL could not even compare it).
            return Err(StoreError::NotFound);
        }
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) \
             WHERE id = $1 AND tenant = $3",
        )
        .bind(id)
        .bind(now)
        .bind(self.tenant)
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tracing::debug!(id, "API key revoked");
        Ok(())
    }

    /// Every key of `owner`, revoked and expired ones included (until the
    /// sweeper purges them), oldest first (by creation time, then id).
    /// Shows neither keys nor hashes.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for an owner [`create`](ApiKeys::create)
    /// would refuse. [`StoreError::Database`] when the database fails.
    pub async fn list(&self, owner: &str) -> Result<Vec<KeyInfo>> {
        check_owner(owner)?;
        let rows: Vec<KeyInfoRow> = sqlx::query_as(
            "SELECT id, display_id, prefix, scopes, created_at, last_used_at, expires_at, \
                    revoked_at \
             FROM api_keys WHERE tenant = $2 AND owner = $1 ORDER BY created_at, id",
        )
        .bind(owner)
        .bind(self.tenant)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, display_id, prefix, scopes, created, last_used, expires, revoked)| KeyInfo {
                    id,
                    display_id,
                    prefix,
                    scopes: split_scopes(&scopes),
                    created_at_ms: created,
                    last_used_at_ms: last_used,
                    expires_at_ms: expires,
                    revoked_at_ms: revoked,
                },
            )
            .collect())
    }

    /// Replaces the key with record id `id` by a new one with the same
    /// owner, prefix, scopes and expiry, and lets the old key work for
    /// `grace` more (or until its own expiry, if that is sooner). Both
    /// happen in one transaction: either the old key is shortened and the
    /// new key exists, or nothing changed.
    ///
    /// Only a working key (not revoked, not expired) can be rotated. A key
    /// in its grace period still works, so rotating it again gives another
    /// new key and shortens its grace to the new `grace` if that is sooner.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] when `grace` is more than
    /// [`MAX_ROTATION_GRACE`](ApiKeys::MAX_ROTATION_GRACE) (30 days).
    /// [`StoreError::NotFound`] when there is no working key with this id.
    /// [`StoreError::Database`] when the database fails.
    pub async fn rotate(&self, id: &str, grace: Duration) -> Result<CreatedKey> {
        if grace > Self::MAX_ROTATION_GRACE {
            return Err(StoreError::InvalidInput(format!(
                "the rotation grace period ({} s) must be at most 30 days",
                grace.as_secs()
            )));
        }
        if id.contains('\0') {
            return Err(StoreError::NotFound);
        }
        let now = self.store.now_ms();
        let grace_end = now.saturating_add(millis(grace));
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        // The claim: a guarded write that locks the row (PostgreSQL waits
        // for a concurrent rotation or revocation and re-checks the guard)
        // and, changing nothing yet, returns the old expiry, which the new
        // key inherits.
        let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
            "UPDATE api_keys SET expires_at = expires_at \
             WHERE id = $1 AND tenant = $3 AND revoked_at IS NULL \
               AND (expires_at IS NULL OR expires_at > $2) \
             RETURNING owner, prefix, scopes, expires_at",
        )
        .bind(id)
        .bind(now)
        .bind(self.tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((owner, prefix, scopes, expires_at)) = row else {
            return Err(StoreError::NotFound);
        };
        let old_end = expires_at.map_or(grace_end, |e| e.min(grace_end));
        sqlx::query("UPDATE api_keys SET expires_at = $2 WHERE id = $1 AND tenant = $3")
            .bind(id)
            .bind(old_end)
            .bind(self.tenant)
            .execute(&mut *tx)
            .await?;
        let spec = key_spec(&prefix)?;
        let created = insert(
            &mut tx,
            self.tenant,
            &spec,
            &owner,
            split_scopes(&scopes),
            now,
            expires_at,
        )
        .await?;
        tx.commit().await?;
        tracing::debug!(old = id, new = %created.id, "API key rotated");
        Ok(created)
    }
}

/// Draws a key and stores its record.
async fn insert(
    conn: &mut AnyConnection,
    tenant: &str,
    spec: &KeySpec,
    owner: &str,
    scopes: Vec<String>,
    now: i64,
    expires_at_ms: Option<i64>,
) -> Result<CreatedKey> {
    let key = spec.generate();
    // 128 random bits: ids do not collide.
    let id = format!("key_{}", keysmith::token_hex(16));
    let display_id = key.display_id();
    sqlx::query(
        "INSERT INTO api_keys \
             (id, key_hash, display_id, owner, prefix, scopes, created_at, expires_at, tenant) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(key.sha256_hex())
    .bind(&display_id)
    .bind(owner)
    .bind(spec.prefix())
    .bind(scopes.join(" "))
    .bind(now)
    .bind(expires_at_ms)
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    tracing::debug!(id, display_id, "API key created");
    Ok(CreatedKey {
        id,
        display_id,
        owner: owner.to_owned(),
        prefix: spec.prefix().to_owned(),
        scopes,
        created_at_ms: now,
        expires_at_ms,
        key,
    })
}

fn key_spec(prefix: &str) -> Result<KeySpec> {
    KeySpec::new(prefix).map_err(|e| StoreError::InvalidInput(e.to_string()))
}

fn check_owner(owner: &str) -> Result<()> {
    let why = if owner.is_empty() {
        "the key owner must not be empty"
    } else if owner.len() > ApiKeys::MAX_OWNER_LEN {
        "the key owner must be at most 256 bytes"
    } else if owner.chars().any(char::is_control) {
        "the key owner must not contain control characters"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidInput(why.into()))
}

fn check_scopes(scopes: &[&str]) -> Result<Vec<String>> {
    if scopes.len() > ApiKeys::MAX_SCOPES {
        return Err(StoreError::InvalidInput(format!(
            "a key may have at most {} scopes, not {}",
            ApiKeys::MAX_SCOPES,
            scopes.len()
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(scopes.len());
    for &scope in scopes {
        let why = if scope.is_empty() {
            "must not be empty"
        } else if scope.len() > ApiKeys::MAX_SCOPE_LEN {
            "must be at most 64 bytes"
        } else if scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
            "must not contain whitespace or control characters"
        } else if out.iter().any(|s| s == scope) {
            "appears twice"
        } else {
            out.push(scope.to_owned());
            continue;
        };
        let shown: String = scope.chars().take(ApiKeys::MAX_SCOPE_LEN).collect();
        return Err(StoreError::InvalidInput(format!("scope {shown:?} {why}")));
    }
    Ok(out)
}

fn split_scopes(stored: &str) -> Vec<String> {
    stored
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
