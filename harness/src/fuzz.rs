//! The fuzz run: generate cases from a seed, run each through every engine,
//! and keep every finding on disk.
//!
//! The supervisor (the `tierdiff fuzz` process) runs cases in a worker
//! process (`tierdiff fuzz-worker`), which reports each finished case as a
//! JSON line. Before each case the worker writes the module to
//! `inflight/`; if the worker dies (a bad JIT access, an abort), the
//! supervisor records that case as a `crash` finding and starts a new worker
//! after it. Panics inside an engine are caught in the worker itself.

use crate::compare::{self, CaseOutcome, Finding, FindingKind};
use crate::engine::{self, Engine};
use crate::generate::{self, Generator};
use crate::plan::SplitMix;
use crate::report::{self, FindingEntry, FindingRecord, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FuzzConfig {
    pub seed: u64,
    /// 1-based shard index and shard count.
    pub shard: (u64, u64),
    /// Cases in this shard, if bounded by count.
    pub iterations: Option<u64>,
    /// Wall-clock budget, if bounded by time.
    pub time: Option<Duration>,
    pub engines: Vec<String>,
    pub out: PathBuf,
    /// A deliberate runtime bug to inject (builds with `fault-injection` only).
    #[serde(default)]
    pub fault: Option<String>,
    /// Shrink each new finding (kept beside the original as shrunk.wasm).
    #[serde(default)]
    pub shrink: bool,
}

/// The input bytes of case `index` (an index within the shard).
pub fn case_input(config: &FuzzConfig, index: u64) -> Vec<u8> {
    let (k, n) = config.shard;
    let global = index * n + (k - 1);
    let mut rng = SplitMix(config.seed ^ global.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let len = 64 + rng.below(4032) as usize;
    rng.bytes(len)
}

/// One finished case, as the worker reports it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseRecord {
    pub index: u64,
    pub generator: Generator,
    pub generate_s: f64,
    pub outcome: CaseOutcome,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn build_engines(names: &[String]) -> Vec<Box<dyn Engine>> {
    names
        .iter()
        .map(|n| engine::build(n).expect("engine names are checked by the CLI"))
        .collect()
}

/// Runs cases `start..` of the shard until `count` ran or `deadline` passed,
/// handing each record to `sink`. Findings are written before the sink sees them.
pub fn run_cases(
    config: &FuzzConfig,
    start: u64,
    count: Option<u64>,
    deadline: Option<Instant>,
    sink: &mut dyn FnMut(&CaseRecord),
) -> std::io::Result<()> {
    let engines = build_engines(&config.engines);
    let inflight = config.out.join("inflight");
    std::fs::create_dir_all(&inflight)?;
    let mut index = start;
    loop {
        if count.is_some_and(|c| index >= start + c)
            || deadline.is_some_and(|d| Instant::now() >= d)
        {
            return Ok(());
        }
        let t = Instant::now();
        let input = case_input(config, index);
        let generated = generate::module_from_bytes(&input);
        let generate_s = t.elapsed().as_secs_f64();
        // On disk before it runs: a crash of the whole process cannot lose it.
        std::fs::write(inflight.join("module.wasm"), &generated.wasm)?;
        std::fs::write(inflight.join("case.json"), serde_json::json!({ "index": index, "generator": generated.generator, "input_hex": hex(&input) }).to_string())?;
        let mut outcome = compare::run_case(&generated.wasm, &engines, generate::case_limits());
        mark_known_reference_bugs(&mut outcome, &generated.wasm, &engines);
        for f in &outcome.findings {
            let (dir, new) = save_finding(
                config,
                f.clone(),
                index,
                generated.generator,
                &input,
                &generated.wasm,
            )?;
            if new && config.shrink {
                shrink_into(&dir, f, &generated.wasm, &engines)?;
            }
        }
        sink(&CaseRecord {
            index,
            generator: generated.generator,
            generate_s,
            outcome,
        });
        index += 1;
    }
}

fn save_finding(
    config: &FuzzConfig,
    finding: Finding,
    case: u64,
    generator: Generator,
    input: &[u8],
    wasm: &[u8],
) -> std::io::Result<(PathBuf, bool)> {
    let dir_hint = config.out.join("findings").join(&finding.signature);
    let record = FindingRecord {
        finding,
        seed: config.seed,
        case,
        generator: format!("{generator:?}"),
        input_hex: hex(input),
        replay: format!("tierdiff run {}", dir_hint.join("module.wasm").display()),
        fault: config.fault.clone(),
    };
    report::write_finding(&config.out, &record, wasm)
}

/// Tags reference disagreements that are a known wasmi bug (confirmed by
/// [`crate::triage`]), so they group apart from the ones a person still has
/// to look at.
fn mark_known_reference_bugs(outcome: &mut CaseOutcome, wasm: &[u8], engines: &[Box<dyn Engine>]) {
    if !outcome.has_reference_disagreement() {
        return;
    }
    let Some((tag, note)) = crate::triage::known_wasmi_bug(wasm, engines, generate::case_limits())
    else {
        return;
    };
    for f in outcome
        .findings
        .iter_mut()
        .filter(|f| f.kind == FindingKind::ReferenceDisagreement)
    {
        f.signature = format!("{},{tag}", f.signature);
        f.message.push_str(&format!(" ({note})"));
    }
}

/// Writes `shrunk.wasm`/`.wat`/`.json` beside a new finding (the original stays).
fn shrink_into(
    dir: &Path,
    f: &Finding,
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
) -> std::io::Result<()> {
    match crate::shrink::shrink_saved(dir, f, wasm, engines) {
        Ok(s) => eprintln!(
            "shrunk {}: {} -> {} instructions, {} -> {} bytes",
            f.signature, s.before.instructions, s.after.instructions, s.before.bytes, s.after.bytes
        ),
        Err(e) => eprintln!("could not shrink {}: {e}", f.signature),
    }
    Ok(())
}

/// Aggregates case records into the report.
struct Tally {
    report: Report,
    by_signature: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, config: &FuzzConfig, rec: &CaseRecord) {
        let r = &mut self.report;
        r.cases += 1;
        r.calls += rec.outcome.calls;
        r.inconclusive += rec.outcome.inconclusive as u64;
        *r.generators
            .entry(format!("{:?}", rec.generator))
            .or_default() += 1;
        *r.timing.entry("generate".into()).or_default() += rec.generate_s;
        for (k, v) in &rec.outcome.timing {
            *r.timing.entry(k.clone()).or_default() += v;
        }
        for (e, c) in &rec.outcome.per_engine {
            r.per_engine.entry(e.clone()).or_default().add(c);
        }
        for f in &rec.outcome.findings {
            self.note(config, f, rec.index);
        }
    }

    fn note(&mut self, config: &FuzzConfig, f: &Finding, case: u64) {
        match self.by_signature.get(&f.signature) {
            Some(&i) => self.report.findings[i].count += 1,
            None => {
                self.by_signature
                    .insert(f.signature.clone(), self.report.findings.len());
                self.report.findings.push(FindingEntry {
                    signature: f.signature.clone(),
                    kind: f.kind.name().into(),
                    engines: f.engines.clone(),
                    count: 1,
                    first_case: case,
                    dir: config
                        .out
                        .join("findings")
                        .join(&f.signature)
                        .display()
                        .to_string(),
                    message: f.message.clone(),
                });
            }
        }
    }
}

/// Runs the whole fuzz session (supervising workers unless `in_process`)
/// and writes the reports. Returns the report.
pub fn run(
    config: &FuzzConfig,
    command_line: Vec<String>,
    in_process: bool,
    progress: &indicatif::ProgressBar,
) -> std::io::Result<Report> {
    std::fs::create_dir_all(&config.out)?;
    select_fault(config.fault.as_deref())?;
    let started = Instant::now();
    let deadline = config.time.map(|t| started + t);
    let mut tally = Tally {
        report: Report {
            tool: "tierdiff".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            seed: config.seed,
            shard: format!("{}/{}", config.shard.0, config.shard.1),
            engines: config.engines.clone(),
            ..Report::default()
        },
        by_signature: BTreeMap::new(),
    };
    let mut on_case = |tally: &mut Tally, rec: &CaseRecord| {
        tally.add(config, rec);
        progress.inc(1);
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        progress.set_message(format!(
            "{:.0} cases/s, {} findings",
            tally.report.cases as f64 / elapsed,
            tally.report.findings.len()
        ));
    };
    if in_process {
        run_cases(config, 0, config.iterations, deadline, &mut |rec| {
            on_case(&mut tally, rec)
        })?;
    } else {
        supervise(config, deadline, &mut tally, &mut on_case)?;
    }
    let r = &mut tally.report;
    r.elapsed_s = started.elapsed().as_secs_f64();
    r.cases_per_s = r.cases as f64 / r.elapsed_s.max(1e-9);
    report::write_all(&config.out, r)?;
    let _ = std::fs::remove_dir_all(config.out.join("inflight"));
    Ok(tally.report)
}

fn supervise(
    config: &FuzzConfig,
    deadline: Option<Instant>,
    tally: &mut Tally,
    on_case: &mut dyn FnMut(&mut Tally, &CaseRecord),
) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let mut next = 0u64;
    let mut fruitless_restarts = 0;
    loop {
        let remaining = config.iterations.map(|n| n.saturating_sub(next));
        if remaining == Some(0) || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
        let mut cmd = Command::new(&exe);
        cmd.arg("fuzz-worker")
            .arg("--config")
            .arg(serde_json::to_string(config).expect("config serialises"))
            .arg("--start")
            .arg(next.to_string());
        if let Some(n) = remaining {
            cmd.arg("--count").arg(n.to_string());
        }
        if let Some(d) = deadline {
            cmd.arg("--millis").arg(
                d.saturating_duration_since(Instant::now())
                    .as_millis()
                    .to_string(),
            );
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let before = next;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            match serde_json::from_str::<CaseRecord>(&line) {
                Ok(rec) => {
                    next = rec.index + 1;
                    on_case(tally, &rec);
                }
                Err(e) => eprintln!("tierdiff: ignoring a malformed worker line ({e}): {line}"),
            }
        }
        let status = child.wait()?;
        if status.success() {
            return Ok(());
        }
        // The worker died inside case `next`: record it and go on after it.
        let killed = next;
        let wasm =
            std::fs::read(config.out.join("inflight").join("module.wasm")).unwrap_or_default();
        let input = case_input(config, killed);
        let generator = generate::module_from_bytes(&input).generator;
        let message = format!("the worker process died ({status}) while running case {killed}");
        let finding = Finding {
            kind: FindingKind::Crash,
            signature: compare::signature(FindingKind::Crash, &config.engines, "process"),
            engines: config.engines.clone(),
            call: None,
            call_index: None,
            observed: BTreeMap::new(),
            message: message.clone(),
        };
        save_finding(config, finding.clone(), killed, generator, &input, &wasm)?;
        tally.note(config, &finding, killed);
        tally.report.worker_restarts += 1;
        tally.report.cases += 1;
        eprintln!("tierdiff: {message}; restarting the worker after it");
        next = killed + 1;
        fruitless_restarts = if next == before + 1 {
            fruitless_restarts + 1
        } else {
            0
        };
        if fruitless_restarts >= 50 {
            return Err(std::io::Error::other(
                "the worker died on 50 cases in a row; giving up",
            ));
        }
    }
}

