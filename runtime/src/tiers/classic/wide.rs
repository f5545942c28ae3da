//! Where `v128` values sit on the classic tier's operand stack.
//!
//! Every value takes one 64-bit cell, except a `v128`, which takes two (low
//! half first, like the slots values travel in). Most instructions say
//! their operand types in the opcode, but four do not: `local.get/set/tee`
//! (a local's type lives in the function's declaration) and `drop` and the
//! untyped `select` (their operand type is only known from validation).
//!
//! So a function that touches a `v128` in one of those ways gets a
//! [`FuncWide`]: each local's cell offset and the offsets of the `drop` and
//! `select` instructions whose operand is a `v128`, found by running
//! wasmparser's function validator over the body once and asking it the
//! operand type at each of them. Functions that never see a `v128` (all of
//! them in a module without one) get none, and their scalar paths stay as
//! they were: identity local offsets and one-cell `drop`/`select`.

use crate::maps::{InternalMap, LookupStats, MapSnapshot, Violation};
use crate::module::Module;
use crate::prepare::PrepareError;
use crate::store::StoreData;
use crate::values::{slot_count, ValType};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use wasmparser::{
    FuncToValidate, FuncValidatorAllocations, OperatorsReader, Parser, ValidPayload, Validator,
    ValidatorResources,
};

/// How a function that sees `v128` values lays them out.
#[derive(Debug)]
pub(super) struct FuncWide {
    /// The function this describes (for [`InternalMap::check`]).
    module: Arc<Module>,
    func: u32,
    /// Cells taken by the parameters.
    pub param_cells: usize,
    /// Cells taken by the results.
    pub result_cells: usize,
    /// Per local (parameters first): its first cell, counted from the
    /// frame's first local, and whether it is a `v128`. Empty when no local
    /// is a `v128`, and local `i` is then cell `i`.
    locals: Box<[(u32, bool)]>,
    /// Offsets of the `drop` and untyped `select` opcodes whose operand is a `v128`.
    wide_ops: HashSet<usize>,
}

impl FuncWide {
    /// Local `i`'s first cell and whether it is a `v128`.
    #[inline]
    pub fn local(&self, i: usize) -> (usize, bool) {
        match self.locals.get(i) {
            Some(&(cell, wide)) => (cell as usize, wide),
            None => (i, false),
        }
    }

    /// Whether the `drop` or `select` at `pc` moves a `v128`.
    #[inline]
    pub fn wide_op(&self, pc: usize) -> bool {
        self.wide_ops.contains(&pc)
    }
}

/// Names a [`FuncWide`] of the store's [`WideCache`]: frames carry this
/// plain index rather than a counted pointer, so pushing and popping a
/// frame costs the scalar paths nothing extra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct WideId(u32);

/// What the validator pass needs to re-examine one module's functions.
struct ModuleWide {
    /// The module's validation context (`None` in a module without
    /// function bodies, where nothing asks).
    resources: Option<ValidatorResources>,
    /// Per defined function: its wasmparser type index, and its analysis
    /// once made (`Some(None)`: it never sees a `v128`).
    funcs: Vec<(u32, Option<Option<WideId>>)>,
}

impl ModuleWide {
    fn new(module: &Module) -> Result<ModuleWide, PrepareError> {
        let internal = |e: wasmparser::BinaryReaderError| PrepareError::internal("classic", e);
        let mut validator = Validator::new_with_features(crate::module::decodable_features());
        let mut funcs = Vec::with_capacity(module.bodies.len());
        let mut resources = None;
        for payload in Parser::new(0).parse_all(&module.bytes) {
            let payload = payload.map_err(internal)?;
            if let ValidPayload::Func(f, _) = validator.payload(&payload).map_err(internal)? {
                funcs.push((f.ty, None));
                resources = Some(f.resources);
            }
        }
        Ok(ModuleWide { resources, funcs })
    }
}

/// The per-store cache of [`FuncWide`]s.
#[derive(Default)]
pub(super) struct WideCache {
    /// Per store instance: whether its module can hold a `v128` at all.
    may_hold: Vec<bool>,
    /// Per module id, for modules that can.
    modules: HashMap<u64, ModuleWide>,
    /// Every analysis made, indexed by [`WideId`].
    layouts: Vec<FuncWide>,
    stats: LookupStats,
}

impl WideCache {
    /// Notes whether `instance` (just allocated) can ever hold a `v128`,
    /// and if so readies its module for analysis.
    pub fn prepare(&mut self, data: &StoreData, instance: usize) -> Result<(), PrepareError> {
        let module = &data.instances[instance].module;
        let may = may_hold_v128(module);
        if self.may_hold.len() <= instance {
            self.may_hold.resize(instance + 1, false);
        }
        self.may_hold[instance] = may;
        if may && !self.modules.contains_key(&module.id) {
            self.modules.insert(module.id, ModuleWide::new(module)?);
        }
        Ok(())
    }

