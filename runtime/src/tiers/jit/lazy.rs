//! Lazy compilation for large modules: a function is compiled the first
//! time it is called.
//!
//! Eager compilation costs about 1 ms per KiB of wasm code on this machine's
//! two cores; for a 15 MiB real-world module that is 20 s before the first
//! call, mostly for functions a run never reaches. So an instance with at
//! least [`LAZY_MIN_BODY_BYTES`] of code (or any instance, with
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
//! laziness is invisible to wasm. New code goes to fresh pages of the JIT
//! module's one reserved region; code already running is never moved or
//! rewritten. A function that fails to compile traps with a host error at
//! its first call (in eager mode the instantiation would fail instead).

use super::ctx::{encode_trap, Runtime, VmCtx};
use super::{InstanceId, StoreData};
use crate::trap::{Trap, TrapCode};
use cranelift_module::FuncId;
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
/// code compiles lazily.
pub(super) fn compiles_lazily(body_bytes: usize) -> bool {
    match policy() {
        Policy::Eager => false,
        Policy::Lazy => true,
        Policy::BySize => body_bytes >= LAZY_MIN_BODY_BYTES,
    }
}

/// A lazily compiled instance.
pub(super) struct LazyInstance {
    /// Declared ids of its defined functions.
    pub func_ids: Vec<FuncId>,
    /// Code address of each defined function, 0 until compiled. Native code
    /// reads it through `VmCtx::code_table`, so it is never reallocated.
    pub code: Box<[usize]>,
}

/// Returns the code of defined function `defined` of `instance`, compiling
/// it first if it has none yet.
pub(super) fn ensure_compiled(
    rt: &mut Runtime,
    data: &StoreData,
    instance: u32,
    defined: usize,
) -> Result<*const u8, String> {
    let Some(lazy) = rt.lazy.get(&instance) else {
        return Err(format!(
            "jit tier: instance {instance} has a function without code but compiles eagerly"
        ));
    };
    if let Some(&code) = lazy.code.get(defined).filter(|&&c| c != 0) {
        return Ok(code as *const u8);
    }
    let jit = rt.jit.as_mut().expect("an instance was prepared");
    let start = Instant::now();
    let compiled = jit.compile_functions(
        data,
        InstanceId(instance),
        &lazy.func_ids,
        &[defined],
        Some(&lazy.code),
    )?;
    let (_, code, sites) = compiled.into_iter().next().expect("one function asked for");
    let inst = &data.instances[instance as usize];
    let body = &inst.module.bodies[defined];
    rt.map
        .record_compiled(1, body.code.len() as u64, start.elapsed());
    let lazy = rt.lazy.get_mut(&instance).expect("looked up above");
    lazy.code[defined] = code as usize;
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
        let rt = &mut *(*ctx).runtime;
        let data = &*(*ctx).store;
        match ensure_compiled(rt, data, (*ctx).instance, defined as usize) {
            Ok(code) => code,
            Err(e) => {
                (*ctx).trap = encode_trap(TrapCode::HostError);
                rt.host_trap = Some(Trap::host(e));
                std::ptr::null()
            }
        }
    }
}
