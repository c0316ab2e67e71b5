//! Each row's counted runs summarised as median [min–max], with the derived columns: io
//! against the ideal (one delay), cpu against the baseline row of the same group.

use std::collections::BTreeMap;

use crate::model::group::{Group, Reference, RunRecord};
use crate::model::plan::Example;
use crate::model::stats::Stat;
pub use crate::model::summary::{GroupSummary, NOISY_SPREAD, RowSummary};

/// Summarises group `index` from every run record (warm-ups and other groups are skipped).
/// A row is noisy where the spread of its `noise_on` figure (a metric key; None: its wall
/// time) is over [`NOISY_SPREAD`].
pub fn summarize(
    index: usize,
    group: &Group,
    reference: &Reference,
    records: &[RunRecord],
    noise_on: Option<&str>,
) -> GroupSummary {
    let mut rows: Vec<RowSummary> = group
        .rows
        .iter()
        .map(|row| {
            let mine = |r: &&RunRecord| r.group == index && r.approach == row.approach;
            let failure = records.iter().filter(mine).find_map(|r| r.failure.clone());
            let counted: Vec<&RunRecord> =
                records.iter().filter(mine).filter(|r| !r.warmup && r.failure.is_none()).collect();
            let stat = |f: &dyn Fn(&RunRecord) -> Option<f64>| {
                Stat::of(&counted.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
            };
            let mut names: Vec<&String> = counted.iter().flat_map(|r| r.metrics.keys()).collect();
            names.sort();
            names.dedup();
            let metrics: BTreeMap<String, Stat> = names
                .into_iter()
                .filter_map(|name| Some((name.clone(), stat(&|r| r.metrics.get(name).copied())?)))
                .collect();
            let report = counted.iter().find_map(|r| r.report.as_ref());
            let wall_ms = stat(&|r| Some(r.measurement.wall_ms));
            let noisy = match noise_on {
                None => wall_ms,
                Some(key) => metrics.get(key).copied(),
            }
            .is_some_and(|s| s.spread() > NOISY_SPREAD);
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
                baseline: row.baseline,
                python: row.python,
                expect: row.expect.clone(),
                runs: counted.len(),
                failure,
                outcome: counted.iter().find_map(|r| r.outcome.clone()),
                outcome_runs: counted.iter().filter(|r| r.outcome.is_some()).count(),
                skipped: row.skip.clone(),
                bare: row.bare.clone(),
                wall_ms,
                in_process_ms: stat(&|r| r.report.as_ref().map(|rep| rep.elapsed_ms)),
                cpu_ms: stat(&|r| Some(r.measurement.user_ms + r.measurement.sys_ms)),
                max_rss_kib: stat(&|r| Some(r.measurement.max_rss_kib as f64)),
                peak_threads: stat(&|r| Some(r.measurement.peak_threads as f64)),
                voluntary_switches: stat(&|r| Some(r.measurement.voluntary_switches as f64)),
                involuntary_switches: stat(&|r| Some(r.measurement.involuntary_switches as f64)),
                metrics,
                result: report.map(|rep| rep.result),
                checksum: report.map(|rep| rep.checksum.clone()),
                worker_threads: report.map(|rep| rep.worker_threads),
                x_ideal,
                speedup: None,
                efficiency: None,
                noisy,
            }
        })
        .collect();
    let baseline = rows.iter().find(|r| r.baseline).and_then(|r| r.wall_ms);
    if let Some(base) = baseline {
        for row in &mut rows {
            if let (Some(wall), None) = (row.wall_ms, &row.failure) {
                let speedup = base.median / wall.median;
                row.speedup = Some(speedup);
                row.efficiency = Some(speedup / row.params.threads as f64);
            }
        }
    }
    GroupSummary {
        label: group.label.clone(),
        section: group.section,
        example: group.example,
        expected: reference.clone(),
        rows,
        noise_on: noise_on.map(String::from),
    }
}

/// The part of a cpu row's shortfall spent idle: (T × wall − CPU time) ÷ (T × wall), from
/// the medians, where T is the worker threads it was given. 0 when every thread computed
/// from start to end; the jobs' tail (threads out of work while the last jobs run) and
/// process start-up make it up. None without both figures.
pub fn idle_tail(row: &RowSummary) -> Option<f64> {
    let capacity = row.params.threads as f64 * row.wall_ms?.median;
    let cpu = row.cpu_ms?.median;
    (capacity > 0.0).then(|| (capacity - cpu) / capacity)
}

