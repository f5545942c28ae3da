//! The fast tier: translates each wasm function once into slot-addressed
//! (register) instructions and runs them with threaded dispatch.
//!
//! * [`translate`] turns stack code into instructions whose operands are
//!   frame slots (parameters, locals, translator temporaries) or
//!   immediates, fusing compares into branches and results into locals.
//! * [`asm`] lays them out as a code stream: each instruction is its
//!   handler's address followed by its operands ([`shapes`]); calls within
//!   a module point straight at the callee's code.
//! * [`ops`] is the instruction table: one row per instruction, its shape
//!   and its handler body. [`dispatch`] chains handlers (tail calls where
//!   the build allows it, a loop elsewhere); [`exec`] holds the executor's
//!   context, calls and returns; [`bulk`] the out-of-line store operations.
//!
//! The hot state (instruction pointer, frame base, memory 0 base and
//! length, fuel) travels in handler arguments, so it stays in registers
//! and is refreshed only after calls into other instances, host calls and
//! `memory.grow`. Fuel is charged on function entry (in the call), when a
//! loop is entered from above (`LoopFuel`), and by every backward jump (a
//! backward jump always re-enters a loop header): no extra instruction per
//! iteration. Unlimited fuel is `u64::MAX` counting down, as in the JIT;
//! it cannot run out in practice and is written back as unlimited.
//!
//! # SIMD and WebAssembly 3.0
//! A `v128` occupies two consecutive slots, low half first, as at the
//! `Tier::call` boundary: the translator pushes it as two marked entries of
//! its virtual stack, so blocks, branches, calls and returns move it slot by
//! slot like any other value; the lane code ([`simd`]) is this tier's own.
//! `return_call` to a function of the same module moves its arguments to
//! the frame's start and jumps to the callee (depth unchanged, one unit of
//! fuel); to an import it is a call followed by a return. Accesses to
//! memory 0 of 32 bits keep their specialised address forms; any other
//! memory, and 64-bit memories, take a general form whose bounds check is
//! computed in 64 bits with overflow checked (it cannot wrap). Operands of
//! 64-bit tables are read whole, so an index of 2^32 or more traps.
//!
//! # Measurements that chose the design
//! See the README, "Performance", for the bench table. On this project's
//! build machine (2-core VM), `tierdiff bench` default sizes, fast ÷ wasmi
//! 2.0 (above 1 the fast tier is faster):
//!
//! | design | fib | vcall | geomean |
//! |---|---:|---:|---:|
//! | `match` loop over an enum, `Arc` per call (before) | 0.21× | 0.27× | 0.37× |
//!
//! # Dev. Note
//! Translation is **eager**, in [`Tier::prepare`]: it runs once per module
//! (instances of the same module share the code), keeps translation out of
//! the call path, surfaces a function the tier cannot take (a frame too large
//! for `u32` slots) as a clear instantiation error instead of a trap in the
//! middle of a run, and lets `check()` verify every function's side tables
//! from the start, not only those that happened to run. The executor relies
//! on that verification for every unchecked access (see [`exec`]).

mod asm;
mod bulk;
mod dispatch;
mod exec;
mod ir;
mod num;
mod ops;
mod paths;
mod shapes;
mod simd;
#[cfg(test)]
mod tests;
mod thread;
mod translate;

use super::{Tier, TierKind};
use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::prepare::PrepareError;
use crate::store::{FuncInst, InstanceId, StoreData};
use crate::trap::Trap;
use crate::values::FuncAddr;
use shapes::Field;
use std::collections::HashMap;
use std::sync::Arc;

/// The fast tier's paths for tier-path coverage: one per row of its
/// instruction table, named after it (see [`crate::tier_paths`]).
pub(crate) fn path_cells() -> Vec<crate::tier_paths::PathCell> {
    ops::Op::ALL
        .iter()
        .map(|&op| crate::tier_paths::PathCell {
            name: op.name().to_string(),
            unreachable: unreachable_path(op),
        })
        .chain(paths::Rewrite::cells())
        .collect()
}

