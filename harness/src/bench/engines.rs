//! The engines a kernel runs on, behind one narrow seam: [`BenchEngine::load`]
//! (decode, translate or compile, instantiate) and [`Loaded::run`] (one call
//! of `run`). The two are timed separately by the caller.

use tierdiff_runtime::{Extern, InstanceId, Limits, Linker, Module, Store, TierKind, Val};

/// An engine that can load a kernel.
pub trait BenchEngine {
    /// Name in tables and JSON (`classic`, `wasmi`, `wasmtime`, ...).
    fn name(&self) -> &str;
    /// Loads `wasm` into a fresh instance, ready to call.
    fn load(&self, wasm: &[u8]) -> Result<Box<dyn Loaded>, String>;
}

/// A live kernel instance.
pub trait Loaded {
    /// Calls `run(size)` and returns its checksum.
    fn run(&mut self, size: i32) -> Result<u32, String>;
}

/// Names of every engine this build can benchmark, in table order.
pub fn available() -> Vec<String> {
    let mut names: Vec<String> = TierKind::implemented()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    names.push("wasmi".into());
    if cfg!(feature = "wasmtime") {
        names.push("wasmtime".into());
    }
    if cfg!(tierdiff_native_kernels) {
        names.push("native".into());
    }
    names
}

/// Builds an engine by name; `None` for unknown names (or `wasmtime` in a
/// build without the `wasmtime` feature, or `native` in a build whose C
/// compiler failed).
pub fn build(name: &str) -> Option<Box<dyn BenchEngine>> {
    match name {
        "wasmi" => Some(Box::new(Wasmi)),
        #[cfg(feature = "wasmtime")]
        "wasmtime" => Some(Box::new(super::wasmtime::Wasmtime)),
        #[cfg(tierdiff_native_kernels)]
        "native" => Some(Box::new(super::native::Native)),
        other => {
            let tier = TierKind::parse(other).filter(|t| t.is_implemented())?;
            Some(Box::new(Tier(tier)))
        }
    }
}

/// One of our tiers, through the runtime's public API. `Store::instantiate`
/// includes the tier's translation (fast) or compilation (jit).
struct Tier(TierKind);

struct TierLoaded {
    store: Store,
    run: tierdiff_runtime::FuncAddr,
}

impl BenchEngine for Tier {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn load(&self, wasm: &[u8]) -> Result<Box<dyn Loaded>, String> {
        let module = Module::new(wasm).map_err(|e| e.to_string())?;
        let mut store = Store::new(self.0, Limits::default()).ok_or("tier not built")?;
        let instance: InstanceId = store
            .instantiate(&module, &Linker::default())
            .map_err(|e| format!("{e:?}"))?;
        let Some(Extern::Func(run)) = store.export(instance, "run") else {
            return Err("the kernel exports no function `run`".into());
        };
        Ok(Box::new(TierLoaded { store, run }))
    }
}

impl Loaded for TierLoaded {
    fn run(&mut self, size: i32) -> Result<u32, String> {
        match self.store.invoke(self.run, &[Val::I32(size)]) {
            Ok(results) => match results.as_slice() {
                [Val::I32(x)] => Ok(*x as u32),
                other => Err(format!("`run` returned {other:?}, not one i32")),
            },
            Err(e) => Err(format!("{e:?}")),
        }
    }
}

/// wasmi 2.0 with eager translation (its default translates lazily, inside
/// the first call, which would hide translation in the run time) and no fuel.
struct Wasmi;

struct WasmiLoaded {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<i32, i32>,
}

impl BenchEngine for Wasmi {
    fn name(&self) -> &str {
        "wasmi"
    }

    fn load(&self, wasm: &[u8]) -> Result<Box<dyn Loaded>, String> {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| e.to_string())?;
        let run = instance
            .get_typed_func::<i32, i32>(&store, "run")
            .map_err(|e| e.to_string())?;
        Ok(Box::new(WasmiLoaded { store, run }))
    }
}

impl Loaded for WasmiLoaded {
    fn run(&mut self, size: i32) -> Result<u32, String> {
        self.run
            .call(&mut self.store, size)
            .map(|x| x as u32)
            .map_err(|e| e.to_string())
    }
}
