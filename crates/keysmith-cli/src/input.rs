//! Reading items and secrets from files or stdin.

use crate::failure::Failure;
use crate::options::Items;
use keysmith::zeroize::Zeroize;
use keysmith_server::io_reason;
use std::io::Read;
use std::path::Path;

/// The largest secret `compare` reads: secrets and digests are small, and a
/// wrong argument should not make us read a disk image into memory.
const MAX_SECRET: u64 = 1 << 20;

/// The most `--file` (choice, sample, shuffle) and `passphrase --wordlist`
/// read: the whole list is held in memory, so `--file /dev/zero` or an
/// endless stdin must end in an error, not in exhausted memory. 64 MiB is
/// several times the largest dictionary in common use.
pub(crate) const MAX_LIST_INPUT: u64 = 64 << 20;

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
    // One byte past the limit tells a file that is too large from one
    // that fits exactly; nothing beyond that byte is read.
    let cap = limit.map_or(u64::MAX, |(l, _)| l.saturating_add(1));
    let file = if is_stdin(path) {
        stdin_unbuffered()
    } else {
        std::fs::File::open(path)
    }
    .map_err(|e| Failure::usage(format!("cannot open {shown}: {}", io_reason(&e))))?;
    // Room for all of a secret-sized limit up front: a buffer that grew
    // would leave each smaller copy of the input behind in freed memory,
    // unwiped.
    let mut buf = Vec::with_capacity(reserved(cap));
    let read = file.take(cap).read_to_end(&mut buf);
    if let Err(e) = read {
        buf.zeroize();
        return Err(Failure::usage(format!(
            "cannot read {shown}: {}",
            io_reason(&e)
        )));
    }
    if let Some((l, purpose)) = limit
        && buf.len() as u64 > l
    {
        buf.zeroize();
        return Err(Failure::usage(format!(
            "{shown} is larger than {}: {purpose}",
            show_size(l)
        )));
    }
    Ok(buf)
}

/// The room [`read_input`] reserves for a read of at most `cap` bytes: all
/// of it up to [`MAX_SECRET`] and a byte (a secret's limit is no more), so
/// that such a read never moves its buffer.
fn reserved(cap: u64) -> usize {
    usize::try_from(cap.min(MAX_SECRET + 1)).unwrap_or(0)
}

/// Stdin as a file of its own (a duplicate of descriptor 0, sharing its
/// offset), read without `Stdin`'s buffer so that a limited read takes no
/// more bytes from the input than it asks for.
#[cfg(unix)]
fn stdin_unbuffered() -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::io::stdin().as_fd().try_clone_to_owned()?.into())
}

/// Stdin as a file of its own (a duplicate of its handle), read without
/// `Stdin`'s buffer so that a limited read takes no more bytes from the
/// input than it asks for.
#[cfg(windows)]
fn stdin_unbuffered() -> std::io::Result<std::fs::File> {
    use std::os::windows::io::AsHandle;
    Ok(std::io::stdin().as_handle().try_clone_to_owned()?.into())
}

/// A size in bytes as `64 MiB`, `64 KiB` or `100 bytes`, whichever is exact.
pub(crate) fn show_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// The items of choice, sample and shuffle: the arguments, then the lines
/// of `--file` (trimmed of the line ending; blank lines skipped).
pub(crate) fn items(src: &Items) -> Result<Vec<String>, Failure> {
    let mut items = src.items.clone();
    if let Some(path) = &src.file {
        let bytes = read_input(path, Some((MAX_LIST_INPUT, "items are held in memory")))?;
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

/// The items of choice and shuffle, of which there must be at least one.
pub(crate) fn nonempty_items(src: &Items) -> Result<Vec<String>, Failure> {
    let items = items(src)?;
    if items.is_empty() {
        return Err(Failure::usage(
            "cannot choose from an empty sequence: give ITEM arguments or --file PATH",
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret is read into the room reserved for its limit, which it
    /// never outgrows: the buffer is not moved (no copy left unwiped), and
    /// an input past the limit is refused.
    #[test]
    fn a_secret_is_read_without_moving_its_buffer() {
        let path = std::env::temp_dir().join(format!("keysmith-input-{}", std::process::id()));
        for (len, fits) in [(0, true), (1000, true), (1001, false)] {
            std::fs::write(&path, vec![b's'; len]).unwrap();
            let read = read_input(&path, Some((1000, "a secret")));
            match read {
                Ok(buf) => {
                    assert!(fits, "{len} bytes");
                    assert_eq!(buf.len(), len);
                    assert_eq!(
                        buf.capacity(),
                        reserved(1001),
                        "{len} bytes: the buffer grew"
                    );
                }
                Err(Failure::Usage(m)) => assert!(!fits && m.contains("larger than"), "{len}: {m}"),
                Err(e) => panic!("{len} bytes: {e:?}"),
            }
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(reserved(u64::MAX), usize::try_from(MAX_SECRET + 1).unwrap());
    }
}
