//! Minimising a finding: what `tierdiff shrink` and `fuzz --shrink` call.
//!
//! A finding becomes a case (its module and the calls of its plan up to the
//! one that showed it), which [`crate::reduce`] makes as small as it can
//! while it still fails the same way: same kind, same engines, same
//! "what differed" (the signature). A `crash` where the worker process died
//! is judged by running each attempt in a supervised worker process.
//! Candidates may lose the module's own termination fuel, so shrinking runs
//! with small limits of its own ([`shrink_limits`]).
//!
//! The result is written as `<base>.wasm`, `<base>.wat` and `<base>.json`
//! (a [`ShrunkRecord`]: the calls, limits and fault to replay it with, and
//! the sizes before and after); `tierdiff replay` runs such a record.

use crate::compare::{CaseOptions, Finding};
use crate::engine::Engine;
use crate::plan::PlannedCall;
use crate::reduce::{self, Budget, Case, Size, Stop, Target};
use crate::verdict::{self, WasiWorld};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::{Limits, Module};

/// Limits for candidates: enough for the finding, small enough that a
/// candidate that lost its termination cannot stall the search.
pub fn shrink_limits() -> Limits {
    Limits {
        fuel: Some(20_000),
        ..crate::generate::case_limits()
    }
}

/// What each new finding of `fuzz --shrink` may spend.
pub const FUZZ_BUDGET: Budget = Budget {
    time: Duration::from_secs(20),
    attempts: 5_000,
    wasm_shrink_attempts: 100,
};

/// How a finding's case ran: its own limits (fuel pressure, a `run`'s
/// limits), its WASI world and its calls. Shrinking and replaying run it
/// the same way.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// The case's limits; `None` for the generated-case defaults.
    pub limits: Option<Limits>,
    /// The WASI world it ran in, if it ran as a WASI program.
    pub wasi: Option<WasiWorld>,
    /// The calls it made; `None` for its plan ([`verdict::default_calls`]).
    pub calls: Option<Vec<PlannedCall>>,
}

impl Setup {
    /// The setup a saved finding records.
    pub fn of(record: &crate::report::FindingRecord) -> Setup {
        Setup {
            limits: record.limits,
            wasi: WasiWorld::resolve(record.wasi, record.wasi_world.as_ref()),
            calls: record.calls.clone(),
        }
    }

    /// Limits for shrink candidates: the case's own, else [`shrink_limits`].
    pub fn shrink_limits(&self) -> Limits {
        self.limits.unwrap_or_else(shrink_limits)
    }

    /// The case's own limits: its recorded ones, else those of generated cases.
    pub fn case_limits(&self) -> Limits {
        self.limits.unwrap_or_else(crate::generate::case_limits)
    }

    /// The WASI configuration of its world.
    pub fn wasi_config(&self) -> Option<WasiConfig> {
        self.wasi.as_ref().and_then(WasiWorld::config)
    }

    /// Options running `calls` this way.
    pub fn options(&self, calls: Vec<PlannedCall>) -> CaseOptions {
        CaseOptions {
            calls: Some(calls),
            wasi: self.wasi_config(),
            ..CaseOptions::default()
        }
    }

    /// Options running the case's own calls (its plan when it has none).
    pub fn case_options(&self) -> CaseOptions {
        CaseOptions {
            calls: self.calls.clone(),
            wasi: self.wasi_config(),
            ..CaseOptions::default()
        }
    }

    /// The same setup with other limits.
    pub fn with_limits(&self, limits: Limits) -> Setup {
        Setup {
            limits: Some(limits),
            ..self.clone()
        }
    }
}

/// How to shrink.
#[derive(Clone, Debug)]
pub struct Options {
    pub budget: Budget,
    /// The fault the finding was made with (already selected in this
    /// process; passed on to worker processes).
    pub fault: Option<String>,
    /// The tierdiff binary: when given, every candidate runs in a worker
    /// process of it (so a candidate that kills the process costs one
    /// worker, not the shrink); needed for a `crash` of a dead worker.
    /// Without it candidates run in this process.
    pub worker: Option<PathBuf>,
    /// How the finding's case ran.
    pub setup: Setup,
}

/// A shrunk finding.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub case: Case,
    /// The finding's signature (without known-bug tags).
    pub signature: String,
    pub before: Size,
    pub after: Size,
    pub tried: u64,
    pub kept: u64,
    pub rounds: u32,
    pub elapsed: Duration,
    pub stop: Stop,
    /// The setup the case was shrunk under, and shows its finding under:
    /// the one asked for, or with the generated cases' own limits when the
    /// small shrink limits hide the finding (a tail-call chain past the
    /// depth limit needs more fuel than they give).
    pub setup: Setup,
}

