//! The harness side of the adapter protocol: an [`Engine`] whose instances
//! live in a child process. The child is started once per engine and kept
//! for every case; one that dies is the engine's crash for that call, and
//! the next case starts a new one.

use super::{Answer, Hello, Request, Semantics, State, PROTOCOL};
use crate::engine::{Engine, EngineInstance};
use crate::outcome::{CallResult, InstantiateResult, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::{Limits, MapSnapshot, Violation};

/// An engine behind the adapter protocol.
pub struct ExternalEngine {
    name: String,
    /// Program and arguments that start the adapter.
    command: Vec<String>,
    hello: Hello,
    features: wasmparser::WasmFeatures,
    child: Arc<Mutex<Option<Adapter>>>,
}

/// A running adapter and the instance generation it holds.
struct Adapter {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The instance it holds ([`next_generation`]): an instance of an older
    /// one, or of an adapter that died, is gone.
    generation: u64,
}

/// A number no instance of any adapter of this process had before.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// How long an adapter may take to say hello: WAMR's modes build
/// themselves at first use (seconds here, minutes on a slow machine).
const HELLO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Adapter {
    fn start(name: &str, command: &[String]) -> Result<Adapter, String> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| format!("engine {name}: empty adapter command"))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        die_with_parent(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("engine {name}: cannot start {program:?}: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Adapter {
            child,
            stdin,
            stdout,
            generation: 0,
        })
    }

    /// Sends one request and reads one answer line.
    fn ask(&mut self, request: &Request) -> Result<String, String> {
        self.ask_within(request, None)
    }

    /// [`Adapter::ask`], giving up after `timeout` without an answer (the
    /// adapter is then killed). Calls have no timeout of their own: the
    /// watchdog of the process bounds a whole case.
    fn ask_within(
        &mut self,
        request: &Request,
        timeout: Option<std::time::Duration>,
    ) -> Result<String, String> {
        let mut line = serde_json::to_string(request).expect("requests serialise");
        line.push('\n');
        let sent = self
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush());
        if sent.is_err() {
            return Err(self.death());
        }
        if let Some(timeout) = timeout {
            if !self.answers_within(timeout) {
                let _ = self.child.kill();
                return Err(format!(
                    "no answer within {} s (the adapter was ended)",
                    timeout.as_secs()
                ));
            }
        }
        let mut answer = String::new();
        match self.stdout.read_line(&mut answer) {
            Ok(n) if n > 0 => Ok(answer),
            _ => Err(self.death()),
        }
    }

    /// Whether the adapter's stdout has something to read within `timeout`.
    fn answers_within(&mut self, timeout: std::time::Duration) -> bool {
        use std::os::fd::AsRawFd;
        if !self.stdout.buffer().is_empty() {
            return true;
        }
        let mut fd = libc::pollfd {
            fd: self.stdout.get_ref().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let ms = left.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd for the duration of the call.
            let n = unsafe { libc::poll(&mut fd, 1, ms) };
            match n {
                n if n > 0 => return true,
                0 => return false,
                _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
                _ => return true,
            }
        }
    }

    /// Why the adapter stopped answering.
    fn death(&mut self) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => status,
            _ => {
                let _ = self.child.kill();
                match self.child.wait() {
                    Ok(status) => status,
                    Err(e) => return format!("the adapter stopped answering ({e})"),
                }
            }
        };
        format!("the adapter process ended ({status})")
    }
}

/// The child gets SIGKILL when the harness process dies, so an adapter
/// stuck in a loop never outlives a worker its watchdog ended.
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl and getppid are async-signal-safe and touch no memory
    // of ours. A parent that died before prctl ran is seen by getppid.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                return Err(std::io::Error::other("the harness is gone"));
            }
            Ok(())
        });
    }
}

impl ExternalEngine {
    /// Starts the adapter and checks its hello: an adapter that does not
    /// start, speaks another protocol version or answers garbage is an
    /// error in one line, before any case runs.
    pub fn start(name: &str, command: Vec<String>) -> Result<ExternalEngine, String> {
        let mut adapter = Adapter::start(name, &command)?;
        let answer = adapter
            .ask_within(&Request::Hello { protocol: PROTOCOL }, Some(HELLO_TIMEOUT))
            .map_err(|e| format!("engine {name}: no hello: {e}"))?;
        if let Ok(Answer { error: Some(e), .. }) = serde_json::from_str::<Answer>(&answer) {
            return Err(format!("engine {name}: {e}"));
        }
        let hello: Hello = serde_json::from_str(&answer).map_err(|e| {
            format!(
                "engine {name}: the adapter's hello is not protocol {PROTOCOL} ({e}): {}",
                clip(answer.trim())
            )
        })?;
        if hello.protocol != PROTOCOL {
            return Err(format!(
                "engine {name}: the adapter speaks protocol {}, this tierdiff speaks {PROTOCOL}",
                hello.protocol
            ));
        }
        let features = super::features(&hello.proposals)
            .map_err(|e| format!("engine {name}: the adapter's hello: {e}"))?;
        Ok(ExternalEngine {
            name: name.to_string(),
            command,
            hello,
            features,
            child: Arc::new(Mutex::new(Some(adapter))),
        })
    }

