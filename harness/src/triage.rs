//! Deciding whose bug a reference disagreement is.
//!
//! When every tier agrees and wasmi differs (a `reference-disagreement`, or
//! wasmi alone crashing), [`settle`] re-runs the case with wasmtime as a
//! second, independent reference:
//!
//! * wasmtime sides with the tiers: wasmi's own bug, a `reference-bug`
//!   (reported, not a failure);
//! * wasmtime sides with wasmi (or differs from the tiers too): it stays a
//!   `reference-disagreement`, a likely common-mode bug of ours;
//! * wasmtime cannot tell (its own limits ran out, or the build left it out):
//!   only a known-bug rewrite below can still confirm a wasmi bug.
//!
//! Reference bugs are grouped by root cause: a known pattern's tag, or for
//! an unknown one what differed with value types left out (one wasmi bug
//! shows up with every result type).
//!
//! The known wasmi 2.0.0 bugs are confirmed per finding rather than guessed
//! from a pattern.
//!
//! wasmi 2.0.0 miscompiles `select` when its condition is `i32.eqz`,
//! `i32.eq x 0` or `i32.ne x 0` applied directly to a local (see
//! corpus/README.md). A reference disagreement is put down to that bug only
//! if it disappears once every such condition is passed through
//! `i32.const 0; i32.or` (which changes no value but defeats wasmi's fusion).
//!
//! wasmi 2.0.0 also loses a `local.get` value lying below the parameters of
//! a `block`, `if` or `loop` when a parameter is not itself a `local.get`:
//! on entry it leaves that value as a lazy read of the local, and the copy
//! that saves it later (a nested `loop`/`block`/`if`, a `local.set`) runs on
//! one path only, so the other path reads a stack slot nobody wrote (see
//! corpus/README.md). Such a disagreement is put down to that bug only if it
//! disappears once an empty `block end` stands before every `block`, `if` and
//! `loop` that takes parameters (a no-op in the spec, but it makes wasmi save
//! every pending `local.get` before the block starts).

use crate::compare::{self, CaseOptions, CaseOutcome, Finding, FindingKind};
use crate::engine::{self, Engine};
use tierdiff_runtime::Limits;

/// Appended to a confirmed finding's signature.
pub const WASMI_SELECT_EQZ: &str = "known-wasmi-select-eqz";

/// Appended to the signature of a finding confirmed as the if-parameter bug.
pub const WASMI_IF_PARAM_LOCAL: &str = "known-wasmi-if-param-local";

/// The module with every `select` condition that wasmi may fuse rewritten;
/// `None` when there is none.
fn defuse_select_conditions(wasm: &[u8]) -> Option<Vec<u8>> {
    let text = wasmprinter::print_bytes(wasm).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let cond = matches!(line.trim(), "i32.eqz" | "i32.eq" | "i32.ne");
        if cond
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("select"))
        {
            out.push_str("i32.const 0\ni32.or\n");
            changed = true;
        }
    }
    changed.then(|| wat::parse_str(&out).ok()).flatten()
}

/// Whether a rewritten module exists and shows no reference disagreement.
fn disagreement_vanishes(
    patched: Option<Vec<u8>>,
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) -> bool {
    let Some(patched) = patched else {
        return false;
    };
    // The rewrites keep every export and type, so the case's calls apply.
    let options = CaseOptions {
        calls: options.calls.clone(),
        wasi: options.wasi.clone(),
        ..CaseOptions::default()
    };
    !compare::run_case_with(&patched, engines, limits, options).has_reference_disagreement()
}

/// Whether the reference disagreements of `wasm` are the known wasmi bug.
pub fn is_wasmi_select_bug(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) -> bool {
    disagreement_vanishes(defuse_select_conditions(wasm), engines, limits, options)
}

