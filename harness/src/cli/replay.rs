//! `tierdiff replay`: re-run saved cases.

use crate::input::InputError;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn cmd_replay(
    paths: &[PathBuf],
    out: Option<&Path>,
    json: bool,
    case_timeout: Option<&str>,
) -> Result<ExitCode, InputError> {
    if let Some(t) = case_timeout {
        crate::watchdog::set_case_time(super::fuzz::parse_case_timeout(t)?);
    }
    let results = crate::replay::replay_into(paths, out)?;
    let failed = results.iter().filter(|r| !r.passed).count();
    if json {
        println!(
            "{}",
            json!({ "cases": results, "passed": results.len() - failed, "failed": failed })
        );
    } else {
        for r in &results {
            println!(
                "{} [{}] {}",
                if r.passed { "PASS" } else { "FAIL" },
                r.kind,
                r.path
            );
            for d in &r.details {
                println!("    {d}");
            }
        }
    }
    eprintln!("{} passed, {} failed", results.len() - failed, failed);
    if let (Some(out), true) = (out, failed > 0) {
        eprintln!("findings written under {}", out.join("findings").display());
    }
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}
