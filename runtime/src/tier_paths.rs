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
//! handlers, so a store that does not record runs the same code as before.
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

/// Every path of `tier`, by index (empty for a tier that names none yet).
pub fn cells(tier: TierKind) -> &'static [PathCell] {
    static FAST: OnceLock<Vec<PathCell>> = OnceLock::new();
    match tier {
        TierKind::Fast => FAST.get_or_init(crate::tiers::fast_path_cells),
        TierKind::Classic | TierKind::Jit => &[],
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
    fn fast_paths_are_named_once_each() {
        let cells = cells(TierKind::Fast);
        assert!(cells.len() > 500, "{} fast paths", cells.len());
        let names: std::collections::BTreeSet<&str> =
            cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), cells.len(), "path names repeat");
        assert!(names.contains("I32LoadI") && names.contains("I32LoadC"));
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
