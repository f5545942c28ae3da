//! The bug tierdiff exists for: reference-typed locals must start as null
//! in every tier, and if a tier ever produced externref id 0, the ExternRef
//! map's invariant check must name it.

use tierdiff_runtime::maps::{ExternRefMap, InternalMap};
use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind, Val};

const MODULE: &str = r#"
(module
  (global $g (mut externref) (ref.null extern))
  (table $t 2 externref)
  (func (export "unset_externref") (result externref) (local externref) local.get 0)
  (func (export "unset_funcref") (result funcref) (local funcref) local.get 0)
  (func (export "is_null_externref") (result i32) (local externref) local.get 0 ref.is_null)
  (func (export "is_null_funcref") (result i32) (local funcref) local.get 0 ref.is_null)
  (func (export "store_unset") (local externref)
    (global.set $g (local.get 0))
    (table.set $t (i32.const 1) (local.get 0)))
  (func (export "echo") (param externref) (result externref) local.get 0)
  (export "g" (global $g))
  (export "t" (table $t)))
"#;

fn setup(tier: TierKind) -> (Store, tierdiff_runtime::InstanceId) {
    let module = Module::new(&wat::parse_str(MODULE).unwrap()).unwrap();
    let mut store = Store::new(tier, Limits::default()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    (store, inst)
}

fn call(
    store: &mut Store,
    inst: tierdiff_runtime::InstanceId,
    name: &str,
    args: &[Val],
) -> Vec<Val> {
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    store.invoke(f, args).unwrap()
}

#[test]
fn unset_reference_locals_are_null_in_every_tier() {
    for tier in TierKind::implemented() {
        let (mut store, inst) = setup(tier);
        assert_eq!(
            call(&mut store, inst, "unset_externref", &[]),
            vec![Val::ExternRef(None)],
            "{tier}"
        );
        assert_eq!(
            call(&mut store, inst, "unset_funcref", &[]),
            vec![Val::FuncRef(None)],
            "{tier}"
        );
        assert_eq!(
            call(&mut store, inst, "is_null_externref", &[]),
            vec![Val::I32(1)],
            "{tier}"
        );
        assert_eq!(
            call(&mut store, inst, "is_null_funcref", &[]),
            vec![Val::I32(1)],
            "{tier}"
        );
        call(&mut store, inst, "store_unset", &[]);
        let Some(Extern::Global(g)) = store.export(inst, "g") else {
            panic!()
        };
        assert_eq!(store.global_get(g), Val::ExternRef(None), "{tier}");
        let Some(Extern::Table(t)) = store.export(inst, "t") else {
            panic!()
        };
        assert_eq!(
            store.table_contents(t),
            vec![Val::ExternRef(None); 2],
            "{tier}"
        );
        assert!(
            store.violations().is_empty(),
            "{tier}: {:?}",
            store.violations()
        );
        let externrefs = store
            .map_snapshots()
            .into_iter()
            .find(|s| s.name == "externref-map")
            .unwrap();
        assert_eq!(externrefs.stats.invalid_keys, 0, "{tier}");
    }
}

#[test]
fn host_externrefs_round_trip_through_the_map() {
    for tier in TierKind::implemented() {
        let (mut store, inst) = setup(tier);
        let r = store.extern_ref(42);
        assert_eq!(
            r,
            Val::ExternRef(Some(tierdiff_runtime::ExternId(1))),
            "ids are issued from 1"
        );
        let back = call(&mut store, inst, "echo", &[r]);
        assert_eq!(back, vec![r]);
        assert_eq!(store.extern_payload(back[0]), Some(42));
        assert!(
            store.violations().is_empty(),
            "{tier}: {:?}",
            store.violations()
        );
    }
}

#[test]
fn id_zero_from_a_tier_is_reported() {
    // What a tier with the seed bug would hand back: externref slot 0.
    let mut map = ExternRefMap::default();
    map.issue(7);
    map.observe_outgoing(0, "result 0 of unset_externref");
    let violations = map.check();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].map, "externref-map");
    assert!(
        violations[0].detail.contains("id 0 was never issued"),
        "{violations:?}"
    );
    assert_eq!(map.stats().invalid_keys, 1);
}

#[test]
fn id_zero_in_store_state_surfaces_in_the_violation_report() {
    let (mut store, inst) = setup(TierKind::Classic);
    let Some(Extern::Global(g)) = store.export(inst, "g") else {
        panic!()
    };
    // Simulate a tier that wrote a zero-initialised reference into the global.
    store.data_mut().globals[g as usize].value = 0;
    assert_eq!(
        store.global_get(g),
        Val::ExternRef(Some(tierdiff_runtime::ExternId(0)))
    );
    let violations = store.violations();
    assert!(
        violations
            .iter()
            .any(|v| v.map == "externref-map" && v.detail.contains("global value: externref id 0")),
        "{violations:?}"
    );
}
