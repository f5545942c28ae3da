//! Watchdogs: a wall-clock limit per case and a resident-memory limit per
//! process, for every command that runs cases in a process of its own
//! (fuzz workers, and the supervised child of `run`, `replay`, `shrink`).
//!
//! A thread watches the process. Case code marks where it is
//! ([`begin_case`], [`enter`] for each engine step, [`end_case`]); when a
//! case runs past its time or the process past its memory, the watchdog
//! writes what tripped (`resource.json`: which limit, which engine, how
//! far) where its supervisor reads it, says so in one line on stderr and
//! ends the process with [`TRIPPED_EXIT`]. The supervisor turns that into
//! a `resource` outcome naming the engine, and goes on. A hang in native
//! code or a host function cannot stop the watchdog: it is its own thread.
//!
//! A process can also die of a panic that cannot unwind (a panic inside an
//! engine's `extern "C"` frames aborts): the watchdog's panic hook notes
//! which engine's step panicked, in which case, and why ([`Panicked`]),
//! before the abort, so the supervisor blames that engine alone (a
//! reference engine's abort is its own bug) instead of every engine.
//!
//! Test hooks (`TIERDIFF_TEST_HOOK`, for the harness's own tests only):
//! `stall:ENGINE:CASE` makes that engine's first step in that case never
//! return, `memory:ENGINE:CASE` makes it allocate and touch memory
//! without end, and `abort:ENGINE:CASE` makes it panic where a panic
//! cannot unwind, so tests can check that all three are caught.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The exit code of a process its watchdog ended.
pub const TRIPPED_EXIT: i32 = 86;

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(50);

/// The limits a watchdog enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchLimits {
    /// Wall-clock time one case may take, over every engine.
    pub case_time: Duration,
    /// Resident memory the process may hold, in bytes.
    pub memory: u64,
}

impl Default for WatchLimits {
    fn default() -> WatchLimits {
        WatchLimits {
            case_time: Duration::from_secs(60),
            memory: 8 << 30,
        }
    }
}

/// Which limit a case tripped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    Time,
    Memory,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Time => "time",
            Resource::Memory => "memory",
        }
    }
}

/// What the watchdog writes when it ends the process.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tripped {
    pub resource: Resource,
    /// The engine whose step was running (`harness` between steps).
    pub engine: String,
    /// The case index the process was running (0 outside fuzz runs).
    pub case: u64,
    /// What the case is called, where it has a name (a `spec` file).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Seconds the case had run, and the resident bytes at the time.
    pub seconds: f64,
    pub resident: u64,
}

impl Tripped {
    /// One line for people.
    pub fn describe(&self) -> String {
        let case = if self.label.is_empty() {
            "the case".to_string()
        } else {
            self.label.clone()
        };
        match self.resource {
            Resource::Time => format!(
                "resource: time: {case} ran for {:.1} s, in {}",
                self.seconds, self.engine
            ),
            Resource::Memory => format!(
                "resource: memory: the process held {} MiB, in {} ({case})",
                self.resident >> 20,
                self.engine
            ),
        }
    }

    /// The finding a trip is: `resource` naming the engine whose step
    /// tripped it (`reference-resource` when that is a reference engine).
    pub fn finding(&self) -> crate::compare::Finding {
        use crate::compare::FindingKind;
        let reference = is_reference(&self.engine);
        let kind = if reference {
            FindingKind::ReferenceResource
        } else {
            FindingKind::Resource
        };
        crate::compare::Finding::new(
            kind,
            vec![self.engine.clone()],
            self.resource.name(),
            Default::default(),
            self.describe(),
        )
    }

