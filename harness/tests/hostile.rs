//! Hostile modules: each gets its documented outcome in every engine
//! within a time and a resident-memory bound, measured on the `tierdiff`
//! process itself (wall clock, and the kernel's peak resident size).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A finished `tierdiff` run: its output, wall time and peak resident size.
struct Measured {
    out: Output,
    elapsed: Duration,
    peak_kib: u64,
}

fn tierdiff_measured(args: &[&str]) -> Measured {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let pid = child.id() as libc::pid_t;
    // Read the pipes first (a full pipe would block the child), then reap
    // it with wait4 for its rusage. `wait_with_output` would reap it itself.
    let mut child = child;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; the pointers are live.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    std::mem::forget(child);
    let out = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout,
        stderr,
    };
    Measured {
        out,
        elapsed: start.elapsed(),
        peak_kib: usage.ru_maxrss as u64,
    }
}

fn module(name: &str, wat: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, wat).unwrap();
    path
}

fn show(m: &Measured) -> String {
    format!(
        "exit {:?} in {:.2} s, peak {} MiB\nstdout: {}\nstderr: {}",
        m.out.status.code(),
        m.elapsed.as_secs_f64(),
        m.peak_kib / 1024,
        String::from_utf8_lossy(&m.out.stdout),
        String::from_utf8_lossy(&m.out.stderr)
    )
}

/// The issue's module: eight 4 GiB memories, a store at the last byte of
/// the last one. Every engine refuses it under the memory budget (the
/// documented outcome), at once, without touching any of it; with a budget
/// large enough it still never copies a memory.
#[test]
fn eight_memories_of_4_gib_are_refused_under_the_budget_in_every_engine() {
    let path = module(
        "eight-4gib.wat",
        r#"(module
          (memory 65536) (memory 65536) (memory 65536) (memory 65536)
          (memory 65536) (memory 65536) (memory 65536) (memory 65536)
          (func (export "f") (result i32)
            (i32.store8 7 (i32.const 4294967295) (i32.const 1))
            (i32.load8_u 7 (i32.const 4294967295))))"#,
    );
    let m = tierdiff_measured(&["run", path.to_str().unwrap(), "--invoke", "f"]);
    let stderr = String::from_utf8_lossy(&m.out.stderr);
    assert_eq!(m.out.status.code(), Some(2), "{}", show(&m));
    assert_eq!(stderr.trim_end().lines().count(), 1, "{}", show(&m));
    assert!(
        stderr.contains("memory-budget of 34359738368 exceeds the limit of 1073741824"),
        "{}",
        show(&m)
    );
    assert!(m.elapsed < Duration::from_secs(5), "{}", show(&m));
    assert!(m.peak_kib < 2 << 20, "{}", show(&m));

    // Every engine's own verdict, not only the first: the JSON lists them.
    let m = tierdiff_measured(&["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(m.out.status.code(), Some(2), "{}", show(&m));
}

/// A 1 GiB memory fits the default budget: every engine runs it, and the
/// state comparison reads the memories in place (page digests), so the
/// process stays far below one copy per engine.
#[test]
fn a_memory_at_the_budget_runs_everywhere_without_copies() {
    let path = module(
        "one-gib.wat",
        r#"(module (memory (export "m") 16384)
          (func (export "f") (result i32)
            (i32.store8 (i32.const 1073741823) (i32.const 7))
            (i32.load8_u (i32.const 1073741823))))"#,
    );
    let m = tierdiff_measured(&["run", path.to_str().unwrap(), "--invoke", "f", "--json"]);
    assert_eq!(m.out.status.code(), Some(0), "{}", show(&m));
    let json: serde_json::Value = serde_json::from_slice(&m.out.stdout).unwrap();
    let engines = json["calls"][0]["engines"].as_object().unwrap();
    assert!(engines.len() >= 4, "{}", show(&m));
    assert!(
        engines.values().all(|e| e["results"][0] == "i32:7"),
        "{}",
        show(&m)
    );
    // wasmi commits its memory (about 1 GiB); the rest adds little to it.
    assert!(m.peak_kib < 2 << 20, "{}", show(&m));
    assert!(m.elapsed < Duration::from_secs(60), "{}", show(&m));
}

