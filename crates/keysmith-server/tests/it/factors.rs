//! Second factors over HTTP: TOTP factors (RFC 6238 vectors, no replay,
//! oathtool's codes, concurrent claims across instances) and recovery
//! codes, and that no table or log holds a secret afterwards.

use crate::common;

use common::{T0, TestApp};
use keysmith::otp::{Algorithm, Secret, Totp};
use keysmith_store::TotpOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn at(app: &TestApp, unix: u64) {
    app.clock.set_ms(unix as i64 * 1000);
}

async fn verify(app: &TestApp, subject: &str, code: &str) -> reqwest::Response {
    app.post("/v1/totp/verify")
        .json(&json!({"subject": subject, "code": code}))
        .send()
        .await
        .unwrap()
}

async fn enrol(app: &TestApp, subject: &str) -> Value {
    let r = app
        .post("/v1/totp")
        .json(&json!({"subject": subject, "issuer": "Example Co", "account": "alice@example.com"}))
        .send()
        .await
        .unwrap();
    json_of(r, StatusCode::CREATED).await
}

async fn confirm(app: &TestApp, factor: &str, code: &str) -> reqwest::Response {
    app.post(&format!("/v1/totp/{factor}/confirm"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
}

fn totp_of(enrolled: &Value) -> Totp {
    Totp::new(Secret::from_base32(enrolled["secret"].as_str().unwrap()).unwrap())
}

/// RFC 6238 appendix B, through the HTTP verify with the test clock: each
/// algorithm's factor accepts its 8-digit codes at the listed times.
async fn rfc6238_vectors_verify(app: TestApp) {
    let seeds = [
        (Algorithm::Sha1, &b"12345678901234567890"[..]),
        (Algorithm::Sha256, &b"12345678901234567890123456789012"[..]),
        (
            Algorithm::Sha512,
            &b"1234567890123456789012345678901234567890123456789012345678901234"[..],
        ),
    ];
    let vectors: [(u64, [&str; 3]); 6] = [
        (59, ["94287082", "46119246", "90693936"]),
        (1_111_111_109, ["07081804", "68084774", "25091201"]),
        (1_111_111_111, ["14050471", "67062674", "99943326"]),
        (1_234_567_890, ["89005924", "91819424", "93441116"]),
        (2_000_000_000, ["69279037", "90698825", "38618901"]),
        (20_000_000_000, ["65353130", "77737706", "47863826"]),
    ];
    for (i, (algorithm, seed)) in seeds.into_iter().enumerate() {
        let subject = format!("rfc-{i}");
        let options = TotpOptions {
            digits: 8,
            algorithm,
            period: 30,
        };
        at(&app, 59);
        let factors = app.store.default_tenant();
        let enrolled = factors
            .totp_factors()
            .enrol_with_secret(&subject, Secret::from_bytes(seed).unwrap(), options)
            .await
            .unwrap();
        let r = confirm(&app, &enrolled.factor_id, vectors[0].1[i]).await;
        assert_eq!(
            json_of(r, StatusCode::OK).await,
            json!({"status": "active"})
        );
        for (time, codes) in &vectors[1..] {
            at(&app, *time);
            let r = verify(&app, &subject, codes[i]).await;
            assert_eq!(
                json_of(r, StatusCode::OK).await,
                json!({"status": "approved", "factor_id": enrolled.factor_id}),
                "{algorithm:?} at {time}"
            );
        }
    }
}

/// RFC 6238, 5.2: a code accepted once is denied the second time, and so
/// is a code of an earlier step; the next step's code is accepted.
async fn codes_are_accepted_once(app: TestApp) {
    let enrolled = enrol(&app, "alice").await;
    assert_eq!(enrolled["status"], "pending");
    assert!(
        enrolled["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Example%20Co:alice%40example.com?secret=")
    );
    assert!(enrolled["qr_svg"].as_str().unwrap().contains("<svg"));
    assert_eq!(enrolled["expires_at"], "2026-01-01T00:10:00Z");
    let totp = totp_of(&enrolled);
    let now = (T0 / 1000) as u64;
    let factor = enrolled["factor_id"].as_str().unwrap();
    let r = confirm(&app, factor, &totp.code_at(now)).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "active");
    // The confirming code's step is used.
    let r = verify(&app, "alice", &totp.code_at(now)).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied"})
    );
    let next = totp.code_at(now + 30);
    app.clock.advance(Duration::from_secs(30));
    let r = verify(&app, "alice", &next).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "approved");
    let r = verify(&app, "alice", &next).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied"})
    );
    // Within the skew, but before the last accepted step: denied.
    let r = verify(&app, "alice", &totp.code_at(now)).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied"})
    );
    // One step ahead (skew 1) is accepted; two are not.
    let r = verify(&app, "alice", &totp.code_at(now + 90)).await;
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied"})
    );
    let r = verify(&app, "alice", &totp.code_at(now + 60)).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "approved");

    let listed = json_of(
        app.get("/v1/totp?subject=alice").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1);
    assert_eq!(listed["factors"][0]["status"], "active");
    assert!(listed["factors"][0]["last_used_at"].is_string());
    assert!(listed.to_string().find("secret").is_none(), "{listed}");
}

