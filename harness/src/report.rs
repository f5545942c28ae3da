//! What a fuzz run leaves behind: `report.json`, `summary.md`, `junit.xml`
//! and one folder per unique finding (`findings/<signature>/`).
//!
//! Reference bugs (wasmi's own, see [`crate::triage`]) are listed apart from
//! the findings that fail a run; in JUnit they are skipped test cases, so a
//! CI dashboard shows them without turning red.

use crate::compare::{EngineCounts, Finding, InconclusiveReason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One case that showed a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingExample {
    pub case: u64,
    /// The shard the case index belongs to (`K/N`).
    #[serde(default)]
    pub shard: String,
    /// The finer signature of this occurrence, for grouped findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// The file name of an example case's module under `examples/`; the shard
/// is part of it so that merged shards never collide.
pub fn example_file_name(example: &FindingExample) -> String {
    format!(
        "shard-{}-case-{}.wasm",
        example.shard.replace('/', "of"),
        example.case
    )
}

/// One unique finding in the report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FindingEntry {
    pub signature: String,
    pub kind: String,
    pub engines: Vec<String>,
    /// How many cases showed this signature.
    pub count: u64,
    /// The lowest case index that showed it (within `shard`). Its module
    /// is in `dir`.
    pub first_case: u64,
    #[serde(default)]
    pub shard: String,
    /// Folder with module.wasm, module.wat and finding.json (the first
    /// case), and `examples/case-N.wasm` for the other examples.
    pub dir: String,
    pub message: String,
    /// The lowest few cases that showed it, first case first.
    #[serde(default)]
    pub examples: Vec<FindingExample>,
    /// Seconds into the run when it was first seen (the earliest shard's,
    /// after a merge): the time to first finding.
    #[serde(default)]
    pub first_seen_s: f64,
}

impl FindingEntry {
    /// Whether this finding fails a run (everything but a reference
    /// engine's own bug or resource trip, and those too when `strict`).
    pub fn fails(&self, strict: bool) -> bool {
        use crate::compare::FindingKind;
        strict
            || ![FindingKind::ReferenceBug, FindingKind::ReferenceResource]
                .iter()
                .any(|k| self.kind == k.name())
    }

    /// Keeps `example` if it is among the lowest `max` cases.
    pub fn add_example(&mut self, example: FindingExample, max: usize) {
        keep_lowest(&mut self.examples, example, max);
    }
}

/// Adds `example` to `examples` unless there already, keeping the lowest
/// `max` by shard and case.
fn keep_lowest(examples: &mut Vec<FindingExample>, example: FindingExample, max: usize) {
    let key = |e: &FindingExample| (e.shard.clone(), e.case);
    if examples.iter().any(|e| key(e) == key(&example)) {
        return;
    }
    examples.push(example);
    examples.sort_by_key(key);
    examples.truncate(max);
}

/// The run's machine-readable report.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub tool: String,
    pub version: String,
    pub command_line: Vec<String>,
    pub seed: u64,
    pub shard: String,
    pub engines: Vec<String>,
    /// Worker processes the run used.
    #[serde(default)]
    pub jobs: u64,
    pub cases: u64,
    pub calls: u64,
    pub elapsed_s: f64,
    pub cases_per_s: f64,
    pub inconclusive: u64,
    /// The inconclusive cases by reason (keyed by [`InconclusiveReason::name`]
    /// in JSON); they add up to `inconclusive`. A reason `unknown` fails the run.
    #[serde(default)]
    pub inconclusive_reasons: BTreeMap<InconclusiveReason, ReasonCount>,
    /// Process-level crashes of the worker (each is also a `crash` finding).
    pub worker_restarts: u64,
    pub per_engine: BTreeMap<String, EngineCounts>,
    pub generators: BTreeMap<String, u64>,
    /// Seconds spent per phase (generation, instantiate.<engine>, execute.<engine>, compare).
    pub timing: BTreeMap<String, f64>,
    pub findings: Vec<FindingEntry>,
    /// Unique findings beyond [`MAX_FINDING_FOLDERS`]: listed here, with
    /// no folder of their own.
    #[serde(default)]
    pub findings_without_folder: u64,
    /// The shard reports a `tierdiff merge` joined (empty for a single run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergedShard>,
    /// Semantic coverage (absent when the recording engine did not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<crate::coverage::CoverageReport>,
    /// Tier-path coverage per tier that names its paths (see
    /// [`crate::tier_coverage`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tier_coverage: BTreeMap<String, crate::tier_coverage::TierCoverage>,
    /// Cases under fuel pressure, and cases where every tier ran out of
    /// fuel or call depth (and so was compared there).
    #[serde(default)]
    pub exhaustion: Exhaustion,
}

