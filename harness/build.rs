//! Builds the benchmark kernels (`kernels/*.c`) as native code with the
//! system C compiler, for the `native` engine of `tierdiff bench`: the same
//! source a wasm compiler starts from, so its time is the ceiling any tier
//! can aim for. Without a working C compiler the build goes on without the
//! native engine (a warning says why) — nothing else depends on it.

use std::path::Path;

/// The kernels, as in `src/bench/kernels.rs`. Each one's `run` is renamed to
/// `tierdiff_native_<name>` so they link side by side.
const KERNELS: &[&str] = &[
    "fib",
    "sieve",
    "matmul",
    "sha256",
    "quicksort",
    "nbody",
    "coremark",
    "interp",
    "vcall",
];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tierdiff_native_kernels)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=kernels/kernel.h");
    println!("cargo::rerun-if-env-changed=TIERDIFF_NO_NATIVE");
    if std::env::var_os("TIERDIFF_NO_NATIVE").is_some() {
        println!("cargo::warning=TIERDIFF_NO_NATIVE is set: `tierdiff bench` has no native engine");
        return;
    }
    for name in KERNELS {
        let source = Path::new("kernels").join(format!("{name}.c"));
        println!("cargo::rerun-if-changed={}", source.display());
        let built = base_build()
            .file(&source)
            .define("run", format!("tierdiff_native_{name}").as_str())
            .try_compile(&format!("tierdiff_native_{name}"));
        if let Err(e) = built {
            return skip(&e);
        }
    }
    let compiler = base_build().get_compiler();
    let version = compiler
        .to_command()
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.lines().next().map(str::to_owned)
        })
        .unwrap_or_else(|| "version unknown".into());
    println!(
        "cargo::rustc-env=TIERDIFF_NATIVE_CC={} -O2 ({version})",
        compiler.path().display()
    );
    println!("cargo::rustc-cfg=tierdiff_native_kernels");
}

/// The flags every kernel is built with. `-O2` as for the wasm build;
/// `-fno-math-errno` lets `sqrt` be one instruction as `f64.sqrt` is, and
/// `-ffp-contract=off` keeps `a * b + c` two roundings as in wasm, so the
/// checksums match the wasm engines'.
fn base_build() -> cc::Build {
    let mut build = cc::Build::new();
    build
        .opt_level(2)
        .debug(false)
        .warnings(false)
        .flag_if_supported("-fno-math-errno")
        .flag_if_supported("-ffp-contract=off")
        .flag_if_supported("-fno-builtin");
    build
}

fn skip(error: &cc::Error) {
    println!(
        "cargo::warning=the benchmark kernels were not built as native code ({error}); \
         `tierdiff bench` will have no native engine"
    );
}
