//! Values as the embedder sees them, and their raw 64-bit slot encoding.
//!
//! Every tier keeps operands in untyped 64-bit slots; a `v128` takes two
//! consecutive slots, its low 64 bits first ([`ValType::slots`]), wherever
//! values travel as slots: tier calls, host calls, results. References need a null
//! that cannot be confused with a real reference, so null is [`NULL_REF`]
//! (all ones) and *not* 0: a tier that zero-initialises a reference local
//! produces externref id 0 (never issued, caught by the ExternRef map) or
//! funcref address 0 (caught by the reference engine). That is exactly the
//! seed bug tierdiff exists to catch, so the encoding must keep it visible.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The raw slot value of a null reference, the same in every tier.
pub const NULL_REF: u64 = u64::MAX;

/// A value type of WebAssembly 2.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    /// 128 bits, lanes little-endian (lane 0 in the lowest bits).
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    /// Whether values of this type are references (and so start as null).
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    /// How many 64-bit slots a value of this type takes: 2 for `v128`, else 1.
    pub fn slots(self) -> usize {
        if self == ValType::V128 {
            2
        } else {
            1
        }
    }

    /// The raw slot a local of this type starts with: 0 for numbers (each
    /// of a `v128`'s two slots), null for references.
    pub fn default_raw(self) -> u64 {
        if self.is_ref() {
            NULL_REF
        } else {
            0
        }
    }

    /// The text name used by the spec text format and our CLI.
    pub fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Index of a function in a [`crate::Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FuncAddr(pub u32);

/// An externref id issued by the store's ExternRef map (ids start at 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternId(pub u32);

/// A WebAssembly value. Floats are kept as bits so NaN payloads survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    /// Lanes little-endian: lane 0 of any shape sits in the lowest bits.
    V128(u128),
    FuncRef(Option<FuncAddr>),
    ExternRef(Option<ExternId>),
}

impl Val {
    /// The type of this value.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero value of a type (null for references).
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::V128 => Val::V128(0),
            _ => Val::from_raw(ty, ty.default_raw()),
        }
    }

    /// Encodes a one-slot value into the shared slot representation (a
    /// `v128` gives its low half here: use [`Val::push_slots`] for values of
    /// any type).
    pub fn to_raw(&self) -> u64 {
        match *self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(b) => b as u64,
            Val::F64(b) => b,
            Val::V128(v) => {
                debug_assert!(false, "a v128 takes two slots: use push_slots");
                v as u64
            }
            Val::FuncRef(None) | Val::ExternRef(None) => NULL_REF,
            Val::FuncRef(Some(a)) => a.0 as u64,
            Val::ExternRef(Some(id)) => id.0 as u64,
        }
    }

    /// Appends this value's slots (two for a `v128`, low half first).
    pub fn push_slots(&self, out: &mut Vec<u64>) {
        match *self {
            Val::V128(v) => {
                out.push(v as u64);
                out.push((v >> 64) as u64);
            }
            _ => out.push(self.to_raw()),
        }
    }

    /// Decodes a one-slot value of the given type. Reference slots that are not
    /// [`NULL_REF`] become `Some` unchanged, even if invalid: validity is the
    /// internal maps' business, not the decoder's, so bad ids stay visible.
    /// (A `v128` needs both its slots: see [`Val::from_slots`].)
    pub fn from_raw(ty: ValType, raw: u64) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::V128 => {
                debug_assert!(false, "a v128 takes two slots: use from_slots");
                Val::V128(raw as u128)
            }
            ValType::FuncRef => Val::FuncRef((raw != NULL_REF).then_some(FuncAddr(raw as u32))),
            ValType::ExternRef => Val::ExternRef((raw != NULL_REF).then_some(ExternId(raw as u32))),
        }
    }

    /// Decodes a value of type `ty` from its slots (`ty.slots()` of them).
    pub fn from_slots(ty: ValType, slots: &[u64]) -> Val {
        match ty {
            ValType::V128 => Val::V128(slots[0] as u128 | (slots[1] as u128) << 64),
            _ => Val::from_raw(ty, slots[0]),
        }
    }

    /// Whether this is a null reference.
    pub fn is_null_ref(&self) -> bool {
        matches!(self, Val::FuncRef(None) | Val::ExternRef(None))
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Val::I32(v) => write!(f, "i32:{v}"),
            Val::I64(v) => write!(f, "i64:{v}"),
            Val::F32(b) => write!(f, "f32:{}", crate::text::format_f32(b)),
            Val::F64(b) => write!(f, "f64:{}", crate::text::format_f64(b)),
            Val::V128(v) => write!(f, "v128:0x{v:032x}"),
            Val::FuncRef(None) => write!(f, "funcref:null"),
            Val::FuncRef(Some(a)) => write!(f, "funcref:{}", a.0),
            Val::ExternRef(None) => write!(f, "externref:null"),
            Val::ExternRef(Some(id)) => write!(f, "externref:{}", id.0),
        }
    }
}

/// The slots of `vals`, in order (a `v128` takes two).
pub fn to_slots(vals: &[Val]) -> Vec<u64> {
    let mut out = Vec::with_capacity(vals.len());
    for v in vals {
        v.push_slots(&mut out);
    }
    out
}

/// Decodes values of `types` from their slots, in order. `None` when the
/// slots do not add up to the types' widths.
pub fn from_slots(types: &[ValType], slots: &[u64]) -> Option<Vec<Val>> {
    let mut at = 0;
    let mut out = Vec::with_capacity(types.len());
    for &t in types {
        let next = at + t.slots();
        out.push(Val::from_slots(t, slots.get(at..next)?));
        at = next;
    }
    (at == slots.len()).then_some(out)
}

/// Total slots of a list of types.
pub fn slot_count(types: &[ValType]) -> usize {
    types.iter().map(|t| t.slots()).sum()
}
