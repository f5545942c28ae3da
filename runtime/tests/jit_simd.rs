//! SIMD in the JIT tier, where native code can get it wrong in ways the
//! spec suite's single-function tests do not reach: `v128` values through
//! the entry trampolines (two slots each), native calls, `call_indirect`,
//! calls through the runtime (host functions, other instances), globals,
//! block parameters; every SIMD memory access at the edge of memory (with
//! no partial store on a trap); bounds checks shared between accesses of
//! different sizes; and lowerings that must not trap (saturating
//! conversions, out-of-range swizzle indices).

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

fn jit_store() -> Store {
    Store::new(TierKind::Jit, Limits::default()).expect("the JIT tier is implemented")
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
    let Some(Extern::Memory(m)) = store
        .exports(inst)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, e)| e)
    else {
        panic!("no memory {name}")
    };
    store.memory(m).to_vec()
}

/// A `v128` from four i32 lanes (lane 0 first).
fn i32x4(l: [i32; 4]) -> Val {
    let mut bytes = [0u8; 16];
    for (i, v) in l.iter().enumerate() {
        bytes[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    Val::V128(u128::from_le_bytes(bytes))
}

fn bytes16(b: [u8; 16]) -> Val {
    Val::V128(u128::from_le_bytes(b))
}

const CALLS: &str = r#"(module
  (import "host" "swap" (func $swap (param v128 i32 v128) (result v128 i32 v128)))
  (type $mix_t (func (param i32 v128 f64 v128 i64) (result v128 i64 v128 f32)))
  (table 3 funcref) (elem (i32.const 0) $mix $swap)
  (func $mix (export "mix") (type $mix_t)
    (i32x4.add (local.get 1) (local.get 3))
    (i64.add (local.get 4) (i64.extend_i32_u (local.get 0)))
    (i32x4.sub (local.get 3) (local.get 1))
    (f32.demote_f64 (local.get 2)))
  (func (export "direct") (param v128 v128) (result v128 i64 v128 f32)
    (call $mix (i32.const 7) (local.get 0) (f64.const 1.5) (local.get 1) (i64.const 100)))
  (func (export "indirect") (param v128 v128 i32) (result v128 i64 v128 f32)
    (call_indirect (type $mix_t)
      (i32.const 7) (local.get 0) (f64.const 1.5) (local.get 1) (i64.const 100) (local.get 2)))
  (func (export "host") (param v128 v128) (result v128 i32 v128)
    (call $swap (local.get 0) (i32.const 5) (local.get 1)))
  (func (export "host_indirect") (param v128 v128) (result v128 i32 v128)
    (call_indirect (param v128 i32 v128) (result v128 i32 v128)
      (local.get 0) (i32.const 5) (local.get 1) (i32.const 1)))
  (func (export "fresh_local") (result v128) (local v128) (local.get 0)))"#;

/// `$swap`: (a, i, b) -> (b, i + 1, a).
fn define_swap(store: &mut Store, linker: &mut Linker) {
    let ty = FuncType {
        params: vec![ValType::V128, ValType::I32, ValType::V128],
        results: vec![ValType::V128, ValType::I32, ValType::V128],
    };
    let f = store.alloc_host_func(
        ty,
        Arc::new(|_, args| {
            let Val::I32(i) = args[1] else {
                panic!("i32 expected")
            };
            Ok(vec![args[2], Val::I32(i + 1), args[0]])
        }),
    );
    linker.define("host", "swap", Extern::Func(f));
}

#[test]
fn v128_values_cross_trampolines_native_calls_and_the_runtime() {
    let mut store = jit_store();
    let mut linker = Linker::default();
    define_swap(&mut store, &mut linker);
    let inst = store.instantiate(&module(CALLS), &linker).unwrap();
    let (a, b) = (i32x4([1, -2, 3, i32::MAX]), i32x4([10, 20, -30, 1]));
    let mixed = vec![
        i32x4([11, 18, -27, i32::MIN]),
        Val::I64(107),
        i32x4([9, 22, -33, i32::MIN + 2]),
        Val::F32(1.5f32.to_bits()),
    ];
    // From Rust straight in, with v128 arguments in odd slot positions.
    let direct_args = [Val::I32(7), a, Val::F64(1.5f64.to_bits()), b, Val::I64(100)];
    assert_eq!(
        call(&mut store, inst, "mix", &direct_args),
        Ok(mixed.clone())
    );
    assert_eq!(call(&mut store, inst, "direct", &[a, b]), Ok(mixed.clone()));
    assert_eq!(
        call(&mut store, inst, "indirect", &[a, b, Val::I32(0)]),
        Ok(mixed.clone())
    );
    // A signature mismatch through the table still traps.
    assert_eq!(
        call(&mut store, inst, "indirect", &[a, b, Val::I32(1)]),
        Err(TrapCode::IndirectCallTypeMismatch)
    );
    let swapped = Ok(vec![b, Val::I32(6), a]);
    assert_eq!(call(&mut store, inst, "host", &[a, b]), swapped);
    assert_eq!(call(&mut store, inst, "host_indirect", &[a, b]), swapped);
    assert_eq!(
        call(&mut store, inst, "fresh_local", &[]),
        Ok(vec![Val::V128(0)])
    );

    // Another instance calls `mix` through the runtime.
    let mut linker2 = Linker::default();
    linker2.define_instance(&store, "lib", inst);
    let user = module(
        r#"(module
          (import "lib" "mix" (func $mix (param i32 v128 f64 v128 i64) (result v128 i64 v128 f32)))
          (func (export "go") (param v128 v128) (result v128 i64 v128 f32)
            (call $mix (i32.const 7) (local.get 0) (f64.const 1.5) (local.get 1) (i64.const 100))))"#,
    );
    let user = store.instantiate(&user, &linker2).unwrap();
    assert_eq!(call(&mut store, user, "go", &[a, b]), Ok(mixed));
}

