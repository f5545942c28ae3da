//! The NaN rule (`tierdiff_runtime::nan`), bit for bit, on every float
//! instruction in every tier: an arithmetic instruction whose result (or
//! lane) is NaN gives the positive canonical NaN whatever its operands'
//! signs and payloads; bit instructions keep every bit; and every tier
//! gives the same bits as the classic tier for every input.

use tierdiff_runtime::nan;
use tierdiff_runtime::{Extern, InstanceId, Limits, Linker, Module, Store, TierKind, Val};

/// f32 inputs: NaNs of both signs with payloads, signalling and quiet,
/// and the values whose combinations make NaN from non-NaN (inf - inf,
/// 0 * inf, 0 / 0, sqrt of a negative).
const F32_INPUTS: [u32; 10] = [
    0x7fa0_0001,
    0xffc0_0123,
    0x7fc0_0000,
    0xffff_ffff,
    0x3f80_0000,
    0x8000_0000,
    0x0000_0000,
    0x7f80_0000,
    0xff80_0000,
    0xbf80_0000,
];

const F64_INPUTS: [u64; 10] = [
    0x7ff4_0000_0000_0001,
    0xfff8_0000_0000_0123,
    0x7ff8_0000_0000_0000,
    0xffff_ffff_ffff_ffff,
    0x3ff0_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
];

/// Scalar arithmetic instructions: (name, type, arity).
const SCALAR_ARITH: &[(&str, &str, usize)] = &[
    ("ceil", "", 1),
    ("floor", "", 1),
    ("trunc", "", 1),
    ("nearest", "", 1),
    ("sqrt", "", 1),
    ("add", "", 2),
    ("sub", "", 2),
    ("mul", "", 2),
    ("div", "", 2),
    ("min", "", 2),
    ("max", "", 2),
];

/// How a lane's or a value's bits must come out.
#[derive(Clone, Copy)]
enum Rule {
    /// NaN results are the canonical NaN.
    Arithmetic,
    /// Exactly these bits (a bit instruction).
    Bits(fn(&[u64]) -> u64),
}

