//! Semantic coverage as the classic tier records it: the cells a small
//! program must reach, traps and exhaustion counted against the right
//! instruction, and no recording (and no effect) without a recorder.

use tierdiff_runtime::coverage::layout;
use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind, Val};

/// Runs `calls` on a classic store recording coverage; returns the count of
/// every cell by name, and each call's result.
fn covered(
    wat: &str,
    limits: Limits,
    calls: &[(&str, &[Val])],
) -> (Vec<(String, u64)>, Vec<String>) {
    let module = Module::new(&wat::parse_str(wat).expect("wat parses")).expect("loads");
    let mut store = Store::new(TierKind::Classic, limits).expect("classic exists");
    store.enable_coverage();
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    let mut results = Vec::new();
    for (name, args) in calls {
        let Some(Extern::Func(f)) = store.export(inst, name) else {
            panic!("no export {name}");
        };
        results.push(format!("{:?}", store.invoke(f, args)));
    }
    let counts = store.coverage().expect("enabled").counts();
    let l = layout();
    let named = l
        .cells
        .iter()
        .zip(counts)
        .map(|(c, &n)| (c.name.clone(), n))
        .collect();
    (named, results)
}

fn count(cells: &[(String, u64)], name: &str) -> u64 {
    cells
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no cell {name}"))
        .1
}

#[test]
fn operands_traps_and_memory_positions_are_counted() {
    let wat = r#"(module
        (memory (export "m") 1)
        (data (i32.const 65532) "\01\02\03\84")
        (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
        (func (export "last") (result i32) (i32.load8_s (i32.const 65535)))
        (func (export "past") (result i32) (i32.load offset=2 (i32.const 65531)))
        (func (export "copy") (memory.copy (i32.const 65533) (i32.const 65532) (i32.const 3)))
        (func (export "grow") (result i32) (drop (memory.grow (i32.const 0))) (memory.grow (i32.const 70000)))
        (func (export "shift") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 32))))"#;
    let (cells, results) = covered(
        wat,
        Limits::default(),
        &[
            ("div", &[Val::I32(i32::MIN), Val::I32(-1)]),
            ("div", &[Val::I32(7), Val::I32(0)]),
            ("div", &[Val::I32(7), Val::I32(1)]),
            ("last", &[]),
            ("past", &[]),
            ("copy", &[]),
            ("grow", &[]),
            ("shift", &[Val::I32(-5)]),
        ],
    );
    assert!(results[0].contains("IntegerOverflow"), "{results:?}");
    assert_eq!(count(&cells, "i32.div_s"), 3);
    assert_eq!(count(&cells, "i32.div_s/trap:integer-overflow"), 1);
    assert_eq!(count(&cells, "i32.div_s/trap:integer-divide-by-zero"), 1);
    assert_eq!(count(&cells, "i32.div_s/rhs-one"), 1);
    assert_eq!(count(&cells, "i32.div_s/lhs-sign-bit"), 1);
    assert_eq!(count(&cells, "i32.load8_s/last-byte"), 1);
    assert_eq!(count(&cells, "i32.load8_s/sign-bit"), 1);
    assert_eq!(count(&cells, "i32.load8_s/nonzero-data"), 1);
    assert_eq!(count(&cells, "i32.load/one-past+offset"), 1);
    assert_eq!(count(&cells, "i32.load/trap:memory-out-of-bounds"), 1);
    assert_eq!(count(&cells, "memory.copy/overlap-forward"), 1);
    assert_eq!(count(&cells, "memory.copy/at-end"), 1);
    assert_eq!(count(&cells, "memory.copy/nonzero-data"), 1);
    assert_eq!(count(&cells, "memory.grow/delta-zero"), 1);
    assert_eq!(count(&cells, "memory.grow/succeeds"), 1);
    assert_eq!(count(&cells, "memory.grow/fails"), 1);
    assert_eq!(count(&cells, "i32.shl/count-width"), 1);
    assert_eq!(count(&cells, "i32.shl/negative"), 1);
    assert_eq!(count(&cells, "i32.add"), 0);
}

#[test]
fn exhaustion_is_counted_where_it_happens() {
    let wat = r#"(module
        (global $g (export "g") (mut i32) (i32.const 0))
        (func $spin (export "spin") (loop $l (global.set $g (i32.add (global.get $g) (i32.const 1))) (br $l)))
        (func $deep (export "deep") (call $deep))
        (func (export "nested") (call $spin)))"#;
    let limits = Limits {
        fuel: Some(20),
        max_call_depth: 5,
        ..Limits::default()
    };
    let (cells, results) = covered(wat, limits, &[("spin", &[])]);
    assert!(results[0].contains("OutOfFuel"), "{results:?}");
    assert_eq!(count(&cells, "br/trap:out-of-fuel"), 1);
    assert_eq!(count(&cells, "br/to-loop"), 19);
    assert_eq!(
        count(&cells, "(exhaustion)/out-of-fuel-in-exported-function"),
        1
    );

    let (cells, _) = covered(wat, limits, &[("deep", &[])]);
    assert_eq!(count(&cells, "call/trap:call-stack-exhausted"), 1);
    let (cells, _) = covered(wat, limits, &[("nested", &[])]);
    assert_eq!(count(&cells, "(exhaustion)/out-of-fuel-in-nested-call"), 1);
    let none = Limits {
        fuel: Some(0),
        ..limits
    };
    let (cells, _) = covered(wat, none, &[("spin", &[])]);
    assert_eq!(count(&cells, "(entry)/trap:out-of-fuel"), 1);
}

