//! Semantic coverage: which instructions ran, and which outcome classes
//! that matter for cross-tier bugs each one reached (a trap it can raise,
//! an operand at an edge, an access at the last byte of memory, a branch
//! back to a loop, fuel running out at a call, ...).
//!
//! The cells are defined here, once, per instruction *category*: the
//! operator list comes from wasmparser's own table of every operator
//! ([`wasmparser::for_each_operator`]), each operator of a proposal in
//! scope gets a [`Category`] from its name, and the category says which
//! [`Class`]es it has. An operator that arrives later (SIMD, tail calls)
//! therefore has cells already; while its proposal is not enabled in this
//! build (see [`crate::module::supported_features`]) they are listed as
//! such and left out of the percentage. Beside the operators there are
//! pseudo-operators: `(entry)` (a call from the host into wasm),
//! `(exhaustion)` (where fuel ran out) and `wasi:NAME` (each WASI
//! function, and whether it succeeded or returned an errno).
//!
//! One tier records (the classic tier, see its `coverage` module) into a
//! [`Recorder`] kept in the store's data. The store has none unless
//! [`crate::Store::enable_coverage`] is called, and the classic tier runs a
//! separate instantiation of its interpreter loop only when one is there,
//! so recording costs nothing when it is off.
//!
//! Classification helpers here are pure functions of operand values (the
//! tier supplies the values), so they are tested without a tier.

use crate::trap::TrapCode;
use std::sync::OnceLock;
use wasmparser::WasmFeatures;

/// An outcome class of an instruction: one cell per instruction and class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// The instruction raised this trap.
    Trap(TrapCode),
    // Integer operands.
    Zero,
    AllOnes,
    /// The sign bit alone (`MIN` of the signed type).
    Min,
    /// `MAX` of the signed type.
    Max,
    One,
    /// The result wrapped around (signed overflow).
    Wraps,
    Equal,
    /// One operand has the sign bit set, the other not.
    SignsDiffer,
    /// An operand (the only one) has the sign bit set.
    Negative,
    LhsSignBit,
    RhsSignBit,
    RhsOne,
    /// `MIN rem -1` (which is 0, not a trap).
    MinByMinusOne,
    /// Unsigned `lhs < rhs`.
    LhsBelowRhs,
    CountZero,
    /// Shift or rotate count equal to the width.
    CountWidth,
    /// Count above the width (but without the sign bit).
    CountAboveWidth,
    /// Count with its sign bit set (a huge unsigned count).
    CountSignBit,
    /// Bits above a narrower width are set (wrap, sign-extend, narrow store).
    HighBits,
    /// The narrow value's own sign bit is set (sign-extending operations).
    SignBit,
    // Float operands.
    Nan,
    Inf,
    NegZero,
    /// One operand `+0`, the other `-0`.
    MixedZeros,
    Subnormal,
    /// Finite operands, infinite result.
    Overflow,
    /// A fractional part of exactly one half (rounding ties).
    Half,
    /// A value in `(-1, 0)`: rounds or truncates to `-0` / `0`.
    NegFraction,
    /// A non-integral value that truncates to an in-range integer.
    Fraction,
    /// Truncation lands on the target type's maximum / minimum.
    ResultMax,
    ResultMin,
    /// Saturating truncation above / below the target range.
    AboveRange,
    BelowRange,
    /// The conversion rounds (the result is not exactly the input).
    Inexact,
    /// Integer bits that form a NaN when reinterpreted as a float.
    NanPattern,
    // Control.
    Taken,
    NotTaken,
    /// An `if` whose condition is zero and which has no `else`.
    NoElse,
    ToLoop,
    ToBlock,
    /// A branch to the function's own label (a return).
    ToFunction,
    InRange,
    /// `br_table` index past the list: the default target.
    Default,
    /// `br_table` or table index with the sign bit set.
    IndexSignBit,
    /// `select` picks its first / second operand.
    First,
    Second,
    /// The callee is a host function.
    Host,
    TypeMismatchSameArity,
    TypeMismatchOtherArity,
    // Memory and tables.
    AddressZero,
    /// The access ends exactly at the end of memory.
    LastByte,
    /// The access ends one byte past the end.
    OnePast,
    StaticOffset,
    LastByteWithOffset,
    OnePastWithOffset,
    /// `address + offset` does not fit the index type (it must not wrap).
    AddressOverflow,
    /// Non-zero bytes read (loads, copies, inits) or written (stores, fills).
    NonZeroData,
    /// The instruction names a memory other than memory 0.
    OtherMemory,
    /// The memory is 64-bit.
    Memory64,
    Succeeds,
    Fails,
    DeltaZero,
    NullInit,
    NonNullInit,
    LengthZero,
    /// The destination range ends exactly at the end.
    AtEnd,
    /// Length 0 at exactly the end (valid; one further traps).
    LengthZeroAtEnd,
    OverlapForward,
    OverlapBackward,
    BetweenMemories,
    BetweenTables,
    /// The source range ends exactly at the segment's end.
    SegmentEnd,
    /// A non-empty range of a dropped (or empty) segment.
    DroppedSegment,
    Null,
    NonNull,
    LastSlot,
    // Exhaustion (pseudo-operator).
    FuelInExportedFunction,
    FuelInNestedCall,
    // WASI (pseudo-operators).
    Success,
    Errno,
}