/// The module with an empty `block end` put before every `block`, `if` and
/// `loop` that takes parameters; `None` when there is none.
fn defuse_param_blocks(wasm: &[u8]) -> Option<Vec<u8>> {
    let text = wasmprinter::print_bytes(wasm).ok()?;
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for line in text.lines() {
        let code = line.split(";;").next().unwrap_or_default().trim();
        let opens_block = matches!(
            code.split_whitespace().next(),
            Some("block" | "if" | "loop")
        );
        if opens_block && code.contains("(param ") {
            out.push_str("block\nend\n");
            changed = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    changed.then(|| wat::parse_str(&out).ok()).flatten()
}

/// Whether the reference disagreements of `wasm` are the known wasmi bug
/// with values below the parameters of a block.
pub fn is_wasmi_if_param_bug(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) -> bool {
    disagreement_vanishes(defuse_param_blocks(wasm), engines, limits, options)
}

/// The known wasmi bug behind the reference disagreements of `wasm`: the tag
/// to append to their signatures and a note for their messages. `None` when
/// no rewrite makes them go away.
pub fn known_wasmi_bug(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) -> Option<(&'static str, &'static str)> {
    if is_wasmi_select_bug(wasm, engines, limits, options) {
        return Some((
            WASMI_SELECT_EQZ,
            "the known wasmi 2.0.0 select bug: gone once select conditions are rewritten",
        ));
    }
    if is_wasmi_if_param_bug(wasm, engines, limits, options) {
        return Some((
            WASMI_IF_PARAM_LOCAL,
            "the known wasmi 2.0.0 if-parameter bug: gone once an empty block precedes every block with parameters",
        ));
    }
    None
}

/// What the tie-breaking reference made of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TieBreak {
    /// It agreed with every tier on every call and on the state.
    SidesWithTiers,
    /// It differed from the tiers too.
    DiffersFromTiers,
    /// Its own limits ran out, or it could not run the case.
    Inconclusive,
    /// This build has no tie-breaker (`--no-default-features`).
    Unavailable,
}

impl TieBreak {
    fn describe(self) -> &'static str {
        match self {
            TieBreak::SidesWithTiers => "wasmtime sides with the tiers",
            TieBreak::DiffersFromTiers => "wasmtime differs from the tiers as well",
            TieBreak::Inconclusive => "wasmtime could not decide (its own limits)",
            TieBreak::Unavailable => "no tie-breaker in this build",
        }
    }
}

/// Re-runs the case in the first tier and the tie-breaking reference.
pub fn tie_break(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) -> TieBreak {
    let Some(tiebreaker) = engine::TIEBREAKER.and_then(engine::build) else {
        return TieBreak::Unavailable;
    };
    // The base of the comparison: the first of our tiers (engines under
    // test from outside follow semantics of their own).
    let Some(tier) = engines
        .iter()
        .find(|e| !e.is_reference() && e.exact())
        .and_then(|e| engine::build(e.name()))
    else {
        return TieBreak::Unavailable;
    };
    let options = CaseOptions {
        calls: options.calls.clone(),
        wasi: options.wasi.clone(),
        ..CaseOptions::default()
    };
    let outcome = compare::run_case_with(wasm, &[tier, tiebreaker], limits, options);
    if outcome
        .findings
        .iter()
        .any(|f| f.kind != FindingKind::InvariantViolation)
    {
        TieBreak::DiffersFromTiers
    } else if outcome.inconclusive.is_some() {
        TieBreak::Inconclusive
    } else {
        TieBreak::SidesWithTiers
    }
}

/// Whether a finding says a reference engine alone differed or crashed.
fn blames_a_reference(f: &Finding, engines: &[Box<dyn Engine>]) -> bool {
    let is_reference = |name: &String| {
        engines
            .iter()
            .any(|e| e.name() == name.as_str() && e.is_reference())
    };
    match f.kind {
        FindingKind::ReferenceDisagreement => true,
        FindingKind::Crash => !f.engines.is_empty() && f.engines.iter().all(is_reference),
        _ => false,
    }
}

/// A reference bug's root-cause group when no known pattern names it: what
/// differed, with value types left out (`returned-i32` and `returned-f64`
/// are one bug). `detail` is the finding signature's third part.
pub fn root_cause(kind: FindingKind, detail: &str) -> String {
    if kind == FindingKind::Crash {
        return format!("crash-{detail}");
    }
    let coarse: Vec<String> = detail
        .split(',')
        .map(|part| match part.split_once("=returned") {
            Some((who, _)) => format!("{who}=returned"),
            None => part.to_string(),
        })
        .collect();
    format!("unknown,{}", coarse.join(","))
}

/// The signature's third part (after `kind:engines:`).
fn signature_detail(signature: &str) -> &str {
    signature.splitn(3, ':').nth(2).unwrap_or_default()
}

