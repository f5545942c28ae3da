//! `tierdiff bench`: benchmark kernels on every tier and the reference
//! engines. (Being written: see issue 7.)

use crate::input::InputError;
use std::process::ExitCode;

/// Command-line arguments of `tierdiff bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Run only this kernel.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `tierdiff bench`.
pub fn cmd_bench(_args: &BenchArgs) -> Result<ExitCode, InputError> {
    Err(InputError("bench: not implemented yet".into()))
}
