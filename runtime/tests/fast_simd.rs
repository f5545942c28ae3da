//! SIMD in the fast tier: the hazards of the lane instructions (out-of-range
//! swizzle and shuffle lanes, saturation, NaN lanes, lane loads and stores
//! at the memory's edge) and `v128` values crossing blocks, calls and the
//! call boundary, each checked against hand-computed values. Modules load
//! with every decodable feature (SIMD is not yet in the default gate).

use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

fn run(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(TierKind::Fast, Limits::default()).expect("tier");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let out = store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    });
    assert!(store.violations().is_empty(), "{:?}", store.violations());
    out
}

fn v128(bytes: [u8; 16]) -> Val {
    Val::V128(u128::from_le_bytes(bytes))
}

fn lanes_i32(l: [i32; 4]) -> Val {
    let mut b = [0u8; 16];
    for (i, x) in l.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    v128(b)
}

#[test]
fn swizzle_and_shuffle_give_zero_or_the_other_operand_for_high_lanes() {
    let wat = r#"(module
      (func (export "swizzle") (param v128 v128) (result v128)
        (i8x16.swizzle (local.get 0) (local.get 1)))
      (func (export "shuffle") (param v128 v128) (result v128)
        (i8x16.shuffle 31 0 16 15 1 17 2 18 3 19 4 20 5 21 6 22 (local.get 0) (local.get 1))))"#;
    let a: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
    let s = [0, 15, 16, 17, 255, 128, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let mut expect = [0u8; 16];
    for i in 0..16 {
        expect[i] = if s[i] < 16 { a[s[i] as usize] } else { 0 };
    }
    assert_eq!(
        run(wat, "swizzle", &[v128(a), v128(s)]),
        Ok(vec![v128(expect)])
    );
    let b: [u8; 16] = std::array::from_fn(|i| 100 + i as u8);
    let l = [31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22];
    let expect: [u8; 16] = std::array::from_fn(|i| {
        let k = l[i];
        if k < 16 {
            a[k]
        } else {
            b[k - 16]
        }
    });
    assert_eq!(
        run(wat, "shuffle", &[v128(a), v128(b)]),
        Ok(vec![v128(expect)])
    );
}

#[test]
fn saturation_of_narrowing_trunc_sat_and_saturating_adds() {
    let wat = r#"(module
      (func (export "trunc") (result v128)
        (i32x4.trunc_sat_f32x4_s (v128.const f32x4 nan -inf 3e9 -2.7)))
      (func (export "trunc_u_zero") (result v128)
        (i32x4.trunc_sat_f64x2_u_zero (v128.const f64x2 -1.5 5e10)))
      (func (export "narrow") (result v128)
        (i8x16.narrow_i16x8_s (v128.const i16x8 300 -300 127 -128 0 1 -1 200)
                              (v128.const i16x8 0 0 0 0 0 0 0 -129)))
      (func (export "add_sat") (result v128)
        (i16x8.add_sat_s (v128.const i16x8 32767 -32768 1 0 0 0 0 0)
                         (v128.const i16x8 1 -1 1 0 0 0 0 0)))
      (func (export "q15") (result v128)
        (i16x8.q15mulr_sat_s (v128.const i16x8 -32768 16384 0 0 0 0 0 0)
                             (v128.const i16x8 -32768 16384 0 0 0 0 0 0))))"#;
    assert_eq!(
        run(wat, "trunc", &[]),
        Ok(vec![lanes_i32([0, i32::MIN, i32::MAX, -2])])
    );
    assert_eq!(
        run(wat, "trunc_u_zero", &[]),
        Ok(vec![lanes_i32([0, -1, 0, 0])])
    );
    let mut n = [0u8; 16];
    for (i, x) in [127i8, -128, 127, -128, 0, 1, -1, 127].iter().enumerate() {
        n[i] = *x as u8;
    }
    n[15] = (-128i8) as u8;
    assert_eq!(run(wat, "narrow", &[]), Ok(vec![v128(n)]));
    let Ok(v) = run(wat, "add_sat", &[]) else {
        panic!("add_sat traps")
    };
    let Val::V128(bits) = v[0] else {
        panic!("not a v128")
    };
    assert_eq!(bits as u16, 32767);
    assert_eq!((bits >> 16) as u16 as i16, -32768);
    assert_eq!((bits >> 32) as u16, 2);
    let Ok(v) = run(wat, "q15", &[]) else {
        panic!("q15 traps")
    };
    let Val::V128(bits) = v[0] else {
        panic!("not a v128")
    };
    assert_eq!(bits as u16 as i16, i16::MAX);
    assert_eq!((bits >> 16) as u16 as i16, 8192);
}

