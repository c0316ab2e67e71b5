//! The harness behind `just run-all` and `just sweep`: runs every approach's release binary
//! (and the article's Python originals) the same way, measures each run from outside,
//! checks every result, and compares them.

pub mod binaries;
pub mod charts;
pub mod machine;
pub mod measure;
pub mod output;
pub mod plan;
pub mod progress;
pub mod run_all;
pub mod runner;
pub mod server;
pub mod setup;
pub mod stats;
pub mod summary;
pub mod sweep;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::machine::Environment;
use crate::plan::{CpuParams, IoParams};
use crate::runner::{Expected, Group, Interrupted, RunRecord, Runner};
use crate::summary::GroupSummary;

/// Everything one harness command measured, as written to results/<command>.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// `run-all` or `sweep`.
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
    /// `--threads`, passed to every approach (io rows, and cpu rows of run-all).
    pub threads: usize,
    pub timeout_s: u64,
    pub approaches: Vec<String>,
    pub io: Option<IoParams>,
    pub cpu: Option<CpuParams>,
    /// The Python cpu rows' smaller parameters, when they ran.
    pub python_cpu: Option<CpuParams>,
    /// Why the Python rows are missing, when they are.
    pub python_missing: Option<String>,
    pub quick: bool,
    pub bin_dir: PathBuf,
    /// Where the io rows' waits came from: a sleep, or requests to the delay server.
    pub source: server::Source,
    /// sweep only: the points and the cap.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<sweep::SweepSettings>,
}

/// Fails unless every row's program exists (Python is found on PATH, not checked here).
pub fn check_programs(groups: &[Group]) -> Result<()> {
    for row in groups.iter().flat_map(|g| &g.rows) {
        let program = &row.spec.program;
        if program.components().count() > 1 && !program.is_file() {
            bail!(
                "missing example binary {}: build it with `cargo build --release`",
                program.display()
            );
        }
    }
    Ok(())
}

/// Runs `groups` in order and summarises each. Before each group `before` sees it and the
/// summaries so far, and may mark rows to skip. `cap_s`: the sweep's cap, for the estimate of
/// the time left (a row over it will be skipped).
pub fn execute(
    groups: &mut [Group],
    runs: usize,
    warmup: usize,
    timeout: Duration,
    cap_s: Option<u64>,
    mut before: impl FnMut(&mut Group, &[GroupSummary]),
) -> Result<(Vec<GroupSummary>, Vec<RunRecord>), Interrupted> {
    measure::catch_interrupts();
    let rows = groups.iter().map(|g| g.rows.len()).sum();
    let mut runner = Runner::new(rows, runs, warmup, timeout);
    let mut summaries = Vec::new();
    for index in 0..groups.len() {
        before(&mut groups[index], &summaries);
        // What is left, from what ran so far: this group's rows are now marked if skipped.
        runner.progress.plan(&groups[index..], index, &summaries, cap_s);
        let group = &groups[index];
        let mut expected = Expected::for_group(group);
        runner.run_group(index, group, &mut expected)?;
        summaries.push(summary::summarize(index, group, &expected, &runner.records));
    }
    Ok((summaries, runner.records))
}
