//! Stack code to register code, once per function.
//!
//! The translator keeps a *virtual* operand stack. Each entry is a local
//! (`local.get` costs nothing), a constant (an immediate), or a value
//! already in the entry's own temporary slot, `T(h) = locals + h` for
//! stack height `h`. Because an entry at height `h` only ever lives in
//! `T(h)`, a local, or an immediate, writing `T(h)` never disturbs another
//! pending entry; moves toward lower heights (branch values, block results)
//! are safe in increasing order.
//!
//! # Dev. Note
//! Pending `local.get` entries are the classic hazard of this design: a
//! `local.set`/`local.tee` of that local first copies every pending entry
//! naming it into its temporary, and every block, loop and if start copies
//! all pending locals out, so a conditional path never has to.

use super::ir::{CmpOp, Instr, LoadKind, Rri, Rrr, Slot, StoreKind, Target};
use super::num::{numeric, Num};
use super::FuncCode;
use crate::module::Module;
use crate::values::NULL_REF;
use std::collections::HashMap;
use wasmparser::{BlockType, Operator as Op};

/// Where a virtual stack entry's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Local(Slot),
    Const(u64),
    /// In the entry's own temporary `T(h)`.
    Temp,
}

/// A jump whose target is a label not yet placed.
#[derive(Clone, Copy, Debug)]
enum Fixup {
    Jump(usize),
    Table(usize, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// One open structured instruction.
#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    /// Stack height below the block's parameters.
    height: usize,
    params: usize,
    results: usize,
    /// A loop's first instruction (its fuel charge).
    head: Target,
    fixups: Vec<Fixup>,
    /// The jump taken when an `if`'s condition is false, until `else`/`end` places it.
    else_jump: Option<usize>,
}

impl Ctrl {
    /// How many values a branch to this label carries.
    fn arity(&self) -> usize {
        if self.kind == Kind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

/// A branch condition, possibly fused with the comparison that produced it.
#[derive(Clone, Copy, Debug)]
enum Cond {
    Nez(Slot),
    Cmp32(CmpOp, Slot, Slot),
    Cmp32Imm(CmpOp, Slot, u32),
    Cmp64(CmpOp, Slot, Slot),
    Cmp64Imm(CmpOp, Slot, u64),
}

struct Translator<'m> {
    module: &'m Module,
    code: Vec<Instr>,
    tables: Vec<Vec<Target>>,
    stack: Vec<Entry>,
    ctrls: Vec<Ctrl>,
    /// Parameters plus declared locals: the first temporary's slot.
    locals: u64,
    max_height: usize,
    /// No peephole may reach back before this instruction: a label points here.
    barrier: usize,
    reachable: bool,
    /// Nesting depth of blocks skipped inside unreachable code.
    dead: u32,
    results: usize,
}

/// Translates defined function `func` of `module`.
pub(super) fn translate(module: &Module, func: u32) -> Result<FuncCode, String> {
    let ty = module.func_type(func);
    let body = &module.bodies[(func - module.num_imported_funcs) as usize];
    let locals = ty.params.len() as u64 + body.locals.len() as u64;
    let mut t = Translator {
        module,
        code: Vec::new(),
        tables: Vec::new(),
        stack: Vec::new(),
        ctrls: vec![Ctrl {
            kind: Kind::Func,
            height: 0,
            params: 0,
            results: ty.results.len(),
            head: 0,
            fixups: Vec::new(),
            else_jump: None,
        }],
        locals,
        max_height: 0,
        barrier: 0,
        reachable: true,
        dead: 0,
        results: ty.results.len(),
    };
    let reader =
        wasmparser::BinaryReader::new(&module.bytes[body.code.clone()], body.code.start as u64);
    let mut ops = wasmparser::OperatorsReader::new(reader);
    while !t.ctrls.is_empty() {
        let op = ops
            .read()
            .map_err(|e| format!("func {func}: {}", e.message()))?;
        t.op(op)?;
    }
    let frame_size = locals + t.max_height as u64;
    // Slots are u32 and a callee's frame starts inside the caller's: keep
    // well clear of the limit rather than wrap.
    if frame_size > i32::MAX as u64 {
        return Err(format!(
            "func {func}: frame of {frame_size} slots exceeds the fast tier's limit of {}",
            i32::MAX
        ));
    }
    Ok(FuncCode {
        module_id: module.id,
        func,
        code: t.code.into(),
        tables: t.tables.into_iter().map(Into::into).collect(),
        frame_size: frame_size as u32,
        params: ty.params.len() as u32,
        local_init: body
            .locals
            .iter()
            .map(|l| {
                if crate::fault::active(crate::fault::Fault::RefLocalsZero) {
                    0
                } else {
                    l.default_raw()
                }
            })
            .collect(),
    })
}

impl Translator<'_> {
    fn temp(&self, h: usize) -> Slot {
        (self.locals + h as u64) as Slot
    }

