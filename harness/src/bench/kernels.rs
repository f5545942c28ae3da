//! The benchmark kernels: our own C sources in `harness/kernels/`, built by
//! `harness/kernels/build.sh` and embedded here, so a bench needs no compiler.
//! Every kernel exports `run(size: i32) -> i32`, returning a checksum.

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
}

macro_rules! kernel {
    ($name:literal, $about:literal, $size:expr, $quick:expr) => {
        Kernel {
            name: $name,
            about: $about,
            wasm: include_bytes!(concat!("../../kernels/", $name, ".wasm")),
            size: $size,
            quick_size: $quick,
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
];

/// Looks a kernel up by name.
pub fn find(name: &str) -> Option<&'static Kernel> {
    KERNELS.iter().find(|k| k.name == name)
}
