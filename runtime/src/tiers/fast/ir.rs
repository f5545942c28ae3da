//! The fast tier's instruction set: every operand is a frame slot (`u32`
//! index from the frame base) or an immediate; every branch target is an
//! instruction index inside the same function.
//!
//! # Dev. Note
//! Slots are `u32`, not `u16`: functions with more than 32,767 locals or
//! temporaries are valid wasm and must run, never wrap silently.

use crate::trap::TrapCode;

/// A frame slot index (parameters, then locals, then temporaries).
pub(super) type Slot = u32;
/// An instruction index inside one function.
pub(super) type Target = u32;

/// A plain numeric operation on raw slots.
pub(super) type UnFn = fn(u64) -> u64;
/// A plain binary numeric operation on raw slots.
pub(super) type BinFn = fn(u64, u64) -> u64;
/// A numeric operation that may trap.
pub(super) type UnTrapFn = fn(u64) -> Result<u64, TrapCode>;
/// A binary numeric operation that may trap.
pub(super) type BinTrapFn = fn(u64, u64) -> Result<u64, TrapCode>;

/// Integer comparisons, kept as data so they can fuse with branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl CmpOp {
    /// The same comparison with signed and unsigned swapped (only the
    /// `fast-fused-cmp-signedness` fault uses it).
    pub(super) fn swap_signedness(self) -> CmpOp {
        match self {
            CmpOp::LtS => CmpOp::LtU,
            CmpOp::LtU => CmpOp::LtS,
            CmpOp::GtS => CmpOp::GtU,
            CmpOp::GtU => CmpOp::GtS,
            CmpOp::LeS => CmpOp::LeU,
            CmpOp::LeU => CmpOp::LeS,
            CmpOp::GeS => CmpOp::GeU,
            CmpOp::GeU => CmpOp::GeS,
            other => other,
        }
    }

    /// The comparison that holds exactly when this one does not.
    pub(super) fn negate(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::LtS => CmpOp::GeS,
            CmpOp::LtU => CmpOp::GeU,
            CmpOp::GtS => CmpOp::LeS,
            CmpOp::GtU => CmpOp::LeU,
            CmpOp::LeS => CmpOp::GtS,
            CmpOp::LeU => CmpOp::GtU,
            CmpOp::GeS => CmpOp::LtS,
            CmpOp::GeU => CmpOp::LtU,
        }
    }

    /// Compares two i32 slots.
    #[inline(always)]
    pub(super) fn i32(self, a: u64, b: u64) -> bool {
        let (ua, ub) = (a as u32, b as u32);
        let (sa, sb) = (ua as i32, ub as i32);
        match self {
            CmpOp::Eq => ua == ub,
            CmpOp::Ne => ua != ub,
            CmpOp::LtS => sa < sb,
            CmpOp::LtU => ua < ub,
            CmpOp::GtS => sa > sb,
            CmpOp::GtU => ua > ub,
            CmpOp::LeS => sa <= sb,
            CmpOp::LeU => ua <= ub,
            CmpOp::GeS => sa >= sb,
            CmpOp::GeU => ua >= ub,
        }
    }

    /// Compares two i64 slots.
    #[inline(always)]
    pub(super) fn i64(self, a: u64, b: u64) -> bool {
        let (sa, sb) = (a as i64, b as i64);
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::LtS => sa < sb,
            CmpOp::LtU => a < b,
            CmpOp::GtS => sa > sb,
            CmpOp::GtU => a > b,
            CmpOp::LeS => sa <= sb,
            CmpOp::LeU => a <= b,
            CmpOp::GeS => sa >= sb,
            CmpOp::GeU => a >= b,
        }
    }
}

/// How a load reads memory and widens into a slot. f32/f64 loads use the
/// i32/i64 kinds: slots hold float bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LoadKind {
    I32,
    I64,
    I32S8,
    I32U8,
    I32S16,
    I32U16,
    I64S8,
    I64U8,
    I64S16,
    I64U16,
    I64S32,
    I64U32,
}

/// How many low bytes of a slot a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StoreKind {
    B8,
    B16,
    B32,
    B64,
}

/// Operands of a register-register operation.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rrr {
    pub(super) dst: Slot,
    pub(super) a: Slot,
    pub(super) b: Slot,
}

/// Operands of a register-immediate operation.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rri {
    pub(super) dst: Slot,
    pub(super) a: Slot,
    pub(super) imm: u64,
}

