//! The fast tier's interpreter loop over register instructions.

use super::ir::{Instr, LoadKind, StoreKind};
use super::{FastTier, Frame};
use crate::store::{FuncInst, StoreData};
use crate::trap::{Trap, TrapCode};
use crate::values::{FuncAddr, NULL_REF};

#[inline(always)]
fn f32v(r: u64) -> f32 {
    f32::from_bits(r as u32)
}

#[inline(always)]
fn f32b(v: f32) -> u64 {
    v.to_bits() as u64
}

/// `N` bytes of memory at `ea`, or the out-of-bounds trap.
#[inline(always)]
fn read<const N: usize>(m: &[u8], ea: u64) -> Result<[u8; N], TrapCode> {
    let end = ea + N as u64;
    if end > m.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    Ok(m[ea as usize..end as usize]
        .try_into()
        .expect("slice has N bytes"))
}

#[inline(always)]
fn write(m: &mut [u8], ea: u64, bytes: &[u8]) -> Result<(), TrapCode> {
    let end = ea + bytes.len() as u64;
    if end > m.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    m[ea as usize..end as usize].copy_from_slice(bytes);
    Ok(())
}

/// `[start, start + len)` if it fits in `size`.
fn span(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
}

impl FastTier {
    /// Enters `addr` with its frame at `base` (arguments already there).
    /// A host function runs to completion and returns `false`.
    fn invoke(
        &mut self,
        data: &mut StoreData,
        addr: FuncAddr,
        base: usize,
        caller_mem: usize,
    ) -> Result<bool, Trap> {
        let instance = match &data.funcs[addr.0 as usize] {
            FuncInst::Host { ty, .. } => {
                let args = self.regs[base..base + ty.params.len()].to_vec();
                let mem = (caller_mem != usize::MAX).then_some(caller_mem as u32);
                let results = data.call_host(addr, mem, &args)?;
                let end = base + results.len();
                if self.regs.len() < end {
                    self.regs.resize(end, 0);
                }
                self.regs[base..end].copy_from_slice(&results);
                return Ok(false);
            }
            FuncInst::Wasm { instance, .. } => instance.0 as usize,
        };
        if self.frames.len() >= data.limits.max_call_depth as usize {
            return Err(TrapCode::CallStackExhausted.into());
        }
        data.consume_fuel()?;
        let code = self
            .tables
            .code(addr)
            .ok_or_else(|| Trap::host(format!("fast tier: function {} has no code", addr.0)))?;
        let end = base + code.frame_size as usize;
        if self.regs.len() < end {
            self.regs.resize(end, 0);
        }
        let locals = base + code.params as usize;
        self.regs[locals..locals + code.local_init.len()].copy_from_slice(&code.local_init);
        let mem = data.instances[instance]
            .memories
            .first()
            .map_or(usize::MAX, |&m| m as usize);
        self.frames.push(Frame {
            code,
            base,
            instance,
            mem,
            pc: 0,
        });
        Ok(true)
    }

