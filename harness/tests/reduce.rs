//! The reducer on real findings: every named fault's finding from a
//! fixed-seed fuzz run shrinks to at most 20 instructions in its function
//! bodies, still fails the same way with the fault and passes without it;
//! the known wasmi `select` finding of the default run shrinks to at most 12.
//!
//! Findings are made in this process (a few dozen cases each), except the
//! one whose fault kills the process: that run, its shrink (each attempt in
//! a worker process) and its replay go through the `tierdiff` binary.
//! The fault is process-global, so the in-process tests take a lock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use tierdiff::compare::{self, Finding};
use tierdiff::fuzz::{self, FuzzConfig};
use tierdiff::reduce::{self, Budget, Case, Ran, Stop, WorkerProcess};
use tierdiff::report::FindingRecord;
use tierdiff::shrink::{self, Shrunk};
use tierdiff_runtime::fault::Fault;

static FAULT_LOCK: Mutex<()> = Mutex::new(());

/// Instructions a shrunk faulted finding may keep (all function bodies).
const MAX_INSTRUCTIONS: usize = 20;

/// The budget the issue sets for one shrink.
const BUDGET: Budget = Budget {
    time: Duration::from_secs(20),
    attempts: 20_000,
    wasm_shrink_attempts: 100,
};

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-reduce-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tierdiff() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tierdiff"))
}

/// Runs `case` with its calls as `setup` says (the shrink limits unless
/// the finding's case had limits of its own) in this process.
fn findings(case: &Case, setup: shrink::Setup) -> Vec<Finding> {
    tierdiff::verdict::judge(
        &case.wasm,
        &tierdiff::corpus::all_engines(),
        setup.shrink_limits(),
        setup.options(case.calls.clone()),
    )
    .findings
}

/// One line for the log (run with `--nocapture` to see the numbers).
fn log(name: &str, s: &Shrunk) {
    eprintln!(
        "{name}: {} -> {} instructions, {} -> {} bytes, {} -> {} calls in {:.2} s ({} tried, {:?})",
        s.before.instructions,
        s.after.instructions,
        s.before.bytes,
        s.after.bytes,
        s.before.calls,
        s.after.calls,
        s.elapsed.as_secs_f64(),
        s.tried,
        s.stop
    );
}

