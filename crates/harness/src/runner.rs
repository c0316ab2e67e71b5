//! Running groups of rows: warm-ups, then counted runs interleaved across the rows
//! (A B C … A B C …) so drift hits every row alike; every run checked.

use std::time::Duration;

use avt_common::{Report, cpu_checksum, io_checksum, known_pi};
use serde::{Deserialize, Serialize};

use crate::measure::{self, End, Measurement};
use crate::plan::{Example, Row, SEQUENTIAL};
use crate::progress::Progress;

/// Rows compared with each other: same example, same parameters (but threads).
#[derive(Debug, Clone)]
pub struct Group {
    /// The title over the group's table, e.g. "io: 3 fetches × 2000 ms wait · …".
    pub label: String,
    /// A few words for progress lines, e.g. "io" or "io 1000 tasks".
    pub short: String,
    pub example: Example,
    pub rows: Vec<Row>,
    /// The row speedups are measured against (cpu groups).
    pub baseline: Option<String>,
}

/// The checksum every run of a group must report, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub checksum: Option<String>,
    /// "every id once", "π table", "sequential run" or "first result" (no other reference).
    pub source: String,
}

impl Expected {
    /// What the group's rows must produce, where it is known before running anything.
    pub fn for_group(group: &Group) -> Expected {
        let params = group.rows.first().map(|r| r.params.clone()).unwrap_or_default();
        let known = match group.example {
            Example::Io => params.tasks.map(|t| (io_checksum(t), "every id once")),
            Example::Cpu => {
                params.limit.and_then(|l| known_pi(l).map(|pi| (cpu_checksum(l, pi), "π table")))
            }
        };
        match known {
            Some((sum, source)) => Expected { checksum: Some(hex(sum)), source: source.into() },
            None => Expected { checksum: None, source: "first result".into() },
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
    pub failure: Option<String>,
}

/// The harness was interrupted; nothing is written.
#[derive(Debug)]
pub struct Interrupted;

/// Runs groups one at a time: `warmup` uncounted then `runs` counted rounds each, every
/// round running each row once. A row that fails once is not run again; the others go on.
pub struct Runner {
    pub runs: usize,
    pub warmup: usize,
    pub timeout: Duration,
    /// Every run so far, warm-ups included.
    pub records: Vec<RunRecord>,
    /// Says what runs, and the time elapsed and left.
    pub progress: Progress,
}

impl Runner {
    /// A runner for `rows` rows in all, so progress can say "run i of n".
    pub fn new(rows: usize, runs: usize, warmup: usize, timeout: Duration) -> Self {
        let progress = Progress::new(rows, runs + warmup);
        Runner { runs, warmup, timeout, records: Vec::new(), progress }
    }

    /// Runs group number `index`; rows with `skip` set are not run.
    pub fn run_group(
        &mut self,
        index: usize,
        group: &Group,
        expected: &mut Expected,
    ) -> Result<(), Interrupted> {
        let (runs, warmup) = (self.runs, self.warmup);
        let mut done: Vec<bool> = group.rows.iter().map(|r| r.skip.is_some()).collect();
        for round in 0..warmup + runs {
            let (is_warmup, run) =
                if round < warmup { (true, round + 1) } else { (false, round - warmup + 1) };
            for (r, row) in group.rows.iter().enumerate() {
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
                let record = run_once(index, row, run, is_warmup, expected, self.timeout);
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

fn run_once(
    group: usize,
    row: &Row,
    run: usize,
    warmup: bool,
    expected: &mut Expected,
    timeout: Duration,
) -> RunRecord {
    let (measurement, report, failure) = match measure::measure(&row.spec, timeout) {
        Ok(m) => match check(row, &m, expected, timeout) {
            Ok(report) => (m, Some(report), None),
            Err(why) => {
                let report = last_report(&m.stdout);
                (m, report, Some(why))
            }
        },
        Err(e) => {
            let why = format!("could not start {}: {e}", row.spec.program.display());
            (Measurement::not_started(), None, Some(why))
        }
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
    }
}

/// Checks a finished run: clean exit, a JSON report, the parameters asked for, the right
/// result. Sets the group's expected checksum from the first good run where none is known.
fn check(
    row: &Row,
    m: &Measurement,
    expected: &mut Expected,
    timeout: Duration,
) -> Result<Report, String> {
    let last_err = m.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    match m.end {
        End::Exited(0) => {}
        End::Exited(code) => return Err(format!("exit code {code}: {last_err}")),
        End::Signaled(signal) => return Err(format!("killed by signal {signal}: {last_err}")),
        End::TimedOut => return Err(format!("timed out after {} s (killed)", timeout.as_secs())),
        End::Interrupted => return Err("interrupted".into()),
    }
    let report = last_report(&m.stdout).ok_or("no JSON report on stdout")?;
    if report.example != row.example.name() || report.params != row.params {
        return Err(format!(
            "ran other parameters than asked: {} {:?}",
            report.example, report.params
        ));
    }
    match &expected.checksum {
        Some(sum) if *sum != report.checksum => Err(format!(
            "wrong result {} (checksum {}), expected checksum {sum} ({})",
            report.result, report.checksum, expected.source
        )),
        Some(_) => Ok(report),
        None => {
            expected.checksum = Some(report.checksum.clone());
            if row.approach == SEQUENTIAL {
                expected.source = "sequential run".into();
            }
            Ok(report)
        }
    }
}

/// The last line of `stdout` that parses as a report.
fn last_report(stdout: &str) -> Option<Report> {
    stdout.lines().rev().find_map(|line| serde_json::from_str(line).ok())
}
