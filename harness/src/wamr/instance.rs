//! A live WAMR instance: calls under the time budget, values as WAMR's
//! argument cells, exported state read in place.
//!
//! Types and exports come from our loader's view of the case (the same
//! bytes), so values cross as raw cells without asking WAMR about types
//! (whose type enums differ between releases). Externrefs cross as host
//! object pointers in WAMR's externref map: the pointer `i + 1` stands for
//! the instance's `payloads[i]`, so it is never null nor the all-ones
//! pointer WAMR reads as `ref.null`.

use super::budget;
use super::ffi::{self, Library, RawInstance, MESSAGE_LEN};
use super::prepare::Prepared;
use super::traps::trap_of;
use crate::engine::EngineInstance;
use crate::outcome::{CallResult, InstantiateResult, Value, INVALID_EXTERNREF};
use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tierdiff_runtime::module::ExportKind;
use tierdiff_runtime::{FuncType, MapSnapshot, Module, ValType, Violation};

/// The wasm stack of a call (WAMR keeps frames and operands there, not on
/// the native stack): generous, so that recursion our tiers allow (10,000
/// frames by default) fits; deeper recursion ends in WAMR's "wasm operand
/// stack overflow", an exhaustion.
const WASM_STACK: u32 = 16 << 20;

/// WAMR's null reference in a cell.
const NULL_REF: u32 = u32::MAX;

pub struct WamrInstance {
    library: &'static Library,
    raw: RawInstance,
    /// WAMR's loaded module, unloaded after the instance.
    wasm_module: *mut c_void,
    /// The bytes WAMR loaded: it points into them until the unload.
    _bytes: Vec<u8>,
    module: Option<Arc<Module>>,
    functions: HashMap<String, *mut c_void>,
    /// Host objects of externrefs (see the module doc).
    payloads: Vec<u64>,
}

impl WamrInstance {
    /// Loads, instantiates, and runs the start function if there is one.
    pub fn new(library: &'static Library, prepared: Prepared) -> Result<Self, InstantiateResult> {
        let mut bytes = prepared.bytes;
        let mut message = [0 as c_char; MESSAGE_LEN];
        // SAFETY: `bytes` is writable and outlives the module (it moves
        // into the instance, which unloads the module before dropping it).
        let wasm_module = unsafe {
            (library.load)(
                bytes.as_mut_ptr(),
                bytes.len() as u32,
                message.as_mut_ptr(),
                MESSAGE_LEN as u32,
            )
        };
        if wasm_module.is_null() {
            return Err(InstantiateResult::Rejected(ffi::text(&message)));
        }
        // SAFETY: a module just loaded; the instance takes over both.
        let raw = unsafe {
            (library.instantiate)(
                wasm_module,
                prepared.max_memory_pages,
                WASM_STACK,
                message.as_mut_ptr(),
                MESSAGE_LEN as u32,
            )
        };
        if raw.is_null() {
            // SAFETY: the module just loaded, with no instance of it.
            unsafe { (library.unload)(wasm_module) };
            return Err(instantiation_failure(&ffi::text(&message)));
        }
        let mut instance = WamrInstance {
            library,
            raw,
            wasm_module,
            _bytes: bytes,
            module: prepared.module,
            functions: HashMap::new(),
            payloads: Vec::new(),
        };
        if let Some(start) = prepared.start {
            let no_values = FuncType {
                params: Vec::new(),
                results: Vec::new(),
            };
            match instance.invoke(&start, &no_values, &[]) {
                CallResult::Returned(_) | CallResult::Exited(_) => {}
                CallResult::Trapped(code) => return Err(InstantiateResult::Trapped(code)),
                CallResult::Crashed(m) => return Err(InstantiateResult::Crashed(m)),
            }
        }
        Ok(instance)
    }

    fn exports_of(&self, kind: ExportKind) -> Vec<(String, u32)> {
        self.module
            .iter()
            .flat_map(|m| &m.exports)
            .filter(|e| e.kind == kind)
            .map(|e| (e.name.clone(), e.index))
            .collect()
    }

    /// WAMR's function instance for `export`, looked up once.
    fn function(&mut self, export: &str) -> Option<*mut c_void> {
        if let Some(&f) = self.functions.get(export) {
            return Some(f);
        }
        let name = ffi::c_name(export);
        // SAFETY: a live instance and a NUL-terminated name.
        let f = unsafe { (self.library.lookup)(self.raw, name.as_ptr()) };
        (!f.is_null()).then(|| {
            self.functions.insert(export.to_string(), f);
            f
        })
    }

