//! Functions as wholes:
//!
//! * [`direct_calls`]: an indirect call through a constant slot whose
//!   function the active element segments fix, made a direct call to it;
//!   the table and the segment may then go;
//! * [`merge`]: a function replaced everywhere by another of the same type
//!   (a trampoline by its target, one of two twins by the other), so its
//!   body goes.

use super::body::{self, Func};
use super::module::{const_offset, Context, Edit, Item, Items};
use super::Reducer;
use std::collections::BTreeMap;
use wasm_encoder::Instruction;
use wasmparser::{ElementItems, ElementKind, FuncType, Operator, TypeRef};

/// Targets tried for each function [`merge`] would remove.
const MERGE_TARGETS: usize = 6;

/// The type of function `f` (imports first in the index space).
fn func_type<'i>(items: &'i Items, f: u32) -> Option<&'i FuncType> {
    let ty = if f < items.imported.funcs {
        items
            .imports
            .iter()
            .filter_map(|i| match i.ty {
                TypeRef::Func(t) | TypeRef::FuncExact(t) => Some(t),
                _ => None,
            })
            .nth(f as usize)?
    } else {
        *items.funcs.get((f - items.imported.funcs) as usize)?
    };
    items.types.get(ty as usize)
}

/// The function in each slot of each defined table that the active element
/// segments fill with a constant offset, later segments overwriting
/// earlier ones; `None` for a null entry.
fn table_slots(items: &Items) -> BTreeMap<(u32, u64), Option<u32>> {
    let mut slots = BTreeMap::new();
    for seg in &items.elements {
        let ElementKind::Active {
            table_index,
            offset_expr,
        } = &seg.kind
        else {
            continue;
        };
        let table = table_index.unwrap_or(0);
        if table < items.imported.tables {
            continue;
        }
        let Some(offset) = const_offset(offset_expr) else {
            continue;
        };
        let entries: Vec<Option<u32>> = match &seg.items {
            ElementItems::Functions(r) => r.clone().into_iter().map(|f| f.ok()).collect(),
            ElementItems::Expressions(_, r) => r
                .clone()
                .into_iter()
                .map(|e| match e.ok()?.get_operators_reader().read() {
                    Ok(Operator::RefFunc { function_index }) => Some(function_index),
                    _ => None,
                })
                .collect(),
        };
        for (i, f) in entries.into_iter().enumerate() {
            slots.insert((table, offset.wrapping_add(i as u64)), f);
        }
    }
    slots
}

/// The direct call replacing `call_indirect` (or its tail form) at `i`
/// when the operator before it is a constant slot index the segments fill
/// with a function of the call's type.
fn direct_call<'a>(
    items: &Items,
    slots: &BTreeMap<(u32, u64), Option<u32>>,
    f: &Func<'a>,
    i: usize,
) -> Option<Instruction<'a>> {
    let (type_index, table, tail) = match f.ops[i] {
        Operator::CallIndirect {
            type_index,
            table_index,
        } => (type_index, table_index, false),
        Operator::ReturnCallIndirect {
            type_index,
            table_index,
        } => (type_index, table_index, true),
        _ => return None,
    };
    let slot = match f.ops.get(i.checked_sub(1)?)? {
        Operator::I32Const { value } => *value as u32 as u64,
        Operator::I64Const { value } => *value as u64,
        _ => return None,
    };
    let callee = (*slots.get(&(table, slot))?)?;
    if func_type(items, callee)? != items.types.get(type_index as usize)? {
        return None;
    }
    Some(if tail {
        Instruction::ReturnCall(callee)
    } else {
        Instruction::Call(callee)
    })
}

/// Makes indirect calls through a known constant slot direct, one call
/// site at a time.
pub fn direct_calls(r: &mut Reducer) {
    let mut skip = 0;
    loop {
        let wasm = r.best().wasm.clone();
        let (Ok(items), Ok(funcs)) = (Items::parse(&wasm), body::analyze(&wasm)) else {
            return;
        };
        let slots = table_slots(&items);
        let Some((f, i, call)) = funcs
            .iter()
            .flat_map(|f| (1..f.len()).map(move |i| (f, i)))
            .filter_map(|(f, i)| Some((f, i, direct_call(&items, &slots, f, i)?)))
            .nth(skip)
        else {
            return;
        };
        let edit = Edit {
            bodies: [(f.index, f.splice(i - 1..=i, [call]))].into(),
            ..Edit::default()
        };
        if r.done() {
            return;
        }
        let kept = items.encode(&edit).is_some_and(|c| r.try_wasm(c));
        if !kept {
            skip += 1;
        }
    }
}

/// Replaces each defined function, last first, by another of the same
/// type wherever it is named, and drops its body. Tries the functions it
/// refers to first, then those that refer to it, then the rest, at most
/// [`MERGE_TARGETS`] of them.
pub fn merge(r: &mut Reducer) {
    let mut next = u32::MAX;
    while !r.done() {
        let Ok(items) = Items::parse(&r.best().wasm) else {
            return;
        };
        let Some(f) = (items.imported.funcs..items.func_count())
            .rev()
            .find(|&f| f < next)
        else {
            return;
        };
        next = f;
        let targets = merge_targets(&items, f);
        drop(items);
        for g in targets {
            let Ok(items) = Items::parse(&r.best().wasm) else {
                return;
            };
            let edit = Edit {
                drop_funcs: [f].into(),
                merge_funcs: [(f, g)].into(),
                ..Edit::default()
            };
            let Some(candidate) = items.encode(&edit) else {
                continue;
            };
            if r.try_wasm(candidate) {
                break;
            }
        }
    }
}

