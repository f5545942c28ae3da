//! Criterion benches for the inner pieces worth tracking: fast-tier
//! translation and JIT compilation of a module, and one differential case.
//! Kept short (few samples) so `cargo bench` stays a quick check.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use tierdiff::{compare, engine, generate};
use tierdiff_runtime::{Limits, Linker, Module, Store, TierKind};

/// The largest kernel: many functions, loops, a switch, memory traffic.
const COREMARK: &[u8] = include_bytes!("../kernels/coremark.wasm");

fn instantiate(tier: TierKind, wasm: &[u8]) {
    let module = Module::new(wasm).expect("the kernel is valid");
    let mut store = Store::new(tier, Limits::default()).expect("tier is built");
    let instance = store
        .instantiate(&module, &Linker::default())
        .expect("the kernel instantiates");
    black_box(instance);
}

fn translation(c: &mut Criterion) {
    for tier in [TierKind::Fast, TierKind::Jit] {
        if !tier.is_implemented() {
            continue;
        }
        let label = match tier {
            TierKind::Jit => "jit compile (coremark.wasm)",
            _ => "fast translate (coremark.wasm)",
        };
        c.bench_function(label, |b| b.iter(|| instantiate(tier, black_box(COREMARK))));
    }
}

fn differential_case(c: &mut Criterion) {
    let engines: Vec<Box<dyn engine::Engine>> = engine::available()
        .iter()
        .filter_map(|n| engine::build(n))
        .collect();
    // A fixed wasm-smith case: the same module every time.
    let input: Vec<u8> = (0..2048u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let wasm = generate::module_from_bytes(&input).wasm;
    c.bench_function("differential case (all engines)", |b| {
        b.iter(|| compare::run_case(black_box(&wasm), &engines, generate::case_limits()))
    });
}

fn short() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = short();
    targets = translation, differential_case
}
criterion_main!(benches);
