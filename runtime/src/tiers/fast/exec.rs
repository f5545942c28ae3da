//! The executor: its context, the hot state every handler carries, and the
//! paths that enter and leave functions.
//!
//! Frames live in two heap buffers owned by the context: the register file
//! (every frame's slots; a callee's frame starts at the caller's argument
//! slots, so arguments and results are never copied) and the call stack
//! (one [`CallFrame`] per wasm frame: where to resume and the caller's
//! frame base). A wasm call pushes a record, never a Rust frame.
//!
//! # Safety
//! The handlers read slots, operands and branch targets without checks.
//! What makes that sound is verified once per function, when it is
//! translated ([`super::FuncCode::verify`]): every slot operand is below
//! the frame size, every call base at most the frame size, every branch
//! target and `br_table` entry an instruction start of the same stream, the
//! last instruction cannot fall through, and every callee pointer names a
//! function of the same module. At run time [`St::enter`] grows the
//! register file before a frame runs so that `sp + frame_size` is inside
//! it, and the code streams stay alive and unmoved while the tier lives
//! (the side tables own them and never drop one). Debug builds re-check
//! each of these at every use with `debug_assert!`s.

use super::dispatch::{self, dispatch, Done, Ip, Mem, Sp};
use super::ir::Slot;
use super::shapes::words;
use super::{FastTier, FuncCode, FuncEntry, SideTables};
use crate::store::{FuncInst, InstanceData, InstanceId, StoreData};
use crate::trap::{Trap, TrapCode};
use crate::values::FuncAddr;
use std::marker::PhantomData;

/// One wasm frame's return record.
#[derive(Clone, Copy, Debug)]
pub(super) struct CallFrame {
    /// Where the caller resumes.
    ret: Ip,
    /// The caller's frame base.
    sp: Sp,
    /// The caller's instance.
    inst: u32,
    /// The caller's code, for the debug assertions.
    #[cfg(debug_assertions)]
    code: *const FuncCode,
}

/// What a slow path hands back to the handler that called it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Resume {
    pub(super) sp: Sp,
    pub(super) mem: Mem,
    pub(super) len: usize,
    pub(super) fuel: u64,
}

/// A call the slow path is to make: set by the handler that hands over.
#[derive(Clone, Copy, Debug)]
pub(super) struct PendingCall {
    pub(super) addr: FuncAddr,
    pub(super) base: Slot,
    pub(super) ret: Ip,
}

/// Everything the handlers share that is not hot enough for a register.
pub(super) struct Ctx {
    /// The call stack's first record.
    frames: *mut CallFrame,
    /// Records in use (wasm frames).
    pub(super) depth: usize,
    /// `depth` at which [`St::enter`] must take the slow path (capacity or limit).
    depth_limit: usize,
    max_depth: usize,
    /// One past the register file's last slot.
    regs_end: *mut u64,
    /// The running instance, and a pointer to it in the store.
    pub(super) inst: u32,
    pub(super) inst_ptr: *const InstanceData,
    /// Store address of the running instance's memory 0 (`usize::MAX`: none).
    pub(super) mem_idx: usize,
    pub(super) data: *mut StoreData,
    /// Code and instance per store function address (the side tables' view).
    entries: *const FuncEntry,
    entries_len: usize,
    tables: *mut SideTables,
    /// Fuel was unlimited (`u64::MAX`) when last read from the store.
    unlimited: bool,
    /// Why execution stopped, if it trapped.
    pub(super) trap: Option<Trap>,
    /// Fuel left when execution stopped.
    fuel_left: u64,
    pub(super) resume: Resume,
    pub(super) pending: PendingCall,
    /// The state between two handlers in loop mode.
    #[cfg(not(fast_tail_dispatch))]
    pub(super) parked: (Ip, Sp, Mem, usize, u64),
    regs: Vec<u64>,
    frame_vec: Vec<CallFrame>,
    /// The running function, for the debug assertions.
    #[cfg(debug_assertions)]
    pub(super) cur: *const FuncCode,
}

