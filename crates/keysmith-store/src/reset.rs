//! Password-reset tokens with state: issued with an expiry, stored only as
//! SHA-256, redeemed exactly once.
//!
//! # What is guaranteed
//!
//! - A token is [`keysmith::token_urlsafe(32)`](keysmith::token_urlsafe):
//!   256 bits from the secure source. The table keeps SHA-256 of it (hex),
//!   the user id and the created, expires and used times — never the token.
//! - [`ResetTokens::redeem`] succeeds at most once per token, by one guarded
//!   `UPDATE … WHERE used_at IS NULL AND expires_at > now RETURNING`, so two
//!   callers (or two instances on one PostgreSQL) cannot both win.
//! - Unknown, expired, used and revoked tokens give the same
//!   [`StoreError::InvalidToken`]; a database failure is
//!   [`StoreError::Database`], never `InvalidToken` and never a success.
//! - A user has at most one open token: issuing revokes the earlier ones in
//!   the same transaction that claims the per-user throttle.

use std::fmt;
use std::time::{Duration, SystemTime};

use keysmith::reset::{MAX_TTL, TOKEN_BYTES, hash_token_hex};

use crate::clock::millis;
use crate::{Result, Store, StoreError};

/// The longest token worth hashing: anything longer is not one of ours
/// (ours are 43 characters) and is refused without a database call.
const MAX_TOKEN_BYTES: usize = 512;

/// Claims the per-user throttle: creates the row, or moves its time to now
/// only if the last issue is at least the throttle ago. A row comes back
/// exactly when the claim succeeded. One statement, so the check and the
/// write cannot be split; on PostgreSQL the conflicting row is locked and
/// the guard re-evaluated on its newest version, which serializes
/// concurrent issues for one user across instances.
const CLAIM_THROTTLE: &str = "INSERT INTO reset_throttle (tenant, user_id, last_issued_at) \
     VALUES ($4, $1, $2) \
     ON CONFLICT (tenant, user_id) DO UPDATE SET last_issued_at = excluded.last_issued_at \
     WHERE reset_throttle.last_issued_at <= $3 \
     RETURNING user_id";

const LAST_ISSUED: &str =
    "SELECT last_issued_at FROM reset_throttle WHERE user_id = $1 AND tenant = $2";

/// Marks a user's open tokens used ("revoked"). Expired ones are already
/// dead and are left to the sweeper.
const REVOKE_OPEN: &str = "UPDATE reset_tokens SET used_at = $1 \
     WHERE user_id = $2 AND tenant = $4 AND used_at IS NULL AND expires_at > $3";

const INSERT_TOKEN: &str = "INSERT INTO reset_tokens \
     (token_hash, user_id, created_at, expires_at, used_at, tenant) \
     VALUES ($1, $2, $3, $4, NULL, $5)";

/// The claim: the only way a token is ever accepted. Another tenant's
/// token matches no row, exactly like an unknown one.
const REDEEM: &str = "UPDATE reset_tokens SET used_at = $1 \
     WHERE token_hash = $2 AND tenant = $4 AND used_at IS NULL AND expires_at > $3 \
     RETURNING user_id";

/// Password-reset tokens: [`issue`](ResetTokens::issue) one for a user,
/// send it (in a link, see [`keysmith::reset::ResetLinks`] for building
/// one), [`redeem`](ResetTokens::redeem) it once to learn whose password
/// may be reset, and [`revoke_all`](ResetTokens::revoke_all) when the
/// password changes.
///
/// Get one from [`TenantStore::reset_tokens`](crate::TenantStore::reset_tokens):
/// tokens, users and throttles are the tenant's own.
#[derive(Debug, Clone, Copy)]
pub struct ResetTokens<'a> {
    store: &'a Store,
    tenant: &'a str,
}

/// A newly issued reset token: the token to send to the user (shown once;
/// only its hash is stored) and when it expires.
///
/// `Debug` shows only the expiry: the token is a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    token: String,
    expires_at_ms: i64,
}

impl IssuedToken {
    /// The token (secret): `token_urlsafe(32)`, 43 base64url characters.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token, taking ownership of it.
    pub fn into_token(self) -> String {
        self.token
    }

    /// When the token stops working, in Unix milliseconds: it is accepted
    /// strictly before this instant.
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }

    /// [`expires_at_ms`](IssuedToken::expires_at_ms) as a `SystemTime`.
    pub fn expires_at(&self) -> SystemTime {
        crate::to_system_time(self.expires_at_ms)
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &format_args!("[redacted]"))
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

