//! Tests of the generators: every module valid under exactly the features
//! it was generated for, determinism, every targeted shape appearing; the
//! modules run in the reference engines in [`references`].

use super::*;
use std::collections::{HashMap, HashSet};
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::Module;
use wasmparser::{Operator, Parser, Payload, Validator};

mod references;

fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as u8
        })
        .collect()
}

const PROPOSALS: [WasmFeatures; 5] = [
    WasmFeatures::SIMD,
    WasmFeatures::TAIL_CALL,
    WasmFeatures::EXTENDED_CONST,
    WasmFeatures::MULTI_MEMORY,
    WasmFeatures::MEMORY64,
];

/// The accepted features without any of [`PROPOSALS`]: what the loader
/// accepted before them, whatever it accepts today.
fn baseline() -> WasmFeatures {
    PROPOSALS
        .iter()
        .fold(supported_features(), |f, p| f.difference(*p))
}

fn valid_with(wasm: &[u8], features: WasmFeatures) -> bool {
    Validator::new_with_features(features)
        .validate_all(wasm)
        .is_ok()
}

fn text(wasm: &[u8]) -> String {
    wasmprinter::print_bytes(wasm).unwrap_or_else(|e| format!("(unprintable: {e})"))
}

#[test]
fn every_generator_makes_valid_supported_modules() {
    let expected: HashSet<Generator> = Generator::ALL
        .into_iter()
        .filter(|g| supported_features().contains(g.needs()))
        .collect();
    let mut seen = HashSet::new();
    for seed in 0..300 {
        let g = module_from_bytes(&bytes(seed, 2048));
        seen.insert(g.generator);
        if let Err(e) = Module::new(&g.wasm) {
            panic!(
                "seed {seed} ({:?}) made a module we reject: {e}\n{}",
                g.generator,
                text(&g.wasm)
            );
        }
    }
    assert_eq!(seen, expected);
}

#[test]
fn with_every_proposal_on_every_generator_appears_and_loads() {
    let all = decodable_features();
    let mut seen = HashSet::new();
    for seed in 0..600 {
        let g = module_from_bytes_with(&bytes(seed, 2048), all);
        seen.insert(g.generator);
        if let Err(e) = Module::new_with_features(&g.wasm, all) {
            panic!(
                "seed {seed} ({:?}) made a module the decoder rejects: {e}\n{}",
                g.generator,
                text(&g.wasm)
            );
        }
    }
    assert_eq!(seen, Generator::ALL.into_iter().collect());
}

/// With one proposal accepted, it is generated (by its targeted generator
/// and the swarm), and no module needs any other.
#[test]
fn a_proposal_is_generated_exactly_when_accepted() {
    for proposal in PROPOSALS {
        let features = baseline().union(proposal);
        let mut used = 0;
        for seed in 0..200 {
            let g = module_from_bytes_with(&bytes(seed, 2048), features);
            assert!(
                valid_with(&g.wasm, features),
                "seed {seed} ({:?}) needs more than {proposal:?}\n{}",
                g.generator,
                text(&g.wasm)
            );
            Module::new_with_features(&g.wasm, features).unwrap();
            if !valid_with(&g.wasm, baseline()) {
                used += 1;
            }
        }
        assert!(used >= 10, "{proposal:?} used by {used} modules of 200");
    }
}

/// With no proposal accepted, the input maps to the same generator as
/// before the proposals were written (the targeted 3.0 buckets go to
/// wasm-smith); buckets 9 and 10 hold the coverage generators.
#[test]
fn without_the_proposals_the_buckets_fall_back_to_wasm_smith() {
    for seed in 0..200 {
        let data = bytes(seed, 512);
        let g = module_from_bytes_with(&data, baseline());
        let expected = match data[0] % 16 {
            0 => Generator::RefLocals,
            1 => Generator::BrTable,
            2 => Generator::SlotPressure,
            3 => Generator::EdgeArith,
            4 => Generator::MemoryEdges,
            9 | 10 => {
                assert!(
                    matches!(
                        g.generator,
                        Generator::NumericSweep
                            | Generator::MemorySweep
                            | Generator::TableSweep
                            | Generator::Pressure
                            | Generator::WasiProgram
                    ),
                    "seed {seed}: {:?}",
                    g.generator
                );
                continue;
            }
            _ => Generator::WasmSmith,
        };
        assert_eq!(g.generator, expected, "seed {seed}");
    }
}

