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
    /// The memory budget of the whole store, in bytes: every memory's size
    /// plus [`TABLE_ELEMENT_BYTES`] per table element, over all memories
    /// and tables together. Instantiation past it fails with a resource
    /// limit, growth past it returns -1, in every tier and in the
    /// references alike ([`BudgetMeter`]).
    #[serde(default = "default_memory_budget")]
    pub memory_budget: u64,
    /// How the JIT tier compiles this store's instances. Not a limit: it
    /// travels with the limits because those are what every command
    /// carries with a case (finding folders, replay, shrink), so a case
    /// found in one compile mode runs in it everywhere. Other tiers and the
    /// references ignore it.
    #[serde(default, skip_serializing_if = "JitCompile::is_default")]
    pub jit_compile: JitCompile,
    /// How Cranelift compiles this store's code in the JIT tier; not a
    /// limit either, carried for the same reason as `jit_compile`.
    #[serde(default, skip_serializing_if = "JitCodegen::is_default")]
    pub jit_codegen: JitCodegen,
    /// Whether the harness calls the case's exported functions from a
    /// second instance in the same store (its forwarder module), so that
    /// wasm-to-wasm calls between instances are tested. Not a limit, and
    /// the runtime ignores it: it travels with the limits for the reason
    /// [`Limits::jit_compile`] does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub call_through_forwarder: bool,
}

/// When the JIT tier compiles a function (see the JIT's `lazy` module).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JitCompile {
    /// Lazily for instances with at least 1 MiB of code, eagerly below;
    /// `TIERDIFF_JIT_COMPILE=eager|lazy` overrides the size rule.
    #[default]
    BySize,
    /// Every function before the instance's start function runs.
    Eager,
    /// Every function at its first call (through the code table).
    Lazy,
}

impl JitCompile {
    fn is_default(&self) -> bool {
        *self == JitCompile::BySize
    }
}

/// How Cranelift compiles (see the JIT's `Jit::new`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JitCodegen {
    /// The configuration the JIT ships with and is tested in: `opt_level`
    /// `speed` and the backtracking register allocator.
    #[default]
    Tested,
    /// No mid-end optimisation (`opt_level` `none`) and the single-pass
    /// register allocator: a fraction of the compile time, the same IR in,
    /// different machine code out. Fuzz runs use it for a share of cases:
    /// what our translator emits is tested either way, and the share sees
    /// the IR as written rather than as Cranelift's rules rewrite it.
    Quick,
}

impl JitCodegen {
    fn is_default(&self) -> bool {
        *self == JitCodegen::Tested
    }
}

/// What one table element counts for in [`Limits::memory_budget`].
pub const TABLE_ELEMENT_BYTES: u64 = 8;

/// The default [`Limits::memory_budget`]: 1 GiB, far above what real
/// programs start with, far below what a hostile module can declare (eight
/// 4 GiB memories) on a machine that shares its memory with other jobs.
pub const DEFAULT_MEMORY_BUDGET: u64 = 1 << 30;

fn default_memory_budget() -> u64 {
    DEFAULT_MEMORY_BUDGET
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: None,
            max_call_depth: 10_000,
            max_memory_pages: 65_536,
            max_table_elements: 10_000_000,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            jit_compile: JitCompile::BySize,
            jit_codegen: JitCodegen::Tested,
            call_through_forwarder: false,
        }
    }
}

/// Counts a store's memories and tables against [`Limits::memory_budget`].
/// Our store and the reference engines' resource limiters share it, so a
/// case runs out of budget at the same allocation everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetMeter {
    /// Bytes charged so far.
    pub used: u64,
    /// The budget.
    pub limit: u64,
}

impl Default for BudgetMeter {
    fn default() -> BudgetMeter {
        BudgetMeter::new(DEFAULT_MEMORY_BUDGET)
    }
}

impl BudgetMeter {
    /// A meter with nothing charged.
    pub fn new(limit: u64) -> BudgetMeter {
        BudgetMeter { used: 0, limit }
    }

    /// Whether `bytes` more fit.
    pub fn fits(&self, bytes: u64) -> bool {
        self.used
            .checked_add(bytes)
            .is_some_and(|total| total <= self.limit)
    }

    /// Charges `bytes` if they fit; whether they did.
    pub fn charge(&mut self, bytes: u64) -> bool {
        let fits = self.fits(bytes);
        if fits {
            self.used += bytes;
        }
        fits
    }

    /// The bytes `pages` memory pages count for (saturating: a count past
    /// any budget stays past it).
    pub fn memory_bytes(pages: u64) -> u64 {
        pages.saturating_mul(crate::store::PAGE_SIZE as u64)
    }

    /// The bytes `elements` table elements count for.
    pub fn table_bytes(elements: u64) -> u64 {
        elements.saturating_mul(TABLE_ELEMENT_BYTES)
    }
}