/// The stream of the sentinel frame's return: ends execution.
#[repr(C)]
struct ExitStream {
    handler: dispatch::Handler,
}

static EXIT: ExitStream = ExitStream {
    handler: super::ops::exit_handler(),
};

/// The hot state of one handler, typed by its operand shape `S` (which
/// fixes how far [`St::next`] advances).
pub(super) struct St<'a, S> {
    pub(super) cx: &'a mut Ctx,
    pub(super) ip: Ip,
    pub(super) sp: Sp,
    pub(super) mem: Mem,
    pub(super) len: usize,
    pub(super) fuel: u64,
    shape: PhantomData<S>,
}

impl<'a, S: Copy> St<'a, S> {
    #[inline(always)]
    pub(super) fn new(cx: &'a mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Self {
        #[cfg(debug_assertions)]
        cx.check_ip(ip, words::<S>());
        St {
            cx,
            ip,
            sp,
            mem,
            len,
            fuel,
            shape: PhantomData,
        }
    }

    /// This instruction's operands.
    ///
    /// # Safety
    /// The instruction at `ip` must have shape `S` (verified streams pair
    /// each handler with its own shape).
    #[inline(always)]
    pub(super) unsafe fn operands(&self) -> S {
        // SAFETY: as the caller promises; the operands follow the handler word.
        unsafe { self.ip.add(1).cast::<S>().read() }
    }

    /// Reads slot `s` of the running frame.
    #[inline(always)]
    pub(super) fn get(&self, s: Slot) -> u64 {
        #[cfg(debug_assertions)]
        self.cx.check_slot(self.sp, s);
        // SAFETY: verified: `s` is below the frame size, and `enter` made
        // the register file cover the frame (module docs).
        unsafe { *self.sp.add(s as usize) }
    }

    /// Writes slot `s` of the running frame.
    #[inline(always)]
    pub(super) fn set(&mut self, s: Slot, v: u64) {
        #[cfg(debug_assertions)]
        self.cx.check_slot(self.sp, s);
        // SAFETY: as in `get`.
        unsafe { *self.sp.add(s as usize) = v }
    }

    /// Reads the `v128` in slots `s`, `s + 1` of the running frame.
    #[inline(always)]
    pub(super) fn get_v(&self, s: Slot) -> u128 {
        #[cfg(debug_assertions)]
        self.cx.check_slot(self.sp, s + 1);
        // SAFETY: verified: `s + 1` is below the frame size (a `Q` field),
        // and `enter` made the register file cover the frame.
        let (lo, hi) = unsafe { (*self.sp.add(s as usize), *self.sp.add(s as usize + 1)) };
        lo as u128 | (hi as u128) << 64
    }

    /// Writes the `v128` in slots `s`, `s + 1` of the running frame.
    #[inline(always)]
    pub(super) fn set_v(&mut self, s: Slot, v: u128) {
        #[cfg(debug_assertions)]
        self.cx.check_slot(self.sp, s + 1);
        // SAFETY: as in `get_v`.
        unsafe {
            *self.sp.add(s as usize) = v as u64;
            *self.sp.add(s as usize + 1) = (v >> 64) as u64;
        }
    }

    /// Continues with the next instruction.
    #[inline(always)]
    pub(super) fn next(self) -> Done {
        // SAFETY: verified: the last instruction cannot fall through, so
        // the next one starts inside the stream.
        let ip = unsafe { self.ip.add(words::<S>()) };
        dispatch(self.cx, ip, self.sp, self.mem, self.len, self.fuel)
    }

    /// Jumps `to` words from this instruction. Entering a loop charges no
    /// fuel here: the loop header's handler does.
    #[inline(always)]
    pub(super) fn jump(self, to: i32) -> Done {
        // SAFETY: verified: every target is an instruction start of this stream.
        let ip = unsafe { self.ip.offset(to as isize) };
        dispatch(self.cx, ip, self.sp, self.mem, self.len, self.fuel)
    }

