//! WebAssembly 3.0 part one in the JIT tier: tail calls (frame replaced:
//! neither the native stack nor the call depth grows; fuel charged per
//! entry; traps of `return_call_indirect` in `call_indirect`'s order; tail
//! calls to host functions and with stack-passed arguments), several
//! memories (each bounds-checked on its own, views re-read after a growth
//! that may move a memory, copies between memories), and 64-bit memories
//! (addresses and offsets near 2^32 and 2^64 trap, never wrap; i64 sizes,
//! growth and bulk operands), and 64-bit tables (indices at or above 2^32
//! trap `TableOutOfBounds` in every table instruction and `call_indirect`;
//! i64 sizes, growth and bulk operands).

use std::sync::Arc;
use tierdiff_runtime::module::decodable_features;
use tierdiff_runtime::{
    CallError, Extern, FuncType, InstanceId, Limits, Linker, Module, Store, TierKind, TrapCode,
    Val, ValType,
};

fn module(wat: &str) -> Arc<Module> {
    let bytes = wat::parse_str(wat).expect("wat parses");
    Module::new_with_features(&bytes, decodable_features()).expect("module loads")
}

fn instance(tier: TierKind, limits: Limits, wat: &str, linker: &Linker) -> (Store, InstanceId) {
    let mut store = Store::new(tier, limits).expect("tier is implemented");
    let inst = store
        .instantiate(&module(wat), linker)
        .expect("instantiates");
    (store, inst)
}

fn call(
    store: &mut Store,
    inst: InstanceId,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, TrapCode> {
    let Some(Extern::Func(f)) = store.export(inst, name) else {
        panic!("no export {name}")
    };
    let r = store.invoke(f, args).map_err(|e| match e {
        CallError::Trap(t) => t.code,
        other => panic!("{name}: {other}"),
    });
    assert_eq!(store.violations(), vec![], "violations after {name}");
    r
}

fn memory(store: &Store, inst: InstanceId, name: &str) -> Vec<u8> {
    let found = store.exports(inst).into_iter().find(|(n, _)| n == name);
    let Some((_, Extern::Memory(m))) = found else {
        panic!("no memory {name}")
    };
    store.memory(m).to_vec()
}

fn i32v(v: i32) -> Val {
    Val::I32(v)
}

fn i64v(v: i64) -> Val {
    Val::I64(v)
}

const TAIL: &str = r#"(module
  (import "host" "add1" (func $add1 (param i64) (result i64)))
  (type $t (func (param i64 i64) (result i64)))
  (table 4 funcref)
  (elem (i32.const 0) $count_ind $add1)
  (func $count (export "count") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $count
        (i64.sub (local.get 0) (i64.const 1))
        (i64.add (local.get 1) (i64.const 2))))))
  (func $count_ind (export "count_ind") (type $t)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call_indirect (type $t)
        (i64.sub (local.get 0) (i64.const 1))
        (i64.add (local.get 1) (i64.const 2))
        (i32.const 0)))))
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))
  ;; Alternates between two and fourteen parameters, so some arguments of
  ;; the tail call travel on the stack.
  (func $few (export "few") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $many (local.get 0) (local.get 1)
        (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)
        (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10) (i64.const 11) (i64.const 12)))))
  (func $many (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (return_call $few
      (i64.sub (local.get 0) (i64.sub (local.get 13) (local.get 12)))
      (i64.add (local.get 1)
        (i64.add (i64.add (i64.add (local.get 2) (local.get 5)) (i64.add (local.get 8) (local.get 11)))
                 (i64.add (local.get 13) (local.get 7))))))
  (func (export "to_host") (param i64) (result i64) (return_call $add1 (local.get 0)))
  (func (export "to_host_indirect") (param i64) (result i64)
    (return_call_indirect (param i64) (result i64) (local.get 0) (i32.const 1)))
  (func (export "indirect_traps") (param i32) (result i64)
    (return_call_indirect (type $t) (i64.const 1) (i64.const 2) (local.get 0)))
  ;; `n` nested plain calls, then a chain of tail calls at that depth.
  (func $deep (export "deep") (param i32 i64) (result i64)
    (if (result i64) (local.get 0)
      (then (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1)))
      (else (return_call $count (local.get 1) (i64.const 0))))))"#;

