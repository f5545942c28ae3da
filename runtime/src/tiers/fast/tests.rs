//! Tests of the executor itself: every handler in a long loop on a small
//! native stack (the check that tail-call dispatch really jumps), and fuel
//! exactness against the classic tier on the same module.

use super::dispatch::TAIL_DISPATCH;
use super::ops::Op;
use super::translate;
use crate::store::{HostFunc, Linker, Store};
use crate::types::{FuncType, TypeId};
use crate::values::{Val, ValType};
use crate::{CallError, Extern, Limits, Module, TierKind};
use std::collections::HashSet;
use std::sync::Arc;

const I32_BIN: &[&str] = &[
    "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s",
    "shr_u", "rotl", "rotr",
];
const INT_CMP: &[&str] = &[
    "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
];
const FLOAT_BIN: &[&str] = &["add", "sub", "mul", "div", "min", "max", "copysign"];
const FLOAT_CMP: &[&str] = &["eq", "ne", "lt", "gt", "le", "ge"];
const FLOAT_UN: &[&str] = &["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"];

/// An address `(a & 255) * 4 + 12`, as a shift and an add of constants.
const SCALED: &str =
    "(i32.add (i32.shl (i32.and (local.get $a) (i32.const 255)) (i32.const 2)) (i32.const 12))";

/// An address `$k + ($b & 255) * 8 + 4`: a local plus a scaled local.
const INDEXED: &str =
    "(i32.add (local.get $k) (i32.add (i32.shl (local.get $b) (i32.const 3)) (i32.const 4)))";