    /// Jumps if `taken`, else continues.
    #[inline(always)]
    pub(super) fn branch(self, taken: bool, to: i32) -> Done {
        if taken {
            self.jump(to)
        } else {
            self.next()
        }
    }

    /// Charges one unit of fuel (a loop header), then continues.
    #[inline(always)]
    pub(super) fn loop_fuel(mut self) -> Done {
        if self.fuel == 0 {
            return self.trap(TrapCode::OutOfFuel);
        }
        self.fuel -= 1;
        self.next()
    }

    /// Ends execution with a trap.
    #[inline(always)]
    pub(super) fn trap(self, code: TrapCode) -> Done {
        trap_out(self.cx, code, self.fuel)
    }

    /// Continues, or traps with the code a slow path returned.
    #[inline(always)]
    pub(super) fn check(self, r: Result<(), TrapCode>) -> Done {
        match r {
            Ok(()) => self.next(),
            Err(code) => self.trap(code),
        }
    }

    /// Continues after a slow path that may have moved memory 0 (`memory.grow`).
    #[inline(always)]
    pub(super) fn next_reloading_memory(mut self) -> Done {
        let (mem, len) = memory_of(self.cx);
        self.mem = mem;
        self.len = len;
        self.next()
    }

    /// Calls the function whose code is `code` (of the running instance,
    /// which `caller` was before the call); its frame starts at slot
    /// `base`; the caller resumes at `ret`.
    ///
    /// Order of checks, as in every tier: call depth, then fuel.
    #[inline(always)]
    pub(super) fn enter(self, code: *const FuncCode, base: Slot, ret: Ip, caller: u32) -> Done {
        let cx = self.cx;
        if cx.depth >= cx.depth_limit && !grow_frames(cx) {
            return trap_out(cx, TrapCode::CallStackExhausted, self.fuel);
        }
        if self.fuel == 0 {
            return trap_out(cx, TrapCode::OutOfFuel, self.fuel);
        }
        // SAFETY: `code` came from a verified call instruction or from the
        // side tables: a live function of this tier.
        let f = unsafe { &*code };
        let mut sp = self.sp;
        // SAFETY: verified: `base` is at most the caller's frame size, so
        // `sp + base` is inside (or one past) the register file.
        let mut callee = unsafe { sp.add(base as usize) };
        // SAFETY: both point into (or one past) the register file.
        if (unsafe { cx.regs_end.offset_from(callee) } as usize) < f.frame_size as usize {
            sp = grow_regs(cx, sp, base as usize + f.frame_size as usize);
            // SAFETY: as above, in the new register file.
            callee = unsafe { sp.add(base as usize) };
        }
        // SAFETY: `depth < depth_limit <= capacity` of the call stack.
        unsafe {
            cx.frames.add(cx.depth).write(CallFrame {
                ret,
                sp,
                inst: caller,
                #[cfg(debug_assertions)]
                code: cx.cur,
            })
        };
        cx.depth += 1;
        #[cfg(debug_assertions)]
        {
            cx.cur = code;
        }
        for &(slot, v) in f.local_init.iter() {
            debug_assert!(slot < f.frame_size);
            // SAFETY: the callee's frame is inside the register file (above)
            // and its locals inside its frame (verified).
            unsafe { *callee.add(slot as usize) = v };
        }
        dispatch(
            cx,
            f.code.as_ptr(),
            callee,
            self.mem,
            self.len,
            self.fuel - 1,
        )
    }

