//! The `keysmith` binary, run the way a user runs it.

use crate::common;

use common::{
    LIST_LIMIT, keysmith, lines, rejects, rejects_endless, run_with_stdin_file, sparse_tempfile,
    stdout_of, tempfile_with,
};
use predicates::prelude::*;
use std::io::Write;

// ---- token ----------------------------------------------------------------

#[test]
fn token_defaults_to_32_bytes_urlsafe() {
    let out = stdout_of(&["token"]);
    let t = out.trim_end();
    assert_eq!(t.len(), 43);
    assert!(
        t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[test]
fn token_formats() {
    let hex = stdout_of(&["token", "16", "--hex"]);
    assert_eq!(hex.trim_end().len(), 32);
    assert!(
        hex.trim_end()
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    let b64 = stdout_of(&["token", "16", "--base64"]);
    assert_eq!(b64.trim_end().len(), 24);
    assert!(b64.trim_end().ends_with("=="));

    let url = stdout_of(&["token", "16", "--urlsafe"]);
    assert_eq!(url.trim_end().len(), 22);

    let raw = keysmith().args(["token", "48", "--raw"]).assert().success();
    assert_eq!(raw.get_output().stdout.len(), 48);
    let raw = keysmith()
        .args(["token", "8", "--raw", "-n", "3"])
        .assert()
        .success();
    assert_eq!(raw.get_output().stdout.len(), 24);
}

#[test]
fn token_count_and_json() {
    let out = stdout_of(&["token", "--hex", "-n", "5"]);
    let ls = lines(&out);
    assert_eq!(ls.len(), 5);
    let mut unique = ls.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 5);

    let out = stdout_of(&["token", "--json", "--count", "2"]);
    for line in lines(&out) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["value"].as_str().unwrap().len(), 43);
    }
}

#[test]
fn token_bad_input() {
    rejects(&["token", "-3"], "-3");
    rejects(&["token", "lots"], "'lots'");
    // Held in memory: a mistyped size is refused, not an allocation failure.
    rejects(&["token", "1000000000000"], "'1000000000000'");
    rejects(&["token", "1048577", "--raw"], "at most 1048576 bytes");
    let raw = keysmith()
        .args(["token", "1048576", "--raw"])
        .assert()
        .success();
    assert_eq!(raw.get_output().stdout.len(), 1 << 20);
    rejects(&["token", "--raw", "--json"], "--json");
    rejects(&["token", "--hex", "--base64"], "--base64");
    rejects(&["token", "-n", "0"], "count must be at least 1");
    rejects(&["token", "-n", "x"], "'x'");
}

// ---- randbelow / randbits -------------------------------------------------

#[test]
fn randbelow_stays_below_and_covers_the_range() {
    let out = stdout_of(&["randbelow", "3", "-n", "300"]);
    let mut seen = [0u32; 3];
    for l in lines(&out) {
        seen[l.parse::<usize>().unwrap()] += 1;
    }
    // Each value is expected 100 times; fewer than 40 has probability < 1e-12.
    assert!(seen.iter().all(|&c| c > 40), "{seen:?}");
}

