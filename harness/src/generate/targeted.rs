//! Generators for shapes wasm-smith rarely produces: unset reference
//! locals, many-target `br_table`, slot pressure, edge-value arithmetic and
//! memory accesses at the bounds. Each writes WAT from the input's choices;
//! a choice that runs out of input takes its first option, so every input
//! gives a valid module. Every function is exported; loops are bounded.

use super::choose::{finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

/// Reference-typed locals, globals and tables: unset, passed in, stored, tested.
pub fn ref_locals(u: &mut Unstructured) -> Vec<u8> {
    let size = range(u, 1, 8);
    let mut w = String::from("(module\n");
    let _ = writeln!(w, "  (table $te (export \"te\") {size} externref)\n  (table $tf (export \"tf\") {size} funcref)");
    w.push_str("  (global $ge (export \"ge\") (mut externref) (ref.null extern))\n");
    w.push_str("  (global $gf (export \"gf\") (mut funcref) (ref.null func))\n");
    let k = range(u, 0, 1000);
    let _ = writeln!(w, "  (func $callee (export \"callee\") (result i32) i32.const {k})\n  (elem declare func $callee)");
    let count = range(u, 3, 10);
    for i in 0..count {
        let extra = range(u, 0, 5);
        let ty = *pick(u, &["externref", "funcref"]);
        let locals = format!(
            "(local {})",
            std::iter::repeat_n("i32", extra as usize)
                .chain([ty])
                .collect::<Vec<_>>()
                .join(" ")
        );
        let r = extra; // index of the reference local
        let slot = range(u, 0, size * 2); // sometimes out of bounds
        let body = match range(u, 0, 7) {
            0 => format!("(result {ty}) {locals} local.get {r}"),
            1 => format!("(result i32) {locals} local.get {r} ref.is_null"),
            2 if ty == "externref" => format!("(param externref) (result externref) {locals} (select (result externref) (local.get 0) (local.get {}) (i32.const {}))", r + 1, range(u, 0, 1)),
            3 if ty == "externref" => format!("(param externref) {locals} (table.set $te (i32.const {slot}) (local.get {})) (global.set $ge (local.get {}))", *pick(u, &[0, r + 1]), *pick(u, &[0, r + 1])),
            3 => format!("{locals} (table.set $tf (i32.const {slot}) (local.get {r})) (global.set $gf (local.get {r}))"),
            4 => "(param i32) (result i32) (call_indirect $tf (result i32) (local.get 0))".to_string(),
            5 => format!("{locals} (table.set $tf (i32.const {slot}) (ref.func $callee)) (global.set $gf (ref.func $callee))"),
            6 => format!("(result i32) {locals} (table.fill $te (i32.const 0) (ref.null extern) (i32.const {})) (table.size $te)", slot.min(size)),
            _ => format!("(param externref) (result i32) {locals} (if (result i32) (ref.is_null (local.get 0)) (then (i32.const 1)) (else (local.get {}) ref.is_null))", r + 1),
        };
        let _ = writeln!(w, "  (func (export \"r{i}\") {body})");
    }
    w.push(')');
    finish(w)
}

/// Many-target `br_table`s carrying values, inside deep block nests.
pub fn br_table(u: &mut Unstructured) -> Vec<u8> {
    let mut w = String::from("(module\n");
    let funcs = range(u, 1, 3);
    for f in 0..funcs {
        let depth = range(u, 1, 60);
        let targets = range(u, 1, 400);
        let _ = writeln!(w, "  (func (export \"bt{f}\") (param i32) (result i32)");
        for _ in 0..depth {
            w.push_str("    (block (result i32)\n");
        }
        let carried = range(u, 0, 1 << 20);
        let _ = write!(w, "      i32.const {carried} local.get 0 br_table");
        for _ in 0..targets {
            let _ = write!(w, " {}", range(u, 0, depth - 1));
        }
        let _ = writeln!(w, " {}", range(u, 0, depth - 1));
        for j in 0..depth {
            let _ = writeln!(
                w,
                "    ) i32.const {} i32.add ;; leaving block {j}",
                range(u, 1, 1 << 16)
            );
        }
        w.push_str("  )\n");
    }
    // A br_table-driven state machine in a bounded loop.
    let states = range(u, 2, 40);
    let _ = writeln!(
        w,
        "  (func (export \"machine\") (param i32) (result i32) (local $acc i32) (local $n i32)"
    );
    let _ = writeln!(
        w,
        "    (local.set $n (i32.const {}))\n    (loop $l",
        range(u, 1, 200)
    );
    for _ in 0..states {
        w.push_str("      (block\n");
    }
    let _ = write!(w, "        (br_table");
    for s in 0..states {
        let _ = write!(w, " {s}");
    }
    let _ = writeln!(w, " 0 (i32.rem_u (local.get 0) (i32.const {states})))");
    for s in 0..states {
        let op = *pick(u, &["i32.add", "i32.xor", "i32.mul", "i32.rotl"]);
        let _ = writeln!(w, "      ) (local.set $acc ({op} (local.get $acc) (i32.const {}))) (local.set 0 (i32.add (local.get 0) (i32.const {}))) (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))) ;; state {s}", range(u, 0, 9999), range(u, 1, 7));
    }
    w.push_str("    ) local.get $acc)\n)");
    finish(w)
}

/// Thousands of locals, long expression chains, and locals overwritten
/// while their old values are still pending on the operand stack.
pub fn slot_pressure(u: &mut Unstructured) -> Vec<u8> {
    let locals = range(u, 16, 6000);
    let chain = range(u, 10, 600);
    let mut w = String::from("(module\n");
    let _ = writeln!(
        w,
        "  (func (export \"pressure\") (param i32 i64) (result i64) (local {})",
        std::iter::repeat_n("i64", locals as usize)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let fills = range(u, 1, 64);
    for _ in 0..fills {
        let l = 2 + range(u, 0, locals - 1);
        let _ = writeln!(
            w,
            "    (local.set {l} (i64.add (local.get 1) (i64.extend_i32_s (local.get 0))))"
        );
    }
    w.push_str("    local.get 1\n");
    let mut depth = 1u32;
    for _ in 0..chain {
        let l = 2 + range(u, 0, locals - 1);
        match range(u, 0, 5) {
            // Push a local and combine: keeps values pending while others change.
            0 | 1 => {
                let op = *pick(u, &["i64.add", "i64.xor", "i64.sub", "i64.mul", "i64.or"]);
                let _ = writeln!(w, "    local.get {l} {op}");
            }
            // The old value of `l` is on the stack when `l` is overwritten.
            2 => {
                let _ = writeln!(w, "    local.get {l} (local.set {l} (i64.const {})) local.get {l} i64.sub i64.add", range(u, 0, 1 << 30));
            }
            3 => {
                let _ = writeln!(
                    w,
                    "    local.tee {l} (i64.rotl (local.get {l}) (i64.const {})) i64.xor",
                    range(u, 0, 70)
                );
            }
            4 if depth < 200 => {
                let _ = writeln!(w, "    local.get {l}");
                depth += 1;
            }
            _ => {
                let _ = writeln!(
                    w,
                    "    (i64.shr_s (local.get {l}) (i64.const {})) i64.add",
                    range(u, 0, 130)
                );
            }
        }
    }
    for _ in 1..depth {
        w.push_str("    i64.add\n");
    }
    w.push_str("  )\n)");
    finish(w)
}

/// Integer and float operations on edge constants and edge parameters.
pub fn edge_arith(u: &mut Unstructured) -> Vec<u8> {
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
        "inf",
        "-inf",
        "nan",
        "-nan",
        "0x1p-149",
        "0x1.fffffep127",
        "2147483520",
        "2147483648",
        "-2147483904",
        "4294967040",
        "4294967296",
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
        "inf",
        "-inf",
        "nan",
        "-nan",
        "0x1p-1074",
        "0x1.fffffffffffffp1023",
        "2147483647.9",
        "2147483648",
        "-2147483648.9",
        "-2147483649",
        "9223372036854775807",
        "18446744073709551616",
    ];
    const BIN: &[(&str, &str, &str)] = &[
        ("i32", "i32", "div_s"),
        ("i32", "i32", "div_u"),
        ("i32", "i32", "rem_s"),
        ("i32", "i32", "rem_u"),
        ("i32", "i32", "shl"),
        ("i32", "i32", "shr_s"),
        ("i32", "i32", "shr_u"),
        ("i32", "i32", "rotl"),
        ("i32", "i32", "rotr"),
        ("i64", "i64", "div_s"),
        ("i64", "i64", "rem_s"),
        ("i64", "i64", "rem_u"),
        ("i64", "i64", "shl"),
        ("i64", "i64", "shr_s"),
        ("i64", "i64", "rotr"),
        ("i64", "i64", "shr_u"),
        ("i32", "i64", "lt_s"),
        ("i32", "i64", "gt_u"),
        ("i32", "i64", "eq"),
        ("f32", "f32", "min"),
        ("f32", "f32", "max"),
        ("f32", "f32", "copysign"),
        ("f32", "f32", "div"),
        ("f64", "f64", "min"),
        ("f64", "f64", "max"),
        ("f64", "f64", "copysign"),
        ("f64", "f64", "sub"),
        ("i32", "f32", "lt"),
        ("i32", "f64", "ge"),
    ];
    const UN: &[(&str, &str, &str)] = &[
        ("i32", "f32", "i32.trunc_f32_s"),
        ("i32", "f32", "i32.trunc_f32_u"),
        ("i32", "f64", "i32.trunc_f64_s"),
        ("i32", "f64", "i32.trunc_f64_u"),
        ("i64", "f32", "i64.trunc_f32_s"),
        ("i64", "f64", "i64.trunc_f64_u"),
        ("i32", "f32", "i32.trunc_sat_f32_s"),
        ("i64", "f64", "i64.trunc_sat_f64_u"),
        ("f32", "f32", "f32.nearest"),
        ("f64", "f64", "f64.nearest"),
        ("f32", "f32", "f32.sqrt"),
        ("f64", "f64", "f64.floor"),
        ("f32", "f64", "f32.demote_f64"),
        ("f64", "i64", "f64.convert_i64_u"),
        ("f32", "i64", "f32.convert_i64_s"),
        ("i32", "i32", "i32.clz"),
        ("i64", "i64", "i64.popcnt"),
        ("i64", "i32", "i64.extend_i32_u"),
        ("i32", "i32", "i32.extend8_s"),
    ];
    let lit = |u: &mut Unstructured, ty: &str| -> String {
        let v = match ty {
            "i32" => *pick(u, I32),
            "i64" => *pick(u, I64),
            "f32" => *pick(u, F32),
            _ => *pick(u, F64),
        };
        format!("({ty}.const {v})")
    };
    let mut w = String::from("(module\n");
    let count = range(u, 4, 24);
    for i in 0..count {
        let by_params = u.ratio(1, 3).unwrap_or(false);
        if u.arbitrary::<bool>().unwrap_or(true) {
            let (res, arg, op) = *pick(u, BIN);
            let name = format!("{arg}.{op}");
            let body = if by_params {
                format!("(param {arg} {arg}) (result {res}) ({name} (local.get 0) (local.get 1))")
            } else {
                format!("(result {res}) ({name} {} {})", lit(u, arg), lit(u, arg))
            };
            let _ = writeln!(w, "  (func (export \"e{i}\") {body})");
        } else {
            let (res, arg, op) = *pick(u, UN);
            let body = if by_params {
                format!("(param {arg}) (result {res}) ({op} (local.get 0))")
            } else {
                format!("(result {res}) ({op} {})", lit(u, arg))
            };
            let _ = writeln!(w, "  (func (export \"e{i}\") {body})");
        }
    }
    // Comparisons steering branches, against a parameter or an edge constant.
    for i in 0..range(u, 1, 4) {
        let cmp = *pick(
            u,
            &[
                "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u", "eq", "ne",
            ],
        );
        let ty = *pick(u, &["i32", "i64"]);
        let rhs = if u.arbitrary().unwrap_or(false) {
            "(local.get 1)".to_string()
        } else {
            lit(u, ty)
        };
        let _ = writeln!(
            w,
            "  (func (export \"c{i}\") (param {ty} {ty}) (result i32) (if (result i32) ({ty}.{cmp} (local.get 0) {rhs}) (then (i32.const 1)) (else (i32.const 2))))"
        );
    }
    w.push(')');
    finish(w)
}

/// Loads and stores at the edge of memory, before and after `memory.grow`.
pub fn memory_edges(u: &mut Unstructured) -> Vec<u8> {
    let min = range(u, 0, 3);
    let max = min + range(u, 0, 3);
    let mut w = format!("(module\n  (memory (export \"mem\") {min} {max})\n");
    let count = range(u, 3, 16);
    for i in 0..count {
        let (load, store, width) = *pick(
            u,
            &[
                ("i32.load", "i32.store", 4u32),
                ("i64.load", "i64.store", 8),
                ("i32.load8_u", "i32.store8", 1),
                ("i32.load8_s", "i32.store8", 1),
                ("i64.load8_s", "i64.store8", 1),
                ("i64.load16_s", "i64.store16", 2),
                ("i64.load32_u", "i64.store32", 4),
            ],
        );
        let vt = if load.starts_with("i64") {
            "i64"
        } else {
            "i32"
        };
        let pages = *pick(u, &[min, max, min + 1]);
        let edge =
            (pages as i64) * 65_536 - width as i64 + range(u, 0, 2 * width) as i64 - width as i64;
        let addr = edge.clamp(0, u32::MAX as i64);
        let offset = *pick(u, &[0u64, 1, 4, 65_536, 4_294_967_295]);
        let body = match range(u, 0, 4) {
            0 => format!("(result {vt}) ({load} offset={offset} (i32.const {addr}))"),
            1 => format!("(param i32) (result {vt}) ({store} offset={offset} (i32.const {addr}) ({vt}.const {})) ({load} offset={offset} (local.get 0))", range(u, 0, u32::MAX)),
            2 => format!("(result i32) (drop (memory.grow (i32.const {}))) ({store} (i32.const {addr}) ({vt}.const -1)) (memory.size)", range(u, 0, 3)),
            3 => format!("(param i32 i32) (memory.fill (local.get 0) (i32.const {}) (local.get 1))", range(u, 0, 255)),
            _ => format!("(param i32) (result {vt}) (memory.copy (i32.const {addr}) (local.get 0) (i32.const {width})) ({load} (i32.const {addr}))"),
        };
        let _ = writeln!(w, "  (func (export \"m{i}\") {body})");
    }
    w.push(')');
    finish(w)
}
