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
    /// Whether an engine under test follows tierdiff's shared semantics
    /// where the spec leaves room (fuel, call depth, NaN bits): our tiers,
    /// also behind an adapter. Others (WAMR, `ext:` engines) are compared
    /// as the references are there: any NaN for a NaN, and their own
    /// exhaustion leaves them out of the rest of the case.
    fn exact(&self) -> bool {
        !self.is_reference()
    }
    /// The proposals it runs when fewer than the runtime accepts: a fuzz
    /// run generates only what every engine runs
    /// ([`crate::generate::Profile`]).
    fn features(&self) -> Option<wasmparser::WasmFeatures> {
        None
    }
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

/// The engines a command uses when it is not told: [`SELECTED_ENV`] if
/// set, else [`defaults`].
pub fn available() -> Vec<String> {
    match std::env::var(SELECTED_ENV) {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(str::to_string).collect(),
        _ => defaults(),
    }
}

/// The engine set of this process and its children when not the default
/// one: `--engines` sets it, and fuzz workers, supervised children and
/// shrink workers inherit it, so every process of a command runs one set.
pub const SELECTED_ENV: &str = "TIERDIFF_ENGINES";

/// Makes `names` the engine set of this process and the processes it
/// starts (set even when it is the default one: a choice made on the
/// command line overrides the set a finding recorded). Called from the
/// CLI before any thread is started.
pub fn select(names: &[String]) {
    std::env::set_var(SELECTED_ENV, names.join(","));
}

/// The engine set to record with a finding, when it is not the default.
pub fn recorded() -> Option<Vec<String>> {
    let names = available();
    (names != defaults()).then_some(names)
}

/// The default engines: implemented tiers, then `wasmi`.
pub fn defaults() -> Vec<String> {
    let mut names: Vec<String> = TierKind::implemented()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    names.push("wasmi".into());
    names
}

/// Every built-in engine name: [`defaults`], the tie-breaker, and the
/// engines under test that only `--engines` selects ([`optional`]).
pub fn known() -> Vec<String> {
    let mut names = defaults();
    names.extend(TIEBREAKER.map(str::to_string));
    names.extend(optional());
    names
}

/// Engines under test beyond our tiers: wasmtime's other modes (in
/// builds with wasmtime) and WAMR's modes, each WAMR mode in an adapter
/// process of its own ([`crate::wamr`]).
pub fn optional() -> Vec<String> {
    let mut names = Vec::new();
    if cfg!(feature = "wasmtime") {
        names.extend(["wasmtime-winch", "wasmtime-pulley"].map(str::to_string));
    }
    names.extend(crate::wamr::MODES.map(str::to_string));
    names
}

/// Opens every engine of `names`, or says which cannot be opened and why.
pub fn open_all(names: &[String]) -> Result<Vec<Box<dyn Engine>>, String> {
    names.iter().map(|n| open(n)).collect()
}

/// Whether `name` is a reference engine's, without building it.
pub fn is_reference_name(name: &str) -> bool {
    name == "wasmi" || TIEBREAKER == Some(name)
}

/// The second reference engine that settles wasmi disagreements, if built.
pub const TIEBREAKER: Option<&str> = if cfg!(feature = "wasmtime") {
    Some("wasmtime")
} else {
    None
};

/// Builds an engine by name; `None` for a name [`open`] refuses.
pub fn build(name: &str) -> Option<Box<dyn Engine>> {
    open(name).ok()
}

/// The tierdiff executable whose `adapter` command serves WAMR's modes:
/// this executable unless this variable names another (for programs and
/// tests that use the library from a binary of their own).
pub const EXE_ENV: &str = "TIERDIFF_EXE";

/// The prefix of an engine behind an adapter: `ext:NAME=COMMAND`.
pub const EXTERNAL_PREFIX: &str = "ext:";

/// Builds an engine by name, or says in one line why it cannot: an
/// unknown name, or an adapter (`ext:NAME=COMMAND`) that does not start
/// or speaks another protocol.
pub fn open(name: &str) -> Result<Box<dyn Engine>, String> {
    if let Some(spec) = name.strip_prefix(EXTERNAL_PREFIX) {
        let (ext_name, command) = parse_external(spec)?;
        let engine = crate::adapter::client::ExternalEngine::start(&ext_name, command)?;
        return Ok(Box::new(engine));
    }
    // WAMR's modes cannot share a process with each other, and a WAMR bug
    // may kill its process: each runs in an adapter of this binary.
    if crate::wamr::MODES.contains(&name) {
        let exe = match std::env::var_os(EXE_ENV) {
            Some(exe) => std::path::PathBuf::from(exe),
            None => std::env::current_exe()
                .map_err(|e| format!("engine {name}: cannot find this executable: {e}"))?,
        };
        let command = vec![
            exe.display().to_string(),
            "adapter".into(),
            "--engine".into(),
            name.into(),
        ];
        let engine = crate::adapter::client::ExternalEngine::start(name, command)?;
        return Ok(Box::new(engine));
    }
    let engine = in_process(name).ok_or_else(|| {
        format!(
            "unknown engine {name:?} (known: {}, or ext:NAME=COMMAND for an adapter)",
            known().join(", ")
        )
    })?;
    // A wasmtime mode whose configuration this build cannot make says so
    // now, not as a crash in every case.
    #[cfg(feature = "wasmtime")]
    if let Some(mode) = crate::reference::wasmtime_engine::WasmtimeMode::parse(name) {
        crate::reference::wasmtime_engine::check(mode)
            .map_err(|e| format!("engine {name}: {e}"))?;
    }
    Ok(engine)
}

/// `NAME=COMMAND` of an `ext:` engine: the command is split on spaces
/// (a script can do anything more).
pub fn parse_external(spec: &str) -> Result<(String, Vec<String>), String> {
    let (name, command) = spec
        .split_once('=')
        .ok_or_else(|| format!("engine ext:{spec}: expected ext:NAME=COMMAND"))?;
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || !name.chars().all(valid) {
        return Err(format!(
            "engine ext:{spec}: NAME must be letters, digits, '-' or '_'"
        ));
    }
    if known().iter().any(|k| k == name) {
        return Err(format!(
            "engine ext:{spec}: {name} is already a built-in engine's name"
        ));
    }
    let command: Vec<String> = command.split_whitespace().map(str::to_string).collect();
    if command.is_empty() {
        return Err(format!("engine ext:{spec}: the command is empty"));
    }
    Ok((name.to_string(), command))
}

/// The engines this binary runs in its own process, by name.
pub fn in_process(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "wasmi" => Some(Box::new(WasmiEngine)),
        #[cfg(feature = "wasmtime")]
        "wasmtime" | "wasmtime-winch" | "wasmtime-pulley" => {
            let mode = crate::reference::wasmtime_engine::WasmtimeMode::parse(name)?;
            Some(Box::new(crate::reference::WasmtimeEngine { mode }))
        }
        other if crate::wamr::MODES.contains(&other) => match crate::wamr::engine(other)? {
            Ok(engine) => Some(Box::new(engine)),
            Err(_) => None,
        },
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
