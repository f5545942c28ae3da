//! `tierdiff bench --wasi FILE`: a WASI command module timed in every
//! engine with the real clock (its own `clock_gettime` readings are real),
//! its output captured rather than printed. Engines must agree on the exit
//! code; stdout may differ, since it can contain the times it measured.

use crate::engine;
use crate::input::{self, InputError};
use crate::outcome::CallResult;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::Limits;

/// Runs the program `args.runs` times per engine; prints times and exit codes.
pub fn bench(program: &Path, args: &super::BenchArgs) -> Result<ExitCode, InputError> {
    let module = input::load_module(program)?;
    let names = args.engines.clone().unwrap_or_else(engine::available);
    let config = WasiConfig {
        args: vec![program
            .file_name()
            .map_or_else(|| "program".into(), |n| n.to_string_lossy().to_string())],
        real: true,
        capture_output: true,
        ..WasiConfig::default()
    };
    let mut rows = BTreeMap::new();
    let mut exits = Vec::new();
    for name in &names {
        let e = engine::build(name).ok_or_else(|| {
            InputError(format!("--engines: {name:?} cannot run WASI programs here"))
        })?;
        let (mut loads, mut runs, mut exit) = (Vec::new(), Vec::new(), None);
        for _ in 0..args.runs.max(1) {
            let t = Instant::now();
            let mut instance = e
                .instantiate_wasi(&module.bytes, Limits::default(), Some(&config))
                .map_err(|r| {
                    InputError(format!(
                        "{}: {name} cannot instantiate it: {r:?}",
                        program.display()
                    ))
                })?;
            loads.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let code = match instance.call("_start", &[]) {
                CallResult::Returned(_) => 0,
                CallResult::Exited(c) => c,
                other => {
                    return Err(InputError(format!(
                        "{}: {name}: _start {}",
                        program.display(),
                        other.describe()
                    )))
                }
            };
            runs.push(t.elapsed().as_secs_f64());
            exit = Some(code);
        }
        loads.sort_by(f64::total_cmp);
        runs.sort_by(f64::total_cmp);
        let (load, run) = (loads[loads.len() / 2], runs[runs.len() / 2]);
        eprintln!(
            "{name:<9} run {:>10.3} ms  load {:>8.3} ms  exit {}",
            run * 1e3,
            load * 1e3,
            exit.unwrap_or(0)
        );
        exits.push(exit);
        rows.insert(
            name.clone(),
            json!({ "run_s": run, "compile_s": load, "exit_code": exit }),
        );
    }
    let agree = exits.windows(2).all(|w| w[0] == w[1]);
    if args.json {
        println!(
            "{}",
            json!({ "wasi": { "program": program.display().to_string(), "engines": rows, "agree": agree } })
        );
    } else {
        println!(
            "{}: real clock, median of {} run(s); exit codes {}",
            program.display(),
            args.runs.max(1),
            if agree { "agree" } else { "DIFFER" }
        );
    }
    Ok(ExitCode::from(if agree { 0 } else { 1 }))
}
