//! Known bugs of the reference engine, confirmed per finding rather than
//! guessed from a pattern.
//!
//! wasmi 2.0.0 miscompiles `select` when its condition is `i32.eqz`,
//! `i32.eq x 0` or `i32.ne x 0` applied directly to a local (see
//! corpus/README.md). A reference disagreement is put down to that bug only
//! if it disappears once every such condition is passed through
//! `i32.const 0; i32.or` (which changes no value but defeats wasmi's fusion).
//!
//! wasmi 2.0.0 also loses a `local.get` value lying below the parameters of
//! a `block`, `if` or `loop` when a parameter is not itself a `local.get`:
//! on entry it leaves that value as a lazy read of the local, and the copy
//! that saves it later (a nested `loop`/`block`/`if`, a `local.set`) runs on
//! one path only, so the other path reads a stack slot nobody wrote (see
//! corpus/README.md). Such a disagreement is put down to that bug only if it
//! disappears once an empty `block end` stands before every `block`, `if` and
//! `loop` that takes parameters (a no-op in the spec, but it makes wasmi save
//! every pending `local.get` before the block starts).

use crate::compare;
use crate::engine::Engine;
use tierdiff_runtime::Limits;

/// Appended to a confirmed finding's signature.
pub const WASMI_SELECT_EQZ: &str = "known-wasmi-select-eqz";

/// Appended to the signature of a finding confirmed as the if-parameter bug.
pub const WASMI_IF_PARAM_LOCAL: &str = "known-wasmi-if-param-local";

/// The module with every `select` condition that wasmi may fuse rewritten;
/// `None` when there is none.
fn defuse_select_conditions(wasm: &[u8]) -> Option<Vec<u8>> {
    let text = wasmprinter::print_bytes(wasm).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let cond = matches!(line.trim(), "i32.eqz" | "i32.eq" | "i32.ne");
        if cond
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("select"))
        {
            out.push_str("i32.const 0\ni32.or\n");
            changed = true;
        }
    }
    changed.then(|| wat::parse_str(&out).ok()).flatten()
}

/// Whether a rewritten module exists and shows no reference disagreement.
fn disagreement_vanishes(
    patched: Option<Vec<u8>>,
    engines: &[Box<dyn Engine>],
    limits: Limits,
) -> bool {
    let Some(patched) = patched else {
        return false;
    };
    !compare::run_case(&patched, engines, limits).has_reference_disagreement()
}

/// Whether the reference disagreements of `wasm` are the known wasmi bug.
pub fn is_wasmi_select_bug(wasm: &[u8], engines: &[Box<dyn Engine>], limits: Limits) -> bool {
    disagreement_vanishes(defuse_select_conditions(wasm), engines, limits)
}

/// The module with an empty `block end` put before every `block`, `if` and
/// `loop` that takes parameters; `None` when there is none.
fn defuse_param_blocks(wasm: &[u8]) -> Option<Vec<u8>> {
    let text = wasmprinter::print_bytes(wasm).ok()?;
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for line in text.lines() {
        let code = line.split(";;").next().unwrap_or_default().trim();
        let opens_block = matches!(
            code.split_whitespace().next(),
            Some("block" | "if" | "loop")
        );
        if opens_block && code.contains("(param ") {
            out.push_str("block\nend\n");
            changed = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    changed.then(|| wat::parse_str(&out).ok()).flatten()
}

/// Whether the reference disagreements of `wasm` are the known wasmi bug
/// with values below the parameters of a block.
pub fn is_wasmi_if_param_bug(wasm: &[u8], engines: &[Box<dyn Engine>], limits: Limits) -> bool {
    disagreement_vanishes(defuse_param_blocks(wasm), engines, limits)
}

/// The known wasmi bug behind the reference disagreements of `wasm`: the tag
/// to append to their signatures and a note for their messages. `None` when
/// no rewrite makes them go away.
pub fn known_wasmi_bug(
    wasm: &[u8],
    engines: &[Box<dyn Engine>],
    limits: Limits,
) -> Option<(&'static str, &'static str)> {
    if is_wasmi_select_bug(wasm, engines, limits) {
        return Some((
            WASMI_SELECT_EQZ,
            "the known wasmi 2.0.0 select bug: gone once select conditions are rewritten",
        ));
    }
    if is_wasmi_if_param_bug(wasm, engines, limits) {
        return Some((
            WASMI_IF_PARAM_LOCAL,
            "the known wasmi 2.0.0 if-parameter bug: gone once an empty block precedes every block with parameters",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUGGY: &str = r#"(module (func (export "g") (param i32) (result i32)
        i32.const 7 i32.const 1 local.get 0 local.get 0 i32.eqz select i32.div_u))"#;

    #[test]
    fn the_known_bug_is_confirmed_and_other_modules_are_not() {
        let engines = crate::corpus::all_engines();
        let limits = Limits::default();
        let buggy = wat::parse_str(BUGGY).unwrap();
        assert!(
            compare::run_case(&buggy, &engines, limits).has_reference_disagreement(),
            "wasmi 2.0.0 still has the bug"
        );
        assert!(is_wasmi_select_bug(&buggy, &engines, limits));
        let plain =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        assert!(!is_wasmi_select_bug(&plain, &engines, limits));
    }

    /// `f(5, 1)` runs the loop, which saves `x` into a stack slot; `f(9, 0)`
    /// does not, and wasmi reads the slot the first call left (5, spec 9).
    const IF_PARAM: &str = r#"(module
        (func $f (param $x i32) (param $c i32) (result i32)
            local.get $x i32.const 7 local.get $c
            if (param i32) drop loop end else drop end)
        (func (export "g") (result i32)
            (drop (call $f (i32.const 5) (i32.const 1)))
            (call $f (i32.const 9) (i32.const 0))))"#;

    #[test]
    fn the_if_param_bug_is_confirmed_and_told_apart_from_the_select_bug() {
        let engines = crate::corpus::all_engines();
        let limits = Limits::default();
        let buggy = wat::parse_str(IF_PARAM).unwrap();
        assert!(
            compare::run_case(&buggy, &engines, limits).has_reference_disagreement(),
            "wasmi 2.0.0 still has the bug"
        );
        assert!(is_wasmi_if_param_bug(&buggy, &engines, limits));
        assert!(!is_wasmi_select_bug(&buggy, &engines, limits));
        let tag = |wasm: &[u8]| known_wasmi_bug(wasm, &engines, limits).map(|(tag, _)| tag);
        assert_eq!(tag(&buggy[..]), Some(WASMI_IF_PARAM_LOCAL));
        let select = wat::parse_str(BUGGY).unwrap();
        assert!(!is_wasmi_if_param_bug(&select, &engines, limits));
        assert_eq!(tag(&select[..]), Some(WASMI_SELECT_EQZ));
        let plain =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        assert_eq!(tag(&plain[..]), None);
    }
}
