//! Turning fuzz input bytes into modules, deterministically: the same bytes
//! and the same accepted features always give the same module, so `tierdiff
//! replay` and the cargo-fuzz targets share this code.
//!
//! Most cases come from wasm-smith with a per-case ("swarm") configuration
//! drawn from the input; the rest from targeted generators for what
//! wasm-smith rarely writes on its own ([`targeted`] for WebAssembly 2.0,
//! [`simd`], [`tail_calls`], [`ext_const`] and [`memories`] for SIMD and
//! the WebAssembly 3.0 proposals), sweeps aimed at the coverage cells
//! nothing else reaches ([`sweep`]), fuel-pressure modules ([`pressure`],
//! which also puts a share of every generator's cases under low fuel and
//! call-depth limits) and WASI programs ([`wasi_program`]).
//!
//! Generation follows the features the runtime accepts
//! ([`tierdiff_runtime::module::supported_features`]): a proposal the loader
//! refuses is never generated. The swarm draws its proposal switches only
//! for accepted proposals, and a targeted generator whose proposal is not
//! accepted hands its case to wasm-smith, so with a proposal off every input
//! maps to the module it mapped to before that proposal was written, and
//! turning a proposal on in the loader turns its generation on.

use arbitrary::{Result, Unstructured};
use serde::{Deserialize, Serialize};
use tierdiff_runtime::module::supported_features;
use tierdiff_runtime::Limits;
use wasm_smith::{Config, InstructionKind, InstructionKinds};
use wasmparser::WasmFeatures;

mod choose;
mod ext_const;
mod memories;
mod nan_flow;
mod pressure;
mod simd;
mod sweep;
mod tail_calls;
mod targeted;
mod wasi_program;

pub use wasi_program::config as wasi_config;

/// Limits every engine runs generated modules with. The fuel and depth are
/// backstops: generated modules terminate by themselves, with
/// `ensure_termination` fuel far below `max_call_depth`.
pub fn case_limits() -> Limits {
    Limits {
        fuel: Some(1_000_000),
        max_call_depth: 10_000,
        max_memory_pages: MAX_PAGES,
        max_table_elements: MAX_TABLE,
        memory_budget: CASE_MEMORY_BUDGET,
        jit_compile: tierdiff_runtime::JitCompile::BySize,
        jit_codegen: tierdiff_runtime::JitCodegen::Tested,
        call_through_forwarder: false,
    }
}

/// The memory budget of a generated case (all memories and tables): far
/// above what the generators declare, far below the machine.
pub const CASE_MEMORY_BUDGET: u64 = 256 << 20;

const MAX_PAGES: u32 = 16;
const MAX_TABLE: u32 = 1_000;

/// Which generator made a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generator {
    WasmSmith,
    RefLocals,
    BrTable,
    SlotPressure,
    EdgeArith,
    MemoryEdges,
    SimdLanes,
    SimdMemory,
    TailCalls,
    ExtendedConst,
    Memory64,
    MultiMemory,
    NumericSweep,
    MemorySweep,
    TableSweep,
    Pressure,
    WasiProgram,
    NanFlow,
}

impl Generator {
    /// Every generator.
    pub const ALL: [Generator; 18] = [
        Generator::WasmSmith,
        Generator::RefLocals,
        Generator::BrTable,
        Generator::SlotPressure,
        Generator::EdgeArith,
        Generator::MemoryEdges,
        Generator::SimdLanes,
        Generator::SimdMemory,
        Generator::TailCalls,
        Generator::ExtendedConst,
        Generator::Memory64,
        Generator::MultiMemory,
        Generator::NumericSweep,
        Generator::MemorySweep,
        Generator::TableSweep,
        Generator::Pressure,
        Generator::WasiProgram,
        Generator::NanFlow,
    ];

