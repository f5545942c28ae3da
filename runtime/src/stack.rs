//! Threads with a big native stack, known to the tiers that need one.
//!
//! The JIT runs wasm calls as native calls, so a call needs a native stack
//! large enough for `max_call_depth` frames. Spawning such a thread per call
//! costs tens of microseconds; an embedder that runs its work inside
//! [`run_with_big_stack`] lets the JIT call straight on the current thread.

use std::cell::Cell;

/// A stack that holds the JIT's deepest configuration (256 MiB). Only
/// touched pages take memory.
pub const BIG_STACK: usize = 256 << 20;

thread_local! {
    /// (address near the top of this thread's stack, stack size) for threads
    /// started by [`run_with_big_stack`].
    static BIG: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// Runs `f` on a new thread with a `size`-byte stack and waits for it.
/// A panic in `f` resumes on the calling thread.
pub fn run_with_big_stack<R: Send>(size: usize, f: impl FnOnce() -> R + Send) -> R {
    let joined = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("tierdiff-big-stack".into())
            .stack_size(size)
            .spawn_scoped(s, move || {
                let marker = 0u8;
                BIG.with(|b| b.set(Some((std::ptr::addr_of!(marker) as usize, size))));
                f()
            })
            .expect("the system can start a thread")
            .join()
    });
    joined.unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Bytes of stack still free below this point, on a thread started by
/// [`run_with_big_stack`]; `None` on any other thread.
pub fn remaining() -> Option<usize> {
    let (top, size) = BIG.with(|b| b.get())?;
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    Some(size.saturating_sub(top.saturating_sub(here)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_big_stack_threads_report_free_stack() {
        assert_eq!(remaining(), None);
        let free = run_with_big_stack(64 << 20, || remaining().expect("inside"));
        assert!(free > 60 << 20 && free <= 64 << 20, "{free}");
    }
}
