//! Proof that the harness catches bugs: each deliberate runtime fault is
//! reported by a fixed-seed fuzz run within a fixed budget, and an
//! unfaulted runtime gives no findings at all on thousands of modules.
//! Faults in behaviour only fuel pressure, WASI programs or the sweeps
//! reach get a larger budget ([`WIDE_BUDGET`]), still seconds of fuzzing.
//!
//! The fault is process-global, so these tests take a lock.

use std::path::PathBuf;
use std::sync::Mutex;
use tierdiff::compare::FindingKind;
use tierdiff::fuzz::{self, FuzzConfig};
use tierdiff::report::Report;

static FAULT_LOCK: Mutex<()> = Mutex::new(());

/// Cases each faulted run may take to show its fault.
const BUDGET: u64 = 400;

/// Cases for faults that only the generators added for coverage reach
/// (fuel pressure, WASI programs, sweeps): each is a few percent of cases.
const WIDE_BUDGET: u64 = 1500;

fn fuzz(fault: Option<&str>, seed: u64, iterations: u64) -> Report {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out: PathBuf = std::env::temp_dir().join(format!(
        "tierdiff-faults-{}-{}-{seed}",
        std::process::id(),
        fault.unwrap_or("none")
    ));
    let config = FuzzConfig {
        seed,
        shard: (1, 1),
        iterations: Some(iterations),
        time: None,
        engines: tierdiff::engine::available(),
        out: out.clone(),
        fault: fault.map(str::to_string),
        shrink: false,
        jobs: 1,
        generators: None,
        watch: Default::default(),
        profile: Default::default(),
    };
    let report = fuzz::run(
        &config,
        vec!["test".into()],
        true,
        &indicatif::ProgressBar::hidden(),
    )
    .expect("fuzz run");
    fuzz::select_fault(None).unwrap();
    let _ = std::fs::remove_dir_all(&out);
    report
}

fn kinds(report: &Report) -> Vec<(String, Vec<String>)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind.clone(), f.engines.clone()))
        .collect()
}

/// Asserts the run found `kind` between engines that include `engine`.
fn assert_found(fault: &str, kind: FindingKind, engine: &str) {
    let report = fuzz(Some(fault), 7, BUDGET);
    let found = report
        .findings
        .iter()
        .any(|f| f.kind == kind.name() && f.engines.iter().any(|e| e == engine));
    assert!(
        found,
        "{fault}: expected {} involving {engine}, got {:?}",
        kind.name(),
        kinds(&report)
    );
}

#[test]
fn common_mode_ref_locals_zero_is_caught_by_invariants_and_the_reference() {
    let report = fuzz(Some("ref-locals-zero"), 7, BUDGET);
    let has = |kind: FindingKind| report.findings.iter().any(|f| f.kind == kind.name());
    assert!(has(FindingKind::InvariantViolation), "{:?}", kinds(&report));
    assert!(
        has(FindingKind::ReferenceDisagreement),
        "{:?}",
        kinds(&report)
    );
    // Every tier is wrong the same way, so no tier-vs-tier finding may appear.
    assert!(
        !has(FindingKind::ResultMismatch) && !has(FindingKind::TrapMismatch),
        "{:?}",
        kinds(&report)
    );
    let violation = report
        .findings
        .iter()
        .find(|f| f.kind == "invariant-violation")
        .unwrap();
    assert!(
        violation
            .message
            .contains("externref id 0 was never issued"),
        "{}",
        violation.message
    );
}

#[test]
fn common_mode_grow_ignores_max_is_a_reference_disagreement() {
    let report = fuzz(Some("grow-ignores-max"), 7, BUDGET);
    let found = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ReferenceDisagreement.name())
        .unwrap_or_else(|| panic!("{:?}", kinds(&report)));
    assert!(found.engines.iter().any(|e| e == "wasmi"));
    // The tie-breaker does not clear a common-mode bug: wasmtime sides with wasmi.
    if tierdiff::engine::TIEBREAKER.is_some() {
        assert!(
            found.message.contains("wasmtime differs from the tiers"),
            "{}",
            found.message
        );
    }
    assert_eq!(
        report.exit_code(false),
        1,
        "a common-mode bug fails the run"
    );
}

/// Extended constants are evaluated by the store for every tier, so a bug
/// there is common mode: only the references see it.
#[test]
fn common_mode_const_sub_as_add_is_a_reference_disagreement() {
    assert_found(
        "const-sub-as-add",
        FindingKind::ReferenceDisagreement,
        "wasmi",
    );
}

#[test]
fn classic_rem_s_sign() {
    assert_found("classic-rem-s-sign", FindingKind::ResultMismatch, "classic");
}

#[test]
fn classic_br_table_default() {
    assert_found(
        "classic-br-table-default",
        FindingKind::ResultMismatch,
        "classic",
    );
}

