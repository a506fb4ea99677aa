//! `keysmith otp`, `keysmith totp` and `keysmith hotp`, run the way a user
//! runs them.

use crate::common;

use common::{keysmith, lines, rejects, stdout_of, tempfile_with};

/// RFC 4226 / RFC 6238 SHA-1 seed "12345678901234567890" in base32.
const RFC_SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// The RFC 6238 SHA-256 seed (32 bytes) in base32.
const RFC_SHA256: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
/// The RFC 6238 SHA-512 seed (64 bytes) in base32.
const RFC_SHA512: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";

fn stderr_of(args: &[&str]) -> String {
    let out = keysmith()
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

// ---- otp ------------------------------------------------------------------

#[test]
fn otp_defaults_to_six_digits() {
    let out = stdout_of(&["otp", "-n", "200"]);
    let codes = lines(&out);
    assert_eq!(codes.len(), 200);
    for c in &codes {
        assert_eq!(c.len(), 6, "{c}");
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
    }
}

#[test]
fn otp_digits_are_zero_padded() {
    let out = stdout_of(&["otp", "--digits", "4", "-n", "2000"]);
    let codes = lines(&out);
    assert!(codes.iter().all(|c| c.len() == 4));
    // about 200 of 2000 start with 0; none would if the padding were lost
    let zeros = codes.iter().filter(|c| c.starts_with('0')).count();
    assert!((100..320).contains(&zeros), "{zeros}");
    for d in ["4", "8", "12"] {
        assert_eq!(
            stdout_of(&["otp", "--digits", d]).trim_end().len(),
            d.parse::<usize>().unwrap()
        );
    }
}

#[test]
fn otp_alphabets() {
    let out = stdout_of(&["otp", "--alphabet", "XYZXYZ", "--length", "10", "-n", "50"]);
    for c in lines(&out) {
        assert_eq!(c.len(), 10);
        assert!(c.bytes().all(|b| b"XYZ".contains(&b)), "{c}");
    }
    let out = stdout_of(&["otp", "--crockford", "--length", "8"]);
    let c = out.trim_end();
    assert_eq!(c.len(), 8);
    assert!(
        c.bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
    );
    // default alphabet length
    assert_eq!(stdout_of(&["otp", "--crockford"]).trim_end().len(), 6);
}

#[test]
fn otp_entropy_and_json() {
    let err = stderr_of(&["otp", "--digits", "6", "--entropy", "-n", "3"]);
    assert_eq!(err, "entropy: 19.93 bits\n", "reported once");
    let out = stdout_of(&["otp", "--crockford", "--length", "8", "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(v["entropy_bits"], 40.0);
    assert_eq!(v["value"].as_str().unwrap().len(), 8);
}

#[test]
fn otp_bits_picks_the_smallest_length() {
    assert_eq!(stdout_of(&["otp", "--bits", "20"]).trim_end().len(), 7);
    assert_eq!(stdout_of(&["otp", "--bits", "1"]).trim_end().len(), 4);
    assert_eq!(
        stdout_of(&["otp", "--crockford", "--bits", "64"])
            .trim_end()
            .len(),
        13
    );
    let err = stderr_of(&["otp", "--bits", "30", "--entropy"]);
    assert_eq!(err, "entropy: 33.22 bits\n");
}

#[test]
fn otp_bad_input() {
    rejects(&["otp", "--digits", "3"], "between 4 and 12 (got 3)");
    rejects(&["otp", "--digits", "13"], "(got 13)");
    rejects(&["otp", "--digits", "six"], "'six'");
    rejects(&["otp", "--bits", "40"], "more than 12 digits");
    rejects(&["otp", "--bits", "0"], "positive number of bits");
    rejects(
        &["otp", "--alphabet", "aaaa"],
        "at least 2 distinct characters",
    );
    rejects(&["otp", "--alphabet", "ab", "--length", "0"], "(got 0)");
    rejects(&["otp", "--length", "8"], "--length needs --alphabet");
    rejects(&["otp", "--digits", "6", "--bits", "20"], "--bits");
    rejects(&["otp", "--alphabet", "ab", "--crockford"], "--crockford");
}

// ---- totp new -------------------------------------------------------------

#[test]
fn totp_new_prints_secret_and_uri() {
    let out = stdout_of(&[
        "totp",
        "new",
        "--issuer",
        "Example Co",
        "--account",
        "alice@example.com",
    ]);
    let ls = lines(&out);
    assert_eq!(ls.len(), 2);
    let secret = ls[0];
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert!(
        secret
            .bytes()
            .all(|b| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains(&b))
    );
    assert_eq!(
        ls[1],
        format!(
            "otpauth://totp/Example%20Co:alice%40example.com?secret={secret}\
             &issuer=Example%20Co&algorithm=SHA1&digits=6&period=30"
        )
    );
    // the secret works: its code verifies
    let code = stdout_of(&["totp", "code", "--secret", secret, "--time", "1000"]);
    stdout_of(&[
        "totp",
        "verify",
        "--secret",
        secret,
        "--time",
        "1000",
        code.trim_end(),
    ]);
}

#[test]
fn totp_new_json_and_entropy() {
    let out = keysmith()
        .args([
            "totp",
            "new",
            "--issuer",
            "Ex",
            "--account",
            "bob",
            "--digits",
            "8",
            "--algorithm",
            "sha256",
            "--period",
            "60",
            "--json",
            "--entropy",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "entropy: 160.00 bits\n"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = v["secret"].as_str().unwrap();
    assert_eq!(v["entropy_bits"], 160.0);
    assert_eq!(
        v["uri"],
        format!(
            "otpauth://totp/Ex:bob?secret={secret}&issuer=Ex&algorithm=SHA256&digits=8&period=60"
        )
    );
}

#[test]
fn totp_new_bits_lengthen_the_secret() {
    for (bits, bytes) in [("100", 20usize), ("160", 20), ("256", 32), ("512", 64)] {
        let out = keysmith()
            .args([
                "totp",
                "new",
                "--issuer",
                "Ex",
                "--account",
                "a",
                "--bits",
                bits,
                "--json",
                "--entropy",
            ])
            .assert()
            .success()
            .get_output()
            .clone();
        let bits_had = 8 * bytes;
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!("entropy: {bits_had}.00 bits\n")
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["entropy_bits"], bits_had as f64);
        // base32 without padding: 8 characters per 5 bytes, rounded up.
        let secret = v["secret"].as_str().unwrap();
        assert_eq!(secret.len(), (bytes * 8).div_ceil(5), "{bits}: {secret}");
    }
    let args = ["totp", "new", "--issuer", "Ex", "--account", "a"];
    rejects(&[&args[..], &["--bits", "513"]].concat(), "513 bits");
    rejects(&[&args[..], &["--bits", "-1"]].concat(), "not -1");
    rejects(&[&args[..], &["--bits", "lots"]].concat(), "'lots'");
}

#[test]
fn totp_new_makes_a_fresh_secret_each_time() {
    let out = stdout_of(&["totp", "new", "--issuer", "Ex", "--account", "a", "-n", "3"]);
    let ls = lines(&out);
    assert_eq!(ls.len(), 6);
    assert!(ls[0] != ls[2] && ls[2] != ls[4] && ls[0] != ls[4]);
}

#[test]
fn totp_new_qr_draws_a_code() {
    let out = stdout_of(&["totp", "new", "--issuer", "Ex", "--account", "a", "--qr"]);
    let ls = lines(&out);
    assert!(ls[1].starts_with("otpauth://"));
    let qr = &ls[2..];
    assert!(qr.len() > 15, "{out}");
    let width = qr[0].chars().count();
    assert!(qr.iter().all(|l| l.chars().count() == width), "square rows");
    assert!(qr.iter().all(|l| l.chars().all(|c| " ▀▄█".contains(c))));
    // the quiet zone: the first row is all light (full blocks by default)
    assert!(qr[0].chars().all(|c| c == '█'));
    let inverted = stdout_of(&[
        "totp",
        "new",
        "--issuer",
        "Ex",
        "--account",
        "a",
        "--qr",
        "--qr-invert",
    ]);
    assert!(lines(&inverted)[2].chars().all(|c| c == ' '));
}

#[test]
fn totp_new_bad_input() {
    rejects(
        &["totp", "new", "--issuer", "Ex:Co", "--account", "a"],
        "issuer must not contain ':'",
    );
    rejects(
        &["totp", "new", "--issuer", "", "--account", "a"],
        "issuer must not be empty",
    );
    rejects(
        &["totp", "new", "--issuer", "Ex", "--account", ""],
        "account must not be empty",
    );
    rejects(&["totp", "new", "--account", "a"], "--issuer");
    rejects(
        &[
            "totp",
            "new",
            "--issuer",
            "Ex",
            "--account",
            "a",
            "--digits",
            "9",
        ],
        "(got 9)",
    );
    rejects(
        &[
            "totp",
            "new",
            "--issuer",
            "Ex",
            "--account",
            "a",
            "--period",
            "0",
        ],
        "period",
    );
    rejects(
        &[
            "totp",
            "new",
            "--issuer",
            "Ex",
            "--account",
            "a",
            "--qr",
            "--json",
        ],
        "--json",
    );
}

// ---- totp code / verify ---------------------------------------------------

#[test]
fn totp_code_matches_rfc6238() {
    for (secret, alg, time, code) in [
        (RFC_SHA1, "sha1", "59", "94287082"),
        (RFC_SHA256, "sha256", "59", "46119246"),
        (RFC_SHA512, "sha512", "59", "90693936"),
        (RFC_SHA1, "sha1", "1111111109", "07081804"),
        (RFC_SHA256, "sha256", "1234567890", "91819424"),
        (RFC_SHA512, "sha512", "20000000000", "47863826"),
    ] {
        let out = stdout_of(&[
            "totp",
            "code",
            "--secret",
            secret,
            "--algorithm",
            alg,
            "--time",
            time,
            "--digits",
            "8",
        ]);
        assert_eq!(out, format!("{code}\n"), "{alg} at {time}");
    }
    assert_eq!(
        stdout_of(&["totp", "code", "--secret", RFC_SHA1, "--time", "59"]),
        "287082\n"
    );
    assert_eq!(
        stdout_of(&[
            "totp", "code", "--secret", RFC_SHA1, "--time", "119", "--period", "60"
        ]),
        "287082\n"
    );
}

#[test]
fn totp_code_defaults_to_now() {
    let out = stdout_of(&["totp", "code", "--secret", RFC_SHA1]);
    let code = out.trim_end();
    assert_eq!(code.len(), 6);
    // the current code verifies now (window 1 absorbs a step boundary)
    keysmith()
        .args(["totp", "verify", "--secret", RFC_SHA1, code])
        .assert()
        .success()
        .stdout("valid\n");
}

#[test]
fn secret_from_file_and_stdin() {
    let f = tempfile_with(b"gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n");
    assert_eq!(
        stdout_of(&[
            "totp",
            "code",
            "--secret-file",
            f.path_str(),
            "--time",
            "59"
        ]),
        "287082\n"
    );
    keysmith()
        .args(["totp", "code", "--secret-file", "-", "--time", "59"])
        .write_stdin(format!("{RFC_SHA1}===\n"))
        .assert()
        .success()
        .stdout("287082\n");
}

#[test]
fn totp_verify_exit_status_and_window() {
    let ok = |args: &[&str]| {
        keysmith().args(args).assert().code(0).stdout("valid\n");
    };
    let bad = |args: &[&str]| {
        keysmith().args(args).assert().code(1).stdout("invalid\n");
    };
    // 287082 is the code of step 1 (times 30..=59)
    ok(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "59", "287082",
    ]);
    ok(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "60", "287082",
    ]); // previous step
    ok(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "29", "287082",
    ]); // next step
    bad(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "60", "--window", "0", "287082",
    ]);
    bad(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "29", "--window", "0", "287082",
    ]);
    bad(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "90", "287082",
    ]); // two steps
    ok(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "90", "--window", "2", "287082",
    ]);
    bad(&[
        "totp", "verify", "--secret", RFC_SHA1, "--time", "59", "287083",
    ]);
    ok(&[
        "totp",
        "verify",
        "--secret",
        RFC_SHA512,
        "--algorithm",
        "sha512",
        "--digits",
        "8",
        "--time",
        "59",
        "90693936",
    ]);
    keysmith()
        .args([
            "totp", "verify", "-q", "--secret", RFC_SHA1, "--time", "59", "000000",
        ])
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn totp_bad_input_never_echoes_the_secret() {
    let secret = "JBSWY3DPEHPK3PX1";
    for args in [
        vec!["totp", "code", "--secret", secret],
        vec!["totp", "verify", "--secret", secret, "123456"],
        vec!["hotp", "code", "--secret", secret, "--counter", "1"],
    ] {
        rejects(&args, "invalid base32 secret: character 16");
        let out = keysmith().args(&args).assert().code(2).get_output().clone();
        assert!(!String::from_utf8(out.stderr).unwrap().contains("JBSW"));
    }
    let f = tempfile_with(b"JBSWY3DP!HPK3PXP\n");
    rejects(
        &["totp", "code", "--secret-file", f.path_str()],
        "invalid base32 secret",
    );
    let out = keysmith()
        .args(["totp", "code", "--secret-file", f.path_str()])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("JBSW"));
    rejects(
        &["totp", "code", "--secret", "JBS"],
        "invalid base32 secret",
    );
    rejects(&["totp", "code", "--secret", ""], "the secret is empty");
}