#[test]
fn the_swarm_uses_every_proposal() {
    let all = decodable_features();
    let mut used: HashMap<String, u32> = HashMap::new();
    for seed in 0..400 {
        let g = module_from_bytes_with(&bytes(seed, 4096), all);
        if g.generator != Generator::WasmSmith {
            continue;
        }
        for p in PROPOSALS {
            if !valid_with(&g.wasm, all.difference(p)) {
                *used.entry(format!("{p:?}")).or_default() += 1;
            }
        }
    }
    for p in PROPOSALS {
        assert!(
            used.get(&format!("{p:?}")).is_some_and(|n| *n > 0),
            "no wasm-smith module used {p:?}: {used:?}"
        );
    }
}

#[test]
fn generation_is_deterministic_and_total() {
    for features in [supported_features(), decodable_features()] {
        for seed in 0..60 {
            let data = bytes(seed, 1000);
            let a = module_from_bytes_with(&data, features);
            let b = module_from_bytes_with(&data, features);
            assert_eq!(a.wasm, b.wasm, "seed {seed}");
            assert_eq!(a.generator, b.generator);
        }
        for n in [0, 1, 2, 5, 17] {
            let g = module_from_bytes_with(&bytes(1, n), features);
            Module::new_with_features(&g.wasm, features).unwrap();
        }
    }
    // The targeted generators when the input runs out at once.
    for data in [&[][..], &[0xff; 3][..]] {
        let u = || Unstructured::new(data);
        for wasm in [
            simd::lanes(&mut u()),
            simd::memory(&mut u(), true, true),
            tail_calls::tail_calls(&mut u()),
            ext_const::ext_const(&mut u(), true),
            memories::memory64(&mut u(), true),
            memories::multi_memory(&mut u(), true),
        ] {
            Module::new_with_features(&wasm, decodable_features()).unwrap();
        }
    }
}

#[test]
fn run_modes_take_their_shares_apart_and_are_not_pressure() {
    let cases: Vec<Generated> = (0..800)
        .map(|seed| module_from_bytes_with(&bytes(seed, 200), supported_features()))
        .collect();
    let lazy = |g: &Generated| g.limits.jit_compile == tierdiff_runtime::JitCompile::Lazy;
    let forwarded = |g: &Generated| g.limits.call_through_forwarder;
    let quick = |g: &Generated| g.limits.jit_codegen == tierdiff_runtime::JitCodegen::Quick;
    let count = |pick: &dyn Fn(&Generated) -> bool| cases.iter().filter(|g| pick(g)).count();
    // One in eight (100 of 800 expected) lazy and forwarded, one in two
    // quick, each drawn apart: some cases have two modes, most of each
    // share of one in eight have only its own.
    for (name, n, expected) in [
        ("lazy", count(&lazy), 100),
        ("forwarded", count(&forwarded), 100),
        ("quick", count(&quick), 400),
    ] {
        assert!(
            n * 2 > expected && n * 2 < expected * 3,
            "{name}: {n} of 800"
        );
    }
    let both = count(&|g| lazy(g) && forwarded(g));
    assert!(both < count(&lazy) / 2, "{both} both");
    let lazy_and_quick = count(&|g| lazy(g) && quick(g));
    assert!(
        lazy_and_quick > 0 && lazy_and_quick < count(&lazy),
        "{lazy_and_quick}"
    );
    for g in &cases {
        let plain = Limits {
            jit_compile: tierdiff_runtime::JitCompile::BySize,
            jit_codegen: tierdiff_runtime::JitCodegen::Tested,
            call_through_forwarder: false,
            ..g.limits
        };
        assert_eq!(under_pressure(&g.limits), under_pressure(&plain));
    }
}

