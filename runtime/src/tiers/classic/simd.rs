//! The 0xFD-prefixed instructions: fixed-width SIMD on `v128` values.
//!
//! Each instruction is written lane by lane with the classic tier's own
//! scalar semantics (see [`super::lanes`]): float lanes give the same NaN
//! bits the tier's scalar operation gives for the same lane, memory
//! accesses are bounds-checked like scalar ones. A `v128` takes two cells
//! on the operand stack, low half first.

use super::exec::Cursor;
use super::lanes::{all_true, bitmask, half, join, lanes, map, mask, read_lanes, zip};
use super::memory::{bytes, memarg};
use super::num::{canon32, canon64, fmax32, fmax64, fmin32, fmin64};
use super::ClassicTier;
use crate::fault::{active, Fault};
use crate::store::StoreData;
use crate::trap::Trap;

impl ClassicTier {
    /// Pops a `v128` (its high cell is on top).
    #[inline(always)]
    fn pop_v128(&mut self) -> u128 {
        let hi = self.pop();
        let lo = self.pop();
        lo as u128 | (hi as u128) << 64
    }

    /// Pushes a `v128`, low half first.
    #[inline(always)]
    fn push_v128(&mut self, v: u128) {
        self.stack.push(v as u64);
        self.stack.push((v >> 64) as u64);
    }

    /// Pops one cell (validation guarantees it is there).
    #[inline(always)]
    fn pop(&mut self) -> u64 {
        self.stack.pop().expect("validated: operand present")
    }

