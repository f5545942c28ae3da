//! One path from a case to its verdict, shared by `fuzz`, `run`, `replay`
//! and `shrink` (and the shrink workers), so a case gets the same
//! signature from every command.
//!
//! A case is a module, its calls (explicit, or the plan: `_start` for a
//! WASI program run as one, every export with planned arguments otherwise),
//! its limits and its WASI world, under whatever fault the process has
//! selected. [`judge`] runs it through the engines and lets
//! [`crate::triage`] settle reference disagreements: nothing else decides
//! a finding's signature.

use crate::compare::{self, CaseOptions, CaseOutcome};
use crate::engine::Engine;
use crate::plan::{self, PlannedCall};
use serde::{Deserialize, Serialize};
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::{Limits, Module};

/// Runs a case and settles it: the verdict every command reports.
pub fn judge(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
    options: CaseOptions,
) -> CaseOutcome {
    let mut outcome = compare::run_case_with(wasm, engines, limits, options.clone());
    crate::triage::settle(&mut outcome, wasm, engines, limits, &options);
    outcome
}

/// Why no engine could run a module, when none did and they do not
/// disagree about it (each refused it: invalid, unlinkable, past a limit):
/// bad input for `run`, `replay` and `shrink` of a module, in one line.
/// `None` when some engine ran it, every engine trapped in its start
/// function (an outcome they agree on), or the refusal is a finding.
pub fn refused_by_all(outcome: &CaseOutcome) -> Option<String> {
    use crate::outcome::InstantiateResult;
    let refused = |r: &InstantiateResult| {
        !matches!(
            r,
            InstantiateResult::Ok | InstantiateResult::Trapped(_) | InstantiateResult::Crashed(_)
        )
    };
    if !outcome.findings.is_empty() || !outcome.instantiate.values().all(refused) {
        return None;
    }
    // The first tier's reason (engines are listed tiers first).
    let (name, r) = outcome.instantiate.iter().next()?;
    let why = r.message().map_or_else(|| format!("{r:?}"), str::to_string);
    let why: String = if why.chars().count() > 300 {
        format!("{}...", why.chars().take(300).collect::<String>())
    } else {
        why
    };
    let hint = if why.contains("memory-budget") {
        " (--memory-budget changes the budget)"
    } else {
        ""
    };
    Some(format!("cannot instantiate in {name}: {why}{hint}"))
}

/// The calls a case makes when none are given: `_start` alone for a WASI
/// program run with a WASI world, else the plan.
pub fn default_calls(module: &Module, wasi: bool) -> Vec<PlannedCall> {
    match plan::wasi_entry(module) {
        Some(_) if wasi => vec![PlannedCall {
            export: "_start".into(),
            args: Vec::new(),
        }],
        _ => plan::plan(module),
    }
}

/// The limits `tierdiff run` gives a module without flags, and so also
/// `replay` and `shrink` of a plain module: the fuzzer's fuel and call
/// depth (every run ends), the runtime's memory and table bounds (real
/// modules fit).
pub fn module_limits() -> Limits {
    let fuzz = crate::generate::case_limits();
    Limits {
        fuel: fuzz.fuel,
        max_call_depth: fuzz.max_call_depth,
        ..Limits::default()
    }
}

/// The WASI world `tierdiff run` gives a module without flags (program
/// name only, empty stdin), or `None` when it imports no WASI.
pub fn module_world(module: &Module, path: &std::path::Path) -> Option<WasiWorld> {
    let imports_wasi = module
        .imports
        .iter()
        .any(|i| i.module == tierdiff_runtime::wasi::MODULE);
    imports_wasi.then(|| {
        let program = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        );
        WasiWorld::of(&WasiConfig {
            args: vec![program],
            ..WasiConfig::default()
        })
    })
}

/// A deterministic WASI world as saved with a finding: everything a
/// differential run's `WasiConfig` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasiWorld {
    /// `argv`, program name first.
    pub args: Vec<String>,
    /// `KEY=VALUE` entries.
    #[serde(default)]
    pub env: Vec<String>,
    /// Bytes on stdin, as hex (a program's input need not be text).
    #[serde(default)]
    pub stdin_hex: String,
    /// Seed of `random_get`.
    pub seed: u64,
}

impl WasiWorld {
    /// The world of `config` (its `real` flags are not part of a case).
    pub fn of(config: &WasiConfig) -> WasiWorld {
        WasiWorld {
            args: config.args.clone(),
            env: config.env.clone(),
            stdin_hex: hex(&config.stdin),
            seed: config.seed,
        }
    }

    /// The world generated WASI programs run in.
    pub fn generated() -> WasiWorld {
        WasiWorld::of(&crate::generate::wasi_config())
    }

    /// The runtime configuration of this world; `None` when its stdin is
    /// not hex (a hand-edited record).
    pub fn config(&self) -> Option<WasiConfig> {
        Some(WasiConfig {
            args: self.args.clone(),
            env: self.env.clone(),
            stdin: unhex(&self.stdin_hex)?,
            seed: self.seed,
            ..WasiConfig::default()
        })
    }

    /// How a record names `world`: whether the case ran as a WASI
    /// program, and the world itself unless it is the generated one (the
    /// inverse of [`WasiWorld::resolve`]).
    pub fn record(world: Option<&WasiWorld>) -> (bool, Option<WasiWorld>) {
        let own = world.filter(|w| **w != WasiWorld::generated()).cloned();
        (world.is_some(), own)
    }

    /// The world a record names: its own, or the generated one when it
    /// only says it ran as a WASI program.
    pub fn resolve(wasi: bool, world: Option<&WasiWorld>) -> Option<WasiWorld> {
        world.cloned().or_else(|| wasi.then(WasiWorld::generated))
    }
}

/// Lower-case hex of `bytes` (whole modules and memories travel this way
/// to adapters: one string, no allocation per byte).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The bytes of a hex string; `None` if it is not one.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_odd_or_bad_text() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert_eq!(unhex("0g"), None);
        assert_eq!(unhex("abc"), None);
    }

    #[test]
    fn a_world_round_trips_through_its_config() {
        let config = WasiConfig {
            args: vec!["p".into(), "x".into()],
            env: vec!["A=1".into()],
            stdin: vec![0, 0xff, b'\n'],
            seed: 9,
            ..WasiConfig::default()
        };
        let back = WasiWorld::of(&config).config().unwrap();
        assert_eq!(
            (back.args, back.env, back.stdin, back.seed),
            (config.args, config.env, config.stdin, config.seed)
        );
    }

    #[test]
    fn a_wasi_program_runs_start_only_with_a_world() {
        let wasm = wat::parse_str(
            r#"(module (func (export "_start")) (func (export "f") (param i32) (result i32) local.get 0))"#,
        )
        .unwrap();
        let module = Module::new(&wasm).unwrap();
        let with_world: Vec<String> = default_calls(&module, true)
            .into_iter()
            .map(|c| c.export)
            .collect();
        assert_eq!(with_world, ["_start"]);
        assert!(default_calls(&module, false)
            .iter()
            .any(|c| c.export == "f"));
    }
}
