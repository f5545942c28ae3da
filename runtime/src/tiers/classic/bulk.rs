//! The 0xFC-prefixed instructions: saturating conversions and the bulk
//! memory and table operations.

use super::decode::u32_leb;
use super::exec::Cursor;
use super::ClassicTier;
use crate::store::StoreData;
use crate::trap::{Trap, TrapCode};

/// `[start, start + len)` if it fits in `size`.
fn span(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
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
                u32_leb(code, &mut cur.pc);
                let (n, s, d) = (
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                );
                let bytes = data.datas[data.instances[inst].datas[seg] as usize]
                    .bytes
                    .clone();
                let mem = &mut data.memories[cur.mem.expect("validated: memory exists")];
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
                u32_leb(code, &mut cur.pc);
                u32_leb(code, &mut cur.pc);
                let (n, s, d) = (
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                );
                let mem = &mut data.memories[cur.mem.expect("validated: memory exists")];
                let src = span(s, n, mem.data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                let dst = span(d, n, mem.data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                if crate::fault::active(crate::fault::Fault::ClassicCopyOverlapForward) {
                    for (to, from) in dst.zip(src) {
                        mem.data[to] = mem.data[from];
                    }
                } else {
                    mem.data.copy_within(src, d as usize);
                }
            }
            11 => {
                u32_leb(code, &mut cur.pc);
                let (n, v, d) = (pop() as u32 as u64, pop() as u8, pop() as u32 as u64);
                let mem = &mut data.memories[cur.mem.expect("validated: memory exists")];
                let dst = span(d, n, mem.data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
                mem.data[dst].fill(v);
            }
            12 => {
                let seg = u32_leb(code, &mut cur.pc) as usize;
                let table = Self::table_addr(data, cur, code);
                let (n, s, d) = (
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                );
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
                let dst_table = Self::table_addr(data, cur, code);
                let src_table = Self::table_addr(data, cur, code);
                let (n, s, d) = (
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                    pop() as u32 as u64,
                );
                let src = span(s, n, data.tables[src_table].elements.len())
                    .ok_or(TrapCode::TableOutOfBounds)?;
                let dst = span(d, n, data.tables[dst_table].elements.len())
                    .ok_or(TrapCode::TableOutOfBounds)?;
                if src_table == dst_table {
                    data.tables[dst_table].elements.copy_within(src, dst.start);
                } else {
                    let items = data.tables[src_table].elements[src].to_vec();
                    data.tables[dst_table].elements[dst].copy_from_slice(&items);
                }
            }
            15 => {
                let table = Self::table_addr(data, cur, code);
                let (n, init) = (pop() as u32, pop());
                let old = data.tables[table]
                    .grow(n, init)
                    .map_or(-1, |old| old as i32);
                self.stack.push(old as u32 as u64);
            }
            16 => {
                let table = Self::table_addr(data, cur, code);
                self.stack.push(data.tables[table].size() as u64);
            }
            17 => {
                let table = Self::table_addr(data, cur, code);
                let (n, v, d) = (pop() as u32 as u64, pop(), pop() as u32 as u64);
                let elements = &mut data.tables[table].elements;
                let dst = span(d, n, elements.len()).ok_or(TrapCode::TableOutOfBounds)?;
                elements[dst].fill(v);
            }
            _ => unreachable!("0xfc {sub} passed validation but is not in WebAssembly 2.0"),
        }
        Ok(())
    }
}
