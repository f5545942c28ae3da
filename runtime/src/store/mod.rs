//! The store: every function, table, memory, global and segment of every
//! instance, plus the shared internal maps. Tiers execute *on* the store's
//! data; the store stays the single owner of state.

mod exports;
mod linker;
mod memory;
pub mod spectest;

pub use exports::ExportMap;
pub use linker::Linker;
pub use memory::{DataInst, ElemInst, GlobalInst, MemInst, TableInst, PAGE_SIZE};

use crate::limits::{BudgetMeter, Limits};
use crate::maps::{ExternRefMap, InternalMap, MapSnapshot, Violation};
use crate::module::{
    ConstExpr, ConstOp, ExportKind, GlobalType, ImportKind, MemoryType, Module, SegmentMode,
    TableType,
};
use crate::prepare::{LimitExceeded, LimitName, PrepareError};
use crate::tiers::{self, Tier, TierKind};
use crate::trap::{Trap, TrapCode};
use crate::types::{FuncType, TypeId, TypeRegistry};
use crate::values::{self, FuncAddr, Val, ValType, NULL_REF};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Index of an instance in its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(pub u32);

/// Something an import can be satisfied with, or an export names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    Func(FuncAddr),
    Table(u32),
    Memory(u32),
    Global(u32),
}

/// A host function: receives the caller's view of the store.
pub type HostFunc =
    Arc<dyn Fn(&mut HostCaller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync>;

/// What a host function may touch while it runs.
pub struct HostCaller<'a> {
    pub data: &'a mut StoreData,
    /// The calling instance, if the caller is wasm.
    pub instance: Option<InstanceId>,
}

impl HostCaller<'_> {
    /// The store address of the memory the calling instance exports as
    /// `name`, whatever its index (WASI reaches memory through the export
    /// `memory`, as every other engine does).
    pub fn exported_memory(&self, name: &str) -> Option<u32> {
        let instance = &self.data.instances[self.instance?.0 as usize];
        match instance.exports.peek(name) {
            Some(Extern::Memory(m)) => Some(m),
            _ => None,
        }
    }
}

/// A function of the store.
#[derive(Clone)]
pub enum FuncInst {
    Wasm {
        module: Arc<Module>,
        instance: InstanceId,
        index: u32,
        type_id: TypeId,
    },
    Host {
        ty: FuncType,
        type_id: TypeId,
        func: HostFunc,
    },
}

impl FuncInst {
    /// The canonical signature id used by `call_indirect`.
    pub fn type_id(&self) -> TypeId {
        match self {
            FuncInst::Wasm { type_id, .. } | FuncInst::Host { type_id, .. } => *type_id,
        }
    }
}

impl fmt::Debug for FuncInst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncInst::Wasm {
                instance, index, ..
            } => write!(f, "wasm func {index} of instance {}", instance.0),
            FuncInst::Host { ty, .. } => write!(f, "host func {ty}"),
        }
    }
}

/// One instance: its module and the store addresses of everything it uses.
#[derive(Debug)]
pub struct InstanceData {
    pub module: Arc<Module>,
    pub funcs: Vec<FuncAddr>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    pub elems: Vec<u32>,
    pub datas: Vec<u32>,
    /// Canonical id of each of the module's type indices.
    pub type_ids: Vec<TypeId>,
    pub exports: ExportMap,
}

/// Everything tiers execute on. Public fields: tiers are separate rooms of
/// this crate and the harness inspects state after calls.
#[derive(Debug, Default)]
pub struct StoreData {
    pub funcs: Vec<FuncInst>,
    pub tables: Vec<TableInst>,
    pub memories: Vec<MemInst>,
    pub globals: Vec<GlobalInst>,
    pub elems: Vec<ElemInst>,
    pub datas: Vec<DataInst>,
    pub instances: Vec<InstanceData>,
    pub extern_refs: ExternRefMap,
    pub types: TypeRegistry,
    pub limits: Limits,
    /// Memories and tables charged to [`Limits::memory_budget`].
    pub budget: BudgetMeter,
    /// Fuel left; `u64::MAX` when unlimited.
    pub fuel: u64,
    /// Semantic coverage, recorded by the classic tier when present
    /// ([`Store::enable_coverage`]); `None` costs nothing.
    pub coverage: Option<Box<crate::coverage::Recorder>>,
    /// The tier's own paths, counted when present
    /// ([`Store::enable_tier_paths`]); the tier must be prepared after it
    /// is enabled to record.
    pub tier_paths: Option<Box<crate::tier_paths::PathCounts>>,
}

