//! wasmi as the independent reference engine.
//!
//! It runs with the same memory and table limits as our tiers (through a
//! wasmi resource limiter) and the same call-depth limit; its fuel is
//! charged per instruction, unlike ours, so generated modules terminate by
//! themselves (wasm-smith's `ensure_termination`) and a wasmi-only
//! exhaustion is inconclusive, never a finding.

use super::{reference_fuel, runtime_supports};
use crate::engine::{Engine, EngineInstance};
use crate::forwarder::Forwarder;
use crate::outcome::{CallResult, InstantiateResult, Value, WasiOutput};
use std::sync::{Arc, Mutex};
use tierdiff_runtime::wasi::{self, WasiConfig, WasiState};
use tierdiff_runtime::{Limits, MapSnapshot, TrapCode, Violation};
use wasmi::errors::ErrorKind;
use wasmi::{ExternRef, Nullable, Ref};
use wasmparser::WasmFeatures;

/// The wasmi engine.
pub struct WasmiEngine;

struct HostState {
    limits: super::limiter::CaseLimiter,
}

impl Engine for WasmiEngine {
    fn name(&self) -> &str {
        "wasmi"
    }

    fn is_reference(&self) -> bool {
        true
    }

    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        let mut config = wasmi::Config::default();
        config
            .wasm_tail_call(runtime_supports(WasmFeatures::TAIL_CALL))
            .wasm_extended_const(runtime_supports(WasmFeatures::EXTENDED_CONST))
            .wasm_multi_memory(runtime_supports(WasmFeatures::MULTI_MEMORY))
            .wasm_memory64(runtime_supports(WasmFeatures::MEMORY64))
            .wasm_wide_arithmetic(runtime_supports(WasmFeatures::WIDE_ARITHMETIC))
            .wasm_custom_page_sizes(runtime_supports(WasmFeatures::CUSTOM_PAGE_SIZES))
            .wasm_simd(runtime_supports(WasmFeatures::SIMD))
            .wasm_relaxed_simd(runtime_supports(WasmFeatures::RELAXED_SIMD))
            .consume_fuel(true)
            .set_max_recursion_depth(limits.max_call_depth as usize);
        let engine = wasmi::Engine::new(&config);
        if let Some(why) = beyond_wasmi(bytes) {
            return Err(InstantiateResult::EngineLimit(why));
        }
        let module = wasmi::Module::new(&engine, bytes).map_err(load_error)?;
        let mut store = wasmi::Store::new(
            &engine,
            HostState {
                limits: super::limiter::CaseLimiter::new(&limits),
            },
        );
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(reference_fuel(&limits))
            .expect("fuel is enabled");
        let mut linker = wasmi::Linker::<HostState>::new(&engine);
        let state = wasi.map(WasiState::shared);
        if let Some(state) = &state {
            define_wasi(&mut linker, &module, state)?;
        }
        match linker.instantiate_and_start(&mut store, &module) {
            Ok(instance) => {
                let forwarder = crate::forwarder::wanted(bytes, &limits)
                    .map(|f| link_forwarder(&engine, &mut store, instance, f))
                    .transpose()?;
                Ok(Box::new(WasmiInstance {
                    store,
                    instance,
                    forwarder,
                    module,
                    wasi: state,
                }))
            }
            Err(e) => Err(match e.as_trap_code() {
                Some(code) => InstantiateResult::Trapped(map_trap(code)),
                // wasmi reports an active element segment past its table as a
                // table error, not a trap; the spec says it traps, as our tiers do.
                None if e.to_string().starts_with("out of bounds table access") => {
                    InstantiateResult::Trapped(TrapCode::TableOutOfBounds)
                }
                None if e.to_string().contains("import") => {
                    InstantiateResult::Unlinkable(e.to_string())
                }
                // Our limiter refusing a memory or table (the memory budget,
                // a per-memory bound) comes wrapped as an instantiation error.
                None if e.to_string().contains("resource limiter denied") => {
                    InstantiateResult::Resource(e.to_string())
                }
                None => match e.kind() {
                    ErrorKind::Memory(_) | ErrorKind::Table(_) | ErrorKind::UserLimits(_) => {
                        InstantiateResult::Resource(e.to_string())
                    }
                    _ => InstantiateResult::EngineLimit(e.to_string()),
                },
            }),
        }
    }
}

