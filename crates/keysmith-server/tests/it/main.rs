//! The integration tests, one module a subject, in one test binary (one
//! link instead of one a file).

#[macro_use]
mod common;

mod api;
mod basics;
mod concurrency;
mod docs;
mod errors;
mod factors;
mod fuzz_regressions;
mod logs;
mod metrics;
mod openapi_document;
mod policies;
mod restart;
mod schema_edges;
mod shared;
mod shutdown;
