//! API keys: created once and shown once, stored as SHA-256, verified
//! against their policies, listed, changed, revoked and rotated.
//!
//! A key is keysmith's checksummed format (`sk_live_` + 30 base62
//! characters + CRC-32, at least 178 bits of entropy; see
//! [`keysmith::apikey`]). The table keeps its SHA-256 under a unique index,
//! never the key: with that much entropy an unsalted fast hash cannot be
//! reversed by guessing, and the hash is what a lookup needs.
//!
//! A key's credits and rate limit live in its row and are spent by one
//! guarded `UPDATE` per verification, which applies a due refill, counts
//! the rate window and takes the cost, only when both allow it: exact
//! across every instance sharing the database. A key with neither is only
//! read (its last use is written at most once a
//! [`last_used_granularity`](crate::StoreOptions::last_used_granularity)).

use keysmith::apikey::ApiKey;
use keysmith::{KeySpec, Recipe};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::fmt;
use std::time::Duration;

use crate::clock::millis;
use crate::identifier::{MAX_IDENTIFIER_LEN, check_identifier, no_record_has};
use crate::policy::{KeyPolicy, RateLimit, Refill, RefillInterval};
use crate::{Result, Store, StoreError};

/// API keys in a [`Store`]: [`create`](ApiKeys::create),
/// [`check`](ApiKeys::check), [`get`](ApiKeys::get),
/// [`update`](ApiKeys::update), [`list_page`](ApiKeys::list_page),
/// [`revoke`](ApiKeys::revoke) and [`rotate`](ApiKeys::rotate).
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    store: &'a Store,
    tenant: &'a str,
    kind: Kind,
}

/// What a row of `api_keys` is: an API key an application hands to its
/// clients, or a service key applications present to `keysmith serve`
/// ([`ServiceKeys`](crate::ServiceKeys), built on this module). Every
/// statement names the kind it acts on, so that no API-key call reaches a
/// service key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Api,
    Service,
}

impl Kind {
    /// The value of the `kind` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Service => "service",
        }
    }

    /// How the record ids of this kind begin.
    fn id_prefix(self) -> &'static str {
        match self {
            Kind::Api => "key_",
            Kind::Service => "svc_",
        }
    }
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

/// One key's record: never the key or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key's record id.
    pub id: String,
    /// The key's safe-to-show label.
    pub display_id: String,
    /// Whom the key belongs to.
    pub owner: String,
    /// The key's prefix, without the trailing `_`.
    pub prefix: String,
    /// What the key may do.
    pub scopes: Vec<String>,
    /// Its name, metadata, credits, refill, rate limit and switch.
    pub policy: KeyPolicy,
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
    /// When a leak report named the key, where and from what source.
    pub exposure: Option<Exposure>,
    /// The id of the key that replaced this one, once rotated.
    pub rotated_to: Option<String>,
}

/// Where a leaked key was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exposure {
    /// When it was reported (Unix ms).
    pub at_ms: i64,
    /// The URL the report gave.
    pub url: Option<String>,
    /// The source the report gave (`content`, `commit`, …).
    pub source: Option<String>,
}

/// Why a verification was valid or not: Unkey's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyCode {
    /// The key works, and this use was counted.
    Valid,
    /// Malformed, a bad checksum, or no key of this tenant.
    NotFound,
    /// Past its expiry.
    Expired,
    /// Revoked (by a call, or by a leak report).
    Revoked,
    /// Switched off.
    Disabled,
    /// It lacks a scope the caller required.
    InsufficientScopes,
    /// Fewer credits left than the cost.
    UsageExceeded,
    /// Over its rate limit in the current window.
    RateLimited,
}

impl VerifyCode {
    /// Every code.
    pub const ALL: [VerifyCode; 8] = [
        VerifyCode::Valid,
        VerifyCode::NotFound,
        VerifyCode::Expired,
        VerifyCode::Revoked,
        VerifyCode::Disabled,
        VerifyCode::InsufficientScopes,
        VerifyCode::UsageExceeded,
        VerifyCode::RateLimited,
    ];

    /// `VALID`, `NOT_FOUND`, …
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::Disabled => "DISABLED",
            VerifyCode::InsufficientScopes => "INSUFFICIENT_SCOPES",
            VerifyCode::UsageExceeded => "USAGE_EXCEEDED",
            VerifyCode::RateLimited => "RATE_LIMITED",
        }
    }
}

/// A rate limit's state after a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// Uses per window.
    pub limit: u64,
    /// Uses left in the current window.
    pub remaining: u64,
    /// When the current window ends (Unix ms).
    pub reset_at_ms: i64,
}

