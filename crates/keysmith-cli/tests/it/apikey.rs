//! `keysmith apikey`: generate, check and scan.

use crate::common;

use common::{keysmith, lines, rejects, stdout_of};
use keysmith::apikey::{ApiKey, is_well_formed};
use std::path::{Path, PathBuf};

fn body_of(key: &str) -> &str {
    &key[key.rfind('_').unwrap() + 1..]
}

// ---- generate ----------------------------------------------------------------

#[test]
fn generates_a_valid_key_with_the_default_prefix() {
    let out = stdout_of(&["apikey"]);
    let key = out.trim_end();
    assert_eq!(lines(&out).len(), 1);
    assert!(key.starts_with("key_"), "{key}");
    assert_eq!(key.len(), 4 + 30 + 6);
    assert!(is_well_formed(key));
}

#[test]
fn prefix_count_and_new_subcommand() {
    let out = stdout_of(&["apikey", "--prefix", "sk_live", "-n", "5"]);
    let mut keys = lines(&out);
    assert_eq!(keys.len(), 5);
    for k in &keys {
        assert_eq!(ApiKey::parse(k).unwrap().prefix(), "sk_live");
    }
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 5);

    let out = stdout_of(&["apikey", "new", "--prefix", "ghp"]);
    assert!(out.starts_with("ghp_") && is_well_formed(out.trim_end()));
}

#[test]
fn length_and_bits_set_the_body() {
    let out = stdout_of(&["apikey", "--prefix", "sk", "--length", "40"]);
    assert_eq!(ApiKey::parse(out.trim_end()).unwrap().body_len(), 40);
    let out = stdout_of(&["apikey", "--prefix", "sk", "--bits", "256"]);
    assert_eq!(ApiKey::parse(out.trim_end()).unwrap().body_len(), 43);
    let out = stdout_of(&["apikey", "--prefix", "sk", "--bits", "64"]);
    assert_eq!(ApiKey::parse(out.trim_end()).unwrap().body_len(), 30);
    // 40 characters carry 238.17 bits: a target just above needs 41.
    let out = stdout_of(&["apikey", "--prefix", "sk", "--bits", "238.5"]);
    assert_eq!(ApiKey::parse(out.trim_end()).unwrap().body_len(), 41);
}

#[test]
fn json_has_every_field() {
    let out = stdout_of(&["apikey", "--prefix", "sk_test", "--json", "-n", "2"]);
    assert_eq!(lines(&out).len(), 2);
    for line in lines(&out) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = ApiKey::parse(v["key"].as_str().unwrap()).unwrap();
        assert_eq!(v["prefix"], "sk_test");
        assert_eq!(v["display_id"], key.display_id());
        assert_eq!(v["sha256"], key.sha256_hex());
        let bits = v["entropy_bits"].as_f64().unwrap();
        assert!((bits - 178.6).abs() < 0.05, "{bits}");
    }
}

