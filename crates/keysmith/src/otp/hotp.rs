//! HOTP (RFC 4226) and TOTP (RFC 6238): codes from a shared secret and a
//! counter or the time.

use super::Secret;
use crate::{Error, Result};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, utf8_percent_encode};
use std::fmt::{self, Write as _};
use std::str::FromStr;
use zeroize::Zeroizing;

/// The largest look-ahead [`Hotp::verify`] accepts: 100 counters past the
/// expected one. Each counter costs an HMAC, and every one widens the
/// chance of a guess; RFC 4226 (section 7.4) expects a small window.
pub const MAX_HOTP_LOOK_AHEAD: u64 = 100;

/// The largest skew [`Totp::verify`] accepts: 10 time steps either side of
/// the current one (5 minutes each way with 30-second steps). RFC 6238
/// (section 5.2) recommends at most one step.
pub const MAX_TOTP_SKEW_STEPS: u32 = 10;

/// The most digits a code has; candidates are made in a buffer this long.
const MAX_DIGITS: usize = 8;

/// The hash function under the HMAC. SHA-1 is what RFC 4226 specifies and
/// what nearly every authenticator app assumes; SHA-256 and SHA-512 are the
/// RFC 6238 alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA-1 (the default).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name `otpauth://` URIs use: `SHA1`, `SHA256` or `SHA512`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// RFC 4226 dynamic truncation of the HMAC of `msg` under `key` with
    /// this hash.
    fn truncated_hmac(self, key: &[u8], msg: &[u8]) -> u32 {
        match self {
            Algorithm::Sha1 => truncated_hmac_with::<Hmac<sha1::Sha1>>(key, msg),
            Algorithm::Sha256 => truncated_hmac_with::<Hmac<sha2::Sha256>>(key, msg),
            Algorithm::Sha512 => truncated_hmac_with::<Hmac<sha2::Sha512>>(key, msg),
        }
    }

    /// HMAC of `msg` under `key` with this hash, for the RFC's
    /// intermediate values.
    #[cfg(test)]
    fn hmac(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        fn with<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
            let mut mac = <M as KeyInit>::new_from_slice(key).expect("any key length");
            mac.update(msg);
            mac.finalize().as_bytes().to_vec()
        }
        match self {
            Algorithm::Sha1 => with::<Hmac<sha1::Sha1>>(key, msg),
            Algorithm::Sha256 => with::<Hmac<sha2::Sha256>>(key, msg),
            Algorithm::Sha512 => with::<Hmac<sha2::Sha512>>(key, msg),
        }
    }
}

/// The MAC is read where the `hmac` crate leaves it, with no copy: its
/// output type wipes itself on drop, and so do the inner and outer hash
/// states keyed with the secret (the `zeroize` features of `hmac`, `sha1`
/// and `sha2`). One copy is out of keysmith's reach: the padded key block
/// `hmac` builds on its stack while keying is not wiped by `hmac` itself.
fn truncated_hmac_with<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> u32 {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    let out = mac.finalize();
    dynamic_truncation(out.as_bytes())
}

/// `Error::InvalidInput` unless `look_ahead <= MAX_HOTP_LOOK_AHEAD`.
fn check_look_ahead(look_ahead: u64) -> Result<()> {
    if look_ahead > MAX_HOTP_LOOK_AHEAD {
        return Err(Error::InvalidInput(format!(
            "the HOTP look-ahead must be at most {MAX_HOTP_LOOK_AHEAD} counters (got {look_ahead})"
        )));
    }
    Ok(())
}

