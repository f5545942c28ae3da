//! tierdiff: differential testing of the tierdiff-runtime tiers.
//!
//! * [`spec`] runs the official spec testsuite (or any `.wast`) per tier.
//! * [`input`] reads modules and argument values given by users.
//! * [`cli`] is the `tierdiff` command line.

pub mod cli;
pub mod input;
pub mod spec;
