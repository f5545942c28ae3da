//! `tierdiff replay`: re-run saved cases and check them.
//!
//! Accepts regression cases (`<name>.json` beside `<name>.wat|.wasm`),
//! finding folders written by `tierdiff fuzz` (replayed with the same plan;
//! they pass once the bug is fixed), plain modules (pass when every engine
//! agrees), cargo-fuzz artifacts and corpus entries (raw input bytes,
//! turned into a module by the same generator code the fuzz target uses;
//! the target is taken from the folder name, `differential` by default),
//! and directories of any of these.

use crate::compare;
use crate::corpus::{self, all_engines};
use crate::generate;
use crate::input::{self, InputError};
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
        "json" => Some(Item::Regression(p.to_path_buf())),
        "wat" | "wasm" => {
            let case = p.with_extension("json");
            if case.is_file() {
                explicit.then_some(Item::Regression(case))
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
            Item::Finding(dir) => {
                let wasm = std::fs::read(dir.join("module.wasm")).map_err(|e| {
                    InputError(format!("{}: cannot read module.wasm: {e}", dir.display()))
                })?;
                let outcome = compare::run_case(&wasm, &engines, generate::case_limits());
                from_findings(&dir, "finding", &outcome)
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
