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
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use tierdiff_runtime::wasi::WasiConfig;
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
    /// Run as a WASI program (see [`WasiSpec`]); absent for plain modules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasi: Option<WasiSpec>,
    /// Calls in order, on one instance per engine. With `wasi` and no
    /// calls, `_start` is called and must end with `wasi.exit_code`.
    #[serde(default)]
    pub calls: Vec<CallSpec>,
    /// Exported globals after the last call, as `TYPE:VALUE`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub globals: BTreeMap<String, String>,
}

/// A WASI program's world and what it must print. Everything runs under
/// the deterministic defaults of `tierdiff_runtime::wasi`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasiSpec {
    /// `argv`, program name first.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment as `KEY=VALUE`.
    #[serde(default)]
    pub env: Vec<String>,
    /// Bytes on stdin (UTF-8 text).
    #[serde(default)]
    pub stdin: String,
    /// Seed of `random_get` (default: the runtime's fixed seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Expected stdout, exactly; unchecked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// Expected stderr, exactly; unchecked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// Expected exit code of the implicit `_start` call (default 0;
    /// returning from `_start` counts as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u32>,
}

impl WasiSpec {
    /// The runtime configuration this case runs with.
    pub fn config(&self) -> WasiConfig {
        let d = WasiConfig::default();
        WasiConfig {
            args: self.args.clone(),
            env: self.env.clone(),
            stdin: self.stdin.clone().into_bytes(),
            seed: self.seed.unwrap_or(d.seed),
            ..d
        }
    }
}

/// Limits overrides.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    pub fuel: Option<u64>,
    pub max_call_depth: Option<u32>,
    pub max_memory_pages: Option<u32>,
    pub max_table_elements: Option<u32>,
    /// Bytes of all memories and tables together (`Limits::memory_budget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_budget: Option<u64>,
    /// The JIT's compile mode (`Limits::jit_compile`), when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_compile: Option<tierdiff_runtime::JitCompile>,
    /// Cranelift's configuration (`Limits::jit_codegen`), when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_codegen: Option<tierdiff_runtime::JitCodegen>,
    /// Call the case's functions from a second instance
    /// (`Limits::call_through_forwarder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_through_forwarder: Option<bool>,
}

/// One call and its expectation: exactly one of `expect` (results), `trap`
/// or `exit` (a WASI `proc_exit` code).
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
    /// Expected exit code given to WASI `proc_exit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<u32>,
}

/// A case ready to run.
pub struct LoadedCase {
    pub name: String,
    pub wasm: Vec<u8>,
    pub spec: CaseSpec,
    pub limits: Limits,
    calls: Vec<(String, Vec<Value>, CallResult)>,
    globals: Vec<(String, Value)>,
    wasi: Option<WasiConfig>,
}

/// Whether a call did what was expected; a WASI exit code 0 is also met
/// by returning normally (wasi-libc's `_start` returns when `main` gives 0).
fn meets(got: &CallResult, expected: &CallResult) -> bool {
    got.same(expected)
        || matches!((got, expected), (CallResult::Returned(v), CallResult::Exited(0)) if v.is_empty())
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
        let expected = match (&c.expect, &c.trap, c.exit) {
            (None, None, Some(code)) => CallResult::Exited(code),
            (Some(values), None, None) => CallResult::Returned(
                values
                    .iter()
                    .map(|v| input::parse_arg(v))
                    .collect::<Result<_, _>>()
                    .map_err(|e| InputError(format!("{shown}: call {i}: {e}")))?,
            ),
            (None, Some(t), None) => CallResult::Trapped(
                trap_by_name(t)
                    .ok_or_else(|| InputError(format!("{shown}: call {i}: unknown trap {t:?}")))?,
            ),
            _ => {
                return Err(InputError(format!(
                    "{shown}: call {i}: give exactly one of \"expect\", \"trap\" and \"exit\""
                )))
            }
        };
        calls.push((c.invoke.clone(), args, expected));
    }
    if let (Some(w), true) = (&spec.wasi, calls.is_empty()) {
        calls.push((
            "_start".into(),
            Vec::new(),
            CallResult::Exited(w.exit_code.unwrap_or(0)),
        ));
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
        memory_budget: l.memory_budget.unwrap_or(d.memory_budget),
        jit_compile: l.jit_compile.unwrap_or(d.jit_compile),
        jit_codegen: l.jit_codegen.unwrap_or(d.jit_codegen),
        call_through_forwarder: l.call_through_forwarder.unwrap_or(d.call_through_forwarder),
    };
    let wasi = spec.wasi.as_ref().map(WasiSpec::config);
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
        wasi,
    })
}

/// Runs a case in every engine; returns one line per difference. An engine
/// that panics (wasmi has been seen to) fails the case with a `crashed`
/// line; the other engines and cases still run.
pub fn check_case(case: &LoadedCase, engines: &[Box<dyn Engine>]) -> Vec<String> {
    let mut problems = Vec::new();
    'engines: for engine in engines {
        if engine.is_reference() && case.spec.skip_reference.is_some() {
            continue;
        }
        let name = engine.name();
        let instantiated = catch_unwind(AssertUnwindSafe(|| {
            engine.instantiate_wasi(&case.wasm, case.limits, case.wasi.as_ref())
        }));
        let mut instance = match instantiated {
            Ok(Ok(i)) => i,
            Ok(Err(e)) => {
                problems.push(format!("{name}: instantiation: {e:?}"));
                continue;
            }
            Err(p) => {
                problems.push(format!(
                    "{name}: instantiation crashed: {}",
                    crate::compare::panic_message(p)
                ));
                continue;
            }
        };
        for (i, (export, args, expected)) in case.calls.iter().enumerate() {
            let got = catch_unwind(AssertUnwindSafe(|| instance.call(export, args)))
                .unwrap_or_else(|p| CallResult::Crashed(crate::compare::panic_message(p)));
            let crashed = matches!(got, CallResult::Crashed(_));
            if crashed || !meets(&got, expected) {
                let shown: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                let what = if crashed {
                    got.describe()
                } else {
                    format!("expected {}, got {}", expected.describe(), got.describe())
                };
                problems.push(format!(
                    "{name}: call {i} {export}({}): {what}",
                    shown.join(", ")
                ));
            }
            if crashed {
                // The instance is in no state to answer further calls.
                continue 'engines;
            }
        }
        check_globals(&mut *instance, &case.globals, name, &mut problems);
        if let Some(w) = &case.spec.wasi {
            let out = instance.wasi_output().unwrap_or_default();
            for (stream, want, got) in [
                ("stdout", &w.stdout, &out.stdout),
                ("stderr", &w.stderr, &out.stderr),
            ] {
                if let Some(want) = want.as_ref().filter(|w| w.as_bytes() != got.as_slice()) {
                    problems.push(format!(
                        "{name}: {stream}: expected {want:?}, got {:?}",
                        String::from_utf8_lossy(got)
                    ));
                }
            }
        }
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

/// Every available engine (the selected set, see [`engine::available`]).
pub fn all_engines() -> Vec<Box<dyn Engine>> {
    engine::available()
        .iter()
        .map(|n| engine::open(n).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}