/// A fuzz run with `fault` (seed 7, `iterations` cases) makes a finding;
/// its first finding shrinks to at most [`MAX_INSTRUCTIONS`] instructions
/// that still show it with the fault and show nothing without it.
fn shrinks(fault: &str, iterations: u64) {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = out_dir(fault);
    let config = FuzzConfig {
        seed: 7,
        shard: (1, 1),
        iterations: Some(iterations),
        time: None,
        engines: tierdiff::engine::available(),
        out: out.clone(),
        fault: Some(fault.into()),
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
    let entry = report
        .findings
        .first()
        .unwrap_or_else(|| panic!("{fault}: no finding in {iterations} cases"));
    let dir = Path::new(&entry.dir);
    let record: FindingRecord =
        serde_json::from_str(&std::fs::read_to_string(dir.join("finding.json")).unwrap()).unwrap();
    assert_eq!(
        record.fault.as_deref(),
        Some(fault),
        "the finding names its fault"
    );
    let wasm = std::fs::read(dir.join("module.wasm")).unwrap();

    shrink::select_fault(fault).unwrap();
    let setup = shrink::Setup::of(&record);
    let options = shrink::Options {
        budget: BUDGET,
        fault: record.fault.clone(),
        worker: None,
        setup,
    };
    let engines = tierdiff::corpus::all_engines();
    let shrunk = shrink::shrink(
        &wasm,
        &record.finding,
        &engines,
        &options,
        &indicatif::ProgressBar::hidden(),
    );
    let faulted = shrunk
        .as_ref()
        .ok()
        .map(|s| findings(&s.case, s.setup.clone()));
    tierdiff_runtime::fault::set(None).unwrap();
    let _ = std::fs::remove_dir_all(&out);
    let shrunk = shrunk.unwrap_or_else(|e| panic!("{fault}: {e}"));
    log(fault, &shrunk);

    let count = reduce::instruction_count(&shrunk.case.wasm).unwrap();
    let wat = wasmprinter::print_bytes(&shrunk.case.wasm).unwrap();
    assert_eq!(count, shrunk.after.instructions);
    assert!(
        count <= MAX_INSTRUCTIONS,
        "{fault}: {} shrank to {count} instructions:\n{wat}",
        entry.signature
    );
    assert!(
        count < shrunk.before.instructions || shrunk.before.instructions <= 3,
        "{fault}: nothing removed"
    );
    tierdiff_runtime::Module::new(&shrunk.case.wasm).expect("the shrunk module is valid");
    let faulted = faulted.unwrap();
    assert!(
        faulted.iter().any(|f| f.signature == shrunk.signature),
        "{fault}: the shrunk case no longer fails the same way: {faulted:#?}\n{wat}"
    );
    let clean = findings(&shrunk.case, shrunk.setup);
    assert!(
        clean.is_empty(),
        "{fault}: the shrunk case fails without the fault: {clean:#?}\n{wat}"
    );
}

#[test]
fn ref_locals_zero() {
    shrinks("ref-locals-zero", 40);
}

#[test]
fn grow_ignores_max() {
    shrinks("grow-ignores-max", 120);
}

#[test]
fn const_sub_as_add() {
    shrinks("const-sub-as-add", 200);
}

#[test]
fn classic_rem_s_sign() {
    shrinks("classic-rem-s-sign", 40);
}

#[test]
fn classic_br_table_default() {
    shrinks("classic-br-table-default", 40);
}

#[test]
fn classic_load8_zero_extend() {
    shrinks("classic-load8-zero-extend", 160);
}

#[test]
fn fast_i64_shr_u_mask() {
    shrinks("fast-i64-shr-u-mask", 60);
}

#[test]
fn fast_pending_local() {
    shrinks("fast-pending-local", 40);
}

#[test]
fn fast_fused_cmp_signedness() {
    shrinks("fast-fused-cmp-signedness", 40);
}

#[test]
fn jit_i32_rotr_as_rotl() {
    shrinks("jit-i32-rotr-as-rotl", 60);
}

#[test]
fn jit_br_if_inverted() {
    shrinks("jit-br-if-inverted", 40);
}

#[test]
fn v128_arg_halves_swapped() {
    shrinks("v128-arg-halves-swapped", 100);
}

#[test]
fn classic_swizzle_wrap() {
    shrinks("classic-swizzle-wrap", 100);
}

/// The finding needs a tail-call chain past the 10,000-frame depth limit,
/// which the shrink limits' fuel cannot pay for, so it shrinks under the
/// generated cases' limits. The generated chain hops through a trampoline
/// and an indirect call; the reducer makes the call direct (the table and
/// the functions only it names go) and merges the trampoline into its target.
#[test]
fn classic_tail_call_depth() {
    shrinks("classic-tail-call-depth", 100);
}

#[test]
fn jit_swizzle_index_mod16() {
    shrinks("jit-swizzle-index-mod16", 100);
}

#[test]
fn jit_memory64_bounds_wrap() {
    shrinks("jit-memory64-bounds-wrap", 100);
}

#[test]
fn fast_swizzle_lane_wrap() {
    shrinks("fast-swizzle-lane-wrap", 100);
}

#[test]
fn fast_copy_wrong_memory_length() {
    shrinks("fast-copy-wrong-memory-length", 700);
}

#[test]
fn classic_loop_entry_free() {
    shrinks("classic-loop-entry-free", 300);
}

#[test]
fn classic_depth_off_by_one() {
    shrinks("classic-depth-off-by-one", 600);
}

#[test]
fn classic_host_result_zeroed() {
    shrinks("classic-host-result-zeroed", 600);
}

#[test]
fn classic_copy_overlap_forward() {
    shrinks("classic-copy-overlap-forward", 1000);
}

#[test]
fn classic_indirect_arity_only() {
    shrinks("classic-indirect-arity-only", 600);
}

#[test]
fn classic_init_from_segment_start() {
    shrinks("classic-init-from-segment-start", 1000);
}

/// A tier refusing one instruction: the finding is made at instantiation,
/// and what is left is little more than that instruction.
#[test]
fn classic_refuses_i32_popcnt() {
    shrinks("classic-refuses-i32-popcnt", 400);
}

#[test]
fn fast_refuses_i64_rem_u() {
    shrinks("fast-refuses-i64-rem-u", 400);
}

#[test]
fn jit_refuses_f64_copysign() {
    shrinks("jit-refuses-f64-copysign", 400);
}

#[test]
fn classic_nan_payload_kept() {
    shrinks("classic-nan-payload-kept", 1500);
}

#[test]
fn fast_div_nan_negative() {
    shrinks("fast-div-nan-negative", 1500);
}

#[test]
fn jit_sqrt_nan_negative() {
    shrinks("jit-sqrt-nan-negative", 1500);
}

#[test]
fn fast_indexed_load_unscaled() {
    shrinks("fast-indexed-load-unscaled", 1500);
}

#[test]
fn jit_elided_check_drops_offset() {
    shrinks("jit-elided-check-drops-offset", 1500);
}

#[test]
fn classic_copy_down_short() {
    shrinks("classic-copy-down-short", 1500);
}

/// The fault kills the process: the fuzz run records a `crash` of its
/// worker, `tierdiff shrink` judges each attempt in a worker process of its
/// own, and the result kills a worker with the fault and not without it.
#[test]
fn classic_abort_on_grow_through_the_binary() {
    let out = out_dir("abort");
    let run = Command::new(tierdiff())
        .args(["fuzz", "--seed", "7", "--iterations", "100"])
        .args(["--fault", "classic-abort-on-grow", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let findings = out.join("findings");
    let dir = std::fs::read_dir(&findings)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(":process"))
        .expect("a crash finding");

    let shrink = Command::new(tierdiff())
        .arg("shrink")
        .arg(&dir)
        .args(["--time", "20"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&shrink.stdout);
    assert_eq!(
        shrink.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&shrink.stderr)
    );
    assert!(
        stdout.starts_with("Shrunk crash:"),
        "one paragraph: {stdout}"
    );
    eprintln!("classic-abort-on-grow: {}", stdout.lines().next().unwrap());

    let record: shrink::ShrunkRecord =
        serde_json::from_str(&std::fs::read_to_string(dir.join("shrunk.json")).unwrap()).unwrap();
    assert_eq!(
        record.fault.as_deref(),
        Some(Fault::ClassicAbortOnGrow.name())
    );
    let wasm = std::fs::read(dir.join("shrunk.wasm")).unwrap();
    let count = reduce::instruction_count(&wasm).unwrap();
    assert!(
        count <= MAX_INSTRUCTIONS,
        "{count} instructions:\n{}",
        wasmprinter::print_bytes(&wasm).unwrap()
    );
    assert_eq!(count, record.after.instructions);
    assert!(
        record.seconds < 20.0 && record.stop == Stop::FixedPoint,
        "{record:?}"
    );

    let case = Case {
        wasm,
        calls: record.calls.clone(),
    };
    let faulted = WorkerProcess::new(tierdiff(), record.fault.clone())
        .run(&case, record.limits(), None)
        .unwrap();
    assert!(matches!(faulted, Ran::Died(_)), "{faulted:?}");
    let clean = WorkerProcess::new(tierdiff(), None)
        .run(&case, record.limits(), None)
        .unwrap();
    assert_eq!(clean, Ran::Finished(vec![]));

    // `replay` of the folder runs both modules in a worker, with the fault.
    let replay = Command::new(tierdiff())
        .arg("replay")
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(1), "{text}");
    assert!(
        text.contains("    the worker process died")
            && text.contains("    shrunk: the worker process died"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Every named fault has a test above.
#[test]
fn every_fault_is_covered() {
    let source = include_str!("reduce.rs");
    for fault in Fault::ALL.into_iter() {
        assert!(
            source.contains(&format!("\"{}\"", fault.name())),
            "no shrink test for {}",
            fault.name()
        );
    }
}

/// Seed 1 meets the wasmi 2.0.0 `select` bug in case 1563 when its
/// wasm-smith module is generated for WebAssembly 2.0 without SIMD (as the
/// default run did before the loader accepted any later proposal; pinning
/// the features keeps the module fixed as proposals are turned on);
/// shrunk, it is at most 12 instructions and still that bug.
#[test]
fn the_known_wasmi_select_finding_shrinks_to_12_instructions() {
    let config = FuzzConfig {
        seed: 1,
        shard: (1, 1),
        iterations: None,
        time: None,
        engines: tierdiff::engine::available(),
        out: PathBuf::new(),
        fault: None,
        shrink: false,
        jobs: 1,
        generators: None,
        watch: Default::default(),
        profile: Default::default(),
    };
    let wasm2 = wasmparser::WasmFeatures::WASM2.difference(wasmparser::WasmFeatures::SIMD);
    // The case's wasm-smith module (its bucket now holds a coverage generator).
    let wasm = tierdiff::generate::wasm_smith_with(&fuzz::case_input(&config, 1563), wasm2);
    let engines = tierdiff::corpus::all_engines();
    let limits = tierdiff::generate::case_limits();
    let plan = compare::CaseOptions::default();
    assert!(tierdiff::triage::is_wasmi_select_bug(
        &wasm, &engines, limits, &plan
    ));
    // The verdict every command gives it: the known reference bug.
    let outcome = tierdiff::verdict::judge(&wasm, &engines, limits, plan);
    let finding = outcome
        .findings
        .first()
        .expect("case 1563 of seed 1 disagrees with wasmi")
        .clone();
    assert_eq!(finding.kind, compare::FindingKind::ReferenceBug);
    assert!(finding
        .signature
        .ends_with(tierdiff::triage::WASMI_SELECT_EQZ));

    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let options = shrink::Options {
        budget: BUDGET,
        fault: None,
        worker: None,
        setup: shrink::Setup::default(),
    };
    let shrunk = shrink::shrink(
        &wasm,
        &finding,
        &engines,
        &options,
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    log("wasmi select", &shrunk);
    let wat = wasmprinter::print_bytes(&shrunk.case.wasm).unwrap();
    assert!(shrunk.after.instructions <= 12, "{wat}");
    assert!(
        findings(&shrunk.case, shrink::Setup::default())
            .iter()
            .any(|f| f.signature == shrunk.signature),
        "{wat}"
    );
    // Still the known bug: gone once the select conditions are rewritten.
    let module = tierdiff_runtime::Module::new(&shrunk.case.wasm).unwrap();
    assert!(reduce::calls_fit(&module, &shrunk.case.calls));
    assert!(
        tierdiff::triage::is_wasmi_select_bug(
            &shrunk.case.wasm,
            &engines,
            shrink::shrink_limits(),
            &shrink::Setup::default().options(shrunk.case.calls.clone())
        ),
        "{wat}"
    );
}

/// `fuzz --shrink` shrinks each new finding in the worker and writes the
/// shrunk case beside it.
#[test]
fn fuzz_shrink_writes_the_shrunk_case_beside_each_finding() {
    let out = out_dir("fuzz-shrink");
    let run = Command::new(tierdiff())
        .args(["fuzz", "--seed", "7", "--iterations", "40", "--shrink"])
        .args(["--fault", "classic-rem-s-sign", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("shrunk result-mismatch"), "{stderr}");
    let mut seen = 0;
    for dir in std::fs::read_dir(out.join("findings")).unwrap() {
        let dir = dir.unwrap().path();
        let record: shrink::ShrunkRecord =
            serde_json::from_str(&std::fs::read_to_string(dir.join("shrunk.json")).unwrap())
                .unwrap();
        assert_eq!(record.fault.as_deref(), Some("classic-rem-s-sign"));
        let wasm = std::fs::read(dir.join("shrunk.wasm")).unwrap();
        assert!(reduce::instruction_count(&wasm).unwrap() <= MAX_INSTRUCTIONS);
        assert!(dir.join("shrunk.wat").is_file() && dir.join("module.wasm").is_file());
        seen += 1;
    }
    assert!(seen >= 1);
    let _ = std::fs::remove_dir_all(&out);
}
