//! `tierdiff run`: one module, every engine side by side.

use crate::input::{self, InputError};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tierdiff_runtime::TierKind;

use super::parse_tiers;

/// Options of `tierdiff run`.
#[derive(clap::Args)]
pub(super) struct RunArgs {
    /// A .wasm or .wat file.
    file: PathBuf,
    /// Export to call; without it, a WASI program runs `_start` and any other
    /// module has every exported function called with the fuzzer's argument
    /// sets (zeros, edge values, pseudo-random values).
    #[arg(long)]
    invoke: Option<String>,
    /// Arguments as TYPE:VALUE (i32:7, f64:-0x1p-1, externref:null, externref:3);
    /// for a WASI program without --invoke, the program's arguments.
    args: Vec<String>,
    /// WASI environment variable KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// File whose bytes are the WASI program's stdin (default: empty).
    #[arg(long)]
    stdin: Option<PathBuf>,
    /// Run a WASI program for real (real clock and stdio) in one tier, no
    /// comparison; tierdiff then exits with the program's exit code (134 if
    /// it traps).
    #[arg(long)]
    wasi_real: bool,
    /// Tier to run: classic, fast, jit or all.
    #[arg(long, default_value = "all")]
    tier: String,
    /// Comma-separated engines instead of --tier (built-in names or
    /// ext:NAME=COMMAND, as in `fuzz`).
    #[arg(long, value_delimiter = ',', conflicts_with = "tier")]
    engines: Option<Vec<String>>,
    /// Fuel: a number of units (one per function entry and loop iteration)
    /// or `unlimited`. Default: the fuzzer's limits (fuel and call depth)
    /// for calls without --invoke, so a run always ends; unlimited with
    /// --invoke and for --wasi-real.
    #[arg(long)]
    fuel: Option<String>,
    /// The memory budget: bytes of every memory and table together (8
    /// bytes per table element), e.g. `4GiB`; instantiation past it is
    /// refused and growth past it returns -1, in every engine alike.
    /// Default 1GiB.
    #[arg(long, value_name = "SIZE")]
    memory_budget: Option<String>,
    /// Wall-clock limit of the case over every engine (`90s`, `5m`): past
    /// it the run ends with one line naming the engine (`resource: time`),
    /// exit 1. Default 60s.
    #[arg(long, value_name = "DURATION")]
    case_timeout: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Inject a deliberate runtime bug by name (builds with the
    /// `fault-injection` feature only): for testing the harness itself.
    #[arg(long)]
    fault: Option<String>,
    /// Write each failing finding as a finding folder under DIR/findings/
    /// (module, calls, arguments, limits, WASI world), as a fuzz run does;
    /// `replay` and `shrink` take it.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// The WASI world of `tierdiff run`, or `None` for a module without WASI imports.
fn run_wasi_config(
    a: &RunArgs,
    module: &tierdiff_runtime::Module,
) -> Result<Option<tierdiff_runtime::wasi::WasiConfig>, InputError> {
    let Some(world) = crate::verdict::module_world(module, &a.file) else {
        if a.wasi_real || !a.env.is_empty() || a.stdin.is_some() {
            return Err(InputError(format!(
                "{}: --wasi-real, --env and --stdin need a WASI module (one importing {})",
                a.file.display(),
                tierdiff_runtime::wasi::MODULE
            )));
        }
        return Ok(None);
    };
    if a.wasi_real && a.stdin.is_some() {
        return Err(InputError(
            "--wasi-real reads the real stdin: redirect it (`< FILE`) instead of --stdin".into(),
        ));
    }
    if let Some(bad) = a.env.iter().find(|e| !e.contains('=')) {
        return Err(InputError(format!("--env {bad:?}: expected KEY=VALUE")));
    }
    let stdin = match &a.stdin {
        Some(p) => std::fs::read(p)
            .map_err(|e| InputError(format!("{}: cannot read: {e}", p.display())))?,
        None => Vec::new(),
    };
    // The world `run` gives without flags (argv[0] the file's name), plus
    // the flags' arguments, environment and stdin.
    let mut config = world.config().expect("a world made here has hex stdin");
    if a.invoke.is_none() {
        config.args.extend(a.args.iter().cloned());
    }
    Ok(Some(tierdiff_runtime::wasi::WasiConfig {
        env: a.env.clone(),
        stdin,
        real: a.wasi_real,
        ..config
    }))
}

/// `tierdiff run --wasi-real`: one tier, real clock and stdio, no comparison.
/// The program's own output goes to stdout and stderr as it runs.
fn run_wasi_real(
    a: &RunArgs,
    bytes: &[u8],
    config: &tierdiff_runtime::wasi::WasiConfig,
) -> Result<ExitCode, InputError> {
    if a.json {
        return Err(InputError(
            "--wasi-real writes the program's own output to stdout; it cannot be combined with --json".into(),
        ));
    }
    let tier = if a.tier == "all" {
        *TierKind::implemented().last().expect("at least one tier")
    } else {
        parse_tiers(&a.tier)?[0]
    };
    let engine = crate::engine::build(tier.name()).expect("implemented tier");
    let entry = match a.invoke.as_deref() {
        Some(name) => name,
        None => {
            let module = tierdiff_runtime::Module::new(bytes)
                .map_err(|e| InputError(format!("{}: {e}", a.file.display())))?;
            if crate::plan::wasi_entry(&module).is_none() {
                return Err(InputError(format!(
                    "{}: --wasi-real needs a WASI entry: an exported `_start` taking and returning nothing (or --invoke NAME)",
                    a.file.display()
                )));
            }
            "_start"
        }
    };
    let limits = tierdiff_runtime::Limits {
        fuel: parse_fuel(a.fuel.as_deref())?.unwrap_or(None),
        ..tierdiff_runtime::Limits::default()
    };
    let mut instance = engine
        .instantiate_wasi(bytes, limits, Some(config))
        .map_err(|e| {
            InputError(format!(
                "{}: cannot instantiate in {tier}: {e:?}",
                a.file.display()
            ))
        })?;
    let start = std::time::Instant::now();
    let result = instance.call(entry, &[]);
    let _ = std::io::Write::flush(&mut std::io::stdout());
    eprintln!(
        "tierdiff: {} {} in {tier} after {:.3}s",
        a.file.display(),
        result.describe(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::from(wasi_real_exit_code(&result)))
}

/// The process exit code of `run --wasi-real`, as a shell would see the
/// program's: its `proc_exit` code (low 8 bits), 0 when `_start` returns,
/// and 134 (like a process that aborted) when it traps or cannot run.
fn wasi_real_exit_code(result: &crate::outcome::CallResult) -> u8 {
    match result {
        crate::outcome::CallResult::Exited(code) => (*code & 0xff) as u8,
        crate::outcome::CallResult::Returned(_) => 0,
        _ => WASI_REAL_TRAP_EXIT,
    }
}

/// Exit code of `run --wasi-real` when the program traps.
const WASI_REAL_TRAP_EXIT: u8 = 134;

/// `--fuel`: `None` when not given, else `Some(None)` for `unlimited` or
/// `Some(Some(n))`.
fn parse_fuel(text: Option<&str>) -> Result<Option<Option<u64>>, InputError> {
    match text {
        None => Ok(None),
        Some("unlimited") => Ok(Some(None)),
        Some(t) => t.parse().map(|n| Some(Some(n))).map_err(|_| {
            InputError(format!(
                "--fuel {t:?}: expected a number of units or `unlimited`"
            ))
        }),
    }
}

/// The limits of a comparing run: the fuzzer's fuel and call depth for
/// calls without --invoke (every run ends), nothing extra with it; the
/// memory and table bounds stay the runtime's defaults, so real modules
/// fit. `--fuel` overrides the fuel either way.
fn run_limits(invoke: Option<&str>, fuel: Option<Option<u64>>) -> tierdiff_runtime::Limits {
    let base = if invoke.is_some() {
        tierdiff_runtime::Limits::default()
    } else {
        crate::verdict::module_limits()
    };
    tierdiff_runtime::Limits {
        fuel: fuel.unwrap_or(base.fuel),
        ..base
    }
}

pub(super) fn cmd_run(a: RunArgs) -> Result<ExitCode, InputError> {
    let (file, invoke, args, tier, json) = (
        a.file.as_path(),
        a.invoke.as_deref(),
        a.args.as_slice(),
        a.tier.as_str(),
        a.json,
    );
    let fuel = parse_fuel(a.fuel.as_deref())?;
    if let Some(t) = &a.case_timeout {
        crate::watchdog::set_case_time(super::fuzz::parse_case_timeout(t)?);
    }
    if let Some(name) = &a.fault {
        crate::shrink::select_fault(name).map_err(|e| InputError(format!("--fault: {e}")))?;
    }
    super::select_engines(a.engines.as_deref())?;
    // `all` means every engine: the implemented tiers and the reference.
    let engines: Vec<String> = if let Some(names) = &a.engines {
        names.clone()
    } else if tier == "all" {
        crate::engine::available()
    } else {
        parse_tiers(tier)?
            .iter()
            .map(|t| t.name().to_string())
            .collect()
    };
    let engines: Vec<Box<dyn crate::engine::Engine>> = engines
        .iter()
        .map(|n| crate::engine::open(n).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let module = input::load_module(file)?;
    let wasi = run_wasi_config(&a, &module)?;
    if let Some(config) = wasi.as_ref().filter(|c| c.real) {
        return run_wasi_real(&a, &module.bytes, config);
    }
    if invoke.is_none() && !args.is_empty() && wasi.is_none() {
        return Err(InputError("arguments need --invoke NAME".into()));
    }
    let calls = match invoke {
        Some(name) => {
            let export = module
                .export(name)
                .filter(|e| e.kind == tierdiff_runtime::module::ExportKind::Func);
            let export = export.ok_or_else(|| {
                InputError(format!("{}: no exported function {name:?}", file.display()))
            })?;
            let values = args
                .iter()
                .map(|a| input::parse_arg(a))
                .collect::<Result<Vec<_>, _>>()?;
            let params = &module.func_type(export.index).params;
            let given: Vec<&str> = values.iter().map(|v| v.type_name()).collect();
            if params.len() != values.len()
                || params.iter().zip(&given).any(|(p, g)| p.name() != *g)
            {
                let want: Vec<&str> = params.iter().map(|p| p.name()).collect();
                return Err(InputError(format!(
                    "{name}: signature mismatch: takes [{}], given [{}]",
                    want.join(" "),
                    given.join(" ")
                )));
            }
            Some(vec![crate::plan::PlannedCall {
                export: name.to_string(),
                args: values,
            }])
        }
        None => None,
    };
    let mut limits = run_limits(invoke, fuel);
    if let Some(size) = &a.memory_budget {
        limits.memory_budget =
            input::parse_size(size).map_err(|e| InputError(format!("--memory-budget {e}")))?;
    }
    let setup = crate::shrink::Setup {
        limits: Some(limits),
        wasi: wasi.as_ref().map(crate::verdict::WasiWorld::of),
        calls,
    };
    let options = crate::compare::CaseOptions {
        keep_rows: true,
        keep_going: true,
        ..setup.case_options()
    };
    if let Some(out) = &a.out {
        crate::watchdog::set_pending(out, &module.bytes, |f| {
            crate::report::FindingRecord::of_module(f, file, &setup)
        })
        .map_err(|e| InputError(format!("cannot prepare the run: {e}")))?;
    }
    crate::watchdog::begin_case(0);
    let outcome = crate::verdict::judge(&module.bytes, &engines, limits, options);
    crate::watchdog::end_case();
    crate::watchdog::clear_pending();
    if let Some(why) = crate::verdict::refused_by_all(&outcome) {
        return Err(InputError(format!("{}: {why}", file.display())));
    }
    if json {
        let calls: Vec<_> = outcome
            .rows
            .iter()
            .map(|row| {
                let engines: BTreeMap<_, _> = row.results.iter().map(|(e, r)| (e.clone(), result_json(r))).collect();
                json!({ "export": row.call.export, "args": row.call.args.iter().map(|v| v.to_string()).collect::<Vec<_>>(), "engines": engines, "agree": !row.differs })
            })
            .collect();
        let wasi: BTreeMap<_, _> = outcome
            .wasi
            .iter()
            .map(|(e, o)| {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                (e.clone(), json!({ "stdout": text(&o.stdout), "stderr": text(&o.stderr), "exit_code": o.exit_code }))
            })
            .collect();
        let mut report = json!({ "module": file.display().to_string(), "instantiate": outcome.instantiate, "calls": calls, "findings": outcome.findings, "inconclusive": outcome.inconclusive });
        if !wasi.is_empty() {
            report["wasi"] = json!(wasi);
        }
        println!("{report}");
    } else {
        for (engine, r) in &outcome.instantiate {
            if *r != crate::outcome::InstantiateResult::Ok {
                println!("instantiate  {engine:<8} {r:?}");
            }
        }
        for row in &outcome.rows {
            let args: Vec<String> = row.call.args.iter().map(|v| v.to_string()).collect();
            println!(
                "{}({}){}",
                row.call.export,
                args.join(", "),
                if row.differs {
                    "   <-- engines disagree"
                } else {
                    ""
                }
            );
            for (engine, r) in &row.results {
                println!("  {engine:<8} {}", r.describe());
            }
        }
        for (engine, o) in &outcome.wasi {
            println!(
                "wasi  {engine:<8} stdout {} bytes, stderr {} bytes{}",
                o.stdout.len(),
                o.stderr.len(),
                o.exit_code
                    .map_or(String::new(), |c| format!(", exit code {c}"))
            );
        }
        if let Some((engine, o)) = outcome.wasi.iter().next() {
            println!("--- stdout ({engine}) ---");
            print!("{}", String::from_utf8_lossy(&o.stdout));
            if !o.stderr.is_empty() {
                println!("--- stderr ({engine}) ---");
                print!("{}", String::from_utf8_lossy(&o.stderr));
            }
            println!("---");
        }
        for f in &outcome.findings {
            println!("FINDING {}: {}", f.signature, f.message);
        }
        if let Some(reason) = outcome.inconclusive {
            println!("(inconclusive: {})", reason.describe());
        }
    }
    let out_of_fuel = outcome.rows.iter().any(|row| {
        row.results.values().any(|r| {
            matches!(r, crate::outcome::CallResult::Trapped(c) if *c == tierdiff_runtime::TrapCode::OutOfFuel)
        })
    });
    if out_of_fuel {
        eprintln!(
            "tierdiff: a call ran out of fuel ({}); --fuel N or --fuel unlimited changes that",
            limits
                .fuel
                .map_or("unlimited".to_string(), |f| format!("{f} units"))
        );
    }
    if let Some(out) = &a.out {
        for f in outcome.findings.iter().filter(|f| f.kind.is_failure()) {
            let record = crate::report::FindingRecord::of_module(f.clone(), file, &setup);
            let (dir, _) = crate::report::write_finding(out, &record, &module.bytes)
                .map_err(|e| InputError(format!("{}: {e}", out.display())))?;
            eprintln!("tierdiff: finding written to {}", dir.display());
        }
    }
    let fails = outcome.findings.iter().any(|f| f.kind.is_failure());
    Ok(ExitCode::from(u8::from(fails)))
}

/// One engine's answer to one call, for `--json`.
fn result_json(r: &crate::outcome::CallResult) -> serde_json::Value {
    match r {
        crate::outcome::CallResult::Returned(v) => {
            json!({ "results": v.iter().map(|x| x.to_string()).collect::<Vec<_>>() })
        }
        crate::outcome::CallResult::Trapped(c) => json!({ "trap": c.name() }),
        crate::outcome::CallResult::Exited(code) => json!({ "exit": code }),
        crate::outcome::CallResult::Crashed(m) => json!({ "crash": m }),
    }
}