/// Why no module reaches `op`'s handler, if none does.
fn unreachable_path(op: ops::Op) -> Option<&'static str> {
    match op {
        ops::Op::Exit => {
            Some("ends execution from the sentinel frame's own stream, which never records")
        }
        _ => None,
    }
}

/// One translated function.
#[derive(Debug)]
pub(crate) struct FuncCode {
    module_id: u64,
    func: u32,
    /// The code stream (see [`asm`]).
    code: Box<[u64]>,
    /// Every instruction's start (a word offset) and what it is.
    instrs: Box<[ir::Start]>,
    /// Parameters + locals + temporaries.
    frame_size: u32,
    results: u32,
    /// Declared locals not provably written before a read, with their
    /// initial values (null for references).
    local_init: Box<[(ir::Slot, u64)]>,
    /// Assembled with recording handlers ([`crate::tier_paths`]).
    recording: bool,
}

/// The code of every defined function of one module. Calls within the
/// module point at elements of `funcs`, so it never moves once built.
#[derive(Debug)]
struct ModuleCode {
    funcs: Box<[FuncCode]>,
}

impl ModuleCode {
    /// Whether `p` points at one of this module's functions.
    fn contains(&self, p: u64) -> bool {
        let start = self.funcs.as_ptr() as u64;
        let size = std::mem::size_of::<FuncCode>() as u64;
        p >= start && p < start + self.funcs.len() as u64 * size && (p - start).is_multiple_of(size)
    }
}

impl FuncCode {
    /// The stream as text, one instruction a line (`TIERDIFF_FAST_DUMP=1`
    /// prints every function at translation).
    fn dump(&self) -> String {
        let mut out = format!(
            "fast: module {} func {} ({} slots, {} locals zeroed)\n",
            self.module_id,
            self.func,
            self.frame_size,
            self.local_init.len()
        );
        for start in self.instrs.iter() {
            let (at, op) = (start.at as usize, start.op);
            if at + op.shape().words() > self.code.len() {
                break;
            }
            // SAFETY: the instruction's words are inside the stream (above).
            let args = unsafe { op.shape().decode(self.code.as_ptr().add(at + 1)) };
            let fuel = if start.charge { " (charges fuel)" } else { "" };
            out.push_str(&format!("{at:6}: {op:?} {args:?}{fuel}\n"));
        }
        out
    }

