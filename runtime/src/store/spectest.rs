//! The `spectest` host module exactly as the official testsuite expects it.

use super::{Extern, Linker, Store};
use crate::module::{GlobalType, MemoryType, TableType};
use crate::types::FuncType;
use crate::values::{Val, ValType};
use std::sync::Arc;

/// Adds `spectest`'s functions, globals, table and memory to `store` and `linker`.
pub fn define(store: &mut Store, linker: &mut Linker) {
    use ValType::*;
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType {
            params: params.to_vec(),
            results: vec![],
        };
        let f = store.alloc_host_func(ty, Arc::new(|_, _| Ok(vec![])));
        linker.define("spectest", name, Extern::Func(f));
    }
    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let g = store.alloc_global(GlobalType { ty, mutable: false }, value);
        linker.define("spectest", name, Extern::Global(g));
    }
    let table = store
        .alloc_table(TableType {
            elem: FuncRef,
            min: 10,
            max: Some(20),
            index64: false,
        })
        .expect("spectest table fits any limit");
    linker.define("spectest", "table", Extern::Table(table));
    let memory = store
        .alloc_memory(MemoryType {
            min: 1,
            max: Some(2),
            index64: false,
        })
        .expect("spectest memory fits any limit");
    linker.define("spectest", "memory", Extern::Memory(memory));
}