/// What a module contains: its operators' names, and tags for what the
/// names do not show (memory indices, operands near 2^32 and 2^64).
fn contents(wasm: &[u8]) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut tag = |t: &str| out.insert(t.to_string());
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("generated modules parse") {
            Payload::MemorySection(reader) => {
                for m in reader {
                    if m.expect("memory type").memory64 {
                        tag("memory64");
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for op in body.get_operators_reader().expect("operators") {
                    let op = op.expect("operator");
                    let debug = format!("{op:?}");
                    match op {
                        Operator::MemoryCopy { dst_mem, src_mem } if dst_mem != src_mem => {
                            tag("copy-between-memories");
                        }
                        Operator::I64Const { value } if value as u64 > u64::MAX - 32 => {
                            tag("i64-near-2^64");
                        }
                        Operator::I64Const { value }
                            if (0xffff_fff0..=0x1_0000_0010).contains(&value) =>
                        {
                            tag("i64-around-2^32");
                        }
                        _ => {}
                    }
                    if let Some(rest) = debug.split("offset: ").nth(1) {
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        if digits.parse::<u64>().is_ok_and(|o| o > u32::MAX as u64) {
                            tag("offset-past-2^32");
                        }
                    }
                    if ["Memory(1)", "Memory(2)", "Memory(3)"]
                        .iter()
                        .any(|m| debug.contains(m))
                    {
                        tag("memory-index");
                    }
                    names.push(
                        debug
                            .chars()
                            .take_while(char::is_ascii_alphanumeric)
                            .collect::<String>(),
                    );
                }
            }
            _ => {}
        }
    }
    out.extend(names);
    out
}

#[test]
fn every_targeted_shape_appears() {
    let all = decodable_features();
    let mut seen: HashMap<Generator, HashSet<String>> = HashMap::new();
    for seed in 0..2000 {
        let g = module_from_bytes_with(&bytes(seed, 3000), all);
        seen.entry(g.generator)
            .or_default()
            .extend(contents(&g.wasm));
    }
    let expect: &[(Generator, &[&str])] = &[
        (
            Generator::SimdLanes,
            &[
                "V128Const",
                "I8x16Shuffle",
                "I8x16Swizzle",
                "V128Bitselect",
                "I8x16Splat",
                "F64x2Splat",
                "I16x8ReplaceLane",
                "I8x16ExtractLaneS",
                "I16x8ExtractLaneU",
                "I8x16NarrowI16x8S",
                "I16x8NarrowI32x4U",
                "I8x16AddSatU",
                "I16x8SubSatS",
                "I32x4TruncSatF32x4S",
                "I32x4TruncSatF64x2UZero",
                "I8x16Bitmask",
                "I64x2Bitmask",
                "I32x4AllTrue",
                "V128AnyTrue",
                "I16x8ExtMulLowI8x16S",
                "I64x2ExtMulHighI32x4U",
                "I32x4ExtAddPairwiseI16x8U",
                "I32x4DotI16x8S",
                "I16x8Q15MulrSatS",
                "F32x4PMin",
                "F64x2PMax",
                "F32x4Nearest",
                "F64x2Floor",
                "F32x4ConvertI32x4U",
                "F64x2ConvertLowI32x4S",
                "F32x4DemoteF64x2Zero",
                "F64x2PromoteLowF32x4",
                "I64x2ShrS",
                "V128Store",
                "V128Load",
            ],
        ),
        (
            Generator::SimdMemory,
            &[
                "V128Load",
                "V128Load8x8S",
                "V128Load32x2U",
                "V128Load8Splat",
                "V128Load64Splat",
                "V128Load32Zero",
                "V128Load64Zero",
                "V128Load8Lane",
                "V128Load64Lane",
                "V128Store",
                "V128Store16Lane",
                "V128Store64Lane",
                "MemoryGrow",
                "memory64",
                "i64-near-2^64",
            ],
        ),
        (
            Generator::TailCalls,
            &["ReturnCall", "ReturnCallIndirect", "Call", "GlobalSet"],
        ),
        (
            Generator::Memory64,
            &[
                "memory64",
                "i64-near-2^64",
                "i64-around-2^32",
                "offset-past-2^32",
                "MemoryGrow",
                "MemoryFill",
                "MemoryCopy",
                "MemoryInit",
                "copy-between-memories",
            ],
        ),
        (
            Generator::MultiMemory,
            &[
                "memory-index",
                "copy-between-memories",
                "MemoryGrow",
                "MemorySize",
                "MemoryFill",
                "MemoryInit",
                "memory64",
            ],
        ),
    ];
    for (generator, shapes) in expect {
        let got = seen.get(generator).cloned().unwrap_or_default();
        let missing: Vec<&&str> = shapes.iter().filter(|s| !got.contains(**s)).collect();
        assert!(missing.is_empty(), "{generator:?} never made {missing:?}");
    }
}

