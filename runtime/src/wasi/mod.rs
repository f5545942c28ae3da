//! A deterministic subset of WASI preview1 (`wasi_snapshot_preview1`),
//! written once for every engine: each function works on a [`Guest`] view
//! of the caller's memory plus a [`WasiState`]. Our store uses it through
//! [`define`]; the harness wires the same [`dispatch`] into wasmi.
//!
//! * Deterministic by default: args and environment are given, stdin is a
//!   byte string (empty by default), stdout and stderr are captured, the
//!   clocks are virtual (they start at [`EPOCH_NS`] and advance by
//!   [`STEP_NS`] per query, or jump to a `poll_oneoff` deadline) and
//!   `random_get` draws from a seeded generator. [`WasiConfig::real`]
//!   switches to the real clock, real stdio and an unseeded generator.
//! * Bad buffers: a pointer or length that reaches outside memory makes
//!   the call return `EFAULT` (21) *without any effect*; it never traps.
//!   The memory is the caller's export `memory`; without one every
//!   pointer faults.
//! * `proc_exit(n)` ends the run: the host function fails with
//!   [`Trap::exit`], which every tier propagates unchanged.
//! * Only stdin, stdout and stderr exist; no directory is preopened. Every
//!   other preview1 function, and any unknown import of the WASI module
//!   (given the type the module declares), is a stub returning `ENOSYS`.

mod calls;
mod guest;

pub use guest::Guest;

use crate::module::{ImportKind, Module};
use crate::store::{Extern, HostCaller, Linker, Store};
use crate::trap::Trap;
use crate::types::FuncType;
use crate::values::{Val, ValType};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Virtual realtime clock at the first query: 2023-11-14T22:13:20Z, in ns.
pub const EPOCH_NS: u64 = 1_700_000_000_000_000_000;
/// How far the virtual clocks advance per query (1 ms), also their resolution.
pub const STEP_NS: u64 = 1_000_000;
/// Seed of `random_get` unless one is given.
pub const DEFAULT_SEED: u64 = 0x7469_6572_6469_6666;
/// Most bytes kept per captured stream; more are counted, not stored.
pub const CAPTURE_LIMIT: usize = 16 << 20;

/// WASI errno values (`__WASI_ERRNO_*`).
pub mod errno {
    /// An errno as the guest receives it.
    pub type Errno = u16;
    pub const SUCCESS: Errno = 0;
    pub const BADF: Errno = 8;
    pub const FAULT: Errno = 21;
    pub const INVAL: Errno = 28;
    pub const NOSYS: Errno = 52;
    pub const SPIPE: Errno = 70;
}

/// How a WASI program runs: what it is given and which world it sees.
#[derive(Clone, Debug)]
pub struct WasiConfig {
    /// `argv`, program name first.
    pub args: Vec<String>,
    /// `KEY=VALUE` entries.
    pub env: Vec<String>,
    /// Bytes `fd_read` on fd 0 returns (ignored when `real`).
    pub stdin: Vec<u8>,
    /// Seed of `random_get` (ignored when `real`).
    pub seed: u64,
    /// Real clock, real stdio, clock-seeded random: for running programs
    /// and benchmarks, never for differential runs.
    pub real: bool,
    /// With `real`: keep stdin empty and capture stdout/stderr anyway, so a
    /// benchmark can use the real clock without the program's output
    /// mixing with its own.
    pub capture_output: bool,
}

impl Default for WasiConfig {
    fn default() -> WasiConfig {
        WasiConfig {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Vec::new(),
            seed: DEFAULT_SEED,
            real: false,
            capture_output: false,
        }
    }
}

/// The program ended through `proc_exit` with this code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit(pub u32);

/// The clocks: virtual (deterministic) or real.
#[derive(Debug)]
pub struct Clock {
    /// Virtual monotonic time in ns; realtime is `EPOCH_NS` later.
    now: u64,
    real: Option<Instant>,
}