/// What wasmi 2.0.0 cannot run although the module is valid, found before
/// wasmi sees it: a memory whose maximum in bytes does not fit 64 bits (a
/// 64-bit memory may declare 2^48 pages) makes wasmi panic where it cannot
/// unwind, which would abort the process.
fn beyond_wasmi(bytes: &[u8]) -> Option<String> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::MemorySection(memories)) = payload else {
            continue;
        };
        for memory in memories.into_iter().flatten() {
            let page = 1u64 << memory.page_size_log2.unwrap_or(16);
            if memory
                .maximum
                .is_some_and(|max| max.checked_mul(page).is_none())
            {
                return Some(format!(
                    "wasmi 2.0.0 cannot represent a memory maximum of {} pages (it panics)",
                    memory.maximum.unwrap_or_default()
                ));
            }
        }
    }
    None
}

/// A module wasmi would not load: invalid (a verdict the tiers are judged
/// by), or beyond wasmi's own translation limits (not a verdict at all).
fn load_error(e: wasmi::Error) -> InstantiateResult {
    // wasmi's own caps on counts (100 tables, say) are its limits, not
    // the spec's: such a module is valid.
    if e.to_string().contains("count exceeds limit") {
        return InstantiateResult::EngineLimit(e.to_string());
    }
    match e.kind() {
        ErrorKind::Wasm(_) | ErrorKind::Read(_) => InstantiateResult::Rejected(e.to_string()),
        _ => InstantiateResult::EngineLimit(e.to_string()),
    }
}

/// Defines the runtime's WASI implementation as wasmi host functions: the
/// same [`wasi::dispatch`] the tiers use, on wasmi's view of the caller's
/// exported `memory`. Unknown names of the WASI module become stubs of the
/// declared type, as in the runtime.
fn define_wasi(
    linker: &mut wasmi::Linker<HostState>,
    module: &wasmi::Module,
    state: &Arc<Mutex<WasiState>>,
) -> Result<(), InstantiateResult> {
    let mut wanted: Vec<(String, wasmi::FuncType)> = wasi::FUNCTIONS
        .iter()
        .map(|(n, _)| {
            let ty = wasi::func_type(n).expect("listed");
            (n.to_string(), wasmi_func_type(&ty))
        })
        .collect();
    for import in module.imports() {
        if import.module() != wasi::MODULE || wasi::func_type(import.name()).is_some() {
            continue;
        }
        if let wasmi::ExternType::Func(ty) = import.ty() {
            wanted.push((import.name().to_string(), ty.clone()));
        }
    }
    for (name, ty) in wanted {
        let state = state.clone();
        let results: Vec<tierdiff_runtime::ValType> =
            ty.results().iter().map(|t| our_type(*t)).collect();
        let fname = name.clone();
        let func = move |mut caller: wasmi::Caller<'_, HostState>,
                         params: &[wasmi::Val],
                         out: &mut [wasmi::Val]|
              -> Result<(), wasmi::Error> {
            let raw: Vec<u64> = params.iter().map(raw_of).collect();
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            let memory = caller
                .get_export("memory")
                .and_then(wasmi::Extern::into_memory);
            let r = match memory {
                Some(m) => wasi::dispatch(&fname, &mut s, m.data_mut(&mut caller), &raw, &results),
                None => wasi::dispatch(&fname, &mut s, &mut [], &raw, &results),
            };
            match r {
                Ok(values) => {
                    for (slot, v) in out.iter_mut().zip(values) {
                        *slot = val_of(slot.ty(), v);
                    }
                    Ok(())
                }
                Err(wasi::Exit(code)) => Err(wasmi::Error::i32_exit(code as i32)),
            }
        };
        linker
            .func_new(wasi::MODULE, &name, ty, func)
            .map_err(|e| InstantiateResult::Crashed(format!("defining WASI {name}: {e}")))?;
    }
    Ok(())
}

fn wasmi_type(t: tierdiff_runtime::ValType) -> wasmi::ValType {
    use tierdiff_runtime::ValType as T;
    match t {
        T::I32 => wasmi::ValType::I32,
        T::I64 => wasmi::ValType::I64,
        T::F32 => wasmi::ValType::F32,
        T::F64 => wasmi::ValType::F64,
        T::V128 => wasmi::ValType::V128,
        T::FuncRef => wasmi::ValType::FuncRef,
        T::ExternRef => wasmi::ValType::ExternRef,
    }
}

