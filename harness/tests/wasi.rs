//! Deterministic WASI through every engine: a real C program (wasi-libc)
//! prints the same bytes and exits the same way in classic, fast, jit and
//! wasmi; bad guest buffers give the same errno everywhere and never crash;
//! unknown WASI functions link as ENOSYS stubs; a missing non-WASI import is
//! bad input (exit 2, one line naming it).

use std::path::Path;
use std::process::Command;
use tierdiff::compare::{run_case_with, CaseOptions};
use tierdiff::engine::{self, Engine};
use tierdiff::outcome::{CallResult, Value};
use tierdiff::plan::PlannedCall;
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::Limits;

fn engines() -> Vec<Box<dyn Engine>> {
    let all: Vec<Box<dyn Engine>> = engine::available()
        .iter()
        .map(|n| engine::build(n).unwrap())
        .collect();
    assert!(all.len() >= 4, "classic, fast, jit and wasmi");
    all
}

fn demo() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels/wasi/wasi_demo.wasm");
    std::fs::read(path).expect("the built demo program is committed")
}

const DEMO_STDOUT: &str = "argc=3
argv[0]=wasi_demo.wasm
argv[1]=one
argv[2]=two
env: NAME=tierdiff
env: LANG=C
hello, tierdiff (2 variables)
checksum=4a81123b elapsed_ns=1000000 resolution_ns=1000000
realtime_s=1700000000
entropy=3e1eaf874bd4f87469112c123cc4bda4
random=d9491668 647
pi~3.141593
";

#[test]
fn c_program_prints_identically_in_every_engine() {
    let config = WasiConfig {
        args: ["wasi_demo.wasm", "one", "two"].map(String::from).to_vec(),
        env: vec!["NAME=tierdiff".into(), "LANG=C".into()],
        ..WasiConfig::default()
    };
    let options = CaseOptions {
        keep_rows: true,
        wasi: Some(config),
        ..CaseOptions::default()
    };
    let out = run_case_with(&demo(), &engines(), Limits::default(), options);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.rows.len(), 1, "only _start is called");
    for (engine, r) in &out.rows[0].results {
        assert!(matches!(r, CallResult::Exited(42)), "{engine}: {r:?}");
    }
    assert_eq!(out.wasi.len(), 4);
    for (engine, o) in &out.wasi {
        assert_eq!(String::from_utf8_lossy(&o.stdout), DEMO_STDOUT, "{engine}");
        assert_eq!(o.stderr, b"done\n", "{engine}");
        assert_eq!(o.exit_code, Some(42), "{engine}");
    }
}

/// Exports that hand their parameters straight to WASI as pointers/lengths.
const BAD_BUFFERS: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "write") (param $iov i32) (param $n i32) (param $buf i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $buf))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (i32.const 1) (local.get $iov) (local.get $n) (i32.const 16)))
  (func (export "write_raw") (param i32 i32 i32 i32) (result i32)
    (call $fd_write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "read_raw") (param i32 i32 i32 i32) (result i32)
    (call $fd_read (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "random") (param i32 i32) (result i32) (call $random (local.get 0) (local.get 1)))
  (func (export "clock") (param i32 i32) (result i32) (call $clock (local.get 0) (i64.const 0) (local.get 1)))
  (func (export "args") (param i32 i32) (result i32) (call $args (local.get 0) (local.get 1)))
  (func (export "env_sizes") (param i32 i32) (result i32) (call $env_sizes (local.get 0) (local.get 1)))
  (func (export "fdstat") (param i32 i32) (result i32) (call $fdstat (local.get 0) (local.get 1)))
  (func (export "poll") (param i32 i32 i32 i32) (result i32)
    (call $poll (local.get 0) (local.get 1) (local.get 2) (local.get 3))))"#;

fn call(export: &str, args: &[i32]) -> PlannedCall {
    PlannedCall {
        export: export.into(),
        args: args.iter().map(|&a| Value::I32(a)).collect(),
    }
}

