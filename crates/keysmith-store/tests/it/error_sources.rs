//! Errors keep their source: what keysmith refused is keysmith's error,
//! with its own message, and a database failure is sqlx's.

use crate::common;

use common::TestStore;
use keysmith::otp::{CodeFormat, Secret, Totp};
use keysmith_store::{StartOptions, StoreError, TotpOptions};
use std::error::Error as _;

/// `e` is [`StoreError::Keysmith`] holding `expected`, as its source, with
/// the same message.
fn is_keysmiths(e: StoreError, expected: keysmith::Error) {
    assert!(matches!(e, StoreError::Keysmith(_)), "{e:?}");
    assert_eq!(e.to_string(), expected.to_string());
    let source = e.source().expect("keysmith's error as the source");
    assert_eq!(source.downcast_ref::<keysmith::Error>(), Some(&expected));
}

async fn keysmith_errors_are_the_source(t: TestStore) {
    let e = t
        .store
        .challenges()
        .start("alice", StartOptions::default().with_digits(3))
        .await
        .unwrap_err();
    is_keysmiths(e, CodeFormat::numeric(3).unwrap_err());

    let e = t
        .store
        .default_tenant()
        .recovery_codes()
        .generate("alice", 0)
        .await
        .unwrap_err();
    is_keysmiths(
        e,
        keysmith::recovery::RecoveryCodesRecipe::new(0).unwrap_err(),
    );

    let e = t
        .store
        .api_keys()
        .create("alice", "SK_LIVE", &[], None)
        .await
        .unwrap_err();
    is_keysmiths(e, keysmith::KeySpec::new("SK_LIVE").unwrap_err());

    let options = TotpOptions {
        digits: 5,
        ..TotpOptions::default()
    };
    let e = t
        .store
        .default_tenant()
        .totp_factors()
        .enrol("alice", options)
        .await
        .unwrap_err();
    is_keysmiths(e, Totp::new(Secret::generate()).with_digits(5).unwrap_err());
}

async fn database_errors_are_the_source(t: TestStore) {
    t.store.close().await;
    let e = t.store.ping().await.unwrap_err();
    assert!(matches!(e, StoreError::Database(_)), "{e:?}");
    let source = e.source().expect("sqlx's error as the source");
    let sqlx_error = source.downcast_ref::<sqlx::Error>().expect("a sqlx error");
    assert_eq!(e.to_string(), format!("database error: {sqlx_error}"));
}

on_both_backends!(
    keysmith_errors_are_the_source,
    database_errors_are_the_source,
);
