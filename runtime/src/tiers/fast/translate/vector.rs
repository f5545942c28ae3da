//! Lowering of the `v128` instructions.
//!
//! A `v128` is two virtual-stack entries (low half, then high half, marked
//! as such), so it lives in two consecutive slots like every `v128` of this
//! tier; [`Translator::pop_v`] hands an instruction the first of them.

use super::{Entry, Translator};
use crate::tiers::fast::ops::Op;
use crate::tiers::fast::shapes::{self as sh, Args};
use wasmparser::{MemArg, Operator as O};

/// What a `v128` memory instruction does with its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    Load,
    /// Loads one lane into a vector operand.
    LaneLoad,
    /// Stores the vector operand (or one lane of it).
    Store,
}

impl Translator<'_> {
    /// Lowers a SIMD operator; `false` if `op` is not one.
    pub(super) fn simd(&mut self, op: &O<'_>) -> bool {
        let op = op.clone();
        match op {
            O::GlobalGet { global_index } if self.global_is_v128(global_index) => {
                let dst = self.push_v();
                self.emit(
                    Op::GlobalGetV,
                    Args::VGet(sh::VGet {
                        dst,
                        idx: global_index,
                    }),
                );
            }
            O::GlobalSet { global_index } if self.global_is_v128(global_index) => {
                let src = self.pop_v();
                self.emit(
                    Op::GlobalSetV,
                    Args::VPut(sh::VPut {
                        src,
                        idx: global_index,
                    }),
                );
            }
            O::V128Const { value } => {
                let v = value.i128() as u128;
                self.push(Entry::Const(v as u64));
                self.push_hi(Entry::Const((v >> 64) as u64));
            }
            O::I8x16Shuffle { lanes } => self.v_shuffle(lanes),
            O::V128Load { memarg } => self.v_mem(Op::V128Load, &memarg, 0, Access::Load),
            O::V128Load8x8S { memarg } => self.v_mem(Op::V128Load8x8S, &memarg, 0, Access::Load),
            O::V128Load8x8U { memarg } => self.v_mem(Op::V128Load8x8U, &memarg, 0, Access::Load),
            O::V128Load16x4S { memarg } => self.v_mem(Op::V128Load16x4S, &memarg, 0, Access::Load),
            O::V128Load16x4U { memarg } => self.v_mem(Op::V128Load16x4U, &memarg, 0, Access::Load),
            O::V128Load32x2S { memarg } => self.v_mem(Op::V128Load32x2S, &memarg, 0, Access::Load),
            O::V128Load32x2U { memarg } => self.v_mem(Op::V128Load32x2U, &memarg, 0, Access::Load),
            O::V128Load8Splat { memarg } => {
                self.v_mem(Op::V128Load8Splat, &memarg, 0, Access::Load)
            }
            O::V128Load16Splat { memarg } => {
                self.v_mem(Op::V128Load16Splat, &memarg, 0, Access::Load)
            }
            O::V128Load32Splat { memarg } => {
                self.v_mem(Op::V128Load32Splat, &memarg, 0, Access::Load)
            }
            O::V128Load64Splat { memarg } => {
                self.v_mem(Op::V128Load64Splat, &memarg, 0, Access::Load)
            }
            O::V128Load32Zero { memarg } => {
                self.v_mem(Op::V128Load32Zero, &memarg, 0, Access::Load)
            }
            O::V128Load64Zero { memarg } => {
                self.v_mem(Op::V128Load64Zero, &memarg, 0, Access::Load)
            }
            O::V128Load8Lane { memarg, lane } => {
                self.v_mem(Op::V128Load8Lane, &memarg, lane, Access::LaneLoad)
            }
            O::V128Load16Lane { memarg, lane } => {
                self.v_mem(Op::V128Load16Lane, &memarg, lane, Access::LaneLoad)
            }
            O::V128Load32Lane { memarg, lane } => {
                self.v_mem(Op::V128Load32Lane, &memarg, lane, Access::LaneLoad)
            }
            O::V128Load64Lane { memarg, lane } => {
                self.v_mem(Op::V128Load64Lane, &memarg, lane, Access::LaneLoad)
            }
            O::V128Store { memarg } => self.v_mem(Op::V128Store, &memarg, 0, Access::Store),
            O::V128Store8Lane { memarg, lane } => {
                self.v_mem(Op::V128Store8Lane, &memarg, lane, Access::Store)
            }
            O::V128Store16Lane { memarg, lane } => {
                self.v_mem(Op::V128Store16Lane, &memarg, lane, Access::Store)
            }
            O::V128Store32Lane { memarg, lane } => {
                self.v_mem(Op::V128Store32Lane, &memarg, lane, Access::Store)
            }
            O::V128Store64Lane { memarg, lane } => {
                self.v_mem(Op::V128Store64Lane, &memarg, lane, Access::Store)
            }
            O::V128Not => self.v_un(Op::V128Not),
            O::I8x16Abs => self.v_un(Op::I8x16Abs),
            O::I8x16Neg => self.v_un(Op::I8x16Neg),
            O::I16x8Abs => self.v_un(Op::I16x8Abs),
            O::I16x8Neg => self.v_un(Op::I16x8Neg),
            O::I32x4Abs => self.v_un(Op::I32x4Abs),
            O::I32x4Neg => self.v_un(Op::I32x4Neg),
            O::I64x2Abs => self.v_un(Op::I64x2Abs),
            O::I64x2Neg => self.v_un(Op::I64x2Neg),
            O::I8x16Popcnt => self.v_un(Op::I8x16Popcnt),
            O::I16x8ExtendLowI8x16S => self.v_un(Op::I16x8ExtendLowI8x16S),
            O::I16x8ExtendHighI8x16S => self.v_un(Op::I16x8ExtendHighI8x16S),
            O::I16x8ExtAddPairwiseI8x16S => self.v_un(Op::I16x8ExtAddPairwiseI8x16S),
            O::I16x8ExtendLowI8x16U => self.v_un(Op::I16x8ExtendLowI8x16U),
            O::I16x8ExtendHighI8x16U => self.v_un(Op::I16x8ExtendHighI8x16U),
            O::I16x8ExtAddPairwiseI8x16U => self.v_un(Op::I16x8ExtAddPairwiseI8x16U),
            O::I32x4ExtendLowI16x8S => self.v_un(Op::I32x4ExtendLowI16x8S),
            O::I32x4ExtendHighI16x8S => self.v_un(Op::I32x4ExtendHighI16x8S),
            O::I32x4ExtAddPairwiseI16x8S => self.v_un(Op::I32x4ExtAddPairwiseI16x8S),
            O::I32x4ExtendLowI16x8U => self.v_un(Op::I32x4ExtendLowI16x8U),
            O::I32x4ExtendHighI16x8U => self.v_un(Op::I32x4ExtendHighI16x8U),
            O::I32x4ExtAddPairwiseI16x8U => self.v_un(Op::I32x4ExtAddPairwiseI16x8U),
            O::I64x2ExtendLowI32x4S => self.v_un(Op::I64x2ExtendLowI32x4S),
            O::I64x2ExtendHighI32x4S => self.v_un(Op::I64x2ExtendHighI32x4S),
            O::I64x2ExtendLowI32x4U => self.v_un(Op::I64x2ExtendLowI32x4U),
            O::I64x2ExtendHighI32x4U => self.v_un(Op::I64x2ExtendHighI32x4U),
            O::F32x4Ceil => self.v_un(Op::F32x4Ceil),
            O::F32x4Floor => self.v_un(Op::F32x4Floor),
            O::F32x4Trunc => self.v_un(Op::F32x4Trunc),
            O::F32x4Nearest => self.v_un(Op::F32x4Nearest),
            O::F32x4Sqrt => self.v_un(Op::F32x4Sqrt),
            O::F32x4Abs => self.v_un(Op::F32x4Abs),
            O::F32x4Neg => self.v_un(Op::F32x4Neg),
            O::F64x2Ceil => self.v_un(Op::F64x2Ceil),
            O::F64x2Floor => self.v_un(Op::F64x2Floor),
            O::F64x2Trunc => self.v_un(Op::F64x2Trunc),
            O::F64x2Nearest => self.v_un(Op::F64x2Nearest),
            O::F64x2Sqrt => self.v_un(Op::F64x2Sqrt),
            O::F64x2Abs => self.v_un(Op::F64x2Abs),
            O::F64x2Neg => self.v_un(Op::F64x2Neg),
            O::I32x4TruncSatF32x4S => self.v_un(Op::I32x4TruncSatF32x4S),
            O::I32x4TruncSatF32x4U => self.v_un(Op::I32x4TruncSatF32x4U),
            O::F32x4ConvertI32x4S => self.v_un(Op::F32x4ConvertI32x4S),
            O::F32x4ConvertI32x4U => self.v_un(Op::F32x4ConvertI32x4U),
            O::I32x4TruncSatF64x2SZero => self.v_un(Op::I32x4TruncSatF64x2SZero),
            O::I32x4TruncSatF64x2UZero => self.v_un(Op::I32x4TruncSatF64x2UZero),
            O::F64x2ConvertLowI32x4S => self.v_un(Op::F64x2ConvertLowI32x4S),
            O::F64x2ConvertLowI32x4U => self.v_un(Op::F64x2ConvertLowI32x4U),
            O::F32x4DemoteF64x2Zero => self.v_un(Op::F32x4DemoteF64x2Zero),
            O::F64x2PromoteLowF32x4 => self.v_un(Op::F64x2PromoteLowF32x4),
            O::V128And => self.v_bin(Op::V128And),
            O::V128AndNot => self.v_bin(Op::V128AndNot),
            O::V128Or => self.v_bin(Op::V128Or),
            O::V128Xor => self.v_bin(Op::V128Xor),
            O::I8x16Swizzle => self.v_bin(Op::I8x16Swizzle),
            O::I8x16Eq => self.v_bin(Op::I8x16Eq),
            O::I8x16Ne => self.v_bin(Op::I8x16Ne),
            O::I8x16LtS => self.v_bin(Op::I8x16LtS),
            O::I8x16LtU => self.v_bin(Op::I8x16LtU),
            O::I8x16GtS => self.v_bin(Op::I8x16GtS),
            O::I8x16GtU => self.v_bin(Op::I8x16GtU),
            O::I8x16LeS => self.v_bin(Op::I8x16LeS),
            O::I8x16LeU => self.v_bin(Op::I8x16LeU),
            O::I8x16GeS => self.v_bin(Op::I8x16GeS),
            O::I8x16GeU => self.v_bin(Op::I8x16GeU),
            O::I16x8Eq => self.v_bin(Op::I16x8Eq),
            O::I16x8Ne => self.v_bin(Op::I16x8Ne),
            O::I16x8LtS => self.v_bin(Op::I16x8LtS),
            O::I16x8LtU => self.v_bin(Op::I16x8LtU),
            O::I16x8GtS => self.v_bin(Op::I16x8GtS),
            O::I16x8GtU => self.v_bin(Op::I16x8GtU),
            O::I16x8LeS => self.v_bin(Op::I16x8LeS),
            O::I16x8LeU => self.v_bin(Op::I16x8LeU),
            O::I16x8GeS => self.v_bin(Op::I16x8GeS),
            O::I16x8GeU => self.v_bin(Op::I16x8GeU),
            O::I32x4Eq => self.v_bin(Op::I32x4Eq),
            O::I32x4Ne => self.v_bin(Op::I32x4Ne),
            O::I32x4LtS => self.v_bin(Op::I32x4LtS),
            O::I32x4LtU => self.v_bin(Op::I32x4LtU),
            O::I32x4GtS => self.v_bin(Op::I32x4GtS),
            O::I32x4GtU => self.v_bin(Op::I32x4GtU),
            O::I32x4LeS => self.v_bin(Op::I32x4LeS),
            O::I32x4LeU => self.v_bin(Op::I32x4LeU),
            O::I32x4GeS => self.v_bin(Op::I32x4GeS),
            O::I32x4GeU => self.v_bin(Op::I32x4GeU),
            O::I64x2Eq => self.v_bin(Op::I64x2Eq),
            O::I64x2Ne => self.v_bin(Op::I64x2Ne),
            O::I64x2LtS => self.v_bin(Op::I64x2LtS),
            O::I64x2GtS => self.v_bin(Op::I64x2GtS),
            O::I64x2LeS => self.v_bin(Op::I64x2LeS),
            O::I64x2GeS => self.v_bin(Op::I64x2GeS),
            O::F32x4Eq => self.v_bin(Op::F32x4Eq),
            O::F32x4Ne => self.v_bin(Op::F32x4Ne),
            O::F32x4Lt => self.v_bin(Op::F32x4Lt),
            O::F32x4Gt => self.v_bin(Op::F32x4Gt),
            O::F32x4Le => self.v_bin(Op::F32x4Le),
            O::F32x4Ge => self.v_bin(Op::F32x4Ge),
            O::F64x2Eq => self.v_bin(Op::F64x2Eq),
            O::F64x2Ne => self.v_bin(Op::F64x2Ne),
            O::F64x2Lt => self.v_bin(Op::F64x2Lt),
            O::F64x2Gt => self.v_bin(Op::F64x2Gt),
            O::F64x2Le => self.v_bin(Op::F64x2Le),
            O::F64x2Ge => self.v_bin(Op::F64x2Ge),
            O::I8x16Add => self.v_bin(Op::I8x16Add),
            O::I8x16Sub => self.v_bin(Op::I8x16Sub),
            O::I8x16AddSatS => self.v_bin(Op::I8x16AddSatS),
            O::I8x16AddSatU => self.v_bin(Op::I8x16AddSatU),
            O::I8x16SubSatS => self.v_bin(Op::I8x16SubSatS),
            O::I8x16SubSatU => self.v_bin(Op::I8x16SubSatU),
            O::I8x16AvgrU => self.v_bin(Op::I8x16AvgrU),
            O::I8x16MinS => self.v_bin(Op::I8x16MinS),
            O::I8x16MinU => self.v_bin(Op::I8x16MinU),
            O::I8x16MaxS => self.v_bin(Op::I8x16MaxS),
            O::I8x16MaxU => self.v_bin(Op::I8x16MaxU),
            O::I16x8Add => self.v_bin(Op::I16x8Add),
            O::I16x8Sub => self.v_bin(Op::I16x8Sub),
            O::I16x8Mul => self.v_bin(Op::I16x8Mul),
            O::I16x8AddSatS => self.v_bin(Op::I16x8AddSatS),
            O::I16x8AddSatU => self.v_bin(Op::I16x8AddSatU),
            O::I16x8SubSatS => self.v_bin(Op::I16x8SubSatS),
            O::I16x8SubSatU => self.v_bin(Op::I16x8SubSatU),
            O::I16x8AvgrU => self.v_bin(Op::I16x8AvgrU),
            O::I16x8MinS => self.v_bin(Op::I16x8MinS),
            O::I16x8MinU => self.v_bin(Op::I16x8MinU),
            O::I16x8MaxS => self.v_bin(Op::I16x8MaxS),
            O::I16x8MaxU => self.v_bin(Op::I16x8MaxU),
            O::I32x4Add => self.v_bin(Op::I32x4Add),
            O::I32x4Sub => self.v_bin(Op::I32x4Sub),
            O::I32x4Mul => self.v_bin(Op::I32x4Mul),
            O::I32x4MinS => self.v_bin(Op::I32x4MinS),
            O::I32x4MinU => self.v_bin(Op::I32x4MinU),
            O::I32x4MaxS => self.v_bin(Op::I32x4MaxS),
            O::I32x4MaxU => self.v_bin(Op::I32x4MaxU),
            O::I64x2Add => self.v_bin(Op::I64x2Add),
            O::I64x2Sub => self.v_bin(Op::I64x2Sub),
            O::I64x2Mul => self.v_bin(Op::I64x2Mul),
            O::I8x16NarrowI16x8S => self.v_bin(Op::I8x16NarrowI16x8S),
            O::I8x16NarrowI16x8U => self.v_bin(Op::I8x16NarrowI16x8U),
            O::I16x8NarrowI32x4S => self.v_bin(Op::I16x8NarrowI32x4S),
            O::I16x8NarrowI32x4U => self.v_bin(Op::I16x8NarrowI32x4U),
            O::I16x8Q15MulrSatS => self.v_bin(Op::I16x8Q15MulrSatS),
            O::I32x4DotI16x8S => self.v_bin(Op::I32x4DotI16x8S),
            O::I16x8ExtMulLowI8x16S => self.v_bin(Op::I16x8ExtMulLowI8x16S),
            O::I16x8ExtMulHighI8x16S => self.v_bin(Op::I16x8ExtMulHighI8x16S),
            O::I16x8ExtMulLowI8x16U => self.v_bin(Op::I16x8ExtMulLowI8x16U),
            O::I16x8ExtMulHighI8x16U => self.v_bin(Op::I16x8ExtMulHighI8x16U),
            O::I32x4ExtMulLowI16x8S => self.v_bin(Op::I32x4ExtMulLowI16x8S),
            O::I32x4ExtMulHighI16x8S => self.v_bin(Op::I32x4ExtMulHighI16x8S),
            O::I32x4ExtMulLowI16x8U => self.v_bin(Op::I32x4ExtMulLowI16x8U),
            O::I32x4ExtMulHighI16x8U => self.v_bin(Op::I32x4ExtMulHighI16x8U),
            O::I64x2ExtMulLowI32x4S => self.v_bin(Op::I64x2ExtMulLowI32x4S),
            O::I64x2ExtMulHighI32x4S => self.v_bin(Op::I64x2ExtMulHighI32x4S),
            O::I64x2ExtMulLowI32x4U => self.v_bin(Op::I64x2ExtMulLowI32x4U),
            O::I64x2ExtMulHighI32x4U => self.v_bin(Op::I64x2ExtMulHighI32x4U),
            O::F32x4Add => self.v_bin(Op::F32x4Add),
            O::F32x4Sub => self.v_bin(Op::F32x4Sub),
            O::F32x4Mul => self.v_bin(Op::F32x4Mul),
            O::F32x4Div => self.v_bin(Op::F32x4Div),
            O::F32x4Min => self.v_bin(Op::F32x4Min),
            O::F32x4Max => self.v_bin(Op::F32x4Max),
            O::F32x4PMin => self.v_bin(Op::F32x4PMin),
            O::F32x4PMax => self.v_bin(Op::F32x4PMax),
            O::F64x2Add => self.v_bin(Op::F64x2Add),
            O::F64x2Sub => self.v_bin(Op::F64x2Sub),
            O::F64x2Mul => self.v_bin(Op::F64x2Mul),
            O::F64x2Div => self.v_bin(Op::F64x2Div),
            O::F64x2Min => self.v_bin(Op::F64x2Min),
            O::F64x2Max => self.v_bin(Op::F64x2Max),
            O::F64x2PMin => self.v_bin(Op::F64x2PMin),
            O::F64x2PMax => self.v_bin(Op::F64x2PMax),
            O::V128Bitselect => self.v_ter(Op::V128Bitselect),
            O::I8x16ExtractLaneS { lane }
            | O::I8x16ExtractLaneU { lane }
            | O::I16x8ExtractLaneS { lane }
            | O::I16x8ExtractLaneU { lane }
            | O::I32x4ExtractLane { lane }
            | O::I64x2ExtractLane { lane }
            | O::F32x4ExtractLane { lane }
            | O::F64x2ExtractLane { lane } => {
                let op = match op {
                    O::I8x16ExtractLaneS { .. } => Op::I8x16ExtractLaneS,
                    O::I8x16ExtractLaneU { .. } => Op::I8x16ExtractLaneU,
                    O::I16x8ExtractLaneS { .. } => Op::I16x8ExtractLaneS,
                    O::I16x8ExtractLaneU { .. } => Op::I16x8ExtractLaneU,
                    O::I32x4ExtractLane { .. } => Op::I32x4ExtractLane,
                    O::I64x2ExtractLane { .. } => Op::I64x2ExtractLane,
                    O::F32x4ExtractLane { .. } => Op::F32x4ExtractLane,
                    O::F64x2ExtractLane { .. } => Op::F64x2ExtractLane,
                    _ => unreachable!("matched above"),
                };
                self.v_out(op, lane)
            }
            O::V128AnyTrue => self.v_out(Op::V128AnyTrue, 0),
            O::I8x16AllTrue => self.v_out(Op::I8x16AllTrue, 0),
            O::I8x16Bitmask => self.v_out(Op::I8x16Bitmask, 0),
            O::I16x8AllTrue => self.v_out(Op::I16x8AllTrue, 0),
            O::I16x8Bitmask => self.v_out(Op::I16x8Bitmask, 0),
            O::I32x4AllTrue => self.v_out(Op::I32x4AllTrue, 0),
            O::I32x4Bitmask => self.v_out(Op::I32x4Bitmask, 0),
            O::I64x2AllTrue => self.v_out(Op::I64x2AllTrue, 0),
            O::I64x2Bitmask => self.v_out(Op::I64x2Bitmask, 0),
            O::I8x16Splat => self.v_splat(Op::I8x16Splat),
            O::I16x8Splat => self.v_splat(Op::I16x8Splat),
            O::I32x4Splat => self.v_splat(Op::I32x4Splat),
            O::I64x2Splat => self.v_splat(Op::I64x2Splat),
            O::F32x4Splat => self.v_splat(Op::F32x4Splat),
            O::F64x2Splat => self.v_splat(Op::F64x2Splat),
            O::I8x16ReplaceLane { lane } => self.v_rep(Op::I8x16ReplaceLane, lane),
            O::I16x8ReplaceLane { lane } => self.v_rep(Op::I16x8ReplaceLane, lane),
            O::I32x4ReplaceLane { lane } => self.v_rep(Op::I32x4ReplaceLane, lane),
            O::I64x2ReplaceLane { lane } => self.v_rep(Op::I64x2ReplaceLane, lane),
            O::F32x4ReplaceLane { lane } => self.v_rep(Op::F32x4ReplaceLane, lane),
            O::F64x2ReplaceLane { lane } => self.v_rep(Op::F64x2ReplaceLane, lane),
            O::I8x16Shl => self.v_shift(Op::I8x16Shl),
            O::I8x16ShrS => self.v_shift(Op::I8x16ShrS),
            O::I8x16ShrU => self.v_shift(Op::I8x16ShrU),
            O::I16x8Shl => self.v_shift(Op::I16x8Shl),
            O::I16x8ShrS => self.v_shift(Op::I16x8ShrS),
            O::I16x8ShrU => self.v_shift(Op::I16x8ShrU),
            O::I32x4Shl => self.v_shift(Op::I32x4Shl),
            O::I32x4ShrS => self.v_shift(Op::I32x4ShrS),
            O::I32x4ShrU => self.v_shift(Op::I32x4ShrU),
            O::I64x2Shl => self.v_shift(Op::I64x2Shl),
            O::I64x2ShrS => self.v_shift(Op::I64x2ShrS),
            O::I64x2ShrU => self.v_shift(Op::I64x2ShrU),
            _ => return false,
        }
        true
    }

    fn global_is_v128(&self, g: u32) -> bool {
        self.module.globals[g as usize].ty == crate::values::ValType::V128
    }

    fn v_un(&mut self, op: Op) {
        let a = self.pop_v();
        let dst = self.push_v();
        self.emit(op, Args::V1(sh::V1 { dst, a }));
    }

    fn v_bin(&mut self, op: Op) {
        let b = self.pop_v();
        let a = self.pop_v();
        let dst = self.push_v();
        self.emit(op, Args::V2(sh::V2 { dst, a, b }));
    }

    fn v_ter(&mut self, op: Op) {
        let c = self.pop_v();
        let b = self.pop_v();
        let a = self.pop_v();
        let dst = self.push_v();
        self.emit(op, Args::V3(sh::V3 { dst, a, b, c }));
    }

    fn v_shift(&mut self, op: Op) {
        let n = self.pop_slot();
        let a = self.pop_v();
        let dst = self.push_v();
        self.emit(op, Args::VShift(sh::VShift { dst, a, n }));
    }

    fn v_splat(&mut self, op: Op) {
        let a = self.pop_slot();
        let dst = self.push_v();
        self.emit(op, Args::VSplat(sh::VSplat { dst, a }));
    }

    fn v_out(&mut self, op: Op, lane: u8) {
        let a = self.pop_v();
        let dst = self.push_temp();
        self.emit(
            op,
            Args::VOut(sh::VOut {
                dst,
                a,
                lane: lane as u32,
            }),
        );
    }

    fn v_rep(&mut self, op: Op, lane: u8) {
        let x = self.pop_slot();
        let a = self.pop_v();
        let dst = self.push_v();
        self.emit(
            op,
            Args::VRep(sh::VRep {
                dst,
                a,
                x,
                lane: lane as u32,
            }),
        );
    }

    fn v_shuffle(&mut self, lanes: [u8; 16]) {
        let b = self.pop_v();
        let a = self.pop_v();
        let dst = self.push_v();
        let l = u128::from_le_bytes(lanes);
        self.emit(
            Op::I8x16Shuffle,
            Args::VShuf(sh::VShuf {
                dst,
                a,
                b,
                pad: 0,
                lo: l as u64,
                hi: (l >> 64) as u64,
            }),
        );
    }

    fn v_mem(&mut self, op: Op, m: &MemArg, lane: u8, access: Access) {
        let mem = memory_index(m);
        let wide = self.module.memories[mem as usize].index64 as u32;
        let x = match access {
            Access::Load => None,
            Access::LaneLoad | Access::Store => Some(self.pop_v()),
        };
        let a = self.pop_slot();
        let v = match access {
            Access::Store => x.expect("a stored vector"),
            _ => self.push_v(),
        };
        self.emit(
            op,
            Args::VMem(sh::VMem {
                v,
                a,
                x: x.unwrap_or(v),
                mem,
                lane: lane as u32,
                wide,
                offset: m.offset,
            }),
        );
    }
}

/// The memory a memory instruction names.
pub(super) fn memory_index(m: &MemArg) -> u32 {
    match m.target {
        wasmparser::MemArgTarget::Memory(i) => i,
        // Only GC array accesses name an array; the loader refuses GC.
        wasmparser::MemArgTarget::Array(_) => 0,
    }
}
