//! Printing values: plain lines or JSON lines.

use crate::failure::Failure;
use std::io::{BufWriter, StdoutLock, Write};

/// Buffered standard output that prints each value as a line, or as a JSON
/// object `{"value": ...}` with `--json`.
pub(crate) struct Output {
    out: BufWriter<StdoutLock<'static>>,
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Output {
            out: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            json,
        }
    }

    /// One text value.
    pub(crate) fn text(&mut self, value: &str) -> Result<(), Failure> {
        if self.json {
            self.json_line(&serde_json::json!({ "value": value }))
        } else {
            writeln!(self.out, "{value}").map_err(Failure::output)
        }
    }

    /// One list of items: joined by `separator` as text, an array in JSON.
    pub(crate) fn list(&mut self, items: &[&String], separator: &str) -> Result<(), Failure> {
        if self.json {
            return self.json_line(&serde_json::json!({ "value": items }));
        }
        let mut first = true;
        for item in items {
            if !first {
                self.out
                    .write_all(separator.as_bytes())
                    .map_err(Failure::output)?;
            }
            first = false;
            self.out
                .write_all(item.as_bytes())
                .map_err(Failure::output)?;
        }
        self.out.write_all(b"\n").map_err(Failure::output)
    }

    /// One generated secret with its exact entropy: the value alone as
    /// text, `{"value": ..., "entropy_bits": ...}` in JSON.
    pub(crate) fn secret(&mut self, value: &str, entropy_bits: f64) -> Result<(), Failure> {
        if self.json {
            self.json_line(&serde_json::json!({ "value": value, "entropy_bits": entropy_bits }))
        } else {
            writeln!(self.out, "{value}").map_err(Failure::output)
        }
    }

    /// Whether values are printed as JSON.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// A JSON object printed as one line, whatever the mode (for commands
    /// whose JSON form has more fields than `value`).
    pub(crate) fn object(&mut self, v: &serde_json::Value) -> Result<(), Failure> {
        self.json_line(v)
    }

    /// Bytes exactly as given.
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.out.write_all(bytes).map_err(Failure::output)
    }

    fn json_line(&mut self, v: &serde_json::Value) -> Result<(), Failure> {
        serde_json::to_writer(&mut self.out, v).map_err(|e| Failure::output(e.into()))?;
        self.out.write_all(b"\n").map_err(Failure::output)
    }

    pub(crate) fn finish(mut self) -> Result<(), Failure> {
        self.out.flush().map_err(Failure::output)
    }
}

/// Prints one line of text on stdout.
pub(crate) fn line(text: &str) -> Result<(), Failure> {
    let mut out = Output::new(false);
    out.text(text)?;
    out.finish()
}

/// Prints the exact entropy of what was generated to stderr (`--entropy`).
pub(crate) fn report_entropy(bits: f64) {
    let _ = writeln!(std::io::stderr(), "entropy: {bits:.2} bits");
}

/// Prints a warning to stderr.
pub(crate) fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr(), "keysmith: warning: {msg}");
}
