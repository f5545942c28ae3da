//! The CI files in the repository: the GitHub Actions workflows and the
//! ClusterFuzzLite configuration parse, name scripts that exist, and the
//! nightly scripts run on this machine exactly as a workflow runs them.
//! (`.clusterfuzzlite/build.sh` itself runs in `.ci/run`, which builds the
//! cargo-fuzz targets through it.)

use std::path::{Path, PathBuf};
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn load(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut docs =
        YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{}: one document", path.display());
    docs.remove(0)
}

/// Every `run:` line of every step of every job.
fn run_lines(workflow: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    for (_, job) in workflow["jobs"].as_hash().expect("jobs") {
        for step in job["steps"].as_vec().expect("steps") {
            if let Some(run) = step["run"].as_str() {
                out.extend(run.lines().map(str::to_string));
            }
        }
    }
    out
}

/// The repository scripts a command line calls (`scripts/...`, `.clusterfuzzlite/...`).
fn scripts_called(line: &str) -> Vec<String> {
    line.split_whitespace()
        .filter(|w| w.starts_with("scripts/") || w.starts_with(".clusterfuzzlite/"))
        .map(str::to_string)
        .collect()
}

fn assert_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        meta.permissions().mode() & 0o111 != 0,
        "{} is not executable",
        path.display()
    );
    let syntax = Command::new("bash").arg("-n").arg(path).status().unwrap();
    assert!(syntax.success(), "{}: bash -n failed", path.display());
}

#[test]
fn workflows_parse_and_call_scripts_that_exist() {
    let dir = repo().join(".github/workflows");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        seen += 1;
        let workflow = load(&path);
        assert!(
            workflow["name"].as_str().is_some(),
            "{}: name",
            path.display()
        );
        assert!(!workflow["on"].is_badvalue(), "{}: on", path.display());
        for line in run_lines(&workflow) {
            for script in scripts_called(&line) {
                assert_executable(&repo().join(script));
            }
        }
    }
    assert!(seen >= 3, "nightly and the two ClusterFuzzLite workflows");

    let nightly = load(&dir.join("nightly.yml"));
    let shard = &nightly["jobs"]["shard"];
    let matrix = shard["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("a shard matrix");
    assert!(matrix.len() >= 2);
    assert!(shard["timeout-minutes"].as_i64().is_some(), "time-boxed");
    let lines = run_lines(&nightly).join("\n");
    assert!(
        lines.contains("scripts/nightly-shard.sh") && lines.contains("scripts/nightly-merge.sh")
    );
    let merge = &nightly["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("shard"));
    let uses: Vec<&str> = merge["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(uses
        .iter()
        .any(|u| u.starts_with("actions/download-artifact")));
    assert!(
        uses.iter().any(|u| u.contains("junit")),
        "publishes the JUnit report"
    );
}

#[test]
fn clusterfuzzlite_files_are_complete() {
    let cflite = repo().join(".clusterfuzzlite");
    assert_eq!(
        load(&cflite.join("project.yaml"))["language"].as_str(),
        Some("rust")
    );
    let dockerfile = std::fs::read_to_string(cflite.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("base-builder-rust") && dockerfile.contains("build.sh"));
    let build = cflite.join("build.sh");
    assert_executable(&build);
    let text = std::fs::read_to_string(&build).unwrap();
    for target in ["differential", "robustness", "translate"] {
        assert!(text.contains(target), "build.sh builds {target}");
        assert!(
            repo()
                .join(format!("fuzz_targets/fuzz_targets/{target}.rs"))
                .is_file(),
            "{target} exists"
        );
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tierdiff-ci-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn nightly_scripts_run_shards_and_merge_locally() {
    let script = |name: &str| {
        let mut c = Command::new(repo().join("scripts").join(name));
        c.env("TIERDIFF", env!("CARGO_BIN_EXE_tierdiff"))
            .env("SEED", "99")
            .env("JOBS", "2")
            .env_remove("GITHUB_STEP_SUMMARY");
        c
    };
    let (a, b) = (temp("shard-1"), temp("shard-2"));
    for (k, out) in [("1", &a), ("2", &b)] {
        let o = script("nightly-shard.sh")
            .args([k, "2", "3s"])
            .arg(out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "shard {k}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.join("report.json").is_file());
    }
    let merged = temp("merged");
    let summary = temp("step-summary.md");
    let o = script("nightly-merge.sh")
        .arg(&merged)
        .arg(&a)
        .arg(&b)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("report.json")).unwrap()).unwrap();
    let shard_cases = |d: &Path| {
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
        assert_eq!(r["seed"], 99);
        r["cases"].as_u64().unwrap()
    };
    assert_eq!(
        report["cases"].as_u64().unwrap(),
        shard_cases(&a) + shard_cases(&b)
    );
    assert!(report["cases"].as_u64().unwrap() > 0);
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("tierdiff fuzz report"));

    let usage = script("nightly-shard.sh").arg("1").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
