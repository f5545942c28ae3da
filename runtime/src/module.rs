//! Decoding and validation: one immutable, shared [`Module`] per binary.
//!
//! Validation uses wasmparser with exactly the features every tier
//! implements ([`supported_features`]). A module that is valid only with a
//! later proposal is rejected with `unsupported feature: X`, so users can
//! tell "we do not do that yet" apart from "your module is broken".
//!
//! A feature is turned on in [`supported_features`] once every tier runs
//! it; [`decodable_features`] may run ahead of it while a tier is being
//! built (`Module::new_with_features`).

use crate::types::FuncType;
use crate::values::ValType;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use thiserror::Error;
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// Why a binary could not be loaded.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum LoadError {
    /// The binary does not decode or does not validate.
    #[error("invalid module: {0}")]
    Invalid(String),
    /// The module is valid only with proposals we do not implement yet
    /// (their names, comma-separated).
    #[error("unsupported feature: {0}")]
    Unsupported(String),
}

/// The features every tier implements: WebAssembly 2.0 (SIMD included)
/// and the first part of 3.0: tail calls, extended constant expressions,
/// multiple memories, 64-bit memories and tables. Relaxed SIMD stays out
/// (its results are implementation-defined, so tiers could not be compared).
pub fn supported_features() -> WasmFeatures {
    decodable_features()
}

/// Every feature the decoder can represent, supported or not yet: what a
/// tier under development may opt into with [`Module::new_with_features`].
pub fn decodable_features() -> WasmFeatures {
    WasmFeatures::WASM2
        .union(WasmFeatures::TAIL_CALL)
        .union(WasmFeatures::EXTENDED_CONST)
        .union(WasmFeatures::MULTI_MEMORY)
        .union(WasmFeatures::MEMORY64)
}

/// Proposals we recognise but reject, each with the wasmparser flags it needs.
const UNSUPPORTED: &[(&str, WasmFeatures)] = &[
    ("SIMD", WasmFeatures::SIMD),
    ("relaxed SIMD", WasmFeatures::RELAXED_SIMD),
    ("threads", WasmFeatures::THREADS),
    ("memory64", WasmFeatures::MEMORY64),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("tail calls", WasmFeatures::TAIL_CALL),
    (
        "extended constant expressions",
        WasmFeatures::EXTENDED_CONST,
    ),
    (
        "exceptions",
        WasmFeatures::EXCEPTIONS.union(WasmFeatures::LEGACY_EXCEPTIONS),
    ),
    ("function references", WasmFeatures::FUNCTION_REFERENCES),
    (
        "GC",
        WasmFeatures::GC.union(WasmFeatures::FUNCTION_REFERENCES),
    ),
    ("wide arithmetic", WasmFeatures::WIDE_ARITHMETIC),
    ("custom page sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
];

/// A table's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableType {
    pub elem: ValType,
    pub min: u64,
    pub max: Option<u64>,
    /// A 64-bit table (memory64 proposal): its indices, sizes and lengths are
    /// i64, and `call_indirect` through it takes an i64 index.
    pub index64: bool,
}

/// A memory's type, in 64 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryType {
    pub min: u64,
    pub max: Option<u64>,
    /// A 64-bit memory (memory64): addresses, sizes and offsets are i64.
    pub index64: bool,
}

/// A global's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub ty: ValType,
    pub mutable: bool,
}

/// What an import asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// A function of the given type index.
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

/// One import.
#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// Which index space an export names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
}

/// One export.
#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

/// One instruction of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull(ValType),
    RefFunc(u32),
    GlobalGet(u32),
    /// Extended constant expressions: integer arithmetic on the two values below.
    Binary(ConstBinOp),
}

/// The arithmetic extended constant expressions allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstBinOp {
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

impl ConstBinOp {
    /// Applies the operation to two raw slots (wrapping, as in wasm).
    pub fn apply(self, a: u64, b: u64) -> u64 {
        let (a32, b32) = (a as u32, b as u32);
        let op = match self {
            ConstBinOp::I32Sub if crate::fault::active(crate::fault::Fault::ConstSubAsAdd) => {
                ConstBinOp::I32Add
            }
            ConstBinOp::I64Sub if crate::fault::active(crate::fault::Fault::ConstSubAsAdd) => {
                ConstBinOp::I64Add
            }
            other => other,
        };
        match op {
            ConstBinOp::I32Add => a32.wrapping_add(b32) as u64,
            ConstBinOp::I32Sub => a32.wrapping_sub(b32) as u64,
            ConstBinOp::I32Mul => a32.wrapping_mul(b32) as u64,
            ConstBinOp::I64Add => a.wrapping_add(b),
            ConstBinOp::I64Sub => a.wrapping_sub(b),
            ConstBinOp::I64Mul => a.wrapping_mul(b),
        }
    }
}

