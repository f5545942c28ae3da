//! Engines in other processes, through a small versioned protocol: any
//! runtime that speaks it can be diffed against our tiers and the
//! references (`--engines ext:NAME=COMMAND`), and engines that must not
//! share a process with the harness (WAMR's modes, which crash their
//! process when they fail) run behind it too.
//!
//! The protocol (version [`PROTOCOL`]), JSON lines over the adapter's
//! stdin and stdout, one request and one answer per line:
//!
//! | request | answer |
//! |---|---|
//! | `{"op":"hello","protocol":1}` | [`Hello`]: protocol, engine name, semantics, proposals |
//! | `{"op":"instantiate","wasm":HEX,"limits":LIMITS}` | `{"instantiate":RESULT}` ([`InstantiateResult`]) |
//! | `{"op":"call","export":NAME,"args":[VALUE..]}` | `{"call":RESULT}` ([`CallResult`]) |
//! | `{"op":"state"}` | [`State`]: exported globals, memories, tables (and map checks) |
//!
//! Any request may be answered `{"error":MESSAGE}`, which the harness
//! counts as the engine's crash. An instantiate replaces the adapter's
//! previous instance. End of input ends the adapter. Values, results and
//! limits are the harness's own serde forms ([`crate::outcome`],
//! `tierdiff_runtime::Limits`); README's "Testing your own runtime" gives
//! them with examples.
//!
//! [`client`] is the harness side (an [`crate::engine::Engine`] that starts
//! the adapter), [`server`] the adapter side for any engine this binary
//! has (`tierdiff adapter --engine NAME`), which is how the protocol is
//! tested against in-process results.

pub mod client;
pub mod server;

use crate::outcome::{CallResult, InstantiateResult, Value};
use crate::verdict::{hex, unhex};
use serde::{Deserialize, Serialize};
use tierdiff_runtime::{Limits, MapSnapshot, Violation};

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;

/// One request from the harness.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Request {
    Hello {
        protocol: u32,
    },
    Instantiate {
        /// The module, as lowercase hex.
        wasm: String,
        limits: Limits,
    },
    Call {
        export: String,
        args: Vec<Value>,
    },
    State,
}

/// The answer to `hello`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The engine's own name, for messages.
    pub engine: String,
    /// `tierdiff` when the engine follows tierdiff's shared semantics
    /// exactly (fuel, call depth and NaN bits: one of our tiers), else
    /// `own`: then its NaN bits and exhaustion are judged as a
    /// reference's are.
    pub semantics: Semantics,
    /// Proposals it runs, by the names [`crate::adapter::PROPOSALS`]
    /// lists; modules using others are left out for it.
    pub proposals: Vec<String>,
}

/// Whose semantics an engine follows where the spec leaves room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Semantics {
    Tierdiff,
    Own,
}

/// Exported state after a call, and the engine's own internal-map checks
/// (optional: an adapter for a runtime with maps it can check reports
/// them, and broken invariants become findings as ours do).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub globals: Vec<(String, Value)>,
    pub memories: Vec<Memory>,
    pub tables: Vec<(String, Vec<Value>)>,
    /// Every broken invariant so far, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Snapshots of maps the engine shares with engines of the same
    /// semantics (compared only between exact engines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maps: Vec<MapSnapshot>,
}

/// One exported memory: its size and its non-zero runs, so a mostly empty
/// memory costs little on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// `(offset, hex)`: bytes not listed are zero.
    pub runs: Vec<(u64, String)>,
}

impl Memory {
    /// The runs of `bytes` (zero runs shorter than 32 bytes stay inside a run).
    pub fn of(name: &str, bytes: &[u8]) -> Memory {
        const GAP: usize = 32;
        let mut runs = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == 0 {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            while i < bytes.len() && i - end <= GAP {
                if bytes[i] != 0 {
                    end = i + 1;
                }
                i += 1;
            }
            runs.push((start as u64, hex(&bytes[start..end])));
            i = end;
        }
        Memory {
            name: name.to_string(),
            size: bytes.len() as u64,
            runs,
        }
    }

    /// The memory's bytes, or why the runs do not fit its size.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let size = usize::try_from(self.size).map_err(|_| "memory size too large")?;
        let mut out = vec![0; size];
        for (offset, text) in &self.runs {
            let run =
                unhex(text).ok_or_else(|| format!("memory {:?}: a run is not hex", self.name))?;
            let start = usize::try_from(*offset).map_err(|_| "run offset too large")?;
            let dest = start
                .checked_add(run.len())
                .and_then(|end| out.get_mut(start..end))
                .ok_or_else(|| format!("memory {:?}: a run past its size", self.name))?;
            dest.copy_from_slice(&run);
        }
        Ok(out)
    }
}

