//! Reading user input: module files and argument values in text form.
//!
//! Every failure is a one-line [`InputError`] naming the file or argument,
//! which the CLI prints before exiting with code 2.

use crate::outcome::Value;
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use tierdiff_runtime::Module;

/// Bad input: the message names what was wrong and where.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Reads a `.wasm` or `.wat` file (told apart by content, not extension)
/// and loads it.
pub fn load_module(path: &Path) -> Result<Arc<Module>, InputError> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| InputError(format!("{shown}: cannot read: {e}")))?;
    let binary = if bytes.starts_with(b"\0asm") {
        bytes
    } else if looks_like_text(&bytes) {
        let text = String::from_utf8(bytes)
            .map_err(|_| InputError(format!("{shown}: not wasm and not UTF-8 text")))?;
        wat::parse_str(&text).map_err(|e| {
            InputError(format!(
                "{shown}: invalid text format: {}",
                one_line(&e.to_string())
            ))
        })?
    } else {
        return Err(InputError(format!(
            "{shown}: not a WebAssembly module (no \\0asm header)"
        )));
    };
    Module::new(&binary).map_err(|e| InputError(format!("{shown}: {e}")))
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .collect::<Vec<_>>();
    matches!(trimmed.first(), Some(b'(') | Some(b';'))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A byte size: a number, optionally followed by KiB, MiB, GiB or TiB
/// (`--memory-budget 2GiB`).
pub fn parse_size(text: &str) -> Result<u64, InputError> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        "TiB" | "T" => 1 << 40,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| scale != 0)
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| {
            InputError(format!(
                "{text:?}: expected a size in bytes, optionally with KiB, MiB, GiB or TiB"
            ))
        })
}

/// Parses an argument written as `TYPE:VALUE`: `i32:7`, `i64:-1`,
/// `f32:1.5`, `f64:-0x1p-1`, `f32:nan`, `f64:nan:0x4`, `f32:inf`,
/// `v128:0x` and up to 32 hex digits (the 128-bit number, lane 0 in the
/// lowest bits), `v128:SHAPE:L0,L1,..` with one lane per lane of `i8x16`,
/// `i16x8`, `i32x4`, `i64x2`, `f32x4` or `f64x2` (e.g.
/// `v128:f32x4:nan,-0,inf,1.5`), `funcref:null`, `externref:null` or
/// `externref:N` (a host object with payload N; the same N is the same
/// object). Numbers use the spec text syntax.
pub fn parse_arg(text: &str) -> Result<Value, InputError> {
    let bad = |why: &str| {
        InputError(format!("argument {text:?}: {why} (expected TYPE:VALUE, e.g. i32:7, f64:-0x1p-1, v128:i32x4:1,2,3,-1, externref:null)"))
    };
    let (ty, value) = text.split_once(':').ok_or_else(|| bad("missing ':'"))?;
    match ty {
        "v128" => parse_v128(value).map(Value::V128).map_err(|why| bad(&why)),
        "i32" | "i64" | "f32" | "f64" => {
            let src = format!("{ty}.const {value}");
            let buf = wast::parser::ParseBuffer::new(&src).map_err(|_| bad("not a number"))?;
            match wast::parser::parse::<wast::core::WastArgCore>(&buf)
                .map_err(|_| bad("not a number"))?
            {
                wast::core::WastArgCore::I32(v) => Ok(Value::I32(v)),
                wast::core::WastArgCore::I64(v) => Ok(Value::I64(v)),
                wast::core::WastArgCore::F32(f) => Ok(Value::F32(f.bits)),
                wast::core::WastArgCore::F64(f) => Ok(Value::F64(f.bits)),
                _ => Err(bad("not a number")),
            }
        }
        "funcref" if value == "null" => Ok(Value::FuncRef(None)),
        "funcref" => Err(bad("only funcref:null can be written")),
        "externref" if value == "null" => Ok(Value::ExternRef(None)),
        "externref" => {
            let payload = value
                .parse::<u64>()
                .ok()
                .filter(|&p| p != crate::outcome::INVALID_EXTERNREF)
                .ok_or_else(|| bad("externref takes null or a number"))?;
            Ok(Value::ExternRef(Some(payload)))
        }
        _ => Err(bad("unknown type")),
    }
}

