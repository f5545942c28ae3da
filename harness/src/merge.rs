//! `tierdiff merge`: one report from the reports of several fuzz runs,
//! typically the shards of one nightly run.
//!
//! Counts and timings are summed (`elapsed_s` is the shards' run time added
//! up, `cases_per_s` their rates added up: the throughput of the whole
//! fleet). Findings are de-duplicated by signature: counts add, the examples
//! are the lowest few cases over every shard, and each signature's folder is
//! copied from the shard that holds its first example, together with every
//! shard's example modules. Coverage counts add up by cell name
//! ([`crate::coverage::merge`]), tier paths by tier and path name
//! ([`crate::tier_coverage::merge`]).

use crate::report::{self, FindingEntry, MergedShard, Report};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads `dir/report.json`.
pub fn read_report(dir: &Path) -> Result<Report, String> {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a tierdiff report: {e}", path.display()))
}

/// Joins shard reports into one report whose findings live under `out`.
/// Copies the finding folders into `out/findings/`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Report, String> {
    let mut shards = Vec::new();
    for dir in dirs {
        shards.push((dir.clone(), read_report(dir)?));
    }
    let Some((_, first)) = shards.first() else {
        return Err("name at least one report folder".into());
    };
    let mut merged = Report {
        tool: first.tool.clone(),
        version: first.version.clone(),
        command_line: std::iter::once("tierdiff merge".to_string())
            .chain(dirs.iter().map(|d| d.display().to_string()))
            .collect(),
        seed: first.seed,
        shard: "merged".into(),
        ..Report::default()
    };
    let mut by_signature: BTreeMap<String, (FindingEntry, PathBuf)> = BTreeMap::new();
    for (dir, r) in &shards {
        for e in &r.engines {
            if !merged.engines.contains(e) {
                merged.engines.push(e.clone());
            }
        }
        merged.jobs += r.jobs;
        merged.cases += r.cases;
        merged.calls += r.calls;
        merged.elapsed_s += r.elapsed_s;
        merged.cases_per_s += r.cases_per_s;
        merged.inconclusive += r.inconclusive;
        for (reason, count) in &r.inconclusive_reasons {
            merged.inconclusive_reasons.entry(*reason).or_default().add(
                count.cases,
                &count.examples,
                crate::fuzz::EXAMPLES,
            );
        }
        merged.worker_restarts += r.worker_restarts;
        merged.findings_without_folder += r.findings_without_folder;
        merged.exhaustion.merge(&r.exhaustion);
        for (e, c) in &r.per_engine {
            merged.per_engine.entry(e.clone()).or_default().add(c);
        }
        for (g, n) in &r.generators {
            *merged.generators.entry(g.clone()).or_default() += n;
        }
        for (k, v) in &r.timing {
            *merged.timing.entry(k.clone()).or_default() += v;
        }
        merged.merged_from.push(MergedShard {
            dir: dir.display().to_string(),
            seed: r.seed,
            shard: r.shard.clone(),
            jobs: r.jobs,
            cases: r.cases,
            elapsed_s: r.elapsed_s,
        });
        for f in &r.findings {
            let source = finding_folder(dir, f);
            match by_signature.get_mut(&f.signature) {
                None => {
                    by_signature.insert(f.signature.clone(), (f.clone(), source));
                }
                Some((entry, from)) => {
                    entry.count += f.count;
                    entry.first_seen_s = entry.first_seen_s.min(f.first_seen_s);
                    if (f.shard.as_str(), f.first_case) < (entry.shard.as_str(), entry.first_case) {
                        entry.first_case = f.first_case;
                        entry.shard = f.shard.clone();
                        entry.message = f.message.clone();
                        *from = source;
                    }
                    for ex in &f.examples {
                        entry.add_example(ex.clone(), crate::fuzz::EXAMPLES);
                    }
                }
            }
        }
    }
    merged.coverage =
        crate::coverage::merge(shards.iter().filter_map(|(_, r)| r.coverage.as_ref()));
    merged.tier_coverage =
        crate::tier_coverage::merge(shards.iter().map(|(_, r)| &r.tier_coverage));
    let findings_dir = out.join("findings");
    for (signature, (mut entry, from)) in by_signature {
        let to = findings_dir.join(&signature);
        copy_finding(&from, &to)?;
        // Every shard's example modules, not only the winning shard's.
        for (dir, r) in &shards {
            if let Some(f) = r.findings.iter().find(|f| f.signature == signature) {
                let examples = finding_folder(dir, f).join("examples");
                if examples.is_dir() {
                    copy_dir(&examples, &to.join("examples"))?;
                }
            }
        }
        entry.dir = to.display().to_string();
        merged.findings.push(entry);
    }
    Ok(merged)
}

/// Where a shard's finding folder is: its recorded `dir` if that exists,
/// else `<report dir>/findings/<signature>` (reports moved as artifacts
/// keep their layout but not their absolute paths).
fn finding_folder(report_dir: &Path, f: &FindingEntry) -> PathBuf {
    let recorded = PathBuf::from(&f.dir);
    if recorded.join("finding.json").is_file() || recorded.join("module.wasm").is_file() {
        recorded
    } else {
        report_dir.join("findings").join(&f.signature)
    }
}

fn copy_finding(from: &Path, to: &Path) -> Result<(), String> {
    if !from.is_dir() {
        return Err(format!("{}: finding folder missing", from.display()));
    }
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    copy_dir(from, to)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// Merges and writes report.json, summary.md and junit.xml into `out`.
pub fn merge_into(dirs: &[PathBuf], out: &Path) -> Result<Report, String> {
    if dirs.iter().any(|d| d == out) {
        return Err(format!(
            "{}: the output folder cannot be one of the inputs",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let merged = merge(dirs, out)?;
    report::write_all(out, &merged).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(merged)
}
