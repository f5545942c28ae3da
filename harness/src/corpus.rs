//! Saved cases: the regression corpus format and checking a case in every
//! engine.
//!
//! A regression case is `corpus/regressions/<name>.wat` (or `.wasm`) with
//! `<name>.json` beside it (format in `corpus/README.md`): the calls to
//! make, what each must produce, the bug class it guards and where it came
//! from. Every engine must produce exactly the expectation, and no tier may
//! report an internal-map violation.

use crate::engine::{self, Engine, EngineInstance};
use crate::input::{self, InputError};
use crate::outcome::{CallResult, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tierdiff_runtime::{Limits, TrapCode};

/// One regression case as stored in its JSON file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// What the case checks, in a sentence.
    pub description: String,
    /// The cross-mode bug class it guards (see corpus/README.md).
    pub bug_class: String,
    /// Where it came from: hand-written, a fuzz finding (seed/case), an issue.
    pub origin: String,
    /// Limits to run with; omitted fields take the runtime defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsSpec>,
    /// Set when the reference engine cannot run this case, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reference: Option<String>,
    /// Calls in order, on one instance per engine.
    pub calls: Vec<CallSpec>,
    /// Exported globals after the last call, as `TYPE:VALUE`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub globals: BTreeMap<String, String>,
}

/// Limits overrides.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    pub fuel: Option<u64>,
    pub max_call_depth: Option<u32>,
    pub max_memory_pages: Option<u32>,
    pub max_table_elements: Option<u32>,
}

/// One call and its expectation: exactly one of `expect` (results) or `trap`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    pub invoke: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Expected results as `TYPE:VALUE` (`f32:nan` matches any NaN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Vec<String>>,
    /// Expected trap code name, e.g. `integer-divide-by-zero`, `out-of-fuel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trap: Option<String>,
}

/// A case ready to run.
pub struct LoadedCase {
    pub name: String,
    pub wasm: Vec<u8>,
    pub spec: CaseSpec,
    pub limits: Limits,
    calls: Vec<(String, Vec<Value>, CallResult)>,
    globals: Vec<(String, Value)>,
}

fn trap_by_name(name: &str) -> Option<TrapCode> {
    TrapCode::ALL.into_iter().find(|c| c.name() == name)
}

/// Finds the module beside a case's JSON: `<stem>.wat` or `<stem>.wasm`.
pub fn module_beside(json: &Path) -> Option<PathBuf> {
    ["wat", "wasm"]
        .iter()
        .map(|ext| json.with_extension(ext))
        .find(|p| p.is_file())
}

/// Reads and checks a regression case's JSON and module.
pub fn load_case(json: &Path) -> Result<LoadedCase, InputError> {
    let shown = json.display();
    let text = std::fs::read_to_string(json)
        .map_err(|e| InputError(format!("{shown}: cannot read: {e}")))?;
    let spec: CaseSpec = serde_json::from_str(&text)
        .map_err(|e| InputError(format!("{shown}: not a regression case: {e}")))?;
    let module_path = module_beside(json)
        .ok_or_else(|| InputError(format!("{shown}: no .wat or .wasm module beside it")))?;
    let module = input::load_module(&module_path)?;
    let mut calls = Vec::new();
    for (i, c) in spec.calls.iter().enumerate() {
        let args = c
            .args
            .iter()
            .map(|a| input::parse_arg(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| InputError(format!("{shown}: call {i}: {e}")))?;
        let expected = match (&c.expect, &c.trap) {
            (Some(values), None) => CallResult::Returned(
                values
                    .iter()
                    .map(|v| input::parse_arg(v))
                    .collect::<Result<_, _>>()
                    .map_err(|e| InputError(format!("{shown}: call {i}: {e}")))?,
            ),
            (None, Some(t)) => CallResult::Trapped(
                trap_by_name(t)
                    .ok_or_else(|| InputError(format!("{shown}: call {i}: unknown trap {t:?}")))?,
            ),
            _ => {
                return Err(InputError(format!(
                    "{shown}: call {i}: give exactly one of \"expect\" and \"trap\""
                )))
            }
        };
        calls.push((c.invoke.clone(), args, expected));
    }
    let globals = spec
        .globals
        .iter()
        .map(|(n, v)| input::parse_arg(v).map(|v| (n.clone(), v)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError(format!("{shown}: globals: {e}")))?;
    let d = Limits::default();
    let l = spec.limits.clone().unwrap_or_default();
    let limits = Limits {
        fuel: l.fuel.or(d.fuel),
        max_call_depth: l.max_call_depth.unwrap_or(d.max_call_depth),
        max_memory_pages: l.max_memory_pages.unwrap_or(d.max_memory_pages),
        max_table_elements: l.max_table_elements.unwrap_or(d.max_table_elements),
    };
    let name = json
        .file_stem()
        .map_or_else(|| shown.to_string(), |s| s.to_string_lossy().to_string());
    Ok(LoadedCase {
        name,
        wasm: module.bytes.to_vec(),
        spec,
        limits,
        calls,
        globals,
    })
}

/// Runs a case in every engine; returns one line per difference.
pub fn check_case(case: &LoadedCase, engines: &[Box<dyn Engine>]) -> Vec<String> {
    let mut problems = Vec::new();
    for engine in engines {
        if engine.is_reference() && case.spec.skip_reference.is_some() {
            continue;
        }
        let name = engine.name();
        let mut instance = match engine.instantiate(&case.wasm, case.limits) {
            Ok(i) => i,
            Err(e) => {
                problems.push(format!("{name}: instantiation: {e:?}"));
                continue;
            }
        };
        for (i, (export, args, expected)) in case.calls.iter().enumerate() {
            let got = instance.call(export, args);
            if !got.same(expected) {
                let shown: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                problems.push(format!(
                    "{name}: call {i} {export}({}): expected {}, got {}",
                    shown.join(", "),
                    expected.describe(),
                    got.describe()
                ));
            }
        }
        check_globals(&mut *instance, &case.globals, name, &mut problems);
        for v in instance.violations() {
            problems.push(format!("{name}: invariant violation: {v}"));
        }
    }
    problems
}

fn check_globals(
    instance: &mut dyn EngineInstance,
    expected: &[(String, Value)],
    engine: &str,
    problems: &mut Vec<String>,
) {
    if expected.is_empty() {
        return;
    }
    let actual = instance.globals();
    for (name, want) in expected {
        match actual.iter().find(|(n, _)| n == name) {
            Some((_, got)) if got.same(want) => {}
            Some((_, got)) => problems.push(format!(
                "{engine}: global {name:?}: expected {want}, got {got}"
            )),
            None => problems.push(format!("{engine}: no exported global {name:?}")),
        }
    }
}

/// Every available engine.
pub fn all_engines() -> Vec<Box<dyn Engine>> {
    engine::available()
        .iter()
        .map(|n| engine::build(n).expect("available"))
        .collect()
}