/// The functions `f` could be replaced by, best first.
fn merge_targets(items: &Items, f: u32) -> Vec<u32> {
    let Some(ty) = func_type(items, f) else {
        return Vec::new();
    };
    let uses = items.uses();
    let refers = |from: u32, to: u32| {
        uses.refs
            .get(&Context::Func(from))
            .is_some_and(|s| s.contains(&Item::Func(to)))
    };
    let mut same: Vec<u32> = (0..items.func_count())
        .filter(|&g| g != f && func_type(items, g) == Some(ty))
        .collect();
    same.sort_by_key(|&g| (!refers(f, g), !refers(g, f), g));
    same.truncate(MERGE_TARGETS);
    same
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CallResult, Value};
    use crate::plan::PlannedCall;
    use crate::reduce::{reduce, Budget, Case, Oracle};
    use std::time::Duration;

    /// Fails while the classic tier's first call returns `i32` 42.
    struct Returns42;

    impl Oracle for Returns42 {
        fn fails(&mut self, case: &Case) -> bool {
            let engine = crate::engine::build("classic").unwrap();
            let Ok(mut instance) =
                engine.instantiate_wasi(&case.wasm, crate::generate::case_limits(), None)
            else {
                return false;
            };
            let Some(call) = case.calls.first() else {
                return false;
            };
            matches!(
                instance.call(&call.export, &call.args),
                CallResult::Returned(v) if matches!(v[..], [Value::I32(42)])
            )
        }
    }

    fn reduced(wat: &str) -> String {
        let case = Case {
            wasm: wat::parse_str(wat).unwrap(),
            calls: vec![PlannedCall {
                export: "main".into(),
                args: Vec::new(),
            }],
        };
        let budget = Budget {
            time: Duration::from_secs(30),
            attempts: 10_000,
            wasm_shrink_attempts: 0,
        };
        let out = reduce(
            case,
            &mut Returns42,
            budget,
            &indicatif::ProgressBar::hidden(),
        )
        .unwrap();
        wasmprinter::print_bytes(&out.case.wasm).unwrap()
    }

    /// An indirect call through a constant slot becomes a direct call, so
    /// the table, its segment and the functions only it names go; then the
    /// caller, of the callee's type, is replaced by the callee.
    #[test]
    fn an_indirect_call_through_a_known_slot_becomes_direct_and_then_goes() {
        let text = reduced(
            r#"(module
                (type $t (func (result i32)))
                (table 4 funcref)
                (elem (i32.const 0) $a $b $c $answer)
                (func $a (result i32) (i32.const 1))
                (func $b (param i64) (result i32) (i32.const 2))
                (func $c (result i32) (i32.const 3))
                (func $answer (result i32) (i32.const 42))
                (func (export "main") (result i32)
                    (call_indirect (type $t) (i32.const 3))))"#,
        );
        assert!(!text.contains("table") && !text.contains("elem"), "{text}");
        let body: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('(') && *l != ")")
            .collect();
        assert_eq!(body, ["i32.const 42"], "{text}");
    }

    /// A chain of same-typed trampolines collapses into one function.
    #[test]
    fn trampolines_merge_into_their_target() {
        let text = reduced(
            r#"(module
                (func $work (param i32) (result i32)
                    (if (result i32) (i32.eqz (local.get 0))
                        (then (i32.const 42))
                        (else (return_call $hop1 (i32.sub (local.get 0) (i32.const 1))))))
                (func $hop1 (param i32) (result i32) (return_call $hop2 (local.get 0)))
                (func $hop2 (param i32) (result i32) (return_call $work (local.get 0)))
                (func (export "main") (result i32) (call $hop1 (i32.const 5))))"#,
        );
        // `main` (its own type) and one of the `(param i32)` functions.
        assert_eq!(text.matches("(func (;").count(), 2, "{text}");
    }

    /// Dropping the front of an element segment keeps the later entries in
    /// their slots.
    #[test]
    fn the_front_of_an_element_segment_goes_and_the_rest_stays_in_place() {
        let wasm = wat::parse_str(
            r#"(module (table 10 funcref) (func $f) (func $g)
                (elem (i32.const 2) $f $f $f $g))"#,
        )
        .unwrap();
        let items = Items::parse(&wasm).unwrap();
        assert_eq!(table_slots(&items).get(&(0, 5)), Some(&Some(1)));
        let out = items
            .encode(&Edit {
                element_skip: [(0, 3)].into(),
                element_offsets: [(0, 5)].into(),
                ..Edit::default()
            })
            .unwrap();
        let items = Items::parse(&out).unwrap();
        let slots = table_slots(&items);
        assert_eq!(slots.len(), 1);
        assert_eq!(slots.get(&(0, 5)), Some(&Some(1)));
    }
}
