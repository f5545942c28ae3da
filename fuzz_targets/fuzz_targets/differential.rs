//! cargo-fuzz target `differential`: see `tierdiff::targets::Target::Differential`.
//! Replay an artifact with `tierdiff replay fuzz_targets/artifacts/differential/<file>`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = tierdiff::targets::run(tierdiff::targets::Target::Differential, data) {
        panic!("{e}\nreplay: tierdiff replay <this artifact>");
    }
});