impl StoreData {
    /// `memory.grow` of memory `m` by `delta` pages, within the memory's
    /// maximum and the store's budget: the old size, or `None` (wasm's -1).
    pub fn grow_memory(&mut self, m: usize, delta: u64) -> Option<u64> {
        let bytes = BudgetMeter::memory_bytes(delta);
        if !self.budget.fits(bytes) {
            return None;
        }
        let old = self.memories[m].grow_pages(delta)?;
        self.budget.charge(bytes);
        Some(old)
    }

    /// `table.grow` of table `t` by `n` slots of `init`, within the table's
    /// maximum and the store's budget: the old size, or `None` (wasm's -1).
    pub fn grow_table(&mut self, t: usize, n: u64, init: u64) -> Option<u64> {
        let bytes = BudgetMeter::table_bytes(n);
        if !self.budget.fits(bytes) {
            return None;
        }
        let old = self.tables[t].grow64(n, init)?;
        self.budget.charge(bytes);
        Some(old)
    }

    /// Charges one unit of fuel, trapping `OutOfFuel` when none is left.
    #[inline]
    pub fn consume_fuel(&mut self) -> Result<(), TrapCode> {
        if self.fuel == 0 {
            return Err(TrapCode::OutOfFuel);
        }
        if self.fuel != u64::MAX {
            self.fuel -= 1;
        }
        Ok(())
    }

    /// Whether an extern names an item that exists.
    pub fn extern_is_live(&self, ext: Extern) -> bool {
        match ext {
            Extern::Func(a) => (a.0 as usize) < self.funcs.len(),
            Extern::Table(a) => (a as usize) < self.tables.len(),
            Extern::Memory(a) => (a as usize) < self.memories.len(),
            Extern::Global(a) => (a as usize) < self.globals.len(),
        }
    }

    /// The signature of a function.
    pub fn func_type(&self, addr: FuncAddr) -> &FuncType {
        match &self.funcs[addr.0 as usize] {
            FuncInst::Wasm { module, index, .. } => module.func_type(*index),
            FuncInst::Host { ty, .. } => ty,
        }
    }

    /// Runs a host function with raw slots, the way tiers call them (a
    /// `v128` argument or result takes two slots, low half first).
    pub fn call_host(
        &mut self,
        addr: FuncAddr,
        caller: Option<InstanceId>,
        args: &[u64],
    ) -> Result<Vec<u64>, Trap> {
        let FuncInst::Host { ty, func, .. } = self.funcs[addr.0 as usize].clone() else {
            unreachable!("call_host on a wasm function");
        };
        let vals = values::from_slots(&ty.params, args).ok_or_else(|| {
            Trap::host(format!(
                "host function of type {ty} called with {} slots",
                args.len()
            ))
        })?;
        let results = func(
            &mut HostCaller {
                data: self,
                instance: caller,
            },
            &vals,
        )?;
        if results.len() != ty.results.len()
            || results.iter().zip(&ty.results).any(|(v, &t)| v.ty() != t)
        {
            return Err(Trap::host(format!(
                "host function returned {results:?}, expected {ty}"
            )));
        }
        Ok(values::to_slots(&results))
    }

    /// Evaluates a constant expression to its value's slots: `(low, high)`,
    /// the high half 0 for every type but `v128`.
    fn eval_const(&self, inst: &InstanceData, expr: &ConstExpr) -> (u64, u64) {
        let mut stack: Vec<(u64, u64)> = Vec::with_capacity(2);
        for op in expr.ops() {
            let value = match *op {
                ConstOp::I32(v) => (v as u32 as u64, 0),
                ConstOp::I64(v) => (v as u64, 0),
                ConstOp::F32(b) => (b as u64, 0),
                ConstOp::F64(b) => (b, 0),
                ConstOp::V128(v) => (v as u64, (v >> 64) as u64),
                ConstOp::RefNull(_) => (NULL_REF, 0),
                ConstOp::RefFunc(i) => (inst.funcs[i as usize].0 as u64, 0),
                ConstOp::GlobalGet(i) => {
                    let g = &self.globals[inst.globals[i as usize] as usize];
                    (g.value, g.hi)
                }
                ConstOp::Binary(bin) => {
                    let (b, _) = stack.pop().expect("validated constant expression");
                    let (a, _) = stack.pop().expect("validated constant expression");
                    (bin.apply(a, b), 0)
                }
            };
            stack.push(value);
        }
        stack.pop().expect("validated constant expression")
    }
}