    /// Whether `instance` can ever hold a `v128` (if not, none of its
    /// functions has a layout).
    #[inline]
    pub fn may_hold(&self, instance: u32) -> bool {
        self.may_hold.get(instance as usize) == Some(&true)
    }

    /// The layout of defined function `func` of `module` (whose instance
    /// [`WideCache::may_hold`] one), analysing the function on first
    /// sight; `None` when it never sees a `v128`.
    #[inline(never)]
    pub fn func(&mut self, module: &Arc<Module>, func: u32) -> Option<WideId> {
        let m = self
            .modules
            .get_mut(&module.id)
            .expect("prepared with its instance");
        let (ty, done) = &mut m.funcs[(func - module.num_imported_funcs) as usize];
        if let Some(id) = done {
            self.stats.hits += 1;
            return *id;
        }
        self.stats.misses += 1;
        let resources = m
            .resources
            .as_ref()
            .expect("a module with bodies has resources");
        let id = analyse(module, func, *ty, resources).map(|w| {
            self.layouts.push(w);
            WideId(self.layouts.len() as u32 - 1)
        });
        *done = Some(id);
        id
    }

    /// The layout `id` names.
    #[inline]
    pub fn get(&self, id: WideId) -> &FuncWide {
        &self.layouts[id.0 as usize]
    }
}

/// Whether anything in `module` can make a `v128`: a `v128` in a type, a
/// global or a local, or a 0xFD prefix byte anywhere in the code (which
/// may also be an immediate: then the module is merely analysed in vain).
fn may_hold_v128(module: &Module) -> bool {
    let v = |t: &ValType| *t == ValType::V128;
    module
        .types
        .iter()
        .any(|t| t.params.iter().any(v) || t.results.iter().any(v))
        || module.globals.iter().any(|g| v(&g.ty))
        || module
            .imports
            .iter()
            .any(|i| matches!(&i.kind, crate::module::ImportKind::Global(g) if v(&g.ty)))
        || module
            .bodies
            .iter()
            .any(|b| b.locals.iter().any(v) || module.bytes[b.code.clone()].contains(&0xfd))
}

impl InternalMap for WideCache {
    fn name(&self) -> &'static str {
        "classic-v128-layouts"
    }

    fn stats(&self) -> LookupStats {
        self.stats
    }

    /// Every layout agrees with its function: cells counted from the
    /// signature and local types, and each wide operation an actual `drop`
    /// or `select` opcode inside the body.
    fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        for w in &self.layouts {
            let mut bad = |what: String| {
                out.push(Violation::new(
                    self.name(),
                    format!("module {} func {}: {what}", w.module.id, w.func),
                ))
            };
            let ty = w.module.func_type(w.func);
            if (w.param_cells, w.result_cells) != (slot_count(&ty.params), slot_count(&ty.results))
            {
                bad(format!(
                    "{} parameter and {} result cells for type {ty}",
                    w.param_cells, w.result_cells
                ));
            }
            let body = &w.module.bodies[(w.func - w.module.num_imported_funcs) as usize];
            if !w.locals.is_empty() {
                let types = ty.params.iter().chain(&body.locals);
                let mut cell = 0;
                let agrees = w.locals.len() == ty.params.len() + body.locals.len()
                    && types.zip(w.locals.iter()).all(|(t, &(at, wide))| {
                        let ok = at == cell && wide == (*t == ValType::V128);
                        cell += t.slots() as u32;
                        ok
                    });
                if !agrees {
                    bad(format!(
                        "local cells {:?} disagree with the local types",
                        w.locals
                    ));
                }
            }
            for &pc in &w.wide_ops {
                if !body.code.contains(&pc) || !matches!(w.module.bytes[pc], 0x1a | 0x1b) {
                    bad(format!(
                        "wide operation at {pc} is no drop or select of the body"
                    ));
                }
            }
        }
        out
    }

    fn snapshot(&self) -> MapSnapshot {
        let mut keys: Vec<String> = self
            .layouts
            .iter()
            .map(|w| {
                let v128_locals = w.locals.iter().filter(|(_, wide)| *wide).count();
                format!(
                    "func {}: {v128_locals} v128 locals, {} wide ops",
                    w.func,
                    w.wide_ops.len()
                )
            })
            .collect();
        keys.sort();
        MapSnapshot {
            name: self.name().into(),
            entries: self.layouts.len() as u64,
            keys,
            stats: self.stats,
        }
    }
}