    /// Reads what a watchdog wrote into `dir`, if it did.
    pub fn read(dir: &Path) -> Option<Tripped> {
        let text = std::fs::read_to_string(dir.join(TRIPPED_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

const TRIPPED_FILE: &str = "resource.json";

/// Engine names by code (0: none, the harness itself); a name gets its
/// code at its first step, so engines from outside (WAMR's modes, `ext:`
/// adapters) are blamed by name too.
static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The code of `engine` (0 once 255 names are taken).
fn code_of(engine: &str) -> u8 {
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if names.is_empty() {
        names.push("harness".into());
    }
    match names.iter().position(|n| n == engine) {
        Some(code) => code as u8,
        None if names.len() < 255 => {
            names.push(engine.to_string());
            (names.len() - 1) as u8
        }
        None => 0,
    }
}

/// The engine of `code`. Never waits: the watchdog and the panic hook
/// call it while a case may hold the lock.
fn name_of(code: u8) -> String {
    NAMES
        .try_lock()
        .ok()
        .and_then(|names| names.get(code as usize).cloned())
        .unwrap_or_else(|| "harness".into())
}

/// Where this process's watchdog writes (set by [`start`]).
static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Cases that run at once in one process (`spec` runs files on several
/// threads); each thread marks its own lane. Lane 0 is everyone else's.
pub const LANES: usize = 16;

/// Per lane: the engine (by code), the case index, and the milliseconds
/// since [`epoch`] at which its case began (0 when idle).
static ENGINE: [AtomicU8; LANES] = [const { AtomicU8::new(0) }; LANES];
static CASE: [AtomicU64; LANES] = [const { AtomicU64::new(0) }; LANES];
static STARTED_MS: [AtomicU64; LANES] = [const { AtomicU64::new(0) }; LANES];
/// Per lane: what the case is called, for the trip's line (`spec` files).
static LABEL: [Mutex<String>; LANES] = [const { Mutex::new(String::new()) }; LANES];

thread_local! {
    static LANE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The running watchdog's case-time limit in milliseconds.
static CASE_TIME_MS: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64 + 1
}

fn lane() -> usize {
    LANE.with(|l| l.get())
}

/// This thread marks its cases in `lane` (below [`LANES`]) from now on.
pub fn use_lane(lane: usize) {
    assert!(lane < LANES, "watchdog lane {lane} out of range");
    LANE.with(|l| l.set(lane));
}

/// A case starts.
pub fn begin_case(case: u64) {
    begin_labelled_case(case, "");
}

/// A case starts, with a name for the line a trip prints.
pub fn begin_labelled_case(case: u64, label: &str) {
    let lane = lane();
    CASE[lane].store(case, Ordering::Relaxed);
    ENGINE[lane].store(0, Ordering::Relaxed);
    label.clone_into(&mut LABEL[lane].lock().unwrap_or_else(|p| p.into_inner()));
    STARTED_MS[lane].store(now_ms(), Ordering::Relaxed);
}

/// The running case ended.
pub fn end_case() {
    let lane = lane();
    STARTED_MS[lane].store(0, Ordering::Relaxed);
    ENGINE[lane].store(0, Ordering::Relaxed);
}

/// An engine's step (instantiation or a call) starts.
#[inline]
pub fn enter(engine: &str) {
    ENGINE[lane()].store(code_of(engine), Ordering::Relaxed);
    if let Some(hook) = test_hook() {
        hook.fire(engine);
    }
}

/// Resident bytes of this process (Linux); 0 where unknown.
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Starts the watchdog thread of this process, writing what trips (and
/// the last panic) into `dir`. Call once per process.
pub fn start(limits: WatchLimits, dir: PathBuf) {
    epoch();
    set_case_time(limits.case_time);
    let _ = DIR.set(dir.clone());
    note_panics(dir.clone());
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            if let Some(tripped) = look(&limits) {
                trip(&dir, &tripped);
            }
        })
        .expect("the watchdog thread starts");
}

/// What tripped, if anything: the longest-running case past its time, or
/// the process past its memory (blamed on the longest-running case).
fn look(limits: &WatchLimits) -> Option<Tripped> {
    let now = now_ms();
    let (lane, ran) = (0..LANES)
        .map(|l| {
            let started = STARTED_MS[l].load(Ordering::Relaxed);
            (
                l,
                if started == 0 {
                    0
                } else {
                    now.saturating_sub(started)
                },
            )
        })
        .max_by_key(|&(_, ran)| ran)
        .expect("lanes");
    let ran = Duration::from_millis(ran);
    let resident = resident_bytes();
    let case_time = Duration::from_millis(CASE_TIME_MS.load(Ordering::Relaxed));
    let resource = if ran > case_time {
        Resource::Time
    } else if resident > limits.memory {
        Resource::Memory
    } else {
        return None;
    };
    let label = LABEL[lane]
        .try_lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    Some(Tripped {
        resource,
        engine: name_of(ENGINE[lane].load(Ordering::Relaxed)),
        case: CASE[lane].load(Ordering::Relaxed),
        label,
        seconds: ran.as_secs_f64(),
        resident,
    })
}

/// Writes what tripped where the supervisor reads it, says so, and ends
/// the process.
fn trip(dir: &Path, tripped: &Tripped) -> ! {
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(
        dir.join(TRIPPED_FILE),
        serde_json::to_string(tripped).expect("serialises"),
    );
    eprintln!("tierdiff: {}", tripped.describe());
    // The stuck thread may hold any lock: leave without unwinding.
    // SAFETY: _exit ends the process at once; nothing is used after.
    unsafe { libc::_exit(TRIPPED_EXIT) }
}

/// Changes the running watchdog's case-time limit (`run --case-timeout`).
pub fn set_case_time(limit: Duration) {
    CASE_TIME_MS.store(limit.as_millis() as u64, Ordering::Relaxed);
}

/// The folder this process's watchdog writes to, once started.
pub fn dir() -> Option<&'static Path> {
    DIR.get().map(PathBuf::as_path)
}

/// Forgets a trip or panic record left in `dir` (before a new process
/// starts there).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(TRIPPED_FILE));
    let _ = std::fs::remove_file(dir.join(PANICKED_FILE));
}

/// Whether `engine` names a reference engine (its trips and aborts are its own).
fn is_reference(engine: &str) -> bool {
    crate::engine::is_reference_name(engine)
}

const PANICKED_FILE: &str = "panicked.json";

/// The last panic of a watched process: which engine's step it was in, in
/// which case, and its message. Caught panics are noted too; the
/// supervisor reads the note only when the process died of an abort, in
/// the case the note names.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Panicked {
    pub engine: String,
    pub case: u64,
    pub message: String,
}

impl Panicked {
    /// Reads the note a process left in `dir`, if it left one.
    pub fn read(dir: &Path) -> Option<Panicked> {
        let text = std::fs::read_to_string(dir.join(PANICKED_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The finding an abort in this panic is: a `reference-bug` of a
    /// reference engine (it must not take the process down on any module;
    /// the other engines were not compared on the case), else a `crash` of
    /// the engine (`harness` between steps).
    pub fn finding(&self, status: &str) -> crate::compare::Finding {
        use crate::compare::FindingKind;
        let reference = is_reference(&self.engine);
        let (kind, detail, what) = if reference {
            (
                FindingKind::ReferenceBug,
                "crash-process",
                "reference bug: the reference engine",
            )
        } else {
            (FindingKind::Crash, "process", "engine")
        };
        let first_line = self.message.lines().take(2).collect::<Vec<_>>().join(" ");
        crate::compare::Finding::new(
            kind,
            vec![self.engine.clone()],
            detail,
            Default::default(),
            format!(
                "{what} {} panicked where it cannot unwind and the worker process died ({status}) while running case {}: {first_line}",
                self.engine, self.case
            ),
        )
    }
}

/// Notes every panic in `dir` (see [`Panicked`]) before the usual report.
fn note_panics(dir: PathBuf) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The abort that follows a panic which cannot unwind is itself a
        // panic: keep the note of the panic that caused it.
        if info.payload_as_str() == Some("panic in a function that cannot unwind") {
            return previous(info);
        }
        let lane = lane();
        let mut message = info.to_string();
        message.truncate(2000);
        let note = Panicked {
            engine: name_of(ENGINE[lane].load(Ordering::Relaxed)),
            case: CASE[lane].load(Ordering::Relaxed),
            message,
        };
        if let Ok(text) = serde_json::to_string(&note) {
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(PANICKED_FILE), text);
        }
        previous(info);
    }));
}

