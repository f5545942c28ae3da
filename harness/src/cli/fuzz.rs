//! `tierdiff fuzz`: the differential fuzz run.

use crate::generate::Generator;
use crate::input::InputError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `tierdiff fuzz`.
#[derive(clap::Args)]
pub(super) struct FuzzArgs {
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
    /// Comma-separated engines (default: every implemented tier and
    /// wasmi): built-in names, or ext:NAME=COMMAND for a program speaking
    /// the adapter protocol (README, "Testing your own runtime").
    #[arg(long, value_delimiter = ',')]
    engines: Option<Vec<String>>,
    /// Report folder (default: a fresh folder under reports/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Supervised worker processes (default: one per available core). The
    /// cases are the same for any number: only the speed changes.
    #[arg(long, short = 'j')]
    jobs: Option<u64>,
    /// Run cases in this process instead of supervised worker processes.
    #[arg(long, conflicts_with = "jobs")]
    in_process: bool,
    /// Fail (exit 1) on reference-engine bugs too, not only on real findings.
    #[arg(long)]
    strict: bool,
    /// Inject a deliberate runtime bug (builds with the fault-injection feature only).
    #[arg(long)]
    fault: Option<String>,
    /// Shrink each new finding (written beside it as shrunk.wasm/.wat).
    #[arg(long)]
    shrink: bool,
    /// Comma-separated generators to use instead of the whole swarm, e.g.
    /// wasm-smith,simd-lanes (cases meant for the others go to these).
    #[arg(long, value_delimiter = ',')]
    generators: Option<Vec<String>>,
    /// Wall-clock limit of one case over every engine, in worker processes
    /// (`90`, `90s`, `2m`); a case past it is a `resource` outcome naming
    /// the engine, and the worker is replaced. Default 60s.
    #[arg(long, value_name = "DURATION")]
    case_timeout: Option<String>,
    /// Resident memory a worker process may hold (`8GiB`); past it, the
    /// case is a `resource` outcome and the worker is replaced. Default
    /// 8GiB: room for every engine to hold a case at the 1 GiB budget.
    #[arg(long, value_name = "SIZE")]
    worker_memory: Option<String>,
    /// Print the report object on stdout.
    #[arg(long)]
    json: bool,
}

/// `--case-timeout`: a non-zero duration (`90`, `90s`, `2m`).
pub(super) fn parse_case_timeout(text: &str) -> Result<std::time::Duration, InputError> {
    crate::fuzz::parse_duration(text)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| InputError(format!("--case-timeout {text:?}: expected e.g. 90s, 2m")))
}

/// The watchdog limits `--case-timeout` and `--worker-memory` give.
fn watch_limits(
    case_timeout: Option<&str>,
    worker_memory: Option<&str>,
) -> Result<crate::watchdog::WatchLimits, InputError> {
    let mut watch = crate::watchdog::WatchLimits::default();
    if let Some(t) = case_timeout {
        watch.case_time = parse_case_timeout(t)?;
    }
    if let Some(m) = worker_memory {
        watch.memory =
            crate::input::parse_size(m).map_err(|e| InputError(format!("--worker-memory {e}")))?;
    }
    Ok(watch)
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

/// The generators `--generators` names, each known and runnable here.
fn parse_generators(names: &[String]) -> Result<Vec<Generator>, InputError> {
    let known = || {
        Generator::ALL
            .iter()
            .map(|g| g.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut list = Vec::new();
    for name in names {
        let g = Generator::parse(name).ok_or_else(|| {
            InputError(format!(
                "--generators: {name:?} is not a generator (generators: {})",
                known()
            ))
        })?;
        if !tierdiff_runtime::module::supported_features().contains(g.needs()) {
            return Err(InputError(format!(
                "--generators: {name} needs a proposal this build does not run"
            )));
        }
        if !list.contains(&g) {
            list.push(g);
        }
    }
    if list.is_empty() {
        return Err(InputError(
            "--generators: name at least one generator".into(),
        ));
    }
    Ok(list)
}

pub(super) fn cmd_fuzz(a: FuzzArgs) -> Result<ExitCode, InputError> {
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
    let engines = a.engines.unwrap_or_else(crate::engine::available);
    if a.jobs == Some(0) {
        return Err(InputError("--jobs: at least 1".into()));
    }
    let profile = crate::generate::Profile::of(&super::check_engines(&engines)?);
    crate::engine::select(&engines);
    if !profile.narrowing().is_empty() {
        eprintln!(
            "tierdiff fuzz: generating only what every engine runs: {}",
            profile.narrowing()
        );
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
    let watch = watch_limits(a.case_timeout.as_deref(), a.worker_memory.as_deref())?;
    let generators = a
        .generators
        .as_ref()
        .map(|names| parse_generators(names))
        .transpose()?;
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
        jobs: a.jobs.unwrap_or_else(crate::fuzz::default_jobs),
        generators,
        watch,
        profile,
    };
    eprintln!(
        "tierdiff fuzz: seed {seed}, shard {}/{}, engines {}, {}, writing to {}",
        config.shard.0,
        config.shard.1,
        config.engines.join(","),
        if a.in_process {
            "in process".to_string()
        } else {
            format!("{} worker(s)", config.jobs)
        },
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
    Ok(ExitCode::from(report.exit_code(a.strict)))
}
