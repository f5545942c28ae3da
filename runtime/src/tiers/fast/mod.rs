//! The fast tier: translates each wasm function once into slot-addressed
//! (register) instructions and runs those, with no operand stack at run time.
//!
//! * [`translate`] turns stack code into [`ir::Instr`]s: operands are frame
//!   slots (parameters, locals, translator temporaries) or immediates; branch
//!   targets are instruction indices; `br_table` is a jump table; block
//!   results and loop parameters are moved into their slots by the translator.
//! * [`exec`] runs them on one register file shared by all frames: a callee's
//!   frame starts at the caller's argument slots, so arguments and results are
//!   never copied. Wasm calls push a heap frame, never a Rust one.
//!
//! Fusions: an integer compare feeding `br_if`/`if` becomes one
//! compare-and-branch; `i32.eqz` is a compare with immediate 0; a constant
//! right operand becomes an immediate; an instruction feeding `local.set`
//! writes the local directly; `local.get` costs nothing.
//!
//! # Dev. Note
//! Translation is **eager**, in [`Tier::prepare`]: it runs once per module
//! (instances of the same module share the code), keeps translation out of
//! the call path, surfaces a function the tier cannot take (a frame too large
//! for `u32` slots) as a clear instantiation error instead of a trap in the
//! middle of a run, and lets `check()` verify every function's side tables
//! from the start, not only those that happened to run.

mod exec;
mod ir;
mod num;
mod translate;

use super::{Tier, TierKind};
use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::store::{FuncInst, InstanceId, StoreData};
use crate::trap::Trap;
use crate::values::FuncAddr;
use ir::{Instr, Ref};
use std::collections::HashMap;
use std::sync::Arc;

/// One translated function.
#[derive(Debug)]
pub(crate) struct FuncCode {
    module_id: u64,
    func: u32,
    code: Box<[Instr]>,
    /// Jump tables of `br_table`s; the last entry is the default.
    tables: Box<[Box<[u32]>]>,
    /// Parameters + locals + temporaries.
    frame_size: u32,
    params: u32,
    /// Initial values of the declared locals (null for references).
    local_init: Box<[u64]>,
}

impl FuncCode {
    /// Every branch target inside the function, every slot inside the frame,
    /// and no way to run off the end.
    fn verify(&self, out: &mut Vec<Violation>) {
        let len = self.code.len();
        let mut bad = |pc: usize, what: String| {
            out.push(Violation::new(
                SIDE_TABLES,
                format!(
                    "module {} func {} instr {pc}: {what}",
                    self.module_id, self.func
                ),
            ))
        };
        if !self.code.last().is_some_and(Instr::is_terminator) {
            bad(len, "code can run past its last instruction".into());
        }
        for (pc, instr) in self.code.iter().enumerate() {
            instr.refs(&mut |r| match r {
                Ref::Slot(s) if s >= self.frame_size => bad(
                    pc,
                    format!("slot {s} outside the frame of {}", self.frame_size),
                ),
                Ref::Base(b) if b > self.frame_size => bad(
                    pc,
                    format!("call base {b} outside the frame of {}", self.frame_size),
                ),
                Ref::Target(t) if t as usize >= len => {
                    bad(pc, format!("branch target {t} outside {len} instructions"))
                }
                Ref::Table(t) => match self.tables.get(t as usize) {
                    None => bad(pc, format!("jump table {t} does not exist")),
                    Some(tab) if tab.is_empty() => bad(pc, format!("jump table {t} is empty")),
                    Some(tab) => {
                        for &to in tab.iter().filter(|&&to| to as usize >= len) {
                            bad(
                                pc,
                                format!("jump table target {to} outside {len} instructions"),
                            )
                        }
                    }
                },
                _ => {}
            });
        }
    }
}

const SIDE_TABLES: &str = "fast-side-tables";

/// The fast tier's side tables: translated code per (module, function) and
/// per store function address.
#[derive(Debug, Default)]
pub struct SideTables {
    by_func: HashMap<(u64, u32), Arc<FuncCode>>,
    by_addr: Vec<Option<Arc<FuncCode>>>,
    stats: LookupStats,
    invalid: Vec<Violation>,
}

impl SideTables {
    /// The code of the wasm function at `addr`; a missing entry is recorded as a violation.
    fn code(&mut self, addr: FuncAddr) -> Option<Arc<FuncCode>> {
        match self.by_addr.get(addr.0 as usize).and_then(Option::as_ref) {
            Some(c) => {
                self.stats.hits += 1;
                Some(c.clone())
            }
            None => {
                self.stats.invalid_keys += 1;
                self.invalid.push(Violation::new(
                    SIDE_TABLES,
                    format!("no translated code for function address {}", addr.0),
                ));
                None
            }
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
        for code in self.by_func.values() {
            code.verify(&mut out);
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        let mut keys: Vec<String> = self
            .by_func
            .values()
            .map(|c| {
                format!(
                    "func {}: {} instrs, {} slots",
                    c.func,
                    c.code.len(),
                    c.frame_size
                )
            })
            .collect();
        keys.sort();
        MapSnapshot {
            name: SIDE_TABLES.into(),
            entries: self.by_func.len() as u64,
            keys,
            stats: self.stats,
        }
    }
}

/// One wasm function activation.
#[derive(Debug, Clone)]
struct Frame {
    code: Arc<FuncCode>,
    /// Register-file index of slot 0.
    base: usize,
    instance: usize,
    /// Store address of the instance's memory 0, `usize::MAX` if none.
    mem: usize,
    /// Where to resume after a call returns.
    pc: usize,
}

/// The fast interpreter: side tables, register file and frame stack.
#[derive(Default)]
pub struct FastTier {
    tables: SideTables,
    regs: Vec<u64>,
    frames: Vec<Frame>,
}

impl Tier for FastTier {
    fn kind(&self) -> TierKind {
        TierKind::Fast
    }

    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), String> {
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        for index in module.num_imported_funcs..module.funcs.len() as u32 {
            let addr = inst.funcs[index as usize];
            debug_assert!(matches!(data.funcs[addr.0 as usize], FuncInst::Wasm { .. }));
            let code = match self.tables.by_func.get(&(module.id, index)) {
                Some(c) => c.clone(),
                None => {
                    let c = Arc::new(translate::translate(module, index)?);
                    // The executor relies on these invariants without re-checking them.
                    let mut violations = Vec::new();
                    c.verify(&mut violations);
                    if let Some(v) = violations.first() {
                        return Err(format!("fast tier: translation is inconsistent: {v}"));
                    }
                    self.tables.stats.misses += 1;
                    self.tables.by_func.insert((module.id, index), c.clone());
                    c
                }
            };
            let slot = addr.0 as usize;
            if self.tables.by_addr.len() <= slot {
                self.tables.by_addr.resize(slot + 1, None);
            }
            self.tables.by_addr[slot] = Some(code);
        }
        Ok(())
    }

    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        let result = self.execute(data, func, args);
        self.frames.clear();
        result
    }

    fn check(&self, _data: &StoreData) -> Vec<Violation> {
        self.tables.check()
    }

    fn snapshots(&self) -> Vec<MapSnapshot> {
        vec![self.tables.snapshot()]
    }
}
