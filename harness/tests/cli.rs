//! The CLI's contracts: bad input gets one line naming the file and the
//! reason with exit code 2; `--json` prints exactly one object.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tierdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Asserts exit 2 and a single stderr line mentioning every `needle`.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} missing from {stderr}");
    }
}

#[test]
fn missing_file() {
    let out = tierdiff(&["run", "/nonexistent/x.wasm", "--invoke", "f"]);
    assert_bad_input(&out, &["/nonexistent/x.wasm", "cannot read"]);
}

#[test]
fn not_wasm() {
    let p = temp_file("garbage.wasm", b"\x7fELF this is not wasm");
    let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
    assert_bad_input(&out, &["garbage.wasm", "not a WebAssembly module"]);
}

#[test]
fn truncated_wasm() {
    let full = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#).unwrap();
    let p = temp_file("truncated.wasm", &full[..full.len() - 3]);
    let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
    assert_bad_input(&out, &["truncated.wasm", "invalid module"]);
}

#[test]
fn invalid_wasm() {
    let p = temp_file(
        "invalid.wat",
        br#"(module (func (export "f") (result i32) i64.const 1))"#,
    );
    let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
    assert_bad_input(&out, &["invalid.wat", "invalid module", "type mismatch"]);
}

#[test]
fn bad_text_format() {
    let p = temp_file(
        "broken.wat",
        b"(module (func (export \"f\") (result i32) i32.const))",
    );
    let out = tierdiff(&["run", p.to_str().unwrap()]);
    assert_bad_input(&out, &["broken.wat", "invalid text format"]);
}

#[test]
fn unsupported_feature() {
    let p = temp_file(
        "relaxed.wat",
        br#"(module (func (export "f") (param v128) (result v128)
              (i8x16.relaxed_swizzle (local.get 0) (local.get 0))))"#,
    );
    let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
    assert_bad_input(&out, &["relaxed.wat", "unsupported feature: relaxed SIMD"]);
}

