//! Abuse and overload limits: what they are ([`Limits`], with their
//! defaults defined here once) and the per-instance state that enforces
//! the two rate limits ([`Guards`]).
//!
//! Every limit here is per instance: N instances behind a load balancer
//! allow N times the rate between them. What must hold across instances
//! (attempts, throttles, lockouts) is a guarded statement in the store.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A rate: `N/s` or `N/m` (per second, per minute), or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// No limit.
    Off,
    /// At most `count` per `per`, in bursts of up to `count`.
    Every {
        /// How many.
        count: NonZeroU32,
        /// Per how long: one second or one minute.
        per: Duration,
    },
}

impl Rate {
    /// `count` per second.
    pub const fn per_second(count: NonZeroU32) -> Rate {
        Rate::Every {
            count,
            per: Duration::from_secs(1),
        }
    }

    /// `count` per minute.
    pub const fn per_minute(count: NonZeroU32) -> Rate {
        Rate::Every {
            count,
            per: Duration::from_secs(60),
        }
    }

    fn quota(self) -> Option<Quota> {
        match self {
            Rate::Off => None,
            Rate::Every { count, per } if per == Duration::from_secs(1) => {
                Some(Quota::per_second(count))
            }
            Rate::Every { count, .. } => Some(Quota::per_minute(count)),
        }
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let s = s.trim();
        if s == "off" {
            return Ok(Rate::Off);
        }
        let bad =
            || format!("invalid rate '{s}': use N/s or N/m with N from 1 to 4294967295, or off");
        let (n, unit) = s.split_once('/').ok_or_else(bad)?;
        let count = n.parse::<NonZeroU32>().map_err(|_| bad())?;
        match unit {
            "s" => Ok(Rate::per_second(count)),
            "m" => Ok(Rate::per_minute(count)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rate::Off => f.write_str("off"),
            Rate::Every { count, per } if *per == Duration::from_secs(1) => write!(f, "{count}/s"),
            Rate::Every { count, .. } => write!(f, "{count}/m"),
        }
    }
}

const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => panic!("zero"),
    }
}

/// The limits of one `keysmith serve` instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Requests per service key (default 1000/s).
    pub rate_limit: Rate,
    /// Failed authentications per client address (default 100/m). Past
    /// it, every request from the address is refused with 429 before any
    /// database lookup until the limit has room again.
    pub auth_failure_limit: Rate,
    /// Requests handled at once (default 1024); past it, 503 `overloaded`.
    pub max_in_flight: usize,
    /// The longest a request may take, body included (default 30 s);
    /// past it, 408 `request_timeout`.
    pub request_timeout: Duration,
    /// The longest a connection may take to send a request head, and a TLS
    /// handshake (default 10 s); past it, the connection is closed.
    pub header_timeout: Duration,
    /// The longest shutdown waits for requests in flight (default 30 s).
    pub shutdown_timeout: Duration,
    /// Take the client's address from `X-Forwarded-For` (its last entry,
    /// which the nearest proxy wrote), for a server behind a proxy.
    pub trust_forwarded_for: bool,
}

impl Limits {
    /// The defaults: `Limits::DEFAULT` is what `keysmith serve` uses unless
    /// told otherwise.
    pub const DEFAULT: Limits = Limits {
        rate_limit: Rate::per_second(nonzero(1000)),
        auth_failure_limit: Rate::per_minute(nonzero(100)),
        max_in_flight: 1024,
        request_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(10),
        shutdown_timeout: Duration::from_secs(30),
        trust_forwarded_for: false,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The state behind the two rate limits (GCRA, from `governor`).
pub struct Guards {
    limits: Limits,
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    auth_failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses over their failure limit, and until when. `governor` has
    /// no way to ask whether a key is over its limit without spending a
    /// cell, and a request must be refused before its key is looked up,
    /// which is before anyone knows whether it will fail: so an address is
    /// remembered here when a failure finds the limit spent.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
}

/// Past this many blocked addresses, expired entries are swept on insert.
const BLOCKED_SWEEP_AT: usize = 4096;

impl fmt::Debug for Guards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guards")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Guards {
    /// Fresh state for `limits`.
    pub fn new(limits: Limits) -> Guards {
        Guards {
            limits,
            per_key: limits.rate_limit.quota().map(RateLimiter::keyed),
            auth_failures: limits.auth_failure_limit.quota().map(RateLimiter::keyed),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// The limits enforced.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Spends one request of service key `id`; `Err(wait)` when its rate
    /// is used up.
    pub(crate) fn request(&self, id: &str) -> Result<(), Duration> {
        match &self.per_key {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&id.to_owned())
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        }
    }

    /// `Some(wait)` while `addr` is over its failure limit.
    pub(crate) fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        self.auth_failures.as_ref()?;
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let until = *blocked.get(&addr)?;
        let now = Instant::now();
        if until > now {
            Some(until - now)
        } else {
            blocked.remove(&addr);
            None
        }
    }

    /// Counts a failed authentication from `addr`; `Some(wait)` when it
    /// was one too many.
    pub(crate) fn failed(&self, addr: IpAddr) -> Option<Duration> {
        let limiter = self.auth_failures.as_ref()?;
        let wait = limiter
            .check_key(&addr)
            .err()?
            .wait_time_from(self.clock.now());
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if blocked.len() >= BLOCKED_SWEEP_AT {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(addr, now + wait);
        Some(wait)
    }

    /// Forgets rate state that no longer limits anything: call it now and
    /// then, so keys and addresses seen once do not stay in memory.
    pub fn shrink(&self) {
        if let Some(l) = &self.per_key {
            l.retain_recent();
        }
        if let Some(l) = &self.auth_failures {
            l.retain_recent();
        }
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, until| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        for (text, rate) in [
            ("off", Rate::Off),
            ("1000/s", Rate::per_second(nonzero(1000))),
            ("100/m", Rate::per_minute(nonzero(100))),
        ] {
            assert_eq!(text.parse::<Rate>().unwrap(), rate);
            assert_eq!(rate.to_string(), text);
        }
        for bad in [
            "",
            "0/s",
            "-1/s",
            "10",
            "10/h",
            "x/s",
            "10/S",
            "99999999999/s",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_have_their_own_rate() {
        let g = Guards::new(Limits {
            rate_limit: Rate::per_minute(nonzero(3)),
            ..Limits::DEFAULT
        });
        for _ in 0..3 {
            g.request("a").unwrap();
        }
        let wait = g.request("a").unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        g.request("b").unwrap();
    }

    #[test]
    fn addresses_past_their_failures_are_blocked() {
        let g = Guards::new(Limits {
            auth_failure_limit: Rate::per_minute(nonzero(2)),
            ..Limits::DEFAULT
        });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "::1".parse().unwrap());
        assert_eq!(g.failed(a), None);
        assert_eq!(g.blocked(a), None);
        assert_eq!(g.failed(a), None);
        assert!(g.failed(a).is_some());
        assert!(g.blocked(a).is_some_and(|w| w <= Duration::from_secs(30)));
        assert_eq!(g.blocked(b), None);
        let off = Guards::new(Limits {
            auth_failure_limit: Rate::Off,
            rate_limit: Rate::Off,
            ..Limits::DEFAULT
        });
        for _ in 0..1000 {
            assert_eq!(off.failed(a), None);
            off.request("a").unwrap();
        }
    }
}
