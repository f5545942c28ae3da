//! WebAssembly 3.0 part one in the fast tier: tail calls (frame replaced,
//! depth and native stack constant, fuel per entry), several memories,
//! 64-bit memories and 64-bit tables (bounds that never wrap). Modules load
//! with every decodable feature (these are not yet in the default gate).

mod common;

use tierdiff_runtime::module::decodable_features;

use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

fn store_with(limits: Limits, wat: &str) -> (Store, tierdiff_runtime::InstanceId) {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(TierKind::Fast, limits).expect("tier");
    let mut linker = Linker::default();
    common::define_host_times_ten(&mut store, &mut linker);
    let inst = store.instantiate(&module, &linker).expect("instantiates");
    (store, inst)
}

fn call(
    store: &mut Store,
    inst: tierdiff_runtime::InstanceId,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, TrapCode> {
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

fn run(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let (mut store, inst) = store_with(Limits::default(), wat);
    call(&mut store, inst, name, args)
}

const COUNTDOWN: &str = r#"(module
  (import "host" "f" (func $host (param i32) (result i32)))
  (type $t (func (param i64 i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) func $ci $host)
  (func $count (export "count") (type $t)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $count (i64.sub (local.get 0) (i64.const 1))
                                (i64.add (local.get 1) (i64.const 2))))))
  (func $ci (export "count_indirect") (type $t)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call_indirect (type $t)
              (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 1))
              (i32.const 0)))))
  (func (export "to_host") (param i32) (result i32)
    (return_call $host (local.get 0)))
  (func (export "to_host_indirect") (param i32) (result i32)
    (return_call_indirect (param i32) (result i32) (local.get 0) (i32.const 1)))
  (func (export "wrong_type") (result i32)
    (return_call_indirect (result i32) (i32.const 1)))
  (func (export "past_table") (result i32)
    (return_call_indirect (result i32) (i32.const 2))))"#;

/// Ten million `return_call`s on a thread with a 256 KiB native stack and a
/// call-depth limit of 4: neither stack grows.
#[test]
fn ten_million_return_calls_grow_no_stack() {
    let limits = Limits {
        max_call_depth: 4,
        ..Limits::default()
    };
    let out = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let (mut store, inst) = store_with(limits, COUNTDOWN);
            let n = 10_000_000i64;
            let direct = call(&mut store, inst, "count", &[Val::I64(n), Val::I64(0)]);
            let indirect = call(
                &mut store,
                inst,
                "count_indirect",
                &[Val::I64(n), Val::I64(0)],
            );
            (direct, indirect)
        })
        .expect("thread starts")
        .join()
        .expect("no panic");
    assert_eq!(out.0, Ok(vec![Val::I64(20_000_000)]));
    assert_eq!(out.1, Ok(vec![Val::I64(10_000_000)]));
}

/// A tail call is charged one unit like any entry: `n` tail calls after
/// the first entry cost `n + 1`, and fuel runs out before the body runs.
#[test]
fn each_tail_call_costs_one_unit_of_fuel() {
    let limits = Limits {
        fuel: Some(1_000),
        ..Limits::default()
    };
    let (mut store, inst) = store_with(limits, COUNTDOWN);
    let out = call(&mut store, inst, "count", &[Val::I64(100), Val::I64(0)]);
    assert_eq!(out, Ok(vec![Val::I64(200)]));
    assert_eq!(store.fuel(), Some(1_000 - 101));
    let out = call(&mut store, inst, "count", &[Val::I64(5_000), Val::I64(0)]);
    assert_eq!(out, Err(TrapCode::OutOfFuel));
    assert_eq!(store.fuel(), Some(0));
}

#[test]
fn tail_calls_to_hosts_and_failing_indirect_tail_calls() {
    assert_eq!(
        run(COUNTDOWN, "to_host", &[Val::I32(4)]),
        Ok(vec![Val::I32(40)])
    );
    assert_eq!(
        run(COUNTDOWN, "to_host_indirect", &[Val::I32(5)]),
        Ok(vec![Val::I32(50)])
    );
    assert_eq!(
        run(COUNTDOWN, "wrong_type", &[]),
        Err(TrapCode::IndirectCallTypeMismatch)
    );
    assert_eq!(
        run(COUNTDOWN, "past_table", &[]),
        Err(TrapCode::TableOutOfBounds)
    );
}

