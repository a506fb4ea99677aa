//! What a service key may do: one [`Scope`] per kind of call, in the form
//! `noun:verb`, and [`Scopes`], a set of them.
//!
//! The names are defined here once; the server's route table, its OpenAPI
//! document and the CLI's `--scope` all refer to them.

use std::fmt;

use crate::{Result, StoreError};

/// One permission of a service key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `reset-tokens:issue`: issue password-reset tokens.
    ResetTokensIssue,
    /// `reset-tokens:redeem`: redeem them.
    ResetTokensRedeem,
    /// `otp:start`: start one-time-code challenges (and read their codes).
    OtpStart,
    /// `otp:check`: check codes against challenges.
    OtpCheck,
    /// `api-keys:write`: create, rotate and revoke API keys.
    ApiKeysWrite,
    /// `api-keys:read`: list API keys.
    ApiKeysRead,
    /// `api-keys:verify`: verify presented API keys.
    ApiKeysVerify,
    /// `totp:manage`: enrol, confirm, list and delete TOTP factors.
    TotpManage,
    /// `totp:verify`: verify TOTP codes.
    TotpVerify,
    /// `recovery-codes:manage`: make and count recovery codes.
    RecoveryCodesManage,
    /// `recovery-codes:redeem`: redeem a recovery code.
    RecoveryCodesRedeem,
    /// `admin`: manage the tenant's service keys and unlock subjects.
    Admin,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 12] = [
        Scope::ResetTokensIssue,
        Scope::ResetTokensRedeem,
        Scope::OtpStart,
        Scope::OtpCheck,
        Scope::ApiKeysWrite,
        Scope::ApiKeysRead,
        Scope::ApiKeysVerify,
        Scope::TotpManage,
        Scope::TotpVerify,
        Scope::RecoveryCodesManage,
        Scope::RecoveryCodesRedeem,
        Scope::Admin,
    ];

    /// The scope's name, such as `reset-tokens:issue`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::ResetTokensIssue => "reset-tokens:issue",
            Scope::ResetTokensRedeem => "reset-tokens:redeem",
            Scope::OtpStart => "otp:start",
            Scope::OtpCheck => "otp:check",
            Scope::ApiKeysWrite => "api-keys:write",
            Scope::ApiKeysRead => "api-keys:read",
            Scope::ApiKeysVerify => "api-keys:verify",
            Scope::TotpManage => "totp:manage",
            Scope::TotpVerify => "totp:verify",
            Scope::RecoveryCodesManage => "recovery-codes:manage",
            Scope::RecoveryCodesRedeem => "recovery-codes:redeem",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `name`, exactly (no case folding).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for any other name, listing the known
    /// ones.
    pub fn parse(name: &str) -> Result<Scope> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| {
                let shown: String = name.chars().take(64).collect();
                StoreError::InvalidInput(format!(
                    "unknown scope {shown:?}: use all or some of {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                ))
            })
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Scope`]s.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u32);

/// The word that stands for every scope, `admin` included.
pub const ALL_SCOPES: &str = "all";

impl Scopes {
    /// No scope at all.
    pub const fn none() -> Scopes {
        Scopes(0)
    }

    /// Every scope, `admin` included (`--scope all`).
    pub fn all() -> Scopes {
        Scope::ALL.into_iter().collect()
    }

    /// What a new service key gets unless told otherwise: every scope but
    /// `admin`.
    pub fn standard() -> Scopes {
        Scope::ALL
            .into_iter()
            .filter(|&s| s != Scope::Admin)
            .collect()
    }

    /// Whether `scope` is in the set.
    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The set with `scope` added.
    pub const fn with(self, scope: Scope) -> Scopes {
        Scopes(self.0 | scope.bit())
    }

    /// The set with `scope` taken out.
    pub const fn without(self, scope: Scope) -> Scopes {
        Scopes(self.0 & !scope.bit())
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes in the set, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |&s| self.contains(s))
    }

    /// The names in the set, in [`Scope::ALL`] order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }

    /// The scopes `items` name. Each item is one name, `all`, or a
    /// comma-separated list of them (`--scope a --scope b,c`); blanks
    /// around names are ignored.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for an unknown or empty name.
    pub fn parse_list<S: AsRef<str>>(items: &[S]) -> Result<Scopes> {
        let mut set = Scopes::none();
        for item in items {
            for name in item.as_ref().split(',').map(str::trim) {
                let named = match name {
                    ALL_SCOPES => Scopes::all(),
                    "" => {
                        return Err(StoreError::InvalidInput(
                            "a scope name must not be empty".into(),
                        ));
                    }
                    _ => Scopes::none().with(Scope::parse(name)?),
                };
                set = set.with_all(named);
            }
        }
        Ok(set)
    }

    const fn with_all(self, other: Scopes) -> Scopes {
        Scopes(self.0 | other.0)
    }

    /// The set a service key's stored scopes name. Names this release
    /// does not know (from a newer one sharing the database) are ignored:
    /// they grant nothing here.
    pub(crate) fn from_names<S: AsRef<str>>(names: &[S]) -> Scopes {
        names
            .iter()
            .filter_map(|name| Scope::parse(name.as_ref()).ok())
            .collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        iter.into_iter().fold(Scopes::none(), Scopes::with)
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()).unwrap(), s);
        }
        let e = Scope::parse("Admin").unwrap_err().to_string();
        assert!(
            e.contains("unknown scope \"Admin\"") && e.contains("otp:check"),
            "{e}"
        );
        assert_eq!(Scopes::from_names(&Scopes::all().names()), Scopes::all());
        assert_eq!(
            Scopes::from_names(&["otp:start", "future:thing", "", "admin"]),
            Scopes::none().with(Scope::OtpStart).with(Scope::Admin)
        );
    }

    #[test]
    fn lists_accept_commas_repeats_and_all() {
        let s = Scopes::parse_list(&["otp:start, otp:check", "admin"]).unwrap();
        assert_eq!(s.names(), ["otp:start", "otp:check", "admin"]);
        assert_eq!(
            Scopes::parse_list(&["otp:start", "all"]).unwrap(),
            Scopes::all()
        );
        assert_eq!(Scopes::parse_list::<&str>(&[]).unwrap(), Scopes::none());
        assert!(Scopes::parse_list(&["otp:start,"]).is_err());
        assert!(Scopes::parse_list(&["otp:nope"]).is_err());
        assert!(!Scopes::standard().contains(Scope::Admin));
        assert_eq!(Scopes::standard().with(Scope::Admin), Scopes::all());
        assert_eq!(Scopes::all().without(Scope::Admin), Scopes::standard());
    }
}