#[test]
fn v128_globals_keep_both_halves_and_their_neighbours() {
    let mut store = jit_store();
    let inst = store
        .instantiate(
            &module(
                r#"(module
                  (global $before (export "before") (mut i64) (i64.const -1))
                  (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
                  (global $after (export "after") (mut i64) (i64.const -2))
                  (func (export "get") (result v128) global.get $g)
                  (func (export "set") (param v128) local.get 0 global.set $g)
                  (func (export "rotate")
                    global.get $g
                    global.get $g
                    i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    global.set $g))"#,
            ),
            &Linker::default(),
        )
        .unwrap();
    let global = |store: &mut Store, name: &str| {
        let Some(Extern::Global(g)) = store.export(inst, name) else {
            panic!("no global {name}")
        };
        store.global_get(g)
    };
    assert_eq!(
        call(&mut store, inst, "get", &[]),
        Ok(vec![i32x4([1, 2, 3, 4])])
    );
    call(&mut store, inst, "rotate", &[]).unwrap();
    assert_eq!(global(&mut store, "g"), i32x4([3, 4, 1, 2]));
    let v = i32x4([-1, 0x1234_5678, i32::MIN, 7]);
    call(&mut store, inst, "set", &[v]).unwrap();
    assert_eq!(global(&mut store, "g"), v);
    assert_eq!(call(&mut store, inst, "get", &[]), Ok(vec![v]));
    assert_eq!(global(&mut store, "before"), Val::I64(-1));
    assert_eq!(global(&mut store, "after"), Val::I64(-2));
}

