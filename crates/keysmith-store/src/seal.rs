//! Sealing what the server must read back (TOTP secrets): XChaCha20-Poly1305
//! under a key derived from a server key, with the row's identity as
//! associated data, so a sealed value copied to another row (or another
//! tenant) does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{AtRestKey, Result, StoreError};

const NONCE_LEN: usize = 24;

/// The associated data of `parts`: each part prefixed with its length, so
/// no two lists of parts collide.
fn associated(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u64).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn cipher(key: &AtRestKey, purpose: &str) -> XChaCha20Poly1305 {
    let derived = key.derive(purpose);
    XChaCha20Poly1305::new_from_slice(derived.as_slice()).expect("a 32-byte key")
}

/// `plaintext` sealed under `key` for `purpose`, bound to `row`: the hex
/// of a random 24-byte nonce, the ciphertext and the tag.
pub(crate) fn seal(key: &AtRestKey, purpose: &str, row: &[&[u8]], plaintext: &[u8]) -> String {
    let nonce_bytes: [u8; NONCE_LEN] = keysmith::token_bytes(NONCE_LEN)
        .try_into()
        .expect("24 bytes");
    let nonce = XNonce::from(nonce_bytes);
    let aad = associated(row);
    let sealed = cipher(key, purpose)
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("XChaCha20-Poly1305 seals any message this size");
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&sealed);
    keysmith::TokenFormat::Hex.encode(&out)
}

/// What [`seal`] sealed, if `sealed` was made under `key` for `purpose`
/// and `row`. The message never says more than that it does not open.
pub(crate) fn open(
    key: &AtRestKey,
    purpose: &str,
    row: &[&[u8]],
    sealed: &str,
) -> Result<zeroize_vec::Secret> {
    let corrupt = || {
        StoreError::Config(format!(
            "a sealed {purpose} does not open under server key '{}'",
            key.id()
        ))
    };
    let bytes = crate::decode_hex(sealed).ok_or_else(corrupt)?;
    if bytes.len() < NONCE_LEN {
        return Err(corrupt());
    }
    let (nonce, body) = bytes.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| corrupt())?;
    let aad = associated(row);
    cipher(key, purpose)
        .decrypt(
            &nonce,
            Payload {
                msg: body,
                aad: &aad,
            },
        )
        .map(zeroize_vec::Secret)
        .map_err(|_| corrupt())
}

pub(crate) mod zeroize_vec {
    //! Opened plaintext, wiped when dropped.
    use zeroize::Zeroize;

    /// Bytes that are wiped on drop.
    pub(crate) struct Secret(pub(crate) Vec<u8>);

    impl Drop for Secret {
        fn drop(&mut self) {
            self.0.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_where_they_were_sealed() {
        let k1 = AtRestKey::new("k1", vec![1; 32]).unwrap();
        let k2 = AtRestKey::new("k2", vec![2; 32]).unwrap();
        let row: &[&[u8]] = &[b"tenant-a", b"tf_1"];
        let sealed = seal(&k1, "totp secret", row, b"12345678901234567890");
        assert!(!sealed.contains(&keysmith::TokenFormat::Hex.encode(b"12345678901234567890")));
        assert_eq!(
            open(&k1, "totp secret", row, &sealed).unwrap().0,
            b"12345678901234567890"
        );
        // Another key, purpose, row, tenant or a changed byte: refused.
        assert!(open(&k2, "totp secret", row, &sealed).is_err());
        assert!(open(&k1, "other", row, &sealed).is_err());
        assert!(open(&k1, "totp secret", &[b"tenant-a", b"tf_2"], &sealed).is_err());
        assert!(open(&k1, "totp secret", &[b"tenant-b", b"tf_1"], &sealed).is_err());
        assert!(open(&k1, "totp secret", &[b"tenant-atf_1"], &sealed).is_err());
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(
            open(
                &k1,
                "totp secret",
                row,
                std::str::from_utf8(&flipped).unwrap()
            )
            .is_err()
        );
        assert!(open(&k1, "totp secret", row, "zz").is_err());
        // Two seals of one value differ (fresh nonces).
        assert_ne!(
            sealed,
            seal(&k1, "totp secret", row, b"12345678901234567890")
        );
    }
}
