//! Whether a candidate still fails the same way as the finding.
//!
//! "The same way" is the finding's signature: its kind, the engines that
//! disagree and what differed (trap code against return type, say), not
//! just the kind. Known-bug tags that triage appends are not part of it.
//!
//! Candidates run either in this process ([`InProcess`]) or in a
//! supervised worker process ([`Supervised`], the hidden `tierdiff
//! shrink-worker` command, which `tierdiff shrink` uses so that a candidate
//! that kills the process costs one worker, not the shrink). A `crash`
//! where the fuzz worker died can only be judged that way: an attempt fails
//! the same way when its worker dies with the same status as on the
//! original case.

use super::Case;
use crate::compare::{Finding, FindingKind};
use crate::engine::Engine;
use crate::shrink::Setup;
use crate::verdict::{hex, unhex, WasiWorld};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;
use tierdiff_runtime::Limits;

/// The finding a reduction must keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: FindingKind,
    pub engines: Vec<String>,
    /// `kind:engines:detail`, without known-bug tags.
    pub signature: String,
}

/// Tags [`crate::triage`] appends to signatures of known reference bugs.
const KNOWN_TAGS: [&str; 2] = [
    crate::triage::WASMI_SELECT_EQZ,
    crate::triage::WASMI_IF_PARAM_LOCAL,
];

impl Target {
    /// The target for a recorded finding.
    pub fn of(finding: &Finding) -> Target {
        let mut signature = finding.signature.clone();
        for tag in KNOWN_TAGS {
            if let Some(s) = signature.strip_suffix(&format!(",{tag}")) {
                signature = s.to_string();
            }
        }
        Target {
            kind: finding.kind,
            engines: finding.engines.clone(),
            signature,
        }
    }

    /// Whether one of `findings` is this one.
    pub fn shown_by(&self, findings: &[Finding]) -> bool {
        findings.iter().any(|f| {
            f.kind == self.kind && f.engines == self.engines && f.signature == self.signature
        })
    }

    /// A worker process that died: only a supervised attempt can show it.
    pub fn is_process_crash(&self) -> bool {
        self.kind == FindingKind::Crash && self.signature.ends_with(":process")
    }
}

/// Judges candidates.
pub trait Oracle {
    /// Whether `case` still shows the target finding.
    fn fails(&mut self, case: &Case) -> bool;
}

/// Runs candidates through the engines in this process.
pub struct InProcess<'e> {
    pub engines: &'e [Box<dyn Engine>],
    pub target: Target,
    /// How the finding's case runs (its candidates run the same way).
    pub setup: Setup,
}

impl Oracle for InProcess<'_> {
    fn fails(&mut self, case: &Case) -> bool {
        let outcome = crate::verdict::judge(
            &case.wasm,
            self.engines,
            self.setup.shrink_limits(),
            self.setup.options(case.calls.clone()),
        );
        self.target.shown_by(&outcome.findings)
    }
}

/// One attempt, as sent to a shrink worker (the same binary).
#[derive(Serialize, Deserialize)]
struct Request {
    wasm_hex: String,
    calls: Vec<crate::plan::PlannedCall>,
    limits: Limits,
    wasi: Option<WasiWorld>,
}

/// A finished attempt, as the worker reports it.
#[derive(Serialize, Deserialize)]
struct Reply {
    signatures: Vec<String>,
}

/// Longest an attempt may take before its worker is killed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one case did in a worker process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ran {
    /// It ran to the end; the signatures of its findings.
    Finished(Vec<String>),
    /// The process died, as [`describe`] puts it.
    Died(String),
    TimedOut,
}

/// A `tierdiff shrink-worker` process that runs cases one at a time,
/// started again after every death.
pub struct WorkerProcess {
    exe: PathBuf,
    fault: Option<String>,
    live: Option<Live>,
    /// How long one attempt may take before its worker is killed.
    timeout: Duration,
}

struct Live {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

/// How a process ended, as text that compares equal for the same death.
fn describe(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "unknown status".into(),
    }
}

impl WorkerProcess {
    /// Workers of `exe` (the tierdiff binary) running with `fault` selected.
    pub fn new(exe: PathBuf, fault: Option<String>) -> WorkerProcess {
        WorkerProcess {
            exe,
            fault,
            live: None,
            timeout: ATTEMPT_TIMEOUT,
        }
    }

    /// Attempts end after `limit` at most (below the usual limit; a shrink
    /// with little time left must not wait out the full one).
    pub fn with_time_limit(mut self, limit: Duration) -> WorkerProcess {
        self.timeout = self.timeout.min(limit);
        self
    }

    fn spawn(&self) -> Result<Live, String> {
        let mut cmd = Command::new(&self.exe);
        cmd.arg("shrink-worker");
        if let Some(f) = &self.fault {
            cmd.arg("--fault").arg(f);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Live {
            child,
            stdin,
            lines,
        })
    }