    /// What the adapter said about itself.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// Why the engine cannot run `bytes`, if a proposal it lacks is used.
    fn unsupported(&self, bytes: &[u8]) -> Option<String> {
        let mut validator = wasmparser::Validator::new_with_features(self.features);
        let e = validator.validate_all(bytes).err()?;
        // A module invalid under every feature set is for the engine to reject.
        let mut all = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        all.validate_all(bytes).ok()?;
        Some(format!(
            "{} does not support what the module uses ({}); it runs {}",
            self.name,
            e.message(),
            if self.hello.proposals.is_empty() {
                "WebAssembly 2.0 without SIMD".to_string()
            } else {
                format!("WebAssembly 2.0 + {}", self.hello.proposals.join(", "))
            }
        ))
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() > 200 {
        format!("{}...", text.chars().take(200).collect::<String>())
    } else {
        text.to_string()
    }
}

impl Engine for ExternalEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_reference(&self) -> bool {
        false
    }

    fn exact(&self) -> bool {
        self.hello.semantics == Semantics::Tierdiff
    }

    fn features(&self) -> Option<wasmparser::WasmFeatures> {
        Some(self.features)
    }

    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        if wasi.is_some() {
            return Err(InstantiateResult::EngineLimit(format!(
                "{}: adapter protocol {PROTOCOL} does not carry WASI",
                self.name
            )));
        }
        if let Some(why) = self.unsupported(bytes) {
            return Err(InstantiateResult::EngineLimit(why));
        }
        let mut slot = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let mut adapter =
                Adapter::start(&self.name, &self.command).map_err(InstantiateResult::Crashed)?;
            adapter
                .ask_within(&Request::Hello { protocol: PROTOCOL }, Some(HELLO_TIMEOUT))
                .map_err(InstantiateResult::Crashed)?;
            *slot = Some(adapter);
        }
        let adapter = slot.as_mut().expect("started above");
        let generation = next_generation();
        adapter.generation = generation;
        let request = Request::Instantiate {
            wasm: crate::verdict::hex(bytes),
            limits,
        };
        let answer = adapter.ask(&request);
        match answer.and_then(|a| member(&a, |a| a.instantiate)) {
            Ok(InstantiateResult::Ok) => {
                drop(slot);
                let mut instance = ExternalInstance {
                    engine: self.name.clone(),
                    child: self.child.clone(),
                    generation,
                    state: State::default(),
                };
                instance.state = instance.fetch_state().map_err(InstantiateResult::Crashed)?;
                Ok(Box::new(instance))
            }
            Ok(other) => Err(other),
            Err(e) => {
                *slot = None;
                Err(InstantiateResult::Crashed(format!("{}: {e}", self.name)))
            }
        }
    }
}

/// The member of an answer line its request asked for, or why not.
fn member<T>(line: &str, pick: impl FnOnce(Answer) -> Option<T>) -> Result<T, String> {
    let answer: Answer = serde_json::from_str(line)
        .map_err(|e| format!("the adapter answered garbage ({e}): {}", clip(line.trim())))?;
    if let Some(error) = answer.error {
        return Err(format!("the adapter reported an error: {error}"));
    }
    pick(answer).ok_or_else(|| format!("the adapter's answer lacks its member: {}", clip(line)))
}

/// An instance in the adapter, valid while no later instantiate replaced it.
struct ExternalInstance {
    engine: String,
    child: Arc<Mutex<Option<Adapter>>>,
    generation: u64,
    /// Exported state after the last call (fetched with it: every call is
    /// followed by the invariant check and usually the state comparison).
    state: State,
}

impl ExternalInstance {
    /// Sends `request` to this instance's adapter and reads its answer
    /// with `read`. An adapter that died, or answered what `read` cannot
    /// take, is dropped: a stray line would put every later answer one
    /// line out. The next case starts another.
    fn ask<T>(
        &mut self,
        request: &Request,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut slot = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let adapter = slot
            .as_mut()
            .filter(|a| a.generation == self.generation)
            .ok_or_else(|| format!("{}: the instance is gone", self.engine))?;
        let answer = adapter.ask(request).and_then(|line| read(&line));
        if answer.is_err() {
            *slot = None;
        }
        answer.map_err(|e| format!("{}: {e}", self.engine))
    }

    fn fetch_state(&mut self) -> Result<State, String> {
        self.ask(&Request::State, |line| {
            if let Ok(Answer { error: Some(e), .. }) = serde_json::from_str::<Answer>(line) {
                return Err(format!("state: the adapter reported an error: {e}"));
            }
            serde_json::from_str::<State>(line).map_err(|e| {
                format!(
                    "state: the adapter answered garbage ({e}): {}",
                    clip(line.trim())
                )
            })
        })
    }
}

impl EngineInstance for ExternalInstance {
    fn call(&mut self, export: &str, args: &[Value]) -> CallResult {
        let request = Request::Call {
            export: export.to_string(),
            args: args.to_vec(),
        };
        let result = self.ask(&request, |line| member(line, |a| a.call));
        match result.and_then(|r| Ok((r, self.fetch_state()?))) {
            Ok((result, state)) => {
                self.state = state;
                result
            }
            Err(e) => CallResult::Crashed(e),
        }
    }

    fn globals(&mut self) -> Vec<(String, Value)> {
        self.state.globals.clone()
    }

    fn visit_memories(&mut self, visit: &mut dyn FnMut(&str, &[u8])) {
        for memory in &self.state.memories {
            match memory.bytes() {
                Ok(bytes) => visit(&memory.name, &bytes),
                Err(e) => visit(&format!("{} (unreadable: {e})", memory.name), &[]),
            }
        }
    }

    fn tables(&mut self) -> Vec<(String, Vec<Value>)> {
        self.state.tables.clone()
    }

    fn violations(&self) -> Vec<Violation> {
        self.state.violations.clone()
    }

    fn shared_map_snapshots(&self) -> Vec<MapSnapshot> {
        self.state.maps.clone()
    }
}