/// Why instantiation failed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum InstantiateError {
    /// An import is missing or has the wrong type (nothing was changed).
    #[error("link error: {0}")]
    Link(String),
    /// A declared size exceeds the store's limits (checked here, once,
    /// for every tier alike).
    #[error("resource limit: {0}")]
    Resource(LimitExceeded),
    /// The tier could not translate or compile the module.
    #[error("{tier} tier could not prepare the module: {error}")]
    Prepare { tier: TierKind, error: PrepareError },
    /// A segment was out of bounds or the start function trapped. Earlier
    /// segment writes to imported tables/memories stay, as the spec requires.
    #[error("instantiation trapped: {0}")]
    Trap(Trap),
}

/// Why an embedder call failed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CallError {
    /// A trap, or a requested program exit (see [`CallError::exit_code`]).
    #[error("{0}")]
    Trap(Trap),
    /// The arguments do not match the function's parameters.
    #[error("signature mismatch: {0}")]
    Signature(String),
}

impl CallError {
    /// The exit code when the guest ended the program (WASI `proc_exit`).
    pub fn exit_code(&self) -> Option<u32> {
        match self {
            CallError::Trap(t) => t.exit,
            CallError::Signature(_) => None,
        }
    }
}

/// A store executing with one tier.
pub struct Store {
    data: StoreData,
    tier: Box<dyn Tier>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("tier", &self.tier.kind())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store whose wasm functions run on `tier`; `None` if that tier is not implemented.
    pub fn new(tier: TierKind, limits: Limits) -> Option<Store> {
        let tier = tiers::create(tier)?;
        let data = StoreData {
            limits,
            budget: BudgetMeter::new(limits.memory_budget),
            fuel: limits.fuel.unwrap_or(u64::MAX),
            ..StoreData::default()
        };
        Some(Store { data, tier })
    }

    /// The tier running this store's wasm.
    pub fn tier(&self) -> TierKind {
        self.tier.kind()
    }

    /// Read access to all state.
    pub fn data(&self) -> &StoreData {
        &self.data
    }

    /// Write access to all state, for hosts and tests.
    pub fn data_mut(&mut self) -> &mut StoreData {
        &mut self.data
    }

    /// Fuel left (`None` if unlimited).
    pub fn fuel(&self) -> Option<u64> {
        (self.data.fuel != u64::MAX).then_some(self.data.fuel)
    }

    /// Sets the fuel left (`None` for unlimited).
    pub fn set_fuel(&mut self, fuel: Option<u64>) {
        self.data.fuel = fuel.unwrap_or(u64::MAX);
    }

    /// Starts recording semantic coverage (the classic tier records it;
    /// other tiers ignore it). See [`crate::coverage`].
    pub fn enable_coverage(&mut self) {
        self.data.coverage.get_or_insert_with(Default::default);
    }

    /// The coverage recorded so far, if enabled.
    pub fn coverage(&self) -> Option<&crate::coverage::Recorder> {
        self.data.coverage.as_deref()
    }

    /// Starts counting the tier's own paths ([`crate::tier_paths`]). Only
    /// modules instantiated afterwards record them; a tier that names no
    /// paths records nothing.
    pub fn enable_tier_paths(&mut self) {
        let tier = self.tier.kind();
        if crate::tier_paths::cells(tier).is_empty() {
            return;
        }
        self.data
            .tier_paths
            .get_or_insert_with(|| Box::new(crate::tier_paths::PathCounts::new(tier)));
    }