/// The worker side: runs cases and prints one JSON line per finished case.
pub fn worker(
    config: &FuzzConfig,
    start: u64,
    count: Option<u64>,
    millis: Option<u64>,
) -> std::io::Result<()> {
    select_fault(config.fault.as_deref())?;
    use std::io::Write;
    let deadline = millis.map(|m| Instant::now() + Duration::from_millis(m));
    let stdout = std::io::stdout();
    let mut err = None;
    run_cases(config, start, count, deadline, &mut |rec| {
        let mut lock = stdout.lock();
        if let Err(e) = writeln!(
            lock,
            "{}",
            serde_json::to_string(rec).expect("records serialise")
        )
        .and_then(|_| lock.flush())
        {
            err.get_or_insert(e);
        }
    })?;
    err.map_or(Ok(()), Err)
}

/// Injects the named fault (or none) into this process's runtime.
pub fn select_fault(name: Option<&str>) -> std::io::Result<()> {
    let fault = match name {
        None => None,
        Some(n) => Some(
            tierdiff_runtime::fault::Fault::parse(n)
                .ok_or_else(|| std::io::Error::other(format!("unknown fault {n:?}")))?,
        ),
    };
    tierdiff_runtime::fault::set(fault).map_err(std::io::Error::other)
}

/// Parses `90`, `90s`, `10m` or `2h`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (num, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |i| text.split_at(i));
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// A fresh folder under `reports/` for a run.
pub fn default_out_dir(seed: u64) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Path::new("reports").join(format!("fuzz-{stamp}-seed{seed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("m"), None);
    }

    #[test]
    fn shards_partition_the_cases() {
        let mut c = FuzzConfig {
            seed: 3,
            shard: (1, 2),
            iterations: None,
            time: None,
            engines: vec![],
            out: PathBuf::new(),
            fault: None,
            shrink: false,
        };
        let a = case_input(&c, 0);
        c.shard = (2, 2);
        let b = case_input(&c, 0);
        c.shard = (1, 1);
        assert_eq!(case_input(&c, 0), a);
        assert_eq!(case_input(&c, 1), b);
    }
}