#[test]
fn entropy_goes_to_stderr_once() {
    let out = keysmith()
        .args(["apikey", "-n", "3", "--entropy", "--length", "31"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(lines(std::str::from_utf8(&out.stdout).unwrap()).len(), 3);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "entropy: 184.58 bits\n"
    );
}

#[test]
fn generate_bad_input() {
    rejects(&["apikey", "--prefix", "Sk_live"], "'Sk_live'");
    rejects(&["apikey", "--prefix", ""], "must not be empty");
    rejects(&["apikey", "--prefix", "9k"], "start with a letter");
    rejects(&["apikey", "--prefix", "sk-live"], "only a-z, 0-9 and '_'");
    rejects(&["apikey", "--prefix", "sk_"], "must not end with '_'");
    rejects(&["apikey", "--prefix", &"a".repeat(33)], "longer than 32");
    rejects(&["apikey", "--length", "29"], "(29)");
    rejects(&["apikey", "--length", "257"], "(257)");
    rejects(&["apikey", "--length", "x"], "'x'");
    rejects(&["apikey", "--bits", "5000"], "5000 bits");
    rejects(&["apikey", "--bits", "-1"], "-1");
    rejects(&["apikey", "--bits", "NaN"], "NaN");
    rejects(&["apikey", "--bits", "many"], "'many'");
    rejects(&["apikey", "--length", "40", "--bits", "128"], "--bits");
    rejects(&["apikey", "-n", "0"], "count must be at least 1");
    rejects(&["apikey", "--prefix", "sk", "check", "x"], "check");
    rejects(&["apikey", "frobnicate"], "frobnicate");
}

// ---- check -------------------------------------------------------------------

fn new_key(prefix: &str) -> String {
    stdout_of(&["apikey", "--prefix", prefix])
        .trim_end()
        .to_owned()
}

fn with_bad_checksum(key: &str) -> String {
    let mut k = key.to_owned();
    let last = k.pop().unwrap();
    k.push(if last == 'a' { 'b' } else { 'a' });
    k
}

#[test]
fn check_accepts_a_valid_key_from_argv_and_stdin() {
    let key = new_key("sk_live");
    assert_eq!(stdout_of(&["apikey", "check", &key]), "valid\n");
    keysmith()
        .args(["apikey", "check", "-"])
        .write_stdin(format!("{key}\n"))
        .assert()
        .success()
        .stdout("valid\n");
    keysmith()
        .args(["apikey", "check", "-", "--quiet"])
        .write_stdin(format!("  {key}\r\n"))
        .assert()
        .success()
        .stdout("");
}

#[test]
fn check_rejects_a_bad_checksum_without_echoing_the_key() {
    let bad = with_bad_checksum(&new_key("sk_live"));
    let out = keysmith()
        .args(["apikey", "check", &bad])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "bad checksum\n");
    assert!(out.stderr.is_empty());
    keysmith()
        .args(["apikey", "check", "-q", "-"])
        .write_stdin(bad)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn check_explains_malformed_keys() {
    let key = new_key("sk_live");
    let body = body_of(&key).to_owned();
    for (input, why) in [
        (body.clone(), "malformed: no '_'"),
        (format!("SK_{body}"), "malformed: the prefix may only have"),
        (
            format!("sk_live_{}", &body[..20]),
            "malformed: the part after the last '_' has 20",
        ),
        (
            format!("sk_live_{}!", &body[..35]),
            "malformed: the body may only have base62",
        ),
        (String::new(), "malformed: no '_'"),
    ] {
        let out = keysmith()
            .args(["apikey", "check", "-"])
            .write_stdin(input.clone())
            .assert()
            .code(1)
            .get_output()
            .clone();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with(why), "{input:?}: {text:?}");
        assert_eq!(lines(&text).len(), 1);
        assert!(!text.contains(&body[..20]), "echoed the key: {text}");
    }
    // Bytes that are not UTF-8 are not a key either.
    keysmith()
        .args(["apikey", "check", "-"])
        .write_stdin(b"sk_\xff\xfe".to_vec())
        .assert()
        .code(1);
}

#[test]
fn check_json() {
    let key = new_key("svc");
    let out = keysmith()
        .args(["apikey", "check", "--json", "-"])
        .write_stdin(key.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let parsed = ApiKey::parse(&key).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["prefix"], "svc");
    assert_eq!(v["display_id"], parsed.display_id());
    assert_eq!(v["sha256"], parsed.sha256_hex());
    assert!(!String::from_utf8_lossy(&out).contains(body_of(&key)));

    let out = keysmith()
        .args(["apikey", "check", "--json", &with_bad_checksum(&key)])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"valid": false, "reason": "bad checksum"})
    );
}

#[test]
fn check_bad_input() {
    rejects(&["apikey", "check"], "KEY");
    rejects(&["apikey", "check", "a", "b"], "'b'");
    rejects(&["apikey", "check", "--json", "--quiet", "x"], "--quiet");
    let big = "k".repeat(70 * 1024);
    let out = keysmith()
        .args(["apikey", "check", "-"])
        .write_stdin(big)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("larger than 64 KiB")
    );
}

