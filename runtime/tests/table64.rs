//! 64-bit tables (memory64 proposal) in every tier that runs them: i64
//! indices, sizes and lengths, and indices at or past 2^32 that trap instead
//! of wrapping into range.
//!
//! The default loader refuses memory64 until every tier runs it, so the
//! modules load with `Module::new_with_features`.

use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

/// Every tier implements 64-bit tables.
const TIERS: [TierKind; 3] = TierKind::ALL;

/// Instantiates `wat` on `tier`, calls `name`, checks the internal maps.
fn call(tier: TierKind, wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(tier, Limits::default()).expect("tier exists");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
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

/// Calls `name` on every tier and checks the outcome.
fn expect(wat: &str, name: &str, args: &[Val], want: Result<Vec<Val>, TrapCode>) {
    for tier in TIERS {
        assert_eq!(call(tier, wat, name, args), want, "{tier:?} {name}{args:?}");
    }
}

const TABLES: &str = r#"(module
  (type $r (func (result i32)))
  (table $t64 i64 3 5 funcref)
  (table $t32 4 funcref)
  (elem $seg func $seven $nine)
  (func $seven (result i32) (i32.const 7))
  (func $nine (result i32) (i32.const 9))
  (elem (table $t64) (i64.const 1) func $seven)
  (func (export "size") (result i64) (table.size $t64))
  (func (export "grow") (param i64) (result i64)
    (table.grow $t64 (ref.null func) (local.get 0)))
  (func (export "is_null") (param i64) (result i32)
    (ref.is_null (table.get $t64 (local.get 0))))
  (func (export "set_nine") (param i64)
    (table.set $t64 (local.get 0) (ref.func $nine)))
  (func (export "call") (param i64) (result i32)
    (call_indirect $t64 (type $r) (local.get 0)))
  (func (export "fill") (param i64 i64)
    (table.fill $t64 (local.get 0) (ref.func $nine) (local.get 1)))
  (func (export "init") (param i64 i32 i32)
    (table.init $t64 $seg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_in") (param i64 i32 i32)
    (table.copy $t64 $t32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_out") (param i32 i64 i32)
    (table.copy $t32 $t64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "call32") (param i32) (result i32)
    (call_indirect $t32 (type $r) (local.get 0))))"#;

const OOB: Result<Vec<Val>, TrapCode> = Err(TrapCode::TableOutOfBounds);

#[test]
fn sizes_and_growth_are_i64() {
    expect(TABLES, "size", &[], Ok(vec![Val::I64(3)]));
    // Growth returns the old size, -1 (as i64) past the maximum, and a
    // delta of 2^32 + 1 is not read as 1.
    for tier in TIERS {
        let grow = |n: i64| call(tier, TABLES, "grow", &[Val::I64(n)]);
        assert_eq!(grow((1 << 32) + 1), Ok(vec![Val::I64(-1)]), "{tier:?}");
        assert_eq!(grow(3), Ok(vec![Val::I64(-1)]), "{tier:?}");
        assert_eq!(grow(2), Ok(vec![Val::I64(3)]), "{tier:?}");
    }
}

#[test]
fn an_index_at_or_past_two_to_the_32_never_wraps() {
    let wrapped = Val::I64((1 << 32) + 1);
    expect(TABLES, "is_null", &[Val::I64(1)], Ok(vec![Val::I32(0)]));
    expect(TABLES, "is_null", &[wrapped], OOB);
    expect(TABLES, "call", &[Val::I64(1)], Ok(vec![Val::I32(7)]));
    expect(TABLES, "call", &[wrapped], OOB);
    expect(TABLES, "call", &[Val::I64(-1)], OOB);
    expect(TABLES, "set_nine", &[wrapped], OOB);
    expect(
        TABLES,
        "call",
        &[Val::I64(0)],
        Err(TrapCode::IndirectCallToNull),
    );
}

#[test]
fn bulk_operations_take_i64_positions_and_lengths() {
    // A length of 2^32 + 1 must not become 1.
    expect(TABLES, "fill", &[Val::I64(0), Val::I64((1 << 32) + 1)], OOB);
    expect(TABLES, "fill", &[Val::I64(1 << 32), Val::I64(0)], OOB);
    expect(TABLES, "fill", &[Val::I64(3), Val::I64(0)], Ok(vec![]));
    expect(
        TABLES,
        "init",
        &[Val::I64(1 << 32), Val::I32(0), Val::I32(1)],
        OOB,
    );
    expect(
        TABLES,
        "init",
        &[Val::I64(1), Val::I32(1), Val::I32(2)],
        OOB,
    );
    expect(
        TABLES,
        "init",
        &[Val::I64(2), Val::I32(1), Val::I32(1)],
        Ok(vec![]),
    );
    // Between a 32- and a 64-bit table, the length is i32 and each position
    // takes its own table's index type.
    expect(
        TABLES,
        "copy_in",
        &[Val::I64(1 << 32), Val::I32(0), Val::I32(0)],
        OOB,
    );
    expect(
        TABLES,
        "copy_in",
        &[Val::I64(0), Val::I32(0), Val::I32(3)],
        Ok(vec![]),
    );
    expect(
        TABLES,
        "copy_out",
        &[Val::I32(0), Val::I64(1 << 32), Val::I32(1)],
        OOB,
    );
    expect(
        TABLES,
        "copy_out",
        &[Val::I32(3), Val::I64(1), Val::I32(1)],
        Ok(vec![]),
    );
}

/// Each step runs in its own store, so effects are checked in one function.
#[test]
fn bulk_operations_move_the_right_entries() {
    let wat = TABLES.replace(
        "(func (export \"call32\")",
        r#"(func (export "moves") (result i32)
    (table.init $t64 $seg (i64.const 0) (i32.const 1) (i32.const 1))
    (table.copy $t32 $t64 (i32.const 2) (i64.const 0) (i32.const 2))
    (table.fill $t64 (i64.const 2) (ref.func $nine) (i64.const 1))
    (i32.add
      (i32.mul (call_indirect $t32 (type $r) (i32.const 2)) (i32.const 100))
      (i32.add
        (i32.mul (call_indirect $t32 (type $r) (i32.const 3)) (i32.const 10))
        (call_indirect $t64 (type $r) (i64.const 2)))))
  (func (export "call32")"#,
    );
    // $t32[2] = init'd $nine, $t32[3] = elem $seven, $t64[2] = filled $nine.
    expect(&wat, "moves", &[], Ok(vec![Val::I32(979)]));
}
