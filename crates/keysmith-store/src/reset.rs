//! (scaffold: replaced by the real flow)

use crate::Store;

/// (scaffold)
#[derive(Debug, Clone, Copy)]
pub struct ResetTokens<'a> {
    #[allow(dead_code)]
    store: &'a Store,
}

impl<'a> ResetTokens<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        ResetTokens { store }
    }
}