impl Class {
    /// Stable kebab-case name, the second half of a cell's name.
    pub fn name(self) -> String {
        let s = match self {
            Class::Trap(code) => return format!("trap:{}", code.name()),
            Class::Zero => "zero",
            Class::AllOnes => "all-ones",
            Class::Min => "min",
            Class::Max => "max",
            Class::One => "one",
            Class::Wraps => "wraps",
            Class::Equal => "equal",
            Class::SignsDiffer => "signs-differ",
            Class::Negative => "negative",
            Class::LhsSignBit => "lhs-sign-bit",
            Class::RhsSignBit => "rhs-sign-bit",
            Class::RhsOne => "rhs-one",
            Class::MinByMinusOne => "min-by-minus-one",
            Class::LhsBelowRhs => "lhs-below-rhs",
            Class::CountZero => "count-zero",
            Class::CountWidth => "count-width",
            Class::CountAboveWidth => "count-above-width",
            Class::CountSignBit => "count-sign-bit",
            Class::HighBits => "high-bits",
            Class::SignBit => "sign-bit",
            Class::Nan => "nan",
            Class::Inf => "inf",
            Class::NegZero => "neg-zero",
            Class::MixedZeros => "mixed-zeros",
            Class::Subnormal => "subnormal",
            Class::Overflow => "overflow",
            Class::Half => "half",
            Class::NegFraction => "neg-fraction",
            Class::Fraction => "fraction",
            Class::ResultMax => "result-max",
            Class::ResultMin => "result-min",
            Class::AboveRange => "above-range",
            Class::BelowRange => "below-range",
            Class::Inexact => "inexact",
            Class::NanPattern => "nan-pattern",
            Class::Taken => "taken",
            Class::NotTaken => "not-taken",
            Class::NoElse => "no-else",
            Class::ToLoop => "to-loop",
            Class::ToBlock => "to-block",
            Class::ToFunction => "to-function",
            Class::InRange => "in-range",
            Class::Default => "default",
            Class::IndexSignBit => "index-sign-bit",
            Class::First => "first",
            Class::Second => "second",
            Class::Host => "host-callee",
            Class::TypeMismatchSameArity => "type-mismatch-same-arity",
            Class::TypeMismatchOtherArity => "type-mismatch-other-arity",
            Class::AddressZero => "address-zero",
            Class::LastByte => "last-byte",
            Class::OnePast => "one-past",
            Class::StaticOffset => "static-offset",
            Class::LastByteWithOffset => "last-byte+offset",
            Class::OnePastWithOffset => "one-past+offset",
            Class::AddressOverflow => "address-overflow",
            Class::NonZeroData => "nonzero-data",
            Class::OtherMemory => "other-memory",
            Class::Memory64 => "memory64",
            Class::Succeeds => "succeeds",
            Class::Fails => "fails",
            Class::DeltaZero => "delta-zero",
            Class::NullInit => "null-init",
            Class::NonNullInit => "non-null-init",
            Class::LengthZero => "length-zero",
            Class::AtEnd => "at-end",
            Class::LengthZeroAtEnd => "length-zero-at-end",
            Class::OverlapForward => "overlap-forward",
            Class::OverlapBackward => "overlap-backward",
            Class::BetweenMemories => "between-memories",
            Class::BetweenTables => "between-tables",
            Class::SegmentEnd => "segment-end",
            Class::DroppedSegment => "dropped-segment",
            Class::Null => "null",
            Class::NonNull => "non-null",
            Class::LastSlot => "last-slot",
            Class::FuelInExportedFunction => "out-of-fuel-in-exported-function",
            Class::FuelInNestedCall => "out-of-fuel-in-nested-call",
            Class::Success => "success",
            Class::Errno => "errno",
        };
        s.to_string()
    }

    /// The feature a class needs beyond its operator's, if any.
    fn feature(self) -> Option<(&'static str, WasmFeatures)> {
        match self {
            Class::OtherMemory | Class::BetweenMemories => {
                Some(("multi-memory", WasmFeatures::MULTI_MEMORY))
            }
            Class::Memory64 => Some(("memory64", WasmFeatures::MEMORY64)),
            _ => None,
        }
    }
}

/// What kind of instruction an operator is; it decides the classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Only whether it ran.
    Plain,
    Unreachable,
    Loop,
    If,
    Br,
    BrIf,
    BrTable,
    Select,
    Call,
    CallIndirect,
    ReturnCall,
    ReturnCallIndirect,
    IntArith,
    IntBitwise,
    IntEqz,
    IntCompare {
        signed: bool,
    },
    IntUnary,
    IntDiv {
        signed: bool,
        rem: bool,
    },
    Shift {
        signed: bool,
    },
    FloatArith,
    FloatMinMax,
    FloatCopysign,
    FloatCompare,
    FloatRound,
    FloatSqrt,
    FloatSign,
    /// Float to integer; `src` is the float's width.
    Trunc {
        signed: bool,
        sat: bool,
        src: u8,
    },
    /// Integer to float; `src` is the integer's width.
    Convert {
        signed: bool,
        src: u8,
    },
    Demote,
    Promote,
    ReinterpretToInt,
    ReinterpretToFloat,
    Wrap,
    ExtendI32 {
        signed: bool,
    },
    /// `extendN_s`: sign-extends the low `from` bits.
    SignExtend {
        from: u8,
    },
    /// A scalar load of `width` bytes.
    Load {
        width: u8,
        signed_narrow: bool,
        int: bool,
    },
    /// A scalar store of `width` bytes; `narrow` when narrower than its value.
    Store {
        width: u8,
        narrow: bool,
    },
    MemorySize,
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    TableGet,
    TableSet,
    TableGrow,
    TableFill,
    TableCopy,
    TableInit,
    RefIsNull,
    /// A SIMD load of `width` bytes; `lane` when it also takes a vector.
    SimdLoad {
        width: u8,
        lane: bool,
    },
    SimdStore {
        width: u8,
        lane: bool,
    },
    /// Pseudo-operator: a call from the host into wasm.
    Entry,
    /// Pseudo-operator: where fuel ran out.
    Exhaustion,
    /// Pseudo-operator: a WASI function and which results it can give.
    Wasi {
        ok: bool,
        err: bool,
    },
}

impl Category {
    /// Whether classifying an operator of this category reads its
    /// immediates (a branch depth, a memarg, a table index...). The others
    /// are classified from their operands alone, so the recorder can skip
    /// decoding them once it knows which operator stands at a `pc`.
    pub fn reads_immediates(self) -> bool {
        use Category::*;
        matches!(
            self,
            If | Br
                | BrIf
                | BrTable
                | Call
                | CallIndirect
                | ReturnCall
                | ReturnCallIndirect
                | Load { .. }
                | Store { .. }
                | MemorySize
                | MemoryGrow
                | MemoryFill
                | MemoryCopy
                | MemoryInit
                | TableGet
                | TableSet
                | TableFill
                | TableCopy
                | TableInit
                | SimdLoad { .. }
                | SimdStore { .. }
        )
    }

