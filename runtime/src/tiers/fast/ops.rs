//! The instruction table: every instruction of the fast tier, its operand
//! shape and its handler, one line each.
//!
//! [`ops!`] turns each row `Name(Shape) = |s, o| body;` into a variant of
//! [`Op`] and a handler function whose body sees the hot state `s` (an
//! [`St`]) and the decoded operands `o`. Bodies are mostly one of the
//! generic helpers below (`bin`, `load`, `br`, ...), so a new instruction
//! of an existing shape is one row here plus its lowering in the translator.
//! Suffix `I`: the right operand is an immediate.

use super::dispatch::{Done, Handler, Ip, Mem, Sp};
use super::exec::{exit, trap_out, Ctx, St};
use super::ir::Slot;
use super::num;
use super::shapes::*;
use super::simd::{
    self, all_true, bitmask, cmp, count, lane, low, map, narrow, pairs, splat, widen, widen2,
    with_lane, zip,
};
use super::{bulk, FuncCode};
use crate::store::PAGE_SIZE;
use crate::trap::TrapCode;
use crate::values::{FuncAddr, NULL_REF};

/// A value type as it sits in a raw 64-bit slot (i32 zero-extended, floats as bits).
pub(super) trait Raw: Copy {
    fn from_raw(r: u64) -> Self;
    fn to_raw(self) -> u64;
}

macro_rules! raw {
    ($($t:ty: |$r:ident| $from:expr, |$v:ident| $to:expr;)*) => {$(
        impl Raw for $t {
            #[inline(always)]
            fn from_raw($r: u64) -> Self { $from }
            #[inline(always)]
            fn to_raw(self) -> u64 { let $v = self; $to }
        }
    )*};
}

raw! {
    u32: |r| r as u32, |v| v as u64;
    i32: |r| r as u32 as i32, |v| v as u32 as u64;
    u64: |r| r, |v| v;
    i64: |r| r as i64, |v| v as u64;
    f32: |r| f32::from_bits(r as u32), |v| v.to_bits() as u64;
    f64: |r| f64::from_bits(r), |v| v.to_bits();
    bool: |r| r as u32 != 0, |v| v as u64;
}

/// `dst = f(a)`.
#[inline(always)]
fn un<A: Raw, R: Raw>(mut s: St<Rr>, o: Rr, f: impl FnOnce(A) -> R) -> Done {
    let v = f(A::from_raw(s.get(o.a)));
    s.set(o.dst, v.to_raw());
    s.next()
}

/// `dst = f(a)`, or a trap.
#[inline(always)]
fn un_trap<A: Raw, R: Raw>(mut s: St<Rr>, o: Rr, f: impl FnOnce(A) -> Result<R, TrapCode>) -> Done {
    match f(A::from_raw(s.get(o.a))) {
        Ok(v) => {
            s.set(o.dst, v.to_raw());
            s.next()
        }
        Err(code) => s.trap(code),
    }
}

/// `dst = f(a, b)`.
#[inline(always)]
fn bin<A: Raw, B: Raw, R: Raw>(mut s: St<Rrr>, o: Rrr, f: impl FnOnce(A, B) -> R) -> Done {
    let v = f(A::from_raw(s.get(o.a)), B::from_raw(s.get(o.b)));
    s.set(o.dst, v.to_raw());
    s.next()
}

/// `dst = f(a, b)`, or a trap.
#[inline(always)]
fn bin_trap<A: Raw, B: Raw, R: Raw>(
    mut s: St<Rrr>,
    o: Rrr,
    f: impl FnOnce(A, B) -> Result<R, TrapCode>,
) -> Done {
    match f(A::from_raw(s.get(o.a)), B::from_raw(s.get(o.b))) {
        Ok(v) => {
            s.set(o.dst, v.to_raw());
            s.next()
        }
        Err(code) => s.trap(code),
    }
}

/// `dst = f(a, imm)` with a 32-bit immediate.
#[inline(always)]
fn bin_u<A: Raw, B: Raw, R: Raw>(mut s: St<Rri>, o: Rri, f: impl FnOnce(A, B) -> R) -> Done {
    let v = f(A::from_raw(s.get(o.a)), B::from_raw(o.imm as u64));
    s.set(o.dst, v.to_raw());
    s.next()
}

/// `dst = f(a, imm)` with a 64-bit immediate.
#[inline(always)]
fn bin_l<A: Raw, B: Raw, R: Raw>(mut s: St<Rrl>, o: Rrl, f: impl FnOnce(A, B) -> R) -> Done {
    let v = f(A::from_raw(s.get(o.a)), B::from_raw(o.imm));
    s.set(o.dst, v.to_raw());
    s.next()
}

/// `dst = f(a, b, c)`.
#[inline(always)]
fn fma<A: Raw, R: Raw>(mut s: St<Fma>, o: Fma, f: impl FnOnce(A, A, A) -> R) -> Done {
    let v = f(
        A::from_raw(s.get(o.a)),
        A::from_raw(s.get(o.b)),
        A::from_raw(s.get(o.c)),
    );
    s.set(o.dst, v.to_raw());
    s.next()
}

/// Jumps if `f(a, b)`.
#[inline(always)]
fn br<A: Raw, B: Raw>(s: St<BrRr>, o: BrRr, f: impl FnOnce(A, B) -> bool) -> Done {
    let taken = f(A::from_raw(s.get(o.a)), B::from_raw(s.get(o.b)));
    s.branch(taken, o.to)
}

/// Jumps if `f(a, imm)` with a 32-bit immediate.
#[inline(always)]
fn br_u<A: Raw, B: Raw>(s: St<BrRi>, o: BrRi, f: impl FnOnce(A, B) -> bool) -> Done {
    let taken = f(A::from_raw(s.get(o.a)), B::from_raw(o.imm as u64));
    s.branch(taken, o.to)
}

/// Jumps if `f(a, imm)` with a 64-bit immediate.
#[inline(always)]
fn br_l<A: Raw, B: Raw>(s: St<BrRl>, o: BrRl, f: impl FnOnce(A, B) -> bool) -> Done {
    let taken = f(A::from_raw(s.get(o.a)), B::from_raw(o.imm));
    s.branch(taken, o.to)
}

/// The operands of a load: where it reads and which slot it writes.
trait LoadAt: Copy {
    fn dst(&self) -> Slot;
    /// The effective address (33 bits at most: it cannot wrap).
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64;
}

/// The operands of a store: where it writes and which slot it stores.
trait StoreAt: Copy {
    fn src(&self) -> Slot;
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64;
}

// A folded add wraps like `i32.add`; adding the offset then takes 33 bits.
impl LoadAt for Load {
    #[inline(always)]
    fn dst(&self) -> Slot {
        self.dst
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        (get(self.a) as u32).wrapping_add(self.add) as u64 + self.offset as u64
    }
}

impl LoadAt for LoadX {
    #[inline(always)]
    fn dst(&self) -> Slot {
        self.dst
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        ((get(self.a) as u32) << (self.shift & 31)).wrapping_add(self.add) as u64
            + self.offset as u64
    }
}

impl LoadAt for LoadI {
    #[inline(always)]
    fn dst(&self) -> Slot {
        self.dst
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        (get(self.p) as u32)
            .wrapping_add((get(self.a) as u32) << (self.shift & 31))
            .wrapping_add(self.add) as u64
            + self.offset as u64
    }
}

impl LoadAt for LoadC {
    #[inline(always)]
    fn dst(&self) -> Slot {
        self.dst
    }
    #[inline(always)]
    fn ea(&self, _: impl Fn(Slot) -> u64) -> u64 {
        self.ea
    }
}

impl StoreAt for Store {
    #[inline(always)]
    fn src(&self) -> Slot {
        self.src
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        (get(self.addr) as u32).wrapping_add(self.add) as u64 + self.offset as u64
    }
}

impl StoreAt for StoreX {
    #[inline(always)]
    fn src(&self) -> Slot {
        self.src
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        ((get(self.addr) as u32) << (self.shift & 31)).wrapping_add(self.add) as u64
            + self.offset as u64
    }
}

impl StoreAt for StoreI {
    #[inline(always)]
    fn src(&self) -> Slot {
        self.src
    }
    #[inline(always)]
    fn ea(&self, get: impl Fn(Slot) -> u64) -> u64 {
        (get(self.p) as u32)
            .wrapping_add((get(self.addr) as u32) << (self.shift & 31))
            .wrapping_add(self.add) as u64
            + self.offset as u64
    }
}

impl StoreAt for StoreC {
    #[inline(always)]
    fn src(&self) -> Slot {
        self.src
    }
    #[inline(always)]
    fn ea(&self, _: impl Fn(Slot) -> u64) -> u64 {
        self.ea
    }
}

/// `dst = f(memory[ea..][..N])`, bounds checked against memory 0.
#[inline(always)]
fn load<T: LoadAt, const N: usize, R: Raw>(
    mut s: St<T>,
    o: T,
    f: impl FnOnce([u8; N]) -> R,
) -> Done {
    let ea = o.ea(|x| s.get(x));
    if ea + N as u64 > s.len as u64 {
        return s.trap(TrapCode::MemoryOutOfBounds);
    }
    // SAFETY: `ea + N <= len`, the length of the memory at `mem`.
    let bytes = unsafe { s.mem.add(ea as usize).cast::<[u8; N]>().read() };
    s.set(o.dst(), f(bytes).to_raw());
    s.next()
}

/// The operands of `i32.load`'s indexed form, unscaled under the
/// `fast-indexed-load-unscaled` fault (a bug in one handler form only).
#[inline(always)]
fn indexed_fault(o: LoadI) -> LoadI {
    if crate::fault::active(crate::fault::Fault::FastIndexedLoadUnscaled) {
        LoadI { shift: 0, ..o }
    } else {
        o
    }
}

