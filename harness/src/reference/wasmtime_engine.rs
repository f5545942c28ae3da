//! wasmtime as the tie-breaking second reference, and its other execution
//! modes as engines under test.
//!
//! With Cranelift (`wasmtime`) it is consulted only when every tier agrees
//! and wasmi differs (see [`crate::triage`]), so its compile cost never
//! touches throughput. Winch (`wasmtime-winch`, its baseline compiler) and
//! Pulley (`wasmtime-pulley`, its interpreter) are engines under test that
//! `--engines` names, judged with their own NaN bits and limits
//! ([`crate::engine::Engine::exact`] is false). Every mode runs with our
//! memory and table limits (a resource limiter), a fixed native stack for
//! wasm instead of a frame count, and instruction fuel: its exhaustion,
//! like wasmi's, is inconclusive, never a verdict.

use super::reference_fuel;
use crate::engine::{Engine, EngineInstance};
use crate::forwarder::Forwarder;
use crate::outcome::{CallResult, InstantiateResult, Value, WasiOutput};
use std::sync::{Arc, Mutex, OnceLock};
use tierdiff_runtime::wasi::{self, WasiConfig, WasiState};
use tierdiff_runtime::{Limits, MapSnapshot, TrapCode, Violation};
use wasmparser::WasmFeatures;
use wasmtime::{ExternRef, Ref, Rooted};

/// Native stack wasmtime may use for wasm: its largest allowed value (it may
/// not exceed the async stack size, 2 MiB without the `async` feature). The
/// CLI and fuzz workers run on 256 MiB threads, so this is the bound that
/// counts; deep recursion ends in wasmtime's stack-overflow trap, which is
/// exhaustion and so inconclusive.
const MAX_WASM_STACK: usize = 2 << 20;

/// A wasmtime engine in one of its execution modes.
pub struct WasmtimeEngine {
    pub mode: WasmtimeMode,
}

/// wasmtime's execution modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmtimeMode {
    /// The optimising compiler: the tie-breaking reference.
    Cranelift,
    /// The baseline compiler.
    Winch,
    /// The portable interpreter.
    Pulley,
}

impl WasmtimeMode {
    pub const ALL: [WasmtimeMode; 3] = [
        WasmtimeMode::Cranelift,
        WasmtimeMode::Winch,
        WasmtimeMode::Pulley,
    ];

    /// The engine name.
    pub fn name(self) -> &'static str {
        match self {
            WasmtimeMode::Cranelift => "wasmtime",
            WasmtimeMode::Winch => "wasmtime-winch",
            WasmtimeMode::Pulley => "wasmtime-pulley",
        }
    }

    pub fn parse(name: &str) -> Option<WasmtimeMode> {
        WasmtimeMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// What the mode runs of what the runtime accepts. Winch lacks the
    /// vector proposals, tail calls and GC-managed reference types
    /// (externref) on x86-64 (wasmtime's own differential fuzzer turns
    /// them off for it); a module using them leaves it out of the case
    /// instead of being a verdict.
    fn features(self) -> WasmFeatures {
        let runtime = tierdiff_runtime::module::supported_features();
        match self {
            WasmtimeMode::Cranelift | WasmtimeMode::Pulley => runtime,
            WasmtimeMode::Winch => {
                runtime
                    - (WasmFeatures::SIMD
                        | WasmFeatures::RELAXED_SIMD
                        | WasmFeatures::TAIL_CALL
                        | WasmFeatures::GC_TYPES)
            }
        }
    }
}

struct HostState {
    limits: super::limiter::CaseLimiter,
}

