//! `tierdiff replay`: re-run saved cases and check them.
//!
//! Accepts regression cases (`<name>.json` beside `<name>.wat|.wasm`),
//! finding folders written by `tierdiff fuzz` (replayed with the same plan,
//! and their shrunk case too when `tierdiff shrink` wrote one; they pass
//! once the bug is fixed), shrunk cases (`<name>.shrunk.json` beside
//! `<name>.shrunk.wasm`, replayed with their calls), plain modules (pass
//! when every engine agrees), cargo-fuzz artifacts and corpus entries (raw
//! input bytes, turned into a module by the same generator code the fuzz
//! target uses; the target is taken from the folder name, `differential` by
//! default), and directories of any of these.
//!
//! A finding made under `--fault` (its `finding.json` or shrunk record names
//! the fault) is replayed with that fault selected, which needs a build with
//! the `fault-injection` feature; without it the replay stops with one line
//! saying so (bad input, exit 2).

use crate::compare;
use crate::corpus::{self, all_engines};
use crate::engine::Engine;
use crate::generate;
use crate::input::{self, InputError};
use crate::reduce::{Case, Ran, WorkerProcess};
use crate::report::FindingRecord;
use crate::shrink::{Setup, ShrunkRecord};
use crate::targets::{self, Target};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What was replayed and how it went.
#[derive(Clone, Debug, Serialize)]
pub struct Replayed {
    pub path: String,
    pub kind: &'static str,
    pub passed: bool,
    /// The differences (empty when passed).
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

/// Replays every item under `paths`.
pub fn replay(paths: &[PathBuf]) -> Result<Vec<Replayed>, InputError> {
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
                    details,
                }
            }
            Item::Finding(dir) => replay_finding(&dir, &engines)?,
            Item::Shrunk(json) => {
                let (record, wasm) = load_shrunk(&json)?;
                let case = Case {
                    wasm,
                    calls: record.calls.clone(),
                };
                Replay {
                    path: &json,
                    kind: "shrunk",
                    fault: record.fault.as_deref(),
                    in_worker: is_process_crash(&record.signature),
                }
                .run(vec![("", case, record.setup())], &engines)?
            }
            Item::Module(path) => {
                let module = input::load_module(&path)?;
                let outcome =
                    compare::run_case(&module.bytes, &engines, tierdiff_runtime::Limits::default());
                from_findings(&path, "module", &outcome)
            }
            Item::Artifact(path, target) => {
                let data = std::fs::read(&path)
                    .map_err(|e| InputError(format!("{}: cannot read: {e}", path.display())))?;
                let result = targets::run(target, &data);
                Replayed {
                    path: path.display().to_string(),
                    kind: target.name(),
                    passed: result.is_ok(),
                    details: result.err().into_iter().collect(),
                }
            }
        });
    }
    Ok(out)
}

/// A finding folder: its module with the plan, and its shrunk case (if
/// any) with its calls, under the fault it was made with.
fn replay_finding(dir: &Path, engines: &[Box<dyn Engine>]) -> Result<Replayed, InputError> {
    let bad = |why: String| InputError(format!("{}: {why}", dir.display()));
    let wasm = std::fs::read(dir.join("module.wasm"))
        .map_err(|e| bad(format!("cannot read module.wasm: {e}")))?;
    let record = match std::fs::read_to_string(dir.join("finding.json")) {
        Ok(text) => Some(
            serde_json::from_str::<FindingRecord>(&text)
                .map_err(|e| bad(format!("bad finding.json: {e}")))?,
        ),
        Err(_) => None,
    };
    let module = tierdiff_runtime::Module::new(&wasm).map_err(|e| bad(e.to_string()))?;
    // The case as the fuzzer ran it: its own limits, its WASI world.
    let setup = record.as_ref().map(Setup::of).unwrap_or_default();
    let calls = match (setup.wasi, crate::plan::wasi_entry(&module)) {
        (true, Some(_)) => vec![crate::plan::PlannedCall {
            export: "_start".into(),
            args: Vec::new(),
        }],
        _ => crate::plan::plan(&module),
    };
    let run_as = Setup {
        limits: Some(setup.limits.unwrap_or_else(generate::case_limits)),
        ..setup
    };
    let mut cases = vec![("", Case { wasm, calls }, run_as)];
    let shrunk = dir.join("shrunk.json");
    if shrunk.is_file() {
        let (s, wasm) = load_shrunk(&shrunk)?;
        let setup = s.setup();
        cases.push((
            "shrunk: ",
            Case {
                wasm,
                calls: s.calls,
            },
            setup,
        ));
    }
    Replay {
        path: dir,
        kind: "finding",
        fault: record.as_ref().and_then(|r| r.fault.as_deref()),
        in_worker: record
            .as_ref()
            .is_some_and(|r| is_process_crash(&r.finding.signature)),
    }
    .run(cases, engines)
}

