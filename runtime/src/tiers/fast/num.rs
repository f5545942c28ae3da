//! Numeric semantics of the fast tier, as a table from wasm operator to
//! the raw-slot function (or specialised instruction) that implements it.
//!
//! Written independently of the other tiers on purpose: tiers are
//! separate witnesses, and the spec suite guards what they share.

use super::ir::{BinFn, BinTrapFn, CmpOp, Instr, Rri, Rrr, UnFn, UnTrapFn};
use crate::trap::TrapCode;
use crate::values::NULL_REF;
use wasmparser::Operator as Op;

/// How the translator lowers one numeric operator.
pub(super) enum Num {
    Un(UnFn),
    Bin(BinFn),
    UnTrap(UnTrapFn),
    BinTrap(BinTrapFn),
    Cmp32(CmpOp),
    Cmp64(CmpOp),
    Eqz32,
    Eqz64,
    Add32,
    Sub32,
    Add64,
    Sub64,
    /// A hot operation with its own instruction, and its immediate form if any.
    Alu(fn(Rrr) -> Instr, Option<fn(Rri) -> Instr>),
    /// The raw slot is already the result (reinterpretations, `i64.extend_i32_u`).
    Nop,
}

fn f32v(r: u64) -> f32 {
    f32::from_bits(r as u32)
}
fn f64v(r: u64) -> f64 {
    f64::from_bits(r)
}
fn r32(v: f32) -> u64 {
    v.to_bits() as u64
}
fn r64(v: f64) -> u64 {
    v.to_bits()
}

/// Rounding and square root must return a quiet NaN for NaN input.
fn q32(v: f32) -> u64 {
    let b = v.to_bits();
    (if v.is_nan() { b | 0x0040_0000 } else { b }) as u64
}
fn q64(v: f64) -> u64 {
    let b = v.to_bits();
    if v.is_nan() {
        b | 0x0008_0000_0000_0000
    } else {
        b
    }
}

macro_rules! float_min_max {
    ($min:ident, $max:ident, $t:ty) => {
        fn $min(a: $t, b: $t) -> $t {
            match (a.is_nan() || b.is_nan(), a == b) {
                (true, _) => a + b,
                // -0 is less than +0: OR keeps a sign bit.
                (false, true) => <$t>::from_bits(a.to_bits() | b.to_bits()),
                (false, false) => a.min(b),
            }
        }
        fn $max(a: $t, b: $t) -> $t {
            match (a.is_nan() || b.is_nan(), a == b) {
                (true, _) => a + b,
                (false, true) => <$t>::from_bits(a.to_bits() & b.to_bits()),
                (false, false) => a.max(b),
            }
        }
    };
}
float_min_max!(min32, max32, f32);
float_min_max!(min64, max64, f64);

/// Truncation toward zero that traps outside `(lo, hi)` (exclusive bounds,
/// exact as f64): every f32 and every bound we need is exact in f64.
fn trunc(v: f64, lo: f64, hi: f64) -> Result<f64, TrapCode> {
    if v.is_nan() {
        Err(TrapCode::InvalidConversionToInteger)
    } else if v <= lo || v >= hi {
        Err(TrapCode::IntegerOverflow)
    } else {
        Ok(v.trunc())
    }
}

const I32_LO: f64 = -2147483649.0;
const I32_HI: f64 = 2147483648.0;
const U32_HI: f64 = 4294967296.0;
const I64_LO: f64 = -9223372036854777856.0;
const I64_HI: f64 = 9223372036854775808.0;
const U64_HI: f64 = 18446744073709551616.0;

fn div_zero<T>() -> Result<T, TrapCode> {
    Err(TrapCode::IntegerDivideByZero)
}

