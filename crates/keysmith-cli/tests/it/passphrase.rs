//! `keysmith passphrase`, run the way a user runs it.

use crate::common;

use common::{
    LIST_LIMIT, keysmith, lines, rejects, rejects_endless, run_with_stdin_file, sparse_tempfile,
    stdout_of, tempfile_with,
};
use std::collections::HashSet;

fn entropy_of(args: &[&str]) -> f64 {
    let out = keysmith().args(args).arg("--entropy").assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("entropy: "))
        .unwrap_or_else(|| panic!("no entropy line in {err:?}"));
    line.trim_end_matches(" bits").parse().unwrap()
}

fn stderr_of(args: &[&str]) -> String {
    let out = keysmith().args(args).assert().success();
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

#[test]
fn default_is_six_eff_long_words() {
    let out = stdout_of(&["passphrase"]);
    let words: Vec<&str> = out.trim_end_matches('\n').split(' ').collect();
    assert_eq!(words.len(), 6, "{out:?}");
    assert!(
        words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    );
    let bits = entropy_of(&["passphrase"]);
    assert!((77.0..78.0).contains(&bits), "{bits}");
}

#[test]
fn count_gives_distinct_lines() {
    let out = stdout_of(&["passphrase", "-n", "20"]);
    let ls = lines(&out);
    assert_eq!(ls.len(), 20);
    assert_eq!(ls.iter().collect::<HashSet<_>>().len(), 20);
}

#[test]
fn json_has_value_and_entropy_bits() {
    let out = stdout_of(&["passphrase", "--json", "--count", "3", "--words", "4"]);
    for line in lines(&out) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let value = v["value"].as_str().unwrap();
        assert_eq!(value.split(' ').count(), 4);
        let bits = v["entropy_bits"].as_f64().unwrap();
        assert!((bits - 4.0 * 7776f64.log2()).abs() < 1e-9, "{bits}");
    }
}

#[test]
fn words_bits_and_lists() {
    let out = stdout_of(&["passphrase", "--words", "3", "--separator", "+"]);
    assert_eq!(out.trim_end().split('+').count(), 3);
    // eff-short1 has 1296 words: 100 bits need 10 of them.
    let out = stdout_of(&["passphrase", "--list", "eff-short1", "--bits", "100"]);
    assert_eq!(out.trim_end().split(' ').count(), 10);
    let bits = entropy_of(&["passphrase", "--list", "eff-short1", "--bits", "100"]);
    assert!((bits - 10.0 * 1296f64.log2()).abs() < 0.01, "{bits}");
    for name in ["eff-long", "eff-short2", "reinhold", "beale", "minilock"] {
        let out = stdout_of(&["passphrase", "--list", name, "--words", "2"]);
        assert_eq!(out.lines().count(), 1, "{name}");
    }
    let out = stdout_of(&[
        "passphrase",
        "--wordlist-name",
        "eff-short2",
        "--words",
        "2",
    ]);
    assert_eq!(out.trim_end().split(' ').count(), 2);
}

/// `--bits` takes what `password --bits` and `otp --bits` take: any
/// positive number, decimals included.
#[test]
fn bits_may_have_decimals() {
    // 6 eff-long words give 77.55 bits, 7 give 90.47.
    for (bits, words) in [
        ("77.5", 6),
        ("77.54", 6),
        ("77.6", 7),
        ("1e2", 8),
        ("+60", 5),
    ] {
        let out = stdout_of(&["passphrase", "--bits", bits]);
        assert_eq!(out.trim_end().split(' ').count(), words, "--bits {bits}");
    }
    let bits = entropy_of(&["passphrase", "--bits", "77.5"]);
    assert!((bits - 6.0 * 7776f64.log2()).abs() < 0.01, "{bits}");
    // The same values as the other generators' --bits.
    for cmd in [&["password"][..], &["otp", "--crockford"], &["passphrase"]] {
        keysmith()
            .args([cmd, &["--bits", "77.5"]].concat())
            .assert()
            .success();
    }
}

#[test]
fn separator_may_be_empty_or_a_hyphen() {
    let out = stdout_of(&["passphrase", "--separator", "", "--words", "3"]);
    assert!(!out.trim_end().contains(' '));
    // EFF lists hold a few hyphenated words ("yo-yo"), so the count uses a
    // separator no bundled EFF word contains.
    let out = stdout_of(&["passphrase", "--separator", "+", "--list", "eff-short1"]);
    assert_eq!(out.trim_end().split('+').count(), 8);
    let out = stdout_of(&["passphrase", "--separator", "-", "--words", "3"]);
    assert!(out.trim_end().split('-').count() >= 3);
}