/// A constant expression: its instructions in order, evaluated on a stack
/// (one instruction in WebAssembly 2.0; arithmetic with extended constants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstExpr(Vec<ConstOp>);

impl ConstExpr {
    /// An expression of one instruction.
    pub fn single(op: ConstOp) -> ConstExpr {
        ConstExpr(vec![op])
    }

    /// The instructions, in order.
    pub fn ops(&self) -> &[ConstOp] {
        &self.0
    }
}

/// A defined function's body.
#[derive(Clone, Debug)]
pub struct FuncBody {
    /// Declared locals after the parameters, expanded one entry per local.
    pub locals: Vec<ValType>,
    /// Byte range of the instructions in [`Module::bytes`], final `end` included.
    pub code: Range<usize>,
}

/// How an element segment is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SegmentMode {
    Passive,
    Active { index: u32, offset: ConstExpr },
    Declared,
}

/// An element segment.
#[derive(Clone, Debug)]
pub struct ElemSegment {
    pub elem: ValType,
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
}

/// A data segment.
#[derive(Clone, Debug)]
pub struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: Arc<[u8]>,
}

/// A decoded, validated module. Immutable and shared by every instance and tier.
#[derive(Debug)]
pub struct Module {
    /// Unique per loaded module, so tiers can key caches by it safely.
    pub id: u64,
    pub bytes: Arc<[u8]>,
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    /// Bodies of the defined functions (`funcs[num_imported_funcs..]`).
    pub bodies: Vec<FuncBody>,
    /// Every table, imported ones first.
    pub tables: Vec<TableType>,
    /// Every memory, imported ones first.
    pub memories: Vec<MemoryType>,
    /// Every global's type, imported ones first.
    pub globals: Vec<GlobalType>,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
}

static NEXT_MODULE_ID: AtomicU64 = AtomicU64::new(1);

impl Module {
    /// Decodes and validates a binary with the [`supported_features`].
    pub fn new(bytes: &[u8]) -> Result<Arc<Module>, LoadError> {
        Module::new_with_features(bytes, supported_features())
    }

    /// Decodes and validates with a feature set of one's own, at most the
    /// [`decodable_features`]: for tests of a tier that runs a proposal
    /// before every tier does. Modules loaded this way may not run in every
    /// tier.
    pub fn new_with_features(
        bytes: &[u8],
        features: WasmFeatures,
    ) -> Result<Arc<Module>, LoadError> {
        validate(bytes, features.intersection(decodable_features()))?;
        decode(bytes)
            .map(Arc::new)
            .map_err(|e| LoadError::Invalid(e.0))
    }

    /// The signature of function `index` (imports included).
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// The export named `name`, if any.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
}

fn validate(bytes: &[u8], supported: WasmFeatures) -> Result<(), LoadError> {
    let valid_with = |features: WasmFeatures| {
        Validator::new_with_features(features)
            .validate_all(bytes)
            .is_ok()
    };
    let err = match Validator::new_with_features(supported).validate_all(bytes) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let missing: Vec<&(&str, WasmFeatures)> = UNSUPPORTED
        .iter()
        .filter(|(_, extra)| !supported.contains(*extra))
        .collect();
    // One proposal is the common case; a module may need several.
    if let Some((name, _)) = missing
        .iter()
        .find(|(_, extra)| valid_with(supported.union(*extra)))
    {
        return Err(LoadError::Unsupported(name.to_string()));
    }
    let all = missing
        .iter()
        .fold(supported, |f, (_, extra)| f.union(*extra));
    if valid_with(all) {
        let needed: Vec<&str> = missing
            .iter()
            .filter(|(_, extra)| !valid_with(all.difference(extra.difference(supported))))
            .map(|(name, _)| *name)
            .collect();
        if !needed.is_empty() {
            return Err(LoadError::Unsupported(needed.join(", ")));
        }
    }
    Err(LoadError::Invalid(err.message().to_string()))
}

fn val_type(ty: wasmparser::ValType) -> DecodeResult<ValType> {
    Ok(match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::Ref(r) => ref_type(r)?,
        wasmparser::ValType::V128 => ValType::V128,
    })
}

