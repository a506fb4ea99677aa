//! Logs: the subscriber set-up and one event per request.
//!
//! A request's event carries its request id, method, the route *pattern*
//! that matched, its status and latency, and for an authenticated request
//! the tenant and the service key's display id — never other headers,
//! query strings, bodies or the raw path, any of which can hold a token,
//! code, key or bearer.

use axum::response::Response;
use std::fmt;
use std::io::IsTerminal;
use std::str::FromStr;
use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::auth::Audit;

/// The target of the per-request events, for filters such as
/// `RUST_LOG=info,keysmith_server::request=off`.
pub const REQUEST_TARGET: &str = "keysmith_server::request";

/// How log events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One JSON object per line, fields at the top level: for collectors.
    Json,
    /// One human-readable line per event (coloured on a terminal).
    #[default]
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            other => Err(format!("unknown log format '{other}': use json or pretty")),
        }
    }
}

/// A log filter that could not be parsed.
#[derive(Debug)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

/// The filter `RUST_LOG` names (`tracing-subscriber`'s `EnvFilter`
/// syntax), or `info` when it is unset or empty.
pub fn filter_from_env() -> Result<EnvFilter, FilterError> {
    match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => {
            filter(&v).map_err(|e| FilterError(format!("RUST_LOG: {e}")))
        }
        _ => filter("info"),
    }
}

/// The filter `directives` name, such as `info` or
/// `warn,keysmith_server=debug`.
pub fn filter(directives: &str) -> Result<EnvFilter, FilterError> {
    EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse(directives)
        .map_err(|e| FilterError(format!("invalid log filter '{directives}': {e}")))
}

/// A dispatcher writing events that pass `filter` to `writer` in `format`,
/// without colours: what [`init`] installs, for tests to capture.
pub fn dispatch<W>(format: LogFormat, filter: EnvFilter, writer: W) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    build(format, filter, writer, false)
}

/// Sends the process's log events that pass `filter` to stderr in
/// `format`. Only the first call in a process takes effect.
pub fn init(format: LogFormat, filter: EnvFilter) {
    let ansi = format == LogFormat::Pretty && std::io::stderr().is_terminal();
    let _ = tracing::dispatcher::set_global_default(build(format, filter, std::io::stderr, ansi));
}

fn build<W>(format: LogFormat, filter: EnvFilter, writer: W, ansi: bool) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Json => Dispatch::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .finish(),
        ),
        LogFormat::Pretty => Dispatch::new(builder.finish()),
    }
}

/// Writes the one event of a request, after its response: at `warn` for
/// a 5xx, else at `info`, with the caller's tenant and key when the
/// response carries them.
///
/// This is not tower-http's `TraceLayer`: that one opens a span per request
/// and logs its events inside it, while collectors here get one flat JSON
/// object per request with the caller's tenant, which is only known once
/// the service key has been looked up (it comes back on the response).
pub(crate) fn request_event(
    request_id: &str,
    method: &'static str,
    route: &str,
    response: &Response,
    latency: std::time::Duration,
) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_micros() as f64 / 1000.0;
    let audit = response.extensions().get::<Audit>();
    let tenant = audit.map(|a| a.0.tenant.as_str());
    let key = audit.map(|a| a.0.display_id.as_str());
    if response.status().is_server_error() {
        tracing::warn!(target: REQUEST_TARGET, request_id, method, route, status, latency_ms, tenant, key, "request");
    } else {
        tracing::info!(target: REQUEST_TARGET, request_id, method, route, status, latency_ms, tenant, key, "request");
    }
}