fn tail_instance(limits: Limits) -> (Store, InstanceId) {
    let mut store = Store::new(TierKind::Jit, limits).unwrap();
    let ty = FuncType {
        params: vec![ValType::I64],
        results: vec![ValType::I64],
    };
    let f = store.alloc_host_func(
        ty,
        Arc::new(|_, args| {
            let Val::I64(x) = args[0] else {
                panic!("i64 expected")
            };
            Ok(vec![Val::I64(x + 1)])
        }),
    );
    let mut linker = Linker::default();
    linker.define("host", "add1", Extern::Func(f));
    let inst = store.instantiate(&module(TAIL), &linker).unwrap();
    (store, inst)
}

#[test]
fn ten_million_tail_calls_grow_neither_the_native_stack_nor_the_depth() {
    // A depth limit of 4 leaves the call thread its smallest stack
    // (16 MiB): ten million frames of any size would not fit, and a depth
    // that grew would trap at the fifth.
    let limits = Limits {
        max_call_depth: 4,
        ..Limits::default()
    };
    let (mut store, inst) = tail_instance(limits);
    let n = 10_000_000;
    assert_eq!(
        call(&mut store, inst, "count", &[i64v(n), i64v(0)]),
        Ok(vec![i64v(2 * n)])
    );
    assert_eq!(
        call(&mut store, inst, "count_ind", &[i64v(n), i64v(0)]),
        Ok(vec![i64v(2 * n)])
    );
    assert_eq!(
        call(&mut store, inst, "even", &[i64v(n)]),
        Ok(vec![i32v(1)])
    );
    assert_eq!(
        call(&mut store, inst, "even", &[i64v(n + 1)]),
        Ok(vec![i32v(0)])
    );
    // Each round of few -> many -> few adds 1 + 4 + 7 + 10 + 12 + 6 = 40.
    assert_eq!(
        call(&mut store, inst, "few", &[i64v(1_000_000), i64v(0)]),
        Ok(vec![i64v(40_000_000)])
    );
}

#[test]
fn a_tail_call_is_charged_one_unit_of_fuel_on_entry() {
    let (mut store, inst) = tail_instance(Limits::default());
    store.set_fuel(Some(1_000));
    assert_eq!(
        call(&mut store, inst, "count", &[i64v(500), i64v(0)]),
        Ok(vec![i64v(1_000)])
    );
    assert_eq!(
        store.fuel(),
        Some(1_000 - 501),
        "the entry and 500 tail calls"
    );
    store.set_fuel(Some(1_000));
    assert_eq!(
        call(&mut store, inst, "count_ind", &[i64v(1_000), i64v(0)]),
        Err(TrapCode::OutOfFuel)
    );
    assert_eq!(store.fuel(), Some(0));
}

#[test]
fn a_tail_call_runs_at_its_callers_depth() {
    let limits = Limits {
        max_call_depth: 10,
        ..Limits::default()
    };
    let (mut store, inst) = tail_instance(limits);
    // Ten frames of $deep, the last replaced by $count and its chain.
    assert_eq!(
        call(&mut store, inst, "deep", &[i32v(9), i64v(1_000)]),
        Ok(vec![i64v(2_000)])
    );
    assert_eq!(
        call(&mut store, inst, "deep", &[i32v(10), i64v(1_000)]),
        Err(TrapCode::CallStackExhausted)
    );
    // The same frame count with plain calls, on the classic tier (which
    // counts depth by the shared rule): the same limit applies.
    let plain = r#"(module
      (func $count (param i64 i64) (result i64) (local.get 1))
      (func $deep (export "deep") (param i32 i64) (result i64)
        (if (result i64) (local.get 0)
          (then (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1)))
          (else (i64.const 0)))))"#;
    let (mut classic, ci) = instance(TierKind::Classic, limits, plain, &Linker::default());
    assert!(call(&mut classic, ci, "deep", &[i32v(9), i64v(0)]).is_ok());
    assert_eq!(
        call(&mut classic, ci, "deep", &[i32v(10), i64v(0)]),
        Err(TrapCode::CallStackExhausted)
    );
}

