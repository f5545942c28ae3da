//! wasm-shrink as one more pass: it removes items and rewrites code in ways
//! of its own, found at random, and often finds a little more at the end.

use super::Reducer;

/// Runs wasm-shrink from the current module, keeping what it finds.
pub fn wasm_shrink(r: &mut Reducer) {
    let attempts = r.budget.wasm_shrink_attempts;
    if attempts == 0 {
        return;
    }
    let wasm = r.best().wasm.clone();
    let calls = r.best().calls.clone();
    let seed = crate::plan::fnv1a(&wasm);
    // wasm-shrink keeps its own best; every candidate it likes is also
    // offered to the reducer, which keeps only smaller failing ones.
    let _ = wasm_shrink::WasmShrink::default()
        .attempts(attempts)
        .seed(seed)
        .run(wasm, |candidate| {
            if r.done() {
                return Ok(false);
            }
            Ok(r.try_case(super::Case {
                wasm: candidate.to_vec(),
                calls: calls.clone(),
            }))
        });
}
