//! One-time-code challenges: a code sent to a subject (by mail, SMS, …),
//! checked against a limited number of attempts before it expires.
//!
//! The code is stored only as HMAC-SHA256 under a server key of (challenge
//! id, code): a 6-digit code hashed without a key is reversed offline in a
//! second. Every check counts its attempt with guarded `UPDATE`s before the
//! code is compared, so concurrent guesses, even from many instances, never
//! get more than `max_attempts` comparisons per challenge, nor more than
//! `otp_max_failures` consecutive failures per subject.
//!
//! Starts are throttled per subject over a sliding window: every start is
//! recorded with its time (`otp_sends`), and a start is claimed by one
//! guarded `INSERT` that counts the subject's sends in the window ending
//! now, while the subject's row is held. So no interval of
//! `otp_send_window`, wherever it falls, holds more than
//! `otp_sends_per_window` starts, even from many instances.

mod options;
mod outcome;
mod throttle;

pub(crate) use options::MAX_TTL;
pub use options::StartOptions;
pub use outcome::{CheckOutcome, StartedChallenge};

use keysmith::Recipe;
use std::time::Duration;

use crate::clock::millis;
use crate::subject::{Failures, check_subject};
use crate::{AtRestKeys, Result, Store, StoreError};

/// One-time-code challenges: [`start`](Challenges::start) one for a
/// subject, deliver its code, then [`check`](Challenges::check) what the
/// subject typed.
///
/// Guarantees, on SQLite and on PostgreSQL shared by many instances:
///
/// - a challenge is approved at most once, and never after it expired, was
///   replaced or was locked;
/// - no more than `max_attempts` codes are ever compared for one challenge,
///   however many checks run at once;
/// - a subject never has more than [`otp_max_failures`] failed checks in a
///   row (NIST SP 800-63B): at that count its open challenge is
///   [`CheckOutcome::Locked`];
/// - a subject has at most one open challenge: starting one closes the
///   previous one;
/// - a subject may start at most [`otp_sends_per_window`] challenges in any
///   interval of length [`otp_send_window`] (a sliding window, not fixed
///   periods: a burst at the end of one period cannot be followed by
///   another at the start of the next), and none after
///   [`otp_max_failures`] failed checks in a row, until a check succeeds
///   or [`reset_subject`] is called;
/// - text that PostgreSQL cannot store (a NUL character) is refused as
///   [`StoreError::InvalidInput`] on both backends, before any query.
///
/// Starting and checking need [`StoreOptions::at_rest_keys`]; without them
/// both calls fail with [`StoreError::Config`].
///
/// ```no_run
/// use keysmith_store::{CheckOutcome, StartOptions, Store};
///
/// async fn sign_in(store: &Store, typed: &str) -> keysmith_store::Result<()> {
///     let started = store.challenges().start("user-42", StartOptions::default()).await?;
///     // Deliver started.code to the user; keep only started.id.
///     match store.challenges().check(&started.id, typed).await? {
///         CheckOutcome::Approved { subject } => println!("welcome, {subject}"),
///         CheckOutcome::Denied { attempts_left } => println!("{attempts_left} tries left"),
///         CheckOutcome::Expired | CheckOutcome::Locked => println!("ask for a new code"),
///     }
///     Ok(())
/// }
/// ```
///
/// [`otp_sends_per_window`]: crate::StoreOptions::otp_sends_per_window
/// [`otp_send_window`]: crate::StoreOptions::otp_send_window
/// [`otp_max_failures`]: crate::StoreOptions::otp_max_failures
/// [`reset_subject`]: Challenges::reset_subject
/// [`StoreOptions::at_rest_keys`]: crate::StoreOptions::at_rest_keys
#[derive(Debug, Clone, Copy)]
pub struct Challenges<'a> {
    store: &'a Store,
    tenant: &'a str,
}

/// The columns a counted attempt returns: code_hmac, key_id, attempts,
/// max_attempts.
type Counted = (String, String, i64, i64);

/// A challenge's closed_at, expires_at, attempts and max_attempts, and its
/// subject's failures and last failure.
type ChallengeState = (Option<i64>, i64, i64, i64, Option<i64>, Option<i64>);

