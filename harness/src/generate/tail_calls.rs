//! Tail calls (`return_call`, `return_call_indirect`): mutual recursion
//! well past the call-depth limit (legal, since a tail call replaces its
//! caller's frame), ordinary recursion to just below or above the limit
//! that ends in a long tail-call chain, tail calls through the table with
//! matching, structurally equal, mismatching, null and out-of-bounds
//! targets, and, rarely, a chain long enough to run out of fuel.
//!
//! Every function bounds its own recursion (a counter clamped on entry), so
//! the plan may call any export with any argument; members of a chain past
//! the first are not exported, to keep a case's work bounded. An exported global counts
//! the steps taken, so a skipped or repeated step shows in the state.

use super::choose::{chance, finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

/// The module being written: function text, and the functions placed in
/// the table (in slot order).
struct Module {
    funcs: String,
    table: Vec<String>,
}

impl Module {
    /// Puts `func` into the next table slot and returns the slot.
    fn slot(&mut self, func: &str) -> u32 {
        self.table.push(func.to_string());
        self.table.len() as u32 - 1
    }
}

/// Types for `return_call_indirect`: `$l_l` and `$l_l2` are structurally
/// equal (a call through one to a function declared with the other must
/// succeed); the others differ from them in a parameter or the result.
const TYPES: &str = "  (type $l_l (func (param i64) (result i64)))
  (type $l_l2 (func (param i64) (result i64)))
  (type $l_i (func (param i64) (result i32)))
  (type $ll_l (func (param i64 i64) (result i64)))
  (type $i_l (func (param i32) (result i64)))
  (type $v_l (func (result i64)))
";

/// Recursion depths around the call-depth limit (10,000 frames).
const DEPTHS: &[u32] = &[3, 9_990, 9_998, 9_999, 10_000, 10_001, 10_050, 12_000];

/// Writes a tail-call module.
pub fn tail_calls(u: &mut Unstructured) -> Vec<u8> {
    let mut m = Module {
        funcs: String::new(),
        table: Vec::new(),
    };
    let shapes = range(u, 1, 4);
    for s in 0..shapes {
        match range(u, 0, 3) {
            0 => deep_then_tail(u, &mut m, s),
            1 => indirect(u, &mut m, s),
            _ => cycle(u, &mut m, s),
        }
    }
    if chance(u, 1, 10) {
        fuel_burn(&mut m);
    }
    let nulls = range(u, 0, 3) as usize;
    let size = m.table.len() + nulls;
    let mut w = format!(
        "(module\n{TYPES}  (global $steps (export \"steps\") (mut i64) (i64.const 0))\n  (table $tab (export \"tab\") {size} funcref)\n"
    );
    if !m.table.is_empty() {
        let _ = writeln!(
            w,
            "  (elem (table $tab) (i32.const 0) func {})",
            m.table.join(" ")
        );
    }
    w.push_str(&m.funcs);
    w.push(')');
    finish(w)
}

/// The count of steps, bumped at every function entry of a chain.
const STEP: &str = "(global.set $steps (i64.add (global.get $steps) (i64.const 1)))";

/// Extra parameter types of a cycle member, so that members' frames differ.
const EXTRAS: &[&[&str]] = &[
    &[],
    &["i32"],
    &["f64", "i32"],
    &["i64", "i64", "i64"],
    &["f32"],
];

/// A value of `ty` for the next member: a parameter of the same type
/// passed along, or a constant.
fn arg_for(u: &mut Unstructured, ty: &str, own: &[&str]) -> String {
    let same: Vec<usize> = own
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == ty)
        .map(|(i, _)| i + 2)
        .collect();
    if !same.is_empty() && chance(u, 2, 3) {
        return format!("(local.get {})", pick(u, &same));
    }
    format!("({ty}.const {})", range(u, 0, 1_000))
}

/// Mutual recursion of 2 to 4 functions with different signatures, each
/// step a `return_call` (or a `return_call_indirect` through the table),
/// `depth` steps deep: past the depth limit when every call is a tail call.
fn cycle(u: &mut Unstructured, m: &mut Module, s: u32) {
    let k = range(u, 2, 4) as usize;
    let base = *pick(u, DEPTHS);
    let limit = base + 15;
    let extras: Vec<&[&str]> = (0..k).map(|_| *pick(u, EXTRAS)).collect();
    let name = |j: usize| format!("$c{s}_{j}");
    let sig = |j: usize| {
        let params = ["i64", "i64"]
            .iter()
            .chain(extras[j].iter())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        format!("(param {params}) (result i64)")
    };
    let slots: Vec<u32> = (0..k).map(|j| m.slot(&name(j))).collect();
    for j in 0..k {
        let next = (j + 1) % k;
        let _ = writeln!(m.funcs, "  (type $c{s}_{j}t (func {}))", sig(j));
        let mut args = "(i64.sub (local.get 0) (i64.const 1)) (i64.add (i64.mul (local.get 1) (i64.const 31)) (local.get 0))".to_string();
        for ty in extras[next] {
            let a = arg_for(u, ty, extras[j]);
            let _ = write!(args, " {a}");
        }
        let call = if chance(u, 1, 3) {
            format!(
                "(return_call_indirect $tab (type $c{s}_{next}t) {args} (i32.const {}))",
                slots[next]
            )
        } else {
            format!("(return_call {} {args})", name(next))
        };
        // Only the first member is exported: each export the plan calls
        // with an edge argument runs a whole chain.
        let export = if j == 0 {
            format!("(export \"c{s}_{j}\") ")
        } else {
            String::new()
        };
        let _ = writeln!(
            m.funcs,
            "  (func {} {export}(type $c{s}_{j}t)\n    (if (i64.gt_u (local.get 0) (i64.const {limit})) (then (local.set 0 (i64.const {limit}))))\n    {STEP}\n    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))\n    {call})",
            name(j)
        );
    }
    // The entry: a plain call into the chain (its result must come back
    // here, to the caller's caller of the last tail call) or a tail call.
    let mut args = format!(
        "(i64.add (i64.const {base}) (i64.and (local.get 0) (i64.const 15))) (i64.const 7)"
    );
    for ty in extras[0] {
        let a = arg_for(u, ty, &[]);
        let _ = write!(args, " {a}");
    }
    let body = if chance(u, 1, 2) {
        format!("(i64.add (call $c{s}_0 {args}) (i64.const 1))")
    } else {
        format!("(return_call $c{s}_0 {args})")
    };
    let _ = writeln!(
        m.funcs,
        "  (func (export \"t{s}\") (param i64) (result i64) {body})"
    );
}

