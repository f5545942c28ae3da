//! tierdiff: differential testing of the tierdiff-runtime tiers.
//!
//! * [`spec`] runs the official spec testsuite (or any `.wast`) per tier.
//! * [`input`] reads modules and argument values given by users.
//! * [`cli`] is the `tierdiff` command line.

pub mod cli;
pub mod compare;
pub mod corpus;
pub mod engine;
pub mod fuzz;
pub mod generate;
pub mod input;
pub mod outcome;
pub mod plan;
pub mod reference;
pub mod replay;
pub mod report;
pub mod shrink;
pub mod spec;
pub mod targets;
pub mod bench;
