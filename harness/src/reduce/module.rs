//! A module as lists of items, re-encoded with some items removed or
//! replaced and every index renumbered to match.
//!
//! Parsing borrows from the module's bytes; an [`Edit`] says what to drop or
//! replace, and [`Items::encode`] writes the new module through a
//! wasm-encoder [`Reencode`] that maps each surviving index to its new
//! number. A reference to a dropped item makes the encoding fail, so an edit
//! that removes something still in use is refused rather than written.
//! Encoding also records which items each function refers to ([`Uses`]), so
//! passes can find what nothing reachable refers to.

use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{
    Data, Element, ElementItems, ElementKind, Export, ExternalKind, FuncType, FunctionBody, Global,
    Import, Parser, Payload, Table, TypeRef,
};

/// A module's items, borrowing from its bytes.
pub struct Items<'a> {
    pub types: Vec<FuncType>,
    pub imports: Vec<Import<'a>>,
    /// Type index of each defined function.
    pub funcs: Vec<u32>,
    pub tables: Vec<Table<'a>>,
    pub memories: Vec<wasmparser::MemoryType>,
    pub globals: Vec<Global<'a>>,
    pub exports: Vec<Export<'a>>,
    pub start: Option<u32>,
    pub elements: Vec<Element<'a>>,
    pub data_count: bool,
    pub bodies: Vec<FunctionBody<'a>>,
    pub data: Vec<Data<'a>>,
    /// Imported items of each index space (they come first in it).
    pub imported: Imported,
}

/// How many items of each kind are imported.
#[derive(Clone, Copy, Default)]
pub struct Imported {
    pub funcs: u32,
    pub tables: u32,
    pub memories: u32,
    pub globals: u32,
}

/// What to change when encoding. Indices are the module's current ones
/// (function, table, memory and global indices count imports first);
/// imported items are never dropped.
#[derive(Clone, Default, Debug)]
pub struct Edit {
    pub drop_types: BTreeSet<u32>,
    pub drop_funcs: BTreeSet<u32>,
    pub drop_tables: BTreeSet<u32>,
    pub drop_memories: BTreeSet<u32>,
    pub drop_globals: BTreeSet<u32>,
    pub drop_elements: BTreeSet<u32>,
    pub drop_data: BTreeSet<u32>,
    /// Positions in the export section.
    pub drop_exports: BTreeSet<usize>,
    pub drop_start: bool,
    /// New raw bodies (locals and code, no size prefix) by function index.
    pub bodies: BTreeMap<u32, Vec<u8>>,
    /// New bytes of data segments.
    pub data_bytes: BTreeMap<u32, Vec<u8>>,
    /// New constant `i32.const` offsets of active data segments.
    pub data_offsets: BTreeMap<u32, i32>,
    /// How many items of an element segment to keep (from the front).
    pub element_len: BTreeMap<u32, usize>,
    /// How many items to drop from the front of an element segment (before
    /// `element_len` counts), with [`Edit::element_offsets`] keeping the
    /// rest in their slots.
    pub element_skip: BTreeMap<u32, usize>,
    /// New constant offsets of active element segments (encoded as the
    /// same `i32.const` or `i64.const` as the old offset).
    pub element_offsets: BTreeMap<u32, u64>,
    /// Functions replaced by another everywhere they are named (calls,
    /// `ref.func`, segments, exports, start): `f -> g`. Each `f` must also
    /// be in `drop_funcs`, and `g` must stay.
    pub merge_funcs: BTreeMap<u32, u32>,
    /// New (initial, maximum) of defined tables and memories.
    pub table_limits: BTreeMap<u32, (u64, Option<u64>)>,
    pub memory_limits: BTreeMap<u32, (u64, Option<u64>)>,
}

