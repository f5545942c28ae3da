//! The benchmark kernels: our own C sources in `harness/kernels/`, built by
//! `harness/kernels/build.sh` and embedded here, so a bench needs no compiler.
//! Every kernel exports `run(size: i32) -> i32`, returning a checksum.

use wasmparser::WasmFeatures;

/// One kernel and its sizes.
pub struct Kernel {
    pub name: &'static str,
    /// What it exercises and what `size` means.
    pub about: &'static str,
    pub wasm: &'static [u8],
    /// Size for a real measurement: one JIT run takes roughly 0.2–2 s here.
    pub size: i32,
    /// Size for `--quick` (tests, smoke runs): milliseconds even in the classic tier.
    pub quick_size: i32,
    /// A proposal the kernel uses beyond WebAssembly 2.0 without SIMD (its
    /// name and flags): the kernel is benchmarked by default only once the
    /// runtime's loader accepts it.
    pub needs: Option<(&'static str, WasmFeatures)>,
}

impl Kernel {
    /// The proposal this kernel needs that the runtime does not accept
    /// (yet), if any.
    pub fn missing(&self) -> Option<&'static str> {
        let supported = tierdiff_runtime::module::supported_features();
        self.needs
            .filter(|(_, f)| !supported.contains(*f))
            .map(|(name, _)| name)
    }
}

macro_rules! kernel {
    ($name:literal, $about:literal, $size:expr, $quick:expr) => {
        kernel!($name, $about, $size, $quick, None)
    };
    ($name:literal, $about:literal, $size:expr, $quick:expr, $needs:expr) => {
        Kernel {
            name: $name,
            about: $about,
            wasm: include_bytes!(concat!("../../kernels/", $name, ".wasm")),
            size: $size,
            quick_size: $quick,
            needs: $needs,
        }
    };
}

/// Every kernel, in table order.
pub const KERNELS: &[Kernel] = &[
    kernel!("fib", "recursive calls; size = n of fib(n)", 38, 12),
    kernel!(
        "sieve",
        "memory and loops; size = passes of a sieve over 2^20",
        40,
        1
    ),
    kernel!(
        "matmul",
        "f64 multiply-add; size = matrix dimension (max 1024)",
        700,
        12
    ),
    kernel!(
        "sha256",
        "i32 rotates and xors; size = 64-byte blocks compressed",
        1_000_000,
        20
    ),
    kernel!(
        "quicksort",
        "branches, recursion; size = elements sorted",
        3_000_000,
        500
    ),
    kernel!("nbody", "f64 and sqrt; size = time steps", 4_000_000, 50),
    kernel!(
        "coremark",
        "list walk, matrix, state machine, CRC; size = iterations",
        100_000,
        3
    ),
    kernel!(
        "interp",
        "br_table dispatch of a bytecode VM; size = Collatz start values",
        120_000,
        30
    ),
    kernel!(
        "vcall",
        "call_indirect through a vtable; size = passes over 4096 shapes",
        20_000,
        2
    ),
    kernel!(
        "simd",
        "v128: f32 dot/saxpy, u8 blend, histogram; size = passes",
        15_000,
        2,
        Some(("SIMD", WasmFeatures::SIMD))
    ),
];

/// The kernels benchmarked when none are named: those the runtime loads.
pub fn default_selection() -> impl Iterator<Item = &'static Kernel> {
    KERNELS.iter().filter(|k| k.missing().is_none())
}

/// Looks a kernel up by name.
pub fn find(name: &str) -> Option<&'static Kernel> {
    KERNELS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel declares every proposal its wasm uses: it validates with
    /// the baseline plus what it names, and (if it names one) not without.
    #[test]
    fn kernels_declare_the_proposals_they_use() {
        let baseline = WasmFeatures::WASM2.difference(WasmFeatures::SIMD);
        let valid = |f: WasmFeatures, wasm: &[u8]| {
            wasmparser::Validator::new_with_features(f)
                .validate_all(wasm)
                .is_ok()
        };
        for k in KERNELS {
            let needs = k.needs.map_or(WasmFeatures::empty(), |(_, f)| f);
            assert!(valid(baseline.union(needs), k.wasm), "{}", k.name);
            if k.needs.is_some() {
                assert!(!valid(baseline, k.wasm), "{} uses nothing it names", k.name);
            }
        }
    }

    #[test]
    fn the_default_selection_is_what_the_runtime_loads() {
        let names: Vec<&str> = default_selection().map(|k| k.name).collect();
        for k in KERNELS {
            let loads = tierdiff_runtime::Module::new(k.wasm).is_ok();
            assert_eq!(names.contains(&k.name), loads, "{}", k.name);
        }
    }
}
