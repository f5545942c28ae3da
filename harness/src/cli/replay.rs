//! `tierdiff replay`: re-run saved cases.

use crate::input::InputError;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) fn cmd_replay(paths: &[PathBuf], json: bool) -> Result<ExitCode, InputError> {
    let results = crate::replay::replay(paths)?;
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
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}
