//! SIMD in the classic tier: `v128` values through every place a value can
//! go (parameters, results, locals, globals, blocks, branches, `drop`,
//! `select`, direct, indirect and host calls), lane semantics at the edges
//! where runtimes go wrong (saturation, out-of-range lanes, NaN and signed
//! zeros, shift counts, wrapping), and SIMD loads and stores at the memory
//! edge. Expected values are worked out by hand from the spec, lane by lane.
//!
//! The default loader still refuses SIMD until every tier runs it, so these
//! modules load with `Module::new_with_features`.

use std::sync::Arc;
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{
    CallError, Extern, FuncType, Limits, Linker, Module, Store, TierKind, TrapCode, Val, ValType,
};

/// Instantiates `wat` on the classic tier (with `linker`'s imports) and
/// calls `name`; also checks that no internal map reports a violation.
fn call_linked(
    store: &mut Store,
    linker: &Linker,
    wat: &str,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, TrapCode> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let inst = store.instantiate(&module, linker).expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let result = store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    });
    assert!(store.violations().is_empty(), "{:?}", store.violations());
    result
}

fn call(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let mut store = Store::new(TierKind::Classic, Limits::default()).expect("classic exists");
    call_linked(&mut store, &Linker::default(), wat, name, args)
}

/// The single v128 result of a call.
fn v128(result: Result<Vec<Val>, TrapCode>) -> u128 {
    match result.as_deref() {
        Ok([Val::V128(v)]) => *v,
        other => panic!("expected one v128, got {other:?}"),
    }
}

// Lane builders, lane 0 lowest (written here, independently of the tier).
fn from_bytes(b: Vec<u8>) -> u128 {
    u128::from_le_bytes(b.try_into().expect("16 bytes"))
}
fn i8s(l: [i8; 16]) -> u128 {
    from_bytes(l.iter().map(|x| *x as u8).collect())
}
fn i16s(l: [i16; 8]) -> u128 {
    from_bytes(l.iter().flat_map(|x| x.to_le_bytes()).collect())
}
fn i32s(l: [i32; 4]) -> u128 {
    from_bytes(l.iter().flat_map(|x| x.to_le_bytes()).collect())
}
fn i64s(l: [i64; 2]) -> u128 {
    from_bytes(l.iter().flat_map(|x| x.to_le_bytes()).collect())
}
fn f32s(l: [f32; 4]) -> u128 {
    from_bytes(l.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect())
}
fn f64s(l: [f64; 2]) -> u128 {
    from_bytes(l.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect())
}
fn f32_lanes(v: u128) -> [u32; 4] {
    std::array::from_fn(|i| (v >> (32 * i)) as u32)
}

/// `op` applied to two v128 parameters.
fn binary(op: &str, a: u128, b: u128) -> u128 {
    let wat = format!(
        r#"(module (func (export "f") (param v128 v128) (result v128)
            ({op} (local.get 0) (local.get 1))))"#
    );
    v128(call(&wat, "f", &[Val::V128(a), Val::V128(b)]))
}

/// `op` applied to one v128 parameter.
fn unary(op: &str, a: u128) -> u128 {
    let wat =
        format!(r#"(module (func (export "f") (param v128) (result v128) ({op} (local.get 0))))"#);
    v128(call(&wat, "f", &[Val::V128(a)]))
}

/// `op` applied to a v128 and an i32 (a shift), or giving an i32 (a test).
fn shift(op: &str, a: u128, count: i32) -> u128 {
    let wat = format!(
        r#"(module (func (export "f") (param v128 i32) (result v128)
            ({op} (local.get 0) (local.get 1))))"#
    );
    v128(call(&wat, "f", &[Val::V128(a), Val::I32(count)]))
}