/// Growth storms against the budget: memory.grow and table.grow in loops
/// until they fail; every engine fails at the same step.
#[test]
fn growth_storms_stop_at_the_same_step_everywhere() {
    let path = module(
        "storm.wat",
        r#"(module (memory 1) (memory 1) (table 1 funcref)
          (func (export "mem") (result i32) (local $n i32)
            (block $done (loop $again
              (br_if $done (i32.eq (memory.grow 0 (i32.const 1000)) (i32.const -1)))
              (br_if $done (i32.eq (memory.grow 1 (i32.const 777)) (i32.const -1)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br $again)))
            (i32.add (i32.mul (local.get $n) (i32.const 65536))
                     (i32.add (memory.size 0) (memory.size 1))))
          (func (export "table") (result i32) (local $n i32)
            (block $done (loop $again
              (br_if $done (i32.eq (table.grow 0 (ref.null func) (i32.const 1000000)) (i32.const -1)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br $again)))
            (i32.add (i32.mul (local.get $n) (i32.const 65536)) (table.size 0))))"#,
    );
    for (export, budget) in [("mem", "256MiB"), ("table", "64MiB")] {
        let m = tierdiff_measured(&[
            "run",
            path.to_str().unwrap(),
            "--invoke",
            export,
            "--memory-budget",
            budget,
            "--json",
        ]);
        assert_eq!(m.out.status.code(), Some(0), "{export}: {}", show(&m));
        let json: serde_json::Value = serde_json::from_slice(&m.out.stdout).unwrap();
        assert_eq!(json["calls"][0]["agree"], true, "{export}: {}", show(&m));
        assert!(m.peak_kib < 2 << 20, "{export}: {}", show(&m));
    }
}

/// A fuzz run in which one case hangs a reference (wasmi) and another
/// makes a tier hold too much memory, and two engines panic where a panic
/// cannot unwind (test hooks): the watchdog ends the first two workers and
/// the aborts end the others, each case is saved and reported naming its
/// engine, new workers go on, and the run finishes on time.
#[test]
fn a_fuzz_run_survives_a_hanging_reference_and_a_memory_hog() {
    let out = std::env::temp_dir().join(format!("tierdiff-hostile-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let start = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args([
            "fuzz",
            "--seed",
            "1",
            "--iterations",
            "16",
            "--jobs",
            "2",
            "--case-timeout",
            "5s",
            "--worker-memory",
            "768MiB",
            "--json",
            "--out",
        ])
        .arg(&out)
        .env(
            "TIERDIFF_TEST_HOOK",
            "stall:wasmi:5,memory:classic:10,abort:wasmi:3,abort:fast:12",
        )
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["cases"], 16, "{stderr}");
    let finding = |signature: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["signature"] == signature)
            .unwrap_or_else(|| panic!("no {signature}: {report}"))
            .clone()
    };
    let hang = finding("reference-resource:wasmi:time");
    assert_eq!(hang["first_case"], 5);
    let hog = finding("resource:classic:memory");
    assert_eq!(hog["first_case"], 10);
    // A panic that cannot unwind kills the worker: the engine that
    // panicked is named (a reference's abort is its own bug).
    let reference_abort = finding("reference-bug:wasmi:crash-process");
    assert_eq!(reference_abort["first_case"], 3);
    let tier_abort = finding("crash:fast:process");
    assert_eq!(tier_abort["first_case"], 12);
    for f in [&hang, &hog, &reference_abort, &tier_abort] {
        let dir = PathBuf::from(f["dir"].as_str().unwrap());
        assert!(dir.join("module.wasm").is_file() && dir.join("finding.json").is_file());
    }
    // The tier's memory hog fails the run; the reference's hang alone would not.
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(elapsed < Duration::from_secs(90), "{elapsed:?}");
}

/// `run` runs its case in a supervised child: a case past `--case-timeout`
/// ends with one line naming the engine, exit 1, on time; with `--out` the
/// case is saved as a `resource` finding that `replay` runs again (and
/// trips again, under its own watchdog).
#[test]
fn run_ends_a_case_past_its_time_with_one_line_and_saves_it() {
    let path = module(
        "forever.wat",
        r#"(module (func (export "f") (loop $l (br $l))))"#,
    );
    let out = std::env::temp_dir().join(format!("tierdiff-hostile-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let m = tierdiff_measured(&[
        "run",
        path.to_str().unwrap(),
        "--invoke",
        "f",
        "--case-timeout",
        "2s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(m.out.status.code(), Some(1), "{}", show(&m));
    let stderr = String::from_utf8_lossy(&m.out.stderr);
    assert!(stderr.contains("resource: time"), "{}", show(&m));
    assert!(stderr.contains("in classic"), "{}", show(&m));
    assert!(m.elapsed < Duration::from_secs(20), "{}", show(&m));
    let folder = out.join("findings/resource:classic:time");
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("finding.json"))
            .unwrap_or_else(|e| panic!("{e}: {}", show(&m))),
    )
    .unwrap();
    assert_eq!(record["finding"]["kind"], "resource");
    assert_eq!(record["calls"][0]["export"], "f");
    assert_eq!(
        std::fs::read(folder.join("module.wasm")).unwrap(),
        wat::parse_file(&path).unwrap()
    );
    // The saved call is the one that hung: replay hangs in it again.
    let again = tierdiff_measured(&["replay", folder.to_str().unwrap(), "--case-timeout", "2s"]);
    assert_eq!(again.out.status.code(), Some(1), "{}", show(&again));
    let stderr = String::from_utf8_lossy(&again.out.stderr);
    assert!(stderr.contains("resource: time"), "{}", show(&again));
    assert!(again.elapsed < Duration::from_secs(20), "{}", show(&again));
    let _ = std::fs::remove_dir_all(&out);
}

