//! TOTP factors verified by the server, so that applications keep no
//! secret and no memory of used codes.
//!
//! - **Enrolment** makes a pending factor with a fresh 160-bit secret,
//!   shown once; it becomes active when a code from it is confirmed within
//!   [`TotpFactors::PENDING_TTL`] and [`TotpFactors::MAX_CONFIRM_ATTEMPTS`]
//!   tries. A subject has at most one active factor: confirming a new one
//!   replaces the old one in the same transaction.
//! - **No replay** (RFC 6238, section 5.2): a factor remembers the last
//!   time step it accepted, and a code is accepted only by one guarded
//!   `UPDATE … SET last_step = $step WHERE last_step < $step`, so a code,
//!   or a code of an earlier step, is accepted once across every instance.
//! - **At rest** the secret is sealed with XChaCha20-Poly1305 under a key
//!   derived from the current server key, bound to the tenant and the
//!   factor id; a factor sealed under a previous key still opens and is
//!   sealed again under the current one when next used.
//! - Wrong codes count towards the subject's consecutive failures, shared
//!   with one-time-code challenges and recovery codes.

use keysmith::otp::{Algorithm, Secret, Totp};
use std::fmt;
use std::time::Duration;

use crate::clock::millis;
use crate::seal;
use crate::subject::{Failures, check_subject};
use crate::{AtRestKeys, MAX_TOTP_SKEW, Result, Store, StoreError};

/// What sealed TOTP secrets are sealed for (part of the derived key).
const SEAL_PURPOSE: &str = "totp secret";

/// TOTP factors of one tenant: get them from
/// [`TenantStore::totp_factors`](crate::TenantStore::totp_factors).
#[derive(Debug, Clone, Copy)]
pub struct TotpFactors<'a> {
    store: &'a Store,
    tenant: &'a str,
}

/// How a factor's codes are made: what the authenticator app is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpOptions {
    /// Digits per code, 6 to 8 (default 6).
    pub digits: u32,
    /// The HMAC hash (default SHA-1, what every app supports).
    pub algorithm: Algorithm,
    /// Seconds per time step, 15 to 300 (default 30).
    pub period: u64,
}

impl Default for TotpOptions {
    fn default() -> Self {
        TotpOptions {
            digits: 6,
            algorithm: Algorithm::Sha1,
            period: Totp::DEFAULT_PERIOD,
        }
    }
}

impl TotpOptions {
    /// The shortest and longest period accepted, in seconds.
    pub const PERIODS: std::ops::RangeInclusive<u64> = 15..=300;

    fn totp(&self, secret: Secret) -> Result<Totp> {
        if !Self::PERIODS.contains(&self.period) {
            return Err(StoreError::InvalidInput(format!(
                "the TOTP period must be between {} and {} seconds (got {})",
                Self::PERIODS.start(),
                Self::PERIODS.end(),
                self.period
            )));
        }
        Ok(Totp::new(secret)
            .with_algorithm(self.algorithm)
            .with_digits(self.digits)?
            .with_period(self.period)?)
    }
}

/// A factor just enrolled: pending until confirmed. Holds the secret, to
/// show the user once; `Debug` does not show it.
#[non_exhaustive]
pub struct Enrolment {
    /// The factor's id (`tf_` and 32 hex digits).
    pub factor_id: String,
    /// The TOTP parameters with the secret.
    pub totp: Totp,
    /// When the pending factor is gone unless confirmed (Unix ms).
    pub expires_at_ms: i64,
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrolment")
            .field("factor_id", &self.factor_id)
            .field("totp", &"[redacted]")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// What a confirmation found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum ConfirmOutcome {
    /// The code was right: the factor is active, and replaced the
    /// subject's previous one.
    Active,
    /// The code was wrong; the factor stays pending with this many tries
    /// left (at 0 it is gone).
    Denied {
        /// Tries left.
        attempts_left: u32,
    },
    /// No pending factor has this id: unknown, confirmed already, out of
    /// tries or past its time.
    Gone,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum VerifyOutcome {
    /// The code is right and its time step had not been used.
    Approved {
        /// The factor that accepted it.
        factor_id: String,
    },
    /// Wrong, replayed, or of a step before the last one accepted.
    Denied,
    /// The subject has no active factor (nothing was counted).
    NoFactor,
}

/// One factor as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FactorInfo {
    /// The factor's id.
    pub factor_id: String,
    /// `pending` or `active`.
    pub status: String,
    /// When it was enrolled (Unix ms).
    pub created_at_ms: i64,
    /// When a code last verified (Unix ms).
    pub last_used_at_ms: Option<i64>,
}

