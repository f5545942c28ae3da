//! 64-bit memories and multiple memories: accesses at each memory's edge,
//! 64-bit addresses around 2^32 and near 2^64 (with offsets whose sum with
//! the address passes 2^64, which must trap rather than wrap), `memory.grow`
//! deltas that truncate to small numbers, bulk operations with edge
//! operands, and copies between two memories (of either index type) at
//! their bounds. Every memory is exported, so the harness compares each.

use super::choose::{bits64, chance, finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;

/// One memory of a module, and the edge operands of accesses to it.
pub(super) struct Mem {
    pub index: usize,
    pub index64: bool,
    /// Initial and maximum size in pages.
    pub min: u64,
    pub max: u64,
}

impl Mem {
    pub fn new(u: &mut Unstructured, index: usize, index64: bool) -> Mem {
        let min = range(u, 0, 2) as u64;
        Mem {
            index,
            index64,
            min,
            max: min + range(u, 0, 3) as u64,
        }
    }

    /// Its declaration, named `$m<index>` and exported as `mem<index>`.
    pub fn decl(&self) -> String {
        self.decl_at(self.index)
    }

    /// Its declaration as memory `index`.
    pub fn decl_at(&self, index: usize) -> String {
        let kind = if self.index64 { "i64 " } else { "" };
        format!(
            "  (memory $m{index} (export \"mem{index}\") {kind}{} {})\n",
            self.min, self.max
        )
    }

    /// The address type.
    pub fn ty(&self) -> &'static str {
        if self.index64 {
            "i64"
        } else {
            "i32"
        }
    }

    /// An address constant.
    pub fn konst(&self, v: u64) -> String {
        if self.index64 {
            format!("(i64.const 0x{v:x})")
        } else {
            format!("(i32.const 0x{:x})", v as u32)
        }
    }

    /// An address for a `width`-byte access (or a bulk operation of
    /// `width` bytes) with `offset`: the first byte, the last valid byte,
    /// one past it (of the initial size, the maximum, or one page more than
    /// the initial size, reached by `memory.grow`), around 2^32, near the top
    /// of the address space.
    pub fn address(&self, u: &mut Unstructured, width: u64, offset: u64) -> u64 {
        let top = if self.index64 { u64::MAX } else { 0xffff_ffff };
        let end = *pick(u, &[self.min, self.max, self.min + 1]) * 65_536;
        let slack = *pick(u, &[0i8, 1, -1, 2]);
        let near_end = (end as i128 - width as i128 - offset as i128 + slack as i128)
            .clamp(0, top as i128) as u64;
        let a = match range(u, 0, 7) {
            0 => 0,
            1 => 0x1_0000_0000u64.wrapping_sub(width + range(u, 0, 1) as u64),
            2 => 0x1_0000_0000 + range(u, 0, 16) as u64,
            3 => top - range(u, 0, 16) as u64,
            4 => (top - width).saturating_add(1),
            5 => 1 << 63,
            _ => near_end,
        };
        a.min(top)
    }

    /// A memarg offset: mostly small, sometimes one that carries a valid
    /// address past 2^32 or (64-bit) past 2^64.
    pub fn offset(&self, u: &mut Unstructured) -> u64 {
        let mut choices = vec![0u64, 0, 0, 1, 8, 65_535, 65_536, 0xffff_ffff];
        if self.index64 {
            choices.extend([0x1_0000_0000, 1 << 63, u64::MAX, u64::MAX - 7]);
        }
        *pick(u, &choices)
    }

    /// An address computed from parameter `local` at run time (so no
    /// engine can fold its bounds check): the parameter itself, or added to
    /// a base that puts the plan's small values around the end of memory,
    /// around 2^32 or (64-bit) near 2^64.
    pub fn dynamic(&self, u: &mut Unstructured, local: u32) -> String {
        let it = self.ty();
        let end = self.min * 65_536;
        let base = match range(u, 0, 3) {
            0 => return format!("(local.get {local})"),
            1 => end.saturating_sub(35_000),
            2 => 0x1_0000_0000 - 35_000,
            _ if self.index64 => u64::MAX - 35_000,
            _ => 0xffff_0000,
        };
        format!("({it}.add (local.get {local}) {})", self.konst(base))
    }

    /// `memory.grow` deltas: small, past the maximum, and large ones whose
    /// low 32 bits are small (a truncating engine would grow).
    fn delta(&self, u: &mut Unstructured) -> String {
        let mut choices = vec![0u64, 1, 2, 16, 17, 0xffff_ffff];
        if self.index64 {
            choices.extend([0x1_0000_0001, 1 << 48, 1 << 63, u64::MAX]);
        }
        let d = *pick(u, &choices);
        self.konst(d)
    }
}

