//! The fast tier's known hazards (from bug reports against slot-based
//! interpreters), each run on the fast tier and checked against the
//! expected value and against the classic tier.

use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

mod common;
use common::run_on;

/// Runs on the fast tier, checks `expected`, no violations, and the same
/// result and fuel as the classic tier.
fn check_with(
    limits: Limits,
    wat: &str,
    name: &str,
    args: &[Val],
    expected: Result<Vec<Val>, TrapCode>,
) {
    let fast = run_on(TierKind::Fast, limits, wat, name, args);
    assert_eq!(fast.0, expected, "fast: {name}({args:?})");
    assert!(fast.2.is_empty(), "fast violations: {:?}", fast.2);
    let classic = run_on(TierKind::Classic, limits, wat, name, args);
    assert_eq!(fast.0, classic.0, "fast vs classic: {name}({args:?})");
    assert_eq!(fast.1, classic.1, "fuel left, fast vs classic: {name}");
}

fn check(wat: &str, name: &str, args: &[Val], expected: Result<Vec<Val>, TrapCode>) {
    check_with(Limits::default(), wat, name, args, expected)
}

#[test]
fn local_set_keeps_a_pending_old_value() {
    let wat = r#"(module
      (func (export "set") (param i32) (result i32)
        local.get 0 i32.const 1 local.set 0 local.get 0 i32.sub)
      (func (export "tee") (param i32) (result i32)
        local.get 0 i32.const 100 local.tee 0 i32.add local.get 0 i32.mul)
      (func (export "self_set") (param i32) (result i32)
        local.get 0 local.get 0 local.set 0 local.get 0 i32.add)
      (func (export "retarget") (param i32) (result i32)
        local.get 0 local.get 0 i32.const 5 i32.add local.set 0 local.get 0 i32.sub)
      (func (export "in_if") (param i32) (result i32)
        local.get 0
        local.get 0 if i32.const 9 local.set 0 end
        local.get 0 i32.add))"#;
    check(wat, "set", &[Val::I32(10)], Ok(vec![Val::I32(9)]));
    check(wat, "tee", &[Val::I32(7)], Ok(vec![Val::I32(10_700)]));
    check(wat, "self_set", &[Val::I32(21)], Ok(vec![Val::I32(42)]));
    check(wat, "retarget", &[Val::I32(10)], Ok(vec![Val::I32(-5)]));
    check(wat, "in_if", &[Val::I32(3)], Ok(vec![Val::I32(12)]));
    check(wat, "in_if", &[Val::I32(0)], Ok(vec![Val::I32(0)]));
}

#[test]
fn select_and_block_results_inside_if_with_params() {
    let wat = r#"(module
      (type $p2r1 (func (param i32 i32) (result i32)))
      (func (export "sel") (param i32 i32 i32) (result i32)
        local.get 0 local.get 1 local.get 2
        if (type $p2r1)
          i32.const 1 select
        else
          i32.const 0 select
        end)
      (func (export "nested") (param i32) (result i32)
        i32.const 5 i32.const 6 local.get 0
        if (type $p2r1)
          block (type $p2r1) i32.add end
        else
          block (type $p2r1) i32.mul i32.const 100 i32.add end
        end)
      (func (export "results_swap") (param i32) (result i32 i32)
        i32.const 1 i32.const 2 local.get 0
        if (param i32 i32) (result i32 i32)
          local.set 0 drop i32.const 10 local.get 0
        end))"#;
    check(
        wat,
        "sel",
        &[Val::I32(11), Val::I32(22), Val::I32(1)],
        Ok(vec![Val::I32(11)]),
    );
    check(
        wat,
        "sel",
        &[Val::I32(11), Val::I32(22), Val::I32(0)],
        Ok(vec![Val::I32(22)]),
    );
    check(wat, "nested", &[Val::I32(1)], Ok(vec![Val::I32(11)]));
    check(wat, "nested", &[Val::I32(0)], Ok(vec![Val::I32(130)]));
    check(
        wat,
        "results_swap",
        &[Val::I32(1)],
        Ok(vec![Val::I32(10), Val::I32(2)]),
    );
    check(
        wat,
        "results_swap",
        &[Val::I32(0)],
        Ok(vec![Val::I32(1), Val::I32(2)]),
    );
    // Without an else the parameters pass through as results.
    let wat2 = r#"(module
      (func (export "f") (param i64 i32) (result i64)
        local.get 0 local.get 1
        if (param i64) (result i64) i64.const 1 i64.add end))"#;
    check(
        wat2,
        "f",
        &[Val::I64(1 << 40), Val::I32(1)],
        Ok(vec![Val::I64((1 << 40) + 1)]),
    );
    check(
        wat2,
        "f",
        &[Val::I64(1 << 40), Val::I32(0)],
        Ok(vec![Val::I64(1 << 40)]),
    );
}

