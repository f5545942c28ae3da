//! How one handler hands over to the next, in the two dispatch modes.
//!
//! Every handler has the signature [`Handler`]: the executor context plus
//! the hot state (instruction pointer, frame base, memory 0 base and
//! length, fuel) as arguments, so that it lives in registers. A handler
//! ends with [`dispatch`], which reads the next handler's address from the
//! code stream and
//!
//! * **tail mode** (`cfg(fast_tail_dispatch)`): calls it in tail position.
//!   LLVM turns that call into a jump at opt-level 2 and above, so
//!   handlers chain without a central loop and without growing the native
//!   stack;
//! * **loop mode** (otherwise): parks the state in the context and
//!   returns; [`run`] loops, calling the next handler each time.
//!
//! The build script picks tail mode where the build optimises (opt-level
//! 2, 3, `s` or `z`) on a target whose LLVM backend performs sibling calls,
//! loop mode elsewhere (opt-level 0 and 1, where the calls stay calls, and
//! instrumented builds such as cargo-fuzz's, where some of them do);
//! `TIERDIFF_FAST_DISPATCH=tail|loop` at build time overrides it. Tail mode
//! is only correct if every handler's dispatch really is a jump: the
//! `dispatch_never_grows_the_native_stack` test runs every handler in a long
//! loop on a thread with a small stack, so a build where some call stays a
//! call fails loudly.
//!
//! # Dev. Note
//! For a call to stay a jump, nothing may be alive in the handler's stack
//! frame across it: no value whose address escaped (a `Vec` to drop, a
//! struct returned through memory, a formatted panic message). Slow paths
//! therefore live in `#[inline(never)]` functions that return scalars or
//! leave results in the context, and handlers only pass scalars on.

use super::exec::Ctx;

/// Address of the next instruction word (a handler address).
pub(super) type Ip = *const u64;
/// Base of the running frame's slots.
pub(super) type Sp = *mut u64;
/// Base of the running instance's memory 0 (dangling when it has none).
pub(super) type Mem = *mut u8;

/// What a handler returns: in tail mode only [`Done::Exit`], once, when
/// execution ends; in loop mode [`Done::Next`] after every instruction.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Done {
    #[cfg_attr(fast_tail_dispatch, allow(dead_code))]
    Next,
    Exit,
}

/// An instruction handler.
pub(super) type Handler = fn(&mut Ctx, Ip, Sp, Mem, usize, u64) -> Done;

/// Whether this build chains handlers as tail calls.
#[cfg(test)]
pub(super) const TAIL_DISPATCH: bool = cfg!(fast_tail_dispatch);

/// The handler of the instruction at `ip`.
#[inline(always)]
fn fetch(ip: Ip) -> Handler {
    // SAFETY: `ip` is an instruction start of a verified code stream (or the
    // exit stream): its first word was written as a `Handler`.
    unsafe { ip.cast::<Handler>().read() }
}

/// Continues with the instruction at `ip`.
#[cfg(fast_tail_dispatch)]
#[inline(always)]
pub(super) fn dispatch(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
    fetch(ip)(cx, ip, sp, mem, len, fuel)
}

/// Continues with the instruction at `ip`.
#[cfg(not(fast_tail_dispatch))]
#[inline(always)]
pub(super) fn dispatch(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
    cx.parked = (ip, sp, mem, len, fuel);
    Done::Next
}

/// Runs from the instruction at `ip` until a handler ends execution.
#[cfg(fast_tail_dispatch)]
pub(super) fn run(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) {
    let _ = dispatch(cx, ip, sp, mem, len, fuel);
}

/// Runs from the instruction at `ip` until a handler ends execution.
#[cfg(not(fast_tail_dispatch))]
pub(super) fn run(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) {
    cx.parked = (ip, sp, mem, len, fuel);
    loop {
        let (ip, sp, mem, len, fuel) = cx.parked;
        if fetch(ip)(cx, ip, sp, mem, len, fuel) == Done::Exit {
            return;
        }
    }
}