impl Clock {
    fn resolution(&self) -> u64 {
        if self.real.is_some() {
            1
        } else {
            STEP_NS
        }
    }

    /// Monotonic now, without advancing.
    fn now(&self) -> u64 {
        match self.real {
            Some(start) => start.elapsed().as_nanos() as u64,
            None => self.now,
        }
    }

    /// One query of a clock: the virtual clocks advance first.
    fn query(&mut self, realtime: bool) -> u64 {
        match (self.real, realtime) {
            (Some(_), true) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            (Some(start), false) => start.elapsed().as_nanos() as u64,
            (None, _) => {
                self.now += STEP_NS;
                self.now + if realtime { EPOCH_NS } else { 0 }
            }
        }
    }

    /// An absolute time of a clock on the monotonic scale.
    fn to_monotonic(&self, realtime: bool, t: u64) -> u64 {
        match (self.real, realtime) {
            (Some(_), true) => {
                let wall = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                self.now().saturating_add(t.saturating_sub(wall))
            }
            (None, true) => t.saturating_sub(EPOCH_NS),
            (_, false) => t,
        }
    }

    /// Waits (really, or by moving the virtual clock) until monotonic `t`.
    fn sleep_until(&mut self, t: u64) {
        match self.real {
            Some(start) => {
                let now = start.elapsed().as_nanos() as u64;
                std::thread::sleep(std::time::Duration::from_nanos(t.saturating_sub(now)));
            }
            None => self.now = self.now.max(t),
        }
    }
}

/// splitmix64: small, seedable and the same on every platform.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Everything a WASI program can observe or change outside its memory.
#[derive(Debug)]
pub struct WasiState {
    args: Vec<String>,
    env: Vec<String>,
    stdin: Vec<u8>,
    stdin_pos: usize,
    clock: Clock,
    rng: Rng,
    /// Real stdin/stdout/stderr (`real` without `capture_output`).
    real_stdio: bool,
    /// stdin, stdout, stderr closed by `fd_close`.
    closed: [bool; 3],
    /// Captured stdout (deterministic mode; at most [`CAPTURE_LIMIT`] bytes).
    pub stdout: Vec<u8>,
    /// Captured stderr (deterministic mode; at most [`CAPTURE_LIMIT`] bytes).
    pub stderr: Vec<u8>,
    /// Bytes written to stdout and stderr, including those not kept.
    pub written: [u64; 2],
    /// The code given to `proc_exit`, once called.
    pub exit_code: Option<u32>,
}

impl WasiState {
    pub fn new(config: &WasiConfig) -> WasiState {
        let seed = if config.real {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(DEFAULT_SEED, |d| d.as_nanos() as u64)
        } else {
            config.seed
        };
        WasiState {
            args: config.args.clone(),
            env: config.env.clone(),
            stdin: config.stdin.clone(),
            stdin_pos: 0,
            clock: Clock {
                now: 0,
                real: config.real.then(Instant::now),
            },
            rng: Rng(seed),
            real_stdio: config.real && !config.capture_output,
            closed: [false; 3],
            stdout: Vec::new(),
            stderr: Vec::new(),
            written: [0; 2],
            exit_code: None,
        }
    }

    /// A shareable state, as [`define`] and host closures take it.
    pub fn shared(config: &WasiConfig) -> Arc<Mutex<WasiState>> {
        Arc::new(Mutex::new(WasiState::new(config)))
    }

    fn is_open(&self, fd: u32) -> bool {
        fd < 3 && !self.closed[fd as usize]
    }

    fn readable(&self, fd: u32) -> bool {
        fd == 0 && self.is_open(fd)
    }

    fn writable(&self, fd: u32) -> bool {
        (fd == 1 || fd == 2) && self.is_open(fd)
    }

    fn stdin_left(&self) -> u64 {
        (self.stdin.len() - self.stdin_pos) as u64
    }

