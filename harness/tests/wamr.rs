//! WAMR's modes as engines: values, traps, limits, exported state,
//! externrefs, the call budget and linking, each mode against small
//! modules, then against our classic tier on the corpus seeds.
//!
//! The first test to need a mode builds it (cmake and make, seconds to a
//! minute, cached for every later run); the others wait for it.

use std::time::{Duration, Instant};
use tierdiff::engine::{Engine, EngineInstance};
use tierdiff::outcome::{CallResult, InstantiateResult, Value};
use tierdiff::wamr::{self, Mode, WamrEngine};
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::{Limits, TrapCode};
use wasmparser::WasmFeatures;

/// Every mode's engine; a mode that cannot be built fails the test with
/// WAMR's one-line reason.
fn engines() -> Vec<WamrEngine> {
    wamr::MODES
        .iter()
        .map(|name| {
            wamr::engine(name)
                .expect("a WAMR mode")
                .unwrap_or_else(|why| panic!("{name}: {why}"))
        })
        .collect()
}

fn instantiate(engine: &WamrEngine, text: &str, limits: Limits) -> Box<dyn EngineInstance> {
    let bytes = wat::parse_str(text).expect("valid text");
    engine
        .instantiate(&bytes, limits)
        .unwrap_or_else(|e| panic!("{}: {e:?}", engine.name()))
}

fn returned(r: CallResult) -> Vec<Value> {
    match r {
        CallResult::Returned(v) => v,
        other => panic!("expected values, got {other:?}"),
    }
}

#[test]
fn arithmetic_gives_the_spec_results() {
    let text = r#"(module
      (func (export "i32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "i64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
      (func (export "f32") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
      (func (export "f64") (param f64) (result f64) (f64.sqrt (local.get 0)))
      (func (export "two") (param i32 i64) (result i64 i32)
        (local.get 1) (local.get 0))
      (func (export "rem") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1))))"#;
    for engine in engines() {
        let name = engine.name().to_string();
        let mut i = instantiate(&engine, text, Limits::default());
        let mut check = |export: &str, args: &[Value], want: &[Value]| {
            let got = returned(i.call(export, args));
            assert!(
                got.len() == want.len() && got.iter().zip(want).all(|(a, b)| a.identical(b)),
                "{name} {export}{args:?}: {got:?}, want {want:?}"
            );
        };
        check(
            "i32",
            &[Value::I32(i32::MAX), Value::I32(1)],
            &[Value::I32(i32::MIN)],
        );
        check(
            "i64",
            &[Value::I64(0x1_0000_0001), Value::I64(-3)],
            &[Value::I64(-0x3_0000_0003)],
        );
        check(
            "f32",
            &[Value::F32(7f32.to_bits()), Value::F32(2f32.to_bits())],
            &[Value::F32(3.5f32.to_bits())],
        );
        check(
            "f64",
            &[Value::F64(2f64.to_bits())],
            &[Value::F64(2f64.sqrt().to_bits())],
        );
        check(
            "two",
            &[Value::I32(-7), Value::I64(i64::MIN)],
            &[Value::I64(i64::MIN), Value::I32(-7)],
        );
        check(
            "rem",
            &[Value::I32(i32::MIN), Value::I32(-1)],
            &[Value::I32(0)],
        );
    }
}

