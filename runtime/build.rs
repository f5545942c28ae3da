//! Chooses the fast tier's dispatch mode (see `src/tiers/fast/dispatch.rs`).
//!
//! Tail-call dispatch needs LLVM to turn every handler's final call into a
//! jump. It does so at opt-level 2, 3, `s` and `z` on targets whose backend
//! performs sibling calls; at opt-level 0 and 1 the calls stay calls and a
//! long loop would overflow the native stack, so those builds use the loop.
//! So do instrumented builds (cargo-fuzz's `--cfg fuzzing` with
//! sanitizer-coverage, sanitizers): the instrumentation keeps some
//! handlers' final calls calls (seen in a cargo-fuzz build: a load handler
//! ended in `call *%rbx`), and a long fuzz case then overflowed the stack.
//! `TIERDIFF_FAST_DISPATCH=tail|loop` overrides the choice (for measuring
//! both modes, and for proving that the stack test fails where tail calls
//! are not jumps).

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TIERDIFF_FAST_DISPATCH");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo::rustc-check-cfg=cfg(fast_tail_dispatch)");
    let opt = env::var("OPT_LEVEL").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let optimising = matches!(opt.as_str(), "2" | "3" | "s" | "z");
    let sibling_calls = matches!(
        arch.as_str(),
        "x86_64" | "x86" | "aarch64" | "arm" | "riscv64" | "riscv32" | "loongarch64" | "s390x"
    );
    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let instrumented = env::var_os("CARGO_CFG_FUZZING").is_some()
        || env::var_os("CARGO_CFG_SANITIZE").is_some()
        || rustflags.contains("sanitizer")
        || rustflags.contains("sancov");
    let tail = match env::var("TIERDIFF_FAST_DISPATCH").as_deref() {
        Ok("tail") => true,
        Ok("loop") => false,
        Ok(other) => panic!("TIERDIFF_FAST_DISPATCH must be `tail` or `loop`, not `{other}`"),
        Err(_) => optimising && sibling_calls && !instrumented,
    };
    if tail {
        println!("cargo::rustc-cfg=fast_tail_dispatch");
    }
}
