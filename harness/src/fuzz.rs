//! The fuzz run: generate cases from a seed, run each through every engine,
//! and keep every finding on disk.
//!
//! The supervisor (the `tierdiff fuzz` process) runs cases in `--jobs N`
//! worker processes (`tierdiff fuzz-worker`). Worker `k` runs the shard's
//! cases `k, k + N, k + 2N, ...`; a case's module depends only on the seed,
//! the shard and its index, so a run of a fixed count finds the same things
//! with any N. Each worker reports every finished case as a JSON line on its
//! stdout; if a worker dies (a bad JIT access, an abort, its watchdog), the
//! case it was running is the next one of its lane after the last it
//! reported, and the supervisor regenerates it from its index and records
//! it as a `crash` (or `resource`) finding, then starts the worker again
//! after it. Nothing is written to disk per case (writing each module
//! before running it cost a fifth of a worker's time); a worker's
//! `inflight/worker-K/` folder holds only what its watchdog writes. Panics
//! inside an engine are caught in the worker itself.
//!
//! Findings are written by the worker that sees them, under a lock, and a
//! signature's folder always ends up holding its lowest case; the report
//! lists the lowest few cases of every signature as examples, whose modules
//! the supervisor regenerates at the end (see [`write_examples`]).

use crate::compare::{CaseOptions, CaseOutcome, Finding, FindingKind};
use crate::engine::{self, Engine};
use crate::generate::{self, Generator};
use crate::plan::SplitMix;
use crate::report::{self, FindingEntry, FindingExample, FindingRecord, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
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
    /// Worker processes (ignored in process: one thread runs every case).
    #[serde(default = "one")]
    pub jobs: u64,
    /// Only these generators (`fuzz --generators`); `None` for the whole swarm.
    #[serde(default)]
    pub generators: Option<Vec<generate::Generator>>,
    /// The watchdog's limits in worker processes (`--case-timeout`,
    /// `--worker-memory`).
    #[serde(default)]
    pub watch: crate::watchdog::WatchLimits,
    /// What the engines can all judge, which generation keeps to
    /// ([`generate::Profile::of`] the engines, decided once by the CLI).
    #[serde(default)]
    pub profile: generate::Profile,
}

/// The module of case input `input` under `config`'s generators.
pub fn generate_case(config: &FuzzConfig, input: &[u8]) -> generate::Generated {
    generate::module_for(input, config.profile, config.generators.as_deref())
}

fn one() -> u64 {
    1
}

/// Worker processes by default: one per available core.
pub fn default_jobs() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
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
    /// The case ran under fuel pressure (limits below the defaults).
    #[serde(default)]
    pub pressure: bool,
}

/// The engines of a fuzz worker: recording coverage (with sampling) unless
/// `TIERDIFF_COVERAGE=off`.
pub fn build_engines(names: &[String]) -> Vec<Box<dyn Engine>> {
    let record = crate::coverage::enabled();
    if record {
        tierdiff_runtime::coverage::set_sampling(crate::coverage::sampling());
    }
    names
        .iter()
        .map(|n| {
            let built = match record {
                true => engine::build_recording(n).ok_or(()),
                false => Err(()),
            };
            built
                .or_else(|()| engine::open(n))
                .unwrap_or_else(|why| panic!("engine {n}: {why}"))
        })
        .collect()
}

/// Which cases one runner takes: `start, start + stride, ...` below `end`.
#[derive(Clone, Copy, Debug)]
pub struct Lane {
    pub start: u64,
    pub stride: u64,
    pub end: Option<u64>,
}

impl Lane {
    fn contains(&self, index: u64) -> bool {
        self.end.is_none_or(|e| index < e)
    }
}