    /// The classes of this category (beyond "it ran").
    pub fn classes(self) -> Vec<Class> {
        use Class::*;
        use TrapCode as T;
        let mem = [OtherMemory, Memory64];
        let access = [
            Trap(T::MemoryOutOfBounds),
            AddressZero,
            LastByte,
            OnePast,
            StaticOffset,
            LastByteWithOffset,
            OnePastWithOffset,
            AddressOverflow,
            NonZeroData,
        ];
        let v: &[&[Class]] = match self {
            Category::Plain => &[],
            Category::Unreachable => &[&[Trap(T::Unreachable)]],
            Category::Loop => &[&[Trap(T::OutOfFuel)]],
            Category::If => &[&[Taken, NotTaken, NoElse]],
            Category::Br => &[&[Trap(T::OutOfFuel), ToLoop, ToBlock, ToFunction]],
            Category::BrIf => &[&[Trap(T::OutOfFuel), Taken, NotTaken, ToLoop]],
            Category::BrTable => &[&[Trap(T::OutOfFuel), InRange, Default, IndexSignBit, ToLoop]],
            Category::Select => &[&[First, Second]],
            Category::Call => &[&[Trap(T::OutOfFuel), Trap(T::CallStackExhausted), Host]],
            Category::CallIndirect => &[&[
                Trap(T::TableOutOfBounds),
                Trap(T::IndirectCallToNull),
                Trap(T::IndirectCallTypeMismatch),
                Trap(T::OutOfFuel),
                Trap(T::CallStackExhausted),
                TypeMismatchSameArity,
                TypeMismatchOtherArity,
                Host,
            ]],
            Category::ReturnCall => &[&[Trap(T::OutOfFuel), Host]],
            Category::ReturnCallIndirect => &[&[
                Trap(T::TableOutOfBounds),
                Trap(T::IndirectCallToNull),
                Trap(T::IndirectCallTypeMismatch),
                Trap(T::OutOfFuel),
                TypeMismatchSameArity,
                TypeMismatchOtherArity,
                Host,
            ]],
            Category::IntArith => &[&[Zero, AllOnes, Min, Max, Wraps]],
            Category::IntBitwise => &[&[Zero, AllOnes, Min]],
            Category::IntEqz => &[&[Zero, Negative]],
            Category::IntCompare { signed: false } => &[&[Equal, Zero, AllOnes, Max, SignsDiffer]],
            Category::IntCompare { signed: true } => &[&[Equal, Zero, Min, Max, SignsDiffer]],
            Category::IntUnary => &[&[Zero, AllOnes, Min, One]],
            Category::IntDiv { signed, rem } => match (signed, rem) {
                (true, false) => &[&[
                    Trap(T::IntegerDivideByZero),
                    Trap(T::IntegerOverflow),
                    LhsSignBit,
                    RhsSignBit,
                    RhsOne,
                ]],
                (true, true) => &[&[
                    Trap(T::IntegerDivideByZero),
                    MinByMinusOne,
                    LhsSignBit,
                    RhsSignBit,
                    RhsOne,
                ]],
                (false, _) => &[&[
                    Trap(T::IntegerDivideByZero),
                    LhsBelowRhs,
                    LhsSignBit,
                    RhsSignBit,
                    RhsOne,
                ]],
            },
            Category::Shift { .. } => &[&[
                CountZero,
                CountWidth,
                CountAboveWidth,
                CountSignBit,
                Negative,
            ]],
            Category::FloatArith => &[&[Nan, Inf, NegZero, Subnormal, Overflow]],
            Category::FloatMinMax => &[&[Nan, MixedZeros, Inf, Equal]],
            Category::FloatCopysign => &[&[Nan, SignsDiffer, NegZero]],
            Category::FloatCompare => &[&[Nan, MixedZeros, Inf, Equal]],
            Category::FloatRound => &[&[Nan, Inf, NegZero, Half, NegFraction]],
            Category::FloatSqrt => &[&[Nan, Inf, NegZero, Negative]],
            Category::FloatSign => &[&[Nan, Inf, NegZero]],
            Category::Trunc {
                sat: false, signed, ..
            } => {
                if signed {
                    &[&[
                        Trap(T::InvalidConversionToInteger),
                        Trap(T::IntegerOverflow),
                        Fraction,
                        NegFraction,
                        ResultMax,
                        ResultMin,
                    ]]
                } else {
                    &[&[
                        Trap(T::InvalidConversionToInteger),
                        Trap(T::IntegerOverflow),
                        Fraction,
                        NegFraction,
                        ResultMax,
                    ]]
                }
            }
            Category::Trunc { sat: true, .. } => &[&[Nan, AboveRange, BelowRange, NegFraction]],
            // An i32 converts to f64 exactly: no rounding class there.
            Category::Convert { src: 0, .. } => &[&[Zero, Negative, Max]],
            Category::Convert { .. } => &[&[Zero, Negative, Max, Inexact]],
            Category::Demote => &[&[Nan, Inf, Inexact, Overflow, Subnormal]],
            Category::Promote => &[&[Nan, Inf, Subnormal]],
            Category::ReinterpretToInt => &[&[Nan, NegZero]],
            Category::ReinterpretToFloat => &[&[NanPattern, Negative]],
            Category::Wrap => &[&[HighBits, Negative]],
            Category::ExtendI32 { .. } => &[&[Negative]],
            Category::SignExtend { .. } => &[&[SignBit, HighBits]],
            Category::Load {
                signed_narrow: true,
                ..
            } => &[&access, &[SignBit], &mem],
            Category::Load { .. } => &[&access, &mem],
            Category::Store { narrow: true, .. } => &[&access, &[HighBits], &mem],
            Category::Store { .. } => &[&access, &mem],
            Category::MemorySize => &[&mem],
            Category::MemoryGrow => &[&[Succeeds, Fails, DeltaZero], &mem],
            Category::MemoryFill => &[
                &[
                    Trap(T::MemoryOutOfBounds),
                    LengthZero,
                    AtEnd,
                    LengthZeroAtEnd,
                    OnePast,
                    NonZeroData,
                ],
                &mem,
            ],
            Category::MemoryCopy => &[&[
                Trap(T::MemoryOutOfBounds),
                LengthZero,
                AtEnd,
                OnePast,
                OverlapForward,
                OverlapBackward,
                NonZeroData,
                BetweenMemories,
                Memory64,
            ]],
            Category::MemoryInit => &[
                &[
                    Trap(T::MemoryOutOfBounds),
                    LengthZero,
                    AtEnd,
                    OnePast,
                    SegmentEnd,
                    DroppedSegment,
                    NonZeroData,
                ],
                &mem,
            ],
            Category::TableGet => &[&[Trap(T::TableOutOfBounds), Null, NonNull, LastSlot]],
            Category::TableSet => &[&[Trap(T::TableOutOfBounds), Null, NonNull, LastSlot]],
            Category::TableGrow => &[&[Succeeds, Fails, DeltaZero, NullInit, NonNullInit]],
            Category::TableFill => &[&[
                Trap(T::TableOutOfBounds),
                LengthZero,
                AtEnd,
                OnePast,
                NonNull,
            ]],
            Category::TableCopy => &[&[
                Trap(T::TableOutOfBounds),
                LengthZero,
                AtEnd,
                OnePast,
                OverlapForward,
                OverlapBackward,
                BetweenTables,
            ]],
            Category::TableInit => &[&[
                Trap(T::TableOutOfBounds),
                LengthZero,
                AtEnd,
                OnePast,
                SegmentEnd,
                DroppedSegment,
                NonNull,
            ]],
            Category::RefIsNull => &[&[Null, NonNull]],
            Category::SimdLoad { .. } => &[
                &[
                    Trap(T::MemoryOutOfBounds),
                    AddressZero,
                    LastByte,
                    OnePast,
                    StaticOffset,
                    NonZeroData,
                ],
                &mem,
            ],
            Category::SimdStore { .. } => &[
                &[
                    Trap(T::MemoryOutOfBounds),
                    AddressZero,
                    LastByte,
                    OnePast,
                    StaticOffset,
                    NonZeroData,
                ],
                &mem,
            ],
            Category::Entry => &[&[Trap(T::OutOfFuel)]],
            Category::Exhaustion => &[&[FuelInExportedFunction, FuelInNestedCall]],
            Category::Wasi { ok, err } => match (ok, err) {
                (true, true) => &[&[Success, Errno]],
                (true, false) => &[&[Success]],
                (false, true) => &[&[Errno]],
                (false, false) => &[],
            },
        };
        v.iter().flat_map(|s| s.iter().copied()).collect()
    }
}

/// Whether a cell counts toward the percentage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Counted,
    /// Its proposal is not enabled in this build (named).
    NotEnabled(&'static str),
}

/// One cell: `operator` (it ran) or `operator/class`.
#[derive(Clone, Debug)]
pub struct Cell {
    pub name: String,
    pub status: Status,
}

