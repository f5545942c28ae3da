//! Function bodies with their types known.
//!
//! Each body is run through wasmparser's function validator one operator at
//! a time; before each operator we note the control depth, the operand
//! stack height and whether the code is reachable, and from the operator's
//! arity (how many values it pops and pushes) and the validator's stack
//! after it, the types it leaves. From heights alone we can then find the
//! subexpression that computes an operator's operands: walking back from
//! the operator, it starts at the nearest point of the same block where the
//! stack was as low as the operator leaves it after popping. Replacing such
//! a range by constants of the types it leaves keeps the body valid.

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::Instruction;
use wasmparser::{
    FuncValidatorAllocations, Operator, Parser, ValType, ValidPayload, Validator,
    WasmModuleResources,
};

/// What the validator knew around one operator.
#[derive(Clone, Debug)]
pub struct OpInfo {
    /// Open control frames before the operator (1 in the function body itself).
    pub depth: u32,
    /// Operand stack height before the operator (the whole function's stack).
    pub height: u32,
    pub pops: u32,
    pub pushes: u32,
    /// Whether the innermost frame is reachable before the operator.
    pub reachable: bool,
    /// Types of the values the operator takes, bottom first (`None` when
    /// not all known).
    pub inputs: Option<Vec<ValType>>,
    /// Types of the values the operator leaves (`None` when not all known).
    pub results: Option<Vec<ValType>>,
    /// For `block`/`loop`/`if`: its `end`; for that `end`: the opener.
    pub partner: Option<usize>,
    /// For an `if` with an `else`: the `else`.
    pub else_at: Option<usize>,
}

/// One function body, decoded and typed.
pub struct Func<'a> {
    /// Index in the function index space.
    pub index: u32,
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
    /// Declared locals (after the parameters), as (count, type) groups.
    pub locals: Vec<(u32, ValType)>,
    /// Every operator, the function's final `end` included.
    pub ops: Vec<Operator<'a>>,
    pub info: Vec<OpInfo>,
}

/// Decodes and types every function body of a valid module.
pub fn analyze(wasm: &[u8]) -> Result<Vec<Func<'_>>, String> {
    let text = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut validator =
        Validator::new_with_features(tierdiff_runtime::module::supported_features());
    let mut funcs = Vec::new();
    let mut allocs = FuncValidatorAllocations::default();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(text)?;
        let ValidPayload::Func(to_validate, body) = validator.payload(&payload).map_err(text)?
        else {
            continue;
        };
        let mut v = to_validate.into_validator(allocs);
        let index = v.index();
        let mut locals = Vec::new();
        let mut locals_reader = body.get_locals_reader().map_err(text)?;
        for _ in 0..locals_reader.get_count() {
            let offset = locals_reader.original_position();
            let (count, ty) = locals_reader.read().map_err(text)?;
            v.define_locals(offset, count, ty).map_err(text)?;
            locals.push((count, ty));
        }
        let resources = v.resources();
        let ty = resources
            .type_index_of_function(index)
            .and_then(|t| resources.sub_type_at(t))
            .ok_or("function without a type")?
            .unwrap_func();
        let (params, results) = (ty.params().to_vec(), ty.results().to_vec());
        let mut ops = Vec::new();
        let mut info: Vec<OpInfo> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut reader = body.get_operators_reader().map_err(text)?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset().map_err(text)?;
            let depth = v.control_stack_height();
            let height = v.operand_stack_height();
            let reachable = v.get_control_frame(0).is_some_and(|f| !f.unreachable);
            let (pops, pushes) = op.operator_arity(&v).unwrap_or((0, 0));
            let inputs = (0..pops as usize)
                .rev()
                .map(|d| v.get_operand_type(d).flatten())
                .collect::<Option<Vec<_>>>();
            v.op(offset, &op).map_err(text)?;
            let results = (0..pushes as usize)
                .rev()
                .map(|d| v.get_operand_type(d).flatten())
                .collect::<Option<Vec<_>>>();
            let i = ops.len();
            let mut partner = None;
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    open.push(i)
                }
                Operator::Else => {
                    if let Some(&o) = open.last() {
                        info[o].else_at = Some(i);
                    }
                }
                Operator::End => {
                    if let Some(o) = open.pop() {
                        info[o].partner = Some(i);
                        partner = Some(o);
                    }
                }
                _ => {}
            }
            ops.push(op);
            info.push(OpInfo {
                depth,
                height,
                pops,
                pushes,
                reachable,
                inputs,
                results,
                partner,
                else_at: None,
            });
        }
        allocs = v.into_allocations();
        funcs.push(Func {
            index,
            params,
            results,
            locals,
            ops,
            info,
        });
    }
    Ok(funcs)
}

