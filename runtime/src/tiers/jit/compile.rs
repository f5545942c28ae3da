//! Translation of one wasm function body into Cranelift IR.
//!
//! Every wasm function becomes `fn(vmctx, fuel, depth, params..) ->
//! (status, results..)` in Cranelift's `tail` calling convention, so that
//! `return_call` can replace the caller's frame. A status other than 0
//! means "trapped": the code is already in the context's trap slot and
//! every caller returns the status at once, so a trap unwinds by ordinary
//! returns. No CLIF instruction that can trap is ever reachable: each
//! trapping condition is an explicit branch to a cold block that stores
//! the code and returns.
//!
//! A `v128` is one SSA value of type `I8X16` wherever it is stored, passed
//! or merged (locals, block parameters, the operand stack); [`simd`]
//! bitcasts it to the lane shape an instruction needs and back. Linear
//! memory (bounds checks, several memories, 64-bit memories) is in
//! [`memory`], table instructions (64-bit tables too) in [`table`].

mod memory;
mod simd;
mod table;

use super::ctx::{
    self, global_offset, OFF_CODE_TABLE, OFF_DEPTH, OFF_FUEL, OFF_GLOBALS, OFF_MAX_DEPTH,
    OFF_STACK_LIMIT, OFF_TRAP,
};
use super::paths::JitPath;
use crate::fault::{self, Fault};
use crate::module::Module;
use crate::prepare::PrepareError;
use crate::store::InstanceData;
use crate::trap::TrapCode;
use crate::values::ValType;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, FuncRef, InstBuilder, JumpTableData, MemFlagsData, Signature,
    StackSlotData, StackSlotKind, Type, Value,
};
use cranelift_codegen::ir::{ExtFuncData, ExternalName, Function, UserExternalName};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::{FuncId, ModuleDeclarations};
use std::collections::HashMap;
use wasmparser::{BlockType, Operator};

/// The CLIF type of a wasm value (references are raw 64-bit slots).
pub(super) fn clif_type(t: ValType) -> Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 | ValType::FuncRef | ValType::ExternRef => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
    }
}

/// Flags for a value in a slot buffer (entry arguments and results, calls
/// through the runtime): slots are 8-byte aligned, so a `v128` in two of
/// them may not be 16-byte aligned.
pub(super) fn slot_flags(t: ValType) -> MemFlagsData {
    if t == ValType::V128 {
        MemFlagsData::new()
            .with_notrap()
            .with_endianness(cranelift_codegen::ir::Endianness::Little)
    } else {
        MemFlagsData::trusted()
    }
}

/// Byte offset of each value in a slot buffer (a `v128` takes two slots,
/// low half first, which is its little-endian byte order).
pub(super) fn slot_offsets(types: &[ValType]) -> Vec<i32> {
    let mut at = 0;
    types
        .iter()
        .map(|t| {
            let here = at;
            at += t.slots() as i32 * 8;
            here
        })
        .collect()
}

/// The calling convention of compiled wasm functions. `tail` makes
/// `return_call` possible; on the benchmark kernels it executes the same
/// instructions as the platform convention (callgrind, README), so every
/// function uses it and calls between them need no adapters.
pub(super) const WASM_CALL_CONV: CallConv = CallConv::Tail;

/// The runtime callbacks native code calls, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Callback {
    Call,
    CallIndirect,
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    DataDrop,
    TableGet,
    TableSet,
    TableSize,
    TableGrow,
    TableFill,
    TableCopy,
    TableInit,
    ElemDrop,
    /// Compiles a function of a lazy instance on its first call (see `lazy`).
    Compile,
}

impl Callback {
    pub(super) const ALL: [Callback; 16] = [
        Callback::Call,
        Callback::CallIndirect,
        Callback::MemoryGrow,
        Callback::MemoryFill,
        Callback::MemoryCopy,
        Callback::MemoryInit,
        Callback::DataDrop,
        Callback::TableGet,
        Callback::TableSet,
        Callback::TableSize,
        Callback::TableGrow,
        Callback::TableFill,
        Callback::TableCopy,
        Callback::TableInit,
        Callback::ElemDrop,
        Callback::Compile,
    ];

    /// Symbol name, parameter types after the context, and result type.
    pub(super) fn shape(self) -> (&'static str, &'static [Type], Option<Type>) {
        use types::{I32, I64};
        match self {
            Callback::Call => ("tierdiff_jit_call", &[I32, I64], Some(I32)),
            // Table index, type index, element index (zero-extended).
            Callback::CallIndirect => (
                "tierdiff_jit_call_indirect",
                &[I32, I32, I64, I64],
                Some(I32),
            ),
            // Memory index first; addresses and lengths zero-extended to 64 bits.
            Callback::MemoryGrow => ("tierdiff_jit_memory_grow", &[I32, I64], Some(I64)),
            Callback::MemoryFill => ("tierdiff_jit_memory_fill", &[I32, I64, I32, I64], Some(I32)),
            Callback::MemoryCopy => (
                "tierdiff_jit_memory_copy",
                &[I32, I32, I64, I64, I64],
                Some(I32),
            ),
            Callback::MemoryInit => (
                "tierdiff_jit_memory_init",
                &[I32, I32, I64, I32, I32],
                Some(I32),
            ),
            Callback::DataDrop => ("tierdiff_jit_data_drop", &[I32], None),
            // Table index first; indices, sizes and lengths as u64 (see
            // `table`); a segment's source and length stay i32.
            Callback::TableGet => ("tierdiff_jit_table_get", &[I32, I64, I64], Some(I32)),
            Callback::TableSet => ("tierdiff_jit_table_set", &[I32, I64, I64], Some(I32)),
            Callback::TableSize => ("tierdiff_jit_table_size", &[I32], Some(I64)),
            Callback::TableGrow => ("tierdiff_jit_table_grow", &[I32, I64, I64], Some(I64)),
            Callback::TableFill => ("tierdiff_jit_table_fill", &[I32, I64, I64, I64], Some(I32)),
            Callback::TableCopy => (
                "tierdiff_jit_table_copy",
                &[I32, I32, I64, I64, I64],
                Some(I32),
            ),
            Callback::TableInit => (
                "tierdiff_jit_table_init",
                &[I32, I32, I64, I32, I32],
                Some(I32),
            ),
            Callback::ElemDrop => ("tierdiff_jit_elem_drop", &[I32], None),
            // Returns a code pointer (the JIT targets 64-bit hosts only).
            Callback::Compile => ("tierdiff_jit_compile", &[I32], Some(I64)),
        }
    }

    /// Whether the callback returns a status that must be checked.
    fn may_trap(self) -> bool {
        !matches!(
            self,
            Callback::MemoryGrow
                | Callback::DataDrop
                | Callback::TableSize
                | Callback::TableGrow
                | Callback::ElemDrop
        )
    }
}

/// The signature of a callback (context pointer first).
pub(super) fn callback_signature(cb: Callback, mut sig: Signature, ptr: Type) -> Signature {
    let (_, params, ret) = cb.shape();
    sig.params.push(AbiParam::new(ptr));
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns.extend(ret.map(AbiParam::new));
    sig
}

