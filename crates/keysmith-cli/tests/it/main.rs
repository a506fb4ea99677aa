//! The integration tests, one module a subject, in one test binary (one
//! link instead of one a file).

#[macro_use]
mod common;

mod apikey;
mod cli;
mod docs;
mod otp;
mod passphrase;
mod password;
mod reset_link;
mod serve;