/// What [`ApiKeys::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// Why.
    pub code: VerifyCode,
    /// The key's record, when the key exists (with its credits after this
    /// use).
    pub key: Option<KeyInfo>,
    /// The rate limit's state, for a key with one that got that far.
    pub rate: Option<RateState>,
}

/// Changes to a key ([`ApiKeys::update`]): `None` leaves a field as it is;
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUpdate {
    /// A new name.
    pub name: Option<Option<String>>,
    /// New metadata (a JSON object, serialised).
    pub meta: Option<Option<String>>,
    /// New scopes.
    pub scopes: Option<Vec<String>>,
    /// New credits.
    pub remaining: Option<Option<u64>>,
    /// A new refill.
    pub refill: Option<Option<Refill>>,
    /// A new rate limit (its window starts afresh).
    pub rate_limit: Option<Option<RateLimit>>,
    /// On or off.
    pub enabled: Option<bool>,
    /// A new expiry (Unix ms).
    pub expires_at_ms: Option<Option<i64>>,
}

/// The columns [`key_info`] reads, for `concat!`: every statement is a
/// static string, prepared once per connection.
macro_rules! key_columns {
    () => {
        "SELECT id, display_id, owner, prefix, scopes, created_at, last_used_at, expires_at, \
         revoked_at, name, meta, remaining, refill_amount, refill_interval, rate_limit, \
         rate_window_ms, enabled, exposed_at, exposure_url, exposure_source, rotated_to, tenant \
         FROM api_keys "
    };
}
pub(crate) use key_columns;

/// A key of one tenant and kind, by the SHA-256 of the key.
const LOOKUP: &str = concat!(
    key_columns!(),
    "WHERE key_hash = $1 AND tenant = $2 AND kind = $3"
);

/// A key of one tenant and kind, by record id.
const BY_ID: &str = concat!(
    key_columns!(),
    "WHERE id = $1 AND tenant = $2 AND kind = $3"
);

pub(crate) fn key_info(row: &AnyRow) -> Result<KeyInfo> {
    let u = |v: Option<i64>| v.map(|n| u64::try_from(n).unwrap_or(0));
    let refill = match (
        row.try_get::<Option<i64>, _>("refill_amount")?,
        row.try_get::<Option<String>, _>("refill_interval")?,
    ) {
        (Some(amount), Some(interval)) => RefillInterval::parse(&interval).map(|interval| Refill {
            amount: u64::try_from(amount).unwrap_or(0),
            interval,
        }),
        _ => None,
    };
    let rate_limit = match (
        row.try_get::<Option<i64>, _>("rate_limit")?,
        row.try_get::<Option<i64>, _>("rate_window_ms")?,
    ) {
        (Some(limit), Some(window)) => Some(RateLimit {
            limit: u64::try_from(limit).unwrap_or(0),
            window: Duration::from_millis(u64::try_from(window).unwrap_or(0)),
        }),
        _ => None,
    };
    let exposure = row
        .try_get::<Option<i64>, _>("exposed_at")?
        .map(|at_ms| -> Result<Exposure> {
            Ok(Exposure {
                at_ms,
                url: row.try_get("exposure_url")?,
                source: row.try_get("exposure_source")?,
            })
        })
        .transpose()?;
    Ok(KeyInfo {
        id: row.try_get("id")?,
        display_id: row.try_get("display_id")?,
        owner: row.try_get("owner")?,
        prefix: row.try_get("prefix")?,
        scopes: split_scopes(&row.try_get::<String, _>("scopes")?),
        policy: KeyPolicy {
            name: row.try_get("name")?,
            meta: row.try_get("meta")?,
            remaining: u(row.try_get("remaining")?),
            refill,
            rate_limit,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
        },
        created_at_ms: row.try_get("created_at")?,
        last_used_at_ms: row.try_get("last_used_at")?,
        expires_at_ms: row.try_get("expires_at")?,
        revoked_at_ms: row.try_get("revoked_at")?,
        exposure,
        rotated_to: row.try_get("rotated_to")?,
    })
}

/// The highest `limit` [`ApiKeys::list_page`] takes, and its default.
pub const MAX_PAGE: usize = 100;
/// See [`MAX_PAGE`].
pub const DEFAULT_PAGE: usize = 50;