/// Runs the cases of `lane` until they ran out or `deadline` passed,
/// handing each record to `sink`. Findings are written before the sink sees
/// them.
pub fn run_cases(
    config: &FuzzConfig,
    lane: Lane,
    deadline: Option<Instant>,
    sink: &mut dyn FnMut(&CaseRecord),
) -> std::io::Result<()> {
    let engines = build_engines(&config.engines);
    let mut index = lane.start;
    while lane.contains(index) && deadline.is_none_or(|d| Instant::now() < d) {
        let t = Instant::now();
        let input = case_input(config, index);
        let generated = generate_case(config, &input);
        let generate_s = t.elapsed().as_secs_f64();
        let (limits, options) = case_setup(&generated);
        crate::watchdog::begin_case(index);
        let outcome = crate::verdict::judge(&generated.wasm, &engines, limits, options);
        crate::watchdog::end_case();
        for f in &outcome.findings {
            let (dir, written) = save_finding(config, f.clone(), index, &generated, &input)?;
            if written && config.shrink && f.kind.is_failure() {
                shrink_into(&dir, f, &generated.wasm, &engines)?;
            }
        }
        sink(&CaseRecord {
            index,
            generator: generated.generator,
            generate_s,
            outcome,
            pressure: generate::under_pressure(&limits),
        });
        index += lane.stride;
    }
    Ok(())
}

/// The limits and options a generated case runs with.
pub fn case_setup(generated: &generate::Generated) -> (tierdiff_runtime::Limits, CaseOptions) {
    let options = CaseOptions {
        wasi: generated.wasi.then(generate::wasi_config),
        ..CaseOptions::default()
    };
    (generated.limits, options)
}

fn finding_record(
    config: &FuzzConfig,
    finding: Finding,
    case: u64,
    generated: &generate::Generated,
    input: &[u8],
) -> FindingRecord {
    let dir = config.out.join("findings").join(&finding.signature);
    let limits = (generated.limits != generate::case_limits()).then_some(generated.limits);
    // `run` uses the default limits and no WASI world; `replay` the case's own.
    let replay = match limits.is_some() || generated.wasi {
        true => format!("tierdiff replay {}", dir.display()),
        false => format!("tierdiff run {}", dir.join("module.wasm").display()),
    };
    FindingRecord {
        format: report::FINDING_FORMAT,
        tool: env!("CARGO_PKG_VERSION").to_string(),
        finding,
        seed: config.seed,
        case,
        generator: format!("{:?}", generated.generator),
        input_hex: crate::verdict::hex(input),
        replay,
        fault: config.fault.clone(),
        limits,
        wasi: generated.wasi,
        wasi_world: None,
        calls: None,
        source: None,
        engines: (config.engines != crate::engine::defaults()).then(|| config.engines.clone()),
    }
}

