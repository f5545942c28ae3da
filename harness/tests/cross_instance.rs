//! Calls from another instance (`Limits::call_through_forwarder`): every
//! engine calls the case's exports through the forwarder module, gets what
//! a direct call gets, pays the same extra frame, and the JIT takes its
//! path into another instance.

use tierdiff::compare::{run_case_with, CaseOptions, CaseOutcome};
use tierdiff::engine::{self, Engine};
use tierdiff::outcome::{CallResult, Value};
use tierdiff::plan::PlannedCall;
use tierdiff_runtime::tier_paths::cells;
use tierdiff_runtime::{Limits, TierKind, TrapCode};

/// Exports of every kind of result: numbers, a vector and a reference,
/// a trap, state changed through the forwarder, recursion.
const CASE: &str = r#"(module
  (memory (export "mem") 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "add") (param i32 i64) (result i64)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 16) (local.get 0))
    (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1)))
  (func (export "lanes") (param f32) (result v128 externref)
    (f32x4.splat (local.get 0)) (ref.null extern))
  (func (export "boom") (param i32) (result i32)
    (i32.div_u (i32.const 7) (local.get 0)))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#;

fn engines() -> Vec<Box<dyn Engine>> {
    // Our tiers and the references; the optional engines under test
    // (WAMR's modes call exports directly, Winch lacks v128 and externref)
    // are not what this case is about.
    let optional = engine::optional();
    engine::known()
        .into_iter()
        .filter(|name| !optional.contains(name))
        .map(|name| engine::build(&name).expect("known engine"))
        .collect()
}

fn call(export: &str, args: &[Value]) -> PlannedCall {
    PlannedCall {
        export: export.into(),
        args: args.to_vec(),
    }
}

fn calls() -> Vec<PlannedCall> {
    vec![
        call("add", &[Value::I32(5), Value::I64(-9)]),
        call("add", &[Value::I32(-1), Value::I64(1)]),
        call("lanes", &[Value::F32(1.5f32.to_bits())]),
        call("boom", &[Value::I32(2)]),
        call("boom", &[Value::I32(0)]),
        call("down", &[Value::I32(5)]),
    ]
}

fn run(limits: Limits, calls: Vec<PlannedCall>) -> CaseOutcome {
    let wasm = wat::parse_str(CASE).expect("case parses");
    run_case_with(
        &wasm,
        &engines(),
        limits,
        CaseOptions {
            calls: Some(calls),
            keep_rows: true,
            keep_going: true,
            ..CaseOptions::default()
        },
    )
}

fn forwarded(limits: Limits) -> Limits {
    Limits {
        call_through_forwarder: true,
        ..limits
    }
}

#[test]
fn every_engine_gets_through_the_forwarder_what_a_direct_call_gets() {
    let direct = run(Limits::default(), calls());
    let through = run(forwarded(Limits::default()), calls());
    assert!(direct.findings.is_empty(), "{:?}", direct.findings);
    assert!(through.findings.is_empty(), "{:?}", through.findings);
    assert!(through.inconclusive.is_none(), "{:?}", through.inconclusive);
    assert_eq!(through.rows.len(), calls().len());
    for (d, t) in direct.rows.iter().zip(&through.rows) {
        assert_eq!(d.results.len(), t.results.len());
        for (name, result) in &t.results {
            assert!(
                result.same(&d.results[name]),
                "{name} {}: {result:?} through the forwarder, {:?} directly",
                t.call.export,
                d.results[name]
            );
        }
    }
    let boom = &through.rows[4].results;
    assert!(
        boom.values()
            .all(|r| matches!(r, CallResult::Trapped(TrapCode::IntegerDivideByZero))),
        "{boom:?}"
    );
}

#[test]
fn the_forwarder_is_one_more_frame_in_every_tier_and_in_wasmi() {
    // `down 4` takes five frames of its own: the limit of five holds them
    // directly, and the forwarder's frame is one too many, in every tier.
    let limits = Limits {
        max_call_depth: 5,
        ..Limits::default()
    };
    let down = || vec![call("down", &[Value::I32(4)])];
    let direct = run(limits, down());
    let through = run(forwarded(limits), down());
    // wasmi counts frames as the tiers do (wasmtime's limit is in bytes).
    let names = TierKind::implemented()
        .into_iter()
        .map(|t| t.name())
        .chain(["wasmi"]);
    for name in names {
        let (d, t) = (
            &direct.rows[0].results[name],
            &through.rows[0].results[name],
        );
        assert!(
            d.same(&CallResult::Returned(vec![Value::I32(4)])),
            "{name} directly: {d:?}"
        );
        assert!(
            matches!(t, CallResult::Trapped(TrapCode::CallStackExhausted)),
            "{name} through the forwarder: {t:?}"
        );
    }
}

#[test]
fn the_jit_calls_into_the_other_instance_through_the_runtime() {
    let index = |name: &str| {
        cells(TierKind::Jit)
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("no JIT cell {name}")) as u32
    };
    let other_instance = index("runtime-call/other-instance");
    let wasm = wat::parse_str(CASE).expect("case parses");
    let jit = engine::build_recording("jit").expect("jit");
    let took = |limits: Limits| {
        let mut instance = jit.instantiate(&wasm, limits).expect("instantiates");
        let result = instance.call("add", &[Value::I32(1), Value::I64(2)]);
        assert!(
            result.same(&CallResult::Returned(vec![Value::I64(3)])),
            "{result:?}"
        );
        let paths = instance.tier_paths().expect("recording");
        paths
            .iter()
            .any(|&(cell, n)| cell == other_instance && n > 0)
    };
    assert!(
        !took(Limits::default()),
        "a direct call stays in one instance"
    );
    assert!(took(forwarded(Limits::default())));
}
