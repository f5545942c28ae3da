//! Running one case through every engine and turning disagreements into
//! findings. Comparison lives here, beside the engines, not inside them.
//!
//! Tiers are compared with each other first (the first tier is the
//! baseline). When every tier agrees, the reference engine is compared with
//! them: a difference there is a `reference-disagreement` (a common-mode
//! bug, or a reference bug), unless exhaustion makes it inconclusive: when
//! fuel or call depth ran out (in the tiers or in the reference, whose
//! accounting differs from ours) the reference is not compared, but the
//! tiers' state after the call still is, so every tier must agree on where
//! exhaustion happened. A call a tier ran out of fuel on is not run in the
//! reference at all: its fuel is a backstop ten thousand times ours, and
//! the endless loop behind it would cost seconds for a result no one reads.
//! Invariant violations are findings even when every engine agrees.
//! After the first divergence the case stops: later calls would only cascade.
//!
//! Instantiation is judged the same way ([`compare_instantiation`]): a tier
//! that cannot prepare a module (a typed `PrepareError`) is a finding when
//! its error is internal or another engine ran the module, and a reference
//! that stops on a limit of its own is left out of the case while the tiers
//! go on. Whatever cannot be judged is inconclusive with a reason
//! ([`InconclusiveReason`]), never silently.

use crate::engine::{Engine, EngineInstance};
use crate::outcome::{CallResult, InstantiateResult, Value};
use crate::plan::PlannedCall;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::{Limits, PrepareErrorKind, TrapCode};

/// Kinds of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    ResultMismatch,
    TrapMismatch,
    TrapVsReturn,
    StateMismatch,
    InvariantViolation,
    MapMismatch,
    InstantiateMismatch,
    /// A tier failed to translate or compile a module with an internal
    /// error: a bug in that tier whatever the other engines did.
    PrepareFailure,
    ValidationMismatch,
    ReferenceDisagreement,
    /// A reference engine's own bug: wasmi differed from every tier and the
    /// tie-breaker (or a known-bug rewrite) sided with the tiers. Reported,
    /// not a failure (unless `--strict`).
    ReferenceBug,
    Crash,
    /// A tier's step ran past the case's wall-clock limit or the worker's
    /// memory limit (the watchdog ended the worker; the signature names
    /// the engine and the limit).
    Resource,
    /// A reference engine's step did: reported, not a failure.
    ReferenceResource,
}

impl FindingKind {
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::ResultMismatch => "result-mismatch",
            FindingKind::TrapMismatch => "trap-mismatch",
            FindingKind::TrapVsReturn => "trap-vs-return",
            FindingKind::StateMismatch => "state-mismatch",
            FindingKind::InvariantViolation => "invariant-violation",
            FindingKind::MapMismatch => "map-mismatch",
            FindingKind::InstantiateMismatch => "instantiate-mismatch",
            FindingKind::PrepareFailure => "prepare-failure",
            FindingKind::ValidationMismatch => "validation-mismatch",
            FindingKind::ReferenceDisagreement => "reference-disagreement",
            FindingKind::ReferenceBug => "reference-bug",
            FindingKind::Crash => "crash",
            FindingKind::Resource => "resource",
            FindingKind::ReferenceResource => "reference-resource",
        }
    }

    /// Whether a finding of this kind fails a run: everything but a
    /// reference engine's own bug or its own resource trip.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            FindingKind::ReferenceBug | FindingKind::ReferenceResource
        )
    }
}

/// One disagreement (or broken invariant) with everything needed to replay it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// Stable de-duplication key: kind, engines and what differed.
    pub signature: String,
    /// The engines involved.
    pub engines: Vec<String>,
    /// The call that showed it (`None` for instantiation).
    pub call: Option<PlannedCall>,
    /// Index of that call in the plan.
    pub call_index: Option<usize>,
    /// What each engine did.
    pub observed: BTreeMap<String, String>,
    /// One sentence a person can act on.
    pub message: String,
    /// The finer signature a grouped finding came from (a reference bug
    /// keeps the disagreement's own signature here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        kind: FindingKind,
        engines: Vec<String>,
        detail: &str,
        observed: BTreeMap<String, String>,
        message: String,
    ) -> Finding {
        let signature = signature(kind, &engines, detail);
        Finding {
            kind,
            signature,
            engines,
            call: None,
            call_index: None,
            observed,
            message,
            variant: None,
        }
    }

    fn at(mut self, index: usize, call: &PlannedCall) -> Finding {
        self.call = Some(call.clone());
        self.call_index = Some(index);
        self
    }
}

