//! Compiling an instance's functions to machine code, on several threads.
//!
//! Translating a body to CLIF and running Cranelift on it needs nothing
//! mutable but a per-thread workspace: the module's declarations and the ISA
//! are only read. So the functions are handed out one at a time to the
//! calling thread and to helper threads, and each result is machine code
//! plus relocations. Only placing the code in the JIT module
//! ([`cranelift_module::Module::define_function_bytes`]) is serial, and it
//! happens afterwards in function order, so the result does not depend on
//! which thread compiled what.

use super::compile::{
    clif_type, slot_flags, slot_offsets, wasm_signature, Callback, Env, IndirectTables, Translator,
};
use super::ctx;
use crate::module::Module;
use crate::prepare::PrepareError;
use crate::store::InstanceData;
use crate::types::FuncType;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{
    types, AbiParam, Function, InstBuilder, MemFlagsData, Signature, Type, UserFuncName,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId, ModuleDeclarations, ModuleReloc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Below this much wasm code an instance compiles on the calling thread
/// alone. Measured here: a helper thread (started, and warming up a fresh
/// Cranelift context) costs about what it saves on a module of ten small
/// functions, and fuzz-generated modules are mostly smaller than that.
const PARALLEL_MIN_BODY_BYTES: usize = 16 << 10;

/// Helper threads compile with this much stack: Cranelift's passes over a
/// very large function recurse less than wasm nesting allows, but not by
/// much margin on a default 2 MiB thread.
pub(super) const HELPER_STACK: usize = 64 << 20;

/// A thread's reusable Cranelift state.
pub(super) struct Workspace {
    ctx: Context,
    fctx: FunctionBuilderContext,
}

impl Workspace {
    pub(super) fn new() -> Workspace {
        Workspace {
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
        }
    }
}

/// Machine code ready to be placed in the JIT module.
pub(super) struct MachineCode {
    pub bytes: Vec<u8>,
    pub alignment: u64,
    pub relocs: Vec<ModuleReloc>,
}

/// One compiled wasm function.
pub(super) struct CompiledFunction {
    pub code: MachineCode,
    /// Type indices of its `call_indirect` sites.
    pub indirect_types: Vec<u32>,
    /// The lowerings the translator picked ([`super::paths`]).
    pub paths: crate::tier_paths::Pending,
}

/// What every compiling thread reads.
pub(super) struct Shared<'a> {
    pub module: &'a Module,
    pub inst: &'a InstanceData,
    pub decls: &'a ModuleDeclarations,
    pub isa: &'a dyn TargetIsa,
    /// Declared ids of the defined functions.
    pub func_ids: &'a [FuncId],
    /// Code addresses so far of a lazily compiled instance (see `Env`).
    pub lazy_code: Option<&'a super::instance_code::RawTable<usize>>,
    pub indirect: Option<IndirectTables>,
    /// Address of the instance's memory views.
    pub mem_views: usize,
    pub callback_ids: &'a HashMap<Callback, FuncId>,
    /// Print CLIF and machine code (`TIERDIFF_JIT_DUMP=1`); forces one thread
    /// so the output of functions does not interleave.
    pub dump: bool,
}

