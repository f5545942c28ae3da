//! The `native` engine: the kernels' own C source compiled to machine code by
//! the system C compiler when tierdiff was built (see `harness/build.rs`).
//! It runs no wasm. It is the yardstick for the JIT: a wasm compiler cannot be
//! expected to beat the C compiler on the same source, so where native code
//! itself misses a speed target, that target is out of reach of any tier.

use super::engines::{BenchEngine, Loaded};
use super::kernels::KERNELS;

/// The C compiler that built the native kernels, its flags and version.
pub const COMPILER: &str = env!("TIERDIFF_NATIVE_CC");

extern "C" {
    fn tierdiff_native_fib(size: i32) -> u32;
    fn tierdiff_native_sieve(size: i32) -> u32;
    fn tierdiff_native_matmul(size: i32) -> u32;
    fn tierdiff_native_sha256(size: i32) -> u32;
    fn tierdiff_native_quicksort(size: i32) -> u32;
    fn tierdiff_native_nbody(size: i32) -> u32;
    fn tierdiff_native_coremark(size: i32) -> u32;
    fn tierdiff_native_interp(size: i32) -> u32;
    fn tierdiff_native_vcall(size: i32) -> u32;
}

type Entry = unsafe extern "C" fn(i32) -> u32;

/// The native `run` of the kernel called `name`.
fn entry(name: &str) -> Option<Entry> {
    Some(match name {
        "fib" => tierdiff_native_fib,
        "sieve" => tierdiff_native_sieve,
        "matmul" => tierdiff_native_matmul,
        "sha256" => tierdiff_native_sha256,
        "quicksort" => tierdiff_native_quicksort,
        "nbody" => tierdiff_native_nbody,
        "coremark" => tierdiff_native_coremark,
        "interp" => tierdiff_native_interp,
        "vcall" => tierdiff_native_vcall,
        _ => return None,
    })
}

pub struct Native;

struct NativeLoaded(Entry);

impl BenchEngine for Native {
    fn name(&self) -> &str {
        "native"
    }

    /// Finds which built-in kernel `wasm` is; there is nothing to compile.
    fn load(&self, wasm: &[u8]) -> Result<Box<dyn Loaded>, String> {
        let kernel = KERNELS
            .iter()
            .find(|k| k.wasm == wasm)
            .ok_or("the native engine runs only the built-in kernels")?;
        let run = entry(kernel.name)
            .ok_or_else(|| format!("kernel {} has no native build", kernel.name))?;
        Ok(Box::new(NativeLoaded(run)))
    }
}

impl Loaded for NativeLoaded {
    fn run(&mut self, size: i32) -> Result<u32, String> {
        // SAFETY: each kernel's `run` takes any i32 (it clamps the size to
        // its static arrays) and touches only the kernel's own static data.
        // The bench calls kernels from one thread at a time.
        Ok(unsafe { (self.0)(size) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_kernel_has_a_native_entry() {
        for k in KERNELS {
            assert!(entry(k.name).is_some(), "{} has no native entry", k.name);
        }
    }
}
