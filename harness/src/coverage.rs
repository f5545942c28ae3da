//! Semantic coverage in reports: what a run exercised, cell by cell.
//!
//! The cells are the runtime's ([`tierdiff_runtime::coverage`]): every
//! instruction, and per instruction the outcome classes that matter for
//! cross-tier bugs. The classic tier records them while it runs a case;
//! each finished case carries its non-zero counts (sparse, by cell index,
//! which is the same in every process of one binary); the run adds them up
//! ([`Tally`]) and the report names every cell with its count
//! ([`CoverageReport`]). `tierdiff merge` adds the counts of several
//! reports by cell name ([`merge`]).
//!
//! Cells whose proposal this build does not enable are listed apart
//! (`excluded`, with the reason) and do not count toward the percentage;
//! every other cell that no case reached is listed in `uncovered` with why
//! ([`gap_reason`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tierdiff_runtime::coverage::{layout, Status};

/// The engine that records coverage.
pub const RECORDED_BY: &str = "classic";

/// Whether fuzz runs record coverage: yes unless `TIERDIFF_COVERAGE=off`
/// (for measuring what recording costs).
pub fn enabled() -> bool {
    std::env::var("TIERDIFF_COVERAGE").map_or(true, |v| v != "off")
}

/// How fuzz workers sample what they record (see
/// `tierdiff_runtime::coverage::Sampling`): an operator whose every class
/// has been counted [`SATURATION`] times in the worker is no longer
/// classified, and each call records its first [`STEPS_PER_CALL`]
/// instructions in full. Counts in reports are then samples; the cells a
/// run covers are found as before (an operator with a class still missing
/// is never saturated). `TIERDIFF_COVERAGE_SAMPLING=off` records everything.
pub fn sampling() -> Option<tierdiff_runtime::coverage::Sampling> {
    if std::env::var("TIERDIFF_COVERAGE_SAMPLING").is_ok_and(|v| v == "off") {
        return None;
    }
    Some(tierdiff_runtime::coverage::Sampling {
        saturation: SATURATION,
        steps_per_call: STEPS_PER_CALL,
    })
}

/// See [`sampling`].
pub const SATURATION: u64 = 64;
/// See [`sampling`].
pub const STEPS_PER_CALL: u64 = 20_000;

/// A cell and why it is not covered or not counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellNote {
    pub cell: String,
    pub reason: String,
}

/// Coverage of a run, as report.json holds it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CoverageReport {
    /// The engine that recorded it.
    pub recorded_by: String,
    /// Cases whose coverage was added (cases that instantiated in it).
    pub cases: u64,
    /// Cells counted toward the percentage.
    pub cells: u64,
    /// Of those, cells reached at least once.
    pub covered: u64,
    pub percent: f64,
    /// Counted cells no case reached, each with why.
    pub uncovered: Vec<CellNote>,
    /// Cells left out of the percentage, each with why (a proposal this
    /// build does not enable).
    pub excluded: Vec<CellNote>,
    /// Every cell's count, by name.
    pub counts: BTreeMap<String, u64>,
}

/// Why a counted cell may stay at zero. Patterns match a cell name by
/// prefix (`*` alone at the end) or exactly.
const GAPS: &[(&str, &str)] = &[];

/// Why `cell` was not reached: a known reason, or that this run's cases
/// did not get there.
pub fn gap_reason(cell: &str) -> String {
    known_gap(GAPS, cell).map_or_else(
        || "deferred: no case of this run reached it".to_string(),
        str::to_string,
    )
}

/// The reason `gaps` gives for `cell`: patterns match by prefix (`*`
/// alone at the end) or exactly.
pub(crate) fn known_gap<'a>(gaps: &[(&str, &'a str)], cell: &str) -> Option<&'a str> {
    gaps.iter()
        .find(|(pattern, _)| match pattern.strip_suffix('*') {
            Some(prefix) => cell.starts_with(prefix),
            None => cell == *pattern,
        })
        .map(|(_, why)| *why)
}

/// The cells of `counts` that count toward a percentage (all but
/// `left_out`): how many, how many were reached, the percentage, and each
/// one not reached with `why`.
pub(crate) struct Counted {
    pub cells: u64,
    pub covered: u64,
    pub percent: f64,
    pub uncovered: Vec<CellNote>,
}

impl Counted {
    pub(crate) fn of(
        counts: &BTreeMap<String, u64>,
        left_out: &[CellNote],
        why: impl Fn(&str) -> String,
    ) -> Counted {
        let out: std::collections::BTreeSet<&str> =
            left_out.iter().map(|e| e.cell.as_str()).collect();
        let counted: Vec<(&String, &u64)> = counts
            .iter()
            .filter(|(name, _)| !out.contains(name.as_str()))
            .collect();
        let cells = counted.len() as u64;
        let covered = counted.iter().filter(|(_, &n)| n > 0).count() as u64;
        let uncovered = counted
            .iter()
            .filter(|(_, &n)| n == 0)
            .map(|(name, _)| CellNote {
                cell: name.to_string(),
                reason: why(name),
            })
            .collect();
        let percent = if cells == 0 {
            0.0
        } else {
            (covered as f64 * 10_000.0 / cells as f64).round() / 100.0
        };
        Counted {
            cells,
            covered,
            percent,
            uncovered,
        }
    }
}

