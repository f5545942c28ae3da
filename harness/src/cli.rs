//! The `tierdiff` command line.
//!
//! Contract (README, "Architecture"): `--json` prints exactly one JSON object
//! on stdout; progress and diagnostics go to stderr. Exit codes: 0 all
//! passed / nothing found, 1 failures or findings, 2 bad usage or bad input.

use crate::input::{self, InputError};
use crate::spec::{self, Counts, FileResult, TierReport, WastSource};
use clap::{Parser, Subcommand};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tierdiff_runtime::TierKind;

#[derive(Parser)]
#[command(
    name = "tierdiff",
    version,
    about = "Differential testing of WebAssembly execution tiers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate modules and diff every engine on them; writes a report folder.
    Fuzz(FuzzArgs),
    /// Re-run saved cases: regression cases, finding folders, modules, cargo-fuzz artifacts, folders of them.
    Replay {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Minimise a finding (folder, finding.json or module), keeping its kind and engines.
    Shrink {
        /// A finding folder, its finding.json, or a .wasm/.wat module.
        file: PathBuf,
        /// Output path without extension (default: <folder>/shrunk or <file>.shrunk).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Also write a ready-to-review regression case corpus/regressions/NAME.{wat,json}.
        #[arg(long)]
        into: Option<PathBuf>,
        /// Shrink attempts.
        #[arg(long, default_value_t = 1000)]
        attempts: u32,
    },
    /// Benchmark kernels on every tier and the reference engines.
    Bench(crate::bench::BenchArgs),
    /// Internal: the worker process a fuzz run supervises.
    #[command(hide = true)]
    FuzzWorker {
        #[arg(long)]
        config: String,
        #[arg(long)]
        start: u64,
        #[arg(long)]
        count: Option<u64>,
        #[arg(long)]
        millis: Option<u64>,
    },
    /// Run the WebAssembly 2.0 spec testsuite (or your own .wast files) through the tiers.
    Spec {
        /// Tier to run: classic, fast, jit or all (every implemented tier).
        #[arg(long, default_value = "all")]
        tier: String,
        /// Run only this file of the built-in suite (e.g. i32.wast or i32).
        #[arg(long)]
        file: Option<String>,
        /// Print one JSON object on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// .wast files or directories to run instead of the built-in suite.
        paths: Vec<PathBuf>,
    },
    /// Run one module's export in the tiers and show their results side by side.
    ///
    /// A WASI program (importing wasi_snapshot_preview1) runs `_start` in
    /// every engine with deterministic WASI; arguments after `--` are its argv.
    Run(RunArgs),
}

/// Runs the CLI and returns the process exit code. The work runs on a
/// thread with a big stack, so the JIT can call wasm directly on it.
pub fn main() -> ExitCode {
    tierdiff_runtime::stack::run_with_big_stack(tierdiff_runtime::stack::BIG_STACK, cli_main)
}

fn cli_main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Fuzz(args) => cmd_fuzz(args),
        Command::Replay { paths, json } => cmd_replay(&paths, json),
        Command::Bench(args) => crate::bench::cmd_bench(&args),
        Command::Shrink {
            file,
            out,
            into,
            attempts,
        } => cmd_shrink(&file, out, into, attempts),
        Command::FuzzWorker {
            config,
            start,
            count,
            millis,
        } => {
            let config: crate::fuzz::FuzzConfig = match serde_json::from_str(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("tierdiff: bad worker configuration: {e}");
                    return ExitCode::from(2);
                }
            };
            match crate::fuzz::worker(&config, start, count, millis) {
                Ok(()) => return ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("tierdiff worker: {e}");
                    return ExitCode::from(3);
                }
            }
        }
        Command::Spec {
            tier,
            file,
            json,
            paths,
        } => cmd_spec(&tier, file.as_deref(), json, &paths),
        Command::Run(args) => cmd_run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tierdiff: {e}");
            ExitCode::from(2)
        }
    }
}

/// Resolves `--tier`: one implemented tier, or `all` of them.
pub fn parse_tiers(name: &str) -> Result<Vec<TierKind>, InputError> {
    if name == "all" {
        return Ok(TierKind::implemented());
    }
    let tier = TierKind::parse(name).ok_or_else(|| {
        InputError(format!(
            "unknown tier {name:?} (expected classic, fast, jit or all)"
        ))
    })?;
    if !tier.is_implemented() {
        return Err(InputError(format!(
            "tier {name} is not implemented yet (implemented: {})",
            names(&TierKind::implemented())
        )));
    }
    Ok(vec![tier])
}

