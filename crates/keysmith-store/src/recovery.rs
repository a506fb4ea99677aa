//! Recovery codes with state: a set per subject, each code good once.
//!
//! A code has 50 bits ([`keysmith::recovery`]); hashed without a key it
//! would be reversed offline, so the table keeps HMAC-SHA256 under a server
//! key of (tenant, subject, canonical code). A redemption claims a failure
//! of the subject's budget first (shared with challenges and TOTP), then
//! marks the code used by one guarded `UPDATE … WHERE used_at IS NULL`.

use keysmith::Recipe;
use keysmith::recovery::{RecoveryCodesRecipe, normalize};
use std::fmt;

use crate::subject::{Failures, check_subject};
use crate::{AtRestKey, AtRestKeys, Result, Store, StoreError};

/// The recovery codes of one tenant: get them from
/// [`TenantStore::recovery_codes`](crate::TenantStore::recovery_codes).
#[derive(Debug, Clone, Copy)]
pub struct RecoveryCodeSets<'a> {
    store: &'a Store,
    tenant: &'a str,
}

/// A set just made: the codes, shown once. `Debug` does not show them.
#[non_exhaustive]
pub struct IssuedCodes {
    /// The codes, as `xxxxx-xxxxx`.
    pub codes: Vec<String>,
    /// When the set was made (Unix ms).
    pub created_at_ms: i64,
}

impl fmt::Debug for IssuedCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCodes")
            .field("codes", &format_args!("[{} redacted]", self.codes.len()))
            .field("created_at_ms", &self.created_at_ms)
            .finish()
    }
}

/// What a redemption found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum RedeemOutcome {
    /// The code was one of the subject's unused codes; it is used now.
    Approved {
        /// Unused codes left.
        remaining: u32,
    },
    /// Not an unused code of the subject's.
    Denied,
}

fn mac(key: &AtRestKey, tenant: &str, subject: &str, canonical: &str) -> String {
    key.mac_hex(&[
        b"recovery code",
        tenant.as_bytes(),
        subject.as_bytes(),
        canonical.as_bytes(),
    ])
}

impl<'a> RecoveryCodeSets<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        RecoveryCodeSets { store, tenant }
    }

    fn keys(&self) -> Result<&'a AtRestKeys> {
        self.store.at_rest_keys("recovery codes")
    }

    /// Makes a set of `count` codes for `subject`, replacing the subject's
    /// whole previous set in the same transaction.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad subject;
    /// [`StoreError::Keysmith`] for a count
    /// [`RecoveryCodesRecipe::new`] refuses; [`StoreError::Config`] without server keys; [`StoreError::Database`].
    pub async fn generate(&self, subject: &str, count: usize) -> Result<IssuedCodes> {
        check_subject(subject)?;
        let recipe = RecoveryCodesRecipe::new(count)?;
        let key = self.keys()?.current();
        let codes = recipe.generate();
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE tenant = $1 AND subject = $2")
            .bind(self.tenant)
            .bind(subject)
            .execute(&mut *tx)
            .await?;
        for code in &codes {
            let canonical = normalize(code).expect("a generated code is canonical");
            // Two equal codes in one set (probability under 2^-43) would
            // collide on the key: ON CONFLICT keeps one, and the set is one
            // code shorter than shown only in that case.
            sqlx::query(
                "INSERT INTO recovery_codes (tenant, subject, code_hmac, key_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(self.tenant)
            .bind(subject)
            .bind(mac(key, self.tenant, subject, &canonical))
            .bind(key.id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        tracing::debug!(count, "recovery codes made");
        Ok(IssuedCodes {
            codes,
            created_at_ms: now,
        })
    }

    /// Redeems `code` for `subject`: at most once, across every instance.
    ///
    /// # Errors
    ///
    /// [`StoreError::SubjectLocked`] while the subject is locked out;
    /// [`StoreError::InvalidInput`] for a bad subject;
    /// [`StoreError::Config`] without server keys; [`StoreError::Database`].
    pub async fn redeem(&self, subject: &str, code: &str) -> Result<RedeemOutcome> {
        check_subject(subject)?;
        let keys = self.keys()?;
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        let now = self.store.now_in(&mut tx).await?;
        if Failures::of(self.store, now)
            .claim(&mut tx, self.tenant, subject, now)
            .await?
            .is_none()
        {
            tx.rollback().await?;
            return Err(StoreError::SubjectLocked);
        }
        let mut used = false;
        if let Some(canonical) = normalize(code) {
            for key in keys.all() {
                used = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $5 \
                     WHERE tenant = $1 AND subject = $2 AND code_hmac = $3 AND key_id = $4 \
                       AND used_at IS NULL",
                )
                .bind(self.tenant)
                .bind(subject)
                .bind(mac(key, self.tenant, subject, &canonical))
                .bind(key.id())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if used {
                    break;
                }
            }
        }
        if !used {
            tx.commit().await?;
            return Ok(RedeemOutcome::Denied);
        }
        crate::subject::clear(&mut tx, self.tenant, subject).await?;
        let remaining = self.remaining_in(&mut tx, subject).await?.0;
        tx.commit().await?;
        Ok(RedeemOutcome::Approved { remaining })
    }

    async fn remaining_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        subject: &str,
    ) -> Result<(u32, Option<i64>)> {
        let (remaining, created): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*) - COUNT(used_at), MAX(created_at) FROM recovery_codes \
             WHERE tenant = $1 AND subject = $2",
        )
        .bind(self.tenant)
        .bind(subject)
        .fetch_one(&mut *conn)
        .await?;
        Ok((u32::try_from(remaining).unwrap_or(0), created))
    }

    /// How many unused codes `subject` has, and when its set was made
    /// (`None` without a set).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad subject; [`StoreError::Database`].
    pub async fn status(&self, subject: &str) -> Result<(u32, Option<i64>)> {
        check_subject(subject)?;
        let mut conn = self.store.pool().acquire().await?;
        self.remaining_in(&mut conn, subject).await
    }
}
