//! The former names of renamed types still name the same types, so code
//! written against them keeps compiling (with a deprecation warning).

#![allow(deprecated)]

#[cfg(feature = "passphrase")]
#[test]
fn passphrase_is_passphrase_recipe() {
    let recipe: keysmith::PassphraseRecipe =
        keysmith::Passphrase::builder().words(3).build().unwrap();
    let same: keysmith::passphrase::Passphrase = recipe.clone();
    assert_eq!(same.words(), 3);
    assert_eq!(format!("{recipe:?}"), format!("{same:?}"));
}

#[cfg(feature = "otp")]
#[test]
fn code_is_code_format() {
    let format: keysmith::otp::CodeFormat = keysmith::otp::Code::numeric(6).unwrap();
    let root: keysmith::Code = keysmith::CodeFormat::numeric(6).unwrap();
    assert_eq!(format, root);
}

#[cfg(feature = "otp")]
#[test]
fn recovery_codes_is_recovery_codes_recipe() {
    use keysmith::recovery::{RecoveryCodes, RecoveryCodesRecipe};
    let recipe: RecoveryCodesRecipe = RecoveryCodes::new(3).unwrap();
    assert_eq!(recipe.count(), 3);
    assert_eq!(RecoveryCodes::LEN, RecoveryCodesRecipe::LEN);
    assert_eq!(RecoveryCodes::MAX_COUNT, RecoveryCodesRecipe::MAX_COUNT);
}
