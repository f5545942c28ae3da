//! The fast tier's SIMD and multi-memory faults change exactly what they
//! name (the generator-driven fault tests come with the SIMD and 3.0
//! generators). One test: the selected fault is process-wide.
#![cfg(feature = "fault-injection")]

use tierdiff_runtime::fault::{self, Fault};
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

fn run(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(TierKind::Fast, Limits::default()).expect("tier");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    })
}

#[test]
fn each_fault_changes_its_instruction() {
    let swizzle = r#"(module (func (export "f") (result i32)
      (i8x16.extract_lane_u 0
        (i8x16.swizzle (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                       (v128.const i8x16 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))))"#;
    let copy = r#"(module (memory 1) (memory $b 2)
      (func (export "f") (result i32)
        (memory.copy 0 $b (i32.const 65535) (i32.const 70000) (i32.const 2))
        (i32.const 1)))"#;
    let cases = [
        (
            Fault::FastSwizzleLaneWrap,
            swizzle,
            Ok(vec![Val::I32(0)]),
            Ok(vec![Val::I32(1)]),
        ),
        (
            Fault::FastCopyWrongMemoryLength,
            copy,
            Err(TrapCode::MemoryOutOfBounds),
            Ok(vec![Val::I32(1)]),
        ),
    ];
    for (f, wat, right, wrong) in cases {
        fault::set(None).unwrap();
        assert_eq!(run(wat, "f", &[]), right, "{} off", f.name());
        fault::set(Some(f)).unwrap();
        let faulty = run(wat, "f", &[]);
        fault::set(None).unwrap();
        assert_eq!(faulty, wrong, "{} on", f.name());
    }
}
