//! Reading items and secrets from files or stdin.

use crate::cli::Items;
use crate::failure::Failure;
use std::io::Read;
use std::path::Path;

/// The largest secret `compare` reads: secrets and digests are small, and a
/// wrong argument should not make us read a disk image into memory.
const MAX_SECRET: u64 = 1 << 20;

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads all of `path` (`-` for stdin). With a `limit`, input longer than
/// `limit.0` bytes is refused with a message ending in `limit.1` (what the
/// input should be). Whatever was read is wiped before an error returns,
/// since the input may be a secret.
pub(crate) fn read_input(path: &Path, limit: Option<(u64, &str)>) -> Result<Vec<u8>, Failure> {
    let shown = if is_stdin(path) {
        "stdin".to_string()
    } else {
        format!("'{}'", path.display())
    };
    let cap = limit.map_or(u64::MAX, |(l, _)| l.saturating_add(1));
    let mut buf = Vec::new();
    let read = if is_stdin(path) {
        std::io::stdin().lock().take(cap).read_to_end(&mut buf)
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::usage(format!("cannot open {shown}: {}", io_reason(&e))))?;
        file.take(cap).read_to_end(&mut buf)
    };
    if let Err(e) = read {
        buf.fill(0);
        return Err(Failure::usage(format!(
            "cannot read {shown}: {}",
            io_reason(&e)
        )));
    }
    if let Some((l, purpose)) = limit
        && buf.len() as u64 > l
    {
        buf.fill(0);
        return Err(Failure::usage(format!(
            "{shown} is larger than {} KiB: {purpose}",
            l / 1024
        )));
    }
    Ok(buf)
}

/// The reason an I/O error gives, without Rust's "(os error 2)" suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The items of choice, sample and shuffle: the arguments, then the lines
/// of `--file` (trimmed of the line ending; blank lines skipped).
pub(crate) fn items(src: &Items) -> Result<Vec<String>, Failure> {
    let mut items = src.items.clone();
    if let Some(path) = &src.file {
        let bytes = read_input(path, None)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytecount_newlines(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
            Failure::usage(format!(
                "'{}' is not valid UTF-8 (line {line})",
                path.display()
            ))
        })?;
        items.extend(
            text.lines()
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    Ok(items)
}

fn bytecount_newlines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

/// The two secrets of `compare`, each with one trailing newline removed
/// unless `exact`.
pub(crate) fn secrets(a: &Path, b: &Path, exact: bool) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    if is_stdin(a) && is_stdin(b) {
        return Err(Failure::usage(
            "only one of FILE_A and FILE_B can be '-' (stdin)",
        ));
    }
    let limit = Some((MAX_SECRET, "compare reads secrets, not files"));
    let mut x = read_input(a, limit)?;
    let mut y = read_input(b, limit)?;
    if !exact {
        trim_newline(&mut x);
        trim_newline(&mut y);
    }
    Ok((x, y))
}

fn trim_newline(v: &mut Vec<u8>) {
    if v.last() == Some(&b'\n') {
        v.pop();
        if v.last() == Some(&b'\r') {
            v.pop();
        }
    }
}