/// Whether a signature is that of a worker process that died.
fn is_process_crash(signature: &str) -> bool {
    signature.starts_with("crash:") && signature.ends_with(":process")
}

/// How to replay the cases of one finding or shrunk record.
struct Replay<'p> {
    path: &'p Path,
    kind: &'static str,
    /// The fault it was made with.
    fault: Option<&'p str>,
    /// Whether a case may kill the process (a worker process then runs it).
    in_worker: bool,
}

impl Replay<'_> {
    /// Runs `cases` (each with a prefix for its details and how it runs,
    /// whose limits are always given); passes when none shows a finding
    /// (and no worker dies).
    fn run(
        &self,
        cases: Vec<(&str, Case, Setup)>,
        engines: &[Box<dyn Engine>],
    ) -> Result<Replayed, InputError> {
        let bad = |why: String| InputError(format!("{}: {why}", self.path.display()));
        if let Some(name) = self.fault {
            crate::shrink::check_fault(name)
                .map_err(|e| bad(format!("the finding was made with --fault {name}: {e}")))?;
        }
        let mut details = Vec::new();
        if self.in_worker {
            let exe = std::env::current_exe().map_err(|e| bad(e.to_string()))?;
            let mut worker = WorkerProcess::new(exe, self.fault.map(str::to_string));
            for (prefix, case, setup) in cases {
                details.push(
                    match worker
                        .run(&case, setup.shrink_limits(), setup.wasi)
                        .map_err(bad)?
                    {
                        Ran::Finished(signatures) => {
                            details.extend(signatures.into_iter().map(|s| format!("{prefix}{s}")));
                            continue;
                        }
                        Ran::Died(how) => format!("{prefix}the worker process died ({how})"),
                        Ran::TimedOut => {
                            format!("{prefix}the worker process did not finish in time")
                        }
                    },
                );
            }
        } else {
            let before = crate::shrink::selected_fault();
            if let Some(name) = self.fault {
                crate::shrink::select_fault(name).map_err(bad)?;
            }
            for (prefix, case, setup) in cases {
                let outcome = compare::run_case_with(
                    &case.wasm,
                    engines,
                    setup.shrink_limits(),
                    setup.options(case.calls),
                );
                details.extend(
                    outcome
                        .findings
                        .iter()
                        .map(|f| format!("{prefix}{}: {}", f.signature, f.message)),
                );
            }
            if self.fault.is_some() {
                tierdiff_runtime::fault::set(before).expect("this build injects faults");
            }
        }
        Ok(Replayed {
            path: self.path.display().to_string(),
            kind: self.kind,
            passed: details.is_empty(),
            details,
        })
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

/// A replay that passes when the case produced no finding.
fn from_findings(path: &Path, kind: &'static str, outcome: &compare::CaseOutcome) -> Replayed {
    let details: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.signature, f.message))
        .collect();
    Replayed {
        path: path.display().to_string(),
        kind,
        passed: details.is_empty(),
        details,
    }
}
