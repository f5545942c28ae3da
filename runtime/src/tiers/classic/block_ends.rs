//! The classic tier's block-end cache: where each `block`/`if` ends (and
//! where an `if`'s `else` is). Computed lazily, one function at a time, the
//! first time a branch or a false `if` needs it, then reused.

use crate::maps::{IntMap, InternalMap, LookupStats, MapSnapshot, Violation};
use crate::module::Module;
use std::sync::Arc;

/// Where a structured instruction's `else` and `end` opcodes are
/// (absolute offsets into the module's bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockEnds {
    pub else_pc: Option<usize>,
    pub end_pc: usize,
}

/// The block ends of one function, keyed by the offset of the block opcode.
#[derive(Debug)]
pub struct FuncEnds {
    module: Arc<Module>,
    func: u32,
    ends: IntMap<usize, BlockEnds>,
}

impl FuncEnds {
    fn scan(module: &Arc<Module>, func: u32) -> FuncEnds {
        let body = &module.bodies[(func - module.num_imported_funcs) as usize];
        let mut ends = IntMap::default();
        let mut open: Vec<(usize, Option<usize>)> = Vec::new();
        let reader =
            wasmparser::BinaryReader::new(&module.bytes[body.code.clone()], body.code.start as u64);
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while !ops.eof() {
            let (op, offset) = ops
                .read_with_offset()
                .expect("validated function body decodes");
            let offset = offset as usize;
            match op {
                wasmparser::Operator::Block { .. }
                | wasmparser::Operator::Loop { .. }
                | wasmparser::Operator::If { .. } => open.push((offset, None)),
                wasmparser::Operator::Else => {
                    open.last_mut().expect("else inside if").1 = Some(offset)
                }
                wasmparser::Operator::End => {
                    if let Some((start, else_pc)) = open.pop() {
                        ends.insert(
                            start,
                            BlockEnds {
                                else_pc,
                                end_pc: offset,
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        FuncEnds {
            module: module.clone(),
            func,
            ends,
        }
    }

    fn check(&self, out: &mut Vec<Violation>) {
        let bytes = &self.module.bytes;
        let body = &self.module.bodies[(self.func - self.module.num_imported_funcs) as usize];
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(self.ends.len());
        for (&start, e) in &self.ends {
            let inside = |pc: usize| body.code.contains(&pc);
            let bad = !inside(start)
                || !inside(e.end_pc)
                || e.end_pc <= start
                || bytes[e.end_pc] != 0x0b
                || !matches!(bytes[start], 0x02..=0x04)
                || e.else_pc.is_some_and(|p| {
                    p <= start || p >= e.end_pc || bytes[p] != 0x05 || bytes[start] != 0x04
                });
            if bad {
                out.push(Violation::new(
                    "classic-block-ends",
                    format!(
                        "module {} func {}: block at {start} maps to {e:?}, which is not its end",
                        self.module.id, self.func
                    ),
                ));
            }
            spans.push((start, e.end_pc));
        }
        // Blocks must nest: sorted by start, each span ends before the
        // enclosing one does, or starts after it ended.
        spans.sort_unstable();
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for (s, e) in spans {
            while stack.last().is_some_and(|&(_, pe)| pe < s) {
                stack.pop();
            }
            if stack.last().is_some_and(|&(_, pe)| e > pe) {
                out.push(Violation::new(
                    "classic-block-ends",
                    format!("func {}: block {s}..{e} overlaps its parent", self.func),
                ));
            }
            stack.push((s, e));
        }
    }
}

/// All functions' block ends, keyed by (module id, function index).
#[derive(Debug, Default)]
pub struct BlockEndCache {
    funcs: IntMap<(u64, u32), Arc<FuncEnds>>,
    stats: LookupStats,
    invalid: Vec<Violation>,
}

impl BlockEndCache {
    /// The block ends of one function, scanning it on first use.
    pub fn func(&mut self, module: &Arc<Module>, func: u32) -> Arc<FuncEnds> {
        if let Some(f) = self.funcs.get(&(module.id, func)) {
            return f.clone();
        }
        self.stats.misses += 1;
        let f = Arc::new(FuncEnds::scan(module, func));
        self.funcs.insert((module.id, func), f.clone());
        f
    }

    /// Where the block starting at `pc` ends. A `pc` that starts no block is
    /// an invalid key: recorded, and reported by `check()`.
    pub fn lookup(&mut self, ends: &FuncEnds, pc: usize) -> Option<BlockEnds> {
        match ends.ends.get(&pc) {
            Some(&e) => {
                self.stats.hits += 1;
                Some(e)
            }
            None => {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    "classic-block-ends",
                    format!("func {}: no block starts at {pc}", ends.func),
                ));
                None
            }
        }
    }
}

impl InternalMap for BlockEndCache {
    fn name(&self) -> &'static str {
        "classic-block-ends"
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = self.invalid.clone();
        for f in self.funcs.values() {
            f.check(&mut out);
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        let mut keys: Vec<String> = self
            .funcs
            .values()
            .map(|f| format!("func {}: {} blocks", f.func, f.ends.len()))
            .collect();
        keys.sort();
        MapSnapshot {
            name: self.name().into(),
            entries: self.funcs.values().map(|f| f.ends.len() as u64).sum(),
            keys,
            stats: self.stats,
        }
    }
}
