//! The 0xFC-prefixed instructions: saturating conversions and the bulk
//! memory and table operations. Each memory operation names its memories;
//! operands that address a 64-bit memory are i64 (a copy's length is an
//! i64 only when both memories are 64-bit).

use super::decode::u32_leb;
use super::exec::Cursor;
use super::memory::MemRef;
use super::paths::{self, ClassicPath};
use super::ClassicTier;
use crate::store::StoreData;
use crate::trap::{Trap, TrapCode};

/// `[start, start + len)` if it fits in `size`.
fn span(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
}

/// Copies bytes `src` of memory `from` to bytes `dst` (as long) of memory
/// `to`, which may be the same memory (then the ranges may overlap).
fn copy_between(
    memories: &mut [crate::store::MemInst],
    (from, src): (usize, std::ops::Range<usize>),
    (to, dst): (usize, std::ops::Range<usize>),
) {
    if from == to {
        memories[to].data.copy_within(src, dst.start);
    } else if from < to {
        let (a, b) = memories.split_at_mut(to);
        b[0].data[dst].copy_from_slice(&a[from].data[src]);
    } else {
        let (a, b) = memories.split_at_mut(from);
        let (mut src, mut dst) = (src, dst);
        if crate::fault::active(crate::fault::Fault::ClassicCopyDownShort) && !src.is_empty() {
            src.end -= 1;
            dst.end -= 1;
        }
        a[to].data[dst].copy_from_slice(&b[0].data[src]);
    }
}

