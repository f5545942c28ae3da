//! WASI host functions in every tier: output, exit and faults reach the embedder unchanged.

use tierdiff_runtime::wasi::{self, WasiConfig, WasiState};
use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind};

const PROGRAM: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func $inner (param i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (local.get 0))
    unreachable)
  (func (export "_start") (call $inner (i32.const 7))))"#;

#[test]
fn proc_exit_surfaces_as_exit_code_in_every_tier() {
    let module = Module::new(&wat::parse_str(PROGRAM).unwrap()).unwrap();
    for tier in TierKind::implemented() {
        let mut store = Store::new(tier, Limits::default()).unwrap();
        let mut linker = Linker::default();
        let state = WasiState::shared(&WasiConfig::default());
        wasi::define(&mut store, &mut linker, &module, state.clone());
        let id = store.instantiate(&module, &linker).unwrap();
        let Some(Extern::Func(start)) = store.export(id, "_start") else {
            panic!("no _start")
        };
        let err = store.invoke(start, &[]).unwrap_err();
        assert_eq!(err.exit_code(), Some(7), "{tier}: {err}");
        let s = state.lock().unwrap();
        assert_eq!(s.stdout, b"hi\n", "{tier}");
        assert_eq!(s.exit_code, Some(7), "{tier}");
    }
}