    /// `value` as WAMR's cells for a parameter of type `ty`.
    fn push_cells(
        &mut self,
        cells: &mut Vec<u32>,
        ty: ValType,
        value: &Value,
    ) -> Result<(), String> {
        let split = |cells: &mut Vec<u32>, x: u64| cells.extend([x as u32, (x >> 32) as u32]);
        match (ty, *value) {
            (ValType::I32, Value::I32(x)) => cells.push(x as u32),
            (ValType::I64, Value::I64(x)) => split(cells, x as u64),
            (ValType::F32, Value::F32(bits)) => cells.push(bits),
            (ValType::F64, Value::F64(bits)) => split(cells, bits),
            (ValType::V128, Value::V128(v)) => {
                cells.extend((0..4).map(|i| (v >> (32 * i)) as u32));
            }
            // Like every engine, the harness passes null for any funcref.
            (ValType::FuncRef, Value::FuncRef(_)) => cells.push(NULL_REF),
            (ValType::ExternRef, Value::ExternRef(None)) => split(cells, u64::MAX),
            (ValType::ExternRef, Value::ExternRef(Some(payload))) => {
                let index = match self.payloads.iter().position(|&p| p == payload) {
                    Some(i) => i,
                    None => {
                        self.payloads.push(payload);
                        self.payloads.len() - 1
                    }
                };
                split(cells, index as u64 + 1);
            }
            (ty, value) => return Err(format!("a {value} for a {ty:?} parameter")),
        }
        Ok(())
    }

    /// Results of types `types` from WAMR's cells.
    fn results(&self, cells: &[u32], types: &[ValType]) -> Vec<Value> {
        let mut at = 0;
        let mut take = |n: usize| {
            let words = &cells[at..at + n];
            at += n;
            words
                .iter()
                .rev()
                .fold(0u128, |acc, &w| (acc << 32) | w as u128)
        };
        types
            .iter()
            .map(|ty| match ty {
                ValType::I32 => Value::I32(take(1) as u32 as i32),
                ValType::I64 => Value::I64(take(2) as u64 as i64),
                ValType::F32 => Value::F32(take(1) as u32),
                ValType::F64 => Value::F64(take(2) as u64),
                ValType::V128 => Value::V128(take(4)),
                ValType::FuncRef => funcref(take(1) as u32),
                // The host object WAMR maps the result's index back to.
                ValType::ExternRef => match take(2) as u64 {
                    0 => Value::ExternRef(None),
                    object => Value::ExternRef(Some(self.payload_of(object))),
                },
            })
            .collect()
    }

    fn payload_of(&self, object: u64) -> u64 {
        usize::try_from(object - 1)
            .ok()
            .and_then(|i| self.payloads.get(i))
            .copied()
            .unwrap_or(INVALID_EXTERNREF)
    }

    /// A reference stored in a global or table: a function index, or an
    /// index into WAMR's externref map.
    fn reference(&self, ty: ValType, index: u32) -> Value {
        match ty {
            ValType::ExternRef if index == NULL_REF => Value::ExternRef(None),
            ValType::ExternRef => {
                let mut object = 0;
                // SAFETY: a plain lookup in WAMR's externref map.
                let known = unsafe { (self.library.externref_obj)(index, &mut object) } == 1;
                Value::ExternRef(Some(if known && object != 0 {
                    self.payload_of(object)
                } else {
                    INVALID_EXTERNREF
                }))
            }
            _ => funcref(index),
        }
    }

    /// Calls WAMR's export `export` of type `ty`, under the budget.
    fn invoke(&mut self, export: &str, ty: &FuncType, args: &[Value]) -> CallResult {
        let Some(function) = self.function(export) else {
            return CallResult::Crashed(format!("WAMR does not find exported function {export:?}"));
        };
        if args.len() != ty.params.len() {
            return CallResult::Crashed(format!(
                "harness passed bad arguments: {} for {} parameters",
                args.len(),
                ty.params.len()
            ));
        }
        let mut cells = Vec::new();
        for (ty, value) in ty.params.iter().zip(args) {
            if let Err(why) = self.push_cells(&mut cells, *ty, value) {
                return CallResult::Crashed(format!("harness passed bad arguments: {why}"));
            }
        }
        let argc = cells.len() as u32;
        let result_cells: usize = ty.results.iter().map(|t| cells_of(*t)).sum();
        cells.resize(cells.len().max(result_cells), 0);
        let mut message = [0 as c_char; MESSAGE_LEN];
        let (raw, library) = (self.raw, self.library);
        let returned = budget::within(raw, library.terminate, || {
            // SAFETY: a live instance, a function of it, and cells laid out
            // for its type with room for its results.
            unsafe {
                (library.call)(
                    raw,
                    function,
                    cells.as_mut_ptr(),
                    argc,
                    message.as_mut_ptr(),
                    MESSAGE_LEN as u32,
                )
            }
        });
        if returned == 1 {
            return CallResult::Returned(self.results(&cells, &ty.results));
        }
        let exception = ffi::text(&message);
        match trap_of(&exception) {
            Some(code) => CallResult::Trapped(code),
            None => CallResult::Crashed(format!(
                "WAMR exception: {}",
                exception.trim_start_matches("Exception: ")
            )),
        }
    }
}

fn funcref(index: u32) -> Value {
    match index {
        NULL_REF => Value::FuncRef(None),
        index => Value::FuncRef(Some(Some(index))),
    }
}

/// How many cells a value of `ty` takes.
fn cells_of(ty: ValType) -> usize {
    match ty {
        ValType::I32 | ValType::F32 | ValType::FuncRef => 1,
        ValType::I64 | ValType::F64 | ValType::ExternRef => 2,
        ValType::V128 => 4,
    }
}

