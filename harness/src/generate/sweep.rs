//! Sweeps: generators aimed at the coverage cells (see `crate::coverage`)
//! that wasm-smith and the other targeted generators rarely reach.
//!
//! * [`numeric`]: every numeric instruction of WebAssembly 2.0 on operands
//!   drawn from per-type edge pools, on pairs chosen to meet the classes
//!   (`MIN / -1`, `+0` against `-0`, `MAX + MAX`, a value with itself),
//!   and on parameters (which the plan fills with edge values).
//! * [`memory`]: every load and store at address 0, at the last byte and
//!   one past it (with and without a static offset, computed from
//!   `memory.size` so they stay at the edge after a grow), with
//!   `address + offset` past 4 GiB, over memory holding non-zero data;
//!   `memory.grow` that succeeds and fails; `fill`, `copy` (overlapping
//!   both ways) and `init` (to the segment's end, after `data.drop`) at
//!   the bounds.
//! * [`tables`]: tables holding functions of several signatures;
//!   `call_indirect` to null, out of bounds, and with a signature that
//!   differs at the same and at another arity; every table instruction at
//!   its bounds, with null and non-null values.

use super::choose::{finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

const I32: &[&str] = &[
    "0",
    "1",
    "-1",
    "0x7fffffff",
    "0x80000000",
    "31",
    "32",
    "33",
    "-32",
    "0xffff",
    "0x80",
    "0xff",
    "0x8000",
    "0x7f",
    "16777217",
    "7",
    "2",
    "0x7fc00000",
    "0x7f800001",
];
const I64: &[&str] = &[
    "0",
    "1",
    "-1",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "63",
    "64",
    "65",
    "-64",
    "0xffffffff",
    "0x80000000",
    "0x100000000",
    "0x80",
    "0x8000",
    "9007199254740993",
    "16777217",
    "7",
    "0x7ff8000000000001",
];
const F32: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "-0.5",
    "1.5",
    "2.5",
    "-2.5",
    "-0.75",
    "inf",
    "-inf",
    "nan",
    "-nan",
    "0x1p-149",
    "0x1.fffffep127",
    "-0x1.fffffep127",
    "2147483520",
    "2147483648",
    "-2147483648",
    "-2147483904",
    "4294967040",
    "4294967296",
    "0x1.fffffep62",
    "0x1p63",
    "-0x1p63",
    "-0x1.000002p63",
    "0x1.fffffep63",
    "0x1p64",
];
const F64: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "-0.5",
    "2.5",
    "-3.5",
    "-0.75",
    "inf",
    "-inf",
    "nan",
    "-nan",
    "0x1p-1074",
    "0x1.fffffffffffffp1023",
    "-0x1.fffffffffffffp1023",
    "1e300",
    "2147483647.9",
    "2147483648",
    "-2147483648.9",
    "-2147483649",
    "4294967295.9",
    "4294967296",
    "0x1.fffffffffffffp62",
    "0x1p63",
    "-0x1p63",
    "-0x1.0000000000001p63",
    "0x1.fffffffffffffp63",
    "0x1p64",
    "3.4028235677973366e38",
    "1e-310",
    "1e-50",
    "0.1",
];

/// Operand pairs that meet the binary classes of each type.
fn pairs(ty: &str) -> &'static [(&'static str, &'static str)] {
    match ty {
        "i32" => &[
            ("0x80000000", "-1"),
            ("0x7fffffff", "1"),
            ("0x80000000", "0x80000000"),
            ("-1", "-1"),
            ("1", "7"),
            ("-7", "1"),
            ("5", "0xffffffff"),
            ("-5", "32"),
            ("0x7fffffff", "0x7fffffff"),
            ("-1", "0x7fffffff"),
        ],
        "i64" => &[
            ("0x8000000000000000", "-1"),
            ("0x7fffffffffffffff", "1"),
            ("0x8000000000000000", "0x8000000000000000"),
            ("-1", "-1"),
            ("1", "7"),
            ("-7", "1"),
            ("5", "0xffffffffffffffff"),
            ("-5", "64"),
            ("0x7fffffffffffffff", "0x7fffffffffffffff"),
            ("-1", "0x7fffffffffffffff"),
        ],
        "f32" => &[
            ("0", "-0"),
            ("-0", "0"),
            ("0x1.fffffep127", "0x1.fffffep127"),
            ("0x1.fffffep127", "-0x1.fffffep127"),
            ("1", "0"),
            ("inf", "-inf"),
            ("nan", "1"),
            ("1.5", "1.5"),
            ("-1", "0x1p-149"),
        ],
        _ => &[
            ("0", "-0"),
            ("-0", "0"),
            ("1e300", "1e300"),
            ("0x1.fffffffffffffp1023", "-0x1.fffffffffffffp1023"),
            ("1", "0"),
            ("inf", "-inf"),
            ("nan", "1"),
            ("2.5", "2.5"),
            ("-1", "0x1p-1074"),
        ],
    }
}

