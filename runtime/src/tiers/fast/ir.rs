//! The translator's output before assembly: an [`Op`] and its operands
//! (one of the [`shapes`](super::shapes)), with branch targets as
//! instruction indices; and the integer comparisons, kept as data so they
//! can fuse with branches.
//!
//! # Dev. Note
//! Slots are `u32`, not `u16`: functions with more than 32,767 locals or
//! temporaries are valid wasm and must run, never wrap silently.

use super::ops::Op;
use super::shapes::Args;

/// A frame slot index (parameters, then locals, then temporaries).
pub(super) type Slot = u32;
/// An instruction index inside one function (before assembly).
pub(super) type Target = u32;

/// One instruction before assembly.
#[derive(Clone, Copy, Debug)]
pub(super) struct Instr {
    pub(super) op: Op,
    pub(super) args: Args,
    /// A loop header: charges one unit of fuel before it runs.
    pub(super) charge: bool,
}

impl Instr {
    pub(super) fn new(op: Op, args: Args) -> Instr {
        debug_assert_eq!(op.shape(), args.shape(), "{op:?}");
        Instr {
            op,
            args,
            charge: false,
        }
    }
}

/// Where an instruction starts in the stream and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Start {
    /// Word offset of its handler.
    pub(super) at: u32,
    pub(super) op: Op,
    /// Its handler is the fuel-charging twin (a loop header).
    pub(super) charge: bool,
}

impl Start {
    /// The handler this instruction's first word must hold (its recording
    /// twin in code assembled to record tier paths).
    pub(super) fn handler(&self, recording: bool) -> super::dispatch::Handler {
        if recording {
            self.op.recording_handler(self.charge)
        } else if self.charge {
            self.op.charging_handler()
        } else {
            self.op.handler()
        }
    }
}

/// Integer comparisons.
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

/// The instructions of one comparison: value forms and compare-and-branch
/// forms, with a slot or an immediate on the right, for i32 and i64.
struct CmpOps {
    cmp: CmpOp,
    i32: [Op; 4],
    i64: [Op; 4],
}

macro_rules! cmp_table {
    ($($cmp:ident: $a:ident $b:ident $c:ident $d:ident, $e:ident $f:ident $g:ident $h:ident;)*) => {
        const CMP_OPS: &[CmpOps] = &[$(CmpOps {
            cmp: CmpOp::$cmp,
            i32: [Op::$a, Op::$b, Op::$c, Op::$d],
            i64: [Op::$e, Op::$f, Op::$g, Op::$h],
        },)*];
    };
}

// value, value with immediate, branch, branch with immediate
cmp_table! {
    Eq: I32Eq I32EqI BrI32Eq BrI32EqI, I64Eq I64EqI BrI64Eq BrI64EqI;
    Ne: I32Ne I32NeI BrI32Ne BrI32NeI, I64Ne I64NeI BrI64Ne BrI64NeI;
    LtS: I32LtS I32LtSI BrI32LtS BrI32LtSI, I64LtS I64LtSI BrI64LtS BrI64LtSI;
    LtU: I32LtU I32LtUI BrI32LtU BrI32LtUI, I64LtU I64LtUI BrI64LtU BrI64LtUI;
    GtS: I32GtS I32GtSI BrI32GtS BrI32GtSI, I64GtS I64GtSI BrI64GtS BrI64GtSI;
    GtU: I32GtU I32GtUI BrI32GtU BrI32GtUI, I64GtU I64GtUI BrI64GtU BrI64GtUI;
    LeS: I32LeS I32LeSI BrI32LeS BrI32LeSI, I64LeS I64LeSI BrI64LeS BrI64LeSI;
    LeU: I32LeU I32LeUI BrI32LeU BrI32LeUI, I64LeU I64LeUI BrI64LeU BrI64LeUI;
    GeS: I32GeS I32GeSI BrI32GeS BrI32GeSI, I64GeS I64GeSI BrI64GeS BrI64GeSI;
    GeU: I32GeU I32GeUI BrI32GeU BrI32GeUI, I64GeU I64GeUI BrI64GeU BrI64GeUI;
}

/// Which instruction of a comparison: the value or the branch form, with
/// the right operand in a slot or an immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CmpForm {
    Value,
    ValueImm,
    Branch,
    BranchImm,
}

impl CmpForm {
    const ALL: [CmpForm; 4] = [
        CmpForm::Value,
        CmpForm::ValueImm,
        CmpForm::Branch,
        CmpForm::BranchImm,
    ];
}