/// The lowering of a numeric operator, or `None` if `op` is not numeric.
pub(super) fn numeric(op: &Op<'_>) -> Option<Num> {
    use Num::*;
    Some(match op {
        Op::I32Eqz => Eqz32,
        Op::I32Eq => Cmp32(CmpOp::Eq),
        Op::I32Ne => Cmp32(CmpOp::Ne),
        Op::I32LtS => Cmp32(CmpOp::LtS),
        Op::I32LtU => Cmp32(CmpOp::LtU),
        Op::I32GtS => Cmp32(CmpOp::GtS),
        Op::I32GtU => Cmp32(CmpOp::GtU),
        Op::I32LeS => Cmp32(CmpOp::LeS),
        Op::I32LeU => Cmp32(CmpOp::LeU),
        Op::I32GeS => Cmp32(CmpOp::GeS),
        Op::I32GeU => Cmp32(CmpOp::GeU),
        Op::I64Eqz => Eqz64,
        Op::I64Eq => Cmp64(CmpOp::Eq),
        Op::I64Ne => Cmp64(CmpOp::Ne),
        Op::I64LtS => Cmp64(CmpOp::LtS),
        Op::I64LtU => Cmp64(CmpOp::LtU),
        Op::I64GtS => Cmp64(CmpOp::GtS),
        Op::I64GtU => Cmp64(CmpOp::GtU),
        Op::I64LeS => Cmp64(CmpOp::LeS),
        Op::I64LeU => Cmp64(CmpOp::LeU),
        Op::I64GeS => Cmp64(CmpOp::GeS),
        Op::I64GeU => Cmp64(CmpOp::GeU),
        Op::F32Eq => Bin(|a, b| (f32v(a) == f32v(b)) as u64),
        Op::F32Ne => Bin(|a, b| (f32v(a) != f32v(b)) as u64),
        Op::F32Lt => Bin(|a, b| (f32v(a) < f32v(b)) as u64),
        Op::F32Gt => Bin(|a, b| (f32v(a) > f32v(b)) as u64),
        Op::F32Le => Bin(|a, b| (f32v(a) <= f32v(b)) as u64),
        Op::F32Ge => Bin(|a, b| (f32v(a) >= f32v(b)) as u64),
        Op::F64Eq => Bin(|a, b| (f64v(a) == f64v(b)) as u64),
        Op::F64Ne => Bin(|a, b| (f64v(a) != f64v(b)) as u64),
        Op::F64Lt => Bin(|a, b| (f64v(a) < f64v(b)) as u64),
        Op::F64Gt => Bin(|a, b| (f64v(a) > f64v(b)) as u64),
        Op::F64Le => Bin(|a, b| (f64v(a) <= f64v(b)) as u64),
        Op::F64Ge => Bin(|a, b| (f64v(a) >= f64v(b)) as u64),

        Op::I32Clz => Un(|a| (a as u32).leading_zeros() as u64),
        Op::I32Ctz => Un(|a| (a as u32).trailing_zeros() as u64),
        Op::I32Popcnt => Un(|a| (a as u32).count_ones() as u64),
        Op::I32Add => Add32,
        Op::I32Sub => Sub32,
        Op::I32Mul => Alu(Instr::I32Mul, Some(Instr::I32MulImm)),
        Op::I32DivS => BinTrap(|a, b| {
            let (a, b) = (a as i32, b as i32);
            match (a, b) {
                (_, 0) => div_zero(),
                (i32::MIN, -1) => Err(TrapCode::IntegerOverflow),
                _ => Ok((a / b) as u32 as u64),
            }
        }),
        Op::I32DivU => BinTrap(|a, b| match b as u32 {
            0 => div_zero(),
            b => Ok(((a as u32) / b) as u64),
        }),
        Op::I32RemS => BinTrap(|a, b| match b as i32 {
            0 => div_zero(),
            b => Ok((a as i32).wrapping_rem(b) as u32 as u64),
        }),
        Op::I32RemU => BinTrap(|a, b| match b as u32 {
            0 => div_zero(),
            b => Ok(((a as u32) % b) as u64),
        }),
        Op::I32And => Alu(Instr::I32And, Some(Instr::I32AndImm)),
        Op::I32Or => Alu(Instr::I32Or, Some(Instr::I32OrImm)),
        Op::I32Xor => Alu(Instr::I32Xor, Some(Instr::I32XorImm)),
        Op::I32Shl => Alu(Instr::I32Shl, Some(Instr::I32ShlImm)),
        Op::I32ShrS => Alu(Instr::I32ShrS, Some(Instr::I32ShrSImm)),
        Op::I32ShrU => Alu(Instr::I32ShrU, Some(Instr::I32ShrUImm)),
        Op::I32Rotl => Bin(|a, b| (a as u32).rotate_left(b as u32 & 31) as u64),
        Op::I32Rotr => Bin(|a, b| (a as u32).rotate_right(b as u32 & 31) as u64),

        Op::I64Clz => Un(|a| a.leading_zeros() as u64),
        Op::I64Ctz => Un(|a| a.trailing_zeros() as u64),
        Op::I64Popcnt => Un(|a| a.count_ones() as u64),
        Op::I64Add => Add64,
        Op::I64Sub => Sub64,
        Op::I64Mul => Alu(Instr::I64Mul, Some(Instr::I64MulImm)),
        Op::I64DivS => BinTrap(|a, b| {
            let (a, b) = (a as i64, b as i64);
            match (a, b) {
                (_, 0) => div_zero(),
                (i64::MIN, -1) => Err(TrapCode::IntegerOverflow),
                _ => Ok((a / b) as u64),
            }
        }),
        Op::I64DivU => BinTrap(|a, b| a.checked_div(b).map_or_else(div_zero, Ok)),
        Op::I64RemS => BinTrap(|a, b| match b as i64 {
            0 => div_zero(),
            b => Ok((a as i64).wrapping_rem(b) as u64),
        }),
        Op::I64RemU => BinTrap(|a, b| a.checked_rem(b).map_or_else(div_zero, Ok)),
        Op::I64And => Alu(Instr::I64And, Some(Instr::I64AndImm)),
        Op::I64Or => Alu(Instr::I64Or, Some(Instr::I64OrImm)),
        Op::I64Xor => Alu(Instr::I64Xor, Some(Instr::I64XorImm)),
        Op::I64Shl => Alu(Instr::I64Shl, Some(Instr::I64ShlImm)),
        Op::I64ShrS => Alu(Instr::I64ShrS, Some(Instr::I64ShrSImm)),
        Op::I64ShrU => Alu(Instr::I64ShrU, Some(Instr::I64ShrUImm)),
        Op::I64Rotl => Bin(|a, b| a.rotate_left((b & 63) as u32)),
        Op::I64Rotr => Bin(|a, b| a.rotate_right((b & 63) as u32)),

        Op::F32Abs => Un(|a| a & 0x7fff_ffff),
        Op::F32Neg => Un(|a| (a ^ 0x8000_0000) & 0xffff_ffff),
        Op::F32Ceil => Un(|a| q32(f32v(a).ceil())),
        Op::F32Floor => Un(|a| q32(f32v(a).floor())),
        Op::F32Trunc => Un(|a| q32(f32v(a).trunc())),
        Op::F32Nearest => Un(|a| q32(f32v(a).round_ties_even())),
        Op::F32Sqrt => Un(|a| q32(f32v(a).sqrt())),
        Op::F32Add => Alu(Instr::F32Add, None),
        Op::F32Sub => Alu(Instr::F32Sub, None),
        Op::F32Mul => Alu(Instr::F32Mul, None),
        Op::F32Div => Alu(Instr::F32Div, None),
        Op::F32Min => Bin(|a, b| r32(min32(f32v(a), f32v(b)))),
        Op::F32Max => Bin(|a, b| r32(max32(f32v(a), f32v(b)))),
        Op::F32Copysign => Bin(|a, b| (a & 0x7fff_ffff) | (b & 0x8000_0000)),

        Op::F64Abs => Un(|a| a & 0x7fff_ffff_ffff_ffff),
        Op::F64Neg => Un(|a| a ^ 0x8000_0000_0000_0000),
        Op::F64Ceil => Un(|a| q64(f64v(a).ceil())),
        Op::F64Floor => Un(|a| q64(f64v(a).floor())),
        Op::F64Trunc => Un(|a| q64(f64v(a).trunc())),
        Op::F64Nearest => Un(|a| q64(f64v(a).round_ties_even())),
        Op::F64Sqrt => Un(|a| q64(f64v(a).sqrt())),
        Op::F64Add => Alu(Instr::F64Add, None),
        Op::F64Sub => Alu(Instr::F64Sub, None),
        Op::F64Mul => Alu(Instr::F64Mul, None),
        Op::F64Div => Alu(Instr::F64Div, None),
        Op::F64Min => Bin(|a, b| r64(min64(f64v(a), f64v(b)))),
        Op::F64Max => Bin(|a, b| r64(max64(f64v(a), f64v(b)))),
        Op::F64Copysign => Bin(|a, b| (a & 0x7fff_ffff_ffff_ffff) | (b & 0x8000_0000_0000_0000)),

        Op::I32WrapI64 => Un(|a| a & 0xffff_ffff),
        Op::I32TruncF32S => {
            UnTrap(|a| Ok(trunc(f32v(a) as f64, I32_LO, I32_HI)? as i32 as u32 as u64))
        }
        Op::I32TruncF32U => UnTrap(|a| Ok(trunc(f32v(a) as f64, -1.0, U32_HI)? as u32 as u64)),
        Op::I32TruncF64S => UnTrap(|a| Ok(trunc(f64v(a), I32_LO, I32_HI)? as i32 as u32 as u64)),
        Op::I32TruncF64U => UnTrap(|a| Ok(trunc(f64v(a), -1.0, U32_HI)? as u32 as u64)),
        Op::I64ExtendI32S => Un(|a| a as u32 as i32 as i64 as u64),
        Op::I64ExtendI32U => Nop,
        Op::I64TruncF32S => UnTrap(|a| Ok(trunc(f32v(a) as f64, I64_LO, I64_HI)? as i64 as u64)),
        Op::I64TruncF32U => UnTrap(|a| Ok(trunc(f32v(a) as f64, -1.0, U64_HI)? as u64)),
        Op::I64TruncF64S => UnTrap(|a| Ok(trunc(f64v(a), I64_LO, I64_HI)? as i64 as u64)),
        Op::I64TruncF64U => UnTrap(|a| Ok(trunc(f64v(a), -1.0, U64_HI)? as u64)),
        Op::F32ConvertI32S => Un(|a| r32(a as u32 as i32 as f32)),
        Op::F32ConvertI32U => Un(|a| r32(a as u32 as f32)),
        Op::F32ConvertI64S => Un(|a| r32(a as i64 as f32)),
        Op::F32ConvertI64U => Un(|a| r32(a as f32)),
        Op::F32DemoteF64 => Un(|a| r32(f64v(a) as f32)),
        Op::F64ConvertI32S => Un(|a| r64(a as u32 as i32 as f64)),
        Op::F64ConvertI32U => Un(|a| r64(a as u32 as f64)),
        Op::F64ConvertI64S => Un(|a| r64(a as i64 as f64)),
        Op::F64ConvertI64U => Un(|a| r64(a as f64)),
        Op::F64PromoteF32 => Un(|a| r64(f32v(a) as f64)),
        Op::I32ReinterpretF32
        | Op::I64ReinterpretF64
        | Op::F32ReinterpretI32
        | Op::F64ReinterpretI64 => Nop,

        Op::I32Extend8S => Un(|a| a as i8 as i32 as u32 as u64),
        Op::I32Extend16S => Un(|a| a as i16 as i32 as u32 as u64),
        Op::I64Extend8S => Un(|a| a as i8 as i64 as u64),
        Op::I64Extend16S => Un(|a| a as i16 as i64 as u64),
        Op::I64Extend32S => Un(|a| a as i32 as i64 as u64),

        // Rust's saturating float-to-int `as` is exactly wasm's trunc_sat.
        Op::I32TruncSatF32S => Un(|a| f32v(a) as i32 as u32 as u64),
        Op::I32TruncSatF32U => Un(|a| f32v(a) as u32 as u64),
        Op::I32TruncSatF64S => Un(|a| f64v(a) as i32 as u32 as u64),
        Op::I32TruncSatF64U => Un(|a| f64v(a) as u32 as u64),
        Op::I64TruncSatF32S => Un(|a| f32v(a) as i64 as u64),
        Op::I64TruncSatF32U => Un(|a| f32v(a) as u64),
        Op::I64TruncSatF64S => Un(|a| f64v(a) as i64 as u64),
        Op::I64TruncSatF64U => Un(|a| f64v(a) as u64),

        Op::RefIsNull => Un(|a| (a == NULL_REF) as u64),
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
