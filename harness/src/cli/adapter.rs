//! `tierdiff adapter --engine NAME`: serves one of this binary's engines
//! over the adapter protocol on stdin and stdout (see [`crate::adapter`]).

use crate::input::InputError;
use clap::Args;
use std::io::{BufRead, Write};
use std::process::ExitCode;

#[derive(Args)]
pub(super) struct AdapterArgs {
    /// The engine to serve: a tier (classic, fast, jit), wasmi or wasmtime.
    #[arg(long)]
    engine: String,
    /// Proposals to announce, comma-separated (default: what the engine runs).
    #[arg(long, value_delimiter = ',')]
    proposals: Option<Vec<String>>,
}

/// Answers every request with `why` as the protocol's error (so the
/// harness says it in one line), also on stderr, and exits 2.
fn refuse(why: &str) -> ExitCode {
    eprintln!("tierdiff adapter: {why}");
    let answer = serde_json::to_string(&crate::adapter::Answer {
        error: Some(why.to_string()),
        ..Default::default()
    })
    .expect("answers serialise");
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        if line.is_err()
            || writeln!(out, "{answer}")
                .and_then(|()| out.flush())
                .is_err()
        {
            break;
        }
    }
    ExitCode::from(2)
}

/// Proposals every in-process engine runs: all [`crate::adapter::PROPOSALS`].
fn default_proposals() -> Vec<String> {
    crate::adapter::PROPOSALS
        .iter()
        .map(|p| p.to_string())
        .collect()
}

pub(super) fn cmd_adapter(a: AdapterArgs) -> Result<ExitCode, InputError> {
    // An engine that cannot start (a WAMR build that fails) still answers,
    // with its reason as the protocol's error.
    let opened = match crate::wamr::engine(&a.engine) {
        Some(wamr) => wamr.map(|e| {
            // Beyond the protocol's base (2.0 without SIMD), which every
            // WAMR mode runs; the engine itself leaves out what it lacks.
            let proposals = e
                .proposals()
                .into_iter()
                .filter(|p| crate::adapter::PROPOSALS.contains(p))
                .map(str::to_string)
                .collect();
            (Box::new(e) as Box<dyn crate::engine::Engine>, proposals)
        }),
        None => crate::engine::in_process(&a.engine)
            .map(|e| (e, default_proposals()))
            .ok_or_else(|| {
                format!(
                    "--engine {:?}: not an engine of this binary (known: {})",
                    a.engine,
                    crate::engine::known().join(", ")
                )
            }),
    };
    let (engine, proposals) = match opened {
        Ok(opened) => opened,
        Err(why) => return Ok(refuse(&why)),
    };
    let proposals = a.proposals.unwrap_or(proposals);
    crate::adapter::features(&proposals).map_err(|e| InputError(format!("--proposals: {e}")))?;
    let hello = crate::adapter::server::hello(engine.as_ref(), proposals);
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    // A harness that went away is the end of the conversation, not an error.
    let _ = crate::adapter::server::serve(engine.as_ref(), &hello, stdin, stdout);
    Ok(ExitCode::SUCCESS)
}
