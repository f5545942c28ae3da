//! Deliberate bugs, for proving that the harness catches what it should.
//!
//! Compiled in only with the `fault-injection` cargo feature (off by
//! default, never in release builds users get); without it [`active`] is a
//! constant `false` and every injection site compiles away. One fault at a
//! time is selected at run time with [`set`].

/// A named, deliberate bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Fault {
    /// Common mode (every tier): reference-typed locals start as 0 instead of null.
    RefLocalsZero = 1,
    /// Common mode (the store): `memory.grow` ignores the declared maximum.
    GrowIgnoresMax,
    /// Classic, arithmetic: `i32.rem_s` returns the remainder's magnitude.
    ClassicRemSSign,
    /// Classic, control flow: an out-of-range `br_table` index takes target 0, not the default.
    ClassicBrTableDefault,
    /// Classic, memory: `i32.load8_s`/`i64.load8_s` zero-extend.
    ClassicLoad8ZeroExtend,
    /// Fast, arithmetic: `i64.shr_u` masks its count to 5 bits.
    FastI64ShrUMask,
    /// Fast, data flow: `local.set` does not preserve a pending read of the old value.
    FastPendingLocal,
    /// Fast, control flow: fused compare-and-branch swaps signed and unsigned.
    FastFusedCmpSignedness,
    /// Classic, process: `memory.grow` by 2 or more pages aborts the whole
    /// process, as a wild native access would (tests worker supervision).
    ClassicAbortOnGrow,
    /// JIT, arithmetic: `i32.rotr` rotates left.
    JitI32RotrAsRotl,
    /// JIT, control flow: `br_if` branches when its condition is zero.
    JitBrIfInverted,
    /// JIT, SIMD: `i8x16.swizzle` takes lane indices modulo 16 (as a bare
    /// `pshufb` does for 16..127) instead of giving 0 for indices >= 16.
    JitSwizzleIndexMod16,
    /// JIT, memory64: the bounds check of a 64-bit memory adds address and
    /// offset in 64 bits, so a sum past 2^64 wraps into bounds.
    JitMemory64BoundsWrap,
    /// Common mode (the store), extended constants: `i32.sub`/`i64.sub` in a
    /// constant expression adds.
    ConstSubAsAdd,
    /// Common mode (the store's call boundary), SIMD: a `v128` argument
    /// passed to wasm has its two 64-bit halves swapped.
    V128ArgHalvesSwapped,
    /// Classic, SIMD: `i8x16.swizzle` takes an out-of-range lane index
    /// modulo 16 instead of giving 0.
    ClassicSwizzleWrap,
    /// Classic, tail calls: `return_call*` keeps the caller's frame (a call
    /// followed by a return), so deep tail recursion exhausts the call depth.
    ClassicTailCallDepth,
    /// Fast, SIMD: `i8x16.swizzle` takes an out-of-range lane index modulo
    /// 16 instead of giving 0.
    FastSwizzleLaneWrap,
    /// Fast, multiple memories: `memory.copy` between two memories checks
    /// the destination range against the source memory's length.
    FastCopyWrongMemoryLength,
    /// Classic, fuel: entering a loop at its `loop` instruction charges no
    /// fuel (only branches back to it do). Needs fuel pressure to show.
    ClassicLoopEntryFree,
    /// Classic, call depth: one frame more than `max_call_depth` is allowed.
    ClassicDepthOffByOne,
    /// Classic, WASI: a host function's results (a WASI call's errno)
    /// reach wasm as 0.
    ClassicHostResultZeroed,
    /// Classic, bulk memory: `memory.copy` copies front to back even when
    /// the destination overlaps the source from above.
    ClassicCopyOverlapForward,
    /// Classic, `call_indirect`: the signature check compares only the
    /// numbers of parameters and results.
    ClassicIndirectArityOnly,
    /// Classic, bulk memory: `memory.init` copies from the start of the
    /// segment, ignoring its source offset (bounds are still checked).
    ClassicInitFromSegmentStart,
    /// Classic, preparation: the tier refuses any module holding an
    /// `i32.popcnt`, as a tier missing one instruction would.
    ClassicRefusesI32Popcnt,
    /// Fast, translation: the translator has no translation for `i64.rem_u`.
    FastRefusesI64RemU,
    /// JIT, compilation: the translator has no lowering for `f64.copysign`.
    JitRefusesF64Copysign,
    /// Classic, NaN rule: scalar `f32.add`/`sub`/`mul`/`div` keep the NaN
    /// their operands (or the hardware) give instead of the canonical NaN.
    ClassicNanPayloadKept,
    /// Fast, NaN rule: a NaN quotient of `f64.div` has its sign set.
    FastDivNanNegative,
    /// JIT, NaN rule: a NaN result of `f32.sqrt` has its sign set.
    JitSqrtNanNegative,
    /// Fast, one handler form (tier paths): `i32.load` in its indexed form
    /// (`base + (index << k) + c`, both operands locals) leaves the index
    /// unscaled. Every other form of the load, and every other load, is right.
    FastIndexedLoadUnscaled,
    /// JIT, one lowering (tier paths): an access whose bounds check was
    /// skipped, because an earlier check of the same address value with at
    /// least its reach dominates it, leaves out its constant offset. The
    /// access stays inside memory, so nothing crashes; it reads or writes
    /// the wrong bytes. Every access with its own check is right.
    JitElidedCheckDropsOffset,
    /// Classic, one helper path (tier paths): `memory.copy` from a memory
    /// into one of lower store address (a lower memory index of the same
    /// instance) leaves the last byte uncopied. Copies within one memory,
    /// or into a higher memory, are right.
    ClassicCopyDownShort,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 34] = [
        Fault::RefLocalsZero,
        Fault::GrowIgnoresMax,
        Fault::ClassicRemSSign,
        Fault::ClassicBrTableDefault,
        Fault::ClassicLoad8ZeroExtend,
        Fault::FastI64ShrUMask,
        Fault::FastPendingLocal,
        Fault::FastFusedCmpSignedness,
        Fault::ClassicAbortOnGrow,
        Fault::JitI32RotrAsRotl,
        Fault::JitBrIfInverted,
        Fault::JitSwizzleIndexMod16,
        Fault::JitMemory64BoundsWrap,
        Fault::ConstSubAsAdd,
        Fault::V128ArgHalvesSwapped,
        Fault::ClassicSwizzleWrap,
        Fault::ClassicTailCallDepth,
        Fault::FastSwizzleLaneWrap,
        Fault::FastCopyWrongMemoryLength,
        Fault::ClassicLoopEntryFree,
        Fault::ClassicDepthOffByOne,
        Fault::ClassicHostResultZeroed,
        Fault::ClassicCopyOverlapForward,
        Fault::ClassicIndirectArityOnly,
        Fault::ClassicInitFromSegmentStart,
        Fault::ClassicRefusesI32Popcnt,
        Fault::FastRefusesI64RemU,
        Fault::JitRefusesF64Copysign,
        Fault::ClassicNanPayloadKept,
        Fault::FastDivNanNegative,
        Fault::JitSqrtNanNegative,
        Fault::FastIndexedLoadUnscaled,
        Fault::JitElidedCheckDropsOffset,
        Fault::ClassicCopyDownShort,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RefLocalsZero => "ref-locals-zero",
            Fault::GrowIgnoresMax => "grow-ignores-max",
            Fault::ClassicRemSSign => "classic-rem-s-sign",
            Fault::ClassicBrTableDefault => "classic-br-table-default",
            Fault::ClassicLoad8ZeroExtend => "classic-load8-zero-extend",
            Fault::FastI64ShrUMask => "fast-i64-shr-u-mask",
            Fault::FastPendingLocal => "fast-pending-local",
            Fault::FastFusedCmpSignedness => "fast-fused-cmp-signedness",
            Fault::ClassicAbortOnGrow => "classic-abort-on-grow",
            Fault::JitI32RotrAsRotl => "jit-i32-rotr-as-rotl",
            Fault::JitBrIfInverted => "jit-br-if-inverted",
            Fault::JitSwizzleIndexMod16 => "jit-swizzle-index-mod16",
            Fault::JitMemory64BoundsWrap => "jit-memory64-bounds-wrap",
            Fault::ConstSubAsAdd => "const-sub-as-add",
            Fault::V128ArgHalvesSwapped => "v128-arg-halves-swapped",
            Fault::ClassicSwizzleWrap => "classic-swizzle-wrap",
            Fault::ClassicTailCallDepth => "classic-tail-call-depth",
            Fault::FastSwizzleLaneWrap => "fast-swizzle-lane-wrap",
            Fault::FastCopyWrongMemoryLength => "fast-copy-wrong-memory-length",
            Fault::ClassicLoopEntryFree => "classic-loop-entry-free",
            Fault::ClassicDepthOffByOne => "classic-depth-off-by-one",
            Fault::ClassicHostResultZeroed => "classic-host-result-zeroed",
            Fault::ClassicCopyOverlapForward => "classic-copy-overlap-forward",
            Fault::ClassicIndirectArityOnly => "classic-indirect-arity-only",
            Fault::ClassicInitFromSegmentStart => "classic-init-from-segment-start",
            Fault::ClassicRefusesI32Popcnt => "classic-refuses-i32-popcnt",
            Fault::FastRefusesI64RemU => "fast-refuses-i64-rem-u",
            Fault::JitRefusesF64Copysign => "jit-refuses-f64-copysign",
            Fault::ClassicNanPayloadKept => "classic-nan-payload-kept",
            Fault::FastDivNanNegative => "fast-div-nan-negative",
            Fault::JitSqrtNanNegative => "jit-sqrt-nan-negative",
            Fault::FastIndexedLoadUnscaled => "fast-indexed-load-unscaled",
            Fault::JitElidedCheckDropsOffset => "jit-elided-check-drops-offset",
            Fault::ClassicCopyDownShort => "classic-copy-down-short",
        }
    }

    /// Parses [`Fault::name`].
    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Whether this build can inject faults.
pub const ENABLED: bool = cfg!(feature = "fault-injection");

#[cfg(feature = "fault-injection")]
static ACTIVE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Selects the fault to inject (or none). Fails when the feature is off.
pub fn set(fault: Option<Fault>) -> Result<(), &'static str> {
    #[cfg(feature = "fault-injection")]
    {
        ACTIVE.store(
            fault.map_or(0, |f| f as u32),
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(())
    }
    #[cfg(not(feature = "fault-injection"))]
    {
        match fault {
            None => Ok(()),
            Some(_) => {
                Err("this build has no fault injection (build with --features fault-injection)")
            }
        }
    }
}

/// Whether `fault` is the one selected.
#[inline(always)]
pub fn active(fault: Fault) -> bool {
    #[cfg(feature = "fault-injection")]
    {
        ACTIVE.load(std::sync::atomic::Ordering::Relaxed) == fault as u32
    }
    #[cfg(not(feature = "fault-injection"))]
    {
        let _ = fault;
        false
    }
}
