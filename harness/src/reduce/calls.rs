//! Fewer calls, and arguments toward 0 and small values.

use super::Reducer;
use crate::outcome::Value;

/// Removes chunks of calls, halving the chunk size down to one call.
pub fn fewer_calls(r: &mut Reducer) {
    remove_chunks(
        r,
        |r| r.best().calls.len(),
        |r, range| {
            let mut calls = r.best().calls.clone();
            calls.drain(range);
            r.try_calls(calls)
        },
    );
}

/// Delta debugging over a list whose length `len` reads from the current
/// case: tries removing chunks of half its length, then quarters, down to
/// `min_chunk`; a removal that is kept is not advanced past.
pub fn remove_chunks_down_to(
    r: &mut Reducer,
    min_chunk: usize,
    len: impl Fn(&Reducer) -> usize,
    mut try_without: impl FnMut(&mut Reducer, std::ops::Range<usize>) -> bool,
) {
    let mut chunk = (len(r) / 2).max(1);
    while chunk >= min_chunk.max(1) && !r.done() {
        let mut at = 0;
        while at < len(r) && !r.done() {
            let end = (at + chunk).min(len(r));
            if !try_without(r, at..end) {
                at += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
}

/// [`remove_chunks_down_to`] single elements.
pub fn remove_chunks(
    r: &mut Reducer,
    len: impl Fn(&Reducer) -> usize,
    try_without: impl FnMut(&mut Reducer, std::ops::Range<usize>) -> bool,
) {
    remove_chunks_down_to(r, 1, len, try_without)
}

/// Smaller values to try for an argument, best first.
fn smaller(v: Value) -> Vec<Value> {
    match v {
        Value::I32(0) | Value::I64(0) | Value::F32(0) | Value::F64(0) => vec![],
        Value::I32(x) => vec![Value::I32(0), Value::I32(1), Value::I32(x / 2)],
        Value::I64(x) => vec![Value::I64(0), Value::I64(1), Value::I64(x / 2)],
        Value::F32(_) => vec![Value::F32(0), Value::F32(1.0f32.to_bits())],
        Value::F64(_) => vec![Value::F64(0), Value::F64(1.0f64.to_bits())],
        Value::FuncRef(Some(_)) => vec![Value::FuncRef(None)],
        Value::ExternRef(Some(_)) => vec![Value::ExternRef(None)],
        Value::FuncRef(None) | Value::ExternRef(None) => vec![],
    }
}

/// Moves every argument toward 0: tries 0 and 1, then halves it while the
/// finding stays.
pub fn smaller_args(r: &mut Reducer) {
    for call in 0..r.best().calls.len() {
        for arg in 0..r.best().calls[call].args.len() {
            'value: loop {
                let current = r.best().calls[call].args[arg];
                for v in smaller(current) {
                    if r.done() {
                        return;
                    }
                    let mut calls = r.best().calls.clone();
                    calls[call].args[arg] = v;
                    // Not smaller (1 for 1, x/2 for x = 1) is refused by try_case.
                    if r.try_calls(calls) {
                        continue 'value;
                    }
                }
                break;
            }
        }
    }
}
