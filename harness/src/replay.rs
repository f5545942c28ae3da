//! `tierdiff replay`: re-run saved cases and check them.
//!
//! Every case runs through [`crate::verdict`], the path `fuzz`, `run` and
//! `shrink` take, so it gets the signature they gave it.
//!
//! Accepts regression cases (`<name>.json` beside `<name>.wat|.wasm`),
//! finding folders written by `tierdiff fuzz`, `run --out` or
//! `replay --out` (replayed with the case's own calls, limits and WASI
//! world, and their shrunk case too when `tierdiff shrink` wrote one; they
//! pass once the bug is fixed), shrunk cases (`<name>.shrunk.json` beside
//! `<name>.shrunk.wasm`, replayed with their calls), plain modules (run as
//! `tierdiff run` runs them without flags; pass when no failing finding
//! shows), cargo-fuzz artifacts and corpus entries (raw
//! input bytes, turned into a module by the same generator code the fuzz
//! target uses; the target is taken from the folder name, `differential` by
//! default), and directories of any of these (a folder holding a
//! `manifest.json`, such as corpus/real or corpus/hostile, is a collection
//! with a runner of its own: a directory walk passes it by).
//!
//! A finding made under `--fault` (its `finding.json` or shrunk record names
//! the fault) is replayed with that fault selected, which needs a build with
//! the `fault-injection` feature; without it the replay stops with one line
//! saying so (bad input, exit 2).

use crate::compare::{CaseOptions, Finding};
use crate::corpus::{self, all_engines};
use crate::engine::Engine;
use crate::input::{self, InputError};
use crate::reduce::{Case, Ran, WorkerProcess};
use crate::report::FindingRecord;
use crate::shrink::{Setup, ShrunkRecord};
use crate::targets::{self, Target};
use crate::verdict;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What was replayed and how it went.
#[derive(Clone, Debug, Serialize)]
pub struct Replayed {
    pub path: String,
    pub kind: &'static str,
    /// No failing finding (reference bugs are listed, as a fuzz run lists
    /// them, without failing).
    pub passed: bool,
    /// The signatures of every finding, in order.
    pub signatures: Vec<String>,
    /// The findings and other differences, one line each.
    pub details: Vec<String>,
}

/// One thing to replay, found on disk.
enum Item {
    Regression(PathBuf),
    Finding(PathBuf),
    /// A shrunk case's record (`*.shrunk.json` or `shrunk.json`).
    Shrunk(PathBuf),
    Module(PathBuf),
    Artifact(PathBuf, Target),
}

/// Expands the paths given into items; bad paths are bad input.
fn collect(paths: &[PathBuf]) -> Result<Vec<Item>, InputError> {
    let mut items = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| InputError(format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            walk(p, &mut items)?;
        } else {
            items.push(classify_file(p, true)?.expect("explicit files are always classified"));
        }
    }
    Ok(items)
}

fn walk(dir: &Path, items: &mut Vec<Item>) -> Result<(), InputError> {
    if dir.join("finding.json").is_file() {
        items.push(Item::Finding(dir.to_path_buf()));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        // A folder with a manifest.json is a collection with its own runner
        // (corpus/real, corpus/hostile): replayed only when named.
        if p.is_dir() && p.join("manifest.json").is_file() {
            continue;
        }
        if p.is_dir() {
            walk(&p, items)?;
        } else if let Some(item) = classify_file(&p, false)? {
            items.push(item);
        }
    }
    Ok(())
}

/// What a file is. In a directory walk, modules that belong to a case and
/// documentation are skipped (`None`); given explicitly, every file counts.
fn classify_file(p: &Path, explicit: bool) -> Result<Option<Item>, InputError> {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    Ok(match ext {
        "json" if p.file_name().is_some_and(|n| n == "finding.json") => Some(Item::Finding(
            p.parent().unwrap_or(Path::new(".")).to_path_buf(),
        )),
        "json" if is_shrunk_record(p) => Some(Item::Shrunk(p.to_path_buf())),
        "json" if !explicit && p.file_name().is_some_and(|n| n == "manifest.json") => None,
        "json" => Some(Item::Regression(p.to_path_buf())),
        "wat" | "wasm" => {
            let case = p.with_extension("json");
            if case.is_file() {
                explicit.then(|| {
                    if is_shrunk_record(&case) {
                        Item::Shrunk(case)
                    } else {
                        Item::Regression(case)
                    }
                })
            } else if !explicit
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("module."))
            {
                None
            } else {
                Some(Item::Module(p.to_path_buf()))
            }
        }
        "" => Some(Item::Artifact(p.to_path_buf(), target_of(p))),
        _ if explicit => Some(Item::Artifact(p.to_path_buf(), target_of(p))),
        _ => None,
    })
}

/// Whether `p` names a shrunk case's record rather than a regression case.
fn is_shrunk_record(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "shrunk.json" || n.ends_with(".shrunk.json"))
}

/// The fuzz target an artifact belongs to: the nearest folder named after one.
fn target_of(p: &Path) -> Target {
    p.ancestors()
        .filter_map(|a| a.file_name()?.to_str())
        .find_map(Target::parse)
        .unwrap_or(Target::Differential)
}

