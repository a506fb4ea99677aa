//! Every command, one file each: its arguments (with their help and
//! examples) and its `run`, which answers with a [`Status`] or stops with a
//! [`Failure`].
//!
//! [`Status`]: crate::failure::Status
//! [`Failure`]: crate::failure::Failure

pub(crate) mod apikey;
pub(crate) mod bytes;
pub(crate) mod choice;
pub(crate) mod compare;
pub(crate) mod completions;
pub(crate) mod hotp;
pub(crate) mod otp;
pub(crate) mod passphrase;
pub(crate) mod password;
pub(crate) mod randbelow;
pub(crate) mod randbits;
pub(crate) mod recovery_codes;
pub(crate) mod reset_link;
pub(crate) mod sample;
pub(crate) mod serve;
pub(crate) mod service_key;
pub(crate) mod shuffle;
pub(crate) mod token;
pub(crate) mod totp;