/// WASI programs tail-call host functions (`return_call` and
/// `return_call_indirect`) when tail calls are on, every engine agrees on
/// them, and the classic tier counts those cells; without tail calls the
/// same input gives a WebAssembly 2.0 module.
#[test]
fn wasi_programs_tail_call_host_functions_when_tail_calls_are_on() {
    let layout = tierdiff_runtime::coverage::layout();
    let cells = [
        "return_call/host-callee",
        "return_call_indirect/host-callee",
    ]
    .map(|name| layout.find(name).expect("cell") as u32);
    let engines: Vec<_> = crate::engine::available()
        .iter()
        .map(|n| crate::engine::build_recording(n).unwrap())
        .collect();
    let mut reached = [0u64; 2];
    for seed in 0..40 {
        let data = bytes(seed, 1024);
        let without = wasi_program::module(&mut Unstructured::new(&data), false, false);
        assert!(valid_with(&without, baseline()), "{}", text(&without));
        let with = wasi_program::module(&mut Unstructured::new(&data), true, false);
        let options = crate::compare::CaseOptions {
            wasi: Some(wasi_config()),
            ..crate::compare::CaseOptions::default()
        };
        let out = agreeing_case(&with, &engines, options);
        for (cell, count) in out.coverage {
            for (i, &c) in cells.iter().enumerate() {
                if cell == c {
                    reached[i] += count;
                }
            }
        }
    }
    assert!(reached.iter().all(|&n| n > 0), "{reached:?}");
}

/// With multiple memories on, about a third of the WASI programs export
/// their second memory as `memory` and keep everything there; every engine
/// prints the same bytes from it (WASI uses the export, whatever its
/// index). Without multiple memories the same input gives one memory.
#[test]
fn wasi_programs_may_export_their_second_memory() {
    let engines = crate::engine::available()
        .iter()
        .map(|n| crate::engine::build(n).unwrap())
        .collect::<Vec<_>>();
    let (mut second, mut printed) = (0, 0);
    for seed in 0..30 {
        let data = bytes(seed, 1024);
        let single = wasi_program::module(&mut Unstructured::new(&data), false, false);
        assert!(valid_with(&single, baseline()), "{}", text(&single));
        let wasm = wasi_program::module(&mut Unstructured::new(&data), false, true);
        let module = tierdiff_runtime::Module::new(&wasm).expect("valid");
        if module.memories.len() == 2 {
            second += 1;
            let memory = module.export("memory").expect("exported");
            assert_eq!(memory.index, 1, "{}", text(&wasm));
        } else {
            assert_eq!(wasm, single, "the one-memory form is unchanged");
        }
        let options = crate::compare::CaseOptions {
            wasi: Some(wasi_config()),
            keep_rows: true,
            ..crate::compare::CaseOptions::default()
        };
        let out = agreeing_case(&wasm, &engines, options);
        if module.memories.len() == 2 && out.wasi.values().all(|o| !o.stdout.is_empty()) {
            printed += 1;
        }
    }
    assert!(
        (5..=20).contains(&second),
        "{second} of 30 use a second memory"
    );
    assert!(
        printed > 0,
        "no program on a second memory printed anything"
    );
}

