//! The adapter protocol against in-process results: each tier served by
//! `tierdiff adapter` must give exactly what the tier gives in process
//! (results, traps, state, map checks) on the corpus, and bad adapters
//! must be one-line errors before a case runs, or crashes of their engine
//! when they die mid-run.

use std::path::{Path, PathBuf};
use tierdiff::compare::{run_case, FindingKind};
use tierdiff::engine::{self, Engine};
use tierdiff_runtime::TierKind;

fn tierdiff() -> &'static str {
    env!("CARGO_BIN_EXE_tierdiff")
}

fn served(tier: &str) -> Box<dyn Engine> {
    engine::open(&format!(
        "ext:served-{tier}={} adapter --engine {tier}",
        tierdiff()
    ))
    .expect("the adapter starts")
}

/// Corpus modules that need no WASI world: the regression cases and the
/// real modules without WASI imports.
fn corpus_modules() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut out = Vec::new();
    for dir in ["regressions", "real/modules"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("wat" | "wasm")))
            .collect();
        paths.sort();
        for path in paths {
            let bytes = wat::parse_file(&path).unwrap();
            let module = tierdiff_runtime::Module::new(&bytes).unwrap();
            if module.imports.is_empty() {
                out.push((path, bytes));
            }
        }
    }
    out
}

#[test]
fn every_tier_behind_the_adapter_gives_what_it_gives_in_process() {
    let modules = corpus_modules();
    assert!(modules.len() >= 30, "corpus: {} modules", modules.len());
    let limits = tierdiff::verdict::module_limits();
    for tier in TierKind::implemented() {
        let engines = vec![engine::build(tier.name()).unwrap(), served(tier.name())];
        let mut calls = 0;
        for (path, bytes) in &modules {
            let outcome = run_case(bytes, &engines, limits);
            assert!(
                outcome.findings.is_empty(),
                "{} in {tier}: {:#?}",
                path.display(),
                outcome.findings
            );
            calls += outcome.calls;
        }
        assert!(calls > 500, "{tier}: only {calls} calls compared");
    }
}

/// A served tier with a fault the in-process tier lacks disagrees with it:
/// the comparison through the adapter can fail.
#[test]
fn a_served_engine_that_differs_is_a_finding() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
             (i32.div_s (local.get 0) (i32.const 3))))"#,
    )
    .unwrap();
    // The adapter serves the fast tier under the name of another engine:
    // classic in process and fast through the adapter must still agree...
    let engines = vec![engine::build("classic").unwrap(), served("fast")];
    let outcome = run_case(&wasm, &engines, tierdiff::verdict::module_limits());
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    assert!(outcome.calls > 0);
    // ...and a script answering every call with a wrong result does not.
    let dir = tempdir("wrong");
    let script = scripted_adapter(
        &dir,
        "wrong",
        r#"echo '{"call":{"returned":[{"type":"i32","value":12345}]}}'"#,
    );
    let wrong = engine::open(&format!("ext:wrong={}", script.display())).unwrap();
    let engines = vec![engine::build("classic").unwrap(), wrong];
    let outcome = run_case(&wasm, &engines, tierdiff::verdict::module_limits());
    let finding = outcome.findings.first().expect("a finding");
    assert_eq!(finding.kind, FindingKind::ResultMismatch);
    assert_eq!(finding.engines, vec!["classic", "wrong"]);
}

#[test]
fn bad_adapters_are_one_line_errors_before_any_case() {
    let dir = tempdir("bad");
    let garbage = write_script(&dir, "garbage.sh", "read -r line; echo 'hello there'");
    let old = write_script(
        &dir,
        "old.sh",
        r#"read -r line; echo '{"protocol":99,"engine":"x","semantics":"own","proposals":[]}'"#,
    );
    let silent = write_script(&dir, "silent.sh", "exit 3");
    let unknown = write_script(
        &dir,
        "unknown.sh",
        r#"read -r line; echo '{"protocol":1,"engine":"x","semantics":"own","proposals":["telepathy"]}'"#,
    );
    let cases = [
        (format!("ext:g={}", garbage.display()), "is not protocol 1"),
        (format!("ext:o={}", old.display()), "speaks protocol 99"),
        (format!("ext:s={}", silent.display()), "no hello"),
        (format!("ext:u={}", unknown.display()), "unknown proposal"),
        ("ext:n=/no/such/program".to_string(), "cannot start"),
        (
            "ext:classic=/bin/true".to_string(),
            "built-in engine's name",
        ),
        ("ext:no-command=".to_string(), "command is empty"),
        (
            "ext:missing-equals".to_string(),
            "expected ext:NAME=COMMAND",
        ),
        ("wamr-nonsense".to_string(), "unknown engine"),
    ];
    for (spec, expected) in cases {
        let e = engine::open(&spec)
            .err()
            .unwrap_or_else(|| panic!("{spec} opened"));
        assert!(e.contains(expected), "{spec}: {e}");
        assert!(!e.contains('\n'), "{spec}: not one line: {e}");
    }
    // The CLI says it in one line with exit 2, before any case runs.
    let out = std::process::Command::new(tierdiff())
        .args(["fuzz", "--iterations", "5", "--out"])
        .arg(dir.join("report"))
        .arg("--engines")
        .arg(format!("classic,ext:g={}", garbage.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not protocol 1"), "{stderr}");
    assert!(!dir.join("report").exists(), "no case ran");
}

/// An adapter that dies in a call is that engine's crash; the next case
/// starts it again.
#[test]
fn an_adapter_that_dies_mid_run_is_its_engines_crash() {
    let dir = tempdir("dies");
    let script = scripted_adapter(&dir, "dies", "exit 9");
    let wasm =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 1)))"#).unwrap();
    let engines = vec![
        engine::build("classic").unwrap(),
        engine::open(&format!("ext:dies={}", script.display())).unwrap(),
    ];
    for _ in 0..2 {
        let outcome = run_case(&wasm, &engines, tierdiff::verdict::module_limits());
        let finding = outcome.findings.first().expect("a crash");
        assert_eq!(finding.kind, FindingKind::Crash);
        assert_eq!(finding.engines, vec!["dies"]);
        assert!(
            finding.message.contains("exit status: 9"),
            "{}",
            finding.message
        );
    }
}