    /// Its name on the command line (`fuzz --generators`).
    pub fn name(self) -> &'static str {
        match self {
            Generator::WasmSmith => "wasm-smith",
            Generator::RefLocals => "ref-locals",
            Generator::BrTable => "br-table",
            Generator::SlotPressure => "slot-pressure",
            Generator::EdgeArith => "edge-arith",
            Generator::MemoryEdges => "memory-edges",
            Generator::SimdLanes => "simd-lanes",
            Generator::SimdMemory => "simd-memory",
            Generator::TailCalls => "tail-calls",
            Generator::ExtendedConst => "extended-const",
            Generator::Memory64 => "memory64",
            Generator::MultiMemory => "multi-memory",
            Generator::NumericSweep => "numeric-sweep",
            Generator::MemorySweep => "memory-sweep",
            Generator::TableSweep => "table-sweep",
            Generator::Pressure => "pressure",
            Generator::WasiProgram => "wasi-program",
            Generator::NanFlow => "nan-flow",
        }
    }

    /// The generator named `name` ([`Generator::name`]).
    pub fn parse(name: &str) -> Option<Generator> {
        Generator::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The proposal a generator's modules need beyond WebAssembly 2.0
    /// without SIMD (empty for the others). Its modules may use further
    /// proposals, but only ones the caller's feature set accepts.
    pub fn needs(self) -> WasmFeatures {
        match self {
            Generator::SimdLanes | Generator::SimdMemory | Generator::NanFlow => WasmFeatures::SIMD,
            Generator::TailCalls => WasmFeatures::TAIL_CALL,
            Generator::ExtendedConst => WasmFeatures::EXTENDED_CONST,
            Generator::Memory64 => WasmFeatures::MEMORY64,
            Generator::MultiMemory => WasmFeatures::MULTI_MEMORY,
            _ => WasmFeatures::empty(),
        }
    }
}

/// A generated module, what made it and how it runs.
pub struct Generated {
    pub wasm: Vec<u8>,
    pub generator: Generator,
    /// The limits to run it with: [`case_limits`], or low ones under fuel
    /// pressure (see [`pressure`]).
    pub limits: Limits,
    /// Run as a WASI program with [`wasi_config`] (its `_start` only).
    pub wasi: bool,
}

/// Builds a module from fuzz input, using only features the runtime's
/// loader accepts. Never fails: input too short for wasm-smith still gives
/// a (small) valid module.
pub fn module_from_bytes(data: &[u8]) -> Generated {
    module_from_bytes_with(data, supported_features())
}

/// [`module_from_bytes`] for a feature set of one's own: the module is
/// valid under `features` (and never needs more). Tests of a proposal that
/// the loader does not accept yet pass `module::decodable_features()`.
pub fn module_from_bytes_with(data: &[u8], features: WasmFeatures) -> Generated {
    module_from_bytes_among(data, features, None)
}

/// What every engine of a run can judge, which generation keeps to: the
/// proposals they all run, and whether NaN bits must already be canonical
/// in the module (when an engine under test does not follow our NaN rule,
/// NaN bits that reach integers or memory would differ for no bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// wasmparser feature bits.
    pub features: u64,
    pub canonical_nans: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile {
            features: supported_features().bits(),
            canonical_nans: false,
        }
    }
}

impl Profile {
    /// The profile `engines` can all judge.
    pub fn of(engines: &[Box<dyn crate::engine::Engine>]) -> Profile {
        let mut features = supported_features();
        for engine in engines {
            if let Some(f) = engine.features() {
                features &= f;
            }
        }
        Profile {
            features: features.bits(),
            canonical_nans: engines.iter().any(|e| !e.is_reference() && !e.exact()),
        }
    }

    pub fn features(self) -> WasmFeatures {
        WasmFeatures::from_bits_truncate(self.features)
    }

    /// What it takes away from the default, in one line (empty when nothing).
    pub fn narrowing(self) -> String {
        let mut parts = Vec::new();
        let lost = supported_features() - self.features();
        if !lost.is_empty() {
            parts.push(format!("without {lost:?}"));
        }
        if self.canonical_nans {
            parts.push("canonical NaNs only (no nan-flow)".to_string());
        }
        parts.join(", ")
    }
}

