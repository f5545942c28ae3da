//! The regression corpus passes in every engine; breaking a tier on purpose
//! makes the right case fail; a fuzz finding shrinks to a quarter of its
//! size or less, keeps its signature, and replays.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tierdiff::fuzz::{self, FuzzConfig};
use tierdiff::{corpus, replay, shrink};

static FAULT_LOCK: Mutex<()> = Mutex::new(());

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

#[test]
fn the_corpus_replays_clean_in_every_engine() {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let results = replay::replay(&[corpus_dir()]).expect("the corpus is well formed");
    let regressions = results.iter().filter(|r| r.kind == "regression").count();
    assert!(
        regressions >= 20,
        "at least 20 regression cases, found {regressions}"
    );
    let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Bug classes whose cases a fault must break.
const BROKEN_BY: &[(&str, &str)] = &[
    ("ref-locals-zero", "ref-locals"),
    ("classic-rem-s-sign", "div-rem-edges"),
    ("fast-pending-local", "pending-local"),
];

#[test]
fn a_faulted_tier_fails_the_right_cases() {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for (fault, class) in BROKEN_BY {
        fuzz::select_fault(Some(fault)).unwrap();
        let results = replay::replay(&[corpus_dir().join("regressions")]);
        fuzz::select_fault(None).unwrap();
        let results = results.unwrap();
        let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        assert!(!failed.is_empty(), "{fault} broke no case");
        let classes: Vec<String> = failed
            .iter()
            .map(|r| {
                corpus::load_case(Path::new(&r.path))
                    .unwrap()
                    .spec
                    .bug_class
            })
            .collect();
        assert!(
            classes.iter().any(|c| c == class),
            "{fault}: expected a {class} case to fail, failed: {classes:?}"
        );
        let tier = fault.split('-').next().unwrap();
        if tier == "classic" || tier == "fast" {
            assert!(
                failed
                    .iter()
                    .flat_map(|r| &r.details)
                    .any(|d| d.starts_with(tier)),
                "{fault}: failures name the tier: {failed:#?}"
            );
        }
    }
}

#[test]
fn a_fuzz_finding_shrinks_to_a_quarter_and_replays() {
    let _guard = FAULT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::env::temp_dir().join(format!("tierdiff-shrink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = FuzzConfig {
        seed: 7,
        shard: (1, 1),
        iterations: Some(400),
        time: None,
        engines: tierdiff::engine::available(),
        out: out.clone(),
        fault: Some("classic-rem-s-sign".into()),
        shrink: false,
        jobs: 1,
        generators: None,
        watch: Default::default(),
        profile: Default::default(),
    };
    let report = fuzz::run(&config, vec![], true, &indicatif::ProgressBar::hidden()).unwrap();
    let finding = report
        .findings
        .iter()
        .find(|f| f.kind == "result-mismatch")
        .expect("the fault is found");
    let dir = Path::new(&finding.dir);
    let record: tierdiff::report::FindingRecord =
        serde_json::from_str(&std::fs::read_to_string(dir.join("finding.json")).unwrap()).unwrap();
    assert_eq!(record.fault.as_deref(), Some("classic-rem-s-sign"));
    let wasm = std::fs::read(dir.join("module.wasm")).unwrap();
    let engines = corpus::all_engines();
    let options = shrink::Options {
        budget: tierdiff::reduce::Budget {
            time: std::time::Duration::from_secs(20),
            attempts: 5_000,
            wasm_shrink_attempts: 100,
        },
        fault: record.fault.clone(),
        worker: None,
        setup: shrink::Setup::of(&record),
    };
    let shrunk = shrink::shrink(
        &wasm,
        &record.finding,
        &engines,
        &options,
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    assert!(
        shrunk.after.bytes * 4 <= shrunk.before.bytes,
        "{:?} -> {:?}",
        shrunk.before,
        shrunk.after
    );
    assert_eq!(shrunk.signature, finding.signature);
    shrink::write(&dir.join("shrunk"), &shrunk, record.fault.as_deref()).unwrap();
    // Replay selects the recorded fault by itself.
    fuzz::select_fault(None).unwrap();
    let replayed = replay::replay(&[dir.join("shrunk.json")]).unwrap();
    assert_eq!(replayed.len(), 1);
    assert!(
        !replayed[0].passed && replayed[0].details[0].starts_with("result-mismatch"),
        "{replayed:?}"
    );
    let folder = replay::replay(&[dir.to_path_buf()]).unwrap();
    assert!(
        !folder[0].passed
            && folder[0]
                .details
                .iter()
                .any(|d| d.starts_with("shrunk: result-mismatch")),
        "{folder:?}"
    );
    assert!(
        shrink::selected_fault().is_none(),
        "replay restores the selection"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// An engine that panics fails the case with a `crashed` line instead of
/// taking the replay down: the wasmi 2.0.0 store panic, with its
/// `skip_reference` removed so wasmi runs.
#[test]
fn a_panicking_engine_fails_its_case_and_the_replay_goes_on() {
    let json = corpus_dir().join("regressions/wasmi-store-reg-offset.json");
    let mut case = corpus::load_case(&json).expect("the case loads");
    case.spec.skip_reference = None;
    let problems = corpus::check_case(&case, &corpus::all_engines());
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("wasmi: call 0 min(): crashed")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().all(|p| p.starts_with("wasmi:")),
        "only wasmi may fail: {problems:#?}"
    );
}
