//! The shim's C ABI (`harness/wamr/shim.h`), loaded with `dlopen`.

use super::Mode;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::Path;
use wasmparser::WasmFeatures;

/// The ABI version this side speaks (`TDW_ABI` in shim.h).
pub const ABI: u32 = 1;

/// `TDW_F_*` of shim.h: the proposal bits, then the state readers.
const FEATURE_BITS: [(u32, WasmFeatures); 7] = [
    (1 << 0, WasmFeatures::BULK_MEMORY),
    (1 << 1, WasmFeatures::REFERENCE_TYPES),
    (1 << 2, WasmFeatures::TAIL_CALL),
    (1 << 3, WasmFeatures::EXTENDED_CONST),
    (1 << 4, WasmFeatures::SIMD),
    (1 << 5, WasmFeatures::MEMORY64),
    (1 << 6, WasmFeatures::MULTI_MEMORY),
];
pub const READ_GLOBALS: u32 = 1 << 16;
pub const READ_TABLES: u32 = 1 << 17;

/// Room for WAMR's messages (its own buffers are 128 bytes).
pub const MESSAGE_LEN: usize = 512;

/// An opaque `tdw_instance *`.
pub type RawInstance = *mut c_void;

/// The loaded library: its functions, and what it said about itself.
pub struct Library {
    pub version: String,
    pub feature_bits: u32,
    pub load: unsafe extern "C" fn(*mut u8, u32, *mut c_char, u32) -> *mut c_void,
    pub unload: unsafe extern "C" fn(*mut c_void),
    pub instantiate: unsafe extern "C" fn(*mut c_void, u32, u32, *mut c_char, u32) -> RawInstance,
    pub deinstantiate: unsafe extern "C" fn(RawInstance),
    pub lookup: unsafe extern "C" fn(RawInstance, *const c_char) -> *mut c_void,
    pub call:
        unsafe extern "C" fn(RawInstance, *mut c_void, *mut u32, u32, *mut c_char, u32) -> c_int,
    pub terminate: unsafe extern "C" fn(RawInstance),
    pub global: unsafe extern "C" fn(RawInstance, *const c_char, *mut u8, u32) -> c_int,
    pub memory: unsafe extern "C" fn(RawInstance, *const c_char, *mut *mut u8, *mut u64) -> c_int,
    pub table: unsafe extern "C" fn(RawInstance, *const c_char, *mut u32, u32) -> i64,
    pub externref_obj: unsafe extern "C" fn(u32, *mut u64) -> c_int,
}

impl Library {
    /// Loads the library at `path`, checks that it is `mode`'s and speaks
    /// our ABI, and starts WAMR in it.
    pub fn open(path: &Path, mode: Mode) -> Result<Library, String> {
        let handle = dlopen(path)?;
        // SAFETY: the symbols are the shim's, with the types of shim.h;
        // the handle is never closed, so they live as long as the process.
        unsafe {
            let abi: unsafe extern "C" fn() -> u32 = symbol(handle, c"tdw_abi")?;
            if abi() != ABI {
                return Err(format!(
                    "{} speaks shim ABI {}, tierdiff {ABI}",
                    path.display(),
                    abi()
                ));
            }
            let mode_of: unsafe extern "C" fn() -> *const c_char = symbol(handle, c"tdw_mode")?;
            let built = CStr::from_ptr(mode_of()).to_string_lossy().into_owned();
            if built != mode.name() {
                return Err(format!(
                    "{} is {built}, not {}",
                    path.display(),
                    mode.name()
                ));
            }
            let version: unsafe extern "C" fn() -> *const c_char = symbol(handle, c"tdw_version")?;
            let features: unsafe extern "C" fn() -> u32 = symbol(handle, c"tdw_features")?;
            let init: unsafe extern "C" fn(*mut c_char, u32) -> c_int =
                symbol(handle, c"tdw_init")?;
            let mut message = [0 as c_char; MESSAGE_LEN];
            if init(message.as_mut_ptr(), MESSAGE_LEN as u32) != 0 {
                return Err(format!("{}: {}", mode.name(), text(&message)));
            }
            Ok(Library {
                version: CStr::from_ptr(version()).to_string_lossy().into_owned(),
                feature_bits: features(),
                load: symbol(handle, c"tdw_load")?,
                unload: symbol(handle, c"tdw_unload")?,
                instantiate: symbol(handle, c"tdw_instantiate")?,
                deinstantiate: symbol(handle, c"tdw_deinstantiate")?,
                lookup: symbol(handle, c"tdw_lookup")?,
                call: symbol(handle, c"tdw_call")?,
                terminate: symbol(handle, c"tdw_terminate")?,
                global: symbol(handle, c"tdw_global")?,
                memory: symbol(handle, c"tdw_memory")?,
                table: symbol(handle, c"tdw_table")?,
                externref_obj: symbol(handle, c"tdw_externref_obj")?,
            })
        }
    }

    /// The proposals this build runs beyond [`super::base_features`].
    pub fn features(&self) -> WasmFeatures {
        FEATURE_BITS
            .iter()
            .filter(|(bit, _)| self.feature_bits & bit != 0)
            .fold(super::base_features(), |f, (_, feature)| f | *feature)
    }
}

/// A message the shim wrote into `buffer`.
pub fn text(buffer: &[c_char]) -> String {
    let bytes: Vec<u8> = buffer
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `name` for the C side (export names never hold NUL in a valid module;
/// one that did would simply not be found).
pub fn c_name(name: &str) -> CString {
    CString::new(name).unwrap_or_default()
}

fn dlopen(path: &Path) -> Result<*mut c_void, String> {
    let c_path = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{}: a path with a NUL byte", path.display()))?;
    // SAFETY: a NUL-terminated path; RTLD_LOCAL keeps the library's symbols
    // to itself (it exports only tdw_* anyway).
    let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return Err(format!("cannot load {}: {}", path.display(), dlerror()));
    }
    Ok(handle)
}

/// # Safety
/// `T` must be the function pointer type the symbol has.
unsafe fn symbol<T: Copy>(handle: *mut c_void, name: &CStr) -> Result<T, String> {
    let address = libc::dlsym(handle, name.as_ptr());
    if address.is_null() {
        return Err(format!(
            "the WAMR library has no {}: {}",
            name.to_string_lossy(),
            dlerror()
        ));
    }
    debug_assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
    Ok(std::mem::transmute_copy(&address))
}

fn dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "unknown dlopen error".into();
    }
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}
