//! WebAssembly 3.0 part one in the classic tier: tail calls (frame reuse,
//! call depth, fuel, host callees, `return_call_indirect`'s traps), memory
//! instructions that name their memory, and 64-bit memories whose bounds
//! checks cannot wrap.
//!
//! The default loader still refuses these proposals until every tier runs
//! them, so the modules load with `Module::new_with_features`.

use std::sync::Arc;
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{
    CallError, Extern, FuncType, Limits, Linker, Module, Store, TierKind, TrapCode, Val, ValType,
};

/// Instantiates `wat` on the classic tier and calls `name`; checks that no
/// internal map reports a violation. Returns the fuel left too.
fn call_with(
    limits: Limits,
    linker: impl FnOnce(&mut Store) -> Linker,
    wat: &str,
    name: &str,
    args: &[Val],
) -> (Result<Vec<Val>, TrapCode>, Option<u64>) {
    let bytes = wat::parse_str(wat).expect("wat parses");
    let module = Module::new_with_features(&bytes, decodable_features()).expect("module loads");
    let mut store = Store::new(TierKind::Classic, limits).expect("classic exists");
    let linker = linker(&mut store);
    let inst = store.instantiate(&module, &linker).expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let result = store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{other}"),
    });
    assert!(store.violations().is_empty(), "{:?}", store.violations());
    (result, store.fuel())
}

fn call_limited(limits: Limits, wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    call_with(limits, |_| Linker::default(), wat, name, args).0
}

fn call(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, TrapCode> {
    call_limited(Limits::default(), wat, name, args)
}

/// Counts `n` down by tail calls; the result proves every step ran.
const COUNTDOWN: &str = r#"(module
  (func $loop (export "loop") (param i64 i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (return_call $loop (i64.sub (local.get 0) (i64.const 1))
                       (i64.add (local.get 1) (i64.const 3)))))"#;

#[test]
fn ten_million_return_calls_grow_neither_stack() {
    // A call depth of 4 leaves no room for growth, and a 128 KiB thread stack
    // none for native recursion: 10 million tail calls must fit in both.
    let limits = Limits {
        max_call_depth: 4,
        ..Limits::default()
    };
    let handle = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            call_limited(
                limits,
                COUNTDOWN,
                "loop",
                &[Val::I64(10_000_000), Val::I64(0)],
            )
        })
        .expect("thread starts");
    assert_eq!(
        handle.join().expect("no stack overflow"),
        Ok(vec![Val::I64(30_000_000)])
    );
}

#[test]
fn a_tail_call_is_charged_one_unit_of_fuel_on_entry() {
    // The first entry plus one per tail call: n + 1 units for n steps.
    for n in [0u64, 1, 50] {
        let exact = Limits {
            fuel: Some(n + 1),
            ..Limits::default()
        };
        let (result, left) = call_with(
            exact,
            |_| Linker::default(),
            COUNTDOWN,
            "loop",
            &[Val::I64(n as i64), Val::I64(0)],
        );
        assert_eq!(result, Ok(vec![Val::I64(3 * n as i64)]));
        assert_eq!(left, Some(0));
        let short = Limits {
            fuel: Some(n),
            ..Limits::default()
        };
        assert_eq!(
            call_limited(short, COUNTDOWN, "loop", &[Val::I64(n as i64), Val::I64(0)]),
            Err(TrapCode::OutOfFuel)
        );
    }
}

