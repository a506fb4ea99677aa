//! The HTTP routes.

pub(crate) mod api_keys;
pub(crate) mod health;
pub(crate) mod leaks;
pub(crate) mod otp;
pub(crate) mod recovery;
pub(crate) mod reset;
pub(crate) mod service_keys;
pub(crate) mod totp;
