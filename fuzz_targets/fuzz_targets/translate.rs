//! cargo-fuzz target `translate`: see `tierdiff::targets::Target::Translate`.
//! Replay an artifact with `tierdiff replay fuzz_targets/artifacts/translate/<file>`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = tierdiff::targets::run(tierdiff::targets::Target::Translate, data) {
        panic!("{e}\nreplay: tierdiff replay <this artifact>");
    }
});
