//! The guest's linear memory as WASI functions see it: every pointer and
//! length is checked here, once, against the memory's current size.

use super::errno::{Errno, FAULT};
use std::ops::Range;

/// A view of the caller's memory (empty when the caller exports none).
pub struct Guest<'a> {
    bytes: &'a mut [u8],
}

impl<'a> Guest<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Guest<'a> {
        Guest { bytes }
    }

    /// The byte range `ptr .. ptr + len`, or `EFAULT` if any of it lies
    /// outside memory. Lengths are 64-bit so `count * size` cannot wrap.
    pub fn range(&self, ptr: u32, len: u64) -> Result<Range<usize>, Errno> {
        let end = u64::from(ptr)
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len() as u64)
            .ok_or(FAULT)?;
        Ok(ptr as usize..end as usize)
    }

    /// Checks that `len` bytes at `ptr` may be written, without writing.
    pub fn check(&self, ptr: u32, len: u64) -> Result<(), Errno> {
        self.range(ptr, len).map(drop)
    }

    pub fn bytes(&self, ptr: u32, len: u64) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    pub fn bytes_mut(&mut self, ptr: u32, len: u64) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        let b = self.bytes(ptr, 4)?;
        Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        let b = self.bytes(ptr, 8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        self.bytes_mut(ptr, data.len() as u64)?
            .copy_from_slice(data);
        Ok(())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Reads an array of `count` iovecs (`{ptr: u32, len: u32}`) at `ptr`
    /// and checks that every buffer they name lies inside memory.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        self.check(ptr, u64::from(count) * 8)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = ptr + i * 8;
            let (buf, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
            self.check(buf, u64::from(len))?;
            out.push((buf, len));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_without_wrapping() {
        let mut mem = vec![0u8; 16];
        let g = Guest::new(&mut mem);
        assert_eq!(g.range(0, 16), Ok(0..16));
        assert_eq!(g.range(16, 0), Ok(16..16));
        assert_eq!(g.range(17, 0), Err(FAULT));
        assert_eq!(g.range(8, 9), Err(FAULT));
        assert_eq!(g.range(u32::MAX, u64::from(u32::MAX)), Err(FAULT));
        assert_eq!(g.iovecs(0, u32::MAX), Err(FAULT));
    }
}
