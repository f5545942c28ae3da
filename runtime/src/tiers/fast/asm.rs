//! Assembly: translated instructions into the code stream the handlers
//! run, and calls linked to their callees' code.
//!
//! Each instruction becomes its handler's address followed by its
//! operands (see [`shapes`](super::shapes)); branch targets become word
//! offsets relative to the branching instruction; a `br_table` carries its
//! targets inline. The instruction starts are kept beside the stream so
//! the side-table check can walk it.

use super::dispatch::Handler;
use super::ir::{Start, Target};
use super::ops::Op;
use super::shapes::{self as sh, Args};
use super::translate::Translated;
use super::FuncCode;

/// Stream words of `br_table` with `n` targets.
pub(super) fn table_words(n: usize) -> usize {
    sh::words::<sh::Table>() + n.div_ceil(2)
}

/// Assembles one translated function; its `Call` operands still name
/// defined function indices until [`link`].
pub(super) fn assemble(t: Translated, module_id: u64, func: u32, recording: bool) -> FuncCode {
    let words = |i: &super::ir::Instr| match i.args {
        Args::Table(x) => table_words(t.tables[x.len as usize].len()),
        a => a.shape().words(),
    };
    let mut starts = Vec::with_capacity(t.code.len() + 1);
    let mut at = 0usize;
    for i in &t.code {
        starts.push(at);
        at += words(i);
    }
    starts.push(at);
    let rel = |from: usize, to: Target| (starts[to as usize] as i64 - starts[from] as i64) as i32;
    let mut out: Vec<u64> = Vec::with_capacity(at);
    for (n, i) in t.code.iter().enumerate() {
        out.push(0); // the handler, written once the stream is final
        let mut args = i.args;
        if let Some(to) = sh::target_mut(&mut args) {
            *to = rel(n, *to as Target);
        }
        match args {
            Args::Table(x) => {
                let targets = &t.tables[x.len as usize];
                Args::Table(sh::Table {
                    index: x.index,
                    len: targets.len() as u32,
                })
                .encode(&mut out);
                let mut rels: Vec<i32> = targets.iter().map(|&to| rel(n, to)).collect();
                if rels.len() % 2 == 1 {
                    rels.push(0);
                }
                out.extend(
                    rels.chunks(2)
                        .map(|p| (p[0] as u32 as u64) | ((p[1] as u32 as u64) << 32)),
                );
            }
            a => a.encode(&mut out),
        }
        debug_assert_eq!(out.len(), starts[n + 1]);
    }
    let instrs: Box<[Start]> = t
        .code
        .iter()
        .zip(&starts)
        .map(|(i, &s)| Start {
            at: s as u32,
            op: i.op,
            charge: i.charge,
        })
        .collect();
    let mut code = out.into_boxed_slice();
    for start in instrs.iter() {
        write_handler(&mut code, start.at as usize, start.handler(recording));
    }
    FuncCode {
        module_id,
        func,
        code,
        instrs,
        frame_size: t.frame_size,
        results: t.results,
        local_init: t.local_init.into(),
        recording,
    }
}

/// Writes a handler address as the first word of the instruction at `at`.
fn write_handler(code: &mut [u64], at: usize, h: Handler) {
    assert!(at < code.len());
    // SAFETY: `at` is inside the stream; a handler address is one word.
    unsafe { code.as_mut_ptr().add(at).cast::<Handler>().write(h) }
}

/// Points every `Call` of `funcs` (one module's functions, by defined
/// index) at its callee's code. The slice must not move afterwards.
pub(super) fn link(funcs: &mut [FuncCode]) {
    let base = funcs.as_ptr();
    let n = funcs.len();
    for f in funcs.iter_mut() {
        for start in f.instrs.iter() {
            if start.op != Op::Call && start.op != Op::ReturnCall {
                continue;
            }
            let at = start.at as usize + 1;
            // SAFETY: a `Call` instruction's operands follow its handler word.
            let mut call: sh::Call = unsafe { f.code.as_ptr().add(at).cast::<sh::Call>().read() };
            if (call.callee as usize) < n {
                // SAFETY: `callee < n`: an element of `funcs`.
                call.callee = unsafe { base.add(call.callee as usize) } as u64;
            }
            // SAFETY: as above; the operands are rewritten in place.
            unsafe { f.code.as_mut_ptr().add(at).cast::<sh::Call>().write(call) };
        }
    }
}
