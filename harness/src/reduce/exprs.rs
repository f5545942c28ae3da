//! Function bodies, with their types known (see [`super::body`]).
//!
//! * [`whole_bodies`]: whole bodies replaced by constants of their result types;
//! * [`dead_code`]: code after an unconditional branch, `return` or
//!   `unreachable` deleted;
//! * [`statements`]: delta debugging over the statements (pieces that leave
//!   the stack as they found it) of every block, outermost first;
//! * [`walk`]: every operator from the last to the first, so a
//!   subexpression is tried whole before its parts: replaced by constants of
//!   its result types (deleted when it leaves nothing), by one of its
//!   operands of the same type; a block or loop whose label no branch uses
//!   unwrapped; an `if` folded to one arm; a `br_table` list shortened.

use super::body::{self, is_zero, opens, zero, Func};
use super::module::{Edit, Items};
use super::Reducer;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::Instruction;
use wasmparser::Operator;

/// The current module with function `index`'s body replaced by `raw`.
fn with_body(r: &Reducer, index: u32, raw: Vec<u8>) -> Option<Vec<u8>> {
    Items::parse(&r.best().wasm).ok()?.encode(&Edit {
        bodies: [(index, raw)].into(),
        ..Edit::default()
    })
}

fn try_body(r: &mut Reducer, index: u32, raw: Vec<u8>) -> bool {
    match with_body(r, index, raw) {
        Some(wasm) => r.try_wasm(wasm),
        None => false,
    }
}

/// Runs `f` on the current body of function `index`.
fn on_func<T>(r: &Reducer, index: u32, f: impl FnOnce(&Func) -> T) -> Option<T> {
    let funcs = body::analyze(&r.best().wasm).ok()?;
    funcs.iter().find(|x| x.index == index).map(f)
}

/// Indices of the defined functions of the current module.
fn defined(r: &Reducer) -> Vec<u32> {
    body::analyze(&r.best().wasm).map_or(Vec::new(), |fs| fs.iter().map(|f| f.index).collect())
}

/// A body that just leaves zeros of `f`'s result types.
fn zeros_body(f: &Func) -> Vec<u8> {
    f.encode(f.results.iter().map(|&t| zero(t)))
}

/// Replaces whole bodies by constants: chunks of functions at a time, down
/// to single ones.
pub fn whole_bodies(r: &mut Reducer) {
    let busy = |r: &Reducer| -> Vec<u32> {
        body::analyze(&r.best().wasm).map_or(Vec::new(), |fs| {
            fs.iter()
                .filter(|f| f.len() > f.results.len())
                .map(|f| f.index)
                .collect()
        })
    };
    r.remove_chunks(
        1,
        |r| busy(r).len(),
        |r, range| {
            let chosen = &busy(r)[range];
            let wasm = body::analyze(&r.best().wasm).ok().and_then(|fs| {
                let bodies = fs
                    .iter()
                    .filter(|f| chosen.contains(&f.index))
                    .map(|f| (f.index, zeros_body(f)))
                    .collect();
                Items::parse(&r.best().wasm).ok()?.encode(&Edit {
                    bodies,
                    ..Edit::default()
                })
            });
            wasm.is_some_and(|w| r.try_wasm(w))
        },
    );
}

/// The index of the `end` or `else` closing the block that operator `i` is in.
fn frame_end(f: &Func, i: usize) -> usize {
    let depth = f.info[i].depth;
    (i..f.ops.len())
        .find(|&k| f.info[k].depth == depth && matches!(f.ops[k], Operator::End | Operator::Else))
        .unwrap_or(f.len())
}

/// Deletes, in each function, all code that follows an operator after
/// which its block is unreachable.
pub fn dead_code(r: &mut Reducer) {
    for index in defined(r) {
        let raw = on_func(r, index, |f| {
            let mut dead = vec![false; f.len()];
            let mut any = false;
            for i in 0..f.len() {
                let ends_flow = f.info[i].reachable
                    && !f.info[i + 1].reachable
                    && f.info[i + 1].depth == f.info[i].depth
                    && !matches!(f.ops[i + 1], Operator::End | Operator::Else);
                if ends_flow {
                    for d in dead.iter_mut().take(frame_end(f, i + 1)).skip(i + 1) {
                        *d = true;
                        any = true;
                    }
                }
            }
            any.then(|| f.encode((0..f.len()).filter(|&i| !dead[i]).map(|i| f.instr(i))))
        });
        if let Some(Some(raw)) = raw {
            try_body(r, index, raw);
        }
        if r.done() {
            return;
        }
    }
}

