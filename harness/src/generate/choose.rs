//! Choices for the WAT-writing generators. Every choice has a fallback (its
//! first option, its lower bound) for when the input runs out, so any input,
//! however short, still gives a valid module.

use arbitrary::Unstructured;

/// One of `options`; the first when the input is used up.
pub(super) fn pick<'a, T>(u: &mut Unstructured, options: &'a [T]) -> &'a T {
    let i = u.choose_index(options.len()).unwrap_or(0);
    &options[i]
}

/// A number in `lo..=hi`; `lo` when the input is used up.
pub(super) fn range(u: &mut Unstructured, lo: u32, hi: u32) -> u32 {
    u.int_in_range(lo..=hi).unwrap_or(lo)
}

/// True with probability `num / den`; false when the input is used up.
pub(super) fn chance(u: &mut Unstructured, num: u8, den: u8) -> bool {
    u.ratio(num, den).unwrap_or(false)
}

/// Any 64 bits; zero when the input is used up.
pub(super) fn bits64(u: &mut Unstructured) -> u64 {
    u.arbitrary().unwrap_or(0)
}

/// The binary of generated WAT. A generator that writes invalid WAT has a
/// bug: the panic shows the text.
pub(super) fn finish(wat: String) -> Vec<u8> {
    wat::parse_str(&wat)
        .unwrap_or_else(|e| panic!("targeted generator wrote invalid WAT: {e}\n{wat}"))
}
