//! Reading immediates straight from the validated bytecode.
//!
//! The module passed validation, so every read here is in bounds and well
//! formed; a failure would be a runtime bug and panics loudly.

use crate::values::slot_count;

/// Reads an unsigned LEB128 `u32`.
#[inline]
pub fn u32_leb(code: &[u8], pc: &mut usize) -> u32 {
    let b = code[*pc];
    *pc += 1;
    if b & 0x80 == 0 {
        return b as u32;
    }
    let mut result = (b & 0x7f) as u32;
    let mut shift = 7;
    loop {
        let b = code[*pc];
        *pc += 1;
        result |= ((b & 0x7f) as u32) << shift;
        if b & 0x80 == 0 {
            return result;
        }
        shift += 7;
    }
}

/// Reads a signed LEB128 value of up to 64 bits.
#[inline]
pub fn s64_leb(code: &[u8], pc: &mut usize) -> i64 {
    let mut result: i64 = 0;
    let mut shift = 0;
    loop {
        let b = code[*pc];
        *pc += 1;
        if shift < 64 {
            result |= ((b & 0x7f) as i64) << shift;
        }
        shift += 7;
        if b & 0x80 == 0 {
            if shift < 64 && b & 0x40 != 0 {
                result |= -1i64 << shift;
            }
            return result;
        }
    }
}

/// Reads an unsigned LEB128 `u64` (a memory offset, which is 64-bit in a
/// 64-bit memory).
#[inline]
pub fn u64_leb(code: &[u8], pc: &mut usize) -> u64 {
    let b = code[*pc];
    *pc += 1;
    if b & 0x80 == 0 {
        return b as u64;
    }
    let mut result = (b & 0x7f) as u64;
    let mut shift = 7;
    loop {
        let b = code[*pc];
        *pc += 1;
        if shift < 64 {
            result |= ((b & 0x7f) as u64) << shift;
        }
        if b & 0x80 == 0 {
            return result;
        }
        shift += 7;
    }
}

/// A block's signature: how many cells its parameters and its results take
/// on the operand stack (a `v128` takes two).
#[derive(Clone, Copy, Debug)]
pub struct BlockSig {
    pub params: usize,
    pub results: usize,
}

/// Reads a block type immediate.
#[inline(always)]
pub fn block_sig(code: &[u8], pc: &mut usize, types: &[crate::types::FuncType]) -> BlockSig {
    let (params, results) = match code[*pc] {
        0x40 => (0, 0),
        0x6f | 0x70 | 0x7c..=0x7f => (0, 1),
        0x7b => (0, 2),
        _ => return indexed_block_sig(code, pc, types),
    };
    *pc += 1;
    BlockSig { params, results }
}

/// A block type given by a type index (multi-value blocks), off the hot path.
#[inline(never)]
fn indexed_block_sig(code: &[u8], pc: &mut usize, types: &[crate::types::FuncType]) -> BlockSig {
    let t = &types[s64_leb(code, pc) as usize];
    BlockSig {
        params: slot_count(&t.params),
        results: slot_count(&t.results),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_round_trips() {
        let mut pc = 0;
        assert_eq!(u32_leb(&[0xe5, 0x8e, 0x26], &mut pc), 624_485);
        assert_eq!(pc, 3);
        pc = 0;
        assert_eq!(s64_leb(&[0xc0, 0xbb, 0x78], &mut pc), -123_456);
        pc = 0;
        assert_eq!(s64_leb(&[0x7f], &mut pc), -1);
        pc = 0;
        let min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f];
        assert_eq!(s64_leb(&min, &mut pc), i64::MIN);
        pc = 0;
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(u64_leb(&max, &mut pc), u64::MAX);
        assert_eq!(pc, 10);
    }
}