fn save_finding(
    config: &FuzzConfig,
    finding: Finding,
    case: u64,
    generated: &generate::Generated,
    input: &[u8],
) -> std::io::Result<(PathBuf, bool)> {
    let record = finding_record(config, finding, case, generated, input);
    report::write_finding(&config.out, &record, &generated.wasm)
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

/// Example cases kept per signature in the report (the lowest indices).
pub const EXAMPLES: usize = 5;

/// Aggregates case records into the report.
struct Tally {
    report: Report,
    by_signature: BTreeMap<String, usize>,
    coverage: crate::coverage::Tally,
    tier_paths: crate::tier_coverage::Tally,
    started: Instant,
}

impl Tally {
    fn add(&mut self, config: &FuzzConfig, rec: &CaseRecord) {
        let r = &mut self.report;
        r.cases += 1;
        r.calls += rec.outcome.calls;
        if let Some(reason) = rec.outcome.inconclusive {
            r.inconclusive += 1;
            let example = FindingExample {
                case: rec.index,
                shard: format!("{}/{}", config.shard.0, config.shard.1),
                variant: None,
            };
            r.inconclusive_reasons
                .entry(reason)
                .or_default()
                .add(1, &[example], EXAMPLES);
        }
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
        if !rec.outcome.coverage.is_empty() {
            self.coverage.add(&rec.outcome.coverage);
        }
        self.tier_paths.add(&rec.outcome.tier_paths);
        r.exhaustion.add(rec);
        for f in &rec.outcome.findings {
            self.note(config, f, rec.index);
        }
    }

    fn note(&mut self, config: &FuzzConfig, f: &Finding, case: u64) {
        let shard = format!("{}/{}", config.shard.0, config.shard.1);
        let example = FindingExample {
            case,
            shard: shard.clone(),
            variant: f.variant.clone(),
        };
        match self.by_signature.get(&f.signature) {
            Some(&i) => {
                let entry = &mut self.report.findings[i];
                entry.count += 1;
                if case < entry.first_case {
                    entry.first_case = case;
                    entry.message = f.message.clone();
                }
                entry.add_example(example, EXAMPLES);
            }
            None => {
                self.by_signature
                    .insert(f.signature.clone(), self.report.findings.len());
                self.report.findings.push(FindingEntry {
                    signature: f.signature.clone(),
                    kind: f.kind.name().into(),
                    engines: f.engines.clone(),
                    count: 1,
                    first_case: case,
                    shard,
                    dir: config
                        .out
                        .join("findings")
                        .join(&f.signature)
                        .display()
                        .to_string(),
                    message: f.message.clone(),
                    examples: vec![example],
                    first_seen_s: self.started.elapsed().as_secs_f64(),
                });
            }
        }
    }
}

/// Runs the whole fuzz session (supervising `config.jobs` workers unless
/// `in_process`) and writes the reports. Returns the report.
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
    let jobs = if in_process { 1 } else { config.jobs.max(1) };
    let mut tally = Tally {
        report: Report {
            tool: "tierdiff".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            seed: config.seed,
            shard: format!("{}/{}", config.shard.0, config.shard.1),
            engines: config.engines.clone(),
            jobs,
            ..Report::default()
        },
        by_signature: BTreeMap::new(),
        coverage: Default::default(),
        tier_paths: Default::default(),
        started,
    };
    let mut on_case = |tally: &mut Tally, rec: &CaseRecord| {
        tally.add(config, rec);
        progress.inc(1);
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        let (failures, reference_bugs) = tally.report.finding_counts();
        progress.set_message(format!(
            "{:.0} cases/s, {failures} findings, {reference_bugs} reference bugs",
            tally.report.cases as f64 / elapsed,
        ));
    };
    if in_process {
        let lane = Lane {
            start: 0,
            stride: 1,
            end: config.iterations,
        };
        run_cases(config, lane, deadline, &mut |rec| on_case(&mut tally, rec))?;
    } else {
        supervise(config, jobs, deadline, &mut tally, &mut on_case)?;
    }
    let r = &mut tally.report;
    if crate::coverage::enabled()
        && config
            .engines
            .iter()
            .any(|e| e == crate::coverage::RECORDED_BY)
    {
        r.coverage = Some(tally.coverage.report());
    }
    if crate::tier_coverage::enabled() {
        r.tier_coverage = tally.tier_paths.report();
    }
    r.elapsed_s = started.elapsed().as_secs_f64();
    r.cases_per_s = r.cases as f64 / r.elapsed_s.max(1e-9);
    r.findings.sort_by(|a, b| a.signature.cmp(&b.signature));
    write_examples(config, r)?;
    r.findings_without_folder = r
        .findings
        .iter()
        .filter(|f| !Path::new(&f.dir).join("finding.json").is_file())
        .count() as u64;
    report::write_all(&config.out, r)?;
    let _ = std::fs::remove_dir_all(config.out.join("inflight"));
    let _ = std::fs::remove_file(config.out.join(".findings.lock"));
    Ok(tally.report)
}

