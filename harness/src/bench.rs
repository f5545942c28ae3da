//! `tierdiff bench`: our benchmark kernels on every tier and on the reference
//! engines (wasmi, and wasmtime in builds with the `wasmtime` feature), and,
//! with `--harness`, the differential harness's own throughput.
//!
//! Each run loads a fresh instance: the load (decode, translate or compile,
//! instantiate) and the call of `run` are timed separately. Every engine must
//! return the same checksum, or the bench fails.

mod engines;
mod kernels;
#[cfg(tierdiff_native_kernels)]
mod native;
mod throughput;
mod wasi_program;
#[cfg(feature = "wasmtime")]
mod wasmtime;

use crate::input::InputError;
use engines::BenchEngine;
use kernels::Kernel;
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Command-line arguments of `tierdiff bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Kernels to run, comma-separated (default: every kernel the runtime
    /// loads; see --list).
    #[arg(long, value_delimiter = ',')]
    pub kernel: Option<Vec<String>>,
    /// Engines, comma-separated (default: every implemented tier, wasmi, and
    /// wasmtime in builds with the `wasmtime` feature).
    #[arg(long, value_delimiter = ',')]
    pub engines: Option<Vec<String>>,
    /// Print one JSON object on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Timed runs per kernel and engine (each on a fresh instance).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Stop repeating an engine on a kernel once its runs took this many
    /// seconds (it always runs at least once): keeps the classic tier bounded.
    #[arg(long, default_value_t = 30.0)]
    pub budget: f64,
    /// Tiny sizes: a smoke test of every kernel and checksum in seconds.
    #[arg(long)]
    pub quick: bool,
    /// Size parameter for every selected kernel (overrides the defaults).
    #[arg(long)]
    pub size: Option<i32>,
    /// List the kernels, their sizes and what they exercise, then exit.
    #[arg(long)]
    pub list: bool,
    /// Measure the differential harness (cases/s) instead of the kernels.
    #[arg(long)]
    pub harness: bool,
    /// Cases for --harness.
    #[arg(long, default_value_t = 500)]
    pub cases: u64,
    /// Fuzz seed for --harness.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time a WASI command module (e.g. harness/kernels/wasi/wasi_demo.wasm)
    /// with the real clock in every engine instead of the kernels.
    #[arg(long, value_name = "FILE")]
    pub wasi: Option<std::path::PathBuf>,
}

/// How a ratio's target is judged over the kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The geometric mean must reach the target.
    Geomean,
    /// Every kernel must reach the target (the JIT's issue asks for this).
    EveryKernel,
}

/// Speed ratios the tiers are held to: (key, faster engine, slower engine,
/// target, rule). A ratio is `time(slower) / time(faster)`: above 1 the
/// first engine wins. A ratio without a target is a yardstick: reported,
/// not judged.
const RATIOS: &[(&str, &str, &str, Option<f64>, Rule)] = &[
    ("fast/classic", "fast", "classic", Some(2.0), Rule::Geomean),
    ("fast/wasmi", "fast", "wasmi", Some(0.7), Rule::Geomean),
    ("jit/fast", "jit", "fast", Some(10.0), Rule::EveryKernel),
    ("jit/wasmtime", "jit", "wasmtime", Some(0.6), Rule::Geomean),
    ("jit/native", "jit", "native", None, Rule::Geomean),
];

/// The engine whose times are the ceiling for every compiled tier: the
/// kernels' C source compiled to machine code (see `bench/native.rs`).
const NATIVE: &str = "native";

/// Timings of one kernel on one engine.
#[derive(Debug, Serialize)]
pub struct EngineResult {
    /// Median time of the `run` call.
    pub run_s: f64,
    pub run_min_s: f64,
    pub run_max_s: f64,
    /// Median time to load: decode, translate or compile, instantiate.
    pub compile_s: f64,
    pub runs: usize,
    pub checksum: u32,
}

/// One kernel's results.
#[derive(Debug, Serialize)]
pub struct KernelResult {
    pub name: String,
    pub size: i32,
    /// The checksum every engine returned (wasmi's, if they disagree).
    pub checksum: Option<u32>,
    pub agree: bool,
    pub engines: BTreeMap<String, EngineResult>,
    /// Engines that failed to load or run the kernel, with the error.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// Speed ratios (see [`RATIOS`]) where both engines ran.
    pub ratios: BTreeMap<String, f64>,
    /// For each ratio, the same ratio with native code in place of its
    /// first engine: the most any compiler of this kernel's wasm could reach.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub native_ceilings: BTreeMap<String, f64>,
}

/// A ratio's geometric mean over the kernels, against its target.
#[derive(Debug, Serialize)]
pub struct RatioSummary {
    pub geomean: f64,
    pub min: f64,
    /// `None` for a yardstick.
    pub target: Option<f64>,
    pub rule: Rule,
    /// `None` for a yardstick.
    pub met: Option<bool>,
    /// Kernels below the target where native code is below it too: no
    /// compiler of the same wasm can be expected to reach the target there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub out_of_reach: Vec<OutOfReach>,
}

/// A kernel whose target is above what native code reaches.
#[derive(Debug, Serialize)]
pub struct OutOfReach {
    pub kernel: String,
    pub ratio: f64,
    /// The ratio native code gets in the first engine's place.
    pub native: f64,
}

/// The whole `--json` object.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub runs: usize,
    pub quick: bool,
    /// The C compiler behind the `native` engine, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_compiler: Option<&'static str>,
    pub kernels: Vec<KernelResult>,
    pub summary: BTreeMap<String, RatioSummary>,
}

/// Runs `tierdiff bench`.
pub fn cmd_bench(args: &BenchArgs) -> Result<ExitCode, InputError> {
    if args.list {
        for k in kernels::KERNELS {
            let missing = k.missing().map_or(String::new(), |p| {
                format!("  [needs {p}, which the runtime does not accept yet: run only when named]")
            });
            println!(
                "{:<10} size {:>9} (quick {:>4})  {}{missing}",
                k.name, k.size, k.quick_size, k.about
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(program) = &args.wasi {
        return wasi_program::bench(program, args);
    }
    if args.harness {
        let names = args
            .engines
            .clone()
            .unwrap_or_else(crate::engine::available);
        return bench_harness(args, &names);
    }
    let engine_names = args.engines.clone().unwrap_or_else(engines::available);
    let engines = engine_names
        .iter()
        .map(|n| engines::build(n).ok_or_else(|| unknown_engine(n)))
        .collect::<Result<Vec<_>, _>>()?;
    let selected: Vec<&Kernel> = match &args.kernel {
        None => kernels::default_selection().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                kernels::find(n)
                    .ok_or_else(|| InputError(format!("bench: unknown kernel {n:?} (see --list)")))
            })
            .collect::<Result<_, _>>()?,
    };
    if args.runs == 0 {
        return Err(InputError("bench: --runs must be at least 1".into()));
    }
    let progress = Progress::new((selected.len() * engines.len()) as u64);
    let mut results = Vec::new();
    for kernel in selected {
        let size = args.size.unwrap_or(if args.quick {
            kernel.quick_size
        } else {
            kernel.size
        });
        results.push(bench_kernel(kernel, size, &engines, args, &progress));
    }
    progress.finish();
    let report = BenchReport {
        runs: args.runs,
        quick: args.quick,
        native_compiler: native_compiler(&engine_names),
        summary: summarise(&results),
        kernels: results,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain data serialises")
        );
    } else {
        print!("{}", render(&report, &engine_names));
    }
    let failed: Vec<&str> = report
        .kernels
        .iter()
        .filter(|k| !k.agree)
        .map(|k| k.name.as_str())
        .collect();
    eprintln!("{}", conclusion(&report, &failed));
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(tierdiff_native_kernels)]
fn native_compiler(engine_names: &[String]) -> Option<&'static str> {
    engine_names
        .iter()
        .any(|n| n == NATIVE)
        .then_some(native::COMPILER)
}

#[cfg(not(tierdiff_native_kernels))]
fn native_compiler(_: &[String]) -> Option<&'static str> {
    None
}

fn unknown_engine(name: &str) -> InputError {
    let hint = if name == "wasmtime" {
        " (this build has no wasmtime: add --features wasmtime to cargo)".to_string()
    } else if name == NATIVE {
        " (this build has no native kernels: the C compiler failed or TIERDIFF_NO_NATIVE was set \
         when tierdiff was built; see the build warnings)"
            .to_string()
    } else {
        format!(" (available: {})", engines::available().join(","))
    };
    InputError(format!("bench: unknown engine {name:?}{hint}"))
}

/// Progress on stderr: a bar on a terminal, one line per finished step otherwise.
struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    fn new(steps: u64) -> Progress {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(steps),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        Progress { bar }
    }

    fn doing(&self, what: String) {
        self.bar.set_message(what);
    }

    fn done(&self, line: String) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Seconds with a unit that keeps three or four significant digits.
fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Times one engine on one kernel: `runs` fresh loads and calls, fewer if
/// they exceed the budget. Every run must give the same checksum.
fn time_engine(
    engine: &dyn BenchEngine,
    kernel: &Kernel,
    size: i32,
    args: &BenchArgs,
    progress: &Progress,
) -> Result<EngineResult, String> {
    let budget = Duration::from_secs_f64(args.budget.max(0.0));
    let (mut loads, mut calls) = (Vec::new(), Vec::new());
    let mut checksum = None;
    let started = Instant::now();
    for run in 0..args.runs {
        if run > 0 && started.elapsed() >= budget {
            break;
        }
        progress.doing(format!(
            "{} on {} (run {}/{})",
            kernel.name,
            engine.name(),
            run + 1,
            args.runs
        ));
        let t = Instant::now();
        let mut instance = engine.load(kernel.wasm)?;
        loads.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let sum = instance.run(size)?;
        calls.push(t.elapsed().as_secs_f64());
        if checksum.is_some_and(|c| c != sum) {
            return Err(format!(
                "run {} returned checksum {sum:#010x}, an earlier run {:#010x}",
                run + 1,
                checksum.unwrap_or_default()
            ));
        }
        checksum = Some(sum);
    }
    let calls = sorted(calls);
    Ok(EngineResult {
        run_s: median(&calls),
        run_min_s: calls[0],
        run_max_s: calls[calls.len() - 1],
        compile_s: median(&sorted(loads)),
        runs: calls.len(),
        checksum: checksum.unwrap_or_default(),
    })
}

fn bench_kernel(
    kernel: &Kernel,
    size: i32,
    engines: &[Box<dyn BenchEngine>],
    args: &BenchArgs,
    progress: &Progress,
) -> KernelResult {
    let mut out = KernelResult {
        name: kernel.name.to_string(),
        size,
        checksum: None,
        agree: true,
        engines: BTreeMap::new(),
        errors: BTreeMap::new(),
        ratios: BTreeMap::new(),
        native_ceilings: BTreeMap::new(),
    };
    for engine in engines {
        match time_engine(engine.as_ref(), kernel, size, args, progress) {
            Ok(r) => {
                progress.done(format!(
                    "{:<10} {:<9} run {:>9}  load {:>8.2} ms  checksum {:#010x}",
                    kernel.name,
                    engine.name(),
                    secs(r.run_s),
                    r.compile_s * 1e3,
                    r.checksum
                ));
                out.engines.insert(engine.name().to_string(), r);
            }
            Err(e) => {
                progress.done(format!(
                    "{:<10} {:<9} FAILED: {e}",
                    kernel.name,
                    engine.name()
                ));
                out.errors.insert(engine.name().to_string(), e);
            }
        }
    }
    let sums: Vec<u32> = out.engines.values().map(|r| r.checksum).collect();
    out.agree = out.errors.is_empty() && sums.windows(2).all(|w| w[0] == w[1]);
    out.checksum = out
        .engines
        .get("wasmi")
        .or_else(|| out.engines.values().next())
        .map(|r| r.checksum);
    fill_ratios(&mut out);
    out
}

/// Computes a kernel's [`RATIOS`] and their native ceilings from its timings.
fn fill_ratios(k: &mut KernelResult) {
    for &(key, faster, slower, ..) in RATIOS {
        let Some(s) = k.engines.get(slower) else {
            continue;
        };
        if let Some(f) = k.engines.get(faster) {
            k.ratios.insert(key.into(), s.run_s / f.run_s.max(1e-12));
        }
        if let (Some(n), false) = (k.engines.get(NATIVE), NATIVE == faster || NATIVE == slower) {
            k.native_ceilings
                .insert(key.into(), s.run_s / n.run_s.max(1e-12));
        }
    }
}

fn summarise(results: &[KernelResult]) -> BTreeMap<String, RatioSummary> {
    let mut out = BTreeMap::new();
    for &(key, _, _, target, rule) in RATIOS {
        let values: Vec<f64> = results
            .iter()
            .filter_map(|k| k.ratios.get(key).copied())
            .collect();
        if values.is_empty() {
            continue;
        }
        let geomean = (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let met = target.map(|target| match rule {
            Rule::Geomean => geomean >= target,
            Rule::EveryKernel => min >= target,
        });
        let out_of_reach = target.map_or_else(Vec::new, |target| {
            results
                .iter()
                .filter_map(|k| {
                    let (ratio, native) = (*k.ratios.get(key)?, *k.native_ceilings.get(key)?);
                    (ratio < target && native < target).then(|| OutOfReach {
                        kernel: k.name.clone(),
                        ratio,
                        native,
                    })
                })
                .collect()
        });
        out.insert(
            key.to_string(),
            RatioSummary {
                geomean,
                min,
                target,
                rule,
                met,
                out_of_reach,
            },
        );
    }
    out
}

/// The tables: run times, load times, speed ratios.
fn render(report: &BenchReport, engine_names: &[String]) -> String {
    let mut s = format!(
        "Run time, median of up to {} runs (± = (max-min)/median)\n{:<10}",
        report.runs, "kernel"
    );
    for e in engine_names {
        s.push_str(&format!(" {e:>15}"));
    }
    s.push_str("  checksum\n");
    for k in &report.kernels {
        s.push_str(&format!("{:<10}", k.name));
        for e in engine_names {
            let cell = match k.engines.get(e) {
                Some(r) => format!(
                    "{} ±{:.0}%",
                    secs(r.run_s),
                    100.0 * (r.run_max_s - r.run_min_s) / r.run_s.max(1e-12)
                ),
                None => "failed".into(),
            };
            s.push_str(&format!(" {cell:>15}"));
        }
        let sum = k.checksum.map_or("-".into(), |c| format!("{c:#010x}"));
        let verdict = if k.agree { "" } else { "  DISAGREE" };
        s.push_str(&format!("  {sum}{verdict}\n"));
    }
    s.push_str(&format!(
        "\nLoad (decode, translate/compile, instantiate), median, ms\n{:<10}",
        "kernel"
    ));
    for e in engine_names {
        s.push_str(&format!(" {e:>15}"));
    }
    s.push('\n');
    for k in &report.kernels {
        s.push_str(&format!("{:<10}", k.name));
        for e in engine_names {
            let cell = k
                .engines
                .get(e)
                .map_or("-".into(), |r| format!("{:.2}", r.compile_s * 1e3));
            s.push_str(&format!(" {cell:>15}"));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "\nSpeed ratios, time(second)/time(first): above 1 the first is faster\n{:<10}",
        "kernel"
    ));
    for &(key, ..) in RATIOS {
        s.push_str(&format!(" {key:>14}"));
    }
    s.push('\n');
    for k in &report.kernels {
        s.push_str(&format!("{:<10}", k.name));
        for &(key, ..) in RATIOS {
            let cell = k.ratios.get(key).map_or("-".into(), |r| format!("{r:.2}x"));
            s.push_str(&format!(" {cell:>14}"));
        }
        s.push('\n');
    }
    for (label, pick) in [("geomean", 0usize), ("target", 1), ("met", 2)] {
        s.push_str(&format!("{label:<10}"));
        for &(key, ..) in RATIOS {
            let cell =
                report
                    .summary
                    .get(key)
                    .map_or("-".into(), |r| match (pick, r.target, r.met) {
                        (0, ..) => format!("{:.2}x", r.geomean),
                        (1, Some(t), _) if r.rule == Rule::EveryKernel => {
                            format!("each >= {t:.0}x")
                        }
                        (1, Some(t), _) => format!(">= {t:.1}x"),
                        (_, _, Some(met)) => (if met { "yes" } else { "no" }).to_string(),
                        _ => "-".to_string(),
                    });
            s.push_str(&format!(" {cell:>14}"));
        }
        s.push('\n');
    }
    if let Some(cc) = report.native_compiler {
        s.push_str(&format!(
            "\nnative: the kernels' C source as machine code, built by {cc}\n"
        ));
    }
    s
}

/// The closing paragraph on stderr.
fn conclusion(report: &BenchReport, failed: &[&str]) -> String {
    let mut s = format!(
        "bench: {} kernels, {} runs each{}. ",
        report.kernels.len(),
        report.runs,
        if report.quick { " (quick sizes)" } else { "" }
    );
    if failed.is_empty() {
        s.push_str("Every engine returned the same checksum on every kernel. ");
    } else {
        s.push_str(&format!(
            "FAILED: engines disagree or failed on {} (rerun one with `tierdiff bench --kernel NAME --quick`, \
             then `tierdiff run harness/kernels/NAME.wasm --invoke run i32:SIZE`). ",
            failed.join(", ")
        ));
    }
    let parts: Vec<String> = report
        .summary
        .iter()
        .map(|(k, r)| {
            let Some(target) = r.target else {
                return format!("{k} {:.2}x (a yardstick, no target)", r.geomean);
            };
            let verdict = if r.met == Some(true) { "met" } else { "missed" };
            match r.rule {
                Rule::Geomean => {
                    format!("{k} {:.2}x (target {target:.1}x, {verdict})", r.geomean)
                }
                Rule::EveryKernel => format!(
                    "{k} {:.2}x, lowest {:.2}x (target {target:.1}x on every kernel, {verdict})",
                    r.geomean, r.min
                ),
            }
        })
        .collect();
    if !parts.is_empty() {
        s.push_str(&format!("Geometric means: {}.", parts.join("; ")));
    }
    // Quick sizes run for microseconds: too short to say what is out of reach.
    for (key, r) in report.summary.iter().filter(|_| !report.quick) {
        for o in &r.out_of_reach {
            s.push_str(&format!(
                "\n{key} on {}: {:.2}x, below the target, but native code of the same C source \
                 reaches only {:.2}x there: out of reach of any compiler of this wasm.",
                o.kernel, o.ratio, o.native
            ));
        }
    }
    s
}

fn bench_harness(args: &BenchArgs, engine_names: &[String]) -> Result<ExitCode, InputError> {
    let known = crate::engine::available();
    if let Some(bad) = engine_names.iter().find(|n| !known.contains(n)) {
        return Err(InputError(format!(
            "bench --harness: engine {bad:?} is not a differential engine (available: {})",
            known.join(",")
        )));
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(args.cases),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let t = throughput::measure(args.seed, args.cases, engine_names, &|n| {
        bar.set_position(n)
    });
    bar.finish_and_clear();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "harness": t }))
                .expect("plain data serialises")
        );
    } else {
        print!("{}", throughput::render(&t));
    }
    eprintln!(
        "bench --harness: {:.1} cases/s per worker (one process, one thread) over {} cases of seed {}{}.",
        t.cases_per_s,
        t.cases,
        t.seed,
        if t.findings > 0 {
            format!(
                "; {} findings came up (run `tierdiff fuzz --seed {}` to keep them)",
                t.findings, t.seed
            )
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(name: &str, ratios: &[(&str, f64)]) -> KernelResult {
        KernelResult {
            name: name.into(),
            size: 1,
            checksum: Some(0),
            agree: true,
            engines: BTreeMap::new(),
            errors: BTreeMap::new(),
            ratios: ratios.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
            native_ceilings: BTreeMap::new(),
        }
    }

    #[test]
    fn every_kernel_targets_judge_the_lowest_ratio_and_geomean_targets_the_mean() {
        // jit/fast: geomean 20x but one kernel at 5x -> missed.
        // fast/classic: one kernel below 2x but geomean 2.83x -> met.
        let results = [
            kernel("a", &[("jit/fast", 80.0), ("fast/classic", 8.0)]),
            kernel("b", &[("jit/fast", 5.0), ("fast/classic", 1.0)]),
        ];
        let s = summarise(&results);
        let jit = &s["jit/fast"];
        assert_eq!(jit.rule, Rule::EveryKernel);
        assert!((jit.geomean - 20.0).abs() < 1e-9 && jit.min == 5.0);
        assert_eq!(jit.met, Some(false));
        let fast = &s["fast/classic"];
        assert!(fast.met == Some(true) && fast.min == 1.0);
        let all_fast = [kernel("a", &[("jit/fast", 10.0)])];
        assert_eq!(summarise(&all_fast)["jit/fast"].met, Some(true));
        assert!(
            !s.contains_key("jit/wasmtime"),
            "no wasmtime results, no entry"
        );
    }

    #[test]
    fn a_missed_target_is_out_of_reach_only_where_native_code_misses_it_too() {
        let mut a = kernel("a", &[("jit/fast", 6.0), ("jit/native", 0.9)]);
        a.native_ceilings.insert("jit/fast".into(), 7.0);
        let mut b = kernel("b", &[("jit/fast", 6.0), ("jit/native", 0.5)]);
        b.native_ceilings.insert("jit/fast".into(), 12.0);
        let mut c = kernel("c", &[("jit/fast", 20.0), ("jit/native", 0.8)]);
        c.native_ceilings.insert("jit/fast".into(), 25.0);
        let s = summarise(&[a, b, c]);
        let jit = &s["jit/fast"];
        assert_eq!(jit.met, Some(false));
        let names: Vec<&str> = jit.out_of_reach.iter().map(|o| o.kernel.as_str()).collect();
        assert_eq!(names, ["a"], "b misses a target native code reaches");
        assert_eq!(
            (jit.out_of_reach[0].ratio, jit.out_of_reach[0].native),
            (6.0, 7.0)
        );
        let yardstick = &s["jit/native"];
        assert_eq!((yardstick.target, yardstick.met), (None, None));
        assert!(yardstick.out_of_reach.is_empty());
    }

    #[test]
    fn native_ceilings_put_native_code_in_the_first_engines_place() {
        let timed = |run_s| EngineResult {
            run_s,
            run_min_s: run_s,
            run_max_s: run_s,
            compile_s: 0.0,
            runs: 1,
            checksum: 7,
        };
        let mut k = kernel("k", &[]);
        for (engine, secs) in [("fast", 1.2), ("jit", 0.2), ("native", 0.15)] {
            k.engines.insert(engine.into(), timed(secs));
        }
        fill_ratios(&mut k);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(k.ratios["jit/fast"], 6.0) && near(k.ratios["jit/native"], 0.75));
        assert!(
            near(k.native_ceilings["jit/fast"], 8.0),
            "{:?}",
            k.native_ceilings
        );
        assert!(!k.native_ceilings.contains_key("jit/native"));
        assert!(!k.ratios.contains_key("fast/classic"), "no classic timing");
    }
}