#[test]
fn totp_bad_input() {
    let s = RFC_SHA1;
    rejects(
        &["totp", "code", "--secret", s, "--digits", "5"],
        "6, 7 or 8 digits (got 5)",
    );
    rejects(&["totp", "code", "--secret", s, "--digits", "9"], "(got 9)");
    rejects(
        &["totp", "code", "--secret", s, "--algorithm", "md5"],
        "unknown algorithm 'md5'",
    );
    rejects(
        &["totp", "code", "--secret", s, "--period", "0"],
        "period must be at least 1",
    );
    rejects(
        &["totp", "code", "--secret", s, "--time", "soon"],
        "not a Unix time",
    );
    rejects(
        &["totp", "code", "--secret", s, "--time", "1e9"],
        "not a Unix time",
    );
    rejects(&["totp", "code"], "--secret");
    rejects(
        &["totp", "code", "--secret", s, "--secret-file", "-"],
        "cannot be used with",
    );
    rejects(
        &["totp", "code", "--secret-file", "/nonexistent/keysmith"],
        "cannot open",
    );
    rejects(
        &["totp", "verify", "--secret", s, "12a456"],
        "the code must be 6 decimal digits",
    );
    rejects(
        &["totp", "verify", "--secret", s, "1234567"],
        "the code must be 6 decimal digits",
    );
    rejects(
        &["totp", "verify", "--secret", s, "--window", "x", "123456"],
        "'x'",
    );
    rejects(&["totp", "verify", "--secret", s], "<CODE>");
}