/// A stray line on an adapter's stdout is garbage for that call, and the
/// adapter is started again for the next case, never left one line out of
/// step with the harness.
#[test]
fn an_adapter_that_prints_a_stray_line_is_restarted_in_step() {
    let dir = tempdir("stray");
    let marker = dir.join("printed");
    let on_call = format!(
        r#"if [ ! -e {m} ]; then touch {m}; echo 'debug: hello from the runtime'; fi
       echo '{{"call":{{"returned":[{{"type":"i32","value":1}}]}}}}'"#,
        m = marker.display()
    );
    let script = scripted_adapter(&dir, "stray", &on_call);
    let wasm =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 1)))"#).unwrap();
    let engines = vec![
        engine::build("classic").unwrap(),
        engine::open(&format!("ext:stray={}", script.display())).unwrap(),
    ];
    let limits = tierdiff::verdict::module_limits();
    let first = run_case(&wasm, &engines, limits);
    let finding = first.findings.first().expect("the stray line is garbage");
    assert_eq!(finding.kind, FindingKind::Crash);
    assert!(finding.message.contains("garbage"), "{}", finding.message);
    let second = run_case(&wasm, &engines, limits);
    assert!(second.findings.is_empty(), "{:?}", second.findings);
    assert!(second.calls > 0);
}

/// An adapter that hangs in a call is ended with its worker by the case
/// watchdog: a `resource` finding that names the engine, and the run goes on.
#[test]
fn a_hung_adapter_is_a_resource_finding_naming_its_engine() {
    let dir = tempdir("hang");
    let script = scripted_adapter(&dir, "hang", "exec sleep 1000");
    let out = std::process::Command::new(tierdiff())
        .args(["fuzz", "--seed", "1", "--iterations", "4", "--jobs", "1"])
        .args(["--case-timeout", "2s", "--json", "--out"])
        .arg(dir.join("report"))
        .arg("--engines")
        .arg(format!("classic,ext:hang={}", script.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let signatures: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["signature"].as_str().unwrap())
        .collect();
    assert!(
        signatures.iter().any(|s| s.starts_with("resource:hang")),
        "{signatures:?}\n{stderr}"
    );
}

/// An engine that lacks a proposal the module uses is left out of that
/// case, with the reason named; the others are still compared.
#[test]
fn an_engine_without_a_proposal_is_left_out_with_the_reason() {
    let wasm =
        wat::parse_str(r#"(module (func (export "f") (result v128) (v128.const i32x4 1 2 3 4)))"#)
            .unwrap();
    let no_simd = engine::open(&format!(
        "ext:no-simd={} adapter --engine fast --proposals tail-call",
        tierdiff()
    ))
    .unwrap();
    let engines = vec![engine::build("classic").unwrap(), no_simd];
    let outcome = run_case(&wasm, &engines, tierdiff::verdict::module_limits());
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    assert_eq!(
        outcome.inconclusive,
        Some(tierdiff::compare::InconclusiveReason::EngineLeftOut)
    );
    let why = format!("{:?}", outcome.instantiate["no-simd"]);
    assert!(why.contains("does not support"), "{why}");
    assert_eq!(
        outcome.per_engine["no-simd"].left_out, 1,
        "counted for the engine"
    );
    assert_eq!(outcome.per_engine["classic"].left_out, 0);
    assert!(outcome.calls >= 1, "classic still ran the call");
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-adapter-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An adapter script named `name` (own semantics, no proposals) that
/// instantiates anything, has empty state, and runs the shell `on_call`
/// for every call.
fn scripted_adapter(dir: &Path, name: &str, on_call: &str) -> PathBuf {
    let body = format!(
        r#"while read -r line; do
  case "$line" in
    *'"hello"'*) echo '{{"protocol":1,"engine":"{name}","semantics":"own","proposals":[]}}' ;;
    *'"instantiate"'*) echo '{{"instantiate":"ok"}}' ;;
    *'"state"'*) echo '{{"globals":[],"memories":[],"tables":[]}}' ;;
    *) {on_call} ;;
  esac
done"#
    );
    write_script(dir, &format!("{name}.sh"), &body)
}

fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}
