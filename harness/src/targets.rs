//! What each cargo-fuzz target does with its input, as library code: the
//! targets in `fuzz_targets/` are thin wrappers, and `tierdiff replay`
//! runs a saved artifact through the very same function.

use crate::corpus::all_engines;
use crate::generate;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tierdiff_runtime::{Limits, Linker, Module, Store, TierKind};

/// The cargo-fuzz targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Bytes -> generated module -> every engine; any finding but a
    /// reference engine's own bug fails.
    Differential,
    /// Arbitrary or mutated modules through load, instantiation and
    /// execution in every tier: errors are fine, panics are not.
    Robustness,
    /// Every function of generated modules through each tier's translator,
    /// then every export run briefly (so executors' debug assertions run).
    Translate,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Differential, Target::Robustness, Target::Translate];

    pub fn name(self) -> &'static str {
        match self {
            Target::Differential => "differential",
            Target::Robustness => "robustness",
            Target::Translate => "translate",
        }
    }

    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The native stack the targets run their inputs on: four times the usual
/// big stack. Under AddressSanitizer (the ClusterFuzzLite batch job) every
/// Rust frame carries red zones, and a deep wasm recursion through the
/// JIT's callbacks ran out of the usual 256 MiB (its native-stack safety
/// net trapped `call-stack-exhausted` where the interpreters returned, a
/// difference of the build, not of the tiers). Untouched stack costs
/// nothing but address space.
const TARGET_STACK: usize = 4 * tierdiff_runtime::stack::BIG_STACK;

/// Runs one input; `Err` describes what a fuzz target would panic with.
pub fn run(target: Target, data: &[u8]) -> Result<(), String> {
    // One big-stack thread per input instead of one per JIT call.
    tierdiff_runtime::stack::run_with_big_stack(TARGET_STACK, || run_here(target, data))
}

fn run_here(target: Target, data: &[u8]) -> Result<(), String> {
    match target {
        Target::Differential => differential(data),
        Target::Robustness => catch_unwind(AssertUnwindSafe(|| robustness(data)))
            .map_err(|p| format!("panic: {}", panic_text(&p))),
        Target::Translate => translate(data),
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Every engine on the generated module; a reference engine's own bug
/// (settled as in `tierdiff fuzz`) is not a failure of the target.
fn differential(data: &[u8]) -> Result<(), String> {
    let generated = generate::module_from_bytes(data);
    let engines = all_engines();
    let (limits, options) = crate::fuzz::case_setup(&generated);
    let outcome = crate::verdict::judge(&generated.wasm, &engines, limits, options);
    match outcome.findings.iter().find(|f| f.kind.is_failure()) {
        None => Ok(()),
        Some(f) => Err(format!("finding {}: {}", f.signature, f.message)),
    }
}

/// Small limits: robustness is about not crashing, not about running long.
fn robustness_limits() -> Limits {
    Limits {
        fuel: Some(10_000),
        max_call_depth: 500,
        max_memory_pages: 16,
        max_table_elements: 1_000,
        ..crate::generate::case_limits()
    }
}

fn robustness(data: &[u8]) {
    // Modules (seed corpora, libFuzzer's edits of them) run as they are;
    // other bytes become a generated module put through wasm-mutate.
    let wasm = if data.starts_with(b"\0asm") {
        data.to_vec()
    } else {
        mutated(data)
    };
    let engines: Vec<_> = all_engines()
        .into_iter()
        .filter(|e| !e.is_reference())
        .collect();
    let Ok(module) = Module::new(&wasm) else {
        return;
    };
    let calls = crate::plan::plan(&module);
    for engine in &engines {
        let Ok(mut instance) = engine.instantiate(&wasm, robustness_limits()) else {
            continue;
        };
        for call in &calls {
            instance.call(&call.export, &call.args);
        }
        let _ = (
            instance.globals(),
            instance.visit_memories(&mut |_, _| {}),
            instance.tables(),
            instance.violations(),
        );
    }
}

/// A generated module put through wasm-mutate, seeded from the input.
fn mutated(data: &[u8]) -> Vec<u8> {
    let base = generate::module_from_bytes(data).wasm;
    let mut mutate = wasm_mutate::WasmMutate::default();
    mutate
        .seed(crate::plan::fnv1a(data))
        .fuel(1_000)
        .preserve_semantics(false);
    let first = match mutate.run(&base) {
        Ok(mut mutants) => mutants.next().and_then(|m| m.ok()),
        Err(_) => None,
    };
    first.unwrap_or(base)
}

fn translate(data: &[u8]) -> Result<(), String> {
    let generated = generate::module_from_bytes(data);
    let module =
        Module::new(&generated.wasm).map_err(|e| format!("generated module rejected: {e}"))?;
    for tier in TierKind::implemented() {
        let mut store = Store::new(tier, generate::case_limits()).expect("implemented");
        // Instantiation runs the tier's translator or compiler on every function.
        let _ = store.instantiate(&module, &Linker::default());
        let violations = store.violations();
        if !violations.is_empty() {
            return Err(format!(
                "{tier}: {}",
                violations
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    // Run the translated code briefly: a build with debug assertions checks
    // the executors' unchecked accesses against what translation verified.
    let limits = Limits {
        fuel: Some(10_000),
        ..generate::case_limits()
    };
    for engine in all_engines().iter().filter(|e| !e.is_reference()) {
        let Ok(mut instance) = engine.instantiate(&generated.wasm, limits) else {
            continue;
        };
        for call in crate::plan::plan(&module) {
            instance.call(&call.export, &call.args);
        }
        let violations = instance.violations();
        if let Some(v) = violations.first() {
            return Err(format!("{}: {v}", engine.name()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_accepts_arbitrary_inputs() {
        let mut rng = crate::plan::SplitMix(5);
        for _ in 0..40 {
            let n = rng.below(600) as usize;
            let data = rng.bytes(n);
            for t in Target::ALL {
                run(t, &data).unwrap_or_else(|e| panic!("{}: {e}", t.name()));
            }
        }
    }
}
