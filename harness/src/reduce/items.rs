//! Module items: exports, the start function, anything nothing live refers
//! to, unused locals, and smaller segments, tables and memories.

use super::body::{self, Func};
use super::module::{const_offset, Edit, Item, Items};
use super::Reducer;
use std::collections::BTreeSet;
use wasm_encoder::Instruction;
use wasmparser::{ElementKind, ExternalKind, Operator};

/// Encodes `edit` on the current module.
fn edited(r: &Reducer, edit: &Edit) -> Option<Vec<u8>> {
    Items::parse(&r.best().wasm).ok()?.encode(edit)
}

fn try_edit(r: &mut Reducer, edit: &Edit) -> bool {
    match edited(r, edit) {
        Some(wasm) => r.try_wasm(wasm),
        None => false,
    }
}

/// Drops exports the calls do not use (all at once, then one by one) and the start function.
pub fn exports(r: &mut Reducer) {
    let droppable = |r: &Reducer| -> Vec<usize> {
        let Ok(items) = Items::parse(&r.best().wasm) else {
            return Vec::new();
        };
        let called: BTreeSet<&str> = r.best().calls.iter().map(|c| c.export.as_str()).collect();
        items
            .exports
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                !(matches!(e.kind, ExternalKind::Func | ExternalKind::FuncExact)
                    && called.contains(e.name))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let all = droppable(r);
    if all.is_empty()
        || !try_edit(
            r,
            &Edit {
                drop_exports: all.iter().copied().collect(),
                ..Edit::default()
            },
        )
    {
        r.remove_chunks(
            1,
            |r| droppable(r).len(),
            |r, range| {
                let list = droppable(r);
                try_edit(
                    r,
                    &Edit {
                        drop_exports: list[range].iter().copied().collect(),
                        ..Edit::default()
                    },
                )
            },
        );
    }
    let has_start = Items::parse(&r.best().wasm).is_ok_and(|i| i.start.is_some());
    if has_start {
        try_edit(
            r,
            &Edit {
                drop_start: true,
                ..Edit::default()
            },
        );
    }
}

/// Everything that no live part of the module refers to, by kind.
fn unused_edit(items: &Items) -> [Edit; 4] {
    let live = items.uses().live();
    let imported = items.imported;
    let dead = |item: Item| !live.contains(&item);
    let defined = |imported: u32, count: usize, item: fn(u32) -> Item| -> BTreeSet<u32> {
        (imported..imported + count as u32)
            .filter(|&i| dead(item(i)))
            .collect()
    };
    let mut e = Edit {
        drop_types: defined(0, items.types.len(), Item::Type),
        drop_funcs: defined(imported.funcs, items.funcs.len(), Item::Func),
        drop_tables: defined(imported.tables, items.tables.len(), Item::Table),
        drop_memories: defined(imported.memories, items.memories.len(), Item::Memory),
        drop_globals: defined(imported.globals, items.globals.len(), Item::Global),
        // Active segments act on their own; passive ones only through their index.
        drop_data: items
            .data
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                matches!(d.kind, wasmparser::DataKind::Passive) && dead(Item::Data(*i as u32))
            })
            .map(|(i, _)| i as u32)
            .collect(),
        ..Edit::default()
    };
    let passive_elements: BTreeSet<u32> = items
        .elements
        .iter()
        .enumerate()
        .filter(|(i, el)| {
            !matches!(el.kind, ElementKind::Active { .. }) && dead(Item::Element(*i as u32))
        })
        .map(|(i, _)| i as u32)
        .collect();
    // A declared segment is needed by any `ref.func` still live.
    let mut without_declared = e.clone();
    without_declared.drop_elements = passive_elements
        .iter()
        .copied()
        .filter(|&i| !matches!(items.elements[i as usize].kind, ElementKind::Declared))
        .collect();
    e.drop_elements = passive_elements;
    let functions_only = Edit {
        drop_funcs: e.drop_funcs.clone(),
        ..Edit::default()
    };
    // When every dead function must stay (one holds the finding), the
    // other dead items may still go.
    let all_but_functions = Edit {
        drop_funcs: BTreeSet::new(),
        drop_types: e
            .drop_types
            .iter()
            .copied()
            .filter(|t| !items.funcs.contains(t))
            .collect(),
        ..e.clone()
    };
    [e, without_declared, functions_only, all_but_functions]
}