/// The direct bodies of function `f` and of every construct arm, as
/// `(first operator, closing operator)`, in order.
fn frames(f: &Func) -> Vec<(usize, usize)> {
    let mut v = vec![(0, f.len())];
    for o in 0..f.len() {
        if let (true, Some(end)) = (opens(&f.ops[o]), f.info[o].partner) {
            match f.info[o].else_at {
                Some(e) => {
                    v.push((o + 1, e));
                    v.push((e + 1, end));
                }
                None => v.push((o + 1, end)),
            }
        }
    }
    v.sort();
    v
}

/// The statements of the block body `start..end`: pieces that begin and end
/// at the height the body began with and never reach below it.
fn statements_of(f: &Func, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if start >= end || !f.info[start].reachable {
        return out;
    }
    let base = f.info[start].height;
    let (mut from, mut k, mut dips) = (start, start, false);
    while k < end {
        let info = &f.info[k];
        if !info.reachable {
            break;
        }
        dips |= info.height < base + info.pops;
        k = if opens(&f.ops[k]) {
            match info.partner {
                Some(e) => e + 1,
                None => break,
            }
        } else {
            k + 1
        };
        if f.info[k].reachable && f.info[k].height == base {
            if !dips {
                out.push((from, k));
            }
            from = k;
            dips = false;
        }
    }
    out
}

/// Delta debugging over the statements of every block, outermost (first) block first.
pub fn statements(r: &mut Reducer) {
    for index in defined(r) {
        let mut frame = Some(0usize);
        while let Some(start) = frame {
            let stmts = |r: &Reducer| -> Vec<(usize, usize)> {
                on_func(r, index, |f| {
                    frames(f)
                        .into_iter()
                        .find(|&(s, _)| s == start)
                        .map_or(Vec::new(), |(s, e)| statements_of(f, s, e))
                })
                .unwrap_or_default()
            };
            r.remove_chunks(
                2,
                |r| stmts(r).len(),
                |r, range| {
                    let list = stmts(r);
                    let cut = &list[range];
                    let raw = on_func(r, index, |f| {
                        let gone = |i: usize| cut.iter().any(|&(a, b)| (a..b).contains(&i));
                        f.encode((0..f.len()).filter(|&i| !gone(i)).map(|i| f.instr(i)))
                    });
                    raw.is_some_and(|raw| try_body(r, index, raw))
                },
            );
            if r.done() {
                return;
            }
            frame = on_func(r, index, |f| {
                frames(f).into_iter().map(|(s, _)| s).find(|&s| s > start)
            })
            .flatten();
        }
    }
}

/// One candidate body and where the walk goes on if it is kept (the next
/// operator looked at is the one before `resume`).
struct Candidate {
    raw: Vec<u8>,
    resume: usize,
}

/// Candidates for operator `i` of `f`, most reducing first.
fn candidates(f: &Func, i: usize) -> Vec<Candidate> {
    let info = &f.info[i];
    let mut out = Vec::new();
    // A construct is as reachable as the code around it, whatever its end.
    let reachable = match (&f.ops[i], info.partner) {
        (Operator::End, Some(o)) => f.info[o].reachable,
        _ => info.reachable,
    };
    if !reachable {
        return out;
    }
    match &f.ops[i] {
        Operator::End => {
            if let Some(o) = info.partner {
                construct(f, o, &mut out);
            }
        }
        Operator::Else | Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {}
        op => {
            if let Operator::BrTable { targets } = op {
                br_table(f, i, targets, &mut out);
            }
            expression(f, i, &mut out);
        }
    }
    out
}

