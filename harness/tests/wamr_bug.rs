//! The founding bug, in WAMR itself, found as a user would find a bug in
//! their WAMR branch: a copy of the packaged WAMR sources with one line
//! changed (reference-typed locals of the classic interpreter start as 0
//! instead of null, the bug that shipped in WAMR), given through
//! `WAMR_SRC` to a fixed-seed fuzz run, which must find it within 60 s and
//! shrink it to a case that names the WAMR engine. (A 60 s run of seed 1
//! found it at 0.7 s; the test runs 1,000 cases, not a minute.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// The line that makes an unset externref/funcref local null in WAMR's
/// classic interpreter, and the bug that replaces it.
const FILE: &str = "core/iwasm/interpreter/wasm_interp_classic.c";
const FIXED: &str = "*(frame_lp + local_cell_idx) = NULL_REF;";
const BROKEN: &str = "*(frame_lp + local_cell_idx) = 0;";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn broken_wamr(dir: &Path) -> PathBuf {
    let packaged = tierdiff::wamr::packaged_sources().expect("the packaged WAMR sources");
    let copy = dir.join("wasm-micro-runtime");
    copy_tree(&packaged, &copy);
    let file = copy.join(FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches(FIXED).count(), 1, "{FILE} changed upstream");
    std::fs::write(&file, text.replace(FIXED, BROKEN)).unwrap();
    copy
}

#[test]
fn a_one_line_bug_in_wamrs_classic_interpreter_is_found_and_shrunk() {
    let dir = std::env::temp_dir().join(format!("tierdiff-wamr-bug-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let wamr = broken_wamr(&dir);
    let report = dir.join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_tierdiff"))
        .args([
            "fuzz",
            "--seed",
            "1",
            "--iterations",
            "1000",
            "--shrink",
            "--json",
        ])
        .args(["--engines", "classic,wamr-classic,wasmi", "--out"])
        .arg(&report)
        .env("WAMR_SRC", &wamr)
        // A cache of its own: the broken build must not be the one other
        // tests load (the cache key includes the tree, but keep it apart).
        .env("TIERDIFF_CACHE_DIR", dir.join("cache"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "findings expected: {stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let found = findings
        .iter()
        .find(|f| {
            f["engines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == "wamr-classic")
        })
        .unwrap_or_else(|| panic!("no finding names wamr-classic: {findings:#?}"));
    let seconds = found["first_seen_s"].as_f64().unwrap();
    assert!(seconds < 60.0, "first seen after {seconds} s");
    let folder = PathBuf::from(found["dir"].as_str().unwrap());
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("finding.json")).unwrap())
            .unwrap();
    assert_eq!(
        record["engines"],
        serde_json::json!(["classic", "wamr-classic", "wasmi"]),
        "the finding records its engines"
    );
    let shrunk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("shrunk.json")).unwrap())
            .unwrap();
    let instructions = shrunk["after"]["instructions"].as_u64().unwrap();
    assert!(instructions <= 20, "shrunk to {instructions} instructions");
    assert!(
        shrunk["signature"]
            .as_str()
            .unwrap()
            .contains("wamr-classic"),
        "{shrunk}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
