//! The VM context native code runs against, and the `extern "C"` callbacks
//! through which it reaches the store.
//!
//! Native code never holds a Rust reference: it reads and writes the
//! context's fields at fixed offsets. Every callback that can move memory,
//! globals or table elements (anything that runs other code, grows memory or
//! grows a table) refreshes the caller's context before it returns; native
//! code re-reads the memory base and length from the context after every
//! call and callback, and a table's base and length at every
//! `call_indirect`, so no stale pointer survives a callback.

use super::paths::JitPath;
use crate::store::{FuncInst, GlobalInst, InstanceId, StoreData};
use crate::trap::{Trap, TrapCode};
use crate::values::{FuncAddr, ValType, NULL_REF};
use std::mem::offset_of;

/// Per-instance state shared with native code. `#[repr(C)]`: the compiler
/// bakes the field offsets below into every function.
#[repr(C)]
pub(super) struct VmCtx {
    /// Base of the instance's memory 0 (dangling but non-null when empty).
    pub mem_base: *mut u8,
    /// Length of memory 0 in bytes.
    pub mem_len: u64,
    /// Base of the store's global array (`StoreData::globals`).
    pub globals: *mut u8,
    /// Fuel left; `u64::MAX` is unlimited.
    pub fuel: u64,
    /// Live wasm frames.
    pub depth: u64,
    /// `Limits::max_call_depth`.
    pub max_depth: u64,
    /// Lowest native stack address wasm frames may use.
    pub stack_limit: u64,
    /// The pending trap: 0 for none, else [`encode_trap`].
    pub trap: u32,
    /// Store address of memory 0, `u32::MAX` if the instance has none.
    pub mem: u32,
    /// The store, valid while a call runs.
    pub store: *mut StoreData,
    /// The tier's run-time tables, valid while a call runs.
    pub runtime: *mut Runtime,
    /// Index of the instance this context belongs to.
    pub instance: u32,
    /// Code address of each defined function, 0 until compiled (see
    /// `lazy`).
    pub code_table: *const usize,
    /// Base and length of each of the instance's tables, for native
    /// `call_indirect`; [`refresh`] keeps them current.
    pub table_views: *mut TableView,
    /// Base and length of each of the instance's memories (memory 0 too),
    /// where native code finds memories other than 0; [`refresh`] keeps
    /// them current.
    pub mem_views: *mut MemView,
}

/// Where native code finds a memory's bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(super) struct MemView {
    pub base: *mut u8,
    pub len: u64,
}

impl Default for MemView {
    fn default() -> MemView {
        MemView {
            base: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
        }
    }
}

pub(super) const MEM_VIEW_BASE: i32 = offset_of!(MemView, base) as i32;
pub(super) const MEM_VIEW_LEN: i32 = offset_of!(MemView, len) as i32;
pub(super) const MEM_VIEW_SIZE: usize = std::mem::size_of::<MemView>();

/// Where native code finds a table's elements (raw function addresses).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(super) struct TableView {
    pub base: *const u64,
    pub len: u64,
}

impl Default for TableView {
    fn default() -> TableView {
        TableView {
            base: std::ptr::null(),
            len: 0,
        }
    }
}

pub(super) const OFF_MEM_BASE: i32 = offset_of!(VmCtx, mem_base) as i32;
pub(super) const OFF_MEM_LEN: i32 = offset_of!(VmCtx, mem_len) as i32;
pub(super) const OFF_GLOBALS: i32 = offset_of!(VmCtx, globals) as i32;
pub(super) const OFF_FUEL: i32 = offset_of!(VmCtx, fuel) as i32;
pub(super) const OFF_DEPTH: i32 = offset_of!(VmCtx, depth) as i32;
pub(super) const OFF_MAX_DEPTH: i32 = offset_of!(VmCtx, max_depth) as i32;
pub(super) const OFF_STACK_LIMIT: i32 = offset_of!(VmCtx, stack_limit) as i32;
pub(super) const OFF_TRAP: i32 = offset_of!(VmCtx, trap) as i32;
pub(super) const OFF_CODE_TABLE: i32 = offset_of!(VmCtx, code_table) as i32;