#[test]
fn every_trap_kind_has_its_code() {
    let text = r#"(module
      (type $v (func))
      (type $i (func (result i32)))
      (memory 1)
      (table $t 2 funcref)
      (elem (table $t) (i32.const 0) func $nop)
      (func $nop)
      (func (export "unreachable") unreachable)
      (func (export "div0") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
      (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
      (func (export "convert") (result i32) (i32.trunc_f32_s (f32.const nan)))
      (func (export "memory") (result i32) (i32.load (i32.const 65534)))
      (func (export "table") (result funcref) (table.get $t (i32.const 2)))
      (func (export "null") (call_indirect (type $v) (i32.const 1)))
      (func (export "mismatch") (result i32) (call_indirect (type $i) (i32.const 0)))
      (func (export "past") (call_indirect (type $v) (i32.const 5)))
      (func $deep (export "deep") (result i32) (i32.add (i32.const 1) (call $deep))))"#;
    let cases = [
        ("unreachable", TrapCode::Unreachable),
        ("div0", TrapCode::IntegerDivideByZero),
        ("overflow", TrapCode::IntegerOverflow),
        ("convert", TrapCode::InvalidConversionToInteger),
        ("memory", TrapCode::MemoryOutOfBounds),
        ("table", TrapCode::TableOutOfBounds),
        ("null", TrapCode::IndirectCallToNull),
        ("mismatch", TrapCode::IndirectCallTypeMismatch),
        ("past", TrapCode::TableOutOfBounds),
        ("deep", TrapCode::CallStackExhausted),
    ];
    for engine in engines() {
        let mut i = instantiate(&engine, text, Limits::default());
        for (export, code) in cases {
            let r = i.call(export, &[]);
            assert!(
                matches!(r, CallResult::Trapped(c) if c == code),
                "{} {export}: {r:?}, want {code:?}",
                engine.name()
            );
        }
        // The exceptions were cleared: the instance still runs.
        assert!(matches!(i.call("table", &[]), CallResult::Trapped(_)));
        assert!(matches!(
            i.call("div0", &[]),
            CallResult::Trapped(TrapCode::IntegerDivideByZero)
        ));
    }
}

#[test]
fn memory_grows_up_to_the_case_limit_and_no_further() {
    let text = r#"(module
      (memory (export "mem") 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))"#;
    let limits = Limits {
        max_memory_pages: 3,
        ..Limits::default()
    };
    for engine in engines() {
        let mut i = instantiate(&engine, text, limits);
        let grow = |i: &mut Box<dyn EngineInstance>, n| returned(i.call("grow", &[Value::I32(n)]));
        assert!(
            grow(&mut i, 1)[0].identical(&Value::I32(1)),
            "{}",
            engine.name()
        );
        assert!(
            grow(&mut i, 2)[0].identical(&Value::I32(-1)),
            "past the limit"
        );
        assert!(grow(&mut i, 1)[0].identical(&Value::I32(2)));
        assert!(grow(&mut i, 1)[0].identical(&Value::I32(-1)));
        assert!(returned(i.call("size", &[]))[0].identical(&Value::I32(3)));
        let mut size = 0;
        i.visit_memories(&mut |_, bytes| size = bytes.len());
        assert_eq!(size, 3 * 65_536, "{}", engine.name());
    }
}

#[test]
fn sizes_past_the_limits_are_a_resource_failure() {
    for engine in engines() {
        for (text, limits) in [
            (
                "(module (memory 4))",
                Limits {
                    max_memory_pages: 3,
                    ..Limits::default()
                },
            ),
            (
                "(module (table 11 funcref))",
                Limits {
                    max_table_elements: 10,
                    ..Limits::default()
                },
            ),
            (
                "(module (memory 2))",
                Limits {
                    memory_budget: 65_536,
                    ..Limits::default()
                },
            ),
        ] {
            let bytes = wat::parse_str(text).unwrap();
            let r = engine.instantiate(&bytes, limits).map(|_| ());
            assert!(
                matches!(r, Err(InstantiateResult::Resource(_))),
                "{} {text}: {r:?}",
                engine.name()
            );
        }
    }
}

#[test]
fn exported_state_is_read_in_export_order() {
    let text = r#"(module
      (func $f0) (func $f1)
      (global (export "count") (mut i32) (i32.const 5))
      (global (export "wide") i64 (i64.const -2))
      (global (export "half") (mut f64) (f64.const 0.5))
      (global (export "fn") funcref (ref.func $f1))
      (global (export "none") funcref (ref.null func))
      (memory (export "mem") 1)
      (data (i32.const 3) "\2a\2b")
      (table (export "tab") 3 funcref)
      (elem (i32.const 1) func $f1 $f0)
      (func (export "bump")
        (global.set 0 (i32.add (global.get 0) (i32.const 1)))
        (global.set 2 (f64.const -1.25))
        (i32.store8 (i32.const 0) (i32.const 7))
        (table.set 0 (i32.const 0) (ref.func $f0))))"#;
    for engine in engines() {
        let name = engine.name();
        let mut i = instantiate(&engine, text, Limits::default());
        returned(i.call("bump", &[]));
        let globals = i.globals();
        let names: Vec<&str> = globals.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["count", "wide", "half", "fn", "none"], "{name}");
        let want = [
            Value::I32(6),
            Value::I64(-2),
            Value::F64((-1.25f64).to_bits()),
            Value::FuncRef(Some(Some(1))),
            Value::FuncRef(None),
        ];
        for ((g, got), want) in globals.iter().zip(want) {
            assert!(got.identical(&want), "{name} {g}: {got:?}, want {want:?}");
        }
        let mut memory = Vec::new();
        i.visit_memories(&mut |n, bytes| memory.push((n.to_string(), bytes[..5].to_vec())));
        assert_eq!(
            memory,
            [("mem".to_string(), vec![7, 0, 0, 0x2a, 0x2b])],
            "{name}"
        );
        let tables = i.tables();
        assert_eq!(tables.len(), 1, "{name}");
        let want = [
            Value::FuncRef(Some(Some(0))),
            Value::FuncRef(Some(Some(1))),
            Value::FuncRef(Some(Some(0))),
        ];
        assert_eq!(tables[0].0, "tab");
        assert!(
            tables[0].1.iter().zip(&want).all(|(a, b)| a.identical(b)) && tables[0].1.len() == 3,
            "{name}: {:?}",
            tables[0].1
        );
    }
}

