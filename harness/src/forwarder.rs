//! Calls into a case from another instance.
//!
//! A case is one module, so without help every call a run makes enters the
//! case from the host, and every call inside it stays in one instance: the
//! paths an engine takes when wasm calls wasm of *another* instance (the
//! JIT's `runtime-call/other-instance`, a frame switch in the interpreters,
//! wasmi's and wasmtime's cross-instance calls) never run. The forwarder is
//! a second module derived from the case's exports: for each exported
//! function it imports that function from the module [`CASE_MODULE`] and
//! exports a function of the same name and type whose body passes its
//! parameters on and returns the results. Every engine instantiates it in
//! the case's store, linked to the case's instance, and calls the case's
//! functions through it when the case's limits ask for it
//! (`Limits::call_through_forwarder`); the case's state is still read from
//! the case's own instance. The extra frame and function entry are the same
//! in every engine (one more call-depth level, one more unit of fuel).

use crate::engine::{last_for_bytes, LastForBytes};
use std::sync::Arc;
use tierdiff_runtime::{Limits, Module};
use wasm_encoder::{
    CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection,
    Instruction, TypeSection,
};
use wasmparser::{CompositeInnerType, ExternalKind, HeapType, Payload, RefType, TypeRef, ValType};

/// The module name the forwarder imports the case's functions from.
pub const CASE_MODULE: &str = "case";

/// The forwarder of one case.
pub struct Forwarder {
    /// Its binary, for the reference engines.
    pub bytes: Vec<u8>,
    /// Its binary loaded by our runtime, for the tiers (an error is the
    /// loader's message: a loader bug, reported as the tier's crash).
    pub module: Result<Arc<Module>, String>,
    /// The exports it forwards, in the case's export order.
    pub exports: Vec<String>,
}

impl Forwarder {
    /// Whether a call to `export` goes through the forwarder.
    pub fn forwards(&self, export: &str) -> bool {
        self.exports.iter().any(|e| e == export)
    }
}

/// The instance an engine calls `export` on: the forwarder's instance when
/// one is `linked` and forwards it, else the `case`'s.
pub fn callee<I: Copy>(linked: &Option<(I, Arc<Forwarder>)>, case: I, export: &str) -> I {
    match linked {
        Some((forwarder, f)) if f.forwards(export) => *forwarder,
        _ => case,
    }
}

/// The forwarder an engine links for the case `bytes` under `limits`: none
/// unless the limits ask for one, or when the case exports no function the
/// forwarder can call (see [`build`]). Every engine of a case asks for the
/// same one, so the last one built on this thread is kept.
pub fn wanted(bytes: &[u8], limits: &Limits) -> Option<Arc<Forwarder>> {
    if !limits.call_through_forwarder {
        return None;
    }
    thread_local! {
        static LAST: LastForBytes<Option<Arc<Forwarder>>> = const { std::cell::RefCell::new(None) };
    }
    last_for_bytes(&LAST, bytes, |b| build(b).map(Arc::new))
}

/// The forwarder of `case`, or `None` when it exports no function whose
/// type the forwarder can declare on its own: a parameter or result that
/// names one of the case's own types (a typed reference) cannot be written
/// in another module's type section without copying the case's types, so
/// such functions are called directly. A case that does not parse has no
/// forwarder (engines reject it before asking).
pub fn build(case: &[u8]) -> Option<Forwarder> {
    let signatures = forwardable_exports(case)?;
    if signatures.is_empty() {
        return None;
    }
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    let mut functions = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    let count = signatures.len() as u32;
    for (index, (name, params, results)) in signatures.iter().enumerate() {
        let index = index as u32;
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
        imports.import(CASE_MODULE, name, EntityType::Function(index));
        functions.function(index);
        exports.export(name, ExportKind::Func, count + index);
        let mut body = Function::new([] as [(u32, wasm_encoder::ValType); 0]);
        for param in 0..params.len() as u32 {
            body.instruction(&Instruction::LocalGet(param));
        }
        body.instruction(&Instruction::Call(index));
        body.instruction(&Instruction::End);
        code.function(&body);
    }
    let mut module = wasm_encoder::Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&exports)
        .section(&code);
    let bytes = module.finish();
    let loaded = Module::new(&bytes).map_err(|e| e.to_string());
    Some(Forwarder {
        module: loaded,
        exports: signatures.into_iter().map(|(name, ..)| name).collect(),
        bytes,
    })
}

