//! From a case's bytes to what WAMR loads: which proposals the mode runs,
//! what it cannot link, the case's size limits, and the start function.
//!
//! WAMR runs the start function inside `wasm_runtime_instantiate`, where
//! no call budget can reach it (there is no instance to terminate yet). So
//! a module with a start function is loaded without its start section and
//! with the start function exported under a fresh name; the instance calls
//! it right after instantiation, under the budget, exactly where the spec
//! runs it (after the segments). Every other section keeps its bytes.

use super::WamrEngine;
use crate::engine::Engine;
use crate::outcome::InstantiateResult;
use std::sync::Arc;
use tierdiff_runtime::limits::BudgetMeter;
use tierdiff_runtime::{Limits, Module};

/// What an instance is made from.
pub struct Prepared {
    /// The bytes WAMR loads.
    pub bytes: Vec<u8>,
    /// The case as our loader sees it, for types and exports: `None` when
    /// our loader rejects it (WAMR then says whether it loads it too).
    pub module: Option<Arc<Module>>,
    /// The export that stands for the start function, if there is one.
    pub start: Option<String>,
    /// Every memory's cap in pages for WAMR (0: the module's own).
    pub max_memory_pages: u32,
}

/// Checks `bytes` against what `engine` runs and links and against
/// `limits`, and rewrites its start function (see the module doc).
pub fn prepare(
    engine: &WamrEngine,
    bytes: &[u8],
    limits: &Limits,
    wasi: bool,
) -> Result<Prepared, InstantiateResult> {
    let Ok(module) = crate::engine::load_module(bytes) else {
        return Ok(Prepared {
            bytes: bytes.to_vec(),
            module: None,
            start: None,
            max_memory_pages: 0,
        });
    };
    if let Err(e) = wasmparser::Validator::new_with_features(engine.features()).validate_all(bytes)
    {
        return Err(InstantiateResult::EngineLimit(format!(
            "{} does not run what the module uses: {}",
            engine.name(),
            e.message()
        )));
    }
    if let Some(limitation) = limitation(&module) {
        return Err(InstantiateResult::EngineLimit(format!(
            "{}: {limitation}",
            engine.name()
        )));
    }
    if wasi {
        return Err(InstantiateResult::Unlinkable(format!(
            "{} runs no WASI programs",
            engine.name()
        )));
    }
    if let Some(import) = module.imports.first() {
        return Err(InstantiateResult::Unlinkable(format!(
            "{} links no imports: the module imports {}.{}",
            engine.name(),
            import.module,
            import.name
        )));
    }
    let max_memory_pages = memory_cap(&module, limits)?;
    let (bytes, start) = match module.start {
        Some(function) => {
            let name = fresh_name(&module, "tierdiff:start");
            (export_start(bytes, function, &name), Some(name))
        }
        None => (bytes.to_vec(), None),
    };
    Ok(Prepared {
        bytes,
        module: Some(module),
        start,
        max_memory_pages,
    })
}

/// A limitation WAMR documents in its loader that `module` runs into: WAMR
/// refuses such modules although they are valid, so they are left out
/// rather than judged.
fn limitation(module: &Module) -> Option<String> {
    if let Some(e) = module.exports.iter().find(|e| e.name.contains('\0')) {
        return Some(format!(
            "WAMR cannot hold names with NUL characters, as export {:?} has",
            e.name
        ));
    }
    let index64 = |m: &tierdiff_runtime::module::MemoryType| m.index64;
    if module.memories.iter().any(index64) && !module.memories.iter().all(index64) {
        return Some("WAMR runs no module whose memories mix 32- and 64-bit addresses".into());
    }
    None
}

/// The store's instantiation checks (each memory and table against its
/// bound, then all of them against the budget), and the cap that makes
/// `memory.grow` fail where our tiers' does: the per-memory bound, or what
/// the budget leaves (exact for one memory while tables do not grow; WAMR
/// has one cap for all memories).
fn memory_cap(module: &Module, limits: &Limits) -> Result<u32, InstantiateResult> {
    let resource = |what: String| Err(InstantiateResult::Resource(what));
    if let Some(t) = module
        .tables
        .iter()
        .find(|t| t.min > limits.max_table_elements as u64)
    {
        return resource(format!(
            "a table of {} elements exceeds the limit of {}",
            t.min, limits.max_table_elements
        ));
    }
    if let Some(m) = module
        .memories
        .iter()
        .find(|m| m.min > limits.max_memory_pages as u64)
    {
        return resource(format!(
            "a memory of {} pages exceeds the limit of {}",
            m.min, limits.max_memory_pages
        ));
    }
    let requested = module
        .memories
        .iter()
        .map(|m| BudgetMeter::memory_bytes(m.min))
        .chain(
            module
                .tables
                .iter()
                .map(|t| BudgetMeter::table_bytes(t.min)),
        )
        .fold(0u64, u64::saturating_add);
    if requested > limits.memory_budget {
        return resource(format!(
            "{requested} bytes of memories and tables exceed the budget of {}",
            limits.memory_budget
        ));
    }
    let spare_pages = (limits.memory_budget - requested) / BudgetMeter::memory_bytes(1);
    let by_budget = module
        .memories
        .iter()
        .map(|m| m.min.saturating_add(spare_pages))
        .max()
        .unwrap_or(0);
    Ok(by_budget
        .min(limits.max_memory_pages as u64)
        .min(u32::MAX as u64) as u32)
}

