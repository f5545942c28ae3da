#!/usr/bin/env python3
"""Writes the generated hostile modules into corpus/hostile/generated/.

Deterministic (no clock, no unseeded randomness), Python 3 standard library
only. Big modules are written as raw .wasm bytes (a small encoder below);
a few are .wat text so that tierdiff's text parser is attacked too.
Run from anywhere: `python3 corpus/hostile/make.py`.
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "generated")

# ---------------------------------------------------------------- encoding

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F
EMPTY = 0x40


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    items = list(items)
    return uleb(len(items)) + b"".join(items)


def name(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return uleb(len(b)) + b


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def functype(params, results):
    return b"\x60" + vec(bytes([p]) for p in params) + vec(bytes([r]) for r in results)


def limits(lo, hi=None):
    return (b"\x00" + uleb(lo)) if hi is None else (b"\x01" + uleb(lo) + uleb(hi))


def limits64(lo, hi=None):
    return (b"\x04" + uleb(lo)) if hi is None else (b"\x05" + uleb(lo) + uleb(hi))


def body(code, local_groups=()):
    """local_groups: [(count, valtype)]; code: bytes without the final end."""
    b = vec(uleb(n) + bytes([t]) for n, t in local_groups) + code + b"\x0b"
    return uleb(len(b)) + b


def i32c(v):
    return b"\x41" + sleb(v)


def module(types=(), imports=(), funcs=(), tables=(), mems=(), globals_=(),
           exports=(), start=None, elems=(), codes=(), datas=()):
    m = b"\x00asm\x01\x00\x00\x00"
    if types:
        m += section(1, vec(types))
    if imports:
        m += section(2, vec(imports))
    if funcs:
        m += section(3, vec(uleb(t) for t in funcs))
    if tables:
        m += section(4, vec(tables))
    if mems:
        m += section(5, vec(mems))
    if globals_:
        m += section(6, vec(globals_))
    if exports:
        m += section(7, vec(name(n) + bytes([k]) + uleb(i) for n, k, i in exports))
    if start is not None:
        m += section(8, uleb(start))
    if elems:
        m += section(9, vec(elems))
    if codes:
        m += section(10, vec(codes))
    if datas:
        m += section(11, vec(datas))
    return m


# ---------------------------------------------------------------- kinds

FILES = {}


def kind(fn):
    FILES[fn.__name__] = fn
    return fn


def many_memories_wat():
    n = 100  # wasmparser's (and the tiers') limit; 101 is refused
    lines = ["(module"]
    lines += ["  (memory 1)"] * n
    lines.append("  (func (export \"f\") (result i32) (local $s i32)")
    for i in range(n):
        lines.append(f"    (i32.store {i} (i32.const 65532) (i32.const {i}))")
    for i in range(0, n, 7):
        lines.append(f"    (local.set $s (i32.add (local.get $s) (i32.load {i} (i32.const 65532))))")
    lines.append("    (local.get $s)))")
    return "\n".join(lines) + "\n"


def many_tables_wat():
    n = 10000
    lines = ["(module", "  (func $k (result i32) (i32.const 42))"]
    lines += ["  (table 1 funcref)"] * n
    lines.append(f"  (elem (table {n - 1}) (i32.const 0) func $k)")
    lines.append("  (type $t (func (result i32)))")
    lines.append("  (func (export \"f\") (result i32)")
    lines.append(f"    (i32.add (call_indirect {n - 1} (type $t) (i32.const 0)) (table.size {n // 2})))")
    lines.append("  (func (export \"null\") (result i32)")
    lines.append(f"    (call_indirect {n - 2} (type $t) (i32.const 0))))")
    return "\n".join(lines) + "\n"


def nested(kind_, depth):
    """Nesting of one block kind, `depth` deep, in binary."""
    code = bytearray()
    for _ in range(depth):
        if kind_ == "if":
            code += i32c(1) + b"\x04\x40"
        else:
            code += {"block": b"\x02\x40", "loop": b"\x03\x40"}[kind_]
    # innermost: bump a counter so the nesting is not empty
    code += b"\x20\x00" + i32c(1) + b"\x6a\x21\x00"
    # leave through a branch to the outermost label once, to test label depth
    code += b"\x0c" + uleb(depth - 1) if kind_ != "loop" else b""
    code += b"\x0b" * depth
    code += b"\x20\x00"
    return module(
        types=[functype([], [I32])],
        funcs=[0],
        exports=[("f", 0, 0)],
        codes=[body(bytes(code), [(1, I32)])],
    )


@kind
def deep_blocks():
    return "deep-blocks.wasm", nested("block", 50000)


@kind
def deep_loops():
    return "deep-loops.wasm", nested("loop", 50000)


@kind
def deep_ifs():
    return "deep-ifs.wasm", nested("if", 50000)


@kind
def deep_folded_wat():
    depth = 5000
    parts = ["(module (func (export \"f\") (result i32) (local $n i32)\n"]
    for i in range(depth):
        k = ("block", "loop", "if")[i % 3]
        parts.append("(if (i32.const 1) (then " if k == "if" else f"({k} ")
    parts.append("(local.set $n (i32.const 7))")
    for i in reversed(range(depth)):
        k = ("block", "loop", "if")[i % 3]
        parts.append("))" if k == "if" else ")")
    parts.append("\n(local.get $n)))\n")
    return "deep-folded.wat", "".join(parts)


@kind
def huge_function():
    # 300,000 instructions: i32.const 1; i32.add pairs, plus xors.
    n = 150000
    code = bytearray(i32c(0))
    for i in range(n):
        code += i32c((i * 7919) % 127 - 63) + (b"\x6a" if i % 3 else b"\x73")
    return "huge-function.wasm", module(
        types=[functype([], [I32])], funcs=[0], exports=[("f", 0, 0)],
        codes=[body(bytes(code))])


@kind
def many_functions():
    n = 100000
    codes = [body(i32c(i % 1000) + b"\x10" + uleb(i + 1) + b"\x6a") if i + 1 < n
             else body(i32c(1)) for i in range(n)]
    # each function f_i = (i % 1000) + f_{i+1}: a 100,000-deep call chain
    # from f_0, which traps call-stack-exhausted; "mid" enters near the end.
    types = [functype([], [I32])]
    return "many-functions.wasm", module(
        types=types, funcs=[0] * n,
        exports=[("deep", 0, 0), ("near-end", 0, n - 50), ("last", 0, n - 1)],
        codes=codes)


@kind
def huge_data():
    rng = random.Random(1)
    seg = bytes(rng.getrandbits(8) for _ in range(1_000_000))
    fn = (i32c(999_999) + b"\x2d\x00\x00"              # i32.load8_u 999999
          + i32c(123_457) + b"\x2d\x00\x00" + b"\x6a"
          + i32c(16 * 65536 + 999_999) + b"\x2d\x00\x00" + b"\x6a")  # past the end: traps
    fn_ok = i32c(999_999) + b"\x2d\x00\x00" + i32c(123_457) + b"\x2d\x00\x00" + b"\x6a"
    return "huge-data.wasm", module(
        types=[functype([], [I32])], funcs=[0, 0], mems=[limits(16, 16)],
        exports=[("mem", 2, 0), ("sum", 0, 0), ("oob", 0, 1)],
        codes=[body(fn_ok), body(fn)],
        datas=[b"\x00" + i32c(0) + b"\x0b" + uleb(len(seg)) + seg])


@kind
def data_out_of_bounds():
    seg = bytes(range(256)) * 2048  # 512 KiB, one byte past a 8-page memory
    return "data-out-of-bounds.wasm", module(
        types=[functype([], [I32])], funcs=[0], mems=[limits(8)],
        exports=[("f", 0, 0)], codes=[body(i32c(0) + b"\x2d\x00\x00")],
        datas=[b"\x00" + i32c(8 * 65536 - len(seg) + 1) + b"\x0b" + uleb(len(seg)) + seg])


@kind
def huge_elem():
    n = 100000
    nf = 100
    codes = [body(i32c(i)) for i in range(nf)]
    idx = b"".join(uleb(i % nf) for i in range(n))
    elem = b"\x00" + i32c(0) + b"\x0b" + uleb(n) + idx
    ci = lambda k: i32c(k) + b"\x11\x00\x00"  # call_indirect type 0 table 0
    f = ci(99_999) + ci(54_321) + b"\x6a" + ci(1) + b"\x6a"
    return "huge-elem.wasm", module(
        types=[functype([], [I32])], funcs=[0] * (nf + 1),
        tables=[bytes([FUNCREF]) + limits(n, n)],
        exports=[("f", 0, nf)], elems=[elem], codes=codes + [body(f)])


@kind
def br_table_100k():
    n = 100000
    # block $b0..$b3 ; br_table over n targets cycling 0..3, default 3
    code = b"\x02\x40" * 4 + b"\x20\x00" + b"\x0e" + uleb(n) + b"".join(
        uleb(i % 4) for i in range(n)) + uleb(3) + b"\x0b" + i32c(10) + b"\x0f" \
        + b"\x0b" + i32c(11) + b"\x0f" + b"\x0b" + i32c(12) + b"\x0f" + b"\x0b" + i32c(13)
    return "br-table-100k.wasm", module(
        types=[functype([I32], [I32])], funcs=[0], exports=[("f", 0, 0)],
        codes=[body(code)])


@kind
def many_locals():
    groups = [(10000, I32), (10000, I64), (5000, F32), (5000, F64),
              (5000, V128), (5000, FUNCREF), (5000, EXTERNREF)]
    # total 45,000 locals; touch the last of every type
    code = bytearray()
    base = 0
    last = {}
    for n, t in groups:
        base += n
        last[t] = base - 1
    code += b"\x20" + uleb(last[EXTERNREF]) + b"\xd1"          # ref.is_null -> 1
    code += b"\x20" + uleb(last[FUNCREF]) + b"\xd1" + b"\x6a"
    code += b"\x20" + uleb(last[I64]) + b"\xa7" + b"\x6a"      # i32.wrap_i64 (0)
    code += b"\x20" + uleb(last[F64]) + b"\xaa" + b"\x6a"      # i32.trunc_f64_s (0)
    code += b"\x20" + uleb(last[F32]) + b"\xa8" + b"\x6a"      # i32.trunc_f32_s
    code += b"\x20" + uleb(last[V128]) + b"\xfd\x53" + b"\x6a"  # v128.any_true (0)
    code += i32c(5) + b"\x21" + uleb(last[I32]) + b"\x20" + uleb(last[I32]) + b"\x6a"
    return "many-locals.wasm", module(
        types=[functype([], [I32])], funcs=[0], exports=[("f", 0, 0)],
        codes=[body(bytes(code), groups)])


@kind
def giant_type_section():
    n = 100000
    vts = [I32, I64, F32, F64]
    types = [functype([vts[(i + j) % 4] for j in range(i % 9)],
                      [vts[i % 4]] * (i % 3)) for i in range(n)]
    return "giant-type-section.wasm", module(
        types=types + [functype([], [I32])], funcs=[n], exports=[("f", 0, 0)],
        codes=[body(i32c(3))])


@kind
def long_names():
    long_export = "e" * 99_999  # wasmparser's string limit is 100,000 bytes
    return "long-names.wasm", module(
        types=[functype([], [I32])], funcs=[0, 0],
        exports=[(long_export, 0, 0), ("short\u00e9\U0001F600", 0, 1)],
        codes=[body(i32c(1)), body(i32c(2))])


@kind
def name_over_limit():
    return "name-over-limit.wasm", module(
        types=[functype([], [I32])], funcs=[0],
        exports=[("n" * 1_000_000, 0, 0)], codes=[body(i32c(1))])


@kind
def long_import_name():
    return "long-import-name.wasm", module(
        types=[functype([], [I32])],
        imports=[name("env" * 33333) + name("x" * 99_999) + b"\x00" + uleb(0)],
        funcs=[0], exports=[("f", 0, 1)], codes=[body(b"\x10\x00")])


@kind
def many_exports():
    n = 20000
    codes = [body(i32c(i)) for i in range(100)]
    exports = [(f"f{i}", 0, i % 100) for i in range(n)]
    return "many-exports.wasm", module(
        types=[functype([], [I32])], funcs=[0] * 100, exports=exports, codes=codes)


@kind
def duplicate_exports():
    return "duplicate-exports.wasm", module(
        types=[functype([], [I32])], funcs=[0, 0],
        exports=[("f", 0, 0), ("f", 0, 1)], codes=[body(i32c(1)), body(i32c(2))])


def small_valid():
    """A valid module with some substance, the base of truncation and flips."""
    return module(
        types=[functype([I32], [I32]), functype([], [I32])],
        funcs=[0, 1], tables=[bytes([FUNCREF]) + limits(2)], mems=[limits(1, 2)],
        globals_=[bytes([I32, 1]) + i32c(5) + b"\x0b"],
        exports=[("f", 0, 0), ("g", 0, 1), ("m", 2, 0)],
        elems=[b"\x00" + i32c(0) + b"\x0b" + vec([uleb(0), uleb(1)])],
        codes=[body(b"\x20\x00" + b"\x23\x00" + b"\x6a" + b"\x22\x00" + b"\x24\x00"
                    + b"\x20\x00"),
               body(i32c(0) + b"\x28\x02\x00" + i32c(7) + b"\x6a")],
        datas=[b"\x00" + i32c(0) + b"\x0b" + vec([b"\x01", b"\x02", b"\x03", b"\x04"])])


@kind
def truncated():
    m = small_valid()
    return "truncated.wasm", m[: len(m) * 2 // 3]


@kind
def truncated_header():
    return "truncated-header.wasm", b"\x00asm\x01\x00"


@kind
def bit_flipped():
    m = bytearray(small_valid())
    rng = random.Random(7)
    # flip bits past the header in the section bodies, and one inside a LEB
    for _ in range(6):
        pos = rng.randrange(8, len(m))
        m[pos] ^= 1 << rng.randrange(8)
    return "bit-flipped.wasm", bytes(m)


@kind
def section_size_lies():
    # a code section claiming 2^32-1 bytes
    m = module(types=[functype([], [])], funcs=[0])
    m += b"\x0a" + uleb(0xFFFFFFFF) + b"\x01\x02\x00\x0b"
    return "section-size-lies.wasm", m


@kind
def huge_counts():
    # a type section claiming 2^32-1 entries, a function section 1e9
    m = b"\x00asm\x01\x00\x00\x00" + section(1, uleb(0xFFFFFFFF) + functype([], []))
    return "huge-counts.wasm", m


@kind
def huge_local_count():
    # one function declaring 2^32-1 locals (i64): must be refused, not allocated
    b = vec([uleb(0xFFFFFFFF) + bytes([I64])]) + b"\x0b"
    return "huge-local-count.wasm", module(
        types=[functype([], [])], funcs=[0], exports=[("f", 0, 0)],
        codes=[uleb(len(b)) + b])


@kind
def empty():
    return "empty.wasm", b""


@kind
def not_wasm():
    return "not-wasm.wasm", b"#!/bin/sh\necho this is not a WebAssembly module\n" + bytes(range(256))


def write_all():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    outs = [fn() for fn in FILES.values()]
    outs += [("many-memories.wat", many_memories_wat()), ("many-tables.wat", many_tables_wat())]
    for fname, data in outs:
        if isinstance(data, str):
            data = data.encode()
        path = os.path.join(OUT, fname)
        with open(path, "wb") as f:
            f.write(data)
        assert len(data) < 2 << 20, (fname, len(data))
        total += len(data)
    assert total < 15 << 20, total
    print(f"wrote {len(outs)} files, {total} bytes, into {OUT}", file=sys.stderr)


if __name__ == "__main__":
    write_all()