    /// The tier's path counts so far, if enabled.
    pub fn tier_paths(&self) -> Option<&crate::tier_paths::PathCounts> {
        self.data.tier_paths.as_deref()
    }

    /// Adds a host function.
    pub fn alloc_host_func(&mut self, ty: FuncType, func: HostFunc) -> FuncAddr {
        let type_id = self.data.types.intern(&ty);
        self.data.funcs.push(FuncInst::Host { ty, type_id, func });
        FuncAddr(self.data.funcs.len() as u32 - 1)
    }

    /// Adds a global.
    pub fn alloc_global(&mut self, ty: GlobalType, value: Val) -> u32 {
        let mut slots = Vec::with_capacity(2);
        value.push_slots(&mut slots);
        self.data.globals.push(GlobalInst {
            ty,
            value: slots[0],
            hi: slots.get(1).copied().unwrap_or(0),
        });
        self.data.globals.len() as u32 - 1
    }

    /// Adds a table (host-owned, e.g. `spectest.table`).
    pub fn alloc_table(&mut self, ty: TableType) -> Option<u32> {
        let table = TableInst::new(ty, self.data.limits.max_table_elements)?;
        if !self
            .data
            .budget
            .charge(BudgetMeter::table_bytes(table.size() as u64))
        {
            return None;
        }
        self.data.tables.push(table);
        Some(self.data.tables.len() as u32 - 1)
    }

    /// Adds a memory (host-owned, e.g. `spectest.memory`).
    pub fn alloc_memory(&mut self, ty: MemoryType) -> Option<u32> {
        if !self.data.budget.fits(BudgetMeter::memory_bytes(ty.min)) {
            return None;
        }
        let memory = MemInst::new(ty, self.data.limits.max_memory_pages)?;
        self.data
            .budget
            .charge(BudgetMeter::memory_bytes(memory.pages() as u64));
        self.data.memories.push(memory);
        Some(self.data.memories.len() as u32 - 1)
    }

    /// Issues an externref for a host payload (the same payload gets the same id).
    pub fn extern_ref(&mut self, payload: u64) -> Val {
        Val::ExternRef(Some(self.data.extern_refs.intern(payload)))
    }

    /// The host payload behind an externref, recording invalid ids as violations.
    pub fn extern_payload(&mut self, val: Val) -> Option<u64> {
        match val {
            Val::ExternRef(Some(id)) => self.data.extern_refs.lookup(id, "host lookup"),
            _ => None,
        }
    }

    /// Instantiates `module`, resolving imports through `linker`.
    pub fn instantiate(
        &mut self,
        module: &Arc<Module>,
        linker: &Linker,
    ) -> Result<InstanceId, InstantiateError> {
        let imports = self.resolve_imports(module, linker)?;
        let id = self.allocate(module, imports)?;
        self.tier
            .prepare(&self.data, id)
            .map_err(|error| InstantiateError::Prepare {
                tier: self.tier.kind(),
                error,
            })?;
        self.tier.record_prepared_paths(&mut self.data);
        self.initialise(id).map_err(InstantiateError::Trap)?;
        Ok(id)
    }

    fn resolve_imports(
        &mut self,
        module: &Module,
        linker: &Linker,
    ) -> Result<Vec<Extern>, InstantiateError> {
        let mut out = Vec::with_capacity(module.imports.len());
        for import in &module.imports {
            let what = format!("{}::{}", import.module, import.name);
            let ext = linker
                .get(&import.module, &import.name)
                .ok_or_else(|| InstantiateError::Link(format!("unknown import {what}")))?;
            let compatible = match (&import.kind, ext) {
                (ImportKind::Func(t), Extern::Func(a)) => {
                    self.data.func_type(a) == &module.types[*t as usize]
                }
                (ImportKind::Table(want), Extern::Table(a)) => {
                    let t = &self.data.tables[a as usize];
                    t.elem() == want.elem
                        && t.ty.index64 == want.index64
                        && limits_match(t.size() as u64, t.ty.max, want.min, want.max)
                }
                (ImportKind::Memory(want), Extern::Memory(a)) => {
                    let m = &self.data.memories[a as usize];
                    m.ty.index64 == want.index64
                        && limits_match(m.pages() as u64, m.ty.max, want.min, want.max)
                }
                (ImportKind::Global(want), Extern::Global(a)) => {
                    self.data.globals[a as usize].ty == *want
                }
                _ => false,
            };
            if !compatible {
                return Err(InstantiateError::Link(format!(
                    "incompatible import type for {what}"
                )));
            }
            out.push(ext);
        }
        Ok(out)
    }