/// `Error::InvalidInput` unless `window <= MAX_TOTP_SKEW_STEPS`.
fn check_skew(window: u32) -> Result<()> {
    if window > MAX_TOTP_SKEW_STEPS {
        return Err(Error::InvalidInput(format!(
            "the TOTP window must be at most {MAX_TOTP_SKEW_STEPS} steps either side (got {window})"
        )));
    }
    Ok(())
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// `sha1`, `sha256` or `sha512`, in any case, with or without a hyphen
    /// (`SHA-256`).
    fn from_str(s: &str) -> Result<Algorithm> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(Algorithm::Sha1),
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            _ => Err(Error::InvalidInput(format!(
                "unknown algorithm '{s}' (expected sha1, sha256 or sha512)"
            ))),
        }
    }
}

/// RFC 4226 dynamic truncation: 31 bits taken from the HMAC at an offset
/// the HMAC's last nibble picks.
fn dynamic_truncation(mac: &[u8]) -> u32 {
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = [
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ];
    u32::from_be_bytes(word) & 0x7fff_ffff
}

/// HOTP (RFC 4226): the code for a counter, from a shared [`Secret`].
///
/// Codes are 6, 7 or 8 digits (default 6), zero-padded; the hash is
/// [`Algorithm::Sha1`] unless set. Computing a code cannot fail: the
/// parameters are checked when the `Hotp` is built.
///
/// ```
/// use keysmith::otp::{Hotp, Secret};
///
/// let hotp = Hotp::new(Secret::from_bytes(*b"12345678901234567890")?);
/// assert_eq!(hotp.code_at(0), "755224");                 // RFC 4226, Appendix D
/// assert_eq!(hotp.verify("969429", 1, 5)?, Some(3));     // look ahead to counter 3
/// assert!(hotp.verify("969429", 1, 1_000).is_err());     // more than MAX_HOTP_LOOK_AHEAD
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotp {
    secret: Secret,
    digits: u32,
    algorithm: Algorithm,
}

impl Hotp {
    /// The number of digits unless set: 6.
    pub const DEFAULT_DIGITS: u32 = 6;

    /// The digits a code may have: 6, 7 or 8 ([`with_digits`](Hotp::with_digits)).
    pub const DIGITS: std::ops::RangeInclusive<u32> = 6..=8;

    /// HOTP with `secret`, 6 digits and SHA-1.
    pub fn new(secret: Secret) -> Hotp {
        Hotp {
            secret,
            digits: Self::DEFAULT_DIGITS,
            algorithm: Algorithm::Sha1,
        }
    }

    /// The same with codes of `digits` digits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] unless `digits` is 6, 7 or 8 (RFC 4226
    /// needs at least 6; the 31-bit truncation cannot fill more than 8
    /// uniformly enough).
    pub fn with_digits(mut self, digits: u32) -> Result<Hotp> {
        if !Self::DIGITS.contains(&digits) {
            return Err(Error::InvalidInput(format!(
                "HOTP/TOTP codes have 6, 7 or 8 digits (got {digits})"
            )));
        }
        self.digits = digits;
        Ok(self)
    }

    /// The same with another hash function.
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Hotp {
        self.algorithm = algorithm;
        self
    }

    /// The shared secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The number of digits of a code.
    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// The hash function under the HMAC.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The 31-bit value RFC 4226 section 5.3 truncates the HMAC of
    /// `counter` to; the code is its last [`digits`](Hotp::digits) decimal
    /// digits.
    pub fn truncated_at(&self, counter: u64) -> u32 {
        self.algorithm
            .truncated_hmac(self.secret.as_bytes(), &counter.to_be_bytes())
    }