/// Every answer, as one object with the member its request asked for.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instantiate: Option<InstantiateResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallResult>,
}

/// Proposal names an adapter may list in its hello. WebAssembly 2.0
/// without SIMD is what every engine must run; SIMD is a name here too,
/// since interpreters such as WAMR's classic one lack it.
pub const PROPOSALS: [&str; 7] = [
    "simd",
    "relaxed-simd",
    "tail-call",
    "extended-const",
    "multi-memory",
    "memory64",
    "wide-arithmetic",
];

/// The wasmparser features of proposal `name` (one of [`PROPOSALS`]).
fn feature_of(name: &str) -> Option<wasmparser::WasmFeatures> {
    use wasmparser::WasmFeatures as F;
    Some(match name {
        "simd" => F::SIMD,
        "relaxed-simd" => F::SIMD | F::RELAXED_SIMD,
        "tail-call" => F::TAIL_CALL,
        "extended-const" => F::EXTENDED_CONST,
        "multi-memory" => F::MULTI_MEMORY,
        "memory64" => F::MEMORY64,
        "wide-arithmetic" => F::WIDE_ARITHMETIC,
        _ => return None,
    })
}

/// The wasmparser features of WebAssembly 2.0 without SIMD plus
/// `proposals`; a name not in [`PROPOSALS`] is an error.
pub fn features(proposals: &[String]) -> Result<wasmparser::WasmFeatures, String> {
    let mut features = wasmparser::WasmFeatures::WASM2 - wasmparser::WasmFeatures::SIMD;
    for p in proposals {
        features |= feature_of(p)
            .ok_or_else(|| format!("unknown proposal {p:?} (known: {})", PROPOSALS.join(", ")))?;
    }
    Ok(features)
}

/// The names of [`PROPOSALS`] that `features` has.
pub fn proposals_in(features: wasmparser::WasmFeatures) -> Vec<String> {
    PROPOSALS
        .iter()
        .filter(|p| feature_of(p).is_some_and(|f| features.contains(f)))
        .map(|p| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_travel_as_their_non_zero_runs() {
        let mut bytes = vec![0u8; 4096];
        bytes[3] = 1;
        bytes[10] = 2;
        bytes[4000] = 0xff;
        let m = Memory::of("m", &bytes);
        assert_eq!(m.runs.len(), 2, "{m:?}");
        assert_eq!(m.runs[0], (3, "0100000000000002".into()));
        assert_eq!(m.bytes().unwrap(), bytes);
        assert_eq!(Memory::of("e", &[0; 100]).runs, vec![]);
        let past = Memory {
            name: "x".into(),
            size: 2,
            runs: vec![(1, "0102".into())],
        };
        assert!(past.bytes().is_err());
    }

    #[test]
    fn requests_are_tagged_json_lines() {
        let call = Request::Call {
            export: "f".into(),
            args: vec![Value::I32(-1), Value::F32(0x7fc0_0000)],
        };
        let text = serde_json::to_string(&call).unwrap();
        assert_eq!(
            text,
            r#"{"op":"call","export":"f","args":[{"type":"i32","value":-1},{"type":"f32","value":2143289344}]}"#
        );
        let state: Request = serde_json::from_str(r#"{"op":"state"}"#).unwrap();
        assert!(matches!(state, Request::State));
        // A function the engine cannot name is not null on the wire.
        for (value, text) in [
            (Value::FuncRef(None), r#"{"type":"funcref","value":null}"#),
            (
                Value::FuncRef(Some(Some(3))),
                r#"{"type":"funcref","value":3}"#,
            ),
            (
                Value::FuncRef(Some(None)),
                r#"{"type":"funcref","value":"func"}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&value).unwrap(), text);
            let back: Value = serde_json::from_str(text).unwrap();
            assert_eq!(format!("{back:?}"), format!("{value:?}"));
        }
    }

    #[test]
    fn proposals_map_to_features_and_unknown_names_are_errors() {
        let base = features(&[]).unwrap();
        assert!(!base.contains(wasmparser::WasmFeatures::SIMD));
        assert!(base.contains(wasmparser::WasmFeatures::REFERENCE_TYPES));
        let simd = features(&["simd".into()]).unwrap();
        assert!(simd.contains(wasmparser::WasmFeatures::SIMD));
        let all: Vec<String> = PROPOSALS.iter().map(|p| p.to_string()).collect();
        assert_eq!(proposals_in(features(&all).unwrap()), all);
        assert_eq!(proposals_in(simd), vec!["simd".to_string()]);
        assert!(features(&["gc".into()])
            .unwrap_err()
            .contains("unknown proposal"));
    }
}