#[test]
fn externrefs_round_trip_as_their_payloads() {
    let text = r#"(module
      (global $g (export "kept") (mut externref) (ref.null extern))
      (table $t (export "refs") 2 externref)
      (func (export "id") (param externref) (result externref) (local.get 0))
      (func (export "keep") (param externref)
        (global.set $g (local.get 0))
        (table.set $t (i32.const 1) (local.get 0)))
      (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0))))"#;
    for engine in engines() {
        let name = engine.name();
        let mut i = instantiate(&engine, text, Limits::default());
        for arg in [None, Some(0), Some(42), Some(u64::MAX - 1)] {
            let got = returned(i.call("id", &[Value::ExternRef(arg)]));
            assert!(
                got[0].identical(&Value::ExternRef(arg)),
                "{name} {arg:?}: {got:?}"
            );
            let null = returned(i.call("is_null", &[Value::ExternRef(arg)]));
            assert!(
                null[0].identical(&Value::I32(arg.is_none() as i32)),
                "{name}"
            );
        }
        returned(i.call("keep", &[Value::ExternRef(Some(7))]));
        let globals = i.globals();
        assert!(
            globals[0].1.identical(&Value::ExternRef(Some(7))),
            "{name}: {globals:?}"
        );
        let tables = i.tables();
        let want = [Value::ExternRef(None), Value::ExternRef(Some(7))];
        assert!(
            tables[0].1.iter().zip(&want).all(|(a, b)| a.identical(b)),
            "{name}: {tables:?}"
        );
    }
}

#[test]
fn an_endless_loop_runs_out_of_its_time_budget() {
    let text = r#"(module
      (func (export "spin") (loop $l (br $l)))
      (func (export "one") (result i32) (i32.const 1)))"#;
    for engine in engines() {
        let mut i = instantiate(&engine, text, Limits::default());
        let start = Instant::now();
        let r = i.call("spin", &[]);
        let took = start.elapsed();
        assert!(
            matches!(r, CallResult::Trapped(TrapCode::OutOfFuel)),
            "{}: {r:?}",
            engine.name()
        );
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(10),
            "{}: {took:?}",
            engine.name()
        );
        // Terminated, not broken: the next call runs.
        assert!(returned(i.call("one", &[]))[0].identical(&Value::I32(1)));
    }
}

