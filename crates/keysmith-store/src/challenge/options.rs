//! How a challenge is made: [`StartOptions`] and the bounds it is held to.

use keysmith::otp::CodeFormat;
use std::time::Duration;

use crate::{Result, StoreError};

/// The shortest and longest time to live of a challenge.
const MIN_TTL: Duration = Duration::from_secs(1);
pub(crate) const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The highest `max_attempts` accepted: more would let a guesser try too
/// large a share of a short code's space.
const MAX_ATTEMPTS: u32 = 20;

/// How a challenge is made. The defaults: 6 digits, 10 minutes, 5
/// attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartOptions {
    /// How many decimal digits the code has (4 to 12; default 6).
    pub digits: u32,
    /// How long the challenge can be checked (1 second to 1 day; default
    /// 10 minutes).
    pub ttl: Duration,
    /// How many checks the challenge allows before it locks (1 to 20;
    /// default 5).
    pub max_attempts: u32,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            digits: 6,
            ttl: Duration::from_secs(10 * 60),
            max_attempts: 5,
        }
    }
}

impl StartOptions {
    /// The shortest and longest time to live: 1 second to 1 day.
    pub const TTLS: std::ops::RangeInclusive<Duration> = MIN_TTL..=MAX_TTL;

    /// The most checks a challenge may allow: 20.
    pub const MAX_ATTEMPTS: u32 = MAX_ATTEMPTS;

    /// These options with codes of `digits` digits.
    pub fn with_digits(mut self, digits: u32) -> Self {
        self.digits = digits;
        self
    }

    /// These options with a time to live of `ttl`.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// These options with `max_attempts` checks allowed.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The code format, after checking every option.
    pub(super) fn validate(&self) -> Result<CodeFormat> {
        let code = CodeFormat::numeric(self.digits)?;
        if !(MIN_TTL..=MAX_TTL).contains(&self.ttl) {
            return Err(StoreError::InvalidInput(format!(
                "the time to live must be between 1 second and 1 day (got {:?})",
                self.ttl
            )));
        }
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(StoreError::InvalidInput(format!(
                "the number of attempts must be between 1 and {MAX_ATTEMPTS} (got {})",
                self.max_attempts
            )));
        }
        Ok(code)
    }
}
