//! The independent reference engines.
//!
//! * [`wasmi_engine`]: wasmi, compared with the tiers on every case.
//! * [`wasmtime_engine`] (cargo feature `wasmtime`, on by default): the
//!   tie-breaker. It runs only when every tier agrees and wasmi differs, to
//!   tell a wasmi bug from a common-mode bug of ours (see [`crate::triage`]).
//!
//! Both accept exactly the proposals the runtime accepts, so a module is
//! valid in every engine or in none.

pub mod limiter;
pub mod wasmi_engine;
#[cfg(feature = "wasmtime")]
pub mod wasmtime_engine;

pub use wasmi_engine::WasmiEngine;
#[cfg(feature = "wasmtime")]
pub use wasmtime_engine::WasmtimeEngine;

use wasmparser::WasmFeatures;

/// Whether the runtime accepts modules that use `feature`.
pub(crate) fn runtime_supports(feature: WasmFeatures) -> bool {
    tierdiff_runtime::module::supported_features().contains(feature)
}

/// Fuel for a reference engine: its fuel counts instructions, ours counts
/// calls and loop iterations, so a generous multiple of ours keeps it a
/// backstop against hand-made endless loops, never a judge.
pub(crate) fn reference_fuel(limits: &tierdiff_runtime::Limits) -> u64 {
    const MAX: u64 = 2_000_000_000;
    limits
        .fuel
        .map_or(MAX, |f| f.saturating_mul(10_000).min(MAX))
}
