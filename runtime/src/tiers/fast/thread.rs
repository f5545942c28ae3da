//! Jump threading: an unconditional jump to a short block that ends in a
//! terminator is replaced by a copy of that block.
//!
//! The copy saves the jump's dispatch and gives each copy of a `br_table`
//! its own indirect jump, which the branch predictor learns separately (a
//! `switch` in a loop then behaves like threaded code). Copies keep their
//! fuel flags: a jump to a loop header becomes a copy that charges like the
//! header does, so fuel is unchanged.

use super::ir::{Instr, Target};
use super::ops::Op;
use super::paths::{cell, Rewrite};
use super::shapes::{self as sh, Args};
use crate::tier_paths::Pending;

/// Longest block copied in place of a jump, in instructions.
const MAX_COPY: usize = 4;

/// The block a jump to `t` would run, if it is short and straight-line:
/// `t..=e` with `e` the first terminator.
fn block(code: &[Instr], t: usize) -> Option<std::ops::RangeInclusive<usize>> {
    let end = (t..code.len().min(t + MAX_COPY)).find(|&k| code[k].op.is_terminator())?;
    Some(t..=end)
}

/// Rewrites `code` (targets are instruction indices, `tables` the jump
/// tables of its `br_table`s) with threaded jumps, counting them in `paths`.
pub(super) fn thread(code: &mut Vec<Instr>, tables: &mut [Vec<Target>], paths: &mut Pending) {
    let copies: Vec<Option<std::ops::RangeInclusive<usize>>> = code
        .iter()
        .enumerate()
        .map(|(i, instr)| match (instr.op, instr.args, instr.charge) {
            (Op::Br, Args::Jmp(j), false) => block(code, j.to as usize).filter(|b| !b.contains(&i)),
            _ => None,
        })
        .collect();
    if copies.iter().all(Option::is_none) {
        return;
    }
    for b in copies.iter().flatten() {
        paths.hit(cell(Rewrite::JumpThreaded));
        if code[*b.end()].op == Op::BrTable {
            paths.hit(cell(Rewrite::BrTableThreaded));
        }
    }
    // Old index -> new index of each original instruction (a replaced jump
    // maps to its copy's first instruction).
    let mut new_at = Vec::with_capacity(code.len() + 1);
    let mut n = 0usize;
    for c in &copies {
        new_at.push(n);
        n += c.as_ref().map_or(1, |b| b.clone().count());
    }
    new_at.push(n);
    let remap = |t: Target| new_at[t as usize] as Target;
    let mut out = Vec::with_capacity(n);
    for (i, c) in copies.iter().enumerate() {
        let run = match c {
            Some(b) => b.clone(),
            None => i..=i,
        };
        for k in run {
            let mut instr = code[k];
            if let Some(to) = sh::target_mut(&mut instr.args) {
                *to = remap(*to as Target) as i32;
            }
            out.push(instr);
        }
    }
    for table in tables.iter_mut() {
        for to in table.iter_mut() {
            *to = remap(*to);
        }
    }
    *code = out;
}