/// `base`, or `base` with a number, whichever no export of `module` has.
fn fresh_name(module: &Module, base: &str) -> String {
    (0..)
        .map(|n| match n {
            0 => base.to_string(),
            n => format!("{base}-{n}"),
        })
        .find(|name| module.export(name).is_none())
        .expect("some name is free")
}

/// `bytes` (a valid module) without its start section, exporting the start
/// function `function` as `name` instead.
fn export_start(bytes: &[u8], function: u32, name: &str) -> Vec<u8> {
    let sections = sections(bytes);
    let mut entry = Vec::new();
    leb(&mut entry, name.len() as u64);
    entry.extend_from_slice(name.as_bytes());
    entry.push(0x00); // a function
    leb(&mut entry, function as u64);
    let exports = sections.iter().find(|s| s.id == EXPORT);
    let new_exports = match exports {
        Some(s) => {
            let mut at = s.payload.start;
            let count = read_leb(bytes, &mut at);
            let mut payload = Vec::new();
            leb(&mut payload, count + 1);
            payload.extend_from_slice(&bytes[at..s.payload.end]);
            payload.extend_from_slice(&entry);
            payload
        }
        None => {
            let mut payload = vec![1];
            payload.extend_from_slice(&entry);
            payload
        }
    };
    let mut out = bytes[..8].to_vec();
    for s in &sections {
        match s.id {
            EXPORT => section(&mut out, EXPORT, &new_exports),
            // Where the export section goes when there was none: it comes
            // right before the start section in a module's order.
            START if exports.is_none() => section(&mut out, EXPORT, &new_exports),
            START => {}
            _ => out.extend_from_slice(&bytes[s.whole.clone()]),
        }
    }
    out
}

const EXPORT: u8 = 7;
const START: u8 = 8;

/// One section of a module: its id, all its bytes, and its payload.
struct Section {
    id: u8,
    whole: std::ops::Range<usize>,
    payload: std::ops::Range<usize>,
}

/// The sections of a module our loader accepted (so well formed).
fn sections(bytes: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let size = read_leb(bytes, &mut at) as usize;
        out.push(Section {
            id,
            whole: start..at + size,
            payload: at..at + size,
        });
        at += size;
    }
    out
}

fn read_leb(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    leb(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(text: &str) -> (Vec<u8>, Arc<Module>) {
        let bytes = wat::parse_str(text).unwrap();
        let module = Module::new(&bytes).unwrap();
        (bytes, module)
    }

    #[test]
    fn the_start_function_becomes_an_export() {
        for text in [
            r#"(module (func $s) (func (export "f")) (start $s))"#,
            // No export section to extend: one is made.
            r#"(module (global (mut i32) (i32.const 0)) (func $s) (start $s)
                 (func (drop (i32.const 1))))"#,
        ] {
            let (bytes, original) = module(text);
            let start = original.start.unwrap();
            let name = fresh_name(&original, "tierdiff:start");
            let rewritten = Module::new(&export_start(&bytes, start, &name)).unwrap();
            assert_eq!(rewritten.start, None, "{text}");
            let export = rewritten.export(&name).expect("exported");
            assert_eq!(export.index, start);
            assert_eq!(rewritten.exports.len(), original.exports.len() + 1);
            assert_eq!(rewritten.bodies.len(), original.bodies.len());
        }
    }

    #[test]
    fn the_start_export_name_is_fresh() {
        let (_, m) = module(
            r#"(module (func $s) (start $s)
                 (func (export "tierdiff:start")) (func (export "tierdiff:start-1")))"#,
        );
        assert_eq!(fresh_name(&m, "tierdiff:start"), "tierdiff:start-2");
    }

    #[test]
    fn limits_refuse_like_the_store_and_cap_growth() {
        let (_, m) = module("(module (memory 2) (table 10 funcref))");
        let limits = |pages, elements, budget| Limits {
            max_memory_pages: pages,
            max_table_elements: elements,
            memory_budget: budget,
            ..Limits::default()
        };
        assert_eq!(memory_cap(&m, &limits(100, 100, 1 << 30)), Ok(100));
        assert!(matches!(
            memory_cap(&m, &limits(1, 100, 1 << 30)),
            Err(InstantiateResult::Resource(_))
        ));
        assert!(matches!(
            memory_cap(&m, &limits(100, 5, 1 << 30)),
            Err(InstantiateResult::Resource(_))
        ));
        assert!(matches!(
            memory_cap(&m, &limits(100, 100, 2 * 65_536)),
            Err(InstantiateResult::Resource(_))
        ));
        // What the budget leaves after the table: one more page.
        assert_eq!(memory_cap(&m, &limits(100, 100, 3 * 65_536 + 80)), Ok(3));
    }
}