/// Scalar loads: (instruction, result type, bytes read).
const LOADS: &[(&str, &str, u64)] = &[
    ("i32.load", "i32", 4),
    ("i64.load", "i64", 8),
    ("i32.load8_u", "i32", 1),
    ("i32.load16_s", "i32", 2),
    ("i64.load8_s", "i64", 1),
    ("i64.load16_u", "i64", 2),
    ("i64.load32_u", "i64", 4),
    ("f32.load", "f32", 4),
    ("f64.load", "f64", 8),
];

/// Scalar stores: (instruction, value type, bytes written).
const STORES: &[(&str, &str, u64)] = &[
    ("i32.store", "i32", 4),
    ("i64.store", "i64", 8),
    ("i32.store8", "i32", 1),
    ("i32.store16", "i32", 2),
    ("i64.store32", "i64", 4),
    ("i64.store8", "i64", 1),
];

/// The bytes of a data segment, as a WAT string.
fn data_bytes(u: &mut Unstructured, len: usize) -> String {
    (0..len)
        .map(|_| format!("\\{:02x}", bits64(u) as u8))
        .collect()
}

/// A function body exercising memory `a` alone: a load, a store, a grow,
/// a fill, a copy within or an init, each with edge operands.
fn single(u: &mut Unstructured, a: &Mem) -> String {
    let n = a.index;
    let it = a.ty();
    match range(u, 0, 7) {
        0 => {
            let (op, ty, width) = *pick(u, LOADS);
            let o = a.offset(u);
            let addr = a.konst(a.address(u, width, o));
            format!("(result {ty}) ({op} $m{n} offset={o} {addr})")
        }
        1 => {
            let (op, ty, _) = *pick(u, LOADS);
            let o = *pick(u, &[0u64, 1, 65_535]);
            let addr = a.dynamic(u, 0);
            format!("(param {it}) (result {ty}) ({op} $m{n} offset={o} {addr})")
        }
        2 => {
            let (op, ty, width) = *pick(u, STORES);
            let o = a.offset(u);
            let addr = a.konst(a.address(u, width, o));
            format!("(param {ty}) ({op} $m{n} offset={o} {addr} (local.get 0))")
        }
        3 => {
            let (op, ty, _) = *pick(u, STORES);
            let addr = a.dynamic(u, 0);
            format!("(param {it} {ty}) ({op} $m{n} {addr} (local.get 1))")
        }
        4 => {
            let d = a.delta(u);
            format!("(result {it}) ({it}.add (memory.grow $m{n} {d}) ({it}.mul (memory.size $m{n}) ({it}.const 1000)))")
        }
        5 => {
            if chance(u, 1, 2) {
                format!("(param {it} {it}) (memory.fill $m{n} (local.get 0) (i32.const 0xa5) (local.get 1))")
            } else {
                let len = *pick(u, &[0u64, 1, 16, 65_536]);
                let dst = a.konst(a.address(u, len, 0));
                let len = a.konst(len);
                format!(
                    "(memory.fill $m{n} {dst} (i32.const {}) {len})",
                    range(u, 0, 255)
                )
            }
        }
        6 => {
            let len = *pick(u, &[0u64, 1, 8, 100]);
            let dst = a.konst(a.address(u, len, 0));
            let src = a.konst(a.address(u, len, 0));
            let len = a.konst(len);
            format!("(memory.copy $m{n} $m{n} {dst} {src} {len})")
        }
        _ => {
            let len = range(u, 0, 8) as u64;
            let dst = a.konst(a.address(u, len, 0));
            let src = range(u, 0, 8);
            format!("(memory.init $m{n} $passive {dst} (i32.const {src}) (i32.const {len}))")
        }
    }
}

