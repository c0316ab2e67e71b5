//! Running groups of rows: warm-ups, then counted runs interleaved across the rows
//! (A B C … A B C …) so drift hits every row alike; every run checked, and judged by what
//! its row expects ([`crate::outcome::Expect`]).

use std::collections::BTreeMap;
use std::time::Duration;

use avt_common::{Report, cpu_checksum, io_checksum, known_pi};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::measure::{self, End, Measurement};
use crate::outcome::{Failure, Verdict};
use crate::plan::{Example, Row, Section};
use crate::progress::Progress;

/// Rows compared with each other: same example, same parameters (but threads).
#[derive(Debug, Clone)]
pub struct Group {
    /// The title over the group's table, e.g. "io: 3 fetches × 2000 ms wait · …".
    pub label: String,
    /// A few words for progress lines, e.g. "io" or "io 1000 tasks".
    pub short: String,
    /// The part of the comparison it belongs to, which decides its table's columns.
    pub section: Section,
    pub example: Example,
    /// Its rows; a row marked `baseline` is the 1x of the group's speedups.
    pub rows: Vec<Row>,
}

/// The result every run of a group must report, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub checksum: Option<String>,
    /// "every id once", "π table", "sequential run" or "first result" (no other reference).
    pub source: String,
    /// The plain result the checksum stands for, where known: io the fetches, cpu π(L).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub result: Option<u64>,
}

impl Reference {
    /// What the group's rows must produce, where it is known before running anything.
    pub fn for_group(group: &Group) -> Reference {
        let params = group.rows.first().map(|r| r.params.clone()).unwrap_or_default();
        let known = match group.example {
            Example::Io => params.tasks.map(|t| (io_checksum(t), "every id once", t as u64)),
            Example::Cpu => params
                .limit
                .and_then(|l| known_pi(l).map(|pi| (cpu_checksum(l, pi), "π table", pi))),
            // W × M: a run that lost updates reports less (a Python race shows it on purpose).
            Example::Shared => params.workers.zip(params.increments).map(|(w, m)| {
                let total = w as u64 * m;
                (avt_common::shared::shared_checksum(total, total), "W × M", total)
            }),
            // Checked by the example itself against each request's count.
            Example::Mixed => None,
        };
        match known {
            Some((sum, source, result)) => {
                Reference { checksum: Some(hex(sum)), source: source.into(), result: Some(result) }
            }
            None => Reference { checksum: None, source: "first result".into(), result: None },
        }
    }
}

pub fn hex(checksum: u64) -> String {
    format!("{checksum:016x}")
}

/// One run of one row, as measured and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub group: usize,
    pub approach: String,
    pub example: Example,
    /// 1-based; warm-ups are numbered separately.
    pub run: usize,
    pub warmup: bool,
    pub measurement: Measurement,
    /// The example's own JSON report, when it printed one.
    pub report: Option<Report>,
    /// Why the run does not count, if it does not.
    pub failure: Option<Failure>,
    /// How the run ended where its row expected something other than success (a deadlock
    /// named, updates lost, requests late): it counts, with its figures.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<Failure>,
    /// Every number the report holds beyond the fields every example reports (a ticker's
    /// `ticker.p99_us`, a `late` count), by its path in the report.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub metrics: BTreeMap<String, f64>,
}

/// The metric of a tcp run that holds the delay server's CPU time during it, in ms.
pub const SERVER_CPU_MS: &str = "server_cpu_ms";

/// The harness was interrupted; the runs so far are in [`Runner::records`].
#[derive(Debug)]
pub struct Interrupted;

/// Runs groups one at a time: `warmup` uncounted then `runs` counted rounds each, every
/// round running each row once. A row whose run does not count is not run again; the others
/// go on.
pub struct Runner {
    pub runs: usize,
    pub warmup: usize,
    pub timeout: Duration,
    /// Every run so far, warm-ups included.
    pub records: Vec<RunRecord>,
    /// Says what runs, and the time elapsed and left.
    pub progress: Progress,
    /// The delay server of `--source tcp`: its CPU time during each tcp run becomes the
    /// run's `server_cpu_ms` metric.
    pub server_pid: Option<u32>,
}

