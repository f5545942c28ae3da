//! The classic tier's interpreter loop.

use super::decode::{block_sig, s64_leb, u32_leb};
use super::memory::{bytes, memarg, MemRef};
use super::num::*;
use super::paths::{self, ClassicPath};
use super::wide::WideId;
use super::{ClassicTier, Frame, Label, Target};
use crate::fault::{active, Fault};
use crate::module::Module;
use crate::store::{FuncInst, InstanceId, StoreData};
use crate::trap::{Trap, TrapCode};
use crate::values::{slot_count, FuncAddr, ValType, NULL_REF};
use std::sync::Arc;

/// The saved pc of a frame whose tail call the `classic-tail-call-depth`
/// fault turned into a call: when resumed, it returns at once.
const TAIL_PENDING: usize = usize::MAX;

/// The current frame's hot fields, kept out of the frame stack while it runs.
pub(super) struct Cursor {
    pub(super) module: Arc<Module>,
    pub(super) pc: usize,
    pub(super) locals: usize,
    pub(super) instance: u32,
    /// The instance's memory 0 ([`MemRef::NONE`] when it has none).
    pub(super) mem0: MemRef,
    /// Where the function's `v128`s sit, if it has any.
    pub(super) wide: Option<WideId>,
}

impl Cursor {
    /// The cursor of `frame`; `mem0` holds each instance's memory 0.
    #[inline]
    fn of(frame: &Frame, mem0: &[MemRef]) -> Cursor {
        Cursor {
            module: frame.module.clone(),
            pc: frame.pc,
            locals: frame.locals,
            instance: frame.instance,
            mem0: mem0[frame.instance as usize],
            wide: frame.wide,
        }
    }
}

impl ClassicTier {
    /// Pushes a frame for wasm function `func`, whose arguments are on the stack.
    /// Call depth is checked first, then one unit of fuel is charged.
    pub(super) fn enter(&mut self, data: &mut StoreData, func: FuncAddr) -> Result<(), Trap> {
        let FuncInst::Wasm {
            module,
            instance,
            index,
            ..
        } = &data.funcs[func.0 as usize]
        else {
            unreachable!("enter on a host function");
        };
        let slack = usize::from(crate::fault::active(
            crate::fault::Fault::ClassicDepthOffByOne,
        ));
        if self.frames.len() >= data.limits.max_call_depth as usize + slack {
            return Err(TrapCode::CallStackExhausted.into());
        }
        let (module, instance, index) = (module.clone(), instance.0, *index);
        data.consume_fuel()?;
        if self.wide.may_hold(instance) {
            paths::hit(data, ClassicPath::FrameWithLayout);
            self.enter_wide(module, instance, index);
        } else {
            paths::hit(data, ClassicPath::FrameOneCellValues);
            self.push_frame(module, instance, index, None);
        }
        Ok(())
    }

    /// [`ClassicTier::enter`]'s frame push in an instance that can hold a
    /// `v128`, kept out of line so the scalar call path stays as it was.
    #[inline(never)]
    fn enter_wide(&mut self, module: Arc<Module>, instance: u32, index: u32) {
        let wide = self.wide.func(&module, index);
        self.push_frame(module, instance, index, wide);
    }

    /// Pushes the frame of defined function `index` of `module`, laid out
    /// as `wide` says (`None`: one cell per value), its arguments on the stack.
    #[inline(always)]
    fn push_frame(&mut self, module: Arc<Module>, instance: u32, index: u32, wide: Option<WideId>) {
        let body = &module.bodies[(index - module.num_imported_funcs) as usize];
        // Reference locals start as null, numbers as zero: the seed bug's spot.
        let zero_refs = active(Fault::RefLocalsZero);
        let (locals, result_cells) = match wide {
            None => {
                let ty = module.func_type(index);
                let locals = self.stack.len() - ty.params.len();
                self.stack.extend(body.locals.iter().map(|t| {
                    if zero_refs {
                        0
                    } else {
                        t.default_raw()
                    }
                }));
                (locals, ty.results.len())
            }
            Some(id) => {
                let layout = self.wide.get(id);
                let locals = self.stack.len() - layout.param_cells;
                for t in &body.locals {
                    let v = if zero_refs { 0 } else { t.default_raw() };
                    self.stack.extend(std::iter::repeat_n(v, t.slots()));
                }
                (locals, layout.result_cells)
            }
        };
        self.labels.push(Label {
            height: self.stack.len(),
            arity: result_cells,
            target: Target::Func,
        });
        let pc = body.code.start;
        self.frames.push(Frame {
            module,
            func: index,
            instance,
            pc,
            locals,
            labels: self.labels.len() - 1,
            ends: None,
            wide,
        });
    }

    /// Where the block whose opcode is at `block_pc` ends, via the cache.
    pub(super) fn block_ends(&mut self, data: &mut StoreData, block_pc: usize) -> super::BlockEnds {
        let kept = self.frames.last().is_some_and(|f| f.ends.is_some());
        paths::hit(
            data,
            if kept {
                ClassicPath::BlockEndsKept
            } else {
                ClassicPath::BlockEndsFetched
            },
        );
        self.lookup_block_ends(block_pc)
    }

    /// [`ClassicTier::block_ends`] without counting a path (for coverage,
    /// which looks again at what the interpreter looked up).
    pub(super) fn lookup_block_ends(&mut self, block_pc: usize) -> super::BlockEnds {
        let frame = self.frames.last_mut().expect("a frame is running");
        if frame.ends.is_none() {
            frame.ends = Some(self.ends.func(&frame.module, frame.func));
        }
        let ends = frame.ends.clone().expect("just filled");
        self.ends
            .lookup(&ends, block_pc)
            .expect("every block opcode has an end in a validated body")
    }

