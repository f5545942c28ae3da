//! Lazy compilation in the JIT tier. This test binary sets
//! `TIERDIFF_JIT_COMPILE=lazy` before its first JIT store, so every instance
//! compiles each function at its first call: from Rust, from compiled code
//! (through the code table), through `call_indirect`, or from another
//! instance. Results, traps and fuel left must be the classic tier's, and the
//! code map (with the code tables) must stay consistent after every call.

use std::sync::Once;
use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

fn lazy_mode() {
    static SET: Once = Once::new();
    SET.call_once(|| std::env::set_var("TIERDIFF_JIT_COMPILE", "lazy"));
}

/// Functions that call each other directly, through a table and
/// recursively; one traps, one is never called.
const MODULE: &str = r#"(module
  (table 2 funcref) (elem (i32.const 0) $leaf $mid)
  (func $leaf (export "leaf") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func $mid (export "mid") (param i32) (result i32) local.get 0 call $leaf call $leaf)
  (func $top (export "top") (param i32) (result i32)
    local.get 0 call $mid
    local.get 0 i32.const 1 call_indirect (param i32) (result i32)
    i32.add)
  (func $even (export "even") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 1
    else local.get 0 i32.const 1 i32.sub call $odd end)
  (func $odd (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $even end)
  (func $boom (export "boom") (param i32) (result i32) local.get 0 call $div)
  (func $div (param i32) (result i32) i32.const 100 local.get 0 i32.div_s)
  (func $spin (export "spin") (param i32) (result i32)
    loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end local.get 0 call $leaf)
  (func $never (export "never") (param i32) unreachable))"#;

fn store(tier: TierKind, limits: Limits, wat: &str) -> (Store, tierdiff_runtime::InstanceId) {
    lazy_mode();
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(tier, limits).unwrap();
    let instance = store.instantiate(&module, &Linker::default()).unwrap();
    (store, instance)
}

type Outcome = (Result<Vec<Val>, TrapCode>, Option<u64>);

fn call(
    store: &mut Store,
    instance: tierdiff_runtime::InstanceId,
    name: &str,
    arg: i32,
    fuel: Option<u64>,
) -> Outcome {
    let Some(Extern::Func(f)) = store.export(instance, name) else {
        panic!("no export {name}");
    };
    store.set_fuel(fuel);
    let r = store.invoke(f, &[Val::I32(arg)]).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    });
    (r, store.fuel())
}

/// Keys of the JIT code map for functions still waiting for their first call.
fn pending(store: &Store) -> Vec<String> {
    store
        .map_snapshots()
        .into_iter()
        .find(|s| s.name == "jit-code-map")
        .expect("the JIT has a code map")
        .keys
        .into_iter()
        .filter(|k| k.contains("not compiled yet"))
        .collect()
}

#[test]
fn a_function_compiles_at_its_first_call_and_not_before() {
    let (mut jit, inst) = store(TierKind::Jit, Limits::default(), MODULE);
    assert_eq!(pending(&jit).len(), 9, "nothing compiled at instantiation");
    assert_eq!(
        call(&mut jit, inst, "top", 5, None).0,
        Ok(vec![Val::I32(7 + 7)])
    );
    // top, mid (direct and via the table) and leaf now have code.
    let left = pending(&jit);
    assert_eq!(left.len(), 6, "{left:?}");
    assert!(jit.violations().is_empty(), "{:?}", jit.violations());
    assert_eq!(
        call(&mut jit, inst, "even", 10, None).0,
        Ok(vec![Val::I32(1)])
    );
    assert_eq!(pending(&jit).len(), 4);
    assert!(jit.violations().is_empty(), "{:?}", jit.violations());
}

#[test]
fn lazily_compiled_calls_match_the_classic_tier_in_results_traps_and_fuel() {
    // One store per tier runs the same sequence: each step may compile new
    // functions in the JIT, and earlier steps' code must keep working.
    let steps: &[(&str, i32, Option<u64>)] = &[
        ("boom", 0, None),
        ("boom", 4, Some(1_000)),
        ("even", 7, Some(1_000)),
        ("even", 1_001, None),
        ("top", -3, Some(50)),
        ("spin", 1_000, Some(300)),
        ("spin", 100, Some(101)),
        ("spin", 100, Some(102)),
        ("mid", 41, Some(3)),
        ("never", 0, None),
        ("leaf", i32::MAX, None),
        ("top", 1, None),
    ];
    let (mut classic, ci) = store(TierKind::Classic, Limits::default(), MODULE);
    let (mut jit, ji) = store(TierKind::Jit, Limits::default(), MODULE);
    for &(name, arg, fuel) in steps {
        let want = call(&mut classic, ci, name, arg, fuel);
        let got = call(&mut jit, ji, name, arg, fuel);
        assert_eq!(got, want, "{name}({arg}) with fuel {fuel:?}");
        assert!(
            jit.violations().is_empty(),
            "{name}: {:?}",
            jit.violations()
        );
    }
    assert!(pending(&jit).is_empty(), "every function was called");
}

