//! The integration tests, one module a subject, in one test binary (one
//! link instead of one a file).

#[macro_use]
mod common;

mod apikey;
mod fast_rng;
mod fork;
mod former_names;
mod fuzz_regressions;
mod otp;
mod passphrase;
mod password;
mod reset;
mod secrets;
mod system_random;
mod totp;
mod unbiased;
