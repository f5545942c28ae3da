//! Shared semantics every implemented tier must honour: traps, fuel, call
//! depth, limits and the known cross-mode bug classes.

use tierdiff_runtime::{Limits, Linker, Module, Store, TierKind, TrapCode, Val};

mod common;

fn run(
    tier: TierKind,
    limits: Limits,
    wat: &str,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, TrapCode> {
    let (result, _, violations) = common::run_on(tier, limits, wat, name, args);
    assert!(violations.is_empty(), "{tier}: {violations:?}");
    result
}

fn every_tier(
    limits: Limits,
    wat: &str,
    name: &str,
    args: &[Val],
    expected: Result<Vec<Val>, TrapCode>,
) {
    for tier in TierKind::implemented() {
        assert_eq!(
            run(tier, limits, wat, name, args),
            expected,
            "tier {tier}, {name}({args:?})"
        );
    }
}

#[test]
fn deep_recursion_ends_in_call_stack_exhausted() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $f i32.const 1 i32.add end))"#;
    let limits = Limits {
        max_call_depth: 1000,
        ..Limits::default()
    };
    every_tier(limits, wat, "f", &[Val::I32(999)], Ok(vec![Val::I32(999)]));
    every_tier(
        limits,
        wat,
        "f",
        &[Val::I32(1000)],
        Err(TrapCode::CallStackExhausted),
    );
    // Far deeper than any Rust stack could recurse: must still trap cleanly.
    let deep = Limits {
        max_call_depth: 2_000_000,
        ..Limits::default()
    };
    every_tier(
        deep,
        wat,
        "f",
        &[Val::I32(-1)],
        Err(TrapCode::CallStackExhausted),
    );
}

#[test]
fn fuel_is_charged_at_entry_and_loop_headers() {
    // One unit for entering `f`, then one per loop-header entry: the loop
    // runs `n` iterations, so it needs n + 1 units in all.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (loop $l local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l) local.get 0))"#;
    for n in [1, 5, 100] {
        let exact = Limits {
            fuel: Some(n as u64 + 1),
            ..Limits::default()
        };
        every_tier(exact, wat, "f", &[Val::I32(n)], Ok(vec![Val::I32(0)]));
        let short = Limits {
            fuel: Some(n as u64),
            ..Limits::default()
        };
        every_tier(short, wat, "f", &[Val::I32(n)], Err(TrapCode::OutOfFuel));
    }
    let spin = r#"(module (func (export "spin") (loop $l br $l)))"#;
    every_tier(
        Limits {
            fuel: Some(10_000),
            ..Limits::default()
        },
        spin,
        "spin",
        &[],
        Err(TrapCode::OutOfFuel),
    );
}

/// Fuel left after a call must be the same in every tier: through direct
/// and indirect calls, after a trap in the caller, after running out in a
/// callee, and unlimited fuel must stay unlimited (the JIT keeps fuel in a
/// register and writes it back; these are the ways that can go wrong).
#[test]
fn fuel_left_is_exact_across_calls_and_traps() {
    // leaf(n) costs n + 1 (entry and n loop-header entries); mid(n) costs
    // 1 + 2 * leaf(n); f(n, t) costs 1 + mid(n) = 2n + 4, then traps if t.
    let wat = r#"(module
        (type $leaf (func (param i32)))
        (table 1 funcref) (elem (i32.const 0) $leaf)
        (func $leaf (type $leaf) (param i32)
          (loop $l local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l))
        (func $mid (param i32)
          local.get 0 call $leaf
          local.get 0 i32.const 0 call_indirect (type $leaf))
        (func (export "f") (param i32 i32) (result i32)
          local.get 0 call $mid
          local.get 1 if unreachable end
          local.get 0))"#;
    let n = 10;
    let cost = 2 * n as u64 + 4;
    let cases = [
        (Some(1000), 0, Ok(vec![Val::I32(n)]), Some(1000 - cost)),
        (Some(1000), 1, Err(TrapCode::Unreachable), Some(1000 - cost)),
        (Some(cost), 0, Ok(vec![Val::I32(n)]), Some(0)),
        (Some(cost - 1), 0, Err(TrapCode::OutOfFuel), Some(0)),
        (Some(cost / 2), 0, Err(TrapCode::OutOfFuel), Some(0)),
        (None, 0, Ok(vec![Val::I32(n)]), None),
        (None, 1, Err(TrapCode::Unreachable), None),
    ];
    for (fuel, trap, expected, left) in cases {
        let limits = Limits {
            fuel,
            ..Limits::default()
        };
        for tier in TierKind::implemented() {
            let (result, fuel_left, violations) =
                common::run_on(tier, limits, wat, "f", &[Val::I32(n), Val::I32(trap)]);
            assert!(violations.is_empty(), "{tier}: {violations:?}");
            assert_eq!(result, expected, "tier {tier}, fuel {fuel:?}, trap {trap}");
            assert_eq!(fuel_left, left, "tier {tier}, fuel {fuel:?}, trap {trap}");
        }
    }
}

