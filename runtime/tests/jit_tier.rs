//! The JIT tier's known traps (the places native code generators get wasm
//! wrong), each run on the JIT, checked against the expected value and
//! against the classic tier: same result, same fuel left, no violations.

use tierdiff_runtime::{Limits, Linker, Module, Store, TierKind, TrapCode, Val};

mod common;
use common::run_on;

/// Any NaN compares equal to any NaN (payloads are nondeterministic).
fn canonical(r: Result<Vec<Val>, TrapCode>) -> Result<Vec<Val>, TrapCode> {
    r.map(|vals| {
        vals.into_iter()
            .map(|v| match v {
                Val::F32(b) if f32::from_bits(b).is_nan() => Val::F32(0x7fc0_0000),
                Val::F64(b) if f64::from_bits(b).is_nan() => Val::F64(0x7ff8_0000_0000_0000),
                v => v,
            })
            .collect()
    })
}

/// Runs on the JIT, checks `expected` and agreement with the classic tier.
fn check_with(
    limits: Limits,
    wat: &str,
    name: &str,
    args: &[Val],
    expected: Result<Vec<Val>, TrapCode>,
) {
    let jit = run_on(TierKind::Jit, limits, wat, name, args);
    assert_eq!(
        canonical(jit.0.clone()),
        canonical(expected),
        "jit: {name}({args:?})"
    );
    assert!(jit.2.is_empty(), "jit violations: {:?}", jit.2);
    let classic = run_on(TierKind::Classic, limits, wat, name, args);
    assert_eq!(
        canonical(jit.0),
        canonical(classic.0),
        "jit vs classic: {name}({args:?})"
    );
    assert_eq!(jit.1, classic.1, "fuel left: {name}({args:?})");
}

fn check(wat: &str, name: &str, args: &[Val], expected: Result<Vec<Val>, TrapCode>) {
    check_with(Limits::default(), wat, name, args, expected)
}

fn i32v(v: i32) -> Val {
    Val::I32(v)
}

fn i64v(v: i64) -> Val {
    Val::I64(v)
}

fn f32v(v: f32) -> Val {
    Val::F32(v.to_bits())
}

fn f64v(v: f64) -> Val {
    Val::F64(v.to_bits())
}

