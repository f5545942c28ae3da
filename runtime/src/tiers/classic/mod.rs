//! The classic tier: interprets the original bytecode with an operand stack
//! and a control stack, exactly as the binary lays it out.
//!
//! Wasm calls push a [`Frame`] on a heap-allocated stack instead of
//! recursing in Rust, so deep wasm recursion ends in `CallStackExhausted`
//! at `max_call_depth`, never in a Rust stack overflow. A tail call
//! (`return_call*`) replaces the running frame, so it never grows either
//! stack.
//!
//! Operands are 64-bit cells; a `v128` takes two, low half first, so values
//! cross the tier boundary as they sit on the stack ([`wide`] says where
//! the layout needs type information the bytecode does not carry). Every
//! memory instruction names its memory; memory 0 stays the fast path
//! ([`memory`]). SIMD instructions live in [`simd`], computed lane by lane
//! ([`lanes`]).

mod block_ends;
mod bulk;
mod coverage;
mod decode;
mod exec;
mod lanes;
mod memory;
mod num;
mod paths;
mod simd;
mod wide;

pub use block_ends::{BlockEndCache, BlockEnds};
pub(crate) use paths::path_cells;

use super::{Tier, TierKind};
use crate::maps::{InternalMap, MapSnapshot, Violation};
use crate::module::Module;
use crate::prepare::PrepareError;
use crate::store::{InstanceId, StoreData};
use crate::trap::Trap;
use crate::values::FuncAddr;
use block_ends::FuncEnds;
use memory::MemRef;
use std::sync::Arc;
use wide::{WideCache, WideId};

/// One wasm function activation.
#[derive(Clone)]
struct Frame {
    module: Arc<Module>,
    /// Function index within `module`.
    func: u32,
    instance: u32,
    /// Where to resume (absolute offset into `module.bytes`).
    pc: usize,
    /// Stack index of the first parameter; locals follow the parameters.
    locals: usize,
    /// Index of this frame's function-body label in the label stack.
    labels: usize,
    /// Lazily fetched block ends of this function.
    ends: Option<Arc<FuncEnds>>,
    /// Where this function's `v128`s sit, if it has any.
    wide: Option<WideId>,
}

/// Where a branch to a label continues.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The loop body's first instruction: loops are re-entered (and charged fuel).
    Loop(usize),
    /// The block/if opcode's offset: the branch continues after its `end`,
    /// found through the block-end cache.
    Block(usize),
    /// The function body itself: a branch here returns.
    Func,
}

/// One entry of the control stack.
#[derive(Clone, Copy, Debug)]
struct Label {
    /// Operand stack height below the block's parameters.
    height: usize,
    /// Values a branch to this label carries.
    arity: usize,
    target: Target,
}

/// The classic interpreter and its reusable stacks.
#[derive(Default)]
pub struct ClassicTier {
    ends: BlockEndCache,
    wide: WideCache,
    /// Per store instance: its memory 0 (fixed once instantiated).
    mem0: Vec<MemRef>,
    stack: Vec<u64>,
    frames: Vec<Frame>,
    labels: Vec<Label>,
    /// Instructions of this call still to record in full (coverage).
    cover_steps: u64,
    /// Address of the instruction about to run, while recording coverage:
    /// a trap after the recorded steps is counted against it.
    cover_at: usize,
}

/// Fault `classic-refuses-i32-popcnt`: the tier refuses every module that
/// holds an `i32.popcnt`, as a tier missing one instruction would.
fn refuse_popcnt(module: &Module) -> Result<(), PrepareError> {
    for body in &module.bodies {
        let reader =
            wasmparser::BinaryReader::new(&module.bytes[body.code.clone()], body.code.start as u64);
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while !ops.eof() {
            let op = ops
                .read()
                .map_err(|e| PrepareError::internal("classic", e))?;
            if matches!(op, wasmparser::Operator::I32Popcnt) {
                return Err(PrepareError::no_translation("classic", &op));
            }
        }
    }
    Ok(())
}

impl Tier for ClassicTier {
    fn kind(&self) -> TierKind {
        TierKind::Classic
    }

    fn prepare(&mut self, data: &StoreData, instance: InstanceId) -> Result<(), PrepareError> {
        let i = instance.0 as usize;
        if crate::fault::active(crate::fault::Fault::ClassicRefusesI32Popcnt) {
            refuse_popcnt(&data.instances[i].module)?;
        }
        if self.mem0.len() <= i {
            self.mem0.resize(i + 1, MemRef::NONE);
        }
        self.mem0[i] = data.instances[i]
            .memories
            .first()
            .map_or(MemRef::NONE, |&m| MemRef::of_addr(data, m as usize));
        self.wide.prepare(data, i)
    }

    fn call(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        let base = self.stack.len();
        let depth = self.frames.len();
        let labels = self.labels.len();
        self.stack.extend_from_slice(args);
        self.cover_entry(data);
        let result = self.enter(data, func).and_then(|()| self.run(data, depth));
        match result {
            Ok(()) => Ok(self.stack.drain(base..).collect()),
            Err(trap) => {
                self.cover_trap(data, trap.code, self.frames.len() - depth);
                self.stack.truncate(base);
                self.frames.truncate(depth);
                self.labels.truncate(labels);
                Err(trap)
            }
        }
    }

    fn check(&self, _data: &StoreData) -> Vec<Violation> {
        let mut out = self.ends.check();
        out.extend(self.wide.check());
        out
    }

    fn snapshots(&self) -> Vec<MapSnapshot> {
        vec![self.ends.snapshot(), self.wide.snapshot()]
    }
}