/// Every SIMD access kind: (instruction, bytes touched, whether it stores).
const ACCESSES: &[(&str, u32, bool)] = &[
    ("v128.load", 16, false),
    ("v128.load8x8_s", 8, false),
    ("v128.load8x8_u", 8, false),
    ("v128.load16x4_s", 8, false),
    ("v128.load16x4_u", 8, false),
    ("v128.load32x2_s", 8, false),
    ("v128.load32x2_u", 8, false),
    ("v128.load8_splat", 1, false),
    ("v128.load16_splat", 2, false),
    ("v128.load32_splat", 4, false),
    ("v128.load64_splat", 8, false),
    ("v128.load32_zero", 4, false),
    ("v128.load64_zero", 8, false),
    ("v128.load8_lane 15", 1, false),
    ("v128.load16_lane 7", 2, false),
    ("v128.load32_lane 3", 4, false),
    ("v128.load64_lane 1", 8, false),
    ("v128.store", 16, true),
    ("v128.store8_lane 15", 1, true),
    ("v128.store16_lane 7", 2, true),
    ("v128.store32_lane 3", 4, true),
    ("v128.store64_lane 1", 8, true),
];

/// One function per access and offset (0, or the largest in bounds):
/// `(param i32 address)`, loads return the loaded vector, stores store
/// a vector of 0xee bytes.
fn access_module() -> String {
    let mut funcs = String::new();
    for (k, &(instr, size, stores)) in ACCESSES.iter().enumerate() {
        let (op, lane) = match instr.split_once(' ') {
            Some((op, lane)) => (op, format!(" {lane}")),
            None => (instr, String::new()),
        };
        for (tag, offset) in [("0", 0), ("edge", 65_536 - size)] {
            let name = format!("{k}_{tag}");
            let body = if stores {
                format!(
                    "local.get 0 v128.const i8x16 {} {op} offset={offset}{lane}",
                    " -18".repeat(16)
                )
            } else if lane.is_empty() {
                format!("local.get 0 {op} offset={offset}")
            } else {
                format!("local.get 0 v128.const i64x2 -1 -1 {op} offset={offset}{lane}")
            };
            let result = if stores { "" } else { "(result v128)" };
            funcs.push_str(&format!(
                "(func (export \"{name}\") (param i32) {result} {body})\n"
            ));
        }
    }
    format!(
        "(module (memory (export \"mem\") 1)
           (data (i32.const 65520) \"\\f0\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8\\f9\\fa\\fb\\fc\\fd\\fe\\ff\")
           {funcs})"
    )
}

#[test]
fn every_simd_access_is_bounds_checked_at_the_edge_and_never_half_stores() {
    let mut store = jit_store();
    let inst = store
        .instantiate(&module(&access_module()), &Linker::default())
        .unwrap();
    for (k, &(instr, size, _)) in ACCESSES.iter().enumerate() {
        let last = 65_536 - size as i32;
        // (function, address, in bounds)
        let cases = [
            (format!("{k}_0"), last, true),
            (format!("{k}_0"), last + 1, false),
            (format!("{k}_0"), -1, false),
            (format!("{k}_0"), i32::MIN, false),
            (format!("{k}_edge"), 0, true),
            (format!("{k}_edge"), 1, false),
            (format!("{k}_edge"), -(size as i32), false),
        ];
        for (name, addr, inside) in cases {
            let before = memory(&store, inst, "mem");
            let r = call(&mut store, inst, &name, &[Val::I32(addr)]);
            if inside {
                assert!(r.is_ok(), "{instr} ({name}) at {addr}: {r:?}");
            } else {
                assert_eq!(
                    r,
                    Err(TrapCode::MemoryOutOfBounds),
                    "{instr} ({name}) at {addr}"
                );
                assert!(
                    memory(&store, inst, "mem") == before,
                    "{instr} ({name}) at {addr} trapped but changed memory"
                );
            }
        }
    }
}