/// Where a global's value sits in the store's global array.
pub(super) fn global_offset(addr: u32) -> i64 {
    (addr as usize * std::mem::size_of::<GlobalInst>() + offset_of!(GlobalInst, value)) as i64
}

/// Where a `v128` global's high 64 bits sit, relative to its value
/// ([`global_offset`]): lane bytes 8..16.
pub(super) const GLOBAL_HI_DELTA: i64 =
    offset_of!(GlobalInst, hi) as i64 - offset_of!(GlobalInst, value) as i64;

/// The trap slot's encoding of a code (never 0).
pub(super) fn encode_trap(code: TrapCode) -> u32 {
    TrapCode::ALL
        .iter()
        .position(|&c| c == code)
        .expect("every code is in ALL") as u32
        + 1
}

/// The code a trap slot holds, if any.
pub(super) fn decode_trap(raw: u32) -> Option<TrapCode> {
    raw.checked_sub(1)
        .and_then(|i| TrapCode::ALL.get(i as usize).copied())
}

/// Signature of every entry trampoline: calls the compiled function at
/// `code` with the arguments in `buf` and writes its results back to `buf`;
/// returns 0, or nonzero with the trap in the context. One trampoline
/// serves every function of one wasm signature.
pub(super) type Trampoline = unsafe extern "C" fn(*mut VmCtx, *mut u64, *const u8) -> u32;

/// How Rust enters one compiled function.
#[derive(Clone, Copy)]
pub(super) struct Entry {
    pub trampoline: Trampoline,
    pub code: *const u8,
}

/// The tier's state, reachable from callbacks through the context: every
/// instance's context, every wasm function's entry by store address, and
/// (for lazy compilation) the compiler and the code map.
#[derive(Default)]
pub(super) struct Runtime {
    pub ctxs: Vec<*mut VmCtx>,
    pub entries: Vec<Option<Entry>>,
    pub jit: Option<super::Jit>,
    pub map: super::CodeMap,
    /// Each prepared instance's code table and native `call_indirect`
    /// tables, by instance index.
    pub instances: std::collections::HashMap<u32, super::instance_code::InstanceCode>,
    /// A host function's trap, kept whole (with its message).
    pub host_trap: Option<Trap>,
}

/// Points `ctx` at the current memory and globals of the store.
///
/// # Safety
/// `ctx` must point to a live context.
pub(super) unsafe fn refresh(ctx: *mut VmCtx, data: &mut StoreData) {
    // SAFETY: the caller guarantees `ctx` is live; raw field writes only.
    unsafe {
        let mem = (*ctx).mem;
        if mem != u32::MAX {
            let m = &mut data.memories[mem as usize].data;
            (*ctx).mem_base = m.as_mut_ptr();
            (*ctx).mem_len = m.len() as u64;
        }
        (*ctx).globals = data.globals.as_mut_ptr().cast();
        let inst = &data.instances[(*ctx).instance as usize];
        let mems = (*ctx).mem_views;
        if !mems.is_null() {
            for (i, &m) in inst.memories.iter().enumerate() {
                let bytes = &mut data.memories[m as usize].data;
                *mems.add(i) = MemView {
                    base: bytes.as_mut_ptr(),
                    len: bytes.len() as u64,
                };
            }
        }
        let views = (*ctx).table_views;
        if !views.is_null() {
            for (i, &t) in inst.tables.iter().enumerate() {
                let elements = &data.tables[t as usize].elements;
                *views.add(i) = TableView {
                    base: elements.as_ptr(),
                    len: elements.len() as u64,
                };
            }
        }
    }
}

