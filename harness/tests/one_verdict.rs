//! One verdict per case: a finding gets the same signature from `fuzz`,
//! `run`, `replay` and `shrink`, and what `run --out` or `replay --out`
//! writes is a finding folder the other commands take. Bad finding folders
//! get one line and exit 2.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use tierdiff::fuzz::{self, FuzzConfig};
use tierdiff::report::FindingRecord;

/// In-process fuzz runs select faults for the whole process: one at a time.
static FAULT_LOCK: Mutex<()> = Mutex::new(());

fn tierdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-verdict-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The signatures `replay --json` shows for `path`, and whether it passed.
fn replayed(path: &Path) -> (Vec<String>, bool) {
    let out = tierdiff(&["replay", "--json", path.to_str().unwrap()]);
    let json: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let case = &json["cases"][0];
    let signatures = case["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    (signatures, case["passed"].as_bool().unwrap())
}

/// `replay` of the folder shows its signature (failing unless it is a
/// reference bug), and `shrink` of it keeps the signature; the shrunk
/// case replays to it too.
fn check_folder(dir: &Path) {
    let record = FindingRecord::load(dir).unwrap();
    let signature = &record.finding.signature;
    let (signatures, passed) = replayed(dir);
    assert!(
        signatures.contains(signature),
        "{}: replay shows {signatures:?}",
        dir.display()
    );
    assert_eq!(
        passed,
        !record.finding.kind.is_failure(),
        "{}",
        dir.display()
    );
    let out = tierdiff(&["shrink", dir.to_str().unwrap(), "--time", "20"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "shrink {}: {}",
        dir.display(),
        text(&out)
    );
    let shrunk: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("shrunk.json")).unwrap()).unwrap();
    assert_eq!(shrunk["signature"].as_str(), Some(signature.as_str()));
    let (signatures, _) = replayed(&dir.join("shrunk.json"));
    assert!(
        signatures.contains(signature),
        "shrunk replay shows {signatures:?}"
    );
}

fn fuzz_run(
    name: &str,
    seed: u64,
    shard: (u64, u64),
    cases: u64,
    fault: Option<&str>,
) -> Vec<PathBuf> {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let config = FuzzConfig {
        seed,
        shard,
        iterations: Some(cases),
        time: None,
        engines: tierdiff::engine::available(),
        out: temp_dir(name),
        fault: fault.map(str::to_string),
        shrink: false,
        jobs: 1,
        generators: None,
        watch: Default::default(),
        profile: Default::default(),
    };
    let report = fuzz::run(
        &config,
        vec!["test".into()],
        true,
        &indicatif::ProgressBar::hidden(),
    )
    .expect("fuzz run");
    fuzz::select_fault(None).unwrap();
    report
        .findings
        .iter()
        .map(|f| PathBuf::from(&f.dir))
        .collect()
}

