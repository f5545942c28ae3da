//! Operand shapes: the few layouts every instruction's operands take.
//!
//! An instruction in the code stream is one word holding its handler's
//! address followed by its operands, a `#[repr(C)]` shape struct padded to
//! whole 64-bit words. The translator builds the same structs (branch
//! targets still instruction indices), the assembler copies them into the
//! stream, the handlers read them back, and the side-table check walks
//! them by their field kinds. Adding an instruction of an existing shape
//! touches no code here.
//!
//! Field kinds (the `kind` column of [`shapes!`]):
//! `W` a slot the instruction writes, `R` a slot it reads, `B` a callee
//! frame base (arguments there, results land there), `T` a branch target
//! (an instruction index while translating, a word offset relative to the
//! instruction in the stream), `I` an index into the instance or module
//! (checked by the handler that uses it), `U` a 32-bit immediate, `L` a
//! 64-bit immediate, `F` a callee (a defined function index while
//! translating, a pointer to its code in the stream), `Q` a `v128` in
//! two consecutive slots (read or written; the first slot named).

use super::ir::Slot;

/// What a field of a shape means (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    W,
    R,
    B,
    T,
    I,
    U,
    L,
    F,
    Q,
}

/// One field an instruction refers to, for the side-table checks.
#[derive(Clone, Copy, Debug)]
pub(super) enum Field {
    Slot(Slot),
    /// A `v128`: this slot and the next.
    Pair(Slot),
    Base(Slot),
    Target(i32),
    Callee(u64),
}

macro_rules! field_type {
    (W) => {
        Slot
    };
    (R) => {
        Slot
    };
    (B) => {
        Slot
    };
    (T) => {
        i32
    };
    (I) => {
        u32
    };
    (U) => {
        u32
    };
    (L) => {
        u64
    };
    (F) => {
        u64
    };
    (Q) => {
        Slot
    };
}

macro_rules! field_ref {
    (W, $v:expr) => {
        Some(Field::Slot($v))
    };
    (R, $v:expr) => {
        Some(Field::Slot($v))
    };
    (B, $v:expr) => {
        Some(Field::Base($v))
    };
    (T, $v:expr) => {
        Some(Field::Target($v))
    };
    (F, $v:expr) => {
        Some(Field::Callee($v))
    };
    (Q, $v:expr) => {
        Some(Field::Pair($v))
    };
    ($k:ident, $v:expr) => {
        None
    };
}

