//! Globals, tables and bulk memory: the instructions that reach into the
//! store, out of line so the hot handlers stay small.
//!
//! Functions taking `ip` decode their own operands (handlers pass only
//! scalars to out-of-line code; see the dispatch module's Dev. Note).
//! Indices into the instance and the store are checked (they come from
//! validated wasm, but a check costs little off the hot path); slots are
//! read unchecked like everywhere in the executor.

use super::dispatch::{Ip, Sp};
use super::exec::Ctx;
use super::ir::Slot;
use super::shapes::{Bulk, Grow, Sto};
use crate::trap::TrapCode;
use crate::types::TypeId;
use std::sync::Arc;

/// Reads slot `s` of the frame at `sp`.
#[inline(always)]
fn rd(sp: Sp, s: Slot) -> u64 {
    // SAFETY: verified operand slots are inside the running frame.
    unsafe { *sp.add(s as usize) }
}

/// Writes slot `s` of the frame at `sp`.
#[inline(always)]
fn wr(sp: Sp, s: Slot, v: u64) {
    // SAFETY: verified operand slots are inside the running frame.
    unsafe { *sp.add(s as usize) = v }
}

/// The operands of the instruction at `ip`.
#[inline(always)]
fn operands<T: Copy>(ip: Ip) -> T {
    // SAFETY: the handler calling us has operands of shape `T` at `ip`.
    unsafe { ip.add(1).cast::<T>().read() }
}