/// One engine per mode for the process: its configuration never changes,
/// and creating one costs more than compiling a small module.
fn shared_engine(mode: WasmtimeMode) -> Result<&'static wasmtime::Engine, InstantiateResult> {
    static ENGINES: [OnceLock<Result<wasmtime::Engine, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let supports = |f: WasmFeatures| mode.features().contains(f);
    ENGINES[mode as usize]
        .get_or_init(|| {
            let mut config = wasmtime::Config::new();
            match mode {
                WasmtimeMode::Cranelift => {}
                WasmtimeMode::Winch => {
                    config.strategy(wasmtime::Strategy::Winch);
                }
                WasmtimeMode::Pulley => {
                    config.target("pulley64").map_err(|e| e.to_string())?;
                }
            }
            config
                .consume_fuel(true)
                // The NaN rule (`tierdiff_runtime::nan`): Cranelift's pass
                // makes every arithmetic NaN the canonical one, as ours do.
                .cranelift_nan_canonicalization(true)
                .max_wasm_stack(MAX_WASM_STACK)
                .wasm_simd(supports(WasmFeatures::SIMD))
                .wasm_relaxed_simd(supports(WasmFeatures::RELAXED_SIMD))
                .wasm_tail_call(supports(WasmFeatures::TAIL_CALL))
                .wasm_extended_const(supports(WasmFeatures::EXTENDED_CONST))
                .wasm_multi_memory(supports(WasmFeatures::MULTI_MEMORY))
                .wasm_memory64(supports(WasmFeatures::MEMORY64))
                .wasm_wide_arithmetic(supports(WasmFeatures::WIDE_ARITHMETIC))
                .wasm_custom_page_sizes(supports(WasmFeatures::CUSTOM_PAGE_SIZES))
                .wasm_function_references(false)
                .wasm_gc(false)
                .wasm_exceptions(false);
            wasmtime::Engine::new(&config).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| InstantiateResult::Crashed(format!("{} engine: {e}", mode.name())))
}

/// Whether this build can make `mode`'s engine, or why not.
pub fn check(mode: WasmtimeMode) -> Result<(), String> {
    shared_engine(mode).map(|_| ()).map_err(|e| match e {
        InstantiateResult::Crashed(m) => m,
        other => format!("{other:?}"),
    })
}

/// Why `mode` cannot run `bytes` (a proposal it lacks that the runtime
/// accepts), if so.
fn unsupported(mode: WasmtimeMode, bytes: &[u8]) -> Option<String> {
    if mode == WasmtimeMode::Cranelift {
        return None;
    }
    let e = wasmparser::Validator::new_with_features(mode.features())
        .validate_all(bytes)
        .err()?;
    wasmparser::Validator::new_with_features(tierdiff_runtime::module::supported_features())
        .validate_all(bytes)
        .ok()?;
    Some(format!(
        "{} does not run what the module uses: {}",
        mode.name(),
        e.message()
    ))
}

impl Engine for WasmtimeEngine {
    fn name(&self) -> &str {
        self.mode.name()
    }

    fn is_reference(&self) -> bool {
        self.mode == WasmtimeMode::Cranelift
    }

    fn exact(&self) -> bool {
        false
    }

    fn features(&self) -> Option<WasmFeatures> {
        Some(self.mode.features())
    }

    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        if let Some(why) = unsupported(self.mode, bytes) {
            return Err(InstantiateResult::EngineLimit(why));
        }
        let engine = shared_engine(self.mode)?;
        let module = wasmtime::Module::new(engine, bytes).map_err(load_error)?;
        let mut store = wasmtime::Store::new(
            engine,
            HostState {
                limits: super::limiter::CaseLimiter::new(&limits),
            },
        );
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(reference_fuel(&limits))
            .map_err(|e| InstantiateResult::Crashed(format!("wasmtime fuel: {e}")))?;
        let mut linker = wasmtime::Linker::<HostState>::new(engine);
        let state = wasi.map(WasiState::shared);
        if let Some(state) = &state {
            define_wasi(&mut linker, &module, state)?;
        }
        match linker.instantiate(&mut store, &module) {
            Ok(instance) => {
                let forwarder = crate::forwarder::wanted(bytes, &limits)
                    .map(|f| link_forwarder(engine, &mut store, instance, f))
                    .transpose()?;
                Ok(Box::new(WasmtimeInstance {
                    store,
                    instance,
                    forwarder,
                    module,
                    wasi: state,
                }))
            }
            Err(e) => Err(match e.downcast_ref::<wasmtime::Trap>() {
                Some(trap) => InstantiateResult::Trapped(map_trap(*trap)),
                None if format!("{e:#}").contains("import") => {
                    InstantiateResult::Unlinkable(format!("{e:#}"))
                }
                None => InstantiateResult::Resource(format!("{e:#}")),
            }),
        }
    }
}

