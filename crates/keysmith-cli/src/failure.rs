//! How a run ends when it does not succeed.

use std::fmt;
use std::io;

/// A run that could not finish. Its message is one line, names the bad
/// value, and never contains secret material.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input was wrong: exit status 2.
    Usage(String),
    /// Something failed at run time (an I/O error): exit status 1.
    Runtime(String),
    /// Whoever read our output stopped reading: end quietly.
    ClosedPipe,
}

impl Failure {
    pub(crate) fn usage(msg: impl fmt::Display) -> Self {
        Failure::Usage(msg.to_string())
    }

    /// An error writing to stdout.
    pub(crate) fn output(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Runtime(format!("cannot write output: {e}"))
        }
    }
}

impl From<keysmith::Error> for Failure {
    fn from(e: keysmith::Error) -> Self {
        match e {
            keysmith::Error::Entropy(_) => Failure::Runtime(e.to_string()),
            _ => Failure::Usage(e.to_string()),
        }
    }
}