/// The inconclusive cases of one reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub cases: u64,
    /// The lowest few cases with this reason.
    pub examples: Vec<FindingExample>,
}

impl ReasonCount {
    /// Counts `cases` more, keeping the lowest `max` examples of both.
    pub fn add(&mut self, cases: u64, examples: &[FindingExample], max: usize) {
        self.cases += cases;
        for e in examples {
            keep_lowest(&mut self.examples, e.clone(), max);
        }
    }
}

/// How often a run reached exhaustion (see [`Report::exhaustion`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exhaustion {
    /// Cases run with fuel or depth limits below the defaults.
    pub pressure_cases: u64,
    /// Cases in which every tier ran out of fuel in some call.
    pub fuel_cases: u64,
    /// Cases in which every tier ran out of call depth in some call.
    pub depth_cases: u64,
}

impl Exhaustion {
    /// Counts one finished case.
    pub fn add(&mut self, rec: &crate::fuzz::CaseRecord) {
        let tiers: Vec<&EngineCounts> = rec
            .outcome
            .per_engine
            .iter()
            .filter(|(name, _)| tierdiff_runtime::TierKind::parse(name).is_some())
            .map(|(_, c)| c)
            .collect();
        let all = |f: fn(&EngineCounts) -> u64| !tiers.is_empty() && tiers.iter().all(|c| f(c) > 0);
        self.pressure_cases += rec.pressure as u64;
        self.fuel_cases += all(|c| c.out_of_fuel) as u64;
        self.depth_cases += all(|c| c.call_stack_exhausted) as u64;
    }

    /// Adds another run's counts.
    pub fn merge(&mut self, o: &Exhaustion) {
        self.pressure_cases += o.pressure_cases;
        self.fuel_cases += o.fuel_cases;
        self.depth_cases += o.depth_cases;
    }
}

/// One shard report inside a merged report.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MergedShard {
    pub dir: String,
    pub seed: u64,
    pub shard: String,
    pub jobs: u64,
    pub cases: u64,
    pub elapsed_s: f64,
}

impl Report {
    /// Unique findings that fail a run, and unique reference bugs.
    pub fn finding_counts(&self) -> (usize, usize) {
        let failures = self.findings.iter().filter(|f| f.fails(false)).count();
        (failures, self.findings.len() - failures)
    }

    /// The run's exit code: 1 if any finding fails it (with `strict`,
    /// reference bugs too) or an inconclusive case has no known reason,
    /// else 0.
    pub fn exit_code(&self, strict: bool) -> u8 {
        u8::from(self.findings.iter().any(|f| f.fails(strict)) || self.unexplained() > 0)
    }

    /// Inconclusive cases without a known reason (a harness bug).
    pub fn unexplained(&self) -> u64 {
        self.inconclusive_reasons
            .get(&InconclusiveReason::Unknown)
            .map_or(0, |r| r.cases)
    }
}

/// The format of `finding.json` this build writes; it reads this one and
/// every earlier one (fields added since then have defaults).
pub const FINDING_FORMAT: u32 = 2;