/// Runs store function `addr` with `buf` holding its arguments, leaving its
/// results in `buf`. Used by the entry point and by every non-direct call.
///
/// # Safety
/// `caller` is a live context whose `store` and `runtime` are valid, and
/// `buf` holds at least max(params, results) slots.
pub(super) unsafe fn call_addr(caller: *mut VmCtx, addr: FuncAddr, buf: *mut u64) -> u32 {
    // SAFETY: per the contract above; native code is suspended in this
    // callback, so the store and runtime are not otherwise borrowed.
    unsafe {
        let data = &mut *(*caller).store;
        let rt = (*caller).runtime;
        let status = match &data.funcs[addr.0 as usize] {
            FuncInst::Host { ty, .. } => {
                let (np, nr) = (slots(&ty.params), slots(&ty.results));
                super::paths::hit(data, JitPath::RuntimeCallHost);
                let args = std::slice::from_raw_parts(buf, np).to_vec();
                let instance = Some(InstanceId((*caller).instance));
                match data.call_host(addr, instance, &args) {
                    Ok(results) => {
                        debug_assert_eq!(results.len(), nr);
                        std::ptr::copy_nonoverlapping(results.as_ptr(), buf, results.len());
                        0
                    }
                    Err(trap) => keep_trap(caller, rt, trap),
                }
            }
            FuncInst::Wasm {
                instance, index, ..
            } => {
                let (instance, index) = (*instance, *index);
                let callee = (&(*rt).ctxs)[instance.0 as usize];
                let Some(mut entry) = (&(*rt).entries)[addr.0 as usize] else {
                    let message = format!("jit tier: function {} has no code", addr.0);
                    return keep_trap(caller, rt, Trap::host(message));
                };
                if entry.code.is_null() {
                    super::paths::hit(data, JitPath::RuntimeCallCompileFirst);
                    let module = &data.instances[instance.0 as usize].module;
                    let defined = (index - module.num_imported_funcs) as usize;
                    match super::lazy::ensure_compiled(&mut *rt, data, instance.0, defined) {
                        Ok(code) => entry.code = code,
                        Err(e) => return keep_trap(caller, rt, Trap::host(e.to_string())),
                    }
                }
                super::paths::hit(data, JitPath::RuntimeCallCompiled);
                if callee != caller {
                    super::paths::hit(data, JitPath::RuntimeCallOtherInstance);
                    (*callee).fuel = (*caller).fuel;
                    (*callee).depth = (*caller).depth;
                    (*callee).max_depth = (*caller).max_depth;
                    (*callee).stack_limit = (*caller).stack_limit;
                    (*callee).store = (*caller).store;
                    (*callee).runtime = rt;
                    refresh(callee, data);
                }
                let status = (entry.trampoline)(callee, buf, entry.code);
                if callee != caller {
                    (*caller).fuel = (*callee).fuel;
                    (*caller).trap = (*callee).trap;
                }
                status
            }
        };
        refresh(caller, &mut *(*caller).store);
        status
    }
}

/// How many 64-bit slots values of these types take (a `v128` two).
pub(super) fn slots(types: &[ValType]) -> usize {
    types.iter().map(|t| t.slots()).sum()
}

/// Stores a trap that carries more than its code (a host function's, or a
/// host error with its message) and returns the nonzero status.
///
/// # Safety
/// `ctx` and `rt` must point to a live context and the tier's runtime.
pub(super) unsafe fn keep_trap(ctx: *mut VmCtx, rt: *mut Runtime, trap: Trap) -> u32 {
    // SAFETY: the caller guarantees both are live.
    unsafe {
        (*ctx).trap = encode_trap(trap.code);
        (*rt).host_trap = Some(trap);
    }
    1
}

/// Stores a trap in the context and returns the nonzero status.
///
/// # Safety
/// `ctx` must point to a live context.
unsafe fn trap(ctx: *mut VmCtx, code: TrapCode) -> u32 {
    // SAFETY: the caller guarantees `ctx` is live.
    unsafe { (*ctx).trap = encode_trap(code) };
    1
}

