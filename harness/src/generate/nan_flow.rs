//! NaN bits where they matter: modules that make NaNs (from payload
//! constants, arguments, `inf - inf`, `0 * inf`, `0 / 0`, `sqrt` of a
//! negative, scalar and in `f32x4`/`f64x2` lanes) and move their bits into
//! integers (`reinterpret`, lane extraction, a store then an integer load),
//! addresses, branch conditions, `select` and table indices.
//!
//! Every tier follows one NaN rule (`tierdiff_runtime::nan`), so all of
//! this is compared bit for bit; the other generators canonicalise NaNs
//! where they are made and never reach it.

use super::choose::{finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

/// NaN-making f32 expressions over the parameter `$x` (an f32).
const F32_SOURCES: &[&str] = &[
    "(f32.add (local.get $x) (f32.const nan:0x200001))",
    "(f32.sub (f32.const inf) (f32.const inf))",
    "(f32.mul (f32.const 0) (f32.const -inf))",
    "(f32.div (local.get $x) (local.get $x))",
    "(f32.sqrt (f32.neg (f32.abs (local.get $x))))",
    "(f32.min (f32.const -nan:0x123) (local.get $x))",
    "(f32.max (local.get $x) (f32.const nan:0x7fffff))",
    "(f32.ceil (f32.const -nan:0x1))",
    "(f32.nearest (f32.add (local.get $x) (f32.const -nan:0x400001)))",
    "(f32.demote_f64 (f64.const nan:0x8000000000001))",
    "(f32.demote_f64 (f64.sub (f64.const -inf) (f64.const -inf)))",
    // Bit instructions keep the payload: no rule applies, bits must survive.
    "(f32.neg (f32.const nan:0x12345))",
    "(f32.copysign (f32.const nan:0x1) (local.get $x))",
    "(local.get $x)",
];

/// NaN-making f64 expressions over `$y` (an f64).
const F64_SOURCES: &[&str] = &[
    "(f64.add (local.get $y) (f64.const nan:0x4000000000001))",
    "(f64.sub (f64.const -inf) (f64.const -inf))",
    "(f64.div (f64.const 0) (local.get $y))",
    "(f64.sqrt (f64.const -1))",
    "(f64.min (local.get $y) (f64.const -nan:0x1))",
    "(f64.floor (f64.const nan:0x1))",
    "(f64.promote_f32 (f32.const -nan:0x3))",
    "(f64.promote_f32 (f32.div (f32.const 0) (f32.const 0)))",
    "(f64.abs (f64.const -nan:0xfffff))",
    "(local.get $y)",
];

/// NaN-making v128 expressions (f32x4 or f64x2 lanes) over `$x`, `$y`.
const V128_SOURCES: &[&str] = &[
    "(f32x4.add (f32x4.splat (local.get $x)) (v128.const f32x4 nan:0x1 1 -inf -nan:0x200000))",
    "(f32x4.sqrt (v128.const f32x4 -1 -0 nan:0x5 -inf))",
    "(f32x4.mul (v128.const f32x4 0 inf -0 1) (v128.const f32x4 inf 0 -inf nan:0x7))",
    "(f64x2.max (f64x2.splat (local.get $y)) (v128.const f64x2 -nan:0x10 1))",
    "(f64x2.div (v128.const f64x2 0 -0) (v128.const f64x2 0 0))",
    "(f64x2.promote_low_f32x4 (v128.const f32x4 -nan:0x2 nan:0x400002 0 0))",
    "(f32x4.demote_f64x2_zero (f64x2.splat (local.get $y)))",
    "(f32x4.min (f32x4.splat (local.get $x)) (v128.const f32x4 -nan:0x100 2 nan 3))",
    "(f32x4.pmax (v128.const f32x4 nan:0x9 1 2 3) (f32x4.splat (local.get $x)))",
];

/// An i32 made from the bits of a NaN source.
fn bits32(u: &mut Unstructured) -> String {
    match range(u, 0, 5) {
        0 => format!("(i32.reinterpret_f32 {})", pick(u, F32_SOURCES)),
        1 => format!(
            "(i32.wrap_i64 (i64.reinterpret_f64 {}))",
            pick(u, F64_SOURCES)
        ),
        2 => format!(
            "(i64.eq (i64.reinterpret_f64 {}) (i64.const 0x7ff8000000000000))",
            pick(u, F64_SOURCES)
        ),
        3 => format!(
            "(i32x4.extract_lane {} {})",
            range(u, 0, 3),
            pick(u, V128_SOURCES)
        ),
        4 => format!(
            "(i8x16.extract_lane_s {} {})",
            range(u, 0, 15),
            pick(u, V128_SOURCES)
        ),
        _ => {
            // Through memory: a float store, then an integer load.
            let at = 8 * range(u, 0, 7);
            format!(
                "(block (result i32) (f32.store (i32.const {at}) {}) (i32.load{} (i32.const {at})))",
                pick(u, F32_SOURCES),
                pick(u, &["", "8_u", "16_s"])
            )
        }
    }
}

/// One function body that sends NaN bits somewhere observable.
fn body(u: &mut Unstructured) -> String {
    // Two sources folded into one value: more NaN makers per call.
    let bits = format!("(i32.xor {} {})", bits32(u), bits32(u));
    match range(u, 0, 6) {
        // The bits themselves.
        0 => bits,
        // As an address: a different bit is another byte, or a trap.
        1 => format!("(i32.load8_u (i32.and {bits} (i32.const 0xffff)))"),
        2 => format!("(i32.load offset=3 (i32.shr_u {bits} (i32.const {})))", range(u, 12, 22)),
        // As a branch condition.
        3 => format!(
            "(block (result i32) (br_if 0 (i32.const 7) (i32.and {bits} (i32.const {}))) (drop) (i32.const 9))",
            *pick(u, &[1, 0x100, 0x400000, 0x80000000u32]) as i32
        ),
        4 => format!(
            "(select (i32.const 1) (i32.const 2) (i32.and (i32.shr_u {bits} (i32.const {})) (i32.const 1)))",
            range(u, 0, 31)
        ),
        // As a table index: another bit calls another function, or traps.
        5 => format!("(call_indirect (type $r) (i32.and {bits} (i32.const 7)))"),
        // Stored, so memory holds the bits.
        _ => format!(
            "(i32.store (i32.const {}) {bits}) (i32.load (i32.const 64))",
            64 + 4 * range(u, 0, 3)
        ),
    }
}

/// A module of a few such functions, each taking an f32 and an f64 (the
/// plan passes NaNs, infinities and zeros among its edge values).
pub fn module(u: &mut Unstructured) -> Vec<u8> {
    let mut w = String::from(
        "(module\n  (type $r (func (result i32)))\n  (memory (export \"memory\") 1 1)\n  (table 6 funcref)\n",
    );
    // Four targets for table indices; slots 4 and 5 stay null.
    w.push_str("  (elem (i32.const 0) $t0 $t1 $t2 $t3)\n");
    for k in 0..4 {
        let _ = writeln!(w, "  (func $t{k} (type $r) (i32.const {}))", 100 + k);
    }
    for f in 0..range(u, 2, 6) {
        let _ = writeln!(
            w,
            "  (func (export \"nan{f}\") (param $x f32) (param $y f64) (result i32)\n    {})",
            body(u)
        );
    }
    w.push(')');
    finish(w)
}