/// One operator (or pseudo-operator) and where its cells start.
#[derive(Clone, Debug)]
pub struct OpCells {
    pub name: String,
    pub category: Category,
    /// Width in bits of the values it works on (32 or 64; 0 where none).
    pub bits: u8,
    /// Index of its "ran" cell (pseudo-operators that only have classes
    /// have none).
    pub ran: Option<u32>,
    /// Index of its first class cell; the rest follow in [`OpCells::classes`] order.
    pub first: u32,
    pub classes: Vec<Class>,
}

impl OpCells {
    /// The cell index of `class`, if this operator has it.
    #[inline]
    pub fn cell(&self, class: Class) -> Option<u32> {
        let i = self.classes.iter().position(|&c| c == class)?;
        Some(self.first + i as u32)
    }
}

/// Handle of an operator in the [`Layout`].
pub type OpRef = u16;

/// Every cell of this build, in a fixed order (the same in every process
/// of one binary, so workers can send cell indices).
#[derive(Debug)]
pub struct Layout {
    pub ops: Vec<OpCells>,
    pub cells: Vec<Cell>,
    /// [`OpId`] as an index -> its operator, if in scope.
    by_id: Vec<Option<OpRef>>,
    /// WASI function name -> its operator; the last entry is the stub.
    wasi: Vec<(&'static str, OpRef)>,
    pub entry: OpRef,
    pub exhaustion: OpRef,
}

macro_rules! define_op_ids {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// Every operator wasmparser knows, as a plain index.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u16)]
        pub enum OpId { $($op,)* }

        /// `(visit method, proposal)` of each [`OpId`], in order.
        const OPERATORS: &[(&str, &str)] = &[$((stringify!($visit), stringify!($proposal)),)*];

        /// The id of a decoded operator.
        pub fn op_id(op: &wasmparser::Operator) -> Option<OpId> {
            match op {
                $(wasmparser::Operator::$op { .. } => Some(OpId::$op),)*
                _ => None,
            }
        }
    };
}
wasmparser::for_each_operator!(define_op_ids);

/// Proposals whose operators get cells, with the feature each needs.
const PROPOSALS: &[(&str, &str, WasmFeatures)] = &[
    ("mvp", "", WasmFeatures::empty()),
    (
        "sign_extension",
        "sign extension",
        WasmFeatures::SIGN_EXTENSION,
    ),
    (
        "saturating_float_to_int",
        "saturating float-to-int",
        WasmFeatures::SATURATING_FLOAT_TO_INT,
    ),
    ("bulk_memory", "bulk memory", WasmFeatures::BULK_MEMORY),
    (
        "reference_types",
        "reference types",
        WasmFeatures::REFERENCE_TYPES,
    ),
    ("simd", "SIMD", WasmFeatures::SIMD),
    ("tail_call", "tail calls", WasmFeatures::TAIL_CALL),
];

/// The WASI functions the runtime implements, and whether each can succeed
/// and fail (see `crate::wasi::dispatch`); the last entry stands for every
/// other name, a stub returning `ENOSYS`.
const WASI: &[(&str, bool, bool)] = &[
    ("args_get", true, true),
    ("args_sizes_get", true, true),
    ("environ_get", true, true),
    ("environ_sizes_get", true, true),
    ("clock_res_get", true, true),
    ("clock_time_get", true, true),
    ("fd_write", true, true),
    ("fd_read", true, true),
    ("fd_close", true, true),
    ("fd_seek", false, true),
    ("fd_tell", false, true),
    ("fd_fdstat_get", true, true),
    ("fd_prestat_get", false, true),
    ("fd_prestat_dir_name", false, true),
    ("random_get", true, true),
    ("poll_oneoff", true, true),
    ("sched_yield", true, false),
    ("proc_exit", false, false),
    ("(enosys-stub)", false, true),
];

/// Prefixes written `prefix.rest` in the text format.
const DOTTED: &[&str] = &[
    "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
    "local", "global", "memory", "table", "ref", "data", "elem",
];

/// The text-format name of an operator from its visit method's name.
pub fn text_name(visit: &str) -> String {
    let raw = visit.strip_prefix("visit_").unwrap_or(visit);
    if raw == "typed_select" {
        return "select_t".into();
    }
    match raw.split_once('_') {
        Some((prefix, rest)) if DOTTED.contains(&prefix) => format!("{prefix}.{rest}"),
        _ => raw.to_string(),
    }
}

/// The category of an operator by its text name, `None` for operators
/// that get no cells (outside the proposals in scope, or unusable).
pub fn category_of(name: &str) -> Option<Category> {
    use Category as C;
    let (ty, op) = name.split_once('.').unwrap_or(("", name));
    let int = matches!(ty, "i32" | "i64");
    let float = matches!(ty, "f32" | "f64");
    let bits = |t: &str| if t.ends_with("64") { 64 } else { 32 };
    // SIMD: memory accesses have positions; lanes are not classified yet.
    if ty == "v128" || ty.contains('x') {
        return Some(match (ty, op) {
            ("v128", o) if o.starts_with("load") || o.starts_with("store") => {
                let lane = o.ends_with("_lane");
                let width = match o {
                    "load" | "store" => 16,
                    _ if o.contains('x') => 8,
                    _ => {
                        let digits: String = o
                            .chars()
                            .skip_while(|c| !c.is_ascii_digit())
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        digits.parse::<u8>().ok()? / 8
                    }
                };
                if o.starts_with("load") {
                    C::SimdLoad { width, lane }
                } else {
                    C::SimdStore { width, lane }
                }
            }
            _ => C::Plain,
        });
    }
    Some(match (ty, op) {
        ("", "unreachable") => C::Unreachable,
        ("", "loop") => C::Loop,
        ("", "if") => C::If,
        ("", "br") => C::Br,
        ("", "br_if") => C::BrIf,
        ("", "br_table") => C::BrTable,
        ("", "select" | "select_t") => C::Select,
        ("", "call") => C::Call,
        ("", "call_indirect") => C::CallIndirect,
        ("", "return_call") => C::ReturnCall,
        ("", "return_call_indirect") => C::ReturnCallIndirect,
        ("", "typed_select_multi") => return None,
        ("", _) | ("local" | "global", _) => C::Plain,
        (_, "const") => C::Plain,
        ("memory", "size") => C::MemorySize,
        ("memory", "grow") => C::MemoryGrow,
        ("memory", "fill") => C::MemoryFill,
        ("memory", "copy") => C::MemoryCopy,
        ("memory", "init") => C::MemoryInit,
        ("table", "get") => C::TableGet,
        ("table", "set") => C::TableSet,
        ("table", "grow") => C::TableGrow,
        ("table", "fill") => C::TableFill,
        ("table", "copy") => C::TableCopy,
        ("table", "init") => C::TableInit,
        ("ref", "is_null") => C::RefIsNull,
        ("memory" | "table" | "ref" | "data" | "elem", _) => C::Plain,
        (_, "add" | "sub" | "mul") if int => C::IntArith,
        (_, "and" | "or" | "xor") => C::IntBitwise,
        (_, "eqz") => C::IntEqz,
        (_, "eq" | "ne" | "lt_u" | "gt_u" | "le_u" | "ge_u") if int => {
            C::IntCompare { signed: false }
        }
        (_, "lt_s" | "gt_s" | "le_s" | "ge_s") => C::IntCompare { signed: true },
        (_, "clz" | "ctz" | "popcnt") => C::IntUnary,
        (_, "div_s" | "div_u" | "rem_s" | "rem_u") => C::IntDiv {
            signed: op.ends_with('s'),
            rem: op.starts_with("rem"),
        },
        (_, "shl" | "shr_u" | "rotl" | "rotr") => C::Shift { signed: false },
        (_, "shr_s") => C::Shift { signed: true },
        (_, "add" | "sub" | "mul" | "div") if float => C::FloatArith,
        (_, "min" | "max") if float => C::FloatMinMax,
        (_, "copysign") => C::FloatCopysign,
        (_, "eq" | "ne" | "lt" | "gt" | "le" | "ge") if float => C::FloatCompare,
        (_, "ceil" | "floor" | "trunc" | "nearest") if float => C::FloatRound,
        (_, "sqrt") if float => C::FloatSqrt,
        (_, "abs" | "neg") if float => C::FloatSign,
        ("i32", "wrap_i64") => C::Wrap,
        ("i64", "extend_i32_s" | "extend_i32_u") => C::ExtendI32 {
            signed: op.ends_with('s'),
        },
        (_, "extend8_s" | "extend16_s" | "extend32_s") => C::SignExtend {
            from: op[6..op.len() - 2].parse().ok()?,
        },
        ("f32", "demote_f64") => C::Demote,
        ("f64", "promote_f32") => C::Promote,
        (_, "reinterpret_f32" | "reinterpret_f64") => C::ReinterpretToInt,
        (_, "reinterpret_i32" | "reinterpret_i64") => C::ReinterpretToFloat,
        (_, o) if int && o.starts_with("trunc_") => C::Trunc {
            signed: o.ends_with('s'),
            sat: o.starts_with("trunc_sat"),
            src: bits(o.trim_end_matches("_s").trim_end_matches("_u")),
        },
        (_, o) if float && o.starts_with("convert_") => {
            let src = bits(o.trim_end_matches("_s").trim_end_matches("_u"));
            // Only an i32 into an f64 is always exact.
            let inexact = !(src == 32 && ty == "f64");
            C::Convert {
                signed: o.ends_with('s'),
                src: if inexact { src } else { 0 },
            }
        }
        (_, o) if (int || float) && o.starts_with("load") => {
            let narrow: Option<u8> = o[4..].split('_').next().and_then(|n| n.parse().ok());
            let width = narrow.map_or(bits(ty) / 8, |n| n / 8);
            C::Load {
                width,
                signed_narrow: o.ends_with("_s"),
                int,
            }
        }
        (_, o) if (int || float) && o.starts_with("store") => {
            let narrow: Option<u8> = o[5..].parse().ok();
            C::Store {
                width: narrow.map_or(bits(ty) / 8, |n| n / 8),
                narrow: narrow.is_some(),
            }
        }
        _ => C::Plain,
    })
}

