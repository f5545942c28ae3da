//! Targeted SIMD generators, for what wasm-smith rarely writes: lane edge
//! values, shuffles and swizzles with lane indices across both operands and
//! out of range, saturating and narrowing operations, widening arithmetic,
//! float lanes (pmin/pmax, rounding, conversions between lane shapes),
//! lane tests, and every kind of SIMD load and store at the memory edge.
//!
//! Float-lane results that can be NaN are canonicalised where they are made
//! (a lane compared with itself selects the lane or the canonical NaN, as
//! wasm-smith's `canonicalize_nans` does), so memory, which the harness
//! compares byte for byte, and integer views of float lanes (bitmasks, lane
//! tests, narrowing) never depend on which NaN an engine produces.

use super::choose::{bits64, chance, finish, pick, range};
use super::memories::Mem;
use arbitrary::Unstructured;
use std::fmt::Write;

/// How an operation takes its operands from the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// v128 -> v128
    Un,
    /// v128 v128 -> v128
    Bin,
    /// v128 i32 -> v128
    Shift,
}

/// Whether a result's float lanes may hold an engine-chosen NaN.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nan {
    /// Bit-exact in every engine (integer ops, masks, sign ops, pmin/pmax).
    Exact,
    F32,
    F64,
}

struct Op(&'static str, Arity, Nan);

use Arity::{Bin, Shift, Un};
use Nan::{Exact, F32, F64};

const BITWISE: &[Op] = &[
    Op("v128.not", Un, Exact),
    Op("v128.and", Bin, Exact),
    Op("v128.andnot", Bin, Exact),
    Op("v128.or", Bin, Exact),
    Op("v128.xor", Bin, Exact),
];

const INTEGER: &[Op] = &[
    Op("i8x16.add", Bin, Exact),
    Op("i8x16.sub", Bin, Exact),
    Op("i8x16.neg", Un, Exact),
    Op("i8x16.abs", Un, Exact),
    Op("i8x16.popcnt", Un, Exact),
    Op("i8x16.min_s", Bin, Exact),
    Op("i8x16.min_u", Bin, Exact),
    Op("i8x16.max_s", Bin, Exact),
    Op("i8x16.max_u", Bin, Exact),
    Op("i8x16.avgr_u", Bin, Exact),
    Op("i8x16.eq", Bin, Exact),
    Op("i8x16.ne", Bin, Exact),
    Op("i8x16.lt_s", Bin, Exact),
    Op("i8x16.lt_u", Bin, Exact),
    Op("i8x16.gt_s", Bin, Exact),
    Op("i8x16.gt_u", Bin, Exact),
    Op("i8x16.le_s", Bin, Exact),
    Op("i8x16.le_u", Bin, Exact),
    Op("i8x16.ge_s", Bin, Exact),
    Op("i8x16.ge_u", Bin, Exact),
    Op("i16x8.add", Bin, Exact),
    Op("i16x8.sub", Bin, Exact),
    Op("i16x8.mul", Bin, Exact),
    Op("i16x8.neg", Un, Exact),
    Op("i16x8.abs", Un, Exact),
    Op("i16x8.min_s", Bin, Exact),
    Op("i16x8.min_u", Bin, Exact),
    Op("i16x8.max_s", Bin, Exact),
    Op("i16x8.max_u", Bin, Exact),
    Op("i16x8.avgr_u", Bin, Exact),
    Op("i16x8.eq", Bin, Exact),
    Op("i16x8.ne", Bin, Exact),
    Op("i16x8.lt_s", Bin, Exact),
    Op("i16x8.lt_u", Bin, Exact),
    Op("i16x8.gt_s", Bin, Exact),
    Op("i16x8.gt_u", Bin, Exact),
    Op("i16x8.le_s", Bin, Exact),
    Op("i16x8.le_u", Bin, Exact),
    Op("i16x8.ge_s", Bin, Exact),
    Op("i16x8.ge_u", Bin, Exact),
    Op("i32x4.add", Bin, Exact),
    Op("i32x4.sub", Bin, Exact),
    Op("i32x4.mul", Bin, Exact),
    Op("i32x4.neg", Un, Exact),
    Op("i32x4.abs", Un, Exact),
    Op("i32x4.min_s", Bin, Exact),
    Op("i32x4.min_u", Bin, Exact),
    Op("i32x4.max_s", Bin, Exact),
    Op("i32x4.max_u", Bin, Exact),
    Op("i32x4.eq", Bin, Exact),
    Op("i32x4.ne", Bin, Exact),
    Op("i32x4.lt_s", Bin, Exact),
    Op("i32x4.lt_u", Bin, Exact),
    Op("i32x4.gt_s", Bin, Exact),
    Op("i32x4.gt_u", Bin, Exact),
    Op("i32x4.le_s", Bin, Exact),
    Op("i32x4.le_u", Bin, Exact),
    Op("i32x4.ge_s", Bin, Exact),
    Op("i32x4.ge_u", Bin, Exact),
    Op("i64x2.add", Bin, Exact),
    Op("i64x2.sub", Bin, Exact),
    Op("i64x2.mul", Bin, Exact),
    Op("i64x2.neg", Un, Exact),
    Op("i64x2.abs", Un, Exact),
    Op("i64x2.eq", Bin, Exact),
    Op("i64x2.ne", Bin, Exact),
    Op("i64x2.lt_s", Bin, Exact),
    Op("i64x2.gt_s", Bin, Exact),
    Op("i64x2.le_s", Bin, Exact),
    Op("i64x2.ge_s", Bin, Exact),
];

const SHIFTS: &[Op] = &[
    Op("i8x16.shl", Shift, Exact),
    Op("i8x16.shr_s", Shift, Exact),
    Op("i8x16.shr_u", Shift, Exact),
    Op("i16x8.shl", Shift, Exact),
    Op("i16x8.shr_s", Shift, Exact),
    Op("i16x8.shr_u", Shift, Exact),
    Op("i32x4.shl", Shift, Exact),
    Op("i32x4.shr_s", Shift, Exact),
    Op("i32x4.shr_u", Shift, Exact),
    Op("i64x2.shl", Shift, Exact),
    Op("i64x2.shr_s", Shift, Exact),
    Op("i64x2.shr_u", Shift, Exact),
];

/// Narrowing, saturating arithmetic and saturating float-to-int conversion.
const SATURATE: &[Op] = &[
    Op("i8x16.narrow_i16x8_s", Bin, Exact),
    Op("i8x16.narrow_i16x8_u", Bin, Exact),
    Op("i16x8.narrow_i32x4_s", Bin, Exact),
    Op("i16x8.narrow_i32x4_u", Bin, Exact),
    Op("i8x16.add_sat_s", Bin, Exact),
    Op("i8x16.add_sat_u", Bin, Exact),
    Op("i8x16.sub_sat_s", Bin, Exact),
    Op("i8x16.sub_sat_u", Bin, Exact),
    Op("i16x8.add_sat_s", Bin, Exact),
    Op("i16x8.add_sat_u", Bin, Exact),
    Op("i16x8.sub_sat_s", Bin, Exact),
    Op("i16x8.sub_sat_u", Bin, Exact),
    Op("i16x8.q15mulr_sat_s", Bin, Exact),
    Op("i32x4.trunc_sat_f32x4_s", Un, Exact),
    Op("i32x4.trunc_sat_f32x4_u", Un, Exact),
    Op("i32x4.trunc_sat_f64x2_s_zero", Un, Exact),
    Op("i32x4.trunc_sat_f64x2_u_zero", Un, Exact),
];

/// Widening: extends, extending multiplies, pairwise adds, dot product.
const WIDEN: &[Op] = &[
    Op("i16x8.extend_low_i8x16_s", Un, Exact),
    Op("i16x8.extend_high_i8x16_s", Un, Exact),
    Op("i16x8.extend_low_i8x16_u", Un, Exact),
    Op("i16x8.extend_high_i8x16_u", Un, Exact),
    Op("i32x4.extend_low_i16x8_s", Un, Exact),
    Op("i32x4.extend_high_i16x8_s", Un, Exact),
    Op("i32x4.extend_low_i16x8_u", Un, Exact),
    Op("i32x4.extend_high_i16x8_u", Un, Exact),
    Op("i64x2.extend_low_i32x4_s", Un, Exact),
    Op("i64x2.extend_high_i32x4_s", Un, Exact),
    Op("i64x2.extend_low_i32x4_u", Un, Exact),
    Op("i64x2.extend_high_i32x4_u", Un, Exact),
    Op("i16x8.extmul_low_i8x16_s", Bin, Exact),
    Op("i16x8.extmul_high_i8x16_s", Bin, Exact),
    Op("i16x8.extmul_low_i8x16_u", Bin, Exact),
    Op("i16x8.extmul_high_i8x16_u", Bin, Exact),
    Op("i32x4.extmul_low_i16x8_s", Bin, Exact),
    Op("i32x4.extmul_high_i16x8_s", Bin, Exact),
    Op("i32x4.extmul_low_i16x8_u", Bin, Exact),
    Op("i32x4.extmul_high_i16x8_u", Bin, Exact),
    Op("i64x2.extmul_low_i32x4_s", Bin, Exact),
    Op("i64x2.extmul_high_i32x4_s", Bin, Exact),
    Op("i64x2.extmul_low_i32x4_u", Bin, Exact),
    Op("i64x2.extmul_high_i32x4_u", Bin, Exact),
    Op("i16x8.extadd_pairwise_i8x16_s", Un, Exact),
    Op("i16x8.extadd_pairwise_i8x16_u", Un, Exact),
    Op("i32x4.extadd_pairwise_i16x8_s", Un, Exact),
    Op("i32x4.extadd_pairwise_i16x8_u", Un, Exact),
    Op("i32x4.dot_i16x8_s", Bin, Exact),
];

/// Float lanes: arithmetic (canonicalised), pmin/pmax and sign operations
/// (bit-exact), rounding, comparisons, conversions between lane shapes.
const FLOAT: &[Op] = &[
    Op("f32x4.add", Bin, F32),
    Op("f32x4.sub", Bin, F32),
    Op("f32x4.mul", Bin, F32),
    Op("f32x4.div", Bin, F32),
    Op("f32x4.min", Bin, F32),
    Op("f32x4.max", Bin, F32),
    Op("f32x4.pmin", Bin, Exact),
    Op("f32x4.pmax", Bin, Exact),
    Op("f32x4.sqrt", Un, F32),
    Op("f32x4.ceil", Un, F32),
    Op("f32x4.floor", Un, F32),
    Op("f32x4.trunc", Un, F32),
    Op("f32x4.nearest", Un, F32),
    Op("f32x4.abs", Un, Exact),
    Op("f32x4.neg", Un, Exact),
    Op("f32x4.eq", Bin, Exact),
    Op("f32x4.ne", Bin, Exact),
    Op("f32x4.lt", Bin, Exact),
    Op("f32x4.gt", Bin, Exact),
    Op("f32x4.le", Bin, Exact),
    Op("f32x4.ge", Bin, Exact),
    Op("f64x2.add", Bin, F64),
    Op("f64x2.sub", Bin, F64),
    Op("f64x2.mul", Bin, F64),
    Op("f64x2.div", Bin, F64),
    Op("f64x2.min", Bin, F64),
    Op("f64x2.max", Bin, F64),
    Op("f64x2.pmin", Bin, Exact),
    Op("f64x2.pmax", Bin, Exact),
    Op("f64x2.sqrt", Un, F64),
    Op("f64x2.ceil", Un, F64),
    Op("f64x2.floor", Un, F64),
    Op("f64x2.trunc", Un, F64),
    Op("f64x2.nearest", Un, F64),
    Op("f64x2.abs", Un, Exact),
    Op("f64x2.neg", Un, Exact),
    Op("f64x2.eq", Bin, Exact),
    Op("f64x2.ne", Bin, Exact),
    Op("f64x2.lt", Bin, Exact),
    Op("f64x2.gt", Bin, Exact),
    Op("f64x2.le", Bin, Exact),
    Op("f64x2.ge", Bin, Exact),
    Op("f32x4.convert_i32x4_s", Un, Exact),
    Op("f32x4.convert_i32x4_u", Un, Exact),
    Op("f64x2.convert_low_i32x4_s", Un, Exact),
    Op("f64x2.convert_low_i32x4_u", Un, Exact),
    Op("f32x4.demote_f64x2_zero", Un, F32),
    Op("f64x2.promote_low_f32x4", Un, F64),
];

const GROUPS: &[&[Op]] = &[BITWISE, INTEGER, SHIFTS, SATURATE, WIDEN, FLOAT];

/// A lane shape: its name, the scalar type of a lane, and its lane count.
struct Shape(&'static str, &'static str, u32);

const SHAPES: &[Shape] = &[
    Shape("i8x16", "i32", 16),
    Shape("i16x8", "i32", 8),
    Shape("i32x4", "i32", 4),
    Shape("i64x2", "i64", 2),
    Shape("f32x4", "f32", 4),
    Shape("f64x2", "f64", 2),
];

/// Lane edge values per lane width, as bits: integer limits, narrowing and
/// saturation bounds, float ±0, ±1, halves (rounding), ±inf, NaNs (quiet,
/// signalling, negative, with payload), subnormals, the largest finite
/// value, and floats just inside and outside the i32/u32 range.
const EDGE8: &[u64] = &[0, 1, 0x7f, 0x80, 0xff, 0x7e, 0x81, 0x10, 0x1f, 0x20];
const EDGE16: &[u64] = &[
    0, 1, 0x7f, 0x80, 0xff, 0x100, 0xff80, 0xff7f, 0x7fff, 0x8000, 0xffff, 0x4000, 0xc000,
];
const EDGE32: &[u64] = &[
    0,
    1,
    0xffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0xffff_8000,
    0xffff_7fff,
    // f32: -0, ±1, ±0.5, 1.5, 2.5, -2.5, ±inf, NaNs, subnormal, max finite
    0x8000_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x3f00_0000,
    0xbf00_0000,
    0x3fc0_0000,
    0x4020_0000,
    0xc020_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0xffc0_0000,
    0x7fa0_0000,
    0x7f80_0001,
    0x0000_0001,
    0x807f_ffff,
    0x7f7f_ffff,
    // f32: 2^31, -2^31, 2^32, largest below 2^31 and 2^32, just below -2^31
    0x4f00_0000,
    0xcf00_0000,
    0x4f80_0000,
    0x4eff_ffff,
    0x4f7f_ffff,
    0xcf00_0001,
];
const EDGE64: &[u64] = &[
    0,
    1,
    u64::MAX,
    0x8000_0000_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0xffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff_8000_0000,
    // f64: -0, ±1, 0.5, -2.5, ±inf, NaNs, subnormal, max finite
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x3fe0_0000_0000_0000,
    0xc004_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0000,
    0x7ff4_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x7fef_ffff_ffff_ffff,
    // f64: 2^31 - 0.5, 2^31, -2^31 - 1, 2^32 - 0.5, 2^32, -0.75
    0x41df_ffff_ffe0_0000,
    0x41e0_0000_0000_0000,
    0xc1e0_0000_0020_0000,
    0x41ef_ffff_fff0_0000,
    0x41f0_0000_0000_0000,
    0xbfe8_0000_0000_0000,
];

/// A v128 whose lanes (of a random width) are mostly edge values.
fn lanes_value(u: &mut Unstructured) -> u128 {
    let (width, edges): (u32, &[u64]) =
        *pick(u, &[(8, EDGE8), (16, EDGE16), (32, EDGE32), (64, EDGE64)]);
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    (0..128 / width).fold(0u128, |v, lane| {
        let x = if chance(u, 3, 4) {
            *pick(u, edges)
        } else {
            bits64(u) & mask
        };
        v | (x as u128) << (lane * width)
    })
}

fn v128_const(v: u128) -> String {
    format!(
        "(v128.const i64x2 0x{:016x} 0x{:016x})",
        v as u64,
        (v >> 64) as u64
    )
}

/// What a function concentrates on; each draws two thirds of its operations
/// from its own pool and the rest from every pool.
#[derive(Clone, Copy)]
enum Focus {
    Mixed,
    Lanes,
    Saturate,
    Widen,
    Float,
}

/// Writes stack-form instructions leaving one v128 on the stack. Lanes
/// functions take `(param $a v128) (param $b v128) (param $i i32) (param $l
/// i64) (param $f f32) (param $d f64)` and have a v128 temporary `$t`.
struct Expr<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    focus: Focus,
    nodes: u32,
    /// Highest in-bounds address of a 16-byte load.
    load_limit: u32,
}

