//! Human-readable float formatting that keeps NaN payloads visible.

/// Formats f32 bits as a decimal, `inf`, or `nan:0x<payload>` with sign.
pub fn format_f32(bits: u32) -> String {
    let v = f32::from_bits(bits);
    if v.is_nan() {
        let sign = if bits >> 31 == 1 { "-" } else { "" };
        format!("{sign}nan:0x{:x}", bits & 0x007f_ffff)
    } else {
        format!("{v:?}")
    }
}

/// Formats f64 bits as a decimal, `inf`, or `nan:0x<payload>` with sign.
pub fn format_f64(bits: u64) -> String {
    let v = f64::from_bits(bits);
    if v.is_nan() {
        let sign = if bits >> 63 == 1 { "-" } else { "" };
        format!("{sign}nan:0x{:x}", bits & 0x000f_ffff_ffff_ffff)
    } else {
        format!("{v:?}")
    }
}