    fn allocate(
        &mut self,
        module: &Arc<Module>,
        imports: Vec<Extern>,
    ) -> Result<InstanceId, InstantiateError> {
        let id = InstanceId(self.data.instances.len() as u32);
        let limits = self.data.limits;
        let type_ids: Vec<TypeId> = module
            .types
            .iter()
            .map(|t| self.data.types.intern(t))
            .collect();
        let mut inst = InstanceData {
            module: module.clone(),
            funcs: Vec::new(),
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            elems: Vec::new(),
            datas: Vec::new(),
            type_ids,
            exports: ExportMap::default(),
        };
        for ext in imports {
            match ext {
                Extern::Func(a) => inst.funcs.push(a),
                Extern::Table(a) => inst.tables.push(a),
                Extern::Memory(a) => inst.memories.push(a),
                Extern::Global(a) => inst.globals.push(a),
            }
        }
        // Check every size before allocating anything, so a refused module leaves no trace.
        let new_tables = &module.tables[module.num_imported_tables as usize..];
        let new_mems = &module.memories[module.num_imported_memories as usize..];
        if let Some(t) = new_tables
            .iter()
            .find(|t| t.min > limits.max_table_elements as u64)
        {
            return Err(InstantiateError::Resource(LimitExceeded {
                limit: LimitName::MaxTableElements,
                requested: t.min,
                allowed: limits.max_table_elements as u64,
            }));
        }
        if let Some(m) = new_mems
            .iter()
            .find(|m| m.min > limits.max_memory_pages as u64)
        {
            return Err(InstantiateError::Resource(LimitExceeded {
                limit: LimitName::MaxMemoryPages,
                requested: m.min,
                allowed: limits.max_memory_pages as u64,
            }));
        }
        // Then the budget over all of them: nothing of it is allocated yet.
        let requested = new_mems
            .iter()
            .map(|m| BudgetMeter::memory_bytes(m.min))
            .chain(new_tables.iter().map(|t| BudgetMeter::table_bytes(t.min)))
            .fold(0u64, u64::saturating_add);
        if !self.data.budget.fits(requested) {
            return Err(InstantiateError::Resource(LimitExceeded {
                limit: LimitName::MemoryBudget,
                requested: self.data.budget.used.saturating_add(requested),
                allowed: self.data.budget.limit,
            }));
        }
        self.data.budget.charge(requested);
        for index in module.num_imported_funcs..module.funcs.len() as u32 {
            let type_id = inst.type_ids[module.funcs[index as usize] as usize];
            self.data.funcs.push(FuncInst::Wasm {
                module: module.clone(),
                instance: id,
                index,
                type_id,
            });
            inst.funcs.push(FuncAddr(self.data.funcs.len() as u32 - 1));
        }
        for t in new_tables {
            self.data
                .tables
                .push(TableInst::new(*t, limits.max_table_elements).expect("checked above"));
            inst.tables.push(self.data.tables.len() as u32 - 1);
        }
        for m in new_mems {
            self.data
                .memories
                .push(MemInst::new(*m, limits.max_memory_pages).expect("checked above"));
            inst.memories.push(self.data.memories.len() as u32 - 1);
        }
        for (i, init) in module.global_inits.iter().enumerate() {
            let ty = module.globals[module.num_imported_globals as usize + i];
            let (value, hi) = self.data.eval_const(&inst, init);
            self.data.globals.push(GlobalInst { ty, value, hi });
            inst.globals.push(self.data.globals.len() as u32 - 1);
        }
        for seg in &module.elems {
            let items = seg
                .items
                .iter()
                .map(|e| self.data.eval_const(&inst, e).0)
                .collect();
            self.data.elems.push(ElemInst {
                elem: seg.elem,
                items,
            });
            inst.elems.push(self.data.elems.len() as u32 - 1);
        }
        for seg in &module.datas {
            self.data.datas.push(DataInst {
                bytes: seg.bytes.clone(),
            });
            inst.datas.push(self.data.datas.len() as u32 - 1);
        }
        for e in &module.exports {
            let ext = match e.kind {
                ExportKind::Func => Extern::Func(inst.funcs[e.index as usize]),
                ExportKind::Table => Extern::Table(inst.tables[e.index as usize]),
                ExportKind::Memory => Extern::Memory(inst.memories[e.index as usize]),
                ExportKind::Global => Extern::Global(inst.globals[e.index as usize]),
            };
            inst.exports.insert(&e.name, ext);
        }
        self.data.instances.push(inst);
        Ok(id)
    }