/// `memory[ea..][..N] = f(src)`, bounds checked against memory 0.
#[inline(always)]
fn store<T: StoreAt, const N: usize>(s: St<T>, o: T, f: impl FnOnce(u64) -> [u8; N]) -> Done {
    let ea = o.ea(|x| s.get(x));
    if ea + N as u64 > s.len as u64 {
        return s.trap(TrapCode::MemoryOutOfBounds);
    }
    let bytes = f(s.get(o.src()));
    // SAFETY: `ea + N <= len`, the length of the memory at `mem`.
    unsafe { s.mem.add(ea as usize).cast::<[u8; N]>().write(bytes) };
    s.next()
}

/// `br_table`: the targets follow the operands, two `i32`s per word.
#[inline(always)]
fn br_table(s: St<Table>, o: Table) -> Done {
    let i = (s.get(o.index) as u32).min(o.len - 1);
    // SAFETY: verified: `len` targets (at least one) follow the operand word.
    let to = unsafe { s.ip.add(2).cast::<i32>().add(i as usize).read() };
    s.jump(to)
}

/// Moves `n` results to the frame's first slots and returns.
#[inline(always)]
fn ret_n(s: St<Ret>, o: Ret) -> Done {
    if o.n > 0 {
        // Verified: the last result slot is inside the frame.
        let _ = s.get(o.start + o.n - 1);
        // SAFETY: source and destination lie inside the frame (verified);
        // `copy` allows them to overlap.
        unsafe { std::ptr::copy(s.sp.add(o.start as usize), s.sp, o.n as usize) };
    }
    s.ret()
}

/// `call_indirect`: the fast path to a function of the running instance,
/// the general path for everything else (host functions, other instances,
/// and the null and signature checks).
#[inline(always)]
fn call_indirect<const WIDE: bool>(s: St<CallInd>, o: CallInd) -> Done {
    let index = addr_of(s.get(o.index), WIDE as u32);
    let Some(raw) = bulk::table_element(s.cx, o.table, index) else {
        return s.trap(TrapCode::TableOutOfBounds);
    };
    if let Some(code) = s.local_entry(raw, o.ty) {
        // SAFETY: verified: a call is never the stream's last instruction.
        let ret = unsafe { s.ip.add(words::<CallInd>()) };
        let inst = s.cx.inst;
        return s.enter(code, o.base, ret, inst);
    }
    if raw == NULL_REF {
        return s.trap(TrapCode::IndirectCallToNull);
    }
    if !bulk::has_type(s.cx, raw, o.ty) {
        return s.trap(TrapCode::IndirectCallTypeMismatch);
    }
    s.call_slow(FuncAddr(raw as u32), o.base)
}

/// `dst = f(a)` on `v128`s.
#[inline(always)]
fn v1(mut s: St<V1>, o: V1, f: impl FnOnce(u128) -> u128) -> Done {
    let v = f(s.get_v(o.a));
    s.set_v(o.dst, v);
    s.next()
}

/// `dst = f(a, b)` on `v128`s.
#[inline(always)]
fn v2(mut s: St<V2>, o: V2, f: impl FnOnce(u128, u128) -> u128) -> Done {
    let v = f(s.get_v(o.a), s.get_v(o.b));
    s.set_v(o.dst, v);
    s.next()
}

/// `dst = f(a, b, c)` on `v128`s.
#[inline(always)]
fn v3(mut s: St<V3>, o: V3, f: impl FnOnce(u128, u128, u128) -> u128) -> Done {
    let v = f(s.get_v(o.a), s.get_v(o.b), s.get_v(o.c));
    s.set_v(o.dst, v);
    s.next()
}

/// `dst = f(a, n)`: a lane shift by a scalar count.
#[inline(always)]
fn vshift(mut s: St<VShift>, o: VShift, f: impl FnOnce(u128, u64) -> u128) -> Done {
    let v = f(s.get_v(o.a), s.get(o.n));
    s.set_v(o.dst, v);
    s.next()
}

/// `dst = f(a)`: a `v128` from a scalar.
#[inline(always)]
fn vsplat(mut s: St<VSplat>, o: VSplat, f: impl FnOnce(u64) -> u128) -> Done {
    let v = f(s.get(o.a));
    s.set_v(o.dst, v);
    s.next()
}

/// `dst = f(a, lane)`: a scalar from a `v128`.
#[inline(always)]
fn vout(mut s: St<VOut>, o: VOut, f: impl FnOnce(u128, usize) -> u64) -> Done {
    let v = f(s.get_v(o.a), o.lane as usize);
    s.set(o.dst, v);
    s.next()
}

/// `dst = f(a, x, lane)`: a lane replaced.
#[inline(always)]
fn vrep(mut s: St<VRep>, o: VRep, f: impl FnOnce(u128, u64, usize) -> u128) -> Done {
    let v = f(s.get_v(o.a), s.get(o.x), o.lane as usize);
    s.set_v(o.dst, v);
    s.next()
}

/// Where an `n`-byte access at `addr + offset` starts in a memory of
/// `len` bytes, if it lies inside (computed without wrapping).
#[inline(always)]
fn span(addr: u64, offset: u64, n: usize, len: usize) -> Option<usize> {
    let ea = addr.checked_add(offset)?;
    (n <= len && ea <= (len - n) as u64).then_some(ea as usize)
}

/// The address operand of an access: the slot's low 32 bits on a 32-bit memory.
#[inline(always)]
fn addr_of(raw: u64, wide: u32) -> u64 {
    if wide != 0 {
        raw
    } else {
        raw as u32 as u64
    }
}

/// Base and length of memory `mem` of the running instance (memory 0 is in registers).
#[inline(always)]
fn view<S: Copy>(s: &mut St<S>, mem: u32) -> (Mem, usize) {
    if mem == 0 {
        (s.mem, s.len)
    } else {
        bulk::memory_view(s.cx, mem)
    }
}

/// A `v128` load of `N` bytes: `v = f(bytes, x)`.
#[inline(always)]
fn vload<const N: usize>(mut s: St<VMem>, o: VMem, f: impl FnOnce([u8; N], u128) -> u128) -> Done {
    let addr = addr_of(s.get(o.a), o.wide);
    let (mem, len) = view(&mut s, o.mem);
    let Some(at) = span(addr, o.offset, N, len) else {
        return s.trap(TrapCode::MemoryOutOfBounds);
    };
    // SAFETY: `at + N <= len`, the length of the memory at `mem`.
    let bytes = unsafe { mem.add(at).cast::<[u8; N]>().read() };
    let x = s.get_v(o.x);
    s.set_v(o.v, f(bytes, x));
    s.next()
}

/// A `v128` store of `N` bytes, `f(v)`.
#[inline(always)]
fn vstore<const N: usize>(mut s: St<VMem>, o: VMem, f: impl FnOnce(u128) -> [u8; N]) -> Done {
    let addr = addr_of(s.get(o.a), o.wide);
    let (mem, len) = view(&mut s, o.mem);
    let Some(at) = span(addr, o.offset, N, len) else {
        return s.trap(TrapCode::MemoryOutOfBounds);
    };
    let bytes = f(s.get_v(o.v));
    // SAFETY: `at + N <= len`, the length of the memory at `mem`.
    unsafe { mem.add(at).cast::<[u8; N]>().write(bytes) };
    s.next()
}

/// A scalar load of `N` bytes from any memory.
#[inline(always)]
fn mload<const N: usize, R: Raw>(mut s: St<MLoad>, o: MLoad, f: impl FnOnce([u8; N]) -> R) -> Done {
    let addr = addr_of(s.get(o.a), o.wide);
    let (mem, len) = view(&mut s, o.mem);
    let Some(at) = span(addr, o.offset, N, len) else {
        return s.trap(TrapCode::MemoryOutOfBounds);
    };
    // SAFETY: `at + N <= len`, the length of the memory at `mem`.
    let bytes = unsafe { mem.add(at).cast::<[u8; N]>().read() };
    s.set(o.dst, f(bytes).to_raw());
    s.next()
}

/// A scalar store of `N` bytes to any memory.
#[inline(always)]
fn mstore<const N: usize>(mut s: St<MStore>, o: MStore, f: impl FnOnce(u64) -> [u8; N]) -> Done {
    let addr = addr_of(s.get(o.a), o.wide);
    let (mem, len) = view(&mut s, o.mem);
    let Some(at) = span(addr, o.offset, N, len) else {
        return s.trap(TrapCode::MemoryOutOfBounds);
    };
    let bytes = f(s.get(o.src));
    // SAFETY: `at + N <= len`, the length of the memory at `mem`.
    unsafe { mem.add(at).cast::<[u8; N]>().write(bytes) };
    s.next()
}

/// `return_call_indirect`: a function of the running instance replaces
/// the running one; anything else (host functions, other instances) is
/// called like `call_indirect` and the return that follows it in the
/// stream hands its results on. Traps as `call_indirect` does, in order.
#[inline(always)]
fn return_call_indirect(s: St<TCallInd>, o: TCallInd) -> Done {
    let index = addr_of(s.get(o.index), o.wide);
    let Some(raw) = bulk::table_element(s.cx, o.table, index) else {
        return s.trap(TrapCode::TableOutOfBounds);
    };
    if let Some(code) = s.local_entry(raw, o.ty) {
        return s.tail_enter(code, o.base, o.n);
    }
    if raw == NULL_REF {
        return s.trap(TrapCode::IndirectCallToNull);
    }
    if !bulk::has_type(s.cx, raw, o.ty) {
        return s.trap(TrapCode::IndirectCallTypeMismatch);
    }
    s.call_slow(FuncAddr(raw as u32), o.base)
}