impl Runner {
    /// A runner for `rows` rows in all, so progress can say "run i of n".
    pub fn new(rows: usize, runs: usize, warmup: usize, timeout: Duration) -> Self {
        let progress = Progress::new(rows, runs + warmup);
        Runner { runs, warmup, timeout, records: Vec::new(), progress, server_pid: None }
    }

    /// Runs group number `index`; rows with `skip` set are not run.
    pub fn run_group(
        &mut self,
        index: usize,
        group: &Group,
        reference: &mut Reference,
    ) -> Result<(), Interrupted> {
        let rounds =
            |row: &Row| row.rounds.map_or((self.warmup, self.runs), |r| (r.warmup, r.runs));
        let most = group.rows.iter().map(|row| rounds(row).0 + rounds(row).1).max().unwrap_or(0);
        let mut done: Vec<bool> = group.rows.iter().map(|r| r.skip.is_some()).collect();
        for round in 0..most {
            for (r, row) in group.rows.iter().enumerate() {
                // A row with fewer rounds of its own (`Row::rounds`) sits out the last ones.
                let (warmup, runs) = rounds(row);
                if round >= warmup + runs {
                    continue;
                }
                let (is_warmup, run) =
                    if round < warmup { (true, round + 1) } else { (false, round - warmup + 1) };
                let what = if is_warmup {
                    format!("warm-up {run}/{warmup}")
                } else {
                    format!("run {run}/{runs}")
                };
                self.progress.step(
                    index,
                    r,
                    &format!("{} · {} · {what}", group.short, row.approach),
                );
                if done[r] {
                    continue;
                }
                let server =
                    self.server_pid.filter(|_| row.params.source.as_deref() == Some("tcp"));
                let before = server.and_then(crate::server::cpu_ms);
                let mut record = run_once(index, row, run, is_warmup, reference, self.timeout);
                let after = server.and_then(crate::server::cpu_ms);
                if let (Some(before), Some(after)) = (before, after) {
                    record.metrics.insert(SERVER_CPU_MS.into(), after - before);
                }
                self.progress.ran(record.failure.is_some());
                if record.measurement.end == End::Interrupted {
                    self.progress.clear();
                    return Err(Interrupted);
                }
                done[r] = record.failure.is_some();
                self.records.push(record);
            }
        }
        self.progress.clear();
        Ok(())
    }
}

/// Runs `row` once, checks the run, and judges it by what the row expects.
fn run_once(
    group: usize,
    row: &Row,
    run: usize,
    warmup: bool,
    reference: &mut Reference,
    timeout: Duration,
) -> RunRecord {
    let (measurement, checked, line) = match measure::measure(&row.spec, timeout) {
        Ok(m) => {
            let line = last_report(&m.stdout);
            let checked = check(row, &m, line.as_ref(), reference, timeout);
            (m, checked, line)
        }
        Err(e) => {
            let program = row.spec.program.display().to_string();
            let failure = Failure::NotStarted { program, error: e.to_string() };
            (Measurement::not_started(), Err(failure), None)
        }
    };
    let verdict = row.expect.judge(checked.as_ref().err());
    let (failure, outcome) = match (verdict, checked) {
        (Verdict::Counts, Ok(())) => (None, None),
        (Verdict::Counts, Err(f)) => (None, Some(f)),
        (_, Err(f)) => (Some(f), None),
        (_, Ok(())) => (row.expect.unmet(), None),
    };
    let (report, metrics) = match line {
        Some((report, value)) => (Some(report), metrics(&value)),
        None => (None, BTreeMap::new()),
    };
    RunRecord {
        group,
        approach: row.approach.clone(),
        example: row.example,
        run,
        warmup,
        measurement,
        report,
        failure,
        outcome,
        metrics,
    }
}

