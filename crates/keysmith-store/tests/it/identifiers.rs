//! The text that names things in every table, at its boundary: the longest
//! accepted value works, one byte more is refused, and so is a character
//! the rule refuses, at each table's entry points, on both backends.

use crate::common;

use common::TestStore;
use keysmith_store::{
    AtRestKey, KeyPolicy, KeyUpdate, MAX_IDENTIFIER_LEN, Scopes, ServiceKeys, StartOptions, Store,
    StoreError, Tenant, TotpOptions,
};
use std::future::Future;
use std::pin::Pin;

type Answer<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + 'a>>;

/// One entry point: the text it takes, its longest accepted length, the
/// characters its rule refuses, and the call.
struct Entry<'a> {
    name: &'static str,
    max: usize,
    refused: &'static [char],
    call: Box<dyn Fn(String) -> Answer<'a> + 'a>,
}

fn entry<'a, F, Fut>(name: &'static str, max: usize, refused: &'static [char], call: F) -> Entry<'a>
where
    F: Fn(String) -> Fut + 'a,
    Fut: Future<Output = Result<(), StoreError>> + 'a,
{
    Entry {
        name,
        max,
        refused,
        call: Box::new(move |v| Box::pin(call(v))),
    }
}

/// The control characters every identifier refuses: NUL (which PostgreSQL
/// cannot store), tab, newline, DEL and a C1 control.
const CONTROLS: &[char] = &['\0', '\t', '\n', '\u{7f}', '\u{85}'];

fn entries(s: &Store) -> Vec<Entry<'_>> {
    let id = MAX_IDENTIFIER_LEN;
    let tenant = s.default_tenant();
    vec![
        // reset_tokens, reset_throttle: the user id.
        entry("reset_tokens.issue", id, CONTROLS, move |v| async move {
            s.reset_tokens().issue(&v, None).await.map(drop)
        }),
        entry(
            "reset_tokens.revoke_all",
            id,
            CONTROLS,
            move |v| async move { s.reset_tokens().revoke_all(&v).await.map(drop) },
        ),
        // otp_challenges, otp_sends, otp_subjects: the subject.
        entry("challenges.start", id, CONTROLS, move |v| async move {
            s.challenges()
                .start(&v, StartOptions::default())
                .await
                .map(drop)
        }),
        entry(
            "challenges.reset_subject",
            id,
            CONTROLS,
            move |v| async move { s.challenges().reset_subject(&v).await },
        ),
        // totp_factors: the subject.
        entry("totp_factors.enrol", id, CONTROLS, move |v| async move {
            tenant
                .totp_factors()
                .enrol(&v, TotpOptions::default())
                .await
                .map(drop)
        }),
        entry("totp_factors.verify", id, CONTROLS, move |v| async move {
            tenant.totp_factors().verify(&v, "123456").await.map(drop)
        }),
        entry("totp_factors.list", id, CONTROLS, move |v| async move {
            tenant.totp_factors().list(&v).await.map(drop)
        }),
        // recovery_codes: the subject.
        entry(
            "recovery_codes.generate",
            id,
            CONTROLS,
            move |v| async move { tenant.recovery_codes().generate(&v, 10).await.map(drop) },
        ),
        entry("recovery_codes.redeem", id, CONTROLS, move |v| async move {
            tenant
                .recovery_codes()
                .redeem(&v, "aaaaa-aaaaa")
                .await
                .map(drop)
        }),
        entry("recovery_codes.status", id, CONTROLS, move |v| async move {
            tenant.recovery_codes().status(&v).await.map(drop)
        }),
        // api_keys: the owner, the name, the scopes.
        entry(
            "api_keys.create (owner)",
            id,
            CONTROLS,
            move |v| async move {
                s.api_keys()
                    .create(&v, "sk_live", &[], None)
                    .await
                    .map(drop)
            },
        ),
        entry(
            "api_keys.list_page (owner)",
            id,
            CONTROLS,
            move |v| async move { s.api_keys().list_page(&v, 10, None).await.map(drop) },
        ),
        entry(
            "api_keys.create_with (name)",
            id,
            CONTROLS,
            move |v| async move {
                let mut policy = KeyPolicy::default();
                policy.name = Some(v);
                s.api_keys()
                    .create_with("acme", "sk_live", &[], None, &policy)
                    .await
                    .map(drop)
            },
        ),
        entry(
            "api_keys.update (name)",
            id,
            CONTROLS,
            move |v| async move {
                let created = s.api_keys().create("acme", "sk_live", &[], None).await?;
                let mut change = KeyUpdate::default();
                change.name = Some(Some(v));
                s.api_keys().update(&created.id, &change).await.map(drop)
            },
        ),
        // Stored joined by spaces: no blank in a scope.
        entry(
            "api_keys.create (scope)",
            keysmith_store::ApiKeys::MAX_SCOPE_LEN,
            &['\0', '\n', ' ', '\u{a0}'],
            move |v| async move {
                s.api_keys()
                    .create("acme", "sk_live", &[v.as_str()], None)
                    .await
                    .map(drop)
            },
        ),
        // api_keys of kind service: the name.
        entry(
            "service_keys.create (name)",
            id,
            CONTROLS,
            move |v| async move {
                s.service_keys()
                    .create(&Tenant::default(), &v, Scopes::standard())
                    .await
                    .map(drop)
            },
        ),
        entry("ServiceKeys::check_name", id, CONTROLS, |v| async move {
            ServiceKeys::check_name(&v)
        }),
        // tenants: DNS labels.
        entry(
            "Tenant::new",
            Tenant::MAX_LEN,
            &['\0', 'A', '_', '.', ' ', 'é'],
            |v| async move { Tenant::new(&v).map(drop) },
        ),
        // The key_id column: the key file's `<id>:<hex>` syntax.
        entry(
            "AtRestKey::new",
            keysmith_store::MAX_KEY_ID_LEN,
            &['\0', ':', ' ', '.', 'é'],
            |v| async move { AtRestKey::new(v, vec![1; 32]).map(drop) },
        ),
    ]
}