#[test]
fn totp_verify_window_is_capped() {
    use keysmith::otp::MAX_TOTP_SKEW_STEPS;
    let cap = MAX_TOTP_SKEW_STEPS.to_string();
    // 287082 is the code of step 1; at time 330 (step 11) it is 10 back.
    keysmith()
        .args([
            "totp", "verify", "--secret", RFC_SHA1, "--time", "330", "--window", &cap, "287082",
        ])
        .assert()
        .code(0)
        .stdout("valid\n");
    let below = (MAX_TOTP_SKEW_STEPS - 1).to_string();
    keysmith()
        .args([
            "totp", "verify", "--secret", RFC_SHA1, "--time", "330", "--window", &below, "287082",
        ])
        .assert()
        .code(1)
        .stdout("invalid\n");
    let above = (MAX_TOTP_SKEW_STEPS + 1).to_string();
    let range = format!("not in 0..={MAX_TOTP_SKEW_STEPS}");
    for too_wide in [above.as_str(), "1000", "4294967295"] {
        rejects(
            &[
                "totp", "verify", "--secret", RFC_SHA1, "--window", too_wide, "287082",
            ],
            &range,
        );
    }
    assert!(stdout_of(&["totp", "verify", "--help"]).contains(&format!("at most {cap}")));
}

