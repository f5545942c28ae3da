//! Numeric semantics of the fast tier: the lowering of every numeric wasm
//! operator to an instruction of the [`ops`](super::ops) table, and the
//! helpers whose semantics need more than one expression.
//!
//! Written independently of the other tiers on purpose: tiers are
//! separate witnesses, and the spec suite guards what they share.

use super::ir::CmpOp;
use super::ops::Op;
use crate::trap::TrapCode;
use wasmparser::Operator as O;

/// How the translator lowers one numeric operator.
pub(super) enum Num {
    Un(Op),
    /// A binary instruction, and its form with an immediate right operand if any.
    Bin(Op, Option<Op>),
    /// Subtraction: with a constant right operand, an add of its negation.
    Sub {
        reg: Op,
        add_imm: Op,
        wide: bool,
    },
    /// An integer comparison (`true`: i64).
    Cmp(CmpOp, bool),
    /// `eqz` (`true`: i64): a comparison with immediate 0.
    Eqz(bool),
    /// The raw slot is already the result (reinterpretations, `i64.extend_i32_u`).
    Nop,
}

/// The NaN rule ([`crate::nan`]): an arithmetic result that is NaN is the
/// positive canonical NaN. Chosen on the integer bits: LLVM may turn
/// "NaN ? constant NaN : value" on floats back into the value.
#[inline(always)]
pub(super) fn c32(v: f32) -> f32 {
    let bits = v.to_bits();
    f32::from_bits(if bits << 1 > 0xff00_0000 {
        crate::nan::F32
    } else {
        bits
    })
}

#[inline(always)]
pub(super) fn c64(v: f64) -> f64 {
    let bits = v.to_bits();
    f64::from_bits(if bits << 1 > 0xffe0_0000_0000_0000 {
        crate::nan::F64
    } else {
        bits
    })
}

/// `f64.div` (fault `fast-div-nan-negative`: a NaN quotient with its sign
/// set, as x86's default NaN has).
#[inline(always)]
pub(super) fn div64(a: f64, b: f64) -> f64 {
    let q = c64(a / b);
    if crate::fault::active(crate::fault::Fault::FastDivNanNegative) && q.is_nan() {
        -q
    } else {
        q
    }
}

macro_rules! float_min_max {
    ($min:ident, $max:ident, $t:ty, $canon:ident) => {
        pub(super) fn $min(a: $t, b: $t) -> $t {
            match (a.is_nan() || b.is_nan(), a == b) {
                (true, _) => $canon(a + b),
                // -0 is less than +0: OR keeps a sign bit.
                (false, true) => <$t>::from_bits(a.to_bits() | b.to_bits()),
                (false, false) => a.min(b),
            }
        }
        pub(super) fn $max(a: $t, b: $t) -> $t {
            match (a.is_nan() || b.is_nan(), a == b) {
                (true, _) => $canon(a + b),
                (false, true) => <$t>::from_bits(a.to_bits() & b.to_bits()),
                (false, false) => a.max(b),
            }
        }
    };
}
float_min_max!(min32, max32, f32, c32);
float_min_max!(min64, max64, f64, c64);

/// Truncation toward zero that traps outside `(lo, hi)` (exclusive bounds,
/// exact as f64): every f32 and every bound we need is exact in f64.
pub(super) fn trunc(v: f64, lo: f64, hi: f64) -> Result<f64, TrapCode> {
    if v.is_nan() {
        Err(TrapCode::InvalidConversionToInteger)
    } else if v <= lo || v >= hi {
        Err(TrapCode::IntegerOverflow)
    } else {
        Ok(v.trunc())
    }
}

pub(super) const I32_LO: f64 = -2147483649.0;
pub(super) const I32_HI: f64 = 2147483648.0;
pub(super) const U32_HI: f64 = 4294967296.0;
pub(super) const I64_LO: f64 = -9223372036854777856.0;
pub(super) const I64_HI: f64 = 9223372036854775808.0;
pub(super) const U64_HI: f64 = 18446744073709551616.0;