    /// Fills `dst` from stdin; returns how many bytes were read.
    fn input(&mut self, dst: &mut [u8]) -> usize {
        if self.real_stdio {
            return std::io::stdin().read(dst).unwrap_or(0);
        }
        let n = dst.len().min(self.stdin.len() - self.stdin_pos);
        dst[..n].copy_from_slice(&self.stdin[self.stdin_pos..self.stdin_pos + n]);
        self.stdin_pos += n;
        n
    }

    /// Writes to stdout (fd 1) or stderr (fd 2).
    fn output(&mut self, fd: u32, data: &[u8]) {
        let i = fd as usize - 1;
        self.written[i] += data.len() as u64;
        if self.real_stdio {
            // The guest cannot act on a host write error; like a closed pipe, it is dropped.
            let _ = if fd == 1 {
                std::io::stdout().write_all(data)
            } else {
                std::io::stderr().write_all(data)
            };
            return;
        }
        let buf = if fd == 1 {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        let room = CAPTURE_LIMIT.saturating_sub(buf.len());
        buf.extend_from_slice(&data[..data.len().min(room)]);
    }
}

use ValType::{I32, I64};

/// Every preview1 function with its parameters; all return an `i32`
/// errno except `proc_exit`, which returns nothing.
pub const FUNCTIONS: &[(&str, &[ValType])] = &[
    ("args_get", &[I32, I32]),
    ("args_sizes_get", &[I32, I32]),
    ("environ_get", &[I32, I32]),
    ("environ_sizes_get", &[I32, I32]),
    ("clock_res_get", &[I32, I32]),
    ("clock_time_get", &[I32, I64, I32]),
    ("fd_advise", &[I32, I64, I64, I32]),
    ("fd_allocate", &[I32, I64, I64]),
    ("fd_close", &[I32]),
    ("fd_datasync", &[I32]),
    ("fd_fdstat_get", &[I32, I32]),
    ("fd_fdstat_set_flags", &[I32, I32]),
    ("fd_fdstat_set_rights", &[I32, I64, I64]),
    ("fd_filestat_get", &[I32, I32]),
    ("fd_filestat_set_size", &[I32, I64]),
    ("fd_filestat_set_times", &[I32, I64, I64, I32]),
    ("fd_pread", &[I32, I32, I32, I64, I32]),
    ("fd_prestat_get", &[I32, I32]),
    ("fd_prestat_dir_name", &[I32, I32, I32]),
    ("fd_pwrite", &[I32, I32, I32, I64, I32]),
    ("fd_read", &[I32, I32, I32, I32]),
    ("fd_readdir", &[I32, I32, I32, I64, I32]),
    ("fd_renumber", &[I32, I32]),
    ("fd_seek", &[I32, I64, I32, I32]),
    ("fd_sync", &[I32]),
    ("fd_tell", &[I32, I32]),
    ("fd_write", &[I32, I32, I32, I32]),
    ("path_create_directory", &[I32, I32, I32]),
    ("path_filestat_get", &[I32, I32, I32, I32, I32]),
    (
        "path_filestat_set_times",
        &[I32, I32, I32, I32, I64, I64, I32],
    ),
    ("path_link", &[I32, I32, I32, I32, I32, I32, I32]),
    ("path_open", &[I32, I32, I32, I32, I32, I64, I64, I32, I32]),
    ("path_readlink", &[I32, I32, I32, I32, I32, I32]),
    ("path_remove_directory", &[I32, I32, I32]),
    ("path_rename", &[I32, I32, I32, I32, I32, I32]),
    ("path_symlink", &[I32, I32, I32, I32, I32]),
    ("path_unlink_file", &[I32, I32, I32]),
    ("poll_oneoff", &[I32, I32, I32, I32]),
    ("proc_exit", &[I32]),
    ("proc_raise", &[I32]),
    ("sched_yield", &[]),
    ("random_get", &[I32, I32]),
    ("sock_accept", &[I32, I32, I32]),
    ("sock_recv", &[I32, I32, I32, I32, I32, I32]),
    ("sock_send", &[I32, I32, I32, I32, I32]),
    ("sock_shutdown", &[I32, I32]),
];

/// The type of a preview1 function, `None` for names preview1 lacks.
pub fn func_type(name: &str) -> Option<FuncType> {
    let (_, params) = FUNCTIONS.iter().find(|(n, _)| *n == name)?;
    let results = if name == "proc_exit" {
        vec![]
    } else {
        vec![I32]
    };
    Some(FuncType {
        params: params.to_vec(),
        results,
    })
}

/// Runs WASI function `name` with raw arguments (`i32` as `u32` bits).
/// Returns its results as raw slots, or the program's exit.
///
/// Names outside preview1 and preview1 functions not implemented return
/// `ENOSYS` in their first `i32` result (other results are zero), so
/// [`stub_results`] decides their shape from `results`.
pub fn dispatch(
    name: &str,
    state: &mut WasiState,
    memory: &mut [u8],
    args: &[u64],
    results: &[ValType],
) -> Result<Vec<u64>, Exit> {
    let g = &mut Guest::new(memory);
    let s = state;
    let a = |i: usize| args.get(i).copied().unwrap_or(0) as u32;
    let r = match name {
        "args_get" => calls::args_get(s, g, a(0), a(1)),
        "args_sizes_get" => calls::args_sizes_get(s, g, a(0), a(1)),
        "environ_get" => calls::environ_get(s, g, a(0), a(1)),
        "environ_sizes_get" => calls::environ_sizes_get(s, g, a(0), a(1)),
        "clock_res_get" => calls::clock_res_get(s, g, a(0), a(1)),
        "clock_time_get" => calls::clock_time_get(s, g, a(0), a(2)),
        "fd_write" => calls::fd_write(s, g, a(0), a(1), a(2), a(3)),
        "fd_read" => calls::fd_read(s, g, a(0), a(1), a(2), a(3)),
        "fd_close" => calls::fd_close(s, a(0)),
        "fd_seek" | "fd_tell" => calls::fd_seek(s, a(0)),
        "fd_fdstat_get" => calls::fd_fdstat_get(s, g, a(0), a(1)),
        "fd_prestat_get" | "fd_prestat_dir_name" => calls::fd_prestat(),
        "random_get" => calls::random_get(s, g, a(0), a(1)),
        "poll_oneoff" => calls::poll_oneoff(s, g, a(0), a(1), a(2), a(3)),
        "sched_yield" => Ok(()),
        "proc_exit" => {
            s.exit_code = Some(a(0));
            return Err(Exit(a(0)));
        }
        _ => Err(errno::NOSYS),
    };
    let errno = r.err().unwrap_or(errno::SUCCESS);
    Ok(stub_results(results, errno))
}

/// Results of the declared shape: `errno` in the first `i32`, zeros elsewhere.
pub fn stub_results(results: &[ValType], errno: errno::Errno) -> Vec<u64> {
    let mut first = true;
    results
        .iter()
        .map(|t| match t {
            I32 if first => {
                first = false;
                u64::from(errno)
            }
            ValType::FuncRef | ValType::ExternRef => crate::values::NULL_REF,
            _ => 0,
        })
        .collect()
}

/// Defines every function `module` imports from [`MODULE`] in `linker`,
/// backed by `state`: preview1 functions with their own types, unknown
/// names as `ENOSYS` stubs of the type the module declares (so any WASI
/// module links). Preview1 functions are defined even if not imported.
pub fn define(
    store: &mut Store,
    linker: &mut Linker,
    module: &Module,
    state: Arc<Mutex<WasiState>>,
) {
    let mut wanted: Vec<(String, FuncType)> = FUNCTIONS
        .iter()
        .map(|(n, _)| (n.to_string(), func_type(n).expect("listed")))
        .collect();
    for import in &module.imports {
        if let (true, ImportKind::Func(t)) = (import.module == MODULE, &import.kind) {
            if func_type(&import.name).is_none() {
                wanted.push((import.name.clone(), module.types[*t as usize].clone()));
            }
        }
    }
    for (name, ty) in wanted {
        let results = ty.results.clone();
        let state = state.clone();
        let fname = name.clone();
        let func = Arc::new(move |caller: &mut HostCaller<'_>, args: &[Val]| {
            let raw = crate::values::to_slots(args);
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            let out = match caller.exported_memory("memory") {
                Some(m) => dispatch(
                    &fname,
                    &mut s,
                    &mut caller.data.memories[m as usize].data,
                    &raw,
                    &results,
                ),
                None => dispatch(&fname, &mut s, &mut [], &raw, &results),
            };
            match out {
                // One raw word per result; a stub's v128 result is all zeros.
                Ok(raw) => Ok(results
                    .iter()
                    .zip(raw)
                    .map(|(&t, r)| match t {
                        ValType::V128 => Val::V128(r as u128),
                        _ => Val::from_raw(t, r),
                    })
                    .collect()),
                Err(Exit(code)) => Err(Trap::exit(code)),
            }
        });
        let addr = store.alloc_host_func(ty, func);
        linker.define(MODULE, &name, Extern::Func(addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, s: &mut WasiState, mem: &mut [u8], args: &[u64]) -> u64 {
        dispatch(name, s, mem, args, &[I32]).unwrap()[0]
    }

    #[test]
    fn virtual_clock_and_random_are_deterministic() {
        let config = WasiConfig::default();
        let (mut a, mut b) = (WasiState::new(&config), WasiState::new(&config));
        let (mut ma, mut mb) = (vec![0u8; 64], vec![0u8; 64]);
        for (s, m) in [(&mut a, &mut ma), (&mut b, &mut mb)] {
            assert_eq!(run("clock_time_get", s, m, &[0, 0, 0]), 0);
            assert_eq!(run("clock_time_get", s, m, &[1, 0, 8]), 0);
            assert_eq!(run("random_get", s, m, &[16, 32]), 0);
        }
        assert_eq!(ma, mb);
        assert_eq!(
            u64::from_le_bytes(ma[0..8].try_into().unwrap()),
            EPOCH_NS + STEP_NS
        );
        assert_eq!(
            u64::from_le_bytes(ma[8..16].try_into().unwrap()),
            2 * STEP_NS
        );
    }

    #[test]
    fn bad_buffers_fault_without_effect() {
        let mut s = WasiState::new(&WasiConfig::default());
        let mut mem = vec![0u8; 32];
        // iovec at 0: {ptr 8, len 4}; a second iovec past memory.
        mem[0..4].copy_from_slice(&8u32.to_le_bytes());
        mem[4..8].copy_from_slice(&4u32.to_le_bytes());
        mem[8..12].copy_from_slice(&30u32.to_le_bytes());
        mem[12..16].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(run("fd_write", &mut s, &mut mem, &[1, 0, 1, 28]), 0);
        assert_eq!(s.stdout.len(), 4);
        let before = mem.clone();
        assert_eq!(run("fd_write", &mut s, &mut mem, &[1, 0, 2, 28]), 21);
        assert_eq!(run("fd_write", &mut s, &mut mem, &[1, 0, 1, 30]), 21);
        assert_eq!(
            run("random_get", &mut s, &mut mem, &[30, u32::MAX as u64]),
            21
        );
        assert_eq!(run("clock_time_get", &mut s, &mut mem, &[0, 0, 25]), 21);
        assert_eq!(mem, before);
        assert_eq!(s.stdout.len(), 4);
        assert_eq!(run("path_open", &mut s, &mut mem, &[]), 52);
        assert_eq!(
            dispatch("proc_exit", &mut s, &mut mem, &[3], &[]),
            Err(Exit(3))
        );
    }
}