/// `kind:engine1-vs-engine2:detail`, restricted to file-name-safe characters.
pub fn signature(kind: FindingKind, engines: &[String], detail: &str) -> String {
    let raw = format!("{}:{}:{}", kind.name(), engines.join("-vs-"), detail);
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-=,_.:".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Why a case could not be judged in full. Every inconclusive case has
/// one (the first met); reports count them, and [`Unknown`] fails a run.
///
/// [`Unknown`]: InconclusiveReason::Unknown
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InconclusiveReason {
    /// Every tier ran out of fuel (in a call or the start function), at
    /// the same point with the same state; the references, whose fuel is
    /// not ours, cannot judge what came after.
    TiersOutOfFuel,
    /// Every tier ran out of call depth alike; the references' stacks
    /// differ from our depth limit.
    TiersCallStackExhausted,
    /// A reference (or an engine under test with limits of its own, see
    /// `Engine::exact`) ran out of its own fuel, time or stack where the
    /// tiers did not: the tiers were still compared with each other.
    ReferenceExhausted,
    /// A reference refused the module on an implementation limit of its
    /// own; the tiers were still compared with each other and with any
    /// other reference.
    ReferenceLimit,
    /// An engine under test does not run a proposal the module uses (its
    /// adapter said so); the others were compared without it.
    EngineLeftOut,
    /// Every engine refused the module under the case's memory or table
    /// limits, the same way.
    ResourceLimit,
    /// Every tier refused the module alike (a declared unsupported feature
    /// or a named limit) and no reference ran it.
    TiersRefused,
    /// No reason was recorded: a bug in the harness. Fails the run.
    #[serde(other)]
    Unknown,
}

impl InconclusiveReason {
    /// Stable kebab-case name, as in reports.
    pub fn name(self) -> &'static str {
        match self {
            InconclusiveReason::TiersOutOfFuel => "tiers-out-of-fuel",
            InconclusiveReason::TiersCallStackExhausted => "tiers-call-stack-exhausted",
            InconclusiveReason::ReferenceExhausted => "reference-exhausted",
            InconclusiveReason::ReferenceLimit => "reference-limit",
            InconclusiveReason::EngineLeftOut => "engine-left-out",
            InconclusiveReason::ResourceLimit => "resource-limit",
            InconclusiveReason::TiersRefused => "tiers-refused",
            InconclusiveReason::Unknown => "unknown",
        }
    }

    /// One sentence for people.
    pub fn describe(self) -> &'static str {
        match self {
            InconclusiveReason::TiersOutOfFuel => {
                "every tier ran out of fuel at the same point; the references cannot judge past it"
            }
            InconclusiveReason::TiersCallStackExhausted => {
                "every tier ran out of call depth at the same point; the references' stacks differ"
            }
            InconclusiveReason::ReferenceExhausted => {
                "a reference or an engine with its own limits ran out of its fuel, time or stack; the tiers were compared with each other"
            }
            InconclusiveReason::EngineLeftOut => {
                "an engine under test does not run a proposal the module uses; the others were compared without it"
            }
            InconclusiveReason::ReferenceLimit => {
                "a reference refused the module on a limit of its own; the tiers were compared without it"
            }
            InconclusiveReason::ResourceLimit => {
                "every engine refused the module under the case's memory or table limits"
            }
            InconclusiveReason::TiersRefused => {
                "every tier refused the module alike (unsupported feature or named limit)"
            }
            InconclusiveReason::Unknown => "no reason recorded (a harness bug)",
        }
    }

    /// The reason when the tiers agree on exhaustion `code` (or a
    /// reference alone ran out).
    fn of_exhaustion(tiers: Option<TrapCode>) -> InconclusiveReason {
        match tiers {
            Some(TrapCode::OutOfFuel) => InconclusiveReason::TiersOutOfFuel,
            Some(_) => InconclusiveReason::TiersCallStackExhausted,
            None => InconclusiveReason::ReferenceExhausted,
        }
    }
}

/// Per-engine tallies of call outcomes.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EngineCounts {
    pub returned: u64,
    pub trapped: u64,
    pub exhausted: u64,
    pub crashed: u64,
    /// Of `exhausted`: calls that ran out of fuel.
    #[serde(default)]
    pub out_of_fuel: u64,
    /// Of `exhausted`: calls that ran out of call depth.
    #[serde(default)]
    pub call_stack_exhausted: u64,
    /// Cases the engine was left out of: it does not run a proposal the
    /// module uses (`engine-left-out`), or hit an implementation limit of
    /// its own.
    #[serde(default)]
    pub left_out: u64,
}

impl EngineCounts {
    fn record(&mut self, r: &CallResult) {
        match r {
            CallResult::Returned(_) | CallResult::Exited(_) => self.returned += 1,
            CallResult::Trapped(c) if c.is_exhaustion() => {
                self.exhausted += 1;
                match c {
                    tierdiff_runtime::TrapCode::OutOfFuel => self.out_of_fuel += 1,
                    _ => self.call_stack_exhausted += 1,
                }
            }
            CallResult::Trapped(_) => self.trapped += 1,
            CallResult::Crashed(_) => self.crashed += 1,
        }
    }

    pub fn add(&mut self, o: &EngineCounts) {
        self.returned += o.returned;
        self.trapped += o.trapped;
        self.exhausted += o.exhausted;
        self.crashed += o.crashed;
        self.out_of_fuel += o.out_of_fuel;
        self.call_stack_exhausted += o.call_stack_exhausted;
        self.left_out += o.left_out;
    }
}

/// Everything one case produced.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CaseOutcome {
    pub calls: u64,
    pub findings: Vec<Finding>,
    pub per_engine: BTreeMap<String, EngineCounts>,
    /// Why the case could not be judged in full, if it could not (see
    /// [`InconclusiveReason`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<InconclusiveReason>,
    /// Time split in seconds: instantiation and execution per engine, comparison.
    pub timing: BTreeMap<String, f64>,
    /// How instantiation ended in each engine.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instantiate: BTreeMap<String, InstantiateResult>,
    /// Every call with every engine's result, when asked for ([`CaseOptions::keep_rows`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<CallRow>,
    /// Each engine's WASI output after the last call (WASI runs only).
    #[serde(skip)]
    pub wasi: BTreeMap<String, crate::outcome::WasiOutput>,
    /// Semantic coverage `(cell, count)` of the engine recording it, if any
    /// (see [`crate::coverage`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<(u32, u64)>,
    /// Tier-path counts `(path, count)` per tier that recorded them (see
    /// [`crate::tier_coverage`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tier_paths: BTreeMap<String, Vec<(u32, u64)>>,
}

impl CaseOutcome {
    /// Whether every tier agreed and only the reference engine differed.
    pub fn has_reference_disagreement(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.kind == FindingKind::ReferenceDisagreement)
    }
}

/// One call and what each engine did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallRow {
    pub call: PlannedCall,
    pub results: BTreeMap<String, CallResult>,
    /// Whether the call produced a finding.
    pub differs: bool,
}

/// How to run a case.
#[derive(Clone, Debug, Default)]
pub struct CaseOptions {
    /// Calls to make instead of the plan's.
    pub calls: Option<Vec<PlannedCall>>,
    /// Keep every call's results in [`CaseOutcome::rows`].
    pub keep_rows: bool,
    /// Go on after the first divergence (for showing, not for fuzzing).
    pub keep_going: bool,
    /// Instantiate with WASI imports, each engine with a fresh state made
    /// from this (deterministic) configuration. Without explicit calls a
    /// module exporting a WASI entry (`_start` of type `[] -> []`) then runs
    /// just that; stdout, stderr and exit code are compared after every call.
    pub wasi: Option<WasiConfig>,
}

struct Live {
    name: String,
    reference: bool,
    /// Follows tierdiff's shared semantics ([`Engine::exact`]).
    exact: bool,
    instance: Option<Box<dyn EngineInstance>>,
    violations_seen: usize,
}

pub(crate) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn add_time(timing: &mut BTreeMap<String, f64>, key: String, start: std::time::Instant) {
    *timing.entry(key).or_default() += start.elapsed().as_secs_f64();
}

