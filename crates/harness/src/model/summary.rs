//! A command's results row by row: each row's counted runs summarised ([`RowSummary`]), a
//! group's rows together ([`GroupSummary`]). They cross every layer after the runner: the
//! tables, the charts and the files read them (`crate::summary` computes them).

use std::collections::BTreeMap;

use avt_common::Params;
use serde::{Deserialize, Serialize};

use crate::model::group::Reference;
use crate::model::outcome::{Expect, Failure, Verdict};
use crate::model::plan::{Example, PYTHON_SEQUENTIAL, SEQUENTIAL, Section};
use crate::model::stats::Stat;

/// A row whose wall time spread (max ÷ min) is wider than this is flagged as noisy.
pub const NOISY_SPREAD: f64 = 1.20;

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    pub approach: String,
    pub example: Example,
    pub params: Params,
    /// The 1x its group's speedups are measured against.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub baseline: bool,
    /// One of the article's Python originals.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub python: bool,
    /// What its runs were expected to end in.
    #[serde(skip_serializing_if = "Expect::is_success", default)]
    pub expect: Expect,
    /// Counted runs that finished as expected (verified, or the expected outcome).
    pub runs: usize,
    /// Why the row stopped (its first run that did not count), if it did.
    pub failure: Option<Failure>,
    /// The expected outcome other than success its counted runs ended in, if any did.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<Failure>,
    /// How many counted runs ended in `outcome`.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub outcome_runs: usize,
    /// Why the row was not run, if it was not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skipped: Option<String>,
    /// The bare-runtime row of the same group its overhead is measured against, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bare: Option<String>,
    pub wall_ms: Option<Stat>,
    /// The elapsed time the example measured around its own work.
    pub in_process_ms: Option<Stat>,
    /// User + system CPU time.
    pub cpu_ms: Option<Stat>,
    pub max_rss_kib: Option<Stat>,
    pub peak_threads: Option<Stat>,
    pub voluntary_switches: Option<Stat>,
    pub involuntary_switches: Option<Stat>,
    /// The numbers the reports held beyond the usual fields (see `RunRecord::metrics`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub metrics: BTreeMap<String, Stat>,
    /// io: ids fetched; cpu: primes counted.
    pub result: Option<u64>,
    pub checksum: Option<String>,
    /// Worker threads the example reports it used.
    pub worker_threads: Option<usize>,
    /// io: median wall ÷ the delay (1.0 = every fetch waited at once).
    pub x_ideal: Option<f64>,
    /// cpu: the baseline row's median wall ÷ this row's.
    pub speedup: Option<f64>,
    /// cpu: speedup ÷ threads.
    pub efficiency: Option<f64>,
    /// The spread of its noise figure (the wall time, or its group's `noise_on`) is above
    /// [`NOISY_SPREAD`].
    pub noisy: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl RowSummary {
    /// The row failed: it stopped on a run its expectation does not allow. (A point it
    /// could not reach, where it may, is a result.)
    pub fn failed(&self) -> bool {
        self.failure.as_ref().is_some_and(|f| self.expect.judge(Some(f)) != Verdict::Unreached)
    }
}

/// A group's rows, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredGroup")]
pub struct GroupSummary {
    pub label: String,
    /// The part of the comparison it belongs to: its table's columns.
    pub section: Section,
    pub example: Example,
    /// The result every run was checked against (the key is `expected` in results files).
    pub expected: Reference,
    pub rows: Vec<RowSummary>,
    /// The report's figure (a metric key) whose spread marks a row as noisy, where the
    /// section said so; None: the wall time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_on: Option<String>,
}

impl GroupSummary {
    pub fn row(&self, approach: &str) -> Option<&RowSummary> {
        self.rows.iter().find(|r| r.approach == approach)
    }

    /// The row its speedups are measured against, if it has one.
    pub fn baseline(&self) -> Option<&RowSummary> {
        self.rows.iter().find(|r| r.baseline)
    }
}

/// A group as results files hold it: files written before groups recorded their section
/// (and rows their role) have neither.
#[derive(Deserialize)]
struct StoredGroup {
    label: String,
    #[serde(default)]
    section: Option<Section>,
    example: Example,
    expected: Reference,
    rows: Vec<RowSummary>,
    #[serde(default)]
    noise_on: Option<String>,
}

impl From<StoredGroup> for GroupSummary {
    fn from(stored: StoredGroup) -> Self {
        let StoredGroup { label, section, example, expected, mut rows, noise_on } = stored;
        let section = section.unwrap_or_else(|| {
            // An older file: its tables were its example's, and its rows' roles followed
            // from their names. This is the only place a name decides what a row is.
            for row in &mut rows {
                row.baseline = [SEQUENTIAL, PYTHON_SEQUENTIAL].contains(&row.approach.as_str());
                row.python = row.approach.starts_with("python-");
            }
            Section::of_example(example)
        });
        GroupSummary { label, section, example, expected, rows, noise_on }
    }
}