/// Compiles the defined functions numbered in `which`, using `main` on this
/// thread and, for large amounts of code, helper threads up to the number
/// of cores. Results come back in the order of `which`.
pub(super) fn compile_all(
    shared: &Shared<'_>,
    main: &mut Workspace,
    which: &[usize],
) -> Result<Vec<CompiledFunction>, PrepareError> {
    let count = which.len();
    let bodies = &shared.module.bodies;
    let body_bytes: usize = which.iter().map(|&k| bodies[k].code.len()).sum();
    let helpers = if shared.dump || body_bytes < PARALLEL_MIN_BODY_BYTES {
        0
    } else {
        cores().min(count).saturating_sub(1)
    };
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // Each thread stops at its first failure; the error reported is the
    // failing function with the lowest number, whichever thread found it.
    type Part = (
        Vec<(usize, CompiledFunction)>,
        Option<(usize, PrepareError)>,
    );
    let work = |ws: &mut Workspace| -> Part {
        let mut out = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= count {
                break;
            }
            match compile_one(shared, ws, which[n]) {
                Ok(f) => out.push((n, f)),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return (out, Some((n, e)));
                }
            }
        }
        (out, None)
    };
    let (mut all, error) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers)
            .filter_map(|_| {
                // A helper that cannot start leaves its share to the others.
                std::thread::Builder::new()
                    .name("tierdiff-jit-compile".into())
                    .stack_size(HELPER_STACK)
                    .spawn_scoped(scope, || work(&mut Workspace::new()))
                    .ok()
            })
            .collect();
        let (mut all, mut error) = work(main);
        for h in handles {
            let (part, e) = h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            all.extend(part);
            error = match (error, e) {
                (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
                (a, b) => a.or(b),
            };
        }
        (all, error)
    });
    if let Some((_, e)) = error {
        return Err(e);
    }
    all.sort_by_key(|&(n, _)| n);
    debug_assert!(all.iter().enumerate().all(|(k, &(n, _))| n == k));
    Ok(all.into_iter().map(|(_, f)| f).collect())
}

/// The cores this process may use (read once: the query reads cgroup files).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Translates and compiles defined function number `defined`.
fn compile_one(
    shared: &Shared<'_>,
    ws: &mut Workspace,
    defined: usize,
) -> Result<CompiledFunction, PrepareError> {
    let module = shared.module;
    let index = module.num_imported_funcs + defined as u32;
    let ty = module.func_type(index);
    let ptr = shared.isa.pointer_type();

    ws.ctx.func.signature = wasm_signature(ty, ptr);
    ws.ctx.func.name = UserFuncName::user(0, shared.func_ids[defined].as_u32());
    let mut env = Env {
        module,
        inst: shared.inst,
        decls: shared.decls,
        config: shared.isa.frontend_config(),
        func_ids: shared.func_ids,
        lazy_code: shared.lazy_code,
        indirect: shared.indirect,
        mem_views: shared.mem_views,
        callback_ids: shared.callback_ids,
        funcs: HashMap::new(),
        callbacks: HashMap::new(),
        indirect_types: Vec::new(),
        paths: Default::default(),
    };
    let builder = FunctionBuilder::new(&mut ws.ctx.func, &mut ws.fctx);
    let indirect_types = Translator::new(builder, &mut env, ptr).translate(index)?;
    if cfg!(debug_assertions) {
        if let Err(e) = no_trapping_instruction(&ws.ctx.func) {
            ws.ctx.clear();
            return Err(PrepareError::internal(
                "jit",
                format!("function {index}: {e}"),
            ));
        }
    }
    if shared.dump {
        ws.ctx.set_disasm(true);
        eprintln!("; function {index}\n{}", ws.ctx.func.display());
    }
    let code = machine_code(
        shared.isa,
        shared.dump,
        ws,
        shared.func_ids[defined],
        || format!("function {index}"),
    )?;

    Ok(CompiledFunction {
        code,
        indirect_types,
        paths: env.paths,
    })
}

/// Checks that no CLIF instruction of `func` can trap: cranelift-jit has
/// no signal handler, so a trap would kill the process. Explicit traps,
/// non-saturating float-to-int conversions and `uadd_overflow_trap` must
/// not appear at all, and every load and store must be `notrap` (bounds are
/// checked by explicit branches). Divisions may appear: the translator
/// branches to the trap exit on a zero divisor and on `MIN / -1` before
/// them, and turns `rem` by -1 into `rem` by 1. Debug builds (the tests)
/// run this on every function they compile.
pub(super) fn no_trapping_instruction(func: &Function) -> Result<(), String> {
    use cranelift_codegen::ir::Opcode;
    let dfg = &func.dfg;
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let data = &dfg.insts[inst];
            let op = data.opcode();
            let guarded_division = matches!(
                op,
                Opcode::Sdiv | Opcode::Udiv | Opcode::Srem | Opcode::Urem
            );
            let may_trap = (op.can_trap() && !guarded_division)
                || ((op.can_load() || op.can_store()) && data.memflags_trap_code(dfg).is_some());
            if may_trap {
                return Err(format!(
                    "CLIF instruction `{}` may trap",
                    dfg.display_inst(inst)
                ));
            }
        }
    }
    Ok(())
}

