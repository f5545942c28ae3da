//! The `tierdiff` command line.
//!
//! Contract (README, "Architecture"): `--json` prints exactly one JSON object
//! on stdout; progress and diagnostics go to stderr. Exit codes: 0 all
//! passed / nothing found, 1 failures or findings, 2 bad usage or bad input.

mod adapter;
mod fuzz;
mod merge;
mod replay;
mod run;
mod shrink;
mod spec;

use crate::input::InputError;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
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
    Fuzz(fuzz::FuzzArgs),
    /// Re-run saved cases: regression cases, finding folders, modules, cargo-fuzz artifacts, folders of them.
    Replay {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write the failing findings as finding folders under DIR/findings/
        /// (as a fuzz run does), for `replay` and `shrink`.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Wall-clock limit per case over every engine (e.g. 5s, 2m; default
        /// 60s): a case past it ends the replay as a `resource: time` finding.
        #[arg(long, value_name = "TIME")]
        case_timeout: Option<String>,
        /// Comma-separated engines instead of the default set (a finding
        /// made with --engines replays in its own engines without this).
        #[arg(long, value_delimiter = ',')]
        engines: Option<Vec<String>>,
    },
    /// Minimise a finding (folder, finding.json or module), keeping its signature.
    Shrink(shrink::ShrinkArgs),
    /// Benchmark kernels on every tier and the reference engines.
    Bench(crate::bench::BenchArgs),
    /// Internal: the worker process a fuzz run supervises.
    #[command(hide = true)]
    FuzzWorker {
        #[arg(long)]
        config: String,
        /// Which worker this is (names its inflight folder).
        #[arg(long)]
        worker: usize,
        /// First case index; the worker then steps by the config's `jobs`.
        #[arg(long)]
        start: u64,
        /// Case index to stop before.
        #[arg(long)]
        end: Option<u64>,
        #[arg(long)]
        millis: Option<u64>,
    },
    /// Merge the reports of several fuzz runs (shards) into one report folder.
    Merge(merge::MergeArgs),
    /// Internal: judges shrink attempts in a process of its own (for findings that kill it).
    #[command(hide = true)]
    ShrinkWorker {
        #[arg(long)]
        fault: Option<String>,
    },
    /// Run the spec testsuite (WebAssembly 2.0 and proposals), or your own .wast files, through the tiers.
    Spec {
        /// Tier to run: classic, fast, jit or all (every implemented tier).
        #[arg(long, default_value = "all")]
        tier: String,
        /// Built-in suites, comma-separated: default (the WebAssembly 2.0
        /// core files plus every proposal the runtime accepts), core, all,
        /// or proposals: simd, tail-call, extended-const, multi-memory,
        /// memory64 (runnable by name before the runtime accepts them).
        #[arg(long)]
        suite: Option<String>,
        /// Run only this file of the selected suites (e.g. i32.wast, i32, or
        /// simd/simd_lane.wast).
        #[arg(long)]
        file: Option<String>,
        /// Print one JSON object on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Wall-clock limit per .wast file and tier (e.g. 90s, 10m; default
        /// 5m): a file past it ends the run with one line naming it.
        #[arg(long, value_name = "TIME")]
        case_timeout: Option<String>,
        /// .wast files or directories to run instead of the built-in suite.
        paths: Vec<PathBuf>,
    },
    /// Run one module's export in the tiers and show their results side by side.
    ///
    /// A WASI program (importing wasi_snapshot_preview1) runs `_start` in
    /// every engine with deterministic WASI; arguments after `--` are its argv.
    Run(run::RunArgs),
    /// Serve one engine over the adapter protocol on stdin/stdout (JSON lines; README, "Testing your own runtime").
    Adapter(adapter::AdapterArgs),
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
    let supervised = matches!(
        cli.command,
        Command::Run(_) | Command::Replay { .. } | Command::Shrink(_) | Command::Spec { .. }
    );
    if supervised {
        if std::env::var_os(SUPERVISED_ENV).is_none() {
            return run_supervised();
        }
        crate::watchdog::start(
            crate::watchdog::WatchLimits::default(),
            crate::watchdog::supervised_dir(std::process::id()),
        );
    }
    let result = match cli.command {
        Command::Fuzz(args) => fuzz::cmd_fuzz(args),
        Command::Replay {
            paths,
            out,
            json,
            case_timeout,
            engines,
        } => select_engines(engines.as_deref()).and_then(|()| {
            replay::cmd_replay(&paths, out.as_deref(), json, case_timeout.as_deref())
        }),
        Command::Bench(args) => crate::bench::cmd_bench(&args),
        Command::Shrink(args) => shrink::cmd_shrink(args),
        Command::ShrinkWorker { fault } => return shrink::cmd_shrink_worker(fault.as_deref()),
        Command::Merge(args) => merge::cmd_merge(args),
        Command::FuzzWorker {
            config,
            worker,
            start,
            end,
            millis,
        } => {
            let config: crate::fuzz::FuzzConfig = match serde_json::from_str(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("tierdiff: bad worker configuration: {e}");
                    return ExitCode::from(2);
                }
            };
            let lane = crate::fuzz::Lane {
                start,
                stride: config.jobs.max(1),
                end,
            };
            match crate::fuzz::worker(&config, worker, lane, millis) {
                Ok(()) => return ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("tierdiff worker: {e}");
                    return ExitCode::from(3);
                }
            }
        }
        Command::Spec {
            tier,
            suite,
            file,
            json,
            case_timeout,
            paths,
        } => spec::cmd_spec(
            &tier,
            suite.as_deref(),
            file.as_deref(),
            json,
            case_timeout.as_deref(),
            &paths,
        ),
        Command::Run(args) => run::cmd_run(args),
        Command::Adapter(args) => adapter::cmd_adapter(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tierdiff: {e}");
            ExitCode::from(2)
        }
    }
}

