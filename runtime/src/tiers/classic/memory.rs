//! Which memory an instruction names and how its addresses are read.
//!
//! Every memory instruction names a memory: a load or store through bit 6
//! of its memarg flags (then a memory index follows; without it, memory 0,
//! the fast path the cursor keeps at hand), the others through index
//! immediates. A 32-bit memory's address operand is an i32, a 64-bit
//! memory's an i64; both are read through [`MemRef::mask`], and bounds are
//! checked with [`crate::store::MemInst::range64`], whose sums cannot wrap.

use super::decode::{u32_leb, u64_leb};
use super::exec::Cursor;
use crate::store::{MemInst, StoreData};
use crate::trap::TrapCode;

/// A memory as one instruction addresses it.
#[derive(Clone, Copy, Debug)]
pub(super) struct MemRef {
    /// Store address of the memory.
    pub addr: usize,
    /// What an address operand is masked with: the low 32 bits for a
    /// 32-bit memory, all 64 for a 64-bit one.
    pub mask: u64,
}

impl MemRef {
    /// Stands for memory 0 in an instance without memories, so the cursor
    /// holds no `Option` to test on the hot path; validated code never
    /// uses it.
    pub const NONE: MemRef = MemRef {
        addr: usize::MAX,
        mask: 0,
    };

    /// Instance memory `index` of `instance`.
    pub fn of(data: &StoreData, instance: u32, index: u32) -> MemRef {
        let addr = data.instances[instance as usize].memories[index as usize];
        MemRef::of_addr(data, addr as usize)
    }

    /// The memory at store address `addr`.
    pub fn of_addr(data: &StoreData, addr: usize) -> MemRef {
        MemRef {
            addr,
            mask: address_mask(&data.memories[addr]),
        }
    }

    /// [`MemRef::read`] for the memory index of a memarg, off the path
    /// of memory 0.
    #[cold]
    #[inline(never)]
    fn read_cold(data: &StoreData, cur: &mut Cursor, code: &[u8]) -> MemRef {
        MemRef::read(data, cur, code)
    }

    /// Reads a memory-index immediate and resolves it (out of line: only
    /// the rarer instructions take a memory index immediate).
    #[inline(never)]
    pub fn read(data: &StoreData, cur: &mut Cursor, code: &[u8]) -> MemRef {
        let index = u32_leb(code, &mut cur.pc);
        MemRef::of(data, cur.instance, index)
    }
}

/// The mask of a memory's address operands.
fn address_mask(mem: &MemInst) -> u64 {
    if mem.ty.index64 {
        u64::MAX
    } else {
        u32::MAX as u64
    }
}

/// Reads a load's or store's memory argument: the memory and the offset.
#[inline(always)]
pub(super) fn memarg(data: &StoreData, cur: &mut Cursor, code: &[u8]) -> (MemRef, u64) {
    let flags = u32_leb(code, &mut cur.pc);
    let mem = if flags & 0x40 == 0 {
        // Validation guarantees that memory 0 exists when this is reached.
        cur.mem0
    } else {
        MemRef::read_cold(data, cur, code)
    };
    (mem, u64_leb(code, &mut cur.pc))
}

/// The `N` bytes at `addr + offset` of `mem`, or a trap.
#[inline(always)]
pub(super) fn bytes<const N: usize>(
    data: &mut StoreData,
    mem: MemRef,
    addr: u64,
    offset: u64,
) -> Result<&mut [u8; N], TrapCode> {
    let m = &mut data.memories[mem.addr];
    let r = m
        .range64(addr & mem.mask, offset, N)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    Ok((&mut m.data[r]).try_into().expect("range has N bytes"))
}
