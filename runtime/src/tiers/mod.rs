//! The execution tiers and the one trait they share.
//!
//! No tier imports another: each is an independent witness of wasm
//! semantics, so that a mistake in one shows up as a difference.

pub mod classic;
pub mod fast;
pub mod jit;

pub(crate) use classic::path_cells as classic_path_cells;
pub(crate) use fast::path_cells as fast_path_cells;
pub(crate) use jit::path_cells as jit_path_cells;

use crate::maps::{MapSnapshot, Violation};
use crate::prepare::PrepareError;
use crate::store::{InstanceId, StoreData};
use crate::trap::Trap;
use crate::values::FuncAddr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tiers tierdiff knows about, implemented or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TierKind {
    Classic,
    Fast,
    Jit,
}

impl TierKind {
    /// Every tier in a fixed order.
    pub const ALL: [TierKind; 3] = [TierKind::Classic, TierKind::Fast, TierKind::Jit];

    /// Stable lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            TierKind::Classic => "classic",
            TierKind::Fast => "fast",
            TierKind::Jit => "jit",
        }
    }

    /// Parses a name as [`TierKind::name`] prints it.
    pub fn parse(name: &str) -> Option<TierKind> {
        TierKind::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether this build can run the tier.
    pub fn is_implemented(self) -> bool {
        create(self).is_some()
    }

    /// The tiers this build can run, in order.
    pub fn implemented() -> Vec<TierKind> {
        TierKind::ALL
            .into_iter()
            .filter(|t| t.is_implemented())
            .collect()
    }
}

impl fmt::Display for TierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a tier must do. Values cross this boundary as raw 64-bit slots.
pub trait Tier: Send {
    /// Which tier this is.
    fn kind(&self) -> TierKind;

    /// Called once per new instance, before its segments and start function
    /// run: the place to translate or compile eagerly. A refusal is typed
    /// (see [`crate::prepare`]): the harness judges it.
    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), PrepareError>;

    /// Moves path counts the tier kept while it could not write the store
    /// (in [`Tier::prepare`]) into the store's tier-path recorder
    /// ([`crate::tier_paths`]); called after each `prepare`.
    fn record_prepared_paths(&mut self, _data: &mut StoreData) {}

    /// Calls the wasm function `func` with `args` and returns its results.
    /// Must not recurse on the Rust stack per wasm call.
    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap>;

    /// Violations in the tier's own side tables.
    fn check(&self, data: &StoreData) -> Vec<Violation>;

    /// Snapshots of the tier's own side tables.
    fn snapshots(&self) -> Vec<MapSnapshot>;
}

/// Builds a tier, or `None` if it is not implemented in this build.
pub(crate) fn create(kind: TierKind) -> Option<Box<dyn Tier>> {
    match kind {
        TierKind::Classic => Some(Box::new(classic::ClassicTier::default())),
        TierKind::Fast => Some(Box::new(fast::FastTier::default())),
        TierKind::Jit => Some(Box::new(jit::JitTier::default())),
    }
}