/// A valid SIMD module with byte `from` (a pattern found once in the
/// binary) replaced by `to`: malformed SIMD the text format cannot write.
fn patched_simd(body: &str, from: &[u8], to: &[u8]) -> Vec<u8> {
    let wat = format!(r#"(module (memory 1) (func (export "f") (result v128) {body}))"#);
    let mut bytes = wat::parse_str(&wat).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern in the binary");
    assert_eq!(from.len(), to.len(), "the body keeps its size");
    bytes[at..at + from.len()].copy_from_slice(to);
    bytes
}

#[test]
fn malformed_simd_is_one_line_naming_file_and_reason() {
    let cases: [(&str, Vec<u8>, &[&str]); 3] = [
        (
            // i8x16.extract_lane_s 1 -> lane 16 (of 16 lanes)
            "lane.wasm",
            patched_simd(
                "(i8x16.splat (i8x16.extract_lane_s 1 (v128.const i64x2 0 0)))",
                &[0xfd, 0x15, 0x01],
                &[0xfd, 0x15, 0x10],
            ),
            &["invalid module", "SIMD index out of bounds"],
        ),
        (
            // i32x4.dot_i16x8_s (0xba 0x01) -> sub-opcode 511
            "opcode.wasm",
            patched_simd(
                "(i32x4.dot_i16x8_s (v128.const i64x2 0 0) (v128.const i64x2 0 0))",
                &[0xfd, 0xba, 0x01],
                &[0xfd, 0xff, 0x03],
            ),
            &["invalid module"],
        ),
        (
            // v128.load align=16 (2^4) -> align=32 (2^5)
            "align.wasm",
            patched_simd(
                "(v128.load (i32.const 0))",
                &[0xfd, 0x00, 0x04, 0x00],
                &[0xfd, 0x00, 0x05, 0x00],
            ),
            &["invalid module", "alignment"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let p = temp_file(name, &bytes);
        let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
        let mut all = vec![name];
        all.extend_from_slice(needles);
        assert_bad_input(&out, &all);
    }
}

#[test]
fn malformed_v128_arguments_are_one_line() {
    let p = temp_file(
        "v128.wat",
        br#"(module (func (export "f") (param v128) (result v128) local.get 0))"#,
    );
    let file = p.to_str().unwrap();
    for arg in [
        "v128:0xzz",
        "v128:i32x4:1,2,3",
        "v128:i8x16:1",
        "v128:f32x4:1,2,3,x",
    ] {
        assert_bad_input(&tierdiff(&["run", file, "--invoke", "f", arg]), &[arg]);
    }
    // Missing, or a scalar where a v128 is expected.
    assert_bad_input(
        &tierdiff(&["run", file, "--invoke", "f"]),
        &["signature mismatch"],
    );
    assert_bad_input(
        &tierdiff(&["run", file, "--invoke", "f", "i32:1"]),
        &["signature mismatch"],
    );
    let out = tierdiff(&["run", file, "--invoke", "f", "v128:i32x4:1,2,3,-1"]);
    assert_eq!(out.status.code(), Some(0));
}

/// Addresses of the wrong width, memory indices past the last memory and
/// tail calls whose results do not match are invalid modules, not crashes.
#[test]
fn invalid_3_0_uses_are_one_line() {
    let cases = [
        (
            "memidx.wat",
            r#"(module (memory 1) (func (export "f") (result i32) (i32.load 1 (i32.const 0))))"#,
        ),
        (
            "addr64.wat",
            r#"(module (memory i64 1) (func (export "f") (result i32) (i32.load (i32.const 0))))"#,
        ),
        (
            "tailresult.wat",
            r#"(module (func $g (result i64) i64.const 0)
                 (func (export "f") (result i32) return_call $g))"#,
        ),
    ];
    for (name, wat) in cases {
        let p = temp_file(name, wat.as_bytes());
        let out = tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f"]);
        assert_bad_input(&out, &[name, "invalid module"]);
    }
}

#[test]
fn unknown_import() {
    let p = temp_file("import.wat", br#"(module (import "env" "missing" (func)))"#);
    let out = tierdiff(&["run", p.to_str().unwrap()]);
    assert_bad_input(&out, &["import.wat", "unknown import env::missing"]);
}

#[test]
fn bad_argument_and_tier() {
    let p = temp_file(
        "ok.wat",
        br#"(module (func (export "f") (param i32) (result i32) local.get 0))"#,
    );
    assert_bad_input(
        &tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f", "i32:x"]),
        &["i32:x"],
    );
    assert_bad_input(
        &tierdiff(&["run", p.to_str().unwrap(), "--invoke", "f", "i64:1"]),
        &["signature mismatch"],
    );
    assert_bad_input(
        &tierdiff(&["run", p.to_str().unwrap(), "--tier", "turbo"]),
        &["unknown tier"],
    );
    assert_bad_input(
        &tierdiff(&["spec", "/nonexistent/dir"]),
        &["/nonexistent/dir"],
    );
}

#[test]
fn run_prints_results_and_traps() {
    let p = temp_file(
        "div.wat",
        br#"(module (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))"#,
    );
    let out = tierdiff(&[
        "run",
        p.to_str().unwrap(),
        "--invoke",
        "div",
        "i32:7",
        "i32:2",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["calls"][0]["engines"]["classic"]["results"][0], "i32:3");
    let out = tierdiff(&[
        "run",
        p.to_str().unwrap(),
        "--invoke",
        "div",
        "i32:7",
        "i32:0",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("trapped integer-divide-by-zero"));
}

/// A tier that cannot prepare a valid module (here a deliberate fault: the
/// fast translator refuses `i64.rem_u`) makes `run` exit 1 with a
/// `prepare-failure` naming the tier, not an inconclusive exit 0.
#[test]
fn run_reports_a_tier_refusing_a_valid_module_as_a_finding() {
    let p = temp_file(
        "remu.wat",
        br#"(module (func (export "f") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u))"#,
    );
    let file = p.to_str().unwrap();
    let out = tierdiff(&["run", file, "--fault", "fast-refuses-i64-rem-u"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FINDING prepare-failure:fast:internal"),
        "{stdout}"
    );
    assert!(stdout.contains("I64RemU"), "{stdout}");
    let out = tierdiff(&["run", file, "--fault", "fast-refuses-i64-rem-u", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["findings"][0]["kind"], "prepare-failure");
    assert_eq!(v["instantiate"]["fast"]["refused"]["kind"], "internal");
    let out = tierdiff(&["run", file]);
    assert_eq!(out.status.code(), Some(0), "no fault, no finding");
    let out = tierdiff(&["run", file, "--fault", "no-such-fault"]);
    assert_bad_input(&out, &["no-such-fault"]);
}

/// The whole spec suite through the JIT with every function compiled at its
/// first call (`TIERDIFF_JIT_COMPILE=lazy`) passes exactly as with eager
/// compilation: calls through the code table, lazily compiled callees of
/// `call_indirect` and imports, and traps inside them.
#[test]
fn jit_spec_passes_with_lazy_compilation_as_with_eager() {
    let passed = |mode: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
            .args(["spec", "--tier", "jit", "--json"])
            .env("TIERDIFF_JIT_COMPILE", mode)
            .output()
            .expect("binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{mode}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(
            v["tiers"]["jit"]["failed"], 0,
            "{mode}: {}",
            v["tiers"]["jit"]
        );
        v["tiers"]["jit"]["passed"]
            .as_u64()
            .expect("a passed count")
    };
    let eager = passed("eager");
    assert!(eager > 20_000, "the whole suite ran: {eager}");
    assert_eq!(passed("lazy"), eager);
}

#[test]
fn spec_json_for_one_file() {
    let out = tierdiff(&["spec", "--tier", "classic", "--file", "nop", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    // The default suite: the core files and every proposal the runtime accepts.
    assert!(
        v["suite"].as_str().unwrap().starts_with("wasm-v2"),
        "{}",
        v["suite"]
    );
    let classic = &v["tiers"]["classic"];
    assert_eq!(classic["failed"], 0);
    assert!(classic["passed"].as_u64().unwrap() > 50);
    assert_eq!(classic["files"]["nop.wast"]["failed"], 0);
}

#[test]
fn spec_runs_a_proposal_suite_by_name() {
    // Extended constants need nothing from the tiers (the store evaluates
    // them), so this suite passes in every tier already.
    let out = tierdiff(&["spec", "--suite", "extended-const", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["suite"], "extended-const");
    for tier in ["classic", "fast", "jit"] {
        let t = &v["tiers"][tier];
        assert_eq!(t["failed"], 0, "{tier}: {stderr}");
        assert!(t["passed"].as_u64().unwrap() > 200, "{tier}");
        assert!(t["files"]["extended-const/global.wast"].is_object(), "{t}");
    }
    assert_bad_input(
        &tierdiff(&["spec", "--suite", "simd,nope"]),
        &["--suite", "nope", "memory64"],
    );
    assert_bad_input(
        &tierdiff(&["spec", "--suite", "simd", "--file", "no_such_file"]),
        &["no_such_file", "simd"],
    );
}

#[test]
fn spec_on_user_files_reports_failures() {
    let dir = std::env::temp_dir().join(format!("tierdiff-wast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.wast"),
        r#"(module (func (export "one") (result i32) i32.const 1))
           (assert_return (invoke "one") (i32.const 1))
           (assert_return (invoke "one") (i32.const 2))"#,
    )
    .unwrap();
    let out = tierdiff(&["spec", "--tier", "classic", "--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["suite"], "files");
    assert_eq!(v["tiers"]["classic"]["passed"], 2);
    assert_eq!(v["tiers"]["classic"]["failed"], 1);
}

#[test]
fn run_without_invoke_uses_the_plan_in_every_engine() {
    let p = temp_file(
        "plan.wat",
        br#"(module (func (export "add") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
                    (func (export "nothing")))"#,
    );
    let out = tierdiff(&["run", p.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(
        calls.len(),
        6,
        "zeros, edges and random values for each export"
    );
    for call in calls {
        assert_eq!(call["agree"], true);
        assert!(
            call["engines"]["wasmi"].is_object(),
            "the reference engine runs too: {call}"
        );
        assert!(call["engines"]["classic"].is_object());
    }
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn shrink_writes_beside_the_input_and_never_over_it() {
    // wasmi 2.0.0 gets this `select` wrong (see corpus/README.md), so it is a
    // finding that needs no fault injection (should a wasmi upgrade fix it,
    // build the finding with a fault instead).
    let wasm = wat::parse_str(
        r#"(module
            (func (export "pad") (result i64) i64.const 1 i64.const 2 i64.add i64.const 3 i64.mul)
            (func (export "g") (param i32) (result i32)
              i32.const 7 i32.const 1 local.get 0 local.get 0 i32.eqz select i32.div_u))"#,
    )
    .unwrap();
    let input = temp_file("to-shrink.wasm", &wasm);
    let into = input.with_file_name("case.v1");
    let out = tierdiff(&[
        "shrink",
        input.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&input).unwrap(),
        wasm,
        "the input is untouched"
    );
    let shrunk = std::fs::read(input.with_file_name("to-shrink.shrunk.wasm")).unwrap();
    assert!(shrunk.len() <= wasm.len());
    assert!(
        input.with_file_name("case.v1.json").is_file()
            && input.with_file_name("case.v1.wat").is_file()
    );
}

#[test]
fn run_without_invoke_ends_an_endless_loop_with_the_fuzzers_limits() {
    let file = temp_file(
        "spin.wat",
        br#"(module (func (export "spin") (result i32) (loop (br 0)) i32.const 1))"#,
    );
    let start = std::time::Instant::now();
    let out = tierdiff(&["run", file.to_str().unwrap(), "--json"]);
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for call in v["calls"].as_array().unwrap() {
        for tier in ["classic", "fast", "jit"] {
            assert_eq!(call["engines"][tier]["trap"], "out-of-fuel", "{call}");
        }
    }
    assert!(
        stderr.contains("--fuel"),
        "a hint says how to lift the limit: {stderr}"
    );
    assert_bad_input(
        &tierdiff(&["run", file.to_str().unwrap(), "--fuel", "lots"]),
        &["--fuel", "unlimited"],
    );
    // `--fuel N` sets it: with 5 units the loop header runs out after 4 iterations.
    let out = tierdiff(&["run", file.to_str().unwrap(), "--fuel", "5", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"][0]["engines"]["classic"]["trap"], "out-of-fuel");
}

#[test]
fn a_start_export_with_parameters_is_planned_by_its_signature() {
    // `_start` is the WASI entry only when it takes and returns nothing; here
    // it is an ordinary export, even though the module imports WASI.
    let file = temp_file(
        "start-params.wat",
        br#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (memory (export "memory") 1)
            (func (export "_start") (param i32) (result i32) local.get 0))"#,
    );
    let out = tierdiff(&["run", file.to_str().unwrap(), "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3, "three argument sets: {v}");
    for call in calls {
        assert_eq!(call["args"].as_array().unwrap().len(), 1, "{call}");
        assert_eq!(call["agree"], true, "{call}");
    }
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    assert_bad_input(
        &tierdiff(&["run", file.to_str().unwrap(), "--wasi-real"]),
        &["start-params.wat", "_start"],
    );
}
