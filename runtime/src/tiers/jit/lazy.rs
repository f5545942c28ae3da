//! Lazy compilation for large modules: a function is compiled the first
//! time it is called.
//!
//! A store's limits may ask for either mode ([`crate::JitCompile`]): fuzz
//! runs compile a share of their cases lazily, so the code-table calls and
//! the compile callback are tested on small modules too.
//!
//! Eager compilation costs about 1–1.4 ms per KiB of wasm code on this
//! machine's two cores; for a 15 MiB real-world module that is 21 s before
//! the first call, mostly for functions a run never reaches. So an instance
//! whose function bodies hold at least [`LAZY_MIN_BODY_BYTES`] (or any
//! instance, with
//! `TIERDIFF_JIT_COMPILE=lazy`) declares its functions at instantiation,
//! compiles only the entry trampolines, and leaves each function's slot in
//! its *code table* null until the function is first called:
//!
//! * from Rust (the entry point, imports, `call_indirect`): `ctx::call_addr`
//!   sees a null code pointer and calls [`ensure_compiled`] first;
//! * from compiled code: a call to a function that had no code when the
//!   caller was compiled loads the callee's slot from the code table (the
//!   context points at it) and, if it is null, calls [`cb_compile`], then
//!   calls through the pointer. Callees that were already compiled (and the
//!   function itself) are called directly, as in eager mode.
//!
//! Compiling a function does not touch the store and consumes no fuel, so
//! wasm sees the same results, traps and fuel as with eager compilation.
//! Two things differ: a function that fails to compile traps with a host
//! error at its first call (eagerly, the instantiation would fail), and a
//! call through the code table uses a little more native stack, which only
//! matters when the native-stack safety net (not the call-depth limit) ends
//! a recursion. Cranelift needs a deep stack and the wasm thread may be deep
//! in recursion, so the compile runs in place only on a big-stack thread
//! with room to spare, else on a thread of its own. New code goes to fresh
//! pages of the JIT module's one reserved region; code already running is
//! never moved or rewritten. Every lazy compile takes at least one fresh
//! 4 KiB page, so a store can compile about 260,000 functions lazily within
//! its 1 GiB of code space.

use super::ctx::{keep_trap, Runtime, VmCtx};
use super::{CompileRequest, InstanceId, StoreData};
use crate::prepare::PrepareError;
use crate::trap::Trap;
use std::sync::OnceLock;
use std::time::Instant;

/// Instances with at least this much wasm code compile lazily (unless
/// `TIERDIFF_JIT_COMPILE` says otherwise). Below it eager compilation takes
/// under about a second here and keeps compile errors at instantiation.
pub(super) const LAZY_MIN_BODY_BYTES: usize = 1 << 20;

/// `TIERDIFF_JIT_COMPILE`: `eager`, `lazy`, or anything else (or unset) for
/// the size rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    Eager,
    Lazy,
    BySize,
}

fn policy() -> Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    *POLICY.get_or_init(|| match std::env::var("TIERDIFF_JIT_COMPILE").as_deref() {
        Ok("eager") => Policy::Eager,
        Ok("lazy") => Policy::Lazy,
        _ => Policy::BySize,
    })
}

/// Whether an instance whose defined functions hold `body_bytes` of wasm
/// code compiles lazily: as the store's limits say, else by the variable,
/// else by size.
pub(super) fn compiles_lazily(body_bytes: usize, setting: crate::JitCompile) -> bool {
    match setting {
        crate::JitCompile::Eager => return false,
        crate::JitCompile::Lazy => return true,
        crate::JitCompile::BySize => {}
    }
    match policy() {
        Policy::Eager => false,
        Policy::Lazy => true,
        Policy::BySize => body_bytes >= LAZY_MIN_BODY_BYTES,
    }
}

/// Returns the code of defined function `defined` of `instance`, compiling
/// it first if it has none yet.
pub(super) fn ensure_compiled(
    rt: &mut Runtime,
    data: &StoreData,
    instance: u32,
    defined: usize,
) -> Result<*const u8, PrepareError> {
    let Some(ic) = rt.instances.get(&instance).filter(|ic| ic.lazy) else {
        return Err(PrepareError::internal(
            "jit",
            format!("instance {instance} has a function without code but compiles eagerly"),
        ));
    };
    if defined >= ic.code.len() {
        return Err(PrepareError::internal(
            "jit",
            format!("instance {instance} has no function {defined}"),
        ));
    }
    if ic.code.get(defined) != 0 {
        return Ok(ic.code.get(defined) as *const u8);
    }
    let jit = rt.jit.as_mut().expect("an instance was prepared");
    let start = Instant::now();
    let (func_ids, code_table, indirect) = (&ic.func_ids, &ic.code, ic.indirect);
    let mem_views = ic.mems.as_ptr() as usize;
    let mut compile = || {
        jit.compile_functions(CompileRequest {
            data,
            instance: InstanceId(instance),
            func_ids,
            which: &[defined],
            lazy_code: Some(code_table),
            indirect,
            mem_views,
        })
    };
    // Cranelift on a big function needs a deep stack, and the wasm thread
    // may already be deep in recursion: compile right here only when this
    // (big-stack) thread has that much left, else on a thread of its own.
    let stack = super::codegen::HELPER_STACK;
    let compiled = if crate::stack::remaining().is_some_and(|free| free >= stack + (8 << 20)) {
        compile()?
    } else {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("tierdiff-jit-lazy".into())
                .stack_size(stack)
                .spawn_scoped(scope, compile)
                .map_err(|e| {
                    PrepareError::internal("jit", format!("cannot start a compile thread: {e}"))
                })?
                .join()
                .unwrap_or_else(|_| {
                    Err(PrepareError::internal("jit", "the compile thread panicked"))
                })
        })?
    };
    let (_, address, sites) = compiled.into_iter().next().expect("one function asked for");
    let code = address as *const u8;
    let inst = &data.instances[instance as usize];
    let body = &inst.module.bodies[defined];
    rt.map
        .record_compiled(1, body.code.len() as u64, start.elapsed());
    let ic = rt.instances.get_mut(&instance).expect("looked up above");
    ic.code.set(defined, address);
    let addr = inst.funcs[inst.module.num_imported_funcs as usize + defined].0 as usize;
    if let Some(entry) = rt.entries[addr].as_mut() {
        entry.code = code;
    }
    rt.map.set_code(addr, code, instance, sites);
    Ok(code)
}

/// Called by compiled code that is about to call defined function `defined`
/// of its own instance and found no code for it. Returns the code, or null
/// with the trap (a host error naming the compile failure) in the context.
pub(super) extern "C" fn cb_compile(ctx: *mut VmCtx, defined: u32) -> *const u8 {
    // SAFETY: native code passes its own live context, whose store and
    // runtime pointers are valid while it runs; native code is suspended
    // here, so nothing else uses them.
    unsafe {
        let rt = (*ctx).runtime;
        super::paths::hit(&mut *(*ctx).store, super::paths::JitPath::CallbackCompile);
        let data = &*(*ctx).store;
        match ensure_compiled(&mut *rt, data, (*ctx).instance, defined as usize) {
            Ok(code) => code,
            Err(e) => {
                keep_trap(ctx, rt, Trap::host(e.to_string()));
                std::ptr::null()
            }
        }
    }
}