#[test]
fn memory64_bounds_never_wrap_and_grow_fails_with_minus_one() {
    let wat = r#"(module
      (memory i64 1 2)
      (func (export "load") (param i64) (result i32)
        (i32.load offset=4 (local.get 0)))
      (func (export "store") (param i64) (result i64)
        (i64.store8 offset=1 (local.get 0) (i64.const 7))
        (i64.load8_u offset=1 (local.get 0)))
      (func (export "grow") (param i64) (result i64)
        (memory.grow (local.get 0)))
      (func (export "size") (result i64) (memory.size))
      (func (export "fill") (param i64 i64) (memory.fill (local.get 0) (i32.const 1) (local.get 1))))"#;
    assert_eq!(run(wat, "load", &[Val::I64(65_528)]), Ok(vec![Val::I32(0)]));
    for addr in [65_529i64, 1 << 32, (1 << 32) - 4, -1, -4, -5] {
        assert_eq!(
            run(wat, "load", &[Val::I64(addr)]),
            Err(TrapCode::MemoryOutOfBounds),
            "load at {addr}"
        );
    }
    assert_eq!(
        run(wat, "store", &[Val::I64(65_534)]),
        Ok(vec![Val::I64(7)])
    );
    assert_eq!(
        run(wat, "store", &[Val::I64(-1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    let (mut store, inst) = store_with(Limits::default(), wat);
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I64(2)]),
        Ok(vec![Val::I64(-1)])
    );
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I64(1 << 40)]),
        Ok(vec![Val::I64(-1)])
    );
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I64(1)]),
        Ok(vec![Val::I64(1)])
    );
    assert_eq!(call(&mut store, inst, "size", &[]), Ok(vec![Val::I64(2)]));
    assert_eq!(
        call(&mut store, inst, "fill", &[Val::I64(-1), Val::I64(2)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        call(&mut store, inst, "fill", &[Val::I64(1 << 32), Val::I64(0)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        call(&mut store, inst, "fill", &[Val::I64(131_072), Val::I64(0)]),
        Ok(vec![])
    );
}

#[test]
fn table64_indices_at_or_above_2_pow_32_trap() {
    let wat = r#"(module
      (type $r (func (result i32)))
      (table $t i64 2 funcref)
      (elem (table $t) (i64.const 0) func $one $one)
      (func $one (result i32) (i32.const 1))
      (func (export "get") (param i64) (result i32)
        (ref.is_null (table.get $t (local.get 0))))
      (func (export "set") (param i64)
        (table.set $t (local.get 0) (ref.null func)))
      (func (export "call") (param i64) (result i32)
        (call_indirect $t (type $r) (local.get 0)))
      (func (export "tail") (param i64) (result i32)
        (return_call_indirect $t (type $r) (local.get 0)))
      (func (export "size") (result i64) (table.size $t))
      (func (export "grow") (param i64) (result i64)
        (table.grow $t (ref.null func) (local.get 0))))"#;
    assert_eq!(run(wat, "get", &[Val::I64(1)]), Ok(vec![Val::I32(0)]));
    assert_eq!(run(wat, "call", &[Val::I64(1)]), Ok(vec![Val::I32(1)]));
    assert_eq!(run(wat, "tail", &[Val::I64(0)]), Ok(vec![Val::I32(1)]));
    for index in [1i64 << 32, (1 << 32) + 1, -1, 2] {
        for name in ["get", "call", "tail"] {
            assert_eq!(
                run(wat, name, &[Val::I64(index)]),
                Err(TrapCode::TableOutOfBounds),
                "{name} at {index}"
            );
        }
        assert_eq!(
            run(wat, "set", &[Val::I64(index)]),
            Err(TrapCode::TableOutOfBounds)
        );
    }
    let (mut store, inst) = store_with(Limits::default(), wat);
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I64(1 << 33)]),
        Ok(vec![Val::I64(-1)])
    );
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I64(3)]),
        Ok(vec![Val::I64(2)])
    );
    assert_eq!(call(&mut store, inst, "size", &[]), Ok(vec![Val::I64(5)]));
}

#[test]
fn several_memories_each_with_its_own_bounds() {
    let wat = r#"(module
      (memory $a 1)
      (memory $b 2)
      (memory $c i64 1)
      (data (memory $b) (i32.const 70000) "\2a")
      (func (export "load_b") (param i32) (result i32)
        (i32.load8_u $b (local.get 0)))
      (func (export "store_a_load_b") (param i32) (result i32)
        (i32.store $a (local.get 0) (i32.const 5))
        (i32.load $b (local.get 0)))
      (func (export "copy") (param i32 i32 i32) (result i32)
        (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2))
        (i32.load8_u $a (local.get 0)))
      (func (export "copy_to_64") (param i64 i32 i32) (result i32)
        (memory.copy $c $b (local.get 0) (local.get 1) (local.get 2))
        (i32.load8_u $c (local.get 0)))
      (func (export "sizes") (result i32)
        (drop (memory.grow $b (i32.const 1)))
        (i32.add (i32.mul (memory.size $a) (i32.const 10)) (memory.size $b))))"#;
    assert_eq!(
        run(wat, "load_b", &[Val::I32(70_000)]),
        Ok(vec![Val::I32(42)])
    );
    assert_eq!(
        run(wat, "load_b", &[Val::I32(131_072)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(wat, "store_a_load_b", &[Val::I32(8)]),
        Ok(vec![Val::I32(0)])
    );
    assert_eq!(
        run(wat, "store_a_load_b", &[Val::I32(65_533)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    // From memory $b (2 pages) into memory $a (1 page): the destination's
    // own length bounds the copy, not the source's.
    assert_eq!(
        run(wat, "copy", &[Val::I32(100), Val::I32(70_000), Val::I32(1)]),
        Ok(vec![Val::I32(42)])
    );
    assert_eq!(
        run(
            wat,
            "copy",
            &[Val::I32(65_535), Val::I32(70_000), Val::I32(2)]
        ),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run(
            wat,
            "copy_to_64",
            &[Val::I64(3), Val::I32(70_000), Val::I32(1)]
        ),
        Ok(vec![Val::I32(42)])
    );
    assert_eq!(
        run(
            wat,
            "copy_to_64",
            &[Val::I64(1 << 32), Val::I32(70_000), Val::I32(1)]
        ),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(run(wat, "sizes", &[]), Ok(vec![Val::I32(13)]));
}
