//! Trap codes shared by every tier: findings compare codes, never strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why execution stopped abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapCode {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    IndirectCallTypeMismatch,
    IntegerOverflow,
    IntegerDivideByZero,
    InvalidConversionToInteger,
    NullReference,
    CallStackExhausted,
    OutOfFuel,
    /// A host function reported an error of its own.
    HostError,
}

impl TrapCode {
    /// Every code, for tables and tests that must cover them all.
    pub const ALL: [TrapCode; 12] = [
        TrapCode::Unreachable,
        TrapCode::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds,
        TrapCode::IndirectCallToNull,
        TrapCode::IndirectCallTypeMismatch,
        TrapCode::IntegerOverflow,
        TrapCode::IntegerDivideByZero,
        TrapCode::InvalidConversionToInteger,
        TrapCode::NullReference,
        TrapCode::CallStackExhausted,
        TrapCode::OutOfFuel,
        TrapCode::HostError,
    ];

    /// The message the official spec testsuite uses for this trap.
    pub fn spec_message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::NullReference => "null reference",
            TrapCode::CallStackExhausted => "call stack exhausted",
            TrapCode::OutOfFuel => "out of fuel",
            TrapCode::HostError => "host error",
        }
    }

    /// Stable kebab-case name (the serde form), used in signatures and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "memory-out-of-bounds",
            TrapCode::TableOutOfBounds => "table-out-of-bounds",
            TrapCode::IndirectCallToNull => "indirect-call-to-null",
            TrapCode::IndirectCallTypeMismatch => "indirect-call-type-mismatch",
            TrapCode::IntegerOverflow => "integer-overflow",
            TrapCode::IntegerDivideByZero => "integer-divide-by-zero",
            TrapCode::InvalidConversionToInteger => "invalid-conversion-to-integer",
            TrapCode::NullReference => "null-reference",
            TrapCode::CallStackExhausted => "call-stack-exhausted",
            TrapCode::OutOfFuel => "out-of-fuel",
            TrapCode::HostError => "host-error",
        }
    }

    /// Exhaustion traps end runaway programs rather than report a wasm fault.
    pub fn is_exhaustion(self) -> bool {
        matches!(self, TrapCode::CallStackExhausted | TrapCode::OutOfFuel)
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec_message())
    }
}

/// A trap raised while running wasm, with an optional host message.
///
/// # Dev. Note
/// A guest's `proc_exit(n)` unwinds every tier exactly like a host trap
/// (code `HostError`) but carries `exit: Some(n)`, so embedders can tell a
/// requested exit from a fault without every tier learning about WASI: each
/// tier already hands a host function's `Trap` back whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    pub code: TrapCode,
    pub message: Option<String>,
    /// Set when the guest asked to exit the program with this code.
    pub exit: Option<u32>,
}

impl Trap {
    pub fn host(message: impl Into<String>) -> Trap {
        Trap {
            code: TrapCode::HostError,
            message: Some(message.into()),
            exit: None,
        }
    }

    /// The guest ended the program with exit code `code` (WASI `proc_exit`).
    pub fn exit(code: u32) -> Trap {
        Trap {
            code: TrapCode::HostError,
            message: Some(format!("exit({code})")),
            exit: Some(code),
        }
    }
}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Trap {
        Trap {
            code,
            message: None,
            exit: None,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.exit, &self.message) {
            (Some(code), _) => write!(f, "program exited with code {code}"),
            (None, Some(m)) => write!(f, "{}: {m}", self.code),
            (None, None) => write!(f, "{}", self.code),
        }
    }
}

impl std::error::Error for Trap {}
