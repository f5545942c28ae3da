//! The internal maps' common contract: lookup accounting, a structural
//! `check()` and a comparable snapshot; and the ExternRef map itself.
//!
//! A violation is a finding even when every engine returns the same value:
//! it is how common-mode bugs (every tier wrong the same way) become visible.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Counts of lookups in one map.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupStats {
    pub hits: u64,
    pub misses: u64,
    /// Lookups with a key the map never issued or can never hold.
    pub invalid_keys: u64,
}

/// A broken invariant in one internal map.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub map: String,
    pub detail: String,
}

impl Violation {
    pub fn new(map: &str, detail: impl Into<String>) -> Violation {
        Violation {
            map: map.to_string(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.map, self.detail)
    }
}

/// What the harness compares across tiers: two tiers that ran the same calls
/// must hold maps with the same keys and entry counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapSnapshot {
    pub name: String,
    pub entries: u64,
    /// The keys in a comparable text form, in map order.
    pub keys: Vec<String>,
    pub stats: LookupStats,
}

/// The contract every internal map fulfils.
pub trait InternalMap {
    /// Stable name used in reports.
    fn name(&self) -> &'static str;
    /// Lookup accounting so far.
    fn stats(&self) -> LookupStats;
    /// Every invariant violation, including invalid-key lookups recorded so far.
    fn check(&self) -> Vec<Violation>;
    /// A comparable picture of the map.
    fn snapshot(&self) -> MapSnapshot;
}

/// Host objects passed into wasm as externrefs.
///
/// Ids are issued from 1 upward; null is never a key (it is
/// [`crate::values::NULL_REF`] in slots and `None` in [`crate::Val`]).
/// Every externref leaving wasm is looked up here: an id never issued
/// (for example 0 from a zero-initialised local) is a violation.
#[derive(Debug, Default)]
pub struct ExternRefMap {
    /// `payloads[i]` is the host payload of id `i + 1`.
    payloads: Vec<u64>,
    stats: LookupStats,
    invalid: Vec<Violation>,
}

impl ExternRefMap {
    /// Issues a fresh id for a host payload.
    pub fn issue(&mut self, payload: u64) -> crate::ExternId {
        self.payloads.push(payload);
        crate::ExternId(self.payloads.len() as u32)
    }

    /// Returns the id already issued for `payload`, or issues one.
    pub fn intern(&mut self, payload: u64) -> crate::ExternId {
        match self.payloads.iter().position(|&p| p == payload) {
            Some(i) => crate::ExternId(i as u32 + 1),
            None => self.issue(payload),
        }
    }

    /// Looks up the payload of an id, recording an invalid-key lookup (and a
    /// violation naming `context`) when the id was never issued.
    pub fn lookup(&mut self, id: crate::ExternId, context: &str) -> Option<u64> {
        match id
            .0
            .checked_sub(1)
            .and_then(|i| self.payloads.get(i as usize))
        {
            Some(&p) => {
                self.stats.hits += 1;
                Some(p)
            }
            None => {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    "externref-map",
                    format!(
                        "{context}: externref id {} was never issued (null is not a key)",
                        id.0
                    ),
                ));
                None
            }
        }
    }

    /// The payload of an id without accounting (for views of values the
    /// store has already checked).
    pub fn peek(&self, id: crate::ExternId) -> Option<u64> {
        id.0.checked_sub(1)
            .and_then(|i| self.payloads.get(i as usize))
            .copied()
    }

    /// Checks a raw externref slot value leaving wasm: null or an issued id.
    pub fn observe_outgoing(&mut self, raw: u64, context: &str) {
        if raw != crate::values::NULL_REF {
            if raw > u32::MAX as u64 {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    "externref-map",
                    format!("{context}: externref slot 0x{raw:x} is neither null nor an id"),
                ));
            } else {
                self.lookup(crate::ExternId(raw as u32), context);
            }
        }
    }

    /// Number of issued ids.
    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    /// Whether no id has been issued.
    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }
}

impl InternalMap for ExternRefMap {
    fn name(&self) -> &'static str {
        "externref-map"
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = self.invalid.clone();
        if self.payloads.len() >= u32::MAX as usize {
            out.push(Violation::new(
                self.name(),
                "id space exhausted: next id would wrap to null",
            ));
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        MapSnapshot {
            name: self.name().into(),
            entries: self.payloads.len() as u64,
            keys: (1..=self.payloads.len()).map(|id| id.to_string()).collect(),
            stats: self.stats,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_start_at_one_and_intern_is_stable() {
        let mut m = ExternRefMap::default();
        assert_eq!(m.issue(10).0, 1);
        assert_eq!(m.intern(20).0, 2);
        assert_eq!(m.intern(10).0, 1);
        assert_eq!(m.lookup(crate::ExternId(2), "t"), Some(20));
        assert!(m.check().is_empty());
    }

    #[test]
    fn id_zero_is_a_named_violation() {
        let mut m = ExternRefMap::default();
        m.issue(5);
        m.observe_outgoing(0, "result of f");
        let v = m.check();
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("id 0 was never issued"), "{v:?}");
        assert!(v[0].detail.contains("result of f"));
        assert_eq!(m.stats().invalid_keys, 1);
    }

    #[test]
    fn null_leaving_wasm_is_fine() {
        let mut m = ExternRefMap::default();
        m.observe_outgoing(crate::values::NULL_REF, "result");
        assert!(m.check().is_empty());
        assert_eq!(m.stats(), LookupStats::default());
    }
}

/// A hasher for the integer keys of hot tier-private maps (the classic
/// tier's block ends are looked up at every taken branch): a multiply and
/// rotate per word instead of SipHash, which cost 2 % of a fuzz run. The
/// keys are the tier's own offsets and indices, not attacker-chosen.
#[derive(Clone, Copy, Debug, Default)]
pub struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A `HashMap` with integer keys hashed by [`IntHasher`].
pub type IntMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;