impl Expr<'_, '_> {
    fn emit(&mut self, w: &mut String, depth: u32) {
        self.nodes += 1;
        if depth == 0 || self.nodes > 48 || chance(self.u, 1, 5) {
            return self.leaf(w);
        }
        // Lane-focused functions shuffle, swizzle, select (lanes or whole
        // vectors) and replace lanes half of the time; the others one time
        // in three.
        let special = match self.focus {
            Focus::Lanes => 7,
            _ => 11,
        };
        match range(self.u, 0, special) {
            0 => self.shuffle(w, depth),
            1 => self.swizzle(w, depth),
            2 => self.replace_lane(w, depth),
            3 => {
                self.emit(w, depth - 1);
                self.emit(w, depth - 1);
                // `select` of two vectors, untyped and typed: tiers track
                // a vector operand's width to pick the whole value.
                match range(self.u, 0, 3) {
                    0 => w.push_str(" local.get $i select"),
                    1 => w.push_str(" local.get $i select (result v128)"),
                    _ => {
                        self.emit(w, depth - 1);
                        w.push_str(" v128.bitselect");
                    }
                }
            }
            _ => self.op(w, depth),
        }
    }

    fn op(&mut self, w: &mut String, depth: u32) {
        let own = match self.focus {
            Focus::Saturate => Some(SATURATE),
            Focus::Widen => Some(WIDEN),
            Focus::Float => Some(FLOAT),
            Focus::Lanes | Focus::Mixed => None,
        };
        let pool: &[Op] = match own {
            Some(own) if chance(self.u, 2, 3) => own,
            _ => pick::<&[Op]>(self.u, GROUPS),
        };
        let Op(name, arity, nan) = pick(self.u, pool);
        self.emit(w, depth - 1);
        match arity {
            Un => {}
            Bin => self.emit(w, depth - 1),
            Shift => {
                let count = if chance(self.u, 1, 3) {
                    "local.get $i".to_string()
                } else {
                    let n = *pick(
                        self.u,
                        &[
                            0i32,
                            1,
                            7,
                            8,
                            9,
                            15,
                            16,
                            17,
                            31,
                            32,
                            33,
                            63,
                            64,
                            65,
                            -1,
                            0x7fff_ffff,
                        ],
                    );
                    format!("i32.const {n}")
                };
                let _ = write!(w, " {count}");
            }
        }
        let _ = write!(w, " {name}");
        canonicalise(w, *nan);
    }