pub(super) fn i32_div_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    match (a, b) {
        (_, 0) => Err(TrapCode::IntegerDivideByZero),
        (i32::MIN, -1) => Err(TrapCode::IntegerOverflow),
        _ => Ok(a / b),
    }
}

pub(super) fn i32_div_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
}

pub(super) fn i32_rem_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    match b {
        0 => Err(TrapCode::IntegerDivideByZero),
        b => Ok(a.wrapping_rem(b)),
    }
}

pub(super) fn i32_rem_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
}

pub(super) fn i64_div_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    match (a, b) {
        (_, 0) => Err(TrapCode::IntegerDivideByZero),
        (i64::MIN, -1) => Err(TrapCode::IntegerOverflow),
        _ => Ok(a / b),
    }
}

pub(super) fn i64_div_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
}

pub(super) fn i64_rem_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    match b {
        0 => Err(TrapCode::IntegerDivideByZero),
        b => Ok(a.wrapping_rem(b)),
    }
}

pub(super) fn i64_rem_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
}

/// `i64.shr_u` (`wrapping_shr` masks the count to 6 bits; the
/// `fast-i64-shr-u-mask` fault masks it to 5).
pub(super) fn i64_shr_u(a: u64, b: u64) -> u64 {
    if crate::fault::active(crate::fault::Fault::FastI64ShrUMask) {
        a.wrapping_shr(b as u32 & 31)
    } else {
        a.wrapping_shr(b as u32)
    }
}