fn ref_type(r: wasmparser::RefType) -> DecodeResult<ValType> {
    if r == wasmparser::RefType::FUNCREF {
        Ok(ValType::FuncRef)
    } else if r == wasmparser::RefType::EXTERNREF {
        Ok(ValType::ExternRef)
    } else {
        Err(unsupported("reference type"))
    }
}

/// A decoding failure after validation passed: only constructs outside 2.0.
#[derive(Debug)]
struct DecodeError(String);

impl From<wasmparser::BinaryReaderError> for DecodeError {
    fn from(e: wasmparser::BinaryReaderError) -> DecodeError {
        DecodeError(e.message().to_string())
    }
}

type DecodeResult<T> = Result<T, DecodeError>;

fn unsupported(what: &str) -> DecodeError {
    DecodeError(format!("unsupported {what}"))
}

fn table_type(t: wasmparser::TableType) -> DecodeResult<TableType> {
    if t.shared {
        return Err(unsupported("shared table"));
    }
    Ok(TableType {
        elem: ref_type(t.element_type)?,
        min: t.initial,
        max: t.maximum,
        index64: t.table64,
    })
}

fn memory_type(m: wasmparser::MemoryType) -> DecodeResult<MemoryType> {
    if m.shared || m.page_size_log2.is_some() {
        return Err(unsupported("memory type"));
    }
    Ok(MemoryType {
        min: m.initial,
        max: m.maximum,
        index64: m.memory64,
    })
}

