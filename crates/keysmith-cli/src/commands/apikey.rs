//! `keysmith apikey`: make API keys, check one, scan files for leaked ones.

use crate::failure::{Failure, Status};
use crate::options::{Answer, EntropyTarget, Format, Generated};
use crate::output::{Output, warn};
use keysmith::Recipe;
use keysmith::apikey::{self, ApiKey, KeySpec};
use keysmith_server::io_reason;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What a key is made of, in the help of `apikey` and `apikey new`.
const KEY_FORMAT: &str = "\
The key format is <prefix>_<body><checksum>: the body is at least 30
random base62 characters (30, 178.6 bits, by default) and the checksum is
the CRC-32 of everything before it in 6 base62 characters, so a key can be
checked offline and found by scanners. With --json: {\"key\", \"prefix\",
\"display_id\", \"sha256\", \"entropy_bits\"}.";

const EXAMPLES: &str = "\
Examples:
  keysmith apikey --prefix sk_live          # sk_live_<30 random><6 checksum>
  keysmith apikey --prefix sk_test -n 3 --json
  keysmith apikey --prefix svc --bits 256   # the shortest body with 256 bits
  keysmith apikey check -  < key.txt        # exit 0 valid, 1 invalid
  keysmith apikey scan .                    # exit 1 when a key is found";

/// API keys with a checksum: make, check, scan files for leaks.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, after_help = format!("{KEY_FORMAT}\n\n{EXAMPLES}"))]
pub(crate) struct ApikeyArgs {
    #[command(subcommand)]
    action: Option<Action>,

    #[command(flatten)]
    new: NewArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Make new keys (also what `keysmith apikey` alone does).
    #[command(after_help = format!("\
{KEY_FORMAT}

Examples:
  keysmith apikey new --prefix sk_live
  keysmith apikey new --prefix sk_live --length 40 --entropy"))]
    New(NewArgs),

    /// Check a key's format and checksum: exit 0 when valid, 1 when not.
    #[command(after_help = format!("\
Prints `valid`, or why the key is not (`bad checksum`, `malformed: ...`);
the key itself is never printed. With --json: {{\"valid\": true, \"prefix\",
\"display_id\", \"sha256\"}}, or {{\"valid\": false, \"reason\"}}.

{}

A key given as an argument is visible to other users in `ps` and stays in
the shell history: prefer `-` and give the key on stdin.

Examples:
  keysmith apikey check - < key.txt
  printf '%s' \"$KEY\" | keysmith apikey check -
  keysmith apikey check - --json < key.txt   # with the prefix, display id, sha256",
        Status::help("valid", "invalid: malformed, or a bad checksum")))]
    Check(CheckArgs),

    /// Scan files and directories for keys with a valid checksum.
    #[command(after_help = format!("\
Prints `FILE:LINE: PREFIX REDACTED (id DISPLAY_ID)` for every key whose
checksum is valid (with --json: {{\"file\", \"line\", \"column\", \"prefix\",
\"display_id\", \"sha256\"}}); the secret part of a key is never printed.
The display id is the prefix and the first 8 hex digits of the key's
SHA-256 (what a server stores), so the leaked key can be found and revoked.

Directories are searched recursively in name order; .git, .hg and .svn are
skipped, symbolic links inside directories are not followed, and files with
a NUL byte in their first 8 KiB are taken as binary and skipped. Unreadable
files are reported on stderr and skipped; if no key is found elsewhere,
the status is then trouble, not an all-clear: what was not read is not
known to be clean. A path that does not exist is bad input: nothing is
scanned. `-` scans stdin.

{}

Examples:
  keysmith apikey scan .
  keysmith apikey scan src config.yaml --json
  git diff --cached | keysmith apikey scan -",
        Status::help("no key found, and every file read", "keys found (whatever could not be read)")))]
    Scan(ScanArgs),
}