/// Set in the child that `run`, `replay`, `shrink` and `spec` run in.
const SUPERVISED_ENV: &str = "TIERDIFF_SUPERVISED";

/// Runs this very command line again in a child process under the
/// watchdog (a case past its time or the process past its memory ends it
/// with one line saying which engine tripped what), and reports a child
/// that dies (a crash of an engine) in one line: exit 1 either way, as for
/// a finding. The child's own exit code passes through otherwise.
fn run_supervised() -> ExitCode {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("tierdiff: cannot find its own executable to supervise the run");
        return ExitCode::from(2);
    };
    let child = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(SUPERVISED_ENV, "1")
        .spawn();
    let status = child.and_then(|mut c| Ok((c.id(), c.wait()?)));
    let pid = status.as_ref().ok().map(|(pid, _)| *pid);
    let code = match status {
        Err(e) => {
            eprintln!("tierdiff: cannot start the supervised run: {e}");
            ExitCode::from(2)
        }
        // The watchdog already said what tripped; the case it ran is saved
        // if the command writes findings.
        Ok((pid, s)) if s.code() == Some(crate::watchdog::TRIPPED_EXIT) => {
            let dir = crate::watchdog::supervised_dir(pid);
            let tripped = crate::watchdog::Tripped::read(&dir);
            match tripped.and_then(|t| crate::watchdog::save_pending(&dir, &t)) {
                Some(Ok(folder)) => {
                    eprintln!("tierdiff: finding written to {}", folder.display())
                }
                Some(Err(e)) => eprintln!("tierdiff: cannot write the finding: {e}"),
                None => {}
            }
            ExitCode::from(1)
        }
        Ok((_, s)) => match s.code() {
            Some(code) => ExitCode::from(code as u8),
            None => {
                eprintln!("tierdiff: crash: the process running the case died ({s})");
                ExitCode::from(1)
            }
        },
    };
    if let Some(pid) = pid {
        let _ = std::fs::remove_dir_all(crate::watchdog::supervised_dir(pid));
    }
    code
}

/// Checks `--engines`: every name opens (an adapter starts and says hello),
/// and no engine is named twice. Returns them opened; a process that runs
/// cases elsewhere (a worker) opens its own.
pub fn check_engines(names: &[String]) -> Result<Vec<Box<dyn crate::engine::Engine>>, InputError> {
    if names.is_empty() {
        return Err(InputError("--engines: name at least one engine".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut engines = Vec::new();
    for name in names {
        let engine =
            crate::engine::open(name).map_err(|e| InputError(format!("--engines: {e}")))?;
        if !seen.insert(engine.name().to_string()) {
            return Err(InputError(format!(
                "--engines: {} is named twice",
                engine.name()
            )));
        }
        engines.push(engine);
    }
    Ok(engines)
}

/// Checks and selects `--engines` for this process and its children.
pub fn select_engines(engines: Option<&[String]>) -> Result<(), InputError> {
    if let Some(names) = engines {
        drop(check_engines(names)?);
        crate::engine::select(names);
    }
    Ok(())
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