/// [`module_from_bytes_with`] restricted to the generators `among` (all
/// when `None`): a case whose choice is not among them goes to one that
/// is, picked by the same input byte, so it still depends on its input
/// alone. The listed generators' proposals must be in `features`.
pub fn module_from_bytes_among(
    data: &[u8],
    features: WasmFeatures,
    among: Option<&[Generator]>,
) -> Generated {
    module_for(
        data,
        Profile {
            features: features.bits(),
            canonical_nans: false,
        },
        among,
    )
}

/// [`module_from_bytes_among`] under a run's [`Profile`]: with canonical
/// NaNs only, nan-flow's cases go to wasm-smith and wasm-smith always
/// canonicalises.
pub fn module_for(data: &[u8], profile: Profile, among: Option<&[Generator]>) -> Generated {
    let features = profile.features();
    let mut u = Unstructured::new(data);
    let pick: u8 = u.arbitrary().unwrap_or(0);
    // The low four bits choose as before the proposals were written; bit 4
    // splits the buckets the 3.0 generators share.
    let high = pick & 0x10 != 0;
    let chosen = match (pick % 16, high) {
        (0, _) => Generator::RefLocals,
        (1, _) => Generator::BrTable,
        (2, _) => Generator::SlotPressure,
        (3, _) => Generator::EdgeArith,
        (4, _) => Generator::MemoryEdges,
        (5, _) => Generator::SimdLanes,
        (6, _) => Generator::SimdMemory,
        (7, false) => Generator::TailCalls,
        (7, true) => Generator::ExtendedConst,
        (8, false) => Generator::Memory64,
        (8, true) => Generator::MultiMemory,
        // Coverage generators: a second byte splits the two buckets.
        (9 | 10, _) => match u.arbitrary::<u8>().unwrap_or(0) % 6 {
            0 => Generator::NumericSweep,
            1 => Generator::MemorySweep,
            2 => Generator::TableSweep,
            3 | 4 => Generator::Pressure,
            _ => Generator::WasiProgram,
        },
        (11, true) => Generator::NanFlow,
        _ => Generator::WasmSmith,
    };
    let chosen = match among {
        Some(list) if !list.is_empty() && !list.contains(&chosen) => {
            list[pick as usize % list.len()]
        }
        _ => chosen,
    };
    let nan_bits_differ = profile.canonical_nans && chosen == Generator::NanFlow;
    let generator = if features.contains(chosen.needs()) && !nan_bits_differ {
        chosen
    } else {
        Generator::WasmSmith
    };
    let on = |f: WasmFeatures| features.contains(f);
    let wasm = match generator {
        Generator::WasmSmith => smith_or_fallback(&mut u, features, profile.canonical_nans),
        Generator::RefLocals => targeted::ref_locals(&mut u),
        Generator::BrTable => targeted::br_table(&mut u),
        Generator::SlotPressure => targeted::slot_pressure(&mut u),
        Generator::EdgeArith => targeted::edge_arith(&mut u),
        Generator::MemoryEdges => targeted::memory_edges(&mut u),
        Generator::SimdLanes => simd::lanes(&mut u),
        Generator::SimdMemory => simd::memory(
            &mut u,
            on(WasmFeatures::MEMORY64),
            on(WasmFeatures::MULTI_MEMORY),
        ),
        Generator::TailCalls => tail_calls::tail_calls(&mut u),
        Generator::ExtendedConst => ext_const::ext_const(&mut u, on(WasmFeatures::MEMORY64)),
        Generator::Memory64 => memories::memory64(&mut u, on(WasmFeatures::MULTI_MEMORY)),
        Generator::MultiMemory => memories::multi_memory(&mut u, on(WasmFeatures::MEMORY64)),
        Generator::NumericSweep => sweep::numeric(&mut u),
        Generator::MemorySweep => sweep::memory(&mut u),
        Generator::TableSweep => sweep::tables(&mut u),
        Generator::Pressure => pressure::module(&mut u),
        Generator::NanFlow => nan_flow::module(&mut u),
        Generator::WasiProgram => wasi_program::module(
            &mut u,
            on(WasmFeatures::TAIL_CALL),
            on(WasmFeatures::MULTI_MEMORY),
        ),
    };
    Generated {
        wasm,
        generator,
        limits: with_run_modes(data, pressure::limits(data, generator)),
        wasi: generator == Generator::WasiProgram,
    }
}