    /// `return_call`: the function whose code is `code` replaces the running
    /// one; its `n` argument slots move from `base` to the frame's start.
    /// The call depth does not change (so it is not checked); fuel is
    /// charged as on every entry.
    #[inline(always)]
    pub(super) fn tail_enter(self, code: *const FuncCode, base: Slot, n: u32) -> Done {
        let cx = self.cx;
        if self.fuel == 0 {
            return trap_out(cx, TrapCode::OutOfFuel, self.fuel);
        }
        // SAFETY: `code` came from a verified call instruction or from the
        // side tables: a live function of this tier.
        let f = unsafe { &*code };
        let mut sp = self.sp;
        // SAFETY: verified: `base + n` is at most the frame size, so both
        // ranges lie inside the running frame; `copy` allows overlap.
        unsafe { std::ptr::copy(sp.add(base as usize), sp, n as usize) };
        // SAFETY: both point into (or one past) the register file.
        if (unsafe { cx.regs_end.offset_from(sp) } as usize) < f.frame_size as usize {
            sp = grow_regs(cx, sp, f.frame_size as usize);
        }
        #[cfg(debug_assertions)]
        {
            cx.cur = code;
        }
        for &(slot, v) in f.local_init.iter() {
            debug_assert!(slot < f.frame_size);
            // SAFETY: the frame is inside the register file (above) and its
            // locals inside its frame (verified).
            unsafe { *sp.add(slot as usize) = v };
        }
        dispatch(cx, f.code.as_ptr(), sp, self.mem, self.len, self.fuel - 1)
    }

    /// Returns from the running function (results already in its first slots).
    #[inline(always)]
    pub(super) fn ret(self) -> Done {
        let cx = self.cx;
        debug_assert!(cx.depth > 0);
        cx.depth -= 1;
        // SAFETY: `depth` records are in use; the sentinel is the last.
        let fr = unsafe { cx.frames.add(cx.depth).read() };
        #[cfg(debug_assertions)]
        {
            cx.cur = fr.code;
        }
        if fr.inst != cx.inst {
            return return_to_instance(cx, fr.ret, fr.sp, self.fuel, fr.inst);
        }
        dispatch(cx, fr.ret, fr.sp, self.mem, self.len, self.fuel)
    }

    /// Hands a call of store function `addr` to the general path (host
    /// functions, other instances, checks of `call_indirect`).
    #[inline(always)]
    pub(super) fn call_slow(self, addr: FuncAddr, base: Slot) -> Done {
        // SAFETY: verified: this call instruction is not the stream's last.
        let ret = unsafe { self.ip.add(words::<S>()) };
        self.cx.pending = PendingCall { addr, base, ret };
        call_pending(self.cx, self.ip, self.sp, self.mem, self.len, self.fuel)
    }

    /// The code entry of store function `raw` if it is a wasm function of
    /// the running instance with canonical signature `ty` (the fast path of
    /// `call_indirect`).
    #[inline(always)]
    pub(super) fn local_entry(&self, raw: u64, ty: u32) -> Option<*const FuncCode> {
        let cx = &*self.cx;
        if raw >= cx.entries_len as u64 {
            return None;
        }
        // SAFETY: `raw < entries_len`, the side tables' entry count.
        let e = unsafe { *cx.entries.add(raw as usize) };
        (e.ty == ty && e.inst == cx.inst && !e.code.is_null()).then_some(e.code)
    }
}

impl Ctx {
    #[cfg(debug_assertions)]
    fn check_ip(&self, ip: Ip, words: usize) {
        if self.cur.is_null() {
            return;
        }
        // SAFETY: `cur` is the running function's live code.
        let code = unsafe { &(*self.cur).code };
        let start = code.as_ptr() as usize;
        let end = start + code.len() * 8;
        debug_assert!(ip as usize >= start && ip as usize + words * 8 <= end);
    }

    #[cfg(debug_assertions)]
    fn check_slot(&self, sp: Sp, s: Slot) {
        // SAFETY: `cur` is the running function's live code.
        let size = unsafe { (*self.cur).frame_size };
        debug_assert!(s < size);
        debug_assert!((sp as usize) + (size as usize) * 8 <= self.regs_end as usize);
    }

