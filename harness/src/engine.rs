//! The differential contract: an [`Engine`] instantiates a module, an
//! [`EngineInstance`] calls exports and exposes exported state. One impl per
//! runtime tier (discovered through `TierKind::implemented()`) plus the
//! reference engines (wasmi, and wasmtime as the tie-breaker); adding an
//! engine touches [`build`] and one file.

use crate::forwarder::Forwarder;
use crate::outcome::{CallResult, InstantiateResult, Value, WasiOutput, INVALID_EXTERNREF};
use crate::reference::WasmiEngine;
use std::sync::{Arc, Mutex};
use tierdiff_runtime::module::ExportKind;
use tierdiff_runtime::wasi::{self, WasiConfig, WasiState};
use tierdiff_runtime::{
    CallError, Extern, InstanceId, InstantiateError, Limits, Linker, MapSnapshot, Module, Store,
    TierKind, Val, Violation,
};

/// Something that can run a module.
pub trait Engine: Send {
    /// Stable name used in reports and signatures (`classic`, `wasmi`, ...).
    fn name(&self) -> &str;
    /// Whether this is the independent reference rather than one of our tiers.
    fn is_reference(&self) -> bool;
    /// Loads and instantiates a module without WASI.
    fn instantiate(
        &self,
        bytes: &[u8],
        limits: Limits,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        self.instantiate_wasi(bytes, limits, None)
    }
    /// Loads and instantiates a module; with `wasi`, its WASI preview1
    /// imports are backed by a fresh state made from that configuration.
    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult>;
}

/// A live instance of a module in one engine.
pub trait EngineInstance {
    /// Calls an exported function.
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult;
    /// Every exported global, in export order.
    fn globals(&mut self) -> Vec<(String, Value)>;
    /// Calls `visit` with every exported memory's name and bytes, in export
    /// order, in place: state comparison never copies a whole memory.
    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8]));
    /// Every exported table's contents, in export order.
    fn tables(&mut self) -> Vec<(String, Vec<Value>)>;
    /// Internal-map violations so far (none for engines without maps).
    fn violations(&self) -> Vec<Violation>;
    /// Internal-map snapshots shared by every tier (not tier-private tables).
    fn shared_map_snapshots(&self) -> Vec<MapSnapshot>;
    /// Captured stdout/stderr and exit code, when instantiated with WASI.
    fn wasi_output(&self) -> Option<WasiOutput> {
        None
    }
    /// Semantic coverage recorded so far as `(cell, count)`, for an engine
    /// built to record it (see [`build_recording`]).
    fn coverage(&self) -> Option<Vec<(u32, u64)>> {
        None
    }
    /// Tier-path counts `(path, count)` recorded so far, for one of our
    /// tiers built to record them (see [`build_recording`]).
    fn tier_paths(&self) -> Option<Vec<(u32, u64)>> {
        None
    }
}

/// The output part of a WASI state, as instances report it.
pub fn wasi_output(state: &Mutex<WasiState>) -> WasiOutput {
    let s = state.lock().unwrap_or_else(|e| e.into_inner());
    WasiOutput {
        stdout: s.stdout.clone(),
        stderr: s.stderr.clone(),
        exit_code: s.exit_code,
    }
}

/// The engines a run uses by default: implemented tiers, then `wasmi`.
pub fn available() -> Vec<String> {
    let mut names: Vec<String> = TierKind::implemented()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    names.push("wasmi".into());
    names
}

/// Every engine name [`build`] accepts: [`available`] plus the tie-breaker.
pub fn known() -> Vec<String> {
    let mut names = available();
    names.extend(TIEBREAKER.map(str::to_string));
    names
}

/// The second reference engine that settles wasmi disagreements, if built.
pub const TIEBREAKER: Option<&str> = if cfg!(feature = "wasmtime") {
    Some("wasmtime")
} else {
    None
};

/// Builds an engine by name.
pub fn build(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "wasmi" => Some(Box::new(WasmiEngine)),
        #[cfg(feature = "wasmtime")]
        "wasmtime" => Some(Box::new(crate::reference::WasmtimeEngine)),
        other => {
            let tier = TierKind::parse(other).filter(|t| t.is_implemented())?;
            Some(Box::new(TierEngine {
                tier,
                coverage: false,
            }))
        }
    }
}