fn test_op(op: &str, a: u128) -> i32 {
    let wat =
        format!(r#"(module (func (export "f") (param v128) (result i32) ({op} (local.get 0))))"#);
    match call(&wat, "f", &[Val::V128(a)]).as_deref() {
        Ok([Val::I32(v)]) => *v,
        other => panic!("{op}: {other:?}"),
    }
}

#[test]
fn v128_values_travel_through_locals_blocks_branches_drop_and_select() {
    // Swaps the halves of its argument through locals and a tee, keeping an
    // i32 and an i64 around it to catch a v128 taking the wrong number of cells.
    let wat = r#"(module
      (func (export "swap") (param i32 v128 i64) (result i64 v128 i32)
        (local v128 f32)
        (local.set 3 (i64x2.replace_lane 1 (local.get 1) (i64x2.extract_lane 0 (local.get 1))))
        (local.tee 3 (i64x2.replace_lane 0 (local.get 3) (i64x2.extract_lane 1 (local.get 1))))
        drop
        (local.get 2) (local.get 3) (local.get 0))
      ;; An untyped select and drop whose operands are v128: the validator says so.
      (func (export "pick") (param i32) (result i32 v128)
        (i32.const 7)
        (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8)
        (v128.const i64x2 -1 -1) drop
        (select (local.get 0)))
      (func (export "typed") (param i32) (result v128)
        (select (result v128) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
                              (v128.const i8x16 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2) (local.get 0)))
      ;; A v128 leaves a block by br_if and by falling off its end.
      (func (export "branch") (param i32) (result v128)
        (block (result v128)
          (v128.const i32x4 9 9 9 9)
          (br_if 0 (local.get 0))
          drop
          (v128.const i32x4 3 3 3 3)))
      ;; A loop whose parameter is a v128 (a type-index block type).
      (type $t (func (param v128) (result v128)))
      (func (export "loop") (param i32) (result v128)
        (v128.const i32x4 0 0 0 0)
        (loop (type $t)
          (i32x4.add (v128.const i32x4 1 2 3 4))
          (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let x = i64s([0x1111, 0x2222]);
    assert_eq!(
        call(wat, "swap", &[Val::I32(-5), Val::V128(x), Val::I64(-9)]),
        Ok(vec![
            Val::I64(-9),
            Val::V128(i64s([0x2222, 0x1111])),
            Val::I32(-5)
        ])
    );
    let pick = |c| call(wat, "pick", &[Val::I32(c)]);
    assert_eq!(
        pick(1),
        Ok(vec![Val::I32(7), Val::V128(i32s([1, 2, 3, 4]))])
    );
    assert_eq!(
        pick(0),
        Ok(vec![Val::I32(7), Val::V128(i32s([5, 6, 7, 8]))])
    );
    assert_eq!(v128(call(wat, "typed", &[Val::I32(0)])), i8s([2; 16]));
    assert_eq!(v128(call(wat, "branch", &[Val::I32(1)])), i32s([9; 4]));
    assert_eq!(v128(call(wat, "branch", &[Val::I32(0)])), i32s([3; 4]));
    assert_eq!(v128(call(wat, "loop", &[Val::I32(3)])), i32s([3, 6, 9, 12]));
}

#[test]
fn v128_arguments_and_results_cross_direct_indirect_and_host_calls() {
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let mut linker = Linker::default();
    // The host reverses the lanes' order and adds its i32 argument to lane 0.
    let ty = FuncType {
        params: vec![ValType::V128, ValType::I32],
        results: vec![ValType::V128],
    };
    let host = store.alloc_host_func(
        ty,
        Arc::new(|_, args| match args {
            [Val::V128(v), Val::I32(k)] => {
                let l: [u32; 4] = std::array::from_fn(|i| (v >> (32 * i)) as u32);
                let r = [l[3].wrapping_add(*k as u32), l[2], l[1], l[0]];
                Ok(vec![Val::V128(
                    r.iter()
                        .enumerate()
                        .fold(0u128, |acc, (i, x)| acc | (*x as u128) << (32 * i)),
                )])
            }
            other => panic!("host called with {other:?}"),
        }),
    );
    linker.define("host", "rev", Extern::Func(host));
    let wat = r#"(module
      (import "host" "rev" (func $rev (param v128 i32) (result v128)))
      (type $vv (func (param i64 v128) (result i64 v128)))
      (table 2 funcref)
      (elem (i32.const 0) $twice $rev)
      (global $g (mut v128) (v128.const i32x4 0 0 0 0))
      (func $twice (param i64 v128) (result i64 v128)
        (local.get 0) (i32x4.add (local.get 1) (local.get 1)))
      ;; Scalar code calling a v128 function and back: the loop build changes hands.
      (func $scalar (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "f") (param v128) (result v128 i64 i32)
        (call $twice (i64.const 5) (local.get 0))
        (call_indirect (type $vv) (i32.const 0))
        (global.set $g)
        drop
        (call $rev (global.get $g) (i32.const 100))
        (i64.const 6)
        (call $scalar (i32.const 41))))"#;
    let result = call_linked(
        &mut store,
        &linker,
        wat,
        "f",
        &[Val::V128(i32s([1, 2, 3, 4]))],
    );
    assert_eq!(
        result,
        Ok(vec![
            Val::V128(i32s([116, 12, 8, 4])),
            Val::I64(6),
            Val::I32(42)
        ])
    );
}

#[test]
fn v128_globals_and_a_drop_of_a_call_result_without_v128_locals() {
    // `$get` has no v128 local or parameter: only the validator knows that
    // its drop moves a v128.
    let wat = r#"(module
      (global $g (export "g") (mut v128) (v128.const i64x2 1 2))
      (func $v (result v128) (global.get $g))
      (func (export "get") (result i64)
        (call $v) drop
        (global.set $g (i64x2.add (global.get $g) (global.get $g)))
        (i64x2.extract_lane 1 (global.get $g))))"#;
    assert_eq!(call(wat, "get", &[]), Ok(vec![Val::I64(4)]));
}

#[test]
fn narrowing_saturates_and_swizzle_zeroes_out_of_range_lanes() {
    let a = i16s([300, -300, 127, -128, 128, -129, 0, -1]);
    let b = i16s([32767, -32768, 1, 2, 3, 4, 5, 6]);
    assert_eq!(
        binary("i8x16.narrow_i16x8_s", a, b),
        i8s([127, -128, 127, -128, 127, -128, 0, -1, 127, -128, 1, 2, 3, 4, 5, 6])
    );
    let a = i16s([300, -300, 255, 256, -1, 0, 128, 1]);
    let u = binary("i8x16.narrow_i16x8_u", a, 0);
    assert_eq!(
        u.to_le_bytes(),
        [255, 0, 255, 255, 0, 0, 128, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        binary(
            "i16x8.narrow_i32x4_s",
            i32s([70000, -70000, 5, -5]),
            i32s([32768, -32769, 0, 1])
        ),
        i16s([32767, -32768, 5, -5, 32767, -32768, 0, 1])
    );
    assert_eq!(
        binary("i16x8.narrow_i32x4_u", i32s([70000, -70000, 65535, 1]), 0),
        i16s([-1, 0, -1, 1, 0, 0, 0, 0])
    );

    let a = from_bytes((0x10..0x20).collect());
    let sel = from_bytes(vec![
        0, 15, 16, 255, 1, 128, 17, 3, 31, 32, 2, 0x80, 14, 200, 4, 5,
    ]);
    assert_eq!(
        binary("i8x16.swizzle", a, sel).to_le_bytes(),
        [0x10, 0x1f, 0, 0, 0x11, 0, 0, 0x13, 0, 0, 0x12, 0, 0x1e, 0, 0x14, 0x15]
    );
    let wat = r#"(module (func (export "f") (param v128 v128) (result v128)
        (i8x16.shuffle 0 31 16 15 1 30 2 29 3 28 4 27 5 26 6 25 (local.get 0) (local.get 1))))"#;
    let b = from_bytes((0x20..0x30).collect());
    assert_eq!(
        v128(call(wat, "f", &[Val::V128(a), Val::V128(b)])).to_le_bytes(),
        [
            0x10, 0x2f, 0x20, 0x1f, 0x11, 0x2e, 0x12, 0x2d, 0x13, 0x2c, 0x14, 0x2b, 0x15, 0x2a,
            0x16, 0x29
        ]
    );
}

#[test]
fn saturating_rounding_widening_and_dot_products() {
    assert_eq!(
        binary(
            "i16x8.q15mulr_sat_s",
            i16s([-32768, 16384, -1, 3, 0, 32767, -32768, 100]),
            i16s([-32768, 16384, 1, -10923, 5, 32767, 32767, -100])
        ),
        i16s([32767, 8192, 0, -1, 0, 32766, -32767, 0])
    );
    assert_eq!(
        binary(
            "i32x4.dot_i16x8_s",
            i16s([-32768, -32768, 1, 2, 3, 4, 100, -100]),
            i16s([-32768, -32768, 5, 6, 7, 8, 100, 100])
        ),
        i32s([i32::MIN, 17, 53, 0])
    );
    let high_ff = from_bytes([vec![1; 8], vec![255; 8]].concat());
    assert_eq!(
        binary("i16x8.extmul_high_i8x16_u", high_ff, high_ff),
        i16s([0xfe01u16 as i16; 8])
    );
    assert_eq!(
        binary("i16x8.extmul_high_i8x16_s", high_ff, high_ff),
        i16s([1; 8])
    );
    assert_eq!(
        binary("i16x8.extmul_low_i8x16_s", high_ff, i8s([-3; 16])),
        i16s([-3; 8])
    );
    assert_eq!(
        binary(
            "i64x2.extmul_low_i32x4_u",
            i32s([-1, 0, 0, 0]),
            i32s([-1, 0, 0, 0])
        ),
        i64s([0xffff_fffe_0000_0001u64 as i64, 0])
    );
    assert_eq!(
        binary(
            "i32x4.extmul_high_i16x8_s",
            i16s([0, 0, 0, 0, -32768, 2, 3, 4]),
            i16s([0, 0, 0, 0, -32768, -2, 3, 4])
        ),
        i32s([1 << 30, -4, 9, 16])
    );
    assert_eq!(
        binary(
            "i16x8.avgr_u",
            i16s([-1, 0, 1, 2, 0, 0, 0, 0]),
            i16s([-1, 1, 2, 2, 0, 0, 0, 0])
        ),
        i16s([-1, 1, 2, 2, 0, 0, 0, 0])
    );
    assert_eq!(
        binary("i8x16.avgr_u", i8s([-1; 16]), i8s([-2; 16])),
        i8s([-1; 16])
    );
    assert_eq!(
        unary(
            "i16x8.extadd_pairwise_i8x16_s",
            i8s([-128, -128, 127, 127, -1, 1, 0, 0, 5, 6, 0, 0, 0, 0, 0, 0])
        ),
        i16s([-256, 254, 0, 0, 11, 0, 0, 0])
    );
    assert_eq!(
        unary("i32x4.extadd_pairwise_i16x8_u", i16s([-1; 8])),
        i32s([131070; 4])
    );
    assert_eq!(
        unary("i64x2.extend_high_i32x4_s", i32s([1, 2, -3, i32::MIN])),
        i64s([-3, i32::MIN as i64])
    );
    assert_eq!(
        unary("i32x4.extend_low_i16x8_u", i16s([-1, 2, -3, 4, 0, 0, 0, 0])),
        i32s([65535, 2, 65533, 4])
    );
    assert_eq!(
        binary("i8x16.add_sat_s", i8s([127; 16]), i8s([1; 16])),
        i8s([127; 16])
    );
    assert_eq!(binary("i8x16.sub_sat_u", 0, i8s([1; 16])), 0);
    assert_eq!(
        binary("i16x8.sub_sat_s", i16s([-32768; 8]), i16s([1; 8])),
        i16s([-32768; 8])
    );
    assert_eq!(
        binary("i16x8.add_sat_u", i16s([-2; 8]), i16s([5; 8])),
        i16s([-1; 8])
    );
}

#[test]
fn integer_lanes_wrap_shift_modulo_width_and_compare_signed_or_not() {
    assert_eq!(unary("i8x16.abs", i8s([-128; 16])), i8s([-128; 16]));
    assert_eq!(
        unary("i64x2.abs", i64s([i64::MIN, -5])),
        i64s([i64::MIN, 5])
    );
    assert_eq!(
        unary("i32x4.neg", i32s([i32::MIN, 1, 0, -7])),
        i32s([i32::MIN, -1, 0, 7])
    );
    assert_eq!(
        unary(
            "i8x16.popcnt",
            from_bytes(vec![
                0xff, 0, 1, 0x80, 0x55, 3, 7, 15, 0, 0, 0, 0, 0, 0, 0, 0xfe
            ])
        ),
        from_bytes(vec![8, 0, 1, 1, 4, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 7])
    );
    assert_eq!(shift("i8x16.shl", i8s([1; 16]), 9), i8s([2; 16]));
    assert_eq!(shift("i8x16.shr_s", i8s([-128; 16]), 7), i8s([-1; 16]));
    assert_eq!(shift("i8x16.shr_u", i8s([-128; 16]), 15), i8s([1; 16]));
    assert_eq!(shift("i16x8.shr_u", i16s([-1; 8]), 17), i16s([0x7fff; 8]));
    assert_eq!(shift("i32x4.shl", i32s([1; 4]), -1), i32s([i32::MIN; 4]));
    assert_eq!(shift("i64x2.shr_s", i64s([-4, 4]), 65), i64s([-2, 2]));
    assert_eq!(shift("i64x2.shl", i64s([3, 1]), 64), i64s([3, 1]));
    assert_eq!(
        binary("i64x2.mul", i64s([i64::MAX, -3]), i64s([2, 5])),
        i64s([-2, -15])
    );
    assert_eq!(
        binary("i32x4.min_u", i32s([-1, 0, 5, 6]), i32s([1, -1, 4, 7])),
        i32s([1, 0, 4, 6])
    );
    assert_eq!(
        binary("i8x16.max_s", i8s([-1; 16]), i8s([1; 16])),
        i8s([1; 16])
    );
    assert_eq!(binary("i8x16.lt_u", i8s([-1; 16]), i8s([1; 16])), 0);
    assert_eq!(binary("i8x16.lt_s", i8s([-1; 16]), i8s([1; 16])), u128::MAX);
    assert_eq!(
        binary("i64x2.ge_s", i64s([i64::MIN, 3]), i64s([0, 3])),
        i64s([0, -1])
    );
    assert_eq!(
        binary(
            "i16x8.gt_u",
            i16s([-1, 1, 0, 0, 0, 0, 0, 2]),
            i16s([1, -1, 0, 0, 0, 0, 0, 1])
        ),
        i16s([-1, 0, 0, 0, 0, 0, 0, -1])
    );
    let a = i8s([-1, 0, 0, 0, 0, 0, 0, -128, 0, 0, 0, 0, 0, 0, 0, -5]);
    assert_eq!(test_op("i8x16.bitmask", a), 0x8081);
    assert_eq!(
        test_op("i16x8.bitmask", i16s([-1, 1, -1, 1, 0, 0, 0, -32768])),
        0b1000_0101
    );
    assert_eq!(test_op("i64x2.bitmask", i64s([1, -1])), 2);
    assert_eq!(test_op("i32x4.all_true", i32s([1, 2, 0, 4])), 0);
    assert_eq!(test_op("i32x4.all_true", i32s([1, 2, 3, -1])), 1);
    assert_eq!(test_op("i8x16.all_true", i8s([1; 16])), 1);
    assert_eq!(test_op("v128.any_true", 1 << 127), 1);
    assert_eq!(test_op("v128.any_true", 0), 0);
    assert_eq!(binary("v128.andnot", u128::MAX, 0xff), u128::MAX << 8);
    let wat = r#"(module (func (export "f") (param v128 v128 v128) (result v128)
        (v128.bitselect (local.get 0) (local.get 1) (local.get 2))))"#;
    let (a, b, c) = (0xaaaa_u128, 0x5555_u128, 0xff00_u128);
    assert_eq!(
        v128(call(wat, "f", &[Val::V128(a), Val::V128(b), Val::V128(c)])),
        0xaa55
    );
}