    /// Writes the code for `counter` into `out[..digits]` as ASCII digits
    /// and returns that part.
    fn write_code<'b>(&self, counter: u64, out: &'b mut [u8; MAX_DIGITS]) -> &'b [u8] {
        // The reduction RFC 4226 defines; it is applied to an HMAC output,
        // not to a random draw.
        let mut value = self.truncated_at(counter) % 10u32.pow(self.digits);
        let code = &mut out[..self.digits as usize];
        for slot in code.iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        code
    }

    /// The code for `counter`: [`digits`](Hotp::digits) decimal digits,
    /// zero-padded, in a string allocated once at its final size.
    pub fn code_at(&self, counter: u64) -> String {
        let mut buf = Zeroizing::new([0u8; MAX_DIGITS]);
        let digits = self.write_code(counter, &mut buf);
        let mut code = String::with_capacity(digits.len());
        code.extend(digits.iter().map(|&b| char::from(b)));
        code
    }

    /// Whether `code` is the code of a digit count this HOTP uses, made of
    /// decimal digits only. Says nothing about whether it is right.
    pub fn is_well_formed(&self, code: &str) -> bool {
        code.len() == self.digits as usize && code.bytes().all(|b| b.is_ascii_digit())
    }

    /// The counter in `counter ..= counter + look_ahead` whose code is
    /// `code`, if any (the server then stores the counter after it).
    ///
    /// Every candidate is computed and compared in constant time with
    /// [`compare_digest`](crate::compare_digest), with no early exit, so
    /// the time taken does not say which one matched; candidates are made
    /// in one stack buffer that is wiped afterwards. A code that is not
    /// [well formed](Hotp::is_well_formed) matches nothing. Each candidate
    /// costs one HMAC and is one more code a guess can hit, so the window
    /// is capped at [`MAX_HOTP_LOOK_AHEAD`]; RFC 4226 also asks for a
    /// throttle on failures.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `look_ahead` is more than
    /// [`MAX_HOTP_LOOK_AHEAD`].
    pub fn verify(&self, code: &str, counter: u64, look_ahead: u64) -> Result<Option<u64>> {
        check_look_ahead(look_ahead)?;
        if !self.is_well_formed(code) {
            return Ok(None);
        }
        let last = counter.saturating_add(look_ahead);
        let mut candidate = Zeroizing::new([0u8; MAX_DIGITS]);
        let mut found = None;
        for c in counter..=last {
            let matched = crate::compare_digest(self.write_code(c, &mut candidate), code);
            if matched && found.is_none() {
                found = Some(c);
            }
        }
        Ok(found)
    }

    /// The `otpauth://hotp/...` URI that enrols this secret in an
    /// authenticator app, starting at `counter`.
    ///
    /// # Errors
    ///
    /// As [`Totp::otpauth_uri`].
    pub fn otpauth_uri(&self, issuer: &str, account: &str, counter: u64) -> Result<String> {
        otpauth_uri(self, "hotp", issuer, account, ("counter", counter))
    }
}

/// TOTP (RFC 6238): the HOTP code of the time step, `(time - T0) / period`.
///
/// The period is 30 seconds and T0 is 0 unless set; digits and hash as in
/// [`Hotp`]. Times are Unix times in seconds, passed in by the caller so
/// that tests (and servers) control the clock.
///
/// ```
/// use keysmith::otp::{Algorithm, Secret, Totp};
///
/// let totp = Totp::new(Secret::from_bytes(*b"12345678901234567890")?)
///     .with_digits(8)?
///     .with_algorithm(Algorithm::Sha1);
/// assert_eq!(totp.code_at(59), "94287082");              // RFC 6238, Appendix B
/// assert_eq!(totp.verify("94287082", 89, 1)?, Some(-1)); // one step late
/// assert_eq!(totp.verify("94287082", 89, 0)?, None);
/// assert!(totp.verify("94287082", 89, 11).is_err());     // more than MAX_TOTP_SKEW_STEPS
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totp {
    hotp: Hotp,
    period: u64,
    t0: u64,
}

impl Totp {
    /// The length of a time step unless set: 30 seconds.
    pub const DEFAULT_PERIOD: u64 = 30;

    /// TOTP with `secret`, 6 digits, SHA-1, a 30-second period and T0 = 0:
    /// what authenticator apps assume.
    pub fn new(secret: Secret) -> Totp {
        Totp::from_hotp(Hotp::new(secret))
    }

