//! The JIT tier: compiles every wasm function to native code with Cranelift.
//!
//! * [`compile`] turns one function body into CLIF: `fn(vmctx, fuel, depth,
//!   params..) -> (status, results..)` in Cranelift's `tail` convention.
//!   Every trapping condition (bounds, division, conversion, call depth,
//!   fuel, `unreachable`, and whatever a callback reports) is an explicit
//!   branch that stores a trap code in the context and returns status 1;
//!   every caller checks the status after each call and returns at once, so
//!   a trap unwinds by plain returns to the Rust entry point. No signal
//!   handler exists and no CLIF trap can fire. SIMD lowers to Cranelift
//!   vector types (`compile::simd`); `return_call` and
//!   `return_call_indirect` to a compiled function of the instance are
//!   Cranelift tail calls, so the callee replaces the caller's frame and
//!   runs at the caller's depth (to anything else they call through the
//!   runtime and return its results). Memory access, several memories and
//!   64-bit memories are in `compile::memory`; table instructions (64-bit
//!   tables too: indices, sizes and lengths travel as u64) in
//!   `compile::table`.
//! * [`ctx`] is the per-instance VM context (memory 0's base and length,
//!   views of every memory and table, the store's global array, fuel, depth,
//!   native stack limit, trap slot) and the `extern "C"` callbacks for
//!   everything that touches store structures: `memory.grow/fill/copy/init`
//!   (of any memory), `data.drop`, `table.*`, `elem.drop`, calls to
//!   imported functions (host or another instance) and `call_indirect` to
//!   anything but the instance's own compiled functions. Direct calls
//!   between functions of one instance are native calls, and so is
//!   `call_indirect` to one of them: native code checks table bounds, null
//!   and the canonical signature id (in the runtime's order) against a table
//!   view and per-function type and code tables (`instance_code`). Values
//!   travel between Rust and native code in 64-bit slots, two per `v128`.
//! * [`codegen`] runs the translation and Cranelift for an instance's
//!   functions, on helper threads too when the module is large, and builds
//!   the entry trampolines (one per wasm signature) through which Rust calls
//!   compiled code.
//!
//! # Dev. Note
//! Compilation is **eager** for instances with less than 1 MiB of wasm code
//! (every test module, fuzz case and benchmark kernel), in
//! [`Tier::prepare`]: a module is compiled once, before its segments and
//! start function run, so compile errors are instantiation errors rather
//! than traps mid-run, every call between its functions is a direct call,
//! and nothing is patched at run time. Modules with at least 16 KiB of code
//! compile on every core (a 672 KiB real-world module: 1.19 s on one core,
//! 0.63 s on two).
//!
//! Larger instances compile **lazily** (see [`lazy`]): eagerly, a 15 MiB
//! real-world module took 21 s (39 s on one core) before its first call,
//! almost all for functions a run never reaches; lazily it instantiates in
//! 4 ms and compiles each function at its first call.
//! `TIERDIFF_JIT_COMPILE=eager|lazy` overrides the size rule (the tests run
//! the spec suite and the fuzzer both ways), and a store's limits may ask
//! for either mode (`Limits::jit_compile`; fuzz runs compile one case in
//! eight lazily). All of a store's code lives in
//! one reserved 1 GiB region, so direct calls (32-bit relative) reach code
//! compiled later.
//!
//! Code is compiled per *instance*: function addresses (`ref.func`, imports)
//! and global addresses are baked in as constants, which keeps the context
//! small.
//!
//! What stays out of memory inside a function (see [`compile`]): the base
//! and length of each memory it loads from or stores to live in SSA
//! variables, re-read only after a call or callback (only those can grow
//! memory), and functions without loads or stores keep none. Fuel lives in
//! a register; a compiled function is `fn(vmctx, fuel, depth, params..) ->
//! (status, results..)`, leaves the fuel it did not use in the context when
//! it returns or traps (a third return value made tight loops slower), and
//! callbacks find fuel and their callee's depth in the context. A bounds
//! check is one compare of the address with a limit computed from the
//! memory length alone (hoistable out of loops; for a 64-bit memory formed
//! so that `address + offset` never wraps), and it is skipped
//! where an earlier check of the same address value with at least the same
//! reach dominates it: memory never shrinks, so that check still holds.
//! `TIERDIFF_JIT_DUMP=1` prints each function's CLIF and machine code.
//!
//! Wasm calls are native calls, so wasm must run on a thread whose stack is
//! large enough. Threads started by `crate::stack::run_with_big_stack` (the
//! CLI, the spec workers, the fuzz targets) run it inline; any other caller
//! gets a dedicated thread per top-level call, sized from `max_call_depth`
//! (at least 16 MiB, at most 256 MiB; only touched pages are committed). The
//! call-depth limit traps `CallStackExhausted` first; as a safety net, every
//! function also compares the native stack pointer with a limit 1 MiB above
//! the end of its stack and traps `CallStackExhausted` too, so a depth limit
//! larger than the stack can hold (the tests use 2,000,000) still ends
//! cleanly.

mod codegen;
mod compile;
mod ctx;
mod instance_code;
mod lazy;
mod paths;

pub(crate) use paths::path_cells;

