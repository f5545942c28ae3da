//! Linear memories, tables and globals: the state every tier reads and writes.

use crate::module::{GlobalType, MemoryType, TableType};
use crate::values::ValType;

/// Size of one wasm page in bytes.
pub const PAGE_SIZE: usize = 65_536;

/// A linear memory. Its effective maximum is the smaller of the declared
/// maximum and the store's `max_memory_pages`, so `memory.grow` beyond it
/// returns -1 identically in every tier.
#[derive(Debug, Clone)]
pub struct MemInst {
    /// The bytes. Its spare capacity is always zero (allocated zeroed,
    /// never written past the length, never shrunk), so growth within it
    /// only moves the length; nothing may write past the length or
    /// shorten it.
    pub data: Vec<u8>,
    pub max_pages: u32,
    pub ty: MemoryType,
    /// The store's limit alone (without the declared maximum): how far the
    /// `grow-ignores-max` fault lets a memory grow, so a faulted run stays
    /// within the limits of the machine it runs on.
    store_limit_pages: u32,
}

impl MemInst {
    /// Allocates `ty.min` zeroed pages, or `None` when that exceeds `limit_pages`.
    pub fn new(ty: MemoryType, limit_pages: u32) -> Option<MemInst> {
        // A 32-bit memory never exceeds 4 GiB; a 64-bit one only the limit.
        let index_max = if ty.index64 { u64::MAX } else { 65_536 };
        let store_limit_pages = index_max.min(limit_pages as u64) as u32;
        let max_pages = ty.max.unwrap_or(index_max).min(store_limit_pages as u64) as u32;
        (ty.min <= max_pages as u64).then(|| MemInst {
            data: vec![0; ty.min as usize * PAGE_SIZE],
            max_pages,
            ty,
            store_limit_pages,
        })
    }

    /// Current size in pages.
    pub fn pages(&self) -> u32 {
        (self.data.len() / PAGE_SIZE) as u32
    }

    /// Grows by `delta` pages; returns the old size, or `None` (wasm's -1).
    pub fn grow(&mut self, delta: u32) -> Option<u32> {
        self.grow_pages(delta as u64).map(|old| old as u32)
    }

    /// [`MemInst::grow`] with a 64-bit page count, as `memory.grow` on a
    /// 64-bit memory takes it.
    pub fn grow_pages(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages() as u64;
        let new = old.checked_add(delta)?;
        let limit = if crate::fault::active(crate::fault::Fault::GrowIgnoresMax) {
            self.store_limit_pages as u64
        } else {
            self.max_pages as u64
        };
        if new > limit {
            return None;
        }
        let bytes = new as usize * PAGE_SIZE;
        if bytes > self.data.capacity() {
            // Fresh zeroed pages (from the kernel, unbacked until touched),
            // with room to grow into, never past what the memory may reach.
            let room = (limit as usize)
                .saturating_mul(PAGE_SIZE)
                .min(self.data.capacity().saturating_mul(2));
            let mut grown = vec![0; bytes.max(room)];
            grown[..self.data.len()].copy_from_slice(&self.data);
            grown.truncate(bytes);
            self.data = grown;
        } else {
            // `resize` would write zeros over pages nobody touched, and so
            // commit them.
            // SAFETY: the spare capacity is zero (see `data`): it came
            // zeroed from the allocator and nothing writes past the length.
            unsafe { self.data.set_len(bytes) };
        }
        Some(old)
    }

    /// The byte range `[addr + offset, .. + len)` if it lies inside memory.
    /// Computed in 64 bits so `addr + offset` cannot wrap.
    #[inline]
    pub fn range(&self, addr: u32, offset: u64, len: usize) -> Option<std::ops::Range<usize>> {
        self.range64(addr as u64, offset, len)
    }

    /// [`MemInst::range`] for a 64-bit address: the sums are checked, so an
    /// address near 2^64 can never wrap into bounds.
    #[inline]
    pub fn range64(&self, addr: u64, offset: u64, len: usize) -> Option<std::ops::Range<usize>> {
        let start = addr.checked_add(offset)?;
        let end = start.checked_add(len as u64)?;
        (end <= self.data.len() as u64).then_some(start as usize..end as usize)
    }
}

/// A table of references (raw slots, null is [`crate::values::NULL_REF`]).
#[derive(Debug, Clone)]
pub struct TableInst {
    pub elements: Vec<u64>,
    pub max: u32,
    pub ty: TableType,
}

impl TableInst {
    /// Allocates `ty.min` null slots, or `None` when that exceeds `limit`.
    pub fn new(ty: TableType, limit: u32) -> Option<TableInst> {
        let max = ty.max.unwrap_or(u64::MAX).min(limit as u64) as u32;
        (ty.min <= max as u64).then(|| TableInst {
            elements: vec![crate::values::NULL_REF; ty.min as usize],
            max,
            ty,
        })
    }

    /// Current size in elements.
    pub fn size(&self) -> u32 {
        self.elements.len() as u32
    }

    /// Grows by `delta` slots filled with `init`; returns the old size or `None`.
    pub fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        self.grow64(delta as u64, init).map(|old| old as u32)
    }

    /// [`TableInst::grow`] with a 64-bit delta, as `table.grow` on a 64-bit
    /// table takes it.
    pub fn grow64(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.size() as u64;
        let new = old.checked_add(delta)?;
        if new > self.max as u64 {
            return None;
        }
        self.elements.resize(new as usize, init);
        Some(old)
    }

    /// The slot range `[start, start + len)` if it lies inside the table
    /// (checked, so a 64-bit index can never wrap into bounds).
    pub fn range64(&self, start: u64, len: u64) -> Option<std::ops::Range<usize>> {
        let end = start.checked_add(len)?;
        (end <= self.elements.len() as u64).then_some(start as usize..end as usize)
    }

    /// Element type of the table.
    pub fn elem(&self) -> ValType {
        self.ty.elem
    }
}

/// A global variable holding one raw slot, or two for a `v128`.
#[derive(Debug, Clone)]
pub struct GlobalInst {
    pub ty: GlobalType,
    /// The value's slot (a `v128`'s low 64 bits).
    pub value: u64,
    /// A `v128`'s high 64 bits; 0 for every other type.
    pub hi: u64,
}

/// An element segment instance; dropping it empties it.
#[derive(Debug, Clone)]
pub struct ElemInst {
    pub elem: ValType,
    pub items: Vec<u64>,
}

/// A data segment instance; dropping it empties it.
#[derive(Debug, Clone)]
pub struct DataInst {
    pub bytes: std::sync::Arc<[u8]>,
}