/// The other part: CPU time ÷ the group's baseline's CPU time − 1, what the machine charges
/// for the same work on more threads at once (shared caches, memory bandwidth, clock
/// boost, the runtime's own bookkeeping). None without both figures.
pub fn cpu_inflation(row: &RowSummary, group: &GroupSummary) -> Option<f64> {
    let base = group.baseline()?.cpu_ms?.median;
    let cpu = row.cpu_ms?.median;
    (base > 0.0).then(|| cpu / base - 1.0)
}

/// A row's overhead over its bare-runtime row (`figure(row) ÷ figure(bare) − 1`), for a
/// figure such as wall time or peak RSS; None where it has none or either lacks the figure.
pub fn over_bare(
    row: &RowSummary,
    group: &GroupSummary,
    figure: fn(&RowSummary) -> Option<Stat>,
) -> Option<f64> {
    let bare = group.row(row.bare.as_deref()?)?;
    let (mine, theirs) = (figure(row)?.median, figure(bare)?.median);
    (theirs > 0.0).then(|| mine / theirs - 1.0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::Section;

    fn row(approach: &str, threads: usize, wall: f64, cpu: f64) -> RowSummary {
        let json = format!(
            r#"{{"approach":"{approach}","example":"cpu","params":{{"threads":{threads}}},"runs":1,
            "failure":null,"wall_ms":{{"median":{wall},"min":{wall},"max":{wall}}},
            "in_process_ms":null,"cpu_ms":{{"median":{cpu},"min":{cpu},"max":{cpu}}},
            "max_rss_kib":null,"peak_threads":null,"voluntary_switches":null,
            "involuntary_switches":null,"result":null,"checksum":null,"worker_threads":null,
            "x_ideal":null,"speedup":null,"efficiency":null,"noisy":false}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn the_shortfall_splits_into_idle_tail_and_cpu_inflation() {
        // Sequential: 1000 ms of work in 1000 ms. On 4 threads: 300 ms wall, 1100 ms CPU.
        let mut sequential = row("sequential", 1, 1000.0, 1000.0);
        sequential.baseline = true;
        let tokio = row("tokio", 4, 300.0, 1100.0);
        let group = GroupSummary {
            label: "cpu".into(),
            section: Section::Cpu,
            example: Example::Cpu,
            expected: Reference { checksum: None, source: "first result".into(), result: None },
            rows: vec![sequential.clone(), tokio.clone()],
            noise_on: None,
        };
        // 4 × 300 = 1200 ms of capacity, 1100 used: 1/12 idle.
        assert!((idle_tail(&tokio).unwrap() - 100.0 / 1200.0).abs() < 1e-12);
        // 1100 ms for 1000 ms of work: 10% inflation.
        assert!((cpu_inflation(&tokio, &group).unwrap() - 0.10).abs() < 1e-12);
        assert_eq!(
            (idle_tail(&sequential), cpu_inflation(&sequential, &group)),
            (Some(0.0), Some(0.0))
        );
        // Efficiency = speedup ÷ T = 1000 / (4 × 300) = (1 − idle) ÷ (1 + inflation).
        let efficiency = 1000.0 / (4.0 * 300.0);
        let split =
            (1.0 - idle_tail(&tokio).unwrap()) / (1.0 + cpu_inflation(&tokio, &group).unwrap());
        assert!((efficiency - split).abs() < 1e-12);
        // No baseline, or no CPU figure: no inflation.
        let alone = GroupSummary { rows: vec![tokio.clone()], ..group.clone() };
        assert_eq!(cpu_inflation(&tokio, &alone), None);
    }

    #[test]
    fn overhead_over_bare_is_against_the_named_row() {
        let mut tokio = row("tokio", 2, 2300.0, 900.0);
        tokio.bare = Some("bare-tokio".into());
        let bare = row("bare-tokio", 2, 2000.0, 800.0);
        let group = GroupSummary {
            label: "scale".into(),
            section: Section::Scale,
            example: Example::Io,
            expected: Reference { checksum: None, source: "first result".into(), result: None },
            rows: vec![tokio.clone(), bare.clone()],
            noise_on: None,
        };
        let wall = over_bare(&tokio, &group, |r| r.wall_ms).unwrap();
        assert!((wall - 0.15).abs() < 1e-12);
        assert_eq!(over_bare(&bare, &group, |r| r.wall_ms), None);
    }
}