    /// The store, for slow paths (not tied to the context's borrow).
    ///
    /// # Safety
    /// No other reference into the store may be alive while it is used.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn store<'s>(&self) -> &'s mut StoreData {
        // SAFETY: the store outlives the call; as the caller promises.
        unsafe { &mut *self.data }
    }

    /// The running instance, for slow paths.
    pub(super) fn instance(&self) -> &InstanceData {
        // SAFETY: instances are not added or dropped while wasm runs
        // (host calls refresh the pointer anyway).
        unsafe { &*self.inst_ptr }
    }

    /// Makes `inst` the running instance (pointer and memory 0).
    fn switch_instance(&mut self, inst: u32) {
        // SAFETY: no other store reference is alive in the executor's slow paths.
        let data = unsafe { self.store() };
        self.inst = inst;
        self.inst_ptr = &data.instances[inst as usize];
        self.mem_idx = data.instances[inst as usize]
            .memories
            .first()
            .map_or(usize::MAX, |&m| m as usize);
    }

    /// Stores fuel for the host or the caller to see (unlimited stays unlimited).
    fn save_fuel(&mut self, fuel: u64) {
        // SAFETY: no other store reference is alive here.
        let data = unsafe { self.store() };
        data.fuel = if self.unlimited { u64::MAX } else { fuel };
    }

    /// Fuel as the store now has it (a host may have changed it).
    fn load_fuel(&mut self) -> u64 {
        // SAFETY: no other store reference is alive here.
        let fuel = unsafe { self.store() }.fuel;
        self.unlimited = fuel == u64::MAX;
        fuel
    }
}

/// Base and length of the running instance's memory 0.
#[inline(never)]
pub(super) fn memory_of(cx: &mut Ctx) -> (Mem, usize) {
    if cx.mem_idx == usize::MAX {
        return (std::ptr::NonNull::dangling().as_ptr(), 0);
    }
    // SAFETY: no other store reference is alive in a slow path.
    let m = &mut unsafe { cx.store() }.memories[cx.mem_idx].data;
    (m.as_mut_ptr(), m.len())
}

/// Ends execution with a trap (a host trap already recorded is kept).
#[cold]
#[inline(never)]
pub(super) fn trap_out(cx: &mut Ctx, code: TrapCode, fuel: u64) -> Done {
    if cx.trap.is_none() {
        cx.trap = Some(code.into());
    }
    cx.fuel_left = fuel;
    Done::Exit
}

/// Ends execution normally (the sentinel frame's return lands here).
pub(super) fn exit(cx: &mut Ctx, fuel: u64) -> Done {
    cx.fuel_left = fuel;
    Done::Exit
}

/// Makes room for more call records, or says the depth limit is reached.
#[cold]
#[inline(never)]
fn grow_frames(cx: &mut Ctx) -> bool {
    if cx.depth >= cx.max_depth {
        return false;
    }
    let more = cx.frame_vec.capacity().max(64);
    // SAFETY: `depth` records are initialised; `set_len` makes them part of
    // the vector so `reserve` keeps them.
    unsafe { cx.frame_vec.set_len(cx.depth) };
    cx.frame_vec.reserve(more);
    cx.frames = cx.frame_vec.as_mut_ptr();
    cx.depth_limit = cx.frame_vec.capacity().min(cx.max_depth);
    true
}

/// Grows the register file to hold `need` slots from `sp`; moves every
/// saved frame base with it and returns `sp` in the new file.
#[cold]
#[inline(never)]
fn grow_regs(cx: &mut Ctx, sp: Sp, need: usize) -> Sp {
    let old = cx.regs.as_ptr() as usize;
    let at = (sp as usize - old) / 8;
    let len = (at + need).max(cx.regs.len() * 2);
    cx.regs.resize(len, 0);
    let new = cx.regs.as_mut_ptr();
    for i in 0..cx.depth {
        // SAFETY: `depth` records are in use.
        let fr = unsafe { &mut *cx.frames.add(i) };
        // SAFETY: every saved base pointed into the old file at this offset.
        fr.sp = unsafe { new.add((fr.sp as usize - old) / 8) };
    }
    // SAFETY: `len` slots were just allocated.
    cx.regs_end = unsafe { new.add(len) };
    // SAFETY: `at < len`.
    unsafe { new.add(at) }
}