/// The body of the loop: every operator, most in each of their forms
/// (slot or immediate right operand, value or fused branch), on operands
/// that change every iteration so branches go both ways.
fn loop_body() -> String {
    let mut b = String::new();
    let mut line = |s: String| {
        b.push_str(&s);
        b.push('\n');
    };
    for (t, l, r, k) in [("i32", "$a", "$b", "3"), ("i64", "$x", "$y", "3")] {
        for op in I32_BIN {
            line(format!("(drop ({t}.{op} (local.get {l}) (local.get {r})))"));
            line(format!("(drop ({t}.{op} (local.get {l}) ({t}.const {k})))"));
        }
        for op in INT_CMP {
            line(format!("(drop ({t}.{op} (local.get {l}) (local.get {r})))"));
            line(format!("(drop ({t}.{op} (local.get {l}) ({t}.const {k})))"));
            line(format!(
                "(block (br_if 0 ({t}.{op} (local.get {l}) (local.get {r}))))"
            ));
            line(format!(
                "(block (br_if 0 ({t}.{op} (local.get {l}) ({t}.const {k}))))"
            ));
        }
        for op in ["clz", "ctz", "popcnt", "eqz", "extend8_s", "extend16_s"] {
            line(format!("(drop ({t}.{op} (local.get {l})))"));
        }
    }
    for (t, l, r) in [("f32", "$f", "$g"), ("f64", "$d", "$e")] {
        for op in FLOAT_BIN.iter().chain(FLOAT_CMP) {
            line(format!("(drop ({t}.{op} (local.get {l}) (local.get {r})))"));
            line(format!("(drop ({t}.{op} (local.get {l}) ({t}.const 1.5)))"));
        }
        for op in FLOAT_UN {
            line(format!("(drop ({t}.{op} (local.get {l})))"));
        }
    }
    for conv in [
        "i32.wrap_i64 (local.get $x)",
        "i64.extend_i32_s (local.get $a)",
        "i64.extend_i32_u (local.get $a)",
        "i64.extend32_s (local.get $x)",
        "i32.trunc_f32_s (local.get $f)",
        "i32.trunc_f32_u (local.get $f)",
        "i32.trunc_f64_s (local.get $d)",
        "i32.trunc_f64_u (local.get $d)",
        "i64.trunc_f32_s (local.get $f)",
        "i64.trunc_f32_u (local.get $f)",
        "i64.trunc_f64_s (local.get $d)",
        "i64.trunc_f64_u (local.get $d)",
        "i32.trunc_sat_f32_s (local.get $f)",
        "i32.trunc_sat_f32_u (local.get $f)",
        "i32.trunc_sat_f64_s (local.get $d)",
        "i32.trunc_sat_f64_u (local.get $d)",
        "i64.trunc_sat_f32_s (local.get $f)",
        "i64.trunc_sat_f32_u (local.get $f)",
        "i64.trunc_sat_f64_s (local.get $d)",
        "i64.trunc_sat_f64_u (local.get $d)",
        "f32.convert_i32_s (local.get $a)",
        "f32.convert_i32_u (local.get $a)",
        "f32.convert_i64_s (local.get $x)",
        "f32.convert_i64_u (local.get $x)",
        "f32.demote_f64 (local.get $d)",
        "f64.convert_i32_s (local.get $a)",
        "f64.convert_i32_u (local.get $a)",
        "f64.convert_i64_s (local.get $x)",
        "f64.convert_i64_u (local.get $x)",
        "f64.promote_f32 (local.get $f)",
        "i32.reinterpret_f32 (local.get $f)",
        "f64.reinterpret_i64 (local.get $x)",
    ] {
        line(format!("(drop ({conv}))"));
    }
    for load in [
        "i32.load",
        "i64.load",
        "f32.load",
        "f64.load",
        "i32.load8_s",
        "i32.load8_u",
        "i32.load16_s",
        "i32.load16_u",
        "i64.load8_s",
        "i64.load8_u",
        "i64.load16_s",
        "i64.load16_u",
        "i64.load32_s",
        "i64.load32_u",
    ] {
        line(format!(
            "(drop ({load} offset=4 (i32.and (local.get $a) (i32.const 1023))))"
        ));
        line(format!("(drop ({load} offset=4 {SCALED}))"));
        line(format!("(drop ({load} offset=4 (i32.const 16)))"));
        line(format!("(drop ({load} offset=4 {INDEXED}))"));
    }
    for (store, v) in [
        ("i32.store", "(local.get $a)"),
        ("i64.store", "(local.get $x)"),
        ("i32.store8", "(local.get $a)"),
        ("i32.store16", "(local.get $a)"),
        ("i64.store32", "(local.get $x)"),
    ] {
        line(format!(
            "({store} offset=8 (i32.and (local.get $a) (i32.const 1023)) {v})"
        ));
        line(format!("({store} offset=8 {SCALED} {v})"));
        line(format!("({store} offset=8 (i32.const 24) {v})"));
        line(format!("({store} offset=8 {INDEXED} {v})"));
    }
    b.push_str(
        r#"
        ;; Multiplies fused with the add or subtract consuming them.
        (local.set $c (i32.add (i32.mul (local.get $a) (local.get $b)) (local.get $c)))
        (local.set $c (i32.add (local.get $c) (i32.mul (local.get $a) (i32.const 31))))
        (drop (i64.add (i64.mul (local.get $x) (local.get $y)) (local.get $y)))
        (drop (f32.add (f32.mul (local.get $f) (local.get $g)) (local.get $g)))
        (drop (f32.add (local.get $g) (f32.mul (local.get $f) (local.get $g))))
        (drop (f32.sub (f32.mul (local.get $f) (local.get $g)) (local.get $g)))
        (drop (f32.sub (local.get $g) (f32.mul (local.get $f) (local.get $g))))
        (drop (f64.add (f64.mul (local.get $d) (local.get $e)) (local.get $e)))
        (drop (f64.add (local.get $e) (f64.mul (local.get $d) (local.get $e))))
        (drop (f64.sub (f64.mul (local.get $d) (local.get $e)) (local.get $e)))
        (drop (f64.sub (local.get $e) (f64.mul (local.get $d) (local.get $e))))
        ;; Data movement, globals, select; pending shifts and adds computed.
        (local.set $t (local.get $a))
        (local.set $u (local.get $b))
        (local.set $u (local.tee $t (i32.add (local.get $t) (i32.const 3))))
        (local.set $c (i32.add (i32.shl (local.get $a) (i32.const 2)) (i32.const 8)))
        (local.set $c (i32.shl (local.get $a) (i32.const 3)))
        (local.set $c (i32.add (local.get $k) (i32.shl (local.get $a) (i32.const 3))))
        (local.set $c (i32.add (local.get $k) (local.get $a)))
        (local.set $c (local.get $a))
        (local.set $c (i32.const 5))
        (global.set $g (i64.add (global.get $g) (i64.const 1)))
        (drop (select (local.get $x) (local.get $y) (local.get $a)))
        ;; Memory and segments.
        (drop (memory.size))
        (drop (memory.grow (i32.const 0)))
        (memory.fill (i32.const 100) (local.get $a) (i32.const 8))
        (memory.copy (i32.const 200) (i32.const 100) (i32.const 8))
        (memory.init $d (i32.const 300) (i32.const 0) (i32.const 0))
        (data.drop $d)
        ;; Tables and references.
        (drop (table.get $t (i32.const 1)))
        (table.set $t (i32.const 3) (ref.func $leaf))
        (drop (table.size $t))
        (drop (table.grow $t (ref.null func) (i32.const 0)))
        (table.fill $t (i32.const 3) (ref.func $leaf) (i32.const 1))
        (table.copy $t $t (i32.const 3) (i32.const 1) (i32.const 1))
        (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 0))
        (elem.drop $e)
        (drop (ref.is_null (ref.func $leaf)))
        ;; Calls: same module, import from another instance, host,
        ;; indirect (own function, host function), multi-result, none.
        (local.set $c (call $leaf (local.get $a)))
        (local.set $c (call $other (local.get $a)))
        (local.set $c (call $host (local.get $a)))
        (local.set $c (call_indirect (type $sig) (local.get $a) (i32.const 1)))
        (local.set $c (call_indirect (type $sig) (local.get $a) (i32.const 2)))
        (drop (drop (call $two)))
        (call $none)
        ;; Control: br, br_if on a slot, if on a slot, br_table (forward and backward).
        (block (br 0))
        (block (br_if 0 (local.get $a)))
        (if (local.get $a) (then (local.set $c (i32.const 1))) (else (local.set $c (i32.const 2))))
        (block (block (br_table 0 1 (i32.and (local.get $a) (i32.const 1)))))
        (loop)
        (local.set $k (i32.const 2))
        (block $exit
          (loop $in
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br_table $exit $in (local.get $k))))
        "#,
    );
    b
}

