//! Building a mode's library at first use, into a cache shared by every
//! tierdiff process of the user.
//!
//! The cache key is the mode, the source tree (its path and a cheap
//! fingerprint: every file's size and modification time under `core/` and
//! `build-scripts/`), our shim and CMake files (embedded in the binary, so
//! the binary works from anywhere) and whether SIMDe is there: a changed
//! tree is rebuilt without rebuilding tierdiff. One process builds a key at
//! a time (a lock file); it builds in a scratch folder and renames the
//! result into place, so a build that dies leaves nothing half-made.

use super::source::Source;
use super::Mode;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CMAKE_LISTS: &str = include_str!("../../wamr/CMakeLists.txt");
const SHIM_C: &str = include_str!("../../wamr/shim.c");
const SHIM_H: &str = include_str!("../../wamr/shim.h");

/// The library's file name inside a cache entry.
const LIBRARY: &str = "libtierdiff_wamr.so";

/// Where Debian's libsimde-dev puts SIMDe, which the fast interpreter's
/// SIMD needs.
const SIMDE_HEADERS: &str = "/usr/include/simde";

/// Our cache folder: `$TIERDIFF_CACHE_DIR`, else `$XDG_CACHE_HOME/tierdiff`,
/// else `~/.cache/tierdiff`.
pub fn cache_dir() -> Result<PathBuf, String> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("TIERDIFF_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("tierdiff"));
    }
    var("HOME")
        .map(|home| PathBuf::from(home).join(".cache/tierdiff"))
        .ok_or_else(|| "no cache folder: set TIERDIFF_CACHE_DIR".into())
}

/// The library of `mode` built from `source`: from the cache, or built now.
pub fn library(mode: Mode, source: &Source) -> Result<PathBuf, String> {
    if mode == Mode::FastJit && !source.root.join("core/iwasm/fast-jit").is_dir() {
        return Err(format!(
            "{}: the WAMR tree {} has no fast JIT (core/iwasm/fast-jit is missing)",
            mode.name(),
            source.root.display()
        ));
    }
    let root = std::fs::canonicalize(&source.root)
        .map_err(|e| format!("{}: {e}", source.root.display()))?;
    let simde = mode == Mode::Fast && Path::new(SIMDE_HEADERS).join("wasm/simd128.h").is_file();
    let key = cache_key(mode, &root, simde);
    let dir = cache_dir()?.join("wamr");
    let entry = dir.join(format!("{}-{key:016x}", mode.cmake()));
    let library = entry.join(LIBRARY);
    if library.is_file() {
        return Ok(library);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let _lock = lock(&entry.with_extension("lock"))?;
    if library.is_file() {
        // Another process built it while this one waited.
        return Ok(library);
    }
    build(mode, source, &root, simde, &entry)?;
    Ok(library)
}

/// FNV-1a over everything the build depends on.
fn cache_key(mode: Mode, root: &Path, simde: bool) -> u64 {
    let mut hash = Fnv::default();
    hash.add(mode.cmake().as_bytes());
    hash.add(root.as_os_str().as_encoded_bytes());
    for file in [CMAKE_LISTS, SHIM_C, SHIM_H] {
        hash.add(file.as_bytes());
    }
    hash.add(&[simde as u8]);
    for (path, size, modified) in fingerprint(root) {
        hash.add(path.as_os_str().as_encoded_bytes());
        hash.add(&size.to_le_bytes());
        hash.add(&modified.to_le_bytes());
    }
    hash.0
}

/// Every file under `core/` and `build-scripts/` with its size and
/// modification time (nanoseconds), sorted. `core/deps` (where a checkout
/// may keep a whole LLVM) and the `version.h` that WAMR's CMake writes
/// into the tree are left out.
fn fingerprint(root: &Path) -> Vec<(PathBuf, u64, u128)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, u64, u128)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if relative == Path::new("core/deps") || relative == Path::new("core/version.h") {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                walk(root, &path, out);
            } else {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                out.push((relative, meta.len(), modified));
            }
        }
    }
    let mut out = Vec::new();
    for top in ["core", "build-scripts"] {
        walk(root, &root.join(top), &mut out);
    }
    out.sort();
    out
}