/// Writes every listed example case's module (regenerated from the seed,
/// shard and index) under its finding's `examples/` folder.
fn write_examples(config: &FuzzConfig, report: &Report) -> std::io::Result<()> {
    for entry in &report.findings {
        if !Path::new(&entry.dir).join("finding.json").is_file() {
            continue;
        }
        let dir = Path::new(&entry.dir).join("examples");
        for ex in entry.examples.iter().skip(1) {
            std::fs::create_dir_all(&dir)?;
            let wasm = generate_case(config, &case_input(config, ex.case)).wasm;
            std::fs::write(dir.join(report::example_file_name(ex)), wasm)?;
        }
    }
    Ok(())
}

/// One worker process and where it stands in its lane.
struct Worker {
    child: Child,
    /// The next case it will run.
    next: u64,
    /// Deaths in a row without a finished case between them.
    fruitless_deaths: u32,
}

/// What a worker's reader thread passes on.
enum Event {
    Record(usize, Box<CaseRecord>),
    Ended(usize),
}

fn spawn_worker(
    config: &FuzzConfig,
    id: usize,
    lane: Lane,
    deadline: Option<Instant>,
    events: &mpsc::Sender<Event>,
) -> std::io::Result<Child> {
    crate::watchdog::clear(&inflight_dir(config, id));
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("fuzz-worker")
        .arg("--config")
        .arg(serde_json::to_string(config).expect("config serialises"))
        .arg("--worker")
        .arg(id.to_string())
        .arg("--start")
        .arg(lane.start.to_string());
    if let Some(end) = lane.end {
        cmd.arg("--end").arg(end.to_string());
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
    let events = events.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<CaseRecord>(&line) {
                Ok(rec) => {
                    if events.send(Event::Record(id, Box::new(rec))).is_err() {
                        return;
                    }
                }
                Err(e) => eprintln!("tierdiff: ignoring a malformed worker line ({e}): {line}"),
            }
        }
        let _ = events.send(Event::Ended(id));
    });
    Ok(child)
}

/// The inflight folder of worker `id`.
fn inflight_dir(config: &FuzzConfig, id: usize) -> PathBuf {
    config.out.join("inflight").join(format!("worker-{id}"))
}

fn supervise(
    config: &FuzzConfig,
    jobs: u64,
    deadline: Option<Instant>,
    tally: &mut Tally,
    on_case: &mut dyn FnMut(&mut Tally, &CaseRecord),
) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let lane_from = |start: u64| Lane {
        start,
        stride: jobs,
        end: config.iterations,
    };
    let mut workers: Vec<Option<Worker>> = Vec::new();
    for id in 0..jobs as usize {
        let lane = lane_from(id as u64);
        workers.push(if lane.contains(lane.start) {
            Some(Worker {
                child: spawn_worker(config, id, lane, deadline, &tx)?,
                next: lane.start,
                fruitless_deaths: 0,
            })
        } else {
            None
        });
    }
    while workers.iter().any(Option::is_some) {
        let event = rx.recv().expect("the supervisor holds a sender");
        match event {
            Event::Record(id, rec) => {
                if let Some(w) = workers[id].as_mut() {
                    w.next = rec.index + jobs;
                    w.fruitless_deaths = 0;
                }
                on_case(tally, &rec);
            }
            Event::Ended(id) => {
                let Some(mut w) = workers[id].take() else {
                    continue;
                };
                let status = w.child.wait()?;
                if status.success() {
                    continue;
                }
                // Cases run in lane order and every finished one was
                // reported before the end of its output: it died in the next.
                let killed = w.next;
                let lane = lane_from(killed);
                if !lane.contains(killed) {
                    // It died after its last case: nothing was lost.
                    continue;
                }
                let tripped = (status.code() == Some(crate::watchdog::TRIPPED_EXIT))
                    .then(|| crate::watchdog::Tripped::read(&inflight_dir(config, id)))
                    .flatten();
                // A panic that could not unwind names its engine.
                let panicked = aborted(&status)
                    .then(|| crate::watchdog::Panicked::read(&inflight_dir(config, id)))
                    .flatten()
                    .filter(|p| p.case == killed);
                match (tripped, panicked) {
                    (Some(t), _) => record_resource(config, id, killed, &t, tally)?,
                    (None, Some(p)) => {
                        let finding = p.finding(&status.to_string());
                        record_lost_case(config, id, killed, finding, tally)?
                    }
                    (None, None) => record_crash(config, id, killed, &status.to_string(), tally)?,
                }
                w.fruitless_deaths += 1;
                if w.fruitless_deaths >= 50 {
                    return Err(std::io::Error::other(format!(
                        "worker {id} died on 50 cases in a row; giving up"
                    )));
                }
                let next = killed + jobs;
                let lane = lane_from(next);
                if lane.contains(next) && deadline.is_none_or(|d| Instant::now() < d) {
                    w.child = spawn_worker(config, id, lane, deadline, &tx)?;
                    w.next = next;
                    workers[id] = Some(w);
                }
            }
        }
    }
    Ok(())
}

