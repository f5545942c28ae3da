//! Extended constant expressions: `add`, `sub` and `mul` (wrapping) in
//! global initialisers and in data and element segment offsets. Offsets are
//! built to land on a chosen target (in bounds, at the edge, rarely one
//! past it, which traps at instantiation), so a store that evaluates them
//! wrongly moves bytes the harness compares; globals get edge arithmetic.

use super::choose::{bits64, chance, finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

/// Constants whose sums and products wrap.
const EDGES: &[u64] = &[
    0,
    1,
    u64::MAX,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0x1_0000_0000,
];

/// A constant expression of type `ty` (`i32` or `i64`) whose value is
/// `target` (modulo the type's width), nested up to `depth` operations.
fn expr(u: &mut Unstructured, ty: &str, target: u64, depth: u32) -> String {
    if depth == 0 || chance(u, 1, 3) {
        let mask = if ty == "i32" { 0xffff_ffff } else { u64::MAX };
        return format!("({ty}.const 0x{:x})", target & mask);
    }
    op_expr(u, ty, target, depth)
}

/// [`expr`] with at least one operation (`depth` at least 1).
fn op_expr(u: &mut Unstructured, ty: &str, target: u64, depth: u32) -> String {
    let mask = if ty == "i32" { 0xffff_ffff } else { u64::MAX };
    let target = target & mask;
    let a = if chance(u, 1, 2) {
        *pick(u, EDGES)
    } else {
        bits64(u)
    } & mask;
    let d = depth - 1;
    match range(u, 0, 2) {
        0 => format!(
            "({ty}.add {} {})",
            expr(u, ty, a, d),
            expr(u, ty, target.wrapping_sub(a), d)
        ),
        1 => format!(
            "({ty}.sub {} {})",
            expr(u, ty, target.wrapping_add(a), d),
            expr(u, ty, a, d)
        ),
        _ => {
            let b = *pick(u, EDGES) & mask;
            let rest = target.wrapping_sub(a.wrapping_mul(b));
            format!(
                "({ty}.add ({ty}.mul {} {}) {})",
                expr(u, ty, a, d),
                expr(u, ty, b, d),
                expr(u, ty, rest, d)
            )
        }
    }
}

/// Globals, a memory and a table whose initialisers and segment offsets
/// are extended constant expressions; the memory is 64-bit (with i64
/// offsets) in part of the cases when `memory64` is on.
pub fn ext_const(u: &mut Unstructured, memory64: bool) -> Vec<u8> {
    let index64 = memory64 && chance(u, 1, 3);
    let it = if index64 { "i64" } else { "i32" };
    let pages = range(u, 1, 2) as u64;
    let kind = if index64 { "i64 " } else { "" };
    let mut w = format!("(module\n  (memory (export \"mem\") {kind}{pages} {pages})\n");
    let table = range(u, 1, 8) as u64;
    let _ = writeln!(w, "  (table $t (export \"tab\") {table} funcref)");
    let _ = writeln!(w, "  (type $ri (func (result i32)))");
    let globals = range(u, 1, 6);
    for g in 0..globals {
        let ty = *pick(u, &["i32", "i64"]);
        let mutable = chance(u, 1, 2);
        let target = if chance(u, 1, 2) {
            *pick(u, EDGES)
        } else {
            bits64(u)
        };
        let depth = range(u, 1, 4);
        let init = op_expr(u, ty, target, depth);
        let t = if mutable {
            format!("(mut {ty})")
        } else {
            ty.to_string()
        };
        let _ = writeln!(w, "  (global $g{g} (export \"g{g}\") {t} {init})");
        let _ = writeln!(
            w,
            "  (func (export \"get{g}\") (result {ty}) (global.get $g{g}))"
        );
    }
    // Data segments at wrapping-arithmetic offsets: in bounds, ending at the
    // last byte, or (rarely) one byte past the end.
    let end = pages * 65_536;
    let segments = range(u, 1, 3);
    let mut reads = Vec::new();
    for _ in 0..segments {
        let len = range(u, 0, 16) as u64;
        let at = match range(u, 0, 9) {
            0 => end - len + 1,
            1..=3 => end - len,
            _ => range(u, 0, (end - len) as u32) as u64,
        };
        let depth = range(u, 1, 4);
        let offset = op_expr(u, it, at, depth);
        let bytes: String = (0..len)
            .map(|_| format!("\\{:02x}", bits64(u) as u8))
            .collect();
        let _ = writeln!(w, "  (data (offset {offset}) \"{bytes}\")");
        reads.push(at.min(end - 8));
    }
    for (i, at) in reads.iter().enumerate() {
        let _ = writeln!(
            w,
            "  (func (export \"rd{i}\") (result i64) (i64.load ({it}.const {at})))"
        );
    }
    // An element segment at a computed offset, called through the table.
    let funcs = range(u, 1, table as u32) as u64;
    for f in 0..funcs {
        let _ = writeln!(
            w,
            "  (func $f{f} (export \"f{f}\") (type $ri) (i32.const {}))",
            range(u, 0, 1_000)
        );
    }
    let at = if chance(u, 1, 10) {
        table - funcs + 1
    } else {
        range(u, 0, (table - funcs) as u32) as u64
    };
    let depth = range(u, 1, 3);
    let offset = op_expr(u, "i32", at, depth);
    let names: Vec<String> = (0..funcs).map(|f| format!("$f{f}")).collect();
    let _ = writeln!(
        w,
        "  (elem (table $t) (offset {offset}) func {})",
        names.join(" ")
    );
    let _ = writeln!(
        w,
        "  (func (export \"call\") (param i32) (result i32) (call_indirect $t (type $ri) (local.get 0)))"
    );
    w.push(')');
    finish(w)
}