fn names(tiers: &[TierKind]) -> String {
    tiers
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn cmd_spec(
    tier: &str,
    file: Option<&str>,
    json: bool,
    paths: &[PathBuf],
) -> Result<ExitCode, InputError> {
    let tiers = parse_tiers(tier)?;
    let (suite, sources) = if paths.is_empty() {
        let mut all = spec::builtin_suite();
        if let Some(f) = file {
            let want = if f.ends_with(".wast") {
                f.to_string()
            } else {
                format!("{f}.wast")
            };
            all.retain(|s| s.name == want);
            if all.is_empty() {
                return Err(InputError(format!(
                    "--file {f}: no such file in the wasm-v2 suite"
                )));
            }
        }
        ("wasm-v2", all)
    } else {
        if file.is_some() {
            return Err(InputError(
                "--file selects from the built-in suite; it cannot be combined with paths".into(),
            ));
        }
        ("files", collect_wast(paths)?)
    };
    let mut report: BTreeMap<&str, TierReport> = BTreeMap::new();
    let mut failures_shown = 0;
    for &tier in &tiers {
        let results = run_parallel(&sources, tier);
        let tier_report = report.entry(tier.name()).or_default();
        for (source, result) in sources.iter().zip(&results) {
            tier_report.totals.add(&result.counts);
            tier_report
                .files
                .insert(source.name.clone(), result.counts.clone());
            for f in &result.failures {
                if failures_shown < 50 {
                    eprintln!(
                        "FAIL [{tier}] {}:{} {}: {}",
                        source.name, f.line, f.directive, f.reason
                    );
                }
                failures_shown += 1;
            }
        }
    }
    if failures_shown > 50 {
        eprintln!("... and {} more failures", failures_shown - 50);
    }
    if json {
        println!("{}", json!({ "suite": suite, "tiers": report }));
    } else {
        print_spec_table(&report);
    }
    let failed: u64 = report.values().map(|r| r.totals.failed).sum();
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}

/// Runs every file on one tier, spread over the machine's cores, keeping order.
fn run_parallel(sources: &[WastSource], tier: TierKind) -> Vec<FileResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<FileResult>>> = sources
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(source) = sources.get(i) else { break };
                // A big stack lets the JIT call wasm on this thread directly.
                let r = tierdiff_runtime::stack::run_with_big_stack(
                    tierdiff_runtime::stack::BIG_STACK,
                    || spec::run_file(source, tier),
                );
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                eprintln!(
                    "[{tier} {n}/{}] {}: {} passed, {} failed",
                    sources.len(),
                    source.name,
                    r.counts.passed,
                    r.counts.failed
                );
                *results[i].lock().expect("no panics while holding") = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().expect("no poison").expect("every file ran"))
        .collect()
}

fn print_spec_table(report: &BTreeMap<&str, TierReport>) {
    for (tier, r) in report {
        println!("tier {tier}");
        println!(
            "  {:<40} {:>8} {:>8} {:>8}",
            "file", "passed", "failed", "skipped"
        );
        for (name, c) in &r.files {
            println!(
                "  {:<40} {:>8} {:>8} {:>8}",
                name, c.passed, c.failed, c.skipped
            );
        }
        let Counts {
            passed,
            failed,
            skipped,
        } = r.totals;
        println!(
            "  {:<40} {:>8} {:>8} {:>8}",
            "TOTAL", passed, failed, skipped
        );
    }
}

