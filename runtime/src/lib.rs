//! tierdiff-runtime: a WebAssembly 2.0 runtime (without SIMD) whose
//! execution tiers are independent witnesses of the same semantics.
//!
//! * [`module`] decodes and validates a binary into a shared [`Module`].
//! * [`store`] owns all state; instances, the [`Linker`] and host functions.
//! * [`maps`] are the internal maps whose invariants the harness checks.
//! * [`tiers`] run wasm: the classic interpreter, the fast (slot) interpreter
//!   and, where built, the JIT; [`fault`] holds deliberate bugs for testing.
//!
//! Semantics every tier shares (traps, fuel, call depth, limits, null
//! references) are fixed in the repository's README, "Architecture".

pub mod coverage;
pub mod fault;
pub mod limits;
pub mod maps;
pub mod module;
pub mod nan;
pub mod prepare;
pub mod stack;
pub mod store;
pub mod text;
pub mod tier_paths;
pub mod tiers;
pub mod trap;
pub mod types;
pub mod values;
pub mod wasi;

pub use limits::{JitCodegen, JitCompile, Limits};
pub use maps::{InternalMap, LookupStats, MapSnapshot, Violation};
pub use module::{LoadError, Module};
pub use prepare::{LimitExceeded, LimitName, PrepareError, PrepareErrorKind};
pub use store::{CallError, Extern, InstanceId, InstantiateError, Linker, Store};
pub use tiers::TierKind;
pub use trap::{Trap, TrapCode};
pub use types::{FuncType, TypeId};
pub use values::{ExternId, FuncAddr, Val, ValType, NULL_REF};
