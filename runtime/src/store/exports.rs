//! The Export map: name -> extern, one entry per export, every entry resolving
//! to a live item of the store.

use super::{Extern, StoreData};
use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use std::collections::HashMap;

/// One instance's exports.
#[derive(Debug, Default, Clone)]
pub struct ExportMap {
    entries: Vec<(String, Extern)>,
    index: HashMap<String, usize>,
    stats: LookupStats,
    /// The snapshot's keys, made once: the harness compares this map after
    /// every call, and its entries change only while instantiating.
    keys: std::sync::OnceLock<Vec<String>>,
}

impl ExportMap {
    /// Adds an export. Names are unique after validation; a duplicate keeps
    /// the first entry so `check()` can report the mismatch.
    pub fn insert(&mut self, name: &str, ext: Extern) {
        self.index
            .entry(name.to_string())
            .or_insert(self.entries.len());
        self.entries.push((name.to_string(), ext));
        self.keys = std::sync::OnceLock::new();
    }

    /// Looks up an export by name, counting hits and misses.
    pub fn get(&mut self, name: &str) -> Option<Extern> {
        match self.index.get(name) {
            Some(&i) => {
                self.stats.hits += 1;
                Some(self.entries[i].1)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// Looks up without accounting.
    pub fn peek(&self, name: &str) -> Option<Extern> {
        self.index.get(name).map(|&i| self.entries[i].1)
    }

    /// Every export in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Extern)> {
        self.entries.iter().map(|(n, e)| (n.as_str(), *e))
    }

    /// Verifies that every entry names a live item of `data`.
    pub fn check_resolves(&self, data: &StoreData) -> Vec<Violation> {
        self.entries
            .iter()
            .filter(|(_, ext)| !data.extern_is_live(*ext))
            .map(|(name, ext)| {
                Violation::new(
                    "export-map",
                    format!("export {name:?} names {ext:?}, which does not exist"),
                )
            })
            .collect()
    }
}

impl InternalMap for ExportMap {
    fn name(&self) -> &'static str {
        "export-map"
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.index.len() != self.entries.len() {
            out.push(Violation::new(
                self.name(),
                format!(
                    "{} names for {} entries",
                    self.index.len(),
                    self.entries.len()
                ),
            ));
        }
        for (name, &i) in &self.index {
            if self.entries.get(i).map(|e| e.0.as_str()) != Some(name.as_str()) {
                out.push(Violation::new(
                    self.name(),
                    format!("index of {name:?} points at the wrong entry"),
                ));
            }
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        MapSnapshot {
            name: self.name().into(),
            entries: self.entries.len() as u64,
            keys: self
                .keys
                .get_or_init(|| {
                    self.entries
                        .iter()
                        .map(|(n, e)| format!("{n}={e:?}"))
                        .collect()
                })
                .clone(),
            stats: self.stats,
        }
    }
}