#[test]
fn float_lanes_follow_the_nan_and_zero_rules() {
    let wat = r#"(module
      (func (export "min") (result v128)
        (f32x4.min (v128.const f32x4 nan 0 -0 1) (v128.const f32x4 1 -0 0 nan)))
      (func (export "pmin") (result v128)
        (f32x4.pmin (v128.const f32x4 nan 0 -0 1) (v128.const f32x4 1 -0 0 nan))))"#;
    let lanes = |v: &Val| {
        let Val::V128(b) = v else {
            panic!("not a v128")
        };
        [0, 1, 2, 3].map(|i| f32::from_bits((b >> (32 * i)) as u32))
    };
    let min = run(wat, "min", &[]).unwrap();
    let l = lanes(&min[0]);
    assert!(l[0].is_nan() && l[3].is_nan());
    assert_eq!(l[1].to_bits(), (-0.0f32).to_bits());
    assert_eq!(l[2].to_bits(), (-0.0f32).to_bits());
    let pmin = run(wat, "pmin", &[]).unwrap();
    let l = lanes(&pmin[0]);
    // pmin is `b < a ? b : a`: no NaN propagation, no zero ordering.
    assert!(l[0].is_nan());
    assert_eq!(l[1].to_bits(), 0.0f32.to_bits());
    assert_eq!(l[2].to_bits(), (-0.0f32).to_bits());
    assert_eq!(l[3], 1.0);
}

#[test]
fn lane_loads_and_stores_are_bounds_checked_with_their_offset() {
    let wat = r#"(module
      (memory 1)
      (func (export "load_lane") (param i32) (result v128)
        (v128.load32_lane offset=8 1 (local.get 0) (v128.const i32x4 7 7 7 7)))
      (func (export "store_lane") (param i32) (result i32)
        (v128.store16_lane offset=2 3 (local.get 0) (v128.const i16x8 0 0 0 -2 0 0 0 0))
        (i32.load16_u offset=2 (local.get 0)))
      (func (export "load") (param i32) (result v128)
        (v128.load offset=1 (local.get 0)))
      (func (export "splat") (param i32) (result v128)
        (i32.store (i32.const 100) (i32.const 0x01020304))
        (v128.load32_splat (local.get 0))))"#;
    assert_eq!(
        run(wat, "load_lane", &[Val::I32(65536 - 12)]),
        Ok(vec![lanes_i32([7, 0, 7, 7])])
    );
    assert_eq!(
        run(wat, "load_lane", &[Val::I32(65536 - 11)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(wat, "load_lane", &[Val::I32(-1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(wat, "store_lane", &[Val::I32(65532)]),
        Ok(vec![Val::I32(0xfffe)])
    );
    assert_eq!(
        run(wat, "store_lane", &[Val::I32(65533)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(wat, "load", &[Val::I32(65536 - 17)]),
        Ok(vec![Val::V128(0)])
    );
    assert_eq!(
        run(wat, "load", &[Val::I32(65536 - 16)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(wat, "splat", &[Val::I32(100)]),
        Ok(vec![lanes_i32([0x01020304; 4])])
    );
}

#[test]
fn v128_values_cross_blocks_selects_calls_and_globals() {
    let wat = r#"(module
      (global $g (mut v128) (v128.const i64x2 5 6))
      (func $swap (param v128 i32 v128) (result v128 i32 v128)
        (local.get 2) (local.get 1) (local.get 0))
      (func (export "run") (param $a v128) (param $b v128) (param $c i32) (result v128)
        (local $t v128)
        (block (result v128)
          (local.get $a)
          (br_if 0 (i32.eqz (local.get $c)))
          (drop)
          (select (local.get $a) (local.get $b) (i32.const 0)))
        (local.set $t)
        (call $swap (local.get $t) (i32.const 9) (global.get $g))
        (drop)
        (drop)
        (global.set $g (local.get $t))
        (i64x2.add (global.get $g))))"#;
    let a = Val::V128(1 | 2 << 64);
    let b = Val::V128(10 | 20 << 64);
    // c = 0: the block yields $a; $swap returns (g, 9, t): g is kept.
    assert_eq!(
        run(wat, "run", &[a, b, Val::I32(0)]),
        Ok(vec![Val::V128(6 | 8 << 64)])
    );
    // c != 0: select picks $b.
    assert_eq!(
        run(wat, "run", &[a, b, Val::I32(1)]),
        Ok(vec![Val::V128(15 | 26 << 64)])
    );
}
