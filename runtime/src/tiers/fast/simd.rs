//! Lane arithmetic of the fast tier's `v128` instructions.
//!
//! A `v128` is a `u128` here (two consecutive frame slots, low half
//! first); lane `i` of any shape is the `i`-th little-endian chunk. The
//! helpers take the value apart into lanes, apply a scalar function per
//! lane and put it back together: plain Rust that the compiler turns into
//! vector code where the target has it, and correct everywhere.
//!
//! Written for this tier alone (tiers are independent witnesses): float
//! lanes reuse the fast tier's own scalar rules ([`num`](super::num)), so a
//! NaN in a lane has the bits this tier's scalar instruction would give.

/// One lane type: its width and its bits (zero-extended) in a `u64`.
///
/// Lanes are taken apart with shifts and masks, never through a byte
/// buffer: a handler whose locals had their address taken (a `memcpy` into
/// a stack array) could not end in a tail call, and tail-call dispatch
/// would then grow the native stack (the stack tests catch that).
pub(super) trait Lane: Copy {
    const BITS: u32;
    fn from_bits(b: u64) -> Self;
    fn to_bits(self) -> u64;
    /// Lane `i` of `v`.
    #[inline(always)]
    fn get(v: u128, i: usize) -> Self {
        Self::from_bits((v >> (i as u32 * Self::BITS)) as u64)
    }
    /// `self` as lane `i` (the other bits zero).
    #[inline(always)]
    fn at(self, i: usize) -> u128 {
        (self.to_bits() as u128) << (i as u32 * Self::BITS)
    }
}

macro_rules! lane {
    ($($t:ty: $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$u>::BITS;
            #[inline(always)]
            fn from_bits(b: u64) -> Self {
                b as $u as $t
            }
            #[inline(always)]
            fn to_bits(self) -> u64 {
                self as $u as u64
            }
        }
    )*};
}
lane!(i8: u8, u8: u8, i16: u16, u16: u16, i32: u32, u32: u32, i64: u64, u64: u64);

impl Lane for f32 {
    const BITS: u32 = 32;
    #[inline(always)]
    fn from_bits(b: u64) -> Self {
        f32::from_bits(b as u32)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f32::to_bits(self) as u64
    }
}