/// One generated case in this many compiles lazily in the JIT.
const LAZY_JIT_SHARE: u64 = 8;

/// One generated case in this many is called through the forwarder.
const FORWARDED_SHARE: u64 = 8;

/// One generated case in this many compiles with Cranelift's quick
/// configuration (`JitCodegen::Quick`).
const QUICK_CODEGEN_SHARE: u64 = 2;

/// `limits` with the run modes the case `data` gives, each drawn apart:
/// - one case in [`LAZY_JIT_SHARE`] compiles each JIT function at its
///   first call, so calls through the JIT's code table and its compile
///   callback are tested on small modules too (by size alone, only modules
///   of 1 MiB of code would);
/// - one case in [`FORWARDED_SHARE`] is called from a second instance
///   ([`crate::forwarder`]), so calls between instances are tested;
/// - one case in [`QUICK_CODEGEN_SHARE`] compiles without Cranelift's
///   optimiser and with its single-pass register allocator: Cranelift's
///   compile was half of a case, and our translator's output is tested
///   either way (its paths are counted when it emits them).
///
/// Chosen from the input, so a case runs the same way every time.
fn with_run_modes(data: &[u8], limits: Limits) -> Limits {
    let mut rng = crate::plan::SplitMix(crate::plan::fnv1a(data) ^ 0x6c61_7a79_6a69_7400);
    let lazy = rng.below(LAZY_JIT_SHARE) == 0;
    let forwarded = rng.below(FORWARDED_SHARE) == 0;
    let quick = rng.below(QUICK_CODEGEN_SHARE) == 0;
    Limits {
        jit_codegen: if quick {
            tierdiff_runtime::JitCodegen::Quick
        } else {
            limits.jit_codegen
        },
        jit_compile: if lazy {
            tierdiff_runtime::JitCompile::Lazy
        } else {
            limits.jit_compile
        },
        call_through_forwarder: forwarded || limits.call_through_forwarder,
        ..limits
    }
}

/// Whether a generated case runs under fuel or depth pressure (limits
/// below [`case_limits`]; the run modes do not count).
pub fn under_pressure(limits: &Limits) -> bool {
    let base = case_limits();
    Limits {
        jit_compile: base.jit_compile,
        jit_codegen: base.jit_codegen,
        call_through_forwarder: base.call_through_forwarder,
        ..*limits
    } != base
}

/// The wasm-smith module `data` gives under `features`, whichever
/// generator its first byte picks: tests pin a wasm-smith case with it even
/// after its bucket went to another generator.
pub fn wasm_smith_with(data: &[u8], features: WasmFeatures) -> Vec<u8> {
    let mut u = Unstructured::new(data);
    let _pick: u8 = u.arbitrary().unwrap_or(0);
    smith_or_fallback(&mut u, features, false)
}

/// wasm-smith's module, or a small valid one when the input is too short.
fn smith_or_fallback(
    u: &mut Unstructured,
    features: WasmFeatures,
    canonical_nans: bool,
) -> Vec<u8> {
    smith(u, features, canonical_nans)
        .unwrap_or_else(|_| targeted::edge_arith(&mut Unstructured::new(&[])))
}

/// A wasm-smith configuration for differential use, varied per case, using
/// only features the runtime's loader accepts.
pub fn swarm_config(u: &mut Unstructured) -> Result<Config> {
    swarm_config_with(u, supported_features())
}

