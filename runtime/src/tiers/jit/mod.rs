//! The JIT tier: compiles every wasm function to native code with Cranelift.
//!
//! * [`compile`] turns one function body into CLIF: `fn(vmctx, fuel, depth,
//!   params..) -> (status, results..)`. Every trapping condition (bounds, division,
//!   conversion, call depth, fuel, `unreachable`, and whatever a callback
//!   reports) is an explicit branch that stores a trap code in the context
//!   and returns status 1; every caller checks the status after each call
//!   and returns at once, so a trap unwinds by plain returns to the Rust
//!   entry point. No signal handler exists and no CLIF trap can fire.
//! * [`ctx`] is the per-instance VM context (memory base and length, the
//!   store's global array, fuel, depth, native stack limit, trap slot) and the
//!   `extern "C"` callbacks for everything that touches store structures:
//!   `memory.grow/fill/copy/init`, `data.drop`, `table.*`, `elem.drop`,
//!   calls to imported functions (host or another instance) and
//!   `call_indirect` (bounds, null and signature checks against the store's
//!   TypeRegistry ids happen there). Direct calls between functions of one
//!   instance are native calls.
//!
//! # Dev. Note
//! Compilation is **eager**, in [`Tier::prepare`]: a module is compiled
//! once, before its segments and start function run, so compile errors are
//! instantiation errors rather than traps mid-run, the code map's invariant
//! ("every defined function has code") holds from the start, and no lock or
//! patching is needed at run time. Compile time is paid for functions that
//! never run; the measurements in the tier's tests keep it visible.
//!
//! Code is compiled per *instance*: function addresses (`ref.func`, imports)
//! and global addresses are baked in as constants, which keeps the context
//! small.
//!
//! What stays out of memory inside a function (see [`compile`]): memory base
//! and length live in SSA variables, re-read from the context only after a
//! call or callback (only those can grow memory), and functions without
//! loads or stores keep none. Fuel lives in a register; a compiled function
//! is `fn(vmctx, fuel, depth, params..) -> (status, results..)`, leaves the
//! fuel it did not use in the context when it returns or traps (a third
//! return value would spill through memory in the platform convention), and
//! callbacks find fuel and their callee's depth in the context. A bounds check is one signed compare of the address
//! with `len - (offset + size)` (hoistable out of loops), and it is skipped
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

mod compile;
mod ctx;