/// RFC 4226 R6: a secret must have at least 128 bits.
#[test]
fn short_secrets_need_allow_short_secret() {
    use keysmith::otp::{Hotp, Secret, Totp};
    // The classic 80-bit example, and 120 bits: one byte short.
    for short in ["JBSWY3DPEHPK3PXP", "AEBAGBAFAYDQQCIKBMGA2DQP"] {
        let bits = short.len() * 5;
        let needle = format!("the secret has {bits} bits, fewer than the 128");
        for args in [
            vec!["totp", "code", "--secret", short],
            vec!["totp", "verify", "--secret", short, "123456"],
            vec!["hotp", "code", "--secret", short, "--counter", "1"],
        ] {
            rejects(&args, &needle);
            rejects(&args, "--allow-short-secret accepts it");
            let out = keysmith().args(&args).assert().code(2).get_output().clone();
            assert!(!String::from_utf8(out.stderr).unwrap().contains(&short[..8]));
        }
        let f = tempfile_with(format!("{short}\n").as_bytes());
        rejects(&["totp", "code", "--secret-file", f.path_str()], &needle);
        keysmith()
            .args(["totp", "code", "--secret-file", "-"])
            .write_stdin(short)
            .assert()
            .code(2)
            .stdout("");

        // Allowed, the same secret gives the library's codes.
        let secret = Secret::import()
            .allow_short_secret(true)
            .base32(short)
            .unwrap();
        let totp = Totp::new(secret.clone());
        let code = totp.code_at(59);
        let allowed = |args: &[&str]| {
            let mut all = args.to_vec();
            all.push("--allow-short-secret");
            stdout_of(&all)
        };
        assert_eq!(
            allowed(&["totp", "code", "--secret", short, "--time", "59"]),
            format!("{code}\n")
        );
        assert_eq!(
            allowed(&[
                "totp",
                "code",
                "--secret-file",
                f.path_str(),
                "--time",
                "59"
            ]),
            format!("{code}\n")
        );
        assert_eq!(
            allowed(&["totp", "verify", "--secret", short, "--time", "59", &code]),
            "valid\n"
        );
        assert_eq!(
            allowed(&["hotp", "code", "--secret", short, "--counter", "7"]),
            format!("{}\n", Hotp::new(secret).code_at(7))
        );
        // The flag lifts the length rule only: bad base32 is still refused.
        rejects(
            &[
                "totp",
                "code",
                "--secret",
                "JBSWY3DP!",
                "--allow-short-secret",
            ],
            "invalid base32 secret",
        );
    }
    // 128 bits exactly (26 base32 characters) needs no flag.
    let sixteen = "AEBAGBAFAYDQQCIKBMGA2DQPCA";
    assert_eq!(stdout_of(&["totp", "code", "--secret", sixteen]).len(), 7);
    for cmd in [["totp", "code"], ["totp", "verify"], ["hotp", "code"]] {
        let help = stdout_of(&[cmd[0], cmd[1], "--help"]);
        assert!(help.contains("--allow-short-secret"), "{cmd:?}");
        assert!(help.contains("128 bits"), "{cmd:?}");
    }
}