/// Builds an engine by name, recording coverage: every tier counts its own
/// paths ([`crate::tier_coverage`]) and the engine that records semantic
/// coverage ([`crate::coverage::RECORDED_BY`]) records that too.
pub fn build_recording(name: &str) -> Option<Box<dyn Engine>> {
    let Some(tier) = TierKind::parse(name).filter(|t| t.is_implemented()) else {
        return build(name);
    };
    Some(Box::new(TierEngine {
        tier,
        coverage: true,
    }))
}

/// One of our tiers.
pub struct TierEngine {
    pub tier: TierKind,
    /// Record coverage: tier paths, and semantic coverage in the tier that
    /// records it.
    pub coverage: bool,
}

impl Engine for TierEngine {
    fn name(&self) -> &str {
        self.tier.name()
    }

    fn is_reference(&self) -> bool {
        false
    }

    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        let module = load_module(bytes).map_err(InstantiateResult::Rejected)?;
        let mut store = Store::new(self.tier, limits).expect("only implemented tiers are built");
        if self.coverage {
            if crate::tier_coverage::enabled() {
                store.enable_tier_paths();
            }
            if self.tier.name() == crate::coverage::RECORDED_BY {
                store.enable_coverage();
            }
        }
        let mut linker = Linker::default();
        let state = wasi.map(WasiState::shared);
        if let Some(state) = &state {
            wasi::define(&mut store, &mut linker, &module, state.clone());
        }
        match store.instantiate(&module, &linker) {
            Ok(instance) => {
                let forwarder = crate::forwarder::wanted(bytes, &limits)
                    .map(|f| link_forwarder(&mut store, instance, f))
                    .transpose()?;
                Ok(Box::new(TierInstance {
                    store,
                    instance,
                    forwarder,
                    module,
                    wasi: state,
                }))
            }
            Err(InstantiateError::Link(m)) => Err(InstantiateResult::Unlinkable(m)),
            Err(InstantiateError::Resource(m)) => Err(InstantiateResult::Resource(m.to_string())),
            Err(InstantiateError::Prepare { error, .. }) => Err(InstantiateResult::Refused {
                kind: error.kind(),
                message: error.to_string(),
            }),
            Err(InstantiateError::Trap(t)) => Err(InstantiateResult::Trapped(t.code)),
        }
    }
}

/// Instantiates `forwarder` in `store`, linked to the case's `instance`. It
/// is plain wasm our loader made: any failure is the tier's crash.
fn link_forwarder(
    store: &mut Store,
    instance: InstanceId,
    forwarder: Arc<Forwarder>,
) -> Result<(InstanceId, Arc<Forwarder>), InstantiateResult> {
    let crashed = |m: String| InstantiateResult::Crashed(format!("forwarder: {m}"));
    let module = forwarder.module.clone().map_err(crashed)?;
    let mut linker = Linker::default();
    linker.define_instance(store, crate::forwarder::CASE_MODULE, instance);
    let id = store
        .instantiate(&module, &linker)
        .map_err(|e| crashed(e.to_string()))?;
    Ok((id, forwarder))
}

struct TierInstance {
    store: Store,
    /// The case's instance: its exports are the state compared.
    instance: InstanceId,
    /// The forwarder's instance, when the case's calls go through it.
    forwarder: Option<(InstanceId, Arc<Forwarder>)>,
    module: Arc<Module>,
    wasi: Option<Arc<Mutex<WasiState>>>,
}

impl TierInstance {
    fn val_in(&mut self, v: &Value) -> Val {
        match *v {
            Value::I32(x) => Val::I32(x),
            Value::I64(x) => Val::I64(x),
            Value::F32(b) => Val::F32(b),
            Value::F64(b) => Val::F64(b),
            Value::V128(v) => Val::V128(v),
            Value::FuncRef(_) => Val::FuncRef(None),
            Value::ExternRef(None) => Val::ExternRef(None),
            Value::ExternRef(Some(p)) => self.store.extern_ref(p),
        }
    }

    fn val_out(&mut self, v: Val) -> Value {
        match v {
            Val::I32(x) => Value::I32(x),
            Val::I64(x) => Value::I64(x),
            Val::F32(b) => Value::F32(b),
            Val::F64(b) => Value::F64(b),
            Val::V128(v) => Value::V128(v),
            Val::FuncRef(None) => Value::FuncRef(None),
            Val::FuncRef(Some(addr)) => {
                let funcs = &self.store.data().instances[self.instance.0 as usize].funcs;
                Value::FuncRef(Some(
                    funcs.iter().position(|&a| a == addr).map(|i| i as u32),
                ))
            }
            Val::ExternRef(None) => Value::ExternRef(None),
            // The store already checked the id against the ExternRef map when
            // it left wasm; an unknown id is a recorded violation.
            Val::ExternRef(Some(id)) => Value::ExternRef(Some(
                self.store
                    .data()
                    .extern_refs
                    .peek(id)
                    .unwrap_or(INVALID_EXTERNREF),
            )),
        }
    }