/// A new phone: confirming a second factor replaces the first in one
/// step; deleting it leaves no factor.
async fn a_new_factor_replaces_the_old_one(app: TestApp) {
    let now = (T0 / 1000) as u64;
    let first = enrol(&app, "bob").await;
    let r = confirm(
        &app,
        first["factor_id"].as_str().unwrap(),
        &totp_of(&first).code_at(now),
    )
    .await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "active");
    let second = enrol(&app, "bob").await;
    let listed = json_of(
        app.get("/v1/totp?subject=bob").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["factors"].as_array().unwrap().len(), 2);
    app.clock.advance(Duration::from_secs(30));
    let r = confirm(
        &app,
        second["factor_id"].as_str().unwrap(),
        &totp_of(&second).code_at(now + 30),
    )
    .await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "active");
    let listed = json_of(
        app.get("/v1/totp?subject=bob").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1);
    assert_eq!(listed["factors"][0]["factor_id"], second["factor_id"]);
    app.clock.advance(Duration::from_secs(30));
    let r = verify(&app, "bob", &totp_of(&first).code_at(now + 60)).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "denied");

    let id = second["factor_id"].as_str().unwrap();
    let r = app.delete(&format!("/v1/totp/{id}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.delete(&format!("/v1/totp/{id}")).send().await.unwrap();
    assert_eq!(
        json_of(r, StatusCode::NOT_FOUND).await["error"],
        "not_found"
    );
    let r = verify(&app, "bob", &totp_of(&second).code_at(now + 60)).await;
    assert_eq!(
        json_of(r, StatusCode::NOT_FOUND).await["error"],
        "no_factor"
    );
}

/// A pending factor is gone after 5 wrong codes or 10 minutes.
async fn pending_factors_end(app: TestApp) {
    let now = (T0 / 1000) as u64;
    let enrolled = enrol(&app, "carol").await;
    let factor = enrolled["factor_id"].as_str().unwrap();
    for left in (0..5).rev() {
        let r = confirm(&app, factor, "000000x").await;
        assert_eq!(
            json_of(r, StatusCode::OK).await,
            json!({"status": "denied", "attempts_left": left})
        );
    }
    let r = confirm(&app, factor, &totp_of(&enrolled).code_at(now)).await;
    assert_eq!(json_of(r, StatusCode::GONE).await["error"], "gone");

    let late = enrol(&app, "carol").await;
    app.clock.advance(Duration::from_secs(10 * 60));
    let code = totp_of(&late).code_at(now + 600);
    let r = confirm(&app, late["factor_id"].as_str().unwrap(), &code).await;
    assert_eq!(json_of(r, StatusCode::GONE).await["error"], "gone");
    let listed = json_of(
        app.get("/v1/totp?subject=carol").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!({"factors": []}));
}

/// Wrong TOTP and recovery codes count towards the subject's lockout
/// (shared with challenges); it ends by itself after the lockout duration.
async fn lockouts_are_shared_and_end(app: TestApp) {
    let now = (T0 / 1000) as u64;
    let enrolled = enrol(&app, "dave").await;
    let r = confirm(
        &app,
        enrolled["factor_id"].as_str().unwrap(),
        &totp_of(&enrolled).code_at(now),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    sqlx::query("UPDATE otp_subjects SET failures = 98 WHERE subject = 'dave'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let r = verify(&app, "dave", "000000").await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "denied");
    let r = app
        .post("/v1/recovery-codes/redeem")
        .json(&json!({"subject": "dave", "code": "abcde-fghjk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "denied");
    // 100 in a row: locked everywhere, even for the right code.
    app.clock.advance(Duration::from_secs(30));
    let right = totp_of(&enrolled).code_at(now + 30);
    let r = verify(&app, "dave", &right).await;
    assert_eq!(json_of(r, StatusCode::LOCKED).await["error"], "locked");
    let r = app
        .post("/v1/otp")
        .json(&json!({"subject": "dave"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::TOO_MANY_REQUESTS).await["error"],
        "subject_locked"
    );
    // An hour later the subject counts from zero.
    app.clock.advance(Duration::from_secs(3600));
    let right = totp_of(&enrolled).code_at(now + 3630);
    let r = verify(&app, "dave", &right).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "approved");
}

/// Recovery codes: a set replaces the previous one, each code works once,
/// typing is forgiven as Crockford reads it.
async fn recovery_codes_work_once(app: TestApp) {
    let r = app
        .get("/v1/recovery-codes?subject=erin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"remaining": 0, "created_at": null})
    );
    let made = json_of(
        app.post("/v1/recovery-codes")
            .json(&json!({"subject": "erin", "count": 3}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["entropy_bits"], 50.0);
    let codes: Vec<String> = made["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 3);
    let redeem = |code: String| {
        app.post("/v1/recovery-codes/redeem")
            .json(&json!({"subject": "erin", "code": code}))
            .send()
    };
    // Upper case, spaces, and I/L/O for 1/1/0 all read the same.
    let typed = codes[0]
        .to_uppercase()
        .replace('-', " ")
        .replace('1', "l")
        .replace('0', "O");
    let r = redeem(typed).await.unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "approved", "remaining": 2})
    );
    let r = redeem(codes[0].clone()).await.unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "denied"})
    );
    let r = app
        .get("/v1/recovery-codes?subject=erin")
        .send()
        .await
        .unwrap();
    let status = json_of(r, StatusCode::OK).await;
    assert_eq!(status["remaining"], 2);
    assert_eq!(status["created_at"], "2026-01-01T00:00:00Z");
    // Another subject's code is not erin's.
    let other = json_of(
        app.post("/v1/recovery-codes")
            .json(&json!({"subject": "frank"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(other["codes"].as_array().unwrap().len(), 10);
    let r = redeem(other["codes"][0].as_str().unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "denied");
    // A new set replaces the old one.
    let again = json_of(
        app.post("/v1/recovery-codes")
            .json(&json!({"subject": "erin", "count": 1}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let r = redeem(codes[1].clone()).await.unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "denied");
    let r = redeem(again["codes"][0].as_str().unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(
        json_of(r, StatusCode::OK).await,
        json!({"status": "approved", "remaining": 0})
    );
}

/// Every bad input is a 400, never a 500.
async fn bad_inputs_are_400(app: TestApp) {
    for (path, body) in [
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "I", "account": "a", "digits": 9}),
        ),
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "I", "account": "a", "digits": 5}),
        ),
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "I", "account": "a", "period": 0}),
        ),
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "I", "account": "a", "algorithm": "MD5"}),
        ),
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "I:x", "account": "a"}),
        ),
        (
            "/v1/totp",
            json!({"subject": "", "issuer": "I", "account": "a"}),
        ),
        (
            "/v1/totp",
            json!({"subject": "a", "issuer": "", "account": "a"}),
        ),
        ("/v1/totp", json!({"subject": "a"})),
        ("/v1/totp/verify", json!({"subject": "", "code": "1"})),
        (
            "/v1/totp/verify",
            json!({"subject": "x".repeat(257), "code": "1"}),
        ),
        ("/v1/recovery-codes", json!({"subject": "a", "count": 0})),
        ("/v1/recovery-codes", json!({"subject": "a", "count": 21})),
        ("/v1/recovery-codes", json!({"subject": "a", "count": -1})),
        (
            "/v1/recovery-codes/redeem",
            json!({"subject": "", "code": "x"}),
        ),
        ("/v1/recovery-codes/redeem", json!({"subject": "a"})),
    ] {
        let r = app.post(path).json(&body).send().await.unwrap();
        let got = json_of(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(got["error"], "invalid_request", "{path} {body}: {got}");
    }
    let r = app.get("/v1/totp").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = confirm(&app, "tf_nope", "123456").await;
    assert_eq!(r.status(), StatusCode::GONE);
}

