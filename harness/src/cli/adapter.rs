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

/// Proposals an in-process engine runs: those of the runtime, or of the
/// engine when it runs fewer (wasmtime's Winch).
fn default_proposals(engine: &dyn crate::engine::Engine) -> Vec<String> {
    let runtime = tierdiff_runtime::module::supported_features();
    crate::adapter::proposals_in(engine.features().map_or(runtime, |f| f & runtime))
}

/// The protocol's channel: this process's stdout, kept for the protocol
/// alone. Whatever else writes to fd 1 (a runtime's own prints) goes to
/// stderr instead, so it cannot put the answers out of step.
fn protocol_output() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain descriptor calls; the duplicate is owned by the File.
    unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(std::fs::File::from_raw_fd(fd))
    }
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
            .map(|e| {
                let proposals = default_proposals(e.as_ref());
                (e, proposals)
            })
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
    let output = protocol_output()
        .map_err(|e| InputError(format!("cannot keep stdout for the protocol: {e}")))?;
    // A harness that went away is the end of the conversation, not an error.
    let _ = crate::adapter::server::serve(
        engine.as_ref(),
        &hello,
        stdin,
        std::io::BufWriter::new(output),
    );
    Ok(ExitCode::SUCCESS)
}
