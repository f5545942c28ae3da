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
//! Test hooks (`TIERDIFF_TEST_HOOK`, for the harness's own tests only):
//! `stall:ENGINE:CASE` makes that engine's first step in that case never
//! return, and `memory:ENGINE:CASE` makes it allocate and touch memory
//! without end, so tests can check that both are caught.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;
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
    /// Seconds the case had run, and the resident bytes at the time.
    pub seconds: f64,
    pub resident: u64,
}

impl Tripped {
    /// One line for people.
    pub fn describe(&self) -> String {
        match self.resource {
            Resource::Time => format!(
                "resource: time: the case ran for {:.1} s, in {}",
                self.seconds, self.engine
            ),
            Resource::Memory => format!(
                "resource: memory: the process held {} MiB, in {}",
                self.resident >> 20,
                self.engine
            ),
        }
    }

    /// Reads what a watchdog wrote into `dir`, if it did.
    pub fn read(dir: &Path) -> Option<Tripped> {
        let text = std::fs::read_to_string(dir.join(TRIPPED_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

const TRIPPED_FILE: &str = "resource.json";

/// Engines by code (0: none, the harness itself).
const ENGINES: [&str; 6] = ["harness", "classic", "fast", "jit", "wasmi", "wasmtime"];

static ENGINE: AtomicU8 = AtomicU8::new(0);
/// The running watchdog's case-time limit in milliseconds.
static CASE_TIME_MS: AtomicU64 = AtomicU64::new(0);
static CASE: AtomicU64 = AtomicU64::new(0);
/// Milliseconds since [`epoch`] at which the running case began; 0 when idle.
static STARTED_MS: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64 + 1
}

/// A case starts.
pub fn begin_case(case: u64) {
    CASE.store(case, Ordering::Relaxed);
    ENGINE.store(0, Ordering::Relaxed);
    STARTED_MS.store(now_ms(), Ordering::Relaxed);
}

/// The running case ended.
pub fn end_case() {
    STARTED_MS.store(0, Ordering::Relaxed);
    ENGINE.store(0, Ordering::Relaxed);
}

/// An engine's step (instantiation or a call) starts.
#[inline]
pub fn enter(engine: &str) {
    let code = ENGINES.iter().position(|e| *e == engine).unwrap_or(0) as u8;
    ENGINE.store(code, Ordering::Relaxed);
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

/// Starts the watchdog thread of this process, writing what trips into
/// `dir`. Call once per process.
pub fn start(limits: WatchLimits, dir: PathBuf) {
    epoch();
    set_case_time(limits.case_time);
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            let started = STARTED_MS.load(Ordering::Relaxed);
            let ran = Duration::from_millis(if started == 0 { 0 } else { now_ms() - started });
            let resident = resident_bytes();
            let case_time = Duration::from_millis(CASE_TIME_MS.load(Ordering::Relaxed));
            let resource = if ran > case_time {
                Resource::Time
            } else if resident > limits.memory {
                Resource::Memory
            } else {
                continue;
            };
            let tripped = Tripped {
                resource,
                engine: ENGINES[ENGINE.load(Ordering::Relaxed) as usize % ENGINES.len()].into(),
                case: CASE.load(Ordering::Relaxed),
                seconds: ran.as_secs_f64(),
                resident,
            };
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(
                dir.join(TRIPPED_FILE),
                serde_json::to_string(&tripped).expect("serialises"),
            );
            eprintln!("tierdiff: {}", tripped.describe());
            // The stuck thread may hold any lock: leave without unwinding.
            // SAFETY: _exit ends the process at once; nothing is used after.
            unsafe { libc::_exit(TRIPPED_EXIT) };
        })
        .expect("the watchdog thread starts");
}

/// Changes the running watchdog's case-time limit (`run --case-timeout`).
pub fn set_case_time(limit: Duration) {
    CASE_TIME_MS.store(limit.as_millis() as u64, Ordering::Relaxed);
}

/// Forgets a trip record left in `dir` (before a new process starts there).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(TRIPPED_FILE));
}

/// A test hook from `TIERDIFF_TEST_HOOK`.
struct Hook {
    stall: Vec<(String, u64)>,
    memory: Vec<(String, u64)>,
}

fn test_hook() -> Option<&'static Hook> {
    static HOOK: OnceLock<Option<Hook>> = OnceLock::new();
    HOOK.get_or_init(|| {
        let text = std::env::var("TIERDIFF_TEST_HOOK").ok()?;
        let mut hook = Hook {
            stall: Vec::new(),
            memory: Vec::new(),
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
                _ => {}
            }
        }
        Some(hook)
    })
    .as_ref()
}

impl Hook {
    fn fire(&self, engine: &str) {
        let case = CASE.load(Ordering::Relaxed);
        let hit = |list: &[(String, u64)]| list.iter().any(|(e, c)| e == engine && *c == case);
        if hit(&self.stall) {
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
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