impl<'a> Challenges<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        Challenges { store, tenant }
    }

    fn at_rest_keys(&self) -> Result<&'a AtRestKeys> {
        self.store.at_rest_keys("one-time codes")
    }

    /// Starts a challenge for `subject` (a user id, an address: whatever
    /// the application sends codes to) and returns its id and code. Any
    /// open challenge of the subject is closed: its id now checks as
    /// [`CheckOutcome::Expired`].
    ///
    /// The code is stored as HMAC-SHA256 under the current server key of
    /// (id, code), never in plain text.
    ///
    /// # Errors
    ///
    /// - [`StoreError::InvalidInput`] for an empty or over-long subject, one
    ///   with a control character, or a time to live or number of attempts out
    ///   of range (see [`StartOptions`]);
    /// - [`StoreError::Keysmith`] for digits out of range;
    /// - [`StoreError::Config`] without server keys;
    /// - [`StoreError::SubjectLocked`] after
    ///   [`otp_max_failures`](crate::StoreOptions::otp_max_failures) failed
    ///   checks in a row for this subject;
    /// - [`StoreError::Throttled`] when the subject started
    ///   [`otp_sends_per_window`](crate::StoreOptions::otp_sends_per_window)
    ///   challenges in the last
    ///   [`otp_send_window`](crate::StoreOptions::otp_send_window), with the
    ///   time until the earliest of them leaves that window (nothing is
    ///   changed: the open challenge stays open);
    /// - [`StoreError::Database`] when the database fails; then nothing was
    ///   started.
    pub async fn start(&self, subject: &str, options: StartOptions) -> Result<StartedChallenge> {
        check_subject(subject)?;
        let format = options.validate()?;
        let key = self.at_rest_keys()?.current();
        let store_options = self.store.options();
        let limit = i64::from(store_options.otp_sends_per_window);
        if limit == 0 {
            return Err(StoreError::Config(
                "otp_sends_per_window must be at least 1".into(),
            ));
        }
        let window = millis(store_options.otp_send_window);

        let id = format!("ch_{}", keysmith::token_urlsafe(16));
        let code = format.generate();
        let code_hmac = key.mac_hex(&[id.as_bytes(), code.as_bytes()]);
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        let now = self.store.now_in(&mut tx).await?;
        let expires_at = now.saturating_add(millis(options.ttl));
        // The subject's row serializes concurrent starts: the claim
        // creates it or takes its row lock (held until commit on
        // PostgreSQL; SQLite has one writer at a time), and succeeds only
        // while the subject is not locked out.
        if !self.claim_subject(&mut tx, subject, now).await? {
            tx.rollback().await?;
            tracing::info!("one-time-code start refused: subject locked out");
            return Err(StoreError::SubjectLocked);
        }
        // The claim of a send, run while the subject's row is held, so
        // concurrent starts count each other.
        if let Some(wait) = self
            .claim_send(&mut tx, subject, now, limit, window)
            .await?
        {
            tx.rollback().await?;
            tracing::debug!(retry_after_ms = wait, "one-time-code start throttled");
            return Err(StoreError::Throttled {
                retry_after: Duration::from_millis(wait.unsigned_abs()),
            });
        }
        sqlx::query(
            "UPDATE otp_challenges SET closed_at = $2 \
             WHERE tenant = $3 AND subject = $1 AND closed_at IS NULL",
        )
        .bind(subject)
        .bind(now)
        .bind(self.tenant)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO otp_challenges \
                 (id, subject, code_hmac, key_id, created_at, expires_at, attempts, max_attempts, \
                  tenant) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        )
        .bind(&id)
        .bind(subject)
        .bind(&code_hmac)
        .bind(key.id())
        .bind(now)
        .bind(expires_at)
        .bind(i64::from(options.max_attempts))
        .bind(self.tenant)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::debug!(challenge = %id, "one-time-code challenge started");
        Ok(StartedChallenge {
            id,
            code,
            expires_at_ms: expires_at,
        })
    }

    /// Checks `code` (surrounding ASCII whitespace ignored) against the
    /// challenge `challenge_id`.
    ///
    /// The attempt is counted first, and only a counted attempt is
    /// compared, in constant time. Counting is two guarded statements in
    /// one transaction: one claims a failure of the subject's budget of
    /// [`otp_max_failures`](crate::StoreOptions::otp_max_failures)
    /// consecutive failures, the other an attempt of the challenge's
    /// `max_attempts`. So concurrent checks can never compare more than
    /// `max_attempts` codes for a challenge, nor take a subject past its
    /// consecutive failures. Anything presented counts, even text that is
    /// not a code of the right length. A right code consumes the challenge
    /// (of concurrent right codes, one is approved and the others see
    /// [`CheckOutcome::Expired`]) and clears the subject's failures; a wrong
    /// one keeps the failure it claimed.
    ///
    /// # Errors
    ///
    /// - [`StoreError::Config`] without server keys, or when the key the
    ///   challenge was made under is no longer among them (it was removed
    ///   before its challenges expired); nothing is counted then;
    /// - [`StoreError::Database`] when the database fails: never an
    ///   approval, never a denial.
    pub async fn check(&self, challenge_id: &str, code: &str) -> Result<CheckOutcome> {
        self.check_for(challenge_id, None, code).await
    }

    /// [`check`](Challenges::check), for the subject the application
    /// expects: when `subject` is given and is not the challenge's, the
    /// check is counted and denied, whatever the code (it is compared all
    /// the same, so the answer takes as long). An
    /// application that carries the challenge id through a browser cannot
    /// then be handed an id someone approved for their own subject.
    ///
    /// # Errors
    ///
    /// As [`check`](Challenges::check).
    pub async fn check_for(
        &self,
        challenge_id: &str,
        subject: Option<&str>,
        code: &str,
    ) -> Result<CheckOutcome> {
        let keys = self.at_rest_keys()?;
        if crate::identifier::no_record_has(challenge_id) {
            // An unknown id, and nothing to count.
            return Ok(CheckOutcome::Expired);
        }

        // A challenge's subject never changes: read it, then take the
        // subject's row before the challenge's, the order start() takes
        // them in, so the two never deadlock.
        // The turn first, then the connection (see `Store::writing`).
        let turn = self.store.writing().await;
        let mut held = self.store.held().await?;
        let checked = self
            .check_on(held.conn(), keys, challenge_id, subject, code)
            .await;
        drop(turn);
        held.checked(checked)
    }

    /// [`check_for`](Challenges::check_for) on `conn`, one of the store's
    /// held connections (a check is a hot path: four statements and a
    /// transaction, each of which the pool would follow with a ping),
    /// with this process's write turn taken.
    async fn check_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        keys: &crate::AtRestKeys,
        challenge_id: &str,
        subject: Option<&str>,
        code: &str,
    ) -> Result<CheckOutcome> {
        let challenge_subject: Option<String> =
            sqlx::query_scalar("SELECT subject FROM otp_challenges WHERE id = $1 AND tenant = $2")
                .bind(challenge_id)
                .bind(self.tenant)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(challenge_subject) = challenge_subject else {
            return Ok(CheckOutcome::Expired);
        };
        let mut tx = sqlx::Connection::begin(conn).await?;
        let now = self.store.now_in(&mut tx).await?;
        let budget = Failures::of(self.store, now);
        let max_failures = budget.max;
        let Some(failures) = budget
            .claim(&mut tx, self.tenant, &challenge_subject, now)
            .await?
        else {
            tx.rollback().await?;
            return self.why_not_counted(conn, challenge_id, now).await;
        };
        let subject_matches = subject.is_none_or(|s| s == challenge_subject);
        let subject = challenge_subject;
        let counted: Option<Counted> = sqlx::query_as(
            "UPDATE otp_challenges SET attempts = attempts + 1 \
             WHERE id = $1 AND tenant = $3 AND closed_at IS NULL AND expires_at > $2 \
               AND attempts < max_attempts \
             RETURNING code_hmac, key_id, attempts, max_attempts",
        )
        .bind(challenge_id)
        .bind(now)
        .bind(self.tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((code_hmac, key_id, attempts, max_attempts)) = counted else {
            tx.rollback().await?;
            return self.why_not_counted(conn, challenge_id, now).await;
        };

        let key = keys.get(&key_id).ok_or_else(|| {
            StoreError::Config(format!(
                "challenge made under server key '{key_id}', which is no longer configured"
            ))
        })?;
        let presented = code.trim_matches(|c: char| c.is_ascii_whitespace());
        let mac = key.mac_hex(&[challenge_id.as_bytes(), presented.as_bytes()]);
        if keysmith::compare_digest(mac.as_bytes(), code_hmac.as_bytes()) && subject_matches {
            // The counted attempt holds the challenge's row: no other
            // check can close it first.
            sqlx::query("UPDATE otp_challenges SET closed_at = $2 WHERE id = $1 AND tenant = $3")
                .bind(challenge_id)
                .bind(now)
                .bind(self.tenant)
                .execute(&mut *tx)
                .await?;
            crate::subject::clear(&mut tx, self.tenant, &subject).await?;
            tx.commit().await?;
            tracing::debug!(challenge = %challenge_id, "one-time-code challenge approved");
            Ok(CheckOutcome::Approved { subject })
        } else {
            tx.commit().await?;
            let left = (max_attempts - attempts)
                .min(max_failures - failures)
                .max(0);
            Ok(CheckOutcome::Denied {
                attempts_left: u32::try_from(left).unwrap_or(u32::MAX),
            })
        }
    }

    /// Why an attempt was not counted: the challenge is locked only if it
    /// is open and unexpired with its attempts, or its subject's
    /// consecutive failures, used up; anything else is
    /// [`CheckOutcome::Expired`].
    async fn why_not_counted(
        &self,
        conn: &mut sqlx::AnyConnection,
        challenge_id: &str,
        now: i64,
    ) -> Result<CheckOutcome> {
        let row: Option<ChallengeState> = sqlx::query_as(
            "SELECT c.closed_at, c.expires_at, c.attempts, c.max_attempts, s.failures, \
                    s.last_failure_at \
             FROM otp_challenges c \
             LEFT JOIN otp_subjects s ON s.tenant = c.tenant AND s.subject = c.subject \
             WHERE c.id = $1 AND c.tenant = $2",
        )
        .bind(challenge_id)
        .bind(self.tenant)
        .fetch_optional(&mut *conn)
        .await?;
        let budget = Failures::of(self.store, now);
        Ok(match row {
            Some((None, expires_at, attempts, max_attempts, failures, last_failure_at))
                if expires_at > now
                    && (attempts >= max_attempts
                        || failures
                            .zip(last_failure_at)
                            .is_some_and(|(f, at)| budget.locked(f, at))) =>
            {
                CheckOutcome::Locked
            }
            _ => CheckOutcome::Expired,
        })
    }
}