use super::{Tier, TierKind};
use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::store::{FuncInst, InstanceId, StoreData};
use crate::trap::Trap;
use crate::values::FuncAddr;
use compile::{callback_signature, clif_type, wasm_signature, Callback, Env, Translator};
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module as _};
use ctx::{Runtime, Trampoline, VmCtx};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const CODE_MAP: &str = "jit-code-map";

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
    /// Checks the map against the store: every defined function has code and
    /// every `call_indirect` site's signature resolves to a canonical id.
    fn check_against(&self, data: &StoreData) -> Vec<Violation> {
        let mut out = self.check();
        for (addr, f) in data.funcs.iter().enumerate() {
            let FuncInst::Wasm {
                instance, index, ..
            } = f
            else {
                continue;
            };
            if (instance.0 as usize) >= self.prepared_instances(data) {
                continue;
            }
            match self.by_addr.get(addr).and_then(Option::as_ref) {
                Some(e) if e.instance == instance.0 && e.index == *index => {}
                Some(e) => out.push(Violation::new(
                    CODE_MAP,
                    format!(
                        "function address {addr} maps to instance {} func {}, expected instance {} func {index}",
                        e.instance, e.instance, instance.0
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
                if e.code == 0 || e.trampoline == 0 {
                    out.push(Violation::new(
                        CODE_MAP,
                        format!("function address {addr} has a null code pointer"),
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
                e.as_ref()
                    .map(|e| format!("func {addr}: instance {} index {}", e.instance, e.index))
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
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    callbacks: HashMap<Callback, FuncId>,
}

impl Jit {
    fn new() -> Result<Jit, String> {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags
                .set(k, v)
                .map_err(|e| format!("jit tier: setting {k}: {e}"))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        let isa = cranelift_native::builder()
            .map_err(|e| format!("jit tier: host not supported: {e}"))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("jit tier: {e}"))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        let pointers: [(Callback, *const u8); 15] = [
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
                .map_err(|e| format!("jit tier: {e}"))?;
            callbacks.insert(cb, id);
        }
        Ok(Jit {
            ctx: module.make_context(),
            module,
            fctx: FunctionBuilderContext::new(),
            callbacks,
        })
    }

    /// Compiles every defined function of `instance` and its trampoline;
    /// returns (function index, code, trampoline, call_indirect type indices).
    #[allow(clippy::type_complexity)]
    fn compile_instance(
        &mut self,
        data: &StoreData,
        instance: InstanceId,
    ) -> Result<Vec<(u32, *const u8, *const u8, Vec<u32>)>, String> {
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        let ptr = self.module.target_config().pointer_type();
        let err = |e: cranelift_module::ModuleError| format!("jit tier: {e:?}");
        let defined = module.num_imported_funcs..module.funcs.len() as u32;
        let mut ids = Vec::new();
        let mut tramps = Vec::new();
        for index in defined.clone() {
            let ty = module.func_type(index);
            let sig = wasm_signature(ty, self.module.make_signature(), ptr);
            let name = format!("i{}_f{index}", instance.0);
            ids.push(
                self.module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map_err(err)?,
            );
            let mut tsig = self.module.make_signature();
            tsig.params.push(AbiParam::new(ptr));
            tsig.params.push(AbiParam::new(ptr));
            tsig.returns.push(AbiParam::new(types::I32));
            let name = format!("i{}_t{index}", instance.0);
            tramps.push(
                self.module
                    .declare_function(&name, Linkage::Local, &tsig)
                    .map_err(err)?,
            );
        }
        let mut sites = Vec::new();
        for (k, index) in defined.clone().enumerate() {
            let ty = module.func_type(index);
            self.ctx.func.signature = wasm_signature(ty, self.module.make_signature(), ptr);
            self.ctx.func.name = UserFuncName::user(0, ids[k].as_u32());
            let builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let mut env = Env {
                module,
                inst,
                jit: &mut self.module,
                func_ids: &ids,
                callback_ids: &self.callbacks,
                funcs: HashMap::new(),
                callbacks: HashMap::new(),
                indirect_types: Vec::new(),
            };
            let indirect = Translator::new(builder, &mut env, ptr).translate(index)?;
            sites.push(indirect);
            let dump = dump_requested();
            if dump {
                self.ctx.set_disasm(true);
                eprintln!("; function {index}\n{}", self.ctx.func.display());
            }
            self.module
                .define_function(ids[k], &mut self.ctx)
                .map_err(|e| format!("jit tier: function {index}: {e:?}"))?;
            if dump {
                if let Some(code) = self.ctx.compiled_code().and_then(|c| c.vcode.as_ref()) {
                    eprintln!("; function {index}, machine code\n{code}");
                }
            }
            self.module.clear_context(&mut self.ctx);

            // The trampoline: arguments from the buffer, results back into it.
            let mut tsig = self.module.make_signature();
            tsig.params.push(AbiParam::new(ptr));
            tsig.params.push(AbiParam::new(ptr));
            tsig.returns.push(AbiParam::new(types::I32));
            self.ctx.func.signature = tsig;
            self.ctx.func.name = UserFuncName::user(1, tramps[k].as_u32());
            let callee = self.module.declare_func_in_func(ids[k], &mut self.ctx.func);
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let (vmctx, buf) = (b.block_params(entry)[0], b.block_params(entry)[1]);
            let flags = MemFlagsData::trusted();
            // Fuel and depth come from the context; the callee leaves the
            // fuel left there, trap or not.
            let fuel = b.ins().load(types::I64, flags, vmctx, ctx::OFF_FUEL);
            let depth = b.ins().load(types::I64, flags, vmctx, ctx::OFF_DEPTH);
            let mut call_args = vec![vmctx, fuel, depth];
            for (i, &t) in ty.params.iter().enumerate() {
                call_args.push(b.ins().load(clif_type(t), flags, buf, (i * 8) as i32));
            }
            let call = b.ins().call(callee, &call_args);
            let results = b.inst_results(call).to_vec();
            let ok = b.create_block();
            let trapped = b.create_block();
            b.ins().brif(results[0], trapped, &[], ok, &[]);
            b.switch_to_block(trapped);
            b.ins().return_(&[results[0]]);
            b.switch_to_block(ok);
            for (i, (&t, &v)) in ty.results.iter().zip(&results[1..]).enumerate() {
                // Slots hold 32-bit values zero-extended.
                let raw = match clif_type(t) {
                    types::I32 => b.ins().uextend(types::I64, v),
                    types::F32 => {
                        let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
                        b.ins().uextend(types::I64, bits)
                    }
                    _ => v,
                };
                b.ins().store(flags, raw, buf, (i * 8) as i32);
            }
            b.ins().return_(&[results[0]]);
            b.seal_all_blocks();
            b.finalize(self.module.target_config());
            self.module
                .define_function(tramps[k], &mut self.ctx)
                .map_err(|e| format!("jit tier: trampoline {index}: {e:?}"))?;
            self.module.clear_context(&mut self.ctx);
        }
        self.module.finalize_definitions().map_err(err)?;
        Ok(defined
            .enumerate()
            .zip(sites)
            .map(|((k, index), s)| {
                (
                    index,
                    self.module.get_finalized_function(ids[k]),
                    self.module.get_finalized_function(tramps[k]),
                    s,
                )
            })
            .collect())
    }
}

/// The JIT tier: compiled code, contexts and the code map.
#[derive(Default)]
pub struct JitTier {
    jit: Option<Jit>,
    runtime: Runtime,
    map: CodeMap,
}

// SAFETY: the raw pointers in `Runtime` (contexts) and the JIT's code memory
// are owned exclusively by this tier and only used by the thread that
// currently holds `&mut JitTier`; nothing is shared across threads.
unsafe impl Send for JitTier {}

impl Drop for JitTier {
    fn drop(&mut self) {
        for &c in &self.runtime.ctxs {
            if !c.is_null() {
                // SAFETY: every non-null context came from Box::into_raw in
                // `prepare` and is freed exactly once, here.
                drop(unsafe { Box::from_raw(c) });
            }
        }
        if let Some(jit) = self.jit.take() {
            // SAFETY: no call is running (we hold `&mut self`) and no code
            // pointer outlives the tier, so the code memory is unused.
            unsafe { jit.module.free_memory() };
        }
    }
}

impl JitTier {
    /// Functions compiled, wasm body bytes compiled and time spent compiling.
    pub fn compile_stats(&self) -> (u64, u64, Duration) {
        self.map.compiled
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

    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), String> {
        if self.jit.is_none() {
            self.jit = Some(Jit::new()?);
        }
        let jit = self.jit.as_mut().expect("just built");
        let start = Instant::now();
        let compiled = jit.compile_instance(data, instance)?;
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        self.map.compiled.0 += compiled.len() as u64;
        self.map.compiled.1 += module
            .bodies
            .iter()
            .map(|b| b.code.len() as u64)
            .sum::<u64>();
        self.map.compiled.2 += start.elapsed();
        for (index, code, tramp, sites) in compiled {
            let addr = inst.funcs[index as usize].0 as usize;
            if self.map.by_addr.len() <= addr {
                self.map.by_addr.resize(addr + 1, None);
                self.runtime.trampolines.resize(addr + 1, None);
            }
            self.map.by_addr[addr] = Some(CodeEntry {
                instance: instance.0,
                index,
                code: code as usize,
                trampoline: tramp as usize,
            });
            self.map.stats.misses += 1;
            // SAFETY: `tramp` is a finalized function with the Trampoline
            // signature (two pointers in, i32 status out, host call conv).
            self.runtime.trampolines[addr] =
                Some(unsafe { std::mem::transmute::<*const u8, Trampoline>(tramp) });
            self.map
                .indirect_sites
                .extend(sites.into_iter().map(|ty| (instance.0, ty)));
        }
        let slot = instance.0 as usize;
        if self.runtime.ctxs.len() <= slot {
            self.runtime.ctxs.resize(slot + 1, std::ptr::null_mut());
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
        });
        self.runtime.ctxs[slot] = Box::into_raw(ctx);
        Ok(())
    }

    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        let ty = data.func_type(func);
        let (np, nr) = (ty.params.len(), ty.results.len());
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
            return run(&mut self.runtime, data, func, &mut buf, free - STACK_MARGIN).map(|()| {
                buf.truncate(nr);
                buf
            });
        }
        let tier: &mut JitTier = self;
        let slots = &mut buf;
        // Moves the whole tier reference (which is Send) into the thread.
        let work = move || {
            let tier: &mut JitTier = tier;
            run(&mut tier.runtime, data, func, slots, stack)
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

    fn check(&self, data: &StoreData) -> Vec<Violation> {
        self.map.check_against(data)
    }

    fn snapshots(&self) -> Vec<MapSnapshot> {
        vec![self.map.snapshot()]
    }
}

impl JitTier {
    /// The code map entry of `addr`, recording a lookup of a missing one.
    fn code(&mut self, addr: FuncAddr) -> Option<&CodeEntry> {
        match self
            .map
            .by_addr
            .get(addr.0 as usize)
            .and_then(Option::as_ref)
        {
            Some(e) => {
                self.map.stats.hits += 1;
                Some(e)
            }
            None => {
                self.map.stats.invalid_keys += 1;
                self.map.invalid.push(Violation::new(
                    CODE_MAP,
                    format!("no compiled code for function address {}", addr.0),
                ));
                None
            }
        }
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

    #[test]
    fn stack_size_is_bounded() {
        assert_eq!(stack_size(0), 16 << 20);
        assert_eq!(stack_size(2_000_000), 256 << 20);
    }
}