    /// TOTP over the digits, hash and secret of `hotp`.
    pub fn from_hotp(hotp: Hotp) -> Totp {
        Totp {
            hotp,
            period: Self::DEFAULT_PERIOD,
            t0: 0,
        }
    }

    /// The same with codes of `digits` digits.
    ///
    /// # Errors
    ///
    /// As [`Hotp::with_digits`].
    pub fn with_digits(mut self, digits: u32) -> Result<Totp> {
        self.hotp = self.hotp.with_digits(digits)?;
        Ok(self)
    }

    /// The same with another hash function.
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Totp {
        self.hotp = self.hotp.with_algorithm(algorithm);
        self
    }

    /// The same with time steps of `seconds` seconds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `seconds` is 0.
    pub fn with_period(mut self, seconds: u64) -> Result<Totp> {
        if seconds == 0 {
            return Err(Error::InvalidInput(
                "the TOTP period must be at least 1 second (got 0)".into(),
            ));
        }
        self.period = seconds;
        Ok(self)
    }

    /// The same with the Unix time steps are counted from (RFC 6238's T0).
    pub fn with_t0(mut self, t0: u64) -> Totp {
        self.t0 = t0;
        self
    }

    /// The HOTP under this TOTP.
    pub fn hotp(&self) -> &Hotp {
        &self.hotp
    }

    /// The shared secret.
    pub fn secret(&self) -> &Secret {
        self.hotp.secret()
    }

    /// The number of digits of a code.
    pub fn digits(&self) -> u32 {
        self.hotp.digits()
    }

    /// The hash function under the HMAC.
    pub fn algorithm(&self) -> Algorithm {
        self.hotp.algorithm()
    }

    /// The length of a time step in seconds.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// The Unix time step 0 starts at.
    pub fn t0(&self) -> u64 {
        self.t0
    }

    /// The time step (the HOTP counter) at `unix_time`:
    /// `(unix_time - T0) / period`. Times before T0 are in step 0.
    pub fn step_at(&self, unix_time: u64) -> u64 {
        unix_time.saturating_sub(self.t0) / self.period
    }

    /// The Unix time at which the step of `unix_time` ends and its code
    /// stops being the current one.
    pub fn step_end(&self, unix_time: u64) -> u64 {
        let step = self.step_at(unix_time);
        self.t0
            .saturating_add(step.saturating_add(1).saturating_mul(self.period))
    }

    /// The code at `unix_time`.
    pub fn code_at(&self, unix_time: u64) -> String {
        self.hotp.code_at(self.step_at(unix_time))
    }

    /// Whether `code` is the code of some step within `window` steps of
    /// the step of `unix_time`, and if so which: `Some(0)` for the current
    /// step, `Some(-1)` for the previous one, `Some(1)` for the next.
    /// `window = 1` (RFC 6238's recommendation) tolerates a clock off by
    /// one step either way.
    ///
    /// All `2 * window + 1` candidates are computed and compared in
    /// constant time with [`compare_digest`](crate::compare_digest), with
    /// no early exit, in one stack buffer wiped afterwards. A code that is
    /// not [well formed](Hotp::is_well_formed) matches nothing. To refuse a
    /// code used twice, the caller remembers the last step that matched and
    /// rejects steps at or before it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `window` is more than
    /// [`MAX_TOTP_SKEW_STEPS`].
    pub fn verify(&self, code: &str, unix_time: u64, window: u32) -> Result<Option<i64>> {
        check_skew(window)?;
        if !self.hotp.is_well_formed(code) {
            return Ok(None);
        }
        let step = self.step_at(unix_time);
        let window = i64::from(window);
        let mut buf = Zeroizing::new([0u8; MAX_DIGITS]);
        let mut found = None;
        for offset in -window..=window {
            let Some(candidate) = step.checked_add_signed(offset) else {
                continue;
            };
            let matched = crate::compare_digest(self.hotp.write_code(candidate, &mut buf), code);
            if matched && found.is_none() {
                found = Some(offset);
            }
        }
        Ok(found)
    }