/// Everything saved for one finding.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FindingRecord {
    /// [`FINDING_FORMAT`] when written (records without it are format 1).
    #[serde(default = "format_one")]
    pub format: u32,
    /// The tierdiff version that wrote it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tool: String,
    pub finding: Finding,
    pub seed: u64,
    pub case: u64,
    pub generator: String,
    /// Hex of the fuzz input the module was generated from.
    pub input_hex: String,
    pub replay: String,
    /// The deliberate runtime bug the run injected (`--fault`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// The case's own limits when they were not the generated-case
    /// defaults (fuel pressure); replay and shrink use them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<tierdiff_runtime::Limits>,
    /// The case ran as a WASI program (with `generate::wasi_config`
    /// unless `wasi_world` says otherwise).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wasi: bool,
    /// The WASI world, when not that of generated programs (a `run`'s
    /// arguments, environment and stdin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasi_world: Option<crate::verdict::WasiWorld>,
    /// The calls the case made, when not its plan (`run --invoke`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<Vec<crate::plan::PlannedCall>>,
    /// The module file a `run` or `replay` was given, for a finding not
    /// made by the fuzzer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The engines the case ran in, when not the default set (`--engines`);
    /// `replay` and `shrink` run it in them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engines: Option<Vec<String>>,
}

fn format_one() -> u32 {
    1
}

impl FindingRecord {
    /// A record for a finding of `tierdiff run` or `replay` on a module
    /// (no seed, case or generator input behind it).
    pub fn of_module(finding: Finding, source: &Path, setup: &crate::shrink::Setup) -> Self {
        let (wasi, wasi_world) = crate::verdict::WasiWorld::record(setup.wasi.as_ref());
        FindingRecord {
            format: FINDING_FORMAT,
            tool: env!("CARGO_PKG_VERSION").to_string(),
            finding,
            seed: 0,
            case: 0,
            generator: "module".into(),
            input_hex: String::new(),
            replay: String::new(),
            fault: crate::shrink::selected_fault().map(|f| f.name().to_string()),
            limits: setup.limits,
            wasi,
            wasi_world,
            calls: setup.calls.clone(),
            source: Some(source.display().to_string()),
            engines: crate::engine::recorded(),
        }
    }

    /// Reads `dir/finding.json`; a one-line reason when it is missing,
    /// not a record, or from a newer format.
    pub fn load(dir: &Path) -> Result<FindingRecord, String> {
        let path = dir.join("finding.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read finding.json: {e}"))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("finding.json is not JSON: {e}"))?;
        let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(1);
        if format > u64::from(FINDING_FORMAT) {
            let tool = value.get("tool").and_then(|t| t.as_str()).unwrap_or("?");
            return Err(format!(
                "finding.json has format {format} (written by tierdiff {tool}); this tierdiff reads formats up to {FINDING_FORMAT}"
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| format!("finding.json is not a finding record of this tierdiff: {e}"))
    }
}