#[test]
fn float_lanes_follow_the_scalar_rules() {
    // pmin is `b < a ? b : a`: a NaN in either place keeps a.
    let nan = f32::NAN;
    let r = binary(
        "f32x4.pmin",
        f32s([nan, 1.0, -0.0, 2.0]),
        f32s([1.0, nan, 0.0, 1.0]),
    );
    let l = f32_lanes(r);
    assert!(f32::from_bits(l[0]).is_nan());
    assert_eq!(
        &l[1..],
        &[1.0f32.to_bits(), (-0.0f32).to_bits(), 1.0f32.to_bits()]
    );
    let r = f32_lanes(binary(
        "f32x4.pmax",
        f32s([0.0, 1.0, -0.0, 2.0]),
        f32s([-0.0, nan, 0.0, 3.0]),
    ));
    assert_eq!(
        r,
        [
            0.0f32.to_bits(),
            1.0f32.to_bits(),
            (-0.0f32).to_bits(),
            3.0f32.to_bits()
        ]
    );
    // min/max: NaN wins, -0 < +0.
    let r = f32_lanes(binary(
        "f32x4.min",
        f32s([0.0, nan, 1.0, -0.0]),
        f32s([-0.0, 1.0, nan, 0.0]),
    ));
    assert_eq!(r[0], (-0.0f32).to_bits());
    assert!(f32::from_bits(r[1]).is_nan() && f32::from_bits(r[2]).is_nan());
    assert_eq!(r[3], (-0.0f32).to_bits());
    assert_eq!(
        binary("f64x2.max", f64s([-0.0, 3.0]), f64s([0.0, -4.0])),
        f64s([0.0, 3.0])
    );
    assert_eq!(
        unary("f32x4.nearest", f32s([2.5, -2.5, 3.5, 0.5])),
        f32s([2.0, -2.0, 4.0, 0.0])
    );
    assert_eq!(unary("f64x2.trunc", f64s([-1.7, 2.9])), f64s([-1.0, 2.0]));
    assert_eq!(unary("f64x2.ceil", f64s([-0.5, 1.1])), f64s([-0.0, 2.0]));
    // abs and neg act on the sign bit only, NaN payloads kept.
    let payload = 0x7fa0_0001u32;
    let neg = f32_lanes(unary(
        "f32x4.neg",
        f32s([f32::from_bits(payload), 1.0, -0.0, 0.0]),
    ));
    assert_eq!(
        neg,
        [payload | 0x8000_0000, (-1.0f32).to_bits(), 0, 0x8000_0000]
    );
    assert_eq!(
        unary("f64x2.abs", f64s([-0.0, f64::NEG_INFINITY])),
        f64s([0.0, f64::INFINITY])
    );
    assert_eq!(
        unary("f32x4.sqrt", f32s([4.0, 0.25, 0.0, 1.0])),
        f32s([2.0, 0.5, 0.0, 1.0])
    );
    // Arithmetic NaN results (the quiet bit set) from sqrt of a negative lane.
    let s = f32_lanes(unary("f32x4.sqrt", f32s([-1.0, 1.0, 1.0, 1.0])));
    assert_eq!(s[0] & 0x7fc0_0000, 0x7fc0_0000);
    assert_eq!(
        binary("f64x2.div", f64s([1.0, -1.0]), f64s([0.0, 0.0])),
        f64s([f64::INFINITY, f64::NEG_INFINITY])
    );
    // Comparisons with NaN are false (ne is true).
    assert_eq!(
        binary(
            "f32x4.lt",
            f32s([nan, 1.0, 2.0, -0.0]),
            f32s([1.0, nan, 3.0, 0.0])
        ),
        i32s([0, 0, -1, 0])
    );
    assert_eq!(
        binary("f64x2.ne", f64s([f64::NAN, 1.0]), f64s([f64::NAN, 1.0])),
        i64s([-1, 0])
    );
    assert_eq!(
        binary(
            "f32x4.eq",
            f32s([-0.0, 1.0, 1.0, 1.0]),
            f32s([0.0, 1.0, 2.0, 1.0])
        ),
        i32s([-1, -1, 0, -1])
    );
}