/// Counts one run of `op` in the store's tier paths (recording twins only).
#[inline(always)]
fn record(cx: &mut Ctx, op: Op) {
    // SAFETY: `data` points at the running store's data for the whole
    // execution, and no reference into it lives from one handler to the next.
    if let Some(paths) = unsafe { (*cx.data).tier_paths.as_deref_mut() } {
        paths.hit(op as usize);
    }
}

macro_rules! ops {
    ($( $(#[$doc:meta])* $name:ident($shape:ident) = |$s:ident, $o:ident| $body:expr; )*) => {
        /// Every instruction of the fast tier.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub(super) enum Op { $($(#[$doc])* $name,)* }

        impl Op {
            /// Every instruction, in table order.
            pub(super) const ALL: &'static [Op] = &[$(Op::$name,)*];

            /// The layout of the instruction's operands.
            pub(super) fn shape(self) -> Shape {
                match self { $(Op::$name => Shape::$shape,)* }
            }

            /// The instruction's handler.
            pub(super) fn handler(self) -> Handler {
                match self { $(Op::$name => h::$name as Handler,)* }
            }

            /// The instruction's twin that first charges one unit of fuel
            /// (for the first instruction of a loop).
            pub(super) fn charging_handler(self) -> Handler {
                match self { $(Op::$name => hc::$name as Handler,)* }
            }

            /// The twin of [`Op::handler`] (or, `charging`, of
            /// [`Op::charging_handler`]) that first counts the instruction
            /// in the store's tier paths.
            pub(super) fn recording_handler(self, charging: bool) -> Handler {
                if charging {
                    match self { $(Op::$name => hrc::$name as Handler,)* }
                } else {
                    match self { $(Op::$name => hr::$name as Handler,)* }
                }
            }

            /// The instruction's name, as tier-path coverage reports it.
            pub(super) fn name(self) -> &'static str {
                match self { $(Op::$name => stringify!($name),)* }
            }
        }

        /// The recording twin of every handler (see [`crate::tier_paths`]):
        /// counts, then runs the handler in tail position.
        #[allow(non_snake_case)]
        mod hr {
            use super::*;
            $(
                pub(super) fn $name(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
                    record(cx, Op::$name);
                    h::$name(cx, ip, sp, mem, len, fuel)
                }
            )*
        }

        /// The recording twin of every fuel-charging handler.
        #[allow(non_snake_case)]
        mod hrc {
            use super::*;
            $(
                pub(super) fn $name(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
                    record(cx, Op::$name);
                    hc::$name(cx, ip, sp, mem, len, fuel)
                }
            )*
        }

        /// The fuel-charging twin of every handler: a loop header charges
        /// before it runs, so entering a loop costs no extra dispatch.
        #[allow(non_snake_case)]
        mod hc {
            use super::*;
            $(
                pub(super) fn $name(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
                    if fuel == 0 {
                        return trap_out(cx, TrapCode::OutOfFuel, fuel);
                    }
                    h::$name(cx, ip, sp, mem, len, fuel - 1)
                }
            )*
        }

        /// One handler per instruction, named after it.
        #[allow(non_snake_case, unused_mut)]
        mod h {
            use super::*;
            $(
                pub(super) fn $name(cx: &mut Ctx, ip: Ip, sp: Sp, mem: Mem, len: usize, fuel: u64) -> Done {
                    let mut $s = St::<$shape>::new(cx, ip, sp, mem, len, fuel);
                    // SAFETY: a verified stream pairs each handler with operands of its shape.
                    let $o: $shape = unsafe { $s.operands() };
                    $body
                }
            )*
        }
    };
}

/// The handler that ends execution (the sentinel frame returns to it).
pub(super) const fn exit_handler() -> Handler {
    h::Exit
}

ops! {
    // Control.
    Unreachable(Nil) = |s, _o| s.trap(TrapCode::Unreachable);
    /// Ends execution normally: only in the sentinel frame's return stream.
    Exit(Nil) = |s, _o| exit(s.cx, s.fuel);
    /// Charges fuel at a loop header that has no instruction of its own to
    /// charge with (an empty loop, a loop directly holding another).
    LoopFuel(Nil) = |s, _o| s.loop_fuel();
    Br(Jmp) = |s, o| s.jump(o.to);
    BrNez(BrR) = |s, o| { let t = s.get(o.a) as u32 != 0; s.branch(t, o.to) };
    BrEqz(BrR) = |s, o| { let t = s.get(o.a) as u32 == 0; s.branch(t, o.to) };
    BrTable(Table) = |s, o| br_table(s, o);
    Return(Ret) = |s, o| ret_n(s, o);
    Return1(Src) = |s, o| { let v = s.get(o.src); s.set(0, v); s.ret() };
    Return0(Nil) = |s, _o| s.ret();
    Call(Call) = |s, o| {
        // SAFETY: verified: a call is never the stream's last instruction.
        let ret = unsafe { s.ip.add(words::<Call>()) };
        let inst = s.cx.inst;
        s.enter(o.callee as *const FuncCode, o.base, ret, inst)
    };
    CallIdx(CallIdx) = |s, o| { let f = s.cx.instance().funcs[o.func as usize]; s.call_slow(f, o.base) };
    CallInd(CallInd) = |s, o| call_indirect::<false>(s, o);

    // Data movement.
    Copy(Rr) = |s, o| { let v = s.get(o.a); s.set(o.dst, v); s.next() };
    Copy2(Copy2) = |s, o| {
        let v = s.get(o.s1);
        s.set(o.d1, v);
        let v = s.get(o.s2);
        s.set(o.d2, v);
        s.next()
    };
    Const(Rl) = |s, o| { s.set(o.dst, o.imm); s.next() };
    Select(Sel) = |s, o| {
        let v = if s.get(o.c) as u32 != 0 { s.get(o.a) } else { s.get(o.b) };
        s.set(o.dst, v);
        s.next()
    };
    GlobalGet(Get) = |s, o| { let v = bulk::global_get(s.cx, o.idx); s.set(o.dst, v); s.next() };
    GlobalSet(Put) = |s, o| { let v = s.get(o.src); bulk::global_set(s.cx, o.idx, v); s.next() };

    // Memory: each access in four address forms (see the shapes).
    I32Load(Load) = |s, o| load(s, o, u32::from_le_bytes);
    I32LoadX(LoadX) = |s, o| load(s, o, u32::from_le_bytes);
    I32LoadC(LoadC) = |s, o| load(s, o, u32::from_le_bytes);
    I32LoadI(LoadI) = |s, o| load(s, indexed_fault(o), u32::from_le_bytes);
    I64Load(Load) = |s, o| load(s, o, u64::from_le_bytes);
    I64LoadX(LoadX) = |s, o| load(s, o, u64::from_le_bytes);
    I64LoadC(LoadC) = |s, o| load(s, o, u64::from_le_bytes);
    I64LoadI(LoadI) = |s, o| load(s, o, u64::from_le_bytes);
    I32Load8S(Load) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i32);
    I32Load8SX(LoadX) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i32);
    I32Load8SC(LoadC) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i32);
    I32Load8SI(LoadI) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i32);
    I32Load8U(Load) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u32);
    I32Load8UX(LoadX) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u32);
    I32Load8UC(LoadC) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u32);
    I32Load8UI(LoadI) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u32);
    I32Load16S(Load) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i32);
    I32Load16SX(LoadX) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i32);
    I32Load16SC(LoadC) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i32);
    I32Load16SI(LoadI) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i32);
    I32Load16U(Load) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u32);
    I32Load16UX(LoadX) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u32);
    I32Load16UC(LoadC) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u32);
    I32Load16UI(LoadI) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u32);
    I64Load8S(Load) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i64);
    I64Load8SX(LoadX) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i64);
    I64Load8SC(LoadC) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i64);
    I64Load8SI(LoadI) = |s, o| load(s, o, |b| i8::from_le_bytes(b) as i64);
    I64Load8U(Load) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u64);
    I64Load8UX(LoadX) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u64);
    I64Load8UC(LoadC) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u64);
    I64Load8UI(LoadI) = |s, o| load(s, o, |b| u8::from_le_bytes(b) as u64);
    I64Load16S(Load) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i64);
    I64Load16SX(LoadX) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i64);
    I64Load16SC(LoadC) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i64);
    I64Load16SI(LoadI) = |s, o| load(s, o, |b| i16::from_le_bytes(b) as i64);
    I64Load16U(Load) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u64);
    I64Load16UX(LoadX) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u64);
    I64Load16UC(LoadC) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u64);
    I64Load16UI(LoadI) = |s, o| load(s, o, |b| u16::from_le_bytes(b) as u64);
    I64Load32S(Load) = |s, o| load(s, o, |b| i32::from_le_bytes(b) as i64);
    I64Load32SX(LoadX) = |s, o| load(s, o, |b| i32::from_le_bytes(b) as i64);
    I64Load32SC(LoadC) = |s, o| load(s, o, |b| i32::from_le_bytes(b) as i64);
    I64Load32SI(LoadI) = |s, o| load(s, o, |b| i32::from_le_bytes(b) as i64);
    I64Load32U(Load) = |s, o| load(s, o, |b| u32::from_le_bytes(b) as u64);
    I64Load32UX(LoadX) = |s, o| load(s, o, |b| u32::from_le_bytes(b) as u64);
    I64Load32UC(LoadC) = |s, o| load(s, o, |b| u32::from_le_bytes(b) as u64);
    I64Load32UI(LoadI) = |s, o| load(s, o, |b| u32::from_le_bytes(b) as u64);
    Store8(Store) = |s, o| store(s, o, |v| [v as u8]);
    Store8X(StoreX) = |s, o| store(s, o, |v| [v as u8]);
    Store8C(StoreC) = |s, o| store(s, o, |v| [v as u8]);
    Store8I(StoreI) = |s, o| store(s, o, |v| [v as u8]);
    Store16(Store) = |s, o| store(s, o, |v| (v as u16).to_le_bytes());
    Store16X(StoreX) = |s, o| store(s, o, |v| (v as u16).to_le_bytes());
    Store16C(StoreC) = |s, o| store(s, o, |v| (v as u16).to_le_bytes());
    Store16I(StoreI) = |s, o| store(s, o, |v| (v as u16).to_le_bytes());
    Store32(Store) = |s, o| store(s, o, |v| (v as u32).to_le_bytes());
    Store32X(StoreX) = |s, o| store(s, o, |v| (v as u32).to_le_bytes());
    Store32C(StoreC) = |s, o| store(s, o, |v| (v as u32).to_le_bytes());
    Store32I(StoreI) = |s, o| store(s, o, |v| (v as u32).to_le_bytes());
    Store64(Store) = |s, o| store(s, o, |v| v.to_le_bytes());
    Store64X(StoreX) = |s, o| store(s, o, |v| v.to_le_bytes());
    Store64C(StoreC) = |s, o| store(s, o, |v| v.to_le_bytes());
    Store64I(StoreI) = |s, o| store(s, o, |v| v.to_le_bytes());
    MemorySize(Get) = |s, o| { let pages = (s.len / PAGE_SIZE) as u64; s.set(o.dst, pages); s.next() };
    MemoryGrow(Rri) = |s, o| {
        let old = bulk::memory_grow(s.cx, o.imm, s.get(o.a));
        s.set(o.dst, old);
        s.next_reloading_memory()
    };
    MemoryFill(Bulk) = |s, _o| { let r = bulk::memory_fill(s.cx, s.ip, s.sp); s.check(r) };
    MemoryCopy(Bulk) = |s, _o| { let r = bulk::memory_copy(s.cx, s.ip, s.sp); s.check(r) };
    MemoryInit(Bulk) = |s, _o| { let r = bulk::memory_init(s.cx, s.ip, s.sp); s.check(r) };
    DataDrop(Idx) = |s, o| { bulk::data_drop(s.cx, o.idx); s.next() };

    // Tables and references.
    TableGet(Rri) = |s, o| match bulk::table_element(s.cx, o.imm, s.get(o.a) as u32 as u64) {
        Some(v) => { s.set(o.dst, v); s.next() }
        None => s.trap(TrapCode::TableOutOfBounds),
    };
    TableSet(Sto) = |s, _o| { let r = bulk::table_set(s.cx, s.ip, s.sp); s.check(r) };
    TableSize(Get) = |s, o| { let n = bulk::table_size(s.cx, o.idx); s.set(o.dst, n); s.next() };
    TableGrow(Grow) = |s, _o| { bulk::table_grow(s.cx, s.ip, s.sp); s.next() };
    TableFill(Bulk) = |s, _o| { let r = bulk::table_fill(s.cx, s.ip, s.sp); s.check(r) };
    TableCopy(Bulk) = |s, _o| { let r = bulk::table_copy(s.cx, s.ip, s.sp); s.check(r) };
    TableInit(Bulk) = |s, _o| { let r = bulk::table_init(s.cx, s.ip, s.sp); s.check(r) };
    ElemDrop(Idx) = |s, o| { bulk::elem_drop(s.cx, o.idx); s.next() };
    RefFunc(Get) = |s, o| { let f = s.cx.instance().funcs[o.idx as usize].0; s.set(o.dst, f as u64); s.next() };
    RefIsNull(Rr) = |s, o| un(s, o, |a: u64| a == NULL_REF);

    // i32 arithmetic.
    I32Clz(Rr) = |s, o| un(s, o, |a: u32| a.leading_zeros());
    I32Ctz(Rr) = |s, o| un(s, o, |a: u32| a.trailing_zeros());
    I32Popcnt(Rr) = |s, o| un(s, o, |a: u32| a.count_ones());
    I32Add(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.wrapping_add(b));
    I32Sub(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.wrapping_sub(b));
    I32Mul(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.wrapping_mul(b));
    I32DivS(Rrr) = |s, o| bin_trap(s, o, num::i32_div_s);
    I32DivU(Rrr) = |s, o| bin_trap(s, o, num::i32_div_u);
    I32RemS(Rrr) = |s, o| bin_trap(s, o, num::i32_rem_s);
    I32RemU(Rrr) = |s, o| bin_trap(s, o, num::i32_rem_u);
    I32And(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a & b);
    I32Or(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a | b);
    I32Xor(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a ^ b);
    I32Shl(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.wrapping_shl(b));
    I32ShrS(Rrr) = |s, o| bin(s, o, |a: i32, b: u32| a.wrapping_shr(b));
    I32ShrU(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.wrapping_shr(b));
    I32Rotl(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.rotate_left(b));
    I32Rotr(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a.rotate_right(b));
    I32AddI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.wrapping_add(b));
    I32MulI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.wrapping_mul(b));
    I32AndI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a & b);
    I32OrI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a | b);
    I32XorI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a ^ b);
    I32ShlI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.wrapping_shl(b));
    I32ShrSI(Rri) = |s, o| bin_u(s, o, |a: i32, b: u32| a.wrapping_shr(b));
    I32ShrUI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.wrapping_shr(b));
    I32RotlI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.rotate_left(b));
    I32RotrI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a.rotate_right(b));
    I32AddI2(Add2) = |s, o| {
        let v = (s.get(o.a) as u32).wrapping_add(o.imm) as u64;
        s.set(o.dst, v);
        s.set(o.dst2, v);
        s.next()
    };
    I32AddShlAddI(Lea2) = |s, o| {
        let v = (s.get(o.p) as u32)
            .wrapping_add((s.get(o.a) as u32) << (o.shift & 31))
            .wrapping_add(o.add);
        s.set(o.dst, v as u64);
        s.next()
    };
    I32ShlAddI(Lea) = |s, o| {
        let v = ((s.get(o.a) as u32) << (o.shift & 31)).wrapping_add(o.add);
        s.set(o.dst, v as u64);
        s.next()
    };

    // i64 arithmetic.
    I64Clz(Rr) = |s, o| un(s, o, |a: u64| a.leading_zeros() as u64);
    I64Ctz(Rr) = |s, o| un(s, o, |a: u64| a.trailing_zeros() as u64);
    I64Popcnt(Rr) = |s, o| un(s, o, |a: u64| a.count_ones() as u64);
    I64Add(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.wrapping_add(b));
    I64Sub(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.wrapping_sub(b));
    I64Mul(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.wrapping_mul(b));
    I64DivS(Rrr) = |s, o| bin_trap(s, o, num::i64_div_s);
    I64DivU(Rrr) = |s, o| bin_trap(s, o, num::i64_div_u);
    I64RemS(Rrr) = |s, o| bin_trap(s, o, num::i64_rem_s);
    I64RemU(Rrr) = |s, o| bin_trap(s, o, num::i64_rem_u);
    I64And(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a & b);
    I64Or(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a | b);
    I64Xor(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a ^ b);
    I64Shl(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.wrapping_shl(b as u32));
    I64ShrS(Rrr) = |s, o| bin(s, o, |a: i64, b: u64| a.wrapping_shr(b as u32));
    I64ShrU(Rrr) = |s, o| bin(s, o, num::i64_shr_u);
    I64Rotl(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.rotate_left((b & 63) as u32));
    I64Rotr(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a.rotate_right((b & 63) as u32));
    I64AddI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a.wrapping_add(b));
    I64MulI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a.wrapping_mul(b));
    I64AndI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a & b);
    I64OrI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a | b);
    I64XorI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a ^ b);
    I64ShlI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a.wrapping_shl(b as u32));
    I64ShrSI(Rrl) = |s, o| bin_l(s, o, |a: i64, b: u64| a.wrapping_shr(b as u32));
    I64ShrUI(Rrl) = |s, o| bin_l(s, o, num::i64_shr_u);
    I64RotlI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a.rotate_left((b & 63) as u32));
    I64RotrI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a.rotate_right((b & 63) as u32));

    // Integer comparisons: value forms.
    I32Eq(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a == b);
    I32Ne(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a != b);
    I32LtS(Rrr) = |s, o| bin(s, o, |a: i32, b: i32| a < b);
    I32LtU(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a < b);
    I32GtS(Rrr) = |s, o| bin(s, o, |a: i32, b: i32| a > b);
    I32GtU(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a > b);
    I32LeS(Rrr) = |s, o| bin(s, o, |a: i32, b: i32| a <= b);
    I32LeU(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a <= b);
    I32GeS(Rrr) = |s, o| bin(s, o, |a: i32, b: i32| a >= b);
    I32GeU(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| a >= b);
    I32EqI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a == b);
    I32NeI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a != b);
    I32LtSI(Rri) = |s, o| bin_u(s, o, |a: i32, b: i32| a < b);
    I32LtUI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a < b);
    I32GtSI(Rri) = |s, o| bin_u(s, o, |a: i32, b: i32| a > b);
    I32GtUI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a > b);
    I32LeSI(Rri) = |s, o| bin_u(s, o, |a: i32, b: i32| a <= b);
    I32LeUI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a <= b);
    I32GeSI(Rri) = |s, o| bin_u(s, o, |a: i32, b: i32| a >= b);
    I32GeUI(Rri) = |s, o| bin_u(s, o, |a: u32, b: u32| a >= b);
    I64Eq(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a == b);
    I64Ne(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a != b);
    I64LtS(Rrr) = |s, o| bin(s, o, |a: i64, b: i64| a < b);
    I64LtU(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a < b);
    I64GtS(Rrr) = |s, o| bin(s, o, |a: i64, b: i64| a > b);
    I64GtU(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a > b);
    I64LeS(Rrr) = |s, o| bin(s, o, |a: i64, b: i64| a <= b);
    I64LeU(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a <= b);
    I64GeS(Rrr) = |s, o| bin(s, o, |a: i64, b: i64| a >= b);
    I64GeU(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| a >= b);
    I64EqI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a == b);
    I64NeI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a != b);
    I64LtSI(Rrl) = |s, o| bin_l(s, o, |a: i64, b: i64| a < b);
    I64LtUI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a < b);
    I64GtSI(Rrl) = |s, o| bin_l(s, o, |a: i64, b: i64| a > b);
    I64GtUI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a > b);
    I64LeSI(Rrl) = |s, o| bin_l(s, o, |a: i64, b: i64| a <= b);
    I64LeUI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a <= b);
    I64GeSI(Rrl) = |s, o| bin_l(s, o, |a: i64, b: i64| a >= b);
    I64GeUI(Rrl) = |s, o| bin_l(s, o, |a: u64, b: u64| a >= b);

    // Integer comparisons fused with a branch.
    BrI32Eq(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a == b);
    BrI32Ne(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a != b);
    BrI32LtS(BrRr) = |s, o| br(s, o, |a: i32, b: i32| a < b);
    BrI32LtU(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a < b);
    BrI32GtS(BrRr) = |s, o| br(s, o, |a: i32, b: i32| a > b);
    BrI32GtU(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a > b);
    BrI32LeS(BrRr) = |s, o| br(s, o, |a: i32, b: i32| a <= b);
    BrI32LeU(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a <= b);
    BrI32GeS(BrRr) = |s, o| br(s, o, |a: i32, b: i32| a >= b);
    BrI32GeU(BrRr) = |s, o| br(s, o, |a: u32, b: u32| a >= b);
    BrI32EqI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a == b);
    BrI32NeI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a != b);
    BrI32LtSI(BrRi) = |s, o| br_u(s, o, |a: i32, b: i32| a < b);
    BrI32LtUI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a < b);
    BrI32GtSI(BrRi) = |s, o| br_u(s, o, |a: i32, b: i32| a > b);
    BrI32GtUI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a > b);
    BrI32LeSI(BrRi) = |s, o| br_u(s, o, |a: i32, b: i32| a <= b);
    BrI32LeUI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a <= b);
    BrI32GeSI(BrRi) = |s, o| br_u(s, o, |a: i32, b: i32| a >= b);
    BrI32GeUI(BrRi) = |s, o| br_u(s, o, |a: u32, b: u32| a >= b);
    BrI64Eq(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a == b);
    BrI64Ne(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a != b);
    BrI64LtS(BrRr) = |s, o| br(s, o, |a: i64, b: i64| a < b);
    BrI64LtU(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a < b);
    BrI64GtS(BrRr) = |s, o| br(s, o, |a: i64, b: i64| a > b);
    BrI64GtU(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a > b);
    BrI64LeS(BrRr) = |s, o| br(s, o, |a: i64, b: i64| a <= b);
    BrI64LeU(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a <= b);
    BrI64GeS(BrRr) = |s, o| br(s, o, |a: i64, b: i64| a >= b);
    BrI64GeU(BrRr) = |s, o| br(s, o, |a: u64, b: u64| a >= b);
    BrI64EqI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a == b);
    BrI64NeI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a != b);
    BrI64LtSI(BrRl) = |s, o| br_l(s, o, |a: i64, b: i64| a < b);
    BrI64LtUI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a < b);
    BrI64GtSI(BrRl) = |s, o| br_l(s, o, |a: i64, b: i64| a > b);
    BrI64GtUI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a > b);
    BrI64LeSI(BrRl) = |s, o| br_l(s, o, |a: i64, b: i64| a <= b);
    BrI64LeUI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a <= b);
    BrI64GeSI(BrRl) = |s, o| br_l(s, o, |a: i64, b: i64| a >= b);
    BrI64GeUI(BrRl) = |s, o| br_l(s, o, |a: u64, b: u64| a >= b);

    // A multiply fused with the add or subtract consuming it; float forms
    // keep both roundings and the operand order of the unfused pair.
    I32MulAdd(Fma) = |s, o| fma(s, o, |a: u32, b: u32, c: u32| a.wrapping_mul(b).wrapping_add(c));
    I32MulIAdd(Fmai) = |s, o| {
        let v = (s.get(o.a) as u32).wrapping_mul(o.imm).wrapping_add(s.get(o.c) as u32);
        s.set(o.dst, v as u64);
        s.next()
    };
    I64MulAdd(Fma) = |s, o| fma(s, o, |a: u64, b: u64, c: u64| a.wrapping_mul(b).wrapping_add(c));
    F32MulAdd(Fma) = |s, o| fma(s, o, |a: f32, b: f32, c: f32| num::c32(a * b + c));
    F32AddMul(Fma) = |s, o| fma(s, o, |a: f32, b: f32, c: f32| num::c32(c + a * b));
    F32MulSub(Fma) = |s, o| fma(s, o, |a: f32, b: f32, c: f32| num::c32(a * b - c));
    F32SubMul(Fma) = |s, o| fma(s, o, |a: f32, b: f32, c: f32| num::c32(c - a * b));
    F64MulAdd(Fma) = |s, o| fma(s, o, |a: f64, b: f64, c: f64| num::c64(a * b + c));
    F64AddMul(Fma) = |s, o| fma(s, o, |a: f64, b: f64, c: f64| num::c64(c + a * b));
    F64MulSub(Fma) = |s, o| fma(s, o, |a: f64, b: f64, c: f64| num::c64(a * b - c));
    F64SubMul(Fma) = |s, o| fma(s, o, |a: f64, b: f64, c: f64| num::c64(c - a * b));

    // f32.
    F32Abs(Rr) = |s, o| un(s, o, |a: u32| a & 0x7fff_ffff);
    F32Neg(Rr) = |s, o| un(s, o, |a: u32| a ^ 0x8000_0000);
    F32Ceil(Rr) = |s, o| un(s, o, |a: f32| num::c32(a.ceil()));
    F32Floor(Rr) = |s, o| un(s, o, |a: f32| num::c32(a.floor()));
    F32Trunc(Rr) = |s, o| un(s, o, |a: f32| num::c32(a.trunc()));
    F32Nearest(Rr) = |s, o| un(s, o, |a: f32| num::c32(a.round_ties_even()));
    F32Sqrt(Rr) = |s, o| un(s, o, |a: f32| num::c32(a.sqrt()));
    F32Add(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| num::c32(a + b));
    F32Sub(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| num::c32(a - b));
    F32Mul(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| num::c32(a * b));
    F32Div(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| num::c32(a / b));
    F32Min(Rrr) = |s, o| bin(s, o, num::min32);
    F32Max(Rrr) = |s, o| bin(s, o, num::max32);
    F32Copysign(Rrr) = |s, o| bin(s, o, |a: u32, b: u32| (a & 0x7fff_ffff) | (b & 0x8000_0000));
    F32AddI(Rri) = |s, o| bin_u(s, o, |a: f32, b: f32| num::c32(a + b));
    F32SubI(Rri) = |s, o| bin_u(s, o, |a: f32, b: f32| num::c32(a - b));
    F32MulI(Rri) = |s, o| bin_u(s, o, |a: f32, b: f32| num::c32(a * b));
    F32DivI(Rri) = |s, o| bin_u(s, o, |a: f32, b: f32| num::c32(a / b));
    F32Eq(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a == b);
    F32Ne(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a != b);
    F32Lt(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a < b);
    F32Gt(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a > b);
    F32Le(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a <= b);
    F32Ge(Rrr) = |s, o| bin(s, o, |a: f32, b: f32| a >= b);

    // f64.
    F64Abs(Rr) = |s, o| un(s, o, |a: u64| a & 0x7fff_ffff_ffff_ffff);
    F64Neg(Rr) = |s, o| un(s, o, |a: u64| a ^ 0x8000_0000_0000_0000);
    F64Ceil(Rr) = |s, o| un(s, o, |a: f64| num::c64(a.ceil()));
    F64Floor(Rr) = |s, o| un(s, o, |a: f64| num::c64(a.floor()));
    F64Trunc(Rr) = |s, o| un(s, o, |a: f64| num::c64(a.trunc()));
    F64Nearest(Rr) = |s, o| un(s, o, |a: f64| num::c64(a.round_ties_even()));
    F64Sqrt(Rr) = |s, o| un(s, o, |a: f64| num::c64(a.sqrt()));
    F64Add(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| num::c64(a + b));
    F64Sub(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| num::c64(a - b));
    F64Mul(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| num::c64(a * b));
    F64Div(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| num::div64(a, b));
    F64Min(Rrr) = |s, o| bin(s, o, num::min64);
    F64Max(Rrr) = |s, o| bin(s, o, num::max64);
    F64Copysign(Rrr) = |s, o| bin(s, o, |a: u64, b: u64| (a & !(1 << 63)) | (b & (1 << 63)));
    F64AddI(Rrl) = |s, o| bin_l(s, o, |a: f64, b: f64| num::c64(a + b));
    F64SubI(Rrl) = |s, o| bin_l(s, o, |a: f64, b: f64| num::c64(a - b));
    F64MulI(Rrl) = |s, o| bin_l(s, o, |a: f64, b: f64| num::c64(a * b));
    F64DivI(Rrl) = |s, o| bin_l(s, o, |a: f64, b: f64| num::div64(a, b));
    F64Eq(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a == b);
    F64Ne(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a != b);
    F64Lt(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a < b);
    F64Gt(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a > b);
    F64Le(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a <= b);
    F64Ge(Rrr) = |s, o| bin(s, o, |a: f64, b: f64| a >= b);

    // Conversions.
    I32WrapI64(Rr) = |s, o| un(s, o, |a: u64| a as u32);
    I64ExtendI32S(Rr) = |s, o| un(s, o, |a: i32| a as i64);
    I32Extend8S(Rr) = |s, o| un(s, o, |a: u32| a as i8 as i32);
    I32Extend16S(Rr) = |s, o| un(s, o, |a: u32| a as i16 as i32);
    I64Extend8S(Rr) = |s, o| un(s, o, |a: u64| a as i8 as i64);
    I64Extend16S(Rr) = |s, o| un(s, o, |a: u64| a as i16 as i64);
    I64Extend32S(Rr) = |s, o| un(s, o, |a: u64| a as i32 as i64);
    I32TruncF32S(Rr) = |s, o| un_trap(s, o, |a: f32| num::trunc(a as f64, num::I32_LO, num::I32_HI).map(|v| v as i32));
    I32TruncF32U(Rr) = |s, o| un_trap(s, o, |a: f32| num::trunc(a as f64, -1.0, num::U32_HI).map(|v| v as u32));
    I32TruncF64S(Rr) = |s, o| un_trap(s, o, |a: f64| num::trunc(a, num::I32_LO, num::I32_HI).map(|v| v as i32));
    I32TruncF64U(Rr) = |s, o| un_trap(s, o, |a: f64| num::trunc(a, -1.0, num::U32_HI).map(|v| v as u32));
    I64TruncF32S(Rr) = |s, o| un_trap(s, o, |a: f32| num::trunc(a as f64, num::I64_LO, num::I64_HI).map(|v| v as i64));
    I64TruncF32U(Rr) = |s, o| un_trap(s, o, |a: f32| num::trunc(a as f64, -1.0, num::U64_HI).map(|v| v as u64));
    I64TruncF64S(Rr) = |s, o| un_trap(s, o, |a: f64| num::trunc(a, num::I64_LO, num::I64_HI).map(|v| v as i64));
    I64TruncF64U(Rr) = |s, o| un_trap(s, o, |a: f64| num::trunc(a, -1.0, num::U64_HI).map(|v| v as u64));
    // Rust's saturating float-to-int `as` is exactly wasm's trunc_sat.
    I32TruncSatF32S(Rr) = |s, o| un(s, o, |a: f32| a as i32);
    I32TruncSatF32U(Rr) = |s, o| un(s, o, |a: f32| a as u32);
    I32TruncSatF64S(Rr) = |s, o| un(s, o, |a: f64| a as i32);
    I32TruncSatF64U(Rr) = |s, o| un(s, o, |a: f64| a as u32);
    I64TruncSatF32S(Rr) = |s, o| un(s, o, |a: f32| a as i64);
    I64TruncSatF32U(Rr) = |s, o| un(s, o, |a: f32| a as u64);
    I64TruncSatF64S(Rr) = |s, o| un(s, o, |a: f64| a as i64);
    I64TruncSatF64U(Rr) = |s, o| un(s, o, |a: f64| a as u64);
    F32ConvertI32S(Rr) = |s, o| un(s, o, |a: i32| a as f32);
    F32ConvertI32U(Rr) = |s, o| un(s, o, |a: u32| a as f32);
    F32ConvertI64S(Rr) = |s, o| un(s, o, |a: i64| a as f32);
    F32ConvertI64U(Rr) = |s, o| un(s, o, |a: u64| a as f32);
    F32DemoteF64(Rr) = |s, o| un(s, o, |a: f64| num::c32(a as f32));
    F64ConvertI32S(Rr) = |s, o| un(s, o, |a: i32| a as f64);
    F64ConvertI32U(Rr) = |s, o| un(s, o, |a: u32| a as f64);
    F64ConvertI64S(Rr) = |s, o| un(s, o, |a: i64| a as f64);
    F64ConvertI64U(Rr) = |s, o| un(s, o, |a: u64| a as f64);
    F64PromoteF32(Rr) = |s, o| un(s, o, |a: f32| num::c64(a as f64));

    // Any memory, 32- or 64-bit addresses (memory 0 of 32 bits takes the forms above).
    I32LoadM(MLoad) = |s, o| mload::<4, _>(s, o, u32::from_le_bytes);
    I64LoadM(MLoad) = |s, o| mload::<8, _>(s, o, u64::from_le_bytes);
    I32Load8SM(MLoad) = |s, o| mload::<1, _>(s, o, |b| i8::from_le_bytes(b) as i32);
    I32Load8UM(MLoad) = |s, o| mload::<1, _>(s, o, |b| u8::from_le_bytes(b) as u32);
    I32Load16SM(MLoad) = |s, o| mload::<2, _>(s, o, |b| i16::from_le_bytes(b) as i32);
    I32Load16UM(MLoad) = |s, o| mload::<2, _>(s, o, |b| u16::from_le_bytes(b) as u32);
    I64Load8SM(MLoad) = |s, o| mload::<1, _>(s, o, |b| i8::from_le_bytes(b) as i64);
    I64Load8UM(MLoad) = |s, o| mload::<1, _>(s, o, |b| u8::from_le_bytes(b) as u64);
    I64Load16SM(MLoad) = |s, o| mload::<2, _>(s, o, |b| i16::from_le_bytes(b) as i64);
    I64Load16UM(MLoad) = |s, o| mload::<2, _>(s, o, |b| u16::from_le_bytes(b) as u64);
    I64Load32SM(MLoad) = |s, o| mload::<4, _>(s, o, |b| i32::from_le_bytes(b) as i64);
    I64Load32UM(MLoad) = |s, o| mload::<4, _>(s, o, |b| u32::from_le_bytes(b) as u64);
    Store8M(MStore) = |s, o| mstore(s, o, |v| [v as u8]);
    Store16M(MStore) = |s, o| mstore(s, o, |v| (v as u16).to_le_bytes());
    Store32M(MStore) = |s, o| mstore(s, o, |v| (v as u32).to_le_bytes());
    Store64M(MStore) = |s, o| mstore(s, o, |v| v.to_le_bytes());
    MemorySizeM(Get) = |s, o| { let n = bulk::memory_size(s.cx, o.idx); s.set(o.dst, n); s.next() };

    // WebAssembly 3.0: tail calls; 64-bit tables.
    ReturnCall(TCall) = |s, o| s.tail_enter(o.callee as *const FuncCode, o.base, o.n);
    ReturnCallInd(TCallInd) = |s, o| return_call_indirect(s, o);
    CallInd64(CallInd) = |s, o| call_indirect::<true>(s, o);
    TableGet64(Rri) = |s, o| match bulk::table_element(s.cx, o.imm, s.get(o.a)) {
        Some(v) => { s.set(o.dst, v); s.next() }
        None => s.trap(TrapCode::TableOutOfBounds),
    };

    // SIMD (v128 in two slots, low half first).
    V128Const(VConst) = |s, o| { s.set_v(o.dst, o.lo as u128 | (o.hi as u128) << 64); s.next() };
    I8x16Shuffle(VShuf) = |s, o| { let v = simd::shuffle(s.get_v(o.a), s.get_v(o.b), o.lo as u128 | (o.hi as u128) << 64); s.set_v(o.dst, v); s.next() };
    GlobalGetV(VGet) = |s, o| { let v = bulk::global_get_v(s.cx, o.idx); s.set_v(o.dst, v); s.next() };
    GlobalSetV(VPut) = |s, o| { let v = s.get_v(o.src); bulk::global_set_v(s.cx, o.idx, v); s.next() };
    V128Load(VMem) = |s, o| vload::<16>(s, o, |b: [u8; 16], _| u128::from_le_bytes(b));
    V128Load8x8S(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: i8| x as i16));
    V128Load8x8U(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: u8| x as u16));
    V128Load16x4S(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: i16| x as i32));
    V128Load16x4U(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: u16| x as u32));
    V128Load32x2S(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: i32| x as i64));
    V128Load32x2U(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| widen(u64::from_le_bytes(b) as u128, 0, |x: u32| x as u64));
    V128Load8Splat(VMem) = |s, o| vload::<1>(s, o, |b: [u8; 1], _| splat(b[0]));
    V128Load16Splat(VMem) = |s, o| vload::<2>(s, o, |b: [u8; 2], _| splat(u16::from_le_bytes(b)));
    V128Load32Splat(VMem) = |s, o| vload::<4>(s, o, |b: [u8; 4], _| splat(u32::from_le_bytes(b)));
    V128Load64Splat(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| splat(u64::from_le_bytes(b)));
    V128Load32Zero(VMem) = |s, o| vload::<4>(s, o, |b: [u8; 4], _| u32::from_le_bytes(b) as u128);
    V128Load64Zero(VMem) = |s, o| vload::<8>(s, o, |b: [u8; 8], _| u64::from_le_bytes(b) as u128);
    V128Load8Lane(VMem) = |s, o| { let l = o.lane as usize; vload::<1>(s, o, move |b, x| with_lane(x, l, u8::from_le_bytes(b))) };
    V128Load16Lane(VMem) = |s, o| { let l = o.lane as usize; vload::<2>(s, o, move |b, x| with_lane(x, l, u16::from_le_bytes(b))) };
    V128Load32Lane(VMem) = |s, o| { let l = o.lane as usize; vload::<4>(s, o, move |b, x| with_lane(x, l, u32::from_le_bytes(b))) };
    V128Load64Lane(VMem) = |s, o| { let l = o.lane as usize; vload::<8>(s, o, move |b, x| with_lane(x, l, u64::from_le_bytes(b))) };
    V128Store(VMem) = |s, o| vstore::<16>(s, o, |v| v.to_le_bytes());
    V128Store8Lane(VMem) = |s, o| { let l = o.lane as usize; vstore(s, o, move |v| lane::<u8>(v, l).to_le_bytes()) };
    V128Store16Lane(VMem) = |s, o| { let l = o.lane as usize; vstore(s, o, move |v| lane::<u16>(v, l).to_le_bytes()) };
    V128Store32Lane(VMem) = |s, o| { let l = o.lane as usize; vstore(s, o, move |v| lane::<u32>(v, l).to_le_bytes()) };
    V128Store64Lane(VMem) = |s, o| { let l = o.lane as usize; vstore(s, o, move |v| lane::<u64>(v, l).to_le_bytes()) };
    V128Not(V1) = |s, o| v1(s, o, |a| !a);
    V128And(V2) = |s, o| v2(s, o, |a, b| a & b);
    V128AndNot(V2) = |s, o| v2(s, o, |a, b| a & !b);
    V128Or(V2) = |s, o| v2(s, o, |a, b| a | b);
    V128Xor(V2) = |s, o| v2(s, o, |a, b| a ^ b);
    V128Bitselect(V3) = |s, o| v3(s, o, |a, b, c| (a & c) | (b & !c));
    V128AnyTrue(VOut) = |s, o| vout(s, o, |v, _| (v != 0) as u64);
    I8x16Swizzle(V2) = |s, o| v2(s, o, simd::swizzle);
    I8x16Splat(VSplat) = |s, o| vsplat(s, o, |x| splat::<u8>(x as u8));
    I8x16ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u8>(v, l, x as u8));
    I16x8Splat(VSplat) = |s, o| vsplat(s, o, |x| splat::<u16>(x as u16));
    I16x8ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u16>(v, l, x as u16));
    I32x4Splat(VSplat) = |s, o| vsplat(s, o, |x| splat::<u32>(x as u32));
    I32x4ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u32>(v, l, x as u32));
    I64x2Splat(VSplat) = |s, o| vsplat(s, o, splat::<u64>);
    I64x2ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u64>(v, l, x));
    F32x4Splat(VSplat) = |s, o| vsplat(s, o, |x| splat::<u32>(x as u32));
    F32x4ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u32>(v, l, x as u32));
    F64x2Splat(VSplat) = |s, o| vsplat(s, o, splat::<u64>);
    F64x2ReplaceLane(VRep) = |s, o| vrep(s, o, |v, x, l| with_lane::<u64>(v, l, x));
    I8x16ExtractLaneS(VOut) = |s, o| vout(s, o, |v, l| lane::<i8>(v, l) as i32 as u32 as u64);
    I8x16ExtractLaneU(VOut) = |s, o| vout(s, o, |v, l| lane::<u8>(v, l) as u64);
    I16x8ExtractLaneS(VOut) = |s, o| vout(s, o, |v, l| lane::<i16>(v, l) as i32 as u32 as u64);
    I16x8ExtractLaneU(VOut) = |s, o| vout(s, o, |v, l| lane::<u16>(v, l) as u64);
    I32x4ExtractLane(VOut) = |s, o| vout(s, o, |v, l| lane::<u32>(v, l) as u64);
    I64x2ExtractLane(VOut) = |s, o| vout(s, o, lane::<u64>);
    F32x4ExtractLane(VOut) = |s, o| vout(s, o, |v, l| lane::<u32>(v, l) as u64);
    F64x2ExtractLane(VOut) = |s, o| vout(s, o, lane::<u64>);
    I8x16Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x == y));
    I8x16Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x != y));
    I8x16LtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i8, y: i8| x < y));
    I8x16LtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x < y));
    I8x16GtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i8, y: i8| x > y));
    I8x16GtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x > y));
    I8x16LeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i8, y: i8| x <= y));
    I8x16LeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x <= y));
    I8x16GeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i8, y: i8| x >= y));
    I8x16GeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u8, y: u8| x >= y));
    I16x8Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x == y));
    I16x8Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x != y));
    I16x8LtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i16, y: i16| x < y));
    I16x8LtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x < y));
    I16x8GtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i16, y: i16| x > y));
    I16x8GtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x > y));
    I16x8LeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i16, y: i16| x <= y));
    I16x8LeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x <= y));
    I16x8GeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i16, y: i16| x >= y));
    I16x8GeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u16, y: u16| x >= y));
    I32x4Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x == y));
    I32x4Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x != y));
    I32x4LtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i32, y: i32| x < y));
    I32x4LtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x < y));
    I32x4GtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i32, y: i32| x > y));
    I32x4GtU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x > y));
    I32x4LeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i32, y: i32| x <= y));
    I32x4LeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x <= y));
    I32x4GeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i32, y: i32| x >= y));
    I32x4GeU(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u32, y: u32| x >= y));
    I64x2Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u64, y: u64| x == y));
    I64x2Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: u64, y: u64| x != y));
    I64x2LtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i64, y: i64| x < y));
    I64x2GtS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i64, y: i64| x > y));
    I64x2LeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i64, y: i64| x <= y));
    I64x2GeS(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: i64, y: i64| x >= y));
    F32x4Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x == y));
    F32x4Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x != y));
    F32x4Lt(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x < y));
    F32x4Gt(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x > y));
    F32x4Le(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x <= y));
    F32x4Ge(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f32, y: f32| x >= y));
    F64x2Eq(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x == y));
    F64x2Ne(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x != y));
    F64x2Lt(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x < y));
    F64x2Gt(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x > y));
    F64x2Le(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x <= y));
    F64x2Ge(V2) = |s, o| v2(s, o, |a, b| cmp(a, b, |x: f64, y: f64| x >= y));
    I8x16Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: i8| x.wrapping_abs()));
    I8x16Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: i8| x.wrapping_neg()));
    I8x16AllTrue(VOut) = |s, o| vout(s, o, |v, _| all_true::<i8>(v) as u64);
    I8x16Bitmask(VOut) = |s, o| vout(s, o, |v, _| bitmask::<i8>(v) as u64);
    I8x16Shl(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 8); map(a, |x: u8| x << c) });
    I8x16ShrS(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 8); map(a, |x: i8| x >> c) });
    I8x16ShrU(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 8); map(a, |x: u8| x >> c) });
    I8x16Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.wrapping_add(y)));
    I8x16Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.wrapping_sub(y)));
    I8x16AddSatS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i8, y: i8| x.saturating_add(y)));
    I8x16AddSatU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.saturating_add(y)));
    I8x16SubSatS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i8, y: i8| x.saturating_sub(y)));
    I8x16SubSatU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.saturating_sub(y)));
    I8x16AvgrU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| ((x as u32 + y as u32 + 1) >> 1) as u8));
    I8x16MinS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i8, y: i8| x.min(y)));
    I8x16MinU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.min(y)));
    I8x16MaxS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i8, y: i8| x.max(y)));
    I8x16MaxU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u8, y: u8| x.max(y)));
    I16x8Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: i16| x.wrapping_abs()));
    I16x8Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: i16| x.wrapping_neg()));
    I16x8AllTrue(VOut) = |s, o| vout(s, o, |v, _| all_true::<i16>(v) as u64);
    I16x8Bitmask(VOut) = |s, o| vout(s, o, |v, _| bitmask::<i16>(v) as u64);
    I16x8Shl(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 16); map(a, |x: u16| x << c) });
    I16x8ShrS(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 16); map(a, |x: i16| x >> c) });
    I16x8ShrU(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 16); map(a, |x: u16| x >> c) });
    I16x8Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.wrapping_add(y)));
    I16x8Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.wrapping_sub(y)));
    I16x8Mul(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.wrapping_mul(y)));
    I16x8AddSatS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i16, y: i16| x.saturating_add(y)));
    I16x8AddSatU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.saturating_add(y)));
    I16x8SubSatS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i16, y: i16| x.saturating_sub(y)));
    I16x8SubSatU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.saturating_sub(y)));
    I16x8AvgrU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| ((x as u32 + y as u32 + 1) >> 1) as u16));
    I16x8MinS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i16, y: i16| x.min(y)));
    I16x8MinU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.min(y)));
    I16x8MaxS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i16, y: i16| x.max(y)));
    I16x8MaxU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u16, y: u16| x.max(y)));
    I32x4Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: i32| x.wrapping_abs()));
    I32x4Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: i32| x.wrapping_neg()));
    I32x4AllTrue(VOut) = |s, o| vout(s, o, |v, _| all_true::<i32>(v) as u64);
    I32x4Bitmask(VOut) = |s, o| vout(s, o, |v, _| bitmask::<i32>(v) as u64);
    I32x4Shl(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 32); map(a, |x: u32| x << c) });
    I32x4ShrS(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 32); map(a, |x: i32| x >> c) });
    I32x4ShrU(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 32); map(a, |x: u32| x >> c) });
    I32x4Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u32, y: u32| x.wrapping_add(y)));
    I32x4Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u32, y: u32| x.wrapping_sub(y)));
    I32x4Mul(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u32, y: u32| x.wrapping_mul(y)));
    I32x4MinS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i32, y: i32| x.min(y)));
    I32x4MinU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u32, y: u32| x.min(y)));
    I32x4MaxS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: i32, y: i32| x.max(y)));
    I32x4MaxU(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u32, y: u32| x.max(y)));
    I64x2Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: i64| x.wrapping_abs()));
    I64x2Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: i64| x.wrapping_neg()));
    I64x2AllTrue(VOut) = |s, o| vout(s, o, |v, _| all_true::<i64>(v) as u64);
    I64x2Bitmask(VOut) = |s, o| vout(s, o, |v, _| bitmask::<i64>(v) as u64);
    I64x2Shl(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 64); map(a, |x: u64| x << c) });
    I64x2ShrS(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 64); map(a, |x: i64| x >> c) });
    I64x2ShrU(VShift) = |s, o| vshift(s, o, |a, n| { let c = count(n, 64); map(a, |x: u64| x >> c) });
    I64x2Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u64, y: u64| x.wrapping_add(y)));
    I64x2Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u64, y: u64| x.wrapping_sub(y)));
    I64x2Mul(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: u64, y: u64| x.wrapping_mul(y)));
    I8x16Popcnt(V1) = |s, o| v1(s, o, |a| map(a, |x: u8| x.count_ones() as u8));
    I8x16NarrowI16x8S(V2) = |s, o| v2(s, o, |a, b| narrow(a, b, |x: i16| x.clamp(-128, 127) as i8));
    I8x16NarrowI16x8U(V2) = |s, o| v2(s, o, |a, b| narrow(a, b, |x: i16| x.clamp(0, 255) as u8));
    I16x8NarrowI32x4S(V2) = |s, o| v2(s, o, |a, b| narrow(a, b, |x: i32| x.clamp(-32768, 32767) as i16));
    I16x8NarrowI32x4U(V2) = |s, o| v2(s, o, |a, b| narrow(a, b, |x: i32| x.clamp(0, 65535) as u16));
    I16x8Q15MulrSatS(V2) = |s, o| v2(s, o, |a, b| zip(a, b, simd::q15mulr));
    I32x4DotI16x8S(V2) = |s, o| v2(s, o, simd::dot);
    I16x8ExtendLowI8x16S(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: i8| x as i16));
    I16x8ExtendHighI8x16S(V1) = |s, o| v1(s, o, |a| widen(a, 8, |x: i8| x as i16));
    I16x8ExtMulLowI8x16S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: i8, y: i8| (x as i16).wrapping_mul(y as i16)));
    I16x8ExtMulHighI8x16S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 8, |x: i8, y: i8| (x as i16).wrapping_mul(y as i16)));
    I16x8ExtAddPairwiseI8x16S(V1) = |s, o| v1(s, o, |a| pairs(a, |x: i8, y: i8| (x as i16).wrapping_add(y as i16)));
    I16x8ExtendLowI8x16U(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: u8| x as u16));
    I16x8ExtendHighI8x16U(V1) = |s, o| v1(s, o, |a| widen(a, 8, |x: u8| x as u16));
    I16x8ExtMulLowI8x16U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: u8, y: u8| (x as u16).wrapping_mul(y as u16)));
    I16x8ExtMulHighI8x16U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 8, |x: u8, y: u8| (x as u16).wrapping_mul(y as u16)));
    I16x8ExtAddPairwiseI8x16U(V1) = |s, o| v1(s, o, |a| pairs(a, |x: u8, y: u8| (x as u16).wrapping_add(y as u16)));
    I32x4ExtendLowI16x8S(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: i16| x as i32));
    I32x4ExtendHighI16x8S(V1) = |s, o| v1(s, o, |a| widen(a, 4, |x: i16| x as i32));
    I32x4ExtMulLowI16x8S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: i16, y: i16| (x as i32).wrapping_mul(y as i32)));
    I32x4ExtMulHighI16x8S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 4, |x: i16, y: i16| (x as i32).wrapping_mul(y as i32)));
    I32x4ExtAddPairwiseI16x8S(V1) = |s, o| v1(s, o, |a| pairs(a, |x: i16, y: i16| (x as i32).wrapping_add(y as i32)));
    I32x4ExtendLowI16x8U(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: u16| x as u32));
    I32x4ExtendHighI16x8U(V1) = |s, o| v1(s, o, |a| widen(a, 4, |x: u16| x as u32));
    I32x4ExtMulLowI16x8U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: u16, y: u16| (x as u32).wrapping_mul(y as u32)));
    I32x4ExtMulHighI16x8U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 4, |x: u16, y: u16| (x as u32).wrapping_mul(y as u32)));
    I32x4ExtAddPairwiseI16x8U(V1) = |s, o| v1(s, o, |a| pairs(a, |x: u16, y: u16| (x as u32).wrapping_add(y as u32)));
    I64x2ExtendLowI32x4S(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: i32| x as i64));
    I64x2ExtendHighI32x4S(V1) = |s, o| v1(s, o, |a| widen(a, 2, |x: i32| x as i64));
    I64x2ExtMulLowI32x4S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: i32, y: i32| (x as i64).wrapping_mul(y as i64)));
    I64x2ExtMulHighI32x4S(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 2, |x: i32, y: i32| (x as i64).wrapping_mul(y as i64)));
    I64x2ExtendLowI32x4U(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: u32| x as u64));
    I64x2ExtendHighI32x4U(V1) = |s, o| v1(s, o, |a| widen(a, 2, |x: u32| x as u64));
    I64x2ExtMulLowI32x4U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 0, |x: u32, y: u32| (x as u64).wrapping_mul(y as u64)));
    I64x2ExtMulHighI32x4U(V2) = |s, o| v2(s, o, |a, b| widen2(a, b, 2, |x: u32, y: u32| (x as u64).wrapping_mul(y as u64)));
    F32x4Ceil(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| num::c32(x.ceil())));
    F32x4Floor(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| num::c32(x.floor())));
    F32x4Trunc(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| num::c32(x.trunc())));
    F32x4Nearest(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| num::c32(x.round_ties_even())));
    F32x4Sqrt(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| num::c32(x.sqrt())));
    F32x4Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: u32| x & 0x7fff_ffff));
    F32x4Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: u32| x ^ !0x7fff_ffff));
    F32x4Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::c32(x + y)));
    F32x4Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::c32(x - y)));
    F32x4Mul(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::c32(x * y)));
    F32x4Div(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::c32(x / y)));
    F32x4Min(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::min32(x, y)));
    F32x4Max(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f32, y: f32| num::max32(x, y)));
    F32x4PMin(V2) = |s, o| v2(s, o, |a, b| zip(a, b, simd::pmin::<f32>));
    F32x4PMax(V2) = |s, o| v2(s, o, |a, b| zip(a, b, simd::pmax::<f32>));
    F64x2Ceil(V1) = |s, o| v1(s, o, |a| map(a, |x: f64| num::c64(x.ceil())));
    F64x2Floor(V1) = |s, o| v1(s, o, |a| map(a, |x: f64| num::c64(x.floor())));
    F64x2Trunc(V1) = |s, o| v1(s, o, |a| map(a, |x: f64| num::c64(x.trunc())));
    F64x2Nearest(V1) = |s, o| v1(s, o, |a| map(a, |x: f64| num::c64(x.round_ties_even())));
    F64x2Sqrt(V1) = |s, o| v1(s, o, |a| map(a, |x: f64| num::c64(x.sqrt())));
    F64x2Abs(V1) = |s, o| v1(s, o, |a| map(a, |x: u64| x & 0x7fff_ffff_ffff_ffff));
    F64x2Neg(V1) = |s, o| v1(s, o, |a| map(a, |x: u64| x ^ !0x7fff_ffff_ffff_ffff));
    F64x2Add(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::c64(x + y)));
    F64x2Sub(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::c64(x - y)));
    F64x2Mul(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::c64(x * y)));
    F64x2Div(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::c64(x / y)));
    F64x2Min(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::min64(x, y)));
    F64x2Max(V2) = |s, o| v2(s, o, |a, b| zip(a, b, |x: f64, y: f64| num::max64(x, y)));
    F64x2PMin(V2) = |s, o| v2(s, o, |a, b| zip(a, b, simd::pmin::<f64>));
    F64x2PMax(V2) = |s, o| v2(s, o, |a, b| zip(a, b, simd::pmax::<f64>));
    I32x4TruncSatF32x4S(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| x as i32));
    I32x4TruncSatF32x4U(V1) = |s, o| v1(s, o, |a| map(a, |x: f32| x as u32));
    F32x4ConvertI32x4S(V1) = |s, o| v1(s, o, |a| map(a, |x: i32| x as f32));
    F32x4ConvertI32x4U(V1) = |s, o| v1(s, o, |a| map(a, |x: u32| x as f32));
    I32x4TruncSatF64x2SZero(V1) = |s, o| v1(s, o, |a| low(a, 2, |x: f64| x as i32));
    I32x4TruncSatF64x2UZero(V1) = |s, o| v1(s, o, |a| low(a, 2, |x: f64| x as u32));
    F64x2ConvertLowI32x4S(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: i32| x as f64));
    F64x2ConvertLowI32x4U(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: u32| x as f64));
    F32x4DemoteF64x2Zero(V1) = |s, o| v1(s, o, |a| low(a, 2, |x: f64| num::c32(x as f32)));
    F64x2PromoteLowF32x4(V1) = |s, o| v1(s, o, |a| widen(a, 0, |x: f32| num::c64(x as f64)));
}

impl Op {
    /// Whether execution never continues with the next instruction.
    pub(super) fn is_terminator(self) -> bool {
        matches!(
            self,
            Op::Unreachable
                | Op::Exit
                | Op::Br
                | Op::BrTable
                | Op::Return
                | Op::Return1
                | Op::Return0
                | Op::ReturnCall
        )
    }
}