/// Drops every item nothing live refers to.
pub fn unused(r: &mut Reducer) {
    let Ok(items) = Items::parse(&r.best().wasm) else {
        return;
    };
    let edits = unused_edit(&items);
    drop(items);
    for edit in &edits[..3] {
        if try_edit(r, edit) {
            return;
        }
    }
    // A finding made before any call (a tier refusing one instruction)
    // lives in a function nothing refers to: drop the others one by one,
    // from the last, so that earlier indices stay valid; then the rest.
    let [.., functions_only, all_but_functions] = edits;
    for func in functions_only.drop_funcs.iter().rev() {
        let one = Edit {
            drop_funcs: [*func].into(),
            ..Edit::default()
        };
        try_edit(r, &one);
    }
    try_edit(r, &all_but_functions);
}

/// Drops locals (not parameters) that no `local.get`/`set`/`tee` names, in
/// every function at once.
pub fn locals(r: &mut Reducer) {
    let wasm = r.best().wasm.clone();
    let Ok(funcs) = body::analyze(&wasm) else {
        return;
    };
    let mut edit = Edit::default();
    for f in &funcs {
        if let Some(raw) = without_unused_locals(f) {
            edit.bodies.insert(f.index, raw);
        }
    }
    if !edit.bodies.is_empty() {
        try_edit(r, &edit);
    }
}

fn local_index(op: &Operator) -> Option<u32> {
    match op {
        Operator::LocalGet { local_index }
        | Operator::LocalSet { local_index }
        | Operator::LocalTee { local_index } => Some(*local_index),
        _ => None,
    }
}

/// The body of `f` without its unused locals; `None` if every local is used.
fn without_unused_locals(f: &Func) -> Option<Vec<u8>> {
    let params = f.params.len() as u32;
    let used: BTreeSet<u32> = f.ops.iter().filter_map(local_index).collect();
    let declared: Vec<wasmparser::ValType> = f
        .locals
        .iter()
        .flat_map(|&(n, t)| std::iter::repeat_n(t, n as usize))
        .collect();
    let mut map = Vec::with_capacity(declared.len());
    let mut kept: Vec<(u32, wasmparser::ValType)> = Vec::new();
    let mut next = params;
    for (i, &t) in declared.iter().enumerate() {
        if used.contains(&(params + i as u32)) {
            map.push(Some(next));
            next += 1;
            match kept.last_mut() {
                Some((n, last)) if *last == t => *n += 1,
                _ => kept.push((1, t)),
            }
        } else {
            map.push(None);
        }
    }
    if map.iter().all(Option::is_some) {
        return None;
    }
    let new = |i: u32| {
        if i < params {
            i
        } else {
            map[(i - params) as usize].expect("used locals are kept")
        }
    };
    let code = (0..f.len()).map(|i| match &f.ops[i] {
        Operator::LocalGet { local_index } => Instruction::LocalGet(new(*local_index)),
        Operator::LocalSet { local_index } => Instruction::LocalSet(new(*local_index)),
        Operator::LocalTee { local_index } => Instruction::LocalTee(new(*local_index)),
        _ => f.instr(i),
    });
    Some(Func::encode_with(&kept, code))
}

/// Drops element and data segments one by one, shortens them from the end
/// (and data from the front, when its offset is a constant), and makes
/// tables and memories smaller.
pub fn segments(r: &mut Reducer) {
    let count =
        |r: &Reducer, f: fn(&Items) -> usize| Items::parse(&r.best().wasm).map_or(0, |i| f(&i));
    r.remove_chunks(
        1,
        |r| count(r, |i| i.elements.len()),
        |r, range| {
            let edit = Edit {
                drop_elements: range.map(|i| i as u32).collect(),
                ..Edit::default()
            };
            try_edit(r, &edit)
        },
    );
    r.remove_chunks(
        1,
        |r| count(r, |i| i.data.len()),
        |r, range| {
            let edit = Edit {
                drop_data: range.map(|i| i as u32).collect(),
                ..Edit::default()
            };
            try_edit(r, &edit)
        },
    );
    for e in 0..count(r, |i| i.elements.len()) {
        let len = |r: &Reducer| {
            Items::parse(&r.best().wasm).map_or(0, |i| {
                i.elements.get(e).map_or(0, |el| element_count(&el.items))
            })
        };
        shorten(r, len, |keep| Edit {
            element_len: [(e as u32, keep)].into(),
            ..Edit::default()
        });
        cut_element_front(r, e);
    }
    for d in 0..count(r, |i| i.data.len()) {
        let bytes = |r: &Reducer| -> Vec<u8> {
            Items::parse(&r.best().wasm).map_or(Vec::new(), |i| {
                i.data.get(d).map_or(Vec::new(), |x| x.data.to_vec())
            })
        };
        let data = bytes(r);
        shorten(
            r,
            |r| bytes(r).len(),
            |keep| Edit {
                data_bytes: [(d as u32, data[..keep].to_vec())].into(),
                ..Edit::default()
            },
        );
        cut_data_front(r, d);
    }
    limits(r);
}