use super::{Tier, TierKind};
use crate::limits::JitCodegen;
use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::prepare::PrepareError;
use crate::store::{FuncInst, InstanceId, StoreData};
use crate::trap::Trap;
use crate::types::FuncType;
use crate::values::FuncAddr;
use compile::{callback_signature, wasm_signature, Callback};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module as _};
use ctx::{Entry, Runtime, Trampoline, VmCtx};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const CODE_MAP: &str = "jit-code-map";

/// Address space reserved for one store's compiled code (under the ±2 GiB
/// reach of an x86-64 direct call; cranelift-jit adds veneers on aarch64).
const CODE_ARENA_BYTES: usize = 1 << 30;

/// Native stack kept free below the wasm frames for callbacks and host functions.
const STACK_MARGIN: usize = 1 << 20;

/// Stack of the thread a call runs on: room for `depth` frames of up to
/// 1 KiB plus margin, within [16 MiB, 256 MiB].
fn stack_size(depth: u32) -> usize {
    (depth as usize)
        .saturating_mul(1024)
        .saturating_add(8 << 20)
        .clamp(16 << 20, 256 << 20)
}

/// One compiled function.
#[derive(Debug, Clone)]
struct CodeEntry {
    instance: u32,
    index: u32,
    /// 0 while a function of a lazy instance waits for its first call
    /// (`code_tables_agree` checks that only lazy instances have such).
    code: usize,
    trampoline: usize,
}

/// The JIT's function table: compiled code and entry trampoline per store
/// function address, and the signature of every `call_indirect` site.
#[derive(Debug, Default)]
pub struct CodeMap {
    by_addr: Vec<Option<CodeEntry>>,
    /// (instance, type index) of every `call_indirect` site.
    indirect_sites: Vec<(u32, u32)>,
    stats: LookupStats,
    invalid: Vec<Violation>,
    /// Compile statistics: functions, wasm body bytes, time.
    compiled: (u64, u64, Duration),
}

impl CodeMap {
    /// Checks the map against the store: every defined function has code,
    /// functions that share an entry trampoline share a signature (a
    /// trampoline reads arguments and writes results by the signature it was
    /// built for), and every `call_indirect` site's signature resolves to a
    /// canonical id.
    fn check_against(&self, data: &StoreData) -> Vec<Violation> {
        let mut out = self.check();
        let mut trampoline_types: HashMap<usize, (usize, crate::types::TypeId)> = HashMap::new();
        for (addr, f) in data.funcs.iter().enumerate() {
            let FuncInst::Wasm {
                instance,
                index,
                type_id,
                ..
            } = f
            else {
                continue;
            };
            if let Some(e) = self.by_addr.get(addr).and_then(Option::as_ref) {
                let (first, ty) = *trampoline_types
                    .entry(e.trampoline)
                    .or_insert((addr, *type_id));
                if ty != *type_id {
                    out.push(Violation::new(
                        CODE_MAP,
                        format!(
                            "functions at addresses {first} and {addr} have different signatures \
                             but share an entry trampoline"
                        ),
                    ));
                }
            }
            if (instance.0 as usize) >= self.prepared_instances(data) {
                continue;
            }
            match self.by_addr.get(addr).and_then(Option::as_ref) {
                Some(e) if e.instance == instance.0 && e.index == *index => {}
                Some(e) => out.push(Violation::new(
                    CODE_MAP,
                    format!(
                        "function address {addr} maps to instance {} func {}, expected instance {} func {index}",
                        e.instance, e.index, instance.0
                    ),
                )),
                None => out.push(Violation::new(
                    CODE_MAP,
                    format!("defined function at address {addr} has no compiled code"),
                )),
            }
        }
        for &(inst, ty) in &self.indirect_sites {
            let resolved = data
                .instances
                .get(inst as usize)
                .and_then(|i| i.type_ids.get(ty as usize))
                .and_then(|&id| data.types.get(id));
            if resolved.is_none() {
                out.push(Violation::new(
                    CODE_MAP,
                    format!(
                        "call_indirect site of instance {inst} with type {ty} does not resolve"
                    ),
                ));
            }
        }
        out
    }

    /// Adds to the compile statistics.
    fn record_compiled(&mut self, functions: u64, body_bytes: u64, time: Duration) {
        self.compiled.0 += functions;
        self.compiled.1 += body_bytes;
        self.compiled.2 += time;
    }

    /// Records the code of a lazily compiled function and its
    /// `call_indirect` sites.
    fn set_code(&mut self, addr: usize, code: *const u8, instance: u32, sites: Vec<u32>) {
        if let Some(e) = self.by_addr.get_mut(addr).and_then(Option::as_mut) {
            e.code = code as usize;
        }
        self.indirect_sites
            .extend(sites.into_iter().map(|ty| (instance, ty)));
    }

    /// Instances whose code is in the map (a failed instantiation may leave
    /// a later instance unprepared).
    fn prepared_instances(&self, data: &StoreData) -> usize {
        self.by_addr
            .iter()
            .flatten()
            .map(|e| e.instance as usize + 1)
            .max()
            .unwrap_or(0)
            .min(data.instances.len())
    }
}