/// [`swarm_config`] for a feature set of one's own.
pub fn swarm_config_with(u: &mut Unstructured, features: WasmFeatures) -> Result<Config> {
    // Proposals are off unless switched on below; NaNs are canonicalised
    // in two thirds of the cases (see the end), everything is exported and
    // nothing imported, so
    // engines can be compared; sizes and 2.0 feature subsets vary per case.
    let mut c = Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        tail_call_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        custom_descriptors_enabled: false,
        max_memories: 1,
        canonicalize_nans: true,
        export_everything: true,
        max_imports: 0,
        min_funcs: 1,
        memory_max_size_required: true,
        table_max_size_required: true,
        max_memory32_bytes: u.int_in_range(1..=MAX_PAGES as u64)? * 65_536,
        max_table_elements: u.int_in_range(1..=MAX_TABLE as u64)?,
        max_funcs: u.int_in_range(1..=16)?,
        max_instructions: u.int_in_range(8..=300)?,
        max_nesting_depth: u.int_in_range(1..=10)?,
        max_globals: u.int_in_range(0..=8)?,
        max_types: u.int_in_range(1..=16)?,
        max_data_segments: u.int_in_range(0..=4)?,
        max_element_segments: u.int_in_range(0..=4)?,
        max_tables: u.int_in_range(0..=2)?,
        bulk_memory_enabled: u.arbitrary()?,
        reference_types_enabled: u.arbitrary()?,
        multi_value_enabled: u.arbitrary()?,
        saturating_float_to_int_enabled: u.arbitrary()?,
        sign_extension_ops_enabled: u.arbitrary()?,
        allow_floats: u.ratio(3, 4)?,
        disallow_traps: u.ratio(1, 4)?,
        allow_start_export: u.arbitrary()?,
        ..Config::default()
    };
    let mut kinds = vec![InstructionKind::Control, InstructionKind::Variable];
    for kind in [
        InstructionKind::Numeric,
        InstructionKind::Reference,
        InstructionKind::Parametric,
        InstructionKind::Table,
        InstructionKind::Memory,
    ] {
        if u.ratio(4, 5)? {
            kinds.push(kind);
        }
    }
    // Each accepted proposal is on in half of the swarm. Nothing is drawn
    // for a proposal the loader refuses, so until it is accepted the input
    // gives the same configuration as before.
    let on = |f: WasmFeatures| features.contains(f);
    if on(WasmFeatures::SIMD) && u.arbitrary()? {
        c.simd_enabled = true;
        if u.ratio(4, 5)? {
            kinds.push(InstructionKind::Vector);
        }
    }
    if on(WasmFeatures::TAIL_CALL) {
        c.tail_call_enabled = u.arbitrary()?;
    }
    if on(WasmFeatures::EXTENDED_CONST) {
        c.extended_const_enabled = u.arbitrary()?;
    }
    if on(WasmFeatures::MULTI_MEMORY) && u.arbitrary()? {
        c.max_memories = u.int_in_range(2..=4)?;
    }
    if on(WasmFeatures::MEMORY64) {
        c.memory64_enabled = u.arbitrary()?;
        c.max_memory64_bytes = c.max_memory32_bytes.into();
    }
    // NaN flow: a third of the swarm keeps every NaN as the engines make
    // it (the NaN rule fixes its bits in every tier), so NaN bits reach
    // integers, memory, addresses and branches. Decided from a draw made
    // above, so no input is read and the other cases stay as they were.
    c.canonicalize_nans = !c.max_instructions.is_multiple_of(3);
    c.allowed_instructions = InstructionKinds::new(&kinds);
    Ok(c)
}

fn smith(u: &mut Unstructured, features: WasmFeatures, canonical_nans: bool) -> Result<Vec<u8>> {
    let mut config = swarm_config_with(u, features)?;
    config.canonicalize_nans |= canonical_nans;
    let fuel = u.int_in_range(50..=1_000)?;
    let mut module = wasm_smith::Module::new(config, u)?;
    module
        .ensure_termination(fuel)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(module.to_bytes())
}

#[cfg(test)]
mod tests;
