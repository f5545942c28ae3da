//! Linear memory in compiled code: bounds checks, loads and stores,
//! `memory.size`, and the bulk operations (through callbacks).
//!
//! Each memory a body loads from, stores to or sizes keeps its base and
//! length in SSA variables, re-read after every call (only a call can grow
//! a memory). Memory 0 is read from the context's own fields, as before
//! multiple memories; any other from the instance's memory views
//! (`ctx::MemView`), whose address is baked into the code.
//!
//! # Bounds checks
//! A 32-bit memory's check is one signed compare, `zext(addr) > len -
//! (offset + size)`: every term is below 2^33, so nothing wraps.
//!
//! A 64-bit memory's address may be anywhere below 2^64 and its offset too,
//! so `addr + offset` could wrap. The check never forms that sum: with
//! `reach = offset + size` (computed at compile time; beyond 2^64 the access
//! can never be in bounds and traps unconditionally), the access is in
//! bounds iff `addr <= len - reach`, i.e. `addr < limit` with
//! `limit = len + 1 - reach` when that is positive and 0 otherwise (nothing
//! fits). A memory is at most 2^48 bytes (page counts are 32-bit), so `len + 1`
//! never wraps, and `limit` depends only on `len`: Cranelift hoists it out
//! of loops, leaving one unsigned compare per access as for 32 bits.

use super::{vm, Callback, JitPath, Translator};
use crate::fault::{self, Fault};
use crate::prepare::PrepareError;
use crate::tiers::jit::ctx::{
    MEM_VIEW_BASE, MEM_VIEW_LEN, MEM_VIEW_SIZE, OFF_MEM_BASE, OFF_MEM_LEN,
};
use crate::trap::TrapCode;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArg, MemArgTarget, Operator};

/// Bounds checks remembered per region (keeps the search short).
const MAX_CHECKED: usize = 64;

/// Flags for linear-memory accesses: bounds already checked, maybe unaligned.
pub(super) fn heap() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(cranelift_codegen::ir::Endianness::Little)
}