const BINOPS: &str = r#"(module
  (func (export "i32.shl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shl)
  (func (export "i32.shr_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_s)
  (func (export "i32.shr_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_u)
  (func (export "i32.rotl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotl)
  (func (export "i32.rotr") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotr)
  (func (export "i64.shl") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shl)
  (func (export "i64.shr_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shr_s)
  (func (export "i64.shr_u") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shr_u)
  (func (export "i64.rotl") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rotl)
  (func (export "i64.rotr") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rotr)
  (func (export "i32.div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "i32.div_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "i32.rem_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
  (func (export "i32.rem_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u)
  (func (export "i64.div_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func (export "i64.rem_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
  (func (export "f32.min") (param f32 f32) (result i32) local.get 0 local.get 1 f32.min i32.reinterpret_f32)
  (func (export "f32.max") (param f32 f32) (result i32) local.get 0 local.get 1 f32.max i32.reinterpret_f32)
  (func (export "f64.min") (param f64 f64) (result i64) local.get 0 local.get 1 f64.min i64.reinterpret_f64)
  (func (export "f64.max") (param f64 f64) (result i64) local.get 0 local.get 1 f64.max i64.reinterpret_f64)
  (func (export "f32.min_nan") (param f32 f32) (result f32) local.get 0 local.get 1 f32.min)
  (func (export "f64.max_nan") (param f64 f64) (result f64) local.get 0 local.get 1 f64.max)
  (func (export "f32.copysign") (param f32 f32) (result i32) local.get 0 local.get 1 f32.copysign i32.reinterpret_f32)
  (func (export "f64.copysign") (param f64 f64) (result i64) local.get 0 local.get 1 f64.copysign i64.reinterpret_f64)
  (func (export "f32.nearest") (param f32) (result i32) local.get 0 f32.nearest i32.reinterpret_f32)
  (func (export "f64.nearest") (param f64) (result i64) local.get 0 f64.nearest i64.reinterpret_f64)
)"#;

#[test]
fn shift_and_rotate_counts_are_taken_modulo_the_width() {
    let cases: &[(&str, Val, Val, Val)] = &[
        ("i32.shl", i32v(1), i32v(33), i32v(2)),
        ("i32.shl", i32v(1), i32v(-1), i32v(i32::MIN)),
        ("i32.shr_s", i32v(i32::MIN), i32v(63), i32v(-1)),
        ("i32.shr_u", i32v(i32::MIN), i32v(63), i32v(1)),
        ("i32.shr_u", i32v(-1), i32v(32), i32v(-1)),
        ("i32.rotl", i32v(0x1234_5678), i32v(36), i32v(0x2345_6781)),
        ("i32.rotr", i32v(0x1234_5678), i32v(-4), i32v(0x2345_6781)),
        ("i64.shl", i64v(1), i64v(65), i64v(2)),
        ("i64.shr_s", i64v(i64::MIN), i64v(127), i64v(-1)),
        ("i64.shr_u", i64v(i64::MIN), i64v(127), i64v(1)),
        ("i64.shr_u", i64v(-1), i64v(64), i64v(-1)),
        ("i64.rotl", i64v(1), i64v(129), i64v(2)),
        ("i64.rotr", i64v(1), i64v(-1), i64v(2)),
    ];
    for (name, a, b, want) in cases {
        check(BINOPS, name, &[*a, *b], Ok(vec![*want]));
    }
}

#[test]
fn rem_s_of_min_by_minus_one_is_zero_and_division_traps() {
    check(
        BINOPS,
        "i32.rem_s",
        &[i32v(i32::MIN), i32v(-1)],
        Ok(vec![i32v(0)]),
    );
    check(
        BINOPS,
        "i64.rem_s",
        &[i64v(i64::MIN), i64v(-1)],
        Ok(vec![i64v(0)]),
    );
    check(
        BINOPS,
        "i32.rem_s",
        &[i32v(-7), i32v(2)],
        Ok(vec![i32v(-1)]),
    );
    check(
        BINOPS,
        "i32.div_s",
        &[i32v(i32::MIN), i32v(-1)],
        Err(TrapCode::IntegerOverflow),
    );
    check(
        BINOPS,
        "i64.div_s",
        &[i64v(i64::MIN), i64v(-1)],
        Err(TrapCode::IntegerOverflow),
    );
    for name in ["i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u"] {
        check(
            BINOPS,
            name,
            &[i32v(1), i32v(0)],
            Err(TrapCode::IntegerDivideByZero),
        );
    }
    check(
        BINOPS,
        "i32.div_u",
        &[i32v(-1), i32v(2)],
        Ok(vec![i32v(0x7fff_ffff)]),
    );
}

const CONVERSIONS: &str = r#"(module
  (func (export "i32.trunc_f32_s") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
  (func (export "i32.trunc_f32_u") (param f32) (result i32) local.get 0 i32.trunc_f32_u)
  (func (export "i32.trunc_f64_s") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
  (func (export "i32.trunc_f64_u") (param f64) (result i32) local.get 0 i32.trunc_f64_u)
  (func (export "i64.trunc_f32_s") (param f32) (result i64) local.get 0 i64.trunc_f32_s)
  (func (export "i64.trunc_f64_s") (param f64) (result i64) local.get 0 i64.trunc_f64_s)
  (func (export "i64.trunc_f64_u") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
  (func (export "i32.trunc_sat_f32_s") (param f32) (result i32) local.get 0 i32.trunc_sat_f32_s)
  (func (export "i32.trunc_sat_f64_u") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_u)
  (func (export "i64.trunc_sat_f64_s") (param f64) (result i64) local.get 0 i64.trunc_sat_f64_s)
  (func (export "i64.trunc_sat_f32_u") (param f32) (result i64) local.get 0 i64.trunc_sat_f32_u)
)"#;

#[test]
fn trunc_traps_on_nan_infinities_and_exact_range_edges() {
    use TrapCode::{IntegerOverflow as Over, InvalidConversionToInteger as Nan};
    let cases: &[(&str, Val, Result<Val, TrapCode>)] = &[
        ("i32.trunc_f32_s", f32v(f32::NAN), Err(Nan)),
        ("i32.trunc_f32_s", f32v(f32::INFINITY), Err(Over)),
        ("i32.trunc_f32_s", f32v(f32::NEG_INFINITY), Err(Over)),
        ("i32.trunc_f32_s", f32v(2147483648.0), Err(Over)),
        ("i32.trunc_f32_s", f32v(-2147483648.0), Ok(i32v(i32::MIN))),
        ("i32.trunc_f32_s", f32v(-2147483904.0), Err(Over)),
        ("i32.trunc_f32_u", f32v(-0.9), Ok(i32v(0))),
        ("i32.trunc_f32_u", f32v(-1.0), Err(Over)),
        ("i32.trunc_f32_u", f32v(4294967040.0), Ok(i32v(-256))),
        ("i32.trunc_f32_u", f32v(4294967296.0), Err(Over)),
        ("i32.trunc_f64_s", f64v(2147483647.9), Ok(i32v(i32::MAX))),
        ("i32.trunc_f64_s", f64v(2147483648.0), Err(Over)),
        ("i32.trunc_f64_s", f64v(-2147483648.9), Ok(i32v(i32::MIN))),
        ("i32.trunc_f64_s", f64v(-2147483649.0), Err(Over)),
        ("i32.trunc_f64_s", f64v(-f64::NAN), Err(Nan)),
        ("i32.trunc_f64_u", f64v(4294967295.9), Ok(i32v(-1))),
        ("i32.trunc_f64_u", f64v(4294967296.0), Err(Over)),
        ("i32.trunc_f64_u", f64v(-0.99999), Ok(i32v(0))),
        (
            "i64.trunc_f32_s",
            f32v(-9223372036854775808.0),
            Ok(i64v(i64::MIN)),
        ),
        ("i64.trunc_f32_s", f32v(9223372036854775808.0), Err(Over)),
        (
            "i64.trunc_f64_s",
            f64v(9223372036854774784.0),
            Ok(i64v(9223372036854774784)),
        ),
        ("i64.trunc_f64_s", f64v(9223372036854775808.0), Err(Over)),
        ("i64.trunc_f64_s", f64v(-9223372036854777856.0), Err(Over)),
        (
            "i64.trunc_f64_u",
            f64v(18446744073709549568.0),
            Ok(i64v(-2048)),
        ),
        ("i64.trunc_f64_u", f64v(18446744073709551616.0), Err(Over)),
        ("i64.trunc_f64_u", f64v(f64::INFINITY), Err(Over)),
        ("i64.trunc_f64_u", f64v(f64::NAN), Err(Nan)),
    ];
    for (name, arg, want) in cases {
        check(CONVERSIONS, name, &[*arg], want.map(|v| vec![v]));
    }
}

#[test]
fn saturating_conversions_clamp_and_map_nan_to_zero() {
    let cases: &[(&str, Val, Val)] = &[
        ("i32.trunc_sat_f32_s", f32v(f32::NAN), i32v(0)),
        ("i32.trunc_sat_f32_s", f32v(f32::INFINITY), i32v(i32::MAX)),
        (
            "i32.trunc_sat_f32_s",
            f32v(f32::NEG_INFINITY),
            i32v(i32::MIN),
        ),
        ("i32.trunc_sat_f32_s", f32v(-2147483904.0), i32v(i32::MIN)),
        ("i32.trunc_sat_f64_u", f64v(-1.0), i32v(0)),
        ("i32.trunc_sat_f64_u", f64v(4294967296.0), i32v(-1)),
        ("i32.trunc_sat_f64_u", f64v(f64::NAN), i32v(0)),
        ("i64.trunc_sat_f64_s", f64v(1e300), i64v(i64::MAX)),
        ("i64.trunc_sat_f64_s", f64v(-1e300), i64v(i64::MIN)),
        ("i64.trunc_sat_f64_s", f64v(-1.5), i64v(-1)),
        ("i64.trunc_sat_f32_u", f32v(f32::INFINITY), i64v(-1)),
        ("i64.trunc_sat_f32_u", f32v(-0.5), i64v(0)),
    ];
    for (name, arg, want) in cases {
        check(CONVERSIONS, name, &[*arg], Ok(vec![*want]));
    }
}

#[test]
fn fmin_fmax_handle_nan_and_signed_zeros() {
    let neg0 = (-0.0f32).to_bits() as i32;
    check(
        BINOPS,
        "f32.min",
        &[f32v(0.0), f32v(-0.0)],
        Ok(vec![i32v(neg0)]),
    );
    check(
        BINOPS,
        "f32.min",
        &[f32v(-0.0), f32v(0.0)],
        Ok(vec![i32v(neg0)]),
    );
    check(
        BINOPS,
        "f32.max",
        &[f32v(-0.0), f32v(0.0)],
        Ok(vec![i32v(0)]),
    );
    check(
        BINOPS,
        "f32.max",
        &[f32v(0.0), f32v(-0.0)],
        Ok(vec![i32v(0)]),
    );
    let neg0d = (-0.0f64).to_bits() as i64;
    check(
        BINOPS,
        "f64.min",
        &[f64v(0.0), f64v(-0.0)],
        Ok(vec![i64v(neg0d)]),
    );
    check(
        BINOPS,
        "f64.max",
        &[f64v(-0.0), f64v(0.0)],
        Ok(vec![i64v(0)]),
    );
    check(
        BINOPS,
        "f32.min_nan",
        &[f32v(f32::NAN), f32v(1.0)],
        Ok(vec![f32v(f32::NAN)]),
    );
    check(
        BINOPS,
        "f32.min_nan",
        &[f32v(-1.0), f32v(f32::NAN)],
        Ok(vec![f32v(f32::NAN)]),
    );
    check(
        BINOPS,
        "f64.max_nan",
        &[f64v(f64::INFINITY), f64v(f64::NAN)],
        Ok(vec![f64v(f64::NAN)]),
    );
}

#[test]
fn copysign_copies_only_the_sign_bit() {
    let bits = |v: f32| i32v(v.to_bits() as i32);
    check(
        BINOPS,
        "f32.copysign",
        &[f32v(1.5), f32v(-0.0)],
        Ok(vec![bits(-1.5)]),
    );
    check(
        BINOPS,
        "f32.copysign",
        &[f32v(-1.5), f32v(0.0)],
        Ok(vec![bits(1.5)]),
    );
    let neg_nan = Val::F32(0xffc0_0000);
    check(
        BINOPS,
        "f32.copysign",
        &[f32v(2.0), neg_nan],
        Ok(vec![bits(-2.0)]),
    );
    // A NaN magnitude keeps its payload and takes the sign.
    check(
        BINOPS,
        "f32.copysign",
        &[Val::F32(0x7fa0_0001), f32v(-1.0)],
        Ok(vec![i32v(0xffa0_0001u32 as i32)]),
    );
    check(
        BINOPS,
        "f64.copysign",
        &[f64v(3.0), f64v(-1.0)],
        Ok(vec![i64v((-3.0f64).to_bits() as i64)]),
    );
}

#[test]
fn nearest_rounds_ties_to_even() {
    let cases32 = [
        (0.5f32, 0.0f32),
        (1.5, 2.0),
        (2.5, 2.0),
        (-0.5, -0.0),
        (-2.5, -2.0),
        (-3.5, -4.0),
        (8388609.0, 8388609.0),
    ];
    for (x, want) in cases32 {
        check(
            BINOPS,
            "f32.nearest",
            &[f32v(x)],
            Ok(vec![i32v(want.to_bits() as i32)]),
        );
    }
    for (x, want) in [
        (0.5f64, 0.0f64),
        (2.5, 2.0),
        (-0.5, -0.0),
        (4503599627370497.0, 4503599627370497.0),
    ] {
        check(
            BINOPS,
            "f64.nearest",
            &[f64v(x)],
            Ok(vec![i64v(want.to_bits() as i64)]),
        );
    }
}

/// `br_table` over `n` nested blocks, each carrying an i32: target `k`
/// returns `7 + 10 * k`; the default (outermost) returns `7 + 100000`.
fn br_table_module(n: usize) -> String {
    let mut w = String::from("(module (func (export \"bt\") (param i32) (result i32)\n");
    for _ in 0..=n {
        w.push_str("block (result i32)\n");
    }
    w.push_str("i32.const 7 local.get 0 br_table");
    for k in 0..=n {
        w.push_str(&format!(" {k}"));
    }
    w.push('\n');
    for k in 0..n {
        w.push_str(&format!("end i32.const {} i32.add return\n", 10 * k));
    }
    w.push_str("end i32.const 100000 i32.add))");
    w
}

#[test]
fn br_table_with_hundreds_of_targets_and_a_value_carrying_default() {
    let wat = br_table_module(300);
    for (index, want) in [
        (0, 7),
        (1, 17),
        (150, 1507),
        (299, 2997),
        (300, 100007),
        (-1, 100007),
        (i32::MAX, 100007),
    ] {
        check(&wat, "bt", &[i32v(index)], Ok(vec![i32v(want)]));
    }
}

#[test]
fn memory_grow_then_access_at_the_new_edge() {
    let wat = r#"(module (memory 1 4)
      (func (export "f") (param i32) (result i32)
        i32.const 1 memory.grow drop
        local.get 0 i32.const 0x01020304 i32.store
        local.get 0 i32.load
        memory.size i32.add)
      (func (export "grow_past_max") (result i32) i32.const 4 memory.grow))"#;
    check(wat, "f", &[i32v(131068)], Ok(vec![i32v(0x01020306)]));
    check(wat, "f", &[i32v(131069)], Err(TrapCode::MemoryOutOfBounds));
    check(wat, "f", &[i32v(-4)], Err(TrapCode::MemoryOutOfBounds));
    check(wat, "grow_past_max", &[], Ok(vec![i32v(-1)]));
}

#[test]
fn offsets_that_overflow_32_bits_do_not_wrap() {
    let wat = r#"(module (memory 1)
      (func (export "a") (param i32) (result i32) local.get 0 i32.load offset=4294967295)
      (func (export "b") (param i32) (result i64) local.get 0 i64.load offset=4294967288)
      (func (export "c") (param i32) (param i32) local.get 0 local.get 1 i32.store8 offset=4294967295)
      (func (export "d") (param i32) (result i32) local.get 0 i32.load8_u offset=65535))"#;
    check(wat, "a", &[i32v(1)], Err(TrapCode::MemoryOutOfBounds));
    check(wat, "a", &[i32v(0)], Err(TrapCode::MemoryOutOfBounds));
    check(wat, "b", &[i32v(8)], Err(TrapCode::MemoryOutOfBounds));
    check(
        wat,
        "c",
        &[i32v(1), i32v(9)],
        Err(TrapCode::MemoryOutOfBounds),
    );
    check(wat, "d", &[i32v(0)], Ok(vec![i32v(0)]));
    check(wat, "d", &[i32v(1)], Err(TrapCode::MemoryOutOfBounds));
}

#[test]
fn unset_reference_locals_are_null() {
    let wat = r#"(module
      (func (export "extern") (result externref) (local externref) local.get 0)
      (func (export "func") (result funcref) (local funcref) local.get 0)
      (func (export "is_null") (result i32 i32) (local externref funcref)
        local.get 0 ref.is_null local.get 1 ref.is_null))"#;
    check(wat, "extern", &[], Ok(vec![Val::ExternRef(None)]));
    check(wat, "func", &[], Ok(vec![Val::FuncRef(None)]));
    check(wat, "is_null", &[], Ok(vec![i32v(1), i32v(1)]));
}

#[test]
fn multi_value_results_and_block_parameters() {
    let wat = r#"(module
      (func $swap (param i32 i64 f32 f64) (result f64 f32 i64 i32)
        local.get 3 local.get 2 local.get 1 local.get 0)
      (func (export "f") (result i32 i64 f32 f64 i32)
        i32.const 1 i64.const 2 f32.const 3 f64.const 4 call $swap
        drop drop drop drop
        i32.const 5 i64.const 6 f32.const 7 f64.const 8
        block (param i32 i64 f32 f64) (result i32 i64 f32 f64) end
        i32.const 9))"#;
    check(
        wat,
        "f",
        &[],
        Ok(vec![i32v(5), i64v(6), f32v(7.0), f64v(8.0), i32v(9)]),
    );
}

#[test]
fn fuel_is_charged_like_the_other_tiers() {
    let wat = r#"(module (func (export "f") (param i32) (result i32) (local i32)
      loop
        local.get 1 i32.const 1 i32.add local.set 1
        local.get 1 local.get 0 i32.lt_u br_if 0
      end
      local.get 1))"#;
    let limits = Limits {
        fuel: Some(50),
        ..Limits::default()
    };
    check_with(limits, wat, "f", &[i32v(10)], Ok(vec![i32v(10)]));
    check_with(limits, wat, "f", &[i32v(100)], Err(TrapCode::OutOfFuel));
}

#[test]
fn deep_recursion_ends_in_call_stack_exhausted() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        local.get 0 i32.eqz if (result i32) i32.const 0 else
        local.get 0 i32.const 1 i32.sub call $f i32.const 1 i32.add end))"#;
    check(wat, "f", &[i32v(9_999)], Ok(vec![i32v(9_999)]));
    check(wat, "f", &[i32v(10_000)], Err(TrapCode::CallStackExhausted));
    let deep = Limits {
        max_call_depth: 2_000_000,
        ..Limits::default()
    };
    let jit = run_on(TierKind::Jit, deep, wat, "f", &[i32v(-1)]);
    assert_eq!(jit.0, Err(TrapCode::CallStackExhausted));
}

#[test]
fn call_indirect_checks_bounds_null_and_signature() {
    let wat = r#"(module
      (type $ii (func (param i32) (result i32)))
      (table 3 funcref)
      (elem (i32.const 0) $inc $other)
      (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
      (func $other (param i64) (result i64) local.get 0)
      (func (export "call") (param i32 i32) (result i32)
        local.get 1 local.get 0 call_indirect (type $ii)))"#;
    check(wat, "call", &[i32v(0), i32v(41)], Ok(vec![i32v(42)]));
    check(
        wat,
        "call",
        &[i32v(1), i32v(0)],
        Err(TrapCode::IndirectCallTypeMismatch),
    );
    check(
        wat,
        "call",
        &[i32v(2), i32v(0)],
        Err(TrapCode::IndirectCallToNull),
    );
    check(
        wat,
        "call",
        &[i32v(3), i32v(0)],
        Err(TrapCode::TableOutOfBounds),
    );
}

/// `call_indirect` checks and calls functions of its own instance in native
/// code, reading the table through a view the runtime keeps current. The
/// view must follow a table that grows (and moves) during the same call, and
/// signatures are compared by structure (two type indices, one signature).
#[test]
fn native_call_indirect_follows_a_table_that_grows_during_the_call() {
    let wat = r#"(module
      (type $ii (func (param i32) (result i32)))
      (type $ii2 (func (param i32) (result i32)))
      (table 2 funcref)
      (elem (i32.const 0) $inc $sink)
      (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
      (func $dbl (type $ii2) local.get 0 i32.const 2 i32.mul)
      (func $sink (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
      ;; Grows the table by 5000 (its elements move), puts $dbl at the end
      ;; and calls it there, then calls slot 0 again through the new view.
      (func (export "grow_and_call") (param i32) (result i32)
        (drop (table.grow (ref.null func) (i32.const 5000)))
        (table.set (i32.const 5001) (ref.func $dbl))
        (call_indirect (type $ii) (local.get 0) (i32.const 5001))
        (call_indirect (type $ii) (i32.const 0)))
      (func (export "call") (param i32 i32) (result i32)
        local.get 1 local.get 0 call_indirect (type $ii))
      (func (export "call_void") (param i32) local.get 0 i32.const 2 call_indirect (param i32))
      (elem declare func $dbl))"#;
    check(wat, "grow_and_call", &[i32v(20)], Ok(vec![i32v(41)]));
    check(wat, "call", &[i32v(1), i32v(7)], Ok(vec![i32v(21)]));
    check(wat, "call", &[i32v(0), i32v(7)], Ok(vec![i32v(8)]));
    check(
        wat,
        "call",
        &[i32v(2), i32v(7)],
        Err(TrapCode::TableOutOfBounds),
    );
    check(
        wat,
        "call",
        &[i32v(-1), i32v(7)],
        Err(TrapCode::TableOutOfBounds),
    );
    check(
        wat,
        "call_void",
        &[i32v(0)],
        Err(TrapCode::TableOutOfBounds),
    );
}

/// A table shared between instances: a target from the other instance goes
/// through the runtime, and growth done by the other instance is seen.
#[test]
fn native_call_indirect_sees_a_shared_table_grown_by_another_instance() {
    let table = r#"(module (table (export "t") 1 funcref))"#;
    let grower = r#"(module
      (type $ii (func (param i32) (result i32)))
      (import "tables" "t" (table 1 funcref))
      (func $sq (type $ii) local.get 0 local.get 0 i32.mul)
      ;; grows the table by n, stores $sq in the last slot, returns its index
      (func (export "grow") (param i32) (result i32) (local i32)
        (local.set 1 (i32.add (table.grow (ref.null func) (local.get 0)) (local.get 0)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (table.set (local.get 1) (ref.func $sq))
        (local.get 1))
      (elem declare func $sq))"#;
    let owner = r#"(module
      (type $ii (func (param i32) (result i32)))
      (import "tables" "t" (table 1 funcref))
      (import "grower" "grow" (func $grow (param i32) (result i32)))
      (elem (i32.const 0) $neg)
      (func $neg (type $ii) i32.const 0 local.get 0 i32.sub)
      (func (export "run") (param i32) (result i32)
        (i32.add
          (call_indirect (type $ii) (local.get 0) (call $grow (i32.const 3000)))
          (call_indirect (type $ii) (local.get 0) (i32.const 0)))))"#;
    let load = |src: &str| Module::new(&wat::parse_str(src).unwrap()).unwrap();
    let mut results = Vec::new();
    for tier in [TierKind::Classic, TierKind::Jit] {
        let mut store = Store::new(tier, Limits::default()).unwrap();
        let mut linker = Linker::default();
        let t = store.instantiate(&load(table), &linker).unwrap();
        linker.define_instance(&store, "tables", t);
        let g = store.instantiate(&load(grower), &linker).unwrap();
        linker.define_instance(&store, "grower", g);
        let o = store.instantiate(&load(owner), &linker).unwrap();
        let Some(tierdiff_runtime::Extern::Func(run)) = store.export(o, "run") else {
            panic!("no run")
        };
        results.push(store.invoke(run, &[i32v(12)]).map_err(|e| e.to_string()));
        assert!(
            store.violations().is_empty(),
            "{tier:?}: {:?}",
            store.violations()
        );
    }
    assert_eq!(results[0], Ok(vec![i32v(144 - 12)]));
    assert_eq!(results[1], results[0]);
}

/// Compile time: prints microseconds per function and per KiB of wasm
/// (run with `--ignored --nocapture`, release build).
#[test]
#[ignore]
fn measure_compile_time() {
    let mut wat = String::from("(module (memory 1)\n");
    let funcs = 500;
    for i in 0..funcs {
        wat.push_str(&format!(
            "(func (export \"f{i}\") (param i32 i32) (result i32) (local i32)
              loop local.get 2 local.get 0 i32.add local.get 1 i32.mul i32.const {i} i32.xor
                local.set 2 local.get 2 i32.load local.get 2 i32.store offset=4
                local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end
              local.get 2 local.get 1 i32.div_u f64.convert_i32_u f64.sqrt i32.trunc_sat_f64_s)\n"
        ));
    }
    wat.push(')');
    let bytes = wat::parse_str(&wat).unwrap();
    let module = Module::new(&bytes).unwrap();
    let code_bytes: usize = module.bodies.iter().map(|b| b.code.len()).sum();
    let time = |tier| {
        let mut best = std::time::Duration::MAX;
        for _ in 0..3 {
            let mut store = Store::new(tier, Limits::default()).unwrap();
            let start = std::time::Instant::now();
            store.instantiate(&module, &Linker::default()).unwrap();
            best = best.min(start.elapsed());
        }
        best
    };
    let jit = time(TierKind::Jit).saturating_sub(time(TierKind::Classic));
    let us = jit.as_secs_f64() * 1e6;
    println!(
        "{funcs} functions, {code_bytes} bytes of code ({} bytes module): {:.0} us total, {:.1} us/function, {:.0} us/KiB",
        bytes.len(),
        us,
        us / funcs as f64,
        us / (code_bytes as f64 / 1024.0)
    );
}

#[test]
fn on_a_big_stack_thread_calls_run_inline_and_still_end_deep_recursion_cleanly() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $f i32.const 1 i32.add end))"#;
    tierdiff_runtime::stack::run_with_big_stack(tierdiff_runtime::stack::BIG_STACK, || {
        let limits = Limits {
            max_call_depth: 5_000,
            ..Limits::default()
        };
        let (ok, _, v) = run_on(TierKind::Jit, limits, wat, "f", &[Val::I32(4_999)]);
        assert_eq!(ok, Ok(vec![Val::I32(4_999)]));
        assert!(v.is_empty());
        let (deep, _, _) = run_on(TierKind::Jit, limits, wat, "f", &[Val::I32(5_000)]);
        assert_eq!(deep, Err(TrapCode::CallStackExhausted));
        // Deeper than the native stack can hold: the stack guard ends it.
        let huge = Limits {
            max_call_depth: 50_000_000,
            ..Limits::default()
        };
        let (guarded, _, _) = run_on(TierKind::Jit, huge, wat, "f", &[Val::I32(-1)]);
        assert_eq!(guarded, Err(TrapCode::CallStackExhausted));
    });
}
