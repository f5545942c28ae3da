//! The classic tier's side of semantic coverage (see [`crate::coverage`]):
//! before each instruction runs, [`ClassicTier::cover_step`] decodes it
//! (the first time only, unless its classes read immediates: the recorder
//! remembers which operator stands at each address), reads its operands from the operand stack (and the memory or table they
//! point into) and counts the classes they fall in; a trap is counted by
//! [`ClassicTier::cover_trap`] against the instruction that raised it.
//!
//! Nothing here changes execution: it only reads the stack and the store.
//! The interpreter loop calls it only in its recording instantiation, so a
//! store without a recorder runs the loop without any of this.

use super::exec::Cursor;
use super::{ClassicTier, Target};
use crate::coverage::{
    self as cov, layout, Category, Class, Float, OpRef, Pending, Recorder, Seen,
};
use crate::store::{FuncInst, StoreData};
use crate::trap::TrapCode;
use crate::values::NULL_REF;
use wasmparser::{MemArg, MemArgTarget, Operator};

impl ClassicTier {
    /// Called when a call from the host starts.
    pub(super) fn cover_entry(&mut self, data: &mut StoreData) {
        self.cover_at = 0;
        if let Some(rec) = data.coverage.as_deref_mut() {
            rec.last = None;
            rec.pending = Pending::None;
            self.cover_steps = rec.steps_per_call();
        }
    }

    /// Called when a call from the host ends in `code` with `frames` wasm
    /// frames of that call still live.
    pub(super) fn cover_trap(&mut self, data: &mut StoreData, code: TrapCode, frames: usize) {
        // Past its recorded steps the call did not note which operator
        // ran last: find the one at the address it was about to run.
        let unrecorded = self.cover_steps == 0 && self.cover_at != 0;
        let last = if unrecorded {
            Some(Self::op_at(data, self.cover_at))
        } else {
            None
        };
        if let Some(rec) = data.coverage.as_deref_mut() {
            if let Some(last) = last {
                rec.last = last;
            }
            rec.trap(code, frames);
        }
    }

    /// The operator with cells at instruction address `address` in one of
    /// the store's modules.
    fn op_at(data: &mut StoreData, address: usize) -> Option<OpRef> {
        let rec = data.coverage.as_deref_mut()?;
        match rec.seen(address) {
            Seen::Op(r) => return Some(r),
            Seen::NoCells => return None,
            Seen::Unknown => {}
        }
        let bytes = data.instances.iter().map(|i| &i.module.bytes).find(|b| {
            let start = b.as_ptr() as usize;
            (start..start + b.len()).contains(&address)
        })?;
        let op = rec.decode(bytes, address - bytes.as_ptr() as usize)?;
        cov::op_id(&op).and_then(|id| layout().op(id))
    }

    /// Counts the instruction at `cur.pc`, which is about to run.
    pub(super) fn cover_step(&mut self, data: &mut StoreData, cur: &Cursor, code: &[u8]) {
        let Some(mut rec) = data.coverage.take() else {
            return;
        };
        rec.settle(self.stack.last().copied());
        let address = code.as_ptr() as usize + cur.pc;
        match rec.seen(address) {
            Seen::NoCells => {}
            // Its classes are saturated, or were computed here often
            // enough: count that it ran, nothing more.
            Seen::Op(r) if rec.saturated(r) || !rec.classify_here(address) => {
                rec.last = Some(r);
                rec.ran(r);
            }
            // Classified from its operands alone: no need to decode it again.
            Seen::Op(r) if !layout().ops[r as usize].category.reads_immediates() => {
                rec.last = Some(r);
                rec.ran(r);
                self.classify(&mut rec, data, cur, r, &Operator::Nop);
            }
            _ => {
                if let Some(op) = rec.decode(code, cur.pc) {
                    match cov::op_id(&op).and_then(|id| layout().op(id)) {
                        Some(r) => {
                            rec.remember(address, Seen::Op(r));
                            rec.last = Some(r);
                            rec.ran(r);
                            if !rec.saturated(r) {
                                self.classify(&mut rec, data, cur, r, &op);
                            }
                        }
                        None => rec.remember(address, Seen::NoCells),
                    }
                }
            }
        }
        data.coverage = Some(rec);
    }

