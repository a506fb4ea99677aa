//! How a run ends: the answer its exit status gives, or the failure that
//! stopped it.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// What a run answers with its exit status. This is the one place the
/// statuses are decided; every command ends in one of these.
///
/// The convention is `cmp`'s (and, for findings, that of secret scanners
/// such as gitleaks): 0 yes, 1 no, 2 trouble. A status never means both
/// "no" and "could not tell", so a script can act on a "no" (secrets
/// differ, a key leaked) without mistaking a failure for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Exit 0: success, or the answer is yes (`compare`: equal; `apikey
    /// check`, `totp verify`: valid; `apikey scan`: no key found).
    Yes = 0,
    /// Exit 1: the answer is no, or something was found (`compare`:
    /// different; `apikey check`, `totp verify`: invalid; `apikey scan`:
    /// keys found). Nothing else exits 1.
    No = 1,
    /// Exit 2: trouble, whatever its cause: bad input (a bad value, a
    /// missing or unreadable file) or a failure at run time (an unwritable
    /// output, an unreachable database). The question got no answer.
    Trouble = 2,
}

/// What [`Status::Trouble`] means, as every command's help says it.
const TROUBLE_HELP: &str = "trouble: bad input or a failure (an unreadable file, an unwritable\n     output, an unreachable database)";

impl Status {
    /// [`Status::Yes`] when `yes`, else [`Status::No`].
    pub(crate) fn answer(yes: bool) -> Self {
        if yes { Status::Yes } else { Status::No }
    }

    /// The exit status itself.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// The "Exit status:" paragraph of a command's help: what its yes and
    /// its no are (a line each, or more with "\n     " before each line
    /// after the first); trouble is the same everywhere.
    pub(crate) fn help(yes: &str, no: &str) -> String {
        format!(
            "Exit status:\n  {}  {yes}\n  {}  {no}\n  {}  {TROUBLE_HELP}",
            Status::Yes.code(),
            Status::No.code(),
            Status::Trouble.code(),
        )
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        ExitCode::from(s.code())
    }
}

/// A run that could not finish. Its message is one line, names the bad
/// value, and never contains secret material.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input was wrong: [`Status::Trouble`].
    Usage(String),
    /// Something failed at run time (an I/O error, the database):
    /// [`Status::Trouble`] as well; only the message says which it was.
    Runtime(String),
    /// Whoever read our output stopped reading: end quietly, with
    /// [`Status::Yes`] (as `yes | head` does).
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
            Failure::Runtime(format!(
                "cannot write output: {}",
                keysmith_server::io_reason(&e)
            ))
        }
    }

    /// A tokio runtime that would not start.
    pub(crate) fn runtime(e: io::Error) -> Self {
        Failure::Runtime(format!(
            "cannot start the runtime: {}",
            keysmith_server::io_reason(&e)
        ))
    }

    /// The status the run ends with.
    pub(crate) fn status(&self) -> Status {
        match self {
            Failure::Usage(_) | Failure::Runtime(_) => Status::Trouble,
            Failure::ClosedPipe => Status::Yes,
        }
    }

    /// The line to print on stderr, if any.
    pub(crate) fn message(&self) -> Option<&str> {
        match self {
            Failure::Usage(m) | Failure::Runtime(m) => Some(m),
            Failure::ClosedPipe => None,
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

#[cfg(test)]
mod tests {
    use super::{Failure, Status};

    #[test]
    fn statuses_are_cmps() {
        assert_eq!(
            [Status::Yes, Status::No, Status::Trouble].map(Status::code),
            [0, 1, 2]
        );
        assert_eq!(Status::answer(true), Status::Yes);
        assert_eq!(Status::answer(false), Status::No);
    }

    /// A failure never answers "no": bad input and run-time failures alike
    /// are trouble, and only a closed pipe ends as a success.
    #[test]
    fn failures_are_trouble() {
        assert_eq!(Failure::usage("x").status(), Status::Trouble);
        assert_eq!(Failure::Runtime("x".into()).status(), Status::Trouble);
        let disk_full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(Failure::output(disk_full).status(), Status::Trouble);
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(Failure::output(pipe).status(), Status::Yes);
        assert_eq!(Failure::ClosedPipe.message(), None);
    }

    #[test]
    fn help_lists_the_three_statuses() {
        let help = Status::help("equal", "different");
        let lines: Vec<&str> = help.lines().collect();
        assert_eq!(lines[0], "Exit status:");
        assert_eq!(lines[1], "  0  equal");
        assert_eq!(lines[2], "  1  different");
        assert!(lines[3].starts_with("  2  trouble: bad input or a failure"));
        assert!(help.lines().all(|l| l.len() <= 80), "{help}");
    }
}