    /// What the executor relies on without checking: every initialised
    /// local inside the frame; instructions tile the
    /// stream, each with its own handler and shape; every slot inside the
    /// frame; every branch target an instruction start; every callee a function of `module`; and no way to
    /// run off the end.
    fn verify(&self, module: &ModuleCode, out: &mut Vec<Violation>) {
        let mut bad = |at: usize, what: String| {
            out.push(Violation::new(
                SIDE_TABLES,
                format!(
                    "module {} func {} word {at}: {what}",
                    self.module_id, self.func
                ),
            ))
        };
        let len = self.code.len();
        if !self.instrs.last().is_some_and(|s| s.op.is_terminator()) {
            bad(len, "code can run past its last instruction".into());
        }
        let starts: Vec<usize> = self.instrs.iter().map(|s| s.at as usize).collect();
        let is_start = |w: i64| w >= 0 && starts.binary_search(&(w as usize)).is_ok();
        let mut expect = 0usize;
        for start in self.instrs.iter() {
            let (at, op) = (start.at as usize, start.op);
            if at != expect {
                bad(
                    at,
                    format!("{op:?} does not start where the previous ends ({expect})"),
                );
                return;
            }
            let shape = op.shape();
            if at + shape.words() > len {
                bad(at, format!("{op:?} runs past the stream's end"));
                return;
            }
            if self.code[at] != start.handler(self.recording) as usize as u64 {
                bad(at, format!("the handler word is not {op:?}'s"));
            }
            // SAFETY: the instruction's words are inside the stream (above).
            let args = unsafe { shape.decode(self.code.as_ptr().add(at + 1)) };
            let mut targets = Vec::new();
            let mut words = shape.words();
            if let shapes::Args::Table(t) = args {
                words = asm::table_words(t.len as usize);
                if t.len == 0 || at + words > len {
                    bad(at, format!("br_table of {} targets does not fit", t.len));
                    return;
                }
                let first = at + shape.words();
                for i in 0..t.len as usize {
                    let w = self.code[first + i / 2];
                    targets.push((w >> (32 * (i % 2))) as u32 as i32);
                }
            }
            args.fields(&mut |f| match f {
                Field::Slot(s) if s >= self.frame_size => bad(
                    at,
                    format!("slot {s} outside the frame of {}", self.frame_size),
                ),
                Field::Pair(s) if s as u64 + 1 >= self.frame_size as u64 => bad(
                    at,
                    format!("v128 slot {s} outside the frame of {}", self.frame_size),
                ),
                Field::Base(b) if b > self.frame_size => bad(
                    at,
                    format!("call base {b} outside the frame of {}", self.frame_size),
                ),
                Field::Target(t) => targets.push(t),
                Field::Callee(p) if !module.contains(p) => {
                    bad(at, format!("callee {p:#x} is not a function of the module"))
                }
                _ => {}
            });
            for t in targets {
                let to = at as i64 + t as i64;
                if !is_start(to) {
                    bad(
                        at,
                        format!("branch target {to} is not an instruction start"),
                    );
                }
            }
            match args {
                shapes::Args::TCall(c) if c.base as u64 + c.n as u64 > self.frame_size as u64 => {
                    bad(
                        at,
                        format!("tail-call arguments {}..+{} outside the frame", c.base, c.n),
                    )
                }
                shapes::Args::TCallInd(c)
                    if c.base as u64 + c.n as u64 > self.frame_size as u64 =>
                {
                    bad(
                        at,
                        format!("tail-call arguments {}..+{} outside the frame", c.base, c.n),
                    )
                }
                shapes::Args::Src(_) if self.frame_size == 0 => {
                    bad(at, "a result returned from an empty frame".into())
                }
                shapes::Args::Ret(r)
                    if r.n > 0 && r.start.checked_add(r.n).is_none_or(|e| e > self.frame_size) =>
                {
                    bad(
                        at,
                        format!("results {}..+{} outside the frame", r.start, r.n),
                    )
                }
                _ => {}
            }
            expect = at + words;
        }
        if expect != len {
            bad(
                expect,
                format!("{} words after the last instruction", len - expect),
            );
        }
    }
}

const SIDE_TABLES: &str = "fast-side-tables";

/// What a call through a store function address needs: the code (null
/// for host functions), the instance and the canonical signature id.
#[derive(Clone, Copy, Debug)]
struct FuncEntry {
    code: *const FuncCode,
    inst: u32,
    ty: u32,
}

impl FuncEntry {
    const NONE: FuncEntry = FuncEntry {
        code: std::ptr::null(),
        inst: u32::MAX,
        ty: u32::MAX,
    };
}

/// The fast tier's side tables: translated code per module and an entry
/// per store function address.
#[derive(Debug, Default)]
pub struct SideTables {
    by_module: HashMap<u64, Arc<ModuleCode>>,
    by_addr: Vec<FuncEntry>,
    stats: LookupStats,
    invalid: Vec<Violation>,
}