/// With multiple memories on, a third of the SIMD memory modules access a
/// second memory, every engine agrees on them and the classic tier counts
/// SIMD accesses to another memory; without it, the same input gives a
/// module with one memory.
#[test]
fn simd_memory_modules_use_a_second_memory_when_multi_memory_is_on() {
    let layout = tierdiff_runtime::coverage::layout();
    let cell = layout.find("v128.store/other-memory").expect("cell") as u32;
    let engines: Vec<_> = crate::engine::available()
        .iter()
        .map(|n| crate::engine::build_recording(n).unwrap())
        .collect();
    let (mut second, mut reached) = (0, 0);
    for seed in 0..60 {
        let data = bytes(seed, 1024);
        let one = simd::memory(&mut Unstructured::new(&data), false, false);
        assert!(
            valid_with(&one, baseline().union(WasmFeatures::SIMD)),
            "{}",
            text(&one)
        );
        let wasm = simd::memory(&mut Unstructured::new(&data), false, true);
        assert!(valid_with(&wasm, supported_features()), "{}", text(&wasm));
        if text(&wasm).contains("\"mem1\"") {
            second += 1;
        }
        let out = agreeing_case(&wasm, &engines, Default::default());
        reached += out
            .coverage
            .iter()
            .filter(|(c, _)| *c == cell)
            .map(|(_, n)| n)
            .sum::<u64>();
    }
    assert!((10..=35).contains(&second), "{second} of 60 use memory 1");
    assert!(reached > 0);
}

/// NaN-flow modules are valid, make NaNs whose bits reach integers,
/// memory, addresses, branches and table indices, and every engine (the
/// references under the same NaN rule) agrees on them bit for bit.
#[test]
fn nan_flow_modules_agree_bit_for_bit_in_every_engine() {
    let engines: Vec<_> = crate::engine::available()
        .iter()
        .map(|n| crate::engine::build(n).unwrap())
        .collect();
    let mut calls = 0;
    for seed in 0..60 {
        let mut data = bytes(seed, 256);
        data[0] = 0x1b;
        let g = module_from_bytes(&data);
        assert_eq!(g.generator, Generator::NanFlow);
        let out = agreeing_case(&g.wasm, &engines, Default::default());
        calls += out.calls;
    }
    assert!(calls > 200, "{calls} calls");
}

/// The sweeps take the fast tier's specialised rows (tier paths): every
/// address form of loads and stores, and the fused rows of the numeric
/// sweep's shapes; every engine agrees on them and the fast tier's counts
/// reach the case outcome.
#[test]
fn sweeps_take_the_fast_tiers_address_forms_and_fused_rows() {
    let cells = tierdiff_runtime::tier_paths::cells(tierdiff_runtime::TierKind::Fast);
    let engines: Vec<_> = crate::engine::available()
        .iter()
        .map(|n| crate::engine::build_recording(n).unwrap())
        .collect();
    let mut taken: HashSet<&str> = HashSet::new();
    for seed in 0..40 {
        let data = bytes(seed, 2048);
        for wasm in [
            sweep::memory(&mut Unstructured::new(&data)),
            sweep::numeric(&mut Unstructured::new(&data)),
        ] {
            let out = agreeing_case(&wasm, &engines, Default::default());
            for &(i, _) in &out.tier_paths["fast"] {
                taken.insert(cells[i as usize].name.as_str());
            }
        }
    }
    // Every address form of loads and of stores (any width), and the
    // numeric sweep's fused rows.
    let mut missing: Vec<String> = Vec::new();
    for kind in ["Load", "Store"] {
        // Rows end in their form: none (base + c), X, I or C (M: general).
        for form in ['-', 'X', 'I', 'C'] {
            let hit = taken.iter().any(|n| {
                n.contains(kind)
                    && match form {
                        '-' => !n.ends_with(['X', 'I', 'C', 'M']),
                        f => n.ends_with(f),
                    }
            });
            if !hit {
                missing.push(format!("a {kind} row of form {form}"));
            }
        }
    }
    for row in [
        "I32MulAdd",
        "I32ShlAddI",
        "I32AddShlAddI",
        "I32AddI2",
        "LoopFuel",
    ] {
        if !taken.contains(row) {
            missing.push(row.to_string());
        }
    }
    assert!(missing.is_empty(), "rows not taken: {missing:?}");
}

/// Runs `wasm` through `engines` under [`case_limits`] and asserts that
/// they agree (no finding, the module shown if not).
fn agreeing_case(
    wasm: &[u8],
    engines: &[Box<dyn crate::engine::Engine>],
    options: crate::compare::CaseOptions,
) -> crate::compare::CaseOutcome {
    let out = crate::compare::run_case_with(wasm, engines, case_limits(), options);
    assert!(
        out.findings.is_empty(),
        "{:#?}\n{}",
        out.findings,
        text(wasm)
    );
    out
}