    fn exports_of(&self, kind: ExportKind) -> Vec<String> {
        self.module
            .exports
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.name.clone())
            .collect()
    }
}

impl EngineInstance for TierInstance {
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
        let callee = crate::forwarder::callee(&self.forwarder, self.instance, export);
        let Some(Extern::Func(f)) = self.store.export(callee, export) else {
            return CallResult::Crashed(format!("no exported function {export:?}"));
        };
        let vals: Vec<Val> = args.iter().map(|a| self.val_in(a)).collect();
        match self.store.invoke(f, &vals) {
            Ok(results) => {
                CallResult::Returned(results.into_iter().map(|v| self.val_out(v)).collect())
            }
            Err(CallError::Trap(t)) => match t.exit {
                Some(code) => CallResult::Exited(code),
                None => CallResult::Trapped(t.code),
            },
            Err(CallError::Signature(m)) => {
                CallResult::Crashed(format!("harness passed bad arguments: {m}"))
            }
        }
    }

    fn globals(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for name in self.exports_of(ExportKind::Global) {
            if let Some(Extern::Global(g)) = self.store.export_peek(self.instance, &name) {
                let v = self.store.global_get(g);
                out.push((name, self.val_out(v)));
            }
        }
        out
    }

    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
        for name in self.exports_of(ExportKind::Memory) {
            if let Some(Extern::Memory(m)) = self.store.export_peek(self.instance, &name) {
                visit(&name, self.store.memory(m));
            }
        }
    }

    fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
        let mut out = Vec::new();
        for name in self.exports_of(ExportKind::Table) {
            if let Some(Extern::Table(t)) = self.store.export_peek(self.instance, &name) {
                let contents = self.store.table_contents(t);
                out.push((
                    name,
                    contents.into_iter().map(|v| self.val_out(v)).collect(),
                ));
            }
        }
        out
    }

    fn violations(&self) -> Vec<Violation> {
        self.store.violations()
    }

    fn shared_map_snapshots(&self) -> Vec<MapSnapshot> {
        // Tier-private side tables differ by design; the shared maps must not.
        self.store.shared_map_snapshots()
    }

    fn wasi_output(&self) -> Option<WasiOutput> {
        self.wasi.as_deref().map(wasi_output)
    }

    fn coverage(&self) -> Option<Vec<(u32, u64)>> {
        self.store.coverage().map(|c| c.sparse())
    }

    fn tier_paths(&self) -> Option<Vec<(u32, u64)>> {
        self.store.tier_paths().map(|c| c.sparse())
    }
}

/// The runtime's module for `bytes`: every tier of a case loads the same
/// bytes, so the last module loaded on this thread is kept and shared (the
/// loader is one for all tiers; decoding and validating it again per tier
/// cost 3 % of a fuzz run). An error is the loader's message.
pub fn load_module(bytes: &[u8]) -> Result<std::sync::Arc<Module>, String> {
    thread_local! {
        static LAST: LastForBytes<Result<Arc<Module>, String>> = const { std::cell::RefCell::new(None) };
    }
    last_for_bytes(&LAST, bytes, |b| Module::new(b).map_err(|e| e.to_string()))
}

/// A thread's last bytes and what was made of them (see [`last_for_bytes`]).
pub type LastForBytes<T> = std::cell::RefCell<Option<(Vec<u8>, T)>>;

/// What `make` gives for `bytes`, kept in `last` for the last bytes this
/// thread asked about: every engine of a case asks with the same bytes.
pub fn last_for_bytes<T: Clone>(
    last: &'static std::thread::LocalKey<LastForBytes<T>>,
    bytes: &[u8],
    make: impl FnOnce(&[u8]) -> T,
) -> T {
    last.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((b, made)) = last.as_ref() {
            if b.as_slice() == bytes {
                return made.clone();
            }
        }
        let made = make(bytes);
        *last = Some((bytes.to_vec(), made.clone()));
        made
    })
}