/// Why a module cannot be taken apart into items.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl<'a> Items<'a> {
    /// Splits `wasm` into items. Modules with features the reducer does not
    /// rewrite (GC types, tags, components) are refused.
    pub fn parse(wasm: &'a [u8]) -> Result<Items<'a>, Unsupported> {
        let bad = |e: wasmparser::BinaryReaderError| Unsupported(e.to_string());
        let mut items = Items {
            types: Vec::new(),
            imports: Vec::new(),
            funcs: Vec::new(),
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            exports: Vec::new(),
            start: None,
            elements: Vec::new(),
            data_count: false,
            bodies: Vec::new(),
            data: Vec::new(),
            imported: Imported::default(),
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(bad)? {
                Payload::Version { .. } | Payload::End(_) | Payload::CustomSection(_) => {}
                Payload::CodeSectionStart { .. } => {}
                Payload::TypeSection(r) => {
                    for group in r {
                        let group = group.map_err(bad)?;
                        for sub in group.into_types() {
                            let wasmparser::CompositeInnerType::Func(f) = sub.composite_type.inner
                            else {
                                return Err(Unsupported("a non-function type".into()));
                            };
                            items.types.push(f);
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import.map_err(bad)?;
                        match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => items.imported.funcs += 1,
                            TypeRef::Table(_) => items.imported.tables += 1,
                            TypeRef::Memory(_) => items.imported.memories += 1,
                            TypeRef::Global(_) => items.imported.globals += 1,
                            TypeRef::Tag(_) => return Err(Unsupported("an imported tag".into())),
                        }
                        items.imports.push(import);
                    }
                }
                Payload::FunctionSection(r) => {
                    for f in r {
                        items.funcs.push(f.map_err(bad)?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        items.tables.push(t.map_err(bad)?);
                    }
                }
                Payload::MemorySection(r) => {
                    for m in r {
                        items.memories.push(m.map_err(bad)?);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        items.globals.push(g.map_err(bad)?);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        items.exports.push(e.map_err(bad)?);
                    }
                }
                Payload::StartSection { func, .. } => items.start = Some(func),
                Payload::ElementSection(r) => {
                    for e in r {
                        items.elements.push(e.map_err(bad)?);
                    }
                }
                Payload::DataCountSection { .. } => items.data_count = true,
                Payload::CodeSectionEntry(body) => items.bodies.push(body),
                Payload::DataSection(r) => {
                    for d in r {
                        items.data.push(d.map_err(bad)?);
                    }
                }
                other => {
                    return Err(Unsupported(format!(
                        "section {:?} is not rewritten by the reducer",
                        other.as_section().map(|(id, _)| id)
                    )))
                }
            }
        }
        Ok(items)
    }

    /// Number of functions in the index space (imported and defined).
    pub fn func_count(&self) -> u32 {
        self.imported.funcs + self.funcs.len() as u32
    }

    /// What every part of the module refers to.
    pub fn uses(&self) -> Uses {
        let mut remap = Remap::new(self, &Edit::default());
        let _ = self.encode_with(&Edit::default(), &mut remap);
        remap.uses
    }

    /// The module with `edit` applied; `None` when the edit drops something
    /// that is still referred to, or replaces an item with bytes that do not parse.
    pub fn encode(&self, edit: &Edit) -> Option<Vec<u8>> {
        let mut remap = Remap::new(self, edit);
        self.encode_with(edit, &mut remap).ok()
    }

    fn encode_with(&self, edit: &Edit, remap: &mut Remap) -> Result<Vec<u8>, Error> {
        use wasm_encoder as we;
        let mut module = we::Module::new();
        let kept = |set: &BTreeSet<u32>, i: usize| !set.contains(&(i as u32));

        let mut types = we::TypeSection::new();
        for (i, t) in self.types.iter().enumerate() {
            if kept(&edit.drop_types, i) {
                remap.context = Context::Module;
                let params = remap.val_types(t.params().to_vec())?;
                let results = remap.val_types(t.results().to_vec())?;
                types.ty().function(params, results);
            }
        }
        if !types.is_empty() {
            module.section(&types);
        }

        let mut imports = we::ImportSection::new();
        remap.context = Context::Module;
        for import in &self.imports {
            let ty = remap.entity_type(import.ty)?;
            imports.import(import.module, import.name, ty);
        }
        if !imports.is_empty() {
            module.section(&imports);
        }

        let mut funcs = we::FunctionSection::new();
        for (i, &ty) in self.funcs.iter().enumerate() {
            let index = self.imported.funcs + i as u32;
            if !edit.drop_funcs.contains(&index) {
                remap.context = Context::Func(index);
                funcs.function(remap.type_index(ty)?);
            }
        }
        if !funcs.is_empty() {
            module.section(&funcs);
        }

        let mut tables = we::TableSection::new();
        for (i, t) in self.tables.iter().enumerate() {
            let index = self.imported.tables + i as u32;
            if edit.drop_tables.contains(&index) {
                continue;
            }
            remap.context = Context::Table(index);
            let mut ty = remap.table_type(t.ty)?;
            if let Some(&(initial, maximum)) = edit.table_limits.get(&index) {
                ty.minimum = initial;
                ty.maximum = maximum;
            }
            match &t.init {
                wasmparser::TableInit::RefNull => tables.table(ty),
                wasmparser::TableInit::Expr(e) => {
                    let e = remap.const_expr(e.clone())?;
                    tables.table_with_init(ty, &e)
                }
            };
        }
        if !tables.is_empty() {
            module.section(&tables);
        }

        let mut memories = we::MemorySection::new();
        for (i, m) in self.memories.iter().enumerate() {
            let index = self.imported.memories + i as u32;
            if edit.drop_memories.contains(&index) {
                continue;
            }
            let mut ty = remap.memory_type(*m)?;
            if let Some(&(initial, maximum)) = edit.memory_limits.get(&index) {
                ty.minimum = initial;
                ty.maximum = maximum;
            }
            memories.memory(ty);
        }
        if !memories.is_empty() {
            module.section(&memories);
        }

        let mut globals = we::GlobalSection::new();
        for (i, g) in self.globals.iter().enumerate() {
            let index = self.imported.globals + i as u32;
            if edit.drop_globals.contains(&index) {
                continue;
            }
            remap.context = Context::Global(index);
            let ty = remap.global_type(g.ty)?;
            let init = remap.const_expr(g.init_expr.clone())?;
            globals.global(ty, &init);
        }
        if !globals.is_empty() {
            module.section(&globals);
        }

        let mut exports = we::ExportSection::new();
        remap.context = Context::Module;
        for (i, e) in self.exports.iter().enumerate() {
            if edit.drop_exports.contains(&i) {
                continue;
            }
            let index = match e.kind {
                ExternalKind::Func | ExternalKind::FuncExact => remap.function_index(e.index)?,
                ExternalKind::Table => remap.table_index(e.index)?,
                ExternalKind::Memory => remap.memory_index(e.index)?,
                ExternalKind::Global => remap.global_index(e.index)?,
                ExternalKind::Tag => remap.tag_index(e.index)?,
            };
            exports.export(e.name, remap.export_kind(e.kind)?, index);
        }
        if !exports.is_empty() {
            module.section(&exports);
        }

        if let Some(start) = self.start.filter(|_| !edit.drop_start) {
            module.section(&we::StartSection {
                function_index: remap.function_index(start)?,
            });
        }

        let mut elements = we::ElementSection::new();
        for (i, e) in self.elements.iter().enumerate() {
            let index = i as u32;
            if edit.drop_elements.contains(&index) {
                continue;
            }
            remap.context = match e.kind {
                ElementKind::Active { .. } => Context::Module,
                _ => Context::Element(index),
            };
            let len = edit.element_len.get(&index).copied().unwrap_or(usize::MAX);
            let skip = edit.element_skip.get(&index).copied().unwrap_or(0);
            let items = match &e.items {
                ElementItems::Functions(r) => we::Elements::Functions(
                    r.clone()
                        .into_iter()
                        .skip(skip)
                        .take(len)
                        .map(|f| remap.function_index(f?))
                        .collect::<Result<Vec<_>, Error>>()?
                        .into(),
                ),
                ElementItems::Expressions(ty, r) => we::Elements::Expressions(
                    remap.ref_type(*ty)?,
                    r.clone()
                        .into_iter()
                        .skip(skip)
                        .take(len)
                        .map(|x| remap.const_expr(x?))
                        .collect::<Result<Vec<_>, Error>>()?
                        .into(),
                ),
            };
            match &e.kind {
                ElementKind::Active {
                    table_index,
                    offset_expr,
                } => {
                    let table = match (*table_index, remap.table_index(table_index.unwrap_or(0))?) {
                        (None, 0) => None,
                        (_, n) => Some(n),
                    };
                    let offset = match edit.element_offsets.get(&index) {
                        Some(&o) => match offset_expr.get_operators_reader().read() {
                            Ok(wasmparser::Operator::I64Const { .. }) => {
                                we::ConstExpr::i64_const(o as i64)
                            }
                            _ => we::ConstExpr::i32_const(o as i32),
                        },
                        None => remap.const_expr(offset_expr.clone())?,
                    };
                    elements.active(table, &offset, items)
                }
                ElementKind::Passive => elements.passive(items),
                ElementKind::Declared => elements.declared(items),
            };
        }
        if !elements.is_empty() {
            module.section(&elements);
        }

        let data_kept = (0..self.data.len())
            .filter(|&i| kept(&edit.drop_data, i))
            .count();
        if self.data_count {
            module.section(&we::DataCountSection {
                count: data_kept as u32,
            });
        }

        let mut code = we::CodeSection::new();
        for (i, body) in self.bodies.iter().enumerate() {
            let index = self.imported.funcs + i as u32;
            if edit.drop_funcs.contains(&index) {
                continue;
            }
            remap.context = Context::Func(index);
            match edit.bodies.get(&index) {
                Some(raw) => {
                    let body = FunctionBody::new(wasmparser::BinaryReader::new(raw, 0));
                    remap.parse_function_body(&mut code, body)?;
                }
                None => remap.parse_function_body(&mut code, body.clone())?,
            }
        }
        if !code.is_empty() {
            module.section(&code);
        }

        let mut data = we::DataSection::new();
        for (i, d) in self.data.iter().enumerate() {
            let index = i as u32;
            if edit.drop_data.contains(&index) {
                continue;
            }
            let bytes = edit
                .data_bytes
                .get(&index)
                .map_or(d.data, |b| b.as_slice())
                .iter()
                .copied();
            match &d.kind {
                wasmparser::DataKind::Active {
                    memory_index,
                    offset_expr,
                } => {
                    remap.context = Context::Module;
                    let memory = remap.memory_index(*memory_index)?;
                    let offset = match edit.data_offsets.get(&index) {
                        Some(&o) => we::ConstExpr::i32_const(o),
                        None => remap.const_expr(offset_expr.clone())?,
                    };
                    data.active(memory, &offset, bytes);
                }
                wasmparser::DataKind::Passive => {
                    data.passive(bytes);
                }
            }
        }
        if !data.is_empty() {
            module.section(&data);
        }
        Ok(module.finish())
    }
}

/// The value of a constant `i32.const` or `i64.const` offset (as unsigned
/// 64 bits); `None` for any other expression.
pub fn const_offset(expr: &wasmparser::ConstExpr) -> Option<u64> {
    match expr.get_operators_reader().read() {
        Ok(wasmparser::Operator::I32Const { value }) => Some(value as u32 as u64),
        Ok(wasmparser::Operator::I64Const { value }) => Some(value as u64),
        _ => None,
    }
}

/// Which part of the module an index appears in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Context {
    /// Exports, start, imports, active segments: always live.
    Module,
    Func(u32),
    Global(u32),
    Table(u32),
    /// A passive or declared element segment.
    Element(u32),
}

