//! What a start gives ([`StartedChallenge`]) and what a check finds
//! ([`CheckOutcome`]).

use std::fmt;
use std::time::SystemTime;

/// A challenge just started: its id, to check it later, and its code, for
/// the application to deliver to the subject. The code is not stored
/// anywhere; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct StartedChallenge {
    /// The challenge's id (`ch_` and 22 URL-safe characters). Not a secret,
    /// but unguessable, so challenges cannot be enumerated.
    pub id: String,
    /// The one-time code, zero-padded decimal digits. A secret: deliver it
    /// to the subject and drop it.
    pub code: String,
    /// When the challenge expires, in Unix milliseconds.
    pub expires_at_ms: i64,
}

impl StartedChallenge {
    /// When the challenge expires.
    pub fn expires_at(&self) -> SystemTime {
        crate::to_system_time(self.expires_at_ms)
    }
}

impl fmt::Debug for StartedChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartedChallenge")
            .field("id", &self.id)
            .field("code", &"[redacted]")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum CheckOutcome {
    /// The code is right. The challenge is now consumed: checking it again
    /// gives [`CheckOutcome::Expired`].
    Approved {
        /// Whom the challenge was started for.
        subject: String,
    },
    /// The code is wrong (or not a code at all); the attempt counted.
    Denied {
        /// How many more checks the challenge allows (fewer than its own
        /// attempts left when its subject nears
        /// [`otp_max_failures`](crate::StoreOptions::otp_max_failures)
        /// consecutive failures); at 0 the next check is
        /// [`CheckOutcome::Locked`].
        attempts_left: u32,
    },
    /// No open challenge has this id: unknown, expired, approved already
    /// or replaced by a newer one. The cases are deliberately not told
    /// apart.
    Expired,
    /// The challenge used up its attempts, or its subject reached
    /// [`otp_max_failures`](crate::StoreOptions::otp_max_failures)
    /// consecutive failures; no code is compared any more, not even the
    /// right one (until
    /// [`Challenges::reset_subject`](crate::Challenges::reset_subject), in
    /// the second case).
    Locked,
}

impl CheckOutcome {
    /// Whether the code was right.
    pub fn is_approved(&self) -> bool {
        matches!(self, CheckOutcome::Approved { .. })
    }
}