fn pool(ty: &str) -> &'static [&'static str] {
    match ty {
        "i32" => I32,
        "i64" => I64,
        "f32" => F32,
        _ => F64,
    }
}

/// An operand of type `ty`: a constant from its pool or parameter `param`.
fn operand(u: &mut Unstructured, ty: &str, param: Option<u32>) -> String {
    match param {
        Some(p) => format!("(local.get {p})"),
        None => format!("({ty}.const {})", pick(u, pool(ty))),
    }
}

/// `(result, operand types, name)` of every numeric instruction.
fn numeric_ops() -> Vec<(&'static str, Vec<&'static str>, String)> {
    let mut ops = Vec::new();
    for t in ["i32", "i64"] {
        for op in [
            "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
            "shr_s", "shr_u", "rotl", "rotr",
        ] {
            ops.push((t, vec![t, t], format!("{t}.{op}")));
        }
        for op in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            ops.push(("i32", vec![t, t], format!("{t}.{op}")));
        }
        for op in ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"] {
            ops.push((t, vec![t], format!("{t}.{op}")));
        }
        ops.push(("i32", vec![t], format!("{t}.eqz")));
    }
    ops.push(("i64", vec!["i64"], "i64.extend32_s".into()));
    for t in ["f32", "f64"] {
        for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
            ops.push((t, vec![t, t], format!("{t}.{op}")));
        }
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            ops.push(("i32", vec![t, t], format!("{t}.{op}")));
        }
        for op in ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"] {
            ops.push((t, vec![t], format!("{t}.{op}")));
        }
    }
    for (i, f) in [
        ("i32", "f32"),
        ("i32", "f64"),
        ("i64", "f32"),
        ("i64", "f64"),
    ] {
        for s in ["s", "u"] {
            ops.push((i, vec![f], format!("{i}.trunc_{f}_{s}")));
            ops.push((i, vec![f], format!("{i}.trunc_sat_{f}_{s}")));
            ops.push((f, vec![i], format!("{f}.convert_{i}_{s}")));
        }
    }
    ops.push(("i32", vec!["i64"], "i32.wrap_i64".into()));
    ops.push(("i64", vec!["i32"], "i64.extend_i32_s".into()));
    ops.push(("i64", vec!["i32"], "i64.extend_i32_u".into()));
    ops.push(("f32", vec!["f64"], "f32.demote_f64".into()));
    ops.push(("f64", vec!["f32"], "f64.promote_f32".into()));
    ops.push(("i32", vec!["f32"], "i32.reinterpret_f32".into()));
    ops.push(("i64", vec!["f64"], "i64.reinterpret_f64".into()));
    ops.push(("f32", vec!["i32"], "f32.reinterpret_i32".into()));
    ops.push(("f64", vec!["i64"], "f64.reinterpret_i64".into()));
    ops
}