    /// The `n`-th operand slot from the top (0 is the top).
    fn operand(&self, n: usize) -> u64 {
        let len = self.stack.len();
        if n < len {
            self.stack[len - 1 - n]
        } else {
            0
        }
    }

    /// The target of a branch `depth` labels out.
    fn branch_target(&self, depth: u32) -> Option<Target> {
        let i = self.labels.len().checked_sub(1 + depth as usize)?;
        Some(self.labels[i].target)
    }

    fn classify(
        &mut self,
        rec: &mut Recorder,
        data: &StoreData,
        cur: &Cursor,
        r: OpRef,
        op: &Operator,
    ) {
        let mut hits = Hits::default();
        self.classes_of(rec, &mut hits, data, cur, r, op);
        for &c in &hits.buf[..hits.n] {
            rec.hit(r, c);
        }
    }

    /// Collects the classes of operator `r` (decoded as `op`) into `hits`;
    /// sets what `rec` must look at after it ran.
    fn classes_of(
        &mut self,
        rec: &mut Recorder,
        hits: &mut Hits,
        data: &StoreData,
        cur: &Cursor,
        r: OpRef,
        op: &Operator,
    ) {
        let info = &layout().ops[r as usize];
        let bits = info.bits;
        let short = info.name.split_once('.').map_or("", |(_, o)| o);
        let mut hit = |c: Class| hits.push(c);
        let inst = &data.instances[cur.instance as usize];
        let (a, b) = (self.operand(1), self.operand(0));
        match (info.category, op) {
            (Category::If, Operator::If { .. }) => {
                if b as u32 != 0 {
                    hit(Class::Taken);
                } else {
                    hit(Class::NotTaken);
                    if self.lookup_block_ends(cur.pc).else_pc.is_none() {
                        hit(Class::NoElse);
                    }
                }
            }
            (Category::Br, Operator::Br { relative_depth }) => {
                hit(match self.branch_target(*relative_depth) {
                    Some(Target::Loop(_)) => Class::ToLoop,
                    Some(Target::Func) => Class::ToFunction,
                    _ => Class::ToBlock,
                });
            }
            (Category::BrIf, Operator::BrIf { relative_depth }) => {
                if b as u32 == 0 {
                    hit(Class::NotTaken);
                } else {
                    hit(Class::Taken);
                    if let Some(Target::Loop(_)) = self.branch_target(*relative_depth) {
                        hit(Class::ToLoop);
                    }
                }
            }
            (Category::BrTable, Operator::BrTable { targets }) => {
                let index = b as u32;
                hit(if index < targets.len() {
                    Class::InRange
                } else {
                    Class::Default
                });
                if cov::sign_bit(index as u64, 32) {
                    hit(Class::IndexSignBit);
                }
                let depth = targets
                    .targets()
                    .nth(index as usize)
                    .and_then(Result::ok)
                    .unwrap_or(targets.default());
                if let Some(Target::Loop(_)) = self.branch_target(depth) {
                    hit(Class::ToLoop);
                }
            }
            (Category::Select, _) => hit(if b as u32 != 0 {
                Class::First
            } else {
                Class::Second
            }),
            (
                Category::Call | Category::ReturnCall,
                Operator::Call { function_index } | Operator::ReturnCall { function_index },
            ) => {
                let addr = inst.funcs[*function_index as usize];
                if let FuncInst::Host { ty, .. } = &data.funcs[addr.0 as usize] {
                    hit(Class::Host);
                    let import = cur
                        .module
                        .imports
                        .iter()
                        .filter(|i| matches!(i.kind, crate::module::ImportKind::Func(_)))
                        .nth(*function_index as usize);
                    if let Some(i) = import.filter(|i| i.module == crate::wasi::MODULE) {
                        let w = layout().wasi(&i.name);
                        rec.ran(w);
                        if !ty.results.is_empty() {
                            rec.pending = Pending::Errno { op: w };
                        }
                    }
                }
            }
            (
                Category::CallIndirect | Category::ReturnCallIndirect,
                Operator::CallIndirect {
                    type_index,
                    table_index,
                }
                | Operator::ReturnCallIndirect {
                    type_index,
                    table_index,
                },
            ) => {
                let table = &data.tables[inst.tables[*table_index as usize] as usize];
                let Some(&raw) = table.elements.get(b as u32 as usize) else {
                    return;
                };
                if raw == NULL_REF {
                    return;
                }
                let callee = &data.funcs[raw as usize];
                if matches!(callee, FuncInst::Host { .. }) {
                    hit(Class::Host);
                }
                if callee.type_id() != inst.type_ids[*type_index as usize] {
                    let want = &cur.module.types[*type_index as usize];
                    let have = data.func_type(crate::values::FuncAddr(raw as u32));
                    let same = want.params.len() == have.params.len()
                        && want.results.len() == have.results.len();
                    hit(if same {
                        Class::TypeMismatchSameArity
                    } else {
                        Class::TypeMismatchOtherArity
                    });
                }
            }
            (Category::IntArith, _) => {
                cov::int_edges(a, bits)
                    .chain(cov::int_edges(b, bits))
                    .for_each(&mut hit);
                if cov::wraps(short, a, b, bits) {
                    hit(Class::Wraps);
                }
            }
            (Category::IntBitwise, _) => cov::int_edges(a, bits)
                .chain(cov::int_edges(b, bits))
                .for_each(&mut hit),
            (Category::IntEqz, _) => {
                if cov::int_edges(b, bits).any(|c| c == Class::Zero) {
                    hit(Class::Zero);
                }
                if cov::sign_bit(b, bits) {
                    hit(Class::Negative);
                }
            }
            (Category::IntCompare { .. }, _) => {
                cov::int_edges(a, bits)
                    .chain(cov::int_edges(b, bits))
                    .for_each(&mut hit);
                if mask(a, bits) == mask(b, bits) {
                    hit(Class::Equal);
                }
                if cov::sign_bit(a, bits) != cov::sign_bit(b, bits) {
                    hit(Class::SignsDiffer);
                }
            }
            (Category::IntUnary, _) => cov::int_edges(b, bits).for_each(&mut hit),
            (Category::IntDiv { signed, rem }, _) => {
                let (x, y) = (mask(a, bits), mask(b, bits));
                let min = 1u64 << (bits - 1);
                for (yes, c) in [
                    (cov::sign_bit(x, bits), Class::LhsSignBit),
                    (cov::sign_bit(y, bits), Class::RhsSignBit),
                    (y == 1, Class::RhsOne),
                    (
                        signed && rem && x == min && y == mask(u64::MAX, bits),
                        Class::MinByMinusOne,
                    ),
                    (!signed && x < y, Class::LhsBelowRhs),
                ] {
                    if yes {
                        hit(c);
                    }
                }
            }
            (Category::Shift { .. }, _) => {
                if let Some(c) = cov::count_classes(b, bits) {
                    hit(c);
                }
                if cov::sign_bit(a, bits) {
                    hit(Class::Negative);
                }
            }
            (Category::FloatArith, _) => {
                let (x, y) = (Float::of(a, bits), Float::of(b, bits));
                for f in [x, y] {
                    cov::float_edges(f)
                        .filter(|c| {
                            matches!(
                                c,
                                Class::Nan | Class::Inf | Class::NegZero | Class::Subnormal
                            )
                        })
                        .for_each(&mut hit);
                }
                if x.v.is_finite() && y.v.is_finite() && float_op(short, a, b, bits).is_infinite() {
                    hit(Class::Overflow);
                }
            }
            (Category::FloatMinMax | Category::FloatCompare, _) => {
                let (x, y) = (Float::of(a, bits).v, Float::of(b, bits).v);
                for (yes, c) in [
                    (x.is_nan() || y.is_nan(), Class::Nan),
                    (
                        x == 0.0 && y == 0.0 && x.is_sign_negative() != y.is_sign_negative(),
                        Class::MixedZeros,
                    ),
                    (x.is_infinite() || y.is_infinite(), Class::Inf),
                    (x == y, Class::Equal),
                ] {
                    if yes {
                        hit(c);
                    }
                }
            }
            (Category::FloatCopysign, _) => {
                let (x, y) = (Float::of(a, bits), Float::of(b, bits));
                for (yes, c) in [
                    (x.v.is_nan(), Class::Nan),
                    (
                        x.v.is_sign_negative() != y.v.is_sign_negative(),
                        Class::SignsDiffer,
                    ),
                    (x.neg_zero() || y.neg_zero(), Class::NegZero),
                ] {
                    if yes {
                        hit(c);
                    }
                }
            }
            (Category::FloatRound | Category::FloatSign, _) => {
                cov::float_edges(Float::of(b, bits)).for_each(&mut hit)
            }
            (Category::FloatSqrt, _) => {
                let f = Float::of(b, bits);
                cov::float_edges(f).for_each(&mut hit);
                if f.v < 0.0 {
                    hit(Class::Negative);
                }
            }
            (Category::Trunc { signed, sat, src }, _) => {
                cov::trunc_classes(Float::of(b, src), src, bits, signed, sat)
                    .into_iter()
                    .for_each(&mut hit)
            }
            (Category::Convert { signed, src }, _) => {
                let src = if src == 0 { 32 } else { src };
                let v = mask(b, src);
                let value: i128 = if signed && cov::sign_bit(v, src) {
                    v as i128 - (1i128 << src)
                } else {
                    v as i128
                };
                let max = if signed {
                    (1u64 << (src - 1)) - 1
                } else {
                    mask(u64::MAX, src)
                };
                let back = if bits == 32 {
                    value as f32 as f64
                } else {
                    value as f64
                };
                for (yes, c) in [
                    (v == 0, Class::Zero),
                    (cov::sign_bit(v, src), Class::Negative),
                    (v == max, Class::Max),
                    (back as i128 != value, Class::Inexact),
                ] {
                    if yes {
                        hit(c);
                    }
                }
            }
            (Category::Demote, _) => {
                let v = f64::from_bits(b);
                let d = v as f32;
                for (yes, c) in [
                    (v.is_nan(), Class::Nan),
                    (v.is_infinite(), Class::Inf),
                    (v.is_finite() && d as f64 != v, Class::Inexact),
                    (v.is_finite() && d.is_infinite(), Class::Overflow),
                    (d.is_subnormal() || (v != 0.0 && d == 0.0), Class::Subnormal),
                ] {
                    if yes {
                        hit(c);
                    }
                }
            }
            (Category::Promote, _) => cov::float_edges(Float::of(b, 32))
                .filter(|c| matches!(c, Class::Nan | Class::Inf | Class::Subnormal))
                .for_each(&mut hit),
            (Category::ReinterpretToInt, _) => cov::float_edges(Float::of(b, bits))
                .filter(|c| matches!(c, Class::Nan | Class::NegZero))
                .for_each(&mut hit),
            (Category::ReinterpretToFloat, _) => {
                if Float::of(b, bits).v.is_nan() {
                    hit(Class::NanPattern);
                }
                if cov::sign_bit(b, bits) {
                    hit(Class::Negative);
                }
            }
            (Category::Wrap, _) => {
                if b >> 32 != 0 {
                    hit(Class::HighBits);
                }
                if cov::sign_bit(b, 32) {
                    hit(Class::Negative);
                }
            }
            (Category::ExtendI32 { .. }, _) if cov::sign_bit(b, 32) => hit(Class::Negative),
            (Category::SignExtend { from }, _) => {
                if cov::sign_bit(b, from) {
                    hit(Class::SignBit);
                }
                if mask(b, bits) >> from != 0 {
                    hit(Class::HighBits);
                }
            }
            (
                Category::Load {
                    width,
                    signed_narrow,
                    ..
                },
                _,
            ) => {
                if let Some(m) = memarg(op) {
                    let mem = Mem::of(data, cur, m.memory());
                    self.cover_access(&mut hit, &mem, b, m.offset, width, None);
                    if let (true, Some(bytes)) = (
                        signed_narrow,
                        mem.bytes(mem.addr(b), m.offset, width as u64),
                    ) {
                        if bytes.last().is_some_and(|x| x & 0x80 != 0) {
                            hit(Class::SignBit);
                        }
                    }
                }
            }
            (Category::Store { width, narrow }, _) => {
                if let Some(m) = memarg(op) {
                    let mem = Mem::of(data, cur, m.memory());
                    let v = mask(b, bits);
                    self.cover_access(
                        &mut hit,
                        &mem,
                        a,
                        m.offset,
                        width,
                        Some(v & mask(u64::MAX, width * 8) != 0),
                    );
                    if narrow && v >> (width * 8) != 0 {
                        hit(Class::HighBits);
                    }
                }
            }
            (Category::SimdLoad { width, lane }, _) => {
                if let Some(m) = memarg(op) {
                    let mem = Mem::of(data, cur, m.memory());
                    let addr = self.operand(if lane { 2 } else { 0 });
                    self.cover_access(&mut hit, &mem, addr, m.offset, width, None);
                }
            }
            (Category::SimdStore { width, lane }, _) => {
                if let Some(m) = memarg(op) {
                    let mem = Mem::of(data, cur, m.memory());
                    let nonzero = self.operand(0) != 0 || self.operand(1) != 0;
                    let _ = lane;
                    self.cover_access(
                        &mut hit,
                        &mem,
                        self.operand(2),
                        m.offset,
                        width,
                        Some(nonzero),
                    );
                }
            }
            (Category::MemorySize, Operator::MemorySize { mem }) => {
                Mem::of(data, cur, *mem).kinds(*mem, &mut hit)
            }
            (Category::MemoryGrow, Operator::MemoryGrow { mem }) => {
                let m = Mem::of(data, cur, *mem);
                m.kinds(*mem, &mut hit);
                if m.addr(b) == 0 {
                    hit(Class::DeltaZero);
                }
                let fail = if m.index64 { u64::MAX } else { u32::MAX as u64 };
                rec.pending = Pending::Grow { op: r, fail };
            }
            (Category::MemoryFill, Operator::MemoryFill { mem }) => {
                let m = Mem::of(data, cur, *mem);
                m.kinds(*mem, &mut hit);
                let (d, v, n) = (m.addr(self.operand(2)), a as u8, m.addr(b));
                cov::range_classes(d as u128, n as u128, m.len as u128).for_each(&mut hit);
                if v != 0 && n > 0 {
                    hit(Class::NonZeroData);
                }
            }
            (Category::MemoryCopy, Operator::MemoryCopy { dst_mem, src_mem }) => {
                let (dm, sm) = (Mem::of(data, cur, *dst_mem), Mem::of(data, cur, *src_mem));
                let (d, s) = (dm.addr(self.operand(2)), sm.addr(a));
                let n = if dm.index64 && sm.index64 {
                    b
                } else {
                    b as u32 as u64
                };
                cov::range_classes(d as u128, n as u128, dm.len as u128)
                    .chain(cov::range_classes(s as u128, n as u128, sm.len as u128))
                    .filter(|c| *c != Class::LengthZeroAtEnd)
                    .for_each(&mut hit);
                if dst_mem == src_mem {
                    if let Some(c) = cov::overlap(d, s, n) {
                        hit(c);
                    }
                } else {
                    hit(Class::BetweenMemories);
                }
                if dm.index64 || sm.index64 {
                    hit(Class::Memory64);
                }
                if sm.bytes(s, 0, n).is_some_and(|x| x.iter().any(|&y| y != 0)) {
                    hit(Class::NonZeroData);
                }
            }
            (Category::MemoryInit, Operator::MemoryInit { data_index, mem }) => {
                let m = Mem::of(data, cur, *mem);
                m.kinds(*mem, &mut hit);
                let seg = &data.datas[inst.datas[*data_index as usize] as usize].bytes;
                let (d, s, n) = (m.addr(self.operand(2)), a as u32 as u64, b as u32 as u64);
                cov::range_classes(d as u128, n as u128, m.len as u128)
                    .filter(|c| *c != Class::LengthZeroAtEnd)
                    .for_each(&mut hit);
                segment_classes(&mut hit, s, n, seg.len());
                let end = s.saturating_add(n) as usize;
                if seg
                    .get(s as usize..end)
                    .is_some_and(|x| x.iter().any(|&y| y != 0))
                {
                    hit(Class::NonZeroData);
                }
            }
            (Category::TableGet, Operator::TableGet { table }) => {
                let t = &data.tables[inst.tables[*table as usize] as usize].elements;
                let i = b as u32 as usize;
                if let Some(&v) = t.get(i) {
                    hit(if v == NULL_REF {
                        Class::Null
                    } else {
                        Class::NonNull
                    });
                    if i + 1 == t.len() {
                        hit(Class::LastSlot);
                    }
                }
            }
            (Category::TableSet, Operator::TableSet { table }) => {
                let t = &data.tables[inst.tables[*table as usize] as usize].elements;
                let i = a as u32 as usize;
                if i < t.len() {
                    hit(if b == NULL_REF {
                        Class::Null
                    } else {
                        Class::NonNull
                    });
                    if i + 1 == t.len() {
                        hit(Class::LastSlot);
                    }
                }
            }
            (Category::TableGrow, _) => {
                let (init, n) = (a, b as u32);
                if n == 0 {
                    hit(Class::DeltaZero);
                }
                hit(if init == NULL_REF {
                    Class::NullInit
                } else {
                    Class::NonNullInit
                });
                rec.pending = Pending::Grow {
                    op: r,
                    fail: u32::MAX as u64,
                };
            }
            (Category::TableFill, Operator::TableFill { table }) => {
                let t = &data.tables[inst.tables[*table as usize] as usize].elements;
                let (d, v, n) = (self.operand(2) as u32 as u128, a, b as u32 as u128);
                cov::range_classes(d, n, t.len() as u128)
                    .filter(|c| *c != Class::LengthZeroAtEnd)
                    .for_each(&mut hit);
                if v != NULL_REF && n > 0 {
                    hit(Class::NonNull);
                }
            }
            (
                Category::TableCopy,
                Operator::TableCopy {
                    dst_table,
                    src_table,
                },
            ) => {
                let len =
                    |t: u32| data.tables[inst.tables[t as usize] as usize].elements.len() as u128;
                let (d, s, n) = (
                    self.operand(2) as u32 as u64,
                    a as u32 as u64,
                    b as u32 as u64,
                );
                cov::range_classes(d as u128, n as u128, len(*dst_table))
                    .chain(cov::range_classes(s as u128, n as u128, len(*src_table)))
                    .filter(|c| *c != Class::LengthZeroAtEnd)
                    .for_each(&mut hit);
                if dst_table == src_table {
                    if let Some(c) = cov::overlap(d, s, n) {
                        hit(c);
                    }
                } else {
                    hit(Class::BetweenTables);
                }
            }
            (Category::TableInit, Operator::TableInit { elem_index, table }) => {
                let t = &data.tables[inst.tables[*table as usize] as usize].elements;
                let items = &data.elems[inst.elems[*elem_index as usize] as usize].items;
                let (d, s, n) = (
                    self.operand(2) as u32 as u64,
                    a as u32 as u64,
                    b as u32 as u64,
                );
                cov::range_classes(d as u128, n as u128, t.len() as u128)
                    .filter(|c| *c != Class::LengthZeroAtEnd)
                    .for_each(&mut hit);
                segment_classes(&mut hit, s, n, items.len());
                let end = s.saturating_add(n) as usize;
                if items
                    .get(s as usize..end)
                    .is_some_and(|x| x.iter().any(|&y| y != NULL_REF))
                {
                    hit(Class::NonNull);
                }
            }
            (Category::RefIsNull, _) => hit(if b == NULL_REF {
                Class::Null
            } else {
                Class::NonNull
            }),
            _ => {}
        }
    }