#[test]
fn case_options() {
    let out = stdout_of(&["passphrase", "--case", "upper"]);
    assert_eq!(out, out.to_uppercase());
    let out = stdout_of(&["passphrase", "--case", "title", "--list", "eff-short1"]);
    for w in out.split_whitespace() {
        assert!(w.starts_with(|c: char| c.is_ascii_uppercase()), "{w}");
        assert_eq!(w[1..], w[1..].to_lowercase());
    }
    // Random case: 3 forms of each eff-long word.
    let bits = entropy_of(&["passphrase", "--case", "random", "--words", "5"]);
    assert!((bits - 5.0 * (3.0 * 7776f64).log2()).abs() < 0.01, "{bits}");
}

#[test]
fn digit_and_symbol() {
    let out = stdout_of(&["passphrase", "--digit", "--symbol", "-n", "20"]);
    for line in lines(&out) {
        assert_eq!(
            line.chars().filter(char::is_ascii_digit).count(),
            1,
            "{line}"
        );
        assert_eq!(
            line.chars().filter(|c| "!#$%&*+=?@".contains(*c)).count(),
            1,
            "{line}"
        );
    }
    let out = stdout_of(&["passphrase", "--symbols", "^", "-n", "5"]);
    for line in lines(&out) {
        assert_eq!(line.matches('^').count(), 1, "{line}");
    }
    let bits = entropy_of(&["passphrase", "--words", "6", "--digit", "--symbol"]);
    let expected = 6.0 * 7776f64.log2() + 60f64.log2() + 60f64.log2();
    assert!((bits - expected).abs() < 0.01, "{bits}");
}

#[test]
fn length_filters() {
    let out = stdout_of(&[
        "passphrase",
        "--min-length",
        "4",
        "--max-length",
        "5",
        "-n",
        "10",
    ]);
    for w in out.split_whitespace() {
        assert!((4..=5).contains(&w.chars().count()), "{w}");
    }
}

#[test]
fn wordlist_file_and_stdin() {
    let f = tempfile_with(b"alpha\n beta \n\ngamma\r\nalpha\nbeta\n");
    let out = stdout_of(&["passphrase", "--wordlist", f.path_str(), "--words", "30"]);
    let seen: HashSet<&str> = out.split_whitespace().collect();
    assert!(seen.is_subset(&["alpha", "beta", "gamma"].into_iter().collect()));
    // Duplicates do not count: 3 words, not 6.
    let bits = entropy_of(&["passphrase", "--wordlist", f.path_str(), "--words", "4"]);
    assert!((bits - 4.0 * 3f64.log2()).abs() < 0.01, "{bits}");

    let out = keysmith()
        .args(["passphrase", "--wordlist", "-", "--words", "5"])
        .write_stdin("one\ntwo\n")
        .assert()
        .success();
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(out.split_whitespace().all(|w| w == "one" || w == "two"));
}

// ---- the uniqueness warning -------------------------------------------------

#[test]
fn warns_when_empty_separator_makes_words_ambiguous() {
    let f = tempfile_with(b"in\nto\ninto\nx\n");
    let err = stderr_of(&["passphrase", "--wordlist", f.path_str(), "--separator", ""]);
    assert!(
        err.contains("warning: reported entropy is an upper bound"),
        "{err:?}"
    );
    // The same list with a separator is fine.
    let err = stderr_of(&["passphrase", "--wordlist", f.path_str()]);
    assert!(err.is_empty(), "{err:?}");
}

#[test]
fn no_warning_for_a_prefix_free_list() {
    let f = tempfile_with(b"in\nto\nx\nox\n");
    let err = stderr_of(&["passphrase", "--wordlist", f.path_str(), "--separator", ""]);
    assert!(err.is_empty(), "{err:?}");
    // The EFF long list is prefix-free too.
    let err = stderr_of(&["passphrase", "--separator", "", "--digit", "--symbol"]);
    assert!(err.is_empty(), "{err:?}");
}

/// A list at the 64 MiB limit whose words, digits and symbols taken apart
/// do not prove uniqueness: the test answers "not shown" without building
/// each word followed by each digit and symbol (121 times the list).
#[test]
fn warns_quickly_for_a_list_at_the_limit_with_digit_and_symbol() {
    let word = "x".repeat((8 << 10) - 6);
    let mut list = b"a\nab\nb\n".to_vec();
    let mut i = 0;
    while list.len() + word.len() + 6 <= LIST_LIMIT as usize {
        list.extend_from_slice(format!("w{i:04}{word}\n").as_bytes());
        i += 1;
    }
    assert!(list.len() as u64 > LIST_LIMIT - (8 << 10));
    let f = tempfile_with(&list);
    drop(list);
    let err = stderr_of(&[
        "passphrase",
        "--wordlist",
        f.path_str(),
        "--separator",
        "",
        "--digit",
        "--symbol",
        "--words",
        "2",
    ]);
    assert!(err.contains("could not be shown"), "{err:?}");
}