#[test]
fn return_call_indirect_traps_like_call_indirect_and_reaches_host_functions() {
    let (mut store, inst) = tail_instance(Limits::default());
    assert_eq!(
        call(&mut store, inst, "indirect_traps", &[i32v(4)]),
        Err(TrapCode::TableOutOfBounds)
    );
    assert_eq!(
        call(&mut store, inst, "indirect_traps", &[i32v(-1)]),
        Err(TrapCode::TableOutOfBounds)
    );
    assert_eq!(
        call(&mut store, inst, "indirect_traps", &[i32v(2)]),
        Err(TrapCode::IndirectCallToNull)
    );
    assert_eq!(
        call(&mut store, inst, "indirect_traps", &[i32v(1)]),
        Err(TrapCode::IndirectCallTypeMismatch)
    );
    assert_eq!(
        call(&mut store, inst, "indirect_traps", &[i32v(0)]),
        Ok(vec![i64v(4)])
    );
    assert_eq!(
        call(&mut store, inst, "to_host", &[i64v(41)]),
        Ok(vec![i64v(42)])
    );
    assert_eq!(
        call(&mut store, inst, "to_host_indirect", &[i64v(41)]),
        Ok(vec![i64v(42)])
    );
}

const MULTI: &str = r#"(module
  (memory $m0 (export "m0") 1)
  (memory $m1 (export "m1") 2 4)
  (memory $m2 (export "m2") 0 1)
  (data (memory $m1) (i32.const 65536) "\01\02\03\04")
  (data $hello "hello")
  (func (export "load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "v128_load1") (param i32) (result v128) (v128.load $m1 (local.get 0)))
  (func (export "store2") (param i32 i32) (i32.store $m2 (local.get 0) (local.get 1)))
  (func (export "sizes") (result i32 i32 i32)
    (memory.size $m0) (memory.size $m1) (memory.size $m2))
  (func (export "grow2_then_load") (param i32) (result i32 i32)
    (memory.grow $m2 (i32.const 1))
    (i32.load8_u $m2 (local.get 0)))
  (func (export "copy_1_to_0") (param i32 i32 i32)
    (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill1") (param i32 i32 i32)
    (memory.fill $m1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init2") (param i32 i32 i32)
    (memory.init $m2 $hello (local.get 0) (local.get 1) (local.get 2)))
  (func $grow1 (result i32) (memory.grow $m1 (i32.const 1)))
  ;; Sums m1[65536 + i] for i < n while growing m1 (which may move it)
  ;; through a call on every iteration.
  (func (export "sum_while_growing") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.load8_u $m1 offset=65536 (local.get 1))))
      (drop (call $grow1))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2)))"#;