/// A module whose `run(n)` executes [`loop_body`] `n` times and returns a
/// checksum of what it computed. Imports `host.f` (i32 -> i32, a host
/// function) and `other.f` (a wasm function of another instance).
fn all_ops_module() -> String {
    format!(
        r#"(module
      (type $sig (func (param i32) (result i32)))
      (import "host" "f" (func $host (type $sig)))
      (import "other" "f" (func $other (type $sig)))
      (memory 1)
      (table $t 4 funcref)
      (global $g (mut i64) (i64.const 0))
      (data $d "abcd")
      (elem $e func $leaf)
      (elem (i32.const 1) func $leaf $host)
      (func $leaf (type $sig) (i32.add (local.get 0) (i32.const 1)))
      (func $two (result i32 i32) (i32.const 1) (i32.const 2))
      (func $none)
      (func (export "run") (param $n i32) (result i64)
        (local $a i32) (local $b i32) (local $c i32) (local $k i32) (local $t i32) (local $u i32)
        (local $x i64) (local $y i64)
        (local $f f32) (local $g f32) (local $d f64) (local $e f64)
        (local.set $b (i32.const 7))
        (local.set $y (i64.const 7))
        (local.set $g (f32.const 2.25))
        (local.set $e (f64.const 2.25))
        (loop $top
          (local.set $a (local.get $n))
          (local.set $x (i64.extend_i32_u (local.get $n)))
          (local.set $f (f32.convert_i32_u (i32.and (local.get $n) (i32.const 15))))
          (local.set $d (f64.convert_i32_u (i32.and (local.get $n) (i32.const 15))))
          {body}
          (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (i64.add (global.get $g) (i64.extend_i32_u (local.get $c)))))"#,
        body = loop_body()
    )
}

/// The module `other.f` comes from.
const OTHER: &str = r#"(module (func (export "f") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3))))"#;

/// A store on `tier` with `other` and `host` linked and the all-ops module
/// instantiated; returns the store and its `run`.
fn all_ops_store(tier: TierKind, limits: Limits) -> (Store, crate::FuncAddr) {
    all_ops_store_recording(tier, limits, false)
}

/// [`all_ops_store`], counting tier paths when `recording`.
fn all_ops_store_recording(
    tier: TierKind,
    limits: Limits,
    recording: bool,
) -> (Store, crate::FuncAddr) {
    let mut store = Store::new(tier, limits).expect("tier is implemented");
    if recording {
        store.enable_tier_paths();
    }
    let mut linker = Linker::default();
    let other = Module::new(&wat::parse_str(OTHER).unwrap()).unwrap();
    let other = store.instantiate(&other, &linker).unwrap();
    linker.define_instance(&store, "other", other);
    let host: HostFunc = Arc::new(|_, args| match args {
        [Val::I32(v)] => Ok(vec![Val::I32(v.wrapping_add(2))]),
        _ => unreachable!("validated signature"),
    });
    let ty = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    let host = store.alloc_host_func(ty, host);
    linker.define("host", "f", Extern::Func(host));
    let module = Module::new(&wat::parse_str(all_ops_module()).unwrap()).unwrap();
    let inst = store.instantiate(&module, &linker).unwrap();
    let Some(Extern::Func(run)) = store.export(inst, "run") else {
        panic!("no export run")
    };
    (store, run)
}

/// A module whose `run(n)` runs every SIMD instruction `n` times (the
/// classic tier is not compared here: it is a witness of its own).
fn simd_ops_module() -> String {
    format!(
        r#"(module
      (memory 1)
      (global $gv (mut v128) (v128.const i64x2 1 2))
      (func (export "run") (param $n i32) (result i64)
        (local $a i32) (local $x i64) (local $f f32) (local $d f64) (local $v v128) (local $w v128)
        (local.set $w (v128.const i32x4 1 -2 3 -4))
        (loop $top
          (local.set $a (local.get $n))
          (local.set $x (i64.extend_i32_u (local.get $n)))
          (local.set $f (f32.convert_i32_u (local.get $n)))
          (local.set $d (f64.convert_i32_u (local.get $n)))
          (local.set $v (i32x4.splat (local.get $n)))
          (local.set $w (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $v) (local.get $w)))
          (global.set $gv (i64x2.add (global.get $gv) (local.get $w)))
          {body}
          (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (i64x2.extract_lane 0 (global.get $gv))))"#,
        body = include_str!("simd_ops.wat")
    )
}

/// A module whose `run(n)` runs the WebAssembly 3.0 instructions (tail
/// calls, a 64-bit second memory, a 64-bit table) `n` times.
fn next_ops_module() -> Arc<Module> {
    let wat = r#"(module
      (type $sig (func (param i32) (result i32)))
      (memory 1)
      (memory $w i64 1)
      (table $t64 i64 2 funcref)
      (elem (table $t64) (i64.const 0) func $leaf $leaf)
      (func $leaf (type $sig) (i32.add (local.get 0) (i32.const 1)))
      (func $tail (type $sig) (return_call $leaf (local.get 0)))
      (func $tail_ind (type $sig) (return_call_indirect $t64 (type $sig) (local.get 0) (i64.const 1)))
      (func (export "run") (param $n i32) (result i64)
        (local $a i32) (local $x i64)
        (loop $top
          (local.set $x (i64.extend_i32_u (local.get $n)))
          (drop (i32.load $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i32.load8_s $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i32.load8_u $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i32.load16_s $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i32.load16_u $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load8_s $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load8_u $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load16_s $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load16_u $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load32_s $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (drop (i64.load32_u $w offset=4 (i64.and (local.get $x) (i64.const 1023))))
          (i32.store8 $w offset=8 (i64.and (local.get $x) (i64.const 1023)) (local.get $a))
          (i32.store16 $w offset=8 (i64.and (local.get $x) (i64.const 1023)) (local.get $a))
          (i32.store $w offset=8 (i64.and (local.get $x) (i64.const 1023)) (local.get $a))
          (i64.store $w offset=8 (i64.and (local.get $x) (i64.const 1023)) (local.get $x))
          (drop (memory.size $w))
          (drop (table.get $t64 (i64.const 1)))
          (local.set $a (call_indirect $t64 (type $sig) (local.get $a) (i64.const 0)))
          (local.set $a (call $tail (local.get $a)))
          (local.set $a (call $tail_ind (local.get $a)))
          (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (i64.extend_i32_u (local.get $a))))"#;
    let bytes = wat::parse_str(wat).unwrap();
    Module::new_with_features(&bytes, crate::module::decodable_features()).unwrap()
}

fn simd_module() -> Arc<Module> {
    let bytes = wat::parse_str(simd_ops_module()).unwrap();
    Module::new_with_features(&bytes, crate::module::decodable_features()).unwrap()
}

/// Every instruction of the table that the all-ops modules do not produce.
fn ops_not_covered() -> Vec<Op> {
    let mut seen = HashSet::new();
    let scalar = Module::new(&wat::parse_str(all_ops_module()).unwrap()).unwrap();
    for module in [scalar, simd_module(), next_ops_module()] {
        let type_ids: Vec<TypeId> = (0..module.types.len() as u32).map(TypeId).collect();
        for f in module.num_imported_funcs..module.funcs.len() as u32 {
            let t = translate::translate(&module, &type_ids, f).expect("translates");
            seen.extend(t.code.iter().map(|i| i.op));
        }
    }
    // `Unreachable` ends execution; `Exit` runs once per call, outside loops.
    Op::ALL
        .iter()
        .copied()
        .filter(|op| !seen.contains(op) && !matches!(op, Op::Unreachable | Op::Exit))
        .collect()
}

#[test]
fn the_stack_test_covers_every_instruction() {
    assert_eq!(ops_not_covered(), Vec::<Op>::new());
}

/// The guard of tail-call dispatch: every handler runs in a loop of 100,000
/// iterations on a thread with a 256 KiB stack. If any handler's dispatch
/// stayed a call (a build where LLVM did not make it a jump), each
/// iteration would leave at least one native frame behind and the thread
/// would overflow its stack, aborting the test binary. In loop mode the
/// same test shows the loop does not grow the stack either.
#[test]
fn dispatch_never_grows_the_native_stack() {
    let (mut store, run) = all_ops_store(TierKind::Fast, Limits::default());
    let result = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || store.invoke(run, &[Val::I32(100_000)]))
        .expect("thread starts")
        .join()
        .expect("no panic");
    eprintln!(
        "dispatch: {}",
        if TAIL_DISPATCH { "tail calls" } else { "loop" }
    );
    assert!(matches!(result.as_deref(), Ok([Val::I64(_)])), "{result:?}");
}

/// Recording twins keep dispatch a jump, change no result or fuel, and
/// count the rows that ran: a loop of N iterations counts its rows N times.
#[test]
fn recording_tier_paths_changes_nothing_and_counts_rows() {
    let limits = Limits {
        fuel: Some(1 << 40),
        ..Limits::default()
    };
    let (mut plain, run) = all_ops_store(TierKind::Fast, limits);
    let expected = plain.invoke(run, &[Val::I32(100_000)]);
    let (mut store, run) = all_ops_store_recording(TierKind::Fast, limits, true);
    let (result, store) = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || (store.invoke(run, &[Val::I32(100_000)]), store))
        .expect("thread starts")
        .join()
        .expect("no panic");
    assert_eq!(result.as_deref().ok(), expected.as_deref().ok());
    assert_eq!(store.fuel(), plain.fuel());
    let paths = store.tier_paths().expect("recording");
    let cells = crate::tier_paths::cells(TierKind::Fast);
    let ran: Vec<&str> = paths
        .sparse()
        .iter()
        .map(|&(i, _)| cells[i as usize].name.as_str())
        .collect();
    assert!(ran.len() > 100, "only {} rows counted: {ran:?}", ran.len());
    let hot = paths.counts().iter().max().copied().unwrap_or(0);
    assert!(
        hot >= 100_000,
        "the loop's rows ran 100,000 times, counted {hot}"
    );
    assert!(plain.tier_paths().is_none());
}

/// The same guard for every SIMD handler.
#[test]
fn simd_and_3_0_dispatch_never_grows_the_native_stack() {
    for module in [simd_module(), next_ops_module()] {
        let mut store = Store::new(TierKind::Fast, Limits::default()).expect("tier");
        let inst = store.instantiate(&module, &Linker::default()).unwrap();
        let Some(Extern::Func(run)) = store.export(inst, "run") else {
            panic!("no export run")
        };
        let result = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || store.invoke(run, &[Val::I32(100_000)]))
            .expect("thread starts")
            .join()
            .expect("no panic");
        assert!(matches!(result.as_deref(), Ok([Val::I64(_)])), "{result:?}");
    }
}

/// The all-ops module gives the classic tier's result and leaves the same
/// fuel, with fuel unlimited and at amounts that run out inside loops,
/// calls and branches alike.
#[test]
fn all_ops_agree_with_the_classic_tier_including_fuel() {
    let outcome = |tier, fuel| {
        let limits = Limits {
            fuel,
            ..Limits::default()
        };
        let (mut store, run) = all_ops_store(tier, limits);
        let r = store.invoke(run, &[Val::I32(40)]).map_err(|e| match e {
            CallError::Trap(t) => t.code,
            other => panic!("{other}"),
        });
        assert!(store.violations().is_empty(), "{:?}", store.violations());
        (r, store.fuel())
    };
    let full = outcome(TierKind::Classic, None);
    assert!(full.0.is_ok(), "{full:?}");
    assert_eq!(outcome(TierKind::Fast, None), full);
    // Exactly `used` units run the call: every smaller amount runs out.
    let plenty = 1 << 40;
    let used = plenty - outcome(TierKind::Classic, Some(plenty)).1.expect("limited");
    assert!(
        used > 300,
        "{used} units: the module charges in loops and calls"
    );
    for fuel in (0..used).step_by(3).chain([used - 1, used, used + 1]) {
        let classic = outcome(TierKind::Classic, Some(fuel));
        assert_eq!(outcome(TierKind::Fast, Some(fuel)), classic, "fuel {fuel}");
        assert_eq!(classic.0.is_err(), fuel < used, "fuel {fuel}");
    }
}

/// Loop headers of every kind charge exactly like the classic tier: loops
/// nested at the same place, empty loops, a header that is a compare fused
/// into a branch, an `if`, a call, a block without code, `br_table` back
/// into a loop, and a `switch` loop whose jumps back are threaded (replaced
/// by copies of its header). Every fuel amount up to exhaustion, and beyond.
#[test]
fn every_kind_of_loop_header_charges_exactly() {
    let wat = r#"(module
      (func $leaf (param i32) (result i32) (local.get 0))
      (func (export "f") (param $n i32) (result i32)
        (local $i i32) (local $j i32) (local $s i32) (local $k i32)
        (local.set $i (local.get $n))
        (loop $outer
          (loop $inner
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $inner (i32.lt_u (i32.and (local.get $j) (i32.const 3)) (i32.const 2))))
          (loop)
          (loop $cmp (br_if $cmp (i32.gt_s (local.tee $j (i32.sub (local.get $j) (i32.const 1))) (i32.const 5))))
          (loop $if
            (if (i32.and (local.get $j) (i32.const 1))
              (then (local.set $j (i32.add (local.get $j) (i32.const 3))) (br $if))))
          (loop $call
            (local.set $s (i32.add (local.get $s) (call $leaf (i32.const 1))))
            (br_if $call (i32.eqz (i32.and (local.get $s) (i32.const 4)))))
          (loop $blk (block) (local.set $s (i32.add (local.get $s) (i32.const 1))))
          (block $done
            (loop $tab
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (br_table $tab $done (i32.and (local.get $s) (i32.const 1)))))
          (local.set $k (i32.const 5))
          (block $swdone
            (loop $sw
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (block $odd
                (block $even (br_table $even $odd (i32.and (local.get $k) (i32.const 1))))
                (br_if $swdone (i32.eqz (local.get $k)))
                (br $sw))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (br $sw)))
          (br_if $outer (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (i32.add (local.get $s) (local.get $j))))"#;
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let outcome = |tier, fuel| {
        let limits = Limits {
            fuel,
            ..Limits::default()
        };
        let mut store = Store::new(tier, limits).unwrap();
        let inst = store.instantiate(&module, &Linker::default()).unwrap();
        let Some(Extern::Func(f)) = store.export(inst, "f") else {
            panic!("no export f")
        };
        let r = store.invoke(f, &[Val::I32(6)]).map_err(|e| match e {
            CallError::Trap(t) => t.code,
            other => panic!("{other}"),
        });
        (r, store.fuel())
    };
    let plenty = 1 << 40;
    let used = plenty - outcome(TierKind::Classic, Some(plenty)).1.expect("limited");
    assert!(used > 50, "{used}");
    for fuel in (0..used + 3).map(Some).chain([None]) {
        let classic = outcome(TierKind::Classic, fuel);
        assert_eq!(outcome(TierKind::Fast, fuel), classic, "fuel {fuel:?}");
    }
}