#[test]
fn rejects_bits_when_draws_may_collide() {
    let f = tempfile_with(b"in\nto\ninto\nx\n");
    rejects(
        &[
            "passphrase",
            "--wordlist",
            f.path_str(),
            "--separator",
            "",
            "--bits",
            "20",
        ],
        "20 bits cannot be promised with this word list and these settings: \
         different draws can give the same passphrase",
    );
    // The same list with a separator, or with a number of words, is fine.
    let out = stdout_of(&["passphrase", "--wordlist", f.path_str(), "--bits", "20"]);
    assert_eq!(out.trim_end().split(' ').count(), 10);
    let err = stderr_of(&[
        "passphrase",
        "--wordlist",
        f.path_str(),
        "--separator",
        "",
        "--words",
        "10",
    ]);
    assert!(err.contains("upper bound"), "{err:?}");
}

// ---- bad input --------------------------------------------------------------

#[test]
fn rejects_unknown_list_name() {
    rejects(&["passphrase", "--list", "diceware"], "diceware");
}

#[test]
fn rejects_missing_file() {
    rejects(
        &["passphrase", "--wordlist", "/nonexistent/words.txt"],
        "cannot open '/nonexistent/words.txt'",
    );
}

#[test]
fn rejects_invalid_utf8() {
    let f = tempfile_with(b"good\nbad\xff\nfine\n");
    rejects(
        &["passphrase", "--wordlist", f.path_str()],
        "not valid UTF-8 (line 2)",
    );
}

#[test]
fn rejects_fewer_than_two_distinct_words() {
    let f = tempfile_with(b"same\n same\n\nsame\n");
    rejects(
        &["passphrase", "--wordlist", f.path_str()],
        "only 1 distinct word",
    );
    let f = tempfile_with(b"\n\n");
    rejects(&["passphrase", "--wordlist", f.path_str()], "no words");
}

#[test]
fn rejects_filters_that_leave_fewer_than_two_words() {
    rejects(
        &[
            "passphrase",
            "--min-length",
            "9",
            "--max-length",
            "9",
            "--list",
            "eff-short1",
        ],
        "at least 2 are needed",
    );
}

#[test]
fn rejects_zero_words() {
    rejects(&["passphrase", "--words", "0"], "at least 1");
}

#[test]
fn rejects_min_above_max() {
    rejects(
        &["passphrase", "--min-length", "6", "--max-length", "3"],
        "minimum word length (6) exceeds the maximum (3)",
    );
}

#[test]
fn rejects_words_with_bits() {
    rejects(&["passphrase", "--words", "5", "--bits", "80"], "--bits");
}

#[test]
fn rejects_bits_that_are_not_a_positive_number() {
    for bad in ["0", "-1", "-77.5", "NaN", "inf", "1e400"] {
        rejects(
            &["passphrase", "--bits", bad],
            "the entropy target must be a positive number of bits",
        );
    }
    rejects(&["passphrase", "--bits", "abc"], "'abc'");
    rejects(&["passphrase", "--bits", ""], "--bits");
    rejects(
        &["passphrase", "--bits", "4294967296"],
        "4294967296 bits need more than 1000 words",
    );
}

/// A word list is read up to 64 MiB: one of exactly that size is used, one
/// byte more is refused, from a file, an endless device or stdin.
#[test]
fn rejects_word_lists_over_64_mib() {
    // "apple", "pear" and a word of NUL bytes up to the limit, which
    // --max-length leaves out.
    let mut exact = b"apple\npear\n".to_vec();
    exact.resize(LIST_LIMIT as usize, 0);
    let f = tempfile_with(&exact);
    let out = stdout_of(&[
        "passphrase",
        "--wordlist",
        f.path_str(),
        "--max-length",
        "5",
        "--words",
        "4",
    ]);
    assert!(
        out.trim_end()
            .split(' ')
            .all(|w| w == "apple" || w == "pear"),
        "{out:?}"
    );
    drop(f);

    let big = sparse_tempfile(LIST_LIMIT + 1);
    rejects(
        &["passphrase", "--wordlist", big.path_str()],
        &format!(
            "'{}' is larger than 64 MiB: a word list is held in memory",
            big.path_str()
        ),
    );
    #[cfg(unix)]
    rejects_endless(
        &["passphrase", "--wordlist", "/dev/zero"],
        "'/dev/zero' is larger than 64 MiB",
    );

    let input = sparse_tempfile(LIST_LIMIT + (1 << 20));
    let (out, read) = run_with_stdin_file(&["passphrase", "--wordlist", "-"], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "keysmith: stdin is larger than 64 MiB: a word list is held in memory\n"
    );
    assert_eq!(read, LIST_LIMIT + 1, "bytes read from stdin");
}

#[test]
fn rejects_list_with_wordlist() {
    rejects(
        &["passphrase", "--list", "beale", "--wordlist", "x.txt"],
        "--wordlist",
    );
}

#[test]
fn rejects_empty_symbol_set() {
    rejects(&["passphrase", "--symbols", ""], "symbol set is empty");
}

#[test]
fn help_shows_examples() {
    let out = stdout_of(&["passphrase", "--help"]);
    assert!(out.contains("Examples:\n  keysmith passphrase"), "{out}");
}
