//! `tierdiff bench` end to end, on tiny sizes: every kernel runs on every
//! engine of this build, the checksums agree, and the JSON has its shape.

use serde_json::Value;
use std::process::Command;

fn tierdiff(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(args)
        .output()
        .expect("the tierdiff binary runs")
}

#[test]
fn quick_bench_checksums_agree_and_json_has_its_shape() {
    let out = tierdiff(&["bench", "--quick", "--runs", "1", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    let kernels = report["kernels"].as_array().expect("kernels is an array");
    let names: Vec<&str> = kernels.iter().filter_map(|k| k["name"].as_str()).collect();
    for expected in [
        "fib",
        "sieve",
        "matmul",
        "sha256",
        "quicksort",
        "nbody",
        "coremark",
        "interp",
        "vcall",
    ] {
        assert!(
            names.contains(&expected),
            "kernel {expected} missing: {names:?}"
        );
    }
    for k in kernels {
        let name = &k["name"];
        let checksum = k["checksum"].as_u64().expect("a checksum");
        assert_eq!(k["agree"], Value::Bool(true), "{name}: {k}");
        let engines = k["engines"].as_object().expect("engines is an object");
        for engine in ["classic", "fast", "jit", "wasmi"] {
            assert!(engines.contains_key(engine), "{name}: no {engine}");
        }
        // The native build of the C source must agree with the wasm engines
        // too (checked below), or it is no yardstick for them.
        if cfg!(tierdiff_native_kernels) {
            assert!(engines.contains_key("native"), "{name}: no native");
            assert!(k["ratios"]["jit/native"].as_f64().is_some(), "{name}: {k}");
            assert!(
                k["native_ceilings"]["jit/fast"].as_f64().is_some(),
                "{name}: {k}"
            );
        }
        let jit_fast = k["ratios"]["jit/fast"].as_f64().expect("a jit/fast ratio");
        assert!(jit_fast > 0.0, "{name}: jit/fast = {jit_fast}");
        for (engine, r) in engines {
            assert_eq!(r["checksum"].as_u64(), Some(checksum), "{name} on {engine}");
            for field in ["run_s", "compile_s"] {
                let secs = r[field].as_f64().expect("a number of seconds");
                assert!(secs >= 0.0, "{name} on {engine}: {field} = {secs}");
            }
        }
    }
    // The JIT's target is judged on its slowest kernel, not the mean.
    let jit = &report["summary"]["jit/fast"];
    assert_eq!(jit["rule"], "every-kernel", "{jit}");
    let (min, target) = (
        jit["min"].as_f64().unwrap(),
        jit["target"].as_f64().unwrap(),
    );
    assert_eq!(jit["met"], Value::Bool(min >= target), "{jit}");
    if cfg!(tierdiff_native_kernels) {
        let cc = report["native_compiler"]
            .as_str()
            .expect("the native compiler");
        assert!(cc.contains("-O2"), "{cc}");
        assert_eq!(report["summary"]["jit/native"]["target"], Value::Null);
    }
}

#[test]
fn unknown_kernel_is_an_input_error() {
    let out = tierdiff(&["bench", "--kernel", "no-such-kernel"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-kernel"));
}

/// The SIMD kernel's checksum is the same in the reference engines and in
/// native code (its C is built with vector extensions for both), whether or
/// not our tiers accept SIMD yet.
#[test]
fn simd_kernel_agrees_with_native_code() {
    let mut engines = vec!["wasmi"];
    if cfg!(feature = "wasmtime") {
        engines.push("wasmtime");
    }
    if cfg!(tierdiff_native_kernels) {
        engines.push("native");
    }
    let engines = engines.join(",");
    let args = ["bench", "--kernel", "simd", "--engines", &engines];
    let out = tierdiff(&[&args[..], &["--quick", "--runs", "1", "--json"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let k = &report["kernels"][0];
    assert_eq!(k["name"], "simd");
    assert_eq!(k["agree"], Value::Bool(true), "{k}");
    assert_eq!(
        k["engines"].as_object().map(|e| e.len()),
        Some(engines.split(',').count()),
        "{k}"
    );
}

/// Until the runtime accepts SIMD, `--list` says so and the default
/// selection leaves the SIMD kernel out.
#[test]
fn list_names_what_a_kernel_needs() {
    let out = tierdiff(&["bench", "--list"]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout);
    let line = list
        .lines()
        .find(|l| l.starts_with("simd "))
        .expect("the simd kernel is listed");
    let accepted =
        tierdiff_runtime::module::supported_features().contains(wasmparser::WasmFeatures::SIMD);
    assert_eq!(line.contains("needs SIMD"), !accepted, "{line}");
}

#[test]
fn harness_throughput_reports_cases_per_second() {
    let out = tierdiff(&["bench", "--harness", "--cases", "5", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    let h = &report["harness"];
    assert_eq!(h["cases"].as_u64(), Some(5));
    assert!(h["cases_per_s"].as_f64().is_some_and(|c| c > 0.0));
    assert!(h["timing"]["generate"].as_f64().is_some());
}

#[test]
fn wasi_program_runs_with_the_real_clock_in_every_engine() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/kernels/wasi/wasi_demo.wasm");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(["bench", "--wasi", demo, "--runs", "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["wasi"]["agree"], true);
    let engines = v["wasi"]["engines"].as_object().unwrap();
    assert!(
        engines.contains_key("classic") && engines.contains_key("wasmi"),
        "{v}"
    );
    for (name, e) in engines {
        assert_eq!(e["exit_code"], 0, "{name}");
        assert!(e["run_s"].as_f64().unwrap() > 0.0, "{name}");
    }
}
