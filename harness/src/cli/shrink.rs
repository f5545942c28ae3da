//! `tierdiff shrink`: minimise a finding.

use crate::input::{self, InputError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn cmd_shrink(
    file: &Path,
    out: Option<PathBuf>,
    into: Option<PathBuf>,
    attempts: u32,
) -> Result<ExitCode, InputError> {
    use crate::compare::{CaseOptions, FindingKind};
    let dir = if file.is_dir() {
        Some(file.to_path_buf())
    } else if file.file_name().is_some_and(|n| n == "finding.json") {
        file.parent().map(Path::to_path_buf)
    } else {
        None
    };
    let (wasm, recorded) = match &dir {
        Some(d) => {
            let wasm = std::fs::read(d.join("module.wasm")).map_err(|e| {
                InputError(format!("{}: cannot read module.wasm: {e}", d.display()))
            })?;
            let text = std::fs::read_to_string(d.join("finding.json")).map_err(|e| {
                InputError(format!("{}: cannot read finding.json: {e}", d.display()))
            })?;
            let record: crate::report::FindingRecord = serde_json::from_str(&text)
                .map_err(|e| InputError(format!("{}: bad finding.json: {e}", d.display())))?;
            (wasm, Some((record.finding.kind, record.finding.engines)))
        }
        None => (input::load_module(file)?.bytes.to_vec(), None),
    };
    let engines = crate::corpus::all_engines();
    let (kind, between): (FindingKind, Vec<String>) = match recorded {
        Some(k) => k,
        None => {
            let outcome = crate::compare::run_case(&wasm, &engines, crate::shrink::shrink_limits());
            let f = outcome.findings.first().ok_or_else(|| {
                InputError(format!(
                    "{}: no finding to shrink (every engine agrees)",
                    file.display()
                ))
            })?;
            (f.kind, f.engines.clone())
        }
    };
    eprintln!(
        "shrinking a {} finding between {} ({} bytes)...",
        kind.name(),
        between.join(" and "),
        wasm.len()
    );
    let shrunk = crate::shrink::shrink(&wasm, &engines, kind, &between, attempts)
        .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
    let base = out.unwrap_or_else(|| match &dir {
        Some(d) => d.join("shrunk"),
        None => file.with_file_name(format!(
            "{}.shrunk",
            file.file_stem()
                .map_or_else(|| "module".into(), |s| s.to_string_lossy())
        )),
    });
    let wat = wasmprinter::print_bytes(&shrunk.wasm).unwrap_or_default();
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).map_err(|e| InputError(format!("{}: {e}", path.display())))
    };
    write(with_ext(&base, "wasm"), &shrunk.wasm)?;
    write(with_ext(&base, "wat"), wat.as_bytes())?;
    println!(
        "{} bytes -> {} bytes ({:.0}%): {}",
        shrunk.input_size,
        shrunk.output_size,
        100.0 * shrunk.output_size as f64 / shrunk.input_size.max(1) as f64,
        with_ext(&base, "wasm").display()
    );
    if let Some(into) = into {
        let outcome = crate::compare::run_case_with(
            &shrunk.wasm,
            &engines,
            crate::shrink::shrink_limits(),
            CaseOptions {
                keep_rows: true,
                ..CaseOptions::default()
            },
        );
        let calls = outcome
            .rows
            .iter()
            .map(|row| {
                let expected = majority(&row.results);
                let args = row.call.args.iter().map(|a| a.to_string()).collect();
                match expected {
                    crate::outcome::CallResult::Returned(v) => crate::corpus::CallSpec {
                        invoke: row.call.export.clone(),
                        args,
                        expect: Some(v.iter().map(|x| x.to_string()).collect()),
                        trap: None,
                        exit: None,
                    },
                    crate::outcome::CallResult::Trapped(c) => crate::corpus::CallSpec {
                        invoke: row.call.export.clone(),
                        args,
                        expect: None,
                        trap: Some(c.name().to_string()),
                        exit: None,
                    },
                    crate::outcome::CallResult::Exited(code) => crate::corpus::CallSpec {
                        invoke: row.call.export.clone(),
                        args,
                        expect: None,
                        trap: None,
                        exit: Some(code),
                    },
                    crate::outcome::CallResult::Crashed(_) => crate::corpus::CallSpec {
                        invoke: row.call.export.clone(),
                        args,
                        expect: None,
                        trap: Some("host-error".into()),
                        exit: None,
                    },
                }
            })
            .collect();
        let limits = crate::shrink::shrink_limits();
        let spec = crate::corpus::CaseSpec {
            description: format!(
                "shrunk {} finding between {}; REVIEW: expectations are the majority result",
                kind.name(),
                between.join(" and ")
            ),
            bug_class: kind.name().to_string(),
            origin: format!("tierdiff shrink {}", file.display()),
            limits: Some(crate::corpus::LimitsSpec {
                fuel: limits.fuel,
                max_call_depth: Some(limits.max_call_depth),
                max_memory_pages: Some(limits.max_memory_pages),
                max_table_elements: Some(limits.max_table_elements),
            }),
            skip_reference: None,
            wasi: None,
            calls,
            globals: Default::default(),
        };
        if let Some(parent) = into.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| InputError(format!("{}: {e}", parent.display())))?;
        }
        write(with_ext(&into, "wat"), wat.as_bytes())?;
        write(
            with_ext(&into, "json"),
            serde_json::to_string_pretty(&spec)
                .expect("serialises")
                .as_bytes(),
        )?;
        println!(
            "regression case: {} (review its expectations before committing)",
            with_ext(&into, "json").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The result most engines gave (ties go to the earliest in engine order).
fn majority(results: &BTreeMap<String, crate::outcome::CallResult>) -> crate::outcome::CallResult {
    let all: Vec<&crate::outcome::CallResult> = results.values().collect();
    let votes = |r: &crate::outcome::CallResult| all.iter().filter(|o| o.same(r)).count();
    all.iter()
        .max_by_key(|r| votes(r))
        .map(|r| (*r).clone())
        .unwrap_or(crate::outcome::CallResult::Returned(vec![]))
}

/// `base` with `.ext` appended (never replacing a dot already in the name,
/// so `x.shrunk` becomes `x.shrunk.wasm`, not `x.wasm`).
fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}