impl Lane for f64 {
    const BITS: u32 = 64;
    #[inline(always)]
    fn from_bits(b: u64) -> Self {
        f64::from_bits(b)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
}

/// Lanes of a `T` in a `v128`.
const fn n<T: Lane>() -> usize {
    (128 / T::BITS) as usize
}

/// Lane `i` of `v` as a `T`.
#[inline(always)]
pub(super) fn lane<T: Lane>(v: u128, i: usize) -> T {
    T::get(v, i)
}

/// `v` with lane `i` replaced by `x`.
#[inline(always)]
pub(super) fn with_lane<T: Lane>(v: u128, i: usize, x: T) -> u128 {
    let mask = ((u64::MAX >> (64 - T::BITS)) as u128) << (i as u32 * T::BITS);
    (v & !mask) | x.at(i)
}

/// Every lane of a `T` set to `x`.
#[inline(always)]
pub(super) fn splat<T: Lane>(x: T) -> u128 {
    (0..n::<T>()).fold(0, |o, i| o | x.at(i))
}

/// `f` on every lane (lanes of `A` and `R` are the same width).
#[inline(always)]
pub(super) fn map<A: Lane, R: Lane>(v: u128, f: impl Fn(A) -> R) -> u128 {
    (0..n::<A>()).fold(0, |o, i| o | f(A::get(v, i)).at(i))
}

/// `f` on every pair of lanes.
#[inline(always)]
pub(super) fn zip<A: Lane, R: Lane>(x: u128, y: u128, f: impl Fn(A, A) -> R) -> u128 {
    (0..n::<A>()).fold(0, |o, i| o | f(A::get(x, i), A::get(y, i)).at(i))
}

/// A lane-wise comparison: all ones where `f` holds, zeros elsewhere.
#[inline(always)]
pub(super) fn cmp<A: Lane>(x: u128, y: u128, f: impl Fn(A, A) -> bool) -> u128 {
    let ones = (u64::MAX >> (64 - A::BITS)) as u128;
    (0..n::<A>()).fold(0, |o, i| {
        let hit = f(A::get(x, i), A::get(y, i));
        o | if hit { ones << (i as u32 * A::BITS) } else { 0 }
    })
}

/// Lanes `from..from + n` of `v` (as `A`) widened by `f` into `n` lanes of `R`.
#[inline(always)]
pub(super) fn widen<A: Lane, R: Lane>(v: u128, from: usize, f: impl Fn(A) -> R) -> u128 {
    (0..n::<R>()).fold(0, |o, i| o | f(A::get(v, from + i)).at(i))
}

/// Lanes `from..` of `x` and `y` widened and combined by `f` (extended multiplies).
#[inline(always)]
pub(super) fn widen2<A: Lane, R: Lane>(
    x: u128,
    y: u128,
    from: usize,
    f: impl Fn(A, A) -> R,
) -> u128 {
    (0..n::<R>()).fold(0, |o, i| {
        o | f(A::get(x, from + i), A::get(y, from + i)).at(i)
    })
}

/// Adjacent lane pairs of `v` combined by `f` into one wider lane each.
#[inline(always)]
pub(super) fn pairs<A: Lane, R: Lane>(v: u128, f: impl Fn(A, A) -> R) -> u128 {
    (0..n::<R>()).fold(0, |o, i| {
        o | f(A::get(v, 2 * i), A::get(v, 2 * i + 1)).at(i)
    })
}

/// Lanes of `x` then of `y` narrowed by `f` into lanes half as wide.
#[inline(always)]
pub(super) fn narrow<A: Lane, R: Lane>(x: u128, y: u128, f: impl Fn(A) -> R) -> u128 {
    let k = n::<A>();
    (0..k).fold(0, |o, i| {
        o | f(A::get(x, i)).at(i) | f(A::get(y, i)).at(k + i)
    })
}

/// The first `n` lanes of `f` over `v`'s lanes, the others zero (`*_zero` conversions).
#[inline(always)]
pub(super) fn low<A: Lane, R: Lane>(v: u128, n: usize, f: impl Fn(A) -> R) -> u128 {
    (0..n).fold(0, |o, i| o | f(A::get(v, i)).at(i))
}

/// Bit `i` set when lane `i`'s top bit is.
#[inline(always)]
pub(super) fn bitmask<A: Lane + Into<i64>>(v: u128) -> u32 {
    (0..n::<A>()).fold(0, |m, i| m | ((A::get(v, i).into() < 0) as u32) << i)
}

/// Whether every lane is non-zero.
#[inline(always)]
pub(super) fn all_true<A: Lane + Into<i64>>(v: u128) -> bool {
    (0..n::<A>()).all(|i| A::get(v, i).into() != 0)
}

/// `i8x16.swizzle`: lane `i` is `a[s[i]]`, or 0 when `s[i]` is 16 or more.
#[inline(always)]
pub(super) fn swizzle(a: u128, s: u128) -> u128 {
    let wrap = crate::fault::active(crate::fault::Fault::FastSwizzleLaneWrap);
    (0..16).fold(0, |o, i| {
        let k = u8::get(s, i) as u32;
        let x = match k {
            0..16 => (a >> (8 * k)) as u8,
            _ if wrap => (a >> (8 * (k % 16))) as u8,
            _ => 0,
        };
        o | x.at(i)
    })
}

/// `i8x16.shuffle`: lane `i` is lane `l[i]` of `a` followed by `b` (validated below 32).
#[inline(always)]
pub(super) fn shuffle(a: u128, b: u128, lanes: u128) -> u128 {
    (0..16).fold(0, |o, i| {
        let k = (u8::get(lanes, i) & 31) as u32;
        let x = if k < 16 {
            a >> (8 * k)
        } else {
            b >> (8 * (k - 16))
        } as u8;
        o | x.at(i)
    })
}

/// Saturating Q15 multiply with rounding.
#[inline(always)]
pub(super) fn q15mulr(a: i16, b: i16) -> i16 {
    ((a as i32 * b as i32 + 0x4000) >> 15).clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// `i32x4.dot_i16x8_s`.
#[inline(always)]
pub(super) fn dot(x: u128, y: u128) -> u128 {
    let p = |k: usize| i16::get(x, k) as i32 * i16::get(y, k) as i32;
    (0..4).fold(0, |o, i| o | p(2 * i).wrapping_add(p(2 * i + 1)).at(i))
}

/// Float `pmin`: `b < a ? b : a` (no NaN or zero-sign rules).
#[inline(always)]
pub(super) fn pmin<T: PartialOrd>(a: T, b: T) -> T {
    if b < a {
        b
    } else {
        a
    }
}

/// Float `pmax`: `a < b ? b : a`.
#[inline(always)]
pub(super) fn pmax<T: PartialOrd>(a: T, b: T) -> T {
    if a < b {
        b
    } else {
        a
    }
}

/// Shift count of lanes `bits` wide: wasm takes it modulo the lane width.
#[inline(always)]
pub(super) fn count(n: u64, bits: u32) -> u32 {
    (n as u32) & (bits - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_little_endian() {
        let v = 0x0f0e0d0c0b0a09080706050403020100u128;
        assert_eq!(lane::<u8>(v, 0), 0);
        assert_eq!(lane::<u8>(v, 15), 15);
        assert_eq!(lane::<u32>(v, 1), 0x07060504);
        assert_eq!(with_lane::<u16>(v, 7, 0xabcd) >> 112, 0xabcd);
        assert_eq!(splat(1u32), 0x00000001_00000001_00000001_00000001);
    }

    #[test]
    fn swizzle_and_shuffle_out_of_range_lanes() {
        let a = 0x0f0e0d0c0b0a09080706050403020100u128;
        let s = u128::from_le_bytes([15, 16, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200]);
        let o = swizzle(a, s).to_le_bytes();
        assert_eq!(&o[..4], &[15, 0, 0, 0]);
        assert_eq!(o[15], 0);
        let b = splat(0xaau8);
        let l = u128::from_le_bytes([31, 0, 16, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&shuffle(a, b, l).to_le_bytes()[..4], &[0xaa, 0, 0xaa, 1]);
    }

    #[test]
    fn saturating_and_widening_helpers() {
        assert_eq!(q15mulr(i16::MIN, i16::MIN), i16::MAX);
        let v = splat(-3i8);
        assert_eq!(widen(v, 8, |x: i8| x as i16), splat(-3i16));
        assert_eq!(pairs(v, |a: i8, b: i8| a as i16 + b as i16), splat(-6i16));
        assert_eq!(bitmask::<i8>(v), 0xffff);
        assert!(!all_true::<i32>(with_lane(v, 2, 0i32)));
        let n = narrow(splat(300i16), splat(-300i16), |x: i16| {
            x.clamp(-128, 127) as i8
        });
        assert_eq!(lane::<i8>(n, 0), 127);
        assert_eq!(lane::<i8>(n, 15), -128);
    }
}
