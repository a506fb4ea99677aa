//! (scaffold: replaced by the sweeper)

/// (scaffold)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {}