/// `run` of `wat` (as `dir/m.wat`, with `args`) under the fault
/// classic-rem-s-sign with `--out dir/out`: it must show a finding; the
/// finding folders it wrote.
fn run_out(dir: &Path, wat: &str, args: &[&str]) -> Vec<PathBuf> {
    let module = dir.join("m.wat");
    std::fs::write(&module, wat).unwrap();
    let out_dir = dir.join("out");
    let mut all = vec!["run", module.to_str().unwrap()];
    all.extend(args);
    all.extend([
        "--fault",
        "classic-rem-s-sign",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let out = tierdiff(&all);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    std::fs::read_dir(out_dir.join("findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// Seed 19, shard 1 of 2: case 494 is the known wasmi `select` bug, which
/// the fuzz run reports as a reference bug (not a failure). Replay gives it
/// that verdict too (not a `reference-disagreement`), and shrink keeps it.
#[test]
fn a_reference_bug_keeps_its_verdict_in_replay_and_shrink() {
    let folders = fuzz_run("seed19", 19, (1, 2), 495, None);
    assert!(
        !folders.is_empty(),
        "seed 19 shard 1/2 finds the wasmi select bug"
    );
    for dir in &folders {
        let record = FindingRecord::load(dir).unwrap();
        assert_eq!(
            record.finding.kind.name(),
            "reference-bug",
            "{}",
            dir.display()
        );
        check_folder(dir);
    }
}

/// Every finding folder of a fixed-seed faulted run (several signatures:
/// the fault, and whatever else it shows) replays to its signature and shrinks.
#[test]
fn every_finding_of_a_faulted_run_replays_to_its_signature_and_shrinks() {
    let folders = fuzz_run("faulted", 7, (1, 1), 40, Some("classic-nan-payload-kept"));
    assert!(!folders.is_empty(), "the fault is found in 40 cases");
    for dir in &folders {
        check_folder(dir);
    }
}

/// `run --invoke ... --out` saves the call and its arguments; replay and
/// shrink use exactly them (the plan's calls would not show the finding).
#[test]
fn run_out_writes_a_folder_that_replay_and_shrink_take() {
    let dir = temp_dir("run-out");
    // Only -7 rem_s 2 shows the fault; the plan's argument sets need not hit it.
    let folders = run_out(
        &dir,
        r#"(module (func (export "f") (param i32 i32) (result i32)
            (if (i32.ne (local.get 0) (i32.const -7)) (then (return (i32.const 0))))
            (i32.rem_s (local.get 0) (local.get 1))))"#,
        &["--invoke", "f", "i32:-7", "i32:2"],
    );
    assert_eq!(folders.len(), 1, "{folders:?}");
    let record = FindingRecord::load(&folders[0]).unwrap();
    assert_eq!(record.fault.as_deref(), Some("classic-rem-s-sign"));
    let calls = record.calls.as_ref().expect("the calls are saved");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].export, "f");
    assert_eq!(
        calls[0]
            .args
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        ["i32:-7", "i32:2"]
    );
    assert!(record.source.as_deref().unwrap().ends_with("m.wat"));
    check_folder(&folders[0]);

    // `replay --out` of that folder writes it again, equal in substance.
    let again = dir.join("again");
    let out = tierdiff(&[
        "replay",
        folders[0].to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let copy = again.join("findings").join(&record.finding.signature);
    let copied = FindingRecord::load(&copy).unwrap();
    assert_eq!(copied.calls.unwrap()[0].export, "f");
    assert_eq!(copied.fault, record.fault);
}

/// A module whose finding `replay` shows is the module `shrink` shrinks:
/// both run it as `run` does (its memory may be larger than generated
/// cases allow, which the shrink limits once refused).
#[test]
fn shrink_of_a_module_finds_what_replay_shows() {
    let dir = temp_dir("module");
    // A negative dividend whatever the argument: every planned call shows the fault.
    let folders = run_out(
        &dir,
        r#"(module (memory 40)
            (func (export "f") (param i32) (result i32)
              (i32.store (i32.const 2000000)
                (i32.rem_s (i32.sub (i32.const -100) (i32.and (local.get 0) (i32.const 0xff)))
                           (i32.const 7)))
              (i32.load (i32.const 2000000))))"#,
        &[],
    );
    let folder = &folders[0];
    check_folder(folder);
}

/// Bad finding folders: one line naming the folder and the reason, exit 2,
/// in `replay` and `shrink`.
#[test]
fn bad_finding_folders_get_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let good = run_out(
        &dir,
        r#"(module (func (export "f") (param i32 i32) (result i32)
            (i32.rem_s (local.get 0) (local.get 1))))"#,
        &["--invoke", "f", "i32:-7", "i32:2"],
    )
    .remove(0);
    let record = std::fs::read_to_string(good.join("finding.json")).unwrap();
    let wasm = std::fs::read(good.join("module.wasm")).unwrap();
    let variant = |name: &str, finding_json: &str, module: &[u8]| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("finding.json"), finding_json).unwrap();
        std::fs::write(d.join("module.wasm"), module).unwrap();
        d
    };
    let newer = record.replacen("\"format\": 2", "\"format\": 99", 1);
    assert_ne!(newer, record, "the record names its format");
    let cases = [
        (
            variant("truncated", &record, &wasm[..wasm.len() - 3]),
            "module.wasm does not load",
        ),
        (
            variant("not-json", &record[..record.len() / 2], &wasm),
            "finding.json is not JSON",
        ),
        (variant("newer", &newer, &wasm), "format 99"),
        (
            variant(
                "unknown-fault",
                &record.replace("classic-rem-s-sign", "no-such-fault"),
                &wasm,
            ),
            "unknown fault",
        ),
    ];
    for (folder, reason) in &cases {
        for command in ["replay", "shrink"] {
            let out = tierdiff(&[command, folder.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{command} {}: {}",
                folder.display(),
                text(&out)
            );
            assert_eq!(stderr.trim_end().lines().count(), 1, "{command}: {stderr}");
            assert!(
                stderr.contains(folder.to_str().unwrap()),
                "{command}: {stderr}"
            );
            assert!(
                stderr.contains(reason),
                "{command}: {reason:?} missing from {stderr}"
            );
        }
    }
}
