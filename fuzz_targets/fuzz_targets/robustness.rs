//! cargo-fuzz target `robustness`: see `tierdiff::targets::Target::Robustness`.
//! Replay an artifact with `tierdiff replay fuzz_targets/artifacts/robustness/<file>`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = tierdiff::targets::run(tierdiff::targets::Target::Robustness, data) {
        panic!("{e}\nreplay: tierdiff replay <this artifact>");
    }
});
