//! Reading user input: module files and argument values in text form.
//!
//! Every failure is a one-line [`InputError`] naming the file or argument,
//! which the CLI prints before exiting with code 2.

use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use tierdiff_runtime::{ExternId, Module, Val};

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

/// Parses an argument written as `TYPE:VALUE`: `i32:7`, `i64:-1`,
/// `f32:1.5`, `f64:-0x1p-1`, `f32:nan`, `f64:nan:0x4`, `f32:inf`,
/// `funcref:null`, `externref:null` or `externref:N` (a host object with
/// payload N, issued through `extern_ref`). Floats use the spec text syntax.
pub fn parse_arg(
    text: &str,
    extern_ref: &mut dyn FnMut(u64) -> ExternId,
) -> Result<Val, InputError> {
    let bad = |why: &str| {
        InputError(format!("argument {text:?}: {why} (expected TYPE:VALUE, e.g. i32:7, f64:-0x1p-1, externref:null)"))
    };
    let (ty, value) = text.split_once(':').ok_or_else(|| bad("missing ':'"))?;
    match ty {
        "i32" | "i64" | "f32" | "f64" => {
            let src = format!("{ty}.const {value}");
            let buf = wast::parser::ParseBuffer::new(&src).map_err(|_| bad("not a number"))?;
            match wast::parser::parse::<wast::core::WastArgCore>(&buf)
                .map_err(|_| bad("not a number"))?
            {
                wast::core::WastArgCore::I32(v) => Ok(Val::I32(v)),
                wast::core::WastArgCore::I64(v) => Ok(Val::I64(v)),
                wast::core::WastArgCore::F32(f) => Ok(Val::F32(f.bits)),
                wast::core::WastArgCore::F64(f) => Ok(Val::F64(f.bits)),
                _ => Err(bad("not a number")),
            }
        }
        "funcref" if value == "null" => Ok(Val::FuncRef(None)),
        "funcref" => Err(bad("only funcref:null can be written")),
        "externref" if value == "null" => Ok(Val::ExternRef(None)),
        "externref" => {
            let payload = value
                .parse::<u64>()
                .map_err(|_| bad("externref takes null or a number"))?;
            Ok(Val::ExternRef(Some(extern_ref(payload))))
        }
        _ => Err(bad("unknown type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Val, InputError> {
        parse_arg(text, &mut |p| ExternId(p as u32 + 1))
    }

    #[test]
    fn parses_every_type() {
        assert_eq!(parse("i32:7").unwrap(), Val::I32(7));
        assert_eq!(parse("i32:0xffffffff").unwrap(), Val::I32(-1));
        assert_eq!(parse("i64:-9").unwrap(), Val::I64(-9));
        assert_eq!(parse("f64:-0x1p-1").unwrap(), Val::F64((-0.5f64).to_bits()));
        assert_eq!(parse("f32:1.5").unwrap(), Val::F32(1.5f32.to_bits()));
        assert_eq!(parse("f32:nan:0x200000").unwrap(), Val::F32(0x7fa0_0000));
        assert_eq!(
            parse("f64:-inf").unwrap(),
            Val::F64(f64::NEG_INFINITY.to_bits())
        );
        assert_eq!(parse("externref:null").unwrap(), Val::ExternRef(None));
        assert_eq!(
            parse("externref:4").unwrap(),
            Val::ExternRef(Some(ExternId(5)))
        );
        assert_eq!(parse("funcref:null").unwrap(), Val::FuncRef(None));
    }

    #[test]
    fn rejects_bad_arguments_with_a_reason() {
        for bad in ["7", "i32:seven", "u8:1", "externref:x", "funcref:3"] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