/// Whether `op` opens a block, loop or if.
pub fn opens(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. }
    )
}

/// A constant of type `ty` (zero, or null for references).
pub fn zero(ty: ValType) -> Instruction<'static> {
    use wasm_encoder::{AbstractHeapType, HeapType};
    let null = |ty| Instruction::RefNull(HeapType::Abstract { shared: false, ty });
    match ty {
        ValType::I32 => Instruction::I32Const(0),
        ValType::I64 => Instruction::I64Const(0),
        ValType::F32 => Instruction::F32Const(0.0f32.into()),
        ValType::F64 => Instruction::F64Const(0.0f64.into()),
        ValType::V128 => Instruction::V128Const(0),
        ValType::Ref(r) if r.is_extern_ref() => null(AbstractHeapType::Extern),
        ValType::Ref(_) => null(AbstractHeapType::Func),
    }
}

/// Whether `op` is already the constant [`zero`] would write.
pub fn is_zero(op: &Operator) -> bool {
    match op {
        Operator::I32Const { value } => *value == 0,
        Operator::I64Const { value } => *value == 0,
        Operator::F32Const { value } => value.bits() == 0,
        Operator::F64Const { value } => value.bits() == 0,
        Operator::V128Const { value } => value.i128() == 0,
        Operator::RefNull { .. } => true,
        _ => false,
    }
}

impl<'a> Func<'a> {
    /// Operators before the function's final `end`.
    pub fn len(&self) -> usize {
        self.ops.len().saturating_sub(1)
    }