    fn emit(&mut self, i: Instr) -> usize {
        self.code.push(i);
        self.code.len() - 1
    }

    /// Places a label at the next instruction; peepholes stop here.
    fn bind(&mut self) -> Target {
        self.barrier = self.code.len();
        self.code.len() as Target
    }

    fn patch(&mut self, fixup: Fixup, to: Target) {
        match fixup {
            Fixup::Jump(at) => {
                *self.code[at]
                    .target_mut()
                    .expect("fixups name jump instructions") = to
            }
            Fixup::Table(t, k) => self.tables[t][k] = to,
        }
    }

    fn push(&mut self, e: Entry) {
        self.stack.push(e);
        self.max_height = self.max_height.max(self.stack.len());
    }

    fn push_temp(&mut self) -> Slot {
        self.push(Entry::Temp);
        self.temp(self.stack.len() - 1)
    }

    fn pop(&mut self) -> (Entry, usize) {
        let e = self.stack.pop().expect("validated: operand present");
        (e, self.stack.len())
    }

    /// A slot holding the popped entry at height `h` (constants go to `T(h)`).
    fn slot(&mut self, e: Entry, h: usize) -> Slot {
        match e {
            Entry::Local(i) => i,
            Entry::Temp => self.temp(h),
            Entry::Const(val) => {
                let dst = self.temp(h);
                self.emit(Instr::Const { dst, val });
                dst
            }
        }
    }

    fn pop_slot(&mut self) -> Slot {
        let (e, h) = self.pop();
        self.slot(e, h)
    }

    /// Moves the entry at height `h` into `T(h)`.
    fn materialize(&mut self, h: usize) {
        let dst = self.temp(h);
        match self.stack[h] {
            Entry::Temp => return,
            Entry::Local(src) => self.emit(Instr::Copy { dst, src }),
            Entry::Const(val) => self.emit(Instr::Const { dst, val }),
        };
        self.stack[h] = Entry::Temp;
    }

    /// Copies out every pending read of local `i` before it is overwritten.
    fn spill_local(&mut self, i: Slot) {
        for h in 0..self.stack.len() {
            if self.stack[h] == Entry::Local(i) {
                self.materialize(h);
            }
        }
    }

    /// Copies out every pending local read: done at block starts, so that
    /// a spill inside a conditional path never has to happen.
    fn spill_all_locals(&mut self) {
        for h in 0..self.stack.len() {
            if matches!(self.stack[h], Entry::Local(_)) {
                self.materialize(h);
            }
        }
    }

    /// Whether the top `n` entries are already in `T(dst..dst + n)`.
    fn in_place(&self, dst: usize, n: usize) -> bool {
        let src = self.stack.len() - n;
        src == dst && self.stack[src..].iter().all(|e| *e == Entry::Temp)
    }

    /// Copies the top `n` entries to `T(dst..dst + n)` without changing the
    /// virtual stack (the copies may sit on a conditional path).
    fn copy_top_to(&mut self, dst: usize, n: usize) {
        let src = self.stack.len() - n;
        for i in 0..n {
            let to = self.temp(dst + i);
            match self.stack[src + i] {
                Entry::Temp if src == dst => {}
                Entry::Temp => {
                    let from = self.temp(src + i);
                    self.emit(Instr::Copy { dst: to, src: from });
                }
                Entry::Local(from) => {
                    self.emit(Instr::Copy { dst: to, src: from });
                }
                Entry::Const(val) => {
                    self.emit(Instr::Const { dst: to, val });
                }
            }
        }
    }