/// One register instruction.
#[derive(Clone, Copy, Debug)]
pub(super) enum Instr {
    Unreachable,
    /// Charges one unit of fuel: the head of every loop, falling in or branching back.
    LoopFuel,
    Copy {
        dst: Slot,
        src: Slot,
    },
    Const {
        dst: Slot,
        val: u64,
    },
    Br {
        to: Target,
    },
    BrNez {
        c: Slot,
        to: Target,
    },
    BrEqz {
        c: Slot,
        to: Target,
    },
    BrCmp32 {
        op: CmpOp,
        a: Slot,
        b: Slot,
        to: Target,
    },
    BrCmp32Imm {
        op: CmpOp,
        a: Slot,
        imm: u32,
        to: Target,
    },
    BrCmp64 {
        op: CmpOp,
        a: Slot,
        b: Slot,
        to: Target,
    },
    BrCmp64Imm {
        op: CmpOp,
        a: Slot,
        imm: u64,
        to: Target,
    },
    /// Jumps to `tables[table][min(index, len - 1)]`.
    BrTable {
        index: Slot,
        table: u32,
    },
    /// Moves `n` results from `start..` to the frame's first slots and returns.
    Return {
        start: Slot,
        n: u32,
    },
    ReturnOne {
        src: Slot,
    },
    /// Calls function `func` of the current instance; its frame starts at
    /// `base`, where the arguments are and where the results land.
    Call {
        func: u32,
        base: Slot,
    },
    CallIndirect {
        ty: u32,
        table: u32,
        index: Slot,
        base: Slot,
    },
    Select {
        dst: Slot,
        c: Slot,
        a: Slot,
        b: Slot,
    },
    GlobalGet {
        dst: Slot,
        global: u32,
    },
    GlobalSet {
        global: u32,
        src: Slot,
    },
    Un {
        f: UnFn,
        dst: Slot,
        a: Slot,
    },
    Bin {
        f: BinFn,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    BinImm {
        f: BinFn,
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    UnTrap {
        f: UnTrapFn,
        dst: Slot,
        a: Slot,
    },
    BinTrap {
        f: BinTrapFn,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    I32Add {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    I32Sub {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    I32AddImm {
        dst: Slot,
        a: Slot,
        imm: u32,
    },
    I64Add {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    I64Sub {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    I64AddImm {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    Cmp32 {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    Cmp32Imm {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        imm: u32,
    },
    Cmp64 {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    Cmp64Imm {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    // Hot operations get their own variants: no call through a pointer.
    I32Mul(Rrr),
    I32And(Rrr),
    I32Or(Rrr),
    I32Xor(Rrr),
    I32Shl(Rrr),
    I32ShrS(Rrr),
    I32ShrU(Rrr),
    I64Mul(Rrr),
    I64And(Rrr),
    I64Or(Rrr),
    I64Xor(Rrr),
    I64Shl(Rrr),
    I64ShrS(Rrr),
    I64ShrU(Rrr),
    F32Add(Rrr),
    F32Sub(Rrr),
    F32Mul(Rrr),
    F32Div(Rrr),
    F64Add(Rrr),
    F64Sub(Rrr),
    F64Mul(Rrr),
    F64Div(Rrr),
    I32MulImm(Rri),
    I32AndImm(Rri),
    I32OrImm(Rri),
    I32XorImm(Rri),
    I32ShlImm(Rri),
    I32ShrSImm(Rri),
    I32ShrUImm(Rri),
    I64MulImm(Rri),
    I64AndImm(Rri),
    I64OrImm(Rri),
    I64XorImm(Rri),
    I64ShlImm(Rri),
    I64ShrSImm(Rri),
    I64ShrUImm(Rri),
    Load32 {
        dst: Slot,
        addr: Slot,
        offset: u32,
    },
    Load64 {
        dst: Slot,
        addr: Slot,
        offset: u32,
    },
    Load {
        kind: LoadKind,
        dst: Slot,
        addr: Slot,
        offset: u32,
    },
    Store {
        kind: StoreKind,
        addr: Slot,
        src: Slot,
        offset: u32,
    },
    MemorySize {
        dst: Slot,
    },
    MemoryGrow {
        dst: Slot,
        delta: Slot,
    },
    MemoryFill {
        d: Slot,
        v: Slot,
        n: Slot,
    },
    MemoryCopy {
        d: Slot,
        s: Slot,
        n: Slot,
    },
    MemoryInit {
        seg: u32,
        d: Slot,
        s: Slot,
        n: Slot,
    },
    DataDrop {
        seg: u32,
    },
    TableGet {
        table: u32,
        dst: Slot,
        index: Slot,
    },
    TableSet {
        table: u32,
        index: Slot,
        src: Slot,
    },
    TableSize {
        table: u32,
        dst: Slot,
    },
    TableGrow {
        table: u32,
        dst: Slot,
        init: Slot,
        n: Slot,
    },
    TableFill {
        table: u32,
        d: Slot,
        v: Slot,
        n: Slot,
    },
    TableCopy {
        dst_table: u32,
        src_table: u32,
        d: Slot,
        s: Slot,
        n: Slot,
    },
    TableInit {
        seg: u32,
        table: u32,
        d: Slot,
        s: Slot,
        n: Slot,
    },
    ElemDrop {
        seg: u32,
    },
    RefFunc {
        dst: Slot,
        func: u32,
    },
}

/// Something an instruction refers to, for the side-table checks.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ref {
    /// A slot read or written: must be below the frame size.
    Slot(Slot),
    /// A callee frame base: arguments and results start here, at most at the frame's end.
    Base(Slot),
    /// A branch target: must be an instruction index of the same function.
    Target(Target),
    /// A jump table of the same function.
    Table(u32),
}

impl Instr {
    /// The slot a pure single-result instruction writes, so the translator
    /// can retarget it straight into a local (`x; local.set n`).
    pub(super) fn dst_mut(&mut self) -> Option<&mut Slot> {
        use Instr::*;
        match self {
            Copy { dst, .. }
            | Const { dst, .. }
            | Select { dst, .. }
            | GlobalGet { dst, .. }
            | Un { dst, .. }
            | Bin { dst, .. }
            | BinImm { dst, .. }
            | UnTrap { dst, .. }
            | BinTrap { dst, .. }
            | I32Add { dst, .. }
            | I32Sub { dst, .. }
            | I32AddImm { dst, .. }
            | I64Add { dst, .. }
            | I64Sub { dst, .. }
            | I64AddImm { dst, .. }
            | Cmp32 { dst, .. }
            | Cmp32Imm { dst, .. }
            | Cmp64 { dst, .. }
            | Cmp64Imm { dst, .. }
            | Load { dst, .. }
            | Load32 { dst, .. }
            | Load64 { dst, .. }
            | I32Mul(Rrr { dst, .. })
            | I32And(Rrr { dst, .. })
            | I32Or(Rrr { dst, .. })
            | I32Xor(Rrr { dst, .. })
            | I32Shl(Rrr { dst, .. })
            | I32ShrS(Rrr { dst, .. })
            | I32ShrU(Rrr { dst, .. })
            | I64Mul(Rrr { dst, .. })
            | I64And(Rrr { dst, .. })
            | I64Or(Rrr { dst, .. })
            | I64Xor(Rrr { dst, .. })
            | I64Shl(Rrr { dst, .. })
            | I64ShrS(Rrr { dst, .. })
            | I64ShrU(Rrr { dst, .. })
            | F32Add(Rrr { dst, .. })
            | F32Sub(Rrr { dst, .. })
            | F32Mul(Rrr { dst, .. })
            | F32Div(Rrr { dst, .. })
            | F64Add(Rrr { dst, .. })
            | F64Sub(Rrr { dst, .. })
            | F64Mul(Rrr { dst, .. })
            | F64Div(Rrr { dst, .. })
            | I32MulImm(Rri { dst, .. })
            | I32AndImm(Rri { dst, .. })
            | I32OrImm(Rri { dst, .. })
            | I32XorImm(Rri { dst, .. })
            | I32ShlImm(Rri { dst, .. })
            | I32ShrSImm(Rri { dst, .. })
            | I32ShrUImm(Rri { dst, .. })
            | I64MulImm(Rri { dst, .. })
            | I64AndImm(Rri { dst, .. })
            | I64OrImm(Rri { dst, .. })
            | I64XorImm(Rri { dst, .. })
            | I64ShlImm(Rri { dst, .. })
            | I64ShrSImm(Rri { dst, .. })
            | I64ShrUImm(Rri { dst, .. })
            | MemorySize { dst }
            | MemoryGrow { dst, .. }
            | TableGet { dst, .. }
            | TableSize { dst, .. }
            | TableGrow { dst, .. }
            | RefFunc { dst, .. } => Some(dst),
            _ => None,
        }
    }

    /// The branch target of a jump, for back-patching.
    pub(super) fn target_mut(&mut self) -> Option<&mut Target> {
        use Instr::*;
        match self {
            Br { to }
            | BrNez { to, .. }
            | BrEqz { to, .. }
            | BrCmp32 { to, .. }
            | BrCmp32Imm { to, .. }
            | BrCmp64 { to, .. }
            | BrCmp64Imm { to, .. } => Some(to),
            _ => None,
        }
    }

    /// Whether execution never continues with the next instruction.
    pub(super) fn is_terminator(&self) -> bool {
        matches!(
            self,
            Instr::Unreachable
                | Instr::Br { .. }
                | Instr::BrTable { .. }
                | Instr::Return { .. }
                | Instr::ReturnOne { .. }
        )
    }

    /// Every slot, base, target and table this instruction refers to.
    pub(super) fn refs(&self, f: &mut impl FnMut(Ref)) {
        use Instr::*;
        use Ref::{Base, Slot as S, Table, Target as T};
        match *self {
            Unreachable | LoopFuel | DataDrop { .. } | ElemDrop { .. } => {}
            Copy { dst, src } => [S(dst), S(src)].into_iter().for_each(f),
            Const { dst, .. }
            | GlobalGet { dst, .. }
            | MemorySize { dst }
            | TableSize { dst, .. }
            | RefFunc { dst, .. } => f(S(dst)),
            Br { to } => f(T(to)),
            BrNez { c, to } | BrEqz { c, to } => [S(c), T(to)].into_iter().for_each(f),
            BrCmp32 { a, b, to, .. } | BrCmp64 { a, b, to, .. } => {
                [S(a), S(b), T(to)].into_iter().for_each(f)
            }
            BrCmp32Imm { a, to, .. } | BrCmp64Imm { a, to, .. } => {
                [S(a), T(to)].into_iter().for_each(f)
            }
            BrTable { index, table } => [S(index), Table(table)].into_iter().for_each(f),
            Return { start, n } => {
                if n > 0 {
                    [S(start), S(start + n - 1)].into_iter().for_each(f)
                }
            }
            ReturnOne { src } => f(S(src)),
            Call { base, .. } => f(Base(base)),
            CallIndirect { index, base, .. } => [S(index), Base(base)].into_iter().for_each(f),
            Select { dst, c, a, b } => [S(dst), S(c), S(a), S(b)].into_iter().for_each(f),
            GlobalSet { src, .. } => f(S(src)),
            Un { dst, a, .. }
            | UnTrap { dst, a, .. }
            | BinImm { dst, a, .. }
            | I32AddImm { dst, a, .. }
            | I64AddImm { dst, a, .. }
            | Cmp32Imm { dst, a, .. }
            | Cmp64Imm { dst, a, .. }
            | Load { dst, addr: a, .. }
            | Load32 { dst, addr: a, .. }
            | Load64 { dst, addr: a, .. }
            | I32MulImm(Rri { dst, a, .. })
            | I32AndImm(Rri { dst, a, .. })
            | I32OrImm(Rri { dst, a, .. })
            | I32XorImm(Rri { dst, a, .. })
            | I32ShlImm(Rri { dst, a, .. })
            | I32ShrSImm(Rri { dst, a, .. })
            | I32ShrUImm(Rri { dst, a, .. })
            | I64MulImm(Rri { dst, a, .. })
            | I64AndImm(Rri { dst, a, .. })
            | I64OrImm(Rri { dst, a, .. })
            | I64XorImm(Rri { dst, a, .. })
            | I64ShlImm(Rri { dst, a, .. })
            | I64ShrSImm(Rri { dst, a, .. })
            | I64ShrUImm(Rri { dst, a, .. })
            | MemoryGrow { dst, delta: a }
            | TableGet { dst, index: a, .. } => [S(dst), S(a)].into_iter().for_each(f),
            Bin { dst, a, b, .. }
            | BinTrap { dst, a, b, .. }
            | I32Add { dst, a, b }
            | I32Sub { dst, a, b }
            | I64Add { dst, a, b }
            | I64Sub { dst, a, b }
            | Cmp32 { dst, a, b, .. }
            | Cmp64 { dst, a, b, .. }
            | I32Mul(Rrr { dst, a, b })
            | I32And(Rrr { dst, a, b })
            | I32Or(Rrr { dst, a, b })
            | I32Xor(Rrr { dst, a, b })
            | I32Shl(Rrr { dst, a, b })
            | I32ShrS(Rrr { dst, a, b })
            | I32ShrU(Rrr { dst, a, b })
            | I64Mul(Rrr { dst, a, b })
            | I64And(Rrr { dst, a, b })
            | I64Or(Rrr { dst, a, b })
            | I64Xor(Rrr { dst, a, b })
            | I64Shl(Rrr { dst, a, b })
            | I64ShrS(Rrr { dst, a, b })
            | I64ShrU(Rrr { dst, a, b })
            | F32Add(Rrr { dst, a, b })
            | F32Sub(Rrr { dst, a, b })
            | F32Mul(Rrr { dst, a, b })
            | F32Div(Rrr { dst, a, b })
            | F64Add(Rrr { dst, a, b })
            | F64Sub(Rrr { dst, a, b })
            | F64Mul(Rrr { dst, a, b })
            | F64Div(Rrr { dst, a, b })
            | TableGrow {
                dst, init: a, n: b, ..
            } => [S(dst), S(a), S(b)].into_iter().for_each(f),
            Store { addr, src, .. }
            | TableSet {
                index: addr, src, ..
            } => [S(addr), S(src)].into_iter().for_each(f),
            MemoryFill { d, v: s, n }
            | MemoryCopy { d, s, n }
            | MemoryInit { d, s, n, .. }
            | TableFill { d, v: s, n, .. }
            | TableCopy { d, s, n, .. }
            | TableInit { d, s, n, .. } => [S(d), S(s), S(n)].into_iter().for_each(f),
        }
    }
}
