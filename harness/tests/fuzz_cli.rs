//! `tierdiff fuzz` end to end: a supervised worker process, the report
//! files, `--json`, finding folders, and a worker that dies mid-run.

use std::path::Path;
use std::process::Command;

fn out_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-fuzz-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn fuzz(args: &[&str], out: &Path) -> (Option<i32>, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .arg("fuzz")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}); stderr: {stderr}"));
    (output.status.code(), report, stderr)
}

#[test]
fn clean_run_writes_every_report_and_is_reproducible() {
    let out = out_dir("clean");
    let (code, report, stderr) = fuzz(&["--seed", "11", "--iterations", "120"], &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(report["cases"], 120);
    assert_eq!(report["seed"], 11);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    for f in ["report.json", "summary.md", "junit.xml"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(std::fs::read_to_string(out.join("junit.xml"))
        .unwrap()
        .contains("<testsuite"));
    let again = out_dir("clean-again");
    let (_, report2, _) = fuzz(&["--seed", "11", "--iterations", "120"], &again);
    assert_eq!(report["calls"], report2["calls"], "same seed, same cases");
    assert_eq!(report["per_engine"], report2["per_engine"]);
}

/// With every JIT function compiled at its first call, generated modules
/// (whose functions call each other through the code table) still give no
/// finding: the seed and count of the unfaulted no-false-positive test.
#[test]
fn lazy_jit_compilation_gives_no_findings() {
    let out = out_dir("lazy");
    let output = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args([
            "fuzz",
            "--seed",
            "20261124",
            "--iterations",
            "2000",
            "--json",
        ])
        .args(["--engines", "classic,fast,jit"])
        .arg("--out")
        .arg(&out)
        .env("TIERDIFF_JIT_COMPILE", "lazy")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}); stderr: {stderr}"));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(report["cases"], 2000);
    assert_eq!(report["findings"], serde_json::json!([]), "{stderr}");
    assert!(report["calls"].as_u64().unwrap() > 10_000, "{report}");
}

#[test]
fn a_dying_worker_is_recorded_as_a_crash_and_the_run_goes_on() {
    let out = out_dir("abort");
    let (code, report, stderr) = fuzz(
        &[
            "--seed",
            "7",
            "--iterations",
            "300",
            "--fault",
            "classic-abort-on-grow",
        ],
        &out,
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        report["cases"], 300,
        "every case is accounted for: {stderr}"
    );
    assert!(report["worker_restarts"].as_u64().unwrap() >= 1, "{report}");
    let findings = report["findings"].as_array().unwrap();
    let crash = findings
        .iter()
        .find(|f| f["kind"] == "crash")
        .unwrap_or_else(|| panic!("{findings:?}"));
    let dir = Path::new(crash["dir"].as_str().unwrap());
    let module = std::fs::read(dir.join("module.wasm")).unwrap();
    assert!(module.starts_with(b"\0asm"), "the killing module is saved");
    assert!(dir.join("module.wat").is_file() && dir.join("finding.json").is_file());
    assert!(stderr.contains("restarting the worker"), "{stderr}");
}

#[test]
fn bad_fuzz_arguments_exit_2() {
    let bin = env!("CARGO_BIN_EXE_tierdiff");
    for args in [
        &["fuzz", "--shard", "3/2"][..],
        &["fuzz", "--engines", "classic,turbo"],
        &["fuzz", "--time", "soon"],
        &["fuzz", "--fault", "nope"],
    ] {
        let o = Command::new(bin).args(args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stderr)
                .trim_end()
                .lines()
                .count(),
            1,
            "{args:?}"
        );
    }
}