/// Settles the case's reference disagreements and reference-only crashes:
/// each becomes a `reference-bug` grouped by root cause when the
/// tie-breaker (or a known-bug rewrite) clears the tiers, and otherwise
/// stays a failure with the tie-breaker's view in its message. Does nothing
/// (and runs nothing) when there is no such finding.
pub fn settle(
    outcome: &mut CaseOutcome,
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: &CaseOptions,
) {
    if !outcome
        .findings
        .iter()
        .any(|f| blames_a_reference(f, engines))
    {
        return;
    }
    let tie = tie_break(wasm, engines, limits, options);
    let known = if outcome.has_reference_disagreement() {
        known_wasmi_bug(wasm, engines, limits, options)
    } else {
        None
    };
    for f in outcome.findings.iter_mut() {
        if !blames_a_reference(f, engines) {
            continue;
        }
        let pattern = known.filter(|_| f.kind == FindingKind::ReferenceDisagreement);
        let cleared = match tie {
            TieBreak::SidesWithTiers => true,
            TieBreak::DiffersFromTiers => false,
            TieBreak::Inconclusive | TieBreak::Unavailable => pattern.is_some(),
        };
        let mut note = tie.describe().to_string();
        if let Some((tag, why)) = pattern {
            note = format!("{note}; {why} ({tag})");
        }
        if !cleared {
            f.message = format!("{} ({note})", f.message);
            continue;
        }
        let group = match pattern {
            Some((tag, _)) => tag.to_string(),
            None => root_cause(f.kind, signature_detail(&f.signature)),
        };
        let blamed: Vec<String> = f
            .engines
            .iter()
            .filter(|e| *e != "tiers")
            .cloned()
            .collect();
        f.variant = Some(f.signature.clone());
        f.signature = compare::signature(FindingKind::ReferenceBug, &blamed, &group);
        f.kind = FindingKind::ReferenceBug;
        f.engines = blamed;
        f.message = format!("reference bug: {} ({note})", f.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUGGY: &str = r#"(module (func (export "g") (param i32) (result i32)
        i32.const 7 i32.const 1 local.get 0 local.get 0 i32.eqz select i32.div_u))"#;

    #[test]
    fn the_known_bug_is_confirmed_and_other_modules_are_not() {
        let engines = crate::corpus::all_engines();
        let limits = Limits::default();
        let buggy = wat::parse_str(BUGGY).unwrap();
        assert!(
            compare::run_case(&buggy, &engines, limits).has_reference_disagreement(),
            "wasmi 2.0.0 still has the bug"
        );
        assert!(is_wasmi_select_bug(
            &buggy,
            &engines,
            limits,
            &CaseOptions::default()
        ));
        let plain =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        assert!(!is_wasmi_select_bug(
            &plain,
            &engines,
            limits,
            &CaseOptions::default()
        ));
    }

    /// `f(5, 1)` runs the loop, which saves `x` into a stack slot; `f(9, 0)`
    /// does not, and wasmi reads the slot the first call left (5, spec 9).
    const IF_PARAM: &str = r#"(module
        (func $f (param $x i32) (param $c i32) (result i32)
            local.get $x i32.const 7 local.get $c
            if (param i32) drop loop end else drop end)
        (func (export "g") (result i32)
            (drop (call $f (i32.const 5) (i32.const 1)))
            (call $f (i32.const 9) (i32.const 0))))"#;

    #[test]
    fn the_if_param_bug_is_confirmed_and_told_apart_from_the_select_bug() {
        let engines = crate::corpus::all_engines();
        let limits = Limits::default();
        let buggy = wat::parse_str(IF_PARAM).unwrap();
        assert!(
            compare::run_case(&buggy, &engines, limits).has_reference_disagreement(),
            "wasmi 2.0.0 still has the bug"
        );
        assert!(is_wasmi_if_param_bug(
            &buggy,
            &engines,
            limits,
            &CaseOptions::default()
        ));
        assert!(!is_wasmi_select_bug(
            &buggy,
            &engines,
            limits,
            &CaseOptions::default()
        ));
        let tag = |wasm: &[u8]| {
            known_wasmi_bug(wasm, &engines, limits, &CaseOptions::default()).map(|(tag, _)| tag)
        };
        assert_eq!(tag(&buggy[..]), Some(WASMI_IF_PARAM_LOCAL));
        let select = wat::parse_str(BUGGY).unwrap();
        assert!(!is_wasmi_if_param_bug(
            &select,
            &engines,
            limits,
            &CaseOptions::default()
        ));
        assert_eq!(tag(&select[..]), Some(WASMI_SELECT_EQZ));
        let plain =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        assert_eq!(tag(&plain[..]), None);
    }

    #[test]
    fn root_causes_ignore_value_types() {
        let kind = FindingKind::ReferenceDisagreement;
        let a = root_cause(kind, "call,tiers=returned-i32,wasmi=returned-i32");
        let b = root_cause(kind, "call,tiers=returned-f64-i64,wasmi=returned-f64-i64");
        assert_eq!(a, b);
        assert_eq!(a, "unknown,call,tiers=returned,wasmi=returned");
        assert_ne!(
            a,
            root_cause(kind, "call,tiers=returned-i32,wasmi=integer-divide-by-zero")
        );
        assert_eq!(root_cause(FindingKind::Crash, "call"), "crash-call");
    }

    /// A stand-in for wasmi that answers one more than the truth for every
    /// i32 result: a reference bug no known pattern describes.
    struct OffByOne;

    struct OffByOneInstance(Box<dyn crate::engine::EngineInstance>);

    impl Engine for OffByOne {
        fn name(&self) -> &str {
            "wasmi"
        }
        fn is_reference(&self) -> bool {
            true
        }
        fn instantiate_wasi(
            &self,
            bytes: &[u8],
            limits: Limits,
            wasi: Option<&tierdiff_runtime::wasi::WasiConfig>,
        ) -> Result<Box<dyn crate::engine::EngineInstance>, crate::outcome::InstantiateResult>
        {
            let inner = crate::reference::WasmiEngine.instantiate_wasi(bytes, limits, wasi)?;
            Ok(Box::new(OffByOneInstance(inner)))
        }
    }

    impl crate::engine::EngineInstance for OffByOneInstance {
        fn call(
            &mut self,
            export: &str,
            args: &[crate::outcome::Value],
        ) -> crate::outcome::CallResult {
            use crate::outcome::{CallResult, Value};
            match self.0.call(export, args) {
                CallResult::Returned(v) => CallResult::Returned(
                    v.into_iter()
                        .map(|x| match x {
                            Value::I32(n) => Value::I32(n.wrapping_add(1)),
                            other => other,
                        })
                        .collect(),
                ),
                other => other,
            }
        }
        fn globals(&mut self) -> Vec<(String, crate::outcome::Value)> {
            self.0.globals()
        }
        fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
            self.0.visit_memories(visit)
        }
        fn tables(&mut self) -> Vec<(String, Vec<crate::outcome::Value>)> {
            self.0.tables()
        }
        fn violations(&self) -> Vec<tierdiff_runtime::Violation> {
            self.0.violations()
        }
        fn shared_map_snapshots(&self) -> Vec<tierdiff_runtime::MapSnapshot> {
            self.0.shared_map_snapshots()
        }
    }

    fn tiers_and(reference: Box<dyn Engine>) -> Vec<Box<dyn Engine>> {
        let mut engines: Vec<Box<dyn Engine>> = crate::corpus::all_engines()
            .into_iter()
            .filter(|e| !e.is_reference())
            .collect();
        engines.push(reference);
        engines
    }

    #[cfg(feature = "wasmtime")]
    #[test]
    fn an_unknown_reference_disagreement_cleared_by_wasmtime_is_a_reference_bug() {
        let wasm = wat::parse_str(
            r#"(module (func (export "add") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.add))"#,
        )
        .unwrap();
        let engines = tiers_and(Box::new(OffByOne));
        let limits = Limits::default();
        let mut outcome = compare::run_case(&wasm, &engines, limits);
        assert!(
            outcome.has_reference_disagreement(),
            "{:?}",
            outcome.findings
        );
        assert_eq!(
            known_wasmi_bug(&wasm, &engines, limits, &CaseOptions::default()),
            None,
            "no known pattern"
        );
        assert_eq!(
            tie_break(&wasm, &engines, limits, &CaseOptions::default()),
            TieBreak::SidesWithTiers
        );
        settle(
            &mut outcome,
            &wasm,
            &engines,
            limits,
            &CaseOptions::default(),
        );
        let [f] = &outcome.findings[..] else {
            panic!("{:?}", outcome.findings)
        };
        assert_eq!(f.kind, FindingKind::ReferenceBug);
        assert!(!f.kind.is_failure());
        assert_eq!(
            f.signature,
            "reference-bug:wasmi:unknown,call,tiers=returned,wasmi=returned"
        );
        assert_eq!(f.engines, ["wasmi"]);
        assert!(f
            .variant
            .as_deref()
            .is_some_and(|v| v.starts_with("reference-disagreement:tiers-vs-wasmi:")));
        assert!(
            f.message.contains("wasmtime sides with the tiers"),
            "{}",
            f.message
        );
    }

    /// Without the tie-breaker only a known-bug rewrite can clear the tiers:
    /// an unknown disagreement stays a failure.
    #[cfg(not(feature = "wasmtime"))]
    #[test]
    fn without_wasmtime_an_unknown_disagreement_stays_a_failure() {
        let wasm = wat::parse_str(
            r#"(module (func (export "add") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.add))"#,
        )
        .unwrap();
        let engines = tiers_and(Box::new(OffByOne));
        let limits = Limits::default();
        let mut outcome = compare::run_case(&wasm, &engines, limits);
        settle(
            &mut outcome,
            &wasm,
            &engines,
            limits,
            &CaseOptions::default(),
        );
        let f = &outcome.findings[0];
        assert_eq!(f.kind, FindingKind::ReferenceDisagreement);
        assert!(f.message.contains("no tie-breaker"), "{}", f.message);
    }
}