#[test]
fn indirect_calls_by_signature_and_table_edges() {
    let wat = r#"(module
        (type $v (func))
        (type $i (func (param i32)))
        (type $f (func (param f32)))
        (table $t (export "t") 4 funcref)
        (func $a (type $f))
        (func $b (type $v))
        (elem (i32.const 0) $a $b)
        (func (export "ci") (param i32) (call_indirect (type $i) (i32.const 0) (local.get 0)))
        (func (export "cv") (param i32) (call_indirect (type $v) (local.get 0)))
        (func (export "grow") (result i32) (table.grow $t (ref.func $a) (i32.const 1))))"#;
    let (cells, _) = covered(
        wat,
        Limits::default(),
        &[
            ("ci", &[Val::I32(0)]),
            ("cv", &[Val::I32(0)]),
            ("cv", &[Val::I32(3)]),
            ("cv", &[Val::I32(9)]),
            ("cv", &[Val::I32(1)]),
            ("grow", &[]),
        ],
    );
    assert_eq!(count(&cells, "call_indirect/type-mismatch-same-arity"), 1);
    assert_eq!(count(&cells, "call_indirect/type-mismatch-other-arity"), 1);
    assert_eq!(
        count(&cells, "call_indirect/trap:indirect-call-type-mismatch"),
        2
    );
    assert_eq!(count(&cells, "call_indirect/trap:indirect-call-to-null"), 1);
    assert_eq!(count(&cells, "call_indirect/trap:table-out-of-bounds"), 1);
    assert_eq!(count(&cells, "table.grow/non-null-init"), 1);
    assert_eq!(count(&cells, "table.grow/succeeds"), 1);
}

#[test]
fn without_a_recorder_nothing_is_recorded_and_results_agree() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (local i32) (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (local.get 1)))"#;
    let module = Module::new(&wat::parse_str(wat).unwrap()).unwrap();
    let mut results = Vec::new();
    for cover in [false, true] {
        let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
        if cover {
            store.enable_coverage();
        }
        let inst = store.instantiate(&module, &Linker::default()).unwrap();
        let Some(Extern::Func(f)) = store.export(inst, "f") else {
            panic!()
        };
        results.push((store.invoke(f, &[Val::I32(100)]).unwrap(), store.fuel()));
        assert_eq!(store.coverage().is_some(), cover);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0].0, vec![Val::I32(5050)]);
}

#[test]
fn else_is_counted() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))"#;
    let (cells, _) = covered(
        wat,
        Limits::default(),
        &[("f", &[Val::I32(1)]), ("f", &[Val::I32(0)])],
    );
    assert_eq!(count(&cells, "if/taken"), 1);
    assert_eq!(count(&cells, "if/not-taken"), 1);
    assert_eq!(count(&cells, "else"), 1);
    assert_eq!(count(&cells, "end"), 4);
}

/// The recorder remembers which operator stands at each instruction and
/// stops decoding it again; an instruction run many times, with operands
/// that change, is still counted once per run and classified every time.
#[test]
fn instructions_run_in_a_loop_are_counted_and_classified_every_time() {
    let wat = r#"(module
        (memory 1)
        (data (i32.const 65532) "\01\02\03\84")
        (func (export "loop") (local $i i32)
            (loop $again
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (drop (i32.div_s (i32.const 7) (local.get $i)))
                (drop (i32.load8_s (i32.add (i32.const 65531) (local.get $i))))
                (br_if $again (i32.lt_u (local.get $i) (i32.const 4))))))"#;
    let (cells, results) = covered(wat, Limits::default(), &[("loop", &[]), ("loop", &[])]);
    assert!(results.iter().all(|r| r.contains("Ok")), "{results:?}");
    assert_eq!(count(&cells, "i32.div_s"), 8);
    assert_eq!(count(&cells, "i32.div_s/rhs-one"), 2);
    assert_eq!(count(&cells, "i32.load8_s"), 8);
    assert_eq!(count(&cells, "i32.load8_s/last-byte"), 2);
    assert_eq!(count(&cells, "i32.load8_s/sign-bit"), 2);
    assert_eq!(count(&cells, "br_if/taken"), 6);
    assert_eq!(count(&cells, "br_if/not-taken"), 2);
}