/// The calls that show `finding` in `wasm` run as `setup` says: the
/// case's own calls (its plan when it has none) up to the finding's call,
/// or all of them when no call is named (instantiation, a dead worker).
pub fn initial_calls(
    wasm: &[u8],
    finding: &Finding,
    setup: &Setup,
) -> Result<Vec<PlannedCall>, String> {
    let module = Module::new(wasm).map_err(|e| format!("the module does not load: {e}"))?;
    let mut calls = match &setup.calls {
        Some(calls) => calls.clone(),
        None => verdict::default_calls(&module, setup.wasi.is_some()),
    };
    if let Some(i) = finding.call_index {
        calls.truncate(i + 1);
    }
    Ok(calls)
}

/// The setups to try, in order: the small shrink fuel first (a candidate
/// that lost its termination then costs little), then the case's own
/// limits, which are what showed the finding.
fn candidate_setups(setup: &Setup) -> Vec<Setup> {
    let own = setup.case_limits();
    let small = shrink_limits().fuel.expect("the shrink limits have fuel");
    let mut setups = Vec::new();
    if own.fuel.is_none_or(|f| f > small) {
        setups.push(setup.with_limits(Limits {
            fuel: Some(small),
            ..own
        }));
    }
    setups.push(setup.with_limits(own));
    setups
}

/// Shrinks `finding` of `wasm`.
pub fn shrink(
    wasm: &[u8],
    finding: &Finding,
    engines: &[Box<dyn Engine>],
    options: &Options,
    progress: &indicatif::ProgressBar,
) -> Result<Shrunk, String> {
    let target = Target::of(finding);
    let case = Case {
        wasm: wasm.to_vec(),
        calls: initial_calls(wasm, finding, &options.setup)?,
    };
    let not_shown = || {
        format!(
            "the module does not show the finding {} with its calls and limits",
            target.signature
        )
    };
    let setups = candidate_setups(&options.setup);
    // Calibration counts against the time budget: a hostile module must
    // not hold the shrink past `--time` before reduction starts.
    let deadline = Instant::now() + options.budget.time;
    let left = || deadline.saturating_duration_since(Instant::now());
    let budget = |left: Duration| Budget {
        time: left,
        ..options.budget
    };
    let (setup, reduced) = match &options.worker {
        // A candidate that kills the process (a crash bug of a tier) must
        // not take the shrink down with it.
        Some(exe) => {
            let mut first_error = None;
            let calibrated = setups.iter().find_map(|candidate| {
                if left().is_zero() {
                    first_error.get_or_insert(format!(
                        "the time ({} s) ran out before the case ran once",
                        options.budget.time.as_secs()
                    ));
                    return None;
                }
                let mut oracle = reduce::Supervised::new(
                    exe.clone(),
                    options.fault.clone(),
                    target.clone(),
                    candidate.clone(),
                    left(),
                );
                match oracle.calibrate(&case) {
                    Ok(()) => Some((candidate.clone(), oracle)),
                    Err(e) => {
                        first_error.get_or_insert(e);
                        None
                    }
                }
            });
            let (setup, mut oracle) =
                calibrated.ok_or_else(|| first_error.expect("at least one setup"))?;
            (
                setup,
                reduce::reduce(case, &mut oracle, budget(left()), progress)?,
            )
        }
        None if target.is_process_crash() => {
            return Err("a crash of the worker process needs the tierdiff binary to shrink".into())
        }
        None => {
            let (setup, mut oracle) = setups
                .iter()
                .find_map(|candidate| {
                    let mut oracle = reduce::InProcess {
                        engines,
                        target: target.clone(),
                        setup: candidate.clone(),
                    };
                    reduce::Oracle::fails(&mut oracle, &case).then(|| (candidate.clone(), oracle))
                })
                .ok_or_else(not_shown)?;
            (
                setup,
                reduce::reduce(case, &mut oracle, budget(left()), progress)?,
            )
        }
    };
    Ok(Shrunk {
        case: reduced.case,
        signature: target.signature,
        before: reduced.before,
        after: reduced.after,
        tried: reduced.tried,
        kept: reduced.kept,
        rounds: reduced.rounds,
        elapsed: reduced.elapsed,
        stop: reduced.stop,
        setup,
    })
}