#[test]
fn bad_buffers_give_the_same_errno_in_every_engine() {
    let wasm = wat::parse_str(BAD_BUFFERS).unwrap();
    let config = WasiConfig {
        args: vec!["prog".into(), "x".into()],
        stdin: b"input".to_vec(),
        ..WasiConfig::default()
    };
    let end = 65536;
    let explicit = vec![
        (call("write", &[0, 1, end - 2, 4]), 21),
        (call("write", &[0, 1, end - 4, 4]), 0),
        (call("write", &[0, 1, 0, -1]), 21),
        (call("write", &[end - 4, 1, 0, 0]), 21),
        (call("write_raw", &[1, 0, i32::MAX, 16]), 21),
        (call("write_raw", &[1, 0, 0, end]), 21),
        (call("write_raw", &[1, 0, 1, -4]), 21),
        (call("read_raw", &[0, 0, i32::MAX, 16]), 21),
        (call("random", &[end - 8, 9]), 21),
        (call("random", &[-1, -1]), 21),
        (call("random", &[end, 0]), 0),
        (call("clock", &[0, end - 7]), 21),
        (call("clock", &[9, 0]), 28),
        (call("args", &[end - 4, 0]), 21),
        (call("args", &[0, end - 3]), 21),
        (call("env_sizes", &[end, 0]), 21),
        (call("fdstat", &[1, end - 23]), 21),
        (call("fdstat", &[7, 0]), 8),
        (call("poll", &[0, 0, i32::MAX, 16]), 21),
        (call("poll", &[end - 48, 0, 1, 16]), 0),
    ];
    let calls: Vec<PlannedCall> = explicit.iter().map(|(c, _)| c.clone()).collect();
    let options = CaseOptions {
        calls: Some(calls),
        keep_rows: true,
        keep_going: true,
        wasi: Some(config.clone()),
    };
    let out = run_case_with(&wasm, &engines(), Limits::default(), options);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    for (row, (c, errno)) in out.rows.iter().zip(&explicit) {
        for (engine, r) in &row.results {
            assert!(
                r.same(&CallResult::Returned(vec![Value::I32(*errno)])),
                "{engine} {}{:?}: {r:?}, expected errno {errno}",
                c.export,
                c.args
            );
        }
    }
    // And the generated plan: every export with edge-value pointers and lengths.
    let options = CaseOptions {
        wasi: Some(config),
        keep_going: true,
        ..CaseOptions::default()
    };
    let out = run_case_with(&wasm, &engines(), Limits::default(), options);
    assert!(out.calls > 20, "{} calls", out.calls);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.per_engine.values().all(|c| c.crashed == 0));
}

#[test]
fn unknown_wasi_functions_link_as_enosys() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "not_in_preview1" (func $made_up (param i64) (result i32 i64)))
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "made_up") (result i32) (drop (call $made_up (i64.const 1))))
      (func (export "open") (result i32)
        (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
          (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0))))"#;
    let options = CaseOptions {
        keep_rows: true,
        wasi: Some(WasiConfig::default()),
        ..CaseOptions::default()
    };
    let out = run_case_with(
        &wat::parse_str(wat).unwrap(),
        &engines(),
        Limits::default(),
        options,
    );
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(
        out.instantiate.values().all(|r| r.tag() == "ok"),
        "{:?}",
        out.instantiate
    );
    for row in &out.rows {
        for (engine, r) in &row.results {
            assert!(
                r.same(&CallResult::Returned(vec![Value::I32(52)])),
                "{engine} {}: {r:?}",
                row.call.export
            );
        }
    }
}

#[test]
fn a_missing_non_wasi_import_is_bad_input() {
    let dir = std::env::temp_dir().join(format!("tierdiff-wasi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("needs_env.wat");
    std::fs::write(
        &file,
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
          (import "env" "host_thing" (func (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")))"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("needs_env.wat"), "{stderr}");
    assert!(stderr.contains("env::host_thing"), "{stderr}");
}

#[test]
fn run_cli_runs_the_demo_in_every_engine() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels/wasi/wasi_demo.wasm");
    let out = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(["run", "--json", "--env", "NAME=tierdiff", "--env", "LANG=C"])
        .arg(&file)
        .args(["--", "one", "two"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    for engine in ["classic", "fast", "jit", "wasmi"] {
        assert_eq!(report["wasi"][engine]["stdout"], DEMO_STDOUT, "{engine}");
        assert_eq!(report["wasi"][engine]["exit_code"], 42, "{engine}");
    }
}

/// `run --wasi-real` exits with the program's own exit code (42 for the demo
/// with two arguments, 0 with none) and 134 when the program traps.
#[test]
fn wasi_real_passes_the_program_exit_code_through() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels/wasi/wasi_demo.wasm");
    let run = |file: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tierdiff"))
            .args(["run", "--wasi-real", "--tier", "fast"])
            .arg(file)
            .arg("--")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&demo, &["one", "two"]);
    assert_eq!(out.status.code(), Some(42), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("argc=3"));
    assert_eq!(run(&demo, &[]).status.code(), Some(0));
    let dir = std::env::temp_dir().join(format!("tierdiff-wasi-real-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trap = dir.join("trap.wat");
    std::fs::write(
        &trap,
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (memory (export "memory") 1)
            (func (export "_start") unreachable))"#,
    )
    .unwrap();
    let out = run(&trap, &[]);
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
