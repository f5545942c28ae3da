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
//! Fusions: an integer compare feeding `br_if`/`if` becomes one
//! compare-and-branch; `eqz` is a compare with immediate 0; a constant
//! right operand becomes an immediate (`x - c` an add of `-c`); an
//! instruction feeding `local.set` writes the local directly; `local.get`
//! costs nothing; `i32.add` and `i32.shl` of a constant, and `i32.add` of a
//! local, stay pending on the virtual stack until used, so a load or store
//! folds them into its address (and a constant address into its offset),
//! and a `local.set` or branch computes them straight into their destination; a multiply fuses
//! with the add or subtract consuming it; adjacent copies merge.
//!
//! A loop's first instruction is its header: it charges fuel (its
//! handler's charging twin), so entering a loop from above or by a
//! backward jump costs no extra instruction; only an empty loop, or one
//! whose header would be another loop's too, gets a `LoopFuel` of its own.
//!
//! # Dev. Note
//! Pending `local.get` entries are the classic hazard of this design: a
//! `local.set`/`local.tee` of that local first copies every pending entry
//! naming it into its temporary, and every block, loop and if start copies
//! all pending locals out, so a conditional path never has to. A pending
//! add of a local counts as a read of that local.
//!
//! Declared locals are zeroed on entry unless the function provably writes
//! them before any read: their first mention is a `local.set`/`local.tee`
//! outside every block, which every later instruction can only be reached
//! through.

mod vector;

use super::ir::{mem_op, AddrForm, CmpForm, CmpOp, Instr, Slot, Target};
use super::num::{numeric, Num};
use super::ops::Op;
use super::paths::Rewrite;
use super::shapes::{self as sh, Args};
use crate::module::Module;
use crate::prepare::{LimitExceeded, LimitName, PrepareError};
use crate::types::TypeId;
use crate::values::{ValType, NULL_REF};
use std::collections::HashMap;
use wasmparser::{BlockType, Operator as O};

/// One function in register form, before assembly.
pub(super) struct Translated {
    pub(super) code: Vec<Instr>,
    /// Jump tables of `br_table`s; the last entry is the default.
    pub(super) tables: Vec<Vec<Target>>,
    /// Parameters + locals + temporaries.
    pub(super) frame_size: u32,
    pub(super) results: u32,
    /// The declared locals to initialise on entry, with their values (null
    /// for references).
    pub(super) local_init: Vec<(Slot, u64)>,
    /// The rewrites made ([`super::paths`]).
    pub(super) rewrites: crate::tier_paths::Pending,
}

/// What the translator knows about a declared local so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Unseen,
    /// Read, or first written inside a block: must start initialised.
    Init,
    /// First written outside every block, before any read.
    Written,
}

/// Where a virtual stack entry's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Local(Slot),
    Const(u64),
    /// In the entry's own temporary `T(h)`.
    Temp,
    /// An i32 address computation not yet emitted (see [`Addr`]).
    Addr(Addr),
}

/// `(plus + (base << shift) + add) mod 2^32`, as `i32.shl` and `i32.add`
/// of constants, and `i32.add` of a local, compute it. `base` and `plus`
/// are locals or the entry's own temporary (never a temporary above it,
/// which a later push would overwrite).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Addr {
    base: Slot,
    shift: u32,
    add: u32,
    plus: Option<Slot>,
}

impl Addr {
    fn slot(base: Slot) -> Addr {
        Addr {
            base,
            shift: 0,
            add: 0,
            plus: None,
        }
    }

    /// Whether computing it reads slot `i`.
    fn reads(&self, i: Slot) -> bool {
        self.base == i || self.plus == Some(i)
    }
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
    /// Per result slot: whether it is a `v128`'s high half.
    rmarks: Vec<bool>,
    /// Per parameter slot, likewise.
    pmarks: Vec<bool>,
    /// A loop's header: its first instruction, which charges fuel.
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

/// The right operand of a comparison.
#[derive(Clone, Copy, Debug)]
enum Rhs {
    Slot(Slot),
    Imm(u64),
}

/// A branch condition, possibly fused with the comparison that produced it.
#[derive(Clone, Copy, Debug)]
enum Cond {
    Nez(Slot),
    /// A comparison (`wide`: i64) of a slot with `rhs`.
    Cmp(CmpOp, bool, Slot, Rhs),
}

struct Translator<'m> {
    /// The rewrites made so far ([`super::paths`]).
    rewrites: crate::tier_paths::Pending,
    module: &'m Module,
    /// Canonical signature id of each of the module's types.
    type_ids: &'m [TypeId],
    code: Vec<Instr>,
    tables: Vec<Vec<Target>>,
    stack: Vec<Entry>,
    /// Per stack entry: whether it is a `v128`'s high half (a `v128` is two
    /// entries, low half first, in consecutive slots).
    hi: Vec<bool>,
    ctrls: Vec<Ctrl>,
    /// Each local's first slot and whether it is a `v128`.
    local_slot: Vec<(Slot, bool)>,
    /// Parameters plus declared locals: the first temporary's slot.
    locals: u64,
    max_height: usize,
    /// No peephole may reach back before this instruction: a label points here.
    barrier: usize,
    reachable: bool,
    /// Nesting depth of blocks skipped inside unreachable code.
    dead: u32,
    results: usize,
    /// Per declared local (after the parameters).
    uses: Vec<Use>,
    /// The header of the innermost loop opened: the instruction emitted
    /// at this index charges fuel.
    loop_head: Option<usize>,
    params: u32,
}

