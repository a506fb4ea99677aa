//! What can go wrong in a flow.

use std::fmt;
use std::time::Duration;

/// Why a store call failed. No message ever contains a token, code or key.
///
/// Database failures are always [`StoreError::Database`]: a lost connection
/// is never reported as an invalid token, and never as a success.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The token is unknown, expired, already used or revoked. The cases
    /// are deliberately not told apart.
    InvalidToken,
    /// The API key is malformed, has a bad checksum, is unknown, expired
    /// or revoked. The cases are deliberately not told apart.
    InvalidKey,
    /// No such record (an API key id, for example).
    NotFound,
    /// The API key was rotated already; rotate its successor instead.
    AlreadyRotated {
        /// The id of the key that replaced it.
        successor: String,
    },
    /// Too many requests for this user or subject; try again after
    /// `retry_after`.
    Throttled {
        /// How long until a new request can succeed.
        retry_after: Duration,
    },
    /// The subject failed too many times in a row: no challenge is started
    /// and no code compared until the lockout
    /// ([`otp_lockout`](crate::StoreOptions::otp_lockout)) ends or an
    /// administrator resets the subject.
    SubjectLocked,
    /// An argument the flow cannot accept, phrased for the user.
    InvalidInput(String),
    /// An argument keysmith refused for the flow (a code's digits, a key
    /// prefix, TOTP options, a count of recovery codes), phrased for the
    /// user like [`InvalidInput`](StoreError::InvalidInput); or, as
    /// [`keysmith::Error::Entropy`], the operating system could not supply
    /// random bytes. The message is keysmith's, and keysmith's error is
    /// the [`source`](std::error::Error::source).
    Keysmith(keysmith::Error),
    /// The store is not configured for this call (for example, one-time
    /// codes need a server key).
    Config(String),
    /// The database failed or could not be reached.
    Database(sqlx::Error),
    /// The schema could not be brought up to date.
    Migration(sqlx::migrate::MigrateError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidToken => f.write_str("invalid token"),
            StoreError::InvalidKey => f.write_str("invalid API key"),
            StoreError::NotFound => f.write_str("not found"),
            StoreError::AlreadyRotated { successor } => {
                write!(
                    f,
                    "the key was rotated already; its successor is {successor}"
                )
            }
            StoreError::Throttled { retry_after } => write!(
                f,
                "too many requests; try again in {} s",
                retry_after.as_secs().max(1)
            ),
            StoreError::SubjectLocked => {
                f.write_str("too many failed codes in a row; the subject is locked out for now")
            }
            StoreError::InvalidInput(m) | StoreError::Config(m) => f.write_str(m),
            StoreError::Keysmith(e) => fmt::Display::fmt(e, f),
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Migration(e) => write!(f, "database migration failed: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Keysmith(e) => Some(e),
            StoreError::Database(e) => Some(e),
            StoreError::Migration(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl From<keysmith::Error> for StoreError {
    fn from(e: keysmith::Error) -> Self {
        StoreError::Keysmith(e)
    }
}

/// `Result` with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn keysmiths_errors_are_the_source_and_the_message() {
        let inner = keysmith::otp::CodeFormat::numeric(3).unwrap_err();
        let e = StoreError::from(inner.clone());
        assert_eq!(e.to_string(), inner.to_string());
        let source = e.source().expect("a source");
        assert_eq!(source.downcast_ref::<keysmith::Error>(), Some(&inner));
    }

    #[test]
    fn sqlx_errors_are_the_source() {
        let e = StoreError::from(sqlx::Error::PoolClosed);
        assert_eq!(
            e.to_string(),
            format!("database error: {}", sqlx::Error::PoolClosed)
        );
        let source = e.source().expect("a source");
        assert!(
            matches!(
                source.downcast_ref::<sqlx::Error>(),
                Some(sqlx::Error::PoolClosed)
            ),
            "{source:?}"
        );
        assert!(StoreError::InvalidInput("x".into()).source().is_none());
    }
}
