//! The integration tests, one module a subject, in one test binary (one
//! link instead of one a file).

#[macro_use]
mod common;

mod api_keys;
mod at_rest;
mod challenges;
mod error_sources;
mod identifiers;
mod logs;
mod migrations;
mod reset_tokens;
mod service_keys;
mod store;
mod sweep;
mod tenants;