/// An item of one of the index spaces.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Item {
    Type(u32),
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
    Element(u32),
    Data(u32),
}

/// Every item referred to, by the part of the module that refers to it.
#[derive(Default, Debug)]
pub struct Uses {
    pub refs: BTreeMap<Context, BTreeSet<Item>>,
}

impl Uses {
    /// Items reachable from the always-live parts: exports, start, active
    /// segments, and whatever the functions, globals, tables and passive
    /// segments reached from there refer to.
    pub fn live(&self) -> BTreeSet<Item> {
        let mut live = BTreeSet::new();
        let mut todo: Vec<Context> = vec![Context::Module];
        let mut seen = BTreeSet::new();
        while let Some(ctx) = todo.pop() {
            if !seen.insert(ctx) {
                continue;
            }
            for &item in self.refs.get(&ctx).into_iter().flatten() {
                live.insert(item);
                match item {
                    Item::Func(f) => todo.push(Context::Func(f)),
                    Item::Global(g) => todo.push(Context::Global(g)),
                    Item::Table(t) => todo.push(Context::Table(t)),
                    Item::Element(e) => todo.push(Context::Element(e)),
                    _ => {}
                }
            }
        }
        live
    }
}

/// A reference to a dropped item.
#[derive(Debug)]
struct Dropped;

