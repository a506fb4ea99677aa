//! (scaffold: replaced by the real flow)

use crate::Store;

/// (scaffold)
#[derive(Debug, Clone, Copy)]
pub struct Challenges<'a> {
    #[allow(dead_code)]
    store: &'a Store,
}

impl<'a> Challenges<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Challenges { store }
    }
}