/// An instantiation WAMR refused: a trap of its segments, or its crash.
fn instantiation_failure(message: &str) -> InstantiateResult {
    match trap_of(message) {
        Some(code) => InstantiateResult::Trapped(code),
        None => InstantiateResult::Crashed(format!("WAMR could not instantiate: {message}")),
    }
}

/// Says once per process that a WAMR build cannot read some state.
fn cannot_read(what: &str, since: &str, library: &Library, warned: &AtomicBool) {
    if !warned.swap(true, Ordering::Relaxed) {
        eprintln!(
            "WAMR {} cannot read exported {what} (its API came in {since}): they are not compared",
            library.version
        );
    }
}

impl EngineInstance for WamrInstance {
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
        let Some(module) = self.module.clone() else {
            return CallResult::Crashed(
                "WAMR instantiated a module tierdiff's loader rejects; nothing to call".into(),
            );
        };
        match module.export(export) {
            Some(e) if e.kind == ExportKind::Func => {
                self.invoke(export, module.func_type(e.index), args)
            }
            _ => CallResult::Crashed(format!("no exported function {export:?}")),
        }
    }

    fn globals(&mut self) -> Vec<(String, Value)> {
        static WARNED: AtomicBool = AtomicBool::new(false);
        let Some(module) = self.module.clone() else {
            return Vec::new();
        };
        if self.library.feature_bits & ffi::READ_GLOBALS == 0 {
            cannot_read("globals", "2.1.0", self.library, &WARNED);
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, index) in self.exports_of(ExportKind::Global) {
            let ty = module.globals[index as usize].ty;
            let mut bytes = [0u8; 16];
            let size = match ty {
                ValType::I64 | ValType::F64 => 8,
                ValType::V128 => 16,
                _ => 4,
            };
            let c_name = ffi::c_name(&name);
            // SAFETY: a live instance; `bytes` holds `size` bytes.
            let found = unsafe {
                (self.library.global)(self.raw, c_name.as_ptr(), bytes.as_mut_ptr(), size)
            };
            if found != 1 {
                continue;
            }
            // The bytes past `size` stay zero.
            let wide = u128::from_le_bytes(bytes);
            let value = match ty {
                ValType::I32 => Value::I32(wide as u32 as i32),
                ValType::F32 => Value::F32(wide as u32),
                ValType::I64 => Value::I64(wide as u64 as i64),
                ValType::F64 => Value::F64(wide as u64),
                ValType::V128 => Value::V128(wide),
                ValType::FuncRef | ValType::ExternRef => self.reference(ty, wide as u32),
            };
            out.push((name, value));
        }
        out
    }

    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, _) in self.exports_of(ExportKind::Memory) {
            let c_name = ffi::c_name(&name);
            let (mut base, mut size) = (std::ptr::null_mut(), 0u64);
            // SAFETY: a live instance; the out-pointers are ours.
            let found =
                unsafe { (self.library.memory)(self.raw, c_name.as_ptr(), &mut base, &mut size) };
            if found != 1 {
                continue;
            }
            let bytes: &[u8] = match usize::try_from(size) {
                // SAFETY: WAMR's memory holds `size` bytes at `base` until
                // the next call, and `visit` makes none.
                Ok(size) if size > 0 && !base.is_null() => unsafe {
                    std::slice::from_raw_parts(base, size)
                },
                _ => &[],
            };
            visit(&name, bytes);
        }
    }

    fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
        static WARNED: AtomicBool = AtomicBool::new(false);
        let Some(module) = self.module.clone() else {
            return Vec::new();
        };
        if self.library.feature_bits & ffi::READ_TABLES == 0 {
            cannot_read("tables", "2.1.0", self.library, &WARNED);
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, index) in self.exports_of(ExportKind::Table) {
            let ty = module.tables[index as usize].elem;
            let c_name = ffi::c_name(&name);
            // SAFETY: a live instance; a capacity of 0 copies nothing.
            let size =
                unsafe { (self.library.table)(self.raw, c_name.as_ptr(), std::ptr::null_mut(), 0) };
            let Ok(size) = u32::try_from(size) else {
                continue;
            };
            let mut elements = vec![0u32; size as usize];
            // SAFETY: `elements` holds `size` indices.
            unsafe { (self.library.table)(self.raw, c_name.as_ptr(), elements.as_mut_ptr(), size) };
            let values = elements.iter().map(|&e| self.reference(ty, e)).collect();
            out.push((name, values));
        }
        out
    }

    fn violations(&self) -> Vec<Violation> {
        Vec::new()
    }

    fn shared_map_snapshots(&self) -> Vec<MapSnapshot> {
        Vec::new()
    }
}

impl Drop for WamrInstance {
    fn drop(&mut self) {
        // SAFETY: no call is running (calls take &mut self) and nothing is
        // armed for this instance; the module goes after its instance.
        unsafe {
            (self.library.deinstantiate)(self.raw);
            (self.library.unload)(self.wasm_module);
        }
    }
}