/// Where `replay --out` writes each failing case's findings (as
/// `findings/<signature>/` folders that `replay` and `shrink` take).
pub type SaveTo<'a> = Option<&'a Path>;

/// Replays every item under `paths`; with `save_to`, writes the findings
/// of every item that fails into finding folders there.
pub fn replay(paths: &[PathBuf]) -> Result<Vec<Replayed>, InputError> {
    replay_into(paths, None)
}

/// [`replay`], writing finding folders under `save_to` when given.
pub fn replay_into(paths: &[PathBuf], save_to: SaveTo) -> Result<Vec<Replayed>, InputError> {
    let items = collect(paths)?;
    if items.is_empty() {
        return Err(InputError(format!(
            "nothing to replay under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let engines = all_engines();
    let mut out = Vec::new();
    for item in items {
        out.push(match item {
            Item::Regression(json) => {
                let case = corpus::load_case(&json)?;
                let details = corpus::check_case(&case, &engines);
                Replayed {
                    path: json.display().to_string(),
                    kind: "regression",
                    passed: details.is_empty(),
                    signatures: Vec::new(),
                    details,
                }
            }
            Item::Finding(dir) => replay_finding(&dir, &engines, save_to)?,
            Item::Shrunk(json) => {
                let (record, wasm) = load_shrunk(&json)?;
                Replay {
                    path: &json,
                    kind: "shrunk",
                    fault: record.fault.as_deref(),
                    in_worker: is_process_crash(&record.signature),
                    save_to,
                    record: None,
                }
                .run(vec![("", wasm, record.setup())], &engines)?
            }
            Item::Module(path) => {
                let module = input::load_module(&path)?;
                let parsed = tierdiff_runtime::Module::new(&module.bytes)
                    .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
                let setup = crate::shrink::module_setup(&parsed, &path);
                Replay {
                    path: &path,
                    kind: "module",
                    fault: None,
                    in_worker: false,
                    save_to,
                    record: None,
                }
                .run(vec![("", module.bytes.to_vec(), setup)], &engines)?
            }
            Item::Artifact(path, target) => {
                let data = std::fs::read(&path)
                    .map_err(|e| InputError(format!("{}: cannot read: {e}", path.display())))?;
                let result = targets::run(target, &data);
                Replayed {
                    path: path.display().to_string(),
                    kind: target.name(),
                    passed: result.is_ok(),
                    signatures: Vec::new(),
                    details: result.err().into_iter().collect(),
                }
            }
        });
    }
    Ok(out)
}

/// A finding folder: its module as the case ran (its calls, limits, WASI
/// world and fault), and its shrunk case (if any) with its calls.
fn replay_finding(
    dir: &Path,
    engines: &[Box<dyn Engine>],
    save_to: SaveTo,
) -> Result<Replayed, InputError> {
    let bad = |why: String| InputError(format!("{}: {why}", dir.display()));
    let wasm = std::fs::read(dir.join("module.wasm"))
        .map_err(|e| bad(format!("cannot read module.wasm: {e}")))?;
    let record = FindingRecord::load(dir).map_err(bad)?;
    tierdiff_runtime::Module::new(&wasm)
        .map_err(|e| bad(format!("module.wasm does not load: {e}")))?;
    // A finding made in other engines than this replay's runs in those.
    let own;
    let engines = match &record.engines {
        Some(names) if std::env::var_os(crate::engine::SELECTED_ENV).is_none() => {
            own = crate::engine::open_all(names)
                .map_err(|e| bad(format!("the finding ran in {}: {e}", names.join(","))))?;
            &own[..]
        }
        _ => engines,
    };
    let mut cases = vec![("", wasm, Setup::of(&record))];
    let shrunk = dir.join("shrunk.json");
    if shrunk.is_file() {
        let (s, wasm) = load_shrunk(&shrunk)?;
        cases.push(("shrunk: ", wasm, s.setup()));
    }
    Replay {
        path: dir,
        kind: "finding",
        fault: record.fault.as_deref(),
        in_worker: is_process_crash(&record.finding.signature),
        save_to,
        record: Some(&record),
    }
    .run(cases, engines)
}

/// Whether a signature is that of a worker process that died.
fn is_process_crash(signature: &str) -> bool {
    signature.starts_with("crash:") && signature.ends_with(":process")
}

/// How to replay the cases of one item.
struct Replay<'p> {
    path: &'p Path,
    kind: &'static str,
    /// The fault it was made with.
    fault: Option<&'p str>,
    /// Whether a case may kill the process (a worker process then runs it).
    in_worker: bool,
    /// Where to write the first case's findings, if anywhere.
    save_to: SaveTo<'p>,
    /// The finding record replayed, whose origin saved findings keep.
    record: Option<&'p FindingRecord>,
}

impl Replay<'_> {
    /// Runs `cases` (each with a prefix for its details and how it runs)
    /// through [`crate::verdict`]; passes when none shows a failing finding
    /// (and no worker dies). Reference bugs are listed but do not fail, as
    /// in a fuzz run.
    fn run(
        &self,
        cases: Vec<(&str, Vec<u8>, Setup)>,
        engines: &[Box<dyn Engine>],
    ) -> Result<Replayed, InputError> {
        let bad = |why: String| InputError(format!("{}: {why}", self.path.display()));
        if let Some(name) = self.fault {
            crate::shrink::check_fault(name)
                .map_err(|e| bad(format!("the finding was made with --fault {name}: {e}")))?;
        }
        let mut details = Vec::new();
        let mut signatures = Vec::new();
        let mut passed = true;
        if self.in_worker {
            let exe = std::env::current_exe().map_err(|e| bad(e.to_string()))?;
            let mut worker = WorkerProcess::new(exe, self.fault.map(str::to_string));
            for (prefix, wasm, setup) in cases {
                let module =
                    tierdiff_runtime::Module::new(&wasm).map_err(|e| bad(e.to_string()))?;
                let calls = setup.calls.clone().unwrap_or_else(|| {
                    crate::verdict::default_calls(&module, setup.wasi.is_some())
                });
                let case = Case { wasm, calls };
                let ran = worker
                    .run(&case, setup.case_limits(), setup.wasi.as_ref())
                    .map_err(bad)?;
                match ran {
                    Ran::Finished(found) => {
                        passed &= found.iter().all(|s| s.starts_with("reference-bug:"));
                        details.extend(found.iter().map(|s| format!("{prefix}{s}")));
                        signatures.extend(found);
                    }
                    Ran::Died(how) => {
                        passed = false;
                        details.push(format!("{prefix}the worker process died ({how})"));
                    }
                    Ran::TimedOut => {
                        passed = false;
                        details.push(format!("{prefix}the worker process did not finish in time"));
                    }
                }
            }
        } else {
            let before = crate::shrink::selected_fault();
            if let Some(name) = self.fault {
                crate::shrink::select_fault(name).map_err(bad)?;
            }
            for (index, (prefix, wasm, setup)) in cases.into_iter().enumerate() {
                let options = CaseOptions {
                    keep_going: self.record.is_none_or(|r| r.source.is_some()),
                    ..setup.case_options()
                };
                if let (0, Some(out)) = (index, self.save_to) {
                    crate::watchdog::set_pending(out, &wasm, |f| self.record_of(f, &setup))
                        .map_err(|e| bad(format!("cannot prepare the replay: {e}")))?;
                }
                crate::watchdog::begin_case(index as u64);
                let outcome = verdict::judge(&wasm, engines, setup.case_limits(), options);
                crate::watchdog::end_case();
                crate::watchdog::clear_pending();
                // A module no engine can run is bad input, as in `run`.
                if self.kind == "module" {
                    if let Some(why) = verdict::refused_by_all(&outcome) {
                        return Err(bad(why));
                    }
                }
                for f in &outcome.findings {
                    passed &= !f.kind.is_failure();
                    details.push(format!("{prefix}{}: {}", f.signature, f.message));
                    signatures.push(f.signature.clone());
                }
                if let (0, Some(out)) = (index, self.save_to) {
                    self.save(out, &outcome.findings, &wasm, &setup)?;
                }
            }
            if self.fault.is_some() {
                tierdiff_runtime::fault::set(before).expect("this build injects faults");
            }
        }
        Ok(Replayed {
            path: self.path.display().to_string(),
            kind: self.kind,
            passed,
            signatures,
            details,
        })
    }

    /// Writes the failing findings of a case into finding folders under `out`.
    fn save(
        &self,
        out: &Path,
        findings: &[Finding],
        wasm: &[u8],
        setup: &Setup,
    ) -> Result<(), InputError> {
        for f in findings.iter().filter(|f| f.kind.is_failure()) {
            let record = self.record_of(f.clone(), setup);
            crate::report::write_finding(out, &record, wasm)
                .map_err(|e| InputError(format!("{}: {e}", out.display())))?;
        }
        Ok(())
    }

    /// The record of a finding of this case: the saved record with the new
    /// finding, or a module's own record.
    fn record_of(&self, finding: Finding, setup: &Setup) -> FindingRecord {
        match self.record {
            Some(r) => FindingRecord {
                finding,
                format: crate::report::FINDING_FORMAT,
                tool: env!("CARGO_PKG_VERSION").to_string(),
                ..r.clone()
            },
            None => FindingRecord::of_module(finding, self.path, setup),
        }
    }
}

/// A shrunk record and the module beside it (`x.shrunk.json` ->
/// `x.shrunk.wasm`).
fn load_shrunk(json: &Path) -> Result<(ShrunkRecord, Vec<u8>), InputError> {
    let shown = json.display();
    let text = std::fs::read_to_string(json)
        .map_err(|e| InputError(format!("{shown}: cannot read: {e}")))?;
    let record = serde_json::from_str(&text)
        .map_err(|e| InputError(format!("{shown}: not a shrunk case record: {e}")))?;
    let module = json.with_extension("wasm");
    let wasm = std::fs::read(&module)
        .map_err(|e| InputError(format!("{}: cannot read: {e}", module.display())))?;
    Ok((record, wasm))
}
