//! Running groups of rows: warm-ups, then counted runs interleaved across the rows
//! (A B C … A B C …) so drift hits every row alike; every run checked, and judged by what
//! its row expects ([`crate::model::outcome::Expect`]). What runs is told to an [`Observer`]
//! (the progress display, in `crate::progress`): the runner draws nothing itself.

use std::collections::BTreeMap;
use std::time::Duration;

use avt_common::Report;
use serde_json::Value;

use crate::model::group::{Group, Reference, RunRecord, SERVER_CPU_MS};
use crate::model::measurement::{End, Measurement};
use crate::model::outcome::{Failure, Verdict};
use crate::model::plan::Row;
use crate::run::measure;

/// What the runner tells as it goes: the seam between it and the progress display.
pub trait Observer {
    /// Row `row` of group `group` has its turn (`what`: "io · tokio · run 2/3"); it may not
    /// run (a row that failed earlier sits its turns out).
    fn step(&mut self, group: usize, row: usize, what: &str);
    /// The run announced by [`step`](Self::step) finished; a `failed` row does not run again.
    fn ran(&mut self, failed: bool);
    /// The group is over (or interrupted).
    fn done(&mut self);
}

/// An observer that says nothing (the runner's own, until one is given).
pub struct Silent;

impl Observer for Silent {
    fn step(&mut self, _: usize, _: usize, _: &str) {}
    fn ran(&mut self, _: bool) {}
    fn done(&mut self) {}
}

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
    /// The delay server of `--source tcp`: its CPU time during each tcp run becomes the
    /// run's `server_cpu_ms` metric.
    pub server_pid: Option<u32>,
}

impl Runner {
    /// A runner of `runs` counted runs after `warmup` per row, where a row has none of its
    /// own (`Row::rounds`), over `rows` rows in all.
    pub fn new(_rows: usize, runs: usize, warmup: usize, timeout: Duration) -> Self {
        Runner { runs, warmup, timeout, records: Vec::new(), server_pid: None }
    }

    /// Runs group number `index`, telling nobody; rows with `skip` set are not run.
    pub fn run_group(
        &mut self,
        index: usize,
        group: &Group,
        reference: &mut Reference,
    ) -> Result<(), Interrupted> {
        self.run_observed(index, group, reference, &mut Silent)
    }

    /// [`run_group`](Self::run_group), telling `observer` what runs.
    pub fn run_observed(
        &mut self,
        index: usize,
        group: &Group,
        reference: &mut Reference,
        observer: &mut dyn Observer,
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
                observer.step(index, r, &format!("{} · {} · {what}", group.short, row.approach));
                if done[r] {
                    continue;
                }
                let server =
                    self.server_pid.filter(|_| row.params.source.as_deref() == Some("tcp"));
                let before = server.and_then(crate::run::server::cpu_ms);
                // A row with a result of its own is checked against it, not the group's.
                let mut own = row.own.as_ref().map(Reference::own);
                let checked_by = own.as_mut().unwrap_or(&mut *reference);
                let mut record = run_once(index, row, run, is_warmup, checked_by, self.timeout);
                let after = server.and_then(crate::run::server::cpu_ms);
                if let (Some(before), Some(after)) = (before, after) {
                    record.metrics.insert(SERVER_CPU_MS.into(), after - before);
                }
                observer.ran(record.failure.is_some());
                if record.measurement.end == End::Interrupted {
                    observer.done();
                    return Err(Interrupted);
                }
                done[r] = record.failure.is_some();
                self.records.push(record);
            }
        }
        observer.done();
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
    let (report, metrics, extra) = match line {
        Some((report, value)) => (Some(report), metrics(&value), extra(value)),
        None => (None, BTreeMap::new(), serde_json::Map::new()),
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
        extra,
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

/// A report's fields beyond [`REPORT_FIELDS`], as printed.
fn extra(report: Value) -> serde_json::Map<String, Value> {
    match report {
        Value::Object(mut fields) => {
            fields.retain(|key, _| !REPORT_FIELDS.contains(&key.as_str()));
            fields
        }
        _ => serde_json::Map::new(),
    }
}

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
