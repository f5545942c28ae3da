//! Tier-path coverage in reports: which of each tier's own specialised
//! paths a run exercised (see [`tierdiff_runtime::tier_paths`]).
//!
//! Semantic coverage ([`crate::coverage`]) counts instructions and their
//! outcome classes; a tier may run one instruction through several paths
//! (the fast tier's address forms, its fused compare-and-branch rows), and
//! a bug in one path is found only by a case that takes it. Every tier of a
//! fuzz run counts its paths per case; the run adds them up ([`Tally`]) and
//! the report gives, per tier, the cells, how many ran, and every cell
//! that did not with why. `tierdiff merge` adds reports by cell name.

use crate::coverage::{known_gap, CellNote, Counted};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tierdiff_runtime::tier_paths::cells;
use tierdiff_runtime::TierKind;

/// Whether fuzz runs count tier paths: when they record coverage
/// ([`crate::coverage::enabled`]) unless `TIERDIFF_TIER_PATHS=off` (for
/// measuring what counting costs).
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        crate::coverage::enabled()
            && std::env::var("TIERDIFF_TIER_PATHS").map_or(true, |v| v != "off")
    })
}

/// One tier's path coverage, as report.json holds it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierCoverage {
    /// Cases whose counts were added (cases that instantiated in the tier).
    pub cases: u64,
    /// Paths counted toward the percentage.
    pub cells: u64,
    /// Of those, paths that ran at least once.
    pub covered: u64,
    pub percent: f64,
    /// Counted paths no case took, each with why.
    pub uncovered: Vec<CellNote>,
    /// Paths no module can take, each with why (not counted).
    pub unreachable: Vec<CellNote>,
    /// Every path's count, by name.
    pub counts: BTreeMap<String, u64>,
}

/// Why a path may stay at zero in a run. Patterns match a path name by
/// prefix (`*` alone at the end) or exactly.
const GAPS: &[(&str, &str)] = &[];

/// Why `cell` of `tier` was not taken: a known reason, or that this run's
/// cases did not get there.
pub fn gap_reason(tier: &str, cell: &str) -> String {
    known_gap(GAPS, &format!("{tier}:{cell}")).map_or_else(
        || "deferred: no case of this run took it".to_string(),
        str::to_string,
    )
}

impl TierCoverage {
    /// The coverage of `tier` from counts by name and its unreachable paths.
    fn from_named(
        tier: &str,
        counts: BTreeMap<String, u64>,
        unreachable: Vec<CellNote>,
        cases: u64,
    ) -> TierCoverage {
        let c = Counted::of(&counts, &unreachable, |name| gap_reason(tier, name));
        TierCoverage {
            cases,
            cells: c.cells,
            covered: c.covered,
            percent: c.percent,
            uncovered: c.uncovered,
            unreachable,
            counts,
        }
    }
}

/// Adds up per-case path counts by tier and path index (this binary's
/// tables).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    per_tier: BTreeMap<TierKind, (Vec<u64>, u64)>,
}

impl Tally {
    /// Adds one case's sparse counts per tier.
    pub fn add(&mut self, tier_paths: &BTreeMap<String, Vec<(u32, u64)>>) {
        for (tier, sparse) in tier_paths {
            let Some(kind) = TierKind::parse(tier) else {
                continue;
            };
            let n = cells(kind).len();
            if n == 0 {
                continue;
            }
            let (counts, cases) = self.per_tier.entry(kind).or_insert_with(|| (vec![0; n], 0));
            for &(cell, k) in sparse {
                if let Some(c) = counts.get_mut(cell as usize) {
                    *c += k;
                }
            }
            *cases += 1;
        }
    }

    /// The report per tier, every path of the tier named.
    pub fn report(&self) -> BTreeMap<String, TierCoverage> {
        self.per_tier
            .iter()
            .map(|(&kind, (counts, cases))| {
                let tier = kind.name();
                let table = cells(kind);
                let named = table
                    .iter()
                    .zip(counts)
                    .map(|(c, &n)| (c.name.clone(), n))
                    .collect();
                let unreachable = table
                    .iter()
                    .filter_map(|c| {
                        Some(CellNote {
                            cell: c.name.clone(),
                            reason: c.unreachable?.to_string(),
                        })
                    })
                    .collect();
                (
                    tier.to_string(),
                    TierCoverage::from_named(tier, named, unreachable, *cases),
                )
            })
            .collect()
    }
}