/// Runs `wasm` through `engines` and compares them.
pub fn run_case(wasm: &[u8], engines: &[Box<dyn Engine>], limits: Limits) -> CaseOutcome {
    run_case_with(wasm, engines, limits, CaseOptions::default())
}

/// [`run_case`] with explicit calls and reporting options.
pub fn run_case_with(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: CaseOptions,
) -> CaseOutcome {
    let mut out = CaseOutcome::default();
    let mut live = Vec::new();
    let mut inst_results = Vec::new();
    // Our tiers first: engines without our fuel then never run a call the
    // tiers ran out of fuel on, and the first tier is every finding's base.
    let mut ordered: Vec<&Box<dyn Engine>> = engines.iter().collect();
    ordered.sort_by_key(|e| (e.is_reference(), !e.exact()));
    for engine in ordered {
        let start = std::time::Instant::now();
        crate::watchdog::enter(engine.name());
        let r = catch_unwind(AssertUnwindSafe(|| {
            engine.instantiate_wasi(wasm, limits, options.wasi.as_ref())
        }));
        add_time(
            &mut out.timing,
            format!("instantiate.{}", engine.name()),
            start,
        );
        let (result, instance) = match r {
            Ok(Ok(i)) => (InstantiateResult::Ok, Some(i)),
            Ok(Err(e)) => (e, None),
            Err(p) => (InstantiateResult::Crashed(panic_message(p)), None),
        };
        if matches!(result, InstantiateResult::EngineLimit(_)) {
            out.per_engine
                .entry(engine.name().to_string())
                .or_default()
                .left_out += 1;
        }
        out.instantiate
            .insert(engine.name().to_string(), result.clone());
        inst_results.push((engine.name().to_string(), engine.is_reference(), result));
        live.push(Live {
            name: engine.name().to_string(),
            reference: engine.is_reference(),
            exact: engine.exact(),
            instance,
            violations_seen: 0,
        });
    }
    let start = std::time::Instant::now();
    let inexact: Vec<String> = live
        .iter()
        .filter(|l| !l.reference && !l.exact)
        .map(|l| l.name.clone())
        .collect();
    let exact_tiers: Vec<String> = live
        .iter()
        .filter(|l| !l.reference && l.exact)
        .map(|l| l.name.clone())
        .collect();
    let verdict = compare_instantiation(&inst_results, &inexact);
    add_time(&mut out.timing, "compare".into(), start);
    out.findings.extend(verdict.finding);
    out.inconclusive = verdict.inconclusive;
    if !verdict.run_calls {
        return out;
    }
    let calls = match options.calls {
        Some(calls) => calls,
        None => {
            let module = crate::engine::load_module(wasm)
                .expect("every engine accepted it, and the tiers share this loader");
            crate::verdict::default_calls(&module, options.wasi.is_some())
        }
    };
    for (index, call) in calls.iter().enumerate() {
        let mut results = Vec::new();
        for l in live.iter_mut() {
            let Some(instance) = l.instance.as_mut() else {
                continue;
            };
            if (l.reference || !l.exact) && tiers_ran_out_of_fuel(&results, &exact_tiers) {
                continue;
            }
            let start = std::time::Instant::now();
            crate::watchdog::enter(&l.name);
            let r = catch_unwind(AssertUnwindSafe(|| instance.call(&call.export, &call.args)))
                .unwrap_or_else(|p| CallResult::Crashed(panic_message(p)));
            add_time(&mut out.timing, format!("execute.{}", l.name), start);
            out.per_engine.entry(l.name.clone()).or_default().record(&r);
            if matches!(r, CallResult::Crashed(_)) {
                l.instance = None;
            }
            results.push((l.name.clone(), l.reference, r));
        }
        out.calls += 1;
        let start = std::time::Instant::now();
        let (findings, stop) = compare_call(&results, &mut live);
        let inconclusive = match stop {
            Stop::Inconclusive(reason) => Some(reason),
            Stop::Noted(reason) => {
                out.inconclusive.get_or_insert(reason);
                None
            }
            Stop::Go => None,
        };
        add_time(&mut out.timing, "compare".into(), start);
        let diverged = findings
            .iter()
            .any(|f| f.kind != FindingKind::InvariantViolation);
        if options.keep_rows {
            let results = results
                .iter()
                .map(|(n, _, r)| (n.clone(), r.clone()))
                .collect();
            out.rows.push(CallRow {
                call: call.clone(),
                results,
                differs: !findings.is_empty() || inconclusive.is_some(),
            });
        }
        out.findings
            .extend(findings.into_iter().map(|f| f.at(index, call)));
        if let Some(reason) = inconclusive {
            out.inconclusive.get_or_insert(reason);
            if !options.keep_going {
                break;
            }
        }
        if diverged && !options.keep_going {
            break;
        }
    }
    out.wasi = live
        .iter()
        .filter_map(|l| Some((l.name.clone(), l.instance.as_ref()?.wasi_output()?)))
        .collect();
    out.coverage = live
        .iter()
        .find_map(|l| l.instance.as_ref()?.coverage())
        .unwrap_or_default();
    out.tier_paths = live
        .iter()
        .filter_map(|l| Some((l.name.clone(), l.instance.as_ref()?.tier_paths()?)))
        .collect();
    out
}

/// Whether a tier ran out of fuel on this call (`results` so far). Then
/// either every tier did, and the reference cannot judge the call, or the
/// tiers disagree; [`compare_call`] reads no reference result in either
/// case. A reference's fuel is a backstop ten thousand times ours, so
/// running it on the endless loop that usually lies behind would only cost
/// seconds.
///
/// Only engines of our fuel count (`exact_tiers`): an engine's own time
/// budget, also reported as `out-of-fuel`, says nothing about the others.
fn tiers_ran_out_of_fuel(results: &[(String, bool, CallResult)], exact_tiers: &[String]) -> bool {
    results.iter().any(|(name, _, r)| {
        exact_tiers.contains(name) && matches!(r, CallResult::Trapped(TrapCode::OutOfFuel))
    })
}

#[derive(PartialEq, Eq)]
enum Stop {
    Go,
    Inconclusive(InconclusiveReason),
    /// Go on, but part of the case could not be judged (an engine was
    /// left out of the rest of it).
    Noted(InconclusiveReason),
}

