//! Which exports to call, with which arguments.
//!
//! Every exported function gets several argument sets: zeros, edge values
//! (0, 1, -1, MIN, MAX, ±0, ±inf, NaN, subnormals, host externrefs and
//! null) and pseudo-random values. The randomness is derived from the
//! module's bytes, so a saved module alone reproduces its plan.

use crate::outcome::Value;
use serde::{Deserialize, Serialize};
use tierdiff_runtime::module::ExportKind;
use tierdiff_runtime::{Module, ValType};

/// One call of the plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedCall {
    pub export: String,
    pub args: Vec<Value>,
}

/// The WASI command entry: an exported `_start` taking and returning
/// nothing. A `_start` of any other type is an ordinary export, planned by
/// its signature like every other.
pub fn wasi_entry(module: &Module) -> Option<&tierdiff_runtime::module::Export> {
    module.export("_start").filter(|e| {
        e.kind == ExportKind::Func && {
            let ty = module.func_type(e.index);
            ty.params.is_empty() && ty.results.is_empty()
        }
    })
}

/// Argument sets per exported function.
const SETS: usize = 3;
/// Upper bound on calls per module, so huge export lists stay cheap.
const MAX_CALLS: usize = 96;

/// The plan for a loaded module.
pub fn plan(module: &Module) -> Vec<PlannedCall> {
    let mut rng = SplitMix(fnv1a(&module.bytes));
    let mut calls = Vec::new();
    for set in 0..SETS {
        for export in module.exports.iter().filter(|e| e.kind == ExportKind::Func) {
            let params = &module.func_type(export.index).params;
            let args = params
                .iter()
                .enumerate()
                .map(|(i, &t)| arg(t, set, i, &mut rng))
                .collect();
            calls.push(PlannedCall {
                export: export.name.clone(),
                args,
            });
        }
    }
    calls.truncate(MAX_CALLS);
    calls
}

fn arg(ty: ValType, set: usize, index: usize, rng: &mut SplitMix) -> Value {
    match set {
        0 => zero(ty),
        1 => edge(ty, index + rng.below(64) as usize),
        _ if rng.below(3) == 0 => edge(ty, rng.below(64) as usize),
        _ => random(ty, rng),
    }
}

fn zero(ty: ValType) -> Value {
    match ty {
        ValType::I32 => Value::I32(0),
        ValType::I64 => Value::I64(0),
        ValType::F32 => Value::F32(0),
        ValType::F64 => Value::F64(0),
        ValType::V128 => Value::V128(0),
        ValType::FuncRef => Value::FuncRef(None),
        ValType::ExternRef => Value::ExternRef(None),
    }
}

/// `v128` edge values: lanes at the edges of every shape (integer minima
/// and maxima per lane width, float NaN, ±0, ±inf, subnormals, values out of
/// the integer range for saturating truncation).
const V128_EDGES: [u128; 14] = [
    0,
    u128::MAX,
    0x8080_8080_8080_8080_8080_8080_8080_8080,
    0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f,
    0x8000_7fff_8000_7fff_ffff_0001_0000_8000,
    0x8000_0000_7fff_ffff_ffff_ffff_0000_0001,
    0x8000_0000_0000_0000_7fff_ffff_ffff_ffff,
    // f32x4: NaN, -0, +inf, -inf
    0xff80_0000_7f80_0000_8000_0000_7fc0_0000,
    // f64x2: NaN, -0
    0x8000_0000_0000_0000_7ff8_0000_0000_0000,
    // f32x4: 1.5, -2.5, smallest subnormal, largest finite
    0x7f7f_ffff_0000_0001_c020_0000_3fc0_0000,
    // f32x4 beyond i32/u32 range: 3e9, -3e9, 4.5e9, -0.75
    0xbf40_0000_4f86_1c46_cf32_d05e_4f32_d05e,
    // f64x2: 1e19 (beyond i64), -1.5
    0xbff8_0000_0000_0000_43e1_5af1_d78b_58c4,
    // i8x16 lane indices in and out of range (swizzle), ascending
    0x1f1e_1d1c_1b1a_1918_1110_0f0e_0302_0100,
    // i16x8: lanes near the narrowing bounds (±128, ±255, ±32768)
    0x8000_7fff_ff01_00ff_ff80_0080_ff7f_007f,
];