#[test]
fn memory_grow_respects_the_page_limit() {
    let wat = r#"(module (memory 1)
        (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
        (func (export "edge") (result i32) (drop (memory.grow (i32.const 1)))
            (i32.store (i32.const 131068) (i32.const 7)) (i32.load (i32.const 131068)))
        (func (export "past") (result i32) (drop (memory.grow (i32.const 1))) (i32.load (i32.const 131069))))"#;
    let limits = Limits {
        max_memory_pages: 2,
        ..Limits::default()
    };
    every_tier(limits, wat, "grow", &[Val::I32(1)], Ok(vec![Val::I32(1)]));
    every_tier(limits, wat, "grow", &[Val::I32(2)], Ok(vec![Val::I32(-1)]));
    every_tier(limits, wat, "edge", &[], Ok(vec![Val::I32(7)]));
    every_tier(limits, wat, "past", &[], Err(TrapCode::MemoryOutOfBounds));
}

#[test]
fn offsets_are_computed_without_32_bit_wrap() {
    let wat = r#"(module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.load offset=4294967295))"#;
    every_tier(
        Limits::default(),
        wat,
        "f",
        &[Val::I32(1)],
        Err(TrapCode::MemoryOutOfBounds),
    );
    every_tier(
        Limits::default(),
        wat,
        "f",
        &[Val::I32(0)],
        Err(TrapCode::MemoryOutOfBounds),
    );
}

/// A bounds check may be skipped only where an earlier check of the same
/// address with at least the same reach dominates it (the JIT does this).
/// Each export reads 8 bytes at `x` on one path and 4 bytes at `x` on a
/// path that check does not dominate: with `x` = 65532 the 4-byte read is
/// in bounds and the 8-byte one is not; with 65533 both trap.
#[test]
fn skipped_bounds_checks_stay_within_their_region() {
    let wat = r#"(module (memory 1)
        (func (export "if_else") (param i32 i32) (result i32)
          local.get 1
          if (result i32) local.get 0 i64.load i32.wrap_i64
          else local.get 0 i32.load end)
        (func (export "block_end") (param i32 i32) (result i32)
          block local.get 1 br_if 0 local.get 0 i64.load drop end
          local.get 0 i32.load)
        (func (export "loop_exit") (param i32 i32) (result i32)
          block $out
            loop $l
              local.get 1 i32.eqz br_if $out
              local.get 0 i64.load drop
              i32.const 0 local.set 1
              br $l
            end
          end
          local.get 0 i32.load)
        (func (export "same_path") (param i32) (result i32)
          local.get 0 i32.load drop local.get 0 i32.load offset=2))"#;
    let l = Limits::default();
    let oob = Err(TrapCode::MemoryOutOfBounds);
    for name in ["if_else", "block_end", "loop_exit"] {
        // With flag `skip` the 8-byte read does not happen: the 4-byte read
        // at 65532 works, at 65533 it must trap.
        let skip = if name == "block_end" { 1 } else { 0 };
        every_tier(
            l,
            wat,
            name,
            &[Val::I32(65532), Val::I32(skip)],
            Ok(vec![Val::I32(0)]),
        );
        every_tier(
            l,
            wat,
            name,
            &[Val::I32(65533), Val::I32(skip)],
            oob.clone(),
        );
        every_tier(
            l,
            wat,
            name,
            &[Val::I32(65532), Val::I32(1 - skip)],
            oob.clone(),
        );
    }
    every_tier(
        l,
        wat,
        "same_path",
        &[Val::I32(65530)],
        Ok(vec![Val::I32(0)]),
    );
    every_tier(l, wat, "same_path", &[Val::I32(65531)], oob.clone());
    every_tier(l, wat, "same_path", &[Val::I32(65533)], oob);
}