impl SideTables {
    /// The code of the wasm function at `addr`; a missing entry is recorded as a violation.
    fn code(&mut self, addr: FuncAddr) -> Option<*const FuncCode> {
        match self.by_addr.get(addr.0 as usize) {
            Some(e) if !e.code.is_null() => {
                self.stats.hits += 1;
                Some(e.code)
            }
            _ => {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    SIDE_TABLES,
                    format!("no translated code for function address {}", addr.0),
                ));
                None
            }
        }
    }

    /// Translates, assembles, links and verifies every defined function of
    /// an instance's module.
    fn build(
        data: &StoreData,
        instance: InstanceId,
        rewrites: &mut crate::tier_paths::Pending,
    ) -> Result<ModuleCode, PrepareError> {
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        let mut funcs = Vec::with_capacity(module.bodies.len());
        let recording = data.tier_paths.is_some();
        for index in module.num_imported_funcs..module.funcs.len() as u32 {
            let mut t = translate::translate(module, &inst.type_ids, index)?;
            rewrites.add(&t.rewrites);
            thread::thread(&mut t.code, &mut t.tables, rewrites);
            funcs.push(asm::assemble(t, module.id, index, recording));
        }
        let mut funcs = funcs.into_boxed_slice();
        asm::link(&mut funcs);
        let code = ModuleCode { funcs };
        if std::env::var_os("TIERDIFF_FAST_DUMP").is_some() {
            for f in code.funcs.iter() {
                eprintln!("{}", f.dump());
            }
        }
        // The executor relies on these invariants without re-checking them.
        let mut violations = Vec::new();
        for f in code.funcs.iter() {
            f.verify(&code, &mut violations);
        }
        match violations.first() {
            Some(v) => Err(PrepareError::internal(
                "fast",
                format!("translation is inconsistent: {v}"),
            )),
            None => Ok(code),
        }
    }
}

impl InternalMap for SideTables {
    fn name(&self) -> &'static str {
        SIDE_TABLES
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = self.invalid.clone();
        for module in self.by_module.values() {
            for f in module.funcs.iter() {
                f.verify(module, &mut out);
            }
        }
        for (addr, e) in self.by_addr.iter().enumerate() {
            let p = e.code as u64;
            if !e.code.is_null() && !self.by_module.values().any(|m| m.contains(p)) {
                out.push(Violation::new(
                    SIDE_TABLES,
                    format!("function address {addr} points at no translated function"),
                ));
            }
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        let mut keys: Vec<String> = self
            .by_module
            .values()
            .flat_map(|m| m.funcs.iter())
            .map(|c| {
                format!(
                    "func {}: {} instrs, {} slots",
                    c.func,
                    c.instrs.len(),
                    c.frame_size
                )
            })
            .collect();
        keys.sort();
        MapSnapshot {
            name: SIDE_TABLES.into(),
            entries: keys.len() as u64,
            keys,
            stats: self.stats,
        }
    }
}

/// The fast interpreter: side tables, register file and call stack.
#[derive(Default)]
pub struct FastTier {
    tables: SideTables,
    /// Translator rewrites counted since the store last took them.
    rewrites: crate::tier_paths::Pending,
    regs: Vec<u64>,
    frames: Vec<exec::CallFrame>,
}

// SAFETY: the raw pointers inside (code entries, call records) point into
// data this tier owns (its side tables' code, its register file), never
// into thread-local or shared state; the tier moves between threads whole.
unsafe impl Send for FastTier {}

impl Tier for FastTier {
    fn kind(&self) -> TierKind {
        TierKind::Fast
    }

    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), PrepareError> {
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        let code = match self.tables.by_module.get(&module.id) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(SideTables::build(data, instance, &mut self.rewrites)?);
                self.tables.stats.misses += 1;
                self.tables.by_module.insert(module.id, c.clone());
                c
            }
        };
        for index in module.num_imported_funcs..module.funcs.len() as u32 {
            let addr = inst.funcs[index as usize];
            let FuncInst::Wasm { type_id, .. } = &data.funcs[addr.0 as usize] else {
                unreachable!("a defined function is wasm");
            };
            let slot = addr.0 as usize;
            if self.tables.by_addr.len() <= slot {
                self.tables.by_addr.resize(slot + 1, FuncEntry::NONE);
            }
            self.tables.by_addr[slot] = FuncEntry {
                code: &code.funcs[(index - module.num_imported_funcs) as usize],
                inst: instance.0,
                ty: type_id.0,
            };
        }
        Ok(())
    }

    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        exec::execute(self, data, func, args)
    }

    fn record_prepared_paths(&mut self, data: &mut StoreData) {
        self.rewrites.drain_into(data);
    }

    fn check(&self, _data: &StoreData) -> Vec<Violation> {
        self.tables.check()
    }

    fn snapshots(&self) -> Vec<MapSnapshot> {
        vec![self.tables.snapshot()]
    }
}