/// Translates defined function `func` of `module`.
pub(super) fn translate(
    module: &Module,
    type_ids: &[TypeId],
    func: u32,
) -> Result<Translated, PrepareError> {
    let ty = module.func_type(func);
    let body = &module.bodies[(func - module.num_imported_funcs) as usize];
    let mut local_slot = Vec::with_capacity(ty.params.len() + body.locals.len());
    let mut locals = 0u64;
    for t in ty.params.iter().chain(body.locals.iter()) {
        local_slot.push((locals as Slot, *t == ValType::V128));
        locals += t.slots() as u64;
    }
    if locals > i32::MAX as u64 {
        return Err(PrepareError::Limit(LimitExceeded {
            limit: LimitName::FrameSlots,
            requested: locals,
            allowed: i32::MAX as u64,
        }));
    }
    let result_slots: usize = ty.results.iter().map(|t| t.slots()).sum();
    let mut t = Translator {
        rewrites: Default::default(),
        module,
        type_ids,
        code: Vec::new(),
        tables: Vec::new(),
        stack: Vec::new(),
        hi: Vec::new(),
        ctrls: vec![Ctrl {
            kind: Kind::Func,
            height: 0,
            params: 0,
            results: result_slots,
            rmarks: marks(&ty.results),
            pmarks: Vec::new(),
            head: 0,
            fixups: Vec::new(),
            else_jump: None,
        }],
        locals,
        max_height: 0,
        barrier: 0,
        reachable: true,
        dead: 0,
        results: result_slots,
        uses: vec![Use::Unseen; body.locals.len()],
        local_slot,
        loop_head: None,
        params: ty.params.len() as u32,
    };
    let reader =
        wasmparser::BinaryReader::new(&module.bytes[body.code.clone()], body.code.start as u64);
    let mut ops = wasmparser::OperatorsReader::new(reader);
    while !t.ctrls.is_empty() {
        let op = ops
            .read()
            .map_err(|e| PrepareError::internal("fast", format!("func {func}: {}", e.message())))?;
        t.op(op)?;
    }
    // A frame holds at least the results (a function without parameters
    // or locals may return values computed in temporaries).
    let frame_size = (locals + t.max_height as u64).max(result_slots as u64);
    // Slots are u32 and a callee's frame starts inside the caller's: keep
    // well clear of the limit rather than wrap.
    if frame_size > i32::MAX as u64 {
        return Err(PrepareError::Limit(LimitExceeded {
            limit: LimitName::FrameSlots,
            requested: frame_size,
            allowed: i32::MAX as u64,
        }));
    }
    let zeroing_skipped = t.uses.iter().filter(|u| **u == Use::Written).count();
    for _ in 0..zeroing_skipped {
        t.path(Rewrite::LocalZeroingSkipped);
    }
    Ok(Translated {
        rewrites: std::mem::take(&mut t.rewrites),
        code: t.code,
        tables: t.tables,
        frame_size: frame_size as u32,
        results: result_slots as u32,
        local_init: body
            .locals
            .iter()
            .zip(&t.uses)
            .enumerate()
            .filter(|(_, (_, u))| **u != Use::Written)
            .flat_map(|(i, (l, _))| {
                let slot = t.local_slot[ty.params.len() + i].0;
                let v = if crate::fault::active(crate::fault::Fault::RefLocalsZero) {
                    0
                } else {
                    l.default_raw()
                };
                (0..l.slots() as Slot).map(move |k| (slot + k, v))
            })
            .collect(),
    })
}

/// Slots taken by values of types `tys`.
fn slots(tys: &[ValType]) -> usize {
    tys.iter().map(|t| t.slots()).sum()
}

/// Per slot of values of types `tys`: whether it is a `v128`'s high half.
fn marks(tys: &[ValType]) -> Vec<bool> {
    tys.iter()
        .flat_map(|t| [Some(false), (*t == ValType::V128).then_some(true)])
        .flatten()
        .collect()
}

/// The operands of `op` with an immediate right operand `v` (its shape
/// says whether the immediate is 32 or 64 bits wide).
fn imm_args(op: Op, dst: Slot, a: Slot, v: u64) -> Args {
    match op.shape() {
        sh::Shape::Rri => Args::Rri(sh::Rri {
            dst,
            a,
            imm: v as u32,
        }),
        _ => Args::Rrl(sh::Rrl { dst, a, imm: v }),
    }
}

