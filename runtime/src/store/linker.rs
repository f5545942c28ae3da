//! Resolves imports by (module, name).

use super::{Extern, InstanceId, Store};
use std::collections::HashMap;

/// Named externs that imports are resolved against.
#[derive(Debug, Default, Clone)]
pub struct Linker {
    defs: HashMap<(String, String), Extern>,
}

impl Linker {
    /// Defines (or redefines) one import name.
    pub fn define(&mut self, module: &str, name: &str, ext: Extern) {
        self.defs
            .insert((module.to_string(), name.to_string()), ext);
    }

    /// Makes every export of `instance` importable under `module`.
    pub fn define_instance(&mut self, store: &Store, module: &str, instance: InstanceId) {
        for (name, ext) in store.exports(instance) {
            self.define(module, &name, ext);
        }
    }

    /// Looks up an import.
    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs
            .get(&(module.to_string(), name.to_string()))
            .copied()
    }
}
