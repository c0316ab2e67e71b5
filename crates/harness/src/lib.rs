//! The harness behind `just run-all`: runs every approach's release binary the same way,
//! measures each run from outside, checks every result, and compares them.

pub mod binaries;
pub mod machine;
pub mod measure;
pub mod output;
pub mod plan;
pub mod run_all;
pub mod runner;
pub mod stats;
pub mod summary;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::machine::Environment;
use crate::plan::{CpuParams, IoParams};
use crate::runner::RunRecord;
use crate::summary::GroupSummary;

/// Everything one harness command measured, as written to results/<command>.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// `run-all`.
    pub command: String,
    pub environment: Environment,
    pub settings: Settings,
    pub groups: Vec<GroupSummary>,
    /// Every run, warm-ups included, as measured.
    pub runs: Vec<RunRecord>,
    /// No row failed.
    pub ok: bool,
}

/// The settings every row ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub runs: usize,
    pub warmup: usize,
    /// `--threads`, passed to every approach.
    pub threads: usize,
    pub timeout_s: u64,
    pub approaches: Vec<String>,
    pub io: Option<IoParams>,
    pub cpu: Option<CpuParams>,
    pub quick: bool,
    pub bin_dir: PathBuf,
}
