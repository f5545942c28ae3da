//! Why an instance could not be made ready to run, typed.
//!
//! The loader accepts a module only when every tier declares its features
//! supported; after that, a tier that still cannot translate or compile it
//! says why in one of three ways, so that the harness can judge the
//! refusal instead of guessing from a string:
//!
//! * [`PrepareError::Unsupported`]: the module uses a proposal the runtime
//!   declares unsupported (one of the names the loader refuses with) — only
//!   reachable when a module was loaded with extra features for development;
//! * [`PrepareError::Limit`]: a named limit from [`LimitName`], documented in
//!   README ("Limits") with its value;
//! * [`PrepareError::Internal`]: anything else, which is a bug in the tier.
//!
//! A tier that refuses a module another engine ran is a finding whatever
//! the kind; an internal error is a finding even when every engine refuses.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;
use wasmparser::Operator;

/// A named limit a module or a case can exceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitName {
    /// [`crate::Limits::max_memory_pages`]: a memory's initial size, checked
    /// by the store for every tier.
    MaxMemoryPages,
    /// [`crate::Limits::max_table_elements`]: a table's initial size,
    /// checked by the store for every tier.
    MaxTableElements,
    /// [`crate::Limits::memory_budget`]: the bytes of every memory and
    /// table of the store together, checked by the store for every tier.
    MemoryBudget,
    /// The fast tier's frame (locals plus operand stack, in 64-bit slots)
    /// must stay addressable by a signed 32-bit slot index. wasmparser's own
    /// limits (50,000 locals, 7,654,321-byte bodies) keep every valid module
    /// far below it, so reaching it would itself be a finding.
    FrameSlots,
}

impl LimitName {
    /// Stable kebab-case name, as in reports and signatures.
    pub fn name(self) -> &'static str {
        match self {
            LimitName::MaxMemoryPages => "max-memory-pages",
            LimitName::MaxTableElements => "max-table-elements",
            LimitName::MemoryBudget => "memory-budget",
            LimitName::FrameSlots => "frame-slots",
        }
    }
}

/// A limit and by how much it was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{} of {requested} exceeds the limit of {allowed}", limit.name())]
pub struct LimitExceeded {
    pub limit: LimitName,
    /// What the module asked for.
    pub requested: u64,
    /// The limit's value.
    pub allowed: u64,
}

/// Why a tier could not prepare (translate or compile) an instance.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PrepareError {
    /// A proposal the runtime declares unsupported (a name the loader uses
    /// in `unsupported feature: X`), met at `operator`.
    #[error("unsupported feature: {feature} ({operator})")]
    Unsupported {
        feature: &'static str,
        operator: String,
    },
    /// A named limit.
    #[error("limit: {0}")]
    Limit(LimitExceeded),
    /// A bug in the tier: it could not handle a module it declares supported.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The kind of a [`PrepareError`], for signatures and counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrepareErrorKind {
    Unsupported,
    Limit,
    Internal,
}

impl PrepareErrorKind {
    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            PrepareErrorKind::Unsupported => "unsupported",
            PrepareErrorKind::Limit => "limit",
            PrepareErrorKind::Internal => "internal",
        }
    }
}

impl PrepareError {
    /// Which of the three it is.
    pub fn kind(&self) -> PrepareErrorKind {
        match self {
            PrepareError::Unsupported { .. } => PrepareErrorKind::Unsupported,
            PrepareError::Limit(_) => PrepareErrorKind::Limit,
            PrepareError::Internal(_) => PrepareErrorKind::Internal,
        }
    }

    /// An internal error of `tier`.
    pub fn internal(tier: &str, message: impl fmt::Display) -> PrepareError {
        PrepareError::Internal(format!("{tier} tier: {message}"))
    }

    /// `tier` has no translation for `op`: [`PrepareError::Unsupported`]
    /// when `op` belongs to a proposal the runtime declares unsupported,
    /// else [`PrepareError::Internal`] (the tier lacks what it declared).
    pub fn no_translation(tier: &str, op: &Operator<'_>) -> PrepareError {
        let operator = format!("{op:?}");
        match unsupported_feature(operator_proposal(op)) {
            Some(feature) => PrepareError::Unsupported { feature, operator },
            None => PrepareError::internal(tier, format!("no translation for {operator}")),
        }
    }
}

/// The proposal `op` comes from, as wasmparser's operator table groups
/// them (`mvp`, `simd`, `gc`, `exceptions`, ...).
pub fn operator_proposal(op: &Operator<'_>) -> &'static str {
    macro_rules! proposal_of {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $( Operator::$op { .. } => stringify!($proposal), )*
                _ => "unknown",
            }
        };
    }
    wasmparser::for_each_operator!(proposal_of)
}

/// The loader's name for a proposal the runtime does not support, or
/// `None` for the proposals every tier implements.
fn unsupported_feature(proposal: &str) -> Option<&'static str> {
    match proposal {
        "mvp"
        | "sign_extension"
        | "saturating_float_to_int"
        | "bulk_memory"
        | "reference_types"
        | "tail_call"
        | "simd" => None,
        "relaxed_simd" => Some("relaxed SIMD"),
        "threads" | "shared_everything_threads" | "acquire_release_atomics" => Some("threads"),
        "gc" => Some("GC"),
        "function_references" => Some("function references"),
        "exceptions" | "legacy_exceptions" => Some("exceptions"),
        "wide_arithmetic" => Some("wide arithmetic"),
        "memory_control" => Some("memory control"),
        "stack_switching" => Some("stack switching"),
        "custom_descriptors" => Some("custom descriptors"),
        _ => Some("unknown proposal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_classified_by_their_proposal() {
        assert_eq!(operator_proposal(&Operator::I32Add), "mvp");
        assert_eq!(operator_proposal(&Operator::I8x16Swizzle), "simd");
        assert_eq!(operator_proposal(&Operator::RefI31), "gc");
        assert_eq!(
            operator_proposal(&Operator::ReturnCall { function_index: 0 }),
            "tail_call"
        );
    }

    #[test]
    fn a_missing_translation_is_internal_unless_its_proposal_is_unsupported() {
        let internal = PrepareError::no_translation("fast", &Operator::I32Popcnt);
        assert_eq!(internal.kind(), PrepareErrorKind::Internal);
        assert!(internal.to_string().contains("fast tier"), "{internal}");
        let gc = PrepareError::no_translation("jit", &Operator::RefI31);
        assert_eq!(
            gc,
            PrepareError::Unsupported {
                feature: "GC",
                operator: "RefI31".into()
            }
        );
    }

    #[test]
    fn limits_name_themselves_and_their_values() {
        let e = LimitExceeded {
            limit: LimitName::MaxMemoryPages,
            requested: 70_000,
            allowed: 65_536,
        };
        assert_eq!(
            e.to_string(),
            "max-memory-pages of 70000 exceeds the limit of 65536"
        );
    }
}