#[test]
fn randbelow_takes_bounds_of_any_size() {
    let n = "340282366920938463463374607431768211457"; // 2^128 + 1
    let bound: keysmith::BigUint = n.parse().unwrap();
    for l in lines(&stdout_of(&["randbelow", n, "-n", "20"])) {
        assert!(l.parse::<keysmith::BigUint>().unwrap() < bound);
    }
    assert_eq!(stdout_of(&["randbelow", "1"]), "0\n");
    let out = stdout_of(&["randbelow", n, "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert!(
        v["value"]
            .as_str()
            .unwrap()
            .parse::<keysmith::BigUint>()
            .unwrap()
            < bound
    );
}

#[test]
fn randbelow_bad_input() {
    rejects(&["randbelow", "0"], "upper bound must be positive");
    rejects(&["randbelow", "-5"], "upper bound must be positive");
    rejects(&["randbelow", "abc"], "'abc'");
    rejects(&["randbelow", "1.5"], "'1.5'");
    rejects(&["randbelow"], "<N>");
}

#[test]
fn randbits_sizes() {
    assert_eq!(stdout_of(&["randbits", "0"]), "0\n");
    for l in lines(&stdout_of(&["randbits", "4", "-n", "50"])) {
        assert!(l.parse::<u8>().unwrap() < 16);
    }
    let limit = keysmith::BigUint::from(1u32) << 300u32;
    for l in lines(&stdout_of(&["randbits", "300", "-n", "5"])) {
        assert!(l.parse::<keysmith::BigUint>().unwrap() < limit);
    }
    rejects(&["randbits", "-1"], "must not be negative");
    rejects(&["randbits", "ten"], "'ten'");
    rejects(&["randbits", "99999999999999999999999"], "at most");
}

// ---- choice / sample / shuffle ---------------------------------------------

#[test]
fn choice_picks_from_the_items() {
    for l in lines(&stdout_of(&["choice", "red", "green", "blue", "-n", "30"])) {
        assert!(["red", "green", "blue"].contains(&l));
    }
    let out = stdout_of(&["choice", "only one", "--json"]);
    assert_eq!(out, "{\"value\":\"only one\"}\n");
}

#[test]
fn items_from_a_file_and_stdin() {
    let dir = std::env::temp_dir().join(format!("keysmith-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("words.txt");
    std::fs::write(&path, "alpha\r\n\nbeta\n  \ngamma").unwrap();
    let p = path.to_str().unwrap();
    for l in lines(&stdout_of(&["choice", "--file", p, "-n", "20"])) {
        assert!(["alpha", "beta", "gamma"].contains(&l), "{l:?}");
    }
    let out = keysmith()
        .args(["shuffle", "--file", "-", "--separator", ","])
        .write_stdin("x\ny\nz\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut got: Vec<String> = String::from_utf8(out)
        .unwrap()
        .trim_end()
        .split(',')
        .map(str::to_owned)
        .collect();
    got.sort();
    assert_eq!(got, ["x", "y", "z"]);
    // Arguments and file together.
    let out = stdout_of(&["shuffle", "delta", "--file", p, "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sample_gives_k_distinct_items() {
    for l in lines(&stdout_of(&[
        "sample", "3", "a", "b", "c", "d", "e", "-n", "20",
    ])) {
        let mut items: Vec<&str> = l.split(' ').collect();
        assert_eq!(items.len(), 3);
        items.sort_unstable();
        items.dedup();
        assert_eq!(items.len(), 3, "{l}");
    }
    assert_eq!(stdout_of(&["sample", "0", "a"]), "\n");
    let out = stdout_of(&["sample", "2", "a", "b", "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
}

#[test]
fn shuffle_is_a_permutation() {
    let out = stdout_of(&["shuffle", "1", "2", "3", "4", "5", "-n", "10"]);
    let ls = lines(&out);
    assert_eq!(ls.len(), 10);
    for l in ls {
        let mut items: Vec<&str> = l.split(' ').collect();
        items.sort_unstable();
        assert_eq!(items, ["1", "2", "3", "4", "5"]);
    }
}

#[test]
fn items_bad_input() {
    rejects(&["choice"], "cannot choose from an empty sequence");
    rejects(&["shuffle"], "cannot choose from an empty sequence");
    rejects(&["sample", "3", "a", "b"], "sample larger than population");
    rejects(&["sample", "-1", "a"], "must not be negative");
    rejects(&["sample", "two", "a"], "'two'");
    rejects(
        &["choice", "--file", "/nonexistent/keysmith-items"],
        "/nonexistent/keysmith-items",
    );

    let mut f = tempfile_with(b"good\n\xff\xfe bad\n");
    f.flush().unwrap();
    rejects(
        &["choice", "--file", f.path_str()],
        "not valid UTF-8 (line 2)",
    );
    keysmith()
        .args(["choice", "--file", "-"])
        .write_stdin(&b"\xc3\x28\n"[..])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid UTF-8"));
}

/// `--file` reads at most 64 MiB: a file of exactly that size is used,
/// one byte more is refused by every command that takes `--file`.
#[test]
fn item_files_are_read_up_to_64_mib() {
    // Items "a", "b" and one of NUL bytes up to the limit.
    let mut exact = b"a\nb\n".to_vec();
    exact.resize(LIST_LIMIT as usize, 0);
    let f = tempfile_with(&exact);
    let out = stdout_of(&["shuffle", "--file", f.path_str(), "--separator", ","]);
    let mut items: Vec<&str> = out.trim_end_matches('\n').split(',').collect();
    items.sort_unstable();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1..], ["a", "b"]);
    assert!(items[0].len() == LIST_LIMIT as usize - 4 && items[0].bytes().all(|b| b == 0));
    drop(f);

    let big = sparse_tempfile(LIST_LIMIT + 1);
    let needle = format!("'{}' is larger than 64 MiB", big.path_str());
    for cmd in [&["choice"][..], &["sample", "1"], &["shuffle"]] {
        let args = [cmd, &["--file", big.path_str()]].concat();
        rejects(&args, &needle);
    }
}

#[cfg(unix)]
#[test]
fn endless_item_files_are_refused() {
    for cmd in [&["choice"][..], &["sample", "1"], &["shuffle"]] {
        let args = [cmd, &["--file", "/dev/zero"]].concat();
        rejects_endless(&args, "'/dev/zero' is larger than 64 MiB");
    }
}

#[test]
fn item_stdin_is_read_no_further_than_the_limit() {
    let input = sparse_tempfile(LIST_LIMIT + (1 << 20));
    let (out, read) = run_with_stdin_file(&["shuffle", "--file", "-"], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "keysmith: stdin is larger than 64 MiB: items are held in memory\n"
    );
    assert_eq!(read, LIST_LIMIT + 1, "bytes read from stdin");
}

#[test]
fn help_states_the_input_limits() {
    for cmd in [&["choice"][..], &["sample"], &["shuffle"]] {
        let help = stdout_of(&[cmd, &["--help"]].concat());
        assert!(
            help.contains("(`-` for stdin), at most 64 MiB"),
            "{cmd:?}: {help}"
        );
    }
    let help = stdout_of(&["passphrase", "--help"]);
    assert!(help.contains("at most 64 MiB"), "{help}");
    assert!(help.contains("77.5"), "{help}");
}

// ---- compare --------------------------------------------------------------

#[test]
fn compare_exits_0_when_equal() {
    let stored = tempfile_with(b"s3cret-token\n");
    let same = tempfile_with(b"s3cret-token");
    keysmith()
        .args(["compare", stored.path_str(), same.path_str()])
        .assert()
        .code(0)
        .stdout("equal\n");
    keysmith()
        .args(["compare", "--quiet", stored.path_str(), "-"])
        .write_stdin("s3cret-token\n")
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn compare_exits_1_when_different() {
    let stored = tempfile_with(b"s3cret-token\n");
    let other = tempfile_with(b"s3cret-tokeN\n");
    keysmith()
        .args(["compare", stored.path_str(), other.path_str()])
        .assert()
        .code(1)
        .stdout("different\n")
        .stderr("");
    // With --exact the trailing newline counts.
    let bare = tempfile_with(b"s3cret-token");
    keysmith()
        .args([
            "compare",
            "--exact",
            "-q",
            stored.path_str(),
            bare.path_str(),
        ])
        .assert()
        .code(1)
        .stdout("");
}

/// Trouble is 2, never 1: a missing file is no "different".
#[test]
fn compare_exits_2_on_trouble() {
    let stored = tempfile_with(b"s3cret-token\n");
    rejects(
        &[
            "compare",
            stored.path_str(),
            "/nonexistent/keysmith-presented",
        ],
        "cannot open '/nonexistent/keysmith-presented': No such file or directory",
    );
    rejects(
        &[
            "compare",
            "/nonexistent/keysmith-stored",
            "-q",
            stored.path_str(),
        ],
        "/nonexistent/keysmith-stored",
    );
    rejects(&["compare", "-", "-"], "only one of FILE_A and FILE_B");
    rejects(&["compare", "--nope", "a", "b"], "'--nope'");
}

// ---- bytes ----------------------------------------------------------------

#[test]
fn bytes_writes_exactly_size_bytes() {
    for (arg, n) in [
        ("0", 0usize),
        ("64", 64),
        ("10K", 10 * 1024),
        ("1KB", 1000),
        ("1MiB", 1 << 20),
    ] {
        let out = keysmith().args(["bytes", arg]).assert().success();
        assert_eq!(out.get_output().stdout.len(), n, "bytes {arg}");
    }
    let out = keysmith().args(["bytes", "200K"]).assert().success();
    let data = &out.get_output().stdout;
    // 1,638,400 bits: the share of ones is within 1% of half with
    // probability 1 - 1e-150.
    let ones: u64 = data.iter().map(|b| u64::from(b.count_ones())).sum();
    let half = (data.len() * 4) as f64;
    assert!((ones as f64 - half).abs() < half * 0.01);
}

#[test]
fn bytes_bad_input() {
    rejects(&["bytes", "10X"], "unknown size suffix 'X'");
    rejects(&["bytes", "1.5G"], "'1.5G'");
    rejects(&["bytes", "-1"], "'-1'");
    rejects(&["bytes", "big"], "'big'");
    rejects(&["bytes", "99999999999T"], "too large");
}

#[test]
fn bytes_ends_quietly_when_the_reader_goes_away() {
    // like `| head -c 10`
    ends_quietly_when_the_reader_leaves(&["bytes", "1G"], 10);
}

/// Runs keysmith with `args`, reads `take` bytes of its output and closes
/// the pipe: keysmith must then end with success and print nothing.
fn ends_quietly_when_the_reader_leaves(args: &[&str], take: usize) {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("keysmith"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = vec![0u8; take];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {:?}", out.status);
    assert!(
        out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_end_quietly_on_a_closed_pipe_and_fail_on_a_full_disk() {
    // The reader is gone before anything is written.
    ends_quietly_when_the_reader_leaves(&["completions", "zsh"], 0);

    fails_on_a_full_disk(&["completions", "bash"]);
}

/// Runs keysmith with `args` writing to /dev/full (where there is one):
/// a runtime failure, exit 2 (trouble, as for bad input), in one line.
fn fails_on_a_full_disk(args: &[&str]) {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("keysmith"))
        .args(args)
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("keysmith: cannot write output:"), "{err}");
}

#[cfg(unix)]
#[test]
fn invalid_utf8_arguments_are_named() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bad = OsStr::from_bytes(b"b\xffc");
    let one_line = |args: &[&OsStr], needle: &str, hidden: &str| {
        let out = keysmith().args(args).assert().code(2).get_output().clone();
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
        assert!(!err.contains(hidden), "{err:?} shows {hidden:?}");
    };
    let s = OsStr::new;
    one_line(
        &[s("choice"), s("a"), bad, s("d")],
        "argument 3 is not valid UTF-8: 'b\\xffc'",
        "panicked",
    );
    // Where the argument may be a secret, only its position is given.
    let secret = OsStr::from_bytes(b"JBSWY3DP\xff");
    one_line(
        &[s("totp"), s("code"), s("--secret"), secret],
        "argument 4 is not valid UTF-8",
        "JBSWY3DP",
    );
    let key = OsStr::from_bytes(b"sk_live_abc\xff");
    one_line(
        &[s("apikey"), s("check"), key],
        "argument 3 is not valid UTF-8",
        "sk_live_abc",
    );
}

#[test]
fn help_has_examples_for_every_command() {
    let top = stdout_of(&["--help"]);
    assert!(top.contains("Examples:"));
    for cmd in [
        "token",
        "randbelow",
        "randbits",
        "choice",
        "sample",
        "shuffle",
        "bytes",
        "compare",
        "password",
        "passphrase",
        "otp",
        "totp",
        "hotp",
        "apikey",
        "reset-link",
        "completions",
    ] {
        assert!(top.contains(cmd), "top-level help lacks {cmd}");
        let help = stdout_of(&[cmd, "--help"]);
        assert!(help.contains("Examples:"), "{cmd} --help has no examples");
    }
    assert!(stdout_of(&["--version"]).starts_with("keysmith "));
}

/// The top-level help and that of every command that answers yes or no
/// say what each exit status means.
#[test]
fn help_states_the_exit_statuses() {
    let top = stdout_of(&["--help"]);
    assert!(top.contains("Exit status:\n  0  success; or yes"), "{top}");
    assert!(top.contains("\n  1  no, or a finding"), "{top}");
    assert!(top.contains("nothing else exits 1"), "{top}");
    assert!(
        top.contains("\n  2  trouble: bad input or a failure"),
        "{top}"
    );
    for (cmd, yes, no) in [
        (&["compare"][..], "equal", "different"),
        (&["apikey", "check"], "valid", "invalid"),
        (&["apikey", "scan"], "no key found", "keys found"),
    ] {
        let help = stdout_of(&[cmd, &["--help"]].concat());
        let statuses = format!("Exit status:\n  0  {yes}");
        assert!(help.contains(&statuses), "{cmd:?}: {help}");
        assert!(help.contains(&format!("\n  1  {no}")), "{cmd:?}: {help}");
        assert!(
            help.contains("\n  2  trouble: bad input or a failure"),
            "{cmd:?}: {help}"
        );
    }
}

/// Help asked for is a success; help shown for a missing command is
/// trouble, like any incomplete input.
#[test]
fn help_is_a_success_and_a_missing_command_is_trouble() {
    keysmith().arg("--help").assert().code(0);
    keysmith()
        .args(["apikey", "check", "--help"])
        .assert()
        .code(0);
    keysmith().arg("--version").assert().code(0);
    let out = keysmith().assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr).unwrap().contains("Usage:"));
    keysmith().arg("service-key").assert().code(2);
}

#[test]
fn unknown_commands_and_flags_are_one_line_errors() {
    rejects(&["frobnicate"], "'frobnicate'");
    rejects(&["token", "--nope"], "'--nope'");
}

#[test]
fn write_errors_are_runtime_failures() {
    // /dev/full accepts the open and fails every write with ENOSPC.
    fails_on_a_full_disk(&["token", "-n", "100000"]);
}

#[test]
fn both_sources_work() {
    for source in ["fast", "os"] {
        let out = stdout_of(&["--source", source, "token", "--hex", "-n", "3"]);
        assert_eq!(lines(&out).len(), 3);
        let out = stdout_of(&["randbelow", "10", "--source", source]);
        assert!(out.trim_end().parse::<u8>().unwrap() < 10);
    }
    let out = keysmith()
        .args(["--source", "os", "bytes", "100K"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout.len(), 100 * 1024);
    rejects(&["--source", "dice", "token"], "'dice'");
}

#[test]
fn parse_errors_leave_out_usage_and_tips() {
    for args in [
        &["token", "--hex", "--base64"][..],
        &["compare", "a"],
        &["sample"],
        &["token", "--frob"],
    ] {
        let out = keysmith().args(args).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            !err.contains("Usage") && !err.contains("tip:") && !err.contains("  "),
            "{err:?}"
        );
    }
}