/// A function body using two distinct memories: a store to one and a load
/// at the same address from the other, or a `memory.copy` between them at
/// their bounds or inside them (the length has the smaller of the two
/// index types).
fn pair(u: &mut Unstructured, a: &Mem, b: &Mem) -> String {
    let (na, nb) = (a.index, b.index);
    if chance(u, 1, 2) {
        let (store, ty, width) = *pick(u, STORES);
        let o = *pick(u, &[0u64, 1, 8]);
        let at = a.address(u, width, o);
        let (load, rty, _) = *pick(u, LOADS);
        format!(
            "(param {ty}) (result {rty}) ({store} $m{na} offset={o} {} (local.get 0)) ({load} $m{nb} offset={o} {})",
            a.konst(at),
            b.konst(at)
        )
    } else if a.min > 0 && b.min > 0 && chance(u, 1, 2) {
        // In bounds, with the source's last byte marked first: a copy that
        // drops or misplaces a byte shows in the destination.
        let len = *pick(u, &[1u64, 7, 16]);
        let (dst, src) = (range(u, 0, 48) as u64, range(u, 0, 48) as u64);
        let len_ty = if a.index64 && b.index64 { "i64" } else { "i32" };
        format!(
            "(i32.store8 $m{nb} {} (i32.const 0x5a)) (memory.copy $m{na} $m{nb} {} {} ({len_ty}.const {len}))",
            b.konst(src + len - 1),
            a.konst(dst),
            b.konst(src)
        )
    } else {
        let len = *pick(u, &[0u64, 1, 7, 16, 4096]);
        let dst = a.konst(a.address(u, len, 0));
        let src = b.konst(b.address(u, len, 0));
        let len_ty = if a.index64 && b.index64 { "i64" } else { "i32" };
        format!("(memory.copy $m{na} $m{nb} {dst} {src} ({len_ty}.const {len}))")
    }
}

/// Writes the module: its memories, an active data segment in each memory
/// that has pages, a passive one, and `funcs` functions.
fn module(u: &mut Unstructured, mems: &[Mem]) -> Vec<u8> {
    let mut w = String::from("(module\n");
    for m in mems {
        w.push_str(&m.decl());
        if m.min > 0 && chance(u, 2, 3) {
            let len = range(u, 1, 24) as u64;
            let at = *pick(u, &[0, m.min * 65_536 - len]);
            let _ = writeln!(
                w,
                "  (data (memory $m{}) ({}.const {at}) \"{}\")",
                m.index,
                m.ty(),
                data_bytes(u, len as usize)
            );
        }
    }
    let _ = writeln!(w, "  (data $passive \"{}\")", data_bytes(u, 8));
    let funcs = range(u, 3, 16);
    for i in 0..funcs {
        let a = pick(u, mems);
        let body = if mems.len() > 1 && chance(u, 1, 2) {
            let others: Vec<&Mem> = mems.iter().filter(|m| m.index != a.index).collect();
            let b = *pick(u, &others);
            pair(u, a, b)
        } else {
            single(u, a)
        };
        let _ = writeln!(w, "  (func (export \"f{i}\") {body})");
    }
    w.push(')');
    finish(w)
}

/// A 64-bit memory, and a 32-bit second one when `multi_memory` is on.
pub fn memory64(u: &mut Unstructured, multi_memory: bool) -> Vec<u8> {
    let mut mems = vec![Mem::new(u, 0, true)];
    if multi_memory && chance(u, 1, 2) {
        mems.push(Mem::new(u, 1, false));
    }
    module(u, &mems)
}

/// Two to four memories of different sizes, some 64-bit when `memory64`
/// is on.
pub fn multi_memory(u: &mut Unstructured, memory64: bool) -> Vec<u8> {
    let count = range(u, 2, 4) as usize;
    let mems: Vec<Mem> = (0..count)
        .map(|i| {
            let index64 = memory64 && chance(u, 1, 3);
            Mem::new(u, i, index64)
        })
        .collect();
    module(u, &mems)
}