    /// Operator `i` as an encoder instruction.
    pub fn instr(&self, i: usize) -> Instruction<'a> {
        RoundtripReencoder
            .instruction(self.ops[i].clone())
            .expect("a validated operator re-encodes")
    }

    /// A raw body (locals and code) with these locals and instructions; the
    /// final `end` is added here.
    pub fn encode_with(
        locals: &[(u32, ValType)],
        code: impl IntoIterator<Item = Instruction<'a>>,
    ) -> Vec<u8> {
        let locals = locals.iter().map(|&(n, t)| {
            (
                n,
                RoundtripReencoder
                    .val_type(t)
                    .expect("a validated type re-encodes"),
            )
        });
        let mut f = wasm_encoder::Function::new(locals);
        for i in code {
            f.instruction(&i);
        }
        f.instruction(&Instruction::End);
        f.into_raw_body()
    }

    /// A raw body with this function's locals.
    pub fn encode(&self, code: impl IntoIterator<Item = Instruction<'a>>) -> Vec<u8> {
        Func::encode_with(&self.locals, code)
    }

    /// The body with operators `range` replaced by `with`.
    pub fn splice(
        &self,
        range: std::ops::RangeInclusive<usize>,
        with: impl IntoIterator<Item = Instruction<'a>>,
    ) -> Vec<u8> {
        let (start, end) = (*range.start(), *range.end());
        let before = (0..start).map(|i| self.instr(i));
        let after = (end + 1..self.len()).map(|i| self.instr(i));
        self.encode(before.chain(with).chain(after))
    }

    /// Where the subexpression computing the `pops` values below operator
    /// (or construct opener) `at` starts: the nearest earlier point of the
    /// same block where the stack was `pops` lower, provided nothing in
    /// between reaches below it. `None` when the values come from outside
    /// the block or the code is unreachable.
    pub fn expr_start(&self, at: usize, pops: u32) -> Option<usize> {
        self.back_to(at, self.info[at].height.checked_sub(pops)?)
    }

    /// The nearest point at or before `at`, in the same block, where the
    /// stack height was `target`, provided nothing in between takes values
    /// from below it (a construct skipped over takes its parameters).
    pub fn back_to(&self, at: usize, target: u32) -> Option<usize> {
        let info = &self.info[at];
        if !info.reachable {
            return None;
        }
        let mut j = at;
        loop {
            if self.info[j].height == target {
                return Some(j);
            }
            let mut k = j.checked_sub(1)?;
            if matches!(self.ops[k], Operator::End) && self.info[k].depth == info.depth + 1 {
                k = self.info[k].partner?;
            }
            let step = &self.info[k];
            if step.depth != info.depth
                || matches!(self.ops[k], Operator::Else)
                || step.height.saturating_sub(step.pops) < target
            {
                return None;
            }
            j = k;
        }
    }

    /// The construct opened at `opener` as a whole: its pops and the types it leaves.
    pub fn construct(&self, opener: usize) -> Option<(usize, u32, Vec<ValType>)> {
        let end = self.info[opener].partner?;
        let results = self.info[end].results.clone()?;
        Some((end, self.info[opener].pops, results))
    }

    /// Operators `from..to`, with branches that leave the construct at
    /// depth `base` (the depth inside it) re-aimed one label lower, as when
    /// that construct's own label disappears. `br_table` entries that
    /// target the construct itself are sent to the table's default instead;
    /// `None` when a `br`, `br_if` or default targets it.
    pub fn lowered(&self, from: usize, to: usize, base: u32) -> Option<Vec<Instruction<'a>>> {
        (from..to)
            .map(|i| {
                let nest = self.info[i].depth - base;
                let lower = |d: u32| if d > nest { d - 1 } else { d };
                Some(match &self.ops[i] {
                    Operator::Br { relative_depth } | Operator::BrIf { relative_depth }
                        if *relative_depth == nest =>
                    {
                        return None
                    }
                    Operator::Br { relative_depth } => Instruction::Br(lower(*relative_depth)),
                    Operator::BrIf { relative_depth } => Instruction::BrIf(lower(*relative_depth)),
                    Operator::BrTable { targets } => {
                        let default = targets.default();
                        if default == nest {
                            return None;
                        }
                        let list: Vec<u32> = targets
                            .targets()
                            .flatten()
                            .map(|t| lower(if t == nest { default } else { t }))
                            .collect();
                        Instruction::BrTable(list.into(), lower(default))
                    }
                    _ => self.instr(i),
                })
            })
            .collect()
    }
}

/// Operators in all function bodies of `wasm`, each body's final `end` not
/// counted; `None` if it does not parse.
pub fn instruction_count(wasm: &[u8]) -> Option<usize> {
    counts(wasm).map(|(n, _)| n)
}

/// [`instruction_count`] and how many of those operators are constants.
pub fn counts(wasm: &[u8]) -> Option<(usize, usize)> {
    let (mut n, mut constants) = (0, 0);
    for payload in Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.ok()? {
            let mut r = body.get_operators_reader().ok()?;
            let mut ops = 0usize;
            while !r.eof() {
                let op = r.read().ok()?;
                ops += 1;
                constants += matches!(
                    op,
                    Operator::I32Const { .. }
                        | Operator::I64Const { .. }
                        | Operator::F32Const { .. }
                        | Operator::F64Const { .. }
                        | Operator::V128Const { .. }
                        | Operator::RefNull { .. }
                ) as usize;
            }
            n += ops.saturating_sub(1);
        }
    }
    Some((n, constants))
}
