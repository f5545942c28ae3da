//! Tier-path coverage: which of a tier's own specialised paths ran.
//!
//! Semantic coverage ([`crate::coverage`]) says which instructions and
//! outcome classes a run reached; a tier picks one of several paths for
//! the same instruction (the fast tier's address forms and fused
//! compare-and-branch rows, say), and a bug in one rarely picked path is
//! invisible there. Each tier names its paths here ([`cells`]); a store
//! built to record them ([`crate::Store::enable_tier_paths`]) counts each
//! path as it runs in a [`PathCounts`]. A tier records only when asked:
//! the fast tier then assembles its code with recording twins of its
//! handlers and the classic tier runs its loop's recording build, so a store
//! that does not record runs the same code as before. Paths chosen while a
//! tier prepares an instance (the JIT's lowerings, the fast translator's
//! rewrites) are counted then, once per site, kept in a [`Pending`] and
//! moved into the store after `prepare` ([`crate::tiers::Tier::record_prepared_paths`]).
//!
//! Cells that no valid module can reach (an instruction only the runtime
//! itself emits) carry the reason in [`PathCell::unreachable`]; reports
//! leave them out of the percentage and list them with it.

use crate::tiers::TierKind;
use std::sync::OnceLock;

/// One path of a tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathCell {
    /// Unique within the tier (`I32LoadI`, ...).
    pub name: String,
    /// Why no module can reach it, if none can.
    pub unreachable: Option<&'static str>,
}

/// Every path of `tier`, by index.
pub fn cells(tier: TierKind) -> &'static [PathCell] {
    static FAST: OnceLock<Vec<PathCell>> = OnceLock::new();
    static JIT: OnceLock<Vec<PathCell>> = OnceLock::new();
    static CLASSIC: OnceLock<Vec<PathCell>> = OnceLock::new();
    match tier {
        TierKind::Classic => CLASSIC.get_or_init(crate::tiers::classic_path_cells),
        TierKind::Fast => FAST.get_or_init(crate::tiers::fast_path_cells),
        TierKind::Jit => JIT.get_or_init(crate::tiers::jit_path_cells),
    }
}

/// Declares a tier's paths as an enum whose discriminant is the path's
/// index among the tier's own cells: variant, report name and, for a path
/// no module can reach, why. `TABLE` lists them, `cells()` as [`PathCell`]s.
macro_rules! declare_paths {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($variant:ident = $cell:literal $(, unreachable: $why:literal)?;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($variant,)*
        }

        impl $name {
            /// Every path: name, and why it is unreachable if it is.
            #[allow(dead_code)]
            pub(crate) const TABLE: &'static [(&'static str, Option<&'static str>)] = &[
                $(($cell, $crate::tier_paths::declare_paths!(@why $($why)?)),)*
            ];

            /// The paths as cells, in index order.
            pub(crate) fn cells() -> Vec<$crate::tier_paths::PathCell> {
                Self::TABLE
                    .iter()
                    .map(|&(name, unreachable)| $crate::tier_paths::PathCell {
                        name: name.to_string(),
                        unreachable,
                    })
                    .collect()
            }
        }
    };
    (@why) => { None };
    (@why $why:literal) => { Some($why) };
}
pub(crate) use declare_paths;

/// Counts a path in the store, if it records tier paths.
#[inline]
pub(crate) fn hit(data: &mut crate::store::StoreData, index: usize) {
    if let Some(paths) = data.tier_paths.as_deref_mut() {
        paths.hit(index);
    }
}

/// Path counts a tier keeps where it cannot reach the store (translating
/// or compiling in `prepare`, which sees the store read-only), until it
/// moves them there ([`Pending::drain_into`]). Counting here costs an add,
/// so tiers count always and drop the counts when the store does not record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending(Vec<u32>);

impl Pending {
    /// Counts one use of path `index`.
    #[inline]
    pub(crate) fn hit(&mut self, index: usize) {
        if self.0.len() <= index {
            self.0.resize(index + 1, 0);
        }
        self.0[index] += 1;
    }

    /// Adds `other`'s counts.
    pub(crate) fn add(&mut self, other: &Pending) {
        for (index, &n) in other.0.iter().enumerate() {
            if n > 0 {
                if self.0.len() <= index {
                    self.0.resize(index + 1, 0);
                }
                self.0[index] += n;
            }
        }
    }

    /// Moves the counts into the store's recorder (dropping them if it
    /// does not record).
    pub(crate) fn drain_into(&mut self, data: &mut crate::store::StoreData) {
        if let Some(paths) = data.tier_paths.as_deref_mut() {
            for (index, &n) in self.0.iter().enumerate() {
                if n > 0 {
                    paths.add(index, u64::from(n));
                }
            }
        }
        self.0.clear();
    }
}

/// How often each path of one tier ran in one store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathCounts {
    counts: Vec<u64>,
}

impl PathCounts {
    /// Zero counts for every path of `tier`.
    pub fn new(tier: TierKind) -> PathCounts {
        PathCounts {
            counts: vec![0; cells(tier).len()],
        }
    }

    /// Counts one run of path `index`.
    #[inline(always)]
    pub fn hit(&mut self, index: usize) {
        if let Some(c) = self.counts.get_mut(index) {
            *c += 1;
        }
    }

    /// Counts `n` runs of path `index`.
    pub fn add(&mut self, index: usize, n: u64) {
        if let Some(c) = self.counts.get_mut(index) {
            *c += n;
        }
    }

    /// Every count, by path index.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The non-zero counts as `(path index, count)`.
    pub fn sparse(&self) -> Vec<(u32, u64)> {
        crate::coverage::sparse(&self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_names_its_paths_once_each() {
        for tier in TierKind::ALL {
            let cells = cells(tier);
            assert!(!cells.is_empty(), "{tier} names no paths");
            let names: std::collections::BTreeSet<&str> =
                cells.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names.len(), cells.len(), "{tier}: path names repeat");
        }
        let fast = cells(TierKind::Fast);
        assert!(fast.len() > 500, "{} fast paths", fast.len());
        assert!(fast.iter().any(|c| c.name == "I32LoadI"));
        let jit = cells(TierKind::Jit);
        let runtime_only = jit
            .iter()
            .find(|c| c.name == "call_indirect/runtime-only")
            .expect("named");
        assert!(runtime_only.unreachable.is_some());
    }

    #[test]
    fn counts_ignore_unknown_paths() {
        let mut c = PathCounts::new(TierKind::Fast);
        c.hit(3);
        c.hit(3);
        c.hit(usize::MAX);
        assert_eq!(c.sparse(), vec![(3, 2)]);
    }
}
