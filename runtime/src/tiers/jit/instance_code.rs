//! What native code of one instance reads besides its context: the code
//! address and canonical type id of each defined function and a view of
//! each table and each memory. Their addresses are baked into the instance's code, so they
//! are allocated once, never move, and are freed only with the tier.

use super::compile::IndirectTables;
use super::ctx::{MemView, TableView};
use crate::store::{InstanceId, StoreData};
use cranelift_module::FuncId;
use std::ptr::NonNull;

/// A fixed-length array that native code reads (and, for table views, the
/// runtime writes) through raw pointers. It owns its memory through a raw
/// pointer rather than a `Box`, so moving the owner never invalidates the
/// addresses compiled code holds.
pub(super) struct RawTable<T: Copy> {
    ptr: NonNull<T>,
    len: usize,
}

impl<T: Copy> RawTable<T> {
    fn new(items: Vec<T>) -> RawTable<T> {
        let len = items.len();
        let raw = Box::into_raw(items.into_boxed_slice());
        RawTable {
            ptr: NonNull::new(raw.cast::<T>()).expect("Box::into_raw is never null"),
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, k: usize) -> T {
        assert!(k < self.len, "index {k} of a table of {}", self.len);
        // SAFETY: in bounds; the memory lives until `drop`; writers hold
        // `&mut self` or (table views) run while native code is suspended.
        unsafe { self.ptr.as_ptr().add(k).read() }
    }

    pub fn set(&mut self, k: usize, value: T) {
        assert!(k < self.len, "index {k} of a table of {}", self.len);
        // SAFETY: in bounds, and `&mut self` excludes other Rust accesses.
        unsafe { self.ptr.as_ptr().add(k).write(value) }
    }

    pub fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }

    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.len).map(|k| self.get(k))
    }
}

impl<T: Copy> Drop for RawTable<T> {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: `ptr` and `len` came from `Box::into_raw` of a boxed
        // slice in `new`, and this is the only place that frees it.
        drop(unsafe { Box::from_raw(slice) });
    }
}

// SAFETY: a RawTable is plain memory owned by the JIT tier. Helper threads
// that compile read it (through `&`) only while the owning thread waits for
// them; writes need `&mut` or happen while no compiled code runs.
unsafe impl<T: Copy + Send> Send for RawTable<T> {}
unsafe impl<T: Copy + Sync> Sync for RawTable<T> {}

/// One prepared instance, as the JIT's native code and callbacks see it.
pub(super) struct InstanceCode {
    /// Declared ids of the defined functions.
    pub func_ids: Vec<FuncId>,
    /// Code address per defined function, 0 until compiled (lazy instances).
    pub code: RawTable<usize>,
    /// Canonical type id per defined function.
    pub types: RawTable<u32>,
    /// Base and length per table of the instance, kept by `ctx::refresh`.
    pub views: RawTable<TableView>,
    /// Base and length per memory of the instance, kept by `ctx::refresh`.
    pub mems: RawTable<MemView>,
    /// Whether functions compile at their first call.
    pub lazy: bool,
    /// The addresses above, for the compiler; `None` when the instance's
    /// defined functions are not contiguous in the store (then every
    /// `call_indirect` goes through the runtime).
    pub indirect: Option<IndirectTables>,
}

impl InstanceCode {
    pub fn new(
        data: &StoreData,
        instance: InstanceId,
        func_ids: Vec<FuncId>,
        lazy: bool,
    ) -> InstanceCode {
        let inst = &data.instances[instance.0 as usize];
        let module = &inst.module;
        let defined = &inst.funcs[module.num_imported_funcs as usize..];
        let types = (module.num_imported_funcs..module.funcs.len() as u32)
            .map(|index| inst.type_ids[module.funcs[index as usize] as usize].0)
            .collect();
        let mut ic = InstanceCode {
            code: RawTable::new(vec![0; func_ids.len()]),
            types: RawTable::new(types),
            views: RawTable::new(vec![TableView::default(); inst.tables.len()]),
            mems: RawTable::new(vec![MemView::default(); inst.memories.len()]),
            func_ids,
            lazy,
            indirect: None,
        };
        let contiguous = defined.windows(2).all(|w| w[1].0 == w[0].0 + 1);
        if contiguous && !defined.is_empty() {
            ic.indirect = Some(IndirectTables {
                views: ic.views.as_ptr() as usize,
                types: ic.types.as_ptr() as usize,
                code: ic.code.as_ptr() as usize,
                first_addr: defined[0].0,
                count: defined.len() as u32,
            });
        }
        ic
    }
}