/// 0 valid, 1 invalid, 2 trouble: an invalid key is an answer, a bad
/// flag or unreadable input is not.
#[test]
fn check_exit_statuses() {
    let key = new_key("sk_live");
    keysmith()
        .args(["apikey", "check", "-q", "-"])
        .write_stdin(key.clone())
        .assert()
        .code(0);
    keysmith()
        .args(["apikey", "check", "-q", "-"])
        .write_stdin(with_bad_checksum(&key))
        .assert()
        .code(1);
    rejects(&["apikey", "check", "--nope", "-"], "'--nope'");
}

// ---- scan --------------------------------------------------------------------

/// A directory tree that is removed when dropped.
struct TempTree(PathBuf);

impl TempTree {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("keysmith-scan-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempTree(dir)
    }

    fn write(&self, rel: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scan(args: &[&str]) -> (i32, String, String) {
    let out = keysmith()
        .arg("apikey")
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn scan_finds_keys_in_a_tree_and_never_prints_them() {
    let tree = TempTree::new("tree");
    let k1 = new_key("sk_live");
    let k2 = new_key("ghp");
    let k3 = new_key("my_org");
    let secret_bodies = [body_of(&k1), body_of(&k2), body_of(&k3)];

    tree.write("a.txt", format!("hello\nAPI_KEY={k1}\n").as_bytes());
    tree.write(
        "nested/deep/config.env",
        format!("# two on one line\n\nkeys = [\"{k2}\", \"{k3}\"]\n").as_bytes(),
    );
    // Looks like keys, checksums do not match.
    tree.write(
        "nested/noise.txt",
        format!(
            "{}\nsk_live_abcdefghijklmnopqrstuvwxyz0123456789\n{k1}X\n",
            with_bad_checksum(&k1)
        )
        .as_bytes(),
    );
    // Skipped: version-control metadata and binary files.
    tree.write(".git/config", k1.as_bytes());
    let mut binary = b"\x7fELF\0\0".to_vec();
    binary.extend_from_slice(k2.as_bytes());
    tree.write("bin/tool", &binary);
    // A symbolic link loop is not followed.
    #[cfg(unix)]
    std::os::unix::fs::symlink(tree.path(), tree.path().join("nested/loop")).unwrap();

    let (code, out, err) = scan(&[tree.s()]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err, "");
    let root = tree.s();
    let id = |k: &str| ApiKey::parse(k).unwrap().display_id();
    assert_eq!(
        lines(&out),
        vec![
            format!("{root}/a.txt:2: sk_live sk_live_******** (id {})", id(&k1)),
            format!(
                "{root}/nested/deep/config.env:3: ghp ghp_******** (id {})",
                id(&k2)
            ),
            format!(
                "{root}/nested/deep/config.env:3: my_org my_org_******** (id {})",
                id(&k3)
            ),
        ]
    );
    for body in secret_bodies {
        assert!(!out.contains(&body[..10]), "a key body was printed: {out}");
    }

    // JSON: one object per key.
    let (code, out, _) = scan(&["--json", tree.s()]);
    assert_eq!(code, 1);
    let v: Vec<serde_json::Value> = lines(&out)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v.len(), 3);
    assert_eq!(v[1]["line"], 3);
    assert_eq!(v[1]["column"], 10);
    assert_eq!(v[1]["prefix"], "ghp");
    assert_eq!(v[1]["sha256"], ApiKey::parse(&k2).unwrap().sha256_hex());
    assert!(v[1]["file"].as_str().unwrap().ends_with("config.env"));
    for body in secret_bodies {
        assert!(!out.contains(&body[..10]));
    }
}

#[test]
fn scan_of_clean_files_exits_zero() {
    let tree = TempTree::new("clean");
    let noise = with_bad_checksum(&new_key("sk_live"));
    let file = tree.write("src/main.rs", format!("let k = \"{noise}\";\n").as_bytes());
    let (code, out, err) = scan(&[tree.s(), file.to_str().unwrap()]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn scan_files_and_stdin() {
    let tree = TempTree::new("files");
    let key = new_key("sk_live");
    let f = tree.write("leak.log", format!("x\ny\n{key} z\n").as_bytes());
    let (code, out, _) = scan(&[f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("{}:3: sk_live ", f.display())),
        "{out}"
    );

    keysmith()
        .args(["apikey", "scan", "-"])
        .write_stdin(format!("diff\n+token: {key}\n"))
        .assert()
        .code(1)
        .stdout(predicates::str::starts_with(
            "<stdin>:2: sk_live sk_live_******** (id ",
        ));
    keysmith()
        .args(["apikey", "scan", "-"])
        .write_stdin("nothing here\n")
        .assert()
        .success()
        .stdout("");
}

#[cfg(unix)]
#[test]
fn scan_warns_about_unreadable_files_and_gives_no_all_clear() {
    use std::os::unix::fs::PermissionsExt;
    let tree = TempTree::new("unreadable");
    let key = new_key("sk_live");
    let locked = tree.write("a-locked.txt", key.as_bytes());
    tree.write("b-open.txt", key.as_bytes());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (unreadable, args) = if std::fs::read(&locked).is_err() {
        ("a-locked.txt", vec![tree.s()])
    } else if cfg!(target_os = "linux") {
        // Running as root, where permissions do not stop reading: a file
        // that opens but fails on read instead.
        std::fs::remove_file(&locked).unwrap();
        ("/proc/self/mem", vec!["/proc/self/mem", tree.s()])
    } else {
        return;
    };
    let (code, out, err) = scan(&args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines(&out).len(), 1, "{out}");
    assert!(out.contains("b-open.txt"));
    assert!(
        err.contains("warning: cannot read") && err.contains(unreadable),
        "{err}"
    );
    assert!(!err.contains(body_of(&key)));

    // Without the key, nothing is found, but not everything was read:
    // trouble, not an all-clear.
    tree.write("b-open.txt", b"nothing to see\n");
    let (code, out, err) = scan(&args);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(err.contains(unreadable), "{err}");
}

/// A file that cannot be read, whoever runs the test: a file without
/// permissions, or where permissions do not stop reading (root), one that
/// opens but fails on read. `None` where there is neither.
#[cfg(unix)]
fn unreadable_file(tree: &TempTree) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let locked = tree.write("locked.txt", b"nothing\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        return Some(locked);
    }
    std::fs::remove_file(&locked).unwrap();
    cfg!(target_os = "linux").then(|| PathBuf::from("/proc/self/mem"))
}

/// 0 no key found, 1 keys found, 2 trouble: a clean answer needs every
/// file read, and a missing path is bad input.
#[cfg(unix)]
#[test]
fn scan_exit_statuses() {
    let tree = TempTree::new("statuses");
    let clean = tree.write("clean.txt", b"nothing to see\n");
    let (code, out, err) = scan(&[clean.to_str().unwrap()]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    let key = new_key("sk_live");
    let leak = tree.write("leak.txt", format!("{key}\n").as_bytes());
    let (code, out, _) = scan(&[clean.to_str().unwrap(), leak.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(lines(&out).len(), 1);

    let Some(unreadable) = unreadable_file(&tree) else {
        return;
    };
    let unreadable = unreadable.to_str().unwrap();
    // Nothing found, but not everything read: no all-clear.
    let (code, out, err) = scan(&[clean.to_str().unwrap(), unreadable]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("warning: cannot read") && err.contains(unreadable),
        "{err}"
    );
    // A key found is a finding, whatever else could not be read.
    let (code, out, _) = scan(&[unreadable, leak.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(lines(&out).len(), 1);

    rejects(
        &["apikey", "scan", "/nonexistent/keysmith-scan"],
        "/nonexistent",
    );
}

#[test]
fn scan_bad_input() {
    rejects(&["apikey", "scan"], "PATH");
    rejects(
        &["apikey", "scan", "/nonexistent/keysmith-dir"],
        "cannot read '/nonexistent/keysmith-dir': No such file or directory",
    );
    // A missing path is bad input even next to a good one: nothing is
    // scanned or printed.
    let tree = TempTree::new("missing");
    tree.write("a.txt", new_key("sk").as_bytes());
    rejects(
        &["apikey", "scan", tree.s(), "/nonexistent/x"],
        "'/nonexistent/x'",
    );
}