/// Shorter `br_table` lists: without trailing entries that repeat the
/// default (the same jumps), then cut to none, one and half the entries.
fn br_table(f: &Func, i: usize, targets: &wasmparser::BrTable, out: &mut Vec<Candidate>) {
    let list: Vec<u32> = targets.targets().flatten().collect();
    let default = targets.default();
    let m = list.len();
    let same = list.iter().rev().take_while(|&&t| t == default).count();
    let mut lengths = vec![m - same, 0, 1, m / 2];
    lengths.dedup();
    for k in lengths.into_iter().filter(|&k| k < m) {
        out.push(Candidate {
            raw: f.splice(
                i..=i,
                [Instruction::BrTable(list[..k].to_vec().into(), default)],
            ),
            resume: i + 1,
        });
    }
}

/// Replacing operator `i` and the subexpression computing its operands.
fn expression(f: &Func, i: usize, out: &mut Vec<Candidate>) {
    let info = &f.info[i];
    if info.pops == 0 && info.pushes == 1 {
        if let Some(chain) = value_chain(f, i) {
            out.push(Candidate {
                raw: f.encode(
                    (0..f.len())
                        .filter(|k| !chain.contains(k))
                        .map(|k| f.instr(k)),
                ),
                resume: i,
            });
        }
    }
    let Some(s) = f.expr_start(i, info.pops) else {
        return;
    };
    if let Some(results) = &info.results {
        if !(info.pops == 0 && is_zero(&f.ops[i])) {
            out.push(Candidate {
                raw: f.splice(s..=i, results.iter().map(|&t| zero(t))),
                resume: s,
            });
        }
        // A big integer constant may do as 1 or -1 (fewer bytes, easier to read).
        let small: &[Instruction] = match f.ops[i] {
            Operator::I32Const { value } if value < -1 => {
                &[Instruction::I32Const(1), Instruction::I32Const(-1)]
            }
            Operator::I32Const { value } if value > 1 => &[Instruction::I32Const(1)],
            Operator::I64Const { value } if value < -1 => {
                &[Instruction::I64Const(1), Instruction::I64Const(-1)]
            }
            Operator::I64Const { value } if value > 1 => &[Instruction::I64Const(1)],
            _ => &[],
        };
        for one in small {
            out.push(Candidate {
                raw: f.splice(i..=i, [one.clone()]),
                resume: i,
            });
        }
        // An operand of the result's type can stand in for the whole.
        if let ([ty], Some(inputs)) = (&results[..], &info.inputs) {
            let bottom = info.height - info.pops;
            for (m, &input) in inputs.iter().enumerate() {
                let m = m as u32;
                let (Some(b), Some(e)) = (f.back_to(i, bottom + m), f.back_to(i, bottom + m + 1))
                else {
                    continue;
                };
                if b < e && input == *ty {
                    out.push(Candidate {
                        raw: f.splice(s..=i, (b..e).map(|k| f.instr(k))),
                        resume: s + (e - b),
                    });
                }
            }
        }
    }
    // A trap instead of whatever the subexpression did (a call, a branch,
    // a store): kept when the finding is about what happens before it.
    if info.pops > 0 || matches!(f.ops[i], Operator::Call { .. }) {
        out.push(Candidate {
            raw: f.splice(s..=i, [Instruction::Unreachable]),
            resume: s,
        });
    }
}

/// For the value pushed by operator `k` (which pops nothing): `k` and the
/// operators that carry the value on (taking it alone and leaving one
/// value) up to the one that takes it and leaves nothing (a `drop`, a
/// `local.set`, a store of nothing else...), or up to a branch or trap that
/// abandons it. Deleting them all keeps the body valid. `None` when the
/// value meets anything else first.
fn value_chain(f: &Func, k: usize) -> Option<Vec<usize>> {
    let slot = f.info[k].height;
    let depth = f.info[k].depth;
    let mut chain = vec![k];
    let mut j = k + 1;
    while j < f.len() {
        let info = &f.info[j];
        if !info.reachable
            || info.depth != depth
            || matches!(f.ops[j], Operator::End | Operator::Else)
        {
            return None;
        }
        if info.height - info.pops <= slot {
            if info.height != slot + 1 || info.pops != 1 || opens(&f.ops[j]) {
                return None;
            }
            chain.push(j);
            match info.pushes {
                0 => return Some(chain),
                1 => {}
                _ => return None,
            }
        }
        j = match (opens(&f.ops[j]), info.partner) {
            (true, Some(end)) => end + 1,
            _ => j + 1,
        };
        if !f.info[j].reachable && f.info[j].depth == depth {
            return Some(chain);
        }
    }
    None
}

