//! Tenants: the applications sharing one deployment. Every flow row
//! belongs to one, and every statement that reads or changes a flow row
//! filters by it, so nothing one tenant does is visible to another or
//! counts against it.

use std::fmt;
use std::str::FromStr;

use crate::{
    ApiKeys, Challenges, RecoveryCodeSets, ResetTokens, Result, Store, StoreError, TotpFactors,
};

/// The tenant of rows made before tenants existed, of
/// [`Store::reset_tokens`] and its siblings, and of service keys made
/// without naming one.
pub const DEFAULT_TENANT: &str = "default";

/// A tenant's name: 1 to [`Tenant::MAX_LEN`] characters of `a-z`, `0-9`
/// and `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenant(String);

impl Tenant {
    /// The longest tenant name, in characters (a DNS label's length).
    pub const MAX_LEN: usize = 63;

    /// The tenant named `name`.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidInput`] for a name outside the rule above.
    pub fn new(name: &str) -> Result<Tenant> {
        let ok = (1..=Tenant::MAX_LEN).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-');
        if !ok {
            let shown: String = name.chars().take(Tenant::MAX_LEN + 1).collect();
            return Err(StoreError::InvalidInput(format!(
                "invalid tenant {shown:?}: use 1 to {} characters of a-z, 0-9 and '-', \
                 starting with a letter or digit",
                Tenant::MAX_LEN
            )));
        }
        Ok(Tenant(name.to_owned()))
    }

    /// The tenant a table names: checked when it was written.
    pub(crate) fn from_stored(name: String) -> Tenant {
        Tenant(name)
    }

    /// The tenant's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Tenant {
    /// [`DEFAULT_TENANT`].
    fn default() -> Self {
        Tenant(DEFAULT_TENANT.to_owned())
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Tenant {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self> {
        Tenant::new(s)
    }
}

/// The flows as one tenant sees them: get it from [`Store::tenant`].
#[derive(Debug, Clone, Copy)]
pub struct TenantStore<'a> {
    store: &'a Store,
    tenant: &'a str,
}

impl Store {
    /// The flows of `tenant`: every row they make carries it, and every
    /// statement they run filters by it.
    pub fn tenant<'a>(&'a self, tenant: &'a Tenant) -> TenantStore<'a> {
        TenantStore {
            store: self,
            tenant: tenant.as_str(),
        }
    }

    /// The flows of [`DEFAULT_TENANT`], for a deployment with one
    /// application.
    pub fn default_tenant(&self) -> TenantStore<'_> {
        TenantStore {
            store: self,
            tenant: DEFAULT_TENANT,
        }
    }

    /// The default tenant's password-reset tokens.
    pub fn reset_tokens(&self) -> ResetTokens<'_> {
        self.default_tenant().reset_tokens()
    }

    /// The default tenant's one-time-code challenges.
    pub fn challenges(&self) -> Challenges<'_> {
        self.default_tenant().challenges()
    }

    /// The default tenant's API keys.
    pub fn api_keys(&self) -> ApiKeys<'_> {
        self.default_tenant().api_keys()
    }
}

impl<'a> TenantStore<'a> {
    /// The tenant's name.
    pub fn name(&self) -> &'a str {
        self.tenant
    }

    /// Password-reset tokens.
    pub fn reset_tokens(&self) -> ResetTokens<'a> {
        ResetTokens::new(self.store, self.tenant)
    }

    /// One-time-code challenges.
    pub fn challenges(&self) -> Challenges<'a> {
        Challenges::new(self.store, self.tenant)
    }

    /// API keys.
    pub fn api_keys(&self) -> ApiKeys<'a> {
        ApiKeys::new(self.store, self.tenant)
    }

    /// TOTP factors.
    pub fn totp_factors(&self) -> TotpFactors<'a> {
        TotpFactors::new(self.store, self.tenant)
    }

    /// Recovery codes.
    pub fn recovery_codes(&self) -> RecoveryCodeSets<'a> {
        RecoveryCodeSets::new(self.store, self.tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for ok in ["default", "a", "0", "acme-prod", "x1-", &"a".repeat(63)] {
            assert_eq!(Tenant::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "-a", "Acme", "a_b", "a b", "é", "a\0", &"a".repeat(64)] {
            let e = Tenant::new(bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid tenant"), "{e}");
        }
        assert_eq!(Tenant::default().as_str(), DEFAULT_TENANT);
    }
}
