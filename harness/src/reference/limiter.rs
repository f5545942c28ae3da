//! The reference engines' resource limiter: the same per-memory, per-table
//! and whole-store bounds as our store ([`Limits`]), counted with the same
//! [`BudgetMeter`], so a case runs out of memory budget at the same
//! allocation in every engine (instantiation refused, growth -1).

use tierdiff_runtime::limits::BudgetMeter;
use tierdiff_runtime::Limits;

/// Instances, tables and memories a store may create (wasmi's defaults).
const COUNT_LIMIT: usize = 10_000;

/// One store's limiter.
#[derive(Debug)]
pub struct CaseLimiter {
    meter: BudgetMeter,
    /// One memory's bound in bytes (`max_memory_pages`).
    memory_bytes: u64,
    /// One table's bound in elements.
    table_elements: u64,
}

impl CaseLimiter {
    pub fn new(limits: &Limits) -> CaseLimiter {
        CaseLimiter {
            meter: BudgetMeter::new(limits.memory_budget),
            memory_bytes: BudgetMeter::memory_bytes(limits.max_memory_pages as u64),
            table_elements: limits.max_table_elements as u64,
        }
    }

    /// Whether a memory may grow from `current` to `desired` bytes; charges
    /// the growth when it may. Growth past the memory's own maximum fails
    /// without a charge, as in our store.
    fn memory(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        let (current, desired) = (current as u64, desired as u64);
        desired <= self.memory_bytes
            && maximum.is_none_or(|m| desired <= m as u64)
            && self.meter.charge(desired.saturating_sub(current))
    }

    /// [`CaseLimiter::memory`] for a table, in elements.
    fn table(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        let (current, desired) = (current as u64, desired as u64);
        desired <= self.table_elements
            && maximum.is_none_or(|m| desired <= m as u64)
            && self
                .meter
                .charge(BudgetMeter::table_bytes(desired.saturating_sub(current)))
    }
}

impl wasmi::ResourceLimiter for CaseLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(self.memory(current, desired, maximum))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(self.table(current, desired, maximum))
    }

    fn instances(&self) -> usize {
        COUNT_LIMIT
    }

    fn tables(&self) -> usize {
        COUNT_LIMIT
    }

    fn memories(&self) -> usize {
        COUNT_LIMIT
    }
}

#[cfg(feature = "wasmtime")]
impl wasmtime::ResourceLimiter for CaseLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.memory(current, desired, maximum))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.table(current, desired, maximum))
    }

    fn instances(&self) -> usize {
        COUNT_LIMIT
    }

    fn tables(&self) -> usize {
        COUNT_LIMIT
    }

    fn memories(&self) -> usize {
        COUNT_LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_covers_every_memory_and_table_together() {
        let limits = Limits {
            memory_budget: 3 * 65_536 + 8 * 10,
            ..Limits::default()
        };
        let mut l = CaseLimiter::new(&limits);
        assert!(l.memory(0, 2 * 65_536, None));
        assert!(l.table(0, 10, None));
        assert!(!l.memory(0, 2 * 65_536, None), "past the budget");
        assert!(l.memory(0, 65_536, None), "what is left fits");
        assert!(!l.table(10, 11, None));
        assert!(
            !l.memory(0, 0x10000, Some(0)),
            "past its own maximum: no charge"
        );
    }
}
