//! Resource limits that every tier enforces at the same points.

use serde::{Deserialize, Serialize};

/// Limits shared by every tier of a store.
///
/// Fuel is charged one unit on entry to every wasm-defined function body and
/// one unit each time a loop header is entered; running out traps
/// `OutOfFuel` *before* that body or iteration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Fuel for one store; `None` means unlimited.
    pub fuel: Option<u64>,
    /// Maximum number of live wasm frames; one more traps `CallStackExhausted`.
    pub max_call_depth: u32,
    /// Upper bound on any memory's size in 64 KiB pages, on top of its declared maximum.
    pub max_memory_pages: u32,
    /// Upper bound on any table's size in elements, on top of its declared maximum.
    pub max_table_elements: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: None,
            max_call_depth: 10_000,
            max_memory_pages: 65_536,
            max_table_elements: 10_000_000,
        }
    }
}
