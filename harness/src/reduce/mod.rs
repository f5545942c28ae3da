//! Instruction-level reduction of findings.
//!
//! A case is a module and the calls to make on it. The reducer keeps the
//! smallest case that still fails the same way ([`oracle`]) and tries
//! smaller ones, pass after pass, until a whole round changes nothing or the
//! budget runs out:
//!
//! * [`calls`]: fewer calls, arguments toward 0 and small values;
//! * [`items`]: exports, the start function, every item nothing live refers
//!   to (functions, globals, types, tables, memories, segments), unused
//!   locals; element and data segments cut from either end and tables made
//!   smaller;
//! * [`exprs`]: function bodies, with their types known ([`body`]): a whole
//!   body, a statement list or a subexpression replaced by constants of its
//!   type (nothing when it leaves no value), an operator by one of its
//!   operands, dead code after a branch deleted, blocks whose label no
//!   branch uses unwrapped, an `if` folded to one arm, `br_table` lists
//!   shortened;
//! * [`functions`]: indirect calls through a constant slot made direct,
//!   a function replaced everywhere by another of the same type;
//! * [`external`]: wasm-shrink, as one more pass.
//!
//! Every candidate is re-encoded with wasm-encoder ([`module`]), must be
//! smaller ([`Size`]), must load (`tierdiff_runtime::Module::new`, which
//! validates) and must still fail before it is kept, so the reducer never
//! keeps an invalid module or one that passes. Candidates already turned
//! down are remembered, since passes overlap.
//!
//! # Dev. Note
//!
//! Bodies are rewritten as wasmparser operators, typed by wasmparser's own
//! function validator (stack heights and operand types before and after
//! each operator, see [`body`]), and re-encoded with wasm-encoder, rather
//! than as text through wasmprinter and wat: the validator already knows
//! every operator's types, indices can be renumbered exactly when items go,
//! and no text round trip can turn a candidate into something else.

mod body;
mod calls;
mod exprs;
mod external;
mod functions;
mod items;
mod module;
pub mod oracle;

pub use body::instruction_count;
pub use oracle::{InProcess, Oracle, Ran, Supervised, Target, WorkerProcess};

use crate::outcome::Value;
use crate::plan::PlannedCall;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tierdiff_runtime::module::ExportKind;
use tierdiff_runtime::Module;

/// A module and the calls that show the finding.
#[derive(Clone, Debug)]
pub struct Case {
    pub wasm: Vec<u8>,
    pub calls: Vec<PlannedCall>,
}

/// How big a case is; candidates must be smaller in this order (fewest
/// instructions first, then fewest non-constant ones, bytes, calls, and
/// argument magnitudes), which also guarantees that reduction ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Size {
    /// Operators in function bodies (each body's final `end` not counted).
    pub instructions: usize,
    /// Of those, the ones that are not constants.
    pub computing: usize,
    pub bytes: usize,
    pub calls: usize,
    /// Sum over arguments of their bit length and set bits (floats and
    /// references: 0 or 1).
    pub arg_weight: u64,
}

impl Size {
    /// The size of `case`; `None` when its module does not parse.
    pub fn of(case: &Case) -> Option<Size> {
        let (instructions, constants) = body::counts(&case.wasm)?;
        Some(Size {
            instructions,
            computing: instructions - constants,
            bytes: case.wasm.len(),
            calls: case.calls.len(),
            arg_weight: case
                .calls
                .iter()
                .flat_map(|c| &c.args)
                .map(arg_weight)
                .sum(),
        })
    }
}

/// Bit length plus set bits of an integer's magnitude; 0 or 1 for others.
fn arg_weight(v: &Value) -> u64 {
    let int = |m: u64| (64 - m.leading_zeros() + m.count_ones()) as u64;
    match *v {
        Value::I32(x) => int(x.unsigned_abs() as u64),
        Value::I64(x) => int(x.unsigned_abs()),
        Value::F32(b) => (b != 0) as u64,
        Value::F64(b) => (b != 0) as u64,
        Value::V128(x) => x.count_ones() as u64,
        Value::FuncRef(r) => r.is_some() as u64,
        Value::ExternRef(r) => r.is_some() as u64,
    }
}

/// Limits on one reduction.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub time: Duration,
    /// Candidates to run at most (deterministic, unlike time).
    pub attempts: u64,
    /// Attempts for each wasm-shrink pass.
    pub wasm_shrink_attempts: u32,
}

/// Why reduction stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// A whole round of passes found nothing smaller.
    FixedPoint,
    Time,
    Attempts,
}

/// The outcome of a reduction.
#[derive(Clone, Debug)]
pub struct Reduced {
    pub case: Case,
    pub before: Size,
    pub after: Size,
    /// Candidates run through the oracle, and how many were kept.
    pub tried: u64,
    pub kept: u64,
    pub rounds: u32,
    pub elapsed: Duration,
    pub stop: Stop,
}

/// The search state every pass works on.
pub struct Reducer<'o> {
    oracle: &'o mut dyn Oracle,
    best: Case,
    best_size: Size,
    started: Instant,
    budget: Budget,
    stopped: Option<Stop>,
    tried: u64,
    kept: u64,
    /// Hashes of candidates already rejected (passes overlap).
    rejected: HashSet<u64>,
    progress: indicatif::ProgressBar,
    before: Size,
    pass: &'static str,
}

impl<'o> Reducer<'o> {
    /// The smallest failing case so far.
    pub fn best(&self) -> &Case {
        &self.best
    }

    /// Whether the budget is spent.
    pub fn done(&mut self) -> bool {
        if self.stopped.is_none() {
            if self.started.elapsed() >= self.budget.time {
                self.stopped = Some(Stop::Time);
            } else if self.tried >= self.budget.attempts {
                self.stopped = Some(Stop::Attempts);
            }
        }
        self.stopped.is_some()
    }

