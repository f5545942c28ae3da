//! `tierdiff shrink`: minimise a finding, showing progress, and say in one
//! paragraph what came out.

use crate::input::{self, InputError};
use crate::reduce::Budget;
use crate::shrink::{self, with_ext};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ShrinkArgs {
    /// A finding folder (of `fuzz`, `run --out` or `replay --out`), its
    /// finding.json, or a .wasm/.wat module (run as `tierdiff run` runs it).
    file: PathBuf,
    /// Output path without extension (default: <folder>/shrunk or <file>.shrunk).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Also write a ready-to-review regression case corpus/regressions/NAME.{wat,json}.
    #[arg(long)]
    into: Option<PathBuf>,
    /// Seconds to spend at most.
    #[arg(long, default_value_t = 60)]
    time: u64,
    /// Candidates to run at most.
    #[arg(long, default_value_t = 20_000)]
    attempts: u64,
    /// Comma-separated engines instead of the default set (a finding made
    /// with --engines shrinks in its own engines without this).
    #[arg(long, value_delimiter = ',')]
    engines: Option<Vec<String>>,
}

/// Attempts of each wasm-shrink pass.
const WASM_SHRINK_ATTEMPTS: u32 = 200;

pub(super) fn cmd_shrink(a: ShrinkArgs) -> Result<ExitCode, InputError> {
    let file = a.file.as_path();
    let dir = if file.is_dir() {
        Some(file.to_path_buf())
    } else if file.file_name().is_some_and(|n| n == "finding.json") {
        file.parent().map(Path::to_path_buf)
    } else {
        None
    };
    let bad = |why: String| InputError(format!("{}: {why}", file.display()));
    super::select_engines(a.engines.as_deref())?;
    // A finding made in other engines shrinks in those (and so do the
    // shrink workers, which inherit the selection).
    if let (None, Some(d)) = (&a.engines, &dir) {
        if let Some(names) = crate::report::FindingRecord::load(d)
            .ok()
            .and_then(|r| r.engines)
        {
            super::select_engines(Some(&names))
                .map_err(|e| bad(format!("the finding ran in {}: {e}", names.join(","))))?;
        }
    }
    let engines = crate::corpus::all_engines();
    let (wasm, finding, fault, setup) = match &dir {
        Some(d) => {
            let wasm = std::fs::read(d.join("module.wasm"))
                .map_err(|e| bad(format!("cannot read module.wasm: {e}")))?;
            let record = crate::report::FindingRecord::load(d).map_err(bad)?;
            tierdiff_runtime::Module::new(&wasm)
                .map_err(|e| bad(format!("module.wasm does not load: {e}")))?;
            if let Some(name) = &record.fault {
                shrink::select_fault(name)
                    .map_err(|e| bad(format!("the finding was made with --fault {name}: {e}")))?;
            }
            let setup = shrink::Setup::of(&record);
            (wasm, record.finding, record.fault, setup)
        }
        None => {
            let wasm = input::load_module(file)?.bytes.to_vec();
            let module = tierdiff_runtime::Module::new(&wasm).map_err(|e| bad(e.to_string()))?;
            // The module as `tierdiff run` (and `replay`) runs it.
            let setup = shrink::module_setup(&module, file);
            // Finding what to shrink counts against --time too.
            crate::watchdog::set_case_time(Duration::from_secs(a.time.max(1)));
            crate::watchdog::begin_case(0);
            let finding = shrink::first_finding(&wasm, &setup, &engines);
            crate::watchdog::end_case();
            let finding =
                finding.ok_or_else(|| bad("no finding to shrink (every engine agrees)".into()))?;
            (wasm, finding, None, setup)
        }
    };
    eprintln!(
        "shrinking {} ({} bytes{})...",
        finding.signature,
        wasm.len(),
        fault
            .as_deref()
            .map_or(String::new(), |f| format!(", fault {f}"))
    );
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
            .expect("valid template"),
    );
    progress.enable_steady_tick(Duration::from_millis(200));
    let options = shrink::Options {
        budget: Budget {
            time: Duration::from_secs(a.time),
            attempts: a.attempts,
            wasm_shrink_attempts: WASM_SHRINK_ATTEMPTS,
        },
        fault: fault.clone(),
        worker: std::env::current_exe().ok(),
        setup,
    };
    let shrunk = shrink::shrink(&wasm, &finding, &engines, &options, &progress);
    progress.finish_and_clear();
    let shrunk = shrunk.map_err(bad)?;
    let base = a.out.unwrap_or_else(|| match &dir {
        Some(d) => d.join("shrunk"),
        None => file.with_file_name(format!(
            "{}.shrunk",
            file.file_stem()
                .map_or_else(|| "module".into(), |s| s.to_string_lossy())
        )),
    });
    shrink::write(&base, &shrunk, fault.as_deref())
        .map_err(|e| InputError(format!("{}: {e}", base.display())))?;
    println!("{}", shrink::summary(&shrunk));
    println!(
        "written: {} (module), {} (text), {} (calls; `tierdiff replay` runs it)",
        with_ext(&base, "wasm").display(),
        with_ext(&base, "wat").display(),
        with_ext(&base, "json").display()
    );
    if let Some(into) = a.into {
        let path = write_case(
            &into,
            &shrunk,
            &finding,
            fault.as_deref(),
            &shrunk.setup,
            file,
            &engines,
        )?;
        println!(
            "regression case: {} (review its expectations before committing)",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `<into>.wat` and `<into>.json`: the shrunk module and its calls,
/// expecting what most engines do. A faulted finding's expectations come
/// from the runtime without the fault.
fn write_case(
    into: &Path,
    shrunk: &shrink::Shrunk,
    finding: &crate::compare::Finding,
    fault: Option<&str>,
    setup: &shrink::Setup,
    file: &Path,
    engines: &[Box<dyn crate::engine::Engine>],
) -> Result<PathBuf, InputError> {
    use crate::outcome::CallResult;
    if fault.is_some() {
        tierdiff_runtime::fault::set(None).expect("clearing a fault never fails");
    } else if crate::reduce::Target::of(finding).is_process_crash() {
        return Err(InputError(format!(
            "{}: --into: the shrunk case kills the process, so its expectations cannot be taken from a run; write them by hand",
            file.display()
        )));
    }
    let limits = setup.shrink_limits();
    let outcome = crate::compare::run_case_with(
        &shrunk.case.wasm,
        engines,
        limits,
        crate::compare::CaseOptions {
            keep_rows: true,
            keep_going: true,
            ..setup.options(shrunk.case.calls.clone())
        },
    );
    let calls = outcome
        .rows
        .iter()
        .map(|row| {
            let args = row.call.args.iter().map(|a| a.to_string()).collect();
            let mut spec = crate::corpus::CallSpec {
                invoke: row.call.export.clone(),
                args,
                expect: None,
                trap: None,
                exit: None,
            };
            match majority(&row.results) {
                CallResult::Returned(v) => {
                    spec.expect = Some(v.iter().map(|x| x.to_string()).collect())
                }
                CallResult::Trapped(c) => spec.trap = Some(c.name().to_string()),
                CallResult::Exited(code) => spec.exit = Some(code),
                CallResult::Crashed(_) => spec.trap = Some("host-error".into()),
            }
            spec
        })
        .collect();
    let expectations = match fault {
        Some(f) => format!("the runtime without the fault {f} (the finding needs --fault {f})"),
        None => "the majority result".to_string(),
    };
    let spec = crate::corpus::CaseSpec {
        description: format!(
            "shrunk {} finding between {}; REVIEW: expectations are {expectations}",
            finding.kind.name(),
            finding.engines.join(" and ")
        ),
        bug_class: finding.kind.name().to_string(),
        origin: format!("tierdiff shrink {}", file.display()),
        limits: Some(crate::corpus::LimitsSpec {
            fuel: limits.fuel,
            max_call_depth: Some(limits.max_call_depth),
            max_memory_pages: Some(limits.max_memory_pages),
            max_table_elements: Some(limits.max_table_elements),
            memory_budget: Some(limits.memory_budget),
            jit_compile: (limits.jit_compile != Default::default()).then_some(limits.jit_compile),
            jit_codegen: (limits.jit_codegen != Default::default()).then_some(limits.jit_codegen),
            call_through_forwarder: limits.call_through_forwarder.then_some(true),
        }),
        skip_reference: None,
        wasi: setup.wasi_config().map(|c| crate::corpus::WasiSpec {
            args: c.args,
            env: c.env,
            stdin: String::from_utf8_lossy(&c.stdin).into_owned(),
            seed: Some(c.seed),
            ..Default::default()
        }),
        calls,
        globals: Default::default(),
    };
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).map_err(|e| InputError(format!("{}: {e}", path.display())))
    };
    if let Some(parent) = into.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| InputError(format!("{}: {e}", parent.display())))?;
    }
    write(
        with_ext(into, "wat"),
        shrink::wat_of(&shrunk.case.wasm).as_bytes(),
    )?;
    let json = with_ext(into, "json");
    write(
        json.clone(),
        serde_json::to_string_pretty(&spec)
            .expect("serialises")
            .as_bytes(),
    )?;
    Ok(json)
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

/// The hidden `shrink-worker` command: judges attempts sent on stdin.
pub(super) fn cmd_shrink_worker(fault: Option<&str>) -> ExitCode {
    if let Some(name) = fault {
        if let Err(e) = shrink::select_fault(name) {
            eprintln!("tierdiff shrink-worker: {e}");
            return ExitCode::from(2);
        }
    }
    match crate::reduce::oracle::serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tierdiff shrink-worker: {e}");
            ExitCode::from(3)
        }
    }
}