impl InternalMap for CodeMap {
    fn name(&self) -> &'static str {
        CODE_MAP
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = self.invalid.clone();
        for (addr, e) in self.by_addr.iter().enumerate() {
            if let Some(e) = e {
                if e.trampoline == 0 {
                    out.push(Violation::new(
                        CODE_MAP,
                        format!("function address {addr} has a null trampoline"),
                    ));
                }
            }
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        let keys: Vec<String> = self
            .by_addr
            .iter()
            .enumerate()
            .filter_map(|(addr, e)| {
                e.as_ref().map(|e| {
                    let pending = if e.code == 0 {
                        " (not compiled yet)"
                    } else {
                        ""
                    };
                    format!(
                        "func {addr}: instance {} index {}{pending}",
                        e.instance, e.index
                    )
                })
            })
            .collect();
        MapSnapshot {
            name: CODE_MAP.into(),
            entries: keys.len() as u64,
            keys,
            stats: self.stats,
        }
    }
}

/// `TIERDIFF_JIT_DUMP=1` prints every compiled function's CLIF and machine
/// code on stderr: how to see what the JIT made of a hot loop.
fn dump_requested() -> bool {
    std::env::var_os("TIERDIFF_JIT_DUMP").is_some_and(|v| v == "1")
}

/// The Cranelift side: module, reusable contexts and callback declarations.
struct Jit {
    module: JITModule,
    /// This thread's Cranelift state, reused from instance to instance.
    workspace: codegen::Workspace,
    callbacks: HashMap<Callback, FuncId>,
    /// The entry trampoline of each wasm signature compiled so far.
    trampolines: HashMap<FuncType, FuncId>,
    /// Paths the translator emitted since the store last took them
    /// (`crate::tier_paths::Pending::drain_into`).
    emitted: crate::tier_paths::Pending,
    /// Why an earlier compile failed. A failure can leave functions defined
    /// whose callees never were, which the next finalize would trip over,
    /// so after one failure this store compiles nothing more.
    poisoned: Option<PrepareError>,
}

// SAFETY: a `Jit` is owned by one tier and used by one thread at a time; it
// moves to a compile thread only while its owner waits for that thread.
unsafe impl Send for Jit {}

