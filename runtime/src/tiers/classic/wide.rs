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

use crate::module::Module;
use crate::store::StoreData;
use crate::values::ValType;
use std::collections::{HashMap, HashSet};
use wasmparser::{
    FuncToValidate, FuncValidatorAllocations, OperatorsReader, Parser, ValidPayload, Validator,
    ValidatorResources,
};

/// How a function that sees `v128` values lays them out.
#[derive(Debug)]
pub(super) struct FuncWide {
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
    fn new(module: &Module) -> Result<ModuleWide, String> {
        let mut validator = Validator::new_with_features(crate::module::decodable_features());
        let mut funcs = Vec::with_capacity(module.bodies.len());
        let mut resources = None;
        for payload in Parser::new(0).parse_all(&module.bytes) {
            let payload = payload.map_err(|e| e.to_string())?;
            if let ValidPayload::Func(f, _) =
                validator.payload(&payload).map_err(|e| e.to_string())?
            {
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
}

impl WideCache {
    /// Notes whether `instance` (just allocated) can ever hold a `v128`,
    /// and if so readies its module for analysis.
    pub fn prepare(&mut self, data: &StoreData, instance: usize) -> Result<(), String> {
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
    pub fn func(&mut self, module: &Module, func: u32) -> Option<WideId> {
        let m = self
            .modules
            .get_mut(&module.id)
            .expect("prepared with its instance");
        let (ty, done) = &mut m.funcs[(func - module.num_imported_funcs) as usize];
        if let Some(id) = done {
            return *id;
        }
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

/// Runs the validator over one body, noting the `drop`s and `select`s whose
/// operand is a `v128`. `None` when the function never sees one.
fn analyse(
    module: &Module,
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

    let slots = |types: &[ValType]| crate::values::slot_count(types);
    let any_wide_sig = ty
        .params
        .iter()
        .chain(&ty.results)
        .any(|t| *t == ValType::V128);
    (any_wide_local || any_wide_sig || !wide_ops.is_empty()).then(|| FuncWide {
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