/// Counts a runtime path in the store, if it records tier paths.
fn count(ctx: *mut VmCtx, path: JitPath) {
    // SAFETY: only callbacks call this, with the live context native code
    // passed them; its store pointer is valid and not otherwise borrowed
    // while native code is suspended in the callback.
    unsafe { super::paths::hit(&mut *(*ctx).store, path) }
}

/// The store, the calling instance and the context, for table and bulk callbacks.
///
/// # Safety
/// `ctx` is live and its `store` valid; native code is suspended meanwhile.
unsafe fn parts<'a>(ctx: *mut VmCtx) -> (&'a mut StoreData, usize) {
    // SAFETY: per the contract above.
    unsafe { (&mut *(*ctx).store, (*ctx).instance as usize) }
}

/// `[start, start + len)` if it fits in `size`.
fn span(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
}

pub(super) extern "C" fn cb_call(ctx: *mut VmCtx, addr: u32, buf: *mut u64) -> u32 {
    count(ctx, JitPath::CallbackCall);
    // SAFETY: native code passes its own live context and a call buffer
    // sized for the callee's signature.
    unsafe { call_addr(ctx, FuncAddr(addr), buf) }
}

pub(super) extern "C" fn cb_call_indirect(
    ctx: *mut VmCtx,
    table: u32,
    ty: u32,
    index: u64,
    buf: *mut u64,
) -> u32 {
    count(ctx, JitPath::CallbackCallIndirect);
    // SAFETY: native code passes its own live context and a call buffer
    // sized for the expected signature, which is checked below.
    unsafe {
        let (data, inst) = parts(ctx);
        let inst = &data.instances[inst];
        let expected = inst.type_ids[ty as usize];
        let t = &data.tables[inst.tables[table as usize] as usize];
        let Some(&raw) = element(&t.elements, index) else {
            return trap(ctx, TrapCode::TableOutOfBounds);
        };
        if raw == NULL_REF {
            return trap(ctx, TrapCode::IndirectCallToNull);
        }
        if data.funcs[raw as usize].type_id() != expected {
            return trap(ctx, TrapCode::IndirectCallTypeMismatch);
        }
        call_addr(ctx, FuncAddr(raw as u32), buf)
    }
}

/// Store address of the instance's memory `mem`.
///
/// # Safety
/// `ctx` is live and its `store` valid; native code is suspended meanwhile.
unsafe fn memory_addr(ctx: *mut VmCtx, mem: u32) -> usize {
    // SAFETY: per the contract above.
    unsafe {
        let (data, inst) = parts(ctx);
        data.instances[inst].memories[mem as usize] as usize
    }
}

/// `memory.grow` of the instance's memory `mem` (any index type: a 32-bit
/// memory's delta is zero-extended and its maximum is at most 65,536
/// pages). Returns the old size in pages, or `u64::MAX` (wasm's -1).
pub(super) extern "C" fn cb_memory_grow(ctx: *mut VmCtx, mem: u32, delta: u64) -> u64 {
    count(ctx, JitPath::CallbackMemoryGrow);
    // SAFETY: native code passes its own live context and a memory index
    // the validator checked.
    unsafe {
        let m = memory_addr(ctx, mem);
        let (data, _) = parts(ctx);
        let old = data.grow_memory(m, delta);
        refresh(ctx, data);
        old.unwrap_or(u64::MAX)
    }
}

/// `memory.fill`; addresses of a 32-bit memory come zero-extended.
pub(super) extern "C" fn cb_memory_fill(ctx: *mut VmCtx, mem: u32, d: u64, v: u32, n: u64) -> u32 {
    count(ctx, JitPath::CallbackMemoryFill);
    // SAFETY: native code passes its own live context and a valid index.
    unsafe {
        let m = memory_addr(ctx, mem);
        let (data, _) = parts(ctx);
        let bytes = &mut data.memories[m].data;
        match span(d, n, bytes.len()) {
            Some(r) => {
                bytes[r].fill(v as u8);
                0
            }
            None => trap(ctx, TrapCode::MemoryOutOfBounds),
        }
    }
}

