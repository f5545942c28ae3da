//! The time budget of a call. WAMR has no fuel, so one watcher thread per
//! process terminates any call that runs past its budget; the call then
//! ends with WAMR's "terminated by user", which we read as `out-of-fuel`.

use super::ffi::RawInstance;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one call (or a start function) may run. Generated cases end in
/// microseconds; only an endless loop comes near this, and an endless loop
/// is exhaustion whatever the budget.
pub const CALL_BUDGET: Duration = Duration::from_secs(2);

/// A call being watched.
struct Armed {
    deadline: Instant,
    instance: Instance,
    terminate: unsafe extern "C" fn(RawInstance),
}

/// An instance pointer the watcher may hand to `tdw_terminate`, which WAMR
/// allows from any thread.
struct Instance(RawInstance);

// SAFETY: the watcher only passes the pointer to tdw_terminate, and only
// while the call is armed, which keeps the instance alive (see `Watch`).
unsafe impl Send for Instance {}

#[derive(Default)]
struct Watcher {
    armed: Mutex<(u64, BTreeMap<u64, Armed>)>,
    changed: Condvar,
}

fn watcher() -> &'static Watcher {
    static WATCHER: OnceLock<&'static Watcher> = OnceLock::new();
    WATCHER.get_or_init(|| {
        let watcher: &'static Watcher = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("wamr-call-budget".into())
            .spawn(move || watch(watcher))
            .expect("a thread for the WAMR call budget");
        watcher
    })
}

/// The watcher thread: terminates every call past its deadline, then
/// sleeps until the next deadline or a change.
fn watch(watcher: &Watcher) {
    let mut state = watcher.armed.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        state.1.retain(|_, armed| {
            if armed.deadline > now {
                return true;
            }
            // SAFETY: an armed instance is alive (its `Watch` disarms it
            // under this lock before the instance can go away).
            unsafe { (armed.terminate)(armed.instance.0) };
            false
        });
        let next = state.1.values().map(|a| a.deadline).min();
        state = match next {
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(now);
                watcher
                    .changed
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => watcher
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// Runs `call` on `instance` under [`CALL_BUDGET`]: past it, `terminate`
/// ends the call from the watcher thread.
pub fn within<T>(
    instance: RawInstance,
    terminate: unsafe extern "C" fn(RawInstance),
    call: impl FnOnce() -> T,
) -> T {
    let watcher = watcher();
    let id = {
        let mut state = watcher.armed.lock().unwrap_or_else(|e| e.into_inner());
        state.0 += 1;
        let id = state.0;
        state.1.insert(
            id,
            Armed {
                deadline: Instant::now() + CALL_BUDGET,
                instance: Instance(instance),
                terminate,
            },
        );
        id
    };
    watcher.changed.notify_one();
    let _watch = Watch { watcher, id };
    call()
}

/// Disarms a call when it ends, however it ends.
struct Watch {
    watcher: &'static Watcher,
    id: u64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut state = self.watcher.armed.lock().unwrap_or_else(|e| e.into_inner());
        state.1.remove(&self.id);
    }
}