/// A module wasmtime would not compile: invalid (a verdict), or past one of
/// Cranelift's or wasmtime's own implementation limits (no verdict).
/// wasmtime's error types for these are not public: its messages tell them
/// apart (`WasmError::ImplLimitExceeded`, `CodegenError::CodeTooLarge`).
fn load_error(e: wasmtime::Error) -> InstantiateResult {
    let text = format!("{e:#}");
    let limit = [
        "Implementation limit exceeded",
        "Code for function is too large",
    ];
    if limit.iter().any(|l| text.contains(l)) {
        InstantiateResult::EngineLimit(text)
    } else {
        InstantiateResult::Rejected(text)
    }
}

/// The error a WASI `proc_exit` unwinds wasmtime with.
#[derive(Debug)]
struct WasiExit(u32);

impl std::fmt::Display for WasiExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exited with code {}", self.0)
    }
}

impl std::error::Error for WasiExit {}

/// Defines the runtime's WASI implementation as wasmtime host functions, as
/// the wasmi reference does: the same [`wasi::dispatch`] on wasmtime's view
/// of the caller's exported `memory`; unknown WASI names become stubs.
fn define_wasi(
    linker: &mut wasmtime::Linker<HostState>,
    module: &wasmtime::Module,
    state: &Arc<Mutex<WasiState>>,
) -> Result<(), InstantiateResult> {
    let engine = module.engine();
    for import in module.imports() {
        if import.module() != wasi::MODULE {
            continue;
        }
        let wasmtime::ExternType::Func(ty) = import.ty() else {
            continue;
        };
        let name = import.name().to_string();
        let results: Vec<tierdiff_runtime::ValType> = ty.results().map(|t| our_type(&t)).collect();
        let state = state.clone();
        let fname = name.clone();
        let func = move |mut caller: wasmtime::Caller<'_, HostState>,
                         params: &[wasmtime::Val],
                         out: &mut [wasmtime::Val]|
              -> wasmtime::Result<()> {
            let raw: Vec<u64> = params.iter().map(raw_of).collect();
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            let memory = caller
                .get_export("memory")
                .and_then(wasmtime::Extern::into_memory);
            let r = match memory {
                Some(m) => wasi::dispatch(&fname, &mut s, m.data_mut(&mut caller), &raw, &results),
                None => wasi::dispatch(&fname, &mut s, &mut [], &raw, &results),
            };
            match r {
                Ok(values) => {
                    for ((slot, ty), v) in out.iter_mut().zip(&results).zip(values) {
                        *slot = val_of(*ty, v);
                    }
                    Ok(())
                }
                Err(wasi::Exit(code)) => Err(wasmtime::Error::new(WasiExit(code))),
            }
        };
        let ty = wasmtime::FuncType::new(engine, ty.params(), ty.results());
        linker
            .func_new(wasi::MODULE, &name, ty, func)
            .map_err(|e| InstantiateResult::Crashed(format!("defining WASI {name}: {e}")))?;
    }
    Ok(())
}