impl ApiKeys<'_> {
    /// The longest grace period [`rotate`](ApiKeys::rotate) accepts: 30
    /// days.
    pub const MAX_ROTATION_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

    /// The most scopes one key may carry.
    pub const MAX_SCOPES: usize = 32;

    /// The longest scope, in characters (as JSON Schema counts).
    pub const MAX_SCOPE_LEN: usize = 64;

    /// The longest owner, in characters: an identifier's
    /// ([`MAX_IDENTIFIER_LEN`](crate::MAX_IDENTIFIER_LEN)).
    pub const MAX_OWNER_LEN: usize = MAX_IDENTIFIER_LEN;
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(store: &'a Store, tenant: &'a str) -> Self {
        Self::of_kind(store, tenant, Kind::Api)
    }

    /// The keys of `kind` of `tenant`.
    pub(crate) fn of_kind(store: &'a Store, tenant: &'a str, kind: Kind) -> Self {
        ApiKeys {
            store,
            tenant,
            kind,
        }
    }

    /// Makes a key for `owner` with `prefix` (see [`KeySpec::new`]) and
    /// `scopes`, working until `expires_at_ms` (Unix milliseconds) or, with
    /// `None`, until revoked; the default policy (unlimited, enabled).
    ///
    /// # Errors
    ///
    /// As [`create_with`](ApiKeys::create_with).
    pub async fn create(
        &self,
        owner: &str,
        prefix: &str,
        scopes: &[&str],
        expires_at_ms: Option<i64>,
    ) -> Result<CreatedKey> {
        self.create_with(owner, prefix, scopes, expires_at_ms, &KeyPolicy::default())
            .await
    }

    /// [`create`](ApiKeys::create) with a policy. The key is in the result
    /// and nowhere else: the store keeps its SHA-256, a display id, and the
    /// record.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] when `owner` is empty, longer than
    /// [`MAX_OWNER_LEN`](ApiKeys::MAX_OWNER_LEN) characters or has control
    /// characters; when there are more than [`MAX_SCOPES`](ApiKeys::MAX_SCOPES) scopes, or a scope
    /// is empty, longer than [`MAX_SCOPE_LEN`](ApiKeys::MAX_SCOPE_LEN)
    /// bytes, contains whitespace or control characters, or appears twice;
    /// when `expires_at_ms` is not in the future; when the policy is
    /// refused by [`KeyPolicy::check`]. [`StoreError::Keysmith`] when the
    /// prefix is not a valid key prefix ([`KeySpec::new`]).
    /// [`StoreError::Database`] when the database fails.
    pub async fn create_with(
        &self,
        owner: &str,
        prefix: &str,
        scopes: &[&str],
        expires_at_ms: Option<i64>,
        policy: &KeyPolicy,
    ) -> Result<CreatedKey> {
        check_owner(owner)?;
        let spec = KeySpec::new(prefix)?;
        let scopes = check_scopes(scopes)?;
        policy.check()?;
        let now = self.store.now_ms();
        if let Some(t) = expires_at_ms
            && t <= now
        {
            return Err(StoreError::InvalidInput(
                "the key's expiry must be in the future".into(),
            ));
        }
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        if self.kind == Kind::Service {
            // A tenant exists from its first service key on.
            sqlx::query(
                "INSERT INTO tenants (name, created_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(self.tenant)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let created = insert(
            &mut tx,
            &NewKey {
                tenant: self.tenant,
                kind: self.kind,
                spec: &spec,
                owner,
                scopes,
                now,
                expires_at_ms,
                policy,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Checks a presented key, as Unkey's verify does: a [`VerifyCode`]
    /// saying why it is valid or not, and the key's record when it exists.
    /// `cost` credits are taken on a [`VerifyCode::Valid`] answer only.
    ///
    /// The format and checksum are checked first, without any database
    /// access. A key with credits or a rate limit is spent by one guarded
    /// update (refill, rate window and cost together, or nothing).
    ///
    /// # Errors
    ///
    /// [`StoreError::Database`] when the database fails: never a code.
    pub async fn check(
        &self,
        key: &str,
        required_scopes: &[&str],
        cost: u64,
    ) -> Result<Verification> {
        let not_found = Verification {
            code: VerifyCode::NotFound,
            key: None,
            rate: None,
        };
        let Ok(key) = ApiKey::parse(key) else {
            return Ok(not_found);
        };
        let mut conn = self.store.held().await?;
        let row = sqlx::query(LOOKUP)
            .bind(key.sha256_hex())
            .bind(self.tenant)
            .bind(self.kind.as_str())
            .fetch_optional(conn.conn())
            .await;
        let row = conn.checked(row)?;
        drop(conn);
        let Some(row) = row else {
            return Ok(not_found);
        };
        self.judge(key_info(&row)?, required_scopes, cost).await
    }

    /// The answer for the existing key `info` of this tenant and kind:
    /// refused for what its record says, else valid once its claim (if it
    /// has credits or a rate limit) is made.
    pub(crate) async fn judge(
        &self,
        info: KeyInfo,
        required_scopes: &[&str],
        cost: u64,
    ) -> Result<Verification> {
        let now = self.store.now_ms();
        let refused = |code| {
            Ok(Verification {
                code,
                key: Some(info.clone()),
                rate: None,
            })
        };
        if info.revoked_at_ms.is_some() {
            return refused(VerifyCode::Revoked);
        }
        if info.expires_at_ms.is_some_and(|t| t <= now) {
            return refused(VerifyCode::Expired);
        }
        if !info.policy.enabled {
            return refused(VerifyCode::Disabled);
        }
        if !required_scopes
            .iter()
            .all(|r| info.scopes.iter().any(|s| s == r))
        {
            return refused(VerifyCode::InsufficientScopes);
        }
        if info.policy.remaining.is_none() && info.policy.rate_limit.is_none() {
            self.record_use(&info, now).await?;
            return Ok(Verification {
                code: VerifyCode::Valid,
                key: Some(info),
                rate: None,
            });
        }
        self.spend(info, cost, now).await
    }

    /// Writes a plain key's last use, at most once per granularity: the
    /// read spares the write when the last use is recent; the guard makes
    /// concurrent verifications write at most once.
    async fn record_use(&self, info: &KeyInfo, now: i64) -> Result<()> {
        let stale_before = now.saturating_sub(millis(self.store.options().last_used_granularity));
        if info.last_used_at_ms.is_none_or(|t| t <= stale_before) {
            let _turn = self.store.writing().await;
            sqlx::query(
                "UPDATE api_keys SET last_used_at = $2 \
                 WHERE id = $1 AND tenant = $4 AND kind = $5 \
                   AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(&info.id)
            .bind(now)
            .bind(stale_before)
            .bind(self.tenant)
            .bind(self.kind.as_str())
            .execute(self.store.pool())
            .await?;
        }
        Ok(())
    }

    /// The claim of a key with credits or a rate limit. On PostgreSQL its
    /// windows and refill days follow the database's clock, like every
    /// other count that must agree across instances.
    async fn spend(&self, mut info: KeyInfo, cost: u64, now: i64) -> Result<Verification> {
        // The turn first, then the connection (see `Store::writing`).
        let _turn = self.store.writing().await;
        let mut held = self.store.held().await?;
        let now = if self.store.options().database_clock {
            let now = self.store.now_in(held.conn()).await;
            held.checked(now)?
        } else {
            now
        };
        let cost = i64::try_from(cost).unwrap_or(i64::MAX);
        let day = RefillInterval::Daily.period(now);
        let month = RefillInterval::Monthly.period(now);
        // `due` is the credits after any refill now due; every SET reads
        // the row as it was, so the same expression serves guard and SET.
        const DUE: &str = "(CASE WHEN refill_interval IS NOT NULL AND refill_period <> \
             (CASE refill_interval WHEN 'daily' THEN $4 ELSE $5 END) \
             THEN refill_amount ELSE remaining END)";
        const WINDOW: &str = "($3 - ($3 % rate_window_ms))";
        let sql = format!(
            "UPDATE api_keys SET \
                 remaining = CASE WHEN remaining IS NULL THEN NULL ELSE {DUE} - $6 END, \
                 refill_period = CASE refill_interval WHEN 'daily' THEN $4 \
                                 WHEN 'monthly' THEN $5 ELSE refill_period END, \
                 rate_count = CASE WHEN rate_limit IS NULL THEN NULL \
                              WHEN rate_window_start = {WINDOW} THEN rate_count + 1 ELSE 1 END, \
                 rate_window_start = CASE WHEN rate_limit IS NULL THEN NULL ELSE {WINDOW} END, \
                 last_used_at = $3 \
             WHERE id = $1 AND tenant = $2 AND kind = $7 AND revoked_at IS NULL AND enabled <> 0 \
               AND (remaining IS NULL OR {DUE} >= $6) \
               AND (rate_limit IS NULL OR rate_window_start IS NULL \
                    OR rate_window_start <> {WINDOW} OR rate_count < rate_limit) \
             RETURNING remaining, rate_count, rate_window_start"
        );
        let spent: sqlx::Result<Option<Spent>> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&info.id)
            .bind(self.tenant)
            .bind(now)
            .bind(day)
            .bind(month)
            .bind(cost)
            .bind(self.kind.as_str())
            .fetch_optional(held.conn())
            .await;
        let spent = held.checked(spent)?;
        let rate_of = |count: Option<i64>, start: Option<i64>, rl: Option<RateLimit>| {
            rl.map(|rl| {
                let window = millis(rl.window);
                let start = start.unwrap_or(now - now.rem_euclid(window.max(1)));
                let used = u64::try_from(count.unwrap_or(0)).unwrap_or(0);
                RateState {
                    limit: rl.limit,
                    remaining: rl.limit.saturating_sub(used),
                    reset_at_ms: start.saturating_add(window),
                }
            })
        };
        if let Some((remaining, count, start)) = spent {
            info.policy.remaining = remaining.map(|r| u64::try_from(r).unwrap_or(0));
            let rate = rate_of(count, start, info.policy.rate_limit);
            return Ok(Verification {
                code: VerifyCode::Valid,
                key: Some(info),
                rate,
            });
        }
        // Refused: say why, from the row as it is now.
        let row: sqlx::Result<Option<SpendState>> = sqlx::query_as(
            "SELECT remaining, refill_amount, refill_period, refill_interval, rate_count, \
                        rate_window_start, rate_window_ms FROM api_keys \
                 WHERE id = $1 AND tenant = $2 AND kind = $3",
        )
        .bind(&info.id)
        .bind(self.tenant)
        .bind(self.kind.as_str())
        .fetch_optional(held.conn())
        .await;
        let row = held.checked(row)?;
        let Some((remaining, refill_amount, refill_period, interval, count, start, window)) = row
        else {
            return Ok(Verification {
                code: VerifyCode::NotFound,
                key: None,
                rate: None,
            });
        };
        let due = match interval.as_deref().and_then(RefillInterval::parse) {
            Some(i) if refill_period != Some(i.period(now)) => refill_amount,
            _ => remaining,
        };
        info.policy.remaining = due.map(|r| u64::try_from(r).unwrap_or(0));
        let current_window = window.map(|w| now - now.rem_euclid(w.max(1)));
        let in_window = start.is_some() && start == current_window;
        let rate = rate_of(
            if in_window { count } else { Some(0) },
            current_window,
            info.policy.rate_limit,
        );
        let code = if due.is_some_and(|d| d < cost) {
            VerifyCode::UsageExceeded
        } else {
            VerifyCode::RateLimited
        };
        Ok(Verification {
            code,
            key: Some(info),
            rate,
        })
    }

    /// Checks a presented key: its record when it is
    /// [`VerifyCode::Valid`] at a cost of 1.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidKey`] for every other code (malformed, unknown,
    /// revoked, expired, disabled, out of credits, rate limited);
    /// [`StoreError::Database`] when the database fails.
    pub async fn verify(&self, key: &str) -> Result<VerifiedKey> {
        let v = self.check(key, &[], 1).await?;
        match (v.code, v.key) {
            (VerifyCode::Valid, Some(k)) => Ok(VerifiedKey {
                id: k.id,
                owner: k.owner,
                scopes: k.scopes,
                prefix: k.prefix,
                display_id: k.display_id,
                expires_at_ms: k.expires_at_ms,
            }),
            _ => Err(StoreError::InvalidKey),
        }
    }

    /// The key with record id `id`.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when the tenant has no such key.
    pub async fn get(&self, id: &str) -> Result<KeyInfo> {
        if no_record_has(id) {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(BY_ID)
            .bind(id)
            .bind(self.tenant)
            .bind(self.kind.as_str())
            .fetch_optional(self.store.pool())
            .await?;
        key_info(&row.ok_or(StoreError::NotFound)?)
    }

    /// Changes the fields `update` names, and only those (a verification
    /// spending credits at the same time keeps its own write).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when the tenant has no such key;
    /// [`StoreError::InvalidInput`] for a change [`create_with`] would
    /// refuse.
    ///
    /// [`create_with`]: ApiKeys::create_with
    pub async fn update(&self, id: &str, update: &KeyUpdate) -> Result<KeyInfo> {
        let current = self.get(id).await?;
        let mut policy = current.policy.clone();
        if let Some(v) = &update.name {
            policy.name.clone_from(v);
        }
        if let Some(v) = &update.meta {
            policy.meta.clone_from(v);
        }
        if let Some(v) = update.remaining {
            policy.remaining = v;
        }
        if let Some(v) = update.refill {
            policy.refill = v;
        }
        if let Some(v) = update.rate_limit {
            policy.rate_limit = v;
        }
        if let Some(v) = update.enabled {
            policy.enabled = v;
        }
        policy.check()?;
        let scopes = match &update.scopes {
            Some(s) => Some(check_scopes(
                &s.iter().map(String::as_str).collect::<Vec<_>>(),
            )?),
            None => None,
        };
        let now = self.store.now_ms();
        if let Some(Some(t)) = update.expires_at_ms
            && t <= now
        {
            return Err(StoreError::InvalidInput(
                "the key's expiry must be in the future".into(),
            ));
        }
        // The statement sets exactly the named columns; values are bound.
        enum V {
            Text(Option<String>),
            Int(Option<i64>),
        }
        let int = |v: Option<u64>| V::Int(v.map(|n| i64::try_from(n).unwrap_or(i64::MAX)));
        let mut set: Vec<(&str, V)> = Vec::new();
        if update.name.is_some() {
            set.push(("name", V::Text(policy.name.clone())));
        }
        if update.meta.is_some() {
            set.push(("meta", V::Text(policy.meta.clone())));
        }
        if let Some(s) = scopes {
            set.push(("scopes", V::Text(Some(s.join(" ")))));
        }
        if update.remaining.is_some() {
            set.push(("remaining", int(policy.remaining)));
        }
        if update.refill.is_some() {
            set.push(("refill_amount", int(policy.refill.map(|r| r.amount))));
            set.push((
                "refill_interval",
                V::Text(policy.refill.map(|r| r.interval.as_str().to_owned())),
            ));
            set.push((
                "refill_period",
                V::Int(policy.refill.map(|r| r.interval.period(now))),
            ));
        }
        if update.rate_limit.is_some() {
            set.push(("rate_limit", int(policy.rate_limit.map(|r| r.limit))));
            set.push((
                "rate_window_ms",
                V::Int(policy.rate_limit.map(|r| millis(r.window))),
            ));
            set.push(("rate_window_start", V::Int(None)));
            set.push(("rate_count", V::Int(None)));
        }
        if let Some(e) = update.enabled {
            set.push(("enabled", V::Int(Some(i64::from(e)))));
        }
        if let Some(e) = update.expires_at_ms {
            set.push(("expires_at", V::Int(e)));
        }
        if !set.is_empty() {
            let assignments: Vec<String> = set
                .iter()
                .enumerate()
                .map(|(i, (col, _))| format!("{col} = ${}", i + 4))
                .collect();
            let sql = format!(
                "UPDATE api_keys SET {} WHERE id = $1 AND tenant = $2 AND kind = $3",
                assignments.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(self.tenant)
                .bind(self.kind.as_str());
            for (_, v) in set {
                q = match v {
                    V::Text(t) => q.bind(t),
                    V::Int(n) => q.bind(n),
                };
            }
            let _turn = self.store.writing().await;
            if q.execute(self.store.pool()).await?.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
        }
        self.get(id).await
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
        if no_record_has(id) {
            return Err(StoreError::NotFound);
        }
        let now = self.store.now_ms();
        let _turn = self.store.writing().await;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) \
             WHERE id = $1 AND tenant = $3 AND kind = $4",
        )
        .bind(id)
        .bind(now)
        .bind(self.tenant)
        .bind(self.kind.as_str())
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
    ///
    /// # Errors
    ///
    /// As [`list_page`](ApiKeys::list_page).
    pub async fn list(&self, owner: &str) -> Result<Vec<KeyInfo>> {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = self.list_page(owner, MAX_PAGE, cursor.as_deref()).await?;
            all.extend(page);
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    /// One page of `owner`'s keys, `limit` (1 to [`MAX_PAGE`]) at most, in
    /// a stable order (creation time, then id), after `cursor` (what the
    /// previous page returned). The second value is the cursor of the next
    /// page, or `None` after the last. Keys existing when the paging began
    /// appear exactly once, whatever is created meanwhile.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a bad owner, limit or cursor;
    /// [`StoreError::Database`].
    pub async fn list_page(
        &self,
        owner: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<(Vec<KeyInfo>, Option<String>)> {
        check_owner(owner)?;
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(StoreError::InvalidInput(format!(
                "limit must be between 1 and {MAX_PAGE}"
            )));
        }
        let (after_time, after_id) = match cursor {
            None => (i64::MIN, String::new()),
            Some(c) => parse_cursor(c)?,
        };
        let rows = sqlx::query(concat!(
            key_columns!(),
            "WHERE tenant = $1 AND kind = $6 AND owner = $2 \
               AND (created_at > $3 OR (created_at = $3 AND id > $4)) \
             ORDER BY created_at, id LIMIT $5"
        ))
        .bind(self.tenant)
        .bind(owner)
        .bind(after_time)
        .bind(after_id)
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .bind(self.kind.as_str())
        .fetch_all(self.store.pool())
        .await?;
        let mut keys = rows.iter().map(key_info).collect::<Result<Vec<_>>>()?;
        let next = if keys.len() > limit {
            keys.truncate(limit);
            keys.last().map(|k| format!("{}.{}", k.created_at_ms, k.id))
        } else {
            None
        };
        Ok((keys, next))
    }

    /// Replaces the key with record id `id` by a new one that inherits its
    /// owner, prefix, scopes, expiry, name, metadata, credits and limits,
    /// and lets the old key work for `grace` more (or until its own expiry,
    /// if that is sooner). Both happen in one transaction: either the old
    /// key is shortened and the new key exists, or nothing changed.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] when `grace` is more than
    /// [`MAX_ROTATION_GRACE`](ApiKeys::MAX_ROTATION_GRACE) (30 days).
    /// [`StoreError::AlreadyRotated`] when the key was rotated before (it
    /// names the successor). [`StoreError::NotFound`] when there is no
    /// working key with this id. [`StoreError::Database`] when the
    /// database fails.
    pub async fn rotate(&self, id: &str, grace: Duration) -> Result<CreatedKey> {
        if grace > Self::MAX_ROTATION_GRACE {
            return Err(StoreError::InvalidInput(format!(
                "the rotation grace period ({} s) must be at most 30 days",
                grace.as_secs()
            )));
        }
        if no_record_has(id) {
            return Err(StoreError::NotFound);
        }
        let now = self.store.now_ms();
        let grace_end = now.saturating_add(millis(grace));
        let _turn = self.store.writing().await;
        let mut tx = self.store.pool().begin().await?;
        // The claim: a guarded write that locks the row (PostgreSQL waits
        // for a concurrent rotation or revocation and re-checks the guard),
        // changing nothing yet.
        let claimed = sqlx::query(
            "UPDATE api_keys SET expires_at = expires_at \
             WHERE id = $1 AND tenant = $3 AND kind = $4 \
               AND revoked_at IS NULL AND rotated_to IS NULL \
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(id)
        .bind(now)
        .bind(self.tenant)
        .bind(self.kind.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query(BY_ID)
            .bind(id)
            .bind(self.tenant)
            .bind(self.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let old = row.as_ref().map(key_info).transpose()?;
        let mut old = match (claimed, old) {
            (true, Some(old)) => old,
            (
                false,
                Some(KeyInfo {
                    rotated_to: Some(successor),
                    ..
                }),
            ) => {
                tx.rollback().await?;
                return Err(StoreError::AlreadyRotated { successor });
            }
            _ => {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
        };
        // A refill due but not yet taken goes to the successor, which is
        // marked refilled for this period.
        let period: Option<i64> = sqlx::query_scalar(
            "SELECT refill_period FROM api_keys WHERE id = $1 AND tenant = $2 AND kind = $3",
        )
        .bind(id)
        .bind(self.tenant)
        .bind(self.kind.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(refill) = old.policy.refill
            && period != Some(refill.interval.period(now))
        {
            old.policy.remaining = Some(refill.amount);
        }
        let spec = KeySpec::new(&old.prefix)?;
        let created = insert(
            &mut tx,
            &NewKey {
                tenant: self.tenant,
                kind: self.kind,
                spec: &spec,
                owner: &old.owner,
                scopes: old.scopes.clone(),
                now,
                expires_at_ms: old.expires_at_ms,
                policy: &old.policy,
            },
        )
        .await?;
        let old_end = old.expires_at_ms.map_or(grace_end, |e| e.min(grace_end));
        sqlx::query(
            "UPDATE api_keys SET expires_at = $2, rotated_to = $4 \
             WHERE id = $1 AND tenant = $3 AND kind = $5",
        )
        .bind(id)
        .bind(old_end)
        .bind(self.tenant)
        .bind(&created.id)
        .bind(self.kind.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::debug!(old = id, new = %created.id, "API key rotated");
        Ok(created)
    }
}

impl Store {
    /// Revokes the key `key` is, of whatever tenant (a leak report does
    /// not know tenants), API key or service key, and records where it was
    /// found; `Ok(true)` when it is a key of this store. Reporting a key
    /// again changes nothing. This and the sweeper are the only statements
    /// that act across tenants.
    ///
    /// # Errors
    ///
    /// [`StoreError::Database`].
    pub async fn revoke_exposed(
        &self,
        key: &ApiKey,
        url: Option<&str>,
        source: Option<&str>,
    ) -> Result<bool> {
        let now = self.now_ms();
        let hash = key.sha256_hex();
        let _turn = self.writing().await;
        // Either kind: a leaked service key is revoked like any other.
        let api = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2), \
                 exposed_at = COALESCE(exposed_at, $2), \
                 exposure_url = CASE WHEN exposed_at IS NULL THEN $3 ELSE exposure_url END, \
                 exposure_source = CASE WHEN exposed_at IS NULL THEN $4 ELSE exposure_source END \
             WHERE key_hash = $1",
        )
        .bind(&hash)
        .bind(now)
        .bind(url)
        .bind(source)
        .execute(self.pool())
        .await?
        .rows_affected();
        if api > 0 {
            self.forget_service_key(&hash);
            tracing::warn!(display_id = %key.display_id(), "a leaked key was reported and revoked");
        }
        Ok(api > 0)
    }
}

fn parse_cursor(c: &str) -> Result<(i64, String)> {
    let bad = || StoreError::InvalidInput("cursor is not one this server returned".into());
    let (time, id) = c.split_once('.').ok_or_else(bad)?;
    let time = time.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(bad());
    }
    Ok((time, id.to_owned()))
}

/// What a claim returns: remaining, rate_count, rate_window_start.
type Spent = (Option<i64>, Option<i64>, Option<i64>);

/// remaining, refill_amount, refill_period, refill_interval, rate_count,
/// rate_window_start, rate_window_ms
type SpendState = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// What [`insert`] stores.
struct NewKey<'k> {
    tenant: &'k str,
    kind: Kind,
    spec: &'k KeySpec,
    owner: &'k str,
    scopes: Vec<String>,
    now: i64,
    expires_at_ms: Option<i64>,
    policy: &'k KeyPolicy,
}

/// Draws a key and stores its record.
async fn insert(conn: &mut AnyConnection, new: &NewKey<'_>) -> Result<CreatedKey> {
    let key = new.spec.generate();
    // 128 random bits: ids do not collide.
    let id = format!("{}{}", new.kind.id_prefix(), keysmith::token_hex(16));
    let display_id = key.display_id();
    let p = new.policy;
    let int = |v: Option<u64>| v.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    sqlx::query(
        "INSERT INTO api_keys \
             (id, key_hash, display_id, owner, prefix, scopes, created_at, expires_at, tenant, \
              name, meta, remaining, refill_amount, refill_interval, refill_period, \
              rate_limit, rate_window_ms, enabled, kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                 $19)",
    )
    .bind(&id)
    .bind(key.sha256_hex())
    .bind(&display_id)
    .bind(new.owner)
    .bind(new.spec.prefix())
    .bind(new.scopes.join(" "))
    .bind(new.now)
    .bind(new.expires_at_ms)
    .bind(new.tenant)
    .bind(p.name.as_deref())
    .bind(p.meta.as_deref())
    .bind(int(p.remaining))
    .bind(int(p.refill.map(|r| r.amount)))
    .bind(p.refill.map(|r| r.interval.as_str()))
    .bind(p.refill.map(|r| r.interval.period(new.now)))
    .bind(int(p.rate_limit.map(|r| r.limit)))
    .bind(p.rate_limit.map(|r| millis(r.window)))
    .bind(i64::from(p.enabled))
    .bind(new.kind.as_str())
    .execute(&mut *conn)
    .await?;
    tracing::debug!(id, display_id, "API key created");
    Ok(CreatedKey {
        id,
        display_id,
        owner: new.owner.to_owned(),
        prefix: new.spec.prefix().to_owned(),
        scopes: new.scopes.clone(),
        created_at_ms: new.now,
        expires_at_ms: new.expires_at_ms,
        key,
    })
}

fn check_owner(owner: &str) -> Result<()> {
    check_identifier("the key owner", owner)
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
            "must not be empty".into()
        } else if scope.chars().count() > ApiKeys::MAX_SCOPE_LEN {
            format!("must be at most {} characters", ApiKeys::MAX_SCOPE_LEN)
        } else if scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
            "must not contain whitespace or control characters".into()
        } else if out.iter().any(|s| s == scope) {
            "appears twice".into()
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