fn our_type(t: wasmi::ValType) -> tierdiff_runtime::ValType {
    use tierdiff_runtime::ValType as T;
    match t {
        wasmi::ValType::I32 => T::I32,
        wasmi::ValType::I64 => T::I64,
        wasmi::ValType::F32 => T::F32,
        wasmi::ValType::F64 => T::F64,
        wasmi::ValType::V128 => T::V128,
        wasmi::ValType::FuncRef => T::FuncRef,
        _ => T::ExternRef,
    }
}

fn wasmi_func_type(ty: &tierdiff_runtime::FuncType) -> wasmi::FuncType {
    wasmi::FuncType::new(
        ty.params.iter().map(|t| wasmi_type(*t)),
        ty.results.iter().map(|t| wasmi_type(*t)),
    )
}

/// A numeric wasmi value as a raw slot (`i32` as its `u32` bits).
fn raw_of(v: &wasmi::Val) -> u64 {
    match v {
        wasmi::Val::I32(x) => *x as u32 as u64,
        wasmi::Val::I64(x) => *x as u64,
        wasmi::Val::F32(f) => f.to_bits() as u64,
        wasmi::Val::F64(f) => f.to_bits(),
        _ => 0,
    }
}

/// A raw slot as a wasmi value of type `ty` (references stay null).
fn val_of(ty: wasmi::ValType, raw: u64) -> wasmi::Val {
    match ty {
        wasmi::ValType::I32 => wasmi::Val::I32(raw as u32 as i32),
        wasmi::ValType::I64 => wasmi::Val::I64(raw as i64),
        wasmi::ValType::F32 => wasmi::Val::F32(wasmi::F32::from_bits(raw as u32)),
        wasmi::ValType::F64 => wasmi::Val::F64(wasmi::F64::from_bits(raw)),
        other => wasmi::Val::default_for_ty(other),
    }
}

/// wasmi's trap codes in our terms.
fn map_trap(code: wasmi::TrapCode) -> TrapCode {
    use wasmi::TrapCode as W;
    match code {
        W::UnreachableCodeReached => TrapCode::Unreachable,
        W::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
        W::TableOutOfBounds => TrapCode::TableOutOfBounds,
        W::IndirectCallToNull => TrapCode::IndirectCallToNull,
        W::IntegerDivisionByZero => TrapCode::IntegerDivideByZero,
        W::IntegerOverflow => TrapCode::IntegerOverflow,
        W::BadConversionToInteger => TrapCode::InvalidConversionToInteger,
        W::StackOverflow => TrapCode::CallStackExhausted,
        W::BadSignature => TrapCode::IndirectCallTypeMismatch,
        W::OutOfFuel => TrapCode::OutOfFuel,
        _ => TrapCode::HostError,
    }
}

/// Instantiates `forwarder` in `store`, linked to the case's `instance`.
fn link_forwarder(
    engine: &wasmi::Engine,
    store: &mut wasmi::Store<HostState>,
    instance: wasmi::Instance,
    forwarder: Arc<Forwarder>,
) -> Result<(wasmi::Instance, Arc<Forwarder>), InstantiateResult> {
    let crashed = |e: wasmi::Error| InstantiateResult::Crashed(format!("wasmi forwarder: {e}"));
    let module = wasmi::Module::new(engine, &forwarder.bytes).map_err(crashed)?;
    let mut linker = wasmi::Linker::<HostState>::new(engine);
    linker
        .instance(&mut *store, crate::forwarder::CASE_MODULE, instance)
        .map_err(crashed)?;
    let id = linker
        .instantiate_and_start(&mut *store, &module)
        .map_err(crashed)?;
    Ok((id, forwarder))
}

struct WasmiInstance {
    store: wasmi::Store<HostState>,
    /// The case's instance: its exports are the state compared.
    instance: wasmi::Instance,
    /// The forwarder's instance, when the case's calls go through it.
    forwarder: Option<(wasmi::Instance, Arc<Forwarder>)>,
    module: wasmi::Module,
    wasi: Option<Arc<Mutex<WasiState>>>,
}