    /// Keeps `candidate` if it is smaller, valid, and still fails.
    pub fn try_case(&mut self, candidate: Case) -> bool {
        if self.done() {
            return false;
        }
        let Some(size) = Size::of(&candidate) else {
            return false;
        };
        if size >= self.best_size {
            return false;
        }
        let key = case_hash(&candidate);
        if self.rejected.contains(&key) {
            return false;
        }
        let fits = Module::new(&candidate.wasm).is_ok_and(|m| calls_fit(&m, &candidate.calls));
        if !fits {
            self.rejected.insert(key);
            return false;
        }
        self.tried += 1;
        if !self.oracle.fails(&candidate) {
            self.rejected.insert(key);
            self.show();
            return false;
        }
        self.kept += 1;
        self.best = candidate;
        self.best_size = size;
        self.show();
        true
    }

    /// [`Reducer::try_case`] with the current calls.
    pub fn try_wasm(&mut self, wasm: Vec<u8>) -> bool {
        let calls = self.best.calls.clone();
        self.try_case(Case { wasm, calls })
    }

    /// [`Reducer::try_case`] with the current module.
    pub fn try_calls(&mut self, calls: Vec<PlannedCall>) -> bool {
        let wasm = self.best.wasm.clone();
        self.try_case(Case { wasm, calls })
    }

    /// Delta debugging over a list whose length `len` reads from the
    /// current case: tries removing chunks of half its length, then
    /// quarters, down to `min_chunk`; after a kept removal the same place is
    /// tried again.
    pub fn remove_chunks(
        &mut self,
        min_chunk: usize,
        len: impl Fn(&Reducer) -> usize,
        mut try_without: impl FnMut(&mut Reducer, std::ops::Range<usize>) -> bool,
    ) {
        let mut chunk = (len(self) / 2).max(1);
        while chunk >= min_chunk.max(1) && !self.done() {
            let mut at = 0;
            while at < len(self) && !self.done() {
                let end = (at + chunk).min(len(self));
                if !try_without(self, at..end) {
                    at += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }

    fn show(&self) {
        let (b, n) = (self.before, self.best_size);
        self.progress.set_message(format!(
            "{}: {} -> {} instructions, {} -> {} bytes, {} -> {} calls; {} tried, {} kept",
            self.pass,
            b.instructions,
            n.instructions,
            b.bytes,
            n.bytes,
            b.calls,
            n.calls,
            self.tried,
            self.kept
        ));
        self.progress.tick();
    }
}

fn case_hash(case: &Case) -> u64 {
    let calls = serde_json::to_vec(&case.calls).expect("calls serialise");
    crate::plan::fnv1a(&case.wasm) ^ crate::plan::fnv1a(&calls).rotate_left(1)
}

/// Whether every call names an exported function taking arguments of these types.
pub fn calls_fit(module: &Module, calls: &[PlannedCall]) -> bool {
    calls.iter().all(|c| {
        module.export(&c.export).is_some_and(|e| {
            e.kind == ExportKind::Func && {
                let params = &module.func_type(e.index).params;
                params.len() == c.args.len()
                    && params
                        .iter()
                        .zip(&c.args)
                        .all(|(&t, a)| crate::plan::edge(t, 0).type_name() == a.type_name())
            }
        })
    })
}

/// A pass: tries candidates through the reducer.
type Pass = fn(&mut Reducer);

/// The passes of one round, in order: cheap and far-reaching first.
const PASSES: [(&str, Pass); 14] = [
    ("calls", calls::fewer_calls),
    ("exports", items::exports),
    ("unused items", items::unused),
    ("function bodies", exprs::whole_bodies),
    ("unused items", items::unused),
    ("direct calls", functions::direct_calls),
    ("merged functions", functions::merge),
    ("dead code", exprs::dead_code),
    ("statements", exprs::statements),
    ("expressions", exprs::walk),
    ("unused items", items::unused),
    ("locals", items::locals),
    ("segments and tables", items::segments),
    ("arguments", calls::smaller_args),
];

/// Reduces `case`, which must fail under `oracle`, within `budget`.
pub fn reduce(
    case: Case,
    oracle: &mut dyn Oracle,
    budget: Budget,
    progress: &indicatif::ProgressBar,
) -> Result<Reduced, String> {
    let before = Size::of(&case).ok_or("the module does not parse")?;
    let mut r = Reducer {
        oracle,
        best: case,
        best_size: before,
        started: Instant::now(),
        budget,
        stopped: None,
        tried: 0,
        kept: 0,
        rejected: HashSet::new(),
        progress: progress.clone(),
        before,
        pass: "start",
    };
    if let Err(module::Unsupported(why)) = module::Items::parse(&r.best.wasm) {
        progress.println(format!(
            "the reducer cannot take this module apart ({why}); only calls, arguments and wasm-shrink will work on it"
        ));
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        let at_start = r.best_size;
        for (name, pass) in PASSES {
            if r.done() {
                break;
            }
            r.pass = name;
            r.show();
            pass(&mut r);
        }
        if r.best_size == at_start && !r.done() {
            r.pass = "wasm-shrink";
            r.show();
            external::wasm_shrink(&mut r);
            if r.best_size == at_start {
                break;
            }
        }
        if r.done() {
            break;
        }
    }
    Ok(Reduced {
        after: r.best_size,
        before,
        tried: r.tried,
        kept: r.kept,
        rounds,
        elapsed: r.started.elapsed(),
        stop: r.stopped.unwrap_or(Stop::FixedPoint),
        case: r.best,
    })
}