    /// Runs SIMD instruction `sub` (its immediates follow at `cur.pc`).
    pub(super) fn exec_simd(
        &mut self,
        data: &mut StoreData,
        cur: &mut Cursor,
        code: &[u8],
        sub: u32,
    ) -> Result<(), Trap> {
        macro_rules! un {
            ($t:ty, $u:ty, $n:expr, $f:expr) => {{
                let a = self.pop_v128();
                self.push_v128(map::<$t, $u, $n>(a, $f));
            }};
        }
        macro_rules! bin {
            ($t:ty, $u:ty, $n:expr, $f:expr) => {{
                let b = self.pop_v128();
                let a = self.pop_v128();
                self.push_v128(zip::<$t, $u, $n>(a, b, $f));
            }};
        }
        macro_rules! cmp {
            ($t:ty, $m:ty, $n:expr, $f:expr) => {
                bin!($t, $m, $n, |x: $t, y: $t| mask::<$m>($f(x, y)))
            };
        }
        // A shift's count is taken modulo the lane width, as wrapping_shl/shr do.
        macro_rules! shift {
            ($t:ty, $n:expr, $op:ident) => {{
                let s = self.pop() as u32;
                let a = self.pop_v128();
                self.push_v128(map::<$t, $t, $n>(a, |x| x.$op(s)));
            }};
        }
        macro_rules! test {
            ($f:expr) => {{
                let a = self.pop_v128();
                self.stack.push($f(a) as u64);
            }};
        }
        // Two lane vectors of `$w` built from the halves of the operands.
        macro_rules! extmul {
            ($t:ty, $w:ty, $n:expr, $m:expr, $high:expr) => {{
                let b = self.pop_v128();
                let a = self.pop_v128();
                let x = half::<$t, $w, $n, $m>(a, $high);
                let y = half::<$t, $w, $n, $m>(b, $high);
                self.push_v128(join::<$w, $m>(std::array::from_fn(|i| {
                    x[i].wrapping_mul(y[i])
                })));
            }};
        }
        macro_rules! extend {
            ($t:ty, $w:ty, $n:expr, $m:expr, $high:expr) => {{
                let a = self.pop_v128();
                self.push_v128(join::<$w, $m>(half::<$t, $w, $n, $m>(a, $high)));
            }};
        }
        macro_rules! extadd {
            ($t:ty, $w:ty, $n:expr, $m:expr) => {{
                let l = lanes::<$t, $n>(self.pop_v128());
                self.push_v128(join::<$w, $m>(std::array::from_fn(|i| {
                    <$w>::from(l[2 * i]) + <$w>::from(l[2 * i + 1])
                })));
            }};
        }
        // Narrowing: the lanes of `a` then of `b`, each saturated.
        macro_rules! narrow {
            ($t:ty, $u:ty, $n:expr, $m:expr) => {{
                let b = lanes::<$t, $n>(self.pop_v128());
                let a = lanes::<$t, $n>(self.pop_v128());
                self.push_v128(join::<$u, $m>(std::array::from_fn(|i| {
                    let x = if i < $n { a[i] } else { b[i - $n] };
                    x.clamp(<$u>::MIN as $t, <$u>::MAX as $t) as $u
                })));
            }};
        }
        macro_rules! load {
            ($n:expr, $f:expr) => {{
                let (mem, offset) = memarg(data, cur, code);
                let addr = self.pop();
                let b = *bytes::<$n>(data, mem, addr, offset)?;
                self.push_v128($f(b));
            }};
        }
        macro_rules! load_lane {
            ($t:ty, $n:expr) => {{
                let (mem, offset) = memarg(data, cur, code);
                let lane = lane(code, cur);
                let v = self.pop_v128();
                let addr = self.pop();
                let b = *bytes::<{ std::mem::size_of::<$t>() }>(data, mem, addr, offset)?;
                let mut l = lanes::<$t, $n>(v);
                l[lane] = <$t>::from_le_bytes(b);
                self.push_v128(join::<$t, $n>(l));
            }};
        }
        macro_rules! store_lane {
            ($t:ty, $n:expr) => {{
                let (mem, offset) = memarg(data, cur, code);
                let lane = lane(code, cur);
                let v = self.pop_v128();
                let addr = self.pop();
                let x = lanes::<$t, $n>(v)[lane];
                *bytes::<{ std::mem::size_of::<$t>() }>(data, mem, addr, offset)? = x.to_le_bytes();
            }};
        }
        macro_rules! extract {
            ($t:ty, $n:expr, $to:expr) => {{
                let lane = lane(code, cur);
                let x = lanes::<$t, $n>(self.pop_v128())[lane];
                self.stack.push($to(x));
            }};
        }
        macro_rules! replace {
            ($t:ty, $n:expr, $from:expr) => {{
                let lane = lane(code, cur);
                let x = self.pop();
                let mut l = lanes::<$t, $n>(self.pop_v128());
                l[lane] = $from(x);
                self.push_v128(join::<$t, $n>(l));
            }};
        }
        macro_rules! splat {
            ($t:ty, $n:expr, $from:expr) => {{
                let x = self.pop();
                self.push_v128(join::<$t, $n>([$from(x); $n]));
            }};
        }

        let i32_raw = |v: i32| v as u32 as u64;
        match sub {
            // Loads and stores.
            0x00 => load!(16, u128::from_le_bytes),
            0x01 => load!(8, |b: [u8; 8]| join::<i16, 8>(b.map(|x| x as i8 as i16))),
            0x02 => load!(8, |b: [u8; 8]| join::<u16, 8>(b.map(|x| x as u16))),
            0x03 => load!(8, |b: [u8; 8]| {
                join::<i32, 4>(read_lanes::<i16, 4>(&b).map(i32::from))
            }),
            0x04 => load!(8, |b: [u8; 8]| {
                join::<u32, 4>(read_lanes::<u16, 4>(&b).map(u32::from))
            }),
            0x05 => load!(8, |b: [u8; 8]| {
                join::<i64, 2>(read_lanes::<i32, 2>(&b).map(i64::from))
            }),
            0x06 => load!(8, |b: [u8; 8]| {
                join::<u64, 2>(read_lanes::<u32, 2>(&b).map(u64::from))
            }),
            0x07 => load!(1, |b: [u8; 1]| join::<u8, 16>([b[0]; 16])),
            0x08 => load!(2, |b| join::<u16, 8>([u16::from_le_bytes(b); 8])),
            0x09 => load!(4, |b| join::<u32, 4>([u32::from_le_bytes(b); 4])),
            0x0a => load!(8, |b| join::<u64, 2>([u64::from_le_bytes(b); 2])),
            0x0b => {
                let (mem, offset) = memarg(data, cur, code);
                let v = self.pop_v128();
                let addr = self.pop();
                *bytes::<16>(data, mem, addr, offset)? = v.to_le_bytes();
            }
            0x5c => load!(4, |b| u32::from_le_bytes(b) as u128),
            0x5d => load!(8, |b| u64::from_le_bytes(b) as u128),
            0x54 => load_lane!(u8, 16),
            0x55 => load_lane!(u16, 8),
            0x56 => load_lane!(u32, 4),
            0x57 => load_lane!(u64, 2),
            0x58 => store_lane!(u8, 16),
            0x59 => store_lane!(u16, 8),
            0x5a => store_lane!(u32, 4),
            0x5b => store_lane!(u64, 2),

            // Constants, shuffles, lanes, splats.
            0x0c => {
                let b: [u8; 16] = code[cur.pc..cur.pc + 16].try_into().expect("16 bytes");
                cur.pc += 16;
                self.push_v128(u128::from_le_bytes(b));
            }
            0x0d => {
                let sel: [u8; 16] = code[cur.pc..cur.pc + 16].try_into().expect("16 bytes");
                cur.pc += 16;
                let b = lanes::<u8, 16>(self.pop_v128());
                let a = lanes::<u8, 16>(self.pop_v128());
                // Validation keeps every selector below 32.
                let pick = |s: u8| {
                    if s < 16 {
                        a[s as usize]
                    } else {
                        b[s as usize - 16]
                    }
                };
                self.push_v128(join::<u8, 16>(sel.map(pick)));
            }
            0x0e => {
                let s = lanes::<u8, 16>(self.pop_v128());
                let a = lanes::<u8, 16>(self.pop_v128());
                let wrap = active(Fault::ClassicSwizzleWrap);
                let pick = |i: u8| match a.get(i as usize) {
                    Some(&x) => x,
                    None if wrap => a[i as usize % 16],
                    None => 0,
                };
                self.push_v128(join::<u8, 16>(s.map(pick)));
            }
            0x0f => splat!(u8, 16, |x: u64| x as u8),
            0x10 => splat!(u16, 8, |x: u64| x as u16),
            0x11 => splat!(u32, 4, |x: u64| x as u32),
            0x12 => splat!(u64, 2, |x: u64| x),
            0x13 => splat!(u32, 4, |x: u64| x as u32),
            0x14 => splat!(u64, 2, |x: u64| x),
            0x15 => extract!(i8, 16, |x: i8| i32_raw(x as i32)),
            0x16 => extract!(u8, 16, |x: u8| x as u64),
            0x17 => replace!(u8, 16, |x: u64| x as u8),
            0x18 => extract!(i16, 8, |x: i16| i32_raw(x as i32)),
            0x19 => extract!(u16, 8, |x: u16| x as u64),
            0x1a => replace!(u16, 8, |x: u64| x as u16),
            0x1b => extract!(u32, 4, |x: u32| x as u64),
            0x1c => replace!(u32, 4, |x: u64| x as u32),
            0x1d => extract!(u64, 2, |x: u64| x),
            0x1e => replace!(u64, 2, |x: u64| x),
            0x1f => extract!(u32, 4, |x: u32| x as u64),
            0x20 => replace!(u32, 4, |x: u64| x as u32),
            0x21 => extract!(u64, 2, |x: u64| x),
            0x22 => replace!(u64, 2, |x: u64| x),

            // Comparisons: all-ones lanes where true.
            0x23 => cmp!(i8, i8, 16, |x, y| x == y),
            0x24 => cmp!(i8, i8, 16, |x, y| x != y),
            0x25 => cmp!(i8, i8, 16, |x, y| x < y),
            0x26 => cmp!(u8, i8, 16, |x, y| x < y),
            0x27 => cmp!(i8, i8, 16, |x, y| x > y),
            0x28 => cmp!(u8, i8, 16, |x, y| x > y),
            0x29 => cmp!(i8, i8, 16, |x, y| x <= y),
            0x2a => cmp!(u8, i8, 16, |x, y| x <= y),
            0x2b => cmp!(i8, i8, 16, |x, y| x >= y),
            0x2c => cmp!(u8, i8, 16, |x, y| x >= y),
            0x2d => cmp!(i16, i16, 8, |x, y| x == y),
            0x2e => cmp!(i16, i16, 8, |x, y| x != y),
            0x2f => cmp!(i16, i16, 8, |x, y| x < y),
            0x30 => cmp!(u16, i16, 8, |x, y| x < y),
            0x31 => cmp!(i16, i16, 8, |x, y| x > y),
            0x32 => cmp!(u16, i16, 8, |x, y| x > y),
            0x33 => cmp!(i16, i16, 8, |x, y| x <= y),
            0x34 => cmp!(u16, i16, 8, |x, y| x <= y),
            0x35 => cmp!(i16, i16, 8, |x, y| x >= y),
            0x36 => cmp!(u16, i16, 8, |x, y| x >= y),
            0x37 => cmp!(i32, i32, 4, |x, y| x == y),
            0x38 => cmp!(i32, i32, 4, |x, y| x != y),
            0x39 => cmp!(i32, i32, 4, |x, y| x < y),
            0x3a => cmp!(u32, i32, 4, |x, y| x < y),
            0x3b => cmp!(i32, i32, 4, |x, y| x > y),
            0x3c => cmp!(u32, i32, 4, |x, y| x > y),
            0x3d => cmp!(i32, i32, 4, |x, y| x <= y),
            0x3e => cmp!(u32, i32, 4, |x, y| x <= y),
            0x3f => cmp!(i32, i32, 4, |x, y| x >= y),
            0x40 => cmp!(u32, i32, 4, |x, y| x >= y),
            0x41 => cmp!(f32, i32, 4, |x, y| x == y),
            0x42 => cmp!(f32, i32, 4, |x, y| x != y),
            0x43 => cmp!(f32, i32, 4, |x, y| x < y),
            0x44 => cmp!(f32, i32, 4, |x, y| x > y),
            0x45 => cmp!(f32, i32, 4, |x, y| x <= y),
            0x46 => cmp!(f32, i32, 4, |x, y| x >= y),
            0x47 => cmp!(f64, i64, 2, |x, y| x == y),
            0x48 => cmp!(f64, i64, 2, |x, y| x != y),
            0x49 => cmp!(f64, i64, 2, |x, y| x < y),
            0x4a => cmp!(f64, i64, 2, |x, y| x > y),
            0x4b => cmp!(f64, i64, 2, |x, y| x <= y),
            0x4c => cmp!(f64, i64, 2, |x, y| x >= y),
            0xd6 => cmp!(i64, i64, 2, |x, y| x == y),
            0xd7 => cmp!(i64, i64, 2, |x, y| x != y),
            0xd8 => cmp!(i64, i64, 2, |x, y| x < y),
            0xd9 => cmp!(i64, i64, 2, |x, y| x > y),
            0xda => cmp!(i64, i64, 2, |x, y| x <= y),
            0xdb => cmp!(i64, i64, 2, |x, y| x >= y),

            // Bitwise.
            0x4d => {
                let a = self.pop_v128();
                self.push_v128(!a);
            }
            0x4e => bin!(u64, u64, 2, |x, y| x & y),
            0x4f => bin!(u64, u64, 2, |x, y| x & !y),
            0x50 => bin!(u64, u64, 2, |x, y| x | y),
            0x51 => bin!(u64, u64, 2, |x, y| x ^ y),
            0x52 => {
                let c = self.pop_v128();
                let b = self.pop_v128();
                let a = self.pop_v128();
                self.push_v128((a & c) | (b & !c));
            }
            0x53 => test!(|a: u128| a != 0),

            // i8x16.
            0x60 => un!(i8, i8, 16, i8::wrapping_abs),
            0x61 => un!(i8, i8, 16, i8::wrapping_neg),
            0x62 => un!(u8, u8, 16, |x: u8| x.count_ones() as u8),
            0x63 => test!(all_true::<i8, 16>),
            0x64 => test!(bitmask::<i8, 16>),
            0x65 => narrow!(i16, i8, 8, 16),
            0x66 => narrow!(i16, u8, 8, 16),
            0x6b => shift!(i8, 16, wrapping_shl),
            0x6c => shift!(i8, 16, wrapping_shr),
            0x6d => shift!(u8, 16, wrapping_shr),
            0x6e => bin!(i8, i8, 16, i8::wrapping_add),
            0x6f => bin!(i8, i8, 16, i8::saturating_add),
            0x70 => bin!(u8, u8, 16, u8::saturating_add),
            0x71 => bin!(i8, i8, 16, i8::wrapping_sub),
            0x72 => bin!(i8, i8, 16, i8::saturating_sub),
            0x73 => bin!(u8, u8, 16, u8::saturating_sub),
            0x76 => bin!(i8, i8, 16, i8::min),
            0x77 => bin!(u8, u8, 16, u8::min),
            0x78 => bin!(i8, i8, 16, i8::max),
            0x79 => bin!(u8, u8, 16, u8::max),
            0x7b => bin!(u8, u8, 16, |x, y| ((x as u16 + y as u16 + 1) >> 1) as u8),

            // i16x8.
            0x7c => extadd!(i8, i16, 16, 8),
            0x7d => extadd!(u8, u16, 16, 8),
            0x80 => un!(i16, i16, 8, i16::wrapping_abs),
            0x81 => un!(i16, i16, 8, i16::wrapping_neg),
            0x82 => bin!(i16, i16, 8, |x, y| {
                let p = (x as i32 * y as i32 + 0x4000) >> 15;
                p.clamp(i16::MIN as i32, i16::MAX as i32) as i16
            }),
            0x83 => test!(all_true::<i16, 8>),
            0x84 => test!(bitmask::<i16, 8>),
            0x85 => narrow!(i32, i16, 4, 8),
            0x86 => narrow!(i32, u16, 4, 8),
            0x87 => extend!(i8, i16, 16, 8, false),
            0x88 => extend!(i8, i16, 16, 8, true),
            0x89 => extend!(u8, u16, 16, 8, false),
            0x8a => extend!(u8, u16, 16, 8, true),
            0x8b => shift!(i16, 8, wrapping_shl),
            0x8c => shift!(i16, 8, wrapping_shr),
            0x8d => shift!(u16, 8, wrapping_shr),
            0x8e => bin!(i16, i16, 8, i16::wrapping_add),
            0x8f => bin!(i16, i16, 8, i16::saturating_add),
            0x90 => bin!(u16, u16, 8, u16::saturating_add),
            0x91 => bin!(i16, i16, 8, i16::wrapping_sub),
            0x92 => bin!(i16, i16, 8, i16::saturating_sub),
            0x93 => bin!(u16, u16, 8, u16::saturating_sub),
            0x95 => bin!(i16, i16, 8, i16::wrapping_mul),
            0x96 => bin!(i16, i16, 8, i16::min),
            0x97 => bin!(u16, u16, 8, u16::min),
            0x98 => bin!(i16, i16, 8, i16::max),
            0x99 => bin!(u16, u16, 8, u16::max),
            0x9b => bin!(u16, u16, 8, |x, y| ((x as u32 + y as u32 + 1) >> 1) as u16),
            0x9c => extmul!(i8, i16, 16, 8, false),
            0x9d => extmul!(i8, i16, 16, 8, true),
            0x9e => extmul!(u8, u16, 16, 8, false),
            0x9f => extmul!(u8, u16, 16, 8, true),

            // i32x4.
            0x7e => extadd!(i16, i32, 8, 4),
            0x7f => extadd!(u16, u32, 8, 4),
            0xa0 => un!(i32, i32, 4, i32::wrapping_abs),
            0xa1 => un!(i32, i32, 4, i32::wrapping_neg),
            0xa3 => test!(all_true::<i32, 4>),
            0xa4 => test!(bitmask::<i32, 4>),
            0xa7 => extend!(i16, i32, 8, 4, false),
            0xa8 => extend!(i16, i32, 8, 4, true),
            0xa9 => extend!(u16, u32, 8, 4, false),
            0xaa => extend!(u16, u32, 8, 4, true),
            0xab => shift!(i32, 4, wrapping_shl),
            0xac => shift!(i32, 4, wrapping_shr),
            0xad => shift!(u32, 4, wrapping_shr),
            0xae => bin!(i32, i32, 4, i32::wrapping_add),
            0xb1 => bin!(i32, i32, 4, i32::wrapping_sub),
            0xb5 => bin!(i32, i32, 4, i32::wrapping_mul),
            0xb6 => bin!(i32, i32, 4, i32::min),
            0xb7 => bin!(u32, u32, 4, u32::min),
            0xb8 => bin!(i32, i32, 4, i32::max),
            0xb9 => bin!(u32, u32, 4, u32::max),
            0xba => {
                let b = lanes::<i16, 8>(self.pop_v128());
                let a = lanes::<i16, 8>(self.pop_v128());
                let dot = |i: usize| {
                    let p = |j: usize| a[j] as i32 * b[j] as i32;
                    p(2 * i).wrapping_add(p(2 * i + 1))
                };
                self.push_v128(join::<i32, 4>(std::array::from_fn(dot)));
            }
            0xbc => extmul!(i16, i32, 8, 4, false),
            0xbd => extmul!(i16, i32, 8, 4, true),
            0xbe => extmul!(u16, u32, 8, 4, false),
            0xbf => extmul!(u16, u32, 8, 4, true),

            // i64x2.
            0xc0 => un!(i64, i64, 2, i64::wrapping_abs),
            0xc1 => un!(i64, i64, 2, i64::wrapping_neg),
            0xc3 => test!(all_true::<i64, 2>),
            0xc4 => test!(bitmask::<i64, 2>),
            0xc7 => extend!(i32, i64, 4, 2, false),
            0xc8 => extend!(i32, i64, 4, 2, true),
            0xc9 => extend!(u32, u64, 4, 2, false),
            0xca => extend!(u32, u64, 4, 2, true),
            0xcb => shift!(i64, 2, wrapping_shl),
            0xcc => shift!(i64, 2, wrapping_shr),
            0xcd => shift!(u64, 2, wrapping_shr),
            0xce => bin!(i64, i64, 2, i64::wrapping_add),
            0xd1 => bin!(i64, i64, 2, i64::wrapping_sub),
            0xd5 => bin!(i64, i64, 2, i64::wrapping_mul),
            0xdc => extmul!(i32, i64, 4, 2, false),
            0xdd => extmul!(i32, i64, 4, 2, true),
            0xde => extmul!(u32, u64, 4, 2, false),
            0xdf => extmul!(u32, u64, 4, 2, true),

            // f32x4; abs and neg act on bits and keep NaN payloads.
            0x67 => un!(f32, f32, 4, |x: f32| canon32(x.ceil())),
            0x68 => un!(f32, f32, 4, |x: f32| canon32(x.floor())),
            0x69 => un!(f32, f32, 4, |x: f32| canon32(x.trunc())),
            0x6a => un!(f32, f32, 4, |x: f32| canon32(x.round_ties_even())),
            0xe0 => un!(u32, u32, 4, |x| x & 0x7fff_ffff),
            0xe1 => un!(u32, u32, 4, |x| x ^ 0x8000_0000),
            0xe3 => un!(f32, f32, 4, |x: f32| canon32(x.sqrt())),
            0xe4 => bin!(f32, f32, 4, |x, y| canon32(x + y)),
            0xe5 => bin!(f32, f32, 4, |x, y| canon32(x - y)),
            0xe6 => bin!(f32, f32, 4, |x, y| canon32(x * y)),
            0xe7 => bin!(f32, f32, 4, |x, y| canon32(x / y)),
            0xe8 => bin!(f32, f32, 4, fmin32),
            0xe9 => bin!(f32, f32, 4, fmax32),
            0xea => bin!(f32, f32, 4, |x, y| if y < x { y } else { x }),
            0xeb => bin!(f32, f32, 4, |x, y| if x < y { y } else { x }),

            // f64x2.
            0x74 => un!(f64, f64, 2, |x: f64| canon64(x.ceil())),
            0x75 => un!(f64, f64, 2, |x: f64| canon64(x.floor())),
            0x7a => un!(f64, f64, 2, |x: f64| canon64(x.trunc())),
            0x94 => un!(f64, f64, 2, |x: f64| canon64(x.round_ties_even())),
            0xec => un!(u64, u64, 2, |x| x & 0x7fff_ffff_ffff_ffff),
            0xed => un!(u64, u64, 2, |x| x ^ 0x8000_0000_0000_0000),
            0xef => un!(f64, f64, 2, |x: f64| canon64(x.sqrt())),
            0xf0 => bin!(f64, f64, 2, |x, y| canon64(x + y)),
            0xf1 => bin!(f64, f64, 2, |x, y| canon64(x - y)),
            0xf2 => bin!(f64, f64, 2, |x, y| canon64(x * y)),
            0xf3 => bin!(f64, f64, 2, |x, y| canon64(x / y)),
            0xf4 => bin!(f64, f64, 2, fmin64),
            0xf5 => bin!(f64, f64, 2, fmax64),
            0xf6 => bin!(f64, f64, 2, |x, y| if y < x { y } else { x }),
            0xf7 => bin!(f64, f64, 2, |x, y| if x < y { y } else { x }),

            // Conversions. Rust's float-to-int `as` saturates and maps NaN
            // to 0, exactly as wasm's trunc_sat.
            0xf8 => un!(f32, i32, 4, |x: f32| x as i32),
            0xf9 => un!(f32, u32, 4, |x: f32| x as u32),
            0xfa => un!(i32, f32, 4, |x: i32| x as f32),
            0xfb => un!(u32, f32, 4, |x: u32| x as f32),
            0xfc => {
                let l = lanes::<f64, 2>(self.pop_v128());
                self.push_v128(join::<i32, 4>([l[0] as i32, l[1] as i32, 0, 0]));
            }
            0xfd => {
                let l = lanes::<f64, 2>(self.pop_v128());
                self.push_v128(join::<u32, 4>([l[0] as u32, l[1] as u32, 0, 0]));
            }
            0xfe => {
                let l = half::<i32, f64, 4, 2>(self.pop_v128(), false);
                self.push_v128(join::<f64, 2>(l));
            }
            0xff => {
                let l = half::<u32, f64, 4, 2>(self.pop_v128(), false);
                self.push_v128(join::<f64, 2>(l));
            }
            0x5e => {
                let l = lanes::<f64, 2>(self.pop_v128());
                let (x, y) = (canon32(l[0] as f32), canon32(l[1] as f32));
                self.push_v128(join::<f32, 4>([x, y, 0.0, 0.0]));
            }
            0x5f => {
                let l = half::<f32, f64, 4, 2>(self.pop_v128(), false);
                self.push_v128(join::<f64, 2>(l.map(canon64)));
            }
            _ => unreachable!("0xfd {sub:#x} passed validation but is not a SIMD instruction"),
        }
        Ok(())
    }
}

/// Reads a lane-index immediate (validated to be in range for its shape).
#[inline]
fn lane(code: &[u8], cur: &mut Cursor) -> usize {
    let l = code[cur.pc] as usize;
    cur.pc += 1;
    l
}
