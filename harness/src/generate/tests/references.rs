//! The SIMD and 3.0 generators' modules in the reference engines, which run
//! every proposal already: wasmi shows that each shape does what it is
//! written for (tail-call chains past the depth limit return, table slots
//! of every kind are hit, accesses land on both sides of the bounds), and
//! wasmi and wasmtime, two independent engines, agree on every call and on
//! the final state, so the modules are deterministic (NaNs canonicalised)
//! before any tier runs them.

use super::{bytes, text};
use crate::generate::{case_limits, ext_const, memories, simd, tail_calls};
use crate::outcome::Value;
use crate::plan::PlannedCall;
use arbitrary::Unstructured;
use std::collections::HashSet;
use tierdiff_runtime::module::{decodable_features, ExportKind};
use tierdiff_runtime::Module;

/// One call: its export, how it ended (`ok` or the engine's trap name,
/// which wasmi and wasmtime spell alike), its results, and how far the
/// `steps` global moved.
struct Call {
    export: String,
    end: String,
    /// Compared with wasmtime's (in builds that have it).
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    results: Vec<Value>,
    steps: i64,
}

/// What an engine did with a module.
struct Observed {
    /// The calls of the plan; `Err` holds the trap that ended instantiation.
    calls: Result<Vec<Call>, String>,
    /// Every exported memory's bytes and global's value after the calls,
    /// compared with wasmtime's (in builds that have it).
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    memories: Vec<Vec<u8>>,
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    globals: Vec<Value>,
}

/// The generators under test, each with a name.
type Make = fn(&mut Unstructured) -> Vec<u8>;
const MAKERS: [(&str, Make); 6] = [
    ("simd-lanes", simd::lanes),
    ("simd-memory", |u| simd::memory(u, true, true)),
    ("tail-calls", tail_calls::tail_calls),
    ("extended-const", |u| ext_const::ext_const(u, true)),
    ("memory64", |u| memories::memory64(u, true)),
    ("multi-memory", |u| memories::multi_memory(u, true)),
];

fn maker(name: &str) -> Make {
    MAKERS.iter().find(|(n, _)| *n == name).expect("a maker").1
}

fn plan(wasm: &[u8]) -> (Vec<PlannedCall>, Vec<(String, ExportKind)>) {
    let module = Module::new_with_features(wasm, decodable_features()).expect("loads");
    let exports = module
        .exports
        .iter()
        .map(|e| (e.name.clone(), e.kind))
        .collect();
    (crate::plan::plan(&module), exports)
}

fn wasmi_val(v: &Value) -> wasmi::Val {
    match *v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        Value::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
        Value::V128(b) => wasmi::Val::V128(b.into()),
        _ => unreachable!("the SIMD and 3.0 generators pass numbers only"),
    }
}

fn from_wasmi(v: &wasmi::Val) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(f) => Value::F32(f.to_bits()),
        wasmi::Val::F64(f) => Value::F64(f.to_bits()),
        wasmi::Val::V128(v) => Value::V128(v.as_u128()),
        other => unreachable!("no reference values here: {other:?}"),
    }
}

/// Runs the plan of `wasm` in wasmi with every proposal on and the fuzzer's
/// call-depth limit.
fn in_wasmi(wasm: &[u8]) -> Observed {
    let mut config = wasmi::Config::default();
    config
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_multi_memory(true)
        .wasm_memory64(true)
        .wasm_simd(true)
        .set_max_recursion_depth(case_limits().max_call_depth as usize);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, wasm).expect("wasmi loads generated modules");
    let mut store = wasmi::Store::new(&engine, ());
    let (calls, exports) = plan(wasm);
    let instance =
        match wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module) {
            Ok(instance) => instance,
            Err(e) => {
                return Observed {
                    calls: Err(match e.as_trap_code() {
                        Some(code) => format!("Some({code:?})"),
                        None => format!("error {e}"),
                    }),
                    memories: Vec::new(),
                    globals: Vec::new(),
                }
            }
        };
    let steps = |store: &wasmi::Store<()>| match instance
        .get_global(store, "steps")
        .map(|g| g.get(store))
    {
        Some(wasmi::Val::I64(n)) => n,
        _ => 0,
    };
    let mut ran = Vec::new();
    for call in calls {
        let func = instance.get_func(&store, &call.export).expect("exported");
        let args: Vec<wasmi::Val> = call.args.iter().map(wasmi_val).collect();
        let mut results: Vec<wasmi::Val> = func
            .ty(&store)
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let before = steps(&store);
        let (end, results) = match func.call(&mut store, &args, &mut results) {
            Ok(()) => ("ok".to_string(), results.iter().map(from_wasmi).collect()),
            Err(e) => match e.as_trap_code() {
                Some(code) => (format!("{code:?}"), Vec::new()),
                None => (format!("error {e}"), Vec::new()),
            },
        };
        ran.push(Call {
            export: call.export,
            end,
            results,
            steps: steps(&store) - before,
        });
    }
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    for (name, kind) in exports {
        match kind {
            ExportKind::Memory => {
                let m = instance.get_memory(&store, &name).expect("exported");
                memories.push(m.data(&store).to_vec());
            }
            ExportKind::Global => {
                let g = instance.get_global(&store, &name).expect("exported");
                globals.push(from_wasmi(&g.get(&store)));
            }
            _ => {}
        }
    }
    Observed {
        calls: Ok(ran),
        memories,
        globals,
    }
}

