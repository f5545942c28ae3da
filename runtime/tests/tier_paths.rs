//! Tier-path coverage in every tier: a recording store counts the paths a
//! module takes (the JIT's lowerings at compile time, its callbacks and
//! every tier's run-time paths as they run), and recording changes no
//! result and no fuel.

mod common;

use std::collections::BTreeMap;
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::tier_paths::cells;
use tierdiff_runtime::{
    Extern, InstanceId, JitCodegen, JitCompile, Limits, Linker, Module, Store, TierKind, Val,
};

/// Takes, in each tier, paths that only some shapes take: two accesses to
/// one address (the second's check dominated), copies between two memories
/// both ways, a host call, direct calls in a loop, an `if` with an `else`,
/// a `select` of two vectors.
const PATHS: &str = r#"(module
  (import "host" "f" (func $host (param i32) (result i32)))
  (memory $m0 1)
  (memory $m1 1)
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "run") (param $p i32) (result i32)
    (local $acc i32) (local $i i32)
    (i32.store offset=8 (local.get $p) (i32.const 0x01020304))
    (local.set $acc (i32.load offset=4 (local.get $p)))
    (i32.store8 $m1 (i32.const 23) (i32.const 0x5a))
    (memory.copy $m0 $m1 (i32.const 100) (i32.const 16) (i32.const 8))
    (memory.copy $m1 $m0 (i32.const 200) (i32.const 100) (i32.const 8))
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $inc (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.set $acc
      (i32.add (local.get $acc)
        (if (result i32) (i32.eqz (local.get $p)) (then (i32.const 1)) (else (i32.const 2)))))
    (local.set $acc
      (i32.add (local.get $acc)
        (i32x4.extract_lane 0
          (select (v128.const i32x4 1 1 1 1) (v128.const i32x4 2 2 2 2) (local.get $p)))))
    (i32.add
      (i32.add (local.get $acc) (call $host (local.get $i)))
      (i32.load8_u $m1 (i32.const 207)))))"#;

/// A store of `tier` with `wat` instantiated (and `host.f` defined).
fn store_with(tier: TierKind, limits: Limits, recording: bool, wat: &str) -> (Store, InstanceId) {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(tier, limits).expect("tier");
    if recording {
        store.enable_tier_paths();
    }
    let mut linker = Linker::default();
    common::define_host_times_ten(&mut store, &mut linker);
    let inst = store.instantiate(&module, &linker).expect("instantiates");
    (store, inst)
}

fn invoke(store: &mut Store, inst: InstanceId, name: &str, args: &[Val]) -> Vec<Val> {
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let out = store.invoke(f, args).expect("returns");
    assert!(store.violations().is_empty(), "{:?}", store.violations());
    out
}

/// The counts by path name.
fn counted(tier: TierKind, store: &Store) -> BTreeMap<String, u64> {
    let table = cells(tier);
    store
        .tier_paths()
        .expect("recording")
        .sparse()
        .into_iter()
        .map(|(i, n)| (table[i as usize].name.clone(), n))
        .collect()
}

/// Runs `PATHS` recording and not; both agree on results and fuel.
fn run_paths(tier: TierKind, limits: Limits) -> BTreeMap<String, u64> {
    let limits = Limits {
        fuel: Some(1_000_000),
        ..limits
    };
    let (mut plain, p) = store_with(tier, limits, false, PATHS);
    let (mut recording, r) = store_with(tier, limits, true, PATHS);
    let args = [Val::I32(0)];
    let expected = invoke(&mut plain, p, "run", &args);
    assert_eq!(invoke(&mut recording, r, "run", &args), expected, "{tier}");
    assert_eq!(recording.fuel(), plain.fuel(), "{tier}: fuel");
    assert!(plain.tier_paths().is_none());
    counted(tier, &recording)
}

fn assert_took(tier: &str, counts: &BTreeMap<String, u64>, paths: &[&str]) {
    for path in paths {
        assert!(
            counts.get(*path).copied().unwrap_or(0) > 0,
            "{tier}: path {path} not counted; counted {counts:?}"
        );
    }
}

