//! Fixed-width SIMD: every `v128` instruction as Cranelift vector code.
//!
//! A `v128` travels as one `I8X16` value (the canonical type: locals, block
//! parameters, calls, the operand stack); each instruction bitcasts its
//! operands to the lane shape it works on (`I16X8`, `I32X4`, `I64X2`,
//! `F32X4`, `F64X2`, lanes little-endian) and its result back. Bitcasts
//! between vector types are free.
//!
//! No lowering here can trap: float-to-int conversions use the saturating
//! forms (`fcvt_to_*_sat`), shuffle and lane indices are immediates the
//! validator bounded, `swizzle` gives 0 for an index of 16 or more as wasm
//! does, and every memory access goes through the explicit bounds check
//! of `memory::heap_addr`. Float lanes produce whatever NaN the host's
//! vector unit makes, which is the NaN the scalar instruction makes for the
//! same lane (any NaN equals any NaN in comparisons).

use super::memory::{heap, memory_index};
use super::{JitPath, Translator};
use crate::fault::{self, Fault};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArg, Operator};

/// Flags of a bitcast between vector shapes (lane order is little-endian).
fn vector_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little)
}

impl Translator<'_, '_, '_> {
    /// A `v128` constant (lane 0 in the low bits).
    pub(super) fn v128_const(&mut self, bits: u128) -> Value {
        let handle = self
            .b
            .func
            .dfg
            .constants
            .insert(bits.to_le_bytes().to_vec().into());
        self.b.ins().vconst(I8X16, handle)
    }

    /// An all-zero vector of shape `t`, as a `vconst` of that type: the x64
    /// backend lowers `snarrow`/`uunarrow` of a conversion with zeros only
    /// in that form (not through a bitcast).
    fn v128_zero_as(&mut self, t: Type) -> Value {
        let handle = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
        self.b.ins().vconst(t, handle)
    }

    /// `v` (any vector type) viewed as lane shape `t`.
    pub(super) fn v128_as(&mut self, v: Value, t: Type) -> Value {
        if self.b.func.dfg.value_type(v) == t {
            v
        } else {
            self.path(JitPath::VectorBitcast);
            self.b.ins().bitcast(t, vector_flags(), v)
        }
    }

    /// `v` in the canonical `v128` type.
    pub(super) fn v128_canonical(&mut self, v: Value) -> Value {
        self.v128_as(v, I8X16)
    }

    fn pop_as(&mut self, t: Type) -> Value {
        let v = self.pop();
        self.v128_as(v, t)
    }

    fn pop2_as(&mut self, t: Type) -> (Value, Value) {
        let b = self.pop_as(t);
        let a = self.pop_as(t);
        (a, b)
    }

    fn push_v128(&mut self, v: Value) {
        let v = self.v128_canonical(v);
        self.push(v);
    }

    /// A lane-wise unary operation on shape `t`.
    fn v_un(&mut self, t: Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop_as(t);
        let r = f(self, a);
        self.push_v128(r);
    }

    /// A lane-wise binary operation on shape `t`.
    fn v_bin(&mut self, t: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2_as(t);
        let r = f(self, a, b);
        self.push_v128(r);
    }

    fn v_icmp(&mut self, t: Type, cc: IntCC) {
        self.v_bin(t, |s, a, b| s.b.ins().icmp(cc, a, b));
    }

    fn v_fcmp(&mut self, t: Type, cc: FloatCC) {
        self.v_bin(t, |s, a, b| s.b.ins().fcmp(cc, a, b));
    }

    /// Shift every lane of shape `t` by the i32 on top of the stack, taken
    /// modulo the lane width (as CLIF shifts do).
    fn v_shift(&mut self, t: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let n = self.pop();
        let a = self.pop_as(t);
        let r = f(self, a, n);
        self.push_v128(r);
    }

    /// Widens both operands' low (or high) halves with `widen`, multiplies.
    fn v_extmul(&mut self, t: Type, high: bool, signed: bool) {
        self.v_bin(t, |s, a, b| {
            let (a, b) = (s.widen(a, high, signed), s.widen(b, high, signed));
            s.b.ins().imul(a, b)
        });
    }

    /// Pairs of adjacent lanes added into lanes twice as wide.
    fn v_extadd_pairwise(&mut self, t: Type, signed: bool) {
        self.v_un(t, |s, a| {
            let (lo, hi) = (s.widen(a, false, signed), s.widen(a, true, signed));
            s.b.ins().iadd_pairwise(lo, hi)
        });
    }

    fn widen(&mut self, v: Value, high: bool, signed: bool) -> Value {
        let ins = self.b.ins();
        match (high, signed) {
            (false, true) => ins.swiden_low(v),
            (true, true) => ins.swiden_high(v),
            (false, false) => ins.uwiden_low(v),
            (true, false) => ins.uwiden_high(v),
        }
    }

    /// `pmin` (`min`) or `pmax`: `b < a ? b : a` and `a < b ? b : a`,
    /// bit-exact as the spec defines them (no NaN or zero rule).
    fn v_pminmax(&mut self, t: Type, max: bool) {
        self.v_bin(t, |s, a, b| {
            let (x, y) = if max { (a, b) } else { (b, a) };
            let lt = s.b.ins().fcmp(FloatCC::LessThan, x, y);
            let mask = s.v128_as(lt, t);
            s.b.ins().bitselect(mask, b, a)
        });
    }

    fn v_any_true(&mut self) {
        let a = self.pop_as(I8X16);
        let r = self.b.ins().vany_true(a);
        let r = self.b.ins().uextend(types::I32, r);
        self.push(r);
    }

    fn v_all_true(&mut self, t: Type) {
        let a = self.pop_as(t);
        let r = self.b.ins().vall_true(a);
        let r = self.b.ins().uextend(types::I32, r);
        self.push(r);
    }

    fn v_bitmask(&mut self, t: Type) {
        let a = self.pop_as(t);
        let r = self.b.ins().vhigh_bits(types::I32, a);
        self.push(r);
    }

    fn v_splat(&mut self, t: Type) {
        let x = self.pop();
        let lane = t.lane_type();
        let x = if self.b.func.dfg.value_type(x) == lane {
            self.path(JitPath::SplatDirect);
            x
        } else {
            self.path(JitPath::SplatNarrowed);
            self.b.ins().ireduce(lane, x)
        };
        let r = self.b.ins().splat(t, x);
        self.push_v128(r);
    }

    /// `extract_lane`; 8- and 16-bit lanes extend to i32 (`signed` says how).
    fn v_extract(&mut self, t: Type, lane: u8, signed: bool) {
        let a = self.pop_as(t);
        let x = self.b.ins().extractlane(a, lane);
        let narrow = matches!(t.lane_type(), types::I8 | types::I16);
        self.path(if narrow {
            JitPath::ExtractExtended
        } else {
            JitPath::ExtractDirect
        });
        let r = match t.lane_type() {
            types::I8 | types::I16 if signed => self.b.ins().sextend(types::I32, x),
            types::I8 | types::I16 => self.b.ins().uextend(types::I32, x),
            _ => x,
        };
        self.push(r);
    }

    fn v_replace(&mut self, t: Type, lane: u8) {
        let x = self.pop();
        let a = self.pop_as(t);
        let lane_type = t.lane_type();
        let x = if self.b.func.dfg.value_type(x) == lane_type {
            self.path(JitPath::ReplaceDirect);
            x
        } else {
            self.path(JitPath::ReplaceNarrowed);
            self.b.ins().ireduce(lane_type, x)
        };
        let r = self.b.ins().insertlane(a, x, lane);
        self.push_v128(r);
    }

    /// The checked native address of a `size`-byte access at the address on
    /// top of the stack.
    fn v_addr(&mut self, memarg: MemArg, size: u64) -> Value {
        let addr = self.pop();
        self.heap_addr(memory_index(&memarg), addr, memarg.offset, size)
    }

    fn v_load(&mut self, memarg: MemArg) {
        let p = self.v_addr(memarg, 16);
        let v = self.b.ins().load(I8X16, heap(), p, 0);
        self.push(v);
    }

    /// `v128.loadNxM_s/u`: 8 bytes, each lane widened.
    fn v_load_extend(&mut self, memarg: MemArg, shape: Type, signed: bool) {
        let p = self.v_addr(memarg, 8);
        let ins = self.b.ins();
        let v = match (shape, signed) {
            (I16X8, true) => ins.sload8x8(heap(), p, 0),
            (I16X8, false) => ins.uload8x8(heap(), p, 0),
            (I32X4, true) => ins.sload16x4(heap(), p, 0),
            (I32X4, false) => ins.uload16x4(heap(), p, 0),
            (_, true) => ins.sload32x2(heap(), p, 0),
            (_, false) => ins.uload32x2(heap(), p, 0),
        };
        self.push_v128(v);
    }

    fn v_load_splat(&mut self, memarg: MemArg, t: Type) {
        let lane = t.lane_type();
        let p = self.v_addr(memarg, lane.bytes() as u64);
        let x = self.b.ins().load(lane, heap(), p, 0);
        let r = self.b.ins().splat(t, x);
        self.push_v128(r);
    }

    /// `v128.load32_zero` / `load64_zero`: lane 0 loaded, the rest zero.
    fn v_load_zero(&mut self, memarg: MemArg, t: Type) {
        let lane = t.lane_type();
        let p = self.v_addr(memarg, lane.bytes() as u64);
        let x = self.b.ins().load(lane, heap(), p, 0);
        let r = self.b.ins().scalar_to_vector(t, x);
        self.push_v128(r);
    }

    fn v_load_lane(&mut self, memarg: MemArg, t: Type, lane: u8) {
        let v = self.pop_as(t);
        let lane_type = t.lane_type();
        let p = self.v_addr(memarg, lane_type.bytes() as u64);
        let x = self.b.ins().load(lane_type, heap(), p, 0);
        let r = self.b.ins().insertlane(v, x, lane);
        self.push_v128(r);
    }

    fn v_store(&mut self, memarg: MemArg) {
        let v = self.pop_as(I8X16);
        let p = self.v_addr(memarg, 16);
        self.b.ins().store(heap(), v, p, 0);
    }

    fn v_store_lane(&mut self, memarg: MemArg, t: Type, lane: u8) {
        let v = self.pop_as(t);
        let p = self.v_addr(memarg, t.lane_type().bytes() as u64);
        let x = self.b.ins().extractlane(v, lane);
        self.b.ins().store(heap(), x, p, 0);
    }

    fn v_shuffle(&mut self, lanes: [u8; 16]) {
        let (a, b) = self.pop2_as(I8X16);
        let mask = self.b.func.dfg.immediates.push(lanes.to_vec().into());
        let r = self.b.ins().shuffle(a, b, mask);
        self.push(r);
    }

    fn v_swizzle(&mut self) {
        let (a, idx) = self.pop2_as(I8X16);
        let idx = if fault::active(Fault::JitSwizzleIndexMod16) {
            let fifteen = self.v128_const(u128::from_le_bytes([15; 16]));
            self.b.ins().band(idx, fifteen)
        } else {
            idx
        };
        let r = self.b.ins().swizzle(a, idx);
        self.push(r);
    }

    /// `i32x4.dot_i16x8_s`: products of signed 16-bit lanes, adjacent pairs
    /// added (the shape Cranelift turns into `pmaddwd`).
    fn v_dot(&mut self) {
        self.v_bin(I16X8, |s, a, b| {
            let lo = s.b.ins().swiden_low(a);
            let blo = s.b.ins().swiden_low(b);
            let lo = s.b.ins().imul(lo, blo);
            let hi = s.b.ins().swiden_high(a);
            let bhi = s.b.ins().swiden_high(b);
            let hi = s.b.ins().imul(hi, bhi);
            s.b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// `i32x4.trunc_sat_f64x2_s/u_zero`: two saturated lanes, two zero lanes.
    fn v_trunc_sat_zero(&mut self, signed: bool) {
        self.v_un(F64X2, |s, a| {
            let zero = s.v128_zero_as(I64X2);
            if signed {
                let wide = s.b.ins().fcvt_to_sint_sat(I64X2, a);
                s.b.ins().snarrow(wide, zero)
            } else {
                let wide = s.b.ins().fcvt_to_uint_sat(I64X2, a);
                s.b.ins().uunarrow(wide, zero)
            }
        });
    }

    /// Translates a SIMD instruction; false if `op` is none.
    pub(super) fn simd_op(&mut self, op: &Operator) -> bool {
        use FloatCC as F;
        use IntCC as I;
        use Operator as O;
        match *op {
            O::V128Load { memarg } => self.v_load(memarg),
            O::V128Load8x8S { memarg } => self.v_load_extend(memarg, I16X8, true),
            O::V128Load8x8U { memarg } => self.v_load_extend(memarg, I16X8, false),
            O::V128Load16x4S { memarg } => self.v_load_extend(memarg, I32X4, true),
            O::V128Load16x4U { memarg } => self.v_load_extend(memarg, I32X4, false),
            O::V128Load32x2S { memarg } => self.v_load_extend(memarg, I64X2, true),
            O::V128Load32x2U { memarg } => self.v_load_extend(memarg, I64X2, false),
            O::V128Load8Splat { memarg } => self.v_load_splat(memarg, I8X16),
            O::V128Load16Splat { memarg } => self.v_load_splat(memarg, I16X8),
            O::V128Load32Splat { memarg } => self.v_load_splat(memarg, I32X4),
            O::V128Load64Splat { memarg } => self.v_load_splat(memarg, I64X2),
            O::V128Load32Zero { memarg } => self.v_load_zero(memarg, I32X4),
            O::V128Load64Zero { memarg } => self.v_load_zero(memarg, I64X2),
            O::V128Load8Lane { memarg, lane } => self.v_load_lane(memarg, I8X16, lane),
            O::V128Load16Lane { memarg, lane } => self.v_load_lane(memarg, I16X8, lane),
            O::V128Load32Lane { memarg, lane } => self.v_load_lane(memarg, I32X4, lane),
            O::V128Load64Lane { memarg, lane } => self.v_load_lane(memarg, I64X2, lane),
            O::V128Store { memarg } => self.v_store(memarg),
            O::V128Store8Lane { memarg, lane } => self.v_store_lane(memarg, I8X16, lane),
            O::V128Store16Lane { memarg, lane } => self.v_store_lane(memarg, I16X8, lane),
            O::V128Store32Lane { memarg, lane } => self.v_store_lane(memarg, I32X4, lane),
            O::V128Store64Lane { memarg, lane } => self.v_store_lane(memarg, I64X2, lane),

            O::V128Const { value } => {
                let v = self.v128_const(u128::from_le_bytes(*value.bytes()));
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => self.v_shuffle(lanes),
            O::I8x16Swizzle => self.v_swizzle(),
            O::I8x16Splat => self.v_splat(I8X16),
            O::I16x8Splat => self.v_splat(I16X8),
            O::I32x4Splat => self.v_splat(I32X4),
            O::I64x2Splat => self.v_splat(I64X2),
            O::F32x4Splat => self.v_splat(F32X4),
            O::F64x2Splat => self.v_splat(F64X2),

            O::I8x16ExtractLaneS { lane } => self.v_extract(I8X16, lane, true),
            O::I8x16ExtractLaneU { lane } => self.v_extract(I8X16, lane, false),
            O::I16x8ExtractLaneS { lane } => self.v_extract(I16X8, lane, true),
            O::I16x8ExtractLaneU { lane } => self.v_extract(I16X8, lane, false),
            O::I32x4ExtractLane { lane } => self.v_extract(I32X4, lane, false),
            O::I64x2ExtractLane { lane } => self.v_extract(I64X2, lane, false),
            O::F32x4ExtractLane { lane } => self.v_extract(F32X4, lane, false),
            O::F64x2ExtractLane { lane } => self.v_extract(F64X2, lane, false),
            O::I8x16ReplaceLane { lane } => self.v_replace(I8X16, lane),
            O::I16x8ReplaceLane { lane } => self.v_replace(I16X8, lane),
            O::I32x4ReplaceLane { lane } => self.v_replace(I32X4, lane),
            O::I64x2ReplaceLane { lane } => self.v_replace(I64X2, lane),
            O::F32x4ReplaceLane { lane } => self.v_replace(F32X4, lane),
            O::F64x2ReplaceLane { lane } => self.v_replace(F64X2, lane),

            O::I8x16Eq => self.v_icmp(I8X16, I::Equal),
            O::I8x16Ne => self.v_icmp(I8X16, I::NotEqual),
            O::I8x16LtS => self.v_icmp(I8X16, I::SignedLessThan),
            O::I8x16LtU => self.v_icmp(I8X16, I::UnsignedLessThan),
            O::I8x16GtS => self.v_icmp(I8X16, I::SignedGreaterThan),
            O::I8x16GtU => self.v_icmp(I8X16, I::UnsignedGreaterThan),
            O::I8x16LeS => self.v_icmp(I8X16, I::SignedLessThanOrEqual),
            O::I8x16LeU => self.v_icmp(I8X16, I::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.v_icmp(I8X16, I::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.v_icmp(I8X16, I::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.v_icmp(I16X8, I::Equal),
            O::I16x8Ne => self.v_icmp(I16X8, I::NotEqual),
            O::I16x8LtS => self.v_icmp(I16X8, I::SignedLessThan),
            O::I16x8LtU => self.v_icmp(I16X8, I::UnsignedLessThan),
            O::I16x8GtS => self.v_icmp(I16X8, I::SignedGreaterThan),
            O::I16x8GtU => self.v_icmp(I16X8, I::UnsignedGreaterThan),
            O::I16x8LeS => self.v_icmp(I16X8, I::SignedLessThanOrEqual),
            O::I16x8LeU => self.v_icmp(I16X8, I::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.v_icmp(I16X8, I::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.v_icmp(I16X8, I::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.v_icmp(I32X4, I::Equal),
            O::I32x4Ne => self.v_icmp(I32X4, I::NotEqual),
            O::I32x4LtS => self.v_icmp(I32X4, I::SignedLessThan),
            O::I32x4LtU => self.v_icmp(I32X4, I::UnsignedLessThan),
            O::I32x4GtS => self.v_icmp(I32X4, I::SignedGreaterThan),
            O::I32x4GtU => self.v_icmp(I32X4, I::UnsignedGreaterThan),
            O::I32x4LeS => self.v_icmp(I32X4, I::SignedLessThanOrEqual),
            O::I32x4LeU => self.v_icmp(I32X4, I::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.v_icmp(I32X4, I::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.v_icmp(I32X4, I::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.v_icmp(I64X2, I::Equal),
            O::I64x2Ne => self.v_icmp(I64X2, I::NotEqual),
            O::I64x2LtS => self.v_icmp(I64X2, I::SignedLessThan),
            O::I64x2GtS => self.v_icmp(I64X2, I::SignedGreaterThan),
            O::I64x2LeS => self.v_icmp(I64X2, I::SignedLessThanOrEqual),
            O::I64x2GeS => self.v_icmp(I64X2, I::SignedGreaterThanOrEqual),
            O::F32x4Eq => self.v_fcmp(F32X4, F::Equal),
            O::F32x4Ne => self.v_fcmp(F32X4, F::NotEqual),
            O::F32x4Lt => self.v_fcmp(F32X4, F::LessThan),
            O::F32x4Gt => self.v_fcmp(F32X4, F::GreaterThan),
            O::F32x4Le => self.v_fcmp(F32X4, F::LessThanOrEqual),
            O::F32x4Ge => self.v_fcmp(F32X4, F::GreaterThanOrEqual),
            O::F64x2Eq => self.v_fcmp(F64X2, F::Equal),
            O::F64x2Ne => self.v_fcmp(F64X2, F::NotEqual),
            O::F64x2Lt => self.v_fcmp(F64X2, F::LessThan),
            O::F64x2Gt => self.v_fcmp(F64X2, F::GreaterThan),
            O::F64x2Le => self.v_fcmp(F64X2, F::LessThanOrEqual),
            O::F64x2Ge => self.v_fcmp(F64X2, F::GreaterThanOrEqual),

            O::V128Not => self.v_un(I8X16, |s, a| s.b.ins().bnot(a)),
            O::V128And => self.v_bin(I8X16, |s, a, b| s.b.ins().band(a, b)),
            O::V128AndNot => self.v_bin(I8X16, |s, a, b| s.b.ins().band_not(a, b)),
            O::V128Or => self.v_bin(I8X16, |s, a, b| s.b.ins().bor(a, b)),
            O::V128Xor => self.v_bin(I8X16, |s, a, b| s.b.ins().bxor(a, b)),
            O::V128Bitselect => {
                let c = self.pop_as(I8X16);
                let (a, b) = self.pop2_as(I8X16);
                let r = self.b.ins().bitselect(c, a, b);
                self.push(r);
            }
            O::V128AnyTrue => self.v_any_true(),

            O::I8x16Abs => self.v_un(I8X16, |s, a| s.b.ins().iabs(a)),
            O::I16x8Abs => self.v_un(I16X8, |s, a| s.b.ins().iabs(a)),
            O::I32x4Abs => self.v_un(I32X4, |s, a| s.b.ins().iabs(a)),
            O::I64x2Abs => self.v_un(I64X2, |s, a| s.b.ins().iabs(a)),
            O::I8x16Neg => self.v_un(I8X16, |s, a| s.b.ins().ineg(a)),
            O::I16x8Neg => self.v_un(I16X8, |s, a| s.b.ins().ineg(a)),
            O::I32x4Neg => self.v_un(I32X4, |s, a| s.b.ins().ineg(a)),
            O::I64x2Neg => self.v_un(I64X2, |s, a| s.b.ins().ineg(a)),
            O::I8x16Popcnt => self.v_un(I8X16, |s, a| s.b.ins().popcnt(a)),
            O::I8x16AllTrue => self.v_all_true(I8X16),
            O::I16x8AllTrue => self.v_all_true(I16X8),
            O::I32x4AllTrue => self.v_all_true(I32X4),
            O::I64x2AllTrue => self.v_all_true(I64X2),
            O::I8x16Bitmask => self.v_bitmask(I8X16),
            O::I16x8Bitmask => self.v_bitmask(I16X8),
            O::I32x4Bitmask => self.v_bitmask(I32X4),
            O::I64x2Bitmask => self.v_bitmask(I64X2),

            O::I8x16NarrowI16x8S => self.v_bin(I16X8, |s, a, b| s.b.ins().snarrow(a, b)),
            O::I8x16NarrowI16x8U => self.v_bin(I16X8, |s, a, b| s.b.ins().unarrow(a, b)),
            O::I16x8NarrowI32x4S => self.v_bin(I32X4, |s, a, b| s.b.ins().snarrow(a, b)),
            O::I16x8NarrowI32x4U => self.v_bin(I32X4, |s, a, b| s.b.ins().unarrow(a, b)),
            O::I16x8ExtendLowI8x16S => self.v_un(I8X16, |s, a| s.widen(a, false, true)),
            O::I16x8ExtendHighI8x16S => self.v_un(I8X16, |s, a| s.widen(a, true, true)),
            O::I16x8ExtendLowI8x16U => self.v_un(I8X16, |s, a| s.widen(a, false, false)),
            O::I16x8ExtendHighI8x16U => self.v_un(I8X16, |s, a| s.widen(a, true, false)),
            O::I32x4ExtendLowI16x8S => self.v_un(I16X8, |s, a| s.widen(a, false, true)),
            O::I32x4ExtendHighI16x8S => self.v_un(I16X8, |s, a| s.widen(a, true, true)),
            O::I32x4ExtendLowI16x8U => self.v_un(I16X8, |s, a| s.widen(a, false, false)),
            O::I32x4ExtendHighI16x8U => self.v_un(I16X8, |s, a| s.widen(a, true, false)),
            O::I64x2ExtendLowI32x4S => self.v_un(I32X4, |s, a| s.widen(a, false, true)),
            O::I64x2ExtendHighI32x4S => self.v_un(I32X4, |s, a| s.widen(a, true, true)),
            O::I64x2ExtendLowI32x4U => self.v_un(I32X4, |s, a| s.widen(a, false, false)),
            O::I64x2ExtendHighI32x4U => self.v_un(I32X4, |s, a| s.widen(a, true, false)),

            O::I8x16Shl => self.v_shift(I8X16, |s, a, n| s.b.ins().ishl(a, n)),
            O::I16x8Shl => self.v_shift(I16X8, |s, a, n| s.b.ins().ishl(a, n)),
            O::I32x4Shl => self.v_shift(I32X4, |s, a, n| s.b.ins().ishl(a, n)),
            O::I64x2Shl => self.v_shift(I64X2, |s, a, n| s.b.ins().ishl(a, n)),
            O::I8x16ShrS => self.v_shift(I8X16, |s, a, n| s.b.ins().sshr(a, n)),
            O::I16x8ShrS => self.v_shift(I16X8, |s, a, n| s.b.ins().sshr(a, n)),
            O::I32x4ShrS => self.v_shift(I32X4, |s, a, n| s.b.ins().sshr(a, n)),
            O::I64x2ShrS => self.v_shift(I64X2, |s, a, n| s.b.ins().sshr(a, n)),
            O::I8x16ShrU => self.v_shift(I8X16, |s, a, n| s.b.ins().ushr(a, n)),
            O::I16x8ShrU => self.v_shift(I16X8, |s, a, n| s.b.ins().ushr(a, n)),
            O::I32x4ShrU => self.v_shift(I32X4, |s, a, n| s.b.ins().ushr(a, n)),
            O::I64x2ShrU => self.v_shift(I64X2, |s, a, n| s.b.ins().ushr(a, n)),

            O::I8x16Add => self.v_bin(I8X16, |s, a, b| s.b.ins().iadd(a, b)),
            O::I16x8Add => self.v_bin(I16X8, |s, a, b| s.b.ins().iadd(a, b)),
            O::I32x4Add => self.v_bin(I32X4, |s, a, b| s.b.ins().iadd(a, b)),
            O::I64x2Add => self.v_bin(I64X2, |s, a, b| s.b.ins().iadd(a, b)),
            O::I8x16Sub => self.v_bin(I8X16, |s, a, b| s.b.ins().isub(a, b)),
            O::I16x8Sub => self.v_bin(I16X8, |s, a, b| s.b.ins().isub(a, b)),
            O::I32x4Sub => self.v_bin(I32X4, |s, a, b| s.b.ins().isub(a, b)),
            O::I64x2Sub => self.v_bin(I64X2, |s, a, b| s.b.ins().isub(a, b)),
            O::I16x8Mul => self.v_bin(I16X8, |s, a, b| s.b.ins().imul(a, b)),
            O::I32x4Mul => self.v_bin(I32X4, |s, a, b| s.b.ins().imul(a, b)),
            O::I64x2Mul => self.v_bin(I64X2, |s, a, b| s.b.ins().imul(a, b)),
            O::I8x16AddSatS => self.v_bin(I8X16, |s, a, b| s.b.ins().sadd_sat(a, b)),
            O::I8x16AddSatU => self.v_bin(I8X16, |s, a, b| s.b.ins().uadd_sat(a, b)),
            O::I16x8AddSatS => self.v_bin(I16X8, |s, a, b| s.b.ins().sadd_sat(a, b)),
            O::I16x8AddSatU => self.v_bin(I16X8, |s, a, b| s.b.ins().uadd_sat(a, b)),
            O::I8x16SubSatS => self.v_bin(I8X16, |s, a, b| s.b.ins().ssub_sat(a, b)),
            O::I8x16SubSatU => self.v_bin(I8X16, |s, a, b| s.b.ins().usub_sat(a, b)),
            O::I16x8SubSatS => self.v_bin(I16X8, |s, a, b| s.b.ins().ssub_sat(a, b)),
            O::I16x8SubSatU => self.v_bin(I16X8, |s, a, b| s.b.ins().usub_sat(a, b)),
            O::I8x16MinS => self.v_bin(I8X16, |s, a, b| s.b.ins().smin(a, b)),
            O::I8x16MinU => self.v_bin(I8X16, |s, a, b| s.b.ins().umin(a, b)),
            O::I8x16MaxS => self.v_bin(I8X16, |s, a, b| s.b.ins().smax(a, b)),
            O::I8x16MaxU => self.v_bin(I8X16, |s, a, b| s.b.ins().umax(a, b)),
            O::I16x8MinS => self.v_bin(I16X8, |s, a, b| s.b.ins().smin(a, b)),
            O::I16x8MinU => self.v_bin(I16X8, |s, a, b| s.b.ins().umin(a, b)),
            O::I16x8MaxS => self.v_bin(I16X8, |s, a, b| s.b.ins().smax(a, b)),
            O::I16x8MaxU => self.v_bin(I16X8, |s, a, b| s.b.ins().umax(a, b)),
            O::I32x4MinS => self.v_bin(I32X4, |s, a, b| s.b.ins().smin(a, b)),
            O::I32x4MinU => self.v_bin(I32X4, |s, a, b| s.b.ins().umin(a, b)),
            O::I32x4MaxS => self.v_bin(I32X4, |s, a, b| s.b.ins().smax(a, b)),
            O::I32x4MaxU => self.v_bin(I32X4, |s, a, b| s.b.ins().umax(a, b)),
            O::I8x16AvgrU => self.v_bin(I8X16, |s, a, b| s.b.ins().avg_round(a, b)),
            O::I16x8AvgrU => self.v_bin(I16X8, |s, a, b| s.b.ins().avg_round(a, b)),
            O::I16x8Q15MulrSatS => self.v_bin(I16X8, |s, a, b| s.b.ins().sqmul_round_sat(a, b)),
            O::I32x4DotI16x8S => self.v_dot(),
            O::I16x8ExtMulLowI8x16S => self.v_extmul(I8X16, false, true),
            O::I16x8ExtMulHighI8x16S => self.v_extmul(I8X16, true, true),
            O::I16x8ExtMulLowI8x16U => self.v_extmul(I8X16, false, false),
            O::I16x8ExtMulHighI8x16U => self.v_extmul(I8X16, true, false),
            O::I32x4ExtMulLowI16x8S => self.v_extmul(I16X8, false, true),
            O::I32x4ExtMulHighI16x8S => self.v_extmul(I16X8, true, true),
            O::I32x4ExtMulLowI16x8U => self.v_extmul(I16X8, false, false),
            O::I32x4ExtMulHighI16x8U => self.v_extmul(I16X8, true, false),
            O::I64x2ExtMulLowI32x4S => self.v_extmul(I32X4, false, true),
            O::I64x2ExtMulHighI32x4S => self.v_extmul(I32X4, true, true),
            O::I64x2ExtMulLowI32x4U => self.v_extmul(I32X4, false, false),
            O::I64x2ExtMulHighI32x4U => self.v_extmul(I32X4, true, false),
            O::I16x8ExtAddPairwiseI8x16S => self.v_extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.v_extadd_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.v_extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.v_extadd_pairwise(I16X8, false),

            O::F32x4Abs => self.v_un(F32X4, |s, a| s.b.ins().fabs(a)),
            O::F64x2Abs => self.v_un(F64X2, |s, a| s.b.ins().fabs(a)),
            O::F32x4Neg => self.v_un(F32X4, |s, a| s.b.ins().fneg(a)),
            O::F64x2Neg => self.v_un(F64X2, |s, a| s.b.ins().fneg(a)),
            O::F32x4Sqrt => self.v_un(F32X4, |s, a| s.b.ins().sqrt(a)),
            O::F64x2Sqrt => self.v_un(F64X2, |s, a| s.b.ins().sqrt(a)),
            O::F32x4Ceil => self.v_un(F32X4, |s, a| s.b.ins().ceil(a)),
            O::F64x2Ceil => self.v_un(F64X2, |s, a| s.b.ins().ceil(a)),
            O::F32x4Floor => self.v_un(F32X4, |s, a| s.b.ins().floor(a)),
            O::F64x2Floor => self.v_un(F64X2, |s, a| s.b.ins().floor(a)),
            O::F32x4Trunc => self.v_un(F32X4, |s, a| s.b.ins().trunc(a)),
            O::F64x2Trunc => self.v_un(F64X2, |s, a| s.b.ins().trunc(a)),
            O::F32x4Nearest => self.v_un(F32X4, |s, a| s.b.ins().nearest(a)),
            O::F64x2Nearest => self.v_un(F64X2, |s, a| s.b.ins().nearest(a)),
            O::F32x4Add => self.v_bin(F32X4, |s, a, b| s.b.ins().fadd(a, b)),
            O::F64x2Add => self.v_bin(F64X2, |s, a, b| s.b.ins().fadd(a, b)),
            O::F32x4Sub => self.v_bin(F32X4, |s, a, b| s.b.ins().fsub(a, b)),
            O::F64x2Sub => self.v_bin(F64X2, |s, a, b| s.b.ins().fsub(a, b)),
            O::F32x4Mul => self.v_bin(F32X4, |s, a, b| s.b.ins().fmul(a, b)),
            O::F64x2Mul => self.v_bin(F64X2, |s, a, b| s.b.ins().fmul(a, b)),
            O::F32x4Div => self.v_bin(F32X4, |s, a, b| s.b.ins().fdiv(a, b)),
            O::F64x2Div => self.v_bin(F64X2, |s, a, b| s.b.ins().fdiv(a, b)),
            // CLIF fmin/fmax follow wasm: NaN in, NaN out; -0 below +0.
            O::F32x4Min => self.v_bin(F32X4, |s, a, b| s.b.ins().fmin(a, b)),
            O::F64x2Min => self.v_bin(F64X2, |s, a, b| s.b.ins().fmin(a, b)),
            O::F32x4Max => self.v_bin(F32X4, |s, a, b| s.b.ins().fmax(a, b)),
            O::F64x2Max => self.v_bin(F64X2, |s, a, b| s.b.ins().fmax(a, b)),
            O::F32x4PMin => self.v_pminmax(F32X4, false),
            O::F64x2PMin => self.v_pminmax(F64X2, false),
            O::F32x4PMax => self.v_pminmax(F32X4, true),
            O::F64x2PMax => self.v_pminmax(F64X2, true),

            O::I32x4TruncSatF32x4S => self.v_un(F32X4, |s, a| s.b.ins().fcvt_to_sint_sat(I32X4, a)),
            O::I32x4TruncSatF32x4U => self.v_un(F32X4, |s, a| s.b.ins().fcvt_to_uint_sat(I32X4, a)),
            O::I32x4TruncSatF64x2SZero => self.v_trunc_sat_zero(true),
            O::I32x4TruncSatF64x2UZero => self.v_trunc_sat_zero(false),
            O::F32x4ConvertI32x4S => self.v_un(I32X4, |s, a| s.b.ins().fcvt_from_sint(F32X4, a)),
            O::F32x4ConvertI32x4U => self.v_un(I32X4, |s, a| s.b.ins().fcvt_from_uint(F32X4, a)),
            O::F64x2ConvertLowI32x4S => self.v_un(I32X4, |s, a| {
                let wide = s.b.ins().swiden_low(a);
                s.b.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.v_un(I32X4, |s, a| {
                let wide = s.b.ins().uwiden_low(a);
                s.b.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.v_un(F64X2, |s, a| s.b.ins().fvdemote(a)),
            O::F64x2PromoteLowF32x4 => self.v_un(F32X4, |s, a| s.b.ins().fvpromote_low(a)),
            _ => return false,
        }
        true
    }
}