/// Runs Cranelift on the function in `ws` and takes out its code; leaves
/// `ws` cleared for the next function. `what` names it in errors and dumps.
fn machine_code(
    isa: &dyn TargetIsa,
    dump: bool,
    ws: &mut Workspace,
    id: FuncId,
    what: impl Fn() -> String,
) -> Result<MachineCode, PrepareError> {
    let alignment = ws
        .ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| PrepareError::internal("jit", format!("{}: {:?}", what(), e.inner)))?
        .buffer
        .alignment as u64;
    let compiled = ws.ctx.compiled_code().expect("just compiled");
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ws.ctx.func, id))
        .collect();
    let out = MachineCode {
        bytes: compiled.code_buffer().to_vec(),
        alignment,
        relocs,
    };
    if dump {
        if let Some(code) = ws.ctx.compiled_code().and_then(|c| c.vcode.as_ref()) {
            eprintln!("; {}, machine code\n{code}", what());
        }
    }
    ws.ctx.clear();
    Ok(out)
}

/// Compiles the entry trampoline of wasm signature `ty`, declared as `id`:
/// `fn(vmctx, buf, code) -> status` loads the arguments from `buf` and fuel
/// and depth from the context, calls the compiled function at `code` and
/// writes its results back to `buf`. One per signature, not per function:
/// a trampoline takes about as long to compile as a small function.
pub(super) fn compile_trampoline(
    isa: &dyn TargetIsa,
    ws: &mut Workspace,
    ty: &FuncType,
    id: FuncId,
) -> Result<MachineCode, PrepareError> {
    let ptr = isa.pointer_type();
    ws.ctx.func.signature = trampoline_signature(isa, ptr);
    ws.ctx.func.name = UserFuncName::user(1, id.as_u32());
    let callee_sig = wasm_signature(ty, ptr);
    let callee_sig = ws.ctx.func.import_signature(callee_sig);
    let mut b = FunctionBuilder::new(&mut ws.ctx.func, &mut ws.fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry);
    let (vmctx, buf, code) = (params[0], params[1], params[2]);
    let flags = MemFlagsData::trusted();
    // Fuel and depth come from the context; the callee leaves the fuel left
    // there, trap or not.
    let fuel = b.ins().load(types::I64, flags, vmctx, ctx::OFF_FUEL);
    let depth = b.ins().load(types::I64, flags, vmctx, ctx::OFF_DEPTH);
    let mut call_args = vec![vmctx, fuel, depth];
    for (&t, at) in ty.params.iter().zip(slot_offsets(&ty.params)) {
        call_args.push(b.ins().load(clif_type(t), slot_flags(t), buf, at));
    }
    let call = b.ins().call_indirect(callee_sig, code, &call_args);
    let results = b.inst_results(call).to_vec();
    let ok = b.create_block();
    let trapped = b.create_block();
    b.ins().brif(results[0], trapped, &[], ok, &[]);
    b.switch_to_block(trapped);
    b.ins().return_(&[results[0]]);
    b.switch_to_block(ok);
    let offsets = slot_offsets(&ty.results);
    for ((&t, &v), at) in ty.results.iter().zip(&results[1..]).zip(offsets) {
        // Slots hold 32-bit values zero-extended.
        let raw = match clif_type(t) {
            types::I32 => b.ins().uextend(types::I64, v),
            types::F32 => {
                let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
                b.ins().uextend(types::I64, bits)
            }
            _ => v,
        };
        b.ins().store(slot_flags(t), raw, buf, at);
    }
    b.ins().return_(&[results[0]]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    if cfg!(debug_assertions) {
        if let Err(e) = no_trapping_instruction(&ws.ctx.func) {
            ws.ctx.clear();
            return Err(PrepareError::internal(
                "jit",
                format!("trampoline for {ty}: {e}"),
            ));
        }
    }
    machine_code(isa, false, ws, id, || format!("trampoline for {ty}"))
}

/// `fn(vmctx, buf, code) -> status` in the host convention (see [`ctx::Trampoline`]).
pub(super) fn trampoline_signature(isa: &dyn TargetIsa, ptr: Type) -> Signature {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}
