//! Numeric semantics the classic tier needs beyond plain Rust operators:
//! the NaN rule, wasm's float min/max, and trapping float-to-int conversion.

use crate::trap::TrapCode;

/// Slot <-> value conversions.
#[inline]
pub fn f32_of(r: u64) -> f32 {
    f32::from_bits(r as u32)
}
#[inline]
pub fn f64_of(r: u64) -> f64 {
    f64::from_bits(r)
}
#[inline]
pub fn raw_f32(v: f32) -> u64 {
    v.to_bits() as u64
}
#[inline]
pub fn raw_f64(v: f64) -> u64 {
    v.to_bits()
}

/// The NaN rule ([`crate::nan`]): an arithmetic result that is NaN is
/// the positive canonical NaN, whatever the operands carried. Tested on
/// the bits, not with `is_nan` (see [`crate::nan`] on why).
#[inline]
pub fn canon32(v: f32) -> f32 {
    let bits = v.to_bits();
    let nan = bits & 0x7fff_ffff > 0x7f80_0000;
    f32::from_bits(if nan { crate::nan::F32 } else { bits })
}

/// [`canon32`] for the result of scalar `f32.add`/`sub`/`mul`/`div`
/// (fault `classic-nan-payload-kept`: the hardware's NaN is kept).
#[inline]
pub fn arith32(v: f32) -> f32 {
    if crate::fault::active(crate::fault::Fault::ClassicNanPayloadKept) {
        v
    } else {
        canon32(v)
    }
}

/// The f64 counterpart of [`canon32`].
#[inline]
pub fn canon64(v: f64) -> f64 {
    let bits = v.to_bits();
    let nan = bits & 0x7fff_ffff_ffff_ffff > 0x7ff0_0000_0000_0000;
    f64::from_bits(if nan { crate::nan::F64 } else { bits })
}

macro_rules! min_max {
    ($min:ident, $max:ident, $t:ty, $canon:ident) => {
        /// wasm `min`: NaN if either is NaN; -0 is less than +0.
        pub fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == b {
                <$t>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }

        /// wasm `max`: NaN if either is NaN; +0 is greater than -0.
        pub fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }
    };
}
min_max!(fmin32, fmax32, f32, canon32);
min_max!(fmin64, fmax64, f64, canon64);

/// Truncates `v` toward zero if the result lies in `[lo, hi]` (exact
/// doubles), trapping as the spec says otherwise. Every f32 widens to f64
/// exactly, so one function serves both source types.
#[inline]
pub fn trunc_checked(v: f64, lo: f64, hi: f64) -> Result<f64, TrapCode> {
    if v.is_nan() {
        return Err(TrapCode::InvalidConversionToInteger);
    }
    let t = v.trunc();
    if t < lo || t > hi {
        return Err(TrapCode::IntegerOverflow);
    }
    Ok(t)
}

/// Bounds for [`trunc_checked`]: the smallest and largest integral values
/// that fit each target type.
pub const I32_RANGE: (f64, f64) = (-2147483648.0, 2147483647.0);
pub const U32_RANGE: (f64, f64) = (0.0, 4294967295.0);
pub const I64_RANGE: (f64, f64) = (-9223372036854775808.0, 9223372036854774784.0);
pub const U64_RANGE: (f64, f64) = (0.0, 18446744073709549568.0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_zero_signs_and_nan() {
        assert!(fmin32(0.0, -0.0).is_sign_negative());
        assert!(fmax64(-0.0, 0.0).is_sign_positive());
        assert!(fmin64(f64::NAN, 1.0).is_nan());
        assert!(fmax32(1.0, f32::NAN).is_nan());
    }

    #[test]
    fn trunc_edges() {
        assert_eq!(
            trunc_checked(2147483647.9, I32_RANGE.0, I32_RANGE.1),
            Ok(2147483647.0)
        );
        assert_eq!(
            trunc_checked(2147483648.0, I32_RANGE.0, I32_RANGE.1),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(-2147483648.9, I32_RANGE.0, I32_RANGE.1),
            Ok(-2147483648.0)
        );
        assert_eq!(trunc_checked(-0.9, U32_RANGE.0, U32_RANGE.1), Ok(-0.0));
        assert_eq!(
            trunc_checked(-1.0, U32_RANGE.0, U32_RANGE.1),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(f64::NAN, 0.0, 1.0),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(
            trunc_checked(9223372036854775808.0, I64_RANGE.0, I64_RANGE.1),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            trunc_checked(f64::INFINITY, U64_RANGE.0, U64_RANGE.1),
            Err(TrapCode::IntegerOverflow)
        );
    }
}
