//! The real-module corpus (`corpus/real/manifest.json`): every module runs
//! through every engine as `tierdiff run` runs it (WASI programs with their
//! fixed arguments and stdin, other modules with every export called with
//! planned arguments), with no finding; one case per module.
//!
//! And the path a user takes with a real module: a finding made on one
//! (under an injected fault) is saved by `run --out`, replays to its
//! signature, shrinks, and becomes a regression case that passes.

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use tierdiff::compare::CaseOptions;
use tierdiff::shrink::Setup;
use tierdiff::verdict::{self, WasiWorld};
use tierdiff_runtime::wasi::WasiConfig;

/// One module of the manifest (format in corpus/real/README.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    library: String,
    licence: String,
    licence_file: String,
    build: String,
    wasi: Option<World>,
    fuel: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct World {
    args: Vec<String>,
    env: Vec<String>,
    stdin_file: Option<String>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/real")
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest.json is a list of entries")
}

impl Entry {
    /// How `tierdiff run` runs it: its fuel (or the default), its WASI world.
    fn setup(&self) -> Setup {
        let mut limits = verdict::module_limits();
        if self.fuel.is_some() {
            limits.fuel = self.fuel;
        }
        let wasi = self.wasi.as_ref().map(|w| {
            let stdin = w
                .stdin_file
                .as_ref()
                .map(|f| std::fs::read(corpus().join(f)).expect("stdin file"))
                .unwrap_or_default();
            WasiWorld::of(&WasiConfig {
                args: w.args.clone(),
                env: w.env.clone(),
                stdin,
                ..WasiConfig::default()
            })
        });
        Setup {
            limits: Some(limits),
            wasi,
            calls: None,
        }
    }
}

/// Runs one module through every engine; every engine must agree, and a
/// WASI program must run to its end (exit code 0).
fn check(entry: &Entry) -> Result<(), Failed> {
    let root = corpus();
    let wasm = std::fs::read(root.join(&entry.file)).map_err(|e| format!("{}: {e}", entry.file))?;
    if entry.licence.is_empty()
        || entry.build.is_empty()
        || !root.join(&entry.licence_file).is_file()
    {
        return Err(format!(
            "{}: every module names its licence, its licence file and how it was built",
            entry.file
        )
        .into());
    }
    let setup = entry.setup();
    let engines = tierdiff::corpus::all_engines();
    let options = CaseOptions {
        keep_going: true,
        ..setup.case_options()
    };
    let outcome = verdict::judge(&wasm, &engines, setup.case_limits(), options);
    if !outcome.findings.is_empty() {
        let lines: Vec<String> = outcome
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.signature, f.message))
            .collect();
        return Err(format!("{}: {}", entry.file, lines.join("\n")).into());
    }
    if let Some(reason) = outcome.inconclusive {
        // Plain modules' planned calls may run out of fuel (an explained
        // outcome); a WASI program must finish.
        if entry.wasi.is_some() || reason == tierdiff::compare::InconclusiveReason::Unknown {
            return Err(format!("{}: inconclusive ({})", entry.file, reason.name()).into());
        }
    }
    if entry.wasi.is_some() {
        for (engine, out) in &outcome.wasi {
            if out.exit_code.unwrap_or(0) != 0 {
                return Err(format!(
                    "{}: {engine} exited with {:?}: {}",
                    entry.file,
                    out.exit_code,
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
        }
    }
    Ok(())
}

/// A real WASI program under an injected fault: `run --out` saves the
/// finding, `replay` shows the same signature, `shrink --into` makes a
/// regression case, and that case passes `replay` (expectations from the
/// runtime without the fault).
fn save_shrink_regress(entry: &Entry, fault: &str) -> Result<(), Failed> {
    let exe = env!("CARGO_BIN_EXE_tierdiff");
    let dir = std::env::temp_dir().join(format!("tierdiff-real-{}-{fault}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let world = entry.wasi.as_ref().ok_or("a WASI program")?;
    let module = corpus().join(&entry.file);
    let mut run = Command::new(exe);
    run.arg("run").arg(&module);
    for a in world.args.iter().skip(1) {
        run.arg(a);
    }
    for e in &world.env {
        run.arg("--env").arg(e);
    }
    if let Some(f) = &world.stdin_file {
        run.arg("--stdin").arg(corpus().join(f));
    }
    if let Some(fuel) = entry.fuel {
        run.arg("--fuel").arg(fuel.to_string());
    }
    let out = run
        .arg("--fault")
        .arg(fault)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .map_err(|e| e.to_string())?;
    let shown = |o: &std::process::Output| {
        format!(
            "exit {:?}\n{}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    if out.status.code() != Some(1) {
        return Err(format!("run with {fault} shows no finding: {}", shown(&out)).into());
    }
    let folder = std::fs::read_dir(dir.join("out").join("findings"))
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no finding folder")?
        .map_err(|e| e.to_string())?
        .path();
    let record = tierdiff::report::FindingRecord::load(&folder)?;
    let replay = Command::new(exe)
        .args(["replay", "--json"])
        .arg(&folder)
        .output()
        .map_err(|e| e.to_string())?;
    let json: serde_json::Value =
        serde_json::from_slice(&replay.stdout).map_err(|e| format!("{e}: {}", shown(&replay)))?;
    let signatures = json["cases"][0]["signatures"].to_string();
    if !signatures.contains(&record.finding.signature) {
        return Err(format!(
            "replay shows {signatures}, run {}",
            record.finding.signature
        )
        .into());
    }
    let case = dir.join("regression");
    let shrink = Command::new(exe)
        .arg("shrink")
        .arg(&folder)
        .args(["--time", "60", "--into"])
        .arg(&case)
        .output()
        .map_err(|e| e.to_string())?;
    if shrink.status.code() != Some(0) {
        return Err(format!("shrink: {}", shown(&shrink)).into());
    }
    let regression = Command::new(exe)
        .arg("replay")
        .arg(case.with_extension("json"))
        .output()
        .map_err(|e| e.to_string())?;
    if regression.status.code() != Some(0) {
        return Err(format!("the regression case fails: {}", shown(&regression)).into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let entries = manifest();
    assert!(
        entries.len() >= 50,
        "the corpus holds at least 50 modules ({})",
        entries.len()
    );
    let mut trials: Vec<Trial> = entries
        .iter()
        .map(|e| {
            let entry = e.clone();
            let name = Path::new(&e.file)
                .file_stem()
                .map_or(e.file.clone(), |s| s.to_string_lossy().into_owned());
            Trial::test(format!("real::{name}"), move || check(&entry))
        })
        .collect();
    // The save-shrink-regress path on real programs, with faults that real
    // C code meets (a fused signed compare, a 64-bit shift).
    for (fault, library) in [
        ("fast-fused-cmp-signedness", "zlib"),
        ("fast-i64-shr-u-mask", "xxhash"),
    ] {
        let entry = entries
            .iter()
            .find(|e| e.library.to_lowercase().starts_with(library) && e.wasi.is_some())
            .cloned();
        trials.push(Trial::test(
            format!("save-shrink-regress::{fault}"),
            move || save_shrink_regress(&entry.ok_or("no such module in the corpus")?, fault),
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}