#[test]
fn conversions_saturate_and_zero_the_upper_lanes() {
    let nan = f32::NAN;
    assert_eq!(
        unary("i32x4.trunc_sat_f32x4_s", f32s([nan, 3e9, -3e9, -1.5])),
        i32s([0, i32::MAX, i32::MIN, -1])
    );
    assert_eq!(
        unary("i32x4.trunc_sat_f32x4_u", f32s([nan, 5e9, -1.5, 3.9])),
        i32s([0, -1, 0, 3])
    );
    assert_eq!(
        unary("i32x4.trunc_sat_f64x2_s_zero", f64s([1e10, -2.5])),
        i32s([i32::MAX, -2, 0, 0])
    );
    assert_eq!(
        unary("i32x4.trunc_sat_f64x2_u_zero", f64s([-1.0, 4294967296.0])),
        i32s([0, -1, 0, 0])
    );
    assert_eq!(
        unary("f64x2.convert_low_i32x4_u", i32s([-1, 1, 7, 7])),
        f64s([4294967295.0, 1.0])
    );
    assert_eq!(
        unary("f64x2.convert_low_i32x4_s", i32s([-1, i32::MIN, 7, 7])),
        f64s([-1.0, -2147483648.0])
    );
    assert_eq!(
        unary("f32x4.convert_i32x4_u", i32s([-1, 16777217, 0, 1])),
        f32s([4294967296.0, 16777216.0, 0.0, 1.0])
    );
    assert_eq!(
        unary("f32x4.demote_f64x2_zero", f64s([1.5, 1e300])),
        f32s([1.5, f32::INFINITY, 0.0, 0.0])
    );
    assert_eq!(
        unary("f64x2.promote_low_f32x4", f32s([1.5, -0.0, 9.0, 9.0])),
        f64s([1.5, -0.0])
    );
}

