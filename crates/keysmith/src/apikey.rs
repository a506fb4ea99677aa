//! (scaffold: replaced by the real module)