#[test]
fn each_memory_is_addressed_and_bounds_checked_on_its_own() {
    let (mut s, i) = instance(TierKind::Jit, Limits::default(), MULTI, &Linker::default());
    assert_eq!(
        call(&mut s, i, "sizes", &[]),
        Ok(vec![i32v(1), i32v(2), i32v(0)])
    );
    assert_eq!(
        call(&mut s, i, "load1", &[i32v(65_536)]),
        Ok(vec![i32v(0x0403_0201)])
    );
    assert_eq!(
        call(&mut s, i, "load0", &[i32v(65_536)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        call(&mut s, i, "load1", &[i32v(131_068)]),
        Ok(vec![i32v(0)])
    );
    assert_eq!(
        call(&mut s, i, "load1", &[i32v(131_069)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&[1, 2, 3, 4]);
    assert_eq!(
        call(&mut s, i, "v128_load1", &[i32v(65_536)]),
        Ok(vec![Val::V128(u128::from_le_bytes(v))])
    );
    assert_eq!(
        call(&mut s, i, "store2", &[i32v(0), i32v(1)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    // Growing memory 2 inside the function makes the load after it valid.
    assert_eq!(
        call(&mut s, i, "grow2_then_load", &[i32v(65_535)]),
        Ok(vec![i32v(0), i32v(0)])
    );
    assert_eq!(
        call(&mut s, i, "grow2_then_load", &[i32v(65_535)]),
        Ok(vec![i32v(-1), i32v(0)])
    );
    call(&mut s, i, "store2", &[i32v(65_532), i32v(-1)]).unwrap();
    assert_eq!(&memory(&s, i, "m2")[65_532..], &[0xff; 4]);
    assert_eq!(memory(&s, i, "m0"), vec![0; 65_536], "memory 0 untouched");
}

#[test]
fn bulk_operations_name_their_memories() {
    let (mut s, i) = instance(TierKind::Jit, Limits::default(), MULTI, &Linker::default());
    call(&mut s, i, "copy_1_to_0", &[i32v(8), i32v(65_536), i32v(4)]).unwrap();
    assert_eq!(&memory(&s, i, "m0")[8..12], &[1, 2, 3, 4]);
    // Destination out of bounds in memory 0 (not in memory 1): nothing moves.
    assert_eq!(
        call(
            &mut s,
            i,
            "copy_1_to_0",
            &[i32v(65_535), i32v(65_536), i32v(2)]
        ),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(memory(&s, i, "m0")[65_535], 0);
    call(&mut s, i, "fill1", &[i32v(131_070), i32v(0xab), i32v(2)]).unwrap();
    assert_eq!(&memory(&s, i, "m1")[131_070..], &[0xab, 0xab]);
    assert_eq!(
        call(&mut s, i, "fill1", &[i32v(131_070), i32v(0xab), i32v(3)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        call(&mut s, i, "init2", &[i32v(0), i32v(0), i32v(5)]),
        Err(TrapCode::MemoryOutOfBounds),
        "memory 2 has no pages yet"
    );
    call(&mut s, i, "grow2_then_load", &[i32v(0)]).unwrap();
    call(&mut s, i, "init2", &[i32v(100), i32v(1), i32v(4)]).unwrap();
    assert_eq!(&memory(&s, i, "m2")[100..104], b"ello");
}

#[test]
fn a_memory_grown_during_a_loop_is_read_at_its_new_place() {
    let (mut s, i) = instance(TierKind::Jit, Limits::default(), MULTI, &Linker::default());
    assert_eq!(
        call(&mut s, i, "sum_while_growing", &[i32v(5)]),
        Ok(vec![i32v(10)])
    );
    assert_eq!(
        call(&mut s, i, "sizes", &[]),
        Ok(vec![i32v(1), i32v(4), i32v(0)])
    );
}

#[test]
fn one_memory_imported_twice_copies_within_itself() {
    let mut store = Store::new(TierKind::Jit, Limits::default()).unwrap();
    let owner = store
        .instantiate(
            &module(r#"(module (memory (export "mem") 1) (data (i32.const 0) "abcdef"))"#),
            &Linker::default(),
        )
        .unwrap();
    let mut linker = Linker::default();
    linker.define_instance(&store, "owner", owner);
    let user = store
        .instantiate(
            &module(
                r#"(module
                  (import "owner" "mem" (memory $a 1))
                  (import "owner" "mem" (memory $b 1))
                  (func (export "copy") (param i32 i32 i32)
                    (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0))))"#,
            ),
            &linker,
        )
        .unwrap();
    call(&mut store, user, "copy", &[i32v(2), i32v(0), i32v(4)]).unwrap();
    assert_eq!(&memory(&store, owner, "mem")[..6], b"ababcd");
    assert_eq!(
        call(&mut store, user, "load_b", &[i32v(5)]),
        Ok(vec![i32v(b'd' as i32)])
    );
}

const MEM64: &str = r#"(module
  (memory $m (export "m") i64 1 3)
  (memory $s (export "s") 1)
  (data (memory $m) (i64.const 0) "\01\02\03\04\05\06\07\08")
  (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "load_high_offset") (param i64) (result i64)
    (i64.load offset=0xfffffffffffffff0 (local.get 0)))
  (func (export "load_offset_2_32") (param i64) (result i32)
    (i32.load8_u offset=0x100000000 (local.get 0)))
  (func (export "load_twice") (param i64) (result i64 i64)
    (i64.load (local.get 0)) (i64.load offset=8 (local.get 0)))
  (func (export "v128") (param i64) (result v128) (v128.load (local.get 0)))
  (func (export "store") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size $m))
  (func (export "grow") (param i64) (result i64) (memory.grow $m (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64) (memory.copy $m $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_to32") (param i32 i64 i32) (memory.copy $s $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_to64") (param i64 i32 i32) (memory.copy $m $s (local.get 0) (local.get 1) (local.get 2))))"#;

const TOP: i64 = -1; // 2^64 - 1 as an i64 address

#[test]
fn addresses_near_2_32_and_2_64_trap_and_never_wrap() {
    let (mut s, i) = instance(TierKind::Jit, Limits::default(), MEM64, &Linker::default());
    let oob = Err(TrapCode::MemoryOutOfBounds);
    assert_eq!(
        call(&mut s, i, "load", &[i64v(0)]),
        Ok(vec![i64v(0x0807_0605_0403_0201)])
    );
    assert_eq!(call(&mut s, i, "load", &[i64v(65_528)]), Ok(vec![i64v(0)]));
    for addr in [
        65_529,
        1 << 32,
        (1 << 32) - 8,
        i64::MAX,
        i64::MIN,
        TOP,
        TOP - 7,
        TOP - 65_535,
    ] {
        assert_eq!(
            call(&mut s, i, "load", &[i64v(addr)]),
            oob,
            "load at {addr:#x}"
        );
        assert_eq!(
            call(&mut s, i, "v128", &[i64v(addr)]),
            oob,
            "v128.load at {addr:#x}"
        );
        assert_eq!(
            call(&mut s, i, "store", &[i64v(addr), i64v(-1)]),
            oob,
            "store at {addr:#x}"
        );
    }
    // address + offset is 2^64 (+ 0x10 with 0x20): wrapping would land on
    // the data at 0 and 0x10.
    for addr in [0x10, 0x20, 0, TOP] {
        assert_eq!(
            call(&mut s, i, "load_high_offset", &[i64v(addr)]),
            oob,
            "offset 2^64 - 16 from {addr:#x}"
        );
    }
    assert_eq!(call(&mut s, i, "load_offset_2_32", &[i64v(0)]), oob);
    assert_eq!(
        call(&mut s, i, "load_offset_2_32", &[i64v(-(1 << 32))]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "v128", &[i64v(65_520)]),
        Ok(vec![Val::V128(0)])
    );
    assert_eq!(call(&mut s, i, "v128", &[i64v(65_521)]), oob);
    // The second load's reach (16) exceeds the first's (8): checked again.
    assert_eq!(call(&mut s, i, "load_twice", &[i64v(65_528)]), oob);
    assert_eq!(
        call(&mut s, i, "load_twice", &[i64v(65_520)]),
        Ok(vec![i64v(0), i64v(0)])
    );
    assert_eq!(memory(&s, i, "m")[8..], vec![0; 65_528], "no store landed");
}

#[test]
fn sizes_growth_and_bulk_operands_are_64_bit() {
    let (mut s, i) = instance(TierKind::Jit, Limits::default(), MEM64, &Linker::default());
    let oob = Err(TrapCode::MemoryOutOfBounds);
    assert_eq!(call(&mut s, i, "size", &[]), Ok(vec![i64v(1)]));
    assert_eq!(call(&mut s, i, "grow", &[i64v(1)]), Ok(vec![i64v(1)]));
    assert_eq!(
        call(&mut s, i, "grow", &[i64v(2)]),
        Ok(vec![i64v(-1)]),
        "past the maximum"
    );
    assert_eq!(
        call(&mut s, i, "grow", &[i64v(1 << 48)]),
        Ok(vec![i64v(-1)])
    );
    assert_eq!(call(&mut s, i, "grow", &[i64v(TOP)]), Ok(vec![i64v(-1)]));
    assert_eq!(call(&mut s, i, "grow", &[i64v(1)]), Ok(vec![i64v(2)]));
    assert_eq!(call(&mut s, i, "size", &[]), Ok(vec![i64v(3)]));
    let len = 3 * 65_536;
    assert_eq!(call(&mut s, i, "load", &[i64v(len - 8)]), Ok(vec![i64v(0)]));

    assert_eq!(call(&mut s, i, "fill", &[i64v(TOP), i32v(7), i64v(2)]), oob);
    assert_eq!(
        call(&mut s, i, "fill", &[i64v(len - 1), i32v(7), i64v(2)]),
        oob
    );
    call(&mut s, i, "fill", &[i64v(len - 1), i32v(7), i64v(1)]).unwrap();
    call(&mut s, i, "fill", &[i64v(len), i32v(7), i64v(0)]).unwrap();
    assert_eq!(
        call(&mut s, i, "fill", &[i64v(len + 1), i32v(7), i64v(0)]),
        oob
    );
    assert_eq!(memory(&s, i, "m")[len as usize - 1], 7);

    call(&mut s, i, "copy", &[i64v(8), i64v(0), i64v(8)]).unwrap();
    assert_eq!(&memory(&s, i, "m")[8..16], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        call(&mut s, i, "copy", &[i64v(0), i64v(TOP - 3), i64v(8)]),
        oob
    );
    assert_eq!(call(&mut s, i, "copy", &[i64v(0), i64v(0), i64v(TOP)]), oob);

    // Between a 64- and a 32-bit memory the length is an i32.
    call(&mut s, i, "copy_to32", &[i32v(100), i64v(0), i32v(8)]).unwrap();
    assert_eq!(&memory(&s, i, "s")[100..108], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        call(&mut s, i, "copy_to32", &[i32v(0), i64v(i64::MIN), i32v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy_to32", &[i32v(-1), i64v(0), i32v(1)]),
        oob
    );
    call(&mut s, i, "copy_to64", &[i64v(len - 4), i32v(100), i32v(4)]).unwrap();
    assert_eq!(&memory(&s, i, "m")[len as usize - 4..], &[1, 2, 3, 4]);
    assert_eq!(
        call(&mut s, i, "copy_to64", &[i64v(TOP), i32v(0), i32v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy_to64", &[i64v(len - 3), i32v(0), i32v(4)]),
        oob
    );
}

/// A 64-bit table `$t` (elements 1 and 2 set) beside a 32-bit one `$s`.
const TABLE64: &str = r#"(module
  (type $ii (func (param i32) (result i32)))
  (table $t i64 4 6 funcref)
  (table $s 3 funcref)
  (elem (table $t) (i64.const 1) func $inc $dbl)
  (elem (table $s) (i32.const 0) func $dbl)
  (elem $seg func $dbl $inc $dbl)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "size") (result i64) (table.size $t))
  (func (export "size32") (result i32) (table.size $s))
  (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "grow32") (param i32) (result i32) (table.grow $s (ref.null func) (local.get 0)))
  (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "set_null") (param i64) (table.set $t (local.get 0) (ref.null func)))
  (func (export "fill_inc") (param i64 i64) (table.fill $t (local.get 0) (ref.func $inc) (local.get 1)))
  (func (export "copy") (param i64 i64 i64) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_to32") (param i32 i64 i32) (table.copy $s $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_to64") (param i64 i32 i32) (table.copy $t $s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i64 i32 i32) (table.init $t $seg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "call") (param i64 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "tail") (param i64 i32) (result i32)
    (return_call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "call32") (param i32 i32) (result i32)
    (call_indirect $s (type $ii) (local.get 1) (local.get 0))))"#;

/// 2^32 + `k`: an index that truncated to 32 bits would be `k`.
fn above_2_32(k: i64) -> Val {
    i64v((1 << 32) + k)
}

#[test]
fn table64_indices_at_or_above_2_32_trap_and_never_wrap() {
    let (mut s, i) = instance(
        TierKind::Jit,
        Limits::default(),
        TABLE64,
        &Linker::default(),
    );
    let oob = Err(TrapCode::TableOutOfBounds);
    assert_eq!(
        call(&mut s, i, "call", &[i64v(1), i32v(5)]),
        Ok(vec![i32v(6)])
    );
    assert_eq!(
        call(&mut s, i, "tail", &[i64v(2), i32v(5)]),
        Ok(vec![i32v(10)])
    );
    assert_eq!(
        call(&mut s, i, "call", &[i64v(0), i32v(5)]),
        Err(TrapCode::IndirectCallToNull)
    );
    for index in [
        above_2_32(1),
        above_2_32(2),
        i64v(4),
        i64v(TOP),
        i64v(i64::MIN),
    ] {
        assert_eq!(call(&mut s, i, "call", &[index, i32v(5)]), oob, "{index:?}");
        assert_eq!(call(&mut s, i, "tail", &[index, i32v(5)]), oob, "{index:?}");
        assert_eq!(call(&mut s, i, "is_null", &[index]), oob, "{index:?}");
        assert_eq!(call(&mut s, i, "set_null", &[index]), oob, "{index:?}");
    }
    assert_eq!(call(&mut s, i, "is_null", &[i64v(1)]), Ok(vec![i32v(0)]));
    assert_eq!(call(&mut s, i, "is_null", &[i64v(3)]), Ok(vec![i32v(1)]));
    // Bulk operations: a start or length at 2^32 + k is not k.
    assert_eq!(call(&mut s, i, "fill_inc", &[above_2_32(0), i64v(1)]), oob);
    assert_eq!(call(&mut s, i, "fill_inc", &[i64v(0), above_2_32(1)]), oob);
    assert_eq!(call(&mut s, i, "fill_inc", &[i64v(TOP), i64v(2)]), oob);
    assert_eq!(
        call(&mut s, i, "copy", &[i64v(0), above_2_32(1), i64v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy", &[above_2_32(0), i64v(1), i64v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy", &[i64v(0), i64v(1), above_2_32(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy_to32", &[i32v(0), above_2_32(1), i32v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "copy_to64", &[above_2_32(0), i32v(0), i32v(1)]),
        oob
    );
    assert_eq!(
        call(&mut s, i, "init", &[above_2_32(0), i32v(0), i32v(1)]),
        oob
    );
    assert_eq!(call(&mut s, i, "init", &[i64v(TOP), i32v(0), i32v(2)]), oob);
    // Nothing trapping changed the table: 0 and 3 null, 1 and 2 as set.
    let nulls: Vec<_> = (0..4)
        .map(|k| call(&mut s, i, "is_null", &[i64v(k)]).unwrap())
        .collect();
    assert_eq!(
        nulls,
        vec![vec![i32v(1)], vec![i32v(0)], vec![i32v(0)], vec![i32v(1)]]
    );
    assert_eq!(
        call(&mut s, i, "call", &[i64v(2), i32v(7)]),
        Ok(vec![i32v(14)])
    );
}

#[test]
fn table64_sizes_growth_and_bulk_operands_are_64_bit() {
    let (mut s, i) = instance(
        TierKind::Jit,
        Limits::default(),
        TABLE64,
        &Linker::default(),
    );
    let oob = Err(TrapCode::TableOutOfBounds);
    assert_eq!(call(&mut s, i, "size", &[]), Ok(vec![i64v(4)]));
    assert_eq!(
        call(&mut s, i, "grow", &[above_2_32(0)]),
        Ok(vec![i64v(-1)])
    );
    assert_eq!(call(&mut s, i, "grow", &[i64v(TOP)]), Ok(vec![i64v(-1)]));
    assert_eq!(
        call(&mut s, i, "grow", &[i64v(3)]),
        Ok(vec![i64v(-1)]),
        "past the maximum"
    );
    assert_eq!(call(&mut s, i, "grow", &[i64v(1)]), Ok(vec![i64v(4)]));
    assert_eq!(call(&mut s, i, "grow", &[i64v(0)]), Ok(vec![i64v(5)]));
    assert_eq!(call(&mut s, i, "size", &[]), Ok(vec![i64v(5)]));
    assert_eq!(call(&mut s, i, "is_null", &[i64v(4)]), Ok(vec![i32v(1)]));
    // The 32-bit table's results stay i32, -1 included.
    assert_eq!(call(&mut s, i, "size32", &[]), Ok(vec![i32v(3)]));
    assert_eq!(call(&mut s, i, "grow32", &[i32v(-1)]), Ok(vec![i32v(-1)]));
    assert_eq!(call(&mut s, i, "grow32", &[i32v(1)]), Ok(vec![i32v(3)]));

    call(&mut s, i, "fill_inc", &[i64v(3), i64v(2)]).unwrap();
    assert_eq!(
        call(&mut s, i, "call", &[i64v(4), i32v(1)]),
        Ok(vec![i32v(2)])
    );
    call(&mut s, i, "fill_inc", &[i64v(5), i64v(0)]).unwrap();
    assert_eq!(call(&mut s, i, "fill_inc", &[i64v(5), i64v(1)]), oob);
    assert_eq!(call(&mut s, i, "fill_inc", &[i64v(6), i64v(0)]), oob);

    // $t = [null, inc, dbl, inc, inc]; copy dbl over 3 and 4.
    call(&mut s, i, "copy", &[i64v(3), i64v(2), i64v(1)]).unwrap();
    assert_eq!(
        call(&mut s, i, "call", &[i64v(3), i32v(4)]),
        Ok(vec![i32v(8)])
    );
    assert_eq!(call(&mut s, i, "copy", &[i64v(4), i64v(0), i64v(2)]), oob);
    // Between the tables the length is an i32.
    call(&mut s, i, "copy_to32", &[i32v(1), i64v(1), i32v(2)]).unwrap();
    assert_eq!(
        call(&mut s, i, "call32", &[i32v(1), i32v(4)]),
        Ok(vec![i32v(5)])
    );
    assert_eq!(
        call(&mut s, i, "call32", &[i32v(2), i32v(4)]),
        Ok(vec![i32v(8)])
    );
    assert_eq!(
        call(&mut s, i, "copy_to32", &[i32v(3), i64v(0), i32v(2)]),
        oob
    );
    call(&mut s, i, "copy_to64", &[i64v(0), i32v(0), i32v(1)]).unwrap();
    assert_eq!(
        call(&mut s, i, "call", &[i64v(0), i32v(4)]),
        Ok(vec![i32v(8)])
    );
    assert_eq!(
        call(&mut s, i, "copy_to64", &[i64v(4), i32v(0), i32v(2)]),
        oob
    );
    // table.init: i64 destination, i32 source and length.
    call(&mut s, i, "init", &[i64v(3), i32v(1), i32v(2)]).unwrap();
    assert_eq!(
        call(&mut s, i, "call", &[i64v(3), i32v(4)]),
        Ok(vec![i32v(5)])
    );
    assert_eq!(
        call(&mut s, i, "call", &[i64v(4), i32v(4)]),
        Ok(vec![i32v(8)])
    );
    assert_eq!(call(&mut s, i, "init", &[i64v(4), i32v(1), i32v(2)]), oob);
    assert_eq!(call(&mut s, i, "init", &[i64v(0), i32v(2), i32v(2)]), oob);
}

/// A host function in a 64-bit table: reached through the runtime with the
/// whole i64 index (2^32 does not wrap to it).
#[test]
fn table64_call_indirect_reaches_host_functions_through_the_runtime() {
    let mut store = Store::new(TierKind::Jit, Limits::default()).unwrap();
    let ty = FuncType {
        params: vec![ValType::I64],
        results: vec![ValType::I64],
    };
    let f = store.alloc_host_func(
        ty,
        Arc::new(|_, args| {
            let Val::I64(x) = args[0] else {
                panic!("i64 expected")
            };
            Ok(vec![Val::I64(x * 3)])
        }),
    );
    let mut linker = Linker::default();
    linker.define("host", "triple", Extern::Func(f));
    let wat = r#"(module
      (import "host" "triple" (func $triple (param i64) (result i64)))
      (table $t i64 2 funcref)
      (elem (table $t) (i64.const 0) func $triple)
      (func (export "call") (param i64 i64) (result i64)
        (call_indirect $t (param i64) (result i64) (local.get 1) (local.get 0)))
      (func (export "tail") (param i64 i64) (result i64)
        (return_call_indirect $t (param i64) (result i64) (local.get 1) (local.get 0))))"#;
    let i = store.instantiate(&module(wat), &linker).unwrap();
    let s = &mut store;
    assert_eq!(call(s, i, "call", &[i64v(0), i64v(5)]), Ok(vec![i64v(15)]));
    assert_eq!(call(s, i, "tail", &[i64v(0), i64v(7)]), Ok(vec![i64v(21)]));
    for name in ["call", "tail"] {
        assert_eq!(
            call(s, i, name, &[above_2_32(0), i64v(5)]),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(
            call(s, i, name, &[i64v(1), i64v(5)]),
            Err(TrapCode::IndirectCallToNull)
        );
    }
}