#[test]
fn lanes_are_extracted_replaced_and_splatted_by_index() {
    let wat = r#"(module
      (func (export "s") (param v128) (result i32) (i8x16.extract_lane_s 15 (local.get 0)))
      (func (export "u") (param v128) (result i32) (i8x16.extract_lane_u 15 (local.get 0)))
      (func (export "h") (param v128) (result i32) (i16x8.extract_lane_s 3 (local.get 0)))
      (func (export "f") (param v128) (result f64) (f64x2.extract_lane 1 (local.get 0)))
      (func (export "r") (param v128 i64) (result v128) (i64x2.replace_lane 1 (local.get 0) (local.get 1)))
      (func (export "b") (param v128 i32) (result v128) (i8x16.replace_lane 0 (local.get 0) (local.get 1)))
      (func (export "splat") (param f32) (result v128) (f32x4.splat (local.get 0)))
      (func (export "splat8") (param i32) (result v128) (i8x16.splat (local.get 0))))"#;
    let v = 0xff00_0000_0000_0000_8001_0000_0000_0000u128 | 0xff << 120;
    assert_eq!(call(wat, "s", &[Val::V128(v)]), Ok(vec![Val::I32(-1)]));
    assert_eq!(call(wat, "u", &[Val::V128(v)]), Ok(vec![Val::I32(255)]));
    assert_eq!(call(wat, "h", &[Val::V128(v)]), Ok(vec![Val::I32(-32767)]));
    assert_eq!(
        call(wat, "f", &[Val::V128(f64s([1.0, -2.5]))]),
        Ok(vec![Val::F64((-2.5f64).to_bits())])
    );
    assert_eq!(
        v128(call(wat, "r", &[Val::V128(i64s([1, 2])), Val::I64(-7)])),
        i64s([1, -7])
    );
    assert_eq!(
        v128(call(wat, "b", &[Val::V128(0), Val::I32(0x1234)])),
        0x34
    );
    assert_eq!(
        v128(call(wat, "splat", &[Val::F32(0x7fc0_0001)])),
        i32s([0x7fc0_0001; 4])
    );
    assert_eq!(v128(call(wat, "splat8", &[Val::I32(0x1ff)])), i8s([-1; 16]));
}