fn our_type(t: &wasmtime::ValType) -> tierdiff_runtime::ValType {
    use tierdiff_runtime::ValType as T;
    match t {
        wasmtime::ValType::I32 => T::I32,
        wasmtime::ValType::I64 => T::I64,
        wasmtime::ValType::F32 => T::F32,
        wasmtime::ValType::F64 => T::F64,
        wasmtime::ValType::V128 => T::V128,
        wasmtime::ValType::Ref(r) if r.heap_type().is_func() => T::FuncRef,
        _ => T::ExternRef,
    }
}

/// A numeric wasmtime value as a raw slot (`i32` as its `u32` bits).
fn raw_of(v: &wasmtime::Val) -> u64 {
    match v {
        wasmtime::Val::I32(x) => *x as u32 as u64,
        wasmtime::Val::I64(x) => *x as u64,
        wasmtime::Val::F32(bits) => *bits as u64,
        wasmtime::Val::F64(bits) => *bits,
        _ => 0,
    }
}

/// A raw slot as a wasmtime value of our type `ty` (references stay null).
fn val_of(ty: tierdiff_runtime::ValType, raw: u64) -> wasmtime::Val {
    use tierdiff_runtime::ValType as T;
    match ty {
        T::I32 => wasmtime::Val::I32(raw as u32 as i32),
        T::I64 => wasmtime::Val::I64(raw as i64),
        T::F32 => wasmtime::Val::F32(raw as u32),
        T::F64 => wasmtime::Val::F64(raw),
        T::V128 => wasmtime::Val::V128((raw as u128).into()),
        T::FuncRef => wasmtime::Val::FuncRef(None),
        T::ExternRef => wasmtime::Val::ExternRef(None),
    }
}

/// wasmtime's traps in our terms.
fn map_trap(trap: wasmtime::Trap) -> TrapCode {
    use wasmtime::Trap as W;
    match trap {
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
        W::NullReference => TrapCode::NullReference,
        _ => TrapCode::HostError,
    }
}

/// Instantiates `forwarder` in `store`, linked to the case's `instance`.
fn link_forwarder(
    engine: &wasmtime::Engine,
    store: &mut wasmtime::Store<HostState>,
    instance: wasmtime::Instance,
    forwarder: Arc<Forwarder>,
) -> Result<(wasmtime::Instance, Arc<Forwarder>), InstantiateResult> {
    let crashed =
        |e: wasmtime::Error| InstantiateResult::Crashed(format!("wasmtime forwarder: {e:#}"));
    let module = wasmtime::Module::new(engine, &forwarder.bytes).map_err(crashed)?;
    let mut linker = wasmtime::Linker::<HostState>::new(engine);
    linker
        .instance(&mut *store, crate::forwarder::CASE_MODULE, instance)
        .map_err(crashed)?;
    let id = linker.instantiate(&mut *store, &module).map_err(crashed)?;
    Ok((id, forwarder))
}

struct WasmtimeInstance {
    store: wasmtime::Store<HostState>,
    /// The case's instance: its exports are the state compared.
    instance: wasmtime::Instance,
    /// The forwarder's instance, when the case's calls go through it.
    forwarder: Option<(wasmtime::Instance, Arc<Forwarder>)>,
    module: wasmtime::Module,
    wasi: Option<Arc<Mutex<WasiState>>>,
}

impl WasmtimeInstance {
    fn val_in(&mut self, v: &Value) -> Result<wasmtime::Val, String> {
        Ok(match *v {
            Value::I32(x) => wasmtime::Val::I32(x),
            Value::I64(x) => wasmtime::Val::I64(x),
            Value::F32(b) => wasmtime::Val::F32(b),
            Value::F64(b) => wasmtime::Val::F64(b),
            Value::V128(v) => wasmtime::Val::V128(v.into()),
            Value::FuncRef(_) => wasmtime::Val::FuncRef(None),
            Value::ExternRef(None) => wasmtime::Val::ExternRef(None),
            Value::ExternRef(Some(p)) => wasmtime::Val::ExternRef(Some(
                ExternRef::new(&mut self.store, p)
                    .map_err(|e| format!("wasmtime externref: {e}"))?,
            )),
        })
    }

