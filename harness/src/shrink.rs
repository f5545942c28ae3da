//! Minimising a finding while keeping its signature's kind and engines.
//!
//! wasm-shrink proposes smaller modules; a candidate is kept when running
//! it through the same engines still produces a finding of the same kind
//! between the same engines. Candidates may lose the module's own
//! termination fuel, so shrinking runs with small limits of its own.

use crate::compare::{self, FindingKind};
use crate::engine::Engine;
use tierdiff_runtime::Limits;

/// Limits for candidates: enough for the finding, small enough that a
/// candidate that lost its termination cannot stall the search.
pub fn shrink_limits() -> Limits {
    Limits {
        fuel: Some(20_000),
        ..crate::generate::case_limits()
    }
}

/// The result of a shrink.
pub struct Shrunk {
    pub wasm: Vec<u8>,
    pub input_size: u64,
    pub output_size: u64,
}

/// Whether `wasm` still shows a finding of `kind` between `engines`.
pub fn still_shows(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    kind: FindingKind,
    between: &[String],
) -> bool {
    let outcome = compare::run_case(wasm, engines, shrink_limits());
    outcome
        .findings
        .iter()
        .any(|f| f.kind == kind && f.engines == between)
}

/// Shrinks `wasm`, keeping a finding of `kind` between `between`.
pub fn shrink(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    kind: FindingKind,
    between: &[String],
    attempts: u32,
) -> Result<Shrunk, String> {
    if !still_shows(wasm, engines, kind, between) {
        return Err(format!(
            "the module does not show a {} finding between {} under the shrink limits",
            kind.name(),
            between.join(" and ")
        ));
    }
    let info = wasm_shrink::WasmShrink::default()
        .attempts(attempts)
        .seed(crate::plan::fnv1a(wasm))
        .run(wasm.to_vec(), |candidate| {
            Ok(still_shows(candidate, engines, kind, between))
        })
        .map_err(|e| format!("wasm-shrink: {e}"))?;
    Ok(Shrunk {
        wasm: info.output,
        input_size: info.input_size,
        output_size: info.output_size,
    })
}