/// `spec` runs each .wast file under the watchdog: a file that runs past
/// `--case-timeout` ends the run with one line naming the file and tier.
#[test]
fn spec_ends_a_file_past_its_time_naming_it() {
    let path = module(
        "loop.wast",
        "(module (func (export \"f\") (loop $l (br $l))))\n(assert_return (invoke \"f\"))\n",
    );
    let m = tierdiff_measured(&[
        "spec",
        "--tier",
        "fast",
        "--case-timeout",
        "2s",
        path.to_str().unwrap(),
    ]);
    assert_eq!(m.out.status.code(), Some(1), "{}", show(&m));
    let stderr = String::from_utf8_lossy(&m.out.stderr);
    assert!(stderr.contains("resource: time"), "{}", show(&m));
    assert!(stderr.contains("loop.wast ran for"), "{}", show(&m));
    assert!(stderr.contains("in fast"), "{}", show(&m));
    assert!(m.elapsed < Duration::from_secs(20), "{}", show(&m));
}

/// One kind of the hostile corpus (`corpus/hostile/manifest.json`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Kind {
    name: String,
    file: String,
    why: String,
    run: Vec<String>,
    expect: std::collections::BTreeMap<String, Expect>,
    max_seconds: f64,
    max_resident_mib: u64,
}

/// What one command must do with a kind's module.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stdout: Vec<String>,
}

/// Every kind of the hostile corpus gets its documented outcome from
/// `run`, `replay` and `shrink`, each within the kind's time and resident
/// bounds; bad input is one line. The worst time and size per command are
/// printed (`--nocapture`).
#[test]
fn the_hostile_corpus_gets_its_outcomes_within_bounds() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/hostile");
    let kinds: Vec<Kind> =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .expect("manifest.json lists kinds");
    assert!(kinds.len() >= 20, "at least 20 kinds ({})", kinds.len());
    if kinds.iter().any(|k| !root.join(&k.file).exists()) {
        let made = Command::new("python3")
            .arg(root.join("make.py"))
            .current_dir(&root)
            .status()
            .expect("python3 runs make.py");
        assert!(made.success(), "make.py");
    }
    let mut failures = Vec::new();
    let mut worst: std::collections::BTreeMap<String, (f64, u64)> = Default::default();
    for kind in &kinds {
        assert!(!kind.why.is_empty(), "{}: say why", kind.name);
        let file = root.join(&kind.file);
        let file = file.to_str().unwrap();
        for (command, expect) in &kind.expect {
            let mut args: Vec<&str> = vec![command.as_str(), file];
            match command.as_str() {
                "run" => args.extend(kind.run.iter().map(String::as_str)),
                "shrink" => args.extend(["--time", "10", "-o"]),
                "replay" => {}
                other => panic!("{}: unknown command {other}", kind.name),
            }
            let shrunk;
            if command == "shrink" {
                shrunk = std::env::temp_dir().join(format!(
                    "tierdiff-hostile-{}-{}",
                    std::process::id(),
                    kind.name
                ));
                args.push(shrunk.to_str().unwrap());
            }
            let m = tierdiff_measured(&args);
            let w = worst.entry(command.clone()).or_default();
            w.0 = w.0.max(m.elapsed.as_secs_f64());
            w.1 = w.1.max(m.peak_kib);
            let stderr = String::from_utf8_lossy(&m.out.stderr);
            let stdout = String::from_utf8_lossy(&m.out.stdout);
            let mut wrong = Vec::new();
            if m.out.status.code() != Some(expect.exit) {
                wrong.push(format!(
                    "exit {:?}, expected {}",
                    m.out.status.code(),
                    expect.exit
                ));
            }
            if expect.exit == 2 && stderr.trim_end().lines().count() != 1 {
                wrong.push("bad input must be one line".to_string());
            }
            if stderr.contains("panicked") {
                wrong.push("a panic".to_string());
            }
            wrong.extend(
                expect
                    .stderr
                    .iter()
                    .filter(|s| !stderr.contains(s.as_str()))
                    .map(|s| format!("stderr lacks {s:?}")),
            );
            wrong.extend(
                expect
                    .stdout
                    .iter()
                    .filter(|s| !stdout.contains(s.as_str()))
                    .map(|s| format!("stdout lacks {s:?}")),
            );
            if m.elapsed.as_secs_f64() > kind.max_seconds {
                wrong.push(format!("took {:.1} s", m.elapsed.as_secs_f64()));
            }
            if m.peak_kib > kind.max_resident_mib << 10 {
                wrong.push(format!("peak {} MiB", m.peak_kib >> 10));
            }
            if !wrong.is_empty() {
                failures.push(format!(
                    "{} {command}: {}\n{}",
                    kind.name,
                    wrong.join("; "),
                    show(&m)
                ));
            }
        }
    }
    for (command, (seconds, kib)) in &worst {
        eprintln!(
            "hostile corpus, worst {command}: {seconds:.2} s, {} MiB",
            kib >> 10
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
