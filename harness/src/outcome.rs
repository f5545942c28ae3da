//! What one engine did, in a form every engine can produce and compare.

use serde::{Deserialize, Serialize};
use std::fmt;
use tierdiff_runtime::{PrepareErrorKind, TrapCode};

/// A value in engine-independent form. References are mapped to what two
/// engines can agree on: externrefs to the host payload they carry,
/// funcrefs to null / non-null (and the function index where known).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    I32(i32),
    I64(i64),
    /// Bits, so NaN payloads survive serialisation.
    F32(u32),
    F64(u64),
    /// Lanes little-endian (lane 0 in the lowest bits); serialised as a
    /// `0x` hex string, since JSON numbers cannot hold 128 bits everywhere.
    V128(#[serde(with = "hex_u128")] u128),
    /// `None` is null; `Some(None)` a function whose index this engine
    /// cannot name. Serialised as `null`, the index, or `"func"`.
    FuncRef(#[serde(with = "funcref_repr")] Option<Option<u32>>),
    /// `None` is null; `Some(payload)` the host object's payload.
    ExternRef(Option<u64>),
}

/// The payload reported for an externref whose id the engine's map never issued.
pub const INVALID_EXTERNREF: u64 = u64::MAX;

impl Value {
    /// Equality as the harness compares a reference with the tiers: any
    /// NaN equals any NaN; funcref
    /// indices only when both engines can name them; a `v128` is equal
    /// bit for bit, or lane by lane as `f32x4` or as `f64x2` with any NaN
    /// lane equal to any NaN lane (see [`v128_same`]).
    pub fn same(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::V128(a), Value::V128(b)) => v128_same(a, b),
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
            }
            (Value::FuncRef(Some(Some(a))), Value::FuncRef(Some(Some(b)))) => a == b,
            (Value::FuncRef(Some(_)), Value::FuncRef(Some(_))) => true,
            (a, b) => a.bits_eq(&b),
        }
    }

    /// Equality between our tiers: bit for bit, NaNs included (the NaN
    /// rule, `tierdiff_runtime::nan`, fixes every bit); funcref indices
    /// compare as in [`Value::same`].
    pub fn identical(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::FuncRef(Some(Some(a))), Value::FuncRef(Some(Some(b)))) => a == b,
            (Value::FuncRef(Some(_)), Value::FuncRef(Some(_))) => true,
            (a, b) => a.bits_eq(&b),
        }
    }

    fn bits_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::F32(a), Value::F32(b)) => a == b,
            (Value::F64(a), Value::F64(b)) => a == b,
            (Value::V128(a), Value::V128(b)) => a == b,
            (Value::FuncRef(a), Value::FuncRef(b)) => a == b,
            (Value::ExternRef(a), Value::ExternRef(b)) => a == b,
            _ => false,
        }
    }

    /// A short name of the value's type, for signatures.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::V128(_) => "v128",
            Value::FuncRef(_) => "funcref",
            Value::ExternRef(_) => "externref",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(b) => write!(f, "f32:{}", tierdiff_runtime::text::format_f32(b)),
            Value::F64(b) => write!(f, "f64:{}", tierdiff_runtime::text::format_f64(b)),
            Value::V128(v) => write!(f, "v128:0x{v:032x}"),
            Value::FuncRef(None) => write!(f, "funcref:null"),
            Value::FuncRef(Some(Some(i))) => write!(f, "funcref:func{i}"),
            Value::FuncRef(Some(None)) => write!(f, "funcref:func"),
            Value::ExternRef(None) => write!(f, "externref:null"),
            Value::ExternRef(Some(INVALID_EXTERNREF)) => write!(f, "externref:INVALID"),
            Value::ExternRef(Some(p)) => write!(f, "externref:{p}"),
        }
    }
}

/// Whether two `v128` results agree as the harness judges them.
///
/// The spec lets a float lane's NaN result be any canonical or arithmetic
/// NaN, so two correct engines may differ in a NaN lane's bits, and a
/// result's type does not say its lane shape. Two values agree when their
/// bits are equal, or when viewed as `f32x4` (or as `f64x2`) every lane is
/// either bit-equal or NaN in both. A wrong non-NaN lane is never accepted
/// in either view; the price is that an integer lane whose two values both
/// happen to be NaN patterns of the same float view counts as equal.
/// It judges a reference against the tiers; tiers are compared bit for bit
/// ([`Value::identical`]), as the NaN rule fixes every bit.
pub fn v128_same(a: u128, b: u128) -> bool {
    let f32_lanes = (0..4).all(|i| {
        let (x, y) = ((a >> (32 * i)) as u32, (b >> (32 * i)) as u32);
        x == y || (f32::from_bits(x).is_nan() && f32::from_bits(y).is_nan())
    });
    let f64_lanes = (0..2).all(|i| {
        let (x, y) = ((a >> (64 * i)) as u64, (b >> (64 * i)) as u64);
        x == y || (f64::from_bits(x).is_nan() && f64::from_bits(y).is_nan())
    });
    a == b || f32_lanes || f64_lanes
}