/// A module with one page of memory whose last 16 bytes are 0x01..=0x10.
const EDGE: &str = r#"(module (memory 1)
  (data (i32.const 65520) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func (export "load") (param i32) (result v128) (v128.load (local.get 0)))
  (func (export "load_off") (param i32) (result v128) (v128.load offset=65520 (local.get 0)))
  (func (export "load8x8_s") (param i32) (result v128) (v128.load8x8_s (local.get 0)))
  (func (export "load16x4_u") (param i32) (result v128) (v128.load16x4_u (local.get 0)))
  (func (export "load32x2_s") (param i32) (result v128) (v128.load32x2_s (local.get 0)))
  (func (export "load32_zero") (param i32) (result v128) (v128.load32_zero (local.get 0)))
  (func (export "load64_splat") (param i32) (result v128) (v128.load64_splat (local.get 0)))
  (func (export "load16_lane") (param i32) (result v128)
    (v128.load16_lane offset=2 7 (local.get 0) (v128.const i64x2 0 0)))
  (func (export "store64_lane") (param i32) (result i64)
    (v128.store64_lane 1 (local.get 0) (v128.const i64x2 -1 0x0807060504030201))
    (i64.load (i32.const 65528)))
  (func (export "store") (param i32 v128) (v128.store (local.get 0) (local.get 1)))
  (func (export "tail") (result v128) (v128.load (i32.const 65520))))"#;