#[test]
fn br_out_of_block_still_traps_on_the_load_inside() {
    let wat = r#"(module (memory 1)
      (func (export "f") (result i64)
        block (result i64)
          i32.const 65536 i64.load
          br 0
        end)
      (func (export "dropped") (result i32)
        block (result i32)
          i32.const 70000 i64.load drop
          i32.const 1 br 0
        end)
      (func (export "br_if_value") (param i32) (result i64)
        block (result i64)
          local.get 0 i64.load
          local.get 0 br_if 0
          drop i64.const 3
        end))"#;
    check(wat, "f", &[], Err(TrapCode::MemoryOutOfBounds));
    check(wat, "dropped", &[], Err(TrapCode::MemoryOutOfBounds));
    check(
        wat,
        "br_if_value",
        &[Val::I32(65530)],
        Err(TrapCode::MemoryOutOfBounds),
    );
    check(wat, "br_if_value", &[Val::I32(8)], Ok(vec![Val::I64(0)]));
}

#[test]
fn unreachable_is_kept_and_dead_code_after_it_is_skipped() {
    let wat = r#"(module
      (func (export "f") (result i32)
        unreachable
        i32.add
        block (result f64) f64.const 1 end
        drop
        br_table 0 0)
      (func (export "after_br") (param i32) (result i32)
        block (result i32)
          local.get 0
          br 0
          unreachable
          i32.add
        end
        i32.const 1 i32.add)
      (func (export "in_if") (param i32) (result i32)
        local.get 0 if unreachable end
        i32.const 7))"#;
    check(wat, "f", &[], Err(TrapCode::Unreachable));
    check(wat, "after_br", &[Val::I32(4)], Ok(vec![Val::I32(5)]));
    check(wat, "in_if", &[Val::I32(1)], Err(TrapCode::Unreachable));
    check(wat, "in_if", &[Val::I32(0)], Ok(vec![Val::I32(7)]));
}

#[test]
fn more_than_32767_locals_and_temporaries_work() {
    let locals = 40_000;
    let wat = format!(
        r#"(module
          (func (export "locals") (param i32) (result i32) (local i32 i64)
            (local {many})
            local.get 0 local.set {last}
            i64.const 0x100000000 local.set 2
            local.get {last} local.get {mid} i32.add)
          (func (export "temps") (result i32)
            {pushes}
            {adds}))"#,
        many = "i32 ".repeat(locals),
        last = locals + 2,
        mid = locals / 2,
        pushes = "i32.const 1 ".repeat(33_000),
        adds = "i32.add ".repeat(32_999),
    );
    check(&wat, "locals", &[Val::I32(77)], Ok(vec![Val::I32(77)]));
    check(&wat, "temps", &[], Ok(vec![Val::I32(33_000)]));
}

