//! `keysmith password`, run the way a user runs it.

use crate::common;

use common::{keysmith, lines, rejects, stdout_of};
use keysmith::Recipe;
use keysmith::password::{AMBIGUOUS, Policy, SYMBOLS};

fn one(args: &[&str]) -> String {
    let mut all = vec!["password"];
    all.extend_from_slice(args);
    stdout_of(&all).trim_end_matches('\n').to_owned()
}

fn many(args: &[&str], n: usize) -> Vec<String> {
    let count = n.to_string();
    let mut all = vec!["password", "-n", &count];
    all.extend_from_slice(args);
    let out = stdout_of(&all);
    let ls: Vec<String> = lines(&out).into_iter().map(str::to_owned).collect();
    assert_eq!(ls.len(), n);
    ls
}

fn json(args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["password", "--json"];
    all.extend_from_slice(args);
    lines(&stdout_of(&all))
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn default_is_four_classes_and_at_least_128_bits() {
    let p = Policy::default();
    for pw in many(&[], 50) {
        assert_eq!(pw.chars().count(), p.length());
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
        assert!(pw.chars().any(|c| c.is_ascii_digit()));
        assert!(pw.chars().any(|c| SYMBOLS.contains(c)));
    }
    let v = json(&[]);
    let bits = v[0]["entropy_bits"].as_f64().unwrap();
    assert!(bits >= 128.0);
    assert_eq!(bits, p.entropy_bits());
}

#[test]
fn length() {
    assert_eq!(one(&["--length", "33"]).chars().count(), 33);
    assert_eq!(one(&["--length", "1", "--charset", "x"]), "x");
}

#[test]
fn no_class_flags() {
    for pw in many(&["--no-lower", "--no-upper", "--length", "30"], 20) {
        assert!(!pw.chars().any(|c| c.is_ascii_alphabetic()));
        assert!(pw.chars().any(|c| c.is_ascii_digit()));
    }
    for pw in many(&["--no-digits", "--no-symbols", "--length", "30"], 20) {
        assert!(pw.chars().all(|c| c.is_ascii_alphabetic()));
    }
}

#[test]
fn minimums() {
    for pw in many(
        &["--length", "12", "--min-digits", "5", "--min-symbols", "4"],
        30,
    ) {
        assert!(pw.chars().filter(char::is_ascii_digit).count() >= 5);
        assert!(pw.chars().filter(|&c| SYMBOLS.contains(c)).count() >= 4);
    }
    let exact = [
        "--length",
        "6",
        "--min-lower",
        "3",
        "--min-upper",
        "3",
        "--min-digits",
        "0",
        "--min-symbols",
        "0",
    ];
    for pw in many(&exact, 30) {
        assert!(pw.chars().all(|c| c.is_ascii_alphabetic()));
        assert_eq!(pw.chars().filter(char::is_ascii_lowercase).count(), 3);
    }
    // --min-X 0 lifts the default: a 2-character password over four classes.
    let pw = one(&[
        "--length",
        "2",
        "--min-lower",
        "0",
        "--min-upper",
        "0",
        "--min-digits",
        "0",
    ]);
    assert_eq!(pw.chars().count(), 2);
}

#[test]
fn python_recipe() {
    let args = ["--length", "10", "--no-symbols", "--min-digits", "3"];
    for pw in many(&args, 30) {
        assert_eq!(pw.len(), 10);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(pw.chars().any(|c| c.is_ascii_lowercase()));
        assert!(pw.chars().any(|c| c.is_ascii_uppercase()));
        assert!(pw.chars().filter(char::is_ascii_digit).count() >= 3);
    }
}

#[test]
fn symbols_replace_the_default_set() {
    for pw in many(
        &["--symbols", "!@", "--length", "16", "--min-symbols", "3"],
        30,
    ) {
        let symbols: Vec<char> = pw.chars().filter(|c| !c.is_ascii_alphanumeric()).collect();
        assert!(symbols.len() >= 3);
        assert!(symbols.iter().all(|c| "!@".contains(*c)), "{pw}");
    }
}

#[test]
fn charset_is_exactly_the_alphabet() {
    for pw in many(&["--charset", "xyz7", "--length", "20"], 30) {
        assert!(pw.chars().all(|c| "xyz7".contains(c)), "{pw}");
    }
    // Repeats count once: 2^10 passwords, 10 bits.
    let v = json(&["--charset", "aab", "--length", "10"]);
    assert_eq!(v[0]["entropy_bits"].as_f64(), Some(10.0));
}

#[test]
fn exclude_and_no_ambiguous_are_never_drawn() {
    for pw in many(
        &[
            "--exclude",
            "aeiouAEIOU",
            "--no-ambiguous",
            "--length",
            "40",
        ],
        50,
    ) {
        assert!(
            !pw.chars()
                .any(|c| "aeiouAEIOU".contains(c) || AMBIGUOUS.contains(c)),
            "{pw}"
        );
    }
}

#[test]
fn bits_picks_the_smallest_length() {
    for (bits, extra) in [
        ("80", &[][..]),
        ("64", &["--charset", "0123456789abcdef"][..]),
    ] {
        let mut args = vec!["--bits", bits];
        args.extend_from_slice(extra);
        let v = json(&args);
        let pw = v[0]["value"].as_str().unwrap();
        let reported = v[0]["entropy_bits"].as_f64().unwrap();
        let target: f64 = bits.parse().unwrap();
        assert!(reported >= target);
        let len = pw.chars().count();
        let mut b = Policy::builder().length(len - 1);
        if let Some(set) = extra.get(1) {
            b = b.charset(set);
        }
        let shorter = b.build().unwrap();
        assert!(shorter.entropy_bits() < target, "{len} is not the smallest");
    }
    assert_eq!(
        one(&["--bits", "64", "--charset", "0123456789abcdef"]).len(),
        16
    );
}

#[test]
fn entropy_goes_to_stderr_once() {
    let out = keysmith()
        .args([
            "password",
            "--length",
            "10",
            "--no-symbols",
            "--min-digits",
            "3",
            "--entropy",
            "-n",
            "3",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(lines(std::str::from_utf8(&out.stdout).unwrap()).len(), 3);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err, "entropy: 57.26 bits\n");
}

#[test]
fn count_and_json_fields() {
    let v = json(&["-n", "4", "--length", "12"]);
    assert_eq!(v.len(), 4);
    let bits = Policy::builder().length(12).build().unwrap().entropy_bits();
    for obj in &v {
        let o = obj.as_object().unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(o["value"].as_str().unwrap().chars().count(), 12);
        assert_eq!(o["entropy_bits"].as_f64(), Some(bits));
    }
    let values: std::collections::HashSet<_> = v.iter().map(|o| o["value"].clone()).collect();
    assert_eq!(values.len(), 4);
}

#[test]
fn help_shows_examples() {
    let help = stdout_of(&["password", "--help"]);
    assert!(help.contains("Examples:") && help.contains("--min-digits 3"));
}

// ---- bad input: exit 2, one line naming the value -------------------------

#[test]
fn rejects_minimums_past_the_length() {
    rejects(
        &[
            "password",
            "--length",
            "10",
            "--min-digits",
            "6",
            "--min-symbols",
            "6",
        ],
        "the minimums (14) exceed the length (10)",
    );
}

#[test]
fn rejects_a_minimum_for_a_disabled_class() {
    rejects(
        &["password", "--no-digits", "--min-digits", "2"],
        "at least 2 digits required, but digits are disabled",
    );
}

#[test]
fn rejects_a_minimum_for_an_excluded_class() {
    rejects(
        &["password", "--exclude", "0123456789", "--min-digits", "1"],
        "at least 1 digit required, but no digits are left",
    );
    rejects(
        &["password", "--charset", "abc", "--min-upper", "1"],
        "no uppercase letters are left",
    );
}

#[test]
fn rejects_an_empty_alphabet() {
    rejects(
        &["password", "--charset", "ab", "--exclude", "ab"],
        "no characters are left",
    );
    rejects(&["password", "--charset", ""], "the character set is empty");
    rejects(
        &[
            "password",
            "--no-lower",
            "--no-upper",
            "--no-digits",
            "--no-symbols",
        ],
        "no characters are left",
    );
}

#[test]
fn rejects_bad_lengths() {
    rejects(
        &["password", "--length", "0"],
        "the length must be at least 1",
    );
    rejects(
        &["password", "--length", "5000"],
        "the length 5000 is more than the maximum of 1024",
    );
    rejects(&["password", "--length", "ten"], "ten");
    rejects(&["password", "--length", "-3"], "-3");
}

#[test]
fn rejects_bad_bits() {
    rejects(
        &["password", "--bits", "0"],
        "positive number of bits, not 0",
    );
    rejects(&["password", "--bits", "-5"], "not -5");
    rejects(&["password", "--bits", "NaN"], "not NaN");
    rejects(&["password", "--bits", "inf"], "not inf");
    rejects(&["password", "--bits", "lots"], "lots");
    rejects(
        &["password", "--bits", "99999"],
        "99999 bits need more than 1024 characters",
    );
    rejects(
        &["password", "--charset", "a"],
        "128 bits need more than 1024 characters",
    );
}

#[test]
fn rejects_bits_with_length() {
    rejects(
        &["password", "--bits", "64", "--length", "12"],
        "cannot be used with",
    );
}

#[test]
fn rejects_bad_symbol_sets() {
    rejects(
        &["password", "--symbols", "!x"],
        "the symbol set contains 'x'",
    );
    rejects(
        &["password", "--symbols", "!\n"],
        "control character (U+000A)",
    );
    rejects(
        &["password", "--charset", "ab\u{7}"],
        "control character (U+0007)",
    );
    rejects(
        &["password", "--symbols", "!", "--no-symbols"],
        "cannot be used with",
    );
    rejects(
        &["password", "--symbols", "!", "--charset", "ab!"],
        "cannot be used with",
    );
}

#[test]
fn rejects_invisible_and_combining_characters() {
    for (set, what) in [
        ("ab\u{200B}", "format character (U+200B)"),
        ("\u{FEFF}ab", "format character (U+FEFF)"),
        ("a\u{200D}b", "format character (U+200D)"),
        ("abe\u{301}", "combining mark (U+0301)"),
        ("ab\u{20DD}", "combining mark (U+20DD)"),
    ] {
        rejects(
            &["password", "--charset", set],
            &format!("character set contains a {what}"),
        );
        rejects(
            &["password", "--symbols", &format!("!{set}")],
            &format!("symbol set contains a {what}"),
        );
    }
}

#[test]
fn letters_of_other_scripts_are_not_symbols() {
    // é is a lowercase letter: it cannot meet a minimum of symbols, and it
    // is no symbol.
    rejects(
        &["password", "--charset", "abé", "--min-symbols", "1"],
        "at least 1 symbol required, but no symbols are left",
    );
    rejects(
        &["password", "--symbols", "!é"],
        "the symbol set contains 'é', which is a letter or digit",
    );
    for pw in many(
        &["--charset", "é!", "--length", "8", "--min-lower", "7"],
        20,
    ) {
        assert!(pw.chars().filter(|&c| c == 'é').count() >= 7, "{pw}");
    }
}

#[test]
fn rejects_bad_minimums_and_counts() {
    rejects(&["password", "--min-digits", "x"], "'x'");
    rejects(&["password", "-n", "0"], "count must be at least 1");
}