#[test]
fn classic_load8_zero_extend() {
    assert_found(
        "classic-load8-zero-extend",
        FindingKind::ResultMismatch,
        "classic",
    );
}

#[test]
fn fast_i64_shr_u_mask() {
    assert_found("fast-i64-shr-u-mask", FindingKind::ResultMismatch, "fast");
}

#[test]
fn fast_pending_local() {
    assert_found("fast-pending-local", FindingKind::ResultMismatch, "fast");
}

#[test]
fn fast_fused_cmp_signedness() {
    let report = fuzz(Some("fast-fused-cmp-signedness"), 7, BUDGET);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.engines.iter().any(|e| e == "fast")),
        "{:?}",
        kinds(&report)
    );
}

#[test]
fn no_findings_without_a_fault_on_2000_modules() {
    let report = fuzz(None, 20261124, 2000);
    assert_eq!(report.cases, 2000);
    // wasmi 2.0.0's own known bugs, confirmed by wasmtime and by the
    // bug-avoiding rewrite, are reported but are not findings against us
    // (seed 20261124 meets the `select` one at case 1591 since SIMD and
    // 3.0 joined the swarm).
    let ours: Vec<_> = report
        .findings
        .iter()
        .filter(|f| !f.signature.starts_with("reference-bug:wasmi:known-"))
        .collect();
    assert!(ours.is_empty(), "false positives: {ours:#?}");
    // Every inconclusive case says why, and none for want of a reason.
    let explained: u64 = report.inconclusive_reasons.values().map(|r| r.cases).sum();
    assert_eq!(
        explained, report.inconclusive,
        "{:?}",
        report.inconclusive_reasons
    );
    assert_eq!(report.unexplained(), 0, "{:?}", report.inconclusive_reasons);
    assert!(
        report.inconclusive > 0,
        "fuel pressure makes some cases inconclusive"
    );
    assert!(
        report.calls > 10_000,
        "the plan must call exports: {} calls",
        report.calls
    );
    for (engine, counts) in &report.per_engine {
        assert!(
            counts.returned > 1000 && counts.trapped > 100,
            "{engine}: {counts:?}"
        );
    }
}

/// A tier whose translator refuses one ordinary instruction is a
/// `prepare-failure` naming that tier, never an inconclusive case.
#[test]
fn classic_refuses_i32_popcnt() {
    assert_found(
        "classic-refuses-i32-popcnt",
        FindingKind::PrepareFailure,
        "classic",
    );
}

#[test]
fn fast_refuses_i64_rem_u() {
    assert_found(
        "fast-refuses-i64-rem-u",
        FindingKind::PrepareFailure,
        "fast",
    );
}

#[test]
fn jit_refuses_f64_copysign() {
    assert_found(
        "jit-refuses-f64-copysign",
        FindingKind::PrepareFailure,
        "jit",
    );
}

/// A wrong NaN bit in one tier: NaN flow (wasm-smith without NaN
/// canonicalisation, the NaN-flow generator) carries it into results,
/// integers, memory or control flow, where tiers compare bit for bit.
#[test]
fn classic_nan_payload_kept() {
    assert_found_any(
        "classic-nan-payload-kept",
        &[
            FindingKind::ResultMismatch,
            FindingKind::StateMismatch,
            FindingKind::TrapVsReturn,
        ],
        "classic",
    );
}

#[test]
fn fast_div_nan_negative() {
    assert_found_any(
        "fast-div-nan-negative",
        &[
            FindingKind::ResultMismatch,
            FindingKind::StateMismatch,
            FindingKind::TrapVsReturn,
        ],
        "fast",
    );
}

#[test]
fn jit_sqrt_nan_negative() {
    assert_found_any(
        "jit-sqrt-nan-negative",
        &[
            FindingKind::ResultMismatch,
            FindingKind::StateMismatch,
            FindingKind::TrapVsReturn,
        ],
        "jit",
    );
}

#[test]
fn jit_i32_rotr_as_rotl() {
    assert_found("jit-i32-rotr-as-rotl", FindingKind::ResultMismatch, "jit");
}

#[test]
fn jit_br_if_inverted() {
    let report = fuzz(Some("jit-br-if-inverted"), 7, BUDGET);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.engines.iter().any(|e| e == "jit")),
        "{:?}",
        kinds(&report)
    );
}

/// Asserts the run found one of `kinds` between engines that include `engine`.
fn assert_found_any(fault: &str, wanted: &[FindingKind], engine: &str) {
    let report = fuzz(Some(fault), 7, WIDE_BUDGET);
    let found = report.findings.iter().any(|f| {
        wanted.iter().any(|k| f.kind == k.name()) && f.engines.iter().any(|e| e == engine)
    });
    assert!(
        found,
        "{fault}: expected one of {wanted:?} involving {engine}, got {:?}",
        kinds(&report)
    );
}

