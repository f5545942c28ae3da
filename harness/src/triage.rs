//! Known bugs of the reference engine, confirmed per finding rather than
//! guessed from a pattern.
//!
//! wasmi 2.0.0 miscompiles `select` when its condition is `i32.eqz`,
//! `i32.eq x 0` or `i32.ne x 0` applied directly to a local (see
//! corpus/README.md). A reference disagreement is put down to that bug only
//! if it disappears once every such condition is passed through
//! `i32.const 0; i32.or` (which changes no value but defeats wasmi's fusion).

use crate::compare::{self, FindingKind};
use crate::engine::Engine;
use tierdiff_runtime::Limits;

/// Appended to a confirmed finding's signature.
pub const WASMI_SELECT_EQZ: &str = "known-wasmi-select-eqz";

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

/// Whether the reference disagreements of `wasm` are the known wasmi bug.
pub fn is_wasmi_select_bug(wasm: &[u8], engines: &[Box<dyn Engine>], limits: Limits) -> bool {
    let Some(patched) = defuse_select_conditions(wasm) else {
        return false;
    };
    let outcome = compare::run_case(&patched, engines, limits);
    !outcome
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::ReferenceDisagreement)
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
        let outcome = compare::run_case(&buggy, &engines, limits);
        assert!(
            outcome
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::ReferenceDisagreement),
            "wasmi 2.0.0 still has the bug"
        );
        assert!(is_wasmi_select_bug(&buggy, &engines, limits));
        let plain =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        assert!(!is_wasmi_select_bug(&plain, &engines, limits));
    }
}