impl Jit {
    fn new(codegen: JitCodegen) -> Result<Jit, PrepareError> {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags
                .set(k, v)
                .map_err(|e| PrepareError::internal("jit", format!("setting {k}: {e}")))
        };
        let (opt_level, regalloc) = match codegen {
            JitCodegen::Tested => ("speed", "backtracking"),
            JitCodegen::Quick => ("none", "single_pass"),
        };
        set(&mut flags, "opt_level", opt_level)?;
        set(&mut flags, "regalloc_algorithm", regalloc)?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
        // The NaN rule (`crate::nan`): every arithmetic NaN result, scalar
        // or lane, becomes the positive canonical NaN.
        set(&mut flags, "enable_nan_canonicalization", "true")?;
        // Cranelift's x64 `return_call` needs frame pointers in the caller.
        // Compiled code executed the same instructions with them as without
        // on the benchmark kernels (callgrind), so every function keeps one.
        set(&mut flags, "preserve_frame_pointers", "true")?;
        // Nothing unwinds through compiled code: traps return status codes,
        // and a panic in an `extern "C"` callback aborts. Without unwind
        // tables a compile is 8 % cheaper and its machine code the same.
        set(&mut flags, "unwind_info", "false")?;
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        let isa = cranelift_native::builder()
            .map_err(|e| PrepareError::internal("jit", format!("host not supported: {e}")))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| PrepareError::internal("jit", e))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        // All code in one reserved region: direct calls are 32-bit relative,
        // so code compiled later (lazily, after big memories were mapped)
        // must stay within 2 GiB of its callers. Reserved pages cost nothing
        // until used.
        let arena = ArenaMemoryProvider::new_with_size(CODE_ARENA_BYTES).map_err(|e| {
            PrepareError::internal("jit", format!("cannot reserve code memory: {e}"))
        })?;
        builder.memory_provider(Box::new(arena));
        let pointers: [(Callback, *const u8); 16] = [
            (Callback::Call, ctx::cb_call as *const u8),
            (Callback::CallIndirect, ctx::cb_call_indirect as *const u8),
            (Callback::MemoryGrow, ctx::cb_memory_grow as *const u8),
            (Callback::MemoryFill, ctx::cb_memory_fill as *const u8),
            (Callback::MemoryCopy, ctx::cb_memory_copy as *const u8),
            (Callback::MemoryInit, ctx::cb_memory_init as *const u8),
            (Callback::DataDrop, ctx::cb_data_drop as *const u8),
            (Callback::TableGet, ctx::cb_table_get as *const u8),
            (Callback::TableSet, ctx::cb_table_set as *const u8),
            (Callback::TableSize, ctx::cb_table_size as *const u8),
            (Callback::TableGrow, ctx::cb_table_grow as *const u8),
            (Callback::TableFill, ctx::cb_table_fill as *const u8),
            (Callback::TableCopy, ctx::cb_table_copy as *const u8),
            (Callback::TableInit, ctx::cb_table_init as *const u8),
            (Callback::ElemDrop, ctx::cb_elem_drop as *const u8),
            (Callback::Compile, lazy::cb_compile as *const u8),
        ];
        debug_assert_eq!(pointers.len(), Callback::ALL.len());
        for (cb, ptr) in pointers {
            builder.symbol(cb.shape().0, ptr);
        }
        let mut module = JITModule::new(builder);
        let ptr = module.target_config().pointer_type();
        let mut callbacks = HashMap::new();
        for cb in Callback::ALL {
            let sig = callback_signature(cb, module.make_signature(), ptr);
            let id = module
                .declare_function(cb.shape().0, Linkage::Import, &sig)
                .map_err(|e| PrepareError::internal("jit", e))?;
            callbacks.insert(cb, id);
        }
        Ok(Jit {
            module,
            workspace: codegen::Workspace::new(),
            callbacks,
            trampolines: HashMap::new(),
            emitted: crate::tier_paths::Pending::default(),
            poisoned: None,
        })
    }

    /// Runs one compile step; an error or a panic in it poisons the JIT
    /// (see `poisoned`) and comes back as an error.
    fn guarded<R>(
        &mut self,
        step: impl FnOnce(&mut Jit) -> Result<R, PrepareError>,
    ) -> Result<R, PrepareError> {
        // The earlier failure is the reason, and keeps its kind.
        if let Some(why) = &self.poisoned {
            return Err(match why {
                PrepareError::Internal(m) => PrepareError::Internal(format!(
                    "this store compiles no more code after an earlier failure: {m}"
                )),
                other => other.clone(),
            });
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(self)))
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                Err(PrepareError::internal(
                    "jit",
                    format!("the compiler panicked: {what}"),
                ))
            });
        if let Err(e) = &outcome {
            self.poisoned = Some(e.clone());
            self.workspace = codegen::Workspace::new();
        }
        outcome
    }

    /// Declares the defined functions of `instance` and compiles (and
    /// defines) the entry trampolines of signatures not seen before.
    fn declare_instance(
        &mut self,
        data: &StoreData,
        instance: InstanceId,
    ) -> Result<Vec<FuncId>, PrepareError> {
        self.guarded(|jit| jit.declare_instance_unguarded(data, instance))
    }

    fn declare_instance_unguarded(
        &mut self,
        data: &StoreData,
        instance: InstanceId,
    ) -> Result<Vec<FuncId>, PrepareError> {
        let module = &data.instances[instance.0 as usize].module;
        let ptr = self.module.target_config().pointer_type();
        let err =
            |e: cranelift_module::ModuleError| PrepareError::internal("jit", format!("{e:?}"));
        let mut func_ids = Vec::new();
        let mut new_trampolines = Vec::new();
        for index in module.num_imported_funcs..module.funcs.len() as u32 {
            let ty = module.func_type(index);
            let sig = wasm_signature(ty, ptr);
            let name = format!("i{}_f{index}", instance.0);
            func_ids.push(
                self.module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map_err(err)?,
            );
            if !self.trampolines.contains_key(ty) {
                let tsig = codegen::trampoline_signature(self.module.isa(), ptr);
                let name = format!("t{}", self.trampolines.len());
                let id = self
                    .module
                    .declare_function(&name, Linkage::Local, &tsig)
                    .map_err(err)?;
                self.trampolines.insert(ty.clone(), id);
                new_trampolines.push((ty, id));
            }
        }
        for (ty, id) in new_trampolines {
            let code = codegen::compile_trampoline(self.module.isa(), &mut self.workspace, ty, id)?;
            self.module
                .define_function_bytes(id, code.alignment, &code.bytes, &code.relocs)
                .map_err(err)?;
        }
        Ok(func_ids)
    }

    /// Compiles what `req` asks for and makes it, and any trampolines
    /// defined since the last call, executable.
    fn compile_functions(&mut self, req: CompileRequest<'_>) -> Result<Compiled, PrepareError> {
        self.guarded(|jit| jit.compile_functions_unguarded(req))
    }

    fn compile_functions_unguarded(
        &mut self,
        req: CompileRequest<'_>,
    ) -> Result<Compiled, PrepareError> {
        let CompileRequest {
            data,
            instance,
            func_ids,
            which,
            lazy_code,
            indirect,
            mem_views,
        } = req;
        let inst = &data.instances[instance.0 as usize];
        let err =
            |e: cranelift_module::ModuleError| PrepareError::internal("jit", format!("{e:?}"));
        let shared = codegen::Shared {
            module: &inst.module,
            inst,
            decls: self.module.declarations(),
            isa: self.module.isa(),
            func_ids,
            lazy_code,
            indirect,
            mem_views,
            callback_ids: &self.callbacks,
            dump: dump_requested(),
        };
        let compiled = codegen::compile_all(&shared, &mut self.workspace, which)?;
        let mut sites = Vec::with_capacity(compiled.len());
        for (f, &defined) in compiled.into_iter().zip(which) {
            let code = &f.code;
            self.module
                .define_function_bytes(func_ids[defined], code.alignment, &code.bytes, &code.relocs)
                .map_err(err)?;
            sites.push(f.indirect_types);
            self.emitted.add(&f.paths);
        }
        self.module.finalize_definitions().map_err(err)?;
        Ok(which
            .iter()
            .zip(sites)
            .map(|(&k, sites)| {
                (
                    k,
                    self.module.get_finalized_function(func_ids[k]) as usize,
                    sites,
                )
            })
            .collect())
    }

    /// The finalized trampoline of wasm signature `ty`.
    fn trampoline(&self, ty: &FuncType) -> *const u8 {
        self.module.get_finalized_function(self.trampolines[ty])
    }
}