/// Ordinary recursion `depth` frames deep (around the limit), whose
/// innermost frame starts a tail-call loop: the loop must not add frames.
fn deep_then_tail(u: &mut Unstructured, m: &mut Module, s: u32) {
    let depth = range(u, 9_985, 10_000);
    let deepest = depth + 7;
    let steps = *pick(u, &[50u32, 1_000, 12_000]);
    let _ = writeln!(
        m.funcs,
        "  (func $d{s} (export \"d{s}\") (param i32 i64) (result i64)
    (if (i32.gt_u (local.get 0) (i32.const {deepest})) (then (local.set 0 (i32.const {deepest}))))
    (if (result i64) (i32.eqz (local.get 0))
      (then (return_call $l{s} (local.get 1) (i64.const 0)))
      (else (i64.add (call $d{s} (i32.sub (local.get 0) (i32.const 1)) (local.get 1)) (i64.const 1)))))
  (func $l{s} (export \"l{s}\") (param i64 i64) (result i64)
    (if (i64.gt_u (local.get 0) (i64.const {steps})) (then (local.set 0 (i64.const {steps}))))
    {STEP}
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (return_call $l{s} (i64.sub (local.get 0) (i64.const 1)) (i64.xor (local.get 1) (i64.mul (local.get 0) (i64.const 0x9e3779b97f4a7c15)))))
  (func (export \"deep{s}\") (param i32) (result i64)
    (call $d{s} (i32.add (i32.const {depth}) (i32.and (local.get 0) (i32.const 7))) (i64.const {steps})))"
    );
}

/// `return_call_indirect` through the table with each of the types: the
/// target's type matches, matches structurally (a second declaration),
/// differs, or the slot is null or out of bounds.
fn indirect(u: &mut Unstructured, m: &mut Module, s: u32) {
    let helpers: [(&str, &str); 5] = [
        ("$l_l", "(i64.mul (local.get 0) (i64.const 3))"),
        ("$l_l2", "(i64.add (local.get 0) (i64.const 5))"),
        ("$l_i", "(i32.wrap_i64 (local.get 0))"),
        ("$ll_l", "(i64.sub (local.get 0) (local.get 1))"),
        ("$i_l", "(i64.extend_i32_s (local.get 0))"),
    ];
    for (h, (ty, body)) in helpers.iter().enumerate() {
        if chance(u, 3, 4) {
            let name = format!("$h{s}_{h}");
            m.slot(&name);
            let _ = writeln!(
                m.funcs,
                "  (func {name} (export \"h{s}_{h}\") (type {ty}) {STEP} {body})"
            );
        }
    }
    let entries = range(u, 1, 3);
    for e in 0..entries {
        let (ty, args) = *pick(
            u,
            &[
                ("$l_l", "(local.get 1)"),
                ("$l_l2", "(local.get 1)"),
                ("$ll_l", "(local.get 1) (i64.const 2)"),
                ("$i_l", "(i32.wrap_i64 (local.get 1))"),
                ("$v_l", ""),
            ],
        );
        // Slots past the table's end are out of bounds; the plan's
        // arguments add 0, -1, edge and random indices.
        let bound = m.table.len() as u32 + 4;
        let index = match range(u, 0, 2) {
            0 => "(local.get 0)".to_string(),
            1 => format!("(i32.rem_u (local.get 0) (i32.const {bound}))"),
            _ => format!("(i32.const {})", range(u, 0, bound)),
        };
        let _ = writeln!(
            m.funcs,
            "  (func (export \"ri{s}_{e}\") (param i32 i64) (result i64) {STEP} (return_call_indirect $tab (type {ty}) {args} {index}))"
        );
    }
}

/// A tail-call chain of about 400,000 steps per call: three calls run past
/// the case's fuel (1,000,000), which every tier must charge the same way
/// (one unit per function entry, tail calls included).
fn fuel_burn(m: &mut Module) {
    let _ = writeln!(
        m.funcs,
        "  (func $burn (param i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (global.get $steps))))
    {STEP}
    (return_call $burn (i64.sub (local.get 0) (i64.const 1))))
  (func (export \"burn\") (param i64) (result i64)
    (return_call $burn (i64.add (i64.const 400000) (i64.and (local.get 0) (i64.const 0xffff)))))"
    );
}