struct Case {
    export: String,
    body: String,
    /// Parameter and result types (`f32`, `f64`, `v128`).
    params: Vec<&'static str>,
    result: &'static str,
    /// The lane width in bits of the result (32 or 64).
    lane: u32,
    rule: Rule,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for ty in ["f32", "f64"] {
        let lane = if ty == "f32" { 32 } else { 64 };
        for &(op, _, arity) in SCALAR_ARITH {
            out.push(Case {
                export: format!("{ty}.{op}"),
                body: format!("{ty}.{op}"),
                params: vec![ty; arity],
                result: ty,
                lane,
                rule: Rule::Arithmetic,
            });
        }
        let shape = if ty == "f32" { "f32x4" } else { "f64x2" };
        for &(op, _, arity) in SCALAR_ARITH {
            out.push(Case {
                export: format!("{shape}.{op}"),
                body: format!("{shape}.{op}"),
                params: vec!["v128"; arity],
                result: "v128",
                lane,
                rule: Rule::Arithmetic,
            });
        }
    }
    let bits = |export: &str, params: Vec<&'static str>, result, lane, f| Case {
        export: export.into(),
        body: export.into(),
        params,
        result,
        lane,
        rule: Rule::Bits(f),
    };
    out.extend([
        bits("f32.abs", vec!["f32"], "f32", 32, |a| a[0] & 0x7fff_ffff),
        bits("f32.neg", vec!["f32"], "f32", 32, |a| a[0] ^ 0x8000_0000),
        bits("f32.copysign", vec!["f32", "f32"], "f32", 32, |a| {
            (a[0] & 0x7fff_ffff) | (a[1] & 0x8000_0000)
        }),
        bits("f64.abs", vec!["f64"], "f64", 64, |a| a[0] & !(1 << 63)),
        bits("f64.neg", vec!["f64"], "f64", 64, |a| a[0] ^ (1 << 63)),
        bits("f64.copysign", vec!["f64", "f64"], "f64", 64, |a| {
            (a[0] & !(1 << 63)) | (a[1] & (1 << 63))
        }),
        bits("f32x4.abs", vec!["v128"], "v128", 32, |a| {
            a[0] & 0x7fff_ffff
        }),
        bits("f32x4.neg", vec!["v128"], "v128", 32, |a| {
            a[0] ^ 0x8000_0000
        }),
        bits("f64x2.abs", vec!["v128"], "v128", 64, |a| a[0] & !(1 << 63)),
        bits("f64x2.neg", vec!["v128"], "v128", 64, |a| a[0] ^ (1 << 63)),
        // pmin is `b < a ? b : a`, pmax `a < b ? b : a`: a NaN compares
        // false, so the first operand comes back untouched.
        bits("f32x4.pmin", vec!["v128", "v128"], "v128", 32, |a| {
            let (x, y) = (f32::from_bits(a[0] as u32), f32::from_bits(a[1] as u32));
            if y < x {
                a[1]
            } else {
                a[0]
            }
        }),
        bits("f64x2.pmax", vec!["v128", "v128"], "v128", 64, |a| {
            let (x, y) = (f64::from_bits(a[0]), f64::from_bits(a[1]));
            if x < y {
                a[1]
            } else {
                a[0]
            }
        }),
    ]);
    // Conversions between widths are arithmetic too.
    out.extend([
        Case {
            export: "f32.demote_f64".into(),
            body: "f32.demote_f64".into(),
            params: vec!["f64"],
            result: "f32",
            lane: 32,
            rule: Rule::Arithmetic,
        },
        Case {
            export: "f64.promote_f32".into(),
            body: "f64.promote_f32".into(),
            params: vec!["f32"],
            result: "f64",
            lane: 64,
            rule: Rule::Arithmetic,
        },
        Case {
            export: "f32x4.demote_f64x2_zero".into(),
            body: "f32x4.demote_f64x2_zero".into(),
            params: vec!["v128"],
            result: "v128",
            lane: 32,
            rule: Rule::Arithmetic,
        },
        Case {
            export: "f64x2.promote_low_f32x4".into(),
            body: "f64x2.promote_low_f32x4".into(),
            params: vec!["v128"],
            result: "v128",
            lane: 64,
            rule: Rule::Arithmetic,
        },
    ]);
    out
}

fn module(cases: &[Case]) -> String {
    let mut wat = String::from("(module\n");
    for c in cases {
        let params: String = c.params.iter().map(|p| format!(" {p}")).collect();
        let gets: String = (0..c.params.len())
            .map(|i| format!("local.get {i} "))
            .collect();
        wat.push_str(&format!(
            "  (func (export \"{}\") (param{params}) (result {}) {gets}{})\n",
            c.export, c.result, c.body
        ));
    }
    wat.push(')');
    wat
}

/// The argument lists for `case`: every pair (or single) of inputs; for
/// v128 operands the inputs fill the lanes, shifted per operand so every
/// lane meets a different partner.
fn arguments(case: &Case) -> Vec<Vec<Val>> {
    let arity = case.params.len();
    let n = F32_INPUTS.len();
    let scalar = |ty: &str, i: usize| match ty {
        "f32" => Val::F32(F32_INPUTS[i % n]),
        _ => Val::F64(F64_INPUTS[i % n]),
    };
    let lane_width = if case.params[0] == "v128" {
        // The operand's lane width: a demotion reads f64 lanes, a
        // promotion f32 lanes.
        match case.export.as_str() {
            "f32x4.demote_f64x2_zero" => 64,
            "f64x2.promote_low_f32x4" => 32,
            _ => case.lane,
        }
    } else {
        0
    };
    let vector = |i: usize| -> Val {
        let v = if lane_width == 32 {
            (0..4).fold(0u128, |v, l| {
                v | (F32_INPUTS[(i + l * 3) % n] as u128) << (32 * l)
            })
        } else {
            (0..2).fold(0u128, |v, l| {
                v | (F64_INPUTS[(i + l * 3) % n] as u128) << (64 * l)
            })
        };
        Val::V128(v)
    };
    let one = |ty: &str, i: usize| {
        if ty == "v128" {
            vector(i)
        } else {
            scalar(ty, i)
        }
    };
    let mut out = Vec::new();
    for i in 0..n {
        if arity == 1 {
            out.push(vec![one(case.params[0], i)]);
        } else {
            for j in 0..n {
                out.push(vec![one(case.params[0], i), one(case.params[1], j)]);
            }
        }
    }
    out
}