async fn every_table_keeps_its_rule_at_the_boundary(t: TestStore) {
    for e in entries(&t.store) {
        let longest = "a".repeat(e.max);
        match (e.call)(longest).await {
            Err(StoreError::InvalidInput(m)) => {
                panic!(
                    "{}: the longest value ({} bytes) was refused: {m}",
                    e.name, e.max
                )
            }
            Err(other) => panic!("{}: {other:?}", e.name),
            Ok(()) => {}
        }
        match (e.call)("a".repeat(e.max + 1)).await {
            Err(StoreError::InvalidInput(m)) => {
                assert!(m.contains(&e.max.to_string()), "{}: {m}", e.name);
            }
            other => panic!("{}: one byte too many gave {other:?}", e.name),
        }
        for &c in e.refused {
            let value = format!("a{c}b");
            match (e.call)(value).await {
                // A message may show the value, escaped: never a raw
                // control character.
                Err(StoreError::InvalidInput(m)) => {
                    assert!(!m.chars().any(char::is_control), "{}: {m:?}", e.name);
                }
                other => panic!("{}: {c:?} gave {other:?}", e.name),
            }
        }
    }
}

/// One rule, one message: every identifier names itself, the limit and
/// what was found, in the same words.
async fn identifiers_share_their_messages(t: TestStore) {
    let s = &t.store;
    let too_long = "a".repeat(MAX_IDENTIFIER_LEN + 1);
    let message = |r: Result<(), StoreError>| match r {
        Err(StoreError::InvalidInput(m)) => m,
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    for (what, r) in [
        (
            "the user id",
            s.reset_tokens().issue(&too_long, None).await.map(drop),
        ),
        ("the subject", s.challenges().reset_subject(&too_long).await),
        (
            "the key owner",
            s.api_keys().list(&too_long).await.map(drop),
        ),
        ("the service key name", ServiceKeys::check_name(&too_long)),
    ] {
        assert_eq!(
            message(r),
            format!("{what} must be 1 to {MAX_IDENTIFIER_LEN} characters (got 257)")
        );
    }
    assert_eq!(
        message(s.reset_tokens().issue("al\tice", None).await.map(drop)),
        "the user id must not contain control characters (found U+0009)"
    );
    assert_eq!(
        message(s.challenges().reset_subject("al\0ice").await),
        "the subject must not contain control characters (found NUL)"
    );
}

/// The limit counts characters, as the HTTP document's `maxLength` does:
/// the longest identifier of four-byte characters (1,024 bytes) is stored
/// and read back whole by both backends, one more is refused.
async fn identifiers_count_characters(t: TestStore) {
    let s = &t.store;
    let longest = "😀".repeat(MAX_IDENTIFIER_LEN);
    let issued = s.reset_tokens().issue(&longest, None).await.unwrap();
    assert_eq!(
        s.reset_tokens().redeem(issued.token()).await.unwrap(),
        longest
    );
    let err = s
        .reset_tokens()
        .issue(&format!("{longest}a"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidInput(m) if m.ends_with("characters (got 257)")),
        "{err:?}"
    );
}

on_both_backends!(
    every_table_keeps_its_rule_at_the_boundary,
    identifiers_share_their_messages,
    identifiers_count_characters,
);
