//! Constant-time comparison of secrets.

use subtle::ConstantTimeEq;

/// Whether `a` and `b` are equal, in time that depends only on their
/// lengths, never on their contents or on where they first differ.
/// Python: `secrets.compare_digest(a, b)`.
///
/// Accepts anything that is bytes or a string (`&str`, `String`, `&[u8]`,
/// `Vec<u8>`, arrays). Inputs of different lengths are unequal; as in
/// Python, the lengths themselves are not treated as secret, which is why
/// secrets are compared as fixed-length digests.
///
/// ```
/// assert!(keysmith::compare_digest("s3cret", "s3cret"));
/// assert!(!keysmith::compare_digest(b"s3cret", b"s3creT"));
/// assert!(!keysmith::compare_digest("short", "longer"));
/// ```
#[must_use]
pub fn compare_digest(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    // subtle compares every byte with no early exit and returns a Choice
    // whose conversion to bool is the only branch on the secret data.
    a.as_ref().ct_eq(b.as_ref()).into()
}