impl Translator<'_> {
    fn temp(&self, h: usize) -> Slot {
        (self.locals + h as u64) as Slot
    }

    fn emit(&mut self, op: Op, args: Args) -> usize {
        let charge = self.loop_head == Some(self.code.len()) && op != Op::LoopFuel;
        self.code.push(Instr {
            charge,
            ..Instr::new(op, args)
        });
        self.code.len() - 1
    }

    /// The last instruction, if a peephole may replace it.
    fn last(&self) -> Option<Instr> {
        (self.code.len() > self.barrier)
            .then(|| self.code.last().copied())
            .flatten()
    }

    fn copy(&mut self, dst: Slot, src: Slot) {
        if let Some(Instr {
            op: Op::I32AddI,
            args: Args::Rri(add),
            charge,
        }) = self.last()
        {
            if add.dst == src {
                // `x = a + c; y = x` (a `local.tee` then `local.set`).
                let both = sh::Add2 {
                    dst: add.dst,
                    dst2: dst,
                    a: add.a,
                    imm: add.imm,
                };
                *self.code.last_mut().expect("a last instruction") = Instr {
                    charge,
                    ..Instr::new(Op::I32AddI2, Args::Add2(both))
                };
                return;
            }
        }
        if let Some(Instr {
            op: Op::Copy,
            args: Args::Rr(first),
            charge,
        }) = self.last()
        {
            let pair = sh::Copy2 {
                d1: first.dst,
                s1: first.a,
                d2: dst,
                s2: src,
            };
            *self.code.last_mut().expect("a last instruction") = Instr {
                charge,
                ..Instr::new(Op::Copy2, Args::Copy2(pair))
            };
            return;
        }
        self.emit(Op::Copy, Args::Rr(sh::Rr { dst, a: src }));
    }

    fn constant(&mut self, dst: Slot, imm: u64) {
        self.emit(Op::Const, Args::Rl(sh::Rl { dst, pad: 0, imm }));
    }

    /// Computes a pending address into `dst`.
    fn address(&mut self, dst: Slot, x: Addr) {
        let Addr {
            base: a,
            shift,
            add,
            plus,
        } = x;
        match (plus, shift, add) {
            (None, 0, imm) => self.emit(Op::I32AddI, Args::Rri(sh::Rri { dst, a, imm })),
            (None, imm, 0) => self.emit(Op::I32ShlI, Args::Rri(sh::Rri { dst, a, imm })),
            (None, shift, add) => {
                self.emit(Op::I32ShlAddI, Args::Lea(sh::Lea { dst, a, add, shift }))
            }
            (Some(p), 0, 0) => self.emit(Op::I32Add, Args::Rrr(sh::Rrr { dst, a: p, b: a })),
            (Some(p), shift, add) => self.emit(
                Op::I32AddShlAddI,
                Args::Lea2(sh::Lea2 {
                    dst,
                    p,
                    a,
                    add,
                    shift,
                }),
            ),
        };
    }

    /// Records a mention of local `i` (`write`: by `local.set`/`local.tee`).
    fn mention(&mut self, i: Slot, write: bool) {
        let Some(k) = i.checked_sub(self.params) else {
            return;
        };
        let u = &mut self.uses[k as usize];
        if *u == Use::Unseen {
            *u = if write && self.ctrls.len() == 1 {
                Use::Written
            } else {
                Use::Init
            };
        }
    }

    fn jump(&mut self, to: Target) -> usize {
        self.emit(Op::Br, Args::Jmp(sh::Jmp { to: to as i32 }))
    }

    /// Places a label at the next instruction; peepholes stop here.
    fn bind(&mut self) -> Target {
        self.barrier = self.code.len();
        self.code.len() as Target
    }

    fn patch(&mut self, fixup: Fixup, to: Target) {
        match fixup {
            Fixup::Jump(at) => {
                *sh::target_mut(&mut self.code[at].args).expect("fixups name jump instructions") =
                    to as i32
            }
            Fixup::Table(t, k) => self.tables[t][k] = to,
        }
    }

    fn push(&mut self, e: Entry) {
        self.stack.push(e);
        self.hi.push(false);
        self.max_height = self.max_height.max(self.stack.len());
    }

    /// Pushes a `v128`'s high half (its low half was pushed just before).
    fn push_hi(&mut self, e: Entry) {
        self.push(e);
        *self.hi.last_mut().expect("just pushed") = true;
    }

    /// Pushes temporaries for values whose slots are marked `marks`.
    fn push_temps(&mut self, marks: &[bool]) {
        for &m in marks {
            if m {
                self.push_hi(Entry::Temp);
            } else {
                self.push(Entry::Temp);
            }
        }
    }

    fn truncate(&mut self, h: usize) {
        self.stack.truncate(h);
        self.hi.truncate(h);
    }

    /// Whether the top of the stack is a `v128`.
    fn top_is_v128(&self) -> bool {
        self.hi.last() == Some(&true)
    }

    /// Pushes a `v128` temporary; returns its first slot.
    fn push_v(&mut self) -> Slot {
        let h = self.stack.len();
        self.push(Entry::Temp);
        self.push_hi(Entry::Temp);
        self.temp(h)
    }

    /// Puts entry `e` into slot `dst` (`T(h)` of a temporary is its own).
    fn put(&mut self, dst: Slot, e: Entry, h: usize) {
        match e {
            Entry::Temp if self.temp(h) == dst => {}
            Entry::Temp => {
                let src = self.temp(h);
                self.copy(dst, src)
            }
            Entry::Local(src) if src == dst => {}
            Entry::Local(src) => self.copy(dst, src),
            Entry::Const(val) => self.constant(dst, val),
            Entry::Addr(x) => self.address(dst, x),
        }
    }

    /// Pops a `v128`: the first of two consecutive slots holding it.
    fn pop_v(&mut self) -> Slot {
        let (hi, h1) = self.pop();
        let (lo, h0) = self.pop();
        debug_assert_eq!(h1, h0 + 1);
        match (lo, hi) {
            (Entry::Local(a), Entry::Local(b)) if b == a + 1 => a,
            (Entry::Const(lo), Entry::Const(hi)) => {
                let dst = self.temp(h0);
                self.emit(
                    Op::V128Const,
                    Args::VConst(sh::VConst {
                        dst,
                        pad: 0,
                        lo,
                        hi,
                    }),
                );
                dst
            }
            _ => {
                let dst = self.temp(h0);
                self.put(dst, lo, h0);
                self.put(dst + 1, hi, h1);
                dst
            }
        }
    }

    fn push_temp(&mut self) -> Slot {
        self.push(Entry::Temp);
        self.temp(self.stack.len() - 1)
    }

    fn pop(&mut self) -> (Entry, usize) {
        let e = self.stack.pop().expect("validated: operand present");
        self.hi.pop();
        (e, self.stack.len())
    }

    /// A slot holding the popped entry at height `h` (constants go to `T(h)`).
    fn slot(&mut self, e: Entry, h: usize) -> Slot {
        match e {
            Entry::Local(i) => i,
            Entry::Temp => self.temp(h),
            Entry::Const(val) => {
                let dst = self.temp(h);
                self.constant(dst, val);
                dst
            }
            Entry::Addr(x) => {
                let dst = self.temp(h);
                self.address(dst, x);
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
            Entry::Local(src) => self.copy(dst, src),
            Entry::Const(val) => self.constant(dst, val),
            Entry::Addr(x) => self.address(dst, x),
        };
        self.stack[h] = Entry::Temp;
    }

    /// Counts a rewrite.
    fn path(&mut self, rewrite: Rewrite) {
        self.rewrites.hit(super::paths::cell(rewrite));
    }

    /// Copies out every pending read of local `i` before it is overwritten.
    fn spill_local(&mut self, i: Slot) {
        for h in 0..self.stack.len() {
            let reads = match self.stack[h] {
                Entry::Local(l) => l == i,
                Entry::Addr(x) => x.reads(i),
                _ => false,
            };
            if reads {
                self.path(Rewrite::SpillBeforeLocalSet);
                self.materialize(h);
            }
        }
    }

    /// Copies out every pending local read: done at block starts, so that
    /// a spill inside a conditional path never has to happen.
    fn spill_all_locals(&mut self) {
        let locals = self.locals;
        let local = move |s: Slot| (s as u64) < locals;
        for h in 0..self.stack.len() {
            let reads = match self.stack[h] {
                Entry::Local(_) => true,
                Entry::Addr(x) => local(x.base) || x.plus.is_some_and(local),
                _ => false,
            };
            if reads {
                self.path(Rewrite::SpillAtBlockStart);
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
                    self.copy(to, from);
                }
                Entry::Local(from) => self.copy(to, from),
                Entry::Const(val) => self.constant(to, val),
                Entry::Addr(x) => self.address(to, x),
            }
        }
    }

    /// Returns the function's results from the top of the stack.
    fn emit_return(&mut self) {
        match self.results {
            0 => {
                self.emit(Op::Return0, Args::Nil(sh::Nil {}));
            }
            1 => {
                let h = self.stack.len() - 1;
                let src = self.slot(self.stack[h], h);
                self.emit(Op::Return1, Args::Src(sh::Src { src }));
            }
            n => {
                let start = self.stack.len() - n;
                self.copy_top_to(start, n);
                self.emit(
                    Op::Return,
                    Args::Ret(sh::Ret {
                        start: self.temp(start),
                        n: n as u32,
                    }),
                );
            }
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
            self.jump(head);
        } else {
            let at = self.jump(Target::MAX);
            self.ctrls[idx].fixups.push(Fixup::Jump(at));
        }
    }

    /// The condition of the popped entry, taking over the comparison that
    /// computed it when that was the last instruction and nothing jumps between.
    fn cond(&mut self, e: Entry, h: usize) -> Cond {
        if e == Entry::Temp && self.code.len() > self.barrier {
            let t = self.temp(h);
            let last = *self.code.last().expect("non-empty");
            let fused = match (CmpOp::of(last.op), last.args) {
                (Some((c, wide, CmpForm::Value)), Args::Rrr(x)) if x.dst == t => {
                    Some(Cond::Cmp(c, wide, x.a, Rhs::Slot(x.b)))
                }
                (Some((c, wide, CmpForm::ValueImm)), Args::Rri(x)) if x.dst == t => {
                    Some(Cond::Cmp(c, wide, x.a, Rhs::Imm(x.imm as u64)))
                }
                (Some((c, wide, CmpForm::ValueImm)), Args::Rrl(x)) if x.dst == t => {
                    Some(Cond::Cmp(c, wide, x.a, Rhs::Imm(x.imm)))
                }
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
        let to = to as i32;
        match cond {
            Cond::Nez(a) => {
                let op = if negate { Op::BrEqz } else { Op::BrNez };
                self.emit(op, Args::BrR(sh::BrR { to, a }))
            }
            Cond::Cmp(c, wide, a, rhs) => {
                let c = if crate::fault::active(crate::fault::Fault::FastFusedCmpSignedness) {
                    c.swap_signedness()
                } else {
                    c
                };
                let c = if negate { c.negate() } else { c };
                match rhs {
                    Rhs::Slot(b) => self.emit(
                        c.op(wide, CmpForm::Branch),
                        Args::BrRr(sh::BrRr { to, a, b }),
                    ),
                    Rhs::Imm(v) if !wide => self.emit(
                        c.op(wide, CmpForm::BranchImm),
                        Args::BrRi(sh::BrRi {
                            to,
                            a,
                            imm: v as u32,
                        }),
                    ),
                    Rhs::Imm(imm) => self.emit(
                        c.op(wide, CmpForm::BranchImm),
                        Args::BrRl(sh::BrRl { to, a, imm }),
                    ),
                }
            }
        }
    }

    /// The slot marks of a block's parameters and results.
    fn block_sig(&self, ty: BlockType) -> (Vec<bool>, Vec<bool>) {
        match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(wasmparser::ValType::V128) => (Vec::new(), vec![false, true]),
            BlockType::Type(_) => (Vec::new(), vec![false]),
            BlockType::FuncType(i) => {
                let t = &self.module.types[i as usize];
                (marks(&t.params), marks(&t.results))
            }
        }
    }

    /// Opens a block: pending locals copied out, parameters in their slots.
    fn open(&mut self, kind: Kind, ty: BlockType) -> usize {
        let (pmarks, rmarks) = self.block_sig(ty);
        let (params, results) = (pmarks.len(), rmarks.len());
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
            pmarks,
            rmarks,
            head: 0,
            fixups: Vec::new(),
            else_jump: None,
        });
        self.ctrls.len() - 1
    }

    /// A unary instruction of shape `Rr`.
    fn unop(&mut self, op: Op) {
        let a = self.pop_slot();
        let dst = self.push_temp();
        self.emit(op, Args::Rr(sh::Rr { dst, a }));
    }

    /// A binary operation, with the immediate form `imm` when the right
    /// operand is constant (`neg`: of the negated constant).
    fn binop(&mut self, op: Op, imm: Option<Op>, neg: bool) {
        let (b, hb) = self.pop();
        let (a, ha) = self.pop();
        let dst = self.temp(ha);
        let (op, args) = match (b, imm) {
            (Entry::Const(v), Some(imm)) => {
                let a = self.slot(a, ha);
                let v = if neg { v.wrapping_neg() } else { v };
                (imm, imm_args(imm, dst, a, v))
            }
            _ => {
                let (left, right) = (a == Entry::Temp, b == Entry::Temp);
                let b = self.slot(b, hb);
                let a = self.slot(a, ha);
                let x = sh::Rrr { dst, a, b };
                if let Some((op, args)) = self.fuse_mul(op, x, left, right) {
                    self.code.pop();
                    self.push(Entry::Temp);
                    self.emit(op, args);
                    return;
                }
                (op, Args::Rrr(x))
            }
        };
        self.push(Entry::Temp);
        self.emit(op, args);
    }

    /// The add or subtract `op` (operands `x`, `left`/`right`: operand a
    /// temporary) fused with the multiply just emitted that computed one of
    /// its operands, if that is what happened.
    fn fuse_mul(&self, op: Op, x: sh::Rrr, left: bool, right: bool) -> Option<(Op, Args)> {
        let m = self.last()?;
        let on_left = left && sh::dst_of(&m.args) == Some(x.a);
        let on_right = right && sh::dst_of(&m.args) == Some(x.b);
        if !(on_left || on_right) {
            return None;
        }
        let c = if on_left { x.b } else { x.a };
        let dst = x.dst;
        let fused = match (m.op, op, on_left) {
            (Op::I32Mul, Op::I32Add, _) => Op::I32MulAdd,
            (Op::I64Mul, Op::I64Add, _) => Op::I64MulAdd,
            (Op::F32Mul, Op::F32Add, true) => Op::F32MulAdd,
            (Op::F32Mul, Op::F32Add, false) => Op::F32AddMul,
            (Op::F32Mul, Op::F32Sub, true) => Op::F32MulSub,
            (Op::F32Mul, Op::F32Sub, false) => Op::F32SubMul,
            (Op::F64Mul, Op::F64Add, true) => Op::F64MulAdd,
            (Op::F64Mul, Op::F64Add, false) => Op::F64AddMul,
            (Op::F64Mul, Op::F64Sub, true) => Op::F64MulSub,
            (Op::F64Mul, Op::F64Sub, false) => Op::F64SubMul,
            (Op::I32MulI, Op::I32Add, _) => {
                let Args::Rri(p) = m.args else { return None };
                let args = Args::Fmai(sh::Fmai {
                    dst,
                    a: p.a,
                    c,
                    imm: p.imm,
                });
                return Some((Op::I32MulIAdd, args));
            }
            _ => return None,
        };
        let Args::Rrr(p) = m.args else { return None };
        Some((
            fused,
            Args::Fma(sh::Fma {
                dst,
                a: p.a,
                b: p.b,
                c,
            }),
        ))
    }

    /// A memory address: a pending computation, a constant or a slot.
    fn pop_address(&mut self) -> Result<Addr, u32> {
        match self.pop() {
            (Entry::Addr(x), _) => Ok(x),
            (Entry::Const(c), _) => Err(c as u32),
            (e, h) => Ok(Addr::slot(self.slot(e, h))),
        }
    }

    /// The memory a memory instruction names and whether it takes the
    /// general path (another memory than 0, or 64-bit addresses).
    fn general_memory(&self, m: &wasmparser::MemArg) -> Option<(u32, u32)> {
        let mem = vector::memory_index(m);
        let wide = self.module.memories[mem as usize].index64;
        (mem != 0 || wide).then_some((mem, wide as u32))
    }

    fn load(&mut self, op: Op, m: &wasmparser::MemArg) {
        if let Some((mem, wide)) = self.general_memory(m) {
            let a = self.pop_slot();
            let dst = self.push_temp();
            let args = Args::MLoad(sh::MLoad {
                dst,
                a,
                mem,
                wide,
                offset: m.offset,
            });
            self.emit(mem_op(op, AddrForm::Any), args);
            return;
        }
        let address = self.pop_address();
        let dst = self.push_temp();
        let offset = m.offset as u32;
        let (form, args) = match address {
            Ok(Addr {
                base: a,
                shift: 0,
                add,
                plus: None,
            }) => (
                AddrForm::Plus,
                Args::Load(sh::Load {
                    dst,
                    a,
                    add,
                    offset,
                }),
            ),
            Ok(Addr {
                base: a,
                shift,
                add,
                plus: None,
            }) => (
                AddrForm::Scaled,
                Args::LoadX(sh::LoadX {
                    dst,
                    a,
                    add,
                    offset,
                    shift,
                }),
            ),
            Ok(Addr {
                base: a,
                shift,
                add,
                plus: Some(p),
            }) => (
                AddrForm::Indexed,
                Args::LoadI(sh::LoadI {
                    dst,
                    p,
                    a,
                    add,
                    offset,
                    shift,
                }),
            ),
            Err(c) => (
                AddrForm::Const,
                Args::LoadC(sh::LoadC {
                    dst,
                    pad: 0,
                    ea: c as u64 + offset as u64,
                }),
            ),
        };
        self.emit(mem_op(op, form), args);
    }

    fn store(&mut self, op: Op, m: &wasmparser::MemArg) {
        if let Some((mem, wide)) = self.general_memory(m) {
            let src = self.pop_slot();
            let a = self.pop_slot();
            let args = Args::MStore(sh::MStore {
                src,
                a,
                mem,
                wide,
                offset: m.offset,
            });
            self.emit(mem_op(op, AddrForm::Any), args);
            return;
        }
        let src = self.pop_slot();
        let address = self.pop_address();
        let offset = m.offset as u32;
        let (form, args) = match address {
            Ok(Addr {
                base: addr,
                shift: 0,
                add,
                plus: None,
            }) => (
                AddrForm::Plus,
                Args::Store(sh::Store {
                    addr,
                    src,
                    add,
                    offset,
                }),
            ),
            Ok(Addr {
                base: addr,
                shift,
                add,
                plus: None,
            }) => (
                AddrForm::Scaled,
                Args::StoreX(sh::StoreX {
                    addr,
                    src,
                    add,
                    offset,
                    shift,
                }),
            ),
            Ok(Addr {
                base: addr,
                shift,
                add,
                plus: Some(p),
            }) => (
                AddrForm::Indexed,
                Args::StoreI(sh::StoreI {
                    addr,
                    src,
                    p,
                    add,
                    offset,
                    shift,
                }),
            ),
            Err(c) => (
                AddrForm::Const,
                Args::StoreC(sh::StoreC {
                    src,
                    pad: 0,
                    ea: c as u64 + offset as u64,
                }),
            ),
        };
        self.emit(mem_op(op, form), args);
    }

    /// The pending address of the popped entry at height `h`.
    fn pending(&mut self, e: Entry, h: usize) -> Addr {
        match e {
            Entry::Addr(x) => x,
            e => Addr::slot(self.slot(e, h)),
        }
    }

    /// `i32.add` with a constant right operand: pending on the stack.
    fn add_const(&mut self, v: u32) {
        let (e, h) = self.pop();
        let mut x = self.pending(e, h);
        x.add = x.add.wrapping_add(v);
        self.push(Entry::Addr(x));
    }

    /// `i32.shl` by a constant: pending on the stack when it folds.
    fn shl_const(&mut self, v: u32) {
        let (e, h) = self.pop();
        let mut x = self.pending(e, h);
        let c = v & 31;
        if x.plus.is_none() && x.shift + c < 32 {
            x.shift += c;
            x.add <<= c;
        } else {
            let dst = self.temp(h);
            self.address(dst, x);
            x = Addr {
                shift: c,
                ..Addr::slot(dst)
            };
        }
        self.push(Entry::Addr(x));
    }

    /// `i32.add` of two non-constant operands: pending on the stack when
    /// one is a local and the other a local, the entry's own temporary, or
    /// a pending shift and add of one. Returns whether it stayed pending.
    fn add_slots(&mut self) -> bool {
        let n = self.stack.len();
        let (a, b, h) = (self.stack[n - 2], self.stack[n - 1], n - 2);
        let own = self.temp(h);
        let local = |s: Slot| (s as u64) < self.locals;
        // A multiply just computed into the temporary fuses with the add instead.
        let fresh_mul = a == Entry::Temp
            && self.last().is_some_and(|m| {
                matches!(m.op, Op::I32Mul | Op::I32MulI) && sh::dst_of(&m.args) == Some(own)
            });
        let x = match (a, b) {
            _ if fresh_mul => return false,
            (Entry::Local(i), Entry::Local(j)) => Addr {
                plus: Some(j),
                ..Addr::slot(i)
            },
            (Entry::Temp, Entry::Local(j)) => Addr {
                plus: Some(j),
                ..Addr::slot(own)
            },
            (Entry::Addr(x), Entry::Local(j)) if x.plus.is_none() => Addr { plus: Some(j), ..x },
            (Entry::Local(i), Entry::Addr(x)) if x.plus.is_none() && local(x.base) => {
                Addr { plus: Some(i), ..x }
            }
            (Entry::Temp, Entry::Addr(x)) if x.plus.is_none() && local(x.base) => Addr {
                plus: Some(own),
                ..x
            },
            _ => return false,
        };
        self.truncate(h);
        self.push(Entry::Addr(x));
        true
    }

    /// Three operands of a bulk operation with indices `x` and `y`.
    fn bulk(&mut self, op: Op, x: u32, y: u32) {
        let n = self.pop_slot();
        let s = self.pop_slot();
        let d = self.pop_slot();
        self.emit(op, Args::Bulk(sh::Bulk { d, s, n, x, y }));
    }

    /// A result from an indexed item.
    fn get(&mut self, op: Op, idx: u32) {
        let dst = self.push_temp();
        self.emit(op, Args::Get(sh::Get { dst, idx }));
    }

    fn call(
        &mut self,
        params: usize,
        results: &[bool],
        args: impl FnOnce(&mut Self, Slot) -> (Op, Args),
    ) {
        let height = self.stack.len() - params;
        for h in height..self.stack.len() {
            self.materialize(h);
        }
        let base = self.temp(height);
        let (op, a) = args(self, base);
        self.emit(op, a);
        self.truncate(height);
        self.push_temps(results);
    }

    fn local_set(&mut self, index: u32, tee: bool) {
        let (i, wide) = self.local_slot[index as usize];
        if wide {
            return self.local_set_v(index, i, tee);
        }
        let (e, h) = self.pop();
        let before = self.code.len();
        if !crate::fault::active(crate::fault::Fault::FastPendingLocal) {
            self.spill_local(i);
        }
        self.mention(index, true);
        match e {
            Entry::Local(src) if src == i => self.path(Rewrite::LocalSetOfItself),
            Entry::Local(src) => self.copy(i, src),
            Entry::Const(val) => self.constant(i, val),
            Entry::Addr(x) => {
                self.path(Rewrite::PendingAddressIntoLocal);
                self.address(i, x)
            }
            Entry::Temp => {
                let t = self.temp(h);
                let retarget = self.code.len() == before && before > self.barrier;
                match self.code.last_mut().and_then(|x| sh::dst_mut(&mut x.args)) {
                    Some(dst) if retarget && *dst == t => {
                        *dst = i;
                        self.path(Rewrite::ResultIntoLocal);
                    }
                    _ => self.copy(i, t),
                }
            }
        }
        if tee {
            self.push(Entry::Local(i));
        }
    }

    /// `local.set`/`local.tee` of `v128` local `index` (slots `i`, `i + 1`).
    fn local_set_v(&mut self, index: u32, i: Slot, tee: bool) {
        let (hi, h1) = self.pop();
        let (lo, h0) = self.pop();
        self.spill_local(i);
        self.spill_local(i + 1);
        self.mention(index, true);
        match (lo, hi) {
            (Entry::Const(lo), Entry::Const(hi)) => {
                self.path(Rewrite::V128ConstantIntoLocal);
                self.emit(
                    Op::V128Const,
                    Args::VConst(sh::VConst {
                        dst: i,
                        pad: 0,
                        lo,
                        hi,
                    }),
                );
            }
            _ => {
                // The halves are a pair (two temporaries, or another
                // local's two slots): writing one cannot clobber the other.
                self.put(i, lo, h0);
                self.put(i + 1, hi, h1);
            }
        }
        if tee {
            self.push(Entry::Local(i));
            self.push_hi(Entry::Local(i + 1));
        }
    }

    fn op(&mut self, op: O<'_>) -> Result<(), PrepareError> {
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.dead += 1;
                    return Ok(());
                }
                O::End if self.dead > 0 => {
                    self.dead -= 1;
                    return Ok(());
                }
                O::Else | O::End if self.dead == 0 => {}
                _ => return Ok(()),
            }
        }
        if crate::fault::active(crate::fault::Fault::FastRefusesI64RemU) && matches!(op, O::I64RemU)
        {
            return Err(PrepareError::no_translation("fast", &op));
        }
        if let Some(num) = numeric(&op) {
            self.numeric(num);
            return Ok(());
        }
        if self.simd(&op) {
            return Ok(());
        }
        match op {
            O::Unreachable => {
                self.emit(Op::Unreachable, Args::Nil(sh::Nil {}));
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => {
                self.open(Kind::Block, blockty);
            }
            O::Loop { blockty } => {
                let idx = self.open(Kind::Loop, blockty);
                if self.loop_head == Some(self.code.len()) {
                    // An enclosing loop's header would be this one's too.
                    self.emit(Op::LoopFuel, Args::Nil(sh::Nil {}));
                }
                let head = self.bind();
                self.ctrls[idx].head = head;
                self.loop_head = Some(head as usize);
            }
            O::If { blockty } => {
                let (e, h) = self.pop();
                let cond = self.cond(e, h);
                let idx = self.open(Kind::If, blockty);
                let at = self.jump_if(cond, true, Target::MAX);
                self.ctrls[idx].else_jump = Some(at);
            }
            O::Else => {
                let (height, pmarks, results) = {
                    let c = self.ctrls.last().expect("else inside if");
                    (c.height, c.pmarks.clone(), c.results)
                };
                if self.reachable {
                    self.copy_top_to(height, results);
                    let at = self.jump(Target::MAX);
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
                self.truncate(height);
                self.push_temps(&pmarks);
                self.reachable = true;
            }
            O::End => {
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
                if c.kind == Kind::Loop && c.head as usize == self.code.len() {
                    // An empty loop still charges when entered.
                    self.emit(Op::LoopFuel, Args::Nil(sh::Nil {}));
                }
                let here = self.bind();
                for f in c.fixups.iter().copied().chain(c.else_jump.map(Fixup::Jump)) {
                    self.patch(f, here);
                }
                self.truncate(c.height);
                self.push_temps(&c.rmarks);
                self.reachable = true;
            }
            O::Br { relative_depth } => {
                self.br(relative_depth);
                self.reachable = false;
            }
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { targets } => {
                let depths = targets
                    .targets()
                    .chain(std::iter::once(Ok(targets.default())))
                    .collect::<Result<Vec<u32>, _>>()
                    .map_err(|e| PrepareError::internal("fast", e.message()))?;
                self.br_table(&depths);
                self.reachable = false;
            }
            O::Return => {
                self.emit_return();
                self.reachable = false;
            }
            O::Call { function_index } => {
                let ty = self.module.func_type(function_index);
                let (p, r) = (slots(&ty.params), marks(&ty.results));
                let imported = self.module.num_imported_funcs;
                self.call(p, &r, |_, base| {
                    match function_index.checked_sub(imported) {
                        Some(defined) => (
                            Op::Call,
                            Args::Call(sh::Call {
                                base,
                                pad: 0,
                                callee: defined as u64,
                            }),
                        ),
                        None => (
                            Op::CallIdx,
                            Args::CallIdx(sh::CallIdx {
                                base,
                                func: function_index,
                            }),
                        ),
                    }
                });
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let t = &self.module.types[type_index as usize];
                let (p, r) = (slots(&t.params), marks(&t.results));
                let ty = self.type_ids[type_index as usize].0;
                let index = self.pop_slot();
                let op = if self.table_wide(table_index) {
                    Op::CallInd64
                } else {
                    Op::CallInd
                };
                self.call(p, &r, |_, base| {
                    (
                        op,
                        Args::CallInd(sh::CallInd {
                            base,
                            index,
                            table: table_index,
                            ty,
                        }),
                    )
                });
            }
            O::ReturnCall { function_index } => {
                let ty = self.module.func_type(function_index);
                let (p, r) = (slots(&ty.params), marks(&ty.results));
                match function_index.checked_sub(self.module.num_imported_funcs) {
                    Some(defined) => self.call(p, &r, |_, base| {
                        (
                            Op::ReturnCall,
                            Args::TCall(sh::TCall {
                                base,
                                n: p as u32,
                                callee: defined as u64,
                            }),
                        )
                    }),
                    None => {
                        // An import (host or another instance): a call,
                        // then its results returned.
                        self.call(p, &r, |_, base| {
                            (
                                Op::CallIdx,
                                Args::CallIdx(sh::CallIdx {
                                    base,
                                    func: function_index,
                                }),
                            )
                        });
                        self.emit_return();
                    }
                }
                self.reachable = false;
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let t = &self.module.types[type_index as usize];
                let (p, r) = (slots(&t.params), marks(&t.results));
                let ty = self.type_ids[type_index as usize].0;
                let wide = self.table_wide(table_index) as u32;
                let index = self.pop_slot();
                self.call(p, &r, |_, base| {
                    (
                        Op::ReturnCallInd,
                        Args::TCallInd(sh::TCallInd {
                            base,
                            index,
                            table: table_index,
                            ty,
                            n: p as u32,
                            wide,
                        }),
                    )
                });
                // Reached only when the callee was called, not entered in place.
                self.emit_return();
                self.reachable = false;
            }
            O::Drop => {
                if self.top_is_v128() {
                    self.pop();
                }
                self.pop();
            }
            O::Select | O::TypedSelect { .. }
                if self.stack.len() >= 2 && self.hi[self.hi.len() - 2] =>
            {
                // A `v128` select: two selects, one per half.
                let c = self.pop_slot();
                let (b1, hb1) = self.pop();
                let (b0, hb0) = self.pop();
                let (a1, ha1) = self.pop();
                let (a0, ha0) = self.pop();
                let b1 = self.slot(b1, hb1);
                let b0 = self.slot(b0, hb0);
                let a1 = self.slot(a1, ha1);
                let a0 = self.slot(a0, ha0);
                let dst = self.push_v();
                self.emit(
                    Op::Select,
                    Args::Sel(sh::Sel {
                        dst,
                        c,
                        a: a0,
                        b: b0,
                    }),
                );
                self.emit(
                    Op::Select,
                    Args::Sel(sh::Sel {
                        dst: dst + 1,
                        c,
                        a: a1,
                        b: b1,
                    }),
                );
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop_slot();
                let b = self.pop_slot();
                let (ea, ha) = self.pop();
                let a = self.slot(ea, ha);
                let dst = self.push_temp();
                self.emit(Op::Select, Args::Sel(sh::Sel { dst, c, a, b }));
            }
            O::LocalGet { local_index } => {
                self.mention(local_index, false);
                let (slot, wide) = self.local_slot[local_index as usize];
                self.push(Entry::Local(slot));
                if wide {
                    self.push_hi(Entry::Local(slot + 1));
                }
            }
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => self.get(Op::GlobalGet, global_index),
            O::GlobalSet { global_index } => {
                let src = self.pop_slot();
                self.emit(
                    Op::GlobalSet,
                    Args::Put(sh::Put {
                        src,
                        idx: global_index,
                    }),
                );
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load(Op::I32Load, &memarg),
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(Op::I64Load, &memarg),
            O::I32Load8S { memarg } => self.load(Op::I32Load8S, &memarg),
            O::I32Load8U { memarg } => self.load(Op::I32Load8U, &memarg),
            O::I32Load16S { memarg } => self.load(Op::I32Load16S, &memarg),
            O::I32Load16U { memarg } => self.load(Op::I32Load16U, &memarg),
            O::I64Load8S { memarg } => self.load(Op::I64Load8S, &memarg),
            O::I64Load8U { memarg } => self.load(Op::I64Load8U, &memarg),
            O::I64Load16S { memarg } => self.load(Op::I64Load16S, &memarg),
            O::I64Load16U { memarg } => self.load(Op::I64Load16U, &memarg),
            O::I64Load32S { memarg } => self.load(Op::I64Load32S, &memarg),
            O::I64Load32U { memarg } => self.load(Op::I64Load32U, &memarg),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(Op::Store32, &memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(Op::Store64, &memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(Op::Store8, &memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(Op::Store16, &memarg),
            O::MemorySize { mem: 0 } => self.get(Op::MemorySize, 0),
            O::MemorySize { mem } => self.get(Op::MemorySizeM, mem),
            O::MemoryGrow { mem } => {
                let a = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::MemoryGrow, Args::Rri(sh::Rri { dst, a, imm: mem }));
            }
            O::MemoryFill { mem } => self.bulk(Op::MemoryFill, mem, 0),
            O::MemoryCopy { dst_mem, src_mem } => self.bulk(Op::MemoryCopy, dst_mem, src_mem),
            O::MemoryInit { data_index, mem } => self.bulk(Op::MemoryInit, data_index, mem),
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop, Args::Idx(sh::Idx { idx: data_index }));
            }
            O::I32Const { value } => self.push(Entry::Const(value as u32 as u64)),
            O::I64Const { value } => self.push(Entry::Const(value as u64)),
            O::F32Const { value } => self.push(Entry::Const(value.bits() as u64)),
            O::F64Const { value } => self.push(Entry::Const(value.bits())),
            O::RefNull { .. } => self.push(Entry::Const(NULL_REF)),
            O::RefFunc { function_index } => self.get(Op::RefFunc, function_index),
            O::TableGet { table } => {
                let a = self.pop_slot();
                let dst = self.push_temp();
                let op = if self.table_wide(table) {
                    Op::TableGet64
                } else {
                    Op::TableGet
                };
                self.emit(op, Args::Rri(sh::Rri { dst, a, imm: table }));
            }
            O::TableSet { table } => {
                let src = self.pop_slot();
                let addr = self.pop_slot();
                self.emit(
                    Op::TableSet,
                    Args::Sto(sh::Sto {
                        addr,
                        src,
                        offset: table,
                    }),
                );
            }
            O::TableSize { table } => self.get(Op::TableSize, table),
            O::TableGrow { table } => {
                let n = self.pop_slot();
                let init = self.pop_slot();
                let dst = self.push_temp();
                self.emit(
                    Op::TableGrow,
                    Args::Grow(sh::Grow {
                        dst,
                        init,
                        n,
                        table,
                    }),
                );
            }
            O::TableFill { table } => self.bulk(Op::TableFill, table, 0),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.bulk(Op::TableCopy, dst_table, src_table),
            O::TableInit { elem_index, table } => self.bulk(Op::TableInit, elem_index, table),
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop, Args::Idx(sh::Idx { idx: elem_index }));
            }
            other => return Err(PrepareError::no_translation("fast", &other)),
        }
        Ok(())
    }

    fn table_wide(&self, table: u32) -> bool {
        self.module.tables[table as usize].index64
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
        self.emit(
            Op::BrTable,
            Args::Table(sh::Table {
                index,
                len: table as u32,
            }),
        );
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
            Num::Un(op) => self.unop(op),
            Num::Bin(Op::I32Add, _) if matches!(self.stack.last(), Some(Entry::Const(_))) => {
                let (Entry::Const(v), _) = self.pop() else {
                    unreachable!("matched above")
                };
                self.add_const(v as u32);
            }
            Num::Bin(Op::I32Add, _) if self.add_slots() => {}
            Num::Bin(Op::I32Shl, _) if matches!(self.stack.last(), Some(Entry::Const(_))) => {
                let (Entry::Const(v), _) = self.pop() else {
                    unreachable!("matched above")
                };
                self.shl_const(v as u32);
            }
            Num::Bin(op, imm) => self.binop(op, imm, false),
            Num::Sub { wide: false, .. } if matches!(self.stack.last(), Some(Entry::Const(_))) => {
                let (Entry::Const(v), _) = self.pop() else {
                    unreachable!("matched above")
                };
                self.add_const((v as u32).wrapping_neg());
            }
            Num::Sub { reg, add_imm, wide } => self.binop(reg, Some(add_imm), wide),
            Num::Cmp(c, wide) => self.binop(
                c.op(wide, CmpForm::Value),
                Some(c.op(wide, CmpForm::ValueImm)),
                false,
            ),
            Num::Eqz(wide) => {
                let a = self.pop_slot();
                let dst = self.push_temp();
                let op = CmpOp::Eq.op(wide, CmpForm::ValueImm);
                self.emit(op, imm_args(op, dst, a, 0));
            }
        }
    }
}
