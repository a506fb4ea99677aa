//! The rules for the text that names things in the store's tables, each
//! defined once.
//!
//! - **Identifiers** an application gives: a reset token's user id, a
//!   subject (of challenges, TOTP factors and recovery codes), an API key's
//!   owner, and the names of API keys and service keys. One rule for all:
//!   1 to [`MAX_IDENTIFIER_LEN`] characters, no control character
//!   ([`check_identifier`]). A control character (NUL, tab, newline, an
//!   escape, …) is in no identifier anyone meant to type or show, and NUL
//!   is one PostgreSQL cannot store in `TEXT`: both backends refuse them
//!   alike, before any query.
//! - **Record ids** the store made (`key_…`, `svc_…`, `ch_…`, `tf_…`): an
//!   id no record can have ([`no_record_has`]) is answered as an unknown
//!   one, without a query.
//!
//! Three kinds of text follow rules of their own, for a reason:
//!
//! - **tenant names** ([`Tenant::new`](crate::Tenant::new)) are DNS labels
//!   (1 to 63 of `a-z`, `0-9` and `-`): an operator types them in flags
//!   and reads them in every request's log line and in metrics, where a
//!   name that differs only by case or by an invisible character would be
//!   two tenants that look like one;
//! - **at-rest key ids** ([`AtRestKey::new`](crate::AtRestKey::new)) are 1
//!   to [`MAX_KEY_ID_LEN`](crate::MAX_KEY_ID_LEN) of `A-Za-z0-9_-`: they are written in the key file as
//!   `<id>:<hex>`, where a `:` or a blank would change the line's meaning;
//! - **API-key scopes** (at most
//!   [`ApiKeys::MAX_SCOPE_LEN`](crate::ApiKeys::MAX_SCOPE_LEN) characters, no
//!   whitespace) are stored joined by spaces, so a scope with a blank would
//!   read back as two.

use crate::{Result, StoreError};

/// The longest identifier, in characters (Unicode scalar values, as JSON
/// Schema's `maxLength` counts them, so that the HTTP API's document states
/// the limit exactly): user ids, subjects, API-key owners, and API-key and
/// service-key names. At most four times as many bytes.
pub const MAX_IDENTIFIER_LEN: usize = 256;

/// Refuses `value` unless it is 1 to [`MAX_IDENTIFIER_LEN`] characters without
/// control characters. `what` names it in the message ("the subject");
/// the value itself is not repeated.
pub(crate) fn check_identifier(what: &str, value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars == 0 || chars > MAX_IDENTIFIER_LEN {
        return Err(StoreError::InvalidInput(format!(
            "{what} must be 1 to {MAX_IDENTIFIER_LEN} characters (got {chars})"
        )));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(StoreError::InvalidInput(format!(
            "{what} must not contain control characters (found {})",
            control_name(c)
        )));
    }
    Ok(())
}

/// Refuses `value` if it holds a NUL character, which PostgreSQL cannot
/// store in `TEXT` (SQLite would keep it), for text that is no identifier
/// (an API key's metadata). `what` names it in the message.
pub(crate) fn refuse_nul(what: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(StoreError::InvalidInput(format!(
            "{what} must not contain NUL characters"
        )));
    }
    Ok(())
}

/// Whether no record can have `id` as its id: one the store made is short
/// ASCII (so its bytes are its characters) and holds no NUL, which
/// PostgreSQL could not even compare.
pub(crate) fn no_record_has(id: &str) -> bool {
    id.len() > MAX_IDENTIFIER_LEN || id.contains('\0')
}

/// How a message shows a control character: `NUL` for the one PostgreSQL
/// cannot store, `U+XXXX` for the others.
fn control_name(c: char) -> String {
    match c {
        '\0' => "NUL".into(),
        c => format!("U+{:04X}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_one_rule() {
        let ok = |v: &str| check_identifier("the x", v).map_err(|e| e.to_string());
        assert_eq!(ok("a"), Ok(()));
        assert_eq!(ok(&"a".repeat(MAX_IDENTIFIER_LEN)), Ok(()));
        // Characters, not bytes, as JSON Schema's maxLength counts: 256
        // two-byte or four-byte characters fit, 257 do not.
        assert_eq!(ok(&"é".repeat(MAX_IDENTIFIER_LEN)), Ok(()));
        assert_eq!(ok(&"😀".repeat(MAX_IDENTIFIER_LEN)), Ok(()));
        assert_eq!(
            ok(&"é".repeat(MAX_IDENTIFIER_LEN + 1)),
            Err("the x must be 1 to 256 characters (got 257)".into())
        );
        assert_eq!(
            ok(""),
            Err("the x must be 1 to 256 characters (got 0)".into())
        );
        assert_eq!(
            ok("a\0b"),
            Err("the x must not contain control characters (found NUL)".into())
        );
        for (c, name) in [('\t', "U+0009"), ('\n', "U+000A"), ('\u{7f}', "U+007F")] {
            assert_eq!(
                ok(&format!("a{c}")),
                Err(format!(
                    "the x must not contain control characters (found {name})"
                ))
            );
        }
        // Other Unicode, blanks and punctuation are fine.
        assert_eq!(ok("Ålice Smith <alice@example.com> ✓"), Ok(()));
    }

    #[test]
    fn record_ids_no_record_has() {
        assert!(!no_record_has("key_0123"));
        assert!(!no_record_has(""));
        assert!(no_record_has("key_\0"));
        assert!(no_record_has(&"k".repeat(MAX_IDENTIFIER_LEN + 1)));
    }
}
