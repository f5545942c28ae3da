//! A `v128` seen as lanes: little-endian, lane 0 in the lowest bits.
//!
//! The classic tier computes every SIMD instruction lane by lane with
//! scalar Rust, through these few conversions: split a `u128` into an array
//! of lanes, apply the scalar operation, join the lanes back. Slow next to
//! real vector code, but each instruction reads as its definition.

/// A lane type: an integer or float of 1, 2, 4 or 8 bytes.
pub trait Lane: Copy {
    const WIDTH: usize;
    fn read(bytes: &[u8]) -> Self;
    fn write(self, bytes: &mut [u8]);
}

macro_rules! lane {
    ($($t:ty),*) => {$(
        impl Lane for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            #[inline]
            fn read(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("one lane's bytes"))
            }
            #[inline]
            fn write(self, bytes: &mut [u8]) {
                bytes.copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
// Floats go through `from_le_bytes`/`to_le_bytes`, which keep every bit
// (NaN payloads included).
lane!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

/// The `N` lanes of `v`.
#[inline]
pub fn lanes<T: Lane, const N: usize>(v: u128) -> [T; N] {
    debug_assert_eq!(T::WIDTH * N, 16);
    read_lanes(&v.to_le_bytes())
}

/// `N` lanes read from the front of `bytes` (for the extending loads,
/// which read half a vector).
#[inline]
pub fn read_lanes<T: Lane, const N: usize>(bytes: &[u8]) -> [T; N] {
    std::array::from_fn(|i| T::read(&bytes[i * T::WIDTH..(i + 1) * T::WIDTH]))
}

/// The `v128` made of `lanes`.
#[inline]
pub fn join<T: Lane, const N: usize>(lanes: [T; N]) -> u128 {
    debug_assert_eq!(T::WIDTH * N, 16);
    let mut b = [0u8; 16];
    for (i, x) in lanes.into_iter().enumerate() {
        x.write(&mut b[i * T::WIDTH..(i + 1) * T::WIDTH]);
    }
    u128::from_le_bytes(b)
}

/// Applies `f` to each lane.
#[inline]
pub fn map<T: Lane, U: Lane, const N: usize>(v: u128, f: impl Fn(T) -> U) -> u128 {
    join::<U, N>(lanes::<T, N>(v).map(f))
}

/// Applies `f` to each pair of lanes.
#[inline]
pub fn zip<T: Lane, U: Lane, const N: usize>(a: u128, b: u128, f: impl Fn(T, T) -> U) -> u128 {
    let (x, y) = (lanes::<T, N>(a), lanes::<T, N>(b));
    join::<U, N>(std::array::from_fn(|i| f(x[i], y[i])))
}

/// All ones when `c` holds, else zero: a comparison's lane result.
#[inline]
pub fn mask<T: From<i8>>(c: bool) -> T {
    T::from(if c { -1 } else { 0 })
}

/// One bit per lane, lane 0 lowest: the lanes' sign bits.
#[inline]
pub fn bitmask<T: Lane + PartialOrd + Default, const N: usize>(v: u128) -> u64 {
    lanes::<T, N>(v)
        .iter()
        .enumerate()
        .fold(0, |m, (i, &x)| m | ((x < T::default()) as u64) << i)
}

/// Whether every lane is non-zero.
#[inline]
pub fn all_true<T: Lane + PartialEq + Default, const N: usize>(v: u128) -> bool {
    lanes::<T, N>(v).iter().all(|&x| x != T::default())
}

/// Lanes `half*N/2..` of `v` (the low half for 0, high for 1), each
/// widened: the source of `extend`, `extmul` and the `*_low` conversions.
#[inline]
pub fn half<T: Lane, W: From<T>, const N: usize, const M: usize>(v: u128, high: bool) -> [W; M] {
    debug_assert_eq!(M * 2, N);
    let l = lanes::<T, N>(v);
    let base = if high { M } else { 0 };
    std::array::from_fn(|i| W::from(l[base + i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_zero_is_the_lowest() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(lanes::<u8, 16>(v)[0], 0);
        assert_eq!(lanes::<u8, 16>(v)[15], 15);
        assert_eq!(lanes::<u16, 8>(v)[1], 0x0302);
        assert_eq!(lanes::<u32, 4>(v)[3], 0x0f0e_0d0c);
        assert_eq!(join(lanes::<i64, 2>(v)), v);
    }

    #[test]
    fn float_lanes_keep_nan_payloads() {
        let v = 0x7fa0_0001_ffc0_1234_0000_0000_7f80_0001u128;
        assert_eq!(join(lanes::<f32, 4>(v)), v);
        assert_eq!(join(lanes::<f64, 2>(v)), v);
    }

    #[test]
    fn bitmask_all_true_and_halves() {
        let v = join::<i16, 8>([-1, 2, -3, 4, 0, 0, i16::MIN, 1]);
        assert_eq!(bitmask::<i16, 8>(v), 0b0100_0101);
        assert!(!all_true::<i16, 8>(v));
        assert!(all_true::<i16, 8>(join([1i16; 8])));
        assert_eq!(half::<i16, i32, 8, 4>(v, true), [0, 0, -32768, 1]);
        assert_eq!(half::<i16, i32, 8, 4>(v, false), [-1, 2, -3, 4]);
    }
}