/// What instantiation decided for a case.
#[derive(Debug, Default)]
struct InstantiationVerdict {
    finding: Option<Finding>,
    /// Every tier instantiated, so the calls run (references that could
    /// not instantiate on a limit of their own are left out of them).
    run_calls: bool,
    inconclusive: Option<InconclusiveReason>,
}

impl InstantiationVerdict {
    fn finding(f: Finding) -> InstantiationVerdict {
        InstantiationVerdict {
            finding: Some(f),
            ..InstantiationVerdict::default()
        }
    }

    fn stop(inconclusive: Option<InconclusiveReason>) -> InstantiationVerdict {
        InstantiationVerdict {
            inconclusive,
            ..InstantiationVerdict::default()
        }
    }
}

/// Judges instantiation in every engine.
///
/// A tier's internal prepare error is a `prepare-failure`; tiers that end
/// instantiation differently (one refusing what another ran, exhaustion in
/// a start function included) an `instantiate-mismatch`. Every tier
/// refusing alike is inconclusive, unless a reference ran the module. A
/// reference is compared only when it failed on something the tiers can
/// be judged by: its own implementation limits and its own exhaustion
/// leave it out of the case, with that reason, and the tiers go on.
///
/// Engines under test in `inexact` (see `Engine::exact`) have limits of
/// their own: a start function's exhaustion on either side of such a pair
/// leaves that engine out, as it leaves a reference out.
fn compare_instantiation(
    results: &[(String, bool, InstantiateResult)],
    inexact: &[String],
) -> InstantiationVerdict {
    use InstantiateResult as R;
    let observed: BTreeMap<String, String> = results
        .iter()
        .map(|(n, _, r)| (n.clone(), format!("{r:?}")))
        .collect();
    if let Some((name, _, r)) = results.iter().find(|(_, _, r)| matches!(r, R::Crashed(_))) {
        return InstantiationVerdict::finding(Finding::new(
            FindingKind::Crash,
            vec![name.clone()],
            "instantiate",
            observed,
            format!("{name} crashed while instantiating: {r:?}"),
        ));
    }
    // An engine under test that cannot run what the module uses (an
    // adapter's engine without a proposal) is left out, like a reference
    // on its own limit; our tiers never answer this.
    let left_out = results
        .iter()
        .any(|(_, reference, r)| !reference && matches!(r, R::EngineLimit(_)));
    let tiers: Vec<_> = results
        .iter()
        .filter(|(_, reference, r)| !reference && !matches!(r, R::EngineLimit(_)))
        .collect();
    if let Some((name, _, r)) = tiers.iter().find(|(_, _, r)| {
        matches!(
            r,
            R::Refused {
                kind: PrepareErrorKind::Internal,
                ..
            }
        )
    }) {
        let message = r.message().unwrap_or_default();
        return InstantiationVerdict::finding(Finding::new(
            FindingKind::PrepareFailure,
            vec![name.clone()],
            "internal",
            observed,
            format!("{name} could not prepare a valid module: {message}"),
        ));
    }
    let rejected = |r: &InstantiateResult| matches!(r, R::Rejected(_));
    let Some((base_name, _, base)) = tiers.first() else {
        return InstantiationVerdict::stop(left_out.then_some(InconclusiveReason::EngineLeftOut));
    };
    let exhausted = |r: &InstantiateResult| matches!(r, R::Trapped(c) if c.is_exhaustion());
    let mut own_limits_left_out = false;
    for (name, _, r) in &tiers[1..] {
        let own_limits = inexact.contains(name) || inexact.contains(base_name);
        if own_limits && (exhausted(r) || exhausted(base)) {
            own_limits_left_out = true;
            continue;
        }
        if r.tag() != base.tag() {
            let kind = if rejected(r) != rejected(base) {
                FindingKind::ValidationMismatch
            } else {
                FindingKind::InstantiateMismatch
            };
            let detail = format!("{base_name}={},{name}={}", base.tag(), r.tag());
            return InstantiationVerdict::finding(Finding::new(
                kind,
                vec![base_name.clone(), name.clone()],
                &detail,
                observed,
                format!("instantiation differs: {base_name} {base:?}, {name} {r:?}"),
            ));
        }
    }
    // Every tier ended alike. A start function that ran out of fuel or
    // depth did so at the same point in each (their tags agree); the
    // references' accounting differs from ours, so they cannot judge it.
    if let R::Trapped(code) = base {
        if code.is_exhaustion() {
            return InstantiationVerdict::stop(Some(InconclusiveReason::of_exhaustion(Some(
                *code,
            ))));
        }
    }
    let mut reference_left_out = match (left_out, own_limits_left_out) {
        (true, _) => Some(InconclusiveReason::EngineLeftOut),
        (false, true) => Some(InconclusiveReason::ReferenceExhausted),
        (false, false) => None,
    };
    for (name, _, r) in results.iter().filter(|(_, reference, _)| *reference) {
        match r {
            R::EngineLimit(_) => {
                reference_left_out.get_or_insert(InconclusiveReason::ReferenceLimit);
                continue;
            }
            R::Trapped(c) if c.is_exhaustion() => {
                reference_left_out.get_or_insert(InconclusiveReason::ReferenceExhausted);
                continue;
            }
            _ => {}
        }
        // Every tier refused: only a reference that ran the module (its
        // start function included) makes that a finding.
        let ran = matches!(r, R::Ok | R::Trapped(_));
        if r.tag() == base.tag() || (matches!(base, R::Refused { .. }) && !ran) {
            continue;
        }
        let kind = match (base, r) {
            (R::Refused { .. }, _) => FindingKind::InstantiateMismatch,
            _ if rejected(r) != rejected(base) => FindingKind::ValidationMismatch,
            _ => FindingKind::ReferenceDisagreement,
        };
        let detail = format!("instantiate,tiers={},{name}={}", base.tag(), r.tag());
        return InstantiationVerdict::finding(Finding::new(
            kind,
            vec!["tiers".into(), name.clone()],
            &detail,
            observed,
            format!("every tier: {base:?}; reference {name}: {r:?}"),
        ));
    }
    match base {
        R::Ok => InstantiationVerdict {
            finding: None,
            run_calls: true,
            inconclusive: reference_left_out,
        },
        R::Resource(_) => InstantiationVerdict::stop(Some(InconclusiveReason::ResourceLimit)),
        R::Refused { .. } => InstantiationVerdict::stop(Some(InconclusiveReason::TiersRefused)),
        // Every engine rejected, failed to link or trapped alike: agreement.
        _ => InstantiationVerdict::stop(reference_left_out),
    }
}