/// The lowering of a numeric operator, or `None` if `op` is not numeric.
pub(super) fn numeric(op: &O<'_>) -> Option<Num> {
    use Num::*;
    Some(match op {
        O::I32Eqz => Eqz(false),
        O::I32Eq => Cmp(CmpOp::Eq, false),
        O::I32Ne => Cmp(CmpOp::Ne, false),
        O::I32LtS => Cmp(CmpOp::LtS, false),
        O::I32LtU => Cmp(CmpOp::LtU, false),
        O::I32GtS => Cmp(CmpOp::GtS, false),
        O::I32GtU => Cmp(CmpOp::GtU, false),
        O::I32LeS => Cmp(CmpOp::LeS, false),
        O::I32LeU => Cmp(CmpOp::LeU, false),
        O::I32GeS => Cmp(CmpOp::GeS, false),
        O::I32GeU => Cmp(CmpOp::GeU, false),
        O::I64Eqz => Eqz(true),
        O::I64Eq => Cmp(CmpOp::Eq, true),
        O::I64Ne => Cmp(CmpOp::Ne, true),
        O::I64LtS => Cmp(CmpOp::LtS, true),
        O::I64LtU => Cmp(CmpOp::LtU, true),
        O::I64GtS => Cmp(CmpOp::GtS, true),
        O::I64GtU => Cmp(CmpOp::GtU, true),
        O::I64LeS => Cmp(CmpOp::LeS, true),
        O::I64LeU => Cmp(CmpOp::LeU, true),
        O::I64GeS => Cmp(CmpOp::GeS, true),
        O::I64GeU => Cmp(CmpOp::GeU, true),
        O::F32Eq => Bin(Op::F32Eq, None),
        O::F32Ne => Bin(Op::F32Ne, None),
        O::F32Lt => Bin(Op::F32Lt, None),
        O::F32Gt => Bin(Op::F32Gt, None),
        O::F32Le => Bin(Op::F32Le, None),
        O::F32Ge => Bin(Op::F32Ge, None),
        O::F64Eq => Bin(Op::F64Eq, None),
        O::F64Ne => Bin(Op::F64Ne, None),
        O::F64Lt => Bin(Op::F64Lt, None),
        O::F64Gt => Bin(Op::F64Gt, None),
        O::F64Le => Bin(Op::F64Le, None),
        O::F64Ge => Bin(Op::F64Ge, None),

        O::I32Clz => Un(Op::I32Clz),
        O::I32Ctz => Un(Op::I32Ctz),
        O::I32Popcnt => Un(Op::I32Popcnt),
        O::I32Add => Bin(Op::I32Add, Some(Op::I32AddI)),
        O::I32Sub => Sub {
            reg: Op::I32Sub,
            add_imm: Op::I32AddI,
            wide: false,
        },
        O::I32Mul => Bin(Op::I32Mul, Some(Op::I32MulI)),
        O::I32DivS => Bin(Op::I32DivS, None),
        O::I32DivU => Bin(Op::I32DivU, None),
        O::I32RemS => Bin(Op::I32RemS, None),
        O::I32RemU => Bin(Op::I32RemU, None),
        O::I32And => Bin(Op::I32And, Some(Op::I32AndI)),
        O::I32Or => Bin(Op::I32Or, Some(Op::I32OrI)),
        O::I32Xor => Bin(Op::I32Xor, Some(Op::I32XorI)),
        O::I32Shl => Bin(Op::I32Shl, Some(Op::I32ShlI)),
        O::I32ShrS => Bin(Op::I32ShrS, Some(Op::I32ShrSI)),
        O::I32ShrU => Bin(Op::I32ShrU, Some(Op::I32ShrUI)),
        O::I32Rotl => Bin(Op::I32Rotl, Some(Op::I32RotlI)),
        O::I32Rotr => Bin(Op::I32Rotr, Some(Op::I32RotrI)),

        O::I64Clz => Un(Op::I64Clz),
        O::I64Ctz => Un(Op::I64Ctz),
        O::I64Popcnt => Un(Op::I64Popcnt),
        O::I64Add => Bin(Op::I64Add, Some(Op::I64AddI)),
        O::I64Sub => Sub {
            reg: Op::I64Sub,
            add_imm: Op::I64AddI,
            wide: true,
        },
        O::I64Mul => Bin(Op::I64Mul, Some(Op::I64MulI)),
        O::I64DivS => Bin(Op::I64DivS, None),
        O::I64DivU => Bin(Op::I64DivU, None),
        O::I64RemS => Bin(Op::I64RemS, None),
        O::I64RemU => Bin(Op::I64RemU, None),
        O::I64And => Bin(Op::I64And, Some(Op::I64AndI)),
        O::I64Or => Bin(Op::I64Or, Some(Op::I64OrI)),
        O::I64Xor => Bin(Op::I64Xor, Some(Op::I64XorI)),
        O::I64Shl => Bin(Op::I64Shl, Some(Op::I64ShlI)),
        O::I64ShrS => Bin(Op::I64ShrS, Some(Op::I64ShrSI)),
        O::I64ShrU => Bin(Op::I64ShrU, Some(Op::I64ShrUI)),
        O::I64Rotl => Bin(Op::I64Rotl, Some(Op::I64RotlI)),
        O::I64Rotr => Bin(Op::I64Rotr, Some(Op::I64RotrI)),

        O::F32Abs => Un(Op::F32Abs),
        O::F32Neg => Un(Op::F32Neg),
        O::F32Ceil => Un(Op::F32Ceil),
        O::F32Floor => Un(Op::F32Floor),
        O::F32Trunc => Un(Op::F32Trunc),
        O::F32Nearest => Un(Op::F32Nearest),
        O::F32Sqrt => Un(Op::F32Sqrt),
        O::F32Add => Bin(Op::F32Add, Some(Op::F32AddI)),
        O::F32Sub => Bin(Op::F32Sub, Some(Op::F32SubI)),
        O::F32Mul => Bin(Op::F32Mul, Some(Op::F32MulI)),
        O::F32Div => Bin(Op::F32Div, Some(Op::F32DivI)),
        O::F32Min => Bin(Op::F32Min, None),
        O::F32Max => Bin(Op::F32Max, None),
        O::F32Copysign => Bin(Op::F32Copysign, None),

        O::F64Abs => Un(Op::F64Abs),
        O::F64Neg => Un(Op::F64Neg),
        O::F64Ceil => Un(Op::F64Ceil),
        O::F64Floor => Un(Op::F64Floor),
        O::F64Trunc => Un(Op::F64Trunc),
        O::F64Nearest => Un(Op::F64Nearest),
        O::F64Sqrt => Un(Op::F64Sqrt),
        O::F64Add => Bin(Op::F64Add, Some(Op::F64AddI)),
        O::F64Sub => Bin(Op::F64Sub, Some(Op::F64SubI)),
        O::F64Mul => Bin(Op::F64Mul, Some(Op::F64MulI)),
        O::F64Div => Bin(Op::F64Div, Some(Op::F64DivI)),
        O::F64Min => Bin(Op::F64Min, None),
        O::F64Max => Bin(Op::F64Max, None),
        O::F64Copysign => Bin(Op::F64Copysign, None),

        O::I32WrapI64 => Un(Op::I32WrapI64),
        O::I32TruncF32S => Un(Op::I32TruncF32S),
        O::I32TruncF32U => Un(Op::I32TruncF32U),
        O::I32TruncF64S => Un(Op::I32TruncF64S),
        O::I32TruncF64U => Un(Op::I32TruncF64U),
        O::I64ExtendI32S => Un(Op::I64ExtendI32S),
        O::I64ExtendI32U => Nop,
        O::I64TruncF32S => Un(Op::I64TruncF32S),
        O::I64TruncF32U => Un(Op::I64TruncF32U),
        O::I64TruncF64S => Un(Op::I64TruncF64S),
        O::I64TruncF64U => Un(Op::I64TruncF64U),
        O::F32ConvertI32S => Un(Op::F32ConvertI32S),
        O::F32ConvertI32U => Un(Op::F32ConvertI32U),
        O::F32ConvertI64S => Un(Op::F32ConvertI64S),
        O::F32ConvertI64U => Un(Op::F32ConvertI64U),
        O::F32DemoteF64 => Un(Op::F32DemoteF64),
        O::F64ConvertI32S => Un(Op::F64ConvertI32S),
        O::F64ConvertI32U => Un(Op::F64ConvertI32U),
        O::F64ConvertI64S => Un(Op::F64ConvertI64S),
        O::F64ConvertI64U => Un(Op::F64ConvertI64U),
        O::F64PromoteF32 => Un(Op::F64PromoteF32),
        O::I32ReinterpretF32
        | O::I64ReinterpretF64
        | O::F32ReinterpretI32
        | O::F64ReinterpretI64 => Nop,

        O::I32Extend8S => Un(Op::I32Extend8S),
        O::I32Extend16S => Un(Op::I32Extend16S),
        O::I64Extend8S => Un(Op::I64Extend8S),
        O::I64Extend16S => Un(Op::I64Extend16S),
        O::I64Extend32S => Un(Op::I64Extend32S),

        O::I32TruncSatF32S => Un(Op::I32TruncSatF32S),
        O::I32TruncSatF32U => Un(Op::I32TruncSatF32U),
        O::I32TruncSatF64S => Un(Op::I32TruncSatF64S),
        O::I32TruncSatF64U => Un(Op::I32TruncSatF64U),
        O::I64TruncSatF32S => Un(Op::I64TruncSatF32S),
        O::I64TruncSatF32U => Un(Op::I64TruncSatF32U),
        O::I64TruncSatF64S => Un(Op::I64TruncSatF64S),
        O::I64TruncSatF64U => Un(Op::I64TruncSatF64U),

        O::RefIsNull => Un(Op::RefIsNull),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunc_bounds_are_exclusive_and_exact() {
        assert_eq!(trunc(2147483647.9, I32_LO, I32_HI), Ok(2147483647.0));
        assert_eq!(
            trunc(2147483648.0, I32_LO, I32_HI),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(trunc(-0.99, -1.0, U32_HI), Ok(-0.0));
        assert_eq!(trunc(-1.0, -1.0, U32_HI), Err(TrapCode::IntegerOverflow));
        assert_eq!(
            trunc(f64::NAN, I64_LO, I64_HI),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(
            trunc(9223372036854775808.0, I64_LO, I64_HI),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            trunc(-9223372036854775808.0, I64_LO, I64_HI),
            Ok(-9223372036854775808.0)
        );
    }

    #[test]
    fn min_max_sign_of_zero() {
        assert!(min32(0.0, -0.0).is_sign_negative());
        assert!(max64(-0.0, 0.0).is_sign_positive());
        assert!(min64(f64::NAN, 0.0).is_nan());
    }
}