#[test]
fn tail_calls_keep_the_depth_of_the_frame_they_replace() {
    // $top calls $mid (depth 2), which tail-calls $leaf (still 2), which
    // calls $bottom (3). Mutual tail recursion between $even and $odd
    // never adds a frame.
    let wat = r#"(module
      (func $bottom (result i32) (i32.const 7))
      (func $leaf (result i32) (i32.add (call $bottom) (i32.const 1)))
      (func $mid (result i32) (return_call $leaf))
      (func (export "top") (result i32) (call $mid))
      (func $even (export "even") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
          (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
      (func $odd (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (return_call $even (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let depth = |d| Limits {
        max_call_depth: d,
        ..Limits::default()
    };
    assert_eq!(
        call_limited(depth(3), wat, "top", &[]),
        Ok(vec![Val::I32(8)])
    );
    assert_eq!(
        call_limited(depth(2), wat, "top", &[]),
        Err(TrapCode::CallStackExhausted)
    );
    assert_eq!(
        call_limited(depth(1), wat, "even", &[Val::I32(100_001)]),
        Ok(vec![Val::I32(0)])
    );
}

#[test]
fn return_call_indirect_traps_like_call_indirect_and_reaches_hosts() {
    let host_linker = |store: &mut Store| {
        let ty = FuncType {
            params: vec![ValType::I32, ValType::V128],
            results: vec![ValType::I64],
        };
        let f = store.alloc_host_func(
            ty,
            Arc::new(|_, args| match args {
                [Val::I32(a), Val::V128(v)] => Ok(vec![Val::I64(*a as i64 + (*v >> 64) as i64)]),
                other => panic!("{other:?}"),
            }),
        );
        let mut linker = Linker::default();
        linker.define("host", "add", Extern::Func(f));
        linker
    };
    let wat = r#"(module
      (import "host" "add" (func $add (param i32 v128) (result i64)))
      (type $iv (func (param i32 v128) (result i64)))
      (type $other (func (param i32) (result i64)))
      (table 4 funcref)
      (elem (i32.const 0) $add $wasm $wrong)
      (func $wasm (param i32 v128) (result i64) (i64.extend_i32_s (local.get 0)))
      (func $wrong (param i32) (result i64) (i64.const -1))
      (func $via (param i32) (result i64)
        (return_call_indirect (type $iv) (i32.const 5) (v128.const i64x2 0 37) (local.get 0)))
      ;; The host's result goes straight to $via's caller, past the i32 below it.
      (func (export "f") (param i32) (result i32 i64) (i32.const 9) (call $via (local.get 0)))
      (func (export "direct") (result i64)
        (return_call $add (i32.const 1) (v128.const i64x2 0 2))))"#;
    let f = |i: i32| call_with(Limits::default(), host_linker, wat, "f", &[Val::I32(i)]).0;
    assert_eq!(f(0), Ok(vec![Val::I32(9), Val::I64(42)]));
    assert_eq!(f(1), Ok(vec![Val::I32(9), Val::I64(5)]));
    assert_eq!(f(2), Err(TrapCode::IndirectCallTypeMismatch));
    assert_eq!(f(3), Err(TrapCode::IndirectCallToNull));
    assert_eq!(f(4), Err(TrapCode::TableOutOfBounds));
    let direct = call_with(Limits::default(), host_linker, wat, "direct", &[]).0;
    assert_eq!(direct, Ok(vec![Val::I64(3)]));
}

#[test]
fn tail_calls_between_v128_and_scalar_functions_move_whole_values() {
    let wat = r#"(module
      (func $sum (param v128 i32) (result i32)
        (i32.add (local.get 1) (i32x4.extract_lane 3 (local.get 0))))
      (func $to_v (param i32) (result i32)
        (return_call $sum (i32x4.splat (local.get 0)) (i32.const 100)))
      (func (export "f") (param i32) (result i32) (return_call $to_v (local.get 0))))"#;
    assert_eq!(call(wat, "f", &[Val::I32(5)]), Ok(vec![Val::I32(105)]));
}

#[test]
fn every_memory_instruction_names_its_memory() {
    let wat = r#"(module
      (memory $a 1)
      (memory $b 2 3)
      (data $d "\01\02\03\04")
      (data (memory $b) (i32.const 65536) "\aa\bb")
      (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
      (func (export "load_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
      (func (export "store_b") (param i32 i64) (i64.store $b offset=4 (local.get 0) (local.get 1)))
      (func (export "sizes") (result i32 i32) (memory.size $a) (memory.size $b))
      (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
      (func (export "fill_b") (param i32 i32 i32)
        (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
      (func (export "init_b") (param i32 i32 i32)
        (memory.init $b $d (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy_b_to_a") (param i32 i32 i32)
        (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy_a_to_b") (param i32 i32 i32)
        (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy_b") (param i32 i32 i32)
        (memory.copy $b $b (local.get 0) (local.get 1) (local.get 2))))"#;
    let bytes = wat::parse_str(wat).unwrap();
    let module = Module::new_with_features(&bytes, decodable_features()).unwrap();
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let mut run = |name: &str, args: &[Val]| {
        let Some(Extern::Func(f)) = store.export(inst, name) else {
            panic!("{name}")
        };
        store.invoke(f, args).map_err(|e| match e {
            CallError::Trap(t) => t.code,
            other => panic!("{other}"),
        })
    };
    let i = Val::I32;
    let one = |r: Result<Vec<Val>, TrapCode>| match r.as_deref() {
        Ok([Val::I32(v)]) => *v,
        other => panic!("{other:?}"),
    };
    // Memory 1 is two pages and holds the data; memory 0 is one page of zeros.
    assert_eq!(one(run("load_b", &[i(65536)])), 0xaa);
    assert_eq!(one(run("load_a", &[i(65535)])), 0);
    assert_eq!(run("load_a", &[i(65536)]), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(run("sizes", &[]), Ok(vec![i(1), i(2)]));
    assert_eq!(
        run("store_b", &[i(131060), Val::I64(1)]),
        Ok(vec![]),
        "the last 8 bytes of memory 1, past the end of memory 0"
    );
    assert_eq!(
        run("store_b", &[i(131061), Val::I64(1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(one(run("grow_b", &[i(1)])), 2);
    assert_eq!(one(run("grow_b", &[i(1)])), -1, "past the declared maximum");
    assert_eq!(run("sizes", &[]), Ok(vec![i(1), i(3)]));

    // fill, init and copies each touch only the memories they name.
    run("fill_b", &[i(10), i(0x55), i(3)]).unwrap();
    assert_eq!(one(run("load_b", &[i(12)])), 0x55);
    assert_eq!(one(run("load_a", &[i(12)])), 0);
    run("init_b", &[i(20), i(1), i(3)]).unwrap();
    assert_eq!(
        (one(run("load_b", &[i(20)])), one(run("load_b", &[i(22)]))),
        (2, 4)
    );
    assert_eq!(
        run("init_b", &[i(196606), i(0), i(3)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    run("copy_b_to_a", &[i(100), i(65536), i(2)]).unwrap();
    assert_eq!(
        (one(run("load_a", &[i(100)])), one(run("load_a", &[i(101)]))),
        (0xaa, 0xbb)
    );
    // A copy out of memory 1's third page into memory 0 fits the source only.
    assert_eq!(
        run("copy_b_to_a", &[i(65535), i(131072), i(2)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    run("copy_a_to_b", &[i(196600), i(100), i(2)]).unwrap();
    assert_eq!(one(run("load_b", &[i(196601)])), 0xbb);
    // Overlapping copy within memory 1 moves like memmove.
    run("copy_b", &[i(21), i(20), i(3)]).unwrap();
    let got: Vec<i32> = (20..24).map(|a| one(run("load_b", &[i(a)]))).collect();
    assert_eq!(got, [2, 2, 3, 4]);
}

#[test]
fn a_64_bit_memory_takes_i64_addresses_and_never_wraps() {
    let wat = r#"(module
      (memory $m i64 1 4)
      (data (i64.const 65535) "\7f")
      (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
      (func (export "load_far") (param i64) (result i32)
        (i32.load8_u offset=0x100000000 (local.get 0)))
      (func (export "load_top") (param i64) (result i64)
        (i64.load offset=0xfffffffffffffff0 (local.get 0)))
      (func (export "size") (result i64) (memory.size))
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
      (func (export "fill") (param i64 i32 i64)
        (memory.fill (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy") (param i64 i64 i64)
        (memory.copy (local.get 0) (local.get 1) (local.get 2))))"#;
    let mut store = Store::new(TierKind::Classic, Limits::default()).unwrap();
    let bytes = wat::parse_str(wat).unwrap();
    let module = Module::new_with_features(&bytes, decodable_features()).unwrap();
    let inst = store.instantiate(&module, &Linker::default()).unwrap();
    let mut run = |name: &str, args: &[Val]| {
        let Some(Extern::Func(f)) = store.export(inst, name) else {
            panic!("{name}")
        };
        store.invoke(f, args).map_err(|e| match e {
            CallError::Trap(t) => t.code,
            other => panic!("{other}"),
        })
    };
    let l = Val::I64;
    assert_eq!(run("load", &[l(65535)]), Ok(vec![Val::I32(0x7f)]));
    // Addresses whose low 32 bits are in bounds must not be truncated.
    for addr in [65536, 1 << 32, (1 << 32) + 65535, i64::MAX, -1, -65536] {
        assert_eq!(
            run("load", &[l(addr)]),
            Err(TrapCode::MemoryOutOfBounds),
            "{addr:#x}"
        );
    }
    // A 64-bit offset, and offsets that would wrap an address near 2^64.
    assert_eq!(
        run("load_far", &[l(-0x1_0000_0000 + 65535)]),
        Err(TrapCode::MemoryOutOfBounds),
        "address + offset = 2^64 + 65535 wraps to a valid address unless checked"
    );
    assert_eq!(run("load_far", &[l(0)]), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        run("load_top", &[l(0x20)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(run("size", &[]), Ok(vec![l(1)]));
    assert_eq!(run("grow", &[l(2)]), Ok(vec![l(1)]));
    assert_eq!(
        run("grow", &[l(2)]),
        Ok(vec![l(-1)]),
        "past the maximum of 4"
    );
    assert_eq!(run("grow", &[l(1 << 32)]), Ok(vec![l(-1)]));
    assert_eq!(run("grow", &[l(-1)]), Ok(vec![l(-1)]));
    assert_eq!(run("size", &[]), Ok(vec![l(3)]));
    run("fill", &[l(3 * 65536 - 1), Val::I32(9), l(1)]).unwrap();
    assert_eq!(run("load", &[l(3 * 65536 - 1)]), Ok(vec![Val::I32(9)]));
    assert_eq!(
        run("fill", &[l(-1), Val::I32(9), l(2)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        run("fill", &[l(1), Val::I32(9), l(-1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    run("copy", &[l(0), l(65535), l(1)]).unwrap();
    assert_eq!(run("load", &[l(0)]), Ok(vec![Val::I32(0x7f)]));
    assert_eq!(
        run("copy", &[l(0), l(-1), l(1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
}

#[test]
fn a_copy_between_32_and_64_bit_memories_takes_the_narrower_length() {
    let wat = r#"(module
      (memory $small 1)
      (memory $big i64 1)
      (data (memory $big) (i64.const 8) "\11\22")
      (func (export "down") (param i32 i64 i32) (result i32)
        (memory.copy $small $big (local.get 0) (local.get 1) (local.get 2))
        (i32.load16_u $small (local.get 0)))
      (func (export "up") (param i64 i32 i32) (result i32)
        (memory.copy $big $small (local.get 0) (local.get 1) (local.get 2))
        (i32.load16_u $big (local.get 0))))"#;
    let (i, l) = (Val::I32, Val::I64);
    assert_eq!(
        call(wat, "down", &[i(100), l(8), i(2)]),
        Ok(vec![i(0x2211)])
    );
    assert_eq!(
        call(wat, "down", &[i(100), l(1 << 32), i(2)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    // -1 as an i32 length is 2^32 - 1 bytes, never 2^64 - 1.
    assert_eq!(
        call(wat, "down", &[i(0), l(0), i(-1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(call(wat, "up", &[l(65534), i(0), i(2)]), Ok(vec![i(0)]));
    assert_eq!(
        call(wat, "up", &[l(65535), i(0), i(2)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
}
