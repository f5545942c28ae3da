//! Helpers shared by the runtime's integration tests.

// Each test binary uses some of them.
#![allow(dead_code)]

use tierdiff_runtime::{
    CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val, Violation,
};

/// What one tier did: the result, the fuel left and any map violations.
pub type Run = (Result<Vec<Val>, TrapCode>, Option<u64>, Vec<Violation>);

/// Instantiates `wat` on `tier` and calls export `name` once.
pub fn run_on(tier: TierKind, limits: Limits, wat: &str, name: &str, args: &[Val]) -> Run {
    let module = Module::new(&wat::parse_str(wat).expect("wat parses")).expect("module loads");
    let mut store = Store::new(tier, limits).expect("tier is implemented");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let result = store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    });
    (result, store.fuel(), store.violations())
}

/// Defines `host.f`, an `(i32) -> i32` host function returning ten times
/// its argument, in `store` and `linker`.
pub fn define_host_times_ten(store: &mut Store, linker: &mut Linker) {
    let host: tierdiff_runtime::store::HostFunc = std::sync::Arc::new(|_, args| match args {
        [Val::I32(v)] => Ok(vec![Val::I32(v.wrapping_mul(10))]),
        _ => unreachable!("validated signature"),
    });
    let ty = tierdiff_runtime::FuncType {
        params: vec![tierdiff_runtime::ValType::I32],
        results: vec![tierdiff_runtime::ValType::I32],
    };
    let host = store.alloc_host_func(ty, host);
    linker.define("host", "f", Extern::Func(host));
}