#[test]
fn i64_values_cross_block_boundaries_untruncated() {
    let big = 0x1234_5678_9abc_def0_u64 as i64;
    let wat = r#"(module
      (func (export "block") (param i64) (result i64)
        block (result i64) local.get 0 end)
      (func (export "br") (param i64) (result i64)
        block (result i64) local.get 0 br 0 end)
      (func (export "br_if") (param i64 i32) (result i64)
        block (result i64) local.get 0 local.get 1 br_if 0 i64.const 1 i64.add end)
      (func (export "br_table") (param i64 i32) (result i64)
        block (result i64)
          block (result i64) local.get 0 local.get 1 br_table 0 1 end
          i64.const 1 i64.xor
        end)
      (func (export "loop") (param i64) (result i64) (local i32)
        local.get 0
        loop (param i64) (result i64)
          i64.const 1 i64.add
          local.get 1 i32.const 1 i32.add local.tee 1
          i32.const 3 i32.lt_u br_if 0
        end)
      (func (export "if") (param i64 i32) (result i64)
        local.get 1 if (result i64) local.get 0 else local.get 0 i64.const 1 i64.shl end)
      (func (export "call") (param i64) (result i64)
        local.get 0 call $id)
      (func $id (param i64) (result i64) local.get 0))"#;
    let b = Val::I64(big);
    check(wat, "block", &[b], Ok(vec![b]));
    check(wat, "br", &[b], Ok(vec![b]));
    check(wat, "br_if", &[b, Val::I32(1)], Ok(vec![b]));
    check(wat, "br_if", &[b, Val::I32(0)], Ok(vec![Val::I64(big + 1)]));
    check(wat, "br_table", &[b, Val::I32(1)], Ok(vec![b]));
    check(
        wat,
        "br_table",
        &[b, Val::I32(0)],
        Ok(vec![Val::I64(big ^ 1)]),
    );
    check(wat, "loop", &[b], Ok(vec![Val::I64(big + 3)]));
    check(wat, "if", &[b, Val::I32(1)], Ok(vec![b]));
    check(wat, "if", &[b, Val::I32(0)], Ok(vec![Val::I64(big << 1)]));
    check(wat, "call", &[b], Ok(vec![b]));
}

