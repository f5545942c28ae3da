//! `tierdiff merge`: one report from shard reports.

use crate::input::InputError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `tierdiff merge`.
#[derive(clap::Args)]
pub(super) struct MergeArgs {
    /// Report folders of fuzz runs (each holding report.json and findings/).
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Folder for the merged report.json, summary.md, junit.xml and findings.
    #[arg(long)]
    out: PathBuf,
    /// Fail (exit 1) on reference-engine bugs too, not only on real findings.
    #[arg(long)]
    strict: bool,
    /// Print the merged report object on stdout.
    #[arg(long)]
    json: bool,
}

pub(super) fn cmd_merge(a: MergeArgs) -> Result<ExitCode, InputError> {
    let merged = crate::merge::merge_into(&a.reports, &a.out).map_err(InputError)?;
    eprintln!(
        "merged {} reports: {}",
        a.reports.len(),
        crate::report::summary_line(&merged)
    );
    for f in &merged.findings {
        eprintln!("  {} x{}: {}  ({})", f.signature, f.count, f.message, f.dir);
    }
    eprintln!("Report: {}", a.out.join("summary.md").display());
    if a.json {
        println!(
            "{}",
            serde_json::to_string(&merged).expect("reports serialise")
        );
    }
    Ok(ExitCode::from(merged.exit_code(a.strict)))
}