#[test]
fn imports_and_wasi_do_not_link() {
    let imports = wat::parse_str(r#"(module (import "env" "f" (func)))"#).unwrap();
    let plain = wat::parse_str(r#"(module (func (export "_start")))"#).unwrap();
    for engine in engines() {
        let r = engine.instantiate(&imports, Limits::default()).map(|_| ());
        assert!(
            matches!(&r, Err(InstantiateResult::Unlinkable(m)) if m.contains("env.f")),
            "{}: {r:?}",
            engine.name()
        );
        let r = engine
            .instantiate_wasi(&plain, Limits::default(), Some(&WasiConfig::default()))
            .map(|_| ());
        assert!(
            matches!(r, Err(InstantiateResult::Unlinkable(_))),
            "{}: {r:?}",
            engine.name()
        );
    }
}

#[test]
fn instantiation_traps_and_start_functions() {
    let segment = wat::parse_str(r#"(module (memory 1) (data (i32.const 65535) "ab"))"#).unwrap();
    let trapping_start = wat::parse_str(r#"(module (func $s unreachable) (start $s))"#).unwrap();
    let endless_start =
        wat::parse_str(r#"(module (func $s (loop $l (br $l))) (start $s))"#).unwrap();
    let start = r#"(module
      (global (export "g") (mut i32) (i32.const 1))
      (func $s (global.set 0 (i32.const 9)))
      (start $s))"#;
    let invalid = wat::parse_str(r#"(module (func (result i32)))"#).unwrap();
    for engine in engines() {
        let name = engine.name();
        let outcome = |bytes: &[u8]| engine.instantiate(bytes, Limits::default()).map(|_| ());
        assert_eq!(
            outcome(&segment),
            Err(InstantiateResult::Trapped(TrapCode::MemoryOutOfBounds)),
            "{name}"
        );
        assert_eq!(
            outcome(&trapping_start),
            Err(InstantiateResult::Trapped(TrapCode::Unreachable)),
            "{name}"
        );
        assert_eq!(
            outcome(&endless_start),
            Err(InstantiateResult::Trapped(TrapCode::OutOfFuel)),
            "{name}: a start function is under the budget too"
        );
        assert!(
            matches!(outcome(&invalid), Err(InstantiateResult::Rejected(_))),
            "{name}"
        );
        let mut i = instantiate(&engine, start, Limits::default());
        let globals = i.globals();
        assert_eq!(
            globals.len(),
            1,
            "{name}: the start function's export stays hidden"
        );
        assert!(
            globals[0].1.identical(&Value::I32(9)),
            "{name}: {globals:?}"
        );
    }
}

#[test]
fn proposals_a_mode_lacks_leave_it_out() {
    let simd = wat::parse_str(
        r#"(module (func (export "f") (param v128 v128) (result v128)
             (i32x4.add (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let memory64 = wat::parse_str(r#"(module (memory i64 1))"#).unwrap();
    for engine in engines() {
        let features = engine.features();
        // The packaged WAMR builds what the mode's table says; the fast
        // interpreter's SIMD only where SIMDe is installed (Debian's
        // libsimde-dev).
        let simde = std::path::Path::new("/usr/include/simde/wasm/simd128.h").is_file();
        let mut expected = engine.mode().features();
        if !simde {
            expected.remove(WasmFeatures::SIMD);
        }
        assert_eq!(features, expected, "{}", engine.name());
        for (bytes, feature) in [
            (&simd, WasmFeatures::SIMD),
            (&memory64, WasmFeatures::MEMORY64),
        ] {
            let r = engine.instantiate(bytes, Limits::default());
            match r {
                Ok(mut i) if features.contains(feature) && feature == WasmFeatures::SIMD => {
                    let lanes = |a: u32| {
                        Value::V128((0..4).fold(0u128, |v, k| v | ((a + k) as u128) << (32 * k)))
                    };
                    let got = returned(i.call("f", &[lanes(1), lanes(10)]));
                    let want = Value::V128(
                        (0..4).fold(0u128, |v, k| v | ((11 + 2 * k) as u128) << (32 * k)),
                    );
                    assert!(got[0].identical(&want), "{}: {got:?}", engine.name());
                }
                Ok(_) => assert!(features.contains(feature), "{}", engine.name()),
                Err(InstantiateResult::EngineLimit(m)) => {
                    assert!(!features.contains(feature), "{}: {m}", engine.name());
                    assert!(!m.contains('\n') && m.contains(engine.name()), "{m}");
                }
                Err(other) => panic!("{}: {other:?}", engine.name()),
            }
        }
    }
    assert!(wamr::supported_proposals("wamr-classic").contains(&"memory64"));
    assert!(!wamr::supported_proposals("wamr-fast-jit").contains(&"simd"));
    assert!(wamr::supported_proposals("classic").is_empty());
    assert_eq!(Mode::parse("wamr-fast"), Some(Mode::Fast));
    assert!(wamr::engine("wasmi").is_none());
}

#[test]
fn the_corpus_seeds_agree_with_the_classic_tier() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(&seeds)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for engine in engines() {
        let name = engine.name().to_string();
        let classic = tierdiff::engine::build("classic").expect("the classic tier");
        let engines: Vec<Box<dyn Engine>> = vec![classic, Box::new(engine)];
        for path in &paths {
            let wasm = std::fs::read(path).unwrap();
            let outcome = tierdiff::compare::run_case(&wasm, &engines, Limits::default());
            assert!(
                outcome.findings.is_empty(),
                "{name} {}: {:#?}",
                path.display(),
                outcome.findings
            );
            let ran = outcome
                .per_engine
                .get(&name)
                .map_or(0, |c| c.returned + c.trapped + c.exhausted + c.crashed);
            assert!(
                ran > 0 && outcome.inconclusive.is_none(),
                "{name} {}: {:?}, {:?}",
                path.display(),
                outcome.instantiate,
                outcome.inconclusive
            );
        }
    }
}