/// The first failing finding (else the first finding) a module shows as
/// `tierdiff run` runs it without flags (see [`module_setup`]).
pub fn first_finding(wasm: &[u8], setup: &Setup, engines: &[Box<dyn Engine>]) -> Option<Finding> {
    let options = CaseOptions {
        keep_going: true,
        ..setup.case_options()
    };
    let findings = verdict::judge(wasm, engines, setup.case_limits(), options).findings;
    findings
        .iter()
        .find(|f| f.kind.is_failure())
        .or(findings.first())
        .cloned()
}

/// How `tierdiff run` runs a plain module without flags; `replay` and
/// `shrink` of a module run it the same way.
pub fn module_setup(module: &Module, path: &Path) -> Setup {
    Setup {
        limits: Some(verdict::module_limits()),
        wasi: verdict::module_world(module, path),
        calls: None,
    }
}

/// What `<base>.json` holds beside a shrunk module: enough to replay it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShrunkRecord {
    /// The finding the module still shows.
    pub signature: String,
    /// The fault it was made with (replay selects it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// The calls to make, in order, on one instance.
    pub calls: Vec<PlannedCall>,
    /// Fuel; the other limits are those of generated cases unless given.
    pub fuel: Option<u64>,
    /// The call-depth limit, when not that of generated cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_call_depth: Option<u32>,
    /// Run as a WASI program (with `generate::wasi_config` unless
    /// `wasi_world` says otherwise).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wasi: bool,
    /// The WASI world, when not that of generated programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasi_world: Option<WasiWorld>,
    /// Memory pages at most, when not the generated cases' bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_pages: Option<u32>,
    /// Table elements at most, when not the generated cases' bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_table_elements: Option<u32>,
    /// The JIT's compile mode, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_compile: Option<tierdiff_runtime::JitCompile>,
    /// Cranelift's configuration, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_codegen: Option<tierdiff_runtime::JitCodegen>,
    /// Called through the forwarder (`Limits::call_through_forwarder`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub call_through_forwarder: bool,
    pub before: Size,
    pub after: Size,
    pub seconds: f64,
    pub tried: u64,
    pub stop: Stop,
}

impl ShrunkRecord {
    /// The limits to replay with.
    pub fn limits(&self) -> Limits {
        let base = crate::generate::case_limits();
        Limits {
            fuel: self.fuel,
            max_call_depth: self.max_call_depth.unwrap_or(base.max_call_depth),
            max_memory_pages: self.max_memory_pages.unwrap_or(base.max_memory_pages),
            max_table_elements: self.max_table_elements.unwrap_or(base.max_table_elements),
            memory_budget: base.memory_budget,
            jit_compile: self.jit_compile.unwrap_or(base.jit_compile),
            jit_codegen: self.jit_codegen.unwrap_or(base.jit_codegen),
            call_through_forwarder: self.call_through_forwarder,
        }
    }

    /// How to run it.
    pub fn setup(&self) -> Setup {
        Setup {
            limits: Some(self.limits()),
            wasi: WasiWorld::resolve(self.wasi, self.wasi_world.as_ref()),
            calls: Some(self.calls.clone()),
        }
    }

    /// The findings this module shows run as recorded.
    pub fn run(&self, wasm: &[u8], engines: &[Box<dyn Engine>]) -> Vec<Finding> {
        let setup = self.setup();
        verdict::judge(wasm, engines, self.limits(), setup.case_options()).findings
    }
}

/// `base` with `.ext` appended (never replacing a dot already in the name,
/// so `x.shrunk` becomes `x.shrunk.wasm`, not `x.wasm`).
pub fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Writes `<base>.wasm`, `<base>.wat` and `<base>.json`.
pub fn write(base: &Path, shrunk: &Shrunk, fault: Option<&str>) -> std::io::Result<()> {
    let setup = &shrunk.setup;
    let limits = setup.shrink_limits();
    let generated_limits = crate::generate::case_limits();
    let (wasi, wasi_world) = WasiWorld::record(setup.wasi.as_ref());
    let record = ShrunkRecord {
        signature: shrunk.signature.clone(),
        fault: fault.map(str::to_string),
        calls: shrunk.case.calls.clone(),
        fuel: limits.fuel,
        max_call_depth: (limits.max_call_depth != generated_limits.max_call_depth)
            .then_some(limits.max_call_depth),
        max_memory_pages: (limits.max_memory_pages != generated_limits.max_memory_pages)
            .then_some(limits.max_memory_pages),
        max_table_elements: (limits.max_table_elements != generated_limits.max_table_elements)
            .then_some(limits.max_table_elements),
        jit_compile: (limits.jit_compile != generated_limits.jit_compile)
            .then_some(limits.jit_compile),
        jit_codegen: (limits.jit_codegen != generated_limits.jit_codegen)
            .then_some(limits.jit_codegen),
        call_through_forwarder: limits.call_through_forwarder,
        wasi,
        wasi_world,
        before: shrunk.before,
        after: shrunk.after,
        seconds: shrunk.elapsed.as_secs_f64(),
        tried: shrunk.tried,
        stop: shrunk.stop,
    };
    std::fs::write(with_ext(base, "wasm"), &shrunk.case.wasm)?;
    std::fs::write(with_ext(base, "wat"), wat_of(&shrunk.case.wasm))?;
    std::fs::write(
        with_ext(base, "json"),
        serde_json::to_string_pretty(&record).expect("records serialise"),
    )
}