/// What to compile: the defined functions numbered in `which` of
/// `instance`, declared as `func_ids`. `lazy_code` and `indirect`: see
/// `compile::Env`.
struct CompileRequest<'a> {
    data: &'a StoreData,
    instance: InstanceId,
    func_ids: &'a [FuncId],
    which: &'a [usize],
    lazy_code: Option<&'a instance_code::RawTable<usize>>,
    indirect: Option<compile::IndirectTables>,
    /// Address of the instance's memory views (`ctx::MemView` per memory).
    mem_views: usize,
}

/// (defined number, code address, `call_indirect` type indices) per
/// compiled function.
type Compiled = Vec<(usize, usize, Vec<u32>)>;

/// The JIT tier: everything lives in [`Runtime`], which callbacks reach
/// through the context (lazy compilation needs the compiler there).
#[derive(Default)]
pub struct JitTier {
    rt: Runtime,
}

// SAFETY: the raw pointers in `Runtime` (contexts, tables) and the JIT's code
// memory are owned exclusively by this tier and only used by the thread that
// currently holds `&mut JitTier`. Compile threads it starts only read the
// JIT's declarations, the ISA and the store while that thread waits.
unsafe impl Send for JitTier {}

impl Drop for JitTier {
    fn drop(&mut self) {
        for &c in &self.rt.ctxs {
            if !c.is_null() {
                // SAFETY: every non-null context came from Box::into_raw in
                // `prepare` and is freed exactly once, here.
                drop(unsafe { Box::from_raw(c) });
            }
        }
        if let Some(jit) = self.rt.jit.take() {
            // SAFETY: no call is running (we hold `&mut self`) and no code
            // pointer outlives the tier, so the code memory is unused.
            unsafe { jit.module.free_memory() };
        }
    }
}

impl JitTier {
    /// Functions compiled, wasm body bytes compiled and time spent compiling.
    pub fn compile_stats(&self) -> (u64, u64, Duration) {
        self.rt.map.compiled
    }
}

/// Runs `func` on the current thread, whose stack has `stack` bytes.
fn run(
    rt: &mut Runtime,
    data: &mut StoreData,
    func: FuncAddr,
    buf: &mut [u64],
    stack: usize,
) -> Result<(), Trap> {
    let FuncInst::Wasm { instance, .. } = &data.funcs[func.0 as usize] else {
        unreachable!("the store runs host functions itself");
    };
    let ctx = rt
        .ctxs
        .get(instance.0 as usize)
        .copied()
        .filter(|c| !c.is_null())
        .ok_or_else(|| Trap::host(format!("jit tier: instance {} not compiled", instance.0)))?;
    let marker = 0u8;
    let top = std::ptr::addr_of!(marker) as u64;
    rt.host_trap = None;
    let rt_ptr: *mut Runtime = rt;
    let data_ptr: *mut StoreData = data;
    // SAFETY: `ctx` is a live context owned by this tier; the store and
    // runtime pointers stay valid for the whole call, during which only
    // native code and its callbacks use them (through these pointers).
    let status = unsafe {
        (*ctx).fuel = (*data_ptr).fuel;
        (*ctx).depth = 0;
        (*ctx).max_depth = (*data_ptr).limits.max_call_depth as u64;
        (*ctx).stack_limit = top.saturating_sub((stack - STACK_MARGIN) as u64);
        (*ctx).trap = 0;
        (*ctx).store = data_ptr;
        (*ctx).runtime = rt_ptr;
        ctx::refresh(ctx, &mut *data_ptr);
        ctx::call_addr(ctx, func, buf.as_mut_ptr())
    };
    // Functions compiled at their first call during this call.
    if let Some(jit) = rt.jit.as_mut() {
        jit.emitted.drain_into(data);
    }
    // SAFETY: native code has returned; the context is ours again.
    let (fuel, code) = unsafe { ((*ctx).fuel, (*ctx).trap) };
    // Native code decrements unlimited fuel (`u64::MAX`) like any other
    // amount (it cannot reach 0 in practice); unlimited stays unlimited.
    if data.fuel != u64::MAX {
        data.fuel = fuel;
    }
    if status == 0 {
        return Ok(());
    }
    if let Some(trap) = rt.host_trap.take() {
        return Err(trap);
    }
    Err(ctx::decode_trap(code)
        .map(Trap::from)
        .unwrap_or_else(|| Trap::host(format!("jit tier: bad trap slot {code}"))))
}