#[test]
fn simd_loads_and_stores_are_bounds_checked_at_the_memory_edge() {
    let at = |name: &str, a: i32| call(EDGE, name, &[Val::I32(a)]);
    let tail = from_bytes((1..=16).collect());
    assert_eq!(v128(at("load", 65520)), tail);
    assert_eq!(at("load", 65521), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(at("load", -16), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(v128(at("load_off", 0)), tail);
    assert_eq!(at("load_off", 1), Err(TrapCode::MemoryOutOfBounds));
    // offset + address past 2^32 must not wrap to a small address.
    assert_eq!(at("load_off", -65520), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        v128(at("load8x8_s", 65528)),
        i16s([9, 10, 11, 12, 13, 14, 15, 16])
    );
    assert_eq!(at("load8x8_s", 65529), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        v128(at("load16x4_u", 65520)),
        i32s([0x0201, 0x0403, 0x0605, 0x0807])
    );
    assert_eq!(
        v128(at("load32x2_s", 65520)),
        i64s([0x0403_0201, 0x0807_0605])
    );
    assert_eq!(v128(at("load32_zero", 65532)), 0x100f_0e0d);
    assert_eq!(at("load32_zero", 65533), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        v128(at("load64_splat", 65528)),
        i64s([0x100f_0e0d_0c0b_0a09; 2])
    );
    // A lane load reads at address + offset, into its lane only.
    assert_eq!(v128(at("load16_lane", 65530)), (0x0e0du128) << (16 * 7));
    assert_eq!(at("load16_lane", 65533), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        at("store64_lane", 65528),
        Ok(vec![Val::I64(0x0807_0605_0403_0201)])
    );
    assert_eq!(at("store64_lane", 65529), Err(TrapCode::MemoryOutOfBounds));

    // A store that traps writes nothing.
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let bytes = wat::parse_str(EDGE).unwrap();
    let module = Module::new_with_features(&bytes, decodable_features()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let func = |store: &mut Store, name: &str| match store.export(inst, name) {
        Some(Extern::Func(f)) => f,
        other => panic!("{other:?}"),
    };
    let st = func(&mut store, "store");
    let err = store.invoke(st, &[Val::I32(65521), Val::V128(u128::MAX)]);
    assert!(matches!(err, Err(CallError::Trap(t)) if t.code == TrapCode::MemoryOutOfBounds));
    let tail_f = func(&mut store, "tail");
    assert_eq!(store.invoke(tail_f, &[]), Ok(vec![Val::V128(tail)]));
    store.invoke(st, &[Val::I32(65520), Val::V128(7)]).unwrap();
    assert_eq!(store.invoke(tail_f, &[]), Ok(vec![Val::V128(7)]));
}

#[test]
fn simd_accesses_name_their_memory_and_take_64_bit_addresses() {
    let wat = r#"(module
      (memory $a 1)
      (memory $b i64 1)
      (data (memory $b) (i64.const 65535) "\2a")
      (func (export "copy") (param i64) (result v128)
        (v128.store $b (local.get 0) (v128.const i32x4 1 2 3 4))
        (v128.load $b (local.get 0)))
      (func (export "lane") (param i64) (result v128)
        (v128.load8_lane $b 3 (local.get 0) (v128.const i64x2 0 0))))"#;
    assert_eq!(
        v128(call(wat, "copy", &[Val::I64(65520)])),
        i32s([1, 2, 3, 4])
    );
    for addr in [65521, 1 << 32, -16, -1] {
        assert_eq!(
            call(wat, "copy", &[Val::I64(addr)]),
            Err(TrapCode::MemoryOutOfBounds),
            "address {addr:#x}"
        );
        assert_eq!(
            call(wat, "lane", &[Val::I64(addr | 65536)]),
            Err(TrapCode::MemoryOutOfBounds)
        );
    }
    assert_eq!(v128(call(wat, "lane", &[Val::I64(65535)])), 0x2a << 24);
}