    /// Applies active segments in order (elements, then data), then runs start.
    fn initialise(&mut self, id: InstanceId) -> Result<(), Trap> {
        let inst = &self.data.instances[id.0 as usize];
        let module = inst.module.clone();
        for (i, seg) in module.elems.iter().enumerate() {
            let addr = self.data.instances[id.0 as usize].elems[i] as usize;
            match &seg.mode {
                SegmentMode::Active { index, offset } => {
                    let inst = &self.data.instances[id.0 as usize];
                    let table = inst.tables[*index as usize] as usize;
                    // A 32-bit table's offset is an i32, a 64-bit table's an i64.
                    let offset = match self.data.tables[table].ty.index64 {
                        true => self.data.eval_const(inst, offset).0,
                        false => self.data.eval_const(inst, offset).0 as u32 as u64,
                    };
                    let items = std::mem::take(&mut self.data.elems[addr].items);
                    let range = self.data.tables[table]
                        .range64(offset, items.len() as u64)
                        .ok_or(TrapCode::TableOutOfBounds)?;
                    self.data.tables[table].elements[range].copy_from_slice(&items);
                }
                SegmentMode::Declared => self.data.elems[addr].items.clear(),
                SegmentMode::Passive => {}
            }
        }
        for (i, seg) in module.datas.iter().enumerate() {
            let addr = self.data.instances[id.0 as usize].datas[i] as usize;
            if let SegmentMode::Active { index, offset } = &seg.mode {
                let inst = &self.data.instances[id.0 as usize];
                let mem = inst.memories[*index as usize] as usize;
                let m = &self.data.memories[mem];
                // A 32-bit memory's offset is an i32, a 64-bit memory's an i64.
                let offset = match m.ty.index64 {
                    true => self.data.eval_const(inst, offset).0,
                    false => self.data.eval_const(inst, offset).0 as u32 as u64,
                };
                let bytes = std::mem::replace(&mut self.data.datas[addr].bytes, Arc::from(&[][..]));
                let m = &mut self.data.memories[mem];
                let range = m
                    .range64(offset, 0, bytes.len())
                    .ok_or(TrapCode::MemoryOutOfBounds)?;
                m.data[range].copy_from_slice(&bytes);
            }
        }
        if let Some(start) = module.start {
            let addr = self.data.instances[id.0 as usize].funcs[start as usize];
            self.call_raw(addr, &[])?;
        }
        Ok(())
    }

    /// Looks up an export without counting it in the export map's
    /// statistics: for a harness reading state, which must not change the
    /// maps it compares.
    pub fn export_peek(&self, instance: InstanceId, name: &str) -> Option<Extern> {
        self.data
            .instances
            .get(instance.0 as usize)?
            .exports
            .peek(name)
    }

    /// Looks up an export of an instance (counted by its Export map).
    pub fn export(&mut self, instance: InstanceId, name: &str) -> Option<Extern> {
        self.data
            .instances
            .get_mut(instance.0 as usize)?
            .exports
            .get(name)
    }

    /// The exports of an instance in declaration order.
    pub fn exports(&self, instance: InstanceId) -> Vec<(String, Extern)> {
        self.data.instances[instance.0 as usize]
            .exports
            .iter()
            .map(|(n, e)| (n.to_string(), e))
            .collect()
    }