fn global_type(g: wasmparser::GlobalType) -> DecodeResult<GlobalType> {
    Ok(GlobalType {
        ty: val_type(g.content_type)?,
        mutable: g.mutable,
    })
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> DecodeResult<ConstExpr> {
    use wasmparser::Operator as Op;
    let mut reader = expr.get_operators_reader();
    let mut ops = Vec::with_capacity(1);
    loop {
        let op = match reader.read()? {
            Op::End => return Ok(ConstExpr(ops)),
            Op::I32Const { value } => ConstOp::I32(value),
            Op::I64Const { value } => ConstOp::I64(value),
            Op::F32Const { value } => ConstOp::F32(value.bits()),
            Op::F64Const { value } => ConstOp::F64(value.bits()),
            Op::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
            Op::RefNull { hty } => ConstOp::RefNull(ref_type(
                wasmparser::RefType::new(true, hty).ok_or_else(|| unsupported("heap type"))?,
            )?),
            Op::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Op::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Op::I32Add => ConstOp::Binary(ConstBinOp::I32Add),
            Op::I32Sub => ConstOp::Binary(ConstBinOp::I32Sub),
            Op::I32Mul => ConstOp::Binary(ConstBinOp::I32Mul),
            Op::I64Add => ConstOp::Binary(ConstBinOp::I64Add),
            Op::I64Sub => ConstOp::Binary(ConstBinOp::I64Sub),
            Op::I64Mul => ConstOp::Binary(ConstBinOp::I64Mul),
            _ => return Err(unsupported("constant expression")),
        };
        ops.push(op);
    }
}

fn decode(bytes: &[u8]) -> DecodeResult<Module> {
    let shared: Arc<[u8]> = Arc::from(bytes);
    let mut m = Module {
        id: NEXT_MODULE_ID.fetch_add(1, Ordering::Relaxed),
        bytes: shared,
        types: Vec::new(),
        imports: Vec::new(),
        funcs: Vec::new(),
        bodies: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        global_inits: Vec::new(),
        exports: Vec::new(),
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        num_imported_funcs: 0,
        num_imported_tables: 0,
        num_imported_memories: 0,
        num_imported_globals: 0,
    };
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty?;
                    let params = ty
                        .params()
                        .iter()
                        .map(|&t| val_type(t))
                        .collect::<Result<_, _>>()?;
                    let results = ty
                        .results()
                        .iter()
                        .map(|&t| val_type(t))
                        .collect::<Result<_, _>>()?;
                    m.types.push(FuncType { params, results });
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        wasmparser::TypeRef::Func(t) => {
                            m.funcs.push(t);
                            m.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        wasmparser::TypeRef::Table(t) => {
                            let t = table_type(t)?;
                            m.tables.push(t);
                            m.num_imported_tables += 1;
                            ImportKind::Table(t)
                        }
                        wasmparser::TypeRef::Memory(mt) => {
                            let mt = memory_type(mt)?;
                            m.memories.push(mt);
                            m.num_imported_memories += 1;
                            ImportKind::Memory(mt)
                        }
                        wasmparser::TypeRef::Global(g) => {
                            let g = global_type(g)?;
                            m.globals.push(g);
                            m.num_imported_globals += 1;
                            ImportKind::Global(g)
                        }
                        _ => return Err(unsupported("import kind")),
                    };
                    m.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    m.funcs.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for t in reader {
                    let t = t?;
                    if !matches!(t.init, wasmparser::TableInit::RefNull) {
                        return Err(unsupported("table initialiser"));
                    }
                    m.tables.push(table_type(t.ty)?);
                }
            }
            Payload::MemorySection(reader) => {
                for mt in reader {
                    m.memories.push(memory_type(mt?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    m.globals.push(global_type(g.ty)?);
                    m.global_inits.push(const_expr(&g.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        _ => return Err(unsupported("export kind")),
                    };
                    m.exports.push(Export {
                        name: e.name.to_string(),
                        kind,
                        index: e.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for e in reader {
                    let e = e?;
                    let (elem, items) = match e.items {
                        wasmparser::ElementItems::Functions(r) => (
                            ValType::FuncRef,
                            r.into_iter()
                                .map(|f| f.map(|f| ConstExpr::single(ConstOp::RefFunc(f))))
                                .collect::<Result<Vec<_>, _>>()?,
                        ),
                        wasmparser::ElementItems::Expressions(ty, r) => {
                            let items = r
                                .into_iter()
                                .map(|c| const_expr(&c?))
                                .collect::<Result<Vec<_>, _>>()?;
                            (ref_type(ty)?, items)
                        }
                    };
                    let mode = match e.kind {
                        wasmparser::ElementKind::Passive => SegmentMode::Passive,
                        wasmparser::ElementKind::Declared => SegmentMode::Declared,
                        wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    m.elems.push(ElemSegment { elem, mode, items });
                }
            }
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d?;
                    let mode = match d.kind {
                        wasmparser::DataKind::Passive => SegmentMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: memory_index,
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    m.datas.push(DataSegment {
                        mode,
                        bytes: Arc::from(d.data),
                    });
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut locals = Vec::new();
                for local in body.get_locals_reader()? {
                    let (count, ty) = local?;
                    let ty = val_type(ty)?;
                    locals.extend(std::iter::repeat_n(ty, count as usize));
                }
                let ops = body.get_operators_reader()?;
                let start = ops.original_position() as usize;
                let end = body.range().end as usize;
                m.bodies.push(FuncBody {
                    locals,
                    code: start..end,
                });
            }
            _ => {}
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(wat: &str) -> Result<Arc<Module>, LoadError> {
        Module::new(&wat::parse_str(wat).unwrap())
    }

    #[test]
    fn decodes_functions_and_exports() {
        let m = load(r#"(module (func (export "f") (param i32) (result i32) (local i64 externref) local.get 0))"#).unwrap();
        assert_eq!(m.bodies.len(), 1);
        assert_eq!(m.bodies[0].locals, vec![ValType::I64, ValType::ExternRef]);
        assert_eq!(m.export("f").unwrap().kind, ExportKind::Func);
        assert_eq!(m.bytes[m.bodies[0].code.end - 1], 0x0b);
    }

    #[test]
    fn relaxed_simd_is_reported_as_unsupported() {
        let err = load(
            r#"(module (func (param v128 v128 v128) (result v128)
                 (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))"#,
        )
        .unwrap_err();
        assert_eq!(err, LoadError::Unsupported("relaxed SIMD".into()));
        assert_eq!(err.to_string(), "unsupported feature: relaxed SIMD");
    }

    #[test]
    fn simd_and_3_0_part_one_load() {
        for wat in [
            r#"(module (func (result v128) v128.const i64x2 0 0))"#,
            r#"(module (func $f return_call $f))"#,
            r#"(module (memory i64 1) (memory 1) (table i64 1 funcref))"#,
            r#"(module (global i64 (i64.mul (i64.const 6) (i64.const 7))))"#,
        ] {
            load(wat).unwrap_or_else(|e| panic!("{wat}: {e}"));
        }
        let threads = load(r#"(module (memory 1 1 shared))"#).unwrap_err();
        assert_eq!(threads.to_string(), "unsupported feature: threads");
    }

    #[test]
    fn garbage_and_truncation_are_invalid() {
        assert!(matches!(
            Module::new(b"not wasm"),
            Err(LoadError::Invalid(_))
        ));
        let good = wat::parse_str("(module (func))").unwrap();
        assert!(matches!(
            Module::new(&good[..good.len() - 2]),
            Err(LoadError::Invalid(_))
        ));
    }
}