    /// Returns the function's results from the top of the stack.
    fn emit_return(&mut self) {
        let n = self.results;
        if n == 1 {
            let h = self.stack.len() - 1;
            let src = match self.stack[h] {
                Entry::Local(i) => i,
                Entry::Temp => self.temp(h),
                Entry::Const(val) => {
                    let dst = self.temp(h);
                    self.emit(Instr::Const { dst, val });
                    dst
                }
            };
            self.emit(Instr::ReturnOne { src });
        } else {
            let start = self.stack.len() - n;
            self.copy_top_to(start, n);
            self.emit(Instr::Return {
                start: self.temp(start),
                n: n as u32,
            });
        }
    }

    /// An unconditional branch to the label `depth` levels out, values included.
    fn br(&mut self, depth: u32) {
        let idx = self.ctrls.len() - 1 - depth as usize;
        let (kind, height, arity, head) = {
            let c = &self.ctrls[idx];
            (c.kind, c.height, c.arity(), c.head)
        };
        if kind == Kind::Func {
            self.emit_return();
            return;
        }
        self.copy_top_to(height, arity);
        if kind == Kind::Loop {
            self.emit(Instr::Br { to: head });
        } else {
            let at = self.emit(Instr::Br { to: Target::MAX });
            self.ctrls[idx].fixups.push(Fixup::Jump(at));
        }
    }

    /// The condition of the popped entry, taking over the comparison that
    /// computed it when that was the last instruction and nothing jumps between.
    fn cond(&mut self, e: Entry, h: usize) -> Cond {
        if e == Entry::Temp && self.code.len() > self.barrier {
            let t = self.temp(h);
            let fused = match *self.code.last().expect("non-empty") {
                Instr::Cmp32 { op, dst, a, b } if dst == t => Some(Cond::Cmp32(op, a, b)),
                Instr::Cmp32Imm { op, dst, a, imm } if dst == t => Some(Cond::Cmp32Imm(op, a, imm)),
                Instr::Cmp64 { op, dst, a, b } if dst == t => Some(Cond::Cmp64(op, a, b)),
                Instr::Cmp64Imm { op, dst, a, imm } if dst == t => Some(Cond::Cmp64Imm(op, a, imm)),
                _ => None,
            };
            if let Some(c) = fused {
                self.code.pop();
                return c;
            }
        }
        Cond::Nez(self.slot(e, h))
    }

    /// Emits a jump taken when `cond` holds (or fails, if `negate`).
    fn jump_if(&mut self, cond: Cond, negate: bool, to: Target) -> usize {
        let flip = |op: CmpOp| {
            let op = if crate::fault::active(crate::fault::Fault::FastFusedCmpSignedness) {
                op.swap_signedness()
            } else {
                op
            };
            if negate {
                op.negate()
            } else {
                op
            }
        };
        self.emit(match cond {
            Cond::Nez(c) if negate => Instr::BrEqz { c, to },
            Cond::Nez(c) => Instr::BrNez { c, to },
            Cond::Cmp32(op, a, b) => Instr::BrCmp32 {
                op: flip(op),
                a,
                b,
                to,
            },
            Cond::Cmp32Imm(op, a, imm) => Instr::BrCmp32Imm {
                op: flip(op),
                a,
                imm,
                to,
            },
            Cond::Cmp64(op, a, b) => Instr::BrCmp64 {
                op: flip(op),
                a,
                b,
                to,
            },
            Cond::Cmp64Imm(op, a, imm) => Instr::BrCmp64Imm {
                op: flip(op),
                a,
                imm,
                to,
            },
        })
    }