#[derive(Debug, clap::Args)]
struct NewArgs {
    /// The key prefix: a-z, 0-9 and '_', starting with a letter, at most 32
    /// characters (the '_' after it is added).
    #[arg(long, value_name = "PREFIX", default_value = "key")]
    prefix: String,

    /// The number of random base62 characters in the body (30 to 256).
    #[arg(long, value_name = "N", conflicts_with = "bits")]
    length: Option<usize>,

    #[command(flatten)]
    target: EntropyTarget,

    #[command(flatten)]
    generated: Generated,
}

#[derive(Debug, clap::Args)]
// Nothing printed and JSON printed cannot both be asked for.
#[command(mut_arg("quiet", |quiet| quiet.conflicts_with("json")))]
struct CheckArgs {
    /// The key, or `-` to read it from stdin (surrounding whitespace is
    /// ignored).
    #[arg(value_name = "KEY")]
    key: String,

    #[command(flatten)]
    format: Format,

    #[command(flatten)]
    answer: Answer,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Files or directories to scan; `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    format: Format,
}

pub(crate) fn run(args: ApikeyArgs) -> Result<Status, Failure> {
    match args.action {
        None => generate(args.new),
        Some(Action::New(a)) => generate(a),
        Some(Action::Check(a)) => check(a),
        Some(Action::Scan(a)) => scan(a),
    }
}

fn generate(args: NewArgs) -> Result<Status, Failure> {
    let mut spec = KeySpec::new(&args.prefix)?;
    if let Some(n) = args.length {
        spec = spec.with_body_len(n)?;
    }
    if let Some(b) = args.target.bits {
        spec = spec.with_bits(b)?;
    }
    let bits = spec.entropy_bits();
    args.generated.print_each(bits, |out| {
        let key = spec.generate();
        if out.is_json() {
            out.object(&serde_json::json!({
                "key": key.as_str(),
                "prefix": key.prefix(),
                "display_id": key.display_id(),
                "sha256": key.sha256_hex(),
                "entropy_bits": bits,
            }))
        } else {
            out.text(key.as_str())
        }
    })
}

/// The most `check` reads from stdin: keys are short.
const MAX_KEY_INPUT: u64 = 64 * 1024;

fn check(args: CheckArgs) -> Result<Status, Failure> {
    let input = if args.key == "-" {
        let buf =
            crate::input::read_input(Path::new("-"), Some((MAX_KEY_INPUT, "check reads one key")))?;
        // Not UTF-8 is simply not a key; the check below says so.
        String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    } else {
        args.key
    };
    let key = input.trim();
    let result = apikey::check(key);
    if !args.answer.quiet {
        let mut out = Output::new(args.format.json);
        match (&result, args.format.json) {
            (Ok(()), false) => out.text("valid")?,
            (Err(why), false) => out.text(&why.to_string())?,
            (Ok(()), true) => {
                let key = ApiKey::parse(key)?;
                out.object(&serde_json::json!({
                    "valid": true,
                    "prefix": key.prefix(),
                    "display_id": key.display_id(),
                    "sha256": key.sha256_hex(),
                }))?;
            }
            (Err(why), true) => {
                out.object(&serde_json::json!({ "valid": false, "reason": why.to_string() }))?;
            }
        }
        out.finish()?;
    }
    Ok(Status::answer(result.is_ok()))
}

/// Directories never descended into.
const SKIP_DIRS: [&str; 3] = [".git", ".hg", ".svn"];

/// How much of a file is inspected for a NUL byte to call it binary.
const BINARY_PROBE: usize = 8 * 1024;

fn scan(args: ScanArgs) -> Result<Status, Failure> {
    // Every path must exist before anything is printed: a typo is bad
    // input (exit 2), not a clean scan.
    for p in &args.paths {
        if p.as_os_str() != "-"
            && let Err(e) = std::fs::metadata(p)
        {
            return Err(Failure::usage(format!(
                "cannot read '{}': {}",
                p.display(),
                io_reason(&e)
            )));
        }
    }
    let mut scanner = Scanner {
        out: Output::new(args.format.json),
        found: 0,
        skipped: 0,
    };
    for p in &args.paths {
        if p.as_os_str() == "-" {
            scanner.reader(Path::new("<stdin>"), std::io::stdin().lock())?;
        } else if p.is_dir() {
            scanner.dir(p)?;
        } else {
            scanner.file(p)?;
        }
    }
    let status = scanner.status();
    scanner.out.finish()?;
    Ok(status)
}

struct Scanner {
    out: Output,
    /// Keys reported.
    found: u64,
    /// Files, directories or entries that could not be read.
    skipped: u64,
}

impl Scanner {
    /// A key found is a finding whatever else happened; "none found" is
    /// only an answer when nothing was left unread.
    fn status(&self) -> Status {
        if self.found > 0 {
            Status::No
        } else if self.skipped > 0 {
            Status::Trouble
        } else {
            Status::Yes
        }
    }

    /// Reports what could not be read and counts it.
    fn skip(&mut self, msg: &str) {
        self.skipped += 1;
        warn(msg);
    }

    fn unreadable(&mut self, path: &Path, e: &std::io::Error) {
        self.skip(&format!(
            "cannot read '{}': {}; skipped",
            path.display(),
            io_reason(e)
        ));
    }

    fn dir(&mut self, dir: &Path) -> Result<(), Failure> {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.skip(&format!(
                    "cannot read directory '{}': {}; skipped",
                    dir.display(),
                    io_reason(&e)
                ));
                return Ok(());
            }
        };
        let mut entries: Vec<_> = entries
            .filter_map(|entry| match entry {
                Ok(entry) => Some(entry),
                Err(e) => {
                    self.skip(&format!(
                        "cannot read directory '{}': {}; entry skipped",
                        dir.display(),
                        io_reason(&e)
                    ));
                    None
                }
            })
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            // The entry's own type: a symbolic link is a link, not what it
            // points at, so links are never followed (no loops).
            let Ok(kind) = entry.file_type() else {
                self.skip(&format!("cannot stat '{}'; skipped", path.display()));
                continue;
            };
            if kind.is_dir() {
                if !SKIP_DIRS.iter().any(|s| entry.file_name() == *s) {
                    self.dir(&path)?;
                }
            } else if kind.is_file() {
                self.file(&path)?;
            }
        }
        Ok(())
    }

    fn file(&mut self, path: &Path) -> Result<(), Failure> {
        match File::open(path) {
            Ok(f) => self.reader(path, f),
            Err(e) => {
                self.unreadable(path, &e);
                Ok(())
            }
        }
    }

    fn reader(&mut self, path: &Path, mut r: impl Read) -> Result<(), Failure> {
        let mut head = Vec::with_capacity(BINARY_PROBE);
        if let Err(e) = (&mut r).take(BINARY_PROBE as u64).read_to_end(&mut head) {
            self.unreadable(path, &e);
            return Ok(());
        }
        if head.contains(&0) {
            return Ok(());
        }
        let mut lines = BufReader::new(std::io::Cursor::new(head).chain(r));
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => {
                    self.unreadable(path, &e);
                    return Ok(());
                }
            }
            number += 1;
            for found in apikey::find_keys_in_bytes(&line) {
                self.report(path, number, found.column, &found.key)?;
            }
        }
    }

    fn report(
        &mut self,
        path: &Path,
        line: usize,
        column: usize,
        key: &ApiKey,
    ) -> Result<(), Failure> {
        self.found += 1;
        if self.out.is_json() {
            self.out.object(&serde_json::json!({
                "file": path.display().to_string(),
                "line": line,
                "column": column,
                "prefix": key.prefix(),
                "display_id": key.display_id(),
                "sha256": key.sha256_hex(),
            }))
        } else {
            self.out.text(&format!(
                "{}:{line}: {} {} (id {})",
                path.display(),
                key.prefix(),
                key.redacted(),
                key.display_id()
            ))
        }
    }
}
