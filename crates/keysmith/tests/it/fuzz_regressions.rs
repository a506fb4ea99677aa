#![cfg(feature = "passphrase")]

//! Inputs the fuzz targets (`fuzz/`) found breaking a property, kept as
//! tests: each names its target and the property.

use crate::passphrase::list;
use keysmith::passphrase::{Decodability, PassphraseRecipe};

/// `passphrase_wordlist`: a one-word recipe is ambiguous exactly when two
/// draws print the same. With a digit, the one word is always followed by
/// it, so "a" + "1" and "a1" without a digit cannot both be drawn: "a1"
/// is always "a1" and a digit. (It was called ambiguous.)
#[test]
fn one_word_followed_by_a_digit_is_unique() {
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "a1", "b"]))
        .words(1)
        .digit(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Unique);
    // The same with a symbol too, and with a symbol alone.
    for (digit, symbols) in [(true, "!1"), (false, "!")] {
        let p = PassphraseRecipe::builder()
            .list(list(&["a", "a1", "a!", "a1!"]))
            .words(1)
            .digit(digit)
            .symbols(symbols)
            .build()
            .unwrap();
        assert_eq!(p.decodability(), Decodability::Unique, "{digit} {symbols}");
    }
    // So the bits of a one-word recipe can be promised: 3 words times 10
    // digits are 30 draws, 4.9 bits.
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "a1", "b"]))
        .digit(true)
        .bits(4)
        .build()
        .unwrap();
    assert_eq!(p.words(), 1);
    // With two words the digit can move: ("a"+"1", "a1") and ("a1",
    // "a"+"1") print the same.
    let p = PassphraseRecipe::builder()
        .list(list(&["a", "a1", "b"]))
        .words(2)
        .digit(true)
        .build()
        .unwrap();
    assert_eq!(p.decodability(), Decodability::Ambiguous);
}
