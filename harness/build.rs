//! Builds the benchmark kernels (`kernels/*.c`) as native code with the
//! system C compiler, for the `native` engine of `tierdiff bench`: the same
//! source a wasm compiler starts from, so its time is the ceiling any tier
//! can aim for. Without a working C compiler the build goes on without the
//! native engine (a warning says why) — nothing else depends on it.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tierdiff_native_kernels)");
    println!("cargo::rerun-if-changed=build.rs");
    // A directory: cargo watches everything in it.
    println!("cargo::rerun-if-changed=kernels");
    println!("cargo::rerun-if-env-changed=TIERDIFF_NO_NATIVE");
    if std::env::var_os("TIERDIFF_NO_NATIVE").is_some() {
        println!("cargo::warning=TIERDIFF_NO_NATIVE is set: `tierdiff bench` has no native engine");
        return;
    }
    // Every `kernels/*.c` (the set `kernels/build.sh` builds to wasm). Each
    // one's `run` is renamed to `tierdiff_native_<name>` so they link side by
    // side, and `native_kernels.rs` maps kernel names to them.
    let names = match kernel_names() {
        Ok(names) => names,
        Err(e) => {
            println!("cargo::warning=cannot list harness/kernels: {e}; `tierdiff bench` will have no native engine");
            return;
        }
    };
    for name in &names {
        let source = Path::new("kernels").join(format!("{name}.c"));
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
    let table = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("native_kernels.rs");
    std::fs::write(&table, lookup_table(&names)).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=tierdiff_native_kernels");
}

/// The names of `kernels/*.c`, sorted.
fn kernel_names() -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir("kernels")? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "c") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Rust source declaring every native `run` and `fn entry(name)` that finds
/// one by kernel name (included by `src/bench/native.rs`).
fn lookup_table(names: &[String]) -> String {
    let mut decls = String::new();
    let mut arms = String::new();
    for name in names {
        decls.push_str(&format!(
            "    fn tierdiff_native_{name}(size: i32) -> u32;\n"
        ));
        arms.push_str(&format!("        \"{name}\" => tierdiff_native_{name},\n"));
    }
    format!(
        "extern \"C\" {{\n{decls}}}\n\n\
         /// The native `run` of the kernel called `name`.\n\
         fn entry(name: &str) -> Option<Entry> {{\n    Some(match name {{\n{arms}        _ => return None,\n    }})\n}}\n"
    )
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
