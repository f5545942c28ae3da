//! tierdiff: differential testing of the tierdiff-runtime tiers.
//!
//! * [`engine`] / [`reference`]: one narrow interface over every tier and
//!   the reference engines (wasmi; wasmtime as the tie-breaker);
//!   [`adapter`] puts engines in other processes behind a protocol.
//! * [`generate`] and [`plan`]: modules from fuzz input, and the calls to make.
//! * [`compare`] runs one case through every engine and names the findings
//!   ([`outcome`] holds what engines did); [`triage`] settles whose bug a
//!   reference disagreement is; [`verdict`] is the one path from a case to
//!   its verdict that every command takes; [`fuzz`], [`report`] and [`merge`] run,
//!   record and join whole sessions; [`coverage`] says what they exercised.
//! * [`corpus`], [`replay`], [`shrink`] and [`targets`]: saved cases, and the
//!   code the cargo-fuzz targets share with `tierdiff replay`; [`reduce`] is
//!   the reducer behind [`shrink`].
//! * [`spec`] runs the official spec testsuite (or any `.wast`) per tier;
//!   [`bench`] times kernels; [`input`] reads user input; [`cli`] is the CLI.
//! * [`wamr`]: WAMR's classic interpreter, fast interpreter and fast JIT as
//!   engines under test, built from WAMR's sources at first use.

pub mod adapter;
pub mod bench;
pub mod cli;
pub mod compare;
pub mod corpus;
pub mod coverage;
pub mod engine;
pub mod forwarder;
pub mod fuzz;
pub mod generate;
pub mod input;
pub mod merge;
pub mod outcome;
pub mod plan;
pub mod reduce;
pub mod reference;
pub mod replay;
pub mod report;
pub mod shrink;
pub mod spec;
pub mod targets;
pub mod tier_coverage;
pub mod triage;
pub mod verdict;
pub mod wamr;
pub mod watchdog;