/// Where exhaustion happens (and the state it leaves) differs.
const EXHAUSTION: [FindingKind; 3] = [
    FindingKind::StateMismatch,
    FindingKind::TrapMismatch,
    FindingKind::TrapVsReturn,
];

#[test]
fn classic_loop_entry_free() {
    assert_found_any("classic-loop-entry-free", &EXHAUSTION, "classic");
}

#[test]
fn classic_depth_off_by_one() {
    assert_found_any("classic-depth-off-by-one", &EXHAUSTION, "classic");
}

#[test]
fn classic_host_result_zeroed() {
    // A WASI program's output, exit code or folded errnos differ.
    assert_found_any(
        "classic-host-result-zeroed",
        &[FindingKind::ResultMismatch, FindingKind::StateMismatch],
        "classic",
    );
}

#[test]
fn classic_copy_overlap_forward() {
    assert_found_any(
        "classic-copy-overlap-forward",
        &[FindingKind::StateMismatch, FindingKind::ResultMismatch],
        "classic",
    );
}

#[test]
fn classic_indirect_arity_only() {
    assert_found_any(
        "classic-indirect-arity-only",
        &[FindingKind::TrapVsReturn],
        "classic",
    );
}

#[test]
fn classic_init_from_segment_start() {
    assert_found_any(
        "classic-init-from-segment-start",
        &[FindingKind::StateMismatch, FindingKind::ResultMismatch],
        "classic",
    );
}

// SIMD and WebAssembly 3.0 part one. Seed 7 finds each at the case noted
// (release build, every engine): the targeted `simd-lanes` generator's
// out-of-range swizzles, `simd-memory`/`memory64`/`multi-memory` edges and
// `tail-calls` chains past the depth limit.

/// v128 arguments reach wasm with swapped halves in every tier: only the
/// reference sees it (case 43).
#[test]
fn common_mode_v128_arg_halves_swapped_is_a_reference_disagreement() {
    assert_found(
        "v128-arg-halves-swapped",
        FindingKind::ReferenceDisagreement,
        "wasmi",
    );
}

/// Case 71.
#[test]
fn classic_swizzle_wrap() {
    assert_found(
        "classic-swizzle-wrap",
        FindingKind::ResultMismatch,
        "classic",
    );
}

/// A tail-call chain deeper than the depth limit traps in classic only
/// (case 56; the reference's own exhaustion would be inconclusive).
#[test]
fn classic_tail_call_depth() {
    assert_found_any("classic-tail-call-depth", &EXHAUSTION, "classic");
}

/// Case 71.
#[test]
fn jit_swizzle_index_mod16() {
    assert_found(
        "jit-swizzle-index-mod16",
        FindingKind::ResultMismatch,
        "jit",
    );
}

/// Case 43.
#[test]
fn jit_memory64_bounds_wrap() {
    assert_found_any("jit-memory64-bounds-wrap", &EXHAUSTION, "jit");
}

/// Case 71.
#[test]
fn fast_swizzle_lane_wrap() {
    assert_found(
        "fast-swizzle-lane-wrap",
        FindingKind::ResultMismatch,
        "fast",
    );
}

/// Case 644: a copy between two memories at the smaller one's bound.
#[test]
fn fast_copy_wrong_memory_length() {
    assert_found_any("fast-copy-wrong-memory-length", &EXHAUSTION, "fast");
}

/// Tier paths: one arm of the classic tier's copy helper (into a memory
/// of lower index) leaves the last byte; the multi-memory generator copies
/// between memories both ways.
#[test]
fn classic_copy_down_short() {
    assert_found_any(
        "classic-copy-down-short",
        &[FindingKind::StateMismatch, FindingKind::ResultMismatch],
        "classic",
    );
}

/// Tier paths: one JIT lowering (an access whose bounds check an earlier
/// check of the same address made redundant) drops its offset; the memory
/// sweep's same-address pairs reach it.
#[test]
fn jit_elided_check_drops_offset() {
    assert_found_any(
        "jit-elided-check-drops-offset",
        &[
            FindingKind::ResultMismatch,
            FindingKind::StateMismatch,
            FindingKind::TrapVsReturn,
        ],
        "jit",
    );
}

/// Tier paths: one handler form of one load (`i32.load` from a local base
/// plus a scaled local index) computes its address wrong; the memory
/// sweep's address shapes reach that form.
#[test]
fn fast_indexed_load_unscaled() {
    assert_found_any(
        "fast-indexed-load-unscaled",
        &[
            FindingKind::ResultMismatch,
            FindingKind::TrapVsReturn,
            FindingKind::TrapMismatch,
        ],
        "fast",
    );
}