/// The value width an operator works on, from its name's type.
fn bits_of(name: &str) -> u8 {
    match name.split_once('.').map(|(t, _)| t) {
        Some("i32" | "f32") => 32,
        Some("i64" | "f64") => 64,
        _ => 0,
    }
}

impl Layout {
    fn build() -> Layout {
        let supported = crate::module::supported_features();
        let mut layout = Layout {
            ops: Vec::new(),
            cells: Vec::new(),
            by_id: vec![None; OPERATORS.len()],
            wasi: Vec::new(),
            entry: 0,
            exhaustion: 0,
        };
        for (id, (visit, proposal)) in OPERATORS.iter().enumerate() {
            let Some(&(_, what, feature)) = PROPOSALS.iter().find(|p| p.0 == *proposal) else {
                continue;
            };
            let name = text_name(visit);
            let Some(category) = category_of(&name) else {
                continue;
            };
            let status = match supported.contains(feature) {
                true => Status::Counted,
                false => Status::NotEnabled(what),
            };
            layout.by_id[id] = Some(layout.push(name, category, status));
        }
        layout.entry = layout.push("(entry)".into(), Category::Entry, Status::Counted);
        layout.exhaustion =
            layout.push("(exhaustion)".into(), Category::Exhaustion, Status::Counted);
        for &(name, ok, err) in WASI {
            let op = layout.push(
                format!("wasi:{name}"),
                Category::Wasi { ok, err },
                Status::Counted,
            );
            layout.wasi.push((name, op));
        }
        layout
    }

    fn push(&mut self, name: String, category: Category, status: Status) -> OpRef {
        let supported = crate::module::supported_features();
        let classes = category.classes();
        // `(entry)` and `(exhaustion)` are outcomes only, never "run".
        let ran = match category {
            Category::Entry | Category::Exhaustion => None,
            _ => {
                self.cells.push(Cell {
                    name: name.clone(),
                    status: status.clone(),
                });
                Some(self.cells.len() as u32 - 1)
            }
        };
        let first = self.cells.len() as u32;
        for c in &classes {
            let status = match (&status, c.feature()) {
                (Status::Counted, Some((what, f))) if !supported.contains(f) => {
                    Status::NotEnabled(what)
                }
                _ => status.clone(),
            };
            self.cells.push(Cell {
                name: format!("{name}/{}", c.name()),
                status,
            });
        }
        self.ops.push(OpCells {
            bits: bits_of(&name),
            name,
            category,
            ran,
            first,
            classes,
        });
        (self.ops.len() - 1) as OpRef
    }

    /// The operator a decoded [`OpId`] belongs to, if it has cells.
    #[inline]
    pub fn op(&self, id: OpId) -> Option<OpRef> {
        self.by_id.get(id as usize).copied().flatten()
    }

    /// The pseudo-operator of WASI function `name` (the stub's for names
    /// the runtime does not implement).
    pub fn wasi(&self, name: &str) -> OpRef {
        self.wasi
            .iter()
            .find(|(n, _)| *n == name)
            .or(self.wasi.last())
            .expect("the stub entry exists")
            .1
    }

    /// The index of a cell by name.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.cells.iter().position(|c| c.name == name)
    }
}

/// The cells of this build.
pub fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(Layout::build)
}

/// A result the next instruction will find on top of the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    None,
    /// A grow's result: `fail` means it failed.
    Grow {
        op: OpRef,
        fail: u64,
    },
    /// A WASI call's errno (0 is success).
    Errno {
        op: OpRef,
    },
}

/// Saturation: in a long run, computing an instruction's classes every
/// time it runs costs most of what recording costs, and tells nothing new
/// once each of its classes has been seen many times. When a process turns
/// it on ([`set_sampling`], fuzz workers do), every recorder adds its
/// counts to the process's totals when it is dropped, and an operator whose
/// every class cell has reached the threshold in those totals is
/// *saturated*: later recorders count that it ran, but compute none of its
/// classes (their counts stop growing there). An operator with a class no
/// case has reached yet is never saturated, so no cell is lost: a rare
/// class is looked for as before, and the same cells are covered.
struct Saturation {
    threshold: u64,
    totals: Vec<u64>,
    saturated: Vec<bool>,
}

static SATURATION: std::sync::Mutex<Option<Saturation>> = std::sync::Mutex::new(None);