/// A value's lanes (a scalar is one lane) as raw bits.
fn lanes(v: &Val, width: u32) -> Vec<u64> {
    match *v {
        Val::F32(b) => vec![b as u64],
        Val::F64(b) => vec![b],
        Val::V128(x) if width == 32 => (0..4).map(|l| (x >> (32 * l)) as u32 as u64).collect(),
        Val::V128(x) => (0..2).map(|l| (x >> (64 * l)) as u64).collect(),
        ref other => panic!("not a float value: {other:?}"),
    }
}

fn instantiate(tier: TierKind, wasm: &[u8]) -> (Store, InstanceId) {
    let module = Module::new(wasm).expect("module loads");
    let mut store = Store::new(tier, Limits::default()).expect("tier is implemented");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    (store, inst)
}

fn call(store: &mut Store, inst: InstanceId, name: &str, args: &[Val]) -> Val {
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let results = store
        .invoke(f, args)
        .expect("float instructions do not trap");
    results[0]
}

#[test]
fn every_float_instruction_follows_the_nan_rule_in_every_tier() {
    let cases = cases();
    let wasm = wat::parse_str(module(&cases)).expect("wat parses");
    let tiers = TierKind::implemented();
    let mut stores: Vec<_> = tiers.iter().map(|&t| instantiate(t, &wasm)).collect();
    let mut nan_results = 0;
    for case in &cases {
        let mut saw_nan = false;
        for args in arguments(case) {
            let (first, rest) = stores.split_first_mut().expect("a tier");
            let baseline = call(&mut first.0, first.1, &case.export, &args);
            for ((store, inst), tier) in rest.iter_mut().zip(&tiers[1..]) {
                let got = call(store, *inst, &case.export, &args);
                assert_eq!(
                    got, baseline,
                    "{tier} differs from classic on {}({args:?})",
                    case.export
                );
            }
            let arg_lanes: Vec<Vec<u64>> = args
                .iter()
                .map(|a| {
                    let width = match (a, case.export.as_str()) {
                        (Val::V128(_), "f32x4.demote_f64x2_zero") => 64,
                        (Val::V128(_), "f64x2.promote_low_f32x4") => 32,
                        _ => case.lane,
                    };
                    lanes(a, width)
                })
                .collect();
            for (l, bits) in lanes(&baseline, case.lane).into_iter().enumerate() {
                let is_nan = match case.lane {
                    32 => nan::is_nan32(bits as u32),
                    _ => nan::is_nan64(bits),
                };
                match case.rule {
                    Rule::Arithmetic if is_nan => {
                        saw_nan = true;
                        let canonical = match case.lane {
                            32 => nan::F32 as u64,
                            _ => nan::F64,
                        };
                        assert_eq!(
                            bits, canonical,
                            "{}({args:?}) lane {l}: NaN {bits:#x} is not the canonical NaN",
                            case.export
                        );
                    }
                    Rule::Arithmetic => {}
                    Rule::Bits(f) => {
                        let operands: Vec<u64> = arg_lanes.iter().map(|a| a[l]).collect();
                        saw_nan |= is_nan;
                        assert_eq!(
                            bits,
                            f(&operands),
                            "{}({args:?}) lane {l}: bits changed",
                            case.export
                        );
                    }
                }
            }
        }
        assert!(saw_nan, "{}: no input gave a NaN", case.export);
        nan_results += 1;
    }
    assert_eq!(nan_results, cases.len());
    assert!(cases.len() >= 60, "{} instructions", cases.len());
}