    /// Position and data classes of a load or store at `addr + offset`;
    /// `stored` says whether a store writes non-zero bytes (`None` for a
    /// load, whose bytes are read from memory).
    fn cover_access(
        &self,
        hit: &mut impl FnMut(Class),
        mem: &Mem,
        addr: u64,
        offset: u64,
        width: u8,
        stored: Option<bool>,
    ) {
        let addr = mem.addr(addr);
        let bits = if mem.index64 { 64 } else { 32 };
        cov::access_classes(addr, offset, width as u64, mem.len as u64, bits)
            .into_iter()
            .for_each(&mut *hit);
        let nonzero = match stored {
            Some(v) => v && mem.bytes(addr, offset, width as u64).is_some(),
            None => mem
                .bytes(addr, offset, width as u64)
                .is_some_and(|x| x.iter().any(|&y| y != 0)),
        };
        if nonzero {
            hit(Class::NonZeroData);
        }
        mem.kinds(mem.index, hit);
    }
}

/// `v` cut to `bits` bits.
fn mask(v: u64, bits: u8) -> u64 {
    if bits >= 64 {
        v
    } else {
        v & ((1u64 << bits) - 1)
    }
}

/// The result of a float arithmetic operator, for the overflow class.
fn float_op(short: &str, a: u64, b: u64, bits: u8) -> f64 {
    fn apply<
        T: std::ops::Add<Output = T>
            + std::ops::Sub<Output = T>
            + std::ops::Mul<Output = T>
            + std::ops::Div<Output = T>,
    >(
        short: &str,
        x: T,
        y: T,
    ) -> T {
        match short {
            "add" => x + y,
            "sub" => x - y,
            "mul" => x * y,
            _ => x / y,
        }
    }
    if bits == 32 {
        apply(short, f32::from_bits(a as u32), f32::from_bits(b as u32)) as f64
    } else {
        apply(short, f64::from_bits(a), f64::from_bits(b))
    }
}