impl<'a> ResetTokens<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        ResetTokens { store, tenant }
    }

    /// Issues a new token for `user_id`, valid for `ttl` (default
    /// [`StoreOptions::reset_ttl`](crate::StoreOptions::reset_ttl), 20
    /// minutes), and revokes the user's earlier open tokens.
    ///
    /// At most one token is issued per user per
    /// [`StoreOptions::reset_throttle`](crate::StoreOptions::reset_throttle)
    /// (60 s), across every instance sharing the database. Claiming the
    /// throttle, revoking and inserting happen in one transaction: either
    /// all of them or none.
    ///
    /// # Errors
    ///
    /// - [`StoreError::InvalidInput`] when `user_id` is empty, longer than
    ///   [`MAX_IDENTIFIER_LEN`](crate::MAX_IDENTIFIER_LEN) characters or has a
    ///   control character, or `ttl` is under 1 ms or over 7 days;
    /// - [`StoreError::Throttled`] when the user was issued a token less
    ///   than the throttle ago, with the time left (nothing is changed:
    ///   the earlier token stays valid);
    /// - [`StoreError::Database`] when the database fails.
    pub async fn issue(&self, user_id: &str, ttl: Option<Duration>) -> Result<IssuedToken> {
        check_user_id(user_id)?;
        let options = self.store.options();
        let ttl = ttl.unwrap_or(options.reset_ttl);
        check_ttl(ttl)?;
        let now = self.store.now_ms();
        let expires_at_ms = now.checked_add(millis(ttl)).ok_or_else(|| {
            StoreError::InvalidInput(
                "the token's expiry time is out of range (is the clock right?)".into(),
            )
        })?;
        let throttle = millis(options.reset_throttle);

        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        let claimed = sqlx::query(CLAIM_THROTTLE)
            .bind(user_id)
            .bind(now)
            .bind(now.saturating_sub(throttle))
            .bind(self.tenant)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !claimed {
            let last: Option<i64> = sqlx::query_scalar(LAST_ISSUED)
                .bind(user_id)
                .bind(self.tenant)
                .fetch_optional(&mut *tx)
                .await?;
            tx.rollback().await?;
            // The row can only be missing if something deleted it between
            // the two statements; the full throttle is then a safe answer.
            let retry_after = last.map_or(throttle, |last| {
                last.saturating_add(throttle).saturating_sub(now).max(1)
            });
            tracing::debug!(retry_after_ms = retry_after, "reset token throttled");
            return Err(StoreError::Throttled {
                retry_after: Duration::from_millis(retry_after.unsigned_abs()),
            });
        }

        let revoked = sqlx::query(REVOKE_OPEN)
            .bind(now)
            .bind(user_id)
            .bind(now)
            .bind(self.tenant)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let token = keysmith::token_urlsafe(TOKEN_BYTES);
        sqlx::query(INSERT_TOKEN)
            .bind(hash_token_hex(&token))
            .bind(user_id)
            .bind(now)
            .bind(expires_at_ms)
            .bind(self.tenant)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::debug!(revoked, expires_at_ms, "reset token issued");
        Ok(IssuedToken {
            token,
            expires_at_ms,
        })
    }

    /// Redeems `token`: returns the user id it was issued for, exactly once.
    ///
    /// The check and the use are one guarded statement, so of any number
    /// of concurrent redemptions of one token (on any number of instances)
    /// exactly one succeeds.
    ///
    /// # Errors
    ///
    /// - [`StoreError::InvalidToken`] when the token is unknown, expired,
    ///   already used or revoked — deliberately not told apart — or is
    ///   empty or longer than 512 bytes (refused without a database call);
    /// - [`StoreError::Database`] when the database fails: the token is
    ///   then neither accepted nor reported invalid.
    pub async fn redeem(&self, token: &str) -> Result<String> {
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(StoreError::InvalidToken);
        }
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let user_id: Option<String> = sqlx::query_scalar(REDEEM)
            .bind(now)
            .bind(hash_token_hex(token))
            .bind(now)
            .bind(self.tenant)
            .fetch_optional(self.store.pool())
            .await?;
        match user_id {
            Some(user_id) => {
                tracing::debug!("reset token redeemed");
                Ok(user_id)
            }
            None => Err(StoreError::InvalidToken),
        }
    }

    /// Revokes every open token of `user_id` (call it when the password
    /// changes) and returns how many were open. Expired tokens are not
    /// counted: they are already refused.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] when `user_id` is empty, longer than
    /// [`MAX_IDENTIFIER_LEN`](crate::MAX_IDENTIFIER_LEN) characters or has a
    /// control character; [`StoreError::Database`] when the database fails.
    pub async fn revoke_all(&self, user_id: &str) -> Result<u64> {
        check_user_id(user_id)?;
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let revoked = sqlx::query(REVOKE_OPEN)
            .bind(now)
            .bind(user_id)
            .bind(now)
            .bind(self.tenant)
            .execute(self.store.pool())
            .await?
            .rows_affected();
        tracing::debug!(revoked, "reset tokens revoked");
        Ok(revoked)
    }
}

fn check_user_id(user_id: &str) -> Result<()> {
    crate::identifier::check_identifier("the user id", user_id)
}

fn check_ttl(ttl: Duration) -> Result<()> {
    if ttl < Duration::from_millis(1) {
        return Err(StoreError::InvalidInput(
            "the reset token lifetime must be at least 1 ms".into(),
        ));
    }
    if ttl > MAX_TTL {
        return Err(StoreError::InvalidInput(format!(
            "the reset token lifetime ({} s) exceeds the maximum of {} s ({}): \
             reset tokens should be short-lived",
            ttl.as_secs(),
            MAX_TTL.as_secs(),
            humantime::format_duration(MAX_TTL)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_bounds() {
        assert!(check_ttl(Duration::from_millis(1)).is_ok());
        assert!(check_ttl(MAX_TTL).is_ok());
        assert!(check_ttl(Duration::ZERO).is_err());
        assert!(check_ttl(Duration::from_micros(999)).is_err());
        assert!(check_ttl(MAX_TTL + Duration::from_millis(1)).is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let t = IssuedToken {
            token: "s3cr3t-token".into(),
            expires_at_ms: 42,
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("42"), "{shown}");
    }
}