    /// The `otpauth://totp/...` URI (Google's Key URI format) that enrols
    /// this secret in an authenticator app, usually shown as a QR code:
    /// `otpauth://totp/Issuer:account?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30`.
    /// Issuer and account are percent-encoded (a space becomes `%20`).
    /// The URI holds the secret: it is built in one allocation of its final
    /// size, so no reallocation leaves a copy behind, and wiping it when
    /// done is the caller's part.
    ///
    /// ```
    /// use keysmith::otp::{Secret, Totp};
    ///
    /// let totp = Totp::new(Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?);
    /// assert_eq!(
    ///     totp.otpauth_uri("ACME Co", "john.doe@email.com")?,
    ///     "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
    ///      &issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    /// );
    /// # Ok::<(), keysmith::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the issuer or the account is empty or
    /// contains a `:` or a control character, or when T0 is not 0 (the URI
    /// format cannot say so).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String> {
        if self.t0 != 0 {
            return Err(Error::InvalidInput(
                "an otpauth URI cannot carry a T0 other than 0".into(),
            ));
        }
        otpauth_uri(&self.hotp, "totp", issuer, account, ("period", self.period))
    }
}

/// What `encodeURIComponent` leaves alone: letters, digits and `-._~`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn check_label_part(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput(format!("the {what} must not be empty")));
    }
    if value.contains(':') {
        return Err(Error::InvalidInput(format!(
            "the {what} must not contain ':' (got '{value}')"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "the {what} must not contain control characters"
        )));
    }
    Ok(())
}

/// The number of decimal digits of `n`.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// The length of a percent-encoded value.
fn encoded_len(e: PercentEncode<'_>) -> usize {
    e.map(str::len).sum()
}