    /// Runs wasm function `func` to completion.
    pub(super) fn execute(
        &mut self,
        data: &mut StoreData,
        func: FuncAddr,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        self.frames.clear();
        if self.regs.len() < args.len() {
            self.regs.resize(args.len(), 0);
        }
        self.regs[..args.len()].copy_from_slice(args);
        if !self.invoke(data, func, 0, usize::MAX)? {
            unreachable!("the store runs host functions itself");
        }
        let Frame {
            mut code,
            mut base,
            mut instance,
            mut mem,
            mut pc,
        } = self.frames.last().expect("entered").clone();

        // SAFETY: `prepare` verified every slot operand of every function to
        // be below its frame size, and `invoke` grew the register file (which
        // never shrinks) to cover `base + frame_size` before the frame ran.
        macro_rules! r {
            ($s:expr) => {
                *{
                    let i = base + $s as usize;
                    debug_assert!(i < self.regs.len());
                    unsafe { self.regs.get_unchecked_mut(i) }
                }
            };
        }
        macro_rules! memory {
            () => {
                data.memories[mem].data
            };
        }
        macro_rules! table {
            ($t:expr) => {
                data.instances[instance].tables[$t as usize] as usize
            };
        }
        macro_rules! alu {
            ($x:expr, |$a:ident, $b:ident| $e:expr) => {{
                let ($a, $b) = (r!($x.a), r!($x.b));
                r!($x.dst) = $e;
            }};
        }
        macro_rules! alu_imm {
            ($x:expr, |$a:ident, $b:ident| $e:expr) => {{
                let ($a, $b) = (r!($x.a), $x.imm);
                r!($x.dst) = $e;
            }};
        }
        // After a call or return: continue in whatever frame is now on top.
        macro_rules! resume {
            () => {{
                let f = self.frames.last().expect("a frame is running");
                code = f.code.clone();
                base = f.base;
                instance = f.instance;
                mem = f.mem;
                pc = f.pc;
            }};
        }
        macro_rules! ret {
            ($n:expr) => {{
                self.frames.pop();
                if self.frames.is_empty() {
                    return Ok(self.regs[base..base + $n].to_vec());
                }
                resume!();
            }};
        }
        macro_rules! call {
            ($addr:expr, $base:expr) => {{
                self.frames.last_mut().expect("running").pc = pc;
                if self.invoke(data, $addr, base + $base as usize, mem)? {
                    resume!();
                }
            }};
        }

        loop {
            debug_assert!(pc < code.code.len());
            // SAFETY: `prepare` verified that every branch target is an
            // instruction index and that the last instruction cannot fall through.
            let instr = *unsafe { code.code.get_unchecked(pc) };
            pc += 1;
            match instr {
                Instr::Unreachable => return Err(TrapCode::Unreachable.into()),
                Instr::LoopFuel => data.consume_fuel()?,
                Instr::Copy { dst, src } => r!(dst) = r!(src),
                Instr::Const { dst, val } => r!(dst) = val,
                Instr::Br { to } => pc = to as usize,
                Instr::BrNez { c, to } => {
                    if r!(c) as u32 != 0 {
                        pc = to as usize
                    }
                }
                Instr::BrEqz { c, to } => {
                    if r!(c) as u32 == 0 {
                        pc = to as usize
                    }
                }
                Instr::BrCmp32 { op, a, b, to } => {
                    if op.i32(r!(a), r!(b)) {
                        pc = to as usize
                    }
                }
                Instr::BrCmp32Imm { op, a, imm, to } => {
                    if op.i32(r!(a), imm as u64) {
                        pc = to as usize
                    }
                }
                Instr::BrCmp64 { op, a, b, to } => {
                    if op.i64(r!(a), r!(b)) {
                        pc = to as usize
                    }
                }
                Instr::BrCmp64Imm { op, a, imm, to } => {
                    if op.i64(r!(a), imm) {
                        pc = to as usize
                    }
                }
                Instr::BrTable { index, table } => {
                    let t = &code.tables[table as usize];
                    let i = (r!(index) as u32 as usize).min(t.len() - 1);
                    pc = t[i] as usize;
                }
                Instr::Return { start, n } => {
                    let (s, n) = (base + start as usize, n as usize);
                    self.regs.copy_within(s..s + n, base);
                    ret!(n)
                }
                Instr::ReturnOne { src } => {
                    r!(0) = r!(src);
                    ret!(1)
                }
                Instr::Call { func, base: b } => {
                    let addr = data.instances[instance].funcs[func as usize];
                    call!(addr, b)
                }
                Instr::CallIndirect {
                    ty,
                    table,
                    index,
                    base: b,
                } => {
                    let inst = &data.instances[instance];
                    let expected = inst.type_ids[ty as usize];
                    let t = &data.tables[inst.tables[table as usize] as usize];
                    let raw = *t
                        .elements
                        .get(r!(index) as u32 as usize)
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    if raw == NULL_REF {
                        return Err(TrapCode::IndirectCallToNull.into());
                    }
                    let addr = FuncAddr(raw as u32);
                    if data.funcs[addr.0 as usize].type_id() != expected {
                        return Err(TrapCode::IndirectCallTypeMismatch.into());
                    }
                    call!(addr, b)
                }
                Instr::Select { dst, c, a, b } => {
                    r!(dst) = if r!(c) as u32 != 0 { r!(a) } else { r!(b) }
                }
                Instr::GlobalGet { dst, global } => {
                    let g = data.instances[instance].globals[global as usize] as usize;
                    r!(dst) = data.globals[g].value;
                }
                Instr::GlobalSet { global, src } => {
                    let g = data.instances[instance].globals[global as usize] as usize;
                    data.globals[g].value = r!(src);
                }
                Instr::Un { f, dst, a } => r!(dst) = f(r!(a)),
                Instr::Bin { f, dst, a, b } => r!(dst) = f(r!(a), r!(b)),
                Instr::BinImm { f, dst, a, imm } => r!(dst) = f(r!(a), imm),
                Instr::UnTrap { f, dst, a } => r!(dst) = f(r!(a))?,
                Instr::BinTrap { f, dst, a, b } => r!(dst) = f(r!(a), r!(b))?,
                Instr::I32Add { dst, a, b } => {
                    r!(dst) = (r!(a) as u32).wrapping_add(r!(b) as u32) as u64
                }
                Instr::I32Sub { dst, a, b } => {
                    r!(dst) = (r!(a) as u32).wrapping_sub(r!(b) as u32) as u64
                }
                Instr::I32AddImm { dst, a, imm } => {
                    r!(dst) = (r!(a) as u32).wrapping_add(imm) as u64
                }
                Instr::I64Add { dst, a, b } => r!(dst) = r!(a).wrapping_add(r!(b)),
                Instr::I64Sub { dst, a, b } => r!(dst) = r!(a).wrapping_sub(r!(b)),
                Instr::I64AddImm { dst, a, imm } => r!(dst) = r!(a).wrapping_add(imm),
                Instr::Cmp32 { op, dst, a, b } => r!(dst) = op.i32(r!(a), r!(b)) as u64,
                Instr::Cmp32Imm { op, dst, a, imm } => r!(dst) = op.i32(r!(a), imm as u64) as u64,
                Instr::Cmp64 { op, dst, a, b } => r!(dst) = op.i64(r!(a), r!(b)) as u64,
                Instr::Cmp64Imm { op, dst, a, imm } => r!(dst) = op.i64(r!(a), imm) as u64,
                Instr::I32Mul(x) => alu!(x, |a, b| (a as u32).wrapping_mul(b as u32) as u64),
                Instr::I32And(x) => alu!(x, |a, b| a & b & 0xffff_ffff),
                Instr::I32Or(x) => alu!(x, |a, b| (a | b) & 0xffff_ffff),
                Instr::I32Xor(x) => alu!(x, |a, b| (a ^ b) & 0xffff_ffff),
                Instr::I32Shl(x) => alu!(x, |a, b| (a as u32).wrapping_shl(b as u32) as u64),
                Instr::I32ShrS(x) => {
                    alu!(x, |a, b| (a as i32).wrapping_shr(b as u32) as u32 as u64)
                }
                Instr::I32ShrU(x) => alu!(x, |a, b| (a as u32).wrapping_shr(b as u32) as u64),
                Instr::I64Mul(x) => alu!(x, |a, b| a.wrapping_mul(b)),
                Instr::I64And(x) => alu!(x, |a, b| a & b),
                Instr::I64Or(x) => alu!(x, |a, b| a | b),
                Instr::I64Xor(x) => alu!(x, |a, b| a ^ b),
                Instr::I64Shl(x) => alu!(x, |a, b| a.wrapping_shl(b as u32)),
                Instr::I64ShrS(x) => alu!(x, |a, b| (a as i64).wrapping_shr(b as u32) as u64),
                Instr::I64ShrU(x) => alu!(x, |a, b| a.wrapping_shr(shr_u_count(b))),
                Instr::F32Add(x) => alu!(x, |a, b| f32b(f32v(a) + f32v(b))),
                Instr::F32Sub(x) => alu!(x, |a, b| f32b(f32v(a) - f32v(b))),
                Instr::F32Mul(x) => alu!(x, |a, b| f32b(f32v(a) * f32v(b))),
                Instr::F32Div(x) => alu!(x, |a, b| f32b(f32v(a) / f32v(b))),
                Instr::F64Add(x) => {
                    alu!(x, |a, b| (f64::from_bits(a) + f64::from_bits(b)).to_bits())
                }
                Instr::F64Sub(x) => {
                    alu!(x, |a, b| (f64::from_bits(a) - f64::from_bits(b)).to_bits())
                }
                Instr::F64Mul(x) => {
                    alu!(x, |a, b| (f64::from_bits(a) * f64::from_bits(b)).to_bits())
                }
                Instr::F64Div(x) => {
                    alu!(x, |a, b| (f64::from_bits(a) / f64::from_bits(b)).to_bits())
                }
                Instr::I32MulImm(x) => alu_imm!(x, |a, b| (a as u32).wrapping_mul(b as u32) as u64),
                Instr::I32AndImm(x) => alu_imm!(x, |a, b| a & b & 0xffff_ffff),
                Instr::I32OrImm(x) => alu_imm!(x, |a, b| (a | b) & 0xffff_ffff),
                Instr::I32XorImm(x) => alu_imm!(x, |a, b| (a ^ b) & 0xffff_ffff),
                Instr::I32ShlImm(x) => alu_imm!(x, |a, b| (a as u32).wrapping_shl(b as u32) as u64),
                Instr::I32ShrSImm(x) => {
                    alu_imm!(x, |a, b| (a as i32).wrapping_shr(b as u32) as u32 as u64)
                }
                Instr::I32ShrUImm(x) => {
                    alu_imm!(x, |a, b| (a as u32).wrapping_shr(b as u32) as u64)
                }
                Instr::I64MulImm(x) => alu_imm!(x, |a, b| a.wrapping_mul(b)),
                Instr::I64AndImm(x) => alu_imm!(x, |a, b| a & b),
                Instr::I64OrImm(x) => alu_imm!(x, |a, b| a | b),
                Instr::I64XorImm(x) => alu_imm!(x, |a, b| a ^ b),
                Instr::I64ShlImm(x) => alu_imm!(x, |a, b| a.wrapping_shl(b as u32)),
                Instr::I64ShrSImm(x) => {
                    alu_imm!(x, |a, b| (a as i64).wrapping_shr(b as u32) as u64)
                }
                Instr::I64ShrUImm(x) => alu_imm!(x, |a, b| a.wrapping_shr(shr_u_count(b))),
                Instr::Load32 { dst, addr, offset } => {
                    let ea = r!(addr) as u32 as u64 + offset as u64;
                    r!(dst) = u32::from_le_bytes(read(&memory!(), ea)?) as u64;
                }
                Instr::Load64 { dst, addr, offset } => {
                    let ea = r!(addr) as u32 as u64 + offset as u64;
                    r!(dst) = u64::from_le_bytes(read(&memory!(), ea)?);
                }
                Instr::Load {
                    kind,
                    dst,
                    addr,
                    offset,
                } => {
                    let ea = r!(addr) as u32 as u64 + offset as u64;
                    let m = &memory!();
                    r!(dst) = match kind {
                        LoadKind::I32 => u32::from_le_bytes(read(m, ea)?) as u64,
                        LoadKind::I64 => u64::from_le_bytes(read(m, ea)?),
                        LoadKind::I32S8 => i8::from_le_bytes(read(m, ea)?) as i32 as u32 as u64,
                        LoadKind::I32U8 => u8::from_le_bytes(read(m, ea)?) as u64,
                        LoadKind::I32S16 => i16::from_le_bytes(read(m, ea)?) as i32 as u32 as u64,
                        LoadKind::I32U16 => u16::from_le_bytes(read(m, ea)?) as u64,
                        LoadKind::I64S8 => i8::from_le_bytes(read(m, ea)?) as i64 as u64,
                        LoadKind::I64U8 => u8::from_le_bytes(read(m, ea)?) as u64,
                        LoadKind::I64S16 => i16::from_le_bytes(read(m, ea)?) as i64 as u64,
                        LoadKind::I64U16 => u16::from_le_bytes(read(m, ea)?) as u64,
                        LoadKind::I64S32 => i32::from_le_bytes(read(m, ea)?) as i64 as u64,
                        LoadKind::I64U32 => u32::from_le_bytes(read(m, ea)?) as u64,
                    };
                }
                Instr::Store {
                    kind,
                    addr,
                    src,
                    offset,
                } => {
                    let ea = r!(addr) as u32 as u64 + offset as u64;
                    let v = r!(src);
                    let m = &mut memory!();
                    match kind {
                        StoreKind::B8 => write(m, ea, &[v as u8])?,
                        StoreKind::B16 => write(m, ea, &(v as u16).to_le_bytes())?,
                        StoreKind::B32 => write(m, ea, &(v as u32).to_le_bytes())?,
                        StoreKind::B64 => write(m, ea, &v.to_le_bytes())?,
                    }
                }
                Instr::MemorySize { dst } => r!(dst) = data.memories[mem].pages() as u64,
                Instr::MemoryGrow { dst, delta } => {
                    let old = data.memories[mem].grow(r!(delta) as u32);
                    r!(dst) = old.map_or(u32::MAX, |o| o) as u64;
                }
                Instr::MemoryFill { d, v, n } => {
                    let (d, v, n) = (r!(d) as u32 as u64, r!(v) as u8, r!(n) as u32 as u64);
                    let m = &mut memory!();
                    let dst = span(d, n, m.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                    m[dst].fill(v);
                }
                Instr::MemoryCopy { d, s, n } => {
                    let (d, s, n) = (
                        r!(d) as u32 as u64,
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    let m = &mut memory!();
                    let src = span(s, n, m.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                    span(d, n, m.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                    m.copy_within(src, d as usize);
                }
                Instr::MemoryInit { seg, d, s, n } => {
                    let (d, s, n) = (
                        r!(d) as u32 as u64,
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    let seg = data.instances[instance].datas[seg as usize] as usize;
                    let bytes = &data.datas[seg].bytes;
                    let m = &mut data.memories[mem].data;
                    let src = span(s, n, bytes.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                    let dst = span(d, n, m.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                    m[dst].copy_from_slice(&bytes[src]);
                }
                Instr::DataDrop { seg } => {
                    let seg = data.instances[instance].datas[seg as usize] as usize;
                    data.datas[seg].bytes = std::sync::Arc::from(&[][..]);
                }
                Instr::TableGet { table, dst, index } => {
                    let t = table!(table);
                    r!(dst) = *data.tables[t]
                        .elements
                        .get(r!(index) as u32 as usize)
                        .ok_or(TrapCode::TableOutOfBounds)?;
                }
                Instr::TableSet { table, index, src } => {
                    let t = table!(table);
                    let v = r!(src);
                    *data.tables[t]
                        .elements
                        .get_mut(r!(index) as u32 as usize)
                        .ok_or(TrapCode::TableOutOfBounds)? = v;
                }
                Instr::TableSize { table, dst } => {
                    let t = table!(table);
                    r!(dst) = data.tables[t].size() as u64;
                }
                Instr::TableGrow {
                    table,
                    dst,
                    init,
                    n,
                } => {
                    let t = table!(table);
                    let old = data.tables[t].grow(r!(n) as u32, r!(init));
                    r!(dst) = old.map_or(u32::MAX, |o| o) as u64;
                }
                Instr::TableFill { table, d, v, n } => {
                    let t = table!(table);
                    let (d, v, n) = (r!(d) as u32 as u64, r!(v), r!(n) as u32 as u64);
                    let elements = &mut data.tables[t].elements;
                    let dst = span(d, n, elements.len()).ok_or(TrapCode::TableOutOfBounds)?;
                    elements[dst].fill(v);
                }
                Instr::TableCopy {
                    dst_table,
                    src_table,
                    d,
                    s,
                    n,
                } => {
                    let (dt, st) = (table!(dst_table), table!(src_table));
                    let (d, s, n) = (
                        r!(d) as u32 as u64,
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    let src = span(s, n, data.tables[st].elements.len())
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    let dst = span(d, n, data.tables[dt].elements.len())
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    if dt == st {
                        data.tables[dt].elements.copy_within(src, dst.start);
                    } else {
                        let items = data.tables[st].elements[src].to_vec();
                        data.tables[dt].elements[dst].copy_from_slice(&items);
                    }
                }
                Instr::TableInit {
                    seg,
                    table,
                    d,
                    s,
                    n,
                } => {
                    let t = table!(table);
                    let seg = data.instances[instance].elems[seg as usize] as usize;
                    let (d, s, n) = (
                        r!(d) as u32 as u64,
                        r!(s) as u32 as u64,
                        r!(n) as u32 as u64,
                    );
                    let items = &data.elems[seg].items;
                    let src = span(s, n, items.len()).ok_or(TrapCode::TableOutOfBounds)?;
                    let dst = span(d, n, data.tables[t].elements.len())
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    let items = items[src].to_vec();
                    data.tables[t].elements[dst].copy_from_slice(&items);
                }
                Instr::ElemDrop { seg } => {
                    let seg = data.instances[instance].elems[seg as usize] as usize;
                    data.elems[seg].items = Vec::new();
                }
                Instr::RefFunc { dst, func } => {
                    r!(dst) = data.instances[instance].funcs[func as usize].0 as u64
                }
            }
        }
    }
}

/// The shift count of `i64.shr_u` (wrapping_shr masks it to 6 bits).
#[inline(always)]
fn shr_u_count(b: u64) -> u32 {
    if crate::fault::active(crate::fault::Fault::FastI64ShrUMask) {
        b as u32 & 31
    } else {
        b as u32
    }
}