    fn val_out(&mut self, v: &wasmtime::Val) -> Value {
        match v {
            wasmtime::Val::I32(x) => Value::I32(*x),
            wasmtime::Val::I64(x) => Value::I64(*x),
            wasmtime::Val::F32(b) => Value::F32(*b),
            wasmtime::Val::F64(b) => Value::F64(*b),
            wasmtime::Val::V128(v) => Value::V128(v.as_u128()),
            wasmtime::Val::FuncRef(None) => Value::FuncRef(None),
            wasmtime::Val::FuncRef(Some(_)) => Value::FuncRef(Some(None)),
            wasmtime::Val::ExternRef(r) => self.externref_out(r.as_ref()),
            other => panic!("wasmtime returned a value outside the runtime's features: {other:?}"),
        }
    }

    fn externref_out(&self, r: Option<&Rooted<ExternRef>>) -> Value {
        let Some(r) = r else {
            return Value::ExternRef(None);
        };
        let payload = r
            .data(&self.store)
            .ok()
            .flatten()
            .and_then(|d| d.downcast_ref::<u64>())
            .copied()
            .expect("the harness only passes u64 payloads");
        Value::ExternRef(Some(payload))
    }

    fn exports_of(&self, pick: fn(&wasmtime::ExternType) -> bool) -> Vec<String> {
        self.module
            .exports()
            .filter(|e| pick(&e.ty()))
            .map(|e| e.name().to_string())
            .collect()
    }
}

impl EngineInstance for WasmtimeInstance {
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
        let callee = crate::forwarder::callee(&self.forwarder, self.instance, export);
        let Some(func) = callee.get_func(&mut self.store, export) else {
            return CallResult::Crashed(format!("no exported function {export:?}"));
        };
        let params = match args.iter().map(|a| self.val_in(a)).collect() {
            Ok(p) => p,
            Err(e) => return CallResult::Crashed(e),
        };
        let params: Vec<wasmtime::Val> = params;
        let ty = func.ty(&self.store);
        let mut results: Vec<wasmtime::Val> = ty
            .results()
            .map(|t| wasmtime::Val::default_for_ty(&t).unwrap_or(wasmtime::Val::I32(0)))
            .collect();
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => CallResult::Returned(results.iter().map(|v| self.val_out(v)).collect()),
            Err(e) => {
                if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
                    CallResult::Trapped(map_trap(*trap))
                } else if let Some(WasiExit(code)) = e.downcast_ref::<WasiExit>() {
                    CallResult::Exited(*code)
                } else {
                    CallResult::Crashed(format!("wasmtime error: {e:#}"))
                }
            }
        }
    }

    fn globals(&mut self) -> Vec<(String, Value)> {
        self.exports_of(|t| matches!(t, wasmtime::ExternType::Global(_)))
            .into_iter()
            .filter_map(|name| {
                let g = self.instance.get_global(&mut self.store, &name)?;
                let v = g.get(&mut self.store);
                Some((name, self.val_out(&v)))
            })
            .collect()
    }

    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
        for name in self.exports_of(|t| matches!(t, wasmtime::ExternType::Memory(_))) {
            if let Some(m) = self.instance.get_memory(&mut self.store, &name) {
                visit(&name, m.data(&self.store));
            }
        }
    }

    fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
        self.exports_of(|t| matches!(t, wasmtime::ExternType::Table(_)))
            .into_iter()
            .filter_map(|name| {
                let t = self.instance.get_table(&mut self.store, &name)?;
                let size = t.size(&self.store);
                let items = (0..size)
                    .map(|i| match t.get(&mut self.store, i) {
                        Some(Ref::Func(Some(_))) => Value::FuncRef(Some(None)),
                        Some(Ref::Extern(r)) => self.externref_out(r.as_ref()),
                        _ => Value::FuncRef(None),
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