// ---- hotp -----------------------------------------------------------------

#[test]
fn hotp_code_matches_rfc4226() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in expected.iter().enumerate() {
        let c = counter.to_string();
        assert_eq!(
            stdout_of(&["hotp", "code", "--secret", RFC_SHA1, "--counter", &c]),
            format!("{code}\n")
        );
    }
    assert_eq!(
        stdout_of(&[
            "hotp",
            "code",
            "--secret",
            RFC_SHA1,
            "--counter",
            "0",
            "--digits",
            "8"
        ]),
        "84755224\n"
    );
}

#[test]
fn hotp_bad_input() {
    rejects(&["hotp", "code", "--secret", RFC_SHA1], "--counter");
    rejects(
        &["hotp", "code", "--secret", RFC_SHA1, "--counter", "x"],
        "'x'",
    );
    rejects(
        &[
            "hotp",
            "code",
            "--secret",
            RFC_SHA1,
            "--counter",
            "1",
            "--digits",
            "4",
        ],
        "(got 4)",
    );
    rejects(
        &[
            "hotp",
            "code",
            "--secret",
            RFC_SHA1,
            "--counter",
            "1",
            "--algorithm",
            "sha3",
        ],
        "unknown algorithm",
    );
}

// ---- recovery-codes -------------------------------------------------------

#[test]
fn recovery_codes_are_ten_crockford_characters_each() {
    let out = stdout_of(&["recovery-codes"]);
    let codes = lines(&out);
    assert_eq!(codes.len(), 10);
    for c in &codes {
        assert_eq!(c.len(), 11, "{c}");
        assert_eq!(&c[5..6], "-", "{c}");
        assert!(
            c.chars()
                .filter(|&ch| ch != '-')
                .all(|ch| "0123456789abcdefghjkmnpqrstvwxyz".contains(ch)),
            "{c}"
        );
    }
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 10, "codes repeat: {codes:?}");
    assert_eq!(
        lines(&stdout_of(&["recovery-codes", "--count", "20"])).len(),
        20
    );
}

#[test]
fn recovery_codes_json_has_value_and_entropy() {
    let out = stdout_of(&["recovery-codes", "-n", "3", "--json"]);
    let rows = lines(&out);
    assert_eq!(rows.len(), 3);
    for row in rows {
        let v: serde_json::Value = serde_json::from_str(row).unwrap();
        assert_eq!(v["entropy_bits"], 50.0, "{v}");
        let code = v["value"].as_str().unwrap();
        assert_eq!(
            keysmith::recovery::normalize(code).unwrap().len(),
            10,
            "{v}"
        );
        assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    }
}

#[test]
fn recovery_code_counts_are_checked() {
    for n in ["0", "21", "-1", "x"] {
        let out = keysmith()
            .args(["recovery-codes", "--count", n])
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert!(out.stdout.is_empty(), "{n}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{n}: {err}");
    }
    rejects(&["recovery-codes", "--count", "21"], "between 1 and 20");
}