/// The memory argument of every load and store, scalar and SIMD.
pub(super) fn memarg(op: &Operator) -> Option<MemArg> {
    use Operator as O;
    match *op {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I32Store { memarg }
        | O::I64Store { memarg }
        | O::F32Store { memarg }
        | O::F64Store { memarg }
        | O::I32Store8 { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg }
        | O::V128Load { memarg }
        | O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load8Splat { memarg }
        | O::V128Load16Splat { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load32Zero { memarg }
        | O::V128Load64Zero { memarg }
        | O::V128Store { memarg }
        | O::V128Load8Lane { memarg, .. }
        | O::V128Load16Lane { memarg, .. }
        | O::V128Load32Lane { memarg, .. }
        | O::V128Load64Lane { memarg, .. }
        | O::V128Store8Lane { memarg, .. }
        | O::V128Store16Lane { memarg, .. }
        | O::V128Store32Lane { memarg, .. }
        | O::V128Store64Lane { memarg, .. } => Some(memarg),
        _ => None,
    }
}

/// The memory index of a memory argument (GC array targets are not
/// among the features we validate with).
pub(super) fn memory_index(m: &MemArg) -> u32 {
    match m.target {
        MemArgTarget::Memory(i) => i,
        MemArgTarget::Array(_) => unreachable!("validated: no GC arrays"),
    }
}

/// The memory an operator reads base or length of in native code (bulk
/// operations go through callbacks and need neither).
fn direct_memory(op: &Operator) -> Option<u32> {
    match *op {
        Operator::MemorySize { mem } => Some(mem),
        ref op => memarg(op).map(|m| memory_index(&m)),
    }
}

impl Translator<'_, '_, '_> {
    /// Declares base and length variables for every memory the body `code`
    /// (at `offset` in the module) uses directly, and loads them.
    pub(super) fn declare_memories(
        &mut self,
        code: &[u8],
        offset: u64,
    ) -> Result<(), PrepareError> {
        let count = self.env.module.memories.len();
        if count == 0 {
            return Ok(());
        }
        let mut used = vec![false; count];
        let mut reader =
            wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(code, offset));
        while !reader.eof() {
            let op = reader
                .read()
                .map_err(|e| PrepareError::internal("jit", e))?;
            if let Some(m) = direct_memory(&op) {
                used[m as usize] = true;
            }
        }
        self.mems = used
            .into_iter()
            .map(|u| u.then(|| (self.b.declare_var(self.ptr), self.b.declare_var(types::I64))))
            .collect();
        self.load_memories();
        Ok(())
    }

    /// Re-reads base and length of the memories in variables (after calls).
    pub(super) fn reload_memory(&mut self) {
        if self.mems.iter().any(Option::is_some) {
            self.path(JitPath::MemoryReload);
        }
        self.load_memories();
    }

    /// Reads base and length of the memories in variables.
    fn load_memories(&mut self) {
        for k in 0..self.mems.len() {
            let Some((base, len)) = self.mems[k] else {
                continue;
            };
            let (b, l) = if k == 0 {
                let b = self.load_vm(self.ptr, OFF_MEM_BASE);
                (b, self.load_vm(types::I64, OFF_MEM_LEN))
            } else {
                let at = self.env.mem_views + k * MEM_VIEW_SIZE;
                let view = self.b.ins().iconst(self.ptr, at as i64);
                let b = self.b.ins().load(self.ptr, vm(), view, MEM_VIEW_BASE);
                (b, self.b.ins().load(types::I64, vm(), view, MEM_VIEW_LEN))
            };
            self.b.def_var(base, b);
            self.b.def_var(len, l);
        }
    }

    /// Base and length of memory `mem` as values at this point.
    fn memory(&mut self, mem: u32) -> (Value, Value) {
        let (base, len) =
            self.mems[mem as usize].expect("declare_memories saw every memory used directly");
        (self.b.use_var(base), self.b.use_var(len))
    }

    fn index64(&self, mem: u32) -> bool {
        self.env.module.memories[mem as usize].index64
    }

    /// The native address of `[addr + offset, + size)` in memory `mem`,
    /// after a check that it lies inside (see the module docs). The check
    /// is skipped where an earlier check of the same address value with at
    /// least the same reach dominates it: memory never shrinks.
    pub(super) fn heap_addr(&mut self, mem: u32, addr: Value, offset: u64, size: u64) -> Value {
        let index64 = self.index64(mem);
        let (base, len) = self.memory(mem);
        self.path(if mem == 0 {
            JitPath::MemoryZero
        } else {
            JitPath::MemoryOther
        });
        if index64 && fault::active(Fault::JitMemory64BoundsWrap) {
            // The injected bug: `addr + offset` in 64 bits, wrapping, then
            // checked as if it were the address.
            let ea = self.b.ins().iadd_imm_s(addr, offset as i64);
            let oob = self.beyond64(ea, len, size);
            self.trap_if(oob, TrapCode::MemoryOutOfBounds);
            return self.b.ins().iadd(base, ea);
        }
        let reach = offset.checked_add(size);
        let known = reach.is_some_and(|reach| {
            self.checked
                .iter()
                .rev()
                .take(MAX_CHECKED)
                .any(|&(m, v, r)| m == mem && v == addr && r >= reach)
        });
        let ea = if index64 {
            addr
        } else {
            self.b.ins().uextend(types::I64, addr)
        };
        if known {
            self.path(if offset == 0 {
                JitPath::BoundsCheckElided
            } else {
                JitPath::BoundsCheckElidedWithOffset
            });
            if offset != 0 && fault::active(Fault::JitElidedCheckDropsOffset) {
                return self.b.ins().iadd(base, ea);
            }
        } else {
            let oob = match reach {
                // Past 2^64: no address reaches it inside memory.
                None => {
                    self.path(JitPath::BoundsNeverFits);
                    self.b.ins().iconst(types::I8, 1)
                }
                Some(reach) if index64 => {
                    self.path(JitPath::BoundsCheck64);
                    self.beyond64(ea, len, reach)
                }
                Some(reach) => {
                    self.path(JitPath::BoundsCheck32);
                    let limit = self.b.ins().iadd_imm_s(len, -(reach as i64));
                    self.b.ins().icmp(IntCC::SignedGreaterThan, ea, limit)
                }
            };
            self.trap_if(oob, TrapCode::MemoryOutOfBounds);
            if let Some(reach) = reach.filter(|_| self.checked.len() < MAX_CHECKED) {
                self.checked.push((mem, addr, reach));
            }
        }
        let p = self.b.ins().iadd(base, ea);
        if offset == 0 {
            self.path(JitPath::AddressWithoutOffset);
            p
        } else {
            self.path(JitPath::AddressWithOffset);
            self.b.ins().iadd_imm_s(p, offset as i64)
        }
    }

    /// Whether `ea + reach > len` for any 64-bit `ea`, without forming the
    /// sum: `ea >= limit` (see the module docs).
    fn beyond64(&mut self, ea: Value, len: Value, reach: u64) -> Value {
        let room = self.b.ins().iadd_imm_s(len, 1);
        let fits = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, room, reach as i64);
        let diff = self.b.ins().iadd_imm_s(room, (reach as i64).wrapping_neg());
        let zero = self.b.ins().iconst(types::I64, 0);
        let limit = self.b.ins().select(fits, diff, zero);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, ea, limit)
    }

    fn load(&mut self, memarg: MemArg, t: Type, size: u64, ext: Option<bool>) {
        let addr = self.pop();
        let p = self.heap_addr(memory_index(&memarg), addr, memarg.offset, size);
        self.path(match (size, ext) {
            (1, Some(true)) => JitPath::LoadSigned8,
            (1, _) => JitPath::LoadUnsigned8,
            (2, Some(true)) => JitPath::LoadSigned16,
            (2, _) => JitPath::LoadUnsigned16,
            (4, Some(true)) if t == types::I64 => JitPath::LoadSigned32,
            (4, Some(false)) if t == types::I64 => JitPath::LoadUnsigned32,
            _ => JitPath::LoadWhole,
        });
        let ins = self.b.ins();
        let v = match (size, ext) {
            (1, Some(true)) => ins.sload8(t, heap(), p, 0),
            (1, _) => ins.uload8(t, heap(), p, 0),
            (2, Some(true)) => ins.sload16(t, heap(), p, 0),
            (2, _) => ins.uload16(t, heap(), p, 0),
            (4, Some(true)) if t == types::I64 => ins.sload32(heap(), p, 0),
            (4, Some(false)) if t == types::I64 => ins.uload32(heap(), p, 0),
            _ => ins.load(t, heap(), p, 0),
        };
        self.push(v);
    }

    fn store(&mut self, memarg: MemArg, size: u64) {
        let v = self.pop();
        let addr = self.pop();
        let p = self.heap_addr(memory_index(&memarg), addr, memarg.offset, size);
        let ty = self.b.func.dfg.value_type(v);
        self.path(match size {
            1 => JitPath::StoreNarrow8,
            2 => JitPath::StoreNarrow16,
            4 if ty == types::I64 => JitPath::StoreNarrow32,
            _ => JitPath::StoreWhole,
        });
        let ins = self.b.ins();
        match size {
            1 => ins.istore8(heap(), v, p, 0),
            2 => ins.istore16(heap(), v, p, 0),
            4 if ty == types::I64 => ins.istore32(heap(), v, p, 0),
            _ => ins.store(heap(), v, p, 0),
        };
    }

    /// An address, size or length as the callbacks take it: 64 bits,
    /// zero-extended from a 32-bit memory's i32.
    pub(super) fn widen_u64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == types::I64 {
            v
        } else {
            self.b.ins().uextend(types::I64, v)
        }
    }

    /// Translates a scalar memory instruction; false if `op` is none.
    pub(super) fn memory_op(&mut self, op: &Operator) -> bool {
        use Operator as O;
        let (i32t, i64t) = (types::I32, types::I64);
        match *op {
            O::I32Load { memarg } => self.load(memarg, i32t, 4, None),
            O::I64Load { memarg } => self.load(memarg, i64t, 8, None),
            O::F32Load { memarg } => self.load(memarg, types::F32, 4, None),
            O::F64Load { memarg } => self.load(memarg, types::F64, 8, None),
            O::I32Load8S { memarg } => self.load(memarg, i32t, 1, Some(true)),
            O::I32Load8U { memarg } => self.load(memarg, i32t, 1, Some(false)),
            O::I32Load16S { memarg } => self.load(memarg, i32t, 2, Some(true)),
            O::I32Load16U { memarg } => self.load(memarg, i32t, 2, Some(false)),
            O::I64Load8S { memarg } => self.load(memarg, i64t, 1, Some(true)),
            O::I64Load8U { memarg } => self.load(memarg, i64t, 1, Some(false)),
            O::I64Load16S { memarg } => self.load(memarg, i64t, 2, Some(true)),
            O::I64Load16U { memarg } => self.load(memarg, i64t, 2, Some(false)),
            O::I64Load32S { memarg } => self.load(memarg, i64t, 4, Some(true)),
            O::I64Load32U { memarg } => self.load(memarg, i64t, 4, Some(false)),
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, 4),
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, 2),
            O::I64Store32 { memarg } => self.store(memarg, 4),
            O::MemorySize { mem } => {
                let (_, len) = self.memory(mem);
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let r = if self.index64(mem) {
                    self.path(JitPath::MemorySize64);
                    pages
                } else {
                    self.path(JitPath::MemorySize32);
                    self.b.ins().ireduce(i32t, pages)
                };
                self.push(r);
            }
            O::MemoryGrow { mem } => {
                let d = self.pop();
                let d = self.widen_u64(d);
                let m = self.iconst32(mem);
                let old = self
                    .callback(Callback::MemoryGrow, &[m, d])
                    .expect("returns");
                // -1 (all ones) stays -1 when narrowed.
                let r = if self.index64(mem) {
                    self.path(JitPath::MemoryGrow64);
                    old
                } else {
                    self.path(JitPath::MemoryGrow32);
                    self.b.ins().ireduce(i32t, old)
                };
                self.push(r);
            }
            O::MemoryFill { mem } => {
                let n = self.pop_n(3);
                let m = self.iconst32(mem);
                let (d, len) = (self.widen_u64(n[0]), self.widen_u64(n[2]));
                self.callback(Callback::MemoryFill, &[m, d, n[1], len]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let n = self.pop_n(3);
                let (dm, sm) = (self.iconst32(dst_mem), self.iconst32(src_mem));
                let (d, s, len) = (
                    self.widen_u64(n[0]),
                    self.widen_u64(n[1]),
                    self.widen_u64(n[2]),
                );
                self.callback(Callback::MemoryCopy, &[dm, sm, d, s, len]);
            }
            O::MemoryInit { data_index, mem } => {
                let n = self.pop_n(3);
                let (m, seg) = (self.iconst32(mem), self.iconst32(data_index));
                let d = self.widen_u64(n[0]);
                self.callback(Callback::MemoryInit, &[m, seg, d, n[1], n[2]]);
            }
            _ => return false,
        }
        true
    }
}