    fn block_sig(&self, ty: BlockType) -> (usize, usize) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = &self.module.types[i as usize];
                (t.params.len(), t.results.len())
            }
        }
    }

    /// Opens a block: pending locals copied out, parameters in their slots.
    fn open(&mut self, kind: Kind, ty: BlockType) -> usize {
        let (params, results) = self.block_sig(ty);
        self.spill_all_locals();
        let height = self.stack.len() - params;
        for h in height..self.stack.len() {
            self.materialize(h);
        }
        self.ctrls.push(Ctrl {
            kind,
            height,
            params,
            results,
            head: 0,
            fixups: Vec::new(),
            else_jump: None,
        });
        self.ctrls.len() - 1
    }

    fn unop(&mut self, f: impl FnOnce(Slot, Slot) -> Instr) {
        let a = self.pop_slot();
        let dst = self.push_temp();
        self.emit(f(dst, a));
    }

    /// A binary operation, with an immediate form when the right operand is constant.
    fn binop(
        &mut self,
        reg: impl FnOnce(Slot, Slot, Slot) -> Instr,
        imm: impl FnOnce(Slot, Slot, u64) -> Instr,
    ) {
        let (b, hb) = self.pop();
        let (a, ha) = self.pop();
        let instr = match b {
            Entry::Const(v) => {
                let a = self.slot(a, ha);
                imm(self.temp(ha), a, v)
            }
            _ => {
                let b = self.slot(b, hb);
                let a = self.slot(a, ha);
                reg(self.temp(ha), a, b)
            }
        };
        self.push(Entry::Temp);
        self.emit(instr);
    }

    /// A binary operation with both operands in slots.
    fn binop_regs(&mut self, f: impl FnOnce(Slot, Slot, Slot) -> Instr) {
        let b = self.pop_slot();
        let (ea, ha) = self.pop();
        let a = self.slot(ea, ha);
        let dst = self.push_temp();
        self.emit(f(dst, a, b));
    }

    fn load(&mut self, kind: LoadKind, m: &wasmparser::MemArg) {
        let offset = m.offset as u32;
        self.unop(|dst, addr| match kind {
            LoadKind::I32 => Instr::Load32 { dst, addr, offset },
            LoadKind::I64 => Instr::Load64 { dst, addr, offset },
            kind => Instr::Load {
                kind,
                dst,
                addr,
                offset,
            },
        });
    }

    fn store(&mut self, kind: StoreKind, m: &wasmparser::MemArg) {
        let src = self.pop_slot();
        let addr = self.pop_slot();
        self.emit(Instr::Store {
            kind,
            addr,
            src,
            offset: m.offset as u32,
        });
    }

    /// Pops three operands (deepest first in the result).
    fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let n = self.pop_slot();
        let s = self.pop_slot();
        let d = self.pop_slot();
        (d, s, n)
    }

    fn call(&mut self, params: usize, results: usize, instr: impl FnOnce(Slot) -> Instr) {
        let height = self.stack.len() - params;
        for h in height..self.stack.len() {
            self.materialize(h);
        }
        let base = self.temp(height);
        self.emit(instr(base));
        self.stack.truncate(height);
        for _ in 0..results {
            self.push(Entry::Temp);
        }
    }

    fn local_set(&mut self, i: u32, tee: bool) {
        let (e, h) = self.pop();
        let before = self.code.len();
        if !crate::fault::active(crate::fault::Fault::FastPendingLocal) {
            self.spill_local(i);
        }
        match e {
            Entry::Local(src) if src == i => {}
            Entry::Local(src) => {
                self.emit(Instr::Copy { dst: i, src });
            }
            Entry::Const(val) => {
                self.emit(Instr::Const { dst: i, val });
            }
            Entry::Temp => {
                let t = self.temp(h);
                let retarget = self.code.len() == before && before > self.barrier;
                match self.code.last_mut().and_then(Instr::dst_mut) {
                    Some(dst) if retarget && *dst == t => *dst = i,
                    _ => {
                        self.emit(Instr::Copy { dst: i, src: t });
                    }
                }
            }
        }
        if tee {
            self.push(Entry::Local(i));
        }
    }

    fn op(&mut self, op: Op<'_>) -> Result<(), String> {
        if !self.reachable {
            match op {
                Op::Block { .. } | Op::Loop { .. } | Op::If { .. } => {
                    self.dead += 1;
                    return Ok(());
                }
                Op::End if self.dead > 0 => {
                    self.dead -= 1;
                    return Ok(());
                }
                Op::Else | Op::End if self.dead == 0 => {}
                _ => return Ok(()),
            }
        }
        if let Some(num) = numeric(&op) {
            self.numeric(num);
            return Ok(());
        }
        match op {
            Op::Unreachable => {
                self.emit(Instr::Unreachable);
                self.reachable = false;
            }
            Op::Nop => {}
            Op::Block { blockty } => {
                self.open(Kind::Block, blockty);
            }
            Op::Loop { blockty } => {
                let idx = self.open(Kind::Loop, blockty);
                self.ctrls[idx].head = self.bind();
                self.emit(Instr::LoopFuel);
            }
            Op::If { blockty } => {
                let (e, h) = self.pop();
                let cond = self.cond(e, h);
                let idx = self.open(Kind::If, blockty);
                let at = self.jump_if(cond, true, Target::MAX);
                self.ctrls[idx].else_jump = Some(at);
            }
            Op::Else => {
                let (height, params, results) = {
                    let c = self.ctrls.last().expect("else inside if");
                    (c.height, c.params, c.results)
                };
                if self.reachable {
                    self.copy_top_to(height, results);
                    let at = self.emit(Instr::Br { to: Target::MAX });
                    self.ctrls
                        .last_mut()
                        .expect("if")
                        .fixups
                        .push(Fixup::Jump(at));
                }
                let here = self.bind();
                let c = self.ctrls.last_mut().expect("if");
                c.kind = Kind::Else;
                let else_jump = c.else_jump.take().expect("if has an else jump");
                self.patch(Fixup::Jump(else_jump), here);
                self.stack.truncate(height);
                for _ in 0..params {
                    self.push(Entry::Temp);
                }
                self.reachable = true;
            }
            Op::End => {
                let c = self.ctrls.pop().expect("end closes a block");
                if c.kind == Kind::Func {
                    if self.reachable {
                        self.emit_return();
                    }
                    return Ok(());
                }
                if self.reachable {
                    self.copy_top_to(c.height, c.results);
                }
                let here = self.bind();
                for f in c.fixups.iter().copied().chain(c.else_jump.map(Fixup::Jump)) {
                    self.patch(f, here);
                }
                self.stack.truncate(c.height);
                for _ in 0..c.results {
                    self.push(Entry::Temp);
                }
                self.reachable = true;
            }
            Op::Br { relative_depth } => {
                self.br(relative_depth);
                self.reachable = false;
            }
            Op::BrIf { relative_depth } => self.br_if(relative_depth),
            Op::BrTable { targets } => {
                let depths = targets
                    .targets()
                    .chain(std::iter::once(Ok(targets.default())))
                    .collect::<Result<Vec<u32>, _>>()
                    .map_err(|e| e.message().to_string())?;
                self.br_table(&depths);
                self.reachable = false;
            }
            Op::Return => {
                self.emit_return();
                self.reachable = false;
            }
            Op::Call { function_index } => {
                let ty = self.module.func_type(function_index);
                let (p, r) = (ty.params.len(), ty.results.len());
                self.call(p, r, |base| Instr::Call {
                    func: function_index,
                    base,
                });
            }
            Op::CallIndirect {
                type_index,
                table_index,
            } => {
                let t = &self.module.types[type_index as usize];
                let (p, r) = (t.params.len(), t.results.len());
                let index = self.pop_slot();
                self.call(p, r, |base| Instr::CallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    base,
                });
            }
            Op::Drop => {
                self.pop();
            }
            Op::Select | Op::TypedSelect { .. } => {
                let c = self.pop_slot();
                let b = self.pop_slot();
                let (ea, ha) = self.pop();
                let a = self.slot(ea, ha);
                let dst = self.push_temp();
                self.emit(Instr::Select { dst, c, a, b });
            }
            Op::LocalGet { local_index } => self.push(Entry::Local(local_index)),
            Op::LocalSet { local_index } => self.local_set(local_index, false),
            Op::LocalTee { local_index } => self.local_set(local_index, true),
            Op::GlobalGet { global_index } => {
                let dst = self.push_temp();
                self.emit(Instr::GlobalGet {
                    dst,
                    global: global_index,
                });
            }
            Op::GlobalSet { global_index } => {
                let src = self.pop_slot();
                self.emit(Instr::GlobalSet {
                    global: global_index,
                    src,
                });
            }
            Op::I32Load { memarg } | Op::F32Load { memarg } => self.load(LoadKind::I32, &memarg),
            Op::I64Load { memarg } | Op::F64Load { memarg } => self.load(LoadKind::I64, &memarg),
            Op::I32Load8S { memarg } => self.load(LoadKind::I32S8, &memarg),
            Op::I32Load8U { memarg } => self.load(LoadKind::I32U8, &memarg),
            Op::I32Load16S { memarg } => self.load(LoadKind::I32S16, &memarg),
            Op::I32Load16U { memarg } => self.load(LoadKind::I32U16, &memarg),
            Op::I64Load8S { memarg } => self.load(LoadKind::I64S8, &memarg),
            Op::I64Load8U { memarg } => self.load(LoadKind::I64U8, &memarg),
            Op::I64Load16S { memarg } => self.load(LoadKind::I64S16, &memarg),
            Op::I64Load16U { memarg } => self.load(LoadKind::I64U16, &memarg),
            Op::I64Load32S { memarg } => self.load(LoadKind::I64S32, &memarg),
            Op::I64Load32U { memarg } => self.load(LoadKind::I64U32, &memarg),
            Op::I32Store { memarg } | Op::F32Store { memarg } | Op::I64Store32 { memarg } => {
                self.store(StoreKind::B32, &memarg)
            }
            Op::I64Store { memarg } | Op::F64Store { memarg } => {
                self.store(StoreKind::B64, &memarg)
            }
            Op::I32Store8 { memarg } | Op::I64Store8 { memarg } => {
                self.store(StoreKind::B8, &memarg)
            }
            Op::I32Store16 { memarg } | Op::I64Store16 { memarg } => {
                self.store(StoreKind::B16, &memarg)
            }
            Op::MemorySize { .. } => {
                let dst = self.push_temp();
                self.emit(Instr::MemorySize { dst });
            }
            Op::MemoryGrow { .. } => self.unop(|dst, delta| Instr::MemoryGrow { dst, delta }),
            Op::MemoryFill { .. } => {
                let (d, v, n) = self.pop3();
                self.emit(Instr::MemoryFill { d, v, n });
            }
            Op::MemoryCopy { .. } => {
                let (d, s, n) = self.pop3();
                self.emit(Instr::MemoryCopy { d, s, n });
            }
            Op::MemoryInit { data_index, .. } => {
                let (d, s, n) = self.pop3();
                self.emit(Instr::MemoryInit {
                    seg: data_index,
                    d,
                    s,
                    n,
                });
            }
            Op::DataDrop { data_index } => {
                self.emit(Instr::DataDrop { seg: data_index });
            }
            Op::I32Const { value } => self.push(Entry::Const(value as u32 as u64)),
            Op::I64Const { value } => self.push(Entry::Const(value as u64)),
            Op::F32Const { value } => self.push(Entry::Const(value.bits() as u64)),
            Op::F64Const { value } => self.push(Entry::Const(value.bits())),
            Op::RefNull { .. } => self.push(Entry::Const(NULL_REF)),
            Op::RefFunc { function_index } => {
                let dst = self.push_temp();
                self.emit(Instr::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            Op::TableGet { table } => self.unop(|dst, index| Instr::TableGet { table, dst, index }),
            Op::TableSet { table } => {
                let src = self.pop_slot();
                let index = self.pop_slot();
                self.emit(Instr::TableSet { table, index, src });
            }
            Op::TableSize { table } => {
                let dst = self.push_temp();
                self.emit(Instr::TableSize { table, dst });
            }
            Op::TableGrow { table } => {
                let n = self.pop_slot();
                let init = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Instr::TableGrow {
                    table,
                    dst,
                    init,
                    n,
                });
            }
            Op::TableFill { table } => {
                let (d, v, n) = self.pop3();
                self.emit(Instr::TableFill { table, d, v, n });
            }
            Op::TableCopy {
                dst_table,
                src_table,
            } => {
                let (d, s, n) = self.pop3();
                self.emit(Instr::TableCopy {
                    dst_table,
                    src_table,
                    d,
                    s,
                    n,
                });
            }
            Op::TableInit { elem_index, table } => {
                let (d, s, n) = self.pop3();
                self.emit(Instr::TableInit {
                    seg: elem_index,
                    table,
                    d,
                    s,
                    n,
                });
            }
            Op::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop { seg: elem_index });
            }
            other => return Err(format!("fast tier: unsupported operator {other:?}")),
        }
        Ok(())
    }

    fn br_if(&mut self, depth: u32) {
        let (e, h) = self.pop();
        let cond = self.cond(e, h);
        let idx = self.ctrls.len() - 1 - depth as usize;
        let (kind, height, arity, head) = {
            let c = &self.ctrls[idx];
            (c.kind, c.height, c.arity(), c.head)
        };
        if kind != Kind::Func && self.in_place(height, arity) {
            if kind == Kind::Loop {
                self.jump_if(cond, false, head);
            } else {
                let at = self.jump_if(cond, false, Target::MAX);
                self.ctrls[idx].fixups.push(Fixup::Jump(at));
            }
            return;
        }
        let skip = self.jump_if(cond, true, Target::MAX);
        self.br(depth);
        let here = self.bind();
        self.patch(Fixup::Jump(skip), here);
    }

    fn br_table(&mut self, depths: &[u32]) {
        let index = self.pop_slot();
        let table = self.tables.len();
        self.tables.push(vec![Target::MAX; depths.len()]);
        self.emit(Instr::BrTable {
            index,
            table: table as u32,
        });
        let mut stubs: HashMap<u32, Target> = HashMap::new();
        for (k, &depth) in depths.iter().enumerate() {
            let idx = self.ctrls.len() - 1 - depth as usize;
            let (kind, height, arity, head) = {
                let c = &self.ctrls[idx];
                (c.kind, c.height, c.arity(), c.head)
            };
            if kind == Kind::Func || !self.in_place(height, arity) {
                let to = match stubs.get(&depth) {
                    Some(&to) => to,
                    None => {
                        let to = self.bind();
                        self.br(depth);
                        stubs.insert(depth, to);
                        to
                    }
                };
                self.tables[table][k] = to;
            } else if kind == Kind::Loop {
                self.tables[table][k] = head;
            } else {
                self.ctrls[idx].fixups.push(Fixup::Table(table, k));
            }
        }
    }

    fn numeric(&mut self, num: Num) {
        match num {
            Num::Nop => {}
            Num::Un(f) => self.unop(|dst, a| Instr::Un { f, dst, a }),
            Num::UnTrap(f) => self.unop(|dst, a| Instr::UnTrap { f, dst, a }),
            Num::Bin(f) => self.binop(
                |dst, a, b| Instr::Bin { f, dst, a, b },
                |dst, a, imm| Instr::BinImm { f, dst, a, imm },
            ),
            // Trapping operations keep both operands in slots; they are rare.
            Num::BinTrap(f) => self.binop_regs(|dst, a, b| Instr::BinTrap { f, dst, a, b }),
            Num::Alu(reg, Some(imm)) => self.binop(
                |dst, a, b| reg(Rrr { dst, a, b }),
                |dst, a, v| imm(Rri { dst, a, imm: v }),
            ),
            Num::Alu(reg, None) => self.binop_regs(|dst, a, b| reg(Rrr { dst, a, b })),
            Num::Cmp32(op) => self.binop(
                |dst, a, b| Instr::Cmp32 { op, dst, a, b },
                |dst, a, imm| Instr::Cmp32Imm {
                    op,
                    dst,
                    a,
                    imm: imm as u32,
                },
            ),
            Num::Cmp64(op) => self.binop(
                |dst, a, b| Instr::Cmp64 { op, dst, a, b },
                |dst, a, imm| Instr::Cmp64Imm { op, dst, a, imm },
            ),
            Num::Eqz32 => self.unop(|dst, a| Instr::Cmp32Imm {
                op: CmpOp::Eq,
                dst,
                a,
                imm: 0,
            }),
            Num::Eqz64 => self.unop(|dst, a| Instr::Cmp64Imm {
                op: CmpOp::Eq,
                dst,
                a,
                imm: 0,
            }),
            Num::Add32 => self.binop(
                |dst, a, b| Instr::I32Add { dst, a, b },
                |dst, a, imm| Instr::I32AddImm {
                    dst,
                    a,
                    imm: imm as u32,
                },
            ),
            Num::Sub32 => self.binop(
                |dst, a, b| Instr::I32Sub { dst, a, b },
                |dst, a, imm| Instr::I32AddImm {
                    dst,
                    a,
                    imm: (imm as u32).wrapping_neg(),
                },
            ),
            Num::Add64 => self.binop(
                |dst, a, b| Instr::I64Add { dst, a, b },
                |dst, a, imm| Instr::I64AddImm { dst, a, imm },
            ),
            Num::Sub64 => self.binop(
                |dst, a, b| Instr::I64Sub { dst, a, b },
                |dst, a, imm| Instr::I64AddImm {
                    dst,
                    a,
                    imm: imm.wrapping_neg(),
                },
            ),
        }
    }
}