/// Candidates for the construct opened at `o` (looked at from its `end`).
fn construct(f: &Func, o: usize, out: &mut Vec<Candidate>) {
    let Some((end, pops, results)) = f.construct(o) else {
        return;
    };
    let s = f.expr_start(o, pops);
    if let Some(s) = s {
        out.push(Candidate {
            raw: f.splice(s..=end, results.iter().map(|&t| zero(t))),
            resume: s,
        });
    }
    let base = f.info[o].depth + 1;
    match &f.ops[o] {
        Operator::If { blockty } => {
            let arms = match f.info[o].else_at {
                Some(e) => [(o + 1, e), (e + 1, end)],
                None => [(o + 1, end), (end, end)],
            };
            for (from, to) in arms {
                let code: Vec<Instruction> = match f.lowered(from, to, base) {
                    Some(arm) => std::iter::once(Instruction::Drop).chain(arm).collect(),
                    None => {
                        let bt = RoundtripReencoder
                            .block_type(*blockty)
                            .expect("a validated block type re-encodes");
                        [Instruction::Drop, Instruction::Block(bt)]
                            .into_iter()
                            .chain((from..to).map(|k| f.instr(k)))
                            .chain([Instruction::End])
                            .collect()
                    }
                };
                let resume = o + code.len();
                out.push(Candidate {
                    raw: f.splice(o..=end, code),
                    resume,
                });
            }
        }
        Operator::Block { .. } | Operator::Loop { .. } => {
            if let Some(inner) = f.lowered(o + 1, end, base) {
                out.push(Candidate {
                    raw: f.splice(o..=end, inner),
                    resume: end - 1,
                });
            }
        }
        _ => {}
    }
    if let Some(s) = s {
        out.push(Candidate {
            raw: f.splice(s..=end, [Instruction::Unreachable]),
            resume: s,
        });
    }
}

