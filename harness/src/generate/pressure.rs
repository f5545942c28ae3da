//! Fuel pressure: cases that run out of fuel or call depth mid-run, so
//! that the tiers' fuel and depth accounting is compared by fuzzing.
//!
//! * [`limits`]: every case of the [`Generator::Pressure`] generator, and
//!   one case in eight of every other generator (chosen by a hash of the
//!   input, so the module itself does not change), runs with fuel and a
//!   call-depth limit low enough to run out: fuel from 0 (every call runs
//!   out at its entry) to a few thousand, depth from 1 to 48.
//! * [`module`]: recursion (direct, mutual, through `call_indirect`, with
//!   a loop at every level) and loops re-entered by `br`, `br_if` and
//!   `br_table`, some calling a looping function each iteration. Every step
//!   bumps an exported counter and logs it to exported memory, so the state
//!   left behind shows exactly where exhaustion happened; every tier must
//!   leave the same state (the reference, whose accounting differs, is
//!   inconclusive there).

use super::choose::{finish, pick, range};
use super::Generator;
use crate::plan::{fnv1a, SplitMix};
use arbitrary::Unstructured;
use std::fmt::Write;
use tierdiff_runtime::Limits;

/// One case in this many of the other generators runs under pressure.
const SHARE: u64 = 8;

/// The limits a case runs with: [`super::case_limits`], or low ones under
/// fuel pressure.
pub fn limits(data: &[u8], generator: Generator) -> Limits {
    let base = super::case_limits();
    let mut rng = SplitMix(fnv1a(data) ^ 0x7072_6573_7375_7265);
    let pressured = generator == Generator::Pressure || rng.below(SHARE) == 0;
    if !pressured {
        return base;
    }
    // The pressure generator's recursion needs fuel to reach the depth limit.
    let own = generator == Generator::Pressure;
    let fuel = match rng.below(16) {
        0 => 0,
        1..=3 if !own => 1 + rng.below(24),
        1..=9 => 25 + rng.below(400),
        _ => 425 + rng.below(4000),
    };
    let max_call_depth = match rng.below(8) {
        0 => base.max_call_depth,
        1 if !own => base.max_call_depth,
        _ => 1 + rng.below(48) as u32,
    };
    Limits {
        fuel: Some(fuel),
        max_call_depth,
        ..base
    }
}

/// Counts one step: bumps `$steps` and logs `value` at the step's slot.
const STEP: &str = "(func $step (param i32)
    (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
    (i32.store (i32.and (i32.shl (global.get $steps) (i32.const 2)) (i32.const 0xfffc)) (local.get 0)))";

/// The shapes, as `(name, text)`: recursion (direct, mutual, through
/// the table, with a loop at every level) and loops re-entered by `br`,
/// `br_if` and `br_table`, one calling a looping function each iteration.
/// `$rec_i` counts its steps inline, so both kinds of exhaustion happen
/// at its `call_indirect`.
const SHAPES: &[(&str, &str)] = &[
    (
        "rec",
        "(func $rec (export \"rec\") (type $t)
    (call $step (local.get 0))
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))",
    ),
    (
        "rec_i",
        "(func $rec_i (export \"rec_indirect\") (type $t)
    (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
    (if (result i32) (i32.eqz (local.get 0)) (then (global.get $steps))
      (else (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0)))))",
    ),
    (
        "even",
        "(func $even (export \"even\") (type $t)
    (call $step (local.get 0))
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))",
    ),
    (
        "spin_br_if",
        "(func $spin_br_if (export \"spin_br_if\") (type $t)
    (loop $l
      (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (global.get $steps))",
    ),
    (
        "spin_br",
        "(func $spin_br (export \"spin_br\") (type $t)
    (block $out (loop $l
      (br_if $out (i32.eqz (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
      (br $l)))
    (global.get $steps))",
    ),
    (
        "spin_table",
        "(func $spin_table (export \"spin_table\") (type $t)
    (loop $l (block $out
      (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_table $l $out (i32.eqz (local.get 0)))))
    (global.get $steps))",
    ),
    (
        "loop_calls",
        "(func $loop_calls (export \"loop_calls\") (type $t)
    (loop $l
      (drop (call $spin_br_if (global.get $inner)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (global.get $steps))",
    ),
    (
        "deep",
        "(func $deep (export \"deep_loops\") (type $t)
    (drop (call $spin_br_if (global.get $inner)))
    (if (result i32) (i32.eqz (local.get 0)) (then (global.get $steps))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))",
    ),
];

/// A module whose exports recurse and loop until their argument (or a
/// constant of their own) runs down, or fuel or depth run out first. The
/// shapes come in a random order, so each is sometimes the first the plan
/// calls (a case stops comparing at its first exhaustion).
pub fn module(u: &mut Unstructured) -> Vec<u8> {
    let mut w = String::from("(module\n  (type $t (func (param i32) (result i32)))\n");
    w.push_str("  (memory (export \"mem\") 1)\n");
    w.push_str("  (global $steps (export \"steps\") (mut i32) (i32.const 0))\n");
    let _ = writeln!(w, "  (global $inner i32 (i32.const {}))", range(u, 1, 40));
    let _ = writeln!(w, "  {STEP}");
    w.push_str("  (table $tab 2 funcref)\n  (elem (i32.const 0) $rec_i $odd)\n");
    w.push_str(
        "  (func $odd (type $t)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))\n",
    );
    // Fixed amounts of work first, so exhaustion also happens with argument 0.
    for i in 0..range(u, 1, 3) {
        let n = range(u, 1, 3000);
        let (name, _) = *pick(u, SHAPES);
        let _ = writeln!(
            w,
            "  (func (export \"fixed{i}\") (result i32) (call ${name} (i32.const {n})))"
        );
    }
    let mut order: Vec<usize> = (0..SHAPES.len()).collect();
    for i in (1..order.len()).rev() {
        let j = range(u, 0, i as u32) as usize;
        order.swap(i, j);
    }
    for i in order {
        let _ = writeln!(w, "  {}", SHAPES[i].1);
    }
    w.push(')');
    finish(w)
}
