//! What a command writes to results/<command>.json: the [`Results`], with the [`Settings`]
//! every row ran with.
//!
//! Two sections' settings are named here, as their fields in the file: the sweep's points
//! ([`SweepSettings`]) and the mixed rows' capacity ([`MixedSettings`]). They are plain data;
//! what they mean for the tables and charts is their section's.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::group::RunRecord;
use crate::model::machine::Environment;
use crate::model::plan::{CpuParams, IoParams, Section, Source};
use crate::model::summary::{GroupSummary, RowSummary};

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

/// Which command's results: what decides the charts drawn and the sweep's pivots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RunAll,
    /// `sweep`: its settings name the points.
    Sweep,
    /// `load`: the mixed rows' load sweep.
    Load,
}

impl Results {
    /// Which command's results these are.
    pub fn kind(&self) -> Kind {
        match (&self.settings.sweep, &self.settings.mixed) {
            (_, Some(m)) if m.sweep => Kind::Load,
            (Some(_), _) => Kind::Sweep,
            _ => Kind::RunAll,
        }
    }

    /// The name its command gives its files (`run-all`, `sweep-tcp`, `load`, …), from what it
    /// ran: never the free text of `command`, which a file may have any of (`../x`, `/tmp/x`).
    pub fn file_name(&self) -> String {
        let command = match self.kind() {
            _ if self.settings.load_work.is_some() => "load-work",
            Kind::RunAll => "run-all",
            Kind::Sweep => "sweep",
            Kind::Load => "load",
        };
        match self.settings.source {
            Source::Sleep => command.to_string(),
            Source::Tcp => format!("{command}-tcp"),
        }
    }
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
    pub source: Source,
    /// Sections whose rows run their own number of runs (run-all's `mistakes` and `shared`);
    /// the others run `runs` after `warmup`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub rounds: Vec<SectionRounds>,
    /// sweep only: the points and the cap.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<SweepSettings>,
    /// The mixed rows' capacity, load and sizes, when they ran (run-all's section, or the
    /// load sweep).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mixed: Option<MixedSettings>,
    /// `load --vary work`: the load, and each point's CPU per request and capacity.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub load_work: Option<WorkSweep>,
}

/// The runs of one section's rows, where they differ from the command's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SectionRounds {
    pub section: Section,
    pub runs: usize,
    pub warmup: usize,
}

impl Settings {
    /// (counted runs, warm-ups) per row of `section`.
    pub fn rounds_of(&self, section: Section) -> (usize, usize) {
        self.rounds
            .iter()
            .find(|r| r.section == section)
            .map_or((self.runs, self.warmup), |r| (r.runs, r.warmup))
    }
}

/// The sweep's points and cap, as recorded in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSettings {
    pub tasks: Vec<usize>,
    pub cpu_threads: Vec<usize>,
    pub cap_s: u64,
}

/// The p99 target at 50% load: delay + this many × the cost of a request.
pub const TARGET_COSTS: f64 = 5.0;

/// What one request costs and what the threads can serve, as measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// CPU time of one request (user + sys), ms.
    pub cost_ms: f64,
    /// Numbers each request counts primes in.
    pub work: u64,
    /// Cores the approach can count on at once: T (Python: 1, the GIL's).
    pub cores: usize,
    /// Requests a second the cores serve: cores ÷ cost.
    pub per_s: f64,
    /// How many requests in a row the cost was measured on.
    pub measured_on: usize,
}

impl Capacity {
    pub fn new(cost_ms: f64, work: u64, cores: usize, measured_on: usize) -> Capacity {
        Capacity { cost_ms, work, cores, per_s: cores as f64 * 1e3 / cost_ms, measured_on }
    }

    /// The arrival rate at `load` × capacity, to 0.1 a second (as passed on the command line).
    pub fn rate(&self, load: f64) -> f64 {
        ((load * self.per_s * 10.0).round() / 10.0).clamp(0.1, 1e6)
    }

    /// The p99 target: delay + 5 × the cost of a request, ms.
    pub fn target_ms(&self, delay_ms: u64) -> f64 {
        delay_ms as f64 + TARGET_COSTS * self.cost_ms
    }
}

/// The mixed rows' parameters and the capacities they derive from, as the results record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedSettings {
    pub rust: Capacity,
    /// The Python rows' own, when they ran.
    pub python: Option<Capacity>,
    pub delay_ms: u64,
    /// Seconds of arrivals: N = seconds × R.
    pub seconds: f64,
    pub deadline_ms: u64,
    /// Fractions of capacity, one group (Rust, and Python's) per load.
    pub loads: Vec<f64>,
    /// A load sweep (its charts), not run-all's section.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub sweep: bool,
}

impl MixedSettings {
    /// The capacity `row` is measured against (Rust's or Python's).
    pub fn capacity(&self, row: &RowSummary) -> Option<Capacity> {
        if row.python { self.python } else { Some(self.rust) }
    }

    /// `row`'s offered load, a fraction of its capacity.
    pub fn load_of(&self, row: &RowSummary) -> Option<f64> {
        Some(row.params.rate? / self.capacity(row)?.per_s)
    }
}

/// The sweep over the CPU a request costs (`load --vary work`), as the results record it: one
/// load, and per point the W that gave it and the capacity measured at that W.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkSweep {
    /// The offered load, a fraction of each point's measured capacity.
    pub load: f64,
    /// The fetch wait, ms; the deadline of each run, ms; seconds of arrivals per run.
    pub delay_ms: u64,
    pub deadline_ms: u64,
    pub seconds: f64,
    /// The wake probe's period, µs.
    pub probe_us: u64,
    /// The highest arrival rate a run is given (Rust, Python): below it the load holds; at
    /// the cheapest points the rate is capped there, and the load is lower.
    pub rate_cap: (f64, f64),
    pub points: Vec<WorkPoint>,
}

/// One point of the work sweep: the CPU a request was meant to cost, and what was measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkPoint {
    /// The CPU per request asked for, µs.
    pub cpu_us: f64,
    pub rust: Capacity,
    /// The Python rows' own W and capacity, when they ran.
    pub python: Option<Capacity>,
}

impl WorkSweep {
    /// The capacity `row` ran against: the point whose W it counted (Rust's or Python's).
    pub fn capacity(&self, row: &RowSummary) -> Option<Capacity> {
        let work = row.params.work?;
        self.points.iter().find_map(|p| {
            let c = if row.python { p.python? } else { p.rust };
            (c.work == work).then_some(c)
        })
    }
}