/// Runs the validator over one body, noting the `drop`s and `select`s whose
/// operand is a `v128`. `None` when the function never sees one.
fn analyse(
    module: &Arc<Module>,
    func: u32,
    ty_index: u32,
    resources: &ValidatorResources,
) -> Option<FuncWide> {
    let ty = module.func_type(func);
    let body = &module.bodies[(func - module.num_imported_funcs) as usize];
    let all_locals = || ty.params.iter().chain(&body.locals);
    let any_wide_local = all_locals().any(|t| *t == ValType::V128);
    let locals: Box<[(u32, bool)]> = if any_wide_local {
        let mut cell = 0u32;
        all_locals()
            .map(|t| {
                let at = cell;
                cell += t.slots() as u32;
                (at, *t == ValType::V128)
            })
            .collect()
    } else {
        Box::default()
    };

    let mut validator = FuncToValidate {
        resources: resources.clone(),
        index: func,
        ty: ty_index,
        features: crate::module::decodable_features(),
    }
    .into_validator(FuncValidatorAllocations::default());
    for (i, t) in body.locals.iter().enumerate() {
        let offset = body.code.start as u64;
        validator
            .define_locals(offset, 1, wasm_type(*t))
            .unwrap_or_else(|e| panic!("local {i} of a validated body: {e}"));
    }
    let reader =
        wasmparser::BinaryReader::new(&module.bytes[body.code.clone()], body.code.start as u64);
    let mut ops = OperatorsReader::new(reader);
    let mut wide_ops = HashSet::new();
    let is_v128 =
        |t: Option<Option<wasmparser::ValType>>| t == Some(Some(wasmparser::ValType::V128));
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset().expect("validated body decodes");
        let wide = match op {
            wasmparser::Operator::Drop => is_v128(validator.get_operand_type(0)),
            // The condition is on top; the operands below it.
            wasmparser::Operator::Select => is_v128(validator.get_operand_type(1)),
            _ => false,
        };
        if wide {
            wide_ops.insert(offset as usize);
        }
        validator
            .op(offset, &op)
            .unwrap_or_else(|e| panic!("validated body fails validation again: {e}"));
    }

    let slots = |types: &[ValType]| slot_count(types);
    let any_wide_sig = ty
        .params
        .iter()
        .chain(&ty.results)
        .any(|t| *t == ValType::V128);
    (any_wide_local || any_wide_sig || !wide_ops.is_empty()).then(|| FuncWide {
        module: module.clone(),
        func,
        param_cells: slots(&ty.params),
        result_cells: slots(&ty.results),
        locals,
        wide_ops,
    })
}

/// Our value type as wasmparser spells it.
fn wasm_type(t: ValType) -> wasmparser::ValType {
    match t {
        ValType::I32 => wasmparser::ValType::I32,
        ValType::I64 => wasmparser::ValType::I64,
        ValType::F32 => wasmparser::ValType::F32,
        ValType::F64 => wasmparser::ValType::F64,
        ValType::V128 => wasmparser::ValType::V128,
        ValType::FuncRef => wasmparser::ValType::FUNCREF,
        ValType::ExternRef => wasmparser::ValType::EXTERNREF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::decodable_features;

    fn module(wat: &str) -> Arc<Module> {
        let bytes = wat::parse_str(wat).unwrap();
        Module::new_with_features(&bytes, decodable_features()).unwrap()
    }

    #[test]
    fn layouts_find_wide_drops_and_selects_and_check_catches_a_wrong_one() {
        let m = module(
            r#"(module
              (func $v (result v128) (v128.const i64x2 1 2))
              (func (param i32 v128) (result i32) (local f64 v128)
                (drop (call $v))
                (drop (local.get 0))
                (select (local.get 1) (local.get 3) (local.get 0))
                drop
                (local.get 0)))"#,
        );
        let mut cache = WideCache::default();
        cache.modules.insert(m.id, ModuleWide::new(&m).unwrap());
        let id = cache.func(&m, 1).expect("sees v128");
        let w = cache.get(id);
        assert_eq!((w.param_cells, w.result_cells), (3, 1));
        assert_eq!(w.local(0), (0, false));
        assert_eq!(w.local(1), (1, true));
        assert_eq!(w.local(2), (3, false));
        assert_eq!(w.local(3), (4, true));
        // Two v128 drops and one select; the i32 drop is not among them.
        assert_eq!(w.wide_ops.len(), 3);
        let plain = cache.func(&m, 0).expect("returns a v128");
        assert!(cache.get(plain).wide_ops.is_empty());
        assert!(cache.check().is_empty(), "{:?}", cache.check());
        assert_eq!(cache.func(&m, 1), Some(id), "cached");
        assert_eq!(cache.stats().hits, 1);

        let start = m.bodies[1].code.start;
        cache.layouts[id.0 as usize].wide_ops.insert(start);
        let v = cache.check();
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].detail.contains("no drop or select"), "{v:?}");
        cache.layouts[id.0 as usize].wide_ops.remove(&start);
        cache.layouts[id.0 as usize].locals[3].0 = 5;
        assert!(cache.check()[0].detail.contains("local cells"));
    }

    #[test]
    fn only_modules_that_can_hold_a_v128_are_analysed() {
        assert!(!may_hold_v128(&module(
            r#"(module (func (param i32) (result i32) (drop (i32.const 1)) (local.get 0)))"#
        )));
        assert!(may_hold_v128(&module(
            r#"(module (func (drop (v128.const i64x2 0 0))))"#
        )));
        assert!(may_hold_v128(&module(
            r#"(module (import "m" "g" (global v128)))"#
        )));
    }
}