/// Serde for a funcref: `null`, its function index, or `"func"` for a
/// function the engine cannot name (plain `Option<Option<_>>` would write
/// that as `null` too).
mod funcref_repr {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Index(u32),
        Unnamed(Unnamed),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Unnamed {
        Func,
    }

    pub fn serialize<S: Serializer>(v: &Option<Option<u32>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(Some(i)) => Repr::Index(*i).serialize(s),
            Some(None) => Repr::Unnamed(Unnamed::Func).serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
        Ok(Option::<Repr>::deserialize(d)?.map(|r| match r {
            Repr::Index(i) => Some(i),
            Repr::Unnamed(Unnamed::Func) => None,
        }))
    }
}

/// Serde for a `u128` as a `0x`-prefixed hex string.
mod hex_u128 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{v:032x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        u128::from_str_radix(digits, 16).map_err(serde::de::Error::custom)
    }
}

/// How one call ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallResult {
    Returned(Vec<Value>),
    Trapped(TrapCode),
    /// The program ended itself with this exit code (WASI `proc_exit`).
    Exited(u32),
    /// The engine panicked; the message is kept.
    Crashed(String),
}

impl CallResult {
    /// Agreement as the harness judges it (NaN-aware).
    pub fn same(&self, other: &CallResult) -> bool {
        match (self, other) {
            (CallResult::Returned(a), CallResult::Returned(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (CallResult::Trapped(a), CallResult::Trapped(b)) => a == b,
            (CallResult::Exited(a), CallResult::Exited(b)) => a == b,
            _ => false,
        }
    }

    /// Agreement between our tiers: bit for bit ([`Value::identical`]).
    pub fn identical(&self, other: &CallResult) -> bool {
        match (self, other) {
            (CallResult::Returned(a), CallResult::Returned(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.identical(y))
            }
            _ => self.same(other),
        }
    }

    /// Exhaustion ends runaway programs; an engine's own limits may differ.
    pub fn is_exhaustion(&self) -> bool {
        matches!(self, CallResult::Trapped(c) if c.is_exhaustion())
    }

    /// One-line description.
    pub fn describe(&self) -> String {
        match self {
            CallResult::Returned(v) if v.is_empty() => "returned nothing".into(),
            CallResult::Returned(v) => format!(
                "returned {}",
                v.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            CallResult::Trapped(c) => format!("trapped {}", c.name()),
            CallResult::Exited(code) => format!("exited with code {code}"),
            CallResult::Crashed(m) => format!("crashed: {m}"),
        }
    }

    /// A short tag for signatures: `returned`, the trap name, `exit` or `crash`.
    pub fn tag(&self) -> String {
        match self {
            CallResult::Returned(_) => "returned".into(),
            CallResult::Trapped(c) => c.name().into(),
            CallResult::Exited(_) => "exit".into(),
            CallResult::Crashed(_) => "crash".into(),
        }
    }
}

/// How instantiation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstantiateResult {
    Ok,
    /// The module does not load (decode or validation).
    Rejected(String),
    /// An import could not be resolved.
    Unlinkable(String),
    /// A segment or the start function trapped.
    Trapped(TrapCode),
    /// A size exceeds the case's configured limits (memory pages, table
    /// elements), which every engine is given alike.
    Resource(String),
    /// One of our tiers could not translate or compile the module.
    Refused {
        kind: PrepareErrorKind,
        message: String,
    },
    /// A reference's own implementation limit (too many locals, a function
    /// too large to compile, ...): it cannot judge the case, which says
    /// nothing about the tiers.
    EngineLimit(String),
    Crashed(String),
}

impl InstantiateResult {
    /// A short tag for signatures.
    pub fn tag(&self) -> String {
        match self {
            InstantiateResult::Ok => "ok".into(),
            InstantiateResult::Rejected(_) => "rejected".into(),
            InstantiateResult::Unlinkable(_) => "unlinkable".into(),
            InstantiateResult::Trapped(c) => c.name().into(),
            InstantiateResult::Resource(_) => "resource".into(),
            InstantiateResult::Refused { kind, .. } => format!("refused-{}", kind.name()),
            InstantiateResult::EngineLimit(_) => "engine-limit".into(),
            InstantiateResult::Crashed(_) => "crash".into(),
        }
    }

    /// The message behind a failure (`None` for `Ok` and traps).
    pub fn message(&self) -> Option<&str> {
        match self {
            InstantiateResult::Rejected(m)
            | InstantiateResult::Unlinkable(m)
            | InstantiateResult::Resource(m)
            | InstantiateResult::Refused { message: m, .. }
            | InstantiateResult::EngineLimit(m)
            | InstantiateResult::Crashed(m) => Some(m),
            InstantiateResult::Ok | InstantiateResult::Trapped(_) => None,
        }
    }
}

/// What a WASI program left outside its memory after a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasiOutput {
    /// Captured stdout, byte for byte.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The code given to `proc_exit`, if it was called.
    pub exit_code: Option<u32>,
}
