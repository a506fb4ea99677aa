//! The string a password policy or a passphrase recipe draws.

use std::fmt;
use std::ops::Deref;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A drawn password or passphrase: what a password
/// [`Policy`](crate::password::Policy) and a
/// [`PassphraseRecipe`](crate::passphrase::PassphraseRecipe) give.
///
/// It reads as a `&str` (through `Deref`, or [`expose`](Self::expose)). Its
/// buffer is overwritten with zeros when it is dropped, by writes the
/// optimiser cannot remove, and it was reserved at its final size before
/// the first character was written, so no partial copy was left behind in
/// freed memory. Its `Debug` form is `SecretString([redacted])`, so a
/// `{:?}` in a log line does not leak it; equality is constant time for
/// strings of equal length.
///
/// ```
/// # #[cfg(feature = "password")] {
/// use keysmith::Recipe;
/// use keysmith::password::Policy;
///
/// let pw = Policy::builder().length(12).build()?.generate();
/// assert_eq!(pw.chars().count(), 12);
/// assert_eq!(format!("{pw:?}"), "SecretString([redacted])");
/// let shown: &str = pw.expose();
/// # assert_eq!(shown.len(), 12);
/// # }
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Takes `s`, which the caller filled without growing it past the
    /// capacity it was made with.
    pub(crate) fn new(s: Zeroizing<String>) -> SecretString {
        SecretString(s)
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret's bytes, still wiped when dropped.
    pub fn into_bytes(mut self) -> Zeroizing<Vec<u8>> {
        // Moves the buffer out; what stays behind is an empty string.
        Zeroizing::new(std::mem::take(&mut *self.0).into_bytes())
    }
}

impl Deref for SecretString {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SecretString {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &SecretString) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

impl PartialEq<str> for SecretString {
    fn eq(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl PartialEq<&str> for SecretString {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for SecretString {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::new(Zeroizing::new(s.to_owned()))
    }

    #[test]
    fn debug_is_redacted() {
        let s = secret("hunter2");
        let shown = format!("{s:?} {:?}", vec![s.clone()]);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
    }

    #[test]
    fn reads_and_compares_as_a_str() {
        let s = secret("tea cup");
        assert_eq!(s.expose(), "tea cup");
        assert_eq!(s.split(' ').count(), 2);
        let owned = String::from("tea cup");
        assert!(s == "tea cup" && s == *"tea cup" && s == owned);
        assert!(s != "tea cuP" && s != "tea" && s != secret("tea"));
        assert!(s == secret("tea cup"));
        assert_eq!(&*s.into_bytes(), b"tea cup");
    }
}