macro_rules! shapes {
    ($( $(#[$doc:meta])* $name:ident { $($field:ident: $kind:ident),* } )*) => {
        $(
            $(#[$doc])*
            #[repr(C)]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
            pub(super) struct $name { $(pub(super) $field: field_type!($kind),)* }

            impl $name {
                /// Field kinds in declaration order.
                #[allow(dead_code)]
                pub(super) const KINDS: &'static [Kind] = &[$(Kind::$kind),*];
            }
        )*

        /// Every shape, to name an instruction's layout.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Shape { $($name,)* }

        /// An instruction's operands before assembly.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Args { $($name($name),)* }

        impl Args {
            pub(super) fn shape(&self) -> Shape {
                match self { $(Args::$name(_) => Shape::$name,)* }
            }

            /// Every slot, base, target and callee the operands name.
            #[allow(unused_variables)]
            pub(super) fn fields(&self, f: &mut impl FnMut(Field)) {
                match *self {
                    $(Args::$name(x) => {
                        $( if let Some(r) = field_ref!($kind, x.$field) { f(r) } )*
                    })*
                }
            }

            /// Writes the operands to `out` (whole words, zero padded).
            pub(super) fn encode(&self, out: &mut Vec<u64>) {
                match self { $(Args::$name(x) => encode_struct(x, out),)* }
            }
        }

        impl Shape {
            /// Stream words of an instruction of this shape, handler included.
            pub(super) fn words(self) -> usize {
                match self { $(Shape::$name => words::<$name>(),)* }
            }

            /// Reads the operands of an instruction of this shape from the stream.
            ///
            /// # Safety
            /// `at` must be the first operand word of an instruction of this
            /// shape, with all its words inside the stream.
            pub(super) unsafe fn decode(self, at: *const u64) -> Args {
                // SAFETY: as the caller promises; shapes are plain data.
                unsafe {
                    match self { $(Shape::$name => Args::$name(at.cast::<$name>().read()),)* }
                }
            }
        }
    };
}

/// Stream words of an instruction whose operands are a `T`.
pub(super) const fn words<T>() -> usize {
    1 + std::mem::size_of::<T>().div_ceil(8)
}

fn encode_struct<T: Copy>(x: &T, out: &mut Vec<u64>) {
    let n = words::<T>() - 1;
    let start = out.len();
    out.resize(start + n, 0);
    // SAFETY: `n` words were just added at `start`, enough for a `T`
    // (alignment at most 8); shapes are plain `#[repr(C)]` data.
    unsafe { out.as_mut_ptr().add(start).cast::<T>().write(*x) }
}

shapes! {
    /// No operands.
    Nil {}
    /// A unary operation or a copy.
    Rr { dst: W, a: R }
    /// A binary operation.
    Rrr { dst: W, a: R, b: R }
    /// A binary operation with a 32-bit immediate; `table.get` (`imm` is the table).
    Rri { dst: W, a: R, imm: U }
    /// A binary operation with a 64-bit immediate.
    Rrl { dst: W, a: R, imm: L }
    /// A constant.
    Rl { dst: W, pad: U, imm: L }
    /// A multiply fused with the add or subtract that consumes it
    /// (`dst = a * b + c` and kin).
    Fma { dst: W, a: R, b: R, c: R }
    /// `dst = a * imm + c`.
    Fmai { dst: W, a: R, c: R, imm: U }
    /// `dst = dst2 = a + imm` (an add whose result is also copied).
    Add2 { dst: W, dst2: W, a: R, imm: U }
    /// Two copies in order: `d1 = s1`, then `d2 = s2`.
    Copy2 { d1: W, s1: R, d2: W, s2: R }
    /// `select`: `dst = c ? a : b`.
    Sel { dst: W, c: R, a: R, b: R }
    /// `dst = ((a << shift) + add) mod 2^32` (an address computed ahead of its use).
    Lea { dst: W, a: R, add: U, shift: U }
    /// `dst = (p + (a << shift) + add) mod 2^32`.
    Lea2 { dst: W, p: R, a: R, add: U, shift: U }
    /// A load from `(a + add) mod 2^32 + offset` (`add`: an `i32.add` of a
    /// constant folded into the address).
    Load { dst: W, a: R, add: U, offset: U }
    /// A load from `((a << shift) + add) mod 2^32 + offset`.
    LoadX { dst: W, a: R, add: U, offset: U, shift: U }
    /// A load from `(p + (a << shift) + add) mod 2^32 + offset`.
    LoadI { dst: W, p: R, a: R, add: U, offset: U, shift: U }
    /// A load from a constant address (`ea`: the address plus the offset).
    LoadC { dst: W, pad: U, ea: L }
    /// A store of `src` at `(addr + add) mod 2^32 + offset`.
    Store { addr: R, src: R, add: U, offset: U }
    /// A store of `src` at `((addr << shift) + add) mod 2^32 + offset`.
    StoreX { addr: R, src: R, add: U, offset: U, shift: U }
    /// A store of `src` at `(p + (addr << shift) + add) mod 2^32 + offset`.
    StoreI { addr: R, src: R, p: R, add: U, offset: U, shift: U }
    /// A store of `src` at a constant address (`ea`: the address plus the offset).
    StoreC { src: R, pad: U, ea: L }
    /// `table.set` of `src` at `index`.
    Sto { addr: R, src: R, offset: U }
    /// A result from an indexed item (global, table size, function reference).
    Get { dst: W, idx: I }
    /// A value into an indexed item (`global.set`).
    Put { src: R, idx: I }
    /// An indexed item only (segment drops).
    Idx { idx: I }
    /// One slot read (a single-result return).
    Src { src: R }
    /// Several results from `start..start + n` to the frame's first slots.
    Ret { start: R, n: U }
    /// An unconditional jump.
    Jmp { to: T }
    /// A jump on one i32 slot.
    BrR { to: T, a: R }
    /// A jump on two slots compared.
    BrRr { to: T, a: R, b: R }
    /// A jump on a slot compared with a 32-bit immediate.
    BrRi { to: T, a: R, imm: U }
    /// A jump on a slot compared with a 64-bit immediate.
    BrRl { to: T, a: R, imm: L }
    /// `br_table` on `index`: `len` targets (the last is the default)
    /// follow in the stream, two per word; translated with `len` naming a
    /// jump table instead.
    Table { index: R, len: U }
    /// A call of a function of the same module.
    Call { base: B, pad: U, callee: F }
    /// `return_call` of a function of the same module: `n` argument slots
    /// at `base` (laid out like [`Call`], so linking treats both alike).
    TCall { base: B, n: U, callee: F }
    /// `return_call_indirect` (`wide`: a 64-bit table).
    TCallInd { base: B, index: R, table: I, ty: U, n: U, wide: U }
    /// A scalar load from memory `mem` at `a + offset` (another memory
    /// than 0, or a 64-bit one: `wide`).
    MLoad { dst: W, a: R, mem: I, wide: U, offset: L }
    /// A scalar store to memory `mem` at `a + offset`.
    MStore { src: R, a: R, mem: I, wide: U, offset: L }
    /// A call through the instance's function index (imports).
    CallIdx { base: B, func: I }
    /// `call_indirect`: `ty` is the canonical signature id.
    CallInd { base: B, index: R, table: I, ty: U }
    /// Three slots read, with up to two indices (bulk memory and table operations).
    Bulk { d: R, s: R, n: R, x: I, y: I }
    /// `table.grow`.
    Grow { dst: W, init: R, n: R, table: I }
    /// A `v128` unary operation.
    V1 { dst: Q, a: Q }
    /// A `v128` binary operation.
    V2 { dst: Q, a: Q, b: Q }
    /// `v128.bitselect`.
    V3 { dst: Q, a: Q, b: Q, c: Q }
    /// A lane shift by a scalar count.
    VShift { dst: Q, a: Q, n: R }
    /// A splat of a scalar.
    VSplat { dst: Q, a: R }
    /// A scalar from a `v128` (lane extraction, tests, bitmasks).
    VOut { dst: W, a: Q, lane: U }
    /// A lane replaced by a scalar.
    VRep { dst: Q, a: Q, x: R, lane: U }
    /// `i8x16.shuffle` (lane indices little-endian in `lo`, `hi`).
    VShuf { dst: Q, a: Q, b: Q, pad: U, lo: L, hi: L }
    /// A `v128` constant.
    VConst { dst: Q, pad: U, lo: L, hi: L }
    /// A `v128` memory access of memory `mem` at `a + offset` (`wide`: a
    /// 64-bit memory); `v` the loaded or stored value, `x` the vector a
    /// lane load starts from.
    VMem { v: Q, a: R, x: Q, mem: I, lane: U, wide: U, offset: L }
    /// A `v128` global read (`global.get`).
    VGet { dst: Q, idx: I }
    /// A `v128` global write (`global.set`).
    VPut { src: Q, idx: I }
}

/// The slot a result-producing instruction writes, so the translator can
/// retarget it straight into a local (`x; local.set n`).
pub(super) fn dst_mut(args: &mut Args) -> Option<&mut Slot> {
    match args {
        Args::Rr(x) => Some(&mut x.dst),
        Args::Rrr(x) => Some(&mut x.dst),
        Args::Rri(x) => Some(&mut x.dst),
        Args::Lea(x) => Some(&mut x.dst),
        Args::Load(x) => Some(&mut x.dst),
        Args::LoadX(x) => Some(&mut x.dst),
        Args::LoadI(x) => Some(&mut x.dst),
        Args::Lea2(x) => Some(&mut x.dst),
        Args::LoadC(x) => Some(&mut x.dst),
        Args::Rrl(x) => Some(&mut x.dst),
        Args::Rl(x) => Some(&mut x.dst),
        Args::Sel(x) => Some(&mut x.dst),
        Args::Fma(x) => Some(&mut x.dst),
        Args::Fmai(x) => Some(&mut x.dst),
        Args::Get(x) => Some(&mut x.dst),
        Args::Grow(x) => Some(&mut x.dst),
        Args::MLoad(x) => Some(&mut x.dst),
        _ => None,
    }
}

/// The branch target of a jump, for back-patching.
pub(super) fn target_mut(args: &mut Args) -> Option<&mut i32> {
    match args {
        Args::Jmp(x) => Some(&mut x.to),
        Args::BrR(x) => Some(&mut x.to),
        Args::BrRr(x) => Some(&mut x.to),
        Args::BrRi(x) => Some(&mut x.to),
        Args::BrRl(x) => Some(&mut x.to),
        _ => None,
    }
}

/// The slot a result-producing instruction writes.
pub(super) fn dst_of(args: &Args) -> Option<Slot> {
    let mut a = *args;
    dst_mut(&mut a).map(|d| *d)
}