/// `memory.copy` from memory `src_mem` to memory `dst_mem` (maybe the
/// same); operands of 32-bit memories come zero-extended. Both ranges are
/// checked before any byte moves.
pub(super) extern "C" fn cb_memory_copy(
    ctx: *mut VmCtx,
    dst_mem: u32,
    src_mem: u32,
    d: u64,
    s: u64,
    n: u64,
) -> u32 {
    count(ctx, JitPath::CallbackMemoryCopy);
    // SAFETY: native code passes its own live context and valid indices.
    unsafe {
        let (dm, sm) = (memory_addr(ctx, dst_mem), memory_addr(ctx, src_mem));
        let (data, _) = parts(ctx);
        let src = span(s, n, data.memories[sm].data.len());
        let dst = span(d, n, data.memories[dm].data.len());
        let (Some(src), Some(dst)) = (src, dst) else {
            return trap(ctx, TrapCode::MemoryOutOfBounds);
        };
        if dm == sm {
            data.memories[dm].data.copy_within(src, dst.start);
        } else {
            let (to, from) = if dm < sm {
                let (lo, hi) = data.memories.split_at_mut(sm);
                (&mut lo[dm], &hi[0])
            } else {
                let (lo, hi) = data.memories.split_at_mut(dm);
                (&mut hi[0], &lo[sm])
            };
            to.data[dst].copy_from_slice(&from.data[src]);
        }
        0
    }
}

/// `memory.init` of memory `mem` from data segment `seg`.
pub(super) extern "C" fn cb_memory_init(
    ctx: *mut VmCtx,
    mem: u32,
    seg: u32,
    d: u64,
    s: u32,
    n: u32,
) -> u32 {
    count(ctx, JitPath::CallbackMemoryInit);
    // SAFETY: native code passes its own live context and valid indices.
    unsafe {
        let m = memory_addr(ctx, mem);
        let (data, inst) = parts(ctx);
        let seg = data.instances[inst].datas[seg as usize] as usize;
        let bytes = data.datas[seg].bytes.clone();
        let target = &mut data.memories[m].data;
        match (
            span(s as u64, n as u64, bytes.len()),
            span(d, n as u64, target.len()),
        ) {
            (Some(src), Some(dst)) => {
                target[dst].copy_from_slice(&bytes[src]);
                0
            }
            _ => trap(ctx, TrapCode::MemoryOutOfBounds),
        }
    }
}

pub(super) extern "C" fn cb_data_drop(ctx: *mut VmCtx, seg: u32) {
    count(ctx, JitPath::CallbackDataDrop);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let seg = data.instances[inst].datas[seg as usize] as usize;
        data.datas[seg].bytes = std::sync::Arc::from(&[][..]);
    }
}

/// Store address of the instance's table `table`.
fn table_addr(data: &StoreData, inst: usize, table: u32) -> usize {
    data.instances[inst].tables[table as usize] as usize
}

/// Element `i` of a table's elements, if in bounds (a 64-bit table's
/// index is never truncated).
fn element(elements: &[u64], i: u64) -> Option<&u64> {
    usize::try_from(i).ok().and_then(|i| elements.get(i))
}

/// `table.get`; indices of a 32-bit table come zero-extended (so do all
/// the table callbacks' indices, sizes and lengths).
pub(super) extern "C" fn cb_table_get(ctx: *mut VmCtx, table: u32, i: u64, out: *mut u64) -> u32 {
    count(ctx, JitPath::CallbackTableGet);
    // SAFETY: native code passes its own live context and a one-slot buffer.
    unsafe {
        let (data, inst) = parts(ctx);
        let t = table_addr(data, inst, table);
        match element(&data.tables[t].elements, i) {
            Some(&v) => {
                *out = v;
                0
            }
            None => trap(ctx, TrapCode::TableOutOfBounds),
        }
    }
}