    /// Calls a function with typed arguments.
    pub fn invoke(&mut self, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, CallError> {
        let ty = self
            .data
            .funcs
            .get(func.0 as usize)
            .map(|_| self.data.func_type(func).clone());
        let ty =
            ty.ok_or_else(|| CallError::Signature(format!("no function at address {}", func.0)))?;
        let arg_types: Vec<ValType> = args.iter().map(Val::ty).collect();
        if arg_types != ty.params {
            return Err(CallError::Signature(format!(
                "function takes {ty}, called with {arg_types:?}"
            )));
        }
        let mut raw = values::to_slots(args);
        if crate::fault::active(crate::fault::Fault::V128ArgHalvesSwapped) {
            swap_v128_halves(&ty.params, &mut raw);
        }
        let results = self.call_raw(func, &raw).map_err(CallError::Trap)?;
        let mut at = 0;
        let mut out = Vec::with_capacity(ty.results.len());
        for &t in &ty.results {
            let next = at + t.slots();
            out.push(self.outgoing(t, &results[at..next], "result"));
            at = next;
        }
        Ok(out)
    }

    fn call_raw(&mut self, func: FuncAddr, args: &[u64]) -> Result<Vec<u64>, Trap> {
        match self.data.funcs[func.0 as usize] {
            FuncInst::Host { .. } => self.data.call_host(func, None, args),
            FuncInst::Wasm { .. } => self.tier.call(&mut self.data, func, args),
        }
    }

    /// Converts a value's slots leaving wasm, checking externrefs against the map.
    fn outgoing(&mut self, ty: ValType, slots: &[u64], context: &str) -> Val {
        if ty == ValType::ExternRef {
            self.data.extern_refs.observe_outgoing(slots[0], context);
        }
        Val::from_slots(ty, slots)
    }

    /// Reads a global (externrefs are checked against the map).
    pub fn global_get(&mut self, addr: u32) -> Val {
        let g = &self.data.globals[addr as usize];
        let (ty, slots) = (g.ty.ty, [g.value, g.hi]);
        self.outgoing(ty, &slots[..ty.slots()], "global value")
    }

    /// Reads every slot of a table (externrefs are checked against the map).
    pub fn table_contents(&mut self, addr: u32) -> Vec<Val> {
        let t = &self.data.tables[addr as usize];
        let (ty, raws) = (t.elem(), t.elements.clone());
        raws.into_iter()
            .map(|r| self.outgoing(ty, &[r], "table slot"))
            .collect()
    }

    /// The bytes of a memory.
    pub fn memory(&self, addr: u32) -> &[u8] {
        &self.data.memories[addr as usize].data
    }

    /// Every internal-map violation so far: shared maps, each instance's
    /// Export map and the tier's side tables.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = self.data.extern_refs.check();
        out.extend(self.data.types.check());
        for inst in &self.data.instances {
            out.extend(inst.exports.check());
            out.extend(inst.exports.check_resolves(&self.data));
        }
        out.extend(self.tier.check(&self.data));
        out
    }

    /// Comparable snapshots of every internal map.
    pub fn map_snapshots(&self) -> Vec<MapSnapshot> {
        let mut out = self.shared_map_snapshots();
        out.extend(self.tier.snapshots());
        out
    }

    /// Snapshots of the maps every tier keeps alike (externref map, type
    /// registry, export maps), the ones compared across tiers after every
    /// call: the tier-private side tables, which differ by design, are not
    /// built at all.
    pub fn shared_map_snapshots(&self) -> Vec<MapSnapshot> {
        let mut out = vec![self.data.extern_refs.snapshot(), self.data.types.snapshot()];
        out.extend(self.data.instances.iter().map(|i| i.exports.snapshot()));
        out
    }
}

/// The `v128-arg-halves-swapped` fault: swaps each v128 argument's halves.
fn swap_v128_halves(params: &[ValType], raw: &mut [u64]) {
    let mut at = 0;
    for t in params {
        if *t == ValType::V128 {
            raw.swap(at, at + 1);
        }
        at += t.slots();
    }
}

/// Import subtyping of limits: the provided size and maximum fit the wanted ones.
fn limits_match(
    have_min: u64,
    have_max: Option<u64>,
    want_min: u64,
    want_max: Option<u64>,
) -> bool {
    have_min >= want_min
        && match (have_max, want_max) {
            (_, None) => true,
            (Some(h), Some(w)) => h <= w,
            (None, Some(_)) => false,
        }
}