/// The signature of a compiled wasm function.
pub(super) fn wasm_signature(ty: &crate::types::FuncType, ptr: Type) -> Signature {
    let mut sig = Signature::new(WASM_CALL_CONV);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64)); // fuel
    sig.params.push(AbiParam::new(types::I64)); // call depth
    sig.params
        .extend(ty.params.iter().map(|&t| AbiParam::new(clif_type(t))));
    // Fuel left goes back through the context: returning it as a third
    // value made tight loops measurably slower here.
    sig.returns.push(AbiParam::new(types::I32)); // status
    sig.returns
        .extend(ty.results.iter().map(|&t| AbiParam::new(clif_type(t))));
    sig
}

/// What a function body may refer to, already imported into the function
/// being built.
pub(super) struct Env<'a> {
    pub module: &'a Module,
    pub inst: &'a InstanceData,
    /// The JIT module's declarations (read-only: several threads translate
    /// at once).
    pub decls: &'a ModuleDeclarations,
    pub config: TargetFrontendConfig,
    /// Declared ids of the defined functions, by defined index.
    pub func_ids: &'a [FuncId],
    /// For a lazily compiled instance, the code address of each defined
    /// function so far (0: not compiled); `None` when the whole instance compiles at
    /// once and every call can be direct.
    pub lazy_code: Option<&'a super::instance_code::RawTable<usize>>,
    /// Where `call_indirect` finds the instance's tables and functions
    /// without a callback; `None` sends every `call_indirect` through the
    /// runtime.
    pub indirect: Option<IndirectTables>,
    /// Address of the instance's memory views (`ctx::MemView` per memory),
    /// where code finds memories other than memory 0.
    pub mem_views: usize,
    pub callback_ids: &'a HashMap<Callback, FuncId>,
    /// Direct-call targets imported into the current function so far.
    pub funcs: HashMap<u32, FuncRef>,
    pub callbacks: HashMap<Callback, FuncRef>,
    /// Type indices used by `call_indirect` (recorded for the code map).
    pub indirect_types: Vec<u32>,
    /// The lowerings picked so far ([`super::paths`]).
    pub paths: crate::tier_paths::Pending,
}

/// Addresses of an instance's run-time tables, baked into its code (they
/// live as long as the tier): `call_indirect` checks and calls a function of
/// its own instance natively, and leaves every other target (imports, other
/// instances, host functions, not yet compiled code) to the runtime.
#[derive(Clone, Copy, Debug)]
pub(super) struct IndirectTables {
    /// `ctx::TableView` per table of the instance (base, length), kept
    /// current by `ctx::refresh`.
    pub views: usize,
    /// Canonical type id (u32) per defined function.
    pub types: usize,
    /// Code address (usize, 0 = none yet) per defined function.
    pub code: usize,
    /// Store address of the first defined function; the others follow it.
    pub first_addr: u32,
    pub count: u32,
}

/// Makes declared function `id` callable from `func`. The same as
/// `cranelift_module::Module::declare_func_in_func`, which needs the module
/// mutably and so would serialise the translating threads.
pub(super) fn import_function(
    decls: &ModuleDeclarations,
    id: FuncId,
    func: &mut Function,
) -> FuncRef {
    let decl = decls.get_function_decl(id);
    let signature = func.import_signature(decl.signature.clone());
    let name = func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index: id.as_u32(),
    });
    func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: decl.linkage.is_final(),
        patchable: false,
    })
}

/// How a call reaches a compiled function of the same instance.
#[derive(Clone, Copy)]
enum Callee {
    /// A direct call of a function compiled with (or before) the caller.
    Direct(FuncRef),
    /// A call through a code address loaded at run time.
    Code(Value),
}

/// Where a branch to a label goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Block,
    Loop(Block),
    If { else_block: Block, has_else: bool },
}

/// One open block, loop or if.
struct Frame {
    kind: Kind,
    next: Block,
    params: Vec<Type>,
    results: Vec<Type>,
    /// Operand-stack height below the block's parameters.
    height: usize,
    /// Parameters as they entered, for an `if`'s else arm.
    else_args: Vec<Value>,
    /// Whether some branch targets `next`.
    reached: bool,
    /// Length of `Translator::checked` when the frame opened: what was
    /// checked before it dominates its else arm and its end.
    checked_len: usize,
}

impl Frame {
    /// Arity and block of a branch to this label.
    fn target(&self) -> (Block, usize) {
        match self.kind {
            Kind::Loop(header) => (header, self.params.len()),
            _ => (self.next, self.results.len()),
        }
    }
}

fn args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|&v| BlockArg::Value(v)).collect()
}

/// Flags for context and global accesses: aligned, never trapping.
fn vm() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Translates one function body with a builder positioned nowhere yet.
pub(super) struct Translator<'e, 'm, 'b> {
    b: FunctionBuilder<'b>,
    env: &'e mut Env<'m>,
    ptr: Type,
    vmctx: Value,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    /// Nesting of blocks opened in unreachable code (skipped).
    dead: u32,
    reachable: bool,
    result_types: Vec<Type>,
    trap_blocks: HashMap<TrapCode, Block>,
    exit: Block,
    /// Call depth of this function's callees (its own depth + 1), passed
    /// to direct callees as an argument and written to the context before
    /// callbacks, which may call wasm through the runtime.
    callee_depth: Value,
    /// This function's own depth: what a tail call passes on, since the
    /// callee replaces this frame.
    depth: Value,
    /// Base and length of each memory the body reads or writes directly
    /// (by memory index; `None` for the others), kept in SSA variables so
    /// loops need not reload them; reloaded after every call, since only a
    /// call (into another function or the runtime) can grow memory.
    mems: Vec<Option<(Variable, Variable)>>,
    /// Fuel left, kept in a register: an argument of every wasm function,
    /// which leaves what is left in the context when it returns or traps;
    /// also written there before callbacks. A store-to-load round trip per
    /// loop iteration would otherwise chain every iteration of a tight loop
    /// through memory.
    fuel: Variable,
    /// Bounds checks already done on the path to the current point, as
    /// (memory, address value, offset + size): a later access to the same
    /// address of the same memory with no larger reach cannot fail (memory
    /// never shrinks), so its check is skipped. Entries are dropped when
    /// control leaves the region whose entry dominates them (else arms,
    /// block ends).
    checked: Vec<(u32, Value, u64)>,
    /// Index of the function being translated.
    index: u32,
}

impl<'e, 'm, 'b> Translator<'e, 'm, 'b> {
    pub(super) fn new(b: FunctionBuilder<'b>, env: &'e mut Env<'m>, ptr: Type) -> Self {
        let dummy = Value::from_u32(0);
        let mut b = b;
        let exit = b.create_block();
        Translator {
            b,
            env,
            ptr,
            vmctx: dummy,
            locals: Vec::new(),
            stack: Vec::new(),
            frames: Vec::new(),
            dead: 0,
            reachable: true,
            result_types: Vec::new(),
            trap_blocks: HashMap::new(),
            exit,
            callee_depth: dummy,
            depth: dummy,
            mems: Vec::new(),
            fuel: Variable::from_u32(0),
            checked: Vec::new(),
            index: 0,
        }
    }