/// The folder the watchdog of the supervised child with `pid` writes to.
pub fn supervised_dir(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("tierdiff-watchdog-{pid}"))
}

/// A finding folder the supervisor writes should the watchdog end the
/// child (`run --out`, `replay --out`): the child cannot write it once
/// stuck, so it leaves the record here before the case starts.
#[derive(Serialize, Deserialize)]
struct Pending {
    out: PathBuf,
    record: crate::report::FindingRecord,
}

const PENDING_FILE: &str = "pending.json";
const PENDING_WASM: &str = "pending.wasm";

/// Leaves the record and module of the case about to run, to be saved
/// under `out` if the watchdog ends it: `record` makes the case's record
/// for a finding (the supervisor puts the trip in it).
pub fn set_pending(
    out: &Path,
    wasm: &[u8],
    record: impl FnOnce(crate::compare::Finding) -> crate::report::FindingRecord,
) -> std::io::Result<()> {
    let Some(dir) = dir() else { return Ok(()) };
    let placeholder = crate::compare::Finding::new(
        crate::compare::FindingKind::Resource,
        Vec::new(),
        "pending",
        Default::default(),
        String::new(),
    );
    let record = record(placeholder);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(PENDING_WASM), wasm)?;
    let pending = Pending {
        out: out.to_path_buf(),
        record,
    };
    std::fs::write(
        dir.join(PENDING_FILE),
        serde_json::to_string(&pending).expect("serialises"),
    )
}