/// How a long run samples what it records (see [`set_sampling`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Counts per class cell after which an operator is saturated.
    pub saturation: u64,
    /// Instructions whose classes are recorded per call from the host; the
    /// rest of a longer call runs without the per-instruction step (its
    /// traps and exhaustion are still counted, against the right
    /// instruction).
    pub steps_per_call: u64,
}

static STEPS_PER_CALL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(u64::MAX);
static SAMPLING_ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns sampling on for the recorders this process makes from now on, or
/// off (every instruction of every call recorded, in full).
pub fn set_sampling(sampling: Option<Sampling>) {
    let l = layout();
    STEPS_PER_CALL.store(
        sampling.map_or(u64::MAX, |s| s.steps_per_call),
        std::sync::atomic::Ordering::Relaxed,
    );
    SAMPLING_ON.store(sampling.is_some(), std::sync::atomic::Ordering::Relaxed);
    *SATURATION.lock().unwrap_or_else(|p| p.into_inner()) = sampling.map(|s| Saturation {
        threshold: s.saturation,
        totals: vec![0; l.cells.len()],
        saturated: vec![false; l.ops.len()],
    });
}

impl Saturation {
    /// The operators saturated now (none when saturation is off).
    fn current() -> Vec<bool> {
        let guard = SATURATION.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(s) => s.saturated.clone(),
            None => vec![false; layout().ops.len()],
        }
    }

    /// Adds one recorder's counts and marks the operators now saturated.
    fn absorb(counts: &[u64]) {
        let mut guard = SATURATION.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = guard.as_mut() else { return };
        for (total, &c) in s.totals.iter_mut().zip(counts) {
            *total += c;
        }
        for (op, cells) in layout().ops.iter().enumerate() {
            if !s.saturated[op] {
                let first = cells.first as usize;
                s.saturated[op] = s.totals[first..first + cells.classes.len()]
                    .iter()
                    .all(|&t| t >= s.threshold);
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        Saturation::absorb(&self.counts);
    }
}

/// Counts per cell, recorded by one tier while it runs.
pub struct Recorder {
    counts: Vec<u64>,
    /// Per operator: its classes are no longer computed (see [`Saturation`]).
    saturated: Vec<bool>,
    /// Sampling was on when this recorder was made ([`set_sampling`]).
    sampling: bool,
    /// The last operator that started, for traps and exhaustion.
    pub last: Option<OpRef>,
    pub pending: Pending,
    allocs: Option<wasmparser::OperatorsReaderAllocations>,
    /// Which operator stands at an instruction address (direct-mapped by
    /// address): decoding every executed instruction again cost more than
    /// the rest of recording.
    seen: Vec<SeenSlot>,
}

/// One entry of [`Recorder::seen`].
#[derive(Clone, Copy, Debug)]
struct SeenSlot {
    address: usize,
    seen: Seen,
    /// Times its classes were asked for (see [`Recorder::classify_here`]).
    classified: u32,
}

/// See [`Recorder::classify_here`].
pub const CLASSIFY_PER_ADDRESS: u32 = 32;

/// What [`Recorder::seen`] knows about one instruction address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    Unknown,
    /// An operator without cells.
    NoCells,
    Op(OpRef),
}

/// Entries of [`Recorder::seen`] (a power of two).
const SEEN_SLOTS: usize = 4096;

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hit = self.counts.iter().filter(|&&c| c > 0).count();
        write!(f, "Recorder({hit} cells hit)")
    }
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            counts: vec![0; layout().cells.len()],
            saturated: Saturation::current(),
            sampling: SAMPLING_ON.load(std::sync::atomic::Ordering::Relaxed),
            last: None,
            pending: Pending::None,
            allocs: None,
            seen: vec![
                SeenSlot {
                    address: 0,
                    seen: Seen::Unknown,
                    classified: 0,
                };
                SEEN_SLOTS
            ],
        }
    }
}

impl Recorder {
    /// Decodes the operator at `pc` of `code` (a validated body).
    pub fn decode<'a>(&mut self, code: &'a [u8], pc: usize) -> Option<wasmparser::Operator<'a>> {
        // Read alone, `else` is outside any `if`: the reader refuses it.
        if code.get(pc) == Some(&0x05) {
            return Some(wasmparser::Operator::Else);
        }
        let reader = wasmparser::BinaryReader::new(&code[pc..], 0);
        let mut ops = wasmparser::OperatorsReader::new_with_allocs(
            reader,
            self.allocs.take().unwrap_or_default(),
        );
        let op = ops.read().ok();
        self.allocs = Some(ops.into_allocations());
        op
    }

    /// What is known about the instruction at `address` (its byte's
    /// address: the store keeps every module's code alive, so an address
    /// names one instruction for the recorder's whole life).
    #[inline]
    pub fn seen(&self, address: usize) -> Seen {
        let slot = &self.seen[address & (SEEN_SLOTS - 1)];
        if slot.address == address {
            slot.seen
        } else {
            Seen::Unknown
        }
    }

    /// Remembers what stands at `address`.
    #[inline]
    pub fn remember(&mut self, address: usize, seen: Seen) {
        self.seen[address & (SEEN_SLOTS - 1)] = SeenSlot {
            address,
            seen,
            classified: 0,
        };
    }

    /// Whether the classes of the instruction at `address` (already
    /// [`remember`](Self::remember)ed) should be computed this time: with
    /// sampling on, the first [`CLASSIFY_PER_ADDRESS`] times it runs in
    /// this recorder's life and then one time in [`CLASSIFY_PER_ADDRESS`]
    /// (a loop's thousandth iteration rarely shows a class its first ones
    /// did not; a sample of the later ones still sees the last iterations'
    /// edges); every time without sampling.
    #[inline]
    pub fn classify_here(&mut self, address: usize) -> bool {
        if !self.sampling {
            return true;
        }
        let slot = &mut self.seen[address & (SEEN_SLOTS - 1)];
        if slot.address != address {
            return true;
        }
        slot.classified = slot.classified.wrapping_add(1);
        slot.classified <= CLASSIFY_PER_ADDRESS
            || slot.classified.is_multiple_of(CLASSIFY_PER_ADDRESS)
    }

    /// Instructions to record per call from the host (see [`Sampling`]).
    pub fn steps_per_call(&self) -> u64 {
        STEPS_PER_CALL.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `op`'s classes are no longer computed (see [`Saturation`]).
    #[inline]
    pub fn saturated(&self, op: OpRef) -> bool {
        self.saturated[op as usize]
    }

    /// Counts that `op` ran.
    #[inline]
    pub fn ran(&mut self, op: OpRef) {
        if let Some(cell) = layout().ops[op as usize].ran {
            self.counts[cell as usize] += 1;
        }
    }

    /// Counts `class` of `op` (ignored if `op` has no such class).
    #[inline]
    pub fn hit(&mut self, op: OpRef, class: Class) {
        if let Some(cell) = layout().ops[op as usize].cell(class) {
            self.counts[cell as usize] += 1;
        }
    }

    /// Counts the trap `code`, raised with `frames` wasm frames live
    /// (the exported function's frame is 1; 0 before it started).
    pub fn trap(&mut self, code: TrapCode, frames: usize) {
        let l = layout();
        let op = self.last.unwrap_or(l.entry);
        self.hit(op, Class::Trap(code));
        if code == TrapCode::OutOfFuel && frames > 0 {
            let class = match frames {
                1 => Class::FuelInExportedFunction,
                _ => Class::FuelInNestedCall,
            };
            self.hit(l.exhaustion, class);
        }
        self.pending = Pending::None;
    }

    /// Resolves a pending result now on top of the stack.
    #[inline]
    pub fn settle(&mut self, top: Option<u64>) {
        let pending = std::mem::replace(&mut self.pending, Pending::None);
        match (pending, top) {
            (Pending::Grow { op, fail }, Some(v)) => self.hit(
                op,
                if v == fail {
                    Class::Fails
                } else {
                    Class::Succeeds
                },
            ),
            (Pending::Errno { op }, Some(v)) => self.hit(
                op,
                if v as u32 == 0 {
                    Class::Success
                } else {
                    Class::Errno
                },
            ),
            _ => {}
        }
    }

    /// Every count, by cell index.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The non-zero counts as `(cell, count)`, sparse for sending.
    pub fn sparse(&self) -> Vec<(u32, u64)> {
        sparse(&self.counts)
    }
}