/// `otpauth://{kind}/{issuer}:{account}?secret=…&issuer=…&algorithm=…&digits=…&{last.0}={last.1}`,
/// written into a string reserved at its exact final length: `format!`
/// grows its buffer as it goes, and every regrowth would free a buffer
/// holding part of the secret without wiping it.
fn otpauth_uri(
    hotp: &Hotp,
    kind: &str,
    issuer: &str,
    account: &str,
    last: (&str, u64),
) -> Result<String> {
    check_label_part("issuer", issuer)?;
    check_label_part("account", account)?;
    let issuer = utf8_percent_encode(issuer, COMPONENT);
    let account = utf8_percent_encode(account, COMPONENT);
    let algorithm = hotp.algorithm.name();
    let (name, value) = last;
    let len = "otpauth://".len()
        + kind.len()
        + "/".len()
        + encoded_len(issuer.clone())
        + ":".len()
        + encoded_len(account.clone())
        + "?secret=".len()
        + hotp.secret.base32_len()
        + "&issuer=".len()
        + encoded_len(issuer.clone())
        + "&algorithm=".len()
        + algorithm.len()
        + "&digits=".len()
        + decimal_len(u64::from(hotp.digits))
        + "&=".len()
        + name.len()
        + decimal_len(value);
    let mut uri = String::with_capacity(len);
    // Writing to a `String` cannot fail; with the room reserved it does
    // not reallocate either.
    let _ = write!(uri, "otpauth://{kind}/{issuer}:{account}?secret=");
    hotp.secret.append_base32(&mut uri);
    let _ = write!(
        uri,
        "&issuer={issuer}&algorithm={algorithm}&digits={}&{name}={value}",
        hotp.digits
    );
    debug_assert_eq!(uri.len(), len);
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc4226_intermediate_hmac_values() {
        let key = b"12345678901234567890";
        assert_eq!(
            hex(&Algorithm::Sha1.hmac(key, &0u64.to_be_bytes())),
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0"
        );
        assert_eq!(
            hex(&Algorithm::Sha1.hmac(key, &9u64.to_be_bytes())),
            "1637409809a679dc698207310c8c7fc07290d9e5"
        );
    }

    #[test]
    fn rfc4226_truncation_example() {
        // RFC 4226 section 5.4.
        let mac = [
            0x1f, 0x86, 0x98, 0x69, 0x0e, 0x02, 0xca, 0x16, 0x61, 0x85, 0x50, 0xef, 0x7f, 0x19,
            0xda, 0x8e, 0x94, 0x5b, 0x55, 0x5a,
        ];
        assert_eq!(dynamic_truncation(&mac), 0x50ef_7f19);
        assert_eq!(dynamic_truncation(&mac) % 1_000_000, 872_921);
    }

    #[test]
    fn output_sizes() {
        for (a, n) in [
            (Algorithm::Sha1, 20),
            (Algorithm::Sha256, 32),
            (Algorithm::Sha512, 64),
        ] {
            assert_eq!(a.hmac(b"k", b"m").len(), n);
        }
    }

    #[test]
    fn truncation_reads_the_mac_in_place() {
        let key = b"12345678901234567890";
        for a in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            for counter in 0u64..20 {
                let msg = counter.to_be_bytes();
                assert_eq!(
                    a.truncated_hmac(key, &msg),
                    dynamic_truncation(&a.hmac(key, &msg)),
                    "{a} {counter}"
                );
            }
        }
    }

    #[test]
    fn mac_states_and_outputs_wipe_themselves() {
        // These bounds hold only with the `zeroize` features of hmac, sha1
        // and sha2: the test stops compiling if one is dropped.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<<sha1::Sha1 as hmac::EagerHash>::Core>();
        wiped_on_drop::<<sha2::Sha256 as hmac::EagerHash>::Core>();
        wiped_on_drop::<<sha2::Sha512 as hmac::EagerHash>::Core>();
        wiped_on_drop::<hmac::digest::CtOutput<Hmac<sha1::Sha1>>>();
        wiped_on_drop::<hmac::digest::CtOutput<Hmac<sha2::Sha256>>>();
        wiped_on_drop::<hmac::digest::CtOutput<Hmac<sha2::Sha512>>>();
    }

    #[test]
    fn codes_and_uris_are_allocated_at_their_final_size() {
        let secret = Secret::from_bytes(*b"12345678901234567890").unwrap();
        for digits in 6..=8 {
            let hotp = Hotp::new(secret.clone()).with_digits(digits).unwrap();
            let code = hotp.code_at(1);
            assert_eq!(code.len(), digits as usize);
            assert_eq!(code.capacity(), code.len());
        }
        let totp = Totp::new(secret.clone()).with_period(120).unwrap();
        for (issuer, account) in [
            ("Ex", "a"),
            ("Big Corp & Sons", "bob smith+2fa"),
            ("Café", "ü"),
        ] {
            let uri = totp.otpauth_uri(issuer, account).unwrap();
            assert_eq!(uri.capacity(), uri.len(), "{uri}");
            for counter in [0, 9, 10, 12345, u64::MAX] {
                let uri = Hotp::new(secret.clone())
                    .otpauth_uri(issuer, account, counter)
                    .unwrap();
                assert!(uri.ends_with(&format!("&counter={counter}")), "{uri}");
                assert_eq!(uri.capacity(), uri.len(), "{uri}");
            }
        }
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(u64::MAX), 20);
    }

    #[test]
    fn algorithm_names() {
        for (s, a) in [
            ("sha1", Algorithm::Sha1),
            ("SHA-256", Algorithm::Sha256),
            ("Sha512", Algorithm::Sha512),
        ] {
            assert_eq!(s.parse::<Algorithm>().unwrap(), a);
            assert_eq!(a.to_string().parse::<Algorithm>().unwrap(), a);
        }
        assert_eq!(
            "md5".parse::<Algorithm>().unwrap_err().to_string(),
            "unknown algorithm 'md5' (expected sha1, sha256 or sha512)"
        );
    }
}