/// The text form of a module, or a comment saying why there is none.
pub fn wat_of(wasm: &[u8]) -> String {
    wasmprinter::print_bytes(wasm)
        .unwrap_or_else(|e| format!(";; wasmprinter could not print this module: {e}\n"))
}

/// The one-paragraph summary of a shrink.
pub fn summary(s: &Shrunk) -> String {
    let stop = match s.stop {
        Stop::FixedPoint => "no pass found anything smaller".to_string(),
        Stop::Time => "the time budget ran out".to_string(),
        Stop::Attempts => "the attempt budget ran out".to_string(),
    };
    let calls: Vec<String> = s
        .case
        .calls
        .iter()
        .map(|c| {
            let args: Vec<String> = c.args.iter().map(|a| a.to_string()).collect();
            format!("{}({})", c.export, args.join(", "))
        })
        .collect();
    format!(
        "Shrunk {} from {} instructions ({} bytes, {} calls) to {} instructions ({} bytes, {} calls) in {:.2} s: {} candidates run, {} kept, {} rounds; stopped because {}. It shows with the calls {}.",
        s.signature,
        s.before.instructions,
        s.before.bytes,
        s.before.calls,
        s.after.instructions,
        s.after.bytes,
        s.after.calls,
        s.elapsed.as_secs_f64(),
        s.tried,
        s.kept,
        s.rounds,
        stop,
        if calls.is_empty() { "none (instantiation shows it)".to_string() } else { calls.join(", ") }
    )
}

/// For `fuzz --shrink`: shrinks a finding just saved in `dir` (the fault,
/// if any, is the one this process runs with) and writes `dir/shrunk.*`.
pub fn shrink_saved(
    dir: &Path,
    finding: &Finding,
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
) -> Result<Shrunk, String> {
    let record = std::fs::read_to_string(dir.join("finding.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<crate::report::FindingRecord>(&t).ok());
    let fault = record.as_ref().and_then(|r| r.fault.clone());
    let setup = record.as_ref().map(Setup::of).unwrap_or_default();
    let options = Options {
        budget: FUZZ_BUDGET,
        fault: fault.clone(),
        worker: std::env::current_exe().ok(),
        setup,
    };
    let shrunk = shrink(
        wasm,
        finding,
        engines,
        &options,
        &indicatif::ProgressBar::hidden(),
    )?;
    write(&dir.join("shrunk"), &shrunk, fault.as_deref()).map_err(|e| e.to_string())?;
    Ok(shrunk)
}

/// The named fault, if this build can inject it; otherwise a one-line
/// reason (an unknown name, or a build without fault injection).
pub fn check_fault(name: &str) -> Result<tierdiff_runtime::fault::Fault, String> {
    let fault = tierdiff_runtime::fault::Fault::parse(name)
        .ok_or_else(|| format!("unknown fault {name:?}"))?;
    if !tierdiff_runtime::fault::ENABLED {
        return Err(
            "this build has no fault injection (build with --features fault-injection)".into(),
        );
    }
    Ok(fault)
}

/// Selects the fault a finding was made with, for this process (see [`check_fault`]).
pub fn select_fault(name: &str) -> Result<(), String> {
    tierdiff_runtime::fault::set(Some(check_fault(name)?)).map_err(str::to_string)
}

/// The fault selected in this process, if any.
pub fn selected_fault() -> Option<tierdiff_runtime::fault::Fault> {
    tierdiff_runtime::fault::Fault::ALL
        .into_iter()
        .find(|&f| tierdiff_runtime::fault::active(f))
}