/// The case finished: nothing to save for it.
pub fn clear_pending() {
    if let Some(dir) = dir() {
        let _ = std::fs::remove_file(dir.join(PENDING_FILE));
        let _ = std::fs::remove_file(dir.join(PENDING_WASM));
    }
}

/// The supervisor's side: writes the pending case of a child its watchdog
/// ended as a finding folder (the trip is its finding). `None` when the
/// child left no pending case.
pub fn save_pending(dir: &Path, tripped: &Tripped) -> Option<std::io::Result<PathBuf>> {
    let text = std::fs::read_to_string(dir.join(PENDING_FILE)).ok()?;
    let saved = (|| {
        let pending: Pending = serde_json::from_str(&text).map_err(std::io::Error::other)?;
        let wasm = std::fs::read(dir.join(PENDING_WASM))?;
        let record = crate::report::FindingRecord {
            finding: tripped.finding(),
            ..pending.record
        };
        crate::report::write_finding(&pending.out, &record, &wasm).map(|(dir, _)| dir)
    })();
    Some(saved)
}

/// A test hook from `TIERDIFF_TEST_HOOK`.
struct Hook {
    stall: Vec<(String, u64)>,
    memory: Vec<(String, u64)>,
    abort: Vec<(String, u64)>,
}

fn test_hook() -> Option<&'static Hook> {
    static HOOK: OnceLock<Option<Hook>> = OnceLock::new();
    HOOK.get_or_init(|| {
        let text = std::env::var("TIERDIFF_TEST_HOOK").ok()?;
        let mut hook = Hook {
            stall: Vec::new(),
            memory: Vec::new(),
            abort: Vec::new(),
        };
        for part in text.split(',') {
            let mut it = part.split(':');
            let (Some(kind), Some(engine), Some(case)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let Ok(case) = case.parse() else { continue };
            match kind {
                "stall" => hook.stall.push((engine.into(), case)),
                "memory" => hook.memory.push((engine.into(), case)),
                "abort" => hook.abort.push((engine.into(), case)),
                _ => {}
            }
        }
        Some(hook)
    })
    .as_ref()
}

impl Hook {
    fn fire(&self, engine: &str) {
        let case = CASE[lane()].load(Ordering::Relaxed);
        let hit = |list: &[(String, u64)]| list.iter().any(|(e, c)| e == engine && *c == case);
        if hit(&self.stall) {
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        if hit(&self.abort) {
            panic_without_unwinding();
        }
        if hit(&self.memory) {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// A panic that cannot unwind out of its `extern "C"` frame: the process
/// aborts, as when an engine panics inside its own native frames.
extern "C" fn panic_without_unwinding() {
    panic!("test hook: a panic that cannot unwind");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_bytes_are_read() {
        assert!(resident_bytes() > 0);
    }

    #[test]
    fn a_trip_record_round_trips() {
        let dir = std::env::temp_dir().join(format!("tierdiff-watchdog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = Tripped {
            resource: Resource::Time,
            engine: "wasmi".into(),
            case: 7,
            label: String::new(),
            seconds: 2.5,
            resident: 1 << 20,
        };
        std::fs::write(dir.join(TRIPPED_FILE), serde_json::to_string(&t).unwrap()).unwrap();
        let back = Tripped::read(&dir).unwrap();
        assert_eq!(
            (back.resource, back.engine.as_str(), back.case),
            (Resource::Time, "wasmi", 7)
        );
        clear(&dir);
        assert!(Tripped::read(&dir).is_none());
    }
}