/// The non-zero entries of `counts` as `(index, count)`.
pub fn sparse(counts: &[u64]) -> Vec<(u32, u64)> {
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| (i as u32, c))
        .collect()
}

/// Edge classes of one integer operand of `bits` width.
pub fn int_edges(v: u64, bits: u8) -> impl Iterator<Item = Class> {
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let v = v & mask;
    let sign = 1u64 << (bits - 1);
    [
        (v == 0, Class::Zero),
        (v == mask, Class::AllOnes),
        (v == sign, Class::Min),
        (v == sign - 1, Class::Max),
        (v == 1, Class::One),
    ]
    .into_iter()
    .filter_map(|(yes, c)| yes.then_some(c))
}

/// Whether the sign bit of a `bits`-wide integer is set.
#[inline]
pub fn sign_bit(v: u64, bits: u8) -> bool {
    v >> (bits - 1) & 1 == 1
}

/// Whether `a op b` overflows as signed `bits`-wide integers.
pub fn wraps(name_op: &str, a: u64, b: u64, bits: u8) -> bool {
    if bits == 32 {
        let (a, b) = (a as i32, b as i32);
        match name_op {
            "add" => a.checked_add(b).is_none(),
            "sub" => a.checked_sub(b).is_none(),
            _ => a.checked_mul(b).is_none(),
        }
    } else {
        let (a, b) = (a as i64, b as i64);
        match name_op {
            "add" => a.checked_add(b).is_none(),
            "sub" => a.checked_sub(b).is_none(),
            _ => a.checked_mul(b).is_none(),
        }
    }
}

/// Shift-count classes for a count operand of a `bits`-wide shift.
pub fn count_classes(count: u64, bits: u8) -> Option<Class> {
    let count = if bits == 32 {
        count as u32 as u64
    } else {
        count
    };
    let w = bits as u64;
    match count {
        0 => Some(Class::CountZero),
        c if c == w => Some(Class::CountWidth),
        c if sign_bit(c, bits) => Some(Class::CountSignBit),
        c if c > w => Some(Class::CountAboveWidth),
        _ => None,
    }
}

/// A float operand, widened to f64 exactly.
#[derive(Clone, Copy, Debug)]
pub struct Float {
    pub v: f64,
    pub subnormal: bool,
}

impl Float {
    /// The operand in slot `raw` of a `bits`-wide float.
    pub fn of(raw: u64, bits: u8) -> Float {
        if bits == 32 {
            let f = f32::from_bits(raw as u32);
            Float {
                v: f as f64,
                subnormal: f.is_subnormal(),
            }
        } else {
            let f = f64::from_bits(raw);
            Float {
                v: f,
                subnormal: f.is_subnormal(),
            }
        }
    }

    pub fn neg_zero(self) -> bool {
        self.v == 0.0 && self.v.is_sign_negative()
    }
}

/// Classes of one float operand shared by most float categories.
pub fn float_edges(f: Float) -> impl Iterator<Item = Class> {
    [
        (f.v.is_nan(), Class::Nan),
        (f.v.is_infinite(), Class::Inf),
        (f.neg_zero(), Class::NegZero),
        (f.subnormal, Class::Subnormal),
        (f.v.is_finite() && f.v.fract().abs() == 0.5, Class::Half),
        (f.v < 0.0 && f.v > -1.0, Class::NegFraction),
    ]
    .into_iter()
    .filter_map(|(yes, c)| yes.then_some(c))
}

/// The inclusive integral range of a truncation target.
pub fn trunc_range(bits: u8, signed: bool) -> (f64, f64) {
    match (bits, signed) {
        (32, true) => (-2147483648.0, 2147483647.0),
        (32, false) => (0.0, 4294967295.0),
        (_, true) => (-9223372036854775808.0, 9223372036854774784.0),
        (_, false) => (0.0, 18446744073709549568.0),
    }
}

/// Classes of a float-to-integer truncation of `f` (a `src`-bit float)
/// into `bits` bits. "result-max" is the largest result a `src`-bit float
/// can give (an f32 cannot hold `i32::MAX`, say, so that is the truncation
/// of the largest f32 below 2^31).
pub fn trunc_classes(f: Float, src: u8, bits: u8, signed: bool, sat: bool) -> Vec<Class> {
    let (lo, hi) = trunc_range(bits, signed);
    let t = f.v.trunc();
    let mut out = Vec::new();
    if f.v < 0.0 && f.v > -1.0 {
        out.push(Class::NegFraction);
    }
    if sat {
        if f.v.is_nan() {
            out.push(Class::Nan);
        } else if t > hi {
            out.push(Class::AboveRange);
        } else if t < lo {
            out.push(Class::BelowRange);
        }
        return out;
    }
    if !f.v.is_nan() && t >= lo && t <= hi {
        if f.v.fract() != 0.0 {
            out.push(Class::Fraction);
        }
        let bound = 2f64.powi(bits as i32 - signed as i32);
        let below = match src {
            32 => f32::from_bits((bound as f32).to_bits() - 1) as f64,
            _ => f64::from_bits(bound.to_bits() - 1),
        };
        if t == below.trunc() {
            out.push(Class::ResultMax);
        }
        if signed && t == lo {
            out.push(Class::ResultMin);
        }
    }
    out
}

/// Where a memory or table access of `len` units at `start` lies in a
/// space of `size` units (`start` may exceed the index type: it is the
/// sum of address and offset, computed without wrapping).
pub fn range_classes(start: u128, len: u128, size: u128) -> impl Iterator<Item = Class> {
    let end = start + len;
    [
        (len == 0, Class::LengthZero),
        (end == size && len > 0, Class::AtEnd),
        (end == size && len == 0, Class::LengthZeroAtEnd),
        (end == size + 1, Class::OnePast),
    ]
    .into_iter()
    .filter_map(|(yes, c)| yes.then_some(c))
}

