//! The harness behind `just run-all` and `just sweep`: runs every approach's release binary
//! (and the article's Python originals) the same way, measures each run from outside,
//! checks every result, and compares them.
//!
//! The stages, in the order a command goes through them:
//! - [`setup`]: options, the output folder (checked first), binaries, delay server, rows;
//!   [`run_all`] and [`sweep`] build their groups of rows on it;
//! - [`runner`] runs the groups ([`progress`] saying how far it is, and the time left),
//!   [`measure`] each child (with [`watch`] making sure no
//!   child outlives the harness), [`outcome`] judges each run by what its row expects;
//! - [`summary`] summarises each row's runs;
//! - [`output`] renders the tables and writes the files, after every group;
//!   [`charts`] draws the SVGs.

pub mod binaries;
pub mod charts;
pub mod guide;
pub mod machine;
pub mod measure;
pub mod mixed;
pub mod outcome;
pub mod output;
pub mod plan;
pub mod progress;
pub mod run_all;
pub mod runner;
pub mod sections;
pub mod server;
pub mod setup;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod watch;

use std::path::PathBuf;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::machine::Environment;
use crate::plan::{CpuParams, IoParams};
use crate::runner::{Group, RunRecord};
use crate::summary::GroupSummary;

/// Everything one harness command measured, as written to results/<command>.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// `run-all` or `sweep` (`…-tcp` over sockets).
    pub command: String,
    /// The command has not finished (it is still running, or was interrupted, or failed
    /// later): these are the groups it had measured when the file was written.
    #[serde(default)]
    pub partial: bool,
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
    /// Sections whose rows run their own number of runs (run-all's `mistakes` and `shared`);
    /// the others run `runs` after `warmup`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub rounds: Vec<SectionRounds>,
    /// sweep only: the points and the cap.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<sweep::SweepSettings>,
    /// The mixed rows' capacity, load and sizes, when they ran (run-all's section, or the
    /// load sweep).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mixed: Option<mixed::MixedSettings>,
}

/// The runs of one section's rows, where they differ from the command's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SectionRounds {
    pub section: plan::Section,
    pub runs: usize,
    pub warmup: usize,
}

impl Settings {
    /// (counted runs, warm-ups) per row of `section`.
    pub fn rounds_of(&self, section: plan::Section) -> (usize, usize) {
        self.rounds
            .iter()
            .find(|r| r.section == section)
            .map_or((self.runs, self.warmup), |r| (r.runs, r.warmup))
    }
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

/// Writes a line to stderr, and carries on if stderr is closed or full: what the harness
/// says there is commentary, and must not stop it from writing its results.
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// [`note`] with `format!` arguments.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => { $crate::note(format_args!($($arg)*)) };
}
