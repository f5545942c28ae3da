//! `tierdiff bench --harness`: how many differential cases per second the
//! default fuzz configuration pushes, and where the time goes.
//!
//! Cases run in this process as a fuzz worker runs them (the same
//! generators, engines recording coverage with the worker's sampling, and
//! the verdict with triage), without the worker's per-case bookkeeping on
//! disk; the split comes from
//! [`CaseOutcome::timing`](crate::compare::CaseOutcome) plus generation.

use crate::fuzz::{self, FuzzConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// What a throughput run measured.
#[derive(Debug, Serialize)]
pub struct Throughput {
    pub seed: u64,
    pub engines: Vec<String>,
    pub cases: u64,
    pub calls: u64,
    pub findings: u64,
    pub elapsed_s: f64,
    pub cases_per_s: f64,
    /// Seconds per phase: `generate`, `instantiate.ENGINE`, `execute.ENGINE`,
    /// `compare`, and `other` (call planning, loop overhead).
    pub timing: BTreeMap<String, f64>,
}

/// Runs `cases` fuzz cases of `seed` through `engines` (names checked by the caller).
pub fn measure(seed: u64, cases: u64, engines: &[String], progress: &dyn Fn(u64)) -> Throughput {
    let built = fuzz::build_engines(engines);
    let config = FuzzConfig {
        seed,
        shard: (1, 1),
        iterations: Some(cases),
        time: None,
        engines: engines.to_vec(),
        out: PathBuf::new(),
        fault: None,
        shrink: false,
        jobs: 1,
        generators: None,
        watch: Default::default(),
        profile: Default::default(),
    };
    let mut timing: BTreeMap<String, f64> = BTreeMap::new();
    let (mut calls, mut findings) = (0, 0);
    let start = Instant::now();
    for index in 0..cases {
        let t = Instant::now();
        let input = fuzz::case_input(&config, index);
        let generated = fuzz::generate_case(&config, &input);
        *timing.entry("generate".into()).or_default() += t.elapsed().as_secs_f64();
        let (limits, options) = fuzz::case_setup(&generated);
        let outcome = crate::verdict::judge(&generated.wasm, &built, limits, options);
        for (k, v) in outcome.timing {
            *timing.entry(k).or_default() += v;
        }
        calls += outcome.calls;
        findings += outcome.findings.len() as u64;
        progress(index + 1);
    }
    let elapsed_s = start.elapsed().as_secs_f64();
    let accounted: f64 = timing.values().sum();
    timing.insert("other".into(), (elapsed_s - accounted).max(0.0));
    Throughput {
        seed,
        engines: engines.to_vec(),
        cases,
        calls,
        findings,
        elapsed_s,
        cases_per_s: cases as f64 / elapsed_s.max(1e-9),
        timing,
    }
}

/// The human-readable report: one line per phase, biggest first.
pub fn render(t: &Throughput) -> String {
    let mut out = format!(
        "harness throughput: {} cases ({} calls, {} findings) on {} in {:.2} s = {:.1} cases/s per worker\n",
        t.cases,
        t.calls,
        t.findings,
        t.engines.join(","),
        t.elapsed_s,
        t.cases_per_s
    );
    let mut phases: Vec<(&String, &f64)> = t.timing.iter().collect();
    phases.sort_by(|a, b| b.1.total_cmp(a.1));
    out.push_str(&format!(
        "{:<22} {:>9} {:>7} {:>12}\n",
        "phase", "total s", "share", "per case µs"
    ));
    for (phase, secs) in phases {
        out.push_str(&format!(
            "{:<22} {:>9.3} {:>6.1}% {:>12.1}\n",
            phase,
            secs,
            100.0 * secs / t.elapsed_s.max(1e-9),
            1e6 * secs / t.cases.max(1) as f64
        ));
    }
    out
}