#[cfg(feature = "wasmtime")]
fn in_wasmtime(wasm: &[u8]) -> Observed {
    let mut config = wasmtime::Config::new();
    config
        .max_wasm_stack(2 << 20)
        .wasm_simd(true)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_multi_memory(true)
        .wasm_memory64(true);
    let engine = wasmtime::Engine::new(&config).expect("engine");
    let module = wasmtime::Module::new(&engine, wasm).expect("wasmtime loads generated modules");
    let mut store = wasmtime::Store::new(&engine, ());
    let (calls, exports) = plan(wasm);
    let trap_name = |e: &wasmtime::Error| match e.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => format!("{trap:?}"),
        None => format!("error {e}"),
    };
    let instance = match wasmtime::Instance::new(&mut store, &module, &[]) {
        Ok(instance) => instance,
        Err(e) => {
            return Observed {
                calls: Err(format!("Some({})", trap_name(&e))),
                memories: Vec::new(),
                globals: Vec::new(),
            }
        }
    };
    let from = |v: &wasmtime::Val| match v {
        wasmtime::Val::I32(x) => Value::I32(*x),
        wasmtime::Val::I64(x) => Value::I64(*x),
        wasmtime::Val::F32(b) => Value::F32(*b),
        wasmtime::Val::F64(b) => Value::F64(*b),
        wasmtime::Val::V128(v) => Value::V128(v.as_u128()),
        other => unreachable!("no reference values here: {other:?}"),
    };
    let steps = |store: &mut wasmtime::Store<()>| match instance
        .get_global(&mut *store, "steps")
        .map(|g| g.get(&mut *store))
    {
        Some(wasmtime::Val::I64(n)) => n,
        _ => 0,
    };
    let mut ran = Vec::new();
    for call in calls {
        let func = instance
            .get_func(&mut store, &call.export)
            .expect("exported");
        let args: Vec<wasmtime::Val> = call
            .args
            .iter()
            .map(|v| match *v {
                Value::I32(x) => wasmtime::Val::I32(x),
                Value::I64(x) => wasmtime::Val::I64(x),
                Value::F32(b) => wasmtime::Val::F32(b),
                Value::F64(b) => wasmtime::Val::F64(b),
                Value::V128(b) => wasmtime::Val::V128(b.into()),
                _ => unreachable!("the SIMD and 3.0 generators pass numbers only"),
            })
            .collect();
        let mut results: Vec<wasmtime::Val> = func
            .ty(&store)
            .results()
            .map(|t| wasmtime::Val::default_for_ty(&t).expect("numbers have defaults"))
            .collect();
        let before = steps(&mut store);
        let (end, results) = match func.call(&mut store, &args, &mut results) {
            Ok(()) => ("ok".to_string(), results.iter().map(from).collect()),
            Err(e) => (trap_name(&e), Vec::new()),
        };
        ran.push(Call {
            export: call.export,
            end,
            results,
            steps: steps(&mut store) - before,
        });
    }
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    for (name, kind) in exports {
        match kind {
            ExportKind::Memory => {
                let m = instance.get_memory(&mut store, &name).expect("exported");
                memories.push(m.data(&store).to_vec());
            }
            ExportKind::Global => {
                let g = instance.get_global(&mut store, &name).expect("exported");
                globals.push(from(&g.get(&mut store)));
            }
            _ => {}
        }
    }
    Observed {
        calls: Ok(ran),
        memories,
        globals,
    }
}

/// The calls of a module whose instantiation must succeed.
fn calls(name: &str, seed: u64, size: usize) -> (Vec<u8>, Vec<Call>) {
    let wasm = maker(name)(&mut Unstructured::new(&bytes(seed, size)));
    match in_wasmi(&wasm).calls {
        Ok(calls) => (wasm, calls),
        Err(trap) => panic!(
            "{name} seed {seed}: instantiation trapped {trap}\n{}",
            text(&wasm)
        ),
    }
}