impl CmpOp {
    fn row(self) -> &'static CmpOps {
        CMP_OPS
            .iter()
            .find(|r| r.cmp == self)
            .expect("every comparison has a row")
    }

    /// The instruction of this comparison on i64 (`wide`) or i32 in `form`.
    pub(super) fn op(self, wide: bool, form: CmpForm) -> Op {
        let row = self.row();
        (if wide { row.i64 } else { row.i32 })[form as usize]
    }

    /// The comparison, width and form an instruction implements, if it is one.
    pub(super) fn of(op: Op) -> Option<(CmpOp, bool, CmpForm)> {
        CMP_OPS.iter().find_map(|r| {
            let find = |ops: [Op; 4]| ops.iter().position(|&o| o == op);
            find(r.i32)
                .map(|i| (r.cmp, false, CmpForm::ALL[i]))
                .or_else(|| find(r.i64).map(|i| (r.cmp, true, CmpForm::ALL[i])))
        })
    }

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
}

/// The four address forms of each access to memory 0 of 32 bits, and its
/// form for any memory (the fifth): a slot plus a constant,
/// a scaled slot plus a constant, a constant address, and a slot plus a
/// scaled slot plus a constant.
const MEM_FORMS: &[[Op; 5]] = &[
    [
        Op::I32Load,
        Op::I32LoadX,
        Op::I32LoadC,
        Op::I32LoadI,
        Op::I32LoadM,
    ],
    [
        Op::I64Load,
        Op::I64LoadX,
        Op::I64LoadC,
        Op::I64LoadI,
        Op::I64LoadM,
    ],
    [
        Op::I32Load8S,
        Op::I32Load8SX,
        Op::I32Load8SC,
        Op::I32Load8SI,
        Op::I32Load8SM,
    ],
    [
        Op::I32Load8U,
        Op::I32Load8UX,
        Op::I32Load8UC,
        Op::I32Load8UI,
        Op::I32Load8UM,
    ],
    [
        Op::I32Load16S,
        Op::I32Load16SX,
        Op::I32Load16SC,
        Op::I32Load16SI,
        Op::I32Load16SM,
    ],
    [
        Op::I32Load16U,
        Op::I32Load16UX,
        Op::I32Load16UC,
        Op::I32Load16UI,
        Op::I32Load16UM,
    ],
    [
        Op::I64Load8S,
        Op::I64Load8SX,
        Op::I64Load8SC,
        Op::I64Load8SI,
        Op::I64Load8SM,
    ],
    [
        Op::I64Load8U,
        Op::I64Load8UX,
        Op::I64Load8UC,
        Op::I64Load8UI,
        Op::I64Load8UM,
    ],
    [
        Op::I64Load16S,
        Op::I64Load16SX,
        Op::I64Load16SC,
        Op::I64Load16SI,
        Op::I64Load16SM,
    ],
    [
        Op::I64Load16U,
        Op::I64Load16UX,
        Op::I64Load16UC,
        Op::I64Load16UI,
        Op::I64Load16UM,
    ],
    [
        Op::I64Load32S,
        Op::I64Load32SX,
        Op::I64Load32SC,
        Op::I64Load32SI,
        Op::I64Load32SM,
    ],
    [
        Op::I64Load32U,
        Op::I64Load32UX,
        Op::I64Load32UC,
        Op::I64Load32UI,
        Op::I64Load32UM,
    ],
    [
        Op::Store8,
        Op::Store8X,
        Op::Store8C,
        Op::Store8I,
        Op::Store8M,
    ],
    [
        Op::Store16,
        Op::Store16X,
        Op::Store16C,
        Op::Store16I,
        Op::Store16M,
    ],
    [
        Op::Store32,
        Op::Store32X,
        Op::Store32C,
        Op::Store32I,
        Op::Store32M,
    ],
    [
        Op::Store64,
        Op::Store64X,
        Op::Store64C,
        Op::Store64I,
        Op::Store64M,
    ],
];

/// How a memory access finds its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AddrForm {
    /// `(slot + add) mod 2^32 + offset`.
    Plus,
    /// `((slot << shift) + add) mod 2^32 + offset`.
    Scaled,
    /// A constant.
    Const,
    /// `(p + (slot << shift) + add) mod 2^32 + offset`.
    Indexed,
    /// `slot + offset` in any memory, with 32- or 64-bit addresses.
    Any,
}

/// The instruction of memory access `op` (its first form) in `form`.
pub(super) fn mem_op(op: Op, form: AddrForm) -> Op {
    MEM_FORMS
        .iter()
        .find(|r| r[0] == op)
        .expect("every memory access has its forms")[form as usize]
}