/// Expands files and directories (recursively) into `.wast` sources.
fn collect_wast(paths: &[PathBuf]) -> Result<Vec<WastSource>, InputError> {
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files)?;
    }
    if files.is_empty() {
        return Err(InputError(format!(
            "no .wast files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| InputError(format!("{}: cannot read: {e}", f.display())))?;
            Ok(WastSource {
                name: f.display().to_string(),
                text,
            })
        })
        .collect()
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let meta =
        std::fs::metadata(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    if meta.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            let p = entry.path();
            if p.is_dir() || p.extension().is_some_and(|e| e == "wast") {
                walk(&p, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Options of `tierdiff run`.
#[derive(clap::Args)]
struct RunArgs {
    /// A .wasm or .wat file.
    file: PathBuf,
    /// Export to call; without it, every exported function is called with zero arguments.
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
    /// Fuel for the call (default unlimited).
    #[arg(long)]
    fuel: Option<u64>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// The WASI world of `tierdiff run`, or `None` for a module without WASI imports.
fn run_wasi_config(
    a: &RunArgs,
    module: &tierdiff_runtime::Module,
) -> Result<Option<tierdiff_runtime::wasi::WasiConfig>, InputError> {
    let imports_wasi = module
        .imports
        .iter()
        .any(|i| i.module == tierdiff_runtime::wasi::MODULE);
    if !imports_wasi {
        if a.wasi_real || !a.env.is_empty() || a.stdin.is_some() {
            return Err(InputError(format!(
                "{}: --wasi-real, --env and --stdin need a WASI module (one importing {})",
                a.file.display(),
                tierdiff_runtime::wasi::MODULE
            )));
        }
        return Ok(None);
    }
    if let Some(bad) = a.env.iter().find(|e| !e.contains('=')) {
        return Err(InputError(format!("--env {bad:?}: expected KEY=VALUE")));
    }
    let stdin = match &a.stdin {
        Some(p) => std::fs::read(p)
            .map_err(|e| InputError(format!("{}: cannot read: {e}", p.display())))?,
        None => Vec::new(),
    };
    let program = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let mut args = vec![program];
    if a.invoke.is_none() {
        args.extend(a.args.iter().cloned());
    }
    Ok(Some(tierdiff_runtime::wasi::WasiConfig {
        args,
        env: a.env.clone(),
        stdin,
        real: a.wasi_real,
        ..Default::default()
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
    let limits = tierdiff_runtime::Limits {
        fuel: a.fuel,
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
    let result = instance.call(a.invoke.as_deref().unwrap_or("_start"), &[]);
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

fn cmd_run(a: RunArgs) -> Result<ExitCode, InputError> {
    let (file, invoke, args, tier, fuel, json) = (
        a.file.as_path(),
        a.invoke.as_deref(),
        a.args.as_slice(),
        a.tier.as_str(),
        a.fuel,
        a.json,
    );
    // `all` means every engine: the implemented tiers and the reference.
    let engines: Vec<String> = if tier == "all" {
        crate::engine::available()
    } else {
        parse_tiers(tier)?
            .iter()
            .map(|t| t.name().to_string())
            .collect()
    };
    let engines: Vec<Box<dyn crate::engine::Engine>> = engines
        .iter()
        .map(|n| crate::engine::build(n).expect("available engine"))
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
    let limits = tierdiff_runtime::Limits {
        fuel,
        ..tierdiff_runtime::Limits::default()
    };
    let options = crate::compare::CaseOptions {
        calls,
        keep_rows: true,
        keep_going: true,
        wasi,
    };
    let outcome = crate::compare::run_case_with(&module.bytes, &engines, limits, options);
    if let Some((name, r)) = outcome
        .instantiate
        .iter()
        .find(|(_, r)| **r != crate::outcome::InstantiateResult::Ok)
    {
        // Every engine failing the same way is bad input; a disagreement is a finding.
        let all_same = outcome.instantiate.values().all(|x| x.tag() == r.tag());
        if all_same && !matches!(r, crate::outcome::InstantiateResult::Trapped(_)) {
            let why = match r {
                crate::outcome::InstantiateResult::Unlinkable(m)
                | crate::outcome::InstantiateResult::Resource(m)
                | crate::outcome::InstantiateResult::Rejected(m)
                | crate::outcome::InstantiateResult::Crashed(m) => m.clone(),
                other => format!("{other:?}"),
            };
            return Err(InputError(format!(
                "{}: cannot instantiate in {name}: {why}",
                file.display()
            )));
        }
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
        if outcome.inconclusive {
            println!("(inconclusive: an engine hit a limit of its own)");
        }
    }
    Ok(ExitCode::from(if outcome.findings.is_empty() {
        0
    } else {
        1
    }))
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

/// Options of `tierdiff fuzz`.
#[derive(clap::Args)]
struct FuzzArgs {
    /// Seed of the run (default: from the clock, printed and recorded).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of cases in this shard (default 2000 unless --time is given).
    #[arg(long)]
    iterations: Option<u64>,
    /// Wall-clock budget, e.g. 60s, 10m, 1h.
    #[arg(long)]
    time: Option<String>,
    /// Run shard K of N (1-based), e.g. 2/4, so N machines split one seed.
    #[arg(long, default_value = "1/1")]
    shard: String,
    /// Comma-separated engines (default: every implemented tier and wasmi).
    #[arg(long, value_delimiter = ',')]
    engines: Option<Vec<String>>,
    /// Report folder (default: a fresh folder under reports/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run cases in this process instead of a supervised worker process.
    #[arg(long)]
    in_process: bool,
    /// Inject a deliberate runtime bug (builds with the fault-injection feature only).
    #[arg(long)]
    fault: Option<String>,
    /// Shrink each new finding (written beside it as shrunk.wasm/.wat).
    #[arg(long)]
    shrink: bool,
    /// Print the report object on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_shard(text: &str) -> Result<(u64, u64), InputError> {
    let bad = || InputError(format!("--shard {text:?}: expected K/N with 1 <= K <= N"));
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn cmd_fuzz(a: FuzzArgs) -> Result<ExitCode, InputError> {
    let time = a
        .time
        .as_deref()
        .map(|t| {
            crate::fuzz::parse_duration(t)
                .ok_or_else(|| InputError(format!("--time {t:?}: expected e.g. 60s, 10m or 1h")))
        })
        .transpose()?;
    let iterations = match (a.iterations, time) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        (None, None) => Some(2000),
    };
    let available = crate::engine::available();
    let engines = a.engines.unwrap_or_else(|| available.clone());
    if let Some(bad) = engines.iter().find(|e| !available.contains(e)) {
        return Err(InputError(format!(
            "--engines: {bad:?} is not available (available: {})",
            available.join(", ")
        )));
    }
    if engines.is_empty() {
        return Err(InputError("--engines: name at least one engine".into()));
    }
    if let Some(f) = &a.fault {
        let names: Vec<&str> = tierdiff_runtime::fault::Fault::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        let fault = tierdiff_runtime::fault::Fault::parse(f).ok_or_else(|| {
            InputError(format!(
                "--fault {f:?}: unknown (faults: {})",
                names.join(", ")
            ))
        })?;
        tierdiff_runtime::fault::set(Some(fault))
            .map_err(|e| InputError(format!("--fault {f}: {e}")))?;
    }
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let out = a.out.unwrap_or_else(|| crate::fuzz::default_out_dir(seed));
    let config = crate::fuzz::FuzzConfig {
        seed,
        shard: parse_shard(&a.shard)?,
        iterations,
        time,
        engines,
        out: out.clone(),
        fault: a.fault,
        shrink: a.shrink,
    };
    eprintln!(
        "tierdiff fuzz: seed {seed}, shard {}/{}, engines {}, writing to {}",
        config.shard.0,
        config.shard.1,
        config.engines.join(","),
        out.display()
    );
    let progress = match iterations {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} cases {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let command_line: Vec<String> = std::env::args().collect();
    let report = crate::fuzz::run(&config, command_line, a.in_process, &progress)
        .map_err(|e| InputError(format!("{}: {e}", out.display())))?;
    progress.finish_and_clear();
    eprintln!("{}", crate::report::summary_line(&report));
    for f in &report.findings {
        eprintln!("  {} x{}: {}  ({})", f.signature, f.count, f.message, f.dir);
    }
    eprintln!("Report: {}", out.join("summary.md").display());
    if a.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("reports serialise")
        );
    }
    Ok(ExitCode::from(if report.findings.is_empty() {
        0
    } else {
        1
    }))
}

fn cmd_replay(paths: &[PathBuf], json: bool) -> Result<ExitCode, InputError> {
    let results = crate::replay::replay(paths)?;
    let failed = results.iter().filter(|r| !r.passed).count();
    if json {
        println!(
            "{}",
            json!({ "cases": results, "passed": results.len() - failed, "failed": failed })
        );
    } else {
        for r in &results {
            println!(
                "{} [{}] {}",
                if r.passed { "PASS" } else { "FAIL" },
                r.kind,
                r.path
            );
            for d in &r.details {
                println!("    {d}");
            }
        }
    }
    eprintln!("{} passed, {} failed", results.len() - failed, failed);
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}

fn cmd_shrink(
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