#[test]
fn division_traps_only_when_it_should() {
    let wat = r#"(module
      (func (export "div32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
      (func (export "rem32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
      (func (export "div64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
      (func (export "rem64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
      (func (export "divu32") (param i32) (result i32) local.get 0 i32.const -1 i32.div_u)
      (func (export "div32_const") (param i32) (result i32) local.get 0 i32.const -1 i32.div_s))"#;
    let (i32, i64) = (Val::I32, Val::I64);
    check(
        wat,
        "div32",
        &[i32(i32::MIN), i32(1)],
        Ok(vec![i32(i32::MIN)]),
    );
    check(wat, "div32", &[i32(-7), i32(-1)], Ok(vec![i32(7)]));
    check(
        wat,
        "div32",
        &[i32(i32::MIN), i32(2)],
        Ok(vec![i32(i32::MIN / 2)]),
    );
    check(
        wat,
        "div32",
        &[i32(i32::MIN), i32(-1)],
        Err(TrapCode::IntegerOverflow),
    );
    check(
        wat,
        "div32",
        &[i32(1), i32(0)],
        Err(TrapCode::IntegerDivideByZero),
    );
    check(wat, "rem32", &[i32(i32::MIN), i32(-1)], Ok(vec![i32(0)]));
    check(
        wat,
        "div64",
        &[i64(i64::MIN), i64(1)],
        Ok(vec![i64(i64::MIN)]),
    );
    // An i64 whose low 32 bits are i32::MIN divided by -1 is no overflow.
    check(
        wat,
        "div64",
        &[i64(0x8000_0000), i64(-1)],
        Ok(vec![i64(-0x8000_0000)]),
    );
    check(
        wat,
        "div64",
        &[i64(i64::MIN), i64(-1)],
        Err(TrapCode::IntegerOverflow),
    );
    check(wat, "rem64", &[i64(i64::MIN), i64(-1)], Ok(vec![i64(0)]));
    check(wat, "divu32", &[i32(i32::MIN)], Ok(vec![i32(0)]));
    check(wat, "div32_const", &[i32(5)], Ok(vec![i32(-5)]));
    check(
        wat,
        "div32_const",
        &[i32(i32::MIN)],
        Err(TrapCode::IntegerOverflow),
    );
}

#[test]
fn reference_locals_start_null() {
    let wat = r#"(module
      (func (export "ext") (result externref) (local externref) local.get 0)
      (func (export "func") (result funcref) (local i32 funcref) local.get 1)
      (func (export "is_null") (result i32) (local externref) local.get 0 ref.is_null))"#;
    check(wat, "ext", &[], Ok(vec![Val::ExternRef(None)]));
    check(wat, "func", &[], Ok(vec![Val::FuncRef(None)]));
    check(wat, "is_null", &[], Ok(vec![Val::I32(1)]));
}

#[test]
fn fuel_and_call_depth_match_the_classic_tier() {
    let wat = r#"(module (global $g (mut i32) (i32.const 0))
      (func (export "count") (param i32) (result i32)
        loop
          global.get $g i32.const 1 i32.add global.set $g
          call $leaf
          local.get 0 i32.const 1 i32.sub local.tee 0
          br_if 0
        end
        global.get $g)
      (func $leaf)
      (func $rec (export "rec") (param i32) (result i32)
        local.get 0 i32.eqz if (result i32) i32.const 0
        else local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end))"#;
    for fuel in [0, 1, 2, 3, 10, 25, 1000] {
        let limits = Limits {
            fuel: Some(fuel),
            ..Limits::default()
        };
        let expected = run_on(TierKind::Classic, limits, wat, "count", &[Val::I32(10)]).0;
        check_with(limits, wat, "count", &[Val::I32(10)], expected);
    }
    let limits = Limits {
        max_call_depth: 100,
        ..Limits::default()
    };
    check_with(limits, wat, "rec", &[Val::I32(99)], Ok(vec![Val::I32(99)]));
    check_with(
        limits,
        wat,
        "rec",
        &[Val::I32(100)],
        Err(TrapCode::CallStackExhausted),
    );
}

#[test]
fn fused_compare_branches_take_the_right_way() {
    let wat = r#"(module
      (func (export "ifcmp") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.lt_s if (result i32) i32.const 1 else i32.const 2 end)
      (func (export "brcmp64") (param i64) (result i32)
        block local.get 0 i64.const -1 i64.gt_u br_if 0 i32.const 5 return end i32.const 6)
      (func (export "eqz") (param i32) (result i32)
        block (result i32) i32.const 3 local.get 0 i32.eqz br_if 0 drop i32.const 4 end))"#;
    let i = Val::I32;
    check(wat, "ifcmp", &[i(-1), i(0)], Ok(vec![i(1)]));
    check(wat, "ifcmp", &[i(0), i(-1)], Ok(vec![i(2)]));
    check(wat, "ifcmp", &[i(3), i(3)], Ok(vec![i(2)]));
    check(wat, "brcmp64", &[Val::I64(-1)], Ok(vec![i(5)]));
    check(wat, "brcmp64", &[Val::I64(0)], Ok(vec![i(5)]));
    check(wat, "eqz", &[i(0)], Ok(vec![i(3)]));
    check(wat, "eqz", &[i(1)], Ok(vec![i(4)]));
}

#[test]
fn side_tables_are_reported_as_an_internal_map() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        block block local.get 0 br_table 0 1 end i32.const 1 return end i32.const 2))"#;
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(TierKind::Fast, Limits::default()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let Some(Extern::Func(f)) = store.export(inst, "f") else {
        panic!("no export")
    };
    assert_eq!(store.invoke(f, &[Val::I32(0)]).unwrap(), vec![Val::I32(1)]);
    assert_eq!(store.invoke(f, &[Val::I32(9)]).unwrap(), vec![Val::I32(2)]);
    assert!(store.violations().is_empty(), "{:?}", store.violations());
    let snap = store
        .map_snapshots()
        .into_iter()
        .find(|s| s.name == "fast-side-tables")
        .expect("fast side tables are snapshotted");
    assert_eq!(snap.entries, 1);
    assert_eq!(snap.stats.hits, 2);
}
