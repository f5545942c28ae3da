//! Where WAMR's sources come from: the user's checkout (`WAMR_SRC`), or
//! the WAMR 2.4.3 core that the registry crate `wamrx-sys` 0.3.0 ships.
//!
//! The crate is looked for where cargo keeps it: unpacked under
//! `$CARGO_HOME/registry/src`, else as an archive under
//! `$CARGO_HOME/registry/cache` (unpacked into our cache), else fetched
//! with cargo through a throwaway manifest that depends on it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that names a WAMR checkout.
pub const WAMR_SRC: &str = "WAMR_SRC";

/// The registry crate whose archive carries WAMR's sources.
const CRATE: &str = "wamrx-sys";
const CRATE_VERSION: &str = "0.3.0";

/// Files every WAMR tree we build from has.
const REQUIRED: [&str; 4] = [
    "build-scripts/runtime_lib.cmake",
    "core/iwasm/include/wasm_export.h",
    "core/iwasm/interpreter/wasm_loader.c",
    "core/shared/platform/linux/shared_platform.cmake",
];

/// A WAMR source tree.
#[derive(Clone, Debug)]
pub struct Source {
    pub root: PathBuf,
    /// Where it came from, for messages.
    pub origin: String,
}

/// WAMR's sources: `WAMR_SRC` when set, else the packaged ones.
pub fn locate() -> Result<Source, String> {
    match std::env::var_os(WAMR_SRC) {
        Some(root) => {
            let root = PathBuf::from(root);
            check(&root).map_err(|why| format!("{WAMR_SRC}={}: {why}", root.display()))?;
            Ok(Source {
                root,
                origin: WAMR_SRC.to_string(),
            })
        }
        None => packaged(),
    }
}

/// Why `root` is not a WAMR tree we can build (2.0.0 or later), if it is not.
pub fn check(root: &Path) -> Result<(), String> {
    if let Some(missing) = REQUIRED.iter().find(|f| !root.join(f).is_file()) {
        return Err(format!("not a WAMR source tree: {missing} is missing"));
    }
    match version(root) {
        Some((major, minor, patch)) if major < 2 => Err(format!(
            "WAMR {major}.{minor}.{patch} is too old: tierdiff needs 2.0.0 or later"
        )),
        _ => Ok(()),
    }
}

/// The tree's WAMR version, from `build-scripts/version.cmake` or
/// `core/version.h`, if either says.
pub fn version(root: &Path) -> Option<(u32, u32, u32)> {
    let number = |text: &str, name: &str| -> Option<u32> {
        let at = text.find(name)? + name.len();
        let digits: String = text[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    ["build-scripts/version.cmake", "core/version.h"]
        .iter()
        .find_map(|file| {
            let text = std::fs::read_to_string(root.join(file)).ok()?;
            Some((
                number(&text, "WAMR_VERSION_MAJOR")?,
                number(&text, "WAMR_VERSION_MINOR")?,
                number(&text, "WAMR_VERSION_PATCH")?,
            ))
        })
}

/// The sources packaged in `wamrx-sys`, fetched if cargo has not yet.
pub fn packaged() -> Result<Source, String> {
    let origin = format!("{CRATE} {CRATE_VERSION}; {WAMR_SRC} picks another tree");
    let found = |root: PathBuf| Source {
        root,
        origin: origin.clone(),
    };
    let home = cargo_home()?;
    if let Some(root) = unpacked(&home) {
        return Ok(found(root));
    }
    if let Some(archive) = archive(&home) {
        return unpack(&archive).map(found);
    }
    fetch()?;
    let archive = archive(&home).ok_or_else(|| {
        format!(
            "cargo fetched {CRATE} {CRATE_VERSION} but its archive is not under {}",
            home.join("registry/cache").display()
        )
    })?;
    unpack(&archive).map(found)
}

fn cargo_home() -> Result<PathBuf, String> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo"))
        .ok_or_else(|| "neither CARGO_HOME nor HOME is set: cannot find cargo's registry".into())
}

/// The first match of `registry/<kind>/<any registry>/<name>` under `home`.
fn in_registry(home: &Path, kind: &str, name: &str) -> Option<PathBuf> {
    let mut registries: Vec<PathBuf> = std::fs::read_dir(home.join("registry").join(kind))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join(name))
        .filter(|path| path.exists())
        .collect();
    registries.sort();
    registries.into_iter().next()
}

fn unpacked(home: &Path) -> Option<PathBuf> {
    let dir = format!("{CRATE}-{CRATE_VERSION}");
    let root = in_registry(home, "src", &dir)?.join("wasm-micro-runtime");
    check(&root).ok().map(|()| root)
}

fn archive(home: &Path) -> Option<PathBuf> {
    in_registry(home, "cache", &format!("{CRATE}-{CRATE_VERSION}.crate"))
}

/// Unpacks the crate archive into our cache (once), with `tar`.
fn unpack(archive: &Path) -> Result<PathBuf, String> {
    let dir = super::build::cache_dir()?.join("wamr/src");
    let unpacked = dir.join(format!("{CRATE}-{CRATE_VERSION}"));
    let root = unpacked.join("wasm-micro-runtime");
    if check(&root).is_ok() {
        return Ok(root);
    }
    let scratch = dir.join(format!(".unpack-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(&scratch)
        .status()
        .map_err(|e| format!("cannot run tar to unpack {}: {e}", archive.display()))?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(format!("tar could not unpack {}", archive.display()));
    }
    // Another process may have unpacked it meanwhile: either copy will do.
    let _ = std::fs::rename(scratch.join(format!("{CRATE}-{CRATE_VERSION}")), &unpacked);
    let _ = std::fs::remove_dir_all(&scratch);
    check(&root).map_err(|why| {
        format!(
            "{} unpacked to {}: {why}",
            archive.display(),
            root.display()
        )
    })?;
    Ok(root)
}

/// Has cargo download the crate, through a manifest that depends on it.
fn fetch() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("tierdiff-wamr-fetch-{}", std::process::id()));
    let manifest = format!(
        "[package]\nname = \"tierdiff-wamr-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [lib]\npath = \"lib.rs\"\n\n[dependencies]\n{CRATE} = \"={CRATE_VERSION}\"\n"
    );
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("Cargo.toml"), manifest)?;
        std::fs::write(dir.join("lib.rs"), "")
    };
    write().map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("fetching WAMR's sources ({CRATE} {CRATE_VERSION}) with cargo");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .arg("fetch")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.map_err(|e| format!("cannot run cargo to fetch {CRATE}: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!(
            "cargo could not fetch {CRATE} {CRATE_VERSION} (set {WAMR_SRC} to a WAMR checkout instead): {}",
            last.trim()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_that_is_not_wamr_is_named_by_what_it_lacks() {
        let dir = std::env::temp_dir().join(format!("tierdiff-not-wamr-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("build-scripts")).unwrap();
        std::fs::write(dir.join("build-scripts/runtime_lib.cmake"), "").unwrap();
        let why = check(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            why,
            "not a WAMR source tree: core/iwasm/include/wasm_export.h is missing"
        );
    }

    #[test]
    fn the_version_comes_from_the_tree() {
        let dir =
            std::env::temp_dir().join(format!("tierdiff-wamr-version-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("build-scripts")).unwrap();
        std::fs::write(
            dir.join("build-scripts/version.cmake"),
            "set(WAMR_VERSION_MAJOR 1)\nset(WAMR_VERSION_MINOR 3)\nset(WAMR_VERSION_PATCH 2)\n",
        )
        .unwrap();
        assert_eq!(version(&dir), Some((1, 3, 2)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
