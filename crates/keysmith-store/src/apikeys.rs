//! (scaffold: replaced by the real flow)

use crate::Store;

/// (scaffold)
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    #[allow(dead_code)]
    store: &'a Store,
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        ApiKeys { store }
    }
}
