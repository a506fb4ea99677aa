//! Helpers shared by the command-line tests.
#![allow(dead_code, unreachable_pub)]

use assert_cmd::Command;
use std::io::Write;

pub fn keysmith() -> Command {
    Command::cargo_bin("keysmith").unwrap()
}

pub fn stdout_of(args: &[&str]) -> String {
    let out = keysmith()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Runs with bad input and checks: exit 2, nothing on stdout, exactly one
/// line on stderr that contains `needle`.
pub fn rejects(args: &[&str], needle: &str) {
    let out = keysmith().args(args).assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("keysmith: "), "{err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"));
}

pub fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

pub struct TempFile {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl TempFile {
    pub fn path_str(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

impl Write for TempFile {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.file.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub fn tempfile_with(content: &[u8]) -> TempFile {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "keysmith-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(content).unwrap();
    TempFile { path, file }
}

/// The most bytes `--file` (choice, sample, shuffle) and
/// `passphrase --wordlist` read.
pub const LIST_LIMIT: u64 = 64 << 20;

/// A file of `len` zero bytes that takes no space on disk where the file
/// system allows holes.
pub fn sparse_tempfile(len: u64) -> TempFile {
    let f = tempfile_with(b"");
    f.file.set_len(len).unwrap();
    f
}

/// Runs `keysmith args` with `stdin` as its standard input, sharing the
/// file's offset, and returns the output and how far the command read.
pub fn run_with_stdin_file(args: &[&str], stdin: &TempFile) -> (std::process::Output, u64) {
    use std::io::Seek;
    let input = std::fs::File::open(&stdin.path).unwrap();
    let mut offset = input.try_clone().unwrap();
    let out = std::process::Command::new(keysmith().get_program())
        .args(args)
        .stdin(input)
        .output()
        .unwrap();
    (out, offset.stream_position().unwrap())
}

/// Like [`rejects`], for input that would never end if it were read whole
/// (e.g. `/dev/zero`): a time limit guards against a command that reads on.
pub fn rejects_endless(args: &[&str], needle: &str) {
    let out = keysmith()
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
}