/// id, sealed, key_id, algorithm, digits, period, last_step
type FactorRow = (String, String, String, String, i64, i64, i64);

impl TotpFactors<'_> {
    /// How long a pending factor waits for its confirmation: 10 minutes.
    pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);
    /// Wrong confirmation codes after which a pending factor is gone.
    pub const MAX_CONFIRM_ATTEMPTS: u32 = 5;
}

impl<'a> TotpFactors<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        TotpFactors { store, tenant }
    }

    fn keys(&self) -> Result<&'a AtRestKeys> {
        self.store.at_rest_keys("TOTP factors")
    }

    fn skew(&self) -> Result<u32> {
        let skew = self.store.options().totp_skew;
        if skew > MAX_TOTP_SKEW {
            return Err(StoreError::Config(format!(
                "the TOTP skew must be at most {MAX_TOTP_SKEW} steps"
            )));
        }
        Ok(skew)
    }

    fn row_identity<'s>(&self, factor_id: &'s str) -> [&'s [u8]; 2]
    where
        'a: 's,
    {
        [self.tenant.as_bytes(), factor_id.as_bytes()]
    }

    /// Enrols a new pending factor for `subject` with a fresh 160-bit
    /// secret.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad subject or period;
    /// [`StoreError::Keysmith`] for digits keysmith's [`Totp`] refuses;
    /// [`StoreError::Config`] without server keys; [`StoreError::Database`].
    pub async fn enrol(&self, subject: &str, options: TotpOptions) -> Result<Enrolment> {
        self.enrol_with_secret(subject, Secret::generate(), options)
            .await
    }

    /// [`enrol`](TotpFactors::enrol) with a given secret: for importing a
    /// factor an application already has, and for test vectors.
    ///
    /// # Errors
    ///
    /// As [`enrol`](TotpFactors::enrol), and [`StoreError::InvalidInput`]
    /// for a secret under 128 bits (RFC 4226, R6).
    pub async fn enrol_with_secret(
        &self,
        subject: &str,
        secret: Secret,
        options: TotpOptions,
    ) -> Result<Enrolment> {
        check_subject(subject)?;
        // Also a secret imported with `allow_short_secret`: the store
        // keeps none under the RFC's minimum.
        if secret.is_short() {
            return Err(StoreError::InvalidInput(format!(
                "a TOTP secret must be at least {} bits (RFC 4226, R6)",
                Secret::MIN_BITS
            )));
        }
        let totp = options.totp(secret)?;
        let key = self.keys()?.current();
        let factor_id = format!("tf_{}", keysmith::token_hex(16));
        let sealed = seal::seal(
            key,
            SEAL_PURPOSE,
            &self.row_identity(&factor_id),
            totp.secret().as_bytes(),
        );
        let _turn = self.store.writing().await;
        let mut conn = self.store.pool().acquire().await?;
        // The clock confirmation compares this expiry with.
        let now = self.store.now_in(&mut conn).await?;
        let expires_at_ms = now.saturating_add(millis(Self::PENDING_TTL));
        sqlx::query(
            "INSERT INTO totp_factors (id, tenant, subject, status, sealed, key_id, algorithm, \
                                       digits, period, created_at, expires_at, \
                                       confirm_attempts, last_step) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, 0, -1)",
        )
        .bind(&factor_id)
        .bind(self.tenant)
        .bind(subject)
        .bind(&sealed)
        .bind(key.id())
        .bind(options.algorithm.name())
        .bind(i64::from(options.digits))
        .bind(options.period as i64)
        .bind(now)
        .bind(expires_at_ms)
        .execute(&mut *conn)
        .await?;
        tracing::debug!(factor = %factor_id, "TOTP factor enrolled");
        Ok(Enrolment {
            factor_id,
            totp,
            expires_at_ms,
        })
    }

    /// The factor's TOTP, opened under the key it was sealed with.
    fn open(&self, row: &FactorRow) -> Result<Totp> {
        let (id, sealed, key_id, algorithm, digits, period, _) = row;
        let key = self.keys()?.get(key_id).ok_or_else(|| {
            StoreError::Config(format!(
                "TOTP factor sealed under server key '{key_id}', which is no longer configured"
            ))
        })?;
        let secret = seal::open(key, SEAL_PURPOSE, &self.row_identity(id), sealed)?;
        let options = TotpOptions {
            digits: u32::try_from(*digits).unwrap_or(0),
            algorithm: algorithm
                .parse()
                .map_err(|_| StoreError::Config(format!("unknown TOTP algorithm {algorithm:?}")))?,
            period: u64::try_from(*period).unwrap_or(0),
        };
        let secret = Secret::from_bytes(secret.0.as_slice())
            .map_err(|e| StoreError::Config(e.to_string()))?;
        options.totp(secret)
    }

    /// The time step within the skew whose code is `code`, later than
    /// `after`. Every candidate is computed and compared in constant time.
    fn matching_step(&self, totp: &Totp, code: &str, after: i64, now: i64) -> Result<Option<i64>> {
        let code = code.trim();
        let now_s = u64::try_from(now / 1000).unwrap_or(0);
        let current = i64::try_from(totp.step_at(now_s)).unwrap_or(i64::MAX);
        let skew = i64::from(self.skew()?);
        let mut found = None;
        for step in current.saturating_sub(skew)..=current.saturating_add(skew) {
            let Ok(counter) = u64::try_from(step) else {
                continue;
            };
            let matched = keysmith::compare_digest(totp.hotp().code_at(counter), code);
            if matched && step > after && found.is_none() {
                found = Some(step);
            }
        }
        Ok(found)
    }

    /// Confirms a pending factor with a code from the user's app. Every try
    /// is counted (by a guarded update) before the code is compared.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] without server keys; [`StoreError::Database`].
    pub async fn confirm(&self, factor_id: &str, code: &str) -> Result<ConfirmOutcome> {
        self.keys()?;
        if crate::identifier::no_record_has(factor_id) {
            return Ok(ConfirmOutcome::Gone);
        }
        let max = i64::from(Self::MAX_CONFIRM_ATTEMPTS);
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        let now = self.store.now_in(&mut tx).await?;
        let claimed: Option<(String, String, String, String, i64, i64, i64)> = sqlx::query_as(
            "UPDATE totp_factors SET confirm_attempts = confirm_attempts + 1 \
             WHERE id = $1 AND tenant = $2 AND status = 'pending' AND expires_at > $3 \
               AND confirm_attempts < $4 \
             RETURNING subject, sealed, key_id, algorithm, digits, period, confirm_attempts",
        )
        .bind(factor_id)
        .bind(self.tenant)
        .bind(now)
        .bind(max)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((subject, sealed, key_id, algorithm, digits, period, attempts)) = claimed else {
            tx.rollback().await?;
            return Ok(ConfirmOutcome::Gone);
        };
        let row = (
            factor_id.to_owned(),
            sealed,
            key_id,
            algorithm,
            digits,
            period,
            -1,
        );
        let totp = self.open(&row)?;
        let Some(step) = self.matching_step(&totp, code, -1, now)? else {
            if attempts >= max {
                sqlx::query("DELETE FROM totp_factors WHERE id = $1 AND tenant = $2")
                    .bind(factor_id)
                    .bind(self.tenant)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            return Ok(ConfirmOutcome::Denied {
                attempts_left: u32::try_from(max - attempts).unwrap_or(0),
            });
        };
        // The subject's row serializes two confirmations of one subject's
        // factors: the second one's delete sees the first's active factor.
        sqlx::query(
            "INSERT INTO otp_subjects (tenant, subject, failures, last_failure_at, touched_at) \
             VALUES ($1, $2, 0, 0, $3) \
             ON CONFLICT (tenant, subject) DO UPDATE SET touched_at = $3",
        )
        .bind(self.tenant)
        .bind(&subject)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM totp_factors WHERE tenant = $1 AND subject = $2 AND status = 'active'",
        )
        .bind(self.tenant)
        .bind(&subject)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE totp_factors SET status = 'active', expires_at = NULL, last_step = $3 \
             WHERE id = $1 AND tenant = $2",
        )
        .bind(factor_id)
        .bind(self.tenant)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::debug!(factor = %factor_id, "TOTP factor confirmed");
        Ok(ConfirmOutcome::Active)
    }

    /// Verifies a code for `subject`'s active factor: the current step and
    /// [`totp_skew`](crate::StoreOptions::totp_skew) steps either side, but
    /// never a step at or before the last one accepted.
    ///
    /// # Errors
    ///
    /// [`StoreError::SubjectLocked`] while the subject is locked out
    /// (nothing compared); [`StoreError::InvalidInput`] for a bad subject;
    /// [`StoreError::Config`] without server keys or without the key the
    /// factor was sealed with; [`StoreError::Database`].
    pub async fn verify(&self, subject: &str, code: &str) -> Result<VerifyOutcome> {
        check_subject(subject)?;
        let keys = self.keys()?;
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        let now = self.store.now_in(&mut tx).await?;
        let factor: Option<FactorRow> = sqlx::query_as(
            "SELECT id, sealed, key_id, algorithm, digits, period, last_step FROM totp_factors \
             WHERE tenant = $1 AND subject = $2 AND status = 'active'",
        )
        .bind(self.tenant)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(factor) = factor else {
            tx.rollback().await?;
            return Ok(VerifyOutcome::NoFactor);
        };
        if Failures::of(self.store, now)
            .claim(&mut tx, self.tenant, subject, now)
            .await?
            .is_none()
        {
            tx.rollback().await?;
            return Err(StoreError::SubjectLocked);
        }
        let totp = self.open(&factor)?;
        let Some(step) = self.matching_step(&totp, code, factor.6, now)? else {
            tx.commit().await?;
            return Ok(VerifyOutcome::Denied);
        };
        let factor_id = factor.0;
        // The claim: only a step later than the last accepted one.
        let claimed = sqlx::query(
            "UPDATE totp_factors SET last_step = $3, last_used_at = $4 \
             WHERE id = $1 AND tenant = $2 AND status = 'active' AND last_step < $3",
        )
        .bind(&factor_id)
        .bind(self.tenant)
        .bind(step)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            tx.commit().await?;
            return Ok(VerifyOutcome::Denied);
        }
        crate::subject::clear(&mut tx, self.tenant, subject).await?;
        let current = keys.current();
        if factor.2 != current.id() {
            let resealed = seal::seal(
                current,
                SEAL_PURPOSE,
                &self.row_identity(&factor_id),
                totp.secret().as_bytes(),
            );
            sqlx::query(
                "UPDATE totp_factors SET sealed = $3, key_id = $4 WHERE id = $1 AND tenant = $2",
            )
            .bind(&factor_id)
            .bind(self.tenant)
            .bind(resealed)
            .bind(current.id())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(VerifyOutcome::Approved { factor_id })
    }

    /// The subject's factors: the active one and any pending ones still
    /// waiting, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad subject; [`StoreError::Database`].
    pub async fn list(&self, subject: &str) -> Result<Vec<FactorInfo>> {
        check_subject(subject)?;
        let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, status, created_at, last_used_at FROM totp_factors \
             WHERE tenant = $1 AND subject = $2 \
               AND (status = 'active' OR expires_at > $3) \
             ORDER BY created_at, id",
        )
        .bind(self.tenant)
        .bind(subject)
        .bind(self.store.now_ms())
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(factor_id, status, created_at_ms, last_used_at_ms)| FactorInfo {
                    factor_id,
                    status,
                    created_at_ms,
                    last_used_at_ms,
                },
            )
            .collect())
    }

    /// Deletes a factor, pending or active.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when the tenant has no factor with this id;
    /// [`StoreError::Database`].
    pub async fn delete(&self, factor_id: &str) -> Result<()> {
        if crate::identifier::no_record_has(factor_id) {
            return Err(StoreError::NotFound);
        }
        let _turn = self.store.writing().await;
        let done = sqlx::query("DELETE FROM totp_factors WHERE id = $1 AND tenant = $2")
            .bind(factor_id)
            .bind(self.tenant)
            .execute(self.store.pool())
            .await?
            .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
