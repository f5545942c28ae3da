//! Coverage sampling (`coverage::set_sampling`), as fuzz workers use it:
//! past a call's recorded steps a trap is still counted against the
//! instruction that raised it, and a saturated operator's classes stop
//! growing while an operator with a class still missing keeps being
//! classified. Sampling is process-wide, so these tests live in a test
//! binary of their own and take turns.

use std::sync::Mutex;
use tierdiff_runtime::coverage::{layout, set_sampling, Sampling};
use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind, Val};

static SAMPLING: Mutex<()> = Mutex::new(());

/// Runs `calls` on a fresh classic store recording coverage; the count of
/// every cell by name once the store is gone.
fn covered(wat: &str, calls: &[(&str, &[Val])]) -> Vec<(String, u64)> {
    let module = Module::new(&wat::parse_str(wat).expect("wat parses")).expect("loads");
    let mut store = Store::new(TierKind::Classic, Limits::default()).expect("classic exists");
    store.enable_coverage();
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    for (name, args) in calls {
        let Some(Extern::Func(f)) = store.export(inst, name) else {
            panic!("no export {name}");
        };
        let _ = store.invoke(f, args);
    }
    let counts = store.coverage().expect("enabled").counts().to_vec();
    layout()
        .cells
        .iter()
        .zip(counts)
        .map(|(c, n)| (c.name.clone(), n))
        .collect()
}

fn count(cells: &[(String, u64)], name: &str) -> u64 {
    cells
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no cell {name}"))
        .1
}

/// Counts down from the argument, then divides by zero.
const LOOP_THEN_TRAP: &str = r#"(module
    (func (export "f") (param i32) (result i32)
        (loop $l
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $l (i32.ne (local.get 0) (i32.const 0))))
        (i32.div_u (i32.const 1) (local.get 0))))"#;

#[test]
fn a_trap_past_the_recorded_steps_counts_against_its_instruction() {
    let _turn = SAMPLING.lock().unwrap_or_else(|p| p.into_inner());
    set_sampling(Some(Sampling {
        saturation: u64::MAX,
        steps_per_call: 50,
    }));
    let cells = covered(LOOP_THEN_TRAP, &[("f", &[Val::I32(1000)])]);
    set_sampling(None);
    assert_eq!(count(&cells, "i32.div_u/trap:integer-divide-by-zero"), 1);
    // Only the first 50 instructions were recorded: about 8 iterations.
    let subs = count(&cells, "i32.sub");
    assert!((1..=50).contains(&subs), "i32.sub counted {subs} times");
    // Without sampling every iteration is recorded.
    let cells = covered(LOOP_THEN_TRAP, &[("f", &[Val::I32(1000)])]);
    assert_eq!(count(&cells, "i32.sub"), 1000);
    assert_eq!(count(&cells, "i32.div_u/trap:integer-divide-by-zero"), 1);
}

#[test]
fn saturated_operators_stop_counting_classes_and_rare_classes_are_still_found() {
    let _turn = SAMPLING.lock().unwrap_or_else(|p| p.into_inner());
    set_sampling(Some(Sampling {
        saturation: 3,
        steps_per_call: u64::MAX,
    }));
    // `i32.eqz` has two classes (zero, negative); after a store that saw
    // each three times it is saturated.
    let eqz = r#"(module (func (export "z") (param i32) (result i32) (i32.eqz (local.get 0))))"#;
    let calls: &[(&str, &[Val])] = &[
        ("z", &[Val::I32(0)]),
        ("z", &[Val::I32(-5)]),
        ("z", &[Val::I32(0)]),
        ("z", &[Val::I32(-5)]),
        ("z", &[Val::I32(0)]),
        ("z", &[Val::I32(-5)]),
    ];
    let classes = |cells: &[(String, u64)]| -> Vec<(String, u64)> {
        cells
            .iter()
            .filter(|(n, _)| n.starts_with("i32.eqz/"))
            .cloned()
            .collect()
    };
    let first = covered(eqz, calls);
    assert!(classes(&first).iter().all(|(_, n)| *n >= 3), "{first:?}");
    let later = covered(eqz, calls);
    assert_eq!(count(&later, "i32.eqz"), 6, "it still counts that it ran");
    assert!(
        classes(&later).iter().all(|(_, n)| *n == 0),
        "saturated: {:?}",
        classes(&later)
    );
    // `i32.div_u` has classes no store reached yet: it is never
    // saturated, however often its other classes were seen, and a rare
    // one is still found.
    let div = r#"(module (func (export "d") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))"#;
    let ones: Vec<(&str, &[Val])> = (0..8)
        .map(|_| ("d", &[Val::I32(7), Val::I32(1)][..]))
        .collect();
    assert_eq!(count(&covered(div, &ones), "i32.div_u/rhs-one"), 8);
    let found = covered(div, &[("d", &[Val::I32(-8), Val::I32(3)])]);
    set_sampling(None);
    assert_eq!(count(&found, "i32.div_u/lhs-sign-bit"), 1);
}