    fn leaf(&mut self, w: &mut String) {
        match range(self.u, 0, 6) {
            0 => w.push_str(" local.get $a"),
            1 => w.push_str(" local.get $b"),
            2 | 3 => {
                let v = lanes_value(self.u);
                let _ = write!(w, " {}", v128_const(v));
            }
            4 => {
                let Shape(shape, ty, _) = pick(self.u, SHAPES);
                let s = scalar(self.u, ty);
                let _ = write!(w, " {s} {shape}.splat");
            }
            5 => {
                let limit = self.load_limit;
                let addr = range(self.u, 0, limit);
                let offset = range(self.u, 0, limit - addr);
                let align = *pick(self.u, &[16, 1, 2, 4, 8]);
                let _ = write!(
                    w,
                    " (v128.load offset={offset} align={align} (i32.const {addr}))"
                );
            }
            _ => w.push_str(" local.get $b"),
        }
    }

    /// `i8x16.shuffle` with lane indices from both operands (0..=31).
    fn shuffle(&mut self, w: &mut String, depth: u32) {
        self.emit(w, depth - 1);
        self.emit(w, depth - 1);
        let pattern = range(self.u, 0, 4);
        let lanes: Vec<u32> = (0..16)
            .map(|i| match pattern {
                0 => 31 - i,
                1 => i / 2 + 16 * (i % 2),
                2 => *pick(self.u, &[0, 15, 16, 31]),
                _ => range(self.u, 0, 31),
            })
            .collect();
        let _ = write!(
            w,
            " i8x16.shuffle {}",
            lanes
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }

    /// `i8x16.swizzle` with index lanes in range, at 15/16, and far out.
    fn swizzle(&mut self, w: &mut String, depth: u32) {
        self.emit(w, depth - 1);
        if chance(self.u, 2, 3) {
            let indices = (0..16).fold(0u128, |v, lane| {
                let i = *pick(self.u, &[0u8, 1, 7, 15, 16, 17, 31, 32, 127, 128, 200, 255]);
                v | (i as u128) << (8 * lane)
            });
            let _ = write!(w, " {}", v128_const(indices));
        } else {
            self.emit(w, depth - 1);
        }
        w.push_str(" i8x16.swizzle");
    }

    fn replace_lane(&mut self, w: &mut String, depth: u32) {
        self.emit(w, depth - 1);
        let Shape(shape, ty, lanes) = pick(self.u, SHAPES);
        let lane = range(self.u, 0, lanes - 1);
        let s = scalar(self.u, ty);
        let _ = write!(w, " {s} {shape}.replace_lane {lane}");
    }
}

/// A scalar operand: a parameter or an edge constant, floats bit-exact.
fn scalar(u: &mut Unstructured, ty: &str) -> String {
    let from_param = chance(u, 1, 3);
    match ty {
        "i32" if from_param => "local.get $i".into(),
        "i64" if from_param => "local.get $l".into(),
        "f32" if from_param => "local.get $f".into(),
        "f64" if from_param => "local.get $d".into(),
        "i32" => format!("i32.const 0x{:x}", *pick(u, EDGE32) as u32),
        "i64" => format!("i64.const 0x{:x}", *pick(u, EDGE64)),
        "f32" => format!(
            "(f32.reinterpret_i32 (i32.const 0x{:x}))",
            *pick(u, EDGE32) as u32
        ),
        _ => format!("(f64.reinterpret_i64 (i64.const 0x{:x}))", *pick(u, EDGE64)),
    }
}

/// Replaces NaN lanes of the v128 on the stack with the canonical NaN.
fn canonicalise(w: &mut String, nan: Nan) {
    let (eq, canonical) = match nan {
        Exact => return,
        F32 => (
            "f32x4.eq",
            "i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000",
        ),
        F64 => ("f64x2.eq", "i64x2 0x7ff8000000000000 0x7ff8000000000000"),
    };
    let _ = write!(
        w,
        " local.set $t local.get $t v128.const {canonical} local.get $t local.get $t {eq} v128.bitselect"
    );
}

/// Lane operations: each function builds a v128 expression over edge
/// constants, parameters, splats and loads, then returns it (sometimes after
/// storing it), tests it (bitmask, all_true, any_true) or extracts a lane.
pub fn lanes(u: &mut Unstructured) -> Vec<u8> {
    let mut w = String::from("(module\n  (memory (export \"mem\") 1 1)\n");
    let data: String = (0..64)
        .map(|_| format!("\\{:02x}", *pick(u, EDGE8) as u8 ^ range(u, 0, 1) as u8))
        .collect();
    let _ = writeln!(w, "  (data (i32.const 0) \"{data}\")");
    let count = range(u, 2, 10);
    for i in 0..count {
        let focus = *pick(
            u,
            &[
                Focus::Mixed,
                Focus::Lanes,
                Focus::Saturate,
                Focus::Widen,
                Focus::Float,
            ],
        );
        let mut body = String::new();
        let mut expr = Expr {
            u,
            focus,
            nodes: 0,
            load_limit: 65_520,
        };
        let depth = range(expr.u, 2, 6);
        expr.emit(&mut body, depth);
        let result = match range(u, 0, 5) {
            0 => {
                let addr = range(u, 0, 65_520);
                let _ = write!(
                    body,
                    " local.set $r (v128.store offset=0 (i32.const {addr}) (local.get $r)) local.get $r"
                );
                "v128"
            }
            1 => {
                let test = *pick(
                    u,
                    &[
                        "v128.any_true",
                        "i8x16.all_true",
                        "i16x8.all_true",
                        "i32x4.all_true",
                        "i64x2.all_true",
                        "i8x16.bitmask",
                        "i16x8.bitmask",
                        "i32x4.bitmask",
                        "i64x2.bitmask",
                    ],
                );
                let _ = write!(body, " {test}");
                "i32"
            }
            2 => {
                let Shape(shape, ty, lanes) = pick(u, SHAPES);
                let lane = range(u, 0, lanes - 1);
                let sign = match *shape {
                    "i8x16" | "i16x8" => *pick(u, &["_s", "_u"]),
                    _ => "",
                };
                let _ = write!(body, " {shape}.extract_lane{sign} {lane}");
                ty
            }
            _ => "v128",
        };
        let _ = writeln!(
            w,
            "  (func (export \"s{i}\") (param $a v128) (param $b v128) (param $i i32) (param $l i64) (param $f f32) (param $d f64) (result {result}) (local $t v128) (local $r v128)\n   {body})"
        );
    }
    w.push(')');
    finish(w)
}

/// SIMD loads: (name, bytes read).
const LOADS: &[(&str, u64)] = &[
    ("v128.load", 16),
    ("v128.load8x8_s", 8),
    ("v128.load8x8_u", 8),
    ("v128.load16x4_s", 8),
    ("v128.load16x4_u", 8),
    ("v128.load32x2_s", 8),
    ("v128.load32x2_u", 8),
    ("v128.load8_splat", 1),
    ("v128.load16_splat", 2),
    ("v128.load32_splat", 4),
    ("v128.load64_splat", 8),
    ("v128.load32_zero", 4),
    ("v128.load64_zero", 8),
];

/// Lane loads and stores: (name, bytes, lanes).
const LANE_LOADS: &[(&str, u64, u32)] = &[
    ("v128.load8_lane", 1, 16),
    ("v128.load16_lane", 2, 8),
    ("v128.load32_lane", 4, 4),
    ("v128.load64_lane", 8, 2),
];
const LANE_STORES: &[(&str, u64, u32)] = &[
    ("v128.store8_lane", 1, 16),
    ("v128.store16_lane", 2, 8),
    ("v128.store32_lane", 4, 4),
    ("v128.store64_lane", 8, 2),
];

/// A power-of-two alignment hint no larger than `width`.
fn align(u: &mut Unstructured, width: u64) -> u64 {
    let max = width.trailing_zeros();
    1 << range(u, 0, max)
}

/// Every SIMD load and store (plain, lane, splat, zero- and sign/zero-
/// extending) at the first and last valid byte and one past it, by
/// constant and by parameter, before and after `memory.grow`, on a 32-bit
/// memory or, when `memory64` is on, a 64-bit one. With `multi_memory`, a
/// third of the modules put that memory second, after a one-page memory
/// nothing uses, so every access names memory 1; that choice reads no input
/// of its own, so every other choice stays what it is without it.
pub fn memory(u: &mut Unstructured, memory64: bool, multi_memory: bool) -> Vec<u8> {
    let index64 = memory64 && chance(u, 1, 2);
    let mem = Mem::new(u, 0, index64);
    let it = mem.ty();
    let data: Option<String> = (mem.min > 0).then(|| {
        (0..48)
            .map(|_| format!("\\{:02x}", *pick(u, EDGE8) as u8))
            .collect()
    });
    // A constant address (and offset) at an edge, for a `width`-byte access.
    let at = |u: &mut Unstructured, width: u64| {
        let o = mem.offset(u);
        let a = mem.address(u, width, o);
        (mem.konst(a), o)
    };
    let count = range(u, 3, 14);
    let mut w = String::from("(module\n");
    // The memory accesses name: nothing for memory 0, `$m1 ` for memory 1.
    let m = if multi_memory && count.is_multiple_of(3) {
        w.push_str("  (memory $m0 (export \"mem0\") 1 1)\n");
        w.push_str(&mem.decl_at(1));
        "$m1 "
    } else {
        w.push_str(&mem.decl());
        ""
    };
    if let Some(data) = data {
        let end = mem.min * 65_536 - 48;
        let target = if m.is_empty() { "" } else { "(memory $m1) " };
        let _ = writeln!(w, "  (data {target}({it}.const 0) \"{data}\")");
        let _ = writeln!(w, "  (data {target}({it}.const {end}) \"{data}\")");
    }
    for i in 0..count {
        let body = match range(u, 0, 6) {
            0 => {
                let (op, width) = *pick(u, LOADS);
                let (a, o) = at(u, width);
                let al = align(u, width);
                format!("(result v128) ({op} {m}offset={o} align={al} {a})")
            }
            1 => {
                let (op, _) = *pick(u, LOADS);
                let o = *pick(u, &[0u64, 1, 65_520, 65_535]);
                let a = mem.dynamic(u, 0);
                format!("(param {it}) (result v128) ({op} {m}offset={o} {a})")
            }
            2 => {
                let (op, width, lanes) = *pick(u, LANE_LOADS);
                let (a, o) = at(u, width);
                let lane = range(u, 0, lanes - 1);
                let al = align(u, width);
                format!("(param v128) (result v128) ({op} {m}offset={o} align={al} {lane} {a} (local.get 0))")
            }
            3 => {
                let (op, width, lanes) = *pick(u, LANE_STORES);
                let (a, o) = at(u, width);
                let lane = range(u, 0, lanes - 1);
                format!("(param v128) ({op} {m}offset={o} {lane} {a} (local.get 0))")
            }
            4 => {
                let (a, o) = at(u, 16);
                let al = align(u, 16);
                let v = v128_const(lanes_value(u));
                format!("(v128.store {m}offset={o} align={al} {a} {v})")
            }
            5 => {
                let (back, width) = *pick(u, LOADS);
                let (a, o) = at(u, width);
                let stored = mem.dynamic(u, 0);
                format!(
                    "(param {it} v128) (result v128) (v128.store {m}{stored} (local.get 1)) ({back} {m}offset={o} {a})"
                )
            }
            _ => {
                let delta = range(u, 0, 2);
                let (op, width) = *pick(u, LOADS);
                let (a, o) = at(u, width);
                format!(
                    "(result v128) (drop (memory.grow {m}({it}.const {delta}))) ({op} {m}offset={o} {a})"
                )
            }
        };
        let _ = writeln!(w, "  (func (export \"v{i}\") {body})");
    }
    w.push(')');
    finish(w)
}