impl Tier for JitTier {
    fn kind(&self) -> TierKind {
        TierKind::Jit
    }

    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), PrepareError> {
        let rt = &mut self.rt;
        if rt.jit.is_none() {
            rt.jit = Some(Jit::new(data.limits.jit_codegen)?);
        }
        let jit = rt.jit.as_mut().expect("just built");
        let start = Instant::now();
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        let body_bytes: usize = module.bodies.iter().map(|b| b.code.len()).sum();
        let lazy = lazy::compiles_lazily(body_bytes, data.limits.jit_compile);
        let func_ids = jit.declare_instance(data, instance)?;
        let mut ic = instance_code::InstanceCode::new(data, instance, func_ids, lazy);
        let all: Vec<usize> = (0..ic.func_ids.len()).collect();
        // Lazily: nothing but trampolines to make executable yet.
        let which: &[usize] = if lazy { &[] } else { &all };
        let lazy_code = lazy.then_some(&ic.code);
        let compiled = jit.compile_functions(CompileRequest {
            data,
            instance,
            func_ids: &ic.func_ids,
            which,
            lazy_code,
            indirect: ic.indirect,
            mem_views: ic.mems.as_ptr() as usize,
        })?;
        let (functions, bytes) = if lazy {
            (0, 0)
        } else {
            (compiled.len() as u64, body_bytes as u64)
        };
        rt.map.record_compiled(functions, bytes, start.elapsed());
        for (k, c, sites) in compiled {
            ic.code.set(k, c);
            rt.map
                .indirect_sites
                .extend(sites.into_iter().map(|ty| (instance.0, ty)));
        }
        for (k, code) in ic.code.iter().enumerate() {
            let index = module.num_imported_funcs + k as u32;
            let tramp = jit.trampoline(module.func_type(index));
            let addr = inst.funcs[index as usize].0 as usize;
            if rt.map.by_addr.len() <= addr {
                rt.map.by_addr.resize(addr + 1, None);
                rt.entries.resize(addr + 1, None);
            }
            rt.map.by_addr[addr] = Some(CodeEntry {
                instance: instance.0,
                index,
                code,
                trampoline: tramp as usize,
            });
            rt.map.stats.misses += 1;
            // SAFETY: `tramp` is a finalized function with the Trampoline
            // signature (three pointers in, i32 status out, host call conv),
            // built for this function's wasm signature.
            let trampoline = unsafe { std::mem::transmute::<*const u8, Trampoline>(tramp) };
            let code = code as *const u8;
            rt.entries[addr] = Some(Entry { trampoline, code });
        }
        let code_table = ic.code.as_ptr().cast_const();
        let table_views = ic.views.as_ptr();
        let mem_views = ic.mems.as_ptr();
        rt.instances.insert(instance.0, ic);
        let slot = instance.0 as usize;
        if rt.ctxs.len() <= slot {
            rt.ctxs.resize(slot + 1, std::ptr::null_mut());
        }
        let mem = inst.memories.first().copied().unwrap_or(u32::MAX);
        let ctx = Box::new(VmCtx {
            mem_base: std::ptr::NonNull::dangling().as_ptr(),
            mem_len: 0,
            globals: std::ptr::null_mut(),
            fuel: 0,
            depth: 0,
            max_depth: 0,
            stack_limit: 0,
            trap: 0,
            mem,
            store: std::ptr::null_mut(),
            runtime: std::ptr::null_mut(),
            instance: instance.0,
            code_table,
            table_views,
            mem_views,
        });
        rt.ctxs[slot] = Box::into_raw(ctx);
        Ok(())
    }

    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        let ty = data.func_type(func);
        let (np, nr) = (ctx::slots(&ty.params), ctx::slots(&ty.results));
        let mut buf = vec![0u64; np.max(nr).max(1)];
        buf[..np].copy_from_slice(args);
        match self.code(func) {
            Some(_) => {}
            None => {
                return Err(Trap::host(format!(
                    "jit tier: function {} has no code",
                    func.0
                )))
            }
        }
        let stack = stack_size(data.limits.max_call_depth);
        // On a thread that already has the stack (see crate::stack), call
        // directly: a thread per call costs tens of microseconds.
        if let Some(free) = crate::stack::remaining().filter(|&free| free >= stack + STACK_MARGIN) {
            return run(&mut self.rt, data, func, &mut buf, free - STACK_MARGIN).map(|()| {
                buf.truncate(nr);
                buf
            });
        }
        let tier: &mut JitTier = self;
        let slots = &mut buf;
        // Moves the whole tier reference (which is Send) into the thread.
        let work = move || {
            let tier: &mut JitTier = tier;
            run(&mut tier.rt, data, func, slots, stack)
        };
        let outcome = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("tierdiff-jit".into())
                .stack_size(stack)
                .spawn_scoped(s, work)
                .map(|h| h.join())
        });
        match outcome {
            Ok(Ok(Ok(()))) => {
                buf.truncate(nr);
                Ok(buf)
            }
            Ok(Ok(Err(trap))) => Err(trap),
            Ok(Err(_)) => Err(Trap::host("jit tier: the call thread panicked")),
            Err(e) => Err(Trap::host(format!("jit tier: cannot start a thread: {e}"))),
        }
    }

    fn record_prepared_paths(&mut self, data: &mut StoreData) {
        if let Some(jit) = self.rt.jit.as_mut() {
            jit.emitted.drain_into(data);
        }
    }

    fn check(&self, data: &StoreData) -> Vec<Violation> {
        let mut out = self.rt.map.check_against(data);
        out.extend(self.code_tables_agree(data));
        out
    }

    fn snapshots(&self) -> Vec<MapSnapshot> {
        vec![self.rt.map.snapshot()]
    }
}

