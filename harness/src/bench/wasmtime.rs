//! wasmtime 48 (Cranelift, default optimisation) as the JIT's yardstick.
//! Only in builds with the `wasmtime` feature.

use super::engines::{BenchEngine, Loaded};

/// wasmtime with its default configuration: one engine per load, so each
/// load pays for a full compile, as our JIT does.
pub struct Wasmtime;

struct WasmtimeLoaded {
    store: wasmtime::Store<()>,
    run: wasmtime::TypedFunc<i32, i32>,
}

impl BenchEngine for Wasmtime {
    fn name(&self) -> &str {
        "wasmtime"
    }

    fn load(&self, wasm: &[u8]) -> Result<Box<dyn Loaded>, String> {
        let engine = wasmtime::Engine::new(&wasmtime::Config::new()).map_err(|e| e.to_string())?;
        let module = wasmtime::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        let mut store = wasmtime::Store::new(&engine, ());
        let instance =
            wasmtime::Instance::new(&mut store, &module, &[]).map_err(|e| e.to_string())?;
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .map_err(|e| e.to_string())?;
        Ok(Box::new(WasmtimeLoaded { store, run }))
    }
}

impl Loaded for WasmtimeLoaded {
    fn run(&mut self, size: i32) -> Result<u32, String> {
        self.run
            .call(&mut self.store, size)
            .map(|x| x as u32)
            .map_err(|e| e.to_string())
    }
}