/// Position classes of a load or store of `width` bytes at `addr + offset`
/// in a memory of `size` bytes whose index type is `bits` wide.
pub fn access_classes(addr: u64, offset: u64, width: u64, size: u64, bits: u8) -> Vec<Class> {
    let ea = addr as u128 + offset as u128;
    let end = ea + width as u128;
    let size = size as u128;
    let limit = if bits == 64 {
        u64::MAX as u128
    } else {
        u32::MAX as u128
    };
    let with = offset != 0;
    let mut out = Vec::new();
    let mut push = |yes: bool, c: Class| {
        if yes {
            out.push(c)
        }
    };
    push(ea == 0, Class::AddressZero);
    push(end == size && !with, Class::LastByte);
    push(end == size && with, Class::LastByteWithOffset);
    push(end == size + 1 && !with, Class::OnePast);
    push(end == size + 1 && with, Class::OnePastWithOffset);
    push(with && end <= size, Class::StaticOffset);
    push(ea > limit, Class::AddressOverflow);
    out
}

/// Whether `[dst, dst + n)` and `[src, src + n)` overlap, and how.
pub fn overlap(dst: u64, src: u64, n: u64) -> Option<Class> {
    if n == 0 || dst == src {
        return None;
    }
    if src < dst && dst < src.saturating_add(n) {
        Some(Class::OverlapForward)
    } else if dst < src && src < dst.saturating_add(n) {
        Some(Class::OverlapBackward)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_text_format() {
        assert_eq!(text_name("visit_i32_div_s"), "i32.div_s");
        assert_eq!(text_name("visit_br_table"), "br_table");
        assert_eq!(text_name("visit_local_get"), "local.get");
        assert_eq!(
            text_name("visit_i64_trunc_sat_f32_u"),
            "i64.trunc_sat_f32_u"
        );
        assert_eq!(text_name("visit_v128_load8_lane"), "v128.load8_lane");
        assert_eq!(text_name("visit_typed_select"), "select_t");
    }

    #[test]
    fn categories_from_names() {
        use Category as C;
        assert_eq!(
            category_of("i32.div_s"),
            Some(C::IntDiv {
                signed: true,
                rem: false
            })
        );
        assert_eq!(
            category_of("i64.rem_u"),
            Some(C::IntDiv {
                signed: false,
                rem: true
            })
        );
        assert_eq!(
            category_of("i64.load16_s"),
            Some(C::Load {
                width: 2,
                signed_narrow: true,
                int: true
            })
        );
        assert_eq!(
            category_of("f64.store"),
            Some(C::Store {
                width: 8,
                narrow: false
            })
        );
        assert_eq!(
            category_of("i64.store32"),
            Some(C::Store {
                width: 4,
                narrow: true
            })
        );
        assert_eq!(
            category_of("i32.trunc_sat_f64_u"),
            Some(C::Trunc {
                signed: false,
                sat: true,
                src: 64
            })
        );
        assert_eq!(
            category_of("f64.convert_i32_s"),
            Some(C::Convert {
                signed: true,
                src: 0
            })
        );
        assert_eq!(
            category_of("f32.convert_i32_u"),
            Some(C::Convert {
                signed: false,
                src: 32
            })
        );
        assert_eq!(
            category_of("i64.extend16_s"),
            Some(C::SignExtend { from: 16 })
        );
        assert_eq!(
            category_of("v128.load32_zero"),
            Some(C::SimdLoad {
                width: 4,
                lane: false
            })
        );
        assert_eq!(
            category_of("v128.load8x8_s"),
            Some(C::SimdLoad {
                width: 8,
                lane: false
            })
        );
        assert_eq!(
            category_of("v128.store16_lane"),
            Some(C::SimdStore {
                width: 2,
                lane: true
            })
        );
        assert_eq!(category_of("f32x4.add"), Some(C::Plain));
        assert_eq!(category_of("typed_select_multi"), None);
    }

    #[test]
    fn layout_has_every_20_operator_and_marks_simd_by_the_build() {
        let l = layout();
        let counted = |name: &str| {
            let i = l.find(name).unwrap_or_else(|| panic!("no cell {name}"));
            l.cells[i].status == Status::Counted
        };
        for name in [
            "i32.add",
            "i32.div_s/trap:integer-overflow",
            "i64.rem_s/min-by-minus-one",
            "memory.copy/overlap-backward",
            "call_indirect/type-mismatch-same-arity",
            "table.grow/non-null-init",
            "(exhaustion)/out-of-fuel-in-nested-call",
            "wasi:fd_write/errno",
            "loop/trap:out-of-fuel",
        ] {
            assert!(counted(name), "{name}");
        }
        let simd = crate::module::supported_features().contains(WasmFeatures::SIMD);
        assert_eq!(counted("i8x16.swizzle"), simd);
        assert_eq!(counted("v128.load/last-byte"), simd);
        // No cell name twice.
        let mut names: Vec<&str> = l.cells.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn pure_classifiers() {
        assert_eq!(int_edges(0x8000_0000, 32).collect::<Vec<_>>(), [Class::Min]);
        assert_eq!(
            int_edges(u64::MAX, 32).collect::<Vec<_>>(),
            [Class::AllOnes]
        );
        assert!(wraps("add", i32::MAX as u64, 1, 32));
        assert!(!wraps("add", i32::MAX as u64, 1, 64));
        assert_eq!(count_classes(32, 32), Some(Class::CountWidth));
        assert_eq!(count_classes(33, 32), Some(Class::CountAboveWidth));
        assert_eq!(count_classes(0xffff_ffff, 32), Some(Class::CountSignBit));
        assert_eq!(access_classes(65532, 0, 4, 65536, 32), [Class::LastByte]);
        assert_eq!(
            access_classes(65530, 3, 4, 65536, 32),
            [Class::OnePastWithOffset]
        );
        assert_eq!(
            access_classes(u32::MAX as u64, 1, 1, 65536, 32),
            [Class::AddressOverflow]
        );
        assert_eq!(overlap(10, 8, 4), Some(Class::OverlapForward));
        assert_eq!(overlap(8, 10, 4), Some(Class::OverlapBackward));
        assert_eq!(overlap(8, 12, 4), None);
        let f = |v: f64| Float {
            v,
            subnormal: false,
        };
        assert_eq!(
            trunc_classes(f(2147483647.9), 64, 32, true, false),
            [Class::Fraction, Class::ResultMax]
        );
        assert_eq!(
            trunc_classes(f(2147483520.0), 32, 32, true, false),
            [Class::ResultMax]
        );
        assert_eq!(
            trunc_classes(f(9223372036854774784.0), 64, 64, true, false),
            [Class::ResultMax]
        );
        assert_eq!(
            trunc_classes(f(-2147483648.0), 32, 32, true, false),
            [Class::ResultMin]
        );
        assert_eq!(
            trunc_classes(f(-0.5), 32, 32, false, false),
            [Class::NegFraction, Class::Fraction]
        );
        assert_eq!(
            trunc_classes(f(1e10), 64, 32, true, true),
            [Class::AboveRange]
        );
        assert_eq!(
            range_classes(5, 0, 5).collect::<Vec<_>>(),
            [Class::LengthZero, Class::LengthZeroAtEnd]
        );
    }
}