/// Numeric instructions on edge operands and edge pairs.
pub fn numeric(u: &mut Unstructured) -> Vec<u8> {
    let ops = numeric_ops();
    let mut w = String::from("(module\n");
    for i in 0..range(u, 8, 32) {
        let (res, args, name) = &ops[u.choose_index(ops.len()).unwrap_or(0)];
        let by_params = u.ratio(1, 4).unwrap_or(false);
        let operands: Vec<String> =
            if args.len() == 2 && !by_params && u.ratio(1, 2).unwrap_or(false) {
                let (a, b) = match u.ratio(1, 3).unwrap_or(false) {
                    true => {
                        let v = pick(u, pool(args[0]));
                        (*v, *v)
                    }
                    false => *pick(u, pairs(args[0])),
                };
                vec![
                    format!("({}.const {a})", args[0]),
                    format!("({}.const {b})", args[0]),
                ]
            } else {
                args.iter()
                    .enumerate()
                    .map(|(k, t)| operand(u, t, by_params.then_some(k as u32)))
                    .collect()
            };
        let params = if by_params {
            format!("(param {}) ", args.join(" "))
        } else {
            String::new()
        };
        let _ = writeln!(
            w,
            "  (func (export \"n{i}\") {params}(result {res}) ({name} {}))",
            operands.join(" ")
        );
    }
    fused_shapes(u, &mut w);
    // Control classes: an `if` without `else`, `br_table` far past its list.
    let _ = writeln!(
        w,
        "  (func (export \"ctl\") (param i32) (result i32)
    (if (local.get 0) (then (return (i32.const 1))))
    (block $a (block $b (br_table $a $b (i32.const {}))) (return (i32.const 2)))
    (i32.const 3))",
        pick(u, &["0", "1", "2", "0x80000000", "-1"])
    );
    w.push(')');
    finish(w)
}