impl JitTier {
    /// The code map entry of `addr`, recording a lookup of a missing one.
    fn code(&mut self, addr: FuncAddr) -> Option<&CodeEntry> {
        let map = &mut self.rt.map;
        match map.by_addr.get(addr.0 as usize).and_then(Option::as_ref) {
            Some(e) => {
                map.stats.hits += 1;
                Some(e)
            }
            None => {
                map.stats.invalid_keys += 1;
                map.invalid.push(Violation::new(
                    CODE_MAP,
                    format!("no compiled code for function address {}", addr.0),
                ));
                None
            }
        }
    }

    /// What native code reads must agree with the code map: each
    /// instance's code table with the map and the entries Rust calls
    /// through, its context with its tables, and every entry with its map
    /// record. A disagreement would send a call to the wrong address or
    /// compile a function twice.
    fn code_tables_agree(&self, data: &StoreData) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut bad = |what: String| out.push(Violation::new(CODE_MAP, what));
        for (addr, e) in self.rt.map.by_addr.iter().enumerate() {
            let entry = self.rt.entries.get(addr).copied().flatten();
            match (e, entry) {
                (Some(e), Some(entry))
                    if e.code == entry.code as usize
                        && e.trampoline == entry.trampoline as usize => {}
                (None, None) => {}
                _ => bad(format!(
                    "function address {addr}: the entry Rust calls through differs from the code map"
                )),
            }
        }
        for (&instance, ic) in &self.rt.instances {
            let inst = &data.instances[instance as usize];
            let first = inst.module.num_imported_funcs as usize;
            if ic.code.len() != inst.funcs.len() - first
                || ic.views.len() != inst.tables.len()
                || ic.mems.len() != inst.memories.len()
            {
                bad(format!(
                    "instance {instance}: code, table or memory views sized wrongly"
                ));
                continue;
            }
            let ctx = self
                .rt
                .ctxs
                .get(instance as usize)
                .copied()
                .unwrap_or(std::ptr::null_mut());
            // SAFETY: contexts are live while the tier is; only three fields are read.
            let pointers = (!ctx.is_null())
                .then(|| unsafe { ((*ctx).code_table, (*ctx).table_views, (*ctx).mem_views) });
            let expected = (
                ic.code.as_ptr().cast_const(),
                ic.views.as_ptr(),
                ic.mems.as_ptr(),
            );
            if pointers != Some(expected) {
                bad(format!(
                    "instance {instance}: its context points at other tables"
                ));
            }
            for (k, code) in ic.code.iter().enumerate() {
                let addr = inst.funcs[first + k].0 as usize;
                let mapped = self.rt.map.by_addr.get(addr).and_then(Option::as_ref);
                let agree = mapped.is_some_and(|e| e.code == code) && (code != 0 || ic.lazy);
                if !agree {
                    bad(format!(
                        "instance {instance}: code table slot {k} holds {code:#x}, the code map {:#x?}",
                        mapped.map(|e| e.code)
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trap::TrapCode;

    #[test]
    fn trap_codes_round_trip_through_the_slot() {
        for code in TrapCode::ALL {
            assert_eq!(ctx::decode_trap(ctx::encode_trap(code)), Some(code));
        }
        assert_eq!(ctx::decode_trap(0), None);
    }

    /// Compiles a module's instance in a stand-alone JIT tier, next to the
    /// store (of the classic tier) that holds its functions.
    fn compiled(wat_src: &str) -> (crate::Store, JitTier) {
        let module = crate::Module::new(&wat::parse_str(wat_src).unwrap()).unwrap();
        let mut store = crate::Store::new(TierKind::Classic, crate::Limits::default()).unwrap();
        let instance = store
            .instantiate(&module, &crate::Linker::default())
            .unwrap();
        let mut jit = JitTier::default();
        jit.prepare(store.data(), instance).unwrap();
        (store, jit)
    }

    #[test]
    fn functions_share_a_trampoline_only_with_their_signature() {
        let (store, mut jit) = compiled(
            r#"(module
                (func $a (param i32) (result i32) local.get 0)
                (func $b (param i32) (result i32) i32.const 1)
                (func $c (param f64) (result i64) i64.const 2))"#,
        );
        assert_eq!(jit.rt.map.check_against(store.data()), vec![]);
        let entry = |jit: &JitTier, k: usize| jit.rt.map.by_addr[k].clone().unwrap();
        let (a, b, c) = (entry(&jit, 0), entry(&jit, 1), entry(&jit, 2));
        assert_eq!(a.trampoline, b.trampoline, "one signature, one trampoline");
        assert_ne!(a.trampoline, c.trampoline);
        // Give $c the trampoline of (i32) -> i32: the map must notice.
        jit.rt.map.by_addr[2].as_mut().unwrap().trampoline = a.trampoline;
        let found = jit.rt.map.check_against(store.data());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].detail.contains("share an entry trampoline"),
            "{found:?}"
        );
    }

    #[test]
    fn what_native_code_reads_must_agree_with_the_code_map() {
        let (store, mut jit) = compiled(
            r#"(module (table 1 funcref)
                (func $a (param i32) (result i32) local.get 0)
                (func $b (param i32) (result i32) i32.const 1))"#,
        );
        assert_eq!(jit.check(store.data()), vec![]);
        // The entry Rust calls through, then the code table native
        // call_indirect reads, each made to disagree with the map.
        let saved = jit.rt.entries[1];
        jit.rt.entries[1].as_mut().unwrap().code = std::ptr::null();
        let found = jit.check(store.data());
        assert!(
            found
                .iter()
                .any(|v| v.detail.contains("entry Rust calls through")),
            "{found:?}"
        );
        jit.rt.entries[1] = saved;
        jit.rt.instances.get_mut(&0).unwrap().code.set(0, 0);
        let found = jit.check(store.data());
        assert!(
            found.iter().any(|v| v.detail.contains("code table slot 0")),
            "{found:?}"
        );
    }

    #[test]
    fn quick_codegen_skips_the_optimiser_and_allocates_in_one_pass() {
        use settings::{OptLevel, RegallocAlgorithm};
        let flags = |c| Jit::new(c).unwrap().module.isa().flags().clone();
        let (tested, quick) = (flags(JitCodegen::Tested), flags(JitCodegen::Quick));
        assert_eq!(tested.opt_level(), OptLevel::Speed);
        assert_eq!(tested.regalloc_algorithm(), RegallocAlgorithm::Backtracking);
        assert_eq!(quick.opt_level(), OptLevel::None);
        assert_eq!(quick.regalloc_algorithm(), RegallocAlgorithm::SinglePass);
        // Everything else is the same configuration.
        assert_eq!(
            tested.enable_nan_canonicalization(),
            quick.enable_nan_canonicalization()
        );
        assert!(quick.enable_nan_canonicalization() && quick.preserve_frame_pointers());
    }

    #[test]
    fn a_failed_or_panicking_compile_step_poisons_the_jit() {
        let mut jit = Jit::new(JitCodegen::Tested).unwrap();
        assert_eq!(jit.guarded(|_| Ok(1)), Ok(1));
        let e = jit
            .guarded(|_| -> Result<(), PrepareError> { panic!("boom") })
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("compiler panicked: boom"), "{text}");
        let e = jit.guarded(|_| Ok(2)).unwrap_err();
        assert_eq!(e.kind(), crate::PrepareErrorKind::Internal);
        let text = e.to_string();
        assert!(
            text.contains("no more code") && text.contains("boom"),
            "{text}"
        );
    }