#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, bytes: &[u8]) {
        // A length first, so concatenations differ.
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Holds an exclusive lock on `path` (created if need be) until dropped.
fn lock(path: &Path) -> Result<File, String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(format!(
            "cannot lock {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(file)
}

/// Configures and builds in a scratch folder beside `entry`, then renames
/// the library and its log into `entry`.
fn build(
    mode: Mode,
    source: &Source,
    root: &Path,
    simde: bool,
    entry: &Path,
) -> Result<(), String> {
    let name = entry.file_name().unwrap_or_default().to_string_lossy();
    let scratch = entry.with_file_name(format!(".build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let io = |e: std::io::Error| format!("{}: {e}", scratch.display());
    std::fs::create_dir_all(scratch.join("out")).map_err(io)?;
    for (file, text) in [
        ("CMakeLists.txt", CMAKE_LISTS),
        ("shim.c", SHIM_C),
        ("shim.h", SHIM_H),
    ] {
        std::fs::write(scratch.join(file), text).map_err(io)?;
    }
    let mut configure = Command::new("cmake");
    configure
        .arg("-S")
        .arg(&scratch)
        .arg("-B")
        .arg(scratch.join("build"))
        .arg(format!("-DWAMR_ROOT={}", root.display()))
        .arg(format!("-DTDW_MODE={}", mode.cmake()))
        .arg("-DCMAKE_BUILD_TYPE=Release");
    if simde {
        // SIMDe's include root must hold `simde/`; Debian's is /usr/include,
        // which is better not added as a system folder again.
        let dir = scratch.join("simde");
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::os::unix::fs::symlink(SIMDE_HEADERS, dir.join("simde")).map_err(io)?;
        configure.arg(format!("-DTDW_SIMDE_DIR={}", dir.display()));
    }
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut make = Command::new("make");
    make.arg("-C")
        .arg(scratch.join("build"))
        .arg(format!("-j{jobs}"));
    eprintln!(
        "building WAMR {} from {} [{}] (first use)",
        mode.cmake(),
        source.root.display(),
        source.origin
    );
    let log_path = scratch.join("out/build.log");
    let log = File::create(&log_path).map_err(io)?;
    let result = run(&mut configure, &log).and_then(|()| run(&mut make, &log));
    drop(log);
    if let Err(why) = result {
        // The log outlives the scratch folder, for the user to read.
        let kept = entry.with_extension("failed.log");
        let _ = std::fs::rename(&log_path, &kept);
        let _ = std::fs::remove_dir_all(&scratch);
        let first_error = first_error(&kept).unwrap_or(why);
        return Err(format!(
            "building WAMR {} failed: {first_error} (full log: {})",
            mode.cmake(),
            kept.display()
        ));
    }
    std::fs::rename(
        scratch.join("build").join(LIBRARY),
        scratch.join("out").join(LIBRARY),
    )
    .map_err(io)?;
    std::fs::rename(scratch.join("out"), entry).map_err(|e| format!("{}: {e}", entry.display()))?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// Runs `command` with its output appended to `log`.
fn run(command: &mut Command, log: &File) -> Result<(), String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let clone = |f: &File| f.try_clone().map(Stdio::from);
    let status = command
        .stdin(Stdio::null())
        .stdout(clone(log).map_err(|e| e.to_string())?)
        .stderr(clone(log).map_err(|e| e.to_string())?)
        .status()
        .map_err(|e| format!("cannot run {program} (needed to build WAMR): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} failed ({status})"))
    }
}

/// The first line of a build log that reports an error, trimmed to its end.
fn first_error(log: &Path) -> Option<String> {
    const SHOWN: usize = 300;
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().find(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("error:") || l.contains("cmake error") || l.contains("fatal error")
    })?;
    let line = line.trim();
    let cut = line.len().saturating_sub(SHOWN);
    let start = (cut..=line.len()).find(|&i| line.is_char_boundary(i))?;
    Some(line[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_key_follows_mode_tree_and_simde() {
        let dir = std::env::temp_dir().join(format!("tierdiff-wamr-key-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("core/iwasm")).unwrap();
        std::fs::create_dir_all(dir.join("core/deps/llvm")).unwrap();
        std::fs::write(dir.join("core/iwasm/a.c"), "int a;").unwrap();
        let key = || cache_key(Mode::Classic, &dir, false);
        let first = key();
        assert_eq!(first, key(), "stable");
        assert_ne!(first, cache_key(Mode::Fast, &dir, false), "mode");
        assert_ne!(first, cache_key(Mode::Classic, &dir, true), "SIMDe");
        std::fs::write(dir.join("core/deps/llvm/big.o"), "ignored").unwrap();
        std::fs::write(dir.join("core/version.h"), "generated").unwrap();
        assert_eq!(
            first,
            key(),
            "core/deps and core/version.h are not the tree's"
        );
        std::fs::write(dir.join("core/iwasm/a.c"), "int a, b;").unwrap();
        assert_ne!(first, key(), "a changed file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_first_error_line_is_found() {
        let path = std::env::temp_dir().join(format!("tierdiff-wamr-log-{}", std::process::id()));
        std::fs::write(
            &path,
            "-- Configuring\n[ 10%] Building C object x.o\n/src/x.c:3:1: error: expected ';'\nmake: *** Error 2\n",
        )
        .unwrap();
        assert_eq!(
            first_error(&path).as_deref(),
            Some("/src/x.c:3:1: error: expected ';'")
        );
        std::fs::remove_file(&path).unwrap();
    }
}