pub(super) extern "C" fn cb_table_set(ctx: *mut VmCtx, table: u32, i: u64, v: u64) -> u32 {
    count(ctx, JitPath::CallbackTableSet);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let t = table_addr(data, inst, table);
        let elements = &mut data.tables[t].elements;
        match usize::try_from(i).ok().and_then(|i| elements.get_mut(i)) {
            Some(slot) => {
                *slot = v;
                0
            }
            None => trap(ctx, TrapCode::TableOutOfBounds),
        }
    }
}

/// `table.size` as a u64 (narrowed by code for a 32-bit table).
pub(super) extern "C" fn cb_table_size(ctx: *mut VmCtx, table: u32) -> u64 {
    count(ctx, JitPath::CallbackTableSize);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        data.tables[table_addr(data, inst, table)].size() as u64
    }
}

/// `table.grow` by `n` slots: the old size, or u64::MAX (wasm's -1, which
/// stays -1 when code narrows it for a 32-bit table).
pub(super) extern "C" fn cb_table_grow(ctx: *mut VmCtx, table: u32, init: u64, n: u64) -> u64 {
    count(ctx, JitPath::CallbackTableGrow);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let t = table_addr(data, inst, table);
        let old = data.grow_table(t, n, init).unwrap_or(u64::MAX);
        // Growing may move the elements that native call_indirect reads.
        refresh(ctx, data);
        old
    }
}

pub(super) extern "C" fn cb_table_fill(ctx: *mut VmCtx, table: u32, d: u64, v: u64, n: u64) -> u32 {
    count(ctx, JitPath::CallbackTableFill);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let t = table_addr(data, inst, table);
        let elements = &mut data.tables[t].elements;
        match span(d, n, elements.len()) {
            Some(r) => {
                elements[r].fill(v);
                0
            }
            None => trap(ctx, TrapCode::TableOutOfBounds),
        }
    }
}

pub(super) extern "C" fn cb_table_copy(
    ctx: *mut VmCtx,
    dst_table: u32,
    src_table: u32,
    d: u64,
    s: u64,
    n: u64,
) -> u32 {
    count(ctx, JitPath::CallbackTableCopy);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let (dt, st) = (
            table_addr(data, inst, dst_table),
            table_addr(data, inst, src_table),
        );
        let src = span(s, n, data.tables[st].elements.len());
        let dst = span(d, n, data.tables[dt].elements.len());
        let (Some(src), Some(dst)) = (src, dst) else {
            return trap(ctx, TrapCode::TableOutOfBounds);
        };
        if dt == st {
            data.tables[dt].elements.copy_within(src, dst.start);
        } else {
            let items = data.tables[st].elements[src].to_vec();
            data.tables[dt].elements[dst].copy_from_slice(&items);
        }
        0
    }
}

pub(super) extern "C" fn cb_table_init(
    ctx: *mut VmCtx,
    seg: u32,
    table: u32,
    d: u64,
    s: u32,
    n: u32,
) -> u32 {
    count(ctx, JitPath::CallbackTableInit);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let t = table_addr(data, inst, table);
        let seg = data.instances[inst].elems[seg as usize] as usize;
        let items = &data.elems[seg].items;
        let src = span(s as u64, n as u64, items.len());
        let dst = span(d, n as u64, data.tables[t].elements.len());
        let (Some(src), Some(dst)) = (src, dst) else {
            return trap(ctx, TrapCode::TableOutOfBounds);
        };
        let items = items[src].to_vec();
        data.tables[t].elements[dst].copy_from_slice(&items);
        0
    }
}

pub(super) extern "C" fn cb_elem_drop(ctx: *mut VmCtx, seg: u32) {
    count(ctx, JitPath::CallbackElemDrop);
    // SAFETY: native code passes its own live context.
    unsafe {
        let (data, inst) = parts(ctx);
        let seg = data.instances[inst].elems[seg as usize] as usize;
        data.elems[seg].items = Vec::new();
    }
}