/// Checks a finished run: clean exit, a JSON report, the parameters asked for, nothing late,
/// the right result. Sets the group's reference from the first good run where none is known.
fn check(
    row: &Row,
    m: &Measurement,
    line: Option<&(Report, Value)>,
    reference: &mut Reference,
    timeout: Duration,
) -> Result<(), Failure> {
    let message = m.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
    match m.end {
        End::Exited(0) => {}
        End::Exited(code) => return Err(Failure::Exit { code, message }),
        End::Signaled(signal) => return Err(Failure::Signal { signal, message }),
        End::TimedOut => return Err(Failure::TimedOut { after_s: timeout.as_secs() }),
        End::Interrupted => return Err(Failure::Interrupted),
    }
    let (report, value) = line.ok_or(Failure::NoReport)?;
    // A row that asks for no variant runs the crate's right way, whatever the crate calls it.
    let mut asked = row.params.clone();
    if asked.variant.is_none() {
        asked.variant.clone_from(&report.params.variant);
    }
    if report.example != row.example.name() || report.params != asked {
        return Err(Failure::OtherParams {
            example: report.example.clone(),
            params: format!("{:?}", report.params),
        });
    }
    if let Some(late) = value.get("late").and_then(Value::as_u64).filter(|&late| late > 0) {
        return Err(Failure::Late { late });
    }
    match &reference.checksum {
        Some(sum) if *sum != report.checksum => Err(Failure::WrongResult {
            result: report.result,
            checksum: report.checksum.clone(),
            expected_checksum: sum.clone(),
            source: reference.source.clone(),
            expected_result: reference.result,
        }),
        Some(_) => Ok(()),
        None => {
            reference.checksum = Some(report.checksum.clone());
            reference.result = Some(report.result);
            if row.baseline {
                reference.source = "sequential run".into();
            }
            Ok(())
        }
    }
}

/// The last line of `stdout` that parses as a report, as a report and as JSON.
fn last_report(stdout: &str) -> Option<(Report, Value)> {
    stdout
        .lines()
        .rev()
        .find_map(|line| Some((serde_json::from_str(line).ok()?, serde_json::from_str(line).ok()?)))
}

/// The fields every example reports, which [`RunRecord`] keeps in `report`.
const REPORT_FIELDS: [&str; 9] = [
    "approach",
    "example",
    "params",
    "result",
    "checksum",
    "verified",
    "elapsed_ms",
    "worker_threads",
    "build",
];

/// Every number in a report beyond [`REPORT_FIELDS`], by its dotted path: what a section's
/// columns can show (`ticker.p99_us`, `latency.p50_us`, `late`, …) without the runner
/// knowing of them.
fn metrics(report: &Value) -> BTreeMap<String, f64> {
    fn walk(value: &Value, path: String, out: &mut BTreeMap<String, f64>) {
        match value {
            Value::Number(n) => {
                if let Some(n) = n.as_f64() {
                    out.insert(path, n);
                }
            }
            Value::Object(fields) => {
                for (key, value) in fields {
                    let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(value, path, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Value::Object(fields) = report {
        for (key, value) in fields.iter().filter(|(k, _)| !REPORT_FIELDS.contains(&k.as_str())) {
            walk(value, key.clone(), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_the_numbers_beyond_the_usual_fields() {
        let line = r#"{"approach":"tokio","example":"io","params":{"threads":2},"result":3,
            "checksum":"ab","verified":true,"elapsed_ms":1.5,"worker_threads":2,"late":4,
            "ticker":{"period_us":10000,"p99_us":250.5,"name":"x"},"ids":[1,2]}"#;
        let metrics = metrics(&serde_json::from_str(line).unwrap());
        let expected = [("late", 4.0), ("ticker.p99_us", 250.5), ("ticker.period_us", 10000.0)];
        assert_eq!(metrics, expected.map(|(k, v)| (k.to_string(), v)).into());
    }
}