/// After a whole workflow no table holds a TOTP secret (base32, hex or
/// raw bytes), a recovery code (as shown or normalised) or a one-time
/// code.
async fn no_table_holds_a_secret(app: TestApp) {
    let now = (T0 / 1000) as u64;
    let enrolled = enrol(&app, "gina").await;
    let secret = Secret::from_base32(enrolled["secret"].as_str().unwrap()).unwrap();
    let totp = totp_of(&enrolled);
    confirm(
        &app,
        enrolled["factor_id"].as_str().unwrap(),
        &totp.code_at(now),
    )
    .await;
    let codes = json_of(
        app.post("/v1/recovery-codes")
            .json(&json!({"subject": "gina"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let started = json_of(
        app.post("/v1/otp")
            .json(&json!({"subject": "gina", "digits": 12}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let mut secrets = vec![
        secret.to_base32(),
        secret.to_base32().to_lowercase(),
        keysmith::TokenFormat::Hex.encode(secret.as_bytes()),
        String::from_utf8_lossy(secret.as_bytes()).into_owned(),
        started["code"].as_str().unwrap().to_string(),
    ];
    for c in codes["codes"].as_array().unwrap() {
        let c = c.as_str().unwrap();
        secrets.push(c.to_string());
        secrets.push(keysmith::recovery::normalize(c).unwrap());
        secrets.push(c.replace('-', ""));
    }
    let tables = [
        "totp_factors",
        "recovery_codes",
        "otp_challenges",
        "otp_subjects",
    ];
    // Every column of every row, as text.
    for table in tables {
        let columns: Vec<String> = match app.store.backend() {
            keysmith_store::Backend::Sqlite => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(table)
                    .fetch_all(app.store.pool())
                    .await
                    .unwrap()
            }
            keysmith_store::Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_all(app.store.pool())
            .await
            .unwrap(),
        };
        assert!(columns.len() >= 3, "{table}");
        for column in columns {
            let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST({column} AS TEXT) FROM {table}"
            )))
            .fetch_all(app.store.pool())
            .await
            .unwrap();
            for v in values.into_iter().flatten() {
                for s in &secrets {
                    assert!(!v.contains(s.as_str()), "{table}.{column} holds a secret");
                }
            }
        }
    }
}

/// 64 concurrent uses of one fresh code, split across two instances:
/// exactly one is accepted — for a TOTP verify, a confirmation and a
/// recovery code.
async fn concurrent_uses_accept_exactly_one(app: TestApp) {
    let other = app.another_server().await;
    let now = (T0 / 1000) as u64;
    let enrolled = enrol(&app, "hank").await;
    let totp = totp_of(&enrolled);
    let factor = enrolled["factor_id"].as_str().unwrap().to_string();
    let code = totp.code_at(now);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (client, url, key) = if i % 2 == 0 {
            (
                app.client.clone(),
                app.url(&format!("/v1/totp/{factor}/confirm")),
                app.key.clone(),
            )
        } else {
            (
                other.client.clone(),
                other.url(&format!("/v1/totp/{factor}/confirm")),
                other.key.clone(),
            )
        };
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(key)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap();
            r.status() == StatusCode::OK && r.json::<Value>().await.unwrap()["status"] == "active"
        }));
    }
    let mut active = 0;
    for t in tasks {
        active += usize::from(t.await.unwrap());
    }
    assert_eq!(active, 1, "confirmations accepted");

    app.clock.advance(Duration::from_secs(30));
    let code = totp.code_at(now + 30);
    let approved = race(
        &app,
        &other,
        "/v1/totp/verify",
        json!({"subject": "hank", "code": code}),
    )
    .await;
    assert_eq!(approved, 1, "verifications accepted");

    let made = json_of(
        app.post("/v1/recovery-codes")
            .json(&json!({"subject": "hank"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let code = made["codes"][0].as_str().unwrap();
    let approved = race(
        &app,
        &other,
        "/v1/recovery-codes/redeem",
        json!({"subject": "hank", "code": code}),
    )
    .await;
    assert_eq!(approved, 1, "recovery redemptions accepted");
}

/// Sends `body` to `path` 64 times at once, alternating instances;
/// returns how many answers were `approved`.
async fn race(a: &TestApp, b: &TestApp, path: &str, body: Value) -> usize {
    let mut tasks = Vec::new();
    for i in 0..64 {
        let app = if i % 2 == 0 { a } else { b };
        let req = app.post(path).json(&body);
        tasks.push(tokio::spawn(async move {
            let r = req.send().await.unwrap();
            r.status() == StatusCode::OK && r.json::<Value>().await.unwrap()["status"] == "approved"
        }));
    }
    let mut n = 0;
    for t in tasks {
        n += usize::from(t.await.unwrap());
    }
    n
}

on_both_backends!(
    rfc6238_vectors_verify,
    codes_are_accepted_once,
    a_new_factor_replaces_the_old_one,
    pending_factors_end,
    lockouts_are_shared_and_end,
    recovery_codes_work_once,
    bad_inputs_are_400,
    no_table_holds_a_secret,
    concurrent_uses_accept_exactly_one,
);

/// Codes that oathtool (an independent implementation) computes for the
/// secret enrolment returned are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oathtool_codes_are_accepted() {
    let app = common::sqlite_app().await;
    let oathtool = |secret: &str, unix: u64| -> String {
        let out = std::process::Command::new("oathtool")
            .args(["--totp", "-b", secret, "--now"])
            .arg(format!("@{unix}"))
            .output()
            .expect("oathtool is installed (Debian package oathtool; .ci/run installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let enrolled = enrol(&app, "ivy").await;
    let secret = enrolled["secret"].as_str().unwrap();
    let now = (T0 / 1000) as u64;
    let factor = enrolled["factor_id"].as_str().unwrap();
    let r = confirm(&app, factor, &oathtool(secret, now)).await;
    assert_eq!(json_of(r, StatusCode::OK).await["status"], "active");
    for later in [30, 60, 3600] {
        app.clock.set_ms(T0 + later * 1000);
        let code = oathtool(secret, now + later as u64);
        let r = verify(&app, "ivy", &code).await;
        assert_eq!(
            json_of(r, StatusCode::OK).await["status"],
            "approved",
            "at +{later}s"
        );
    }
}

/// A server-key rotation keeps factors working: a factor sealed under the
/// previous key verifies and is sealed again under the current one, after
/// which the previous key can go.
async fn factors_survive_a_key_rotation(app: TestApp) {
    use keysmith_store::{AtRestKey, AtRestKeys, Store, VerifyOutcome};
    let now = (T0 / 1000) as u64;
    let enrolled = enrol(&app, "jack").await;
    let totp = totp_of(&enrolled);
    let factor = enrolled["factor_id"].as_str().unwrap();
    confirm(&app, factor, &totp.code_at(now)).await;
    let k1 = AtRestKey::new("k1", [7u8; 32].to_vec()).unwrap();
    let k2 = AtRestKey::new("k2", [9u8; 32].to_vec()).unwrap();
    let open = |keys: AtRestKeys| {
        let mut options = app.store.options().clone();
        options.at_rest_keys = Some(keys);
        Store::open(&app.url, options)
    };
    let key_id = || async {
        sqlx::query_scalar::<_, String>("SELECT key_id FROM totp_factors WHERE id = $1")
            .bind(factor)
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    assert_eq!(key_id().await, "k1");
    let rotated = open(AtRestKeys::new(k2.clone()).with_previous(k1))
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(30));
    let outcome = verify_on(&rotated, "jack", &totp.code_at(now + 30)).await;
    assert_eq!(
        outcome,
        VerifyOutcome::Approved {
            factor_id: factor.to_string()
        }
    );
    assert_eq!(key_id().await, "k2", "sealed again under the current key");
    let only_new = open(AtRestKeys::new(k2)).await.unwrap();
    app.clock.advance(Duration::from_secs(30));
    let outcome = verify_on(&only_new, "jack", &totp.code_at(now + 60)).await;
    assert_eq!(
        outcome,
        VerifyOutcome::Approved {
            factor_id: factor.to_string()
        }
    );
}

/// A verification on `store` directly, for the default tenant.
async fn verify_on(
    store: &keysmith_store::Store,
    subject: &str,
    code: &str,
) -> keysmith_store::VerifyOutcome {
    store
        .default_tenant()
        .totp_factors()
        .verify(subject, code)
        .await
        .unwrap()
}

on_both_backends!(factors_survive_a_key_rotation);