/// Shapes a tier may run through a path of its own (tier-path coverage):
/// a multiply feeding an add or subtract on either side, an address
/// computed ahead of its use (scaled, and base plus scaled index), an add
/// whose result is copied on, and a loop directly holding another.
fn fused_shapes(u: &mut Unstructured, w: &mut String) {
    let t = *pick(u, &["i32", "i64", "f32", "f64"]);
    let op = *pick(u, &["add", "sub"]);
    let (k, c) = (range(u, 1, 3), range(u, 0, 40));
    let _ = writeln!(
        w,
        "  (func (export \"mul-then\") (param {t} {t} {t}) (result {t}) ({t}.{op} ({t}.mul (local.get 0) (local.get 1)) (local.get 2)))
  (func (export \"then-mul\") (param {t} {t} {t}) (result {t}) ({t}.{op} (local.get 2) ({t}.mul (local.get 0) (local.get 1))))
  (func (export \"lea\") (param i32) (result i32) (i32.add (i32.shl (local.get 0) (i32.const {k})) (i32.const {c})))
  (func (export \"lea2\") (param i32) (result i32) (i32.add (i32.add (local.get 0) (i32.shl (local.get 0) (i32.const {k}))) (i32.const {c})))
  (func (export \"copied\") (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.add (local.get 0) (i32.const {c})))
    (local.set 2 (local.get 1))
    (i32.add (local.get 1) (local.get 2)))
  (func (export \"loops\") (param i32) (result i32) (loop (loop)) (local.get 0))"
    );
}

/// `(name, width, value type)` of every load and store.
const LOADS: &[(&str, u32, &str)] = &[
    ("i32.load", 4, "i32"),
    ("i64.load", 8, "i64"),
    ("f32.load", 4, "f32"),
    ("f64.load", 8, "f64"),
    ("i32.load8_s", 1, "i32"),
    ("i32.load8_u", 1, "i32"),
    ("i32.load16_s", 2, "i32"),
    ("i32.load16_u", 2, "i32"),
    ("i64.load8_s", 1, "i64"),
    ("i64.load8_u", 1, "i64"),
    ("i64.load16_s", 2, "i64"),
    ("i64.load16_u", 2, "i64"),
    ("i64.load32_s", 4, "i64"),
    ("i64.load32_u", 4, "i64"),
];
const STORES: &[(&str, u32, &str)] = &[
    ("i32.store", 4, "i32"),
    ("i64.store", 8, "i64"),
    ("f32.store", 4, "f32"),
    ("f64.store", 8, "f64"),
    ("i32.store8", 1, "i32"),
    ("i32.store16", 2, "i32"),
    ("i64.store8", 1, "i64"),
    ("i64.store16", 2, "i64"),
    ("i64.store32", 4, "i64"),
];

/// An address expression and static offset for an access of `width`
/// bytes: at 0, at the last byte, one past it (with and without an
/// offset), in bounds with an offset, past 4 GiB, from parameter 0, or
/// computed from parameter 0 in each shape for which a tier has its own
/// address form (scaled, scaled plus a constant, base plus scaled index,
/// with a constant, and base plus index).
fn address(u: &mut Unstructured, width: u32) -> (String, u32) {
    let end =
        |k: i64| format!("(i32.add (i32.mul (memory.size) (i32.const 65536)) (i32.const {k}))");
    let w = width as i64;
    let off = *pick(u, &[1u32, 3, 16]);
    let k = range(u, 1, 3);
    let c = range(u, 0, 24);
    if range(u, 0, 1) == 1 {
        let scaled = format!("(i32.shl (local.get 0) (i32.const {k}))");
        let indexed = format!("(i32.add (local.get 0) {scaled})");
        return match range(u, 0, 4) {
            0 => (scaled, off - 1),
            1 => (format!("(i32.add {scaled} (i32.const {c}))"), off - 1),
            2 => (indexed, off - 1),
            3 => (format!("(i32.add {indexed} (i32.const {c}))"), off - 1),
            _ => ("(i32.add (local.get 0) (local.get 0))".into(), off - 1),
        };
    }
    match range(u, 0, 8) {
        0 => ("(i32.const 0)".into(), 0),
        1 => (end(-w), 0),
        2 => (end(-w - off as i64), off),
        3 => (end(-w + 1), 0),
        4 => (end(-w + 1 - off as i64), off),
        5 => (format!("(i32.const {})", range(u, 0, 64)), off),
        6 => (
            format!("(i32.const {})", u32::MAX - range(u, 0, 8)),
            *pick(u, &[16, 0xffff_fff0]),
        ),
        7 => ("(local.get 0)".into(), *pick(u, &[0, 1, 4, 65_536])),
        _ => (format!("(i32.const {})", range(u, 0, 70_000)), 0),
    }
}

/// Two accesses to one address value (parameter 0), the second within the
/// reach of the first and at a smaller, non-zero offset: a JIT may skip
/// the second bounds check (the first dominates it) and then must still
/// add the second offset.
fn same_address_twice(
    u: &mut Unstructured,
    value: impl Fn(&mut Unstructured, &str) -> String,
) -> String {
    let (load, width, t) = *pick(u, LOADS);
    let lo = range(u, 1, 12);
    // The first access reaches at least as far as the second.
    let hi = lo + width + range(u, 0, 8);
    let first = if u.ratio(1, 2).unwrap_or(false) {
        let (store, _, st) = *pick(u, STORES);
        let x = value(u, st);
        format!("({store} offset={hi} (local.get 0) {x})")
    } else {
        let (first, _, _) = *pick(u, &LOADS[..4]);
        format!("(drop ({first} offset={hi} (local.get 0)))")
    };
    format!("(param i32) (result {t}) {first} ({load} offset={lo} (local.get 0))")
}

/// Loads, stores and bulk memory operations at the bounds of memory that
/// holds non-zero data.
pub fn memory(u: &mut Unstructured) -> Vec<u8> {
    let min = range(u, 0, 2);
    let max = min + range(u, 0, 2);
    let mut w = format!("(module\n  (memory (export \"mem\") {min} {max})\n");
    let bytes = |u: &mut Unstructured, n: u32| -> String {
        (0..n)
            .map(|_| format!("\\{:02x}", range(u, 0, 255) as u8 | 1))
            .collect()
    };
    if min > 0 {
        let _ = writeln!(w, "  (data (i32.const 0) \"{}\")", bytes(u, 64));
        let _ = writeln!(
            w,
            "  (data (i32.const {}) \"{}\")",
            min * 65_536 - 16,
            bytes(u, 16)
        );
    }
    let seg_len = range(u, 0, 32);
    let _ = writeln!(w, "  (data $p \"{}\")", bytes(u, seg_len));
    let v =
        |u: &mut Unstructured, t: &str| -> String { format!("({t}.const {})", pick(u, pool(t))) };
    for i in 0..range(u, 6, 24) {
        let body = match range(u, 0, 10) {
            0..=2 => {
                let (load, width, t) = *pick(u, LOADS);
                let (addr, off) = address(u, width);
                format!("(param i32) (result {t}) ({load} offset={off} {addr})")
            }
            3..=4 => {
                let (store, width, t) = *pick(u, STORES);
                let (addr, off) = address(u, width);
                let value = v(u, t);
                format!("(param i32) ({store} offset={off} {addr} {value})")
            }
            5 => {
                // 17 fails (past the 16-page store limit) without asking
                // for gigabytes should a fault let it through.
                let delta = pick(u, &["0", "1", "2", "17", "-1"]);
                format!("(result i32) (memory.grow (i32.const {delta}))")
            }
            6 => {
                let n = range(u, 0, 9);
                let (d, n) = match range(u, 0, 4) {
                    0 => ("(i32.const 0)".to_string(), 0),
                    1 => ("(i32.mul (memory.size) (i32.const 65536))".into(), 0),
                    2 => (
                        format!(
                            "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {n}))"
                        ),
                        n,
                    ),
                    3 => (
                        format!(
                            "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {}))",
                            n.max(1) - 1
                        ),
                        n.max(1),
                    ),
                    _ => ("(local.get 0)".into(), n),
                };
                format!(
                    "(param i32) (memory.fill {d} (i32.const {}) (i32.const {n}))",
                    range(u, 0, 255)
                )
            }
            7 => {
                let n = range(u, 0, 24);
                let s = range(u, 0, 48);
                let d = match range(u, 0, 4) {
                    0 => format!("(i32.const {})", s + range(u, 1, n.max(1))),
                    1 => format!("(i32.const {})", s.saturating_sub(range(u, 1, n.max(1)))),
                    2 => format!(
                        "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {n}))"
                    ),
                    3 => format!(
                        "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {}))",
                        n.max(1) - 1
                    ),
                    _ => "(local.get 0)".into(),
                };
                format!("(param i32) (result i32) (memory.copy {d} (i32.const {s}) (i32.const {n})) (i32.load8_u (i32.const {s}))")
            }
            9 => same_address_twice(u, v),
            _ => {
                let s = range(u, 0, seg_len);
                let n = match u.arbitrary().unwrap_or(false) {
                    true => seg_len - s,
                    false => range(u, 0, seg_len + 2),
                };
                let d = match range(u, 0, 2) {
                    0 => format!("(i32.const {})", range(u, 0, 64)),
                    1 => format!(
                        "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {n}))"
                    ),
                    _ => format!(
                        "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {}))",
                        n.max(1) - 1
                    ),
                };
                let drop = if u.ratio(1, 4).unwrap_or(false) {
                    "(data.drop $p) "
                } else {
                    ""
                };
                format!("(param i32) {drop}(memory.init $p {d} (i32.const {s}) (i32.const {n}))")
            }
        };
        let _ = writeln!(w, "  (func (export \"m{i}\") {body})");
    }
    w.push(')');
    finish(w)
}

/// Table instructions at their bounds; `call_indirect` through entries of
/// several signatures, null slots and indices out of bounds.
pub fn tables(u: &mut Unstructured) -> Vec<u8> {
    let s0 = range(u, 1, 8);
    let s1 = range(u, 0, 4);
    let mut w = String::from(
        "(module
  (type $v (func))
  (type $i (func (param i32) (result i32)))
  (type $f (func (param f32) (result i32)))
  (type $ii (func (param i32 i32) (result i32)))
  (func $fv (type $v))
  (func $fi (type $i) (i32.add (local.get 0) (i32.const 1)))
  (func $ff (type $f) (i32.trunc_sat_f32_s (local.get 0)))
  (func $fii (type $ii) (i32.sub (local.get 0) (local.get 1)))
  (elem declare func $fv $fi $ff $fii)
",
    );
    let _ = writeln!(
        w,
        "  (table $t0 (export \"tab0\") {s0} {} funcref)",
        s0 + range(u, 0, 4)
    );
    let _ = writeln!(
        w,
        "  (table $t1 (export \"tab1\") {s1} {} funcref)",
        s1 + range(u, 0, 4)
    );
    let funcs = ["$fv", "$fi", "$ff", "$fii"];
    let entries: Vec<&str> = (0..range(u, 1, s0)).map(|_| *pick(u, &funcs)).collect();
    let _ = writeln!(
        w,
        "  (elem (table $t0) (i32.const 0) func {})",
        entries.join(" ")
    );
    let passive: Vec<String> = (0..range(u, 0, 6))
        .map(|_| match range(u, 0, 4) {
            0 => "(ref.null func)".to_string(),
            _ => format!("(ref.func {})", pick(u, &funcs)),
        })
        .collect();
    let seg_len = passive.len() as u32;
    let _ = writeln!(w, "  (elem $p funcref {})", passive.join(" "));
    let index = |u: &mut Unstructured, t: &str| -> String {
        match range(u, 0, 5) {
            0 => "(i32.const 0)".into(),
            1 => format!("(i32.sub (table.size {t}) (i32.const 1))"),
            2 => format!("(table.size {t})"),
            3 => "(i32.const -1)".into(),
            4 => "(local.get 0)".into(),
            _ => format!("(i32.const {})", range(u, 0, 9)),
        }
    };
    let value = |u: &mut Unstructured| -> String {
        match u.arbitrary().unwrap_or(false) {
            true => "(ref.null func)".into(),
            false => format!("(ref.func {})", pick(u, &funcs)),
        }
    };
    for i in 0..range(u, 6, 20) {
        let t = *pick(u, &["$t0", "$t0", "$t1"]);
        let body = match range(u, 0, 8) {
            0 | 1 => format!(
                "(param i32) (result i32) (call_indirect $t0 (type $i) (i32.const 7) {})",
                index(u, "$t0")
            ),
            2 => format!(
                "(param i32) (result i32) (ref.is_null (table.get {t} {}))",
                index(u, t)
            ),
            3 => format!("(param i32) (table.set {t} {} {})", index(u, t), value(u)),
            4 => {
                let delta = pick(u, &["0", "1", "2", "1000", "-1"]);
                format!(
                    "(param i32) (result i32) (table.grow {t} {} (i32.const {delta}))",
                    value(u)
                )
            }
            5 => {
                let n = range(u, 0, 4);
                let d = match range(u, 0, 3) {
                    0 => "(i32.const 0)".to_string(),
                    1 => format!("(i32.sub (table.size {t}) (i32.const {n}))"),
                    2 => format!("(i32.sub (table.size {t}) (i32.const {}))", n.max(1) - 1),
                    _ => format!("(table.size {t})"),
                };
                format!(
                    "(param i32) (table.fill {t} {d} {} (i32.const {n}))",
                    value(u)
                )
            }
            6 => {
                let (dt, st) = *pick(
                    u,
                    &[
                        ("$t0", "$t0"),
                        ("$t0", "$t0"),
                        ("$t0", "$t1"),
                        ("$t1", "$t0"),
                    ],
                );
                let n = range(u, 0, 4);
                let s = range(u, 0, 4);
                let d = match range(u, 0, 3) {
                    0 => format!("(i32.const {})", s + range(u, 1, n.max(1))),
                    1 => format!("(i32.const {})", s.saturating_sub(range(u, 1, n.max(1)))),
                    2 => format!("(i32.sub (table.size {dt}) (i32.const {n}))"),
                    _ => format!("(i32.sub (table.size {dt}) (i32.const {}))", n.max(1) - 1),
                };
                format!("(param i32) (table.copy {dt} {st} {d} (i32.const {s}) (i32.const {n}))")
            }
            _ => {
                let s = range(u, 0, seg_len);
                let n = match u.arbitrary().unwrap_or(false) {
                    true => seg_len - s,
                    false => range(u, 0, seg_len + 2),
                };
                let d = match range(u, 0, 1) {
                    0 => format!("(i32.const {})", range(u, 0, 3)),
                    _ => format!("(i32.sub (table.size {t}) (i32.const {n}))"),
                };
                let drop = if u.ratio(1, 4).unwrap_or(false) {
                    "(elem.drop $p) "
                } else {
                    ""
                };
                format!("(param i32) {drop}(table.init {t} $p {d} (i32.const {s}) (i32.const {n}))")
            }
        };
        let _ = writeln!(w, "  (func (export \"t{i}\") {body})");
    }
    w.push(')');
    finish(w)
}