/// `[start, start + len)` if it fits in `size`.
fn span(start: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>, ()> {
    let end = start.checked_add(len).ok_or(())?;
    if end <= size as u64 {
        Ok(start as usize..end as usize)
    } else {
        Err(())
    }
}

/// The store address of the running instance's table `table`.
#[inline(always)]
fn table_addr(cx: &Ctx, table: u32) -> usize {
    cx.instance().tables[table as usize] as usize
}

/// Element `index` of the running instance's table `table`, if in bounds.
#[inline(always)]
pub(super) fn table_element(cx: &Ctx, table: u32, index: u64) -> Option<u64> {
    let t = table_addr(cx, table);
    // SAFETY: a shared view of the store, used only within this function.
    let data = unsafe { &*cx.data };
    let index = usize::try_from(index).ok()?;
    data.tables[t].elements.get(index).copied()
}

/// An index, size or length operand: all 64 bits for a 64-bit memory or
/// table (`wide`), the low 32 otherwise.
#[inline(always)]
fn operand(raw: u64, wide: bool) -> u64 {
    if wide {
        raw
    } else {
        raw as u32 as u64
    }
}

/// The store address of the running instance's memory `mem`, and whether
/// it is a 64-bit memory.
fn memory(cx: &Ctx, mem: u32) -> (usize, bool) {
    let m = cx.instance().memories[mem as usize] as usize;
    // SAFETY: a shared view of the store, used only within this function.
    let data = unsafe { &*cx.data };
    (m, data.memories[m].ty.index64)
}

/// Whether the running instance's table `table` is a 64-bit table.
fn table_wide(cx: &Ctx, table: u32) -> bool {
    let t = table_addr(cx, table);
    // SAFETY: a shared view of the store, used only within this function.
    let data = unsafe { &*cx.data };
    data.tables[t].ty.index64
}

/// Whether store function `raw` (not null) has canonical signature `ty`.
#[inline(never)]
pub(super) fn has_type(cx: &Ctx, raw: u64, ty: u32) -> bool {
    // SAFETY: a shared view of the store, used only within this function.
    let data = unsafe { &*cx.data };
    data.funcs
        .get(raw as usize)
        .is_some_and(|f| f.type_id() == TypeId(ty))
}

#[inline(always)]
fn global(cx: &Ctx, idx: u32) -> *mut u64 {
    let g = cx.instance().globals[idx as usize] as usize;
    // SAFETY: the store outlives the call; the pointer is used at once.
    let data = unsafe { &mut *cx.data };
    &mut data.globals[g].value
}

#[inline(always)]
pub(super) fn global_get(cx: &Ctx, idx: u32) -> u64 {
    // SAFETY: `global` points at a live global.
    unsafe { *global(cx, idx) }
}

#[inline(always)]
pub(super) fn global_set(cx: &Ctx, idx: u32, v: u64) {
    // SAFETY: `global` points at a live global.
    unsafe { *global(cx, idx) = v }
}

fn global_inst(cx: &Ctx, idx: u32) -> *mut crate::store::GlobalInst {
    let g = cx.instance().globals[idx as usize] as usize;
    // SAFETY: the store outlives the call; the pointer is used at once.
    let data = unsafe { &mut *cx.data };
    &mut data.globals[g]
}

/// A `v128` global's value (low half in `value`, high in `hi`).
#[inline(never)]
pub(super) fn global_get_v(cx: &Ctx, idx: u32) -> u128 {
    // SAFETY: `global_inst` points at a live global.
    let g = unsafe { &*global_inst(cx, idx) };
    g.value as u128 | (g.hi as u128) << 64
}

#[inline(never)]
pub(super) fn global_set_v(cx: &Ctx, idx: u32, v: u128) {
    // SAFETY: `global_inst` points at a live global.
    let g = unsafe { &mut *global_inst(cx, idx) };
    g.value = v as u64;
    g.hi = (v >> 64) as u64;
}

/// Base and length of memory `mem` of the running instance (not memory 0,
/// which the handlers keep in registers).
#[inline(never)]
pub(super) fn memory_view(cx: &mut Ctx, mem: u32) -> (super::dispatch::Mem, usize) {
    let m = cx.instance().memories[mem as usize] as usize;
    // SAFETY: no other store reference is alive in a slow path.
    let d = &mut unsafe { cx.store() }.memories[m].data;
    (d.as_mut_ptr(), d.len())
}

/// `memory.grow`; the handler reloads the memory base and length after it.
#[inline(never)]
/// (Scalars in and out: see the module docs.) Returns the old size in
/// pages, or -1 of the memory's index type.
pub(super) fn memory_grow(cx: &mut Ctx, mem: u32, delta: u64) -> u64 {
    let (m, wide) = memory(cx, mem);
    // SAFETY: no other store reference is alive in a slow path.
    let data = unsafe { cx.store() };
    if wide {
        data.grow_memory(m, delta).unwrap_or(u64::MAX)
    } else {
        data.grow_memory(m, delta as u32 as u64)
            .map_or(u32::MAX, |o| o as u32) as u64
    }
}

/// `memory.size` of memory `mem` (in pages).
#[inline(never)]
pub(super) fn memory_size(cx: &mut Ctx, mem: u32) -> u64 {
    let (m, _) = memory(cx, mem);
    // SAFETY: no other store reference is alive in a slow path.
    (unsafe { cx.store() }.memories[m].data.len() / crate::store::PAGE_SIZE) as u64
}

#[inline(never)]
pub(super) fn memory_fill(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let (mem, wide) = memory(cx, o.x);
    let (d, v, n) = (
        operand(rd(sp, o.d), wide),
        rd(sp, o.s) as u8,
        operand(rd(sp, o.n), wide),
    );
    // SAFETY: no other store reference is alive in a slow path.
    let m = &mut unsafe { cx.store() }.memories[mem].data;
    let dst = span(d, n, m.len()).map_err(|_| TrapCode::MemoryOutOfBounds)?;
    m[dst].fill(v);
    Ok(())
}

#[inline(never)]
/// `memory.copy`: `x` is the destination memory, `y` the source; the
/// length has the smaller index type of the two.
pub(super) fn memory_copy(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let ((dm, dw), (sm, sw)) = (memory(cx, o.x), memory(cx, o.y));
    let (d, s, n) = (
        operand(rd(sp, o.d), dw),
        operand(rd(sp, o.s), sw),
        operand(rd(sp, o.n), dw && sw),
    );
    // SAFETY: no other store reference is alive in a slow path.
    let mems = &mut unsafe { cx.store() }.memories;
    let src = span(s, n, mems[sm].data.len()).map_err(|_| TrapCode::MemoryOutOfBounds)?;
    let dst_len = if crate::fault::active(crate::fault::Fault::FastCopyWrongMemoryLength) {
        mems[sm].data.len()
    } else {
        mems[dm].data.len()
    };
    let dst = span(d, n, dst_len).map_err(|_| TrapCode::MemoryOutOfBounds)?;
    if dm == sm {
        mems[dm].data.copy_within(src, dst.start);
    } else {
        let bytes = mems[sm].data[src].to_vec();
        // Under the fault the range may lie past the destination's end:
        // the copy is clipped there (a wrong result, never a wild write).
        let m = &mut mems[dm].data;
        let end = dst.end.min(m.len());
        let start = dst.start.min(end);
        m[start..end].copy_from_slice(&bytes[..end - start]);
    }
    Ok(())
}

/// `memory.init`: `x` is the data segment.
#[inline(never)]
pub(super) fn memory_init(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let (mem, wide) = memory(cx, o.y);
    let (d, s, n) = (
        operand(rd(sp, o.d), wide),
        rd(sp, o.s) as u32 as u64,
        rd(sp, o.n) as u32 as u64,
    );
    let seg = cx.instance().datas[o.x as usize] as usize;
    // SAFETY: no other store reference is alive in a slow path.
    let data = unsafe { cx.store() };
    let bytes = &data.datas[seg].bytes;
    let m = &mut data.memories[mem].data;
    let src = span(s, n, bytes.len()).map_err(|_| TrapCode::MemoryOutOfBounds)?;
    let dst = span(d, n, m.len()).map_err(|_| TrapCode::MemoryOutOfBounds)?;
    m[dst].copy_from_slice(&bytes[src]);
    Ok(())
}

#[inline(never)]
pub(super) fn data_drop(cx: &mut Ctx, idx: u32) {
    let seg = cx.instance().datas[idx as usize] as usize;
    // SAFETY: no other store reference is alive in a slow path.
    unsafe { cx.store() }.datas[seg].bytes = Arc::from(&[][..]);
}

/// `table.set`: `offset` is the table.
#[inline(never)]
pub(super) fn table_set(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Sto = operands(ip);
    let t = table_addr(cx, o.offset);
    // SAFETY: no other store reference is alive in a slow path.
    let wide = table_wide(cx, o.offset);
    let elements = &mut unsafe { cx.store() }.tables[t].elements;
    let index =
        usize::try_from(operand(rd(sp, o.addr), wide)).map_err(|_| TrapCode::TableOutOfBounds)?;
    let slot = elements.get_mut(index).ok_or(TrapCode::TableOutOfBounds)?;
    *slot = rd(sp, o.src);
    Ok(())
}

#[inline(never)]
pub(super) fn table_size(cx: &mut Ctx, table: u32) -> u64 {
    let t = table_addr(cx, table);
    // SAFETY: no other store reference is alive in a slow path.
    unsafe { cx.store() }.tables[t].size() as u64
}

#[inline(never)]
pub(super) fn table_grow(cx: &mut Ctx, ip: Ip, sp: Sp) {
    let o: Grow = operands(ip);
    let t = table_addr(cx, o.table);
    let wide = table_wide(cx, o.table);
    // SAFETY: no other store reference is alive in a slow path.
    let data = unsafe { cx.store() };
    let old = if wide {
        data.grow_table(t, rd(sp, o.n), rd(sp, o.init))
            .unwrap_or(u64::MAX)
    } else {
        data.grow_table(t, rd(sp, o.n) as u32 as u64, rd(sp, o.init))
            .map_or(u32::MAX, |o| o as u32) as u64
    };
    wr(sp, o.dst, old);
}

/// `table.fill`: `x` is the table.
#[inline(never)]
pub(super) fn table_fill(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let t = table_addr(cx, o.x);
    let wide = table_wide(cx, o.x);
    let (d, v, n) = (
        operand(rd(sp, o.d), wide),
        rd(sp, o.s),
        operand(rd(sp, o.n), wide),
    );
    // SAFETY: no other store reference is alive in a slow path.
    let elements = &mut unsafe { cx.store() }.tables[t].elements;
    let dst = span(d, n, elements.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
    elements[dst].fill(v);
    Ok(())
}

/// `table.copy`: `x` is the destination table, `y` the source.
#[inline(never)]
pub(super) fn table_copy(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let (dt, st) = (table_addr(cx, o.x), table_addr(cx, o.y));
    let (dw, sw) = (table_wide(cx, o.x), table_wide(cx, o.y));
    let (d, s, n) = (
        operand(rd(sp, o.d), dw),
        operand(rd(sp, o.s), sw),
        operand(rd(sp, o.n), dw && sw),
    );
    // SAFETY: no other store reference is alive in a slow path.
    let tables = &mut unsafe { cx.store() }.tables;
    let src = span(s, n, tables[st].elements.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
    let dst = span(d, n, tables[dt].elements.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
    if dt == st {
        tables[dt].elements.copy_within(src, dst.start);
    } else {
        let items = tables[st].elements[src].to_vec();
        tables[dt].elements[dst].copy_from_slice(&items);
    }
    Ok(())
}

/// `table.init`: `x` is the element segment, `y` the table.
#[inline(never)]
pub(super) fn table_init(cx: &mut Ctx, ip: Ip, sp: Sp) -> Result<(), TrapCode> {
    let o: Bulk = operands(ip);
    let t = table_addr(cx, o.y);
    let seg = cx.instance().elems[o.x as usize] as usize;
    let wide = table_wide(cx, o.y);
    let (d, s, n) = (
        operand(rd(sp, o.d), wide),
        rd(sp, o.s) as u32 as u64,
        rd(sp, o.n) as u32 as u64,
    );
    // SAFETY: no other store reference is alive in a slow path.
    let data = unsafe { cx.store() };
    let items = &data.elems[seg].items;
    let src = span(s, n, items.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
    let dst = span(d, n, data.tables[t].elements.len()).map_err(|_| TrapCode::TableOutOfBounds)?;
    let items = items[src].to_vec();
    data.tables[t].elements[dst].copy_from_slice(&items);
    Ok(())
}

#[inline(never)]
pub(super) fn elem_drop(cx: &mut Ctx, idx: u32) {
    let seg = cx.instance().elems[idx as usize] as usize;
    // SAFETY: no other store reference is alive in a slow path.
    unsafe { cx.store() }.elems[seg].items = Vec::new();
}
