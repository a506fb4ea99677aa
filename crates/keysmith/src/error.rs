//! The one error type of the library.

use std::fmt;

/// Why a keysmith call could not give a result.
///
/// Every message is written for the person who passed the bad value, and
/// none of them ever contains secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `randbelow(0)`: there is no integer in `[0, 0)`.
    NonPositiveBound,
    /// `choice(&[])` and friends.
    EmptySequence,
    /// `randrange` whose range holds no value (for example `start >= stop`
    /// with a positive step).
    EmptyRange,
    /// `randrange` with a step of zero.
    ZeroStep,
    /// `randint(a, b)` with `a > b`.
    InvalidRange,
    /// `sample(population, k)` with `k` larger than the population.
    SampleLargerThanPopulation {
        /// How many items were asked for.
        k: usize,
        /// How many items there are.
        population: u128,
    },
    /// `randbits(k)` with `k` more than the 128 bits a `u128` holds.
    TooManyBits {
        /// The number of bits asked for.
        bits: u32,
    },
    /// A parameter outside the domain of a function, such as a negative
    /// standard deviation or mismatched weights.
    InvalidParameter {
        /// The parameter's name, as in the function's signature.
        name: &'static str,
        /// What it must be.
        reason: &'static str,
    },
    /// Input that a recipe, format or parser cannot accept, with a message
    /// already phrased for the user (for example "the minimums (12) exceed
    /// the length (10)"). It never contains secret material.
    InvalidInput(String),
    /// The operating system could not supply random bytes.
    Entropy(getrandom::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonPositiveBound => f.write_str("upper bound must be positive"),
            Error::EmptySequence => f.write_str("cannot choose from an empty sequence"),
            Error::EmptyRange => f.write_str("empty range for randrange"),
            Error::ZeroStep => f.write_str("zero step for randrange"),
            Error::InvalidRange => f.write_str("empty range for randint: a must be <= b"),
            Error::SampleLargerThanPopulation { k, population } => write!(
                f,
                "sample larger than population: asked for {k} of {population}"
            ),
            Error::TooManyBits { bits } => write!(
                f,
                "{bits} bits do not fit in a u128 (at most 128); use randbits_big"
            ),
            Error::InvalidParameter { name, reason } => write!(f, "{name} {reason}"),
            Error::InvalidInput(msg) => f.write_str(msg),
            Error::Entropy(e) => {
                write!(f, "the operating system could not supply random bytes: {e}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Entropy(e) => Some(e),
            _ => None,
        }
    }
}

/// `Result` with keysmith's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
