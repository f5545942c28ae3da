//! What a fuzz run leaves behind: `report.json`, `summary.md`, `junit.xml`
//! and one folder per unique finding (`findings/<signature>/`).

use crate::compare::{EngineCounts, Finding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One unique finding in the report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FindingEntry {
    pub signature: String,
    pub kind: String,
    pub engines: Vec<String>,
    /// How many cases showed this signature.
    pub count: u64,
    pub first_case: u64,
    /// Folder with module.wasm, module.wat and finding.json.
    pub dir: String,
    pub message: String,
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
    pub cases: u64,
    pub calls: u64,
    pub elapsed_s: f64,
    pub cases_per_s: f64,
    pub inconclusive: u64,
    /// Process-level crashes of the worker (each is also a `crash` finding).
    pub worker_restarts: u64,
    pub per_engine: BTreeMap<String, EngineCounts>,
    pub generators: BTreeMap<String, u64>,
    /// Seconds spent per phase (generation, instantiate.<engine>, execute.<engine>, compare).
    pub timing: BTreeMap<String, f64>,
    pub findings: Vec<FindingEntry>,
}

/// Everything saved for one finding.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FindingRecord {
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
}

/// Writes a finding's folder unless one with its signature exists.
/// Returns the folder and whether it was new.
pub fn write_finding(
    out: &Path,
    record: &FindingRecord,
    wasm: &[u8],
) -> std::io::Result<(PathBuf, bool)> {
    let dir = out.join("findings").join(&record.finding.signature);
    if dir.join("finding.json").exists() {
        return Ok((dir, false));
    }
    std::fs::create_dir_all(&dir)?;
    // The module first: it is what a later crash must not lose.
    std::fs::write(dir.join("module.wasm"), wasm)?;
    let wat = wasmprinter::print_bytes(wasm)
        .unwrap_or_else(|e| format!(";; wasmprinter could not print this module: {e}\n"));
    std::fs::write(dir.join("module.wat"), wat)?;
    let json = serde_json::to_string_pretty(record).expect("records serialise");
    std::fs::write(dir.join("finding.json"), json)?;
    Ok((dir, true))
}

/// Writes report.json, summary.md and junit.xml into `out`.
pub fn write_all(out: &Path, report: &Report) -> std::io::Result<()> {
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(report).expect("reports serialise"),
    )?;
    std::fs::write(out.join("summary.md"), summary_markdown(report))?;
    std::fs::write(out.join("junit.xml"), junit_xml(report))?;
    Ok(())
}

/// The one-paragraph summary a person reads first.
pub fn summary_line(report: &Report) -> String {
    let total: u64 = report.findings.iter().map(|f| f.count).sum();
    format!(
        "{} cases ({} calls) in {:.1}s, {:.1} cases/s, engines {}; {} unique findings ({} in all), {} inconclusive, {} worker restarts.",
        report.cases,
        report.calls,
        report.elapsed_s,
        report.cases_per_s,
        report.engines.join(","),
        report.findings.len(),
        total,
        report.inconclusive,
        report.worker_restarts
    )
}

fn summary_markdown(r: &Report) -> String {
    let mut s = format!(
        "# tierdiff fuzz report\n\n{}\n\nSeed `{}`, shard `{}`, command `{}`.\n\n",
        summary_line(r),
        r.seed,
        r.shard,
        r.command_line.join(" ")
    );
    if r.findings.is_empty() {
        s.push_str("No findings.\n");
    } else {
        s.push_str("| signature | count | first case | folder |\n|---|---|---|---|\n");
        for f in &r.findings {
            s.push_str(&format!(
                "| `{}` | {} | {} | `{}` |\n",
                f.signature, f.count, f.first_case, f.dir
            ));
        }
        s.push_str("\nReplay one with `tierdiff run <folder>/module.wasm`.\n");
    }
    s.push_str("\n## Outcomes per engine\n\n| engine | returned | trapped | exhausted | crashed |\n|---|---|---|---|---|\n");
    for (e, c) in &r.per_engine {
        s.push_str(&format!(
            "| {e} | {} | {} | {} | {} |\n",
            c.returned, c.trapped, c.exhausted, c.crashed
        ));
    }
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit_xml(r: &Report) -> String {
    let tests = r.findings.len().max(1);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"tierdiff-fuzz\" tests=\"{tests}\" failures=\"{}\" time=\"{:.3}\">\n",
        r.findings.len(),
        r.elapsed_s
    );
    if r.findings.is_empty() {
        s.push_str(&format!(
            "  <testcase classname=\"tierdiff.fuzz\" name=\"{} cases, no findings\"/>\n",
            r.cases
        ));
    }
    for f in &r.findings {
        s.push_str(&format!(
            "  <testcase classname=\"tierdiff.fuzz.{}\" name=\"{}\">\n    <failure message=\"{}\">{} case(s); first case {}; see {}</failure>\n  </testcase>\n",
            xml_escape(&f.kind),
            xml_escape(&f.signature),
            xml_escape(&f.message),
            f.count,
            f.first_case,
            xml_escape(&f.dir)
        ));
    }
    s.push_str("</testsuite>\n");
    s
}