/// The `i`-th edge value of a type (cycling).
pub fn edge(ty: ValType, i: usize) -> Value {
    const I32: [i32; 7] = [0, 1, -1, i32::MIN, i32::MAX, 31, 32];
    const I64: [i64; 7] = [0, 1, -1, i64::MIN, i64::MAX, 63, 64];
    const F32: [u32; 9] = [
        0,
        0x8000_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x0000_0001,
        0x7f7f_ffff,
        0x3f80_0000,
        0x4f00_0000,
    ];
    const F64: [u64; 9] = [
        0,
        0x8000_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        1,
        0x7fef_ffff_ffff_ffff,
        0x3ff0_0000_0000_0000,
        0x41e0_0000_0000_0000,
    ];
    match ty {
        ValType::I32 => Value::I32(I32[i % I32.len()]),
        ValType::I64 => Value::I64(I64[i % I64.len()]),
        ValType::F32 => Value::F32(F32[i % F32.len()]),
        ValType::F64 => Value::F64(F64[i % F64.len()]),
        ValType::V128 => Value::V128(V128_EDGES[i % V128_EDGES.len()]),
        ValType::FuncRef => Value::FuncRef(None),
        ValType::ExternRef => [
            Value::ExternRef(None),
            Value::ExternRef(Some(1)),
            Value::ExternRef(Some(2)),
        ][i % 3],
    }
}

fn random(ty: ValType, rng: &mut SplitMix) -> Value {
    let bits = rng.next_u64();
    // Small magnitudes matter most for addresses, counts and indices.
    let small = rng.below(4) != 0;
    match ty {
        ValType::I32 => Value::I32(if small {
            (bits % 70_000) as i32
        } else {
            bits as i32
        }),
        ValType::I64 => Value::I64(if small {
            (bits % 70_000) as i64
        } else {
            bits as i64
        }),
        ValType::F32 => Value::F32(if small {
            (((bits % 2_000) as f32) / 8.0 - 100.0).to_bits()
        } else {
            bits as u32
        }),
        ValType::F64 => Value::F64(if small {
            (((bits % 2_000) as f64) / 8.0 - 100.0).to_bits()
        } else {
            bits
        }),
        ValType::V128 => Value::V128(if small {
            // Small i16 lanes: values near zero in every lane shape.
            (0..8).fold(0u128, |v, lane| {
                let x = (bits >> (lane * 8)) as u8 as i8 as i16 as u16;
                v | (x as u128) << (16 * lane)
            })
        } else {
            (bits as u128) << 64 | rng.next_u64() as u128
        }),
        ValType::FuncRef => Value::FuncRef(None),
        ValType::ExternRef => Value::ExternRef(if bits.is_multiple_of(3) {
            None
        } else {
            Some(1 + bits % 3)
        }),
    }
}

/// FNV-1a: a stable 64-bit hash for seeding from bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// SplitMix64: tiny, fast and good enough for test inputs.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `n` pseudo-random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_every_export_with_zero_edge_and_random_sets() {
        let wat = r#"(module (func (export "a") (param i32 f64 externref)) (func (export "b")) (memory (export "m") 1))"#;
        let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
        let p = plan(&module);
        assert_eq!(p.len(), 6);
        assert_eq!(p[0].export, "a");
        assert!(matches!(
            p[0].args[..],
            [Value::I32(0), Value::F64(0), Value::ExternRef(None)]
        ));
        assert_eq!(p[1].export, "b");
        assert_eq!(
            plan(&module)
                .iter()
                .map(|c| format!("{:?}", c.args))
                .collect::<Vec<_>>(),
            p.iter()
                .map(|c| format!("{:?}", c.args))
                .collect::<Vec<_>>()
        );
    }
}
