//! What an API key may do beyond its scopes: usage credits with a refill,
//! a rate limit, metadata, an on/off switch ([`KeyPolicy`]), with every
//! limit defined here once.

use std::time::Duration;

use crate::{Result, StoreError};

/// The largest `meta` accepted, serialised, in bytes (4 KiB).
pub const MAX_META_BYTES: usize = 4096;
/// The longest key name, in characters: an identifier's
/// ([`MAX_IDENTIFIER_LEN`](crate::MAX_IDENTIFIER_LEN)).
pub const MAX_KEY_NAME_LEN: usize = crate::identifier::MAX_IDENTIFIER_LEN;
/// The most uses a rate limit may allow per window.
pub const MAX_RATE_LIMIT: u64 = 1_000_000;
/// The shortest and longest rate-limit window.
pub const RATE_WINDOWS: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(30 * 24 * 3600);
/// The most credits a key may hold or be refilled to.
pub const MAX_CREDITS: u64 = 1 << 52;

/// When credits come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefillInterval {
    /// At each UTC midnight.
    Daily,
    /// At each first of the month, UTC.
    Monthly,
}

impl RefillInterval {
    /// `daily` or `monthly`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefillInterval::Daily => "daily",
            RefillInterval::Monthly => "monthly",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RefillInterval> {
        match s {
            "daily" => Some(RefillInterval::Daily),
            "monthly" => Some(RefillInterval::Monthly),
            _ => None,
        }
    }

    /// Which UTC day (days since 1970-01-01) or month (months since
    /// 1970-01) `now_ms` falls in.
    pub(crate) fn period(self, now_ms: i64) -> i64 {
        let day = now_ms.div_euclid(86_400_000);
        match self {
            RefillInterval::Daily => day,
            RefillInterval::Monthly => {
                let (y, m) = year_month(day);
                (y - 1970) * 12 + (m - 1)
            }
        }
    }
}

/// The civil (year, month) of a day count since 1970-01-01, by Howard
/// Hinnant's `civil_from_days` (a few lines; no calendar crate needed for
/// it).
fn year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// Credits set back to `amount` at each interval boundary, lazily, on the
/// first verification after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refill {
    /// What `remaining` is set to.
    pub amount: u64,
    /// When.
    pub interval: RefillInterval,
}

/// At most `limit` verifications per fixed window of `window` (windows are
/// aligned to the Unix epoch: a new one starts at every multiple of the
/// window length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Uses per window, 1 to [`MAX_RATE_LIMIT`].
    pub limit: u64,
    /// The window, within [`RATE_WINDOWS`].
    pub window: Duration,
}

/// A key's policy. `KeyPolicy::default()`: no name, no meta, unlimited,
/// no rate limit, enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyPolicy {
    /// A name for people.
    pub name: Option<String>,
    /// A JSON object, serialised (the store checks only its size).
    pub meta: Option<String>,
    /// Uses left; `None` for unlimited.
    pub remaining: Option<u64>,
    /// Credits restored at each boundary.
    pub refill: Option<Refill>,
    /// A rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Whether the key verifies at all.
    pub enabled: bool,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            name: None,
            meta: None,
            remaining: None,
            refill: None,
            rate_limit: None,
            enabled: true,
        }
    }
}

impl KeyPolicy {
    /// Refuses what no key may have, with a message naming the field.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`].
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(StoreError::InvalidInput(m));
        if let Some(name) = &self.name {
            crate::identifier::check_identifier("name", name)?;
        }
        if let Some(meta) = &self.meta {
            if meta.len() > MAX_META_BYTES {
                return bad(format!(
                    "meta is {} bytes serialised; the most is {MAX_META_BYTES}",
                    meta.len()
                ));
            }
            crate::identifier::refuse_nul("meta", meta)?;
        }
        if self.remaining.is_some_and(|r| r > MAX_CREDITS) {
            return bad(format!("remaining must be at most {MAX_CREDITS}"));
        }
        if let Some(refill) = self.refill {
            if refill.amount == 0 || refill.amount > MAX_CREDITS {
                return bad(format!("refill.amount must be 1 to {MAX_CREDITS}"));
            }
            if self.remaining.is_none() {
                return bad("a refill needs remaining (a key without it is unlimited)".into());
            }
        }
        if let Some(rl) = self.rate_limit {
            if !(1..=MAX_RATE_LIMIT).contains(&rl.limit) {
                return bad(format!("rate_limit.limit must be 1 to {MAX_RATE_LIMIT}"));
            }
            if !RATE_WINDOWS.contains(&rl.window) || rl.window.subsec_nanos() != 0 {
                return bad(format!(
                    "rate_limit.window_seconds must be a whole number from {} to {}",
                    RATE_WINDOWS.start().as_secs(),
                    RATE_WINDOWS.end().as_secs()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_utc_calendar() {
        let day = |y: i64, m: i64, d: i64| {
            // Days from civil, the inverse of year_month, for the test.
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = if m > 2 { m - 3 } else { m + 9 };
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            era * 146_097 + doe - 719_468
        };
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(2026, 1, 1), 20_454);
        for (y, m) in [(1970, 1), (2024, 2), (2026, 12), (2000, 3), (1999, 12)] {
            for d in [1, 15, 28] {
                assert_eq!(year_month(day(y, m, d)), (y, m), "{y}-{m}-{d}");
            }
        }
        let ms = |days: i64| days * 86_400_000;
        let monthly = RefillInterval::Monthly;
        assert_eq!(monthly.period(ms(day(2026, 1, 31)) + 86_399_999), 56 * 12);
        assert_eq!(monthly.period(ms(day(2026, 2, 1))), 56 * 12 + 1);
        assert_eq!(RefillInterval::Daily.period(ms(5) - 1), 4);
        assert_eq!(RefillInterval::Daily.period(ms(5)), 5);
    }

    #[test]
    fn policies_are_checked() {
        assert!(KeyPolicy::default().check().is_ok());
        let with = |f: &dyn Fn(&mut KeyPolicy)| {
            let mut p = KeyPolicy::default();
            f(&mut p);
            p.check()
        };
        assert!(with(&|p| p.meta = Some("x".repeat(MAX_META_BYTES))).is_ok());
        assert!(with(&|p| p.meta = Some("x".repeat(MAX_META_BYTES + 1))).is_err());
        assert!(with(&|p| p.name = Some(String::new())).is_err());
        assert!(
            with(&|p| p.refill = Some(Refill {
                amount: 5,
                interval: RefillInterval::Daily
            }))
            .is_err()
        );
        assert!(
            with(&|p| {
                p.remaining = Some(1);
                p.refill = Some(Refill {
                    amount: 0,
                    interval: RefillInterval::Daily,
                });
            })
            .is_err()
        );
        let rl = |limit, secs| RateLimit {
            limit,
            window: Duration::from_secs(secs),
        };
        assert!(with(&|p| p.rate_limit = Some(rl(1, 1))).is_ok());
        assert!(with(&|p| p.rate_limit = Some(rl(1_000_000, 30 * 24 * 3600))).is_ok());
        assert!(with(&|p| p.rate_limit = Some(rl(0, 1))).is_err());
        assert!(with(&|p| p.rate_limit = Some(rl(1_000_001, 1))).is_err());
        assert!(with(&|p| p.rate_limit = Some(rl(1, 0))).is_err());
        assert!(with(&|p| p.rate_limit = Some(rl(1, 30 * 24 * 3600 + 1))).is_err());
    }
}