/// Segment classes of a copy of `n` items from `s` out of a segment of `len`.
fn segment_classes(hit: &mut impl FnMut(Class), s: u64, n: u64, len: usize) {
    if n > 0 && s.checked_add(n) == Some(len as u64) {
        hit(Class::SegmentEnd);
    }
    if n > 0 && len == 0 {
        hit(Class::DroppedSegment);
    }
}

/// The memory immediate of a load or store (any operator with one).
fn memarg(op: &Operator) -> Option<MemArg> {
    macro_rules! pick {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            $( pick!(@arm $op $({ $($arg)* })?); )*
        };
        (@arm $op:ident { memarg $($rest:ident)* }) => {
            if let Operator::$op { memarg, .. } = op {
                return Some(*memarg);
            }
        };
        (@arm $op:ident $($rest:tt)*) => {};
    }
    wasmparser::for_each_operator!(pick);
    None
}

/// The classes one instruction reached, collected before they are counted.
struct Hits {
    buf: [Class; 24],
    n: usize,
}

impl Default for Hits {
    fn default() -> Hits {
        Hits {
            buf: [Class::Zero; 24],
            n: 0,
        }
    }
}

impl Hits {
    fn push(&mut self, c: Class) {
        if self.n < self.buf.len() {
            self.buf[self.n] = c;
            self.n += 1;
        }
    }
}