    /// Emits the whole function `index`.
    pub(super) fn translate(mut self, index: u32) -> Result<Vec<u32>, PrepareError> {
        self.index = index;
        let module = self.env.module;
        let ty = module.func_type(index);
        let body = &module.bodies[(index - module.num_imported_funcs) as usize];
        self.result_types = ty.results.iter().map(|&t| clif_type(t)).collect();

        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (vmctx, fuel, depth) = (params[0], params[1], params[2]);
        self.vmctx = vmctx;
        for (i, &t) in ty.params.iter().enumerate() {
            let var = self.b.declare_var(clif_type(t));
            self.b.def_var(var, params[i + 3]);
            self.locals.push(var);
        }
        let zero_refs = fault::active(Fault::RefLocalsZero);
        for &t in &body.locals {
            let ct = clif_type(t);
            let var = self.b.declare_var(ct);
            let init = if t.is_ref() && !zero_refs {
                t.default_raw()
            } else {
                0
            };
            let v = self.constant(ct, init);
            self.b.def_var(var, v);
            self.locals.push(var);
        }
        let code = &module.bytes[body.code.clone()];
        self.declare_memories(code, body.code.start as u64)?;

        self.fuel = self.b.declare_var(types::I64);
        self.b.def_var(self.fuel, fuel);
        self.b.append_block_param(self.exit, types::I64);

        // Call depth first, then the native stack (a safety net with the
        // same trap), then fuel: the order every tier shares.
        let max = self.load_vm(types::I64, OFF_MAX_DEPTH);
        let too_deep = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, max);
        self.trap_if(too_deep, TrapCode::CallStackExhausted);
        let sp = self.b.ins().get_stack_pointer(self.ptr);
        let limit = self.load_vm(self.ptr, OFF_STACK_LIMIT);
        let overflow = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.trap_if(overflow, TrapCode::CallStackExhausted);
        self.depth = depth;
        self.callee_depth = self.b.ins().iadd_imm_s(depth, 1);
        self.charge_fuel();

        let ret = self.b.create_block();
        for &t in &self.result_types.clone() {
            self.b.append_block_param(ret, t);
        }
        self.open_frame(
            Kind::Block,
            ret,
            Vec::new(),
            self.result_types.clone(),
            0,
            Vec::new(),
        );

