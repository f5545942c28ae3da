//! WAMR (the WebAssembly Micro Runtime) as engines under test: its classic
//! interpreter (`wamr-classic`), fast interpreter (`wamr-fast`) and fast
//! JIT (`wamr-fast-jit`).
//!
//! WAMR is C, built by its own CMake scripts, and one build runs one mode
//! (its fast interpreter cannot share a build with the others). So each
//! mode is a shared library, built at first use from WAMR's sources
//! (`source`: `WAMR_SRC`, or the ones a registry crate packages) together
//! with a small shim of ours (`harness/wamr/`: a C ABI that stays fixed
//! while WAMR's embedding API moves), cached on disk (`build`) and loaded
//! with `dlopen` (`ffi`). The adapter runs each mode in a child process of
//! its own; in one process the modes' libraries simply sit side by side.
//!
//! An instance (`instance`) is judged like the other engines under test
//! (`Engine::exact` is false): with its own NaN bits, its own stack and no
//! fuel. Each call has a time budget instead (`budget`), past which it is
//! terminated and ends as `out-of-fuel`, an exhaustion. Traps come back as
//! WAMR's exception strings, read through one table (`traps`). A module
//! that uses a proposal the mode lacks, or runs into a limitation WAMR
//! documents, is left out of the case (`EngineLimit`, see `prepare`).

mod budget;
mod build;
mod ffi;
mod instance;
mod prepare;
mod source;
mod traps;

use crate::engine::{Engine, EngineInstance};
use crate::outcome::InstantiateResult;
use std::path::PathBuf;
use std::sync::OnceLock;
use tierdiff_runtime::wasi::WasiConfig;
use tierdiff_runtime::Limits;
use wasmparser::WasmFeatures;

/// The engine names of WAMR's modes.
pub const MODES: [&str; 3] = ["wamr-classic", "wamr-fast", "wamr-fast-jit"];

/// WAMR's execution modes, one library each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The classic interpreter: runs the bytecode as it is.
    Classic,
    /// The fast interpreter: translates to its own register code first.
    Fast,
    /// The fast JIT: compiles each function with asmjit at its first call.
    FastJit,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Classic, Mode::Fast, Mode::FastJit];

    /// The engine name (one of [`MODES`]).
    pub fn name(self) -> &'static str {
        MODES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The mode as our CMakeLists.txt names it (`TDW_MODE`).
    fn cmake(self) -> &'static str {
        match self {
            Mode::Classic => "classic",
            Mode::Fast => "fast",
            Mode::FastJit => "fast-jit",
        }
    }

    /// What the mode runs when built from WAMR 2.4.3 (the packaged
    /// sources), [`supported_proposals`] as wasmparser features. The fast
    /// interpreter's SIMD needs SIMDe's headers at build time; a built
    /// engine knows for sure ([`WamrEngine::features`]).
    pub fn features(self) -> WasmFeatures {
        let common = base_features()
            | WasmFeatures::BULK_MEMORY
            | WasmFeatures::REFERENCE_TYPES
            | WasmFeatures::TAIL_CALL
            | WasmFeatures::EXTENDED_CONST;
        match self {
            Mode::Classic => common | WasmFeatures::MEMORY64 | WasmFeatures::MULTI_MEMORY,
            Mode::Fast => common | WasmFeatures::SIMD,
            Mode::FastJit => common,
        }
    }
}

/// What every WAMR 2.x mode runs: WebAssembly 1.0 and the small 2.0
/// proposals that have no build switch.
fn base_features() -> WasmFeatures {
    WasmFeatures::WASM1
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::MULTI_VALUE
}

/// Proposal names, each with its wasmparser features, in a stable order.
const PROPOSALS: [(&str, WasmFeatures); 11] = [
    ("mutable-global", WasmFeatures::MUTABLE_GLOBAL),
    ("sign-extension", WasmFeatures::SIGN_EXTENSION),
    (
        "saturating-float-to-int",
        WasmFeatures::SATURATING_FLOAT_TO_INT,
    ),
    ("multi-value", WasmFeatures::MULTI_VALUE),
    ("bulk-memory", WasmFeatures::BULK_MEMORY),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("simd", WasmFeatures::SIMD),
    ("memory64", WasmFeatures::MEMORY64),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
];

/// The proposals (beyond WebAssembly 1.0) in `features`, by name.
pub fn proposal_names(features: WasmFeatures) -> Vec<&'static str> {
    PROPOSALS
        .iter()
        .filter(|(_, f)| features.contains(*f))
        .map(|(name, _)| *name)
        .collect()
}

/// The proposals WAMR mode `mode` runs when built from WAMR 2.4.3, so a
/// generator can keep its cases inside them (empty for a name that is not
/// a WAMR mode). The fast interpreter's `simd` assumes SIMDe's headers
/// were there at build time.
pub fn supported_proposals(mode: &str) -> &'static [&'static str] {
    static NAMES: OnceLock<[Vec<&'static str>; 3]> = OnceLock::new();
    let Some(mode) = Mode::parse(mode) else {
        return &[];
    };
    &NAMES.get_or_init(|| Mode::ALL.map(|m| proposal_names(m.features())))[mode as usize]
}

/// The root of the WAMR tree that `wamrx-sys` 0.3.0 packages (fetched if
/// cargo has not yet): a starting point for a tree of one's own to give
/// through `WAMR_SRC`.
pub fn packaged_sources() -> Result<PathBuf, String> {
    source::packaged().map(|s| s.root)
}

/// The WAMR engine called `name`: `None` when it is not a WAMR mode, an
/// error when its sources, build or library cannot be had (one line).
pub fn engine(name: &str) -> Option<Result<WamrEngine, String>> {
    let mode = Mode::parse(name)?;
    Some(library(mode).map(|library| WamrEngine { mode, library }))
}

/// The mode's library, built and loaded once per process (a failure too).
fn library(mode: Mode) -> Result<&'static ffi::Library, String> {
    static LIBRARIES: [OnceLock<Result<ffi::Library, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    LIBRARIES[mode as usize]
        .get_or_init(|| {
            let source = source::locate()?;
            let path = build::library(mode, &source)?;
            ffi::Library::open(&path, mode)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// One WAMR mode as an engine.
pub struct WamrEngine {
    mode: Mode,
    library: &'static ffi::Library,
}

impl WamrEngine {
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// WAMR's version, as its sources say (`unknown` if they do not).
    pub fn version(&self) -> &str {
        &self.library.version
    }

    /// What this build runs: the mode's proposals as its WAMR version and
    /// build switches allow (see [`Mode::features`]).
    pub fn features(&self) -> WasmFeatures {
        self.library.features()
    }

    /// [`WamrEngine::features`] by name.
    pub fn proposals(&self) -> Vec<&'static str> {
        proposal_names(self.features())
    }
}

impl Engine for WamrEngine {
    fn name(&self) -> &str {
        self.mode.name()
    }

    fn is_reference(&self) -> bool {
        false
    }

    fn exact(&self) -> bool {
        false
    }

    fn features(&self) -> Option<WasmFeatures> {
        Some(WamrEngine::features(self))
    }

    fn instantiate_wasi(
        &self,
        bytes: &[u8],
        limits: Limits,
        wasi: Option<&WasiConfig>,
    ) -> Result<Box<dyn EngineInstance>, InstantiateResult> {
        let prepared = prepare::prepare(self, bytes, &limits, wasi.is_some())?;
        let instance = instance::WamrInstance::new(self.library, prepared)?;
        Ok(Box::new(instance))
    }
}