/// Walks every function from its last operator to its first, trying the
/// [`candidates`] of each.
pub fn walk(r: &mut Reducer) {
    for index in defined(r) {
        let Some(mut cursor) = on_func(r, index, |f| f.len()) else {
            continue;
        };
        while cursor > 0 && !r.done() {
            let i = cursor - 1;
            let Some(list) = on_func(r, index, |f| candidates(f, i)) else {
                break;
            };
            cursor = i;
            for c in list {
                if try_body(r, index, c.raw) {
                    cursor = c.resume;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).unwrap()
    }

    /// The module with candidate `raw` as the body of function 0, as text.
    fn text_with(wasm: &[u8], raw: Vec<u8>) -> String {
        let out = Items::parse(wasm).unwrap().encode(&Edit {
            bodies: [(0, raw)].into(),
            ..Edit::default()
        });
        let out = out.unwrap();
        tierdiff_runtime::Module::new(&out).expect("candidates are valid");
        let text = wasmprinter::print_bytes(&out).unwrap();
        let body = text.split_once("(type 0)").unwrap().1;
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != ")")
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn all_candidates(wasm: &[u8]) -> Vec<String> {
        let funcs = body::analyze(wasm).unwrap();
        let f = &funcs[0];
        (0..f.len())
            .flat_map(|i| candidates(f, i))
            .map(|c| text_with(wasm, c.raw))
            .collect()
    }

    /// A block whose opener stands where the stack was as low as an
    /// operator's operands start still takes its parameters from below that
    /// point: it cannot start the operator's subexpression.
    #[test]
    fn a_block_taking_its_parameters_from_below_starts_no_subexpression() {
        let wasm = module(
            "(module (func (result i32 i64)
               f32.const 1
               block (param f32) (result i32 f64) drop i32.const 3 f64.const 2 end
               i64.reinterpret_f64))",
        );
        // Every candidate is checked to be valid.
        assert!(!all_candidates(&wasm).is_empty());
    }

    #[test]
    fn subexpressions_become_constants_or_one_of_their_operands() {
        let wasm = module(
            "(module (func (param i32) (result i32)
               local.get 0 i32.const 1 i32.add i32.const 2 i32.mul))",
        );
        let c = all_candidates(&wasm);
        for expected in [
            // the whole expression
            "(param i32) (result i32) i32.const 0",
            // the multiplication by its left operand
            "(param i32) (result i32) local.get 0 i32.const 1 i32.add",
            // the addition by its left operand
            "(param i32) (result i32) local.get 0 i32.const 2 i32.mul",
            // the parameter by a constant
            "(param i32) (result i32) i32.const 0 i32.const 1 i32.add i32.const 2 i32.mul",
        ] {
            assert!(
                c.iter().any(|x| x == expected),
                "{expected}\nnot among\n{c:#?}"
            );
        }
    }

    #[test]
    fn blocks_unwrap_ifs_fold_and_branch_tables_shorten() {
        let wasm = module(
            "(module (func (param i32) (result i32)
               block
                 block
                   local.get 0
                   br_table 1 0 1 1
                 end
                 nop
               end
               local.get 0
               if (result i32) i32.const 1 else i32.const 2 end))",
        );
        let c = all_candidates(&wasm);
        for expected in [
            // the if folded to each arm
            "local.get 0 drop i32.const 1",
            "local.get 0 drop i32.const 2",
            // trailing entries equal to the default dropped, then all of them
            "br_table 1 (;@1;) 0 (;@2;) 1 (;@1;)",
            "local.get 0 br_table 1 (;@1;) end",
            // the inner block is targeted only by a table entry: that entry
            // goes to the default's target instead, and the block goes away
            "block ;; label = @1 local.get 0 br_table 0 (;@1;) 0 (;@1;) 0 (;@1;) 0 (;@1;) nop end",
        ] {
            assert!(
                c.iter().any(|x| x.contains(expected)),
                "{expected}\nnot among\n{c:#?}"
            );
        }
    }

    #[test]
    fn a_value_and_the_operators_that_carry_it_go_together() {
        let wasm = module(
            "(module (global (mut i32) (i32.const 0)) (func
               f32.const 1
               i32.const 5
               global.set 0
               i32.reinterpret_f32
               global.set 0))",
        );
        let c = all_candidates(&wasm);
        assert!(c.iter().any(|x| x == "i32.const 5 global.set 0"), "{c:#?}");
    }

    #[test]
    fn dead_code_and_statements_are_found() {
        let wasm = module(
            "(module (func (result i32)
               i32.const 1 drop
               block i32.const 2 drop end
               i32.const 3
               return
               i32.const 4 drop))",
        );
        let funcs = body::analyze(&wasm).unwrap();
        let f = &funcs[0];
        assert_eq!(statements_of(f, 0, f.len()), vec![(0, 2), (2, 6)]);
        assert_eq!(frame_end(f, 9), f.len());
        assert_eq!(frames(f), vec![(0, f.len()), (3, 5)]);
    }

    /// Every candidate for generated bodies is valid, except deleting an
    /// operator that ends the flow (dead code after it may not be valid
    /// once it runs; the reducer deletes dead code first, and validation
    /// catches the rest).
    #[test]
    fn candidates_for_generated_modules_are_valid() {
        let mut checked = 0;
        for seed in 0..40u64 {
            let mut rng = crate::plan::SplitMix(seed);
            let bytes = rng.bytes(1500);
            let wasm = crate::generate::module_from_bytes(&bytes).wasm;
            let items = Items::parse(&wasm).unwrap();
            let funcs = body::analyze(&wasm).unwrap();
            for f in funcs.iter().take(3) {
                for i in 0..f.len().min(400) {
                    let ends_flow = !matches!(f.ops[i], Operator::End)
                        && !f.info[i + 1].reachable
                        && f.info[i + 1].depth == f.info[i].depth;
                    if ends_flow {
                        continue;
                    }
                    for c in candidates(f, i) {
                        let out = items
                            .encode(&Edit {
                                bodies: [(f.index, c.raw)].into(),
                                ..Edit::default()
                            })
                            .unwrap_or_else(|| panic!("seed {seed}: {:?} re-encodes", f.ops[i]));
                        if let Err(e) = tierdiff_runtime::Module::new(&out) {
                            panic!(
                                "seed {seed}, function {}, operator {i} ({:?}): {e}\n{}",
                                f.index,
                                f.ops[i],
                                wasmprinter::print_bytes(&out).unwrap()
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked} candidates");
    }
}