/// Returns into a caller of another instance: switches back to it and
/// reloads its memory.
#[inline(never)]
fn return_to_instance(cx: &mut Ctx, ip: Ip, sp: Sp, fuel: u64, inst: u32) -> Done {
    cx.switch_instance(inst);
    let (mem, len) = memory_of(cx);
    dispatch(cx, ip, sp, mem, len, fuel)
}

/// The general call path ([`Ctx::pending`] names the call): host
/// functions, wasm functions of other instances, and `call_indirect`
/// targets the fast path did not take.
#[inline(never)]
fn call_pending(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
    let PendingCall { addr, base, ret } = cx.pending;
    let caller = cx.inst;
    match prepare_call(cx, sp, addr, base, fuel) {
        Ok(None) => {
            let r = cx.resume;
            dispatch(cx, ret, r.sp, r.mem, r.len, r.fuel)
        }
        Ok(Some(code)) if cx.inst == caller => {
            St::<()>::at(cx, ip, sp, mem, len, fuel).enter(code, base, ret, caller)
        }
        Ok(Some(code)) => {
            let (mem, len) = memory_of(cx);
            St::<()>::at(cx, ip, sp, mem, len, fuel).enter(code, base, ret, caller)
        }
        Err(code) => {
            let fuel = cx.resume.fuel;
            trap_out(cx, code, fuel)
        }
    }
}

impl<'a> St<'a, ()> {
    /// A state for the general call path, which has no operands of its own.
    #[inline(always)]
    fn at(cx: &'a mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Self {
        St {
            cx,
            ip,
            sp,
            mem,
            len,
            fuel,
            shape: PhantomData,
        }
    }
}

/// Resolves a call of `addr`: runs a host function to completion
/// (`Ok(None)`, the state to resume with in [`Ctx::resume`]), or makes a
/// wasm callee's instance the running one and returns its code (`Ok(Some)`).
#[inline(never)]
fn prepare_call(
    cx: &mut Ctx,
    sp: Sp,
    addr: FuncAddr,
    base: Slot,
    fuel: u64,
) -> Result<Option<*const FuncCode>, TrapCode> {
    cx.resume.fuel = fuel;
    // SAFETY: no other store reference is alive in a slow path.
    let data = unsafe { cx.store() };
    let (params, results) = match &data.funcs[addr.0 as usize] {
        FuncInst::Host { ty, .. } => (
            ty.params.iter().map(|t| t.slots()).sum::<usize>(),
            ty.results.iter().map(|t| t.slots()).sum::<usize>(),
        ),
        FuncInst::Wasm { instance, .. } => {
            let inst = instance.0;
            // SAFETY: the side tables outlive the call.
            let Some(code) = unsafe { &mut *cx.tables }.code(addr) else {
                cx.trap = Some(Trap::host(format!(
                    "fast tier: function {} has no code",
                    addr.0
                )));
                return Err(TrapCode::HostError);
            };
            if inst != cx.inst {
                cx.switch_instance(inst);
            }
            return Ok(Some(code));
        }
    };
    let mut sp = sp;
    let n = base as usize + params.max(results);
    // SAFETY: `sp` points into the register file.
    if (unsafe { cx.regs_end.offset_from(sp) } as usize) < n {
        sp = grow_regs(cx, sp, n);
    }
    // SAFETY: the register file holds `n` slots from `sp` (above).
    let frame =
        unsafe { std::slice::from_raw_parts_mut(sp.add(base as usize), params.max(results)) };
    let args = frame[..params].to_vec();
    let caller = Some(InstanceId(cx.inst));
    cx.save_fuel(fuel);
    // SAFETY: no other store reference is alive in a slow path.
    let out = unsafe { cx.store() }.call_host(addr, caller, &args);
    // The host may have grown memory, added items or changed the fuel.
    cx.switch_instance(cx.inst);
    let fuel = cx.load_fuel();
    cx.resume.fuel = fuel;
    match out {
        Ok(values) => {
            frame[..values.len()].copy_from_slice(&values);
            let (mem, len) = memory_of(cx);
            cx.resume = Resume { sp, mem, len, fuel };
            Ok(None)
        }
        Err(trap) => {
            let code = trap.code;
            cx.trap = Some(trap);
            Err(code)
        }
    }
}