/// Tries keeping 0, then half, ... of a list of `len` things, from the front.
fn shorten(r: &mut Reducer, len: impl Fn(&Reducer) -> usize, edit: impl Fn(usize) -> Edit) {
    loop {
        let n = len(r);
        if n == 0 || r.done() {
            return;
        }
        let kept = [0, n / 2, n - 1]
            .into_iter()
            .collect::<BTreeSet<usize>>()
            .into_iter()
            .filter(|&k| k < n)
            .any(|k| try_edit(r, &edit(k)));
        if !kept {
            return;
        }
    }
}

/// Drops the first half (then quarter, ...) of active data segment `d`
/// whose offset is an `i32.const`, moving the offset so the rest stays put.
fn cut_data_front(r: &mut Reducer, d: usize) {
    loop {
        let Ok(items) = Items::parse(&r.best().wasm) else {
            return;
        };
        let Some(seg) = items.data.get(d) else {
            return;
        };
        let wasmparser::DataKind::Active { offset_expr, .. } = &seg.kind else {
            return;
        };
        let Some(Ok(Operator::I32Const { value })) =
            offset_expr.get_operators_reader().into_iter().next()
        else {
            return;
        };
        let bytes = seg.data.to_vec();
        drop(items);
        let kept = cut_front(r, bytes.len(), |cut| Edit {
            data_bytes: [(d as u32, bytes[cut..].to_vec())].into(),
            data_offsets: [(d as u32, value.wrapping_add(cut as i32))].into(),
            ..Edit::default()
        });
        if !kept {
            return;
        }
    }
}

/// Tries dropping the first half, then quarter, ... of a list of `len`
/// things (`edit(cut)` drops the first `cut`); whether a cut was kept.
fn cut_front(r: &mut Reducer, len: usize, edit: impl Fn(usize) -> Edit) -> bool {
    let mut cut = len / 2;
    while cut > 0 && !r.done() {
        if try_edit(r, &edit(cut)) {
            return true;
        }
        cut /= 2;
    }
    false
}

/// Drops the first half (then quarter, ...) of active element segment `e`
/// whose offset is a constant, moving the offset so the rest stays in its
/// slots: the entry an indirect call uses is often the last.
fn cut_element_front(r: &mut Reducer, e: usize) {
    loop {
        let Ok(items) = Items::parse(&r.best().wasm) else {
            return;
        };
        let Some(seg) = items.elements.get(e) else {
            return;
        };
        let ElementKind::Active { offset_expr, .. } = &seg.kind else {
            return;
        };
        let Some(offset) = const_offset(offset_expr) else {
            return;
        };
        let len = element_count(&seg.items);
        drop(items);
        let kept = cut_front(r, len, |cut| Edit {
            element_skip: [(e as u32, cut)].into(),
            element_offsets: [(e as u32, offset.wrapping_add(cut as u64))].into(),
            ..Edit::default()
        });
        if !kept {
            return;
        }
    }
}

/// Smaller initial sizes of defined tables and memories (0, 1, half).
fn limits(r: &mut Reducer) {
    let Ok(items) = Items::parse(&r.best().wasm) else {
        return;
    };
    let tables: Vec<(u32, u64, Option<u64>)> = items
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (items.imported.tables + i as u32, t.ty.initial, t.ty.maximum))
        .collect();
    let memories: Vec<(u32, u64, Option<u64>)> = items
        .memories
        .iter()
        .enumerate()
        .map(|(i, m)| (items.imported.memories + i as u32, m.initial, m.maximum))
        .collect();
    drop(items);
    for (index, initial, maximum) in tables {
        for smaller in [0, 1, initial / 2] {
            if smaller < initial
                && try_edit(
                    r,
                    &Edit {
                        table_limits: [(index, (smaller, maximum))].into(),
                        ..Edit::default()
                    },
                )
            {
                break;
            }
        }
    }
    for (index, initial, maximum) in memories {
        for smaller in [0, 1, initial / 2] {
            if smaller < initial
                && try_edit(
                    r,
                    &Edit {
                        memory_limits: [(index, (smaller, maximum))].into(),
                        ..Edit::default()
                    },
                )
            {
                break;
            }
        }
    }
}

fn element_count(items: &wasmparser::ElementItems) -> usize {
    match items {
        wasmparser::ElementItems::Functions(r) => r.count() as usize,
        wasmparser::ElementItems::Expressions(_, r) => r.count() as usize,
    }
}