/// The value part of a `v128:` argument.
fn parse_v128(value: &str) -> Result<u128, String> {
    if let Some(hex) = value.strip_prefix("0x") {
        if hex.is_empty() || hex.len() > 32 {
            return Err("v128:0x takes 1 to 32 hex digits".into());
        }
        return u128::from_str_radix(hex, 16).map_err(|_| "not a hex number".into());
    }
    let (shape, lanes) = value
        .split_once(':')
        .ok_or("v128 takes 0x<hex> or SHAPE:LANES (e.g. i32x4:1,2,3,-1)")?;
    let count = match shape {
        "i8x16" => 16,
        "i16x8" => 8,
        "i32x4" | "f32x4" => 4,
        "i64x2" | "f64x2" => 2,
        _ => {
            return Err(format!(
                "unknown lane shape {shape:?} (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2)"
            ))
        }
    };
    let lanes: Vec<&str> = lanes.split(',').collect();
    if lanes.len() != count {
        return Err(format!(
            "{shape} takes {count} lanes, given {}",
            lanes.len()
        ));
    }
    let src = format!("v128.const {shape} {}", lanes.join(" "));
    let buf = wast::parser::ParseBuffer::new(&src).map_err(|_| "bad lane value".to_string())?;
    match wast::parser::parse::<wast::core::WastArgCore>(&buf)
        .map_err(|_| "bad lane value".to_string())?
    {
        wast::core::WastArgCore::V128(v) => Ok(u128::from_le_bytes(v.to_le_bytes())),
        _ => Err("bad lane value".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_type() {
        let p = |t| parse_arg(t).unwrap().to_string();
        assert_eq!(p("i32:7"), "i32:7");
        assert_eq!(p("i32:0xffffffff"), "i32:-1");
        assert_eq!(p("i64:-9"), "i64:-9");
        assert!(
            matches!(parse_arg("f64:-0x1p-1").unwrap(), Value::F64(b) if b == (-0.5f64).to_bits())
        );
        assert!(matches!(parse_arg("f32:1.5").unwrap(), Value::F32(b) if b == 1.5f32.to_bits()));
        assert!(matches!(
            parse_arg("f32:nan:0x200000").unwrap(),
            Value::F32(0x7fa0_0000)
        ));
        assert!(
            matches!(parse_arg("f64:-inf").unwrap(), Value::F64(b) if b == f64::NEG_INFINITY.to_bits())
        );
        assert_eq!(p("externref:null"), "externref:null");
        assert_eq!(p("externref:4"), "externref:4");
        assert_eq!(p("funcref:null"), "funcref:null");
        assert!(matches!(parse_arg("v128:0x1").unwrap(), Value::V128(1)));
        assert_eq!(
            p("v128:i32x4:1,2,3,-1"),
            "v128:0xffffffff000000030000000200000001"
        );
        assert!(matches!(
            parse_arg("v128:f32x4:nan,-0,inf,1.5").unwrap(),
            Value::V128(v) if v == 0x3fc0_0000_7f80_0000_8000_0000_7fc0_0000
        ));
        assert!(matches!(
            parse_arg("v128:i8x16:-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,255").unwrap(),
            Value::V128(v) if v == 0xff00_0000_0000_0000_0000_0000_0000_00ff
        ));
        let round = parse_arg("v128:i64x2:-2,7").unwrap().to_string();
        assert_eq!(p(&round), round, "Display reads back");
    }

    #[test]
    fn rejects_bad_arguments_with_a_reason() {
        for bad in [
            "7",
            "i32:seven",
            "u8:1",
            "externref:x",
            "funcref:3",
            "v128:1",
            "v128:0x",
            "v128:i32x4:1,2,3",
            "v128:i32x3:1,2,3",
            "v128:f32x4:a,b,c,d",
            "v128:0x123456789012345678901234567890123",
        ] {
            let err = parse_arg(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
