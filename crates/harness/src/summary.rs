//! Each row's counted runs summarised as median [min–max], with the derived columns: io
//! against the ideal (one delay), cpu against the sequential baseline of the same group.

use avt_common::Params;
use serde::{Deserialize, Serialize};

use crate::plan::Example;
use crate::runner::{Expected, Group, RunRecord};
use crate::stats::Stat;

/// A row whose wall time spread (max ÷ min) is wider than this is flagged as noisy.
pub const NOISY_SPREAD: f64 = 1.20;

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    pub approach: String,
    pub example: Example,
    pub params: Params,
    /// Counted runs that finished and were verified.
    pub runs: usize,
    /// Why the row failed (its first failing run), if it did.
    pub failure: Option<String>,
    /// Why the row was not run, if it was not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skipped: Option<String>,
    pub wall_ms: Option<Stat>,
    /// The elapsed time the example measured around its own work.
    pub in_process_ms: Option<Stat>,
    /// User + system CPU time.
    pub cpu_ms: Option<Stat>,
    pub max_rss_kib: Option<Stat>,
    pub peak_threads: Option<Stat>,
    pub voluntary_switches: Option<Stat>,
    pub involuntary_switches: Option<Stat>,
    /// io: ids fetched; cpu: primes counted.
    pub result: Option<u64>,
    pub checksum: Option<String>,
    /// Worker threads the example reports it used.
    pub worker_threads: Option<usize>,
    /// io: median wall ÷ the delay (1.0 = every fetch waited at once).
    pub x_ideal: Option<f64>,
    /// cpu: the sequential row's median wall ÷ this row's.
    pub speedup: Option<f64>,
    /// cpu: speedup ÷ threads.
    pub efficiency: Option<f64>,
    /// The wall time spread is above [`NOISY_SPREAD`].
    pub noisy: bool,
}

/// A group's rows, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub label: String,
    pub example: Example,
    pub expected: Expected,
    pub rows: Vec<RowSummary>,
}

impl GroupSummary {
    pub fn row(&self, approach: &str) -> Option<&RowSummary> {
        self.rows.iter().find(|r| r.approach == approach)
    }
}

/// Summarises group `index` from every run record (warm-ups and other groups are skipped).
pub fn summarize(
    index: usize,
    group: &Group,
    expected: &Expected,
    records: &[RunRecord],
) -> GroupSummary {
    let mut rows: Vec<RowSummary> = group
        .rows
        .iter()
        .map(|row| {
            let mine = |r: &&RunRecord| r.group == index && r.approach == row.approach;
            let failure = records.iter().filter(mine).find_map(|r| r.failure.clone());
            let counted: Vec<&RunRecord> =
                records.iter().filter(mine).filter(|r| !r.warmup && r.failure.is_none()).collect();
            let stat = |f: &dyn Fn(&RunRecord) -> f64| {
                Stat::of(&counted.iter().map(|r| f(r)).collect::<Vec<_>>())
            };
            let report = counted.first().and_then(|r| r.report.as_ref());
            let wall_ms = stat(&|r| r.measurement.wall_ms);
            let x_ideal = match (row.example, row.params.delay_ms, wall_ms) {
                (Example::Io, Some(delay), Some(wall)) if delay > 0 => {
                    Some(wall.median / delay as f64)
                }
                _ => None,
            };
            RowSummary {
                approach: row.approach.clone(),
                example: row.example,
                params: row.params.clone(),
                runs: counted.len(),
                failure,
                skipped: row.skip.clone(),
                wall_ms,
                in_process_ms: stat(&|r| r.report.as_ref().map_or(0.0, |rep| rep.elapsed_ms)),
                cpu_ms: stat(&|r| r.measurement.user_ms + r.measurement.sys_ms),
                max_rss_kib: stat(&|r| r.measurement.max_rss_kib as f64),
                peak_threads: stat(&|r| r.measurement.peak_threads as f64),
                voluntary_switches: stat(&|r| r.measurement.voluntary_switches as f64),
                involuntary_switches: stat(&|r| r.measurement.involuntary_switches as f64),
                result: report.map(|rep| rep.result),
                checksum: report.map(|rep| rep.checksum.clone()),
                worker_threads: report.map(|rep| rep.worker_threads),
                x_ideal,
                speedup: None,
                efficiency: None,
                noisy: wall_ms.is_some_and(|w| w.spread() > NOISY_SPREAD),
            }
        })
        .collect();
    if let Some(baseline) = &group.baseline {
        let baseline = rows.iter().find(|r| r.approach == *baseline).and_then(|r| r.wall_ms);
        for row in &mut rows {
            if let (Some(base), Some(wall), None) = (baseline, row.wall_ms, &row.failure) {
                let speedup = base.median / wall.median;
                row.speedup = Some(speedup);
                row.efficiency = Some(speedup / row.params.threads as f64);
            }
        }
    }
    GroupSummary {
        label: group.label.clone(),
        example: group.example,
        expected: expected.clone(),
        rows,
    }
}

/// Whether a failure is an approach reaching a limit (the example exited 1 naming it, or
/// the run timed out), rather than going wrong (a wrong result, a crash).
pub fn reached_a_limit(failure: &str) -> bool {
    failure.starts_with("exit code 1:") || failure.starts_with("timed out")
}

/// Peak RSS per task in flight, in bytes, above the same contender's smallest io point:
/// (RSS(N) − RSS(N₀)) ÷ (N − N₀), so the runtime's fixed memory does not count. From 1000
/// tasks up; None below, or where either point has no measurement.
pub fn bytes_per_task(row: &RowSummary, io_groups: &[&GroupSummary]) -> Option<f64> {
    let n = row.params.tasks?;
    let smallest = io_groups
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|r| r.approach == row.approach && r.max_rss_kib.is_some())
        .min_by_key(|r| r.params.tasks)?;
    let n0 = smallest.params.tasks?;
    if n < 1000 || n <= n0 {
        return None;
    }
    Some((row.max_rss_kib?.median - smallest.max_rss_kib?.median) * 1024.0 / (n - n0) as f64)
}