type Error = reencode::Error<Dropped>;

/// Old index -> new index for each index space, plus use recording.
struct Remap {
    types: Vec<Option<u32>>,
    funcs: Vec<Option<u32>>,
    tables: Vec<Option<u32>>,
    memories: Vec<Option<u32>>,
    globals: Vec<Option<u32>>,
    elements: Vec<Option<u32>>,
    data: Vec<Option<u32>>,
    context: Context,
    uses: Uses,
}

fn index_map(count: usize, dropped: &BTreeSet<u32>) -> Vec<Option<u32>> {
    let mut next = 0;
    (0..count as u32)
        .map(|i| {
            (!dropped.contains(&i)).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

impl Remap {
    fn new(items: &Items, edit: &Edit) -> Remap {
        let imported = items.imported;
        let keep_imports = |n: u32, set: &BTreeSet<u32>| -> BTreeSet<u32> {
            set.iter().copied().filter(|&i| i >= n).collect()
        };
        let mut funcs = index_map(
            items.func_count() as usize,
            &keep_imports(imported.funcs, &edit.drop_funcs),
        );
        for (&from, &to) in &edit.merge_funcs {
            let to = funcs.get(to as usize).copied().flatten();
            if let Some(slot) = funcs.get_mut(from as usize) {
                *slot = to;
            }
        }
        Remap {
            types: index_map(items.types.len(), &edit.drop_types),
            funcs,
            tables: index_map(
                (imported.tables as usize) + items.tables.len(),
                &keep_imports(imported.tables, &edit.drop_tables),
            ),
            memories: index_map(
                (imported.memories as usize) + items.memories.len(),
                &keep_imports(imported.memories, &edit.drop_memories),
            ),
            globals: index_map(
                (imported.globals as usize) + items.globals.len(),
                &keep_imports(imported.globals, &edit.drop_globals),
            ),
            elements: index_map(items.elements.len(), &edit.drop_elements),
            data: index_map(items.data.len(), &edit.drop_data),
            context: Context::Module,
            uses: Uses::default(),
        }
    }

    fn map(&mut self, item: Item) -> Result<u32, Error> {
        self.uses.refs.entry(self.context).or_default().insert(item);
        let (table, i) = match item {
            Item::Type(i) => (&self.types, i),
            Item::Func(i) => (&self.funcs, i),
            Item::Table(i) => (&self.tables, i),
            Item::Memory(i) => (&self.memories, i),
            Item::Global(i) => (&self.globals, i),
            Item::Element(i) => (&self.elements, i),
            Item::Data(i) => (&self.data, i),
        };
        table
            .get(i as usize)
            .copied()
            .flatten()
            .ok_or(reencode::Error::UserError(Dropped))
    }
}

impl Reencode for Remap {
    type Error = Dropped;

    fn type_index(&mut self, ty: u32) -> Result<u32, Error> {
        self.map(Item::Type(ty))
    }
    fn function_index(&mut self, func: u32) -> Result<u32, Error> {
        self.map(Item::Func(func))
    }
    fn table_index(&mut self, table: u32) -> Result<u32, Error> {
        self.map(Item::Table(table))
    }
    fn memory_index(&mut self, memory: u32) -> Result<u32, Error> {
        self.map(Item::Memory(memory))
    }
    fn global_index(&mut self, global: u32) -> Result<u32, Error> {
        self.map(Item::Global(global))
    }
    fn element_index(&mut self, element: u32) -> Result<u32, Error> {
        self.map(Item::Element(element))
    }
    fn data_index(&mut self, data: u32) -> Result<u32, Error> {
        self.map(Item::Data(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = r#"(module
        (type $v (func))
        (type $unused (func (param f64)))
        (global $g (mut i32) (i32.const 1))
        (global $h i32 (i32.const 2))
        (table 2 funcref)
        (elem (i32.const 0) $b)
        (func $a (global.set $g (i32.const 3)))
        (func $b (call $c))
        (func $c (export "c") (drop (global.get $h)))
        (func $d (call $a)))"#;

    #[test]
    fn live_items_are_those_reached_from_exports_and_segments() {
        let wasm = wat::parse_str(WAT).unwrap();
        let items = Items::parse(&wasm).unwrap();
        let live = items.uses().live();
        for item in [
            Item::Func(1),
            Item::Func(2),
            Item::Global(1),
            Item::Table(0),
            Item::Type(0),
        ] {
            assert!(live.contains(&item), "{item:?} is live");
        }
        for item in [Item::Func(0), Item::Func(3), Item::Global(0), Item::Type(1)] {
            assert!(!live.contains(&item), "{item:?} is dead");
        }
    }

    #[test]
    fn dropping_items_renumbers_the_rest_and_refuses_used_ones() {
        let wasm = wat::parse_str(WAT).unwrap();
        let items = Items::parse(&wasm).unwrap();
        let edit = Edit {
            drop_funcs: [0, 3].into(),
            drop_globals: [0].into(),
            drop_types: [1].into(),
            ..Edit::default()
        };
        let out = items.encode(&edit).expect("nothing live is dropped");
        tierdiff_runtime::Module::new(&out).expect("valid");
        let text = wasmprinter::print_bytes(&out).unwrap();
        assert!(
            text.contains("call 1") && text.contains("global.get 0"),
            "{text}"
        );
        assert!(text.contains("(elem (;0;) (i32.const 0) func 0)"), "{text}");
        let used = Edit {
            drop_funcs: [2].into(),
            ..Edit::default()
        };
        assert!(items.encode(&used).is_none(), "function 2 is called");
    }

    #[test]
    fn segments_and_limits_can_be_cut() {
        let wasm = wat::parse_str(
            r#"(module (memory 3 5) (table 4 funcref) (func $f)
                (elem (i32.const 0) $f $f $f)
                (data (i32.const 8) "abcdef"))"#,
        )
        .unwrap();
        let items = Items::parse(&wasm).unwrap();
        let edit = Edit {
            data_bytes: [(0, b"def".to_vec())].into(),
            data_offsets: [(0, 11)].into(),
            element_len: [(0, 1)].into(),
            table_limits: [(0, (1, None))].into(),
            memory_limits: [(0, (1, Some(5)))].into(),
            ..Edit::default()
        };
        let text = wasmprinter::print_bytes(items.encode(&edit).unwrap()).unwrap();
        for part in [
            "(table (;0;) 1 funcref)",
            "(memory (;0;) 1 5)",
            "(elem (;0;) (i32.const 0) func 0)",
            "(data (;0;) (i32.const 11) \"def\")",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
}