    /// Runs `case` with `limits` (as a WASI program in `wasi`) in the worker.
    pub fn run(
        &mut self,
        case: &Case,
        limits: Limits,
        wasi: Option<&WasiWorld>,
    ) -> Result<Ran, String> {
        if self.live.is_none() {
            self.live = Some(self.spawn()?);
        }
        let live = self.live.as_mut().expect("just started");
        let request = Request {
            wasm_hex: hex(&case.wasm),
            calls: case.calls.clone(),
            limits,
            wasi: wasi.cloned(),
        };
        let line = serde_json::to_string(&request).expect("requests serialise");
        // A write error means the worker is gone; its status tells how.
        let _ = writeln!(live.stdin, "{line}").and_then(|_| live.stdin.flush());
        match live.lines.recv_timeout(self.timeout) {
            Ok(reply) => serde_json::from_str::<Reply>(&reply)
                .map(|r| Ran::Finished(r.signatures))
                .map_err(|e| {
                    format!(
                        "bad reply from {} shrink-worker ({e}): {reply}",
                        self.exe.display()
                    )
                }),
            Err(RecvTimeoutError::Timeout) => {
                let mut w = self.live.take().expect("present");
                let _ = w.child.kill();
                let _ = w.child.wait();
                Ok(Ran::TimedOut)
            }
            Err(RecvTimeoutError::Disconnected) => {
                let mut w = self.live.take().expect("present");
                let status = w.child.wait().map_err(|e| e.to_string())?;
                Ok(Ran::Died(describe(status)))
            }
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Some(mut w) = self.live.take() {
            drop(w.stdin);
            let _ = w.child.wait();
        }
    }
}

/// Judges each attempt in a worker process: for a dead-worker `crash`, an
/// attempt fails the same way when its worker dies as on the original case.
pub struct Supervised {
    worker: WorkerProcess,
    target: Target,
    setup: Setup,
    /// How the worker died on the original case.
    death: Option<String>,
}

impl Supervised {
    /// A supervisor for `target` running `exe` (the tierdiff binary) with
    /// `fault`, each case run as `setup` says; its first run (calibration)
    /// may take `calibration_time` at most.
    pub fn new(
        exe: PathBuf,
        fault: Option<String>,
        target: Target,
        setup: Setup,
        calibration_time: Duration,
    ) -> Supervised {
        Supervised {
            worker: WorkerProcess::new(exe, fault).with_time_limit(calibration_time),
            target,
            setup,
            death: None,
        }
    }

    fn run(&mut self, case: &Case) -> Result<Ran, String> {
        self.worker
            .run(case, self.setup.shrink_limits(), self.setup.wasi.as_ref())
    }

    /// Runs the original case and remembers how its worker died; an error
    /// when it does not show the target.
    pub fn calibrate(&mut self, case: &Case) -> Result<(), String> {
        let crash = self.target.is_process_crash();
        match self.run(case)? {
            Ran::Died(how) if crash => {
                self.death = Some(how);
                Ok(())
            }
            Ran::Finished(s) if !crash && s.contains(&self.target.signature) => Ok(()),
            Ran::Died(how) => Err(format!(
                "the worker process died ({how}) instead of showing the finding"
            )),
            Ran::Finished(_) if crash => {
                Err("the case runs to the end in a worker process: nothing dies".into())
            }
            Ran::Finished(_) => Err(format!(
                "the module does not show the finding {} with its calls and limits",
                self.target.signature
            )),
            Ran::TimedOut => Err(format!(
                "the case did not finish within {:.1} s in a worker process (the attempt limit, or what --time left)",
                self.worker.timeout.as_secs_f64()
            )),
        }
        .inspect(|()| self.worker.timeout = ATTEMPT_TIMEOUT)
    }
}

impl Oracle for Supervised {
    fn fails(&mut self, case: &Case) -> bool {
        let crash = self.target.is_process_crash();
        match self.run(case) {
            Ok(Ran::Died(how)) => crash && self.death.as_ref() == Some(&how),
            Ok(Ran::Finished(signatures)) => !crash && signatures.contains(&self.target.signature),
            Ok(Ran::TimedOut) | Err(_) => false,
        }
    }
}

/// The worker side: reads one attempt per line on stdin, runs it through
/// every engine with its calls, limits and WASI world ([`crate::verdict`],
/// as every command does) and prints the signatures it found.
/// Ends at the end of its input.
pub fn serve() -> std::io::Result<()> {
    let engines = crate::corpus::all_engines();
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let request: Request = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        let wasm = unhex(&request.wasm_hex)
            .ok_or_else(|| std::io::Error::other("bad hex in a shrink request"))?;
        let setup = Setup {
            limits: Some(request.limits),
            wasi: request.wasi,
            calls: None,
        };
        let outcome = crate::verdict::judge(
            &wasm,
            &engines,
            request.limits,
            setup.options(request.calls),
        );
        let reply = Reply {
            signatures: outcome.findings.into_iter().map(|f| f.signature).collect(),
        };
        let mut out = stdout.lock();
        writeln!(
            out,
            "{}",
            serde_json::to_string(&reply).expect("replies serialise")
        )?;
        out.flush()?;
    }
    Ok(())
}
