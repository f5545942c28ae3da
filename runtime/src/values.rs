//! Values as the embedder sees them, and their raw 64-bit slot encoding.
//!
//! Every tier keeps operands in untyped 64-bit slots. References need a null
//! that cannot be confused with a real reference, so null is [`NULL_REF`]
//! (all ones) and *not* 0: a tier that zero-initialises a reference local
//! produces externref id 0 (never issued, caught by the ExternRef map) or
//! funcref address 0 (caught by the reference engine). That is exactly the
//! seed bug tierdiff exists to catch, so the encoding must keep it visible.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The raw slot value of a null reference, the same in every tier.
pub const NULL_REF: u64 = u64::MAX;

/// A value type of WebAssembly 2.0 without SIMD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    FuncRef,
    ExternRef,
}

impl ValType {
    /// Whether values of this type are references (and so start as null).
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    /// The raw slot a local of this type starts with: 0 for numbers, null for references.
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
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero value of a type (null for references).
    pub fn default_for(ty: ValType) -> Val {
        Val::from_raw(ty, ty.default_raw())
    }

    /// Encodes into the shared slot representation.
    pub fn to_raw(&self) -> u64 {
        match *self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(b) => b as u64,
            Val::F64(b) => b,
            Val::FuncRef(None) | Val::ExternRef(None) => NULL_REF,
            Val::FuncRef(Some(a)) => a.0 as u64,
            Val::ExternRef(Some(id)) => id.0 as u64,
        }
    }

    /// Decodes a slot of the given type. Reference slots that are not
    /// [`NULL_REF`] become `Some` unchanged, even if invalid: validity is the
    /// internal maps' business, not the decoder's, so bad ids stay visible.
    pub fn from_raw(ty: ValType, raw: u64) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::FuncRef => Val::FuncRef((raw != NULL_REF).then_some(FuncAddr(raw as u32))),
            ValType::ExternRef => Val::ExternRef((raw != NULL_REF).then_some(ExternId(raw as u32))),
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
            Val::FuncRef(None) => write!(f, "funcref:null"),
            Val::FuncRef(Some(a)) => write!(f, "funcref:{}", a.0),
            Val::ExternRef(None) => write!(f, "externref:null"),
            Val::ExternRef(Some(id)) => write!(f, "externref:{}", id.0),
        }
    }
}