#[test]
fn integer_traps_and_their_non_traps() {
    let wat = r#"(module
        (func (export "div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
        (func (export "rem_s") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
        (func (export "shl") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shl)
        (func (export "trunc") (param f32) (result i32) local.get 0 i32.trunc_f32_s))"#;
    let l = Limits::default();
    every_tier(
        l,
        wat,
        "div_s",
        &[Val::I32(i32::MIN), Val::I32(-1)],
        Err(TrapCode::IntegerOverflow),
    );
    every_tier(
        l,
        wat,
        "div_s",
        &[Val::I32(1), Val::I32(0)],
        Err(TrapCode::IntegerDivideByZero),
    );
    every_tier(
        l,
        wat,
        "div_s",
        &[Val::I32(-7), Val::I32(2)],
        Ok(vec![Val::I32(-3)]),
    );
    every_tier(
        l,
        wat,
        "rem_s",
        &[Val::I64(i64::MIN), Val::I64(-1)],
        Ok(vec![Val::I64(0)]),
    );
    every_tier(
        l,
        wat,
        "shl",
        &[Val::I64(1), Val::I64(65)],
        Ok(vec![Val::I64(2)]),
    );
    every_tier(
        l,
        wat,
        "shl",
        &[Val::I64(1), Val::I64(-1)],
        Ok(vec![Val::I64(i64::MIN)]),
    );
    every_tier(
        l,
        wat,
        "trunc",
        &[Val::F32(f32::NAN.to_bits())],
        Err(TrapCode::InvalidConversionToInteger),
    );
    every_tier(
        l,
        wat,
        "trunc",
        &[Val::F32(2147483648.0f32.to_bits())],
        Err(TrapCode::IntegerOverflow),
    );
    every_tier(
        l,
        wat,
        "trunc",
        &[Val::F32((-2147483648.0f32).to_bits())],
        Ok(vec![Val::I32(i32::MIN)]),
    );
}

#[test]
fn call_indirect_traps() {
    let wat = r#"(module (type $v (func)) (type $i (func (result i32)))
        (table 3 funcref) (elem (i32.const 0) $a $b)
        (func $a) (func $b (result i32) i32.const 5)
        (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $i)))"#;
    let l = Limits::default();
    every_tier(l, wat, "call", &[Val::I32(1)], Ok(vec![Val::I32(5)]));
    every_tier(
        l,
        wat,
        "call",
        &[Val::I32(0)],
        Err(TrapCode::IndirectCallTypeMismatch),
    );
    every_tier(
        l,
        wat,
        "call",
        &[Val::I32(2)],
        Err(TrapCode::IndirectCallToNull),
    );
    every_tier(
        l,
        wat,
        "call",
        &[Val::I32(3)],
        Err(TrapCode::TableOutOfBounds),
    );
}

#[test]
fn pending_local_survives_local_set() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        local.get 0 i32.const 1 local.set 0 local.get 0 i32.add))"#;
    every_tier(
        Limits::default(),
        wat,
        "f",
        &[Val::I32(10)],
        Ok(vec![Val::I32(11)]),
    );
}

#[test]
fn trap_inside_block_left_by_br_still_happens() {
    let wat = r#"(module (memory 1) (func (export "f") (result i64)
        (block (result i64) (i64.load (i32.const 70000)) (br 0))))"#;
    every_tier(
        Limits::default(),
        wat,
        "f",
        &[],
        Err(TrapCode::MemoryOutOfBounds),
    );
}

#[test]
fn instantiation_limits_are_errors_not_panics() {
    let module = Module::new(&wat::parse_str("(module (memory 10))").unwrap()).unwrap();
    for tier in TierKind::implemented() {
        let mut store = Store::new(
            tier,
            Limits {
                max_memory_pages: 5,
                ..Limits::default()
            },
        )
        .unwrap();
        let err = store.instantiate(&module, &Linker::default()).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
    }
}
