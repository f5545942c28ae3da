//! Fewer calls, and arguments toward 0 and small values.

use super::Reducer;
use crate::outcome::Value;

/// Removes chunks of calls, halving the chunk size down to one call.
pub fn fewer_calls(r: &mut Reducer) {
    r.remove_chunks(
        1,
        |r| r.best().calls.len(),
        |r, range| {
            let mut calls = r.best().calls.clone();
            calls.drain(range);
            r.try_calls(calls)
        },
    );
}

/// Smaller integers to try for `x`, best first: 0, 1 (and -1 for a
/// negative `x`), its highest set bit alone, `x` without that bit, and half
/// of it (signs kept).
fn smaller_ints(x: i64) -> Vec<i64> {
    let m = x.unsigned_abs();
    if m == 0 {
        return vec![];
    }
    let top = 1u64 << (63 - m.leading_zeros());
    let sign = |v: u64| {
        if x < 0 {
            (v as i64).wrapping_neg()
        } else {
            v as i64
        }
    };
    let units: &[i64] = if x < 0 { &[0, 1, -1] } else { &[0, 1] };
    units
        .iter()
        .copied()
        .chain([sign(top), sign(m - top), x / 2])
        .collect()
}

/// Smaller values to try for an argument, best first.
fn smaller(v: Value) -> Vec<Value> {
    match v {
        Value::I32(x) => smaller_ints(x as i64)
            .into_iter()
            .map(|y| Value::I32(y as i32))
            .collect(),
        Value::I64(x) => smaller_ints(x).into_iter().map(Value::I64).collect(),
        Value::F32(0) | Value::F64(0) => vec![],
        Value::F32(_) => vec![Value::F32(0), Value::F32(1.0f32.to_bits())],
        Value::F64(_) => vec![Value::F64(0), Value::F64(1.0f64.to_bits())],
        Value::V128(0) => vec![],
        // Zero, then either half cleared: lane-wise meaning survives in the other.
        Value::V128(x) => vec![
            Value::V128(0),
            Value::V128(x & u64::MAX as u128),
            Value::V128(x & !(u64::MAX as u128)),
        ],
        Value::FuncRef(Some(_)) => vec![Value::FuncRef(None)],
        Value::ExternRef(Some(_)) => vec![Value::ExternRef(None)],
        Value::FuncRef(None) | Value::ExternRef(None) => vec![],
    }
}

/// Moves every argument toward 0 and small values while the finding stays
/// (see [`smaller`]; [`super::Size`] refuses any that is not smaller).
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
                    if r.try_calls(calls) {
                        continue 'value;
                    }
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smaller_integers_keep_low_bits_or_the_top_bit() {
        assert_eq!(smaller_ints(0), Vec::<i64>::new());
        assert_eq!(smaller_ints(68663), vec![0, 1, 65536, 3127, 34331]);
        assert_eq!(smaller_ints(-6), vec![0, 1, -1, -4, -2, -3]);
        assert_eq!(smaller_ints(i64::MIN)[3], i64::MIN);
    }
}