    /// Runs until the frame stack is back at `depth`.
    ///
    /// The loop comes in builds for two choices made per frame or per store:
    /// `WIDE`, for frames of functions that see a `v128` (locals, `drop` and
    /// `select` consult the function's [`super::wide::FuncWide`]; frames of
    /// all other functions carry no such check), and `COVER`, recording
    /// coverage and tier paths ([`super::paths`]) when the store has a
    /// recorder for either (so that without one nothing of it runs). A call
    /// or return into a frame of the other width hands over between them.
    pub(super) fn run(&mut self, data: &mut StoreData, depth: usize) -> Result<(), Trap> {
        let cover = data.coverage.is_some() || data.tier_paths.is_some();
        loop {
            let wide = self.frames.last().expect("entered").wide.is_some();
            let done = match (wide, cover) {
                (false, false) => self.run_mode::<false, false>(data, depth)?,
                (false, true) => self.run_mode::<false, true>(data, depth)?,
                (true, false) => self.run_mode::<true, false>(data, depth)?,
                (true, true) => self.run_mode::<true, true>(data, depth)?,
            };
            if done {
                return Ok(());
            }
        }
    }

    /// Runs frames of one kind (see [`ClassicTier::run`]): true when the
    /// frame stack is back at `depth`, false when the frame on top is of
    /// the other width.
    fn run_mode<const WIDE: bool, const COVER: bool>(
        &mut self,
        data: &mut StoreData,
        depth: usize,
    ) -> Result<bool, Trap> {
        let mut cur = Cursor::of(self.frames.last().expect("entered"), &self.mem0);
        let mut code: Arc<[u8]> = cur.module.bytes.clone();

        macro_rules! pop {
            () => {
                self.stack.pop().expect("validated: operand present")
            };
        }
        macro_rules! push {
            ($v:expr) => {
                self.stack.push($v)
            };
        }
        macro_rules! top {
            () => {
                *self.stack.last_mut().expect("validated: operand present")
            };
        }
        macro_rules! unop {
            ($conv:expr, $f:expr, $back:expr) => {{
                let a = $conv(pop!());
                push!($back($f(a)))
            }};
        }
        macro_rules! binop {
            ($conv:expr, $f:expr, $back:expr) => {{
                let b = $conv(pop!());
                let a = $conv(pop!());
                push!($back($f(a, b)))
            }};
        }
        macro_rules! binop_trap {
            ($conv:expr, $f:expr, $back:expr) => {{
                let b = $conv(pop!());
                let a = $conv(pop!());
                push!($back($f(a, b)?))
            }};
        }
        // Counts a path of this tier (recording builds only): `$p`, or the
        // first or second path as `$cond` holds.
        macro_rules! path {
            ($p:ident) => {
                if COVER {
                    paths::hit(data, ClassicPath::$p);
                }
            };
            ($cond:expr => $yes:ident, $no:ident) => {
                if COVER {
                    let p = if $cond {
                        ClassicPath::$yes
                    } else {
                        ClassicPath::$no
                    };
                    paths::hit(data, p);
                }
            };
        }
        // The memory a load or store names and its address width.
        macro_rules! memarg_paths {
            ($m:expr) => {
                path!($m.addr == cur.mem0.addr => MemoryZeroAtHand, MemoryIndexRead);
                path!($m.mask == u64::MAX => Address64, Address32);
            };
        }
        macro_rules! load {
            ($n:expr, $conv:expr) => {{
                let (m, offset) = memarg(data, &mut cur, &code);
                memarg_paths!(m);
                let addr = pop!();
                let b = *bytes::<$n>(data, m, addr, offset)?;
                push!($conv(b))
            }};
        }
        macro_rules! store {
            ($n:expr, $conv:expr) => {{
                let (m, offset) = memarg(data, &mut cur, &code);
                memarg_paths!(m);
                let v = pop!();
                let addr = pop!();
                *bytes::<$n>(data, m, addr, offset)? = $conv(v);
            }};
        }
        // Continues with the frame on top, unless it is of the other kind.
        macro_rules! switch_frame {
            ($what:literal) => {{
                cur = Cursor::of(self.frames.last().expect($what), &self.mem0);
                if cur.wide.is_some() != WIDE {
                    path!($what == "callee" => CallSwitchesWidth, ReturnSwitchesWidth);
                    return Ok(false);
                }
                code = cur.module.bytes.clone();
            }};
        }
        // After a frame returned: back at `depth` ends the run, else the
        // caller resumes.
        macro_rules! resume {
            () => {{
                if self.resumed(depth) {
                    return Ok(true);
                }
                switch_frame!("caller");
            }};
        }
        // The running function's v128 layout (wide frames only).
        macro_rules! layout {
            () => {
                self.wide.get(cur.wide.expect("a wide frame"))
            };
        }
        macro_rules! trunc {
            ($conv:expr, $range:expr, $cast:ty, $back:ty) => {{
                let v = $conv(pop!()) as f64;
                let t = trunc_checked(v, $range.0, $range.1)?;
                push!(t as $cast as $back as u64)
            }};
        }

        let i32_of = |r: u64| r as u32 as i32;
        let u32_of = |r: u64| r as u32;
        let i64_of = |r: u64| r as i64;
        let raw_i32 = |v: i32| v as u32 as u64;
        let raw_u32 = |v: u32| v as u64;
        let raw_i64 = |v: i64| v as u64;
        let raw_bool = |b: bool| b as u64;

        loop {
            let op = code[cur.pc];
            if COVER {
                self.cover_at = code.as_ptr() as usize + cur.pc;
                if self.cover_steps > 0 {
                    self.cover_steps -= 1;
                    self.cover_step(data, &cur, &code);
                }
            }
            cur.pc += 1;
            match op {
                0x00 => return Err(TrapCode::Unreachable.into()),
                0x01 => {}
                0x02 => {
                    let block_pc = cur.pc - 1;
                    let sig = block_sig(&code, &mut cur.pc, &cur.module.types);
                    let height = self.stack.len() - sig.params;
                    self.labels.push(Label {
                        height,
                        arity: sig.results,
                        target: Target::Block(block_pc),
                    });
                }
                0x03 => {
                    let sig = block_sig(&code, &mut cur.pc, &cur.module.types);
                    if !crate::fault::active(crate::fault::Fault::ClassicLoopEntryFree) {
                        data.consume_fuel()?;
                    }
                    let height = self.stack.len() - sig.params;
                    self.labels.push(Label {
                        height,
                        arity: sig.params,
                        target: Target::Loop(cur.pc),
                    });
                }
                0x04 => {
                    let block_pc = cur.pc - 1;
                    let sig = block_sig(&code, &mut cur.pc, &cur.module.types);
                    let cond = pop!() as u32;
                    let label = Label {
                        height: self.stack.len() - sig.params,
                        arity: sig.results,
                        target: Target::Block(block_pc),
                    };
                    if cond != 0 {
                        path!(IfThen);
                        self.labels.push(label);
                    } else {
                        let ends = self.block_ends(data, block_pc);
                        match ends.else_pc {
                            Some(else_pc) => {
                                path!(IfToElse);
                                self.labels.push(label);
                                cur.pc = else_pc + 1;
                            }
                            // No else: the parameters pass through as results.
                            None => {
                                path!(IfSkipWithoutElse);
                                cur.pc = ends.end_pc + 1
                            }
                        }
                    }
                }
                0x05 => {
                    // End of a then-branch: continue at the if's `end`, which pops the label.
                    let Label {
                        target: Target::Block(block_pc),
                        ..
                    } = *self.labels.last().expect("inside if")
                    else {
                        unreachable!("else closes an if");
                    };
                    path!(ElseToEnd);
                    cur.pc = self.block_ends(data, block_pc).end_pc;
                }
                0x0b => {
                    let frame_labels = self.frames.last().expect("running").labels;
                    if self.labels.len() - 1 > frame_labels {
                        path!(EndPopsLabel);
                        self.labels.pop();
                    } else {
                        path!(EndReturns);
                        self.do_return();
                        resume!();
                    }
                }
                0x0c..=0x0f => {
                    let depth_n = match op {
                        0x0c => u32_leb(&code, &mut cur.pc) as usize,
                        0x0d => {
                            let n = u32_leb(&code, &mut cur.pc) as usize;
                            if pop!() as u32 == 0 {
                                path!(BrIfFallsThrough);
                                continue;
                            }
                            n
                        }
                        0x0e => {
                            let count = u32_leb(&code, &mut cur.pc);
                            let mut index = pop!() as u32;
                            if index >= count {
                                path!(BrTableDefault);
                            } else {
                                path!(BrTableListed);
                            }
                            if index >= count && active(Fault::ClassicBrTableDefault) {
                                index = 0;
                            }
                            let mut chosen = None;
                            for i in 0..=count {
                                let t = u32_leb(&code, &mut cur.pc) as usize;
                                if i == index.min(count) {
                                    chosen = Some(t);
                                    break;
                                }
                            }
                            chosen.expect("br_table has a default")
                        }
                        _ => self.labels.len() - 1 - self.frames.last().expect("running").labels,
                    };
                    self.frames.last_mut().expect("running").pc = cur.pc;
                    match self.branch(data, depth_n)? {
                        Branched::Continue(pc) => cur.pc = pc,
                        Branched::Returned => resume!(),
                    }
                }
                0x10 | 0x11 => {
                    let callee = self.callee(data, &mut cur, &code, op == 0x11)?;
                    self.frames.last_mut().expect("running").pc = cur.pc;
                    path!(
                        matches!(data.funcs[callee.0 as usize], FuncInst::Host { .. })
                            => CallHost, CallWasm
                    );
                    if let FuncInst::Host { ty, .. } = &data.funcs[callee.0 as usize] {
                        let args = self
                            .stack
                            .split_off(self.stack.len() - slot_count(&ty.params));
                        let caller = Some(InstanceId(cur.instance));
                        let mut results = data.call_host(callee, caller, &args)?;
                        if crate::fault::active(crate::fault::Fault::ClassicHostResultZeroed) {
                            results.fill(0);
                        }
                        self.stack.extend(results);
                    } else {
                        self.enter(data, callee)?;
                        switch_frame!("callee");
                    }
                }
                0x12 | 0x13 => {
                    if self.return_call(data, &mut cur, &code, op == 0x13)? {
                        resume!();
                    } else {
                        switch_frame!("callee");
                    }
                }
                0x1a => {
                    if WIDE && layout!().wide_op(cur.pc - 1) {
                        path!(DropV128);
                        pop!();
                    } else if WIDE {
                        path!(DropCellByLayout);
                    } else {
                        path!(DropCell);
                    }
                    pop!();
                }
                0x1b | 0x1c => {
                    let wide = if op == 0x1c {
                        // One value type follows, a single byte in every feature we decode.
                        let n = u32_leb(&code, &mut cur.pc) as usize;
                        let wide = code[cur.pc] == 0x7b;
                        cur.pc += n;
                        wide
                    } else {
                        WIDE && layout!().wide_op(cur.pc - 1)
                    };
                    if COVER {
                        let p = match (wide, op == 0x1c) {
                            (true, true) => ClassicPath::SelectTypedV128,
                            (true, false) => ClassicPath::SelectV128ByLayout,
                            (false, _) => ClassicPath::SelectCell,
                        };
                        paths::hit(data, p);
                    }
                    let c = pop!() as u32;
                    if wide {
                        let len = self.stack.len();
                        if c == 0 {
                            self.stack.copy_within(len - 2..len, len - 4);
                        }
                        self.stack.truncate(len - 2);
                    } else {
                        let b = pop!();
                        if c == 0 {
                            top!() = b;
                        }
                    }
                }
                0x20 => {
                    let i = u32_leb(&code, &mut cur.pc) as usize;
                    if WIDE {
                        let (cell, v128) = layout!().local(i);
                        path!(v128 => LocalV128, LocalCellByLayout);
                        let at = cur.locals + cell;
                        push!(self.stack[at]);
                        if v128 {
                            push!(self.stack[at + 1]);
                        }
                    } else {
                        path!(LocalCell);
                        push!(self.stack[cur.locals + i]);
                    }
                }
                0x21 => {
                    let i = u32_leb(&code, &mut cur.pc) as usize;
                    if WIDE {
                        let (cell, v128) = layout!().local(i);
                        path!(v128 => LocalV128, LocalCellByLayout);
                        let at = cur.locals + cell;
                        if v128 {
                            self.stack[at + 1] = pop!();
                        }
                        self.stack[at] = pop!();
                    } else {
                        path!(LocalCell);
                        let v = pop!();
                        self.stack[cur.locals + i] = v;
                    }
                }
                0x22 => {
                    let i = u32_leb(&code, &mut cur.pc) as usize;
                    if WIDE {
                        let (cell, v128) = layout!().local(i);
                        path!(v128 => LocalV128, LocalCellByLayout);
                        let (at, len) = (cur.locals + cell, self.stack.len());
                        if v128 {
                            self.stack[at] = self.stack[len - 2];
                            self.stack[at + 1] = self.stack[len - 1];
                        } else {
                            self.stack[at] = self.stack[len - 1];
                        }
                    } else {
                        path!(LocalCell);
                        let v = top!();
                        self.stack[cur.locals + i] = v;
                    }
                }
                0x23 => {
                    let i = u32_leb(&code, &mut cur.pc) as usize;
                    let g = data.instances[cur.instance as usize].globals[i] as usize;
                    path!(data.globals[g].ty.ty == ValType::V128 => GlobalV128, GlobalCell);
                    let g = &data.globals[g];
                    push!(g.value);
                    if g.ty.ty == ValType::V128 {
                        push!(g.hi);
                    }
                }
                0x24 => {
                    let i = u32_leb(&code, &mut cur.pc) as usize;
                    let g = data.instances[cur.instance as usize].globals[i] as usize;
                    path!(data.globals[g].ty.ty == ValType::V128 => GlobalV128, GlobalCell);
                    let g = &mut data.globals[g];
                    if g.ty.ty == ValType::V128 {
                        g.hi = pop!();
                    }
                    g.value = pop!();
                }
                0x25 => {
                    let (t, mask) = Self::table_ref(data, &mut cur, &code);
                    let i = pop!() & mask;
                    let v = *data.tables[t]
                        .elements
                        .get(i as usize)
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    push!(v);
                }
                0x26 => {
                    let (t, mask) = Self::table_ref(data, &mut cur, &code);
                    let v = pop!();
                    let i = pop!() & mask;
                    *data.tables[t]
                        .elements
                        .get_mut(i as usize)
                        .ok_or(TrapCode::TableOutOfBounds)? = v;
                }
                0x28 => load!(4, |b| u32::from_le_bytes(b) as u64),
                0x29 => load!(8, u64::from_le_bytes),
                0x2a => load!(4, |b| u32::from_le_bytes(b) as u64),
                0x2b => load!(8, u64::from_le_bytes),
                0x2c => load!(1, |b: [u8; 1]| if crate::fault::active(
                    crate::fault::Fault::ClassicLoad8ZeroExtend
                ) {
                    b[0] as u64
                } else {
                    raw_i32(b[0] as i8 as i32)
                }),
                0x2d => load!(1, |b: [u8; 1]| b[0] as u64),
                0x2e => load!(2, |b| raw_i32(i16::from_le_bytes(b) as i32)),
                0x2f => load!(2, |b| u16::from_le_bytes(b) as u64),
                0x30 => load!(1, |b: [u8; 1]| if crate::fault::active(
                    crate::fault::Fault::ClassicLoad8ZeroExtend
                ) {
                    b[0] as u64
                } else {
                    b[0] as i8 as i64 as u64
                }),
                0x31 => load!(1, |b: [u8; 1]| b[0] as u64),
                0x32 => load!(2, |b| i16::from_le_bytes(b) as i64 as u64),
                0x33 => load!(2, |b| u16::from_le_bytes(b) as u64),
                0x34 => load!(4, |b| i32::from_le_bytes(b) as i64 as u64),
                0x35 => load!(4, |b| u32::from_le_bytes(b) as u64),
                0x36 | 0x38 | 0x3e => store!(4, |v: u64| (v as u32).to_le_bytes()),
                0x37 | 0x39 => store!(8, |v: u64| v.to_le_bytes()),
                0x3a | 0x3c => store!(1, |v: u64| [v as u8]),
                0x3b | 0x3d => store!(2, |v: u64| (v as u16).to_le_bytes()),
                0x3f => {
                    let m = MemRef::read(data, &mut cur, &code);
                    push!(data.memories[m.addr].pages() as u64);
                }
                0x40 => {
                    let m = MemRef::read(data, &mut cur, &code);
                    let delta = pop!() & m.mask;
                    if delta >= 2 && active(Fault::ClassicAbortOnGrow) {
                        std::process::abort();
                    }
                    // -1 of the memory's address type when it cannot grow.
                    let failed = m.mask;
                    push!(data.grow_memory(m.addr, delta).unwrap_or(failed));
                }
                0x41 => push!(raw_i32(s64_leb(&code, &mut cur.pc) as i32)),
                0x42 => push!(s64_leb(&code, &mut cur.pc) as u64),
                0x43 => {
                    let b: [u8; 4] = code[cur.pc..cur.pc + 4].try_into().expect("4 bytes");
                    cur.pc += 4;
                    push!(u32::from_le_bytes(b) as u64);
                }
                0x44 => {
                    let b: [u8; 8] = code[cur.pc..cur.pc + 8].try_into().expect("8 bytes");
                    cur.pc += 8;
                    push!(u64::from_le_bytes(b));
                }
                // i32 comparisons
                0x45 => unop!(u32_of, |a| a == 0, raw_bool),
                0x46 => binop!(u32_of, |a, b| a == b, raw_bool),
                0x47 => binop!(u32_of, |a, b| a != b, raw_bool),
                0x48 => binop!(i32_of, |a, b| a < b, raw_bool),
                0x49 => binop!(u32_of, |a, b| a < b, raw_bool),
                0x4a => binop!(i32_of, |a, b| a > b, raw_bool),
                0x4b => binop!(u32_of, |a, b| a > b, raw_bool),
                0x4c => binop!(i32_of, |a, b| a <= b, raw_bool),
                0x4d => binop!(u32_of, |a, b| a <= b, raw_bool),
                0x4e => binop!(i32_of, |a, b| a >= b, raw_bool),
                0x4f => binop!(u32_of, |a, b| a >= b, raw_bool),
                // i64 comparisons
                0x50 => unop!(|r| r, |a| a == 0, raw_bool),
                0x51 => binop!(|r| r, |a, b| a == b, raw_bool),
                0x52 => binop!(|r| r, |a, b| a != b, raw_bool),
                0x53 => binop!(i64_of, |a, b| a < b, raw_bool),
                0x54 => binop!(|r| r, |a: u64, b| a < b, raw_bool),
                0x55 => binop!(i64_of, |a, b| a > b, raw_bool),
                0x56 => binop!(|r| r, |a: u64, b| a > b, raw_bool),
                0x57 => binop!(i64_of, |a, b| a <= b, raw_bool),
                0x58 => binop!(|r| r, |a: u64, b| a <= b, raw_bool),
                0x59 => binop!(i64_of, |a, b| a >= b, raw_bool),
                0x5a => binop!(|r| r, |a: u64, b| a >= b, raw_bool),
                // f32 comparisons
                0x5b => binop!(f32_of, |a, b| a == b, raw_bool),
                0x5c => binop!(f32_of, |a, b| a != b, raw_bool),
                0x5d => binop!(f32_of, |a, b| a < b, raw_bool),
                0x5e => binop!(f32_of, |a, b| a > b, raw_bool),
                0x5f => binop!(f32_of, |a, b| a <= b, raw_bool),
                0x60 => binop!(f32_of, |a, b| a >= b, raw_bool),
                // f64 comparisons
                0x61 => binop!(f64_of, |a, b| a == b, raw_bool),
                0x62 => binop!(f64_of, |a, b| a != b, raw_bool),
                0x63 => binop!(f64_of, |a, b| a < b, raw_bool),
                0x64 => binop!(f64_of, |a, b| a > b, raw_bool),
                0x65 => binop!(f64_of, |a, b| a <= b, raw_bool),
                0x66 => binop!(f64_of, |a, b| a >= b, raw_bool),
                // i32 arithmetic
                0x67 => unop!(u32_of, u32::leading_zeros, raw_u32),
                0x68 => unop!(u32_of, u32::trailing_zeros, raw_u32),
                0x69 => unop!(u32_of, u32::count_ones, raw_u32),
                0x6a => binop!(u32_of, u32::wrapping_add, raw_u32),
                0x6b => binop!(u32_of, u32::wrapping_sub, raw_u32),
                0x6c => binop!(u32_of, u32::wrapping_mul, raw_u32),
                0x6d => binop_trap!(i32_of, div_s32, raw_i32),
                0x6e => binop_trap!(
                    u32_of,
                    |a: u32, b: u32| a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero),
                    raw_u32
                ),
                0x6f => binop_trap!(i32_of, rem_s32, raw_i32),
                0x70 => binop_trap!(
                    u32_of,
                    |a: u32, b: u32| a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero),
                    raw_u32
                ),
                0x71 => binop!(u32_of, |a, b| a & b, raw_u32),
                0x72 => binop!(u32_of, |a, b| a | b, raw_u32),
                0x73 => binop!(u32_of, |a, b| a ^ b, raw_u32),
                0x74 => binop!(u32_of, |a: u32, b: u32| a.wrapping_shl(b), raw_u32),
                0x75 => binop!(i32_of, |a: i32, b: i32| a.wrapping_shr(b as u32), raw_i32),
                0x76 => binop!(u32_of, |a: u32, b: u32| a.wrapping_shr(b), raw_u32),
                0x77 => binop!(u32_of, |a: u32, b: u32| a.rotate_left(b % 32), raw_u32),
                0x78 => binop!(u32_of, |a: u32, b: u32| a.rotate_right(b % 32), raw_u32),
                // i64 arithmetic
                0x79 => unop!(|r| r, |a: u64| a.leading_zeros() as u64, |v| v),
                0x7a => unop!(|r| r, |a: u64| a.trailing_zeros() as u64, |v| v),
                0x7b => unop!(|r| r, |a: u64| a.count_ones() as u64, |v| v),
                0x7c => binop!(|r| r, u64::wrapping_add, |v| v),
                0x7d => binop!(|r| r, u64::wrapping_sub, |v| v),
                0x7e => binop!(|r| r, u64::wrapping_mul, |v| v),
                0x7f => binop_trap!(i64_of, div_s64, raw_i64),
                0x80 => binop_trap!(
                    |r| r,
                    |a: u64, b: u64| a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero),
                    |v| v
                ),
                0x81 => binop_trap!(
                    i64_of,
                    |a: i64, b: i64| if b == 0 {
                        Err(TrapCode::IntegerDivideByZero)
                    } else {
                        Ok(a.wrapping_rem(b))
                    },
                    raw_i64
                ),
                0x82 => binop_trap!(
                    |r| r,
                    |a: u64, b: u64| a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero),
                    |v| v
                ),
                0x83 => binop!(|r| r, |a, b| a & b, |v| v),
                0x84 => binop!(|r| r, |a, b| a | b, |v| v),
                0x85 => binop!(|r| r, |a, b| a ^ b, |v| v),
                0x86 => binop!(|r| r, |a: u64, b: u64| a.wrapping_shl(b as u32), |v| v),
                0x87 => binop!(i64_of, |a: i64, b: i64| a.wrapping_shr(b as u32), raw_i64),
                0x88 => binop!(|r| r, |a: u64, b: u64| a.wrapping_shr(b as u32), |v| v),
                0x89 => binop!(
                    |r| r,
                    |a: u64, b: u64| a.rotate_left((b % 64) as u32),
                    |v| v
                ),
                0x8a => binop!(
                    |r| r,
                    |a: u64, b: u64| a.rotate_right((b % 64) as u32),
                    |v| v
                ),
                // f32 arithmetic; abs/neg/copysign act on bits and keep NaN payloads.
                0x8b => unop!(|r| r as u32, |a| a & 0x7fff_ffff, raw_u32),
                0x8c => unop!(|r| r as u32, |a| a ^ 0x8000_0000, raw_u32),
                0x8d => unop!(f32_of, |a: f32| canon32(a.ceil()), raw_f32),
                0x8e => unop!(f32_of, |a: f32| canon32(a.floor()), raw_f32),
                0x8f => unop!(f32_of, |a: f32| canon32(a.trunc()), raw_f32),
                0x90 => unop!(f32_of, |a: f32| canon32(a.round_ties_even()), raw_f32),
                0x91 => unop!(f32_of, |a: f32| canon32(a.sqrt()), raw_f32),
                0x92 => binop!(f32_of, |a, b| arith32(a + b), raw_f32),
                0x93 => binop!(f32_of, |a, b| arith32(a - b), raw_f32),
                0x94 => binop!(f32_of, |a, b| arith32(a * b), raw_f32),
                0x95 => binop!(f32_of, |a, b| arith32(a / b), raw_f32),
                0x96 => binop!(f32_of, fmin32, raw_f32),
                0x97 => binop!(f32_of, fmax32, raw_f32),
                0x98 => binop!(
                    |r| r as u32,
                    |a, b| (a & 0x7fff_ffff) | (b & 0x8000_0000),
                    raw_u32
                ),
                // f64 arithmetic
                0x99 => unop!(|r| r, |a| a & 0x7fff_ffff_ffff_ffff, |v| v),
                0x9a => unop!(|r| r, |a| a ^ 0x8000_0000_0000_0000, |v| v),
                0x9b => unop!(f64_of, |a: f64| canon64(a.ceil()), raw_f64),
                0x9c => unop!(f64_of, |a: f64| canon64(a.floor()), raw_f64),
                0x9d => unop!(f64_of, |a: f64| canon64(a.trunc()), raw_f64),
                0x9e => unop!(f64_of, |a: f64| canon64(a.round_ties_even()), raw_f64),
                0x9f => unop!(f64_of, |a: f64| canon64(a.sqrt()), raw_f64),
                0xa0 => binop!(f64_of, |a, b| canon64(a + b), raw_f64),
                0xa1 => binop!(f64_of, |a, b| canon64(a - b), raw_f64),
                0xa2 => binop!(f64_of, |a, b| canon64(a * b), raw_f64),
                0xa3 => binop!(f64_of, |a, b| canon64(a / b), raw_f64),
                0xa4 => binop!(f64_of, fmin64, raw_f64),
                0xa5 => binop!(f64_of, fmax64, raw_f64),
                0xa6 => binop!(
                    |r| r,
                    |a, b| (a & 0x7fff_ffff_ffff_ffff) | (b & 0x8000_0000_0000_0000),
                    |v| v
                ),
                // conversions
                0xa7 => top!() &= 0xffff_ffff,
                0xa8 => trunc!(f32_of, I32_RANGE, i32, u32),
                0xa9 => trunc!(f32_of, U32_RANGE, u32, u32),
                0xaa => trunc!(f64_of, I32_RANGE, i32, u32),
                0xab => trunc!(f64_of, U32_RANGE, u32, u32),
                0xac => unop!(i32_of, |a| a as i64, raw_i64),
                0xad => top!() &= 0xffff_ffff,
                0xae => trunc!(f32_of, I64_RANGE, i64, u64),
                0xaf => trunc!(f32_of, U64_RANGE, u64, u64),
                0xb0 => trunc!(f64_of, I64_RANGE, i64, u64),
                0xb1 => trunc!(f64_of, U64_RANGE, u64, u64),
                0xb2 => unop!(i32_of, |a| a as f32, raw_f32),
                0xb3 => unop!(u32_of, |a| a as f32, raw_f32),
                0xb4 => unop!(i64_of, |a| a as f32, raw_f32),
                0xb5 => unop!(|r| r, |a: u64| a as f32, raw_f32),
                0xb6 => unop!(f64_of, |a| canon32(a as f32), raw_f32),
                0xb7 => unop!(i32_of, |a| a as f64, raw_f64),
                0xb8 => unop!(u32_of, |a| a as f64, raw_f64),
                0xb9 => unop!(i64_of, |a| a as f64, raw_f64),
                0xba => unop!(|r| r, |a: u64| a as f64, raw_f64),
                0xbb => unop!(f32_of, |a| canon64(a as f64), raw_f64),
                0xbc => top!() &= 0xffff_ffff,
                0xbd..=0xbf => {}
                // sign extension
                0xc0 => unop!(u32_of, |a| a as i8 as i32, raw_i32),
                0xc1 => unop!(u32_of, |a| a as i16 as i32, raw_i32),
                0xc2 => unop!(|r| r, |a| a as i8 as i64, raw_i64),
                0xc3 => unop!(|r| r, |a| a as i16 as i64, raw_i64),
                0xc4 => unop!(|r| r, |a| a as i32 as i64, raw_i64),
                // references
                0xd0 => {
                    cur.pc += 1;
                    push!(NULL_REF);
                }
                0xd1 => unop!(|r| r, |a| a == NULL_REF, raw_bool),
                0xd2 => {
                    let f = u32_leb(&code, &mut cur.pc) as usize;
                    push!(data.instances[cur.instance as usize].funcs[f].0 as u64);
                }
                0xfc => {
                    let sub = u32_leb(&code, &mut cur.pc);
                    self.exec_fc(data, &mut cur, &code, sub)?;
                }
                0xfd => {
                    let sub = u32_leb(&code, &mut cur.pc);
                    self.exec_simd(data, &mut cur, &code, sub)?;
                }
                _ => unreachable!("opcode 0x{op:02x} passed validation but the tier lacks it"),
            }
        }
    }

    /// Reads a table index immediate and resolves it to a store address.
    pub(super) fn table_addr(data: &StoreData, cur: &mut Cursor, code: &[u8]) -> usize {
        let t = u32_leb(code, &mut cur.pc);
        data.instances[cur.instance as usize].tables[t as usize] as usize
    }

    /// Reads a table index immediate: the table's store address and what its
    /// index operands are masked with (the low 32 bits for a 32-bit table,
    /// all 64 for a 64-bit one, so a 64-bit index never wraps into range).
    pub(super) fn table_ref(data: &StoreData, cur: &mut Cursor, code: &[u8]) -> (usize, u64) {
        let t = Self::table_addr(data, cur, code);
        (t, index_mask(&data.tables[t]))
    }

    /// Resolves the callee of a `call`/`return_call` (`indirect`: of a
    /// `call_indirect`/`return_call_indirect`, trapping on the table index,
    /// a null entry and then a signature mismatch, in that order).
    #[inline(always)]
    fn callee(
        &mut self,
        data: &StoreData,
        cur: &mut Cursor,
        code: &[u8],
        indirect: bool,
    ) -> Result<FuncAddr, Trap> {
        let inst = &data.instances[cur.instance as usize];
        if !indirect {
            let f = u32_leb(code, &mut cur.pc);
            return Ok(inst.funcs[f as usize]);
        }
        let type_index = u32_leb(code, &mut cur.pc);
        let table_index = u32_leb(code, &mut cur.pc);
        let expected = inst.type_ids[type_index as usize];
        let table = &data.tables[inst.tables[table_index as usize] as usize];
        let i = self.stack.pop().expect("validated: operand present") & index_mask(table);
        let raw = *table
            .elements
            .get(i as usize)
            .ok_or(TrapCode::TableOutOfBounds)?;
        if raw == NULL_REF {
            return Err(TrapCode::IndirectCallToNull.into());
        }
        let addr = FuncAddr(raw as u32);
        let matches = if crate::fault::active(crate::fault::Fault::ClassicIndirectArityOnly) {
            let (want, have) = (&cur.module.types[type_index as usize], data.func_type(addr));
            want.params.len() == have.params.len() && want.results.len() == have.results.len()
        } else {
            data.funcs[addr.0 as usize].type_id() == expected
        };
        if !matches {
            return Err(TrapCode::IndirectCallTypeMismatch.into());
        }
        Ok(addr)
    }

    /// `return_call` (`indirect`: `return_call_indirect`): the running
    /// frame makes way for the callee, whose arguments are on top of the
    /// stack. A wasm callee takes the frame's place (the depth does not
    /// change, so it is not checked; fuel is charged on entry like any
    /// call): false, the callee's frame is on top. A host callee is called
    /// and its results returned to the caller's caller: true, the frame
    /// below resumes as after any return.
    #[inline(never)]
    fn return_call(
        &mut self,
        data: &mut StoreData,
        cur: &mut Cursor,
        code: &[u8],
        indirect: bool,
    ) -> Result<bool, Trap> {
        let callee = self.callee(data, cur, code, indirect)?;
        let caller = Some(InstanceId(cur.instance));
        let host = matches!(data.funcs[callee.0 as usize], FuncInst::Host { .. });
        if !host && active(Fault::ClassicTailCallDepth) {
            // The naive tail call: a call, then a return when it comes back.
            self.frames.last_mut().expect("running").pc = TAIL_PENDING;
            self.enter(data, callee)?;
            return Ok(false);
        }
        paths::hit(
            data,
            if host {
                ClassicPath::ReturnCallHost
            } else {
                ClassicPath::ReturnCallWasm
            },
        );
        let params = slot_count(&data.func_type(callee).params);
        let len = self.stack.len();
        if let FuncInst::Host { .. } = &data.funcs[callee.0 as usize] {
            let args = self.stack.split_off(len - params);
            let results = data.call_host(callee, caller, &args)?;
            self.stack.extend(results);
            self.do_return();
            return Ok(true);
        }
        let frame = self.frames.pop().expect("running");
        self.stack.copy_within(len - params..len, frame.locals);
        self.stack.truncate(frame.locals + params);
        self.labels.truncate(frame.labels);
        self.enter(data, callee)?;
        // A function tail-calling itself (a loop) keeps its block ends, so
        // no iteration looks them up in the cache again.
        let new = self.frames.last_mut().expect("just entered");
        if new.func == frame.func && Arc::ptr_eq(&new.module, &frame.module) {
            new.ends = frame.ends;
            paths::hit(data, ClassicPath::ReturnCallKeepsBlockEnds);
        }
        Ok(false)
    }

    /// Pops the current frame, leaving its results where its parameters were.
    fn do_return(&mut self) {
        let frame = self.frames.pop().expect("running");
        let arity = self.labels[frame.labels].arity;
        let len = self.stack.len();
        self.stack.copy_within(len - arity..len, frame.locals);
        self.stack.truncate(frame.locals + arity);
        self.labels.truncate(frame.labels);
    }

    /// After a return: true when the frame stack is back at `depth`, else
    /// the frame on top resumes. (Under the `classic-tail-call-depth`
    /// fault a frame may be waiting to return its tail callee's results.)
    fn resumed(&mut self, depth: usize) -> bool {
        loop {
            if self.frames.len() == depth {
                return true;
            }
            let pending = self.frames.last().expect("caller").pc == TAIL_PENDING;
            if !(crate::fault::ENABLED && pending) {
                return false;
            }
            self.do_return();
        }
    }

    /// Branches to the label `n` levels out.
    #[inline(always)]
    fn branch(&mut self, data: &mut StoreData, n: usize) -> Result<Branched, Trap> {
        let index = self.labels.len() - 1 - n;
        let label = self.labels[index];
        let len = self.stack.len();
        self.stack.copy_within(len - label.arity..len, label.height);
        self.stack.truncate(label.height + label.arity);
        match label.target {
            Target::Func => {
                paths::hit(data, ClassicPath::BranchReturns);
                let frame = self.frames.last().expect("running");
                debug_assert_eq!(frame.labels, index);
                self.do_return();
                Ok(Branched::Returned)
            }
            Target::Loop(start) => {
                paths::hit(data, ClassicPath::BranchToLoop);
                self.labels.truncate(index + 1);
                data.consume_fuel()?;
                Ok(Branched::Continue(start))
            }
            Target::Block(block_pc) => {
                paths::hit(data, ClassicPath::BranchToBlockEnd);
                let end = self.block_ends(data, block_pc).end_pc;
                self.labels.truncate(index);
                Ok(Branched::Continue(end + 1))
            }
        }
    }
}

/// What a branch did.
pub(super) enum Branched {
    Continue(usize),
    Returned,
}

fn div_s32(a: i32, b: i32) -> Result<i32, TrapCode> {
    match (a, b) {
        (_, 0) => Err(TrapCode::IntegerDivideByZero),
        (i32::MIN, -1) => Err(TrapCode::IntegerOverflow),
        _ => Ok(a / b),
    }
}

fn div_s64(a: i64, b: i64) -> Result<i64, TrapCode> {
    match (a, b) {
        (_, 0) => Err(TrapCode::IntegerDivideByZero),
        (i64::MIN, -1) => Err(TrapCode::IntegerOverflow),
        _ => Ok(a / b),
    }
}

fn rem_s32(a: i32, b: i32) -> Result<i32, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    let r = a.wrapping_rem(b);
    Ok(if active(Fault::ClassicRemSSign) {
        r.wrapping_abs()
    } else {
        r
    })
}

/// The mask of a table's index operands: 64-bit tables take i64 indices.
pub(super) fn index_mask(table: &crate::store::TableInst) -> u64 {
    if table.ty.index64 {
        u64::MAX
    } else {
        u32::MAX as u64
    }
}