/// Writes a finding's folder, unless one with its signature already holds a
/// lower case: parallel workers meet here (under a lock file), and the
/// folder ends up with the signature's lowest case whatever the order.
/// Returns the folder and whether this record was written.
pub fn write_finding(
    out: &Path,
    record: &FindingRecord,
    wasm: &[u8],
) -> std::io::Result<(PathBuf, bool)> {
    let findings = out.join("findings");
    std::fs::create_dir_all(&findings)?;
    // Lock and staging folder sit beside findings/, which holds only findings.
    let lock = std::fs::File::create(out.join(".findings.lock"))?;
    lock.lock()?;
    let dir = findings.join(&record.finding.signature);
    // A flood of distinct signatures must not fill the disk: past the cap,
    // new signatures are counted in the report but get no folder.
    if !dir.exists() && std::fs::read_dir(&findings)?.count() >= MAX_FINDING_FOLDERS {
        return Ok((dir, false));
    }
    let existing = std::fs::read_to_string(dir.join("finding.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<FindingRecord>(&t).ok());
    // Fuzz cases keep the lowest index; a module's finding (run, replay)
    // is written anew each time.
    let fuzzed = |r: &FindingRecord| r.source.is_none();
    if existing.is_some_and(|e| fuzzed(&e) && fuzzed(record) && e.case <= record.case) {
        return Ok((dir, false));
    }
    // Build the folder beside its final place, then swap it in, so a crash
    // midway never leaves a half-written finding under the signature.
    let staging = out.join(format!(".staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    // The module first: it is what a later crash must not lose.
    std::fs::write(staging.join("module.wasm"), wasm)?;
    let wat = wasmprinter::print_bytes(wasm)
        .unwrap_or_else(|e| format!(";; wasmprinter could not print this module: {e}\n"));
    std::fs::write(staging.join("module.wat"), wat)?;
    let json = serde_json::to_string_pretty(record).expect("records serialise");
    std::fs::write(staging.join("finding.json"), json)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(&staging, &dir)?;
    Ok((dir, true))
}

/// Finding folders a run writes at most (each holds one module and its
/// record, plus at most [`crate::fuzz::EXAMPLES`] example modules).
pub const MAX_FINDING_FOLDERS: usize = 500;

/// Writes report.json, summary.md and junit.xml into `out`, each through a
/// temporary file renamed into place, so a killed run never leaves one
/// half-written.
pub fn write_all(out: &Path, report: &Report) -> std::io::Result<()> {
    let write = |name: &str, text: String| {
        let tmp = out.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, out.join(name))
    };
    write(
        "report.json",
        serde_json::to_string_pretty(report).expect("reports serialise"),
    )?;
    write("summary.md", summary_markdown(report))?;
    write("junit.xml", junit_xml(report))?;
    Ok(())
}

/// The one-paragraph summary a person reads first.
pub fn summary_line(report: &Report) -> String {
    let total: u64 = report.findings.iter().map(|f| f.count).sum();
    let (failures, reference_bugs) = report.finding_counts();
    let coverage = report.coverage.as_ref().map_or(String::new(), |c| {
        format!(
            " Coverage {:.2} % ({} of {} cells).",
            c.percent, c.covered, c.cells
        )
    });
    let coverage = if report.tier_coverage.is_empty() {
        coverage
    } else {
        format!(
            "{coverage} Tier paths: {}.",
            crate::tier_coverage::summary_line(&report.tier_coverage)
        )
    };
    let reasons = if report.inconclusive_reasons.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = report
            .inconclusive_reasons
            .iter()
            .map(|(reason, c)| format!("{} {}", reason.name(), c.cases))
            .collect();
        format!(" ({})", parts.join(", "))
    };
    format!(
        "{} cases ({} calls) in {:.1}s, {:.1} cases/s on {} worker(s), engines {}; {} unique findings ({} cases in all): {} failing, {} reference-engine bugs; {} inconclusive{reasons}, {} worker restarts.{coverage}",
        report.cases,
        report.calls,
        report.elapsed_s,
        report.cases_per_s,
        report.jobs.max(1),
        report.engines.join(","),
        report.findings.len(),
        total,
        failures,
        reference_bugs,
        report.inconclusive,
        report.worker_restarts
    )
}

fn finding_table(s: &mut String, findings: &[&FindingEntry]) {
    s.push_str("| signature | count | first case | examples | folder |\n|---|---|---|---|---|\n");
    for f in findings {
        let examples: Vec<String> = f
            .examples
            .iter()
            .map(|e| format!("{} ({})", e.case, e.shard))
            .collect();
        s.push_str(&format!(
            "| `{}` | {} | {} ({}) | {} | `{}` |\n",
            f.signature,
            f.count,
            f.first_case,
            f.shard,
            examples.join(", "),
            f.dir
        ));
    }
}

/// summary.md: the summary line, failing findings, reference bugs, and
/// outcomes per engine.
pub fn summary_markdown(r: &Report) -> String {
    let mut s = format!(
        "# tierdiff fuzz report\n\n{}\n\nSeed `{}`, shard `{}`, command `{}`.\n\n",
        summary_line(r),
        r.seed,
        r.shard,
        r.command_line.join(" ")
    );
    let failing: Vec<&FindingEntry> = r.findings.iter().filter(|f| f.fails(false)).collect();
    let reference: Vec<&FindingEntry> = r.findings.iter().filter(|f| !f.fails(false)).collect();
    if failing.is_empty() {
        s.push_str("No failing findings.\n");
    } else {
        s.push_str("## Findings\n\n");
        finding_table(&mut s, &failing);
        s.push_str("\nReplay one with `tierdiff replay <folder>`.\n");
    }
    if r.findings_without_folder > 0 {
        s.push_str(&format!(
            "\n{} unique findings came after the first {MAX_FINDING_FOLDERS} folders: they are listed, with no folder of their own (a flood of distinct signatures is summarised, not written out).\n",
            r.findings_without_folder
        ));
    }
    if !reference.is_empty() {
        s.push_str("\n## Reference-engine bugs (not failures)\n\n`reference-bug`: wasmi differed from every tier and the tie-breaker sided with the tiers (or a known-bug rewrite confirmed it); grouped by root cause. `reference-resource`: a reference engine's step ran past the case's time or the worker's memory.\n\n");
        finding_table(&mut s, &reference);
    }
    s.push_str("\n## Outcomes per engine\n\nCalls that returned, trapped, ran out of fuel or depth, or crashed; and the cases the engine was left out of (a proposal it does not run, or a limit of its own).\n\n| engine | returned | trapped | exhausted | crashed | cases left out |\n|---|---|---|---|---|---|\n");
    for (e, c) in &r.per_engine {
        s.push_str(&format!(
            "| {e} | {} | {} | {} | {} | {} |\n",
            c.returned, c.trapped, c.exhausted, c.crashed, c.left_out
        ));
    }
    let pct = |n: u64| 100.0 * n as f64 / r.cases.max(1) as f64;
    inconclusive_table(&mut s, r, pct);
    let e = &r.exhaustion;
    s.push_str(&format!(
        "\nFuel pressure: {} cases ran with low fuel or call-depth limits; every tier ran out of fuel in {} cases ({:.2} %) and out of call depth in {} ({:.2} %), and was compared there.\n",
        e.pressure_cases,
        e.fuel_cases,
        pct(e.fuel_cases),
        e.depth_cases,
        pct(e.depth_cases)
    ));
    if let Some(c) = &r.coverage {
        s.push_str(&crate::coverage::markdown(c));
    }
    s.push_str(&crate::tier_coverage::markdown(&r.tier_coverage));
    s
}

/// Why cases were inconclusive, one row per reason.
fn inconclusive_table(s: &mut String, r: &Report, pct: impl Fn(u64) -> f64) {
    if r.inconclusive_reasons.is_empty() {
        s.push_str("\nNo case was inconclusive.\n");
        return;
    }
    s.push_str(&format!(
        "\n## Inconclusive cases\n\n{} cases ({:.2} %) could not be judged in full:\n\n| reason | cases | share | examples | meaning |\n|---|---|---|---|---|\n",
        r.inconclusive,
        pct(r.inconclusive)
    ));
    for (reason, count) in &r.inconclusive_reasons {
        let examples: Vec<String> = count
            .examples
            .iter()
            .map(|e| format!("{} ({})", e.case, e.shard))
            .collect();
        s.push_str(&format!(
            "| `{}` | {} | {:.2} % | {} | {} |\n",
            reason.name(),
            count.cases,
            pct(count.cases),
            examples.join(", "),
            reason.describe()
        ));
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// junit.xml: one test case per unique finding; reference bugs are
/// skipped test cases, every other finding a failure.
pub fn junit_xml(r: &Report) -> String {
    let (failures, skipped) = r.finding_counts();
    let tests = r.findings.len().max(1);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"tierdiff-fuzz\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
        r.elapsed_s
    );
    if r.findings.is_empty() {
        s.push_str(&format!(
            "  <testcase classname=\"tierdiff.fuzz\" name=\"{} cases, no findings\"/>\n",
            r.cases
        ));
    }
    let unexplained = r.unexplained();
    if unexplained > 0 {
        s.push_str(&format!(
            "  <testcase classname=\"tierdiff.fuzz.inconclusive\" name=\"unknown\">\n    <failure message=\"{unexplained} inconclusive case(s) without a reason\">a harness bug: every inconclusive case must say why</failure>\n  </testcase>\n"
        ));
    }
    for f in &r.findings {
        let tag = if f.fails(false) { "failure" } else { "skipped" };
        s.push_str(&format!(
            "  <testcase classname=\"tierdiff.fuzz.{}\" name=\"{}\">\n    <{tag} message=\"{}\">{} case(s); first case {} (shard {}); see {}</{tag}>\n  </testcase>\n",
            xml_escape(&f.kind),
            xml_escape(&f.signature),
            xml_escape(&f.message),
            f.count,
            f.first_case,
            xml_escape(&f.shard),
            xml_escape(&f.dir)
        ));
    }
    s.push_str("</testsuite>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past [`MAX_FINDING_FOLDERS`], a new signature gets no folder; an
    /// existing one is still kept up to date.
    #[test]
    fn finding_folders_are_capped() {
        let out = std::env::temp_dir().join(format!("tierdiff-cap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let findings = out.join("findings");
        for i in 0..MAX_FINDING_FOLDERS {
            std::fs::create_dir_all(findings.join(format!("crash:x:{i}"))).unwrap();
        }
        let record = |signature: &str| FindingRecord {
            format: FINDING_FORMAT,
            tool: String::new(),
            finding: crate::compare::Finding {
                kind: crate::compare::FindingKind::Crash,
                signature: signature.into(),
                engines: vec![],
                call: None,
                call_index: None,
                observed: BTreeMap::new(),
                message: String::new(),
                variant: None,
            },
            seed: 0,
            case: 3,
            generator: String::new(),
            input_hex: String::new(),
            replay: String::new(),
            fault: None,
            limits: None,
            wasi: false,
            wasi_world: None,
            calls: None,
            source: None,
            engines: None,
        };
        let (dir, written) = write_finding(&out, &record("crash:x:new"), b"\0asm").unwrap();
        assert!(!written && !dir.exists());
        let (dir, written) = write_finding(&out, &record("crash:x:7"), b"\0asm").unwrap();
        assert!(written && dir.join("finding.json").is_file());
        let _ = std::fs::remove_dir_all(&out);
    }

    /// An inconclusive case without a reason is a harness bug: it fails the
    /// run and shows in every output, where known reasons do not fail it.
    #[test]
    fn an_unexplained_inconclusive_case_fails_the_run() {
        let mut report = Report {
            cases: 10,
            inconclusive: 2,
            ..Report::default()
        };
        let example = |case| FindingExample {
            case,
            shard: "1/1".into(),
            variant: None,
        };
        report
            .inconclusive_reasons
            .entry(InconclusiveReason::TiersOutOfFuel)
            .or_default()
            .add(1, &[example(3)], 5);
        assert_eq!(report.exit_code(false), 0);
        assert!(summary_markdown(&report).contains("`tiers-out-of-fuel` | 1 | 10.00 % | 3 (1/1)"));
        report
            .inconclusive_reasons
            .entry(InconclusiveReason::Unknown)
            .or_default()
            .add(1, &[example(7)], 5);
        assert_eq!(report.unexplained(), 1);
        assert_eq!(report.exit_code(false), 1);
        assert!(junit_xml(&report).contains("without a reason"));
        assert!(summary_line(&report).contains("unknown 1"));
    }
}