impl WasmiInstance {
    fn val_in(&mut self, v: &Value) -> wasmi::Val {
        match *v {
            Value::I32(x) => wasmi::Val::I32(x),
            Value::I64(x) => wasmi::Val::I64(x),
            Value::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
            Value::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
            Value::V128(v) => wasmi::Val::V128(v.into()),
            Value::FuncRef(_) => wasmi::Val::FuncRef(Nullable::Null),
            Value::ExternRef(None) => wasmi::Val::ExternRef(Nullable::Null),
            Value::ExternRef(Some(p)) => {
                wasmi::Val::ExternRef(Nullable::Val(ExternRef::new(&mut self.store, p)))
            }
        }
    }

    fn val_out(&self, v: &wasmi::Val) -> Value {
        match v {
            wasmi::Val::I32(x) => Value::I32(*x),
            wasmi::Val::I64(x) => Value::I64(*x),
            wasmi::Val::F32(f) => Value::F32(f.to_bits()),
            wasmi::Val::F64(f) => Value::F64(f.to_bits()),
            wasmi::Val::V128(v) => Value::V128(v.as_u128()),
            wasmi::Val::FuncRef(Nullable::Null) => Value::FuncRef(None),
            wasmi::Val::FuncRef(Nullable::Val(_)) => Value::FuncRef(Some(None)),
            wasmi::Val::ExternRef(r) => self.externref_out(r),
        }
    }

    fn externref_out(&self, r: &Nullable<ExternRef>) -> Value {
        match r {
            Nullable::Null => Value::ExternRef(None),
            Nullable::Val(r) => Value::ExternRef(Some(
                *r.data(&self.store)
                    .downcast_ref::<u64>()
                    .expect("the harness only passes u64 payloads"),
            )),
        }
    }

    fn exports_of(&self, pick: fn(&wasmi::ExternType) -> bool) -> Vec<String> {
        self.module
            .exports()
            .filter(|e| pick(e.ty()))
            .map(|e| e.name().to_string())
            .collect()
    }
}

impl EngineInstance for WasmiInstance {
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
        let callee = crate::forwarder::callee(&self.forwarder, self.instance, export);
        let Some(func) = callee.get_func(&self.store, export) else {
            return CallResult::Crashed(format!("no exported function {export:?}"));
        };
        let params: Vec<wasmi::Val> = args.iter().map(|a| self.val_in(a)).collect();
        let ty = func.ty(&self.store);
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => CallResult::Returned(results.iter().map(|v| self.val_out(v)).collect()),
            Err(e) => match (e.as_trap_code(), e.i32_exit_status()) {
                (Some(code), _) => CallResult::Trapped(map_trap(code)),
                (None, Some(status)) => CallResult::Exited(status as u32),
                (None, None) => CallResult::Crashed(format!("wasmi error: {e}")),
            },
        }
    }

    fn globals(&mut self) -> Vec<(String, Value)> {
        self.exports_of(|t| matches!(t, wasmi::ExternType::Global(_)))
            .into_iter()
            .filter_map(|name| {
                let g = self.instance.get_global(&self.store, &name)?;
                let v = g.get(&self.store);
                Some((name, self.val_out(&v)))
            })
            .collect()
    }

    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
        for name in self.exports_of(|t| matches!(t, wasmi::ExternType::Memory(_))) {
            if let Some(m) = self.instance.get_memory(&self.store, &name) {
                visit(&name, m.data(&self.store));
            }
        }
    }

    fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
        self.exports_of(|t| matches!(t, wasmi::ExternType::Table(_)))
            .into_iter()
            .filter_map(|name| {
                let t = self.instance.get_table(&self.store, &name)?;
                let size = t.size(&self.store);
                let items = (0..size)
                    .map(|i| match t.get(&self.store, i) {
                        Some(Ref::Func(Nullable::Null)) | None => Value::FuncRef(None),
                        Some(Ref::Func(Nullable::Val(_))) => Value::FuncRef(Some(None)),
                        Some(Ref::Extern(r)) => self.externref_out(&r),
                    })
                    .collect();
                Some((name, items))
            })
            .collect()
    }

    fn violations(&self) -> Vec<Violation> {
        Vec::new()
    }

    fn shared_map_snapshots(&self) -> Vec<MapSnapshot> {
        Vec::new()
    }

    fn wasi_output(&self) -> Option<WasiOutput> {
        self.wasi.as_deref().map(crate::engine::wasi_output)
    }
}