impl ClassicTier {
    pub(super) fn exec_fc(
        &mut self,
        data: &mut StoreData,
        cur: &mut Cursor,
        code: &[u8],
        sub: u32,
    ) -> Result<(), Trap> {
        let mut pop = || self.stack.pop().expect("validated: operand present");
        let inst = cur.instance as usize;
        match sub {
            0..=7 => {
                let r = pop();
                let (f32v, f64v) = (f32::from_bits(r as u32), f64::from_bits(r));
                // Rust's float-to-int `as` saturates and maps NaN to 0, exactly as wasm's trunc_sat.
                let v = match sub {
                    0 => f32v as i32 as u32 as u64,
                    1 => f32v as u32 as u64,
                    2 => f64v as i32 as u32 as u64,
                    3 => f64v as u32 as u64,
                    4 => f32v as i64 as u64,
                    5 => f32v as u64,
                    6 => f64v as i64 as u64,
                    _ => f64v as u64,
                };
                self.stack.push(v);
            }
            8 => {
                let seg = u32_leb(code, &mut cur.pc) as usize;
                let m = MemRef::read(data, cur, code);
                let (n, s, d) = (pop() as u32 as u64, pop() as u32 as u64, pop() & m.mask);
                let bytes = data.datas[data.instances[inst].datas[seg] as usize]
                    .bytes
                    .clone();
                let mem = &mut data.memories[m.addr];
                let mut src = span(s, n, bytes.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                let dst = span(d, n, mem.data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                if crate::fault::active(crate::fault::Fault::ClassicInitFromSegmentStart) {
                    src = 0..src.len();
                }
                mem.data[dst].copy_from_slice(&bytes[src]);
            }
            9 => {
                let seg = u32_leb(code, &mut cur.pc) as usize;
                let addr = data.instances[inst].datas[seg] as usize;
                data.datas[addr].bytes = std::sync::Arc::from(&[][..]);
            }
            10 => {
                let dst_mem = MemRef::read(data, cur, code);
                let src_mem = MemRef::read(data, cur, code);
                // The length has the smaller of the two address types.
                let (n, s, d) = (
                    pop() & dst_mem.mask & src_mem.mask,
                    pop() & src_mem.mask,
                    pop() & dst_mem.mask,
                );
                let src_len = data.memories[src_mem.addr].data.len();
                let dst_len = data.memories[dst_mem.addr].data.len();
                let src = span(s, n, src_len).ok_or(TrapCode::MemoryOutOfBounds)?;
                let dst = span(d, n, dst_len).ok_or(TrapCode::MemoryOutOfBounds)?;
                paths::hit(
                    data,
                    match src_mem.addr.cmp(&dst_mem.addr) {
                        std::cmp::Ordering::Equal => ClassicPath::CopyWithinMemory,
                        std::cmp::Ordering::Less => ClassicPath::CopyToHigherMemory,
                        std::cmp::Ordering::Greater => ClassicPath::CopyToLowerMemory,
                    },
                );
                if src_mem.addr == dst_mem.addr
                    && crate::fault::active(crate::fault::Fault::ClassicCopyOverlapForward)
                {
                    let mem = &mut data.memories[dst_mem.addr].data;
                    for (to, from) in dst.zip(src) {
                        mem[to] = mem[from];
                    }
                } else {
                    copy_between(&mut data.memories, (src_mem.addr, src), (dst_mem.addr, dst));
                }
            }
            11 => {
                let m = MemRef::read(data, cur, code);
                let (n, v, d) = (pop() & m.mask, pop() as u8, pop() & m.mask);
                let mem = &mut data.memories[m.addr];
                let dst = span(d, n, mem.data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                mem.data[dst].fill(v);
            }
            12 => {
                let seg = u32_leb(code, &mut cur.pc) as usize;
                let (table, mask) = Self::table_ref(data, cur, code);
                let (n, s, d) = (pop() as u32 as u64, pop() as u32 as u64, pop() & mask);
                let items = &data.elems[data.instances[inst].elems[seg] as usize].items;
                let src = span(s, n, items.len()).ok_or(TrapCode::TableOutOfBounds)?;
                let dst = span(d, n, data.tables[table].elements.len())
                    .ok_or(TrapCode::TableOutOfBounds)?;
                let items = items[src].to_vec();
                data.tables[table].elements[dst].copy_from_slice(&items);
            }
            13 => {
                let seg = u32_leb(code, &mut cur.pc) as usize;
                let addr = data.instances[inst].elems[seg] as usize;
                data.elems[addr].items = Vec::new();
            }
            14 => {
                let (dst_table, dst_mask) = Self::table_ref(data, cur, code);
                let (src_table, src_mask) = Self::table_ref(data, cur, code);
                // The length has the smaller of the two index types.
                let (n, s, d) = (
                    pop() & (dst_mask & src_mask),
                    pop() & src_mask,
                    pop() & dst_mask,
                );
                let src = span(s, n, data.tables[src_table].elements.len())
                    .ok_or(TrapCode::TableOutOfBounds)?;
                let dst = span(d, n, data.tables[dst_table].elements.len())
                    .ok_or(TrapCode::TableOutOfBounds)?;
                if src_table == dst_table {
                    paths::hit(data, ClassicPath::TableCopyWithin);
                    data.tables[dst_table].elements.copy_within(src, dst.start);
                } else {
                    paths::hit(data, ClassicPath::TableCopyBetween);
                    let items = data.tables[src_table].elements[src].to_vec();
                    data.tables[dst_table].elements[dst].copy_from_slice(&items);
                }
            }
            15 => {
                let (table, mask) = Self::table_ref(data, cur, code);
                let (n, init) = (pop() & mask, pop());
                // -1 in the table's index type is its mask.
                let old = data.grow_table(table, n, init).unwrap_or(mask);
                self.stack.push(old);
            }
            16 => {
                let table = Self::table_addr(data, cur, code);
                self.stack.push(data.tables[table].size() as u64);
            }
            17 => {
                let (table, mask) = Self::table_ref(data, cur, code);
                let (n, v, d) = (pop() & mask, pop(), pop() & mask);
                let elements = &mut data.tables[table].elements;
                let dst = span(d, n, elements.len()).ok_or(TrapCode::TableOutOfBounds)?;
                elements[dst].fill(v);
            }
            _ => unreachable!("0xfc {sub} passed validation but the tier lacks it"),
        }
        Ok(())
    }
}
