//! `tierdiff spec`: the spec testsuite (or your own .wast files) through the tiers.

use crate::input::InputError;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tierdiff_runtime::TierKind;

use super::parse_tiers;
use crate::spec::{self, Counts, FileResult, TierReport, WastSource};

/// How long one .wast file may run in one tier by default: the slowest
/// built-in file takes seconds; a file that runs for minutes is stuck.
const SPEC_FILE_TIME: std::time::Duration = std::time::Duration::from_secs(300);

pub(super) fn cmd_spec(
    tier: &str,
    suites: Option<&str>,
    file: Option<&str>,
    json: bool,
    case_timeout: Option<&str>,
    paths: &[PathBuf],
) -> Result<ExitCode, InputError> {
    let tiers = parse_tiers(tier)?;
    crate::watchdog::set_case_time(match case_timeout {
        Some(t) => super::fuzz::parse_case_timeout(t)?,
        None => SPEC_FILE_TIME,
    });
    let (suite, sources) = if paths.is_empty() {
        let (name, mut all) = select_suites(suites.unwrap_or("default"))?;
        if let Some(f) = file {
            let want = if f.ends_with(".wast") {
                f.to_string()
            } else {
                format!("{f}.wast")
            };
            all.retain(|s| s.name == want || s.name.rsplit('/').next() == Some(want.as_str()));
            if all.is_empty() {
                return Err(InputError(format!(
                    "--file {f}: no such file in the {name} suite"
                )));
            }
        }
        (name, all)
    } else {
        if file.is_some() || suites.is_some() {
            return Err(InputError(
                "--file and --suite select from the built-in suites; they cannot be combined with paths".into(),
            ));
        }
        ("files".to_string(), collect_wast(paths)?)
    };
    let mut report: BTreeMap<&str, TierReport> = BTreeMap::new();
    let mut failures_shown = 0;
    for &tier in &tiers {
        let results = run_parallel(&sources, tier);
        let tier_report = report.entry(tier.name()).or_default();
        for (source, result) in sources.iter().zip(&results) {
            tier_report.totals.add(&result.counts);
            tier_report
                .files
                .insert(source.name.clone(), result.counts.clone());
            for f in &result.failures {
                if failures_shown < 50 {
                    eprintln!(
                        "FAIL [{tier}] {}:{} {}: {}",
                        source.name, f.line, f.directive, f.reason
                    );
                }
                failures_shown += 1;
            }
        }
    }
    if failures_shown > 50 {
        eprintln!("... and {} more failures", failures_shown - 50);
    }
    if json {
        println!("{}", json!({ "suite": suite, "tiers": report }));
    } else {
        print_spec_table(&report);
    }
    let failed: u64 = report.values().map(|r| r.totals.failed).sum();
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}

/// Runs every file on one tier, spread over the machine's cores, keeping order.
fn run_parallel(sources: &[WastSource], tier: TierKind) -> Vec<FileResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<FileResult>>> = sources
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (next, done, results) = (&next, &done, &results);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(source) = sources.get(i) else { break };
                // A big stack lets the JIT call wasm on this thread directly.
                let r = tierdiff_runtime::stack::run_with_big_stack(
                    tierdiff_runtime::stack::BIG_STACK,
                    || {
                        // Each file is a case of the watchdog, in this thread's lane.
                        crate::watchdog::use_lane(1 + thread % (crate::watchdog::LANES - 1));
                        crate::watchdog::begin_labelled_case(i as u64, &source.name);
                        crate::watchdog::enter(tier.name());
                        let r = spec::run_file(source, tier);
                        crate::watchdog::end_case();
                        r
                    },
                );
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                eprintln!(
                    "[{tier} {n}/{}] {}: {} passed, {} failed",
                    sources.len(),
                    source.name,
                    r.counts.passed,
                    r.counts.failed
                );
                *results[i].lock().expect("no panics while holding") = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().expect("no poison").expect("every file ran"))
        .collect()
}

fn print_spec_table(report: &BTreeMap<&str, TierReport>) {
    for (tier, r) in report {
        println!("tier {tier}");
        println!(
            "  {:<40} {:>8} {:>8} {:>8}",
            "file", "passed", "failed", "skipped"
        );
        for (name, c) in &r.files {
            println!(
                "  {:<40} {:>8} {:>8} {:>8}",
                name, c.passed, c.failed, c.skipped
            );
        }
        let Counts {
            passed,
            failed,
            skipped,
        } = r.totals;
        println!(
            "  {:<40} {:>8} {:>8} {:>8}",
            "TOTAL", passed, failed, skipped
        );
    }
}

/// `--suite`: comma-separated names among `default` (the core 2.0 files
/// and every proposal the loader accepts), `core`, `all` (core and every
/// proposal) and the proposal names of [`spec::PROPOSALS`]. Returns the
/// suite's name for reports (`wasm-v2`, `wasm-v2+simd`, `simd`, ...) and
/// its files.
fn select_suites(text: &str) -> Result<(String, Vec<WastSource>), InputError> {
    let mut names: Vec<&str> = Vec::new();
    for part in text.split(',') {
        let expanded: Vec<&str> = match part {
            "default" => std::iter::once("core")
                .chain(spec::default_proposals())
                .collect(),
            "all" => std::iter::once("core")
                .chain(spec::PROPOSALS.iter().map(|(n, _, _)| *n))
                .collect(),
            "core" => vec!["core"],
            p if spec::PROPOSALS.iter().any(|(n, _, _)| *n == p) => vec![p],
            other => {
                let known: Vec<&str> = spec::PROPOSALS.iter().map(|(n, _, _)| *n).collect();
                return Err(InputError(format!(
                    "--suite {other:?}: unknown (default, core, all, {})",
                    known.join(", ")
                )));
            }
        };
        for n in expanded {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let mut files = Vec::new();
    for n in &names {
        match *n {
            "core" => files.extend(spec::core_suite()),
            p => files.extend(spec::proposal_suite(p).expect("checked above")),
        }
    }
    let label = names
        .iter()
        .map(|n| if *n == "core" { "wasm-v2" } else { n })
        .collect::<Vec<_>>()
        .join("+");
    Ok((label, files))
}

/// Expands files and directories (recursively) into `.wast` sources.
fn collect_wast(paths: &[PathBuf]) -> Result<Vec<WastSource>, InputError> {
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files)?;
    }
    if files.is_empty() {
        return Err(InputError(format!(
            "no .wast files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| InputError(format!("{}: cannot read: {e}", f.display())))?;
            Ok(WastSource::new(f.display().to_string(), text))
        })
        .collect()
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let meta =
        std::fs::metadata(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    if meta.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            let p = entry.path();
            if p.is_dir() || p.extension().is_some_and(|e| e == "wast") {
                walk(&p, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}