/// Joins the tier coverage of several reports: counts add by tier and path
/// name; unreachable paths are those any report listed as unreachable.
pub fn merge<'a>(
    reports: impl IntoIterator<Item = &'a BTreeMap<String, TierCoverage>>,
) -> BTreeMap<String, TierCoverage> {
    /// Per tier: counts by path, unreachable paths with why, cases.
    type Joined = (BTreeMap<String, u64>, BTreeMap<String, String>, u64);
    let mut joined: BTreeMap<String, Joined> = BTreeMap::new();
    for report in reports {
        for (tier, c) in report {
            let (counts, unreachable, cases) = joined.entry(tier.clone()).or_default();
            *cases += c.cases;
            for (name, n) in &c.counts {
                *counts.entry(name.clone()).or_default() += n;
            }
            for u in &c.unreachable {
                unreachable.insert(u.cell.clone(), u.reason.clone());
            }
        }
    }
    joined
        .into_iter()
        .map(|(tier, (counts, unreachable, cases))| {
            let unreachable = unreachable
                .into_iter()
                .map(|(cell, reason)| CellNote { cell, reason })
                .collect();
            let c = TierCoverage::from_named(&tier, counts, unreachable, cases);
            (tier, c)
        })
        .collect()
}

/// The tier coverage section of summary.md.
pub fn markdown(tiers: &BTreeMap<String, TierCoverage>) -> String {
    if tiers.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\n## Tier-path coverage\n\nEach tier's own paths (for the fast tier, the rows of its instruction table), counted as they ran.\n\n| tier | paths | taken | percent | cases |\n|---|---:|---:|---:|---:|\n",
    );
    for (tier, c) in tiers {
        s.push_str(&format!(
            "| {tier} | {} | {} | {:.2} % | {} |\n",
            c.cells, c.covered, c.percent, c.cases
        ));
    }
    for (tier, c) in tiers {
        if !c.uncovered.is_empty() {
            s.push_str(&format!("\n| {tier}: path not taken | why |\n|---|---|\n"));
            for u in &c.uncovered {
                s.push_str(&format!("| `{}` | {} |\n", u.cell, u.reason));
            }
        }
        if !c.unreachable.is_empty() {
            s.push_str(&format!(
                "\n{tier}: {} paths no module can take (not counted): {}\n",
                c.unreachable.len(),
                c.unreachable
                    .iter()
                    .map(|u| format!("`{}` ({})", u.cell, u.reason))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    s
}

/// One line per tier for the run's closing summary: `fast 97.1 %`.
pub fn summary_line(tiers: &BTreeMap<String, TierCoverage>) -> String {
    tiers
        .iter()
        .map(|(tier, c)| format!("{tier} {:.1} %", c.percent))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str) -> u32 {
        cells(TierKind::Fast)
            .iter()
            .position(|c| c.name == name)
            .unwrap() as u32
    }

    #[test]
    fn tally_names_every_fast_path_and_merge_adds_by_name() {
        let mut t = Tally::default();
        let case = |pairs: &[(&str, u64)]| {
            BTreeMap::from([(
                "fast".to_string(),
                pairs.iter().map(|&(n, k)| (index(n), k)).collect(),
            )])
        };
        t.add(&case(&[("I32LoadI", 2)]));
        t.add(&case(&[("I32LoadI", 1), ("Br", 4)]));
        // Each tier apart; engines that are not tiers are left out.
        t.add(&BTreeMap::from([("classic".to_string(), vec![(0, 1)])]));
        t.add(&BTreeMap::from([("wasmi".to_string(), vec![(0, 1)])]));
        let r = t.report();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["classic", "fast"]);
        assert_eq!((r["classic"].cases, r["classic"].covered), (1, 1));
        let fast = &r["fast"];
        assert_eq!(fast.cases, 2);
        assert_eq!(fast.counts["I32LoadI"], 3);
        assert_eq!(fast.covered, 2);
        assert_eq!(fast.counts.len(), cells(TierKind::Fast).len());
        assert_eq!(
            fast.cells as usize,
            fast.counts.len() - fast.unreachable.len()
        );
        assert!(fast.unreachable.iter().any(|u| u.cell == "Exit"));
        assert!(fast.uncovered.iter().any(|u| u.cell == "I32LoadX"));
        assert!(!fast.uncovered.iter().any(|u| u.cell == "Exit"));
        let m = merge([&r, &r]);
        assert_eq!(m["fast"].counts["I32LoadI"], 6);
        assert_eq!(m["fast"].cases, 4);
        assert_eq!(
            (m["fast"].cells, m["fast"].covered),
            (fast.cells, fast.covered)
        );
        assert!(markdown(&m).contains("`I32LoadX`"));
        assert!(
            summary_line(&m).contains("fast 0.3"),
            "{}",
            summary_line(&m)
        );
    }
}