#[test]
fn simd_accesses_at_the_edge_read_and_write_the_right_bytes() {
    let mut store = jit_store();
    let inst = store
        .instantiate(&module(&access_module()), &Linker::default())
        .unwrap();
    let tail: [u8; 16] = std::array::from_fn(|i| 0xf0 + i as u8);
    assert_eq!(
        call(&mut store, inst, "0_0", &[Val::I32(65_520)]),
        Ok(vec![bytes16(tail)])
    );
    let mut splat = [0u8; 16];
    splat[..8].copy_from_slice(&tail[8..]);
    splat[8..].copy_from_slice(&tail[8..]);
    assert_eq!(
        call(&mut store, inst, "10_edge", &[Val::I32(0)]),
        Ok(vec![bytes16(splat)]),
        "v128.load64_splat at offset 65528"
    );
    let mut zero = [0u8; 16];
    zero[..4].copy_from_slice(&tail[12..]);
    assert_eq!(
        call(&mut store, inst, "11_0", &[Val::I32(65_532)]),
        Ok(vec![bytes16(zero)]),
        "v128.load32_zero"
    );
    let mut lane = [0xffu8; 16];
    lane[14..].copy_from_slice(&tail[14..]);
    assert_eq!(
        call(&mut store, inst, "14_edge", &[Val::I32(0)]),
        Ok(vec![bytes16(lane)]),
        "v128.load16_lane 7 at offset 65534"
    );
    call(&mut store, inst, "20_0", &[Val::I32(65_532)]).unwrap();
    let mem = memory(&store, inst, "mem");
    assert_eq!(&mem[65_520..65_532], &tail[..12], "before the lane store");
    assert_eq!(&mem[65_532..], &[0xee; 4], "v128.store32_lane 3 at 65532");
    call(&mut store, inst, "17_edge", &[Val::I32(0)]).unwrap();
    let mem = memory(&store, inst, "mem");
    assert_eq!(&mem[65_520..], &[0xee; 16], "v128.store at offset 65520");
}

