//! Reading immediates straight from the validated bytecode.
//!
//! The module passed validation, so every read here is in bounds and well
//! formed; a failure would be a runtime bug and panics loudly.

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

/// Reads a memory argument (alignment, then offset); returns the offset.
#[inline]
pub fn memarg(code: &[u8], pc: &mut usize) -> u64 {
    u32_leb(code, pc);
    u32_leb(code, pc) as u64
}

/// A block's signature: how many values it takes and how many it leaves.
#[derive(Clone, Copy, Debug)]
pub struct BlockSig {
    pub params: usize,
    pub results: usize,
}

/// Reads a block type immediate.
#[inline]
pub fn block_sig(code: &[u8], pc: &mut usize, types: &[crate::types::FuncType]) -> BlockSig {
    match code[*pc] {
        0x40 => {
            *pc += 1;
            BlockSig {
                params: 0,
                results: 0,
            }
        }
        0x6f | 0x70 | 0x7c..=0x7f => {
            *pc += 1;
            BlockSig {
                params: 0,
                results: 1,
            }
        }
        _ => {
            let t = &types[s64_leb(code, pc) as usize];
            BlockSig {
                params: t.params.len(),
                results: t.results.len(),
            }
        }
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
    }
}
