//! Function types and the TypeRegistry that gives each distinct signature
//! one canonical id, so `call_indirect` compares ids rather than structures.

use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::values::ValType;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| v.iter().map(|t| t.name()).collect::<Vec<_>>().join(" ");
        write!(f, "[{}] -> [{}]", list(&self.params), list(&self.results))
    }
}

/// Canonical id of a function type within one store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TypeId(pub u32);

/// One canonical id per distinct function type.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    types: Vec<FuncType>,
    ids: HashMap<FuncType, TypeId>,
    stats: LookupStats,
    invalid: Vec<Violation>,
}

impl TypeRegistry {
    /// Returns the canonical id of `ty`, registering it on first sight.
    pub fn intern(&mut self, ty: &FuncType) -> TypeId {
        if let Some(&id) = self.ids.get(ty) {
            return id;
        }
        let id = TypeId(self.types.len() as u32);
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }

    /// Resolves an id; an id never issued is recorded as a violation.
    pub fn resolve(&mut self, id: TypeId) -> Option<&FuncType> {
        match self.types.get(id.0 as usize) {
            Some(ty) => {
                self.stats.hits += 1;
                Some(ty)
            }
            None => {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    self.name(),
                    format!("lookup of never-issued type id {}", id.0),
                ));
                None
            }
        }
    }

    /// Resolves without accounting, for read-only views.
    pub fn get(&self, id: TypeId) -> Option<&FuncType> {
        self.types.get(id.0 as usize)
    }

    /// Number of canonical types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether no type is registered.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

impl InternalMap for TypeRegistry {
    fn name(&self) -> &'static str {
        "type-registry"
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = self.invalid.clone();
        if self.ids.len() != self.types.len() {
            out.push(Violation::new(
                self.name(),
                format!(
                    "{} ids for {} types: a type is registered twice",
                    self.ids.len(),
                    self.types.len()
                ),
            ));
        }
        for (ty, id) in &self.ids {
            if self.types.get(id.0 as usize) != Some(ty) {
                out.push(Violation::new(
                    self.name(),
                    format!("id {} does not resolve to {ty}", id.0),
                ));
            }
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        MapSnapshot {
            name: self.name().into(),
            entries: self.types.len() as u64,
            keys: self.types.iter().map(|t| t.to_string()).collect(),
            stats: self.stats,
        }
    }
}