#[test]
fn a_wider_access_to_a_checked_address_is_checked_again() {
    // The i32 load's check covers 4 bytes at `addr`; the v128 load of the
    // same address needs 16 and must not ride on the first check.
    let mut store = jit_store();
    let inst = store
        .instantiate(
            &module(
                r#"(module (memory 1)
                  (func (export "f") (param i32) (result i32 v128)
                    (i32.load (local.get 0))
                    (v128.load (local.get 0)))
                  (func (export "g") (param i32) (result v128 i32)
                    (v128.load32_zero (local.get 0))
                    (i32.load offset=12 (local.get 0))))"#,
            ),
            &Linker::default(),
        )
        .unwrap();
    assert_eq!(
        call(&mut store, inst, "f", &[Val::I32(65_532)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert!(call(&mut store, inst, "f", &[Val::I32(65_520)]).is_ok());
    assert_eq!(
        call(&mut store, inst, "g", &[Val::I32(65_524)]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert!(call(&mut store, inst, "g", &[Val::I32(65_520)]).is_ok());
}

#[test]
fn v128_flows_through_blocks_loops_branches_and_select() {
    let mut store = jit_store();
    let inst = store
        .instantiate(
            &module(
                r#"(module
                  ;; Adds splat(1) to v, n times, carried as a loop parameter.
                  (func (export "count") (param v128 i32) (result v128)
                    (local.get 0)
                    (loop $l (param v128) (result v128)
                      (i32x4.add (i32x4.splat (i32.const 1)))
                      (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))
                      (br_if $l)))
                  (func (export "pick") (param i32 v128 v128) (result v128)
                    (block $a (result v128)
                      (block $b (result v128)
                        (local.get 1)
                        (local.get 0)
                        (br_table $a $b))
                      (drop)
                      (local.get 2)))
                  (func (export "choose") (param i32 v128 v128) (result v128)
                    (select (local.get 1) (local.get 2) (local.get 0)))
                  (func (export "branchy") (param i32 v128) (result v128)
                    (if (result v128) (local.get 0)
                      (then (i8x16.neg (local.get 1)))
                      (else (local.get 1)))))"#,
            ),
            &Linker::default(),
        )
        .unwrap();
    let v = i32x4([5, -5, 0, 100]);
    assert_eq!(
        call(&mut store, inst, "count", &[v, Val::I32(10)]),
        Ok(vec![i32x4([15, 5, 10, 110])])
    );
    let w = i32x4([9, 9, 9, 9]);
    assert_eq!(
        call(&mut store, inst, "pick", &[Val::I32(0), v, w]),
        Ok(vec![v])
    );
    assert_eq!(
        call(&mut store, inst, "pick", &[Val::I32(1), v, w]),
        Ok(vec![w])
    );
    assert_eq!(
        call(&mut store, inst, "pick", &[Val::I32(9), v, w]),
        Ok(vec![w])
    );
    assert_eq!(
        call(&mut store, inst, "choose", &[Val::I32(1), v, w]),
        Ok(vec![v])
    );
    assert_eq!(
        call(&mut store, inst, "choose", &[Val::I32(0), v, w]),
        Ok(vec![w])
    );
    // Byte-wise negation of the lanes' bytes: -5 is fb ff ff ff.
    let neg = bytes16([0xfb, 0, 0, 0, 5, 1, 1, 1, 0, 0, 0, 0, 0x9c, 0, 0, 0]);
    assert_eq!(
        call(&mut store, inst, "branchy", &[Val::I32(1), v]),
        Ok(vec![neg])
    );
    assert_eq!(
        call(&mut store, inst, "branchy", &[Val::I32(0), v]),
        Ok(vec![v])
    );
}

#[test]
fn conversions_and_swizzles_that_hardware_would_trap_or_wrap_do_not() {
    let mut store = jit_store();
    let inst = store
        .instantiate(
            &module(
                r#"(module
                  (func (export "trunc_s") (param v128) (result v128) local.get 0 i32x4.trunc_sat_f32x4_s)
                  (func (export "trunc_u") (param v128) (result v128) local.get 0 i32x4.trunc_sat_f32x4_u)
                  (func (export "trunc_s_zero") (param v128) (result v128) local.get 0 i32x4.trunc_sat_f64x2_s_zero)
                  (func (export "trunc_u_zero") (param v128) (result v128) local.get 0 i32x4.trunc_sat_f64x2_u_zero)
                  (func (export "swizzle") (param v128 v128) (result v128) local.get 0 local.get 1 i8x16.swizzle))"#,
            ),
            &Linker::default(),
        )
        .unwrap();
    let f32x4 = |l: [f32; 4]| i32x4(l.map(|f| f.to_bits() as i32));
    let f64x2 = |l: [f64; 2]| Val::V128(l[0].to_bits() as u128 | (l[1].to_bits() as u128) << 64);
    let odd = f32x4([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -3e9]);
    assert_eq!(
        call(&mut store, inst, "trunc_s", &[odd]),
        Ok(vec![i32x4([0, i32::MAX, i32::MIN, i32::MIN])])
    );
    assert_eq!(
        call(
            &mut store,
            inst,
            "trunc_u",
            &[f32x4([f32::NAN, 5e9, -1.5, 4294967040.0])]
        ),
        Ok(vec![i32x4([0, -1, 0, -256])])
    );
    assert_eq!(
        call(
            &mut store,
            inst,
            "trunc_s_zero",
            &[f64x2([-1e300, f64::NAN])]
        ),
        Ok(vec![i32x4([i32::MIN, 0, 0, 0])])
    );
    assert_eq!(
        call(
            &mut store,
            inst,
            "trunc_u_zero",
            &[f64x2([-1.0, 4294967296.5])]
        ),
        Ok(vec![i32x4([0, -1, 0, 0])])
    );
    let table = bytes16(std::array::from_fn(|i| 0x10 + i as u8));
    let idx = bytes16([
        0, 15, 16, 17, 31, 32, 127, 128, 129, 255, 0x70, 0x8f, 1, 2, 3, 14,
    ]);
    let expected = bytes16([
        0x10, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x12, 0x13, 0x1e,
    ]);
    assert_eq!(
        call(&mut store, inst, "swizzle", &[table, idx]),
        Ok(vec![expected])
    );
}