/// An exported function the forwarder can call: name, parameters, results.
type Signature = (
    String,
    Vec<wasm_encoder::ValType>,
    Vec<wasm_encoder::ValType>,
);

/// The case's function exports whose types the forwarder can declare, in
/// export order; `None` when the case does not parse.
fn forwardable_exports(case: &[u8]) -> Option<Vec<Signature>> {
    let mut types: Vec<Option<wasmparser::FuncType>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(case) {
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.ok()?.into_types() {
                        types.push(match sub.composite_type.inner {
                            CompositeInnerType::Func(f) => Some(f),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import.ok()?.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => funcs.push(t),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    funcs.push(ty.ok()?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    if export.kind != ExternalKind::Func {
                        continue;
                    }
                    let ty = funcs
                        .get(export.index as usize)
                        .and_then(|t| types.get(*t as usize))
                        .and_then(Option::as_ref);
                    if let Some((params, results)) = ty.and_then(own_types) {
                        out.push((export.name.to_string(), params, results));
                    }
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// `ty` in the forwarder's terms, unless it names one of the case's types.
fn own_types(
    ty: &wasmparser::FuncType,
) -> Option<(Vec<wasm_encoder::ValType>, Vec<wasm_encoder::ValType>)> {
    let convert = |types: &[ValType]| -> Option<Vec<wasm_encoder::ValType>> {
        types
            .iter()
            .map(|t| match t {
                ValType::Ref(r) if !is_abstract(r) => None,
                other => wasm_encoder::ValType::try_from(*other).ok(),
            })
            .collect()
    };
    Some((convert(ty.params())?, convert(ty.results())?))
}

fn is_abstract(r: &RefType) -> bool {
    matches!(r.heap_type(), HeapType::Abstract { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module")
    }

    #[test]
    fn forwards_every_function_export_with_its_type() {
        let case = wat(r#"(module
            (import "host" "f" (func $h (param i64)))
            (func (export "add") (param i32 i32) (result i32)
              local.get 0 local.get 1 i32.add)
            (func (export "pair") (result v128 externref)
              v128.const i64x2 1 2 ref.null extern)
            (memory (export "mem") 1)
            (export "host" (func $h)))"#);
        let f = build(&case).expect("a forwarder");
        assert_eq!(f.exports, ["add", "pair", "host"]);
        let module = f.module.as_ref().expect("our loader accepts it");
        assert_eq!(module.num_imported_funcs, 3);
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&f.bytes)
            .expect("valid");
        let text = wasmprinter::print_bytes(&f.bytes).expect("prints");
        assert!(text.contains(r#"(import "case" "add" (func"#), "{text}");
        assert!(text.contains("local.get 0"), "{text}");
        assert!(text.contains("local.get 1"), "{text}");
    }

    #[test]
    fn a_case_without_function_exports_has_no_forwarder() {
        let case = wat(r#"(module (memory (export "mem") 1) (func))"#);
        assert!(build(&case).is_none());
        assert!(build(b"not wasm").is_none());
    }

    #[test]
    fn only_limits_that_ask_get_one() {
        let case = wat(r#"(module (func (export "f")))"#);
        assert!(wanted(&case, &Limits::default()).is_none());
        let on = Limits {
            call_through_forwarder: true,
            ..Limits::default()
        };
        assert_eq!(wanted(&case, &on).expect("asked").exports, ["f"]);
    }
}