#[test]
fn classic_counts_its_helper_paths() {
    let counts = run_paths(TierKind::Classic, Limits::default());
    assert_took(
        "classic",
        &counts,
        &[
            "memory.copy/to-lower-memory",
            "memory.copy/to-higher-memory",
            "memory/0-at-hand",
            "memory/other-by-index",
            "if/then-taken",
            "else/jump-to-end",
            "call/into-frame-of-other-width",
            "branch/to-loop-start",
            "call/host",
            "call/wasm",
            "select/v128-by-layout",
        ],
    );
    // The loop's back branch ran nine times, each counted.
    assert_eq!(counts.get("branch/to-loop-start"), Some(&9));
}

#[test]
fn fast_counts_rows_and_translator_rewrites() {
    let counts = run_paths(TierKind::Fast, Limits::default());
    assert_took("fast", &counts, &["translate/result-written-into-local"]);
    assert!(counts.len() > 10, "{counts:?}");
}

#[test]
fn jit_counts_lowerings_once_and_callbacks_as_they_run() {
    let eager = Limits {
        jit_compile: JitCompile::Eager,
        ..Limits::default()
    };
    let counts = run_paths(TierKind::Jit, eager);
    assert_took(
        "jit",
        &counts,
        &[
            "bounds/check-32",
            "bounds/check-elided-offset-added",
            "memory/other-memory-from-view",
            "call/direct",
            "call/import-through-runtime",
            "select/vector",
            "callback/memory.copy",
            "runtime-call/host-function",
        ],
    );
    // One direct call site, compiled once, though it ran ten times.
    assert_eq!(counts.get("call/direct"), Some(&1));
    assert_eq!(counts.get("callback/memory.copy"), Some(&2));
    assert!(!counts.contains_key("call/through-code-table"));
}

#[test]
fn lazy_compilation_asked_by_the_limits_takes_the_code_table() {
    let lazy = Limits {
        jit_compile: JitCompile::Lazy,
        ..Limits::default()
    };
    let counts = run_paths(TierKind::Jit, lazy);
    assert_took(
        "jit",
        &counts,
        &["call/through-code-table", "runtime-call/compile-first"],
    );
    // And it runs as eagerly compiled code does.
    let (mut eager, e) = store_with(TierKind::Jit, Limits::default(), false, PATHS);
    let (mut lazy, l) = store_with(TierKind::Jit, lazy, false, PATHS);
    for p in [0, 8, 40] {
        let args = [Val::I32(p)];
        assert_eq!(
            invoke(&mut lazy, l, "run", &args),
            invoke(&mut eager, e, "run", &args)
        );
    }
}

#[test]
fn quick_codegen_emits_the_same_lowerings_and_runs_alike() {
    let quick = Limits {
        jit_codegen: JitCodegen::Quick,
        ..Limits::default()
    };
    assert_eq!(
        run_paths(TierKind::Jit, quick),
        run_paths(TierKind::Jit, Limits::default())
    );
    let (mut tested, t) = store_with(TierKind::Jit, Limits::default(), false, PATHS);
    let (mut quick, q) = store_with(TierKind::Jit, quick, false, PATHS);
    for p in [0, 8, 40, 1_000] {
        let args = [Val::I32(p)];
        assert_eq!(
            invoke(&mut quick, q, "run", &args),
            invoke(&mut tested, t, "run", &args),
            "run({p})"
        );
    }
}

/// A call into another instance's function through the runtime.
#[test]
fn jit_counts_calls_into_another_instance() {
    let callee = wat::parse_str(
        r#"(module (func (export "twice") (param i32) (result i32)
             (i32.mul (local.get 0) (i32.const 2))))"#,
    )
    .expect("wat parses");
    let caller = wat::parse_str(
        r#"(module (import "callee" "twice" (func $twice (param i32) (result i32)))
             (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
    )
    .expect("wat parses");
    let mut store = Store::new(TierKind::Jit, Limits::default()).expect("tier");
    store.enable_tier_paths();
    let first = store
        .instantiate(&Module::new(&callee).expect("loads"), &Linker::default())
        .expect("instantiates");
    let Some(twice) = store.export(first, "twice") else {
        panic!("no export")
    };
    let mut linker = Linker::default();
    linker.define("callee", "twice", twice);
    let second = store
        .instantiate(&Module::new(&caller).expect("loads"), &linker)
        .expect("instantiates");
    assert_eq!(
        invoke(&mut store, second, "run", &[Val::I32(21)]),
        vec![Val::I32(42)]
    );
    assert_took(
        "jit",
        &counted(TierKind::Jit, &store),
        &["runtime-call/other-instance", "call/import-through-runtime"],
    );
}
