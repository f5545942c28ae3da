//! What the loader and store do for SIMD and WebAssembly 3.0 part one,
//! whatever the tier: v128 values and globals, extended constant
//! expressions, 64-bit and multiple memories and tables; and what the
//! loader still refuses, named.

use tierdiff_runtime::module::{decodable_features, supported_features};
use tierdiff_runtime::values::{from_slots, slot_count, to_slots};
use tierdiff_runtime::{Extern, Limits, Linker, Module, Store, TierKind, Val, ValType};

const AHEAD: &str = r#"(module
    (global (export "v") v128 (v128.const i32x4 1 2 3 -1))
    (global (export "sum") i32 (i32.add (i32.const 40) (i32.mul (i32.const 2) (i32.const 1))))
    (global (export "big") i64 (i64.sub (i64.const 0) (i64.const 1)))
    (memory (export "m64") i64 2 5)
    (memory (export "m32") 1)
    (data (memory 0) (i64.const 65536) "\01\02")
    (data (memory 1) (i32.const 8) "\03"))"#;

#[test]
fn the_default_loader_takes_what_every_tier_runs_and_names_the_rest() {
    Module::new(&wat::parse_str(AHEAD).unwrap()).unwrap();
    assert_eq!(supported_features(), decodable_features());
    // Every proposal a module needs is named at once.
    let bytes = wat::parse_str(
        r#"(module (memory 1 1 shared)
             (func (param v128) (result v128)
               (i8x16.relaxed_swizzle (local.get 0) (local.get 0))))"#,
    )
    .unwrap();
    let err = Module::new(&bytes).unwrap_err().to_string();
    for name in ["relaxed SIMD", "threads"] {
        assert!(
            err.starts_with("unsupported feature: ") && err.contains(name),
            "{err}"
        );
    }
}

#[test]
fn v128_globals_extended_constants_and_64_bit_memories_instantiate() {
    let bytes = wat::parse_str(AHEAD).unwrap();
    let module = Module::new_with_features(&bytes, decodable_features()).unwrap();
    assert!(module.memories[0].index64 && !module.memories[1].index64);
    assert_eq!(
        (module.memories[0].min, module.memories[0].max),
        (2, Some(5))
    );
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let global = |store: &mut Store, name: &str| match store.export(inst, name) {
        Some(Extern::Global(g)) => store.global_get(g),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(
        global(&mut store, "v"),
        Val::V128(0xffff_ffff_0000_0003_0000_0002_0000_0001)
    );
    assert_eq!(global(&mut store, "sum"), Val::I32(42));
    assert_eq!(global(&mut store, "big"), Val::I64(-1));
    let memory = |store: &mut Store, name: &str| match store.export(inst, name) {
        Some(Extern::Memory(m)) => store.memory(m).to_vec(),
        other => panic!("{name}: {other:?}"),
    };
    let m64 = memory(&mut store, "m64");
    assert_eq!(m64.len(), 2 * 65_536);
    assert_eq!(&m64[65_536..65_538], &[1, 2]);
    assert_eq!(memory(&mut store, "m32")[8], 3);
}

#[test]
fn a_data_segment_past_a_64_bit_memory_traps_without_wrapping() {
    let bytes =
        wat::parse_str(r#"(module (memory i64 1) (data (i64.const 0xffffffffffffffff) "\01\02"))"#)
            .unwrap();
    let module = Module::new_with_features(&bytes, decodable_features()).unwrap();
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let err = store.instantiate(&module, &Linker::default()).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
}

#[test]
fn v128_values_take_two_slots_low_half_first() {
    let vals = [
        Val::I32(-1),
        Val::V128(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff),
        Val::F64(7),
    ];
    let slots = to_slots(&vals);
    assert_eq!(
        slots,
        [0xffff_ffff, 0x8899_aabb_ccdd_eeff, 0x0011_2233_4455_6677, 7]
    );
    let types = [ValType::I32, ValType::V128, ValType::F64];
    assert_eq!(slot_count(&types), 4);
    assert_eq!(from_slots(&types, &slots).unwrap(), vals);
    assert_eq!(
        from_slots(&types, &slots[..3]),
        None,
        "a short list is refused"
    );
    assert_eq!(Val::default_for(ValType::V128), Val::V128(0));
    assert_eq!(
        Val::V128(0xab).to_string(),
        "v128:0x000000000000000000000000000000ab"
    );
}

#[test]
fn a_64_bit_table_takes_an_i64_segment_offset_and_never_wraps() {
    let ok = wat::parse_str(
        r#"(module (table (export "t") i64 4 funcref) (func $f)
            (elem (table 0) (i64.const 2) func $f $f))"#,
    )
    .unwrap();
    let module = Module::new_with_features(&ok, decodable_features()).unwrap();
    assert!(module.tables[0].index64);
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let Some(Extern::Table(t)) = store.export(inst, "t") else {
        panic!("table export")
    };
    let slots = store.table_contents(t);
    assert!(slots[0].is_null_ref() && !slots[2].is_null_ref() && !slots[3].is_null_ref());

    let wraps = wat::parse_str(
        r#"(module (table i64 4 funcref) (func $f)
            (elem (table 0) (i64.const 0xffffffffffffffff) func $f $f))"#,
    )
    .unwrap();
    let module = Module::new_with_features(&wraps, decodable_features()).unwrap();
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let err = store.instantiate(&module, &Linker::default()).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
}
