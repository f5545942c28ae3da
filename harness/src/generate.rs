//! Turning fuzz input bytes into modules, deterministically: the same bytes
//! always give the same module, so `tierdiff replay` and the cargo-fuzz
//! targets share this code.
//!
//! Most cases come from wasm-smith with a per-case ("swarm") configuration
//! drawn from the input; the rest from targeted generators for what
//! wasm-smith rarely writes on its own (see [`targeted`]), sweeps aimed at
//! the coverage cells nothing else reaches ([`sweep`]), fuel-pressure
//! modules ([`pressure`], which also puts a share of every generator's
//! cases under low fuel and call-depth limits) and WASI programs
//! ([`wasi_program`]).

use arbitrary::{Result, Unstructured};
use tierdiff_runtime::Limits;
use wasm_smith::{Config, InstructionKind, InstructionKinds};

mod pressure;
mod sweep;
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
    }
}

const MAX_PAGES: u32 = 16;
const MAX_TABLE: u32 = 1_000;

/// Which generator made a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generator {
    WasmSmith,
    RefLocals,
    BrTable,
    SlotPressure,
    EdgeArith,
    MemoryEdges,
    NumericSweep,
    MemorySweep,
    TableSweep,
    Pressure,
    WasiProgram,
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

/// Builds a module from fuzz input. Never fails: input too short for
/// wasm-smith still gives a (small) valid module.
pub fn module_from_bytes(data: &[u8]) -> Generated {
    let mut u = Unstructured::new(data);
    let pick: u8 = u.arbitrary().unwrap_or(0);
    let generator = match pick % 16 {
        0 => Generator::RefLocals,
        1 => Generator::BrTable,
        2 => Generator::SlotPressure,
        3 => Generator::EdgeArith,
        4 => Generator::MemoryEdges,
        5 | 6 => match u.arbitrary::<u8>().unwrap_or(0) % 6 {
            0 => Generator::NumericSweep,
            1 => Generator::MemorySweep,
            2 => Generator::TableSweep,
            3 | 4 => Generator::Pressure,
            _ => Generator::WasiProgram,
        },
        _ => Generator::WasmSmith,
    };
    let wasm = match generator {
        Generator::WasmSmith => {
            smith(&mut u).unwrap_or_else(|_| targeted::edge_arith(&mut Unstructured::new(&[])))
        }
        Generator::RefLocals => targeted::ref_locals(&mut u),
        Generator::BrTable => targeted::br_table(&mut u),
        Generator::SlotPressure => targeted::slot_pressure(&mut u),
        Generator::EdgeArith => targeted::edge_arith(&mut u),
        Generator::MemoryEdges => targeted::memory_edges(&mut u),
        Generator::NumericSweep => sweep::numeric(&mut u),
        Generator::MemorySweep => sweep::memory(&mut u),
        Generator::TableSweep => sweep::tables(&mut u),
        Generator::Pressure => pressure::module(&mut u),
        Generator::WasiProgram => wasi_program::module(&mut u),
    };
    Generated {
        wasm,
        generator,
        limits: pressure::limits(data, generator),
        wasi: generator == Generator::WasiProgram,
    }
}

/// A wasm-smith configuration for differential use, varied per case.
pub fn swarm_config(u: &mut Unstructured) -> Result<Config> {
    // Proposals the tiers do not implement are off, always; NaNs are
    // canonicalised, everything is exported and nothing imported, so
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
    c.allowed_instructions = InstructionKinds::new(&kinds);
    Ok(c)
}

fn smith(u: &mut Unstructured) -> Result<Vec<u8>> {
    let config = swarm_config(u)?;
    let fuel = u.int_in_range(50..=1_000)?;
    let mut module = wasm_smith::Module::new(config, u)?;
    module
        .ensure_termination(fuel)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(module.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 33) as u8
            })
            .collect()
    }

    #[test]
    fn every_generator_makes_valid_supported_modules() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..600 {
            let g = module_from_bytes(&bytes(seed, 2048));
            seen.insert(format!("{:?}", g.generator));
            if let Err(e) = tierdiff_runtime::Module::new(&g.wasm) {
                panic!(
                    "seed {seed} ({:?}) made a module we reject: {e}\n{}",
                    g.generator,
                    wasmprinter::print_bytes(&g.wasm).unwrap()
                );
            }
        }
        assert_eq!(seen.len(), 11, "{seen:?}");
    }

    #[test]
    fn generation_is_deterministic_and_total() {
        let data = bytes(7, 1000);
        assert_eq!(module_from_bytes(&data).wasm, module_from_bytes(&data).wasm);
        for n in [0, 1, 2, 5, 17] {
            tierdiff_runtime::Module::new(&module_from_bytes(&bytes(1, n)).wasm).unwrap();
        }
    }
}