impl CoverageReport {
    /// Builds the report from counts by name and the excluded cells.
    fn from_named(
        counts: BTreeMap<String, u64>,
        excluded: Vec<CellNote>,
        cases: u64,
    ) -> CoverageReport {
        let c = Counted::of(&counts, &excluded, gap_reason);
        CoverageReport {
            recorded_by: RECORDED_BY.into(),
            cases,
            cells: c.cells,
            covered: c.covered,
            percent: c.percent,
            uncovered: c.uncovered,
            excluded,
            counts,
        }
    }
}

/// Adds up per-case coverage by cell index (this binary's layout).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    counts: Vec<u64>,
    cases: u64,
}

impl Tally {
    /// Adds one case's sparse counts.
    pub fn add(&mut self, sparse: &[(u32, u64)]) {
        if self.counts.is_empty() {
            self.counts = vec![0; layout().cells.len()];
        }
        for &(cell, n) in sparse {
            if let Some(c) = self.counts.get_mut(cell as usize) {
                *c += n;
            }
        }
        self.cases += 1;
    }

    /// The report, with every cell of this build named.
    pub fn report(&self) -> CoverageReport {
        let l = layout();
        let mut counts = BTreeMap::new();
        let mut excluded = Vec::new();
        for (i, cell) in l.cells.iter().enumerate() {
            counts.insert(cell.name.clone(), self.counts.get(i).copied().unwrap_or(0));
            if let Status::NotEnabled(what) = cell.status {
                excluded.push(CellNote {
                    cell: cell.name.clone(),
                    reason: format!("not enabled in this build: {what}"),
                });
            }
        }
        excluded.sort_by(|a, b| a.cell.cmp(&b.cell));
        CoverageReport::from_named(counts, excluded, self.cases)
    }
}

/// Joins the coverage of several reports: counts add by cell name; a cell
/// is excluded only if every report that has it excluded it.
pub fn merge<'a>(reports: impl IntoIterator<Item = &'a CoverageReport>) -> Option<CoverageReport> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut excluded: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut having: BTreeMap<String, usize> = BTreeMap::new();
    let mut cases = 0;
    let mut any = false;
    for r in reports {
        any = true;
        cases += r.cases;
        for (name, n) in &r.counts {
            *counts.entry(name.clone()).or_default() += n;
            *having.entry(name.clone()).or_default() += 1;
        }
        for e in &r.excluded {
            excluded
                .entry(e.cell.clone())
                .or_insert_with(|| (e.reason.clone(), 0))
                .1 += 1;
        }
    }
    let excluded = excluded
        .into_iter()
        .filter(|(cell, (_, n))| having.get(cell) == Some(n))
        .map(|(cell, (reason, _))| CellNote { cell, reason })
        .collect();
    any.then(|| CoverageReport::from_named(counts, excluded, cases))
}

/// The coverage section of summary.md.
pub fn markdown(c: &CoverageReport) -> String {
    let mut s = format!(
        "\n## Coverage\n\n{} of {} cells covered ({:.2} %), recorded by the {} tier over {} cases.\n",
        c.covered, c.cells, c.percent, c.recorded_by, c.cases
    );
    if !c.uncovered.is_empty() {
        s.push_str("\n| uncovered cell | why |\n|---|---|\n");
        for u in &c.uncovered {
            s.push_str(&format!("| `{}` | {} |\n", u.cell, u.reason));
        }
    }
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &c.excluded {
        *by_reason.entry(e.reason.as_str()).or_default() += 1;
    }
    if !by_reason.is_empty() {
        s.push_str("\nNot counted (listed in report.json under `coverage.excluded`):\n\n");
        for (reason, n) in by_reason {
            s.push_str(&format!("- {n} cells: {reason}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_names_every_cell_and_merge_adds_by_name() {
        let l = layout();
        let add = l.find("i32.add").unwrap() as u32;
        let div0 = l.find("i32.div_s/trap:integer-divide-by-zero").unwrap() as u32;
        let mut t = Tally::default();
        t.add(&[(add, 3)]);
        t.add(&[(add, 1), (div0, 1)]);
        let r = t.report();
        assert_eq!(r.cases, 2);
        assert_eq!(r.counts["i32.add"], 4);
        assert_eq!(r.counts.len(), l.cells.len());
        assert_eq!(r.covered, 2);
        assert_eq!(r.cells as usize, l.cells.len() - r.excluded.len());
        assert!(r.uncovered.iter().any(|u| u.cell == "i32.sub"));
        let m = merge([&r, &r]).unwrap();
        assert_eq!(m.counts["i32.add"], 8);
        assert_eq!(m.cases, 4);
        assert_eq!((m.cells, m.covered), (r.cells, r.covered));
        assert!(
            m.excluded == r.excluded,
            "excluded cells differ after merge"
        );
        assert!(merge(std::iter::empty()).is_none());
    }
}
