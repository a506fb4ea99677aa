//! At-rest keys: the server's own secrets, under which one-time codes and
//! recovery codes are HMAC'd and TOTP secrets sealed. The key file and the
//! CLI call one of them a "server key".

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

use crate::{Result, StoreError};
use zeroize::Zeroizing;

/// The shortest server key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 32;

/// The longest server key id, in characters (see [`AtRestKey::new`]).
pub const MAX_KEY_ID_LEN: usize = 64;

/// The bytes lowercase or uppercase hex digits spell, or `None` for an odd
/// count or any other character. (How server keys are written, and how
/// sealed values are kept.)
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// One server key with its id. `Debug` never shows the key.
#[derive(Clone)]
pub struct AtRestKey {
    id: String,
    key: Vec<u8>,
}

impl AtRestKey {
    /// A key of at least [`MIN_KEY_LEN`] bytes; `id` names it in the
    /// records it protects (1 to [`MAX_KEY_ID_LEN`] characters of
    /// `A-Za-z0-9_-`: the key file writes it as `<id>:<hex>`).
    pub fn new(id: impl Into<String>, key: impl Into<Vec<u8>>) -> Result<Self> {
        let id = id.into();
        let key = key.into();
        if id.is_empty()
            || id.len() > MAX_KEY_ID_LEN
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            // The message does not quote the id: one read from a key file
            // may be the key itself, put where the id goes. The caller says
            // where the key came from.
            return Err(StoreError::InvalidInput(format!(
                "a server key id must be 1 to {MAX_KEY_ID_LEN} characters of A-Z, a-z, 0-9, \
                 '_' and '-'"
            )));
        }
        if key.len() < MIN_KEY_LEN {
            return Err(StoreError::InvalidInput(format!(
                "a server key has {} bytes; at least {MIN_KEY_LEN} are needed",
                key.len()
            )));
        }
        Ok(AtRestKey { id, key })
    }

    /// A new random 32-byte key.
    pub fn generate(id: impl Into<String>) -> Result<Self> {
        AtRestKey::new(id, keysmith::token_bytes(MIN_KEY_LEN))
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 under this key of each part, each prefixed with its
    /// length so that no two lists of parts collide, as lowercase hex.
    pub fn mac_hex(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        keysmith::TokenFormat::Hex.encode(&mac.finalize().into_bytes())
    }
}

impl AtRestKey {
    /// A 32-byte key for one purpose, derived from this key by
    /// HMAC-SHA256 with a label that no MAC input can equal (MAC inputs
    /// start with an 8-byte length; labels start with `keysmith/`).
    pub(crate) fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(b"keysmith/derive/v1/");
        mac.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }
}

impl fmt::Debug for AtRestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtRestKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Drop for AtRestKey {
    fn drop(&mut self) {
        // `zeroize`, not `fill(0)`: a store into memory about to be freed
        // is one the optimiser may remove.
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// The current key, which protects new records, and older keys still
/// accepted for records made before a rotation.
#[derive(Clone, Debug)]
pub struct AtRestKeys {
    current: AtRestKey,
    previous: Vec<AtRestKey>,
}

impl AtRestKeys {
    /// A key set with only `current`.
    pub fn new(current: AtRestKey) -> Self {
        AtRestKeys {
            current,
            previous: Vec::new(),
        }
    }

    /// Keeps accepting `key` for records it protects.
    pub fn with_previous(mut self, key: AtRestKey) -> Self {
        self.previous.push(key);
        self
    }

    /// The key new records use.
    pub fn current(&self) -> &AtRestKey {
        &self.current
    }

    /// Every key, the current one first.
    pub fn all(&self) -> impl Iterator<Item = &AtRestKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }

    /// The key with this id, current or previous.
    pub fn get(&self, id: &str) -> Option<&AtRestKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreOptions;

    #[test]
    fn debug_and_errors_show_ids_not_keys() {
        let keys = AtRestKeys::new(AtRestKey::new("k2", vec![0xAB; 32]).unwrap())
            .with_previous(AtRestKey::new("k1", vec![0xCD; 32]).unwrap());
        let options = StoreOptions::default().with_at_rest_keys(keys.clone());
        let shown = format!("{keys:?} {options:?} {options:#?}");
        assert!(shown.contains("k2") && shown.contains("k1"), "{shown}");
        for byte in ["171", "205", "ab, ", "0xab", "cd, ", "0xcd"] {
            assert!(!shown.to_lowercase().contains(byte), "{shown}");
        }
        let e = AtRestKey::new("short", vec![0xAB; 31]).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            shown.contains("31 bytes") && !shown.contains("171"),
            "{shown}"
        );
    }

    #[test]
    fn macs_depend_on_key_and_parts() {
        let k = AtRestKey::new("k", vec![1; 32]).unwrap();
        let other = AtRestKey::new("k", vec![2; 32]).unwrap();
        let mac = k.mac_hex(&[b"ch_1", b"123456"]);
        assert_eq!(mac.len(), 64);
        assert_eq!(mac, k.mac_hex(&[b"ch_1", b"123456"]));
        assert_ne!(mac, other.mac_hex(&[b"ch_1", b"123456"]));
        // Length prefixes: moving bytes between parts changes the MAC.
        assert_ne!(mac, k.mac_hex(&[b"ch_11", b"23456"]));
        assert_ne!(mac, k.mac_hex(&[b"ch_1123456"]));
    }
}