#[test]
fn tail_call_shapes_behave_as_designed() {
    let mut past_limit = 0;
    let mut deep_then_long_chain = 0;
    let mut indirect = HashSet::new();
    for seed in 0..60 {
        let (wasm, ran) = calls("tail-calls", seed, 400);
        for r in &ran {
            // A chain of tail calls longer than the depth limit returns.
            if r.export.starts_with('t') {
                assert_eq!(r.end, "ok", "seed {seed}: {}\n{}", r.export, text(&wasm));
                past_limit += usize::from(r.steps > 10_000);
            }
            // Recursion ~10,000 frames deep whose innermost frame runs a
            // long tail-call chain returns too (below the limit).
            if r.export.starts_with("deep") && r.end == "ok" && r.steps >= 1_000 {
                deep_then_long_chain += 1;
            }
            if r.export.starts_with("ri") {
                indirect.insert(r.end.clone());
            }
        }
    }
    assert!(past_limit > 0 && deep_then_long_chain > 0);
    for end in [
        "ok",
        "BadSignature",
        "IndirectCallToNull",
        "TableOutOfBounds",
    ] {
        assert!(
            indirect.contains(end),
            "return_call_indirect never ended {end}: {indirect:?}"
        );
    }
}

#[test]
fn memory_shapes_reach_both_sides_of_the_bounds() {
    for name in ["simd-memory", "memory64", "multi-memory", "extended-const"] {
        let mut seen = HashSet::new();
        for seed in 0..80 {
            let wasm = maker(name)(&mut Unstructured::new(&bytes(seed, 600)));
            match in_wasmi(&wasm).calls {
                Ok(ran) => seen.extend(ran.into_iter().map(|r| r.end)),
                Err(trap) => {
                    seen.insert(format!("instantiation {trap}"));
                }
            }
        }
        // Extended-constant modules read their segments in bounds; their
        // edge is the segment offset, which traps at instantiation.
        let trap = if name == "extended-const" {
            "instantiation Some(MemoryOutOfBounds)"
        } else {
            "MemoryOutOfBounds"
        };
        for end in ["ok", trap] {
            assert!(seen.contains(end), "{name}: nothing ended {end}: {seen:?}");
        }
    }
}

#[test]
fn simd_lane_functions_never_trap() {
    for seed in 0..60 {
        let (wasm, ran) = calls("simd-lanes", seed, 1500);
        for r in ran {
            assert_eq!(r.end, "ok", "seed {seed} {}\n{}", r.export, text(&wasm));
        }
    }
}

/// Two correct engines agree on every generated module: same ends, results
/// (NaN-aware, v128 lane-wise), steps, memory bytes and globals. A call
/// that exhausts either engine's stack ends the comparison of its module
/// (their stack limits differ, as in the harness).
#[cfg(feature = "wasmtime")]
#[test]
fn wasmi_and_wasmtime_agree_on_every_generated_module() {
    // wasmtime runs wasm on the calling thread's stack.
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(|| {
        let mut compared = 0;
        for (name, make) in MAKERS {
            for seed in 0..40 {
                let wasm = make(&mut Unstructured::new(&bytes(seed, 1200)));
                let (a, b) = (in_wasmi(&wasm), in_wasmtime(&wasm));
                let at = format!("{name} seed {seed}");
                let (ca, cb) = match (&a.calls, &b.calls) {
                    (Ok(ca), Ok(cb)) => (ca, cb),
                    // Both fail, with the same trap where both name one
                    // (wasmi reports an element segment out of bounds as a
                    // plain error, not a trap).
                    (Err(ea), Err(eb)) => {
                        let traps = ea.starts_with("Some(") && eb.starts_with("Some(");
                        assert!(!traps || ea == eb, "{at}: {ea} vs {eb}\n{}", text(&wasm));
                        continue;
                    }
                    (ea, eb) => panic!(
                        "{at}: instantiation {:?} vs {:?}\n{}",
                        ea.as_ref().err(),
                        eb.as_ref().err(),
                        text(&wasm)
                    ),
                };
                let mut exhausted = false;
                for (x, y) in ca.iter().zip(cb) {
                    if x.end == "StackOverflow" || y.end == "StackOverflow" {
                        exhausted = true;
                        break;
                    }
                    let same = x.end == y.end
                        && x.steps == y.steps
                        && x.results.len() == y.results.len()
                        && x.results.iter().zip(&y.results).all(|(p, q)| p.same(q));
                    assert!(
                        same,
                        "{at}: {} wasmi {} {:?} steps {}, wasmtime {} {:?} steps {}\n{}",
                        x.export,
                        x.end,
                        x.results,
                        x.steps,
                        y.end,
                        y.results,
                        y.steps,
                        text(&wasm)
                    );
                }
                if exhausted {
                    continue;
                }
                assert!(
                    a.memories == b.memories,
                    "{at}: memories differ\n{}",
                    text(&wasm)
                );
                assert!(
                    a.globals.len() == b.globals.len()
                        && a.globals.iter().zip(&b.globals).all(|(p, q)| p.same(q)),
                    "{at}: globals {:?} vs {:?}",
                    a.globals,
                    b.globals
                );
                compared += 1;
            }
        }
        compared
    });
    let compared = worker.expect("spawn").join().expect("no panic");
    assert!(compared >= 200, "only {compared} modules compared in full");
}