/// A memory an instruction names, as the classifier needs it.
struct Mem<'a> {
    index: u32,
    len: usize,
    index64: bool,
    data: &'a [u8],
}

impl<'a> Mem<'a> {
    fn of(data: &'a StoreData, cur: &Cursor, index: u32) -> Mem<'a> {
        let addr = data.instances[cur.instance as usize].memories[index as usize];
        let m = &data.memories[addr as usize];
        Mem {
            index,
            len: m.data.len(),
            index64: m.ty.index64,
            data: &m.data,
        }
    }

    /// An address operand of this memory's index type.
    fn addr(&self, raw: u64) -> u64 {
        if self.index64 {
            raw
        } else {
            raw as u32 as u64
        }
    }

    /// The bytes `[addr + offset, + width)` if they are in bounds.
    fn bytes(&self, addr: u64, offset: u64, width: u64) -> Option<&'a [u8]> {
        let start = addr.checked_add(offset)?;
        let end = start.checked_add(width)?;
        self.data
            .get(start as usize..end as usize)
            .filter(|_| end <= self.len as u64)
    }

    /// The classes saying which memory it is.
    fn kinds(&self, index: u32, hit: &mut impl FnMut(Class)) {
        if index != 0 {
            hit(Class::OtherMemory);
        }
        if self.index64 {
            hit(Class::Memory64);
        }
    }
}

trait MemoryIndex {
    fn memory(&self) -> u32;
}

impl MemoryIndex for MemArg {
    fn memory(&self) -> u32 {
        match self.target {
            MemArgTarget::Memory(m) => m,
            MemArgTarget::Array(_) => 0,
        }
    }
}