    #[test]
    fn the_trap_check_refuses_clif_that_could_trap() {
        use cranelift_codegen::ir::{types, Function, InstBuilder, MemFlagsData};
        use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
        let config = Jit::new(JitCodegen::Tested)
            .unwrap()
            .module
            .isa()
            .frontend_config();
        // One function with `load` then `emit`'s instruction; the load is
        // `notrap` unless `load_flags` says otherwise.
        let check =
            |load_flags: MemFlagsData,
             emit: &dyn Fn(&mut FunctionBuilder<'_>, cranelift_codegen::ir::Value)| {
                let mut func = Function::new();
                let mut fctx = FunctionBuilderContext::new();
                let mut b = FunctionBuilder::new(&mut func, &mut fctx);
                let block = b.create_block();
                b.switch_to_block(block);
                let p = b.ins().iconst(types::I64, 64);
                let x = b.ins().load(types::F64, load_flags, p, 0);
                emit(&mut b, x);
                b.ins().return_(&[]);
                b.seal_all_blocks();
                b.finalize(config);
                codegen::no_trapping_instruction(&func)
            };
        let notrap = MemFlagsData::trusted();
        assert_eq!(
            check(notrap, &|b, x| {
                b.ins().fcvt_to_sint_sat(types::I32, x);
            }),
            Ok(())
        );
        let e = check(MemFlagsData::new(), &|_, _| {}).unwrap_err();
        assert!(e.contains("load"), "{e}");
        let e = check(notrap, &|b, x| {
            b.ins().fcvt_to_sint(types::I32, x);
        })
        .unwrap_err();
        assert!(e.contains("fcvt_to_sint"), "{e}");
        // A bitcast carries (trapping) memflags but touches no memory.
        assert_eq!(
            check(notrap, &|b, x| {
                let v = b.ins().splat(types::F64X2, x);
                b.ins().bitcast(types::I8X16, MemFlagsData::new(), v);
            }),
            Ok(())
        );
        let e = check(notrap, &|b, x| {
            let c = b
                .ins()
                .fcmp(cranelift_codegen::ir::condcodes::FloatCC::Equal, x, x);
            b.ins()
                .trapz(c, cranelift_codegen::ir::TrapCode::unwrap_user(1));
        })
        .unwrap_err();
        assert!(e.contains("trapz"), "{e}");
    }

    #[test]
    fn stack_size_is_bounded() {
        assert_eq!(stack_size(0), 16 << 20);
        assert_eq!(stack_size(2_000_000), 256 << 20);
    }
}