/// Runs wasm function `func` with `args` to completion on `tier`.
pub(super) fn execute(
    tier: &mut FastTier,
    data: &mut StoreData,
    func: FuncAddr,
    args: &[u64],
) -> Result<Vec<u64>, Trap> {
    let FuncInst::Wasm { instance, .. } = &data.funcs[func.0 as usize] else {
        unreachable!("the store runs host functions itself");
    };
    let inst = instance.0;
    let max_depth = data.limits.max_call_depth as usize;
    if max_depth == 0 {
        return Err(TrapCode::CallStackExhausted.into());
    }
    data.consume_fuel()?;
    let code = tier
        .tables
        .code(func)
        .ok_or_else(|| Trap::host(format!("fast tier: function {} has no code", func.0)))?;
    // SAFETY: the side tables keep every function's code alive.
    let f = unsafe { &*code };
    let mut regs = std::mem::take(&mut tier.regs);
    let need = args.len().max(f.frame_size as usize);
    if regs.len() < need {
        regs.resize(need.max(1 << 12), 0);
    }
    regs[..args.len()].copy_from_slice(args);
    for &(slot, v) in f.local_init.iter() {
        regs[slot as usize] = v;
    }
    let mut frame_vec = std::mem::take(&mut tier.frames);
    frame_vec.clear();
    frame_vec.reserve(64);
    let sp = regs.as_mut_ptr();
    let fuel = data.fuel;
    let mut cx = Ctx {
        frames: frame_vec.as_mut_ptr(),
        depth: 0,
        depth_limit: frame_vec.capacity().min(max_depth),
        max_depth,
        // SAFETY: `regs.len()` slots are allocated.
        regs_end: unsafe { sp.add(regs.len()) },
        inst,
        inst_ptr: std::ptr::null(),
        mem_idx: usize::MAX,
        data,
        entries: tier.tables.by_addr.as_ptr(),
        entries_len: tier.tables.by_addr.len(),
        tables: &mut tier.tables,
        unlimited: fuel == u64::MAX,
        trap: None,
        fuel_left: fuel,
        resume: Resume {
            sp,
            mem: std::ptr::null_mut(),
            len: 0,
            fuel,
        },
        pending: PendingCall {
            addr: func,
            base: 0,
            ret: std::ptr::null(),
        },
        #[cfg(not(fast_tail_dispatch))]
        parked: (std::ptr::null(), sp, std::ptr::null_mut(), 0, fuel),
        regs,
        frame_vec,
        #[cfg(debug_assertions)]
        cur: code,
    };
    cx.switch_instance(inst);
    // The entry frame's record: its return ends execution.
    // SAFETY: the call stack has capacity for at least 64 records.
    unsafe {
        cx.frames.write(CallFrame {
            ret: std::ptr::addr_of!(EXIT).cast(),
            sp,
            inst,
            #[cfg(debug_assertions)]
            code: std::ptr::null(),
        })
    };
    cx.depth = 1;
    let (mem, len) = memory_of(&mut cx);
    dispatch::run(&mut cx, f.code.as_ptr(), sp, mem, len, fuel);
    // SAFETY: execution has ended; the context's store pointer is unused from here.
    let data = unsafe { &mut *cx.data };
    data.fuel = if cx.unlimited { u64::MAX } else { cx.fuel_left };
    let results = f.results as usize;
    let out = match cx.trap.take() {
        Some(trap) => Err(trap),
        None => Ok(cx.regs[..results].to_vec()),
    };
    tier.regs = std::mem::take(&mut cx.regs);
    tier.frames = std::mem::take(&mut cx.frame_vec);
    out
}
