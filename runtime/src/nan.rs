//! The NaN rule every tier follows, bit for bit.
//!
//! The spec lets an arithmetic float instruction whose result is NaN return
//! any canonical or arithmetic NaN, so two correct engines may disagree on
//! its bits, and those bits can reach integers (`reinterpret`, lane
//! extraction, stores), addresses and branches. Tiers that each picked
//! what their hardware gives could then not be compared. tierdiff fixes
//! one answer:
//!
//! * **Arithmetic** instructions — `add`, `sub`, `mul`, `div`, `sqrt`,
//!   `min`, `max`, `ceil`, `floor`, `trunc`, `nearest` (scalar and every
//!   `f32x4`/`f64x2` lane), `f32.demote_f64`, `f64.promote_f32`,
//!   `f32x4.demote_f64x2_zero` and `f64x2.promote_low_f32x4` — whose result
//!   is NaN produce the **positive canonical NaN** ([`F32`], [`F64`]),
//!   whatever the operands' signs and payloads.
//! * **Bit** instructions — `abs`, `neg`, `copysign`, `reinterpret`, loads,
//!   stores, constants, `select`, `pmin`/`pmax` (which select an operand),
//!   lane moves and `v128` bitwise operations — keep every bit, as the spec
//!   requires.
//!
//! A tier must choose the canonical NaN on integer bits: LLVM treats NaN
//! payloads of float operations as unspecified, so an optimised
//! `if x.is_nan() { canonical } else { x }` on floats may be folded back
//! into `x` (seen here: classic and fast at `opt-level = 2` returned the
//! hardware's NaN until the choice moved to the bits).
//!
//! It is the rule of wasmi's `deterministic` feature and of Cranelift's
//! `enable_nan_canonicalization` (the JIT uses that setting), so the
//! reference engines run under it too and every engine is compared bit
//! for bit. Each tier implements the rule itself; these constants are all
//! they share.

/// The positive canonical f32 NaN: exponent all ones, only the quiet bit set.
pub const F32: u32 = 0x7fc0_0000;

/// The positive canonical f64 NaN.
pub const F64: u64 = 0x7ff8_0000_0000_0000;

/// Whether `bits` is an f32 NaN.
pub fn is_nan32(bits: u32) -> bool {
    f32::from_bits(bits).is_nan()
}

/// Whether `bits` is an f64 NaN.
pub fn is_nan64(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}