#[test]
fn recursion_through_the_code_table_still_ends_at_the_call_depth_limit() {
    let limits = Limits {
        max_call_depth: 500,
        ..Limits::default()
    };
    let (mut classic, ci) = store(TierKind::Classic, limits, MODULE);
    let (mut jit, ji) = store(TierKind::Jit, limits, MODULE);
    for arg in [100, 498, 499, 500, 10_000] {
        let want = call(&mut classic, ci, "even", arg, None);
        assert_eq!(call(&mut jit, ji, "even", arg, None), want, "even({arg})");
    }
    assert_eq!(
        call(&mut jit, ji, "even", 10_000, None).0,
        Err(TrapCode::CallStackExhausted)
    );
}

#[test]
fn a_function_imported_from_a_lazy_instance_compiles_when_first_called() {
    lazy_mode();
    let lib = Module::new(&wat::parse_str(MODULE).unwrap()).unwrap();
    let user = Module::new(
        &wat::parse_str(
            r#"(module
              (import "lib" "top" (func $top (param i32) (result i32)))
              (func (export "twice") (param i32) (result i32)
                local.get 0 call $top local.get 0 call $top i32.add))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut outcomes = Vec::new();
    for tier in [TierKind::Classic, TierKind::Jit] {
        let mut store = Store::new(tier, Limits::default()).unwrap();
        let lib_inst = store.instantiate(&lib, &Linker::default()).unwrap();
        let mut linker = Linker::default();
        linker.define_instance(&store, "lib", lib_inst);
        let user_inst = store.instantiate(&user, &linker).unwrap();
        outcomes.push(call(&mut store, user_inst, "twice", 2, Some(10_000)));
        assert!(
            store.violations().is_empty(),
            "{tier:?}: {:?}",
            store.violations()
        );
        if tier == TierKind::Jit {
            assert_eq!(
                pending(&store).len(),
                6,
                "lib's top, mid, leaf and user's twice compiled"
            );
        }
    }
    assert_eq!(outcomes[1], outcomes[0]);
    assert_eq!(outcomes[1].0, Ok(vec![Val::I32(2 * (4 + 4))]));
}

/// Tail calls, `v128` values and a second memory, each crossing from code
/// compiled earlier into functions compiled at their first call.
const NEXT: &str = r#"(module
  (memory 1) (memory $m1 1)
  (table 1 funcref) (elem (i32.const 0) $down_ind)
  (func $down (export "down") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 7))
      (else (return_call $down_ind (i64.sub (local.get 0) (i64.const 1))))))
  (func $down_ind (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 9))
      (else (return_call_indirect (param i64) (result i64)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
  (func $double (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0)))
  (func (export "quad") (param v128) (result v128) (call $double (call $double (local.get 0))))
  (func $poke (param i32) (i32.store $m1 (local.get 0) (i32.const 42)))
  (func (export "poke_peek") (param i32) (result i32)
    (call $poke (local.get 0))
    (i32.load $m1 (local.get 0))))"#;

#[test]
fn tail_calls_vectors_and_second_memories_work_when_compiled_lazily() {
    lazy_mode();
    let features = tierdiff_runtime::module::decodable_features();
    let module = Module::new_with_features(&wat::parse_str(NEXT).unwrap(), features).unwrap();
    let limits = Limits {
        max_call_depth: 4,
        ..Limits::default()
    };
    let mut store = Store::new(TierKind::Jit, limits).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let mut run = |name: &str, arg: Val| {
        let Some(Extern::Func(f)) = store.export(inst, name) else {
            panic!("no export {name}");
        };
        let r = store.invoke(f, &[arg]).map_err(|e| match e {
            CallError::Trap(t) => t.code,
            other => panic!("{other}"),
        });
        assert!(store.violations().is_empty(), "{:?}", store.violations());
        r
    };
    // $down tail-calls $down_ind before it has code (through the code
    // table and the compile callback), and then $down_ind itself through
    // the table: a million frames replaced, at depth 1.
    assert_eq!(run("down", Val::I64(1_000_000)), Ok(vec![Val::I64(9)]));
    assert_eq!(run("down", Val::I64(0)), Ok(vec![Val::I64(7)]));
    let lanes =
        |l: [u32; 4]| Val::V128(l.iter().rev().fold(0u128, |acc, &x| acc << 32 | x as u128));
    assert_eq!(
        run("quad", lanes([1, 2, 3, u32::MAX])),
        Ok(vec![lanes([4, 8, 12, u32::MAX - 3])])
    );
    assert_eq!(run("poke_peek", Val::I32(65_532)), Ok(vec![Val::I32(42)]));
    assert_eq!(
        run("poke_peek", Val::I32(65_533)),
        Err(TrapCode::MemoryOutOfBounds)
    );
}