/// Saves the case a worker died in as a `crash` finding.
fn record_crash(
    config: &FuzzConfig,
    id: usize,
    killed: u64,
    status: &str,
    tally: &mut Tally,
) -> std::io::Result<()> {
    let message = format!("the worker process died ({status}) while running case {killed}");
    let finding = Finding::new(
        FindingKind::Crash,
        config.engines.clone(),
        "process",
        BTreeMap::new(),
        message,
    );
    record_lost_case(config, id, killed, finding, tally)
}

/// Whether a process ended by an abort (`SIGABRT`), as a panic that cannot
/// unwind ends it.
fn aborted(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(libc::SIGABRT)
}

/// Saves the case a worker's watchdog ended as a `resource` finding (a
/// `reference-resource` one when a reference engine's step tripped it).
fn record_resource(
    config: &FuzzConfig,
    id: usize,
    killed: u64,
    tripped: &crate::watchdog::Tripped,
    tally: &mut Tally,
) -> std::io::Result<()> {
    let mut finding = tripped.finding();
    finding.message = format!("case {killed}: {}", tripped.describe());
    record_lost_case(config, id, killed, finding, tally)
}

/// Saves the case a worker did not finish (it died, or its watchdog ended
/// it) as `finding`, and counts it.
fn record_lost_case(
    config: &FuzzConfig,
    id: usize,
    killed: u64,
    finding: Finding,
    tally: &mut Tally,
) -> std::io::Result<()> {
    let input = case_input(config, killed);
    let generated = generate_case(config, &input);
    save_finding(config, finding.clone(), killed, &generated, &input)?;
    tally.note(config, &finding, killed);
    tally.report.worker_restarts += 1;
    tally.report.cases += 1;
    eprintln!(
        "tierdiff: worker {id}: {}; a new worker goes on after it",
        finding.message
    );
    Ok(())
}

/// The worker side: runs its lane and prints one JSON line per finished case.
pub fn worker(
    config: &FuzzConfig,
    id: usize,
    lane: Lane,
    millis: Option<u64>,
) -> std::io::Result<()> {
    select_fault(config.fault.as_deref())?;
    use std::io::Write;
    crate::watchdog::start(config.watch, inflight_dir(config, id));
    let deadline = millis.map(|m| Instant::now() + Duration::from_millis(m));
    let stdout = std::io::stdout();
    let mut err = None;
    run_cases(config, lane, deadline, &mut |rec| {
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
            jobs: 1,
            generators: None,
            watch: Default::default(),
            profile: Default::default(),
        };
        let a = case_input(&c, 0);
        c.shard = (2, 2);
        let b = case_input(&c, 0);
        c.shard = (1, 1);
        assert_eq!(case_input(&c, 0), a);
        assert_eq!(case_input(&c, 1), b);
    }
}