fn call_kind(a: &CallResult, b: &CallResult) -> FindingKind {
    use CallResult::{Exited, Returned, Trapped};
    match (a, b) {
        (Returned(_) | Exited(_), Returned(_) | Exited(_)) => FindingKind::ResultMismatch,
        (Trapped(_), Trapped(_)) => FindingKind::TrapMismatch,
        _ => FindingKind::TrapVsReturn,
    }
}

fn result_detail(r: &CallResult) -> String {
    match r {
        CallResult::Returned(v) if v.is_empty() => "returned-nothing".into(),
        CallResult::Returned(v) => format!(
            "returned-{}",
            v.iter()
                .map(|x| x.type_name())
                .collect::<Vec<_>>()
                .join("-")
        ),
        other => other.tag(),
    }
}

fn compare_call(results: &[(String, bool, CallResult)], live: &mut [Live]) -> (Vec<Finding>, Stop) {
    let observed: BTreeMap<String, String> = results
        .iter()
        .map(|(n, _, r)| (n.clone(), r.describe()))
        .collect();
    let mut findings = Vec::new();
    for (name, _, r) in results {
        if let CallResult::Crashed(m) = r {
            findings.push(Finding::new(
                FindingKind::Crash,
                vec![name.clone()],
                "call",
                observed.clone(),
                format!("{name} crashed: {m}"),
            ));
            return (findings, Stop::Go);
        }
    }
    // Invariants first: they are findings even when everyone agrees.
    for l in live.iter_mut().filter(|l| !l.reference) {
        let Some(instance) = l.instance.as_ref() else {
            continue;
        };
        let violations = instance.violations();
        if violations.len() > l.violations_seen {
            let new = &violations[l.violations_seen..];
            l.violations_seen = violations.len();
            let detail = new
                .iter()
                .map(|v| v.map.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(",");
            let text = new
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            findings.push(Finding::new(
                FindingKind::InvariantViolation,
                vec![l.name.clone()],
                &detail,
                observed.clone(),
                format!("{} broke an internal-map invariant: {text}", l.name),
            ));
        }
    }
    let tiers: Vec<_> = results
        .iter()
        .filter(|(_, reference, _)| !reference)
        .collect();
    let Some((base_name, _, base)) = tiers.first() else {
        return (findings, Stop::Go);
    };
    let exact = |name: &str| live.iter().any(|l| l.name == name && l.exact);
    let base_exact = exact(base_name);
    for (name, _, r) in &tiers[1..] {
        // Between an engine with limits of its own and another, exhaustion
        // on either side cannot be judged, as with a reference (below).
        let agree = if base_exact && exact(name) {
            r.identical(base)
        } else {
            r.is_exhaustion() || base.is_exhaustion() || r.same(base)
        };
        if !agree {
            let kind = call_kind(base, r);
            let detail = format!(
                "{base_name}={},{name}={}",
                result_detail(base),
                result_detail(r)
            );
            findings.push(Finding::new(
                kind,
                vec![base_name.clone(), name.clone()],
                &detail,
                observed.clone(),
                format!("{base_name} {}, {name} {}", base.describe(), r.describe()),
            ));
            return (findings, Stop::Go);
        }
    }
    // An engine under test with limits of its own that ran out of them
    // where the base did not cannot judge this call, nor what comes after:
    // it is left out of the rest of the case, and the others, references
    // included, go on being compared.
    let out_of_own: Vec<String> = results
        .iter()
        .filter(|(name, reference, r)| {
            !reference && !exact(name) && r.is_exhaustion() && !base.is_exhaustion()
        })
        .map(|(name, _, _)| name.clone())
        .collect();
    for l in live.iter_mut().filter(|l| out_of_own.contains(&l.name)) {
        l.instance = None;
    }
    let noted = |findings| match out_of_own.is_empty() {
        true => (findings, Stop::Go),
        false => (
            findings,
            Stop::Noted(InconclusiveReason::ReferenceExhausted),
        ),
    };
    // Exhaustion is where the reference's accounting differs from ours: it
    // cannot judge this call, but the tiers must still agree on the state
    // it left behind (and so on where it happened).
    let exhausted = results
        .iter()
        .any(|(_, reference, r)| *reference && r.is_exhaustion());
    if base.is_exhaustion() || exhausted {
        if let Some(f) = compare_output(live, true).or_else(|| compare_state(live, true)) {
            findings.push(f);
            return (findings, Stop::Go);
        }
        let tiers_ran_out = match base {
            CallResult::Trapped(code) if code.is_exhaustion() => Some(*code),
            _ => None,
        };
        let reason = InconclusiveReason::of_exhaustion(tiers_ran_out);
        return (findings, Stop::Inconclusive(reason));
    }
    for (name, _, r) in results.iter().filter(|(_, reference, _)| *reference) {
        if !r.same(base) {
            let detail = format!(
                "call,tiers={},{name}={}",
                result_detail(base),
                result_detail(r)
            );
            findings.push(Finding::new(
                FindingKind::ReferenceDisagreement,
                vec!["tiers".into(), name.clone()],
                &detail,
                observed.clone(),
                format!(
                    "every tier {}, reference {name} {}",
                    base.describe(),
                    r.describe()
                ),
            ));
            return noted(findings);
        }
    }
    if let Some(f) = compare_output(live, false).or_else(|| compare_state(live, false)) {
        findings.push(f);
    }
    noted(findings)
}

/// A WASI program's stdout and stderr: tiers with the first tier, then the
/// reference with it (unless `tiers_only`). A difference is a
/// `result-mismatch` (or a reference disagreement), like a different
/// return value.
fn compare_output(live: &[Live], tiers_only: bool) -> Option<Finding> {
    let outputs: Vec<(&str, bool, crate::outcome::WasiOutput)> = live
        .iter()
        .filter(|l| !(tiers_only && (l.reference || !l.exact)))
        .filter_map(|l| {
            Some((
                l.name.as_str(),
                l.reference,
                l.instance.as_ref()?.wasi_output()?,
            ))
        })
        .collect();
    let (base_name, _, base) = outputs.iter().find(|(_, r, _)| !r)?;
    for (name, reference, out) in &outputs {
        for (stream, a, b) in [
            ("stdout", &base.stdout, &out.stdout),
            ("stderr", &base.stderr, &out.stderr),
        ] {
            if a == b {
                continue;
            }
            let at = a
                .iter()
                .zip(b.iter())
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            let (kind, engines) = if *reference {
                (
                    FindingKind::ReferenceDisagreement,
                    vec!["tiers".to_string(), name.to_string()],
                )
            } else {
                (
                    FindingKind::ResultMismatch,
                    vec![base_name.to_string(), name.to_string()],
                )
            };
            let show = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
            let observed = [
                (base_name.to_string(), show(a)),
                (name.to_string(), show(b)),
            ]
            .into_iter()
            .collect();
            return Some(Finding::new(
                kind,
                engines,
                &format!("wasi,{stream}"),
                observed,
                format!(
                    "WASI {stream} differs ({} and {} bytes), first at byte {at}: {base_name} {:?}, {name} {:?}",
                    a.len(),
                    b.len(),
                    show(&a[at.min(a.len())..(at + 40).min(a.len())]),
                    show(&b[at.min(b.len())..(at + 40).min(b.len())]),
                ),
            ));
        }
    }
    None
}

/// Where exported memory `name` of engines `a` and `b` (indices in `live`)
/// differs, said in one sentence; `None` when it does not. Both memories
/// are read in place, never copied.
fn memory_difference(live: &mut [Live], (a, b): (usize, usize), name: &str) -> Option<String> {
    let (first, second) = if a < b {
        let (x, y) = live.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = live.split_at_mut(a);
        (&mut y[0], &mut x[b])
    };
    let (na, nb) = (first.name.clone(), second.name.clone());
    let (ia, ib) = (first.instance.as_mut()?, second.instance.as_mut()?);
    let mut message = None;
    ia.visit_memories(&mut |n, x| {
        if n != name {
            return;
        }
        ib.visit_memories(&mut |m, y| {
            if m != name || x == y {
                return;
            }
            let at = x
                .iter()
                .zip(y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            message = Some(format!(
                "exported memory {name:?} differs (sizes {} and {}), first at offset {at}: {na} {:?}, {nb} {:?}",
                x.len(),
                y.len(),
                x.get(at),
                y.get(at)
            ));
        });
    });
    message
}

/// Exported globals, memories and tables, then the shared internal maps;
/// of the tiers only when `tiers_only`.
fn compare_state(live: &mut [Live], tiers_only: bool) -> Option<Finding> {
    struct Snap {
        /// Its index in `live`.
        index: usize,
        name: String,
        reference: bool,
        exact: bool,
        globals: Vec<(String, Value)>,
        /// Exported memories by name; their bytes are compared in place.
        memories: Vec<String>,
        tables: Vec<(String, Vec<Value>)>,
        maps: Vec<tierdiff_runtime::MapSnapshot>,
    }
    let snaps: Vec<Snap> = live
        .iter_mut()
        .enumerate()
        .filter(|(_, l)| !(tiers_only && (l.reference || !l.exact)))
        .filter_map(|(index, l)| {
            let i = l.instance.as_mut()?;
            // Engines list exports in different orders: compare by name.
            let (mut globals, mut tables) = (i.globals(), i.tables());
            let mut memories = Vec::new();
            i.visit_memories(&mut |name, _| memories.push(name.to_string()));
            globals.sort_by(|a, b| a.0.cmp(&b.0));
            memories.sort();
            tables.sort_by(|a, b| a.0.cmp(&b.0));
            Some(Snap {
                index,
                name: l.name.clone(),
                reference: l.reference,
                exact: l.exact,
                globals,
                memories,
                tables,
                maps: i.shared_map_snapshots(),
            })
        })
        .collect();
    let base = snaps.iter().find(|s| !s.reference)?;
    for other in snaps.iter().filter(|s| s.name != base.name) {
        let engines = if other.reference {
            vec!["tiers".to_string(), other.name.clone()]
        } else {
            vec![base.name.clone(), other.name.clone()]
        };
        let kind = if other.reference {
            FindingKind::ReferenceDisagreement
        } else {
            FindingKind::StateMismatch
        };
        let observed = BTreeMap::new();
        // Tiers agree bit for bit (the NaN rule); a reference's NaN bits
        // in a float value are its own business, and so are those of an
        // engine under test that does not follow our NaN rule.
        let bitwise = !other.reference && other.exact && base.exact;
        let agree = |a: &Value, b: &Value| {
            if bitwise {
                a.identical(b)
            } else {
                a.same(b)
            }
        };
        for ((gname, a), (_, b)) in base.globals.iter().zip(&other.globals) {
            if !agree(a, b) {
                return Some(Finding::new(
                    kind,
                    engines,
                    "state,global",
                    observed,
                    format!(
                        "exported global {gname:?}: {} {a}, {} {b}",
                        base.name, other.name
                    ),
                ));
            }
        }
        for mname in &base.memories {
            if let Some(msg) = memory_difference(live, (base.index, other.index), mname) {
                return Some(Finding::new(kind, engines, "state,memory", observed, msg));
            }
        }
        for ((tname, a), (_, b)) in base.tables.iter().zip(&other.tables) {
            let first = a.iter().zip(b).position(|(x, y)| !agree(x, y));
            if a.len() != b.len() || first.is_some() {
                let at = first.unwrap_or(a.len().min(b.len()));
                let msg = format!(
                    "exported table {tname:?} differs at slot {at}: {} {:?}, {} {:?}",
                    base.name,
                    a.get(at).map(|v| v.to_string()),
                    other.name,
                    b.get(at).map(|v| v.to_string())
                );
                return Some(Finding::new(kind, engines, "state,table", observed, msg));
            }
        }
        if bitwise && base.maps != other.maps {
            let differing = base
                .maps
                .iter()
                .zip(&other.maps)
                .find(|(a, b)| a != b)
                .map(|(a, _)| a.name.clone())
                .unwrap_or_else(|| "map count".into());
            return Some(Finding::new(
                FindingKind::MapMismatch,
                engines,
                &differing,
                observed,
                format!(
                    "internal map {differing} differs between {} and {}",
                    base.name, other.name
                ),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;

    fn engines() -> Vec<Box<dyn Engine>> {
        engine::available()
            .iter()
            .map(|n| engine::build(n).unwrap())
            .collect()
    }

    #[test]
    fn agreeing_module_has_no_findings() {
        let wat = r#"(module (memory (export "m") 1) (global (export "g") (mut i32) (i32.const 0))
            (func (export "f") (param i32) (result i32) (global.set 0 (local.get 0)) (i32.store (i32.const 8) (local.get 0)) (i32.div_s (i32.const 100) (local.get 0))))"#;
        let out = run_case(
            &wat::parse_str(wat).unwrap(),
            &engines(),
            crate::generate::case_limits(),
        );
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!(out.calls, 3);
        assert!(
            out.per_engine["wasmi"].trapped >= 1,
            "zero divisor traps: {:?}",
            out.per_engine
        );
    }

    /// wasmi reports an element segment past its table as a table error;
    /// it is read as the trap it is, so the case is compared, not inconclusive.
    #[test]
    fn an_element_segment_out_of_bounds_traps_in_every_engine() {
        let wat = r#"(module (table 2 funcref) (func $f) (elem (i32.const 1) func $f $f))"#;
        let out = run_case(
            &wat::parse_str(wat).unwrap(),
            &engines(),
            crate::generate::case_limits(),
        );
        assert_eq!(out.inconclusive, None);
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        for r in out.instantiate.values() {
            assert_eq!(
                *r,
                InstantiateResult::Trapped(tierdiff_runtime::TrapCode::TableOutOfBounds)
            );
        }
    }

    /// An engine under test with semantics of its own: the classic tier,
    /// with every NaN result's payload changed and, past a call depth of
    /// its own, stack exhaustion where ours returns.
    struct Own;

    struct OwnInstance(Box<dyn EngineInstance>);

    impl Engine for Own {
        fn name(&self) -> &str {
            "own"
        }
        fn is_reference(&self) -> bool {
            false
        }
        fn exact(&self) -> bool {
            false
        }
        fn instantiate_wasi(
            &self,
            bytes: &[u8],
            limits: Limits,
            wasi: Option<&WasiConfig>,
        ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
            let inner = engine::build("classic").unwrap();
            Ok(Box::new(OwnInstance(
                inner.instantiate_wasi(bytes, limits, wasi)?,
            )))
        }
    }

    impl EngineInstance for OwnInstance {
        fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
            match export {
                "deep" => return CallResult::Trapped(TrapCode::CallStackExhausted),
                "off" => return CallResult::Returned(vec![Value::I32(6)]),
                _ => {}
            }
            match self.0.call(export, args) {
                CallResult::Returned(v) => CallResult::Returned(
                    v.into_iter()
                        .map(|x| match x {
                            Value::F32(b) if f32::from_bits(b).is_nan() => Value::F32(b | 1),
                            other => other,
                        })
                        .collect(),
                ),
                other => other,
            }
        }
        fn globals(&mut self) -> Vec<(String, Value)> {
            self.0.globals()
        }
        fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
            self.0.visit_memories(visit)
        }
        fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
            self.0.tables()
        }
        fn violations(&self) -> Vec<tierdiff_runtime::Violation> {
            Vec::new()
        }
        fn shared_map_snapshots(&self) -> Vec<tierdiff_runtime::MapSnapshot> {
            Vec::new()
        }
    }

    /// NaN bits and its own exhaustion are an inexact engine's business,
    /// its empty map snapshots are not compared, and anything else it does
    /// differently is a finding naming it.
    #[test]
    fn an_engine_with_its_own_semantics_is_judged_as_a_reference_is() {
        let wat = r#"(module (memory (export "m") 1)
            (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
            (func (export "deep") (result i32) (i32.const 3))
            (func (export "five") (result i32) (i32.const 5))
            (func (export "off") (result i32) (i32.const 5)))"#;
        let wasm = wat::parse_str(wat).unwrap();
        // The base (first) tier is ours whatever the order given.
        let engines: Vec<Box<dyn Engine>> = vec![
            Box::new(Own),
            engine::build("classic").unwrap(),
            engine::build("fast").unwrap(),
        ];
        let calls = |names: &[&str]| CaseOptions {
            calls: Some(
                names
                    .iter()
                    .map(|n| PlannedCall {
                        export: n.to_string(),
                        args: Vec::new(),
                    })
                    .collect(),
            ),
            ..CaseOptions::default()
        };
        let limits = crate::generate::case_limits();
        let out = run_case_with(&wasm, &engines, limits, calls(&["nan", "five"]));
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!((out.calls, out.inconclusive), (2, None));
        let out = run_case_with(&wasm, &engines, limits, calls(&["deep", "five"]));
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!(
            out.inconclusive,
            Some(InconclusiveReason::ReferenceExhausted)
        );
        let out = run_case_with(&wasm, &engines, limits, calls(&["five", "off"]));
        let finding = out.findings.first().expect("a finding");
        assert_eq!(finding.kind, FindingKind::ResultMismatch);
        assert_eq!(finding.engines, vec!["classic", "own"]);
        assert_eq!(finding.call_index, Some(1));
    }

    /// The reference does not run a call the tiers ran out of fuel on: it
    /// could not judge it, and its own fuel would let an endless loop run
    /// for seconds.
    #[test]
    fn a_call_the_tiers_ran_out_of_fuel_on_skips_the_reference() {
        let wat = r#"(module (func (export "spin") (loop (br 0))))"#;
        let limits = Limits {
            fuel: Some(1_000),
            ..crate::generate::case_limits()
        };
        let options = CaseOptions {
            calls: Some(vec![PlannedCall {
                export: "spin".into(),
                args: Vec::new(),
            }]),
            ..CaseOptions::default()
        };
        let out = run_case_with(&wat::parse_str(wat).unwrap(), &engines(), limits, options);
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!(out.inconclusive, Some(InconclusiveReason::TiersOutOfFuel));
        assert_eq!(out.per_engine["classic"].out_of_fuel, 1);
        assert!(
            !out.per_engine.contains_key("wasmi"),
            "{:?}",
            out.per_engine
        );
    }

    fn judged(results: &[(&str, bool, InstantiateResult)]) -> InstantiationVerdict {
        let results: Vec<(String, bool, InstantiateResult)> = results
            .iter()
            .map(|(n, reference, r)| (n.to_string(), *reference, r.clone()))
            .collect();
        compare_instantiation(&results, &[])
    }

    fn refused(kind: PrepareErrorKind) -> InstantiateResult {
        InstantiateResult::Refused {
            kind,
            message: "jit tier: no translation for I32Popcnt".into(),
        }
    }

    /// A tier's internal error is a finding even when no other engine ran
    /// the module; it names the tier and the error.
    #[test]
    fn an_internal_prepare_error_is_a_prepare_failure() {
        let v = judged(&[
            ("classic", false, InstantiateResult::Ok),
            ("jit", false, refused(PrepareErrorKind::Internal)),
            ("wasmi", true, InstantiateResult::Ok),
        ]);
        let f = v.finding.expect("a finding");
        assert_eq!(f.kind, FindingKind::PrepareFailure);
        assert_eq!(f.signature, "prepare-failure:jit:internal");
        assert!(f.message.contains("I32Popcnt"), "{}", f.message);
        assert!(!v.run_calls);
        assert_eq!(v.inconclusive, None);
    }

    /// A named limit or a declared gap in one tier, where another tier or a
    /// reference ran the module, is a mismatch, never inconclusive.
    #[test]
    fn a_tier_refusing_what_others_ran_is_an_instantiate_mismatch() {
        let v = judged(&[
            ("classic", false, InstantiateResult::Ok),
            ("fast", false, refused(PrepareErrorKind::Limit)),
        ]);
        let f = v.finding.expect("a finding");
        assert_eq!(f.kind, FindingKind::InstantiateMismatch);
        assert_eq!(
            f.signature,
            "instantiate-mismatch:classic-vs-fast:classic=ok,fast=refused-limit"
        );
        let v = judged(&[
            ("classic", false, refused(PrepareErrorKind::Unsupported)),
            ("fast", false, refused(PrepareErrorKind::Unsupported)),
            ("wasmi", true, InstantiateResult::Ok),
        ]);
        assert_eq!(
            v.finding.expect("a finding").kind,
            FindingKind::InstantiateMismatch
        );
        let v = judged(&[
            ("classic", false, refused(PrepareErrorKind::Unsupported)),
            ("fast", false, refused(PrepareErrorKind::Unsupported)),
            (
                "wasmi",
                true,
                InstantiateResult::Rejected("unsupported".into()),
            ),
        ]);
        assert!(v.finding.is_none());
        assert_eq!(v.inconclusive, Some(InconclusiveReason::TiersRefused));
    }

    /// A reference's own limit leaves it out, with that reason; the tiers
    /// still run the calls and are compared.
    #[test]
    fn a_reference_limit_is_a_reason_not_a_failure() {
        let v = judged(&[
            ("classic", false, InstantiateResult::Ok),
            ("fast", false, InstantiateResult::Ok),
            (
                "wasmi",
                true,
                InstantiateResult::EngineLimit("too many locals".into()),
            ),
            ("wasmtime", true, InstantiateResult::Ok),
        ]);
        assert!(v.finding.is_none(), "{:?}", v.finding);
        assert!(v.run_calls);
        assert_eq!(v.inconclusive, Some(InconclusiveReason::ReferenceLimit));
    }

    /// Exhaustion in a start function is judged among the tiers: alike is
    /// inconclusive with the tiers' reason, different is a mismatch.
    #[test]
    fn start_function_exhaustion_is_compared_among_the_tiers() {
        let fuel = InstantiateResult::Trapped(TrapCode::OutOfFuel);
        let v = judged(&[
            ("classic", false, fuel.clone()),
            ("fast", false, fuel.clone()),
            ("wasmi", true, InstantiateResult::Ok),
        ]);
        assert!(v.finding.is_none());
        assert_eq!(v.inconclusive, Some(InconclusiveReason::TiersOutOfFuel));
        let v = judged(&[
            ("classic", false, fuel),
            ("fast", false, InstantiateResult::Ok),
        ]);
        assert_eq!(
            v.finding.expect("a finding").kind,
            FindingKind::InstantiateMismatch
        );
        let v = judged(&[
            ("classic", false, InstantiateResult::Ok),
            (
                "wasmi",
                true,
                InstantiateResult::Trapped(TrapCode::CallStackExhausted),
            ),
        ]);
        assert!(v.run_calls);
        assert_eq!(v.inconclusive, Some(InconclusiveReason::ReferenceExhausted));
    }

    /// Every engine refusing under the case's memory limits is agreement,
    /// counted apart; tiers refusing what a reference ran is not.
    #[test]
    fn store_limits_are_compared_with_the_references() {
        let resource = InstantiateResult::Resource("max-memory-pages".into());
        let v = judged(&[
            ("classic", false, resource.clone()),
            ("wasmi", true, resource.clone()),
        ]);
        assert!(v.finding.is_none());
        assert_eq!(v.inconclusive, Some(InconclusiveReason::ResourceLimit));
        let v = judged(&[
            ("classic", false, resource),
            ("wasmi", true, InstantiateResult::Ok),
        ]);
        assert_eq!(
            v.finding.expect("a finding").kind,
            FindingKind::ReferenceDisagreement
        );
    }

    #[test]
    fn every_reason_round_trips_through_its_name() {
        use InconclusiveReason as I;
        for reason in [
            I::TiersOutOfFuel,
            I::TiersCallStackExhausted,
            I::ReferenceExhausted,
            I::ReferenceLimit,
            I::EngineLeftOut,
            I::ResourceLimit,
            I::TiersRefused,
            I::Unknown,
        ] {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, serde_json::json!(reason.name()));
            assert_eq!(serde_json::from_value::<I>(json).unwrap(), reason);
        }
        assert_eq!(
            serde_json::from_value::<I>(serde_json::json!("from-a-newer-tierdiff")).unwrap(),
            I::Unknown
        );
    }

    #[test]
    fn signatures_are_file_name_safe() {
        let s = signature(
            FindingKind::TrapMismatch,
            &["classic".into(), "wasmi".into()],
            "a=b c/d",
        );
        assert_eq!(s, "trap-mismatch:classic-vs-wasmi:a=b_c_d");
    }
}