        let mut reader = wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(
            code,
            body.code.start as u64,
        ));
        while !reader.eof() {
            let op = reader
                .read()
                .map_err(|e| PrepareError::internal("jit", e))?;
            self.op(op)?;
            if self.frames.is_empty() {
                break;
            }
        }

        // The exit path of every trap: status 1, the fuel left, results
        // unspecified.
        self.b.switch_to_block(self.exit);
        self.b.set_cold_block(self.exit);
        let fuel_left = self.b.block_params(self.exit)[0];
        self.b.ins().store(vm(), fuel_left, self.vmctx, OFF_FUEL);
        let mut outs = vec![self.b.ins().iconst(types::I32, 1)];
        for t in self.result_types.clone() {
            outs.push(self.zero(t));
        }
        self.b.ins().return_(&outs);
        let traps: Vec<(TrapCode, Block)> =
            self.trap_blocks.iter().map(|(&c, &b)| (c, b)).collect();
        for (code, block) in traps {
            self.b.switch_to_block(block);
            self.b.set_cold_block(block);
            let c = self
                .b
                .ins()
                .iconst(types::I32, super::ctx::encode_trap(code) as i64);
            self.b.ins().store(vm(), c, self.vmctx, OFF_TRAP);
            let fuel = self.b.use_var(self.fuel);
            self.b.ins().jump(self.exit, &[BlockArg::Value(fuel)]);
        }
        self.b.seal_all_blocks();
        let indirect = std::mem::take(&mut self.env.indirect_types);
        self.b.finalize(self.env.config);
        Ok(indirect)
    }

    /// Counts a lowering the translator picked.
    pub(super) fn path(&mut self, path: JitPath) {
        self.env.paths.hit(path as usize);
    }

    /// A constant of type `t` from its raw slot (a vector: `raw` in every
    /// 64-bit half; only 0 is used).
    fn constant(&mut self, t: Type, raw: u64) -> Value {
        match t {
            types::F32 => self.b.ins().f32const(Ieee32::with_bits(raw as u32)),
            types::F64 => self.b.ins().f64const(Ieee64::with_bits(raw)),
            t if t.is_vector() => {
                let wide = (raw as u128) << 64 | raw as u128;
                self.v128_const(wide)
            }
            _ => self.b.ins().iconst(t, raw as i64),
        }
    }

    fn zero(&mut self, t: Type) -> Value {
        self.constant(t, 0)
    }

    fn load_vm(&mut self, t: Type, off: i32) -> Value {
        self.b.ins().load(t, vm(), self.vmctx, off)
    }

    /// Branches to the trap block of `code` when `cond` is nonzero.
    fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let block = self.trap_block(code);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, block, &[], cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// The cold block that records `code` and leaves the function.
    fn trap_block(&mut self, code: TrapCode) -> Block {
        *self
            .trap_blocks
            .entry(code)
            .or_insert_with(|| self.b.create_block())
    }

    /// Leaves the function, passing on the fuel the callee left, when a call
    /// or callback returned a nonzero status.
    fn propagate(&mut self, status: Value, fuel: Value) {
        let cont = self.b.create_block();
        self.b
            .ins()
            .brif(status, self.exit, &[BlockArg::Value(fuel)], cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// One unit of fuel, or `OutOfFuel` when none is left. Unlimited fuel
    /// is `u64::MAX` in the context and is decremented like any other: it
    /// cannot reach 0, and the runtime does not write it back to the store.
    fn charge_fuel(&mut self) {
        let fuel = self.b.use_var(self.fuel);
        let empty = self.b.ins().icmp_imm_s(IntCC::Equal, fuel, 0);
        self.trap_if(empty, TrapCode::OutOfFuel);
        let left = self.b.ins().iadd_imm_s(fuel, -1);
        self.b.def_var(self.fuel, left);
    }

    fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated: operand present")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn block_type(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        let conv = |v: wasmparser::ValType| -> Type {
            match v {
                wasmparser::ValType::I32 => types::I32,
                wasmparser::ValType::F32 => types::F32,
                wasmparser::ValType::F64 => types::F64,
                wasmparser::ValType::V128 => types::I8X16,
                _ => types::I64,
            }
        };
        match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![conv(t)]),
            BlockType::FuncType(i) => {
                let ft = &self.env.module.types[i as usize];
                (
                    ft.params.iter().map(|&t| clif_type(t)).collect(),
                    ft.results.iter().map(|&t| clif_type(t)).collect(),
                )
            }
        }
    }

    fn new_block(&mut self, params: &[Type]) -> Block {
        let block = self.b.create_block();
        for &t in params {
            self.b.append_block_param(block, t);
        }
        block
    }

    /// Pushes a control frame; what was bounds-checked so far dominates it.
    fn open_frame(
        &mut self,
        kind: Kind,
        next: Block,
        params: Vec<Type>,
        results: Vec<Type>,
        height: usize,
        else_args: Vec<Value>,
    ) {
        self.frames.push(Frame {
            kind,
            next,
            params,
            results,
            height,
            else_args,
            reached: false,
            checked_len: self.checked.len(),
        });
    }

    /// Branch to label `depth` with its arguments on top of the stack.
    fn branch_target(&mut self, depth: u32) -> (Block, Vec<Value>) {
        let i = self.frames.len() - 1 - depth as usize;
        if !matches!(self.frames[i].kind, Kind::Loop(_)) {
            self.frames[i].reached = true;
        }
        let (block, arity) = self.frames[i].target();
        let vals = self.stack[self.stack.len() - arity..].to_vec();
        (block, vals)
    }

    /// `call` or (with `tail`) `return_call` of function `index`.
    fn call(&mut self, index: u32, tail: bool) {
        let module = self.env.module;
        let ty = module.func_type(index);
        if index < module.num_imported_funcs {
            self.path(if tail {
                JitPath::TailCallImport
            } else {
                JitPath::CallImport
            });
            let addr = self.env.inst.funcs[index as usize].0;
            let a = self.iconst32(addr);
            self.call_via_runtime(ty, Callback::Call, &[a], tail);
            return;
        }
        let args = self.pop_n(ty.params.len());
        let direct = self.calls_directly(index);
        self.path(match (direct, tail) {
            (true, false) => JitPath::CallDirect,
            (true, true) => JitPath::TailCallDirect,
            (false, false) => JitPath::CallCodeTable,
            (false, true) => JitPath::TailCallCodeTable,
        });
        let callee = if direct {
            Callee::Direct(self.func_ref(index))
        } else {
            Callee::Code(self.lazy_code_of(index))
        };
        if tail {
            self.tail_call_compiled(ty, callee, &args);
        } else {
            let results = self.call_compiled(ty, callee, &args);
            self.stack.extend_from_slice(&results);
        }
    }

    /// `call_indirect` or (with `tail`) `return_call_indirect`.
    fn call_indirect(&mut self, type_index: u32, table_index: u32, tail: bool) {
        let index = self.pop();
        self.env.indirect_types.push(type_index);
        let ty = &self.env.module.types[type_index as usize];
        match self.env.indirect {
            Some(tables) => {
                self.path(if tail {
                    JitPath::TailCallIndirectNative
                } else {
                    JitPath::CallIndirectNative
                });
                self.call_indirect_native(tables, ty, type_index, table_index, index, tail)
            }
            None => {
                self.path(if tail {
                    JitPath::TailCallIndirectRuntimeOnly
                } else {
                    JitPath::CallIndirectRuntimeOnly
                });
                self.call_indirect_via_runtime(ty, type_index, table_index, index, tail)
            }
        }
    }

    fn stack_top_is_vector(&self) -> bool {
        let v = *self.stack.last().expect("validated: operand present");
        self.b.func.dfg.value_type(v).is_vector()
    }

    /// A `v128` global: its low half at `off`, its high half in the
    /// global's `hi` field.
    fn load_v128_global(&mut self, base: Value, off: i32) -> Value {
        let (hi_base, hi_off) = self.global_hi(base, off);
        let lo = self.b.ins().load(types::I64, vm(), base, off);
        let hi = self.b.ins().load(types::I64, vm(), hi_base, hi_off);
        let v = self.b.ins().scalar_to_vector(types::I64X2, lo);
        let v = self.b.ins().insertlane(v, hi, 1);
        self.v128_canonical(v)
    }

    fn store_v128_global(&mut self, v: Value, base: Value, off: i32) {
        let (hi_base, hi_off) = self.global_hi(base, off);
        let v = self.v128_as(v, types::I64X2);
        let lo = self.b.ins().extractlane(v, 0);
        let hi = self.b.ins().extractlane(v, 1);
        self.b.ins().store(vm(), lo, base, off);
        self.b.ins().store(vm(), hi, hi_base, hi_off);
    }

    /// Where a `v128` global's high half is, given where its value is.
    fn global_hi(&mut self, base: Value, off: i32) -> (Value, i32) {
        match i32::try_from(off as i64 + ctx::GLOBAL_HI_DELTA) {
            Ok(hi) => (base, hi),
            Err(_) => {
                self.path(JitPath::GlobalFarOffset);
                let at = self
                    .b
                    .ins()
                    .iadd_imm_s(base, off as i64 + ctx::GLOBAL_HI_DELTA);
                (at, 0)
            }
        }
    }

    /// Address of the store global behind the module's global `index`.
    fn global(&mut self, index: u32) -> (Value, i32) {
        let addr = self.env.inst.globals[index as usize];
        let base = self.load_vm(self.ptr, OFF_GLOBALS);
        let off = global_offset(addr);
        match i32::try_from(off) {
            Ok(off) => (base, off),
            Err(_) => {
                self.path(JitPath::GlobalFarOffset);
                (self.b.ins().iadd_imm_s(base, off), 0)
            }
        }
    }

    /// The FuncRef of defined function `index`, imported on first use.
    fn func_ref(&mut self, index: u32) -> FuncRef {
        if let Some(&f) = self.env.funcs.get(&index) {
            return f;
        }
        let id = self.env.func_ids[(index - self.env.module.num_imported_funcs) as usize];
        let f = import_function(self.env.decls, id, self.b.func);
        self.env.funcs.insert(index, f);
        f
    }

    /// Whether a call to defined function `index` can be a direct call: in
    /// eager mode always; in lazy mode if the callee already has code or is
    /// the function being compiled.
    fn calls_directly(&self, index: u32) -> bool {
        let defined = (index - self.env.module.num_imported_funcs) as usize;
        match self.env.lazy_code {
            None => true,
            Some(code) => code.get(defined) != 0 || index == self.index,
        }
    }

    /// The code pointer of defined function `index` of a lazy instance: read
    /// from the code table, and compiled by a callback if still null (a
    /// failed compile traps with its host error).
    fn lazy_code_of(&mut self, index: u32) -> Value {
        let defined = index - self.env.module.num_imported_funcs;
        let table = self.load_vm(self.ptr, OFF_CODE_TABLE);
        let slot = self.b.ins().iadd_imm_s(table, defined as i64 * 8);
        let code = self.b.ins().load(self.ptr, vm(), slot, 0);
        let ready = self.b.create_block();
        let ptr = self.ptr;
        let code_param = self.b.append_block_param(ready, ptr);
        let compile = self.b.create_block();
        self.b.set_cold_block(compile);
        self.b
            .ins()
            .brif(code, ready, &[BlockArg::Value(code)], compile, &[]);
        self.b.seal_block(compile);
        self.b.switch_to_block(compile);
        let f = self.callback_ref(Callback::Compile);
        let d = self.iconst32(defined);
        let call = self.b.ins().call(f, &[self.vmctx, d]);
        let compiled = self.b.inst_results(call)[0];
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, compiled, 0);
        let fuel = self.b.use_var(self.fuel);
        self.propagate(failed, fuel);
        self.b.ins().jump(ready, &[BlockArg::Value(compiled)]);
        self.b.seal_block(ready);
        self.b.switch_to_block(ready);
        code_param
    }

    /// The FuncRef of callback `cb`, imported on first use.
    fn callback_ref(&mut self, cb: Callback) -> FuncRef {
        if let Some(&f) = self.env.callbacks.get(&cb) {
            return f;
        }
        let f = import_function(self.env.decls, self.env.callback_ids[&cb], self.b.func);
        self.env.callbacks.insert(cb, f);
        f
    }

    fn callback(&mut self, cb: Callback, args: &[Value]) -> Option<Value> {
        self.callback_at(cb, args, self.callee_depth)
    }

    /// Calls the runtime; wasm it runs starts at call depth `depth`.
    fn callback_at(&mut self, cb: Callback, args: &[Value], depth: Value) -> Option<Value> {
        let f = self.callback_ref(cb);
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        // The runtime (and any wasm it calls) reads fuel and the callee's
        // depth from the context and leaves the fuel left there.
        let fuel = self.b.use_var(self.fuel);
        self.b.ins().store(vm(), fuel, self.vmctx, OFF_FUEL);
        self.b.ins().store(vm(), depth, self.vmctx, OFF_DEPTH);
        let call = self.b.ins().call(f, &all);
        let result = self.b.inst_results(call).first().copied();
        let fuel = self.load_vm(types::I64, OFF_FUEL);
        if cb.may_trap() {
            self.propagate(result.expect("trapping callbacks return a status"), fuel);
        }
        self.b.def_var(self.fuel, fuel);
        self.reload_memory();
        result
    }

    fn iconst32(&mut self, v: u32) -> Value {
        self.b.ins().iconst(types::I32, v as i64)
    }

    /// Returns `results` with status 0, leaving the fuel left in the context.
    fn return_ok(&mut self, results: &[Value]) {
        let fuel = self.b.use_var(self.fuel);
        self.b.ins().store(vm(), fuel, self.vmctx, OFF_FUEL);
        let mut outs = vec![self.b.ins().iconst(types::I32, 0)];
        outs.extend_from_slice(results);
        self.b.ins().return_(&outs);
    }

    /// A call through the runtime: arguments and results travel in a stack
    /// buffer of slots (two per `v128`). A tail call (`tail`) runs the
    /// callee at this function's own depth and returns its results.
    fn call_via_runtime(
        &mut self,
        ty: &crate::types::FuncType,
        cb: Callback,
        lead: &[Value],
        tail: bool,
    ) {
        let params: Vec<Value> = self.pop_n(ty.params.len());
        let slots = ctx::slots(&ty.params).max(ctx::slots(&ty.results)).max(1) as u32;
        let ss = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            slots * 8,
            4,
        ));
        let buf = self.b.ins().stack_addr(self.ptr, ss, 0);
        let offsets = slot_offsets(&ty.params);
        for ((&v, &t), at) in params.iter().zip(&ty.params).zip(offsets) {
            self.b.ins().store(slot_flags(t), v, buf, at);
        }
        let mut args = lead.to_vec();
        args.push(buf);
        let depth = if tail { self.depth } else { self.callee_depth };
        self.callback_at(cb, &args, depth);
        let offsets = slot_offsets(&ty.results);
        let results: Vec<Value> = ty
            .results
            .iter()
            .zip(offsets)
            .map(|(&t, at)| self.b.ins().load(clif_type(t), slot_flags(t), buf, at))
            .collect();
        if tail {
            self.return_ok(&results);
        } else {
            self.stack.extend(results);
        }
    }

    /// `call_indirect` (or, with `tail`, `return_call_indirect`) with its
    /// checks in native code, in the runtime's order (table bounds, null,
    /// signature). A target among the instance's own compiled functions is
    /// called like a direct call; any other target goes through the runtime
    /// (which repeats the checks and does the call).
    fn call_indirect_native(
        &mut self,
        tables: IndirectTables,
        ty: &crate::types::FuncType,
        type_index: u32,
        table_index: u32,
        index: Value,
        tail: bool,
    ) {
        let ptr = self.ptr;
        let args = self.pop_n(ty.params.len());
        let view = self
            .b
            .ins()
            .iconst(ptr, (tables.views + table_index as usize * 16) as i64);
        let base = self.b.ins().load(ptr, vm(), view, 0);
        let len = self.b.ins().load(types::I64, vm(), view, 8);
        // A 64-bit table's index is compared whole: >= 2^32 is outside.
        let at = self.widen_u64(index);
        let outside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, at, len);
        self.trap_if(outside, TrapCode::TableOutOfBounds);
        let offset = self.b.ins().ishl_imm_s(at, 3);
        let slot = self.b.ins().iadd(base, offset);
        let raw = self.b.ins().load(types::I64, vm(), slot, 0);
        let null = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, raw, crate::values::NULL_REF as i64);
        self.trap_if(null, TrapCode::IndirectCallToNull);
        let k = self.b.ins().iadd_imm_s(raw, -(tables.first_addr as i64));
        let local = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, k, tables.count as i64);
        let own = self.b.create_block();
        let slow = self.b.create_block();
        let merge = self.b.create_block();
        for &t in &ty.results {
            self.b.append_block_param(merge, clif_type(t));
        }
        self.b.ins().brif(local, own, &[], slow, &[]);

        // One of our functions: same canonical type id, or the trap.
        self.b.seal_block(own);
        self.b.switch_to_block(own);
        let type_off = self.b.ins().ishl_imm_s(k, 2);
        let types_base = self.b.ins().iconst(ptr, tables.types as i64);
        let type_at = self.b.ins().iadd(types_base, type_off);
        let actual = self.b.ins().load(types::I32, vm(), type_at, 0);
        let expected = self.env.inst.type_ids[type_index as usize].0 as i64;
        let wrong = self.b.ins().icmp_imm_u(IntCC::NotEqual, actual, expected);
        self.trap_if(wrong, TrapCode::IndirectCallTypeMismatch);
        let code_off = self.b.ins().ishl_imm_s(k, 3);
        let code_base = self.b.ins().iconst(ptr, tables.code as i64);
        let code_at = self.b.ins().iadd(code_base, code_off);
        let code = self.b.ins().load(ptr, vm(), code_at, 0);
        let fast = self.b.create_block();
        let code_param = self.b.append_block_param(fast, ptr);
        self.b
            .ins()
            .brif(code, fast, &[BlockArg::Value(code)], slow, &[]);

        // Compiled: a native call, exactly like a direct one.
        self.b.seal_block(fast);
        self.b.switch_to_block(fast);
        if tail {
            self.tail_call_compiled(ty, Callee::Code(code_param), &args);
        } else {
            let results = self.call_compiled(ty, Callee::Code(code_param), &args);
            let vals: Vec<BlockArg> = results.iter().map(|&v| BlockArg::Value(v)).collect();
            self.b.ins().jump(merge, &vals);
        }

        // Anything else: the runtime checks again and calls.
        self.b.seal_block(slow);
        self.b.switch_to_block(slow);
        self.stack.extend_from_slice(&args);
        self.call_indirect_via_runtime(ty, type_index, table_index, index, tail);
        if !tail {
            let results = self.pop_n(ty.results.len());
            let vals: Vec<BlockArg> = results.iter().map(|&v| BlockArg::Value(v)).collect();
            self.b.ins().jump(merge, &vals);
        }

        // After a tail call nothing follows (and `merge` stays unused).
        if !tail {
            self.b.seal_block(merge);
            self.b.switch_to_block(merge);
            let results = self.b.block_params(merge).to_vec();
            self.stack.extend_from_slice(&results);
        }
    }

    /// `call_indirect` done entirely by the runtime callback.
    fn call_indirect_via_runtime(
        &mut self,
        ty: &crate::types::FuncType,
        type_index: u32,
        table_index: u32,
        index: Value,
        tail: bool,
    ) {
        let t = self.iconst32(table_index);
        let ti = self.iconst32(type_index);
        let index = self.widen_u64(index);
        self.call_via_runtime(ty, Callback::CallIndirect, &[t, ti, index], tail);
    }

    /// A native call of a compiled function of this instance: fuel and depth
    /// go in, a trap status is propagated, fuel and memory are re-read after.
    /// Returns the wasm results.
    fn call_compiled(
        &mut self,
        ty: &crate::types::FuncType,
        callee: Callee,
        args: &[Value],
    ) -> Vec<Value> {
        let fuel = self.b.use_var(self.fuel);
        let mut all = vec![self.vmctx, fuel, self.callee_depth];
        all.extend_from_slice(args);
        let call = match callee {
            Callee::Direct(f) => self.b.ins().call(f, &all),
            Callee::Code(code) => {
                let sig = self.b.import_signature(wasm_signature(ty, self.ptr));
                self.b.ins().call_indirect(sig, code, &all)
            }
        };
        let results = self.b.inst_results(call).to_vec();
        let fuel = self.load_vm(types::I64, OFF_FUEL);
        self.propagate(results[0], fuel);
        self.b.def_var(self.fuel, fuel);
        self.reload_memory();
        results[1..].to_vec()
    }

    /// A tail call of a compiled function of this instance: the callee
    /// replaces this frame (native stack and wasm depth stay where they
    /// are), gets the fuel left and returns straight to this function's
    /// caller, leaving the fuel in the context as any function does.
    fn tail_call_compiled(&mut self, ty: &crate::types::FuncType, callee: Callee, args: &[Value]) {
        let fuel = self.b.use_var(self.fuel);
        let mut all = vec![self.vmctx, fuel, self.depth];
        all.extend_from_slice(args);
        match callee {
            Callee::Direct(f) => self.b.ins().return_call(f, &all),
            Callee::Code(code) => {
                let sig = self.b.import_signature(wasm_signature(ty, self.ptr));
                self.b.ins().return_call_indirect(sig, code, &all)
            }
        };
    }

    /// Traps unless the float (already f64) lies strictly inside `(lo, hi)`.
    fn check_trunc(&mut self, x: Value, lo: f64, hi: f64) {
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, TrapCode::InvalidConversionToInteger);
        let lo = self.b.ins().f64const(lo);
        let hi = self.b.ins().f64const(hi);
        let below = self.b.ins().fcmp(FloatCC::LessThanOrEqual, x, lo);
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(below, above);
        self.trap_if(out, TrapCode::IntegerOverflow);
    }

    fn trunc(&mut self, to: Type, signed: bool) {
        let v = self.pop();
        let x = if self.b.func.dfg.value_type(v) == types::F32 {
            self.path(JitPath::TruncFromF32);
            self.b.ins().fpromote(types::F64, v)
        } else {
            self.path(JitPath::TruncFromF64);
            v
        };
        let (lo, hi) = match (to, signed) {
            (types::I32, true) => (-2147483649.0, 2147483648.0),
            (types::I32, false) => (-1.0, 4294967296.0),
            (_, true) => (-9223372036854777856.0, 9223372036854775808.0),
            (_, false) => (-1.0, 18446744073709551616.0),
        };
        self.check_trunc(x, lo, hi);
        let r = if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        };
        self.push(r);
    }

    fn trunc_sat(&mut self, to: Type, signed: bool) {
        let v = self.pop();
        let r = if signed {
            self.b.ins().fcvt_to_sint_sat(to, v)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, v)
        };
        self.push(r);
    }

    fn divide(&mut self, t: Type, signed: bool, rem: bool) {
        self.path(match (signed, rem) {
            (true, false) => JitPath::DivSigned,
            (false, false) => JitPath::DivUnsigned,
            (true, true) => JitPath::RemSigned,
            (false, true) => JitPath::RemUnsigned,
        });
        let (a, b) = self.pop2();
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        self.trap_if(zero, TrapCode::IntegerDivideByZero);
        let r = if signed {
            let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            if rem {
                // MIN rem -1 is 0; x rem 1 is 0 too, and never faults.
                let one = self.b.ins().iconst(t, 1);
                let d = self.b.ins().select(minus_one, one, b);
                self.b.ins().srem(a, d)
            } else {
                let min = if t == types::I32 {
                    i32::MIN as i64
                } else {
                    i64::MIN
                };
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                let overflow = self.b.ins().band(minus_one, is_min);
                self.trap_if(overflow, TrapCode::IntegerOverflow);
                self.b.ins().sdiv(a, b)
            }
        } else if rem {
            self.b.ins().urem(a, b)
        } else {
            self.b.ins().udiv(a, b)
        };
        self.push(r);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().icmp(cc, a, b);
        let r = self.b.ins().uextend(types::I32, c);
        self.push(r);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().fcmp(cc, a, b);
        let r = self.b.ins().uextend(types::I32, c);
        self.push(r);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
        let r = self.b.ins().uextend(types::I32, c);
        self.push(r);
    }

    fn un(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value) -> Value) {
        let a = self.pop();
        let r = f(&mut self.b, a);
        self.push(r);
    }

    fn bin(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let r = f(&mut self.b, a, b);
        self.push(r);
    }

    /// Narrows to `narrow` and sign-extends back to `t`.
    fn extend_s(&mut self, t: Type, narrow: Type) {
        let a = self.pop();
        let n = self.b.ins().ireduce(narrow, a);
        let r = self.b.ins().sextend(t, n);
        self.push(r);
    }

    /// Closes the innermost frame at its `end`.
    fn end(&mut self) {
        let frame = self.frames.pop().expect("validated: end closes a frame");
        self.checked.truncate(frame.checked_len);
        if self.reachable {
            let vals = self.pop_n(frame.results.len());
            self.b.ins().jump(frame.next, &args(&vals));
        }
        let mut reached = frame.reached || self.reachable;
        if let Kind::If {
            else_block,
            has_else: false,
        } = frame.kind
        {
            // No else arm: the parameters pass straight through.
            self.path(JitPath::IfWithoutElse);
            self.b.switch_to_block(else_block);
            self.b.seal_block(else_block);
            self.b.ins().jump(frame.next, &args(&frame.else_args));
            reached = true;
        }
        self.stack.truncate(frame.height);
        if self.frames.is_empty() {
            // The function body: return its results.
            if reached {
                self.b.switch_to_block(frame.next);
                self.b.seal_block(frame.next);
                let results = self.b.block_params(frame.next).to_vec();
                self.return_ok(&results);
            }
            return;
        }
        if reached {
            self.b.switch_to_block(frame.next);
            self.b.seal_block(frame.next);
            let params = self.b.block_params(frame.next).to_vec();
            self.stack.extend(params);
        } else {
            self.path(JitPath::EndUnreached);
        }
        self.reachable = reached;
    }

    fn op(&mut self, op: Operator<'_>) -> Result<(), PrepareError> {
        use Operator as O;
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.path(JitPath::DeadCodeSkipped);
                    self.dead += 1
                }
                O::Else if self.dead == 0 => {
                    self.path(JitPath::ElseAfterDeadThen);
                    let frame = self.frames.last_mut().expect("validated: else in if");
                    let Kind::If { else_block, .. } = frame.kind else {
                        unreachable!("validated: else closes an if")
                    };
                    frame.kind = Kind::If {
                        else_block,
                        has_else: true,
                    };
                    let (height, else_args) = (frame.height, frame.else_args.clone());
                    self.checked.truncate(frame.checked_len);
                    self.stack.truncate(height);
                    self.stack.extend(else_args);
                    self.b.switch_to_block(else_block);
                    self.b.seal_block(else_block);
                    self.reachable = true;
                }
                O::End if self.dead > 0 => self.dead -= 1,
                O::End => self.end(),
                _ => {}
            }
            return Ok(());
        }
        let i32t = types::I32;
        let i64t = types::I64;
        match op {
            O::Unreachable => {
                self.path(JitPath::Unreachable);
                let block = self.trap_block(TrapCode::Unreachable);
                self.b.ins().jump(block, &[]);
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => {
                let (params, results) = self.block_type(blockty);
                self.path(if params.is_empty() {
                    JitPath::Block
                } else {
                    JitPath::BlockWithParams
                });
                let next = self.new_block(&results);
                let height = self.stack.len() - params.len();
                self.open_frame(Kind::Block, next, params, results, height, Vec::new());
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_type(blockty);
                self.path(if params.is_empty() {
                    JitPath::Loop
                } else {
                    JitPath::LoopWithParams
                });
                let header = self.new_block(&params);
                let next = self.new_block(&results);
                let vals = self.pop_n(params.len());
                self.b.ins().jump(header, &args(&vals));
                self.b.switch_to_block(header);
                let hp = self.b.block_params(header).to_vec();
                let height = self.stack.len();
                self.stack.extend(hp);
                self.charge_fuel();
                self.open_frame(
                    Kind::Loop(header),
                    next,
                    params,
                    results,
                    height,
                    Vec::new(),
                );
            }
            O::If { blockty } => {
                self.path(JitPath::If);
                let (params, results) = self.block_type(blockty);
                let cond = self.pop();
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let next = self.new_block(&results);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.switch_to_block(then_block);
                self.b.seal_block(then_block);
                let height = self.stack.len() - params.len();
                let else_args = self.stack[height..].to_vec();
                self.open_frame(
                    Kind::If {
                        else_block,
                        has_else: false,
                    },
                    next,
                    params,
                    results,
                    height,
                    else_args,
                );
            }
            O::Else => {
                self.path(JitPath::Else);
                let frame = self.frames.last_mut().expect("validated: else in if");
                let Kind::If { else_block, .. } = frame.kind else {
                    unreachable!("validated: else closes an if")
                };
                frame.kind = Kind::If {
                    else_block,
                    has_else: true,
                };
                frame.reached = true;
                let (next, n, height, else_args) = (
                    frame.next,
                    frame.results.len(),
                    frame.height,
                    frame.else_args.clone(),
                );
                self.checked.truncate(frame.checked_len);
                let vals = self.pop_n(n);
                self.b.ins().jump(next, &args(&vals));
                self.stack.truncate(height);
                self.stack.extend(else_args);
                self.b.switch_to_block(else_block);
                self.b.seal_block(else_block);
            }
            O::End => self.end(),
            O::Br { relative_depth } => {
                self.path(JitPath::Br);
                let (block, vals) = self.branch_target(relative_depth);
                self.b.ins().jump(block, &args(&vals));
                self.reachable = false;
            }
            O::BrIf { relative_depth } => {
                self.path(JitPath::BrIf);
                let cond = self.pop();
                let (block, vals) = self.branch_target(relative_depth);
                let cont = self.b.create_block();
                if fault::active(Fault::JitBrIfInverted) {
                    self.b.ins().brif(cond, cont, &[], block, &args(&vals));
                } else {
                    self.b.ins().brif(cond, block, &args(&vals), cont, &[]);
                }
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            O::BrTable { targets } => {
                self.path(JitPath::BrTable);
                let index = self.pop();
                let default = targets.default();
                let mut calls = Vec::new();
                let mut dests = Vec::new();
                for t in targets.targets() {
                    dests.push(t.map_err(|e| PrepareError::internal("jit", e))?);
                }
                let (db, dvals) = self.branch_target(default);
                let dargs = args(&dvals);
                let def = self.b.func.dfg.block_call(db, &dargs);
                for d in dests {
                    let (block, vals) = self.branch_target(d);
                    let a = args(&vals);
                    calls.push(self.b.func.dfg.block_call(block, &a));
                }
                let jt = self.b.create_jump_table(JumpTableData::new(def, &calls));
                self.b.ins().br_table(index, jt);
                self.reachable = false;
            }
            O::Return => {
                self.path(JitPath::Return);
                let depth = self.frames.len() as u32 - 1;
                let (block, vals) = self.branch_target(depth);
                self.b.ins().jump(block, &args(&vals));
                self.reachable = false;
            }
            O::Call { function_index } => self.call(function_index, false),
            O::ReturnCall { function_index } => {
                self.call(function_index, true);
                self.reachable = false;
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                self.call_indirect(type_index, table_index, true);
                self.reachable = false;
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop();
                let (a, b) = self.pop2();
                self.path(if self.b.func.dfg.value_type(a).is_vector() {
                    JitPath::SelectVector
                } else {
                    JitPath::SelectScalar
                });
                let r = self.b.ins().select(c, a, b);
                self.push(r);
            }
            O::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[local_index as usize], v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated: operand present");
                self.b.def_var(self.locals[local_index as usize], v);
            }
            O::GlobalGet { global_index } => {
                let t = clif_type(self.env.module.globals[global_index as usize].ty);
                let (base, off) = self.global(global_index);
                let v = if t.is_vector() {
                    self.path(JitPath::GlobalGetVector);
                    self.load_v128_global(base, off)
                } else {
                    self.path(JitPath::GlobalGetScalar);
                    self.b.ins().load(t, vm(), base, off)
                };
                self.push(v);
            }
            O::GlobalSet { global_index } if self.stack_top_is_vector() => {
                self.path(JitPath::GlobalSetVector);
                let v = self.pop();
                let (base, off) = self.global(global_index);
                self.store_v128_global(v, base, off);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                // The slot encoding keeps 32-bit values zero-extended.
                let t = self.b.func.dfg.value_type(v);
                let raw = match t {
                    types::I32 => {
                        self.path(JitPath::GlobalSetZeroExtended);
                        self.b.ins().uextend(i64t, v)
                    }
                    types::F32 => {
                        self.path(JitPath::GlobalSetZeroExtended);
                        let bits = self.b.ins().bitcast(i32t, MemFlagsData::new(), v);
                        self.b.ins().uextend(i64t, bits)
                    }
                    _ => {
                        self.path(JitPath::GlobalSetWhole);
                        v
                    }
                };
                let (base, off) = self.global(global_index);
                self.b.ins().store(vm(), raw, base, off);
            }

            O::DataDrop { data_index } => {
                let s = self.iconst32(data_index);
                self.callback(Callback::DataDrop, &[s]);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(i64t, -1);
                self.push(v);
            }
            O::RefIsNull => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, -1);
                let r = self.b.ins().uextend(i32t, c);
                self.push(r);
            }
            O::RefFunc { function_index } => {
                let addr = self.env.inst.funcs[function_index as usize].0;
                let v = self.b.ins().iconst(i64t, addr as i64);
                self.push(v);
            }

            O::I32Const { value } => {
                let v = self.b.ins().iconst(i32t, value as u32 as i64);
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.b.ins().iconst(i64t, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            O::I32Clz | O::I64Clz => self.un(|b, a| b.ins().clz(a)),
            O::I32Ctz | O::I64Ctz => self.un(|b, a| b.ins().ctz(a)),
            O::I32Popcnt | O::I64Popcnt => self.un(|b, a| b.ins().popcnt(a)),
            O::I32Add | O::I64Add => self.bin(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.bin(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.bin(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS => self.divide(i32t, true, false),
            O::I32DivU => self.divide(i32t, false, false),
            O::I32RemS => self.divide(i32t, true, true),
            O::I32RemU => self.divide(i32t, false, true),
            O::I64DivS => self.divide(i64t, true, false),
            O::I64DivU => self.divide(i64t, false, false),
            O::I64RemS => self.divide(i64t, true, true),
            O::I64RemU => self.divide(i64t, false, true),
            O::I32And | O::I64And => self.bin(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.bin(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.bin(|b, x, y| b.ins().bxor(x, y)),
            // CLIF shifts and rotates take the count modulo the width, as wasm does.
            O::I32Shl | O::I64Shl => self.bin(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.bin(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.bin(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.bin(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr if fault::active(Fault::JitI32RotrAsRotl) => {
                self.bin(|b, x, y| b.ins().rotl(x, y))
            }
            O::I32Rotr | O::I64Rotr => self.bin(|b, x, y| b.ins().rotr(x, y)),

            O::F32Abs | O::F64Abs => self.un(|b, a| b.ins().fabs(a)),
            O::F32Neg | O::F64Neg => self.un(|b, a| b.ins().fneg(a)),
            O::F32Ceil | O::F64Ceil => self.un(|b, a| b.ins().ceil(a)),
            O::F32Floor | O::F64Floor => self.un(|b, a| b.ins().floor(a)),
            O::F32Trunc | O::F64Trunc => self.un(|b, a| b.ins().trunc(a)),
            O::F32Nearest | O::F64Nearest => self.un(|b, a| b.ins().nearest(a)),
            O::F32Sqrt if fault::active(Fault::JitSqrtNanNegative) => self.un(|b, a| {
                // The canonicalisation pass rewrites `sqrt`'s result, not
                // the `fneg` after it: a NaN comes out negative.
                let r = b.ins().sqrt(a);
                let is_nan = b.ins().fcmp(FloatCC::Unordered, r, r);
                let negated = b.ins().fneg(r);
                b.ins().select(is_nan, negated, r)
            }),
            O::F32Sqrt | O::F64Sqrt => self.un(|b, a| b.ins().sqrt(a)),
            O::F32Add | O::F64Add => self.bin(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.bin(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.bin(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.bin(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.bin(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.bin(|b, x, y| b.ins().fmax(x, y)),
            O::F64Copysign if fault::active(Fault::JitRefusesF64Copysign) => {
                return Err(PrepareError::no_translation("jit", &op));
            }
            O::F32Copysign | O::F64Copysign => self.bin(|b, x, y| b.ins().fcopysign(x, y)),

            O::I32WrapI64 => self.un(|b, a| b.ins().ireduce(types::I32, a)),
            O::I64ExtendI32S => self.un(|b, a| b.ins().sextend(types::I64, a)),
            O::I64ExtendI32U => self.un(|b, a| b.ins().uextend(types::I64, a)),
            O::I32Extend8S => self.extend_s(i32t, types::I8),
            O::I32Extend16S => self.extend_s(i32t, types::I16),
            O::I64Extend8S => self.extend_s(i64t, types::I8),
            O::I64Extend16S => self.extend_s(i64t, types::I16),
            O::I64Extend32S => self.extend_s(i64t, types::I32),
            O::I32TruncF32S | O::I32TruncF64S => self.trunc(i32t, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc(i32t, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc(i64t, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc(i64t, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => self.trunc_sat(i32t, true),
            O::I32TruncSatF32U | O::I32TruncSatF64U => self.trunc_sat(i32t, false),
            O::I64TruncSatF32S | O::I64TruncSatF64S => self.trunc_sat(i64t, true),
            O::I64TruncSatF32U | O::I64TruncSatF64U => self.trunc_sat(i64t, false),
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.un(|b, a| b.ins().fcvt_from_sint(types::F32, a))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.un(|b, a| b.ins().fcvt_from_uint(types::F32, a))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.un(|b, a| b.ins().fcvt_from_sint(types::F64, a))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.un(|b, a| b.ins().fcvt_from_uint(types::F64, a))
            }
            O::F32DemoteF64 => self.un(|b, a| b.ins().fdemote(types::F32, a)),
            O::F64PromoteF32 => self.un(|b, a| b.ins().fpromote(types::F64, a)),
            O::I32ReinterpretF32 => {
                self.un(|b, a| b.ins().bitcast(types::I32, MemFlagsData::new(), a))
            }
            O::I64ReinterpretF64 => {
                self.un(|b, a| b.ins().bitcast(types::I64, MemFlagsData::new(), a))
            }
            O::F32ReinterpretI32 => {
                self.un(|b, a| b.ins().bitcast(types::F32, MemFlagsData::new(), a))
            }
            O::F64ReinterpretI64 => {
                self.un(|b, a| b.ins().bitcast(types::F64, MemFlagsData::new(), a))
            }
            other => {
                if !self.memory_op(&other) && !self.table_op(&other) && !self.simd_op(&other) {
                    return Err(PrepareError::no_translation("jit", &other));
                }
            }
        }
        Ok(())
    }
}
