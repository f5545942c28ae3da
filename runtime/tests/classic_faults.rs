//! The classic tier's own SIMD and tail-call faults do what their names say
//! (run with `--features fault-injection`). One test, because the selected
//! fault is process-global.
#![cfg(feature = "fault-injection")]

use tierdiff_runtime::fault::{self, Fault};
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{CallError, Extern, Limits, Linker, Module, Store, TierKind, TrapCode, Val};

fn call(limits: Limits, wat: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("loads");
    let mut store = Store::new(TierKind::Classic, limits).expect("classic exists");
    let inst = store
        .instantiate(&module, &Linker::default())
        .expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, "f") else {
        panic!("no export f")
    };
    store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    })
}

#[test]
fn swizzle_wrap_and_tail_call_depth_faults_change_results() {
    // Selector 17 is out of range: lane 0 becomes 0, or a[1] under the fault.
    let swizzle = r#"(module (func (export "f") (result i32)
        (i8x16.extract_lane_u 0 (i8x16.swizzle
            (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
            (v128.const i8x16 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))))"#;
    // 1000 mutual tail calls with room for 10 frames.
    let ping_pong = r#"(module
      (func $a (export "f") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))
          (else (return_call $b (i32.sub (local.get 0) (i32.const 1))))))
      (func $b (param i32) (result i32) (return_call $a (local.get 0))))"#;
    let shallow = Limits {
        max_call_depth: 10,
        ..Limits::default()
    };
    let deep = [Val::I32(1000)];

    fault::set(None).unwrap();
    assert_eq!(call(Limits::default(), swizzle, &[]), Ok(vec![Val::I32(0)]));
    assert_eq!(call(shallow, ping_pong, &deep), Ok(vec![Val::I32(7)]));

    fault::set(Some(Fault::ClassicSwizzleWrap)).unwrap();
    let wrapped = call(Limits::default(), swizzle, &[]);
    fault::set(Some(Fault::ClassicTailCallDepth)).unwrap();
    let exhausted = call(shallow, ping_pong, &deep);
    // The naive tail call still returns the right value when the depth allows.
    let roomy = call(Limits::default(), ping_pong, &deep);
    fault::set(None).unwrap();

    assert_eq!(wrapped, Ok(vec![Val::I32(11)]));
    assert_eq!(exhausted, Err(TrapCode::CallStackExhausted));
    assert_eq!(roomy, Ok(vec![Val::I32(7)]));
}
