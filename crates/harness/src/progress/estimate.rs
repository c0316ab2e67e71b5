//! The time left: before a group runs, each of its rows and every later group's get a cost
//! per run ([`cost`]): an io run takes its wait (rayon's ⌈N/T⌉ waits) plus what the row's
//! earlier points took beyond it ([`estimate_s`]); a cpu run takes a model of trial division,
//! divided among its threads. A row the sweep will skip ([`skip_reason`]) costs nothing. As
//! runs finish, a row's next runs take what its finished ones took, and a guess not yet run
//! (the wait alone, the cpu model) is scaled by how far finished guesses of its kind (Rust or
//! Python, io or cpu) were off: this machine's speed and overheads ([`Eta`]).

use crate::model::outcome::Failure;
use crate::model::plan::{Approach, Example, Row};
use crate::model::summary::GroupSummary;

/// Seconds the sequential Rust cpu row takes at the default limit (10⁷) on the 2-core AMD EPYC
/// of the committed samples; finished runs correct it for this machine.
const CPU_S_AT_DEFAULT: f64 = 1.465;
/// CPython's trial division against Rust's: python-sequential at L/10 took about as long as
/// the Rust sequential run at L (1.9 s against 1.5 s), i.e. some 35 times the work per second.
const PYTHON_CPU_FACTOR: f64 = 35.0;
/// Starting the Python interpreter and importing the example, per run.
const PYTHON_START_S: f64 = 0.15;

/// What one run of a row should take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    pub secs: f64,
    /// A guess from the wait or the cpu model alone, corrected by finished runs of the same
    /// kind; None for an estimate from the row's own earlier points, which is left as it is.
    pub kind: Option<Kind>,
    /// Expected to fail at its first run, as it did at a smaller point (an OS limit), and so
    /// to run only once.
    pub once: bool,
}

impl Cost {
    pub const NOTHING: Cost = Cost { secs: 0.0, kind: None, once: false };
}

/// Rows whose estimates are off alike: the cpu model by this machine's speed (Rust and CPython
/// apart), an io wait by the overheads of starting a process (CPython's are larger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Io,
    PythonIo,
    RustCpu,
    PythonCpu,
}

/// The cost per run of `row`, given the groups `done` so far and the sweep's cap (a row whose
/// estimate is over it will be skipped), on a machine with `cores` logical CPUs.
pub fn cost(row: &Row, done: &[GroupSummary], cap_s: Option<u64>, cores: usize) -> Cost {
    cost_with(row, done, cap_s, cores, None)
}

/// [`cost`], where the row's section gives its own cost per run (`hint`) for rows the model
/// here does not know (an example it has no branch for); the cap applies all the same.
pub fn cost_with(
    row: &Row,
    done: &[GroupSummary],
    cap_s: Option<u64>,
    cores: usize,
    hint: Option<Cost>,
) -> Cost {
    if row.skip.is_some() {
        return Cost::NOTHING;
    }
    let cost = hint.unwrap_or_else(|| modelled(row, done, cores));
    // The sweep skips a row on its own estimate, from the points run so far, which runs lower
    // than this one where the cost per task grows: it will skip what this one puts at over
    // twice the cap, and can be expected to run what is under it.
    let skipped = cap_s.is_some_and(|cap| {
        cost.secs > 2.0 * cap as f64 || skip_reason(row, done, cap as f64).is_some()
    });
    if skipped { Cost::NOTHING } else { cost }
}

/// The cost per run of `row` as the model sees it, from its example and parameters.
fn modelled(row: &Row, done: &[GroupSummary], cores: usize) -> Cost {
    let python = row.python;
    let start = if python { PYTHON_START_S } else { 0.0 };
    match row.example {
        Example::Io => {
            let p = &row.params;
            let wait = p.delay_ms.unwrap_or(0) as f64 / 1e3 * waits(row) as f64;
            let floor = wait + p.tasks.unwrap_or(0) as f64 * per_task_s(&row.approach);
            let secs = estimate_s(row, done).unwrap_or(0.0).max(floor) + start;
            let measured = done.iter().flat_map(|g| &g.rows).any(|r| {
                r.approach == row.approach && r.example == row.example && r.wall_ms.is_some()
            });
            let kind = if python { Kind::PythonIo } else { Kind::Io };
            // The sweep runs a row again where it failed at a smaller point: it is quick to
            // fail again, at about its wait.
            let failed = done.iter().flat_map(|g| &g.rows).any(|r| {
                r.approach == row.approach && r.example == row.example && r.failure.is_some()
            });
            match failed {
                true => Cost { secs: wait + start, kind: None, once: true },
                false => Cost { secs, kind: (!measured).then_some(kind), once: false },
            }
        }
        Example::Cpu => {
            let sequential = sequential_cpu_s(row.params.limit.unwrap_or(0));
            // CPython's threads share one interpreter lock: more of them do not go faster.
            if python {
                let secs = sequential * PYTHON_CPU_FACTOR + start;
                Cost { secs, kind: Some(Kind::PythonCpu), once: false }
            } else {
                let threads = match row.params.variant.as_deref() {
                    // The counting on one thread (run-all's mistakes section).
                    Some("current-thread") => 1.0,
                    _ => row.params.threads.clamp(1, cores.max(1)) as f64,
                };
                Cost { secs: sequential / threads, kind: Some(Kind::RustCpu), once: false }
            }
        }
        Example::Shared => Cost { secs: shared_s(row) + start, kind: None, once: false },
        // The arrivals (N/R) and one fetch, bounded by the deadline.
        Example::Mixed if row.params.requests.is_some() && row.params.rate.is_some() => {
            let p = &row.params;
            let arrivals = p.requests.unwrap_or(0) as f64 / p.rate.unwrap_or(1.0);
            let ideal = arrivals + p.delay_ms.unwrap_or(0) as f64 / 1e3 + 0.05;
            let secs = p.deadline_ms.map_or(ideal, |ms| ideal.min(ms as f64 / 1e3)) + start;
            Cost { secs, kind: None, once: false }
        }
        // Otherwise bounded by the deadline the section chose; an example the model does
        // not know (and whose section gave no cost): its deadline, or a second.
        _ => {
            let p = &row.params;
            let secs = p.deadline_ms.map_or(1.0, |ms| ms as f64 / 1e3 / 2.0) + start;
            Cost { secs, kind: None, once: false }
        }
    }
}

/// Waits one io run takes in a row: 1, or for `blocking-sleep` (each thread sleeps out one
/// fetch at a time; asyncio's one loop: every fetch) ⌈N/T⌉.
fn waits(row: &Row) -> usize {
    let p = &row.params;
    if p.variant.as_deref() != Some("blocking-sleep") {
        return 1;
    }
    let threads = if row.python { 1 } else { p.threads.max(1) };
    p.tasks.unwrap_or(1).div_ceil(threads)
}

/// Seconds a shared run takes: W × M increments at the rate each way to share measured on
/// the committed 2-core machine (docs/shared-state.md); a deadlock: its watchdog's wait.
fn shared_s(row: &Row) -> f64 {
    let p = &row.params;
    let increments = p.workers.unwrap_or(1) as f64 * p.increments.unwrap_or(0) as f64;
    let variant = p.variant.as_deref().unwrap_or("");
    if variant == "deadlock" {
        let at = row.spec.args.iter().position(|a| a == "--watchdog-ms");
        let ms = at.and_then(|i| row.spec.args.get(i + 1)?.parse::<f64>().ok());
        return ms.unwrap_or(avt_common::shared::WATCHDOG_MS as f64) / 1e3 + 0.05;
    }
    let per_s = match (row.python, row.approach.starts_with("python-asyncio"), variant) {
        (true, false, "plain") => 3e6,
        (true, false, "forced-race") => 3e4,
        (true, false, "forced-race-locked") => 4e3,
        (true, false, _) => 5e5,
        (true, true, "forced-race-locked") => 3e4,
        (true, true, _) => 6e4,
        (false, _, "async-mutex") => 1.3e6,
        (false, _, "channel") => 2.5e6,
        (false, _, "lock-order") => 4e6,
        (false, _, "mutex") => 4e7,
        (false, _, "sharded") => 3e8,
        (false, _, _) => 8e7,
    };
    increments / per_s + 0.01
}

/// Seconds an io run takes per task in flight beyond its wait, by approach, as the committed
/// 2-core sweep measured them at the largest point each reached: a floor under the sweep's
/// own estimate, which sees only the points run so far and so misses a cost that grows faster
/// than the tasks (CPython's threads: 0.28 ms a task at 10 000, 0.69 ms at 100 000).
fn per_task_s(approach: &str) -> f64 {
    match approach {
        "python-threading" => 7e-4,
        "python-asyncio" => 2.7e-5,
        // The bare-runtime programs: one sleep per task and nothing else, 0.4–0.8 s beyond the
        // wait at a million tasks on 2 cores.
        "bare-tokio" | "bare-async-std" | "bare-smol" => 8e-7,
        // The Rust rows: the async runtimes ≤ 0.9 s at a million; std-threads 0.6 s at 10 000,
        // then the OS thread limit (it fails quickly); rayon's waits are the sweep's estimate.
        _ => 1e-6,
    }
}

/// Seconds the sequential Rust row takes to count the primes in [0, `limit`]: trial division
/// of n tries the primes up to √n, so the work grows about as L^1.5 ÷ ln L.
fn sequential_cpu_s(limit: u64) -> f64 {
    let (l, l0) = (limit.max(16) as f64, avt_common::LIMIT as f64);
    CPU_S_AT_DEFAULT * (l / l0).powf(1.5) * l0.ln() / l.ln()
}

/// The time left, from a cost per run of every row and the runs that finished.
#[derive(Debug, Clone, Default)]
pub struct Eta {
    /// Runs per row: warm-ups and counted runs.
    rounds: usize,
    /// Per group, per row.
    rows: Vec<Vec<RowEta>>,
}

#[derive(Debug, Clone, Copy)]
struct RowEta {
    cost: Cost,
    started: usize,
    finished: usize,
    finished_s: f64,
    /// Failed, so it does not run again.
    stopped: bool,
    /// Its own rounds, where they differ from the command's (`Row::rounds`).
    rounds: Option<usize>,
}

impl Eta {
    pub fn new(rounds: usize) -> Eta {
        Eta { rounds, rows: Vec::new() }
    }

    fn row(&mut self, group: usize, row: usize) -> &mut RowEta {
        if self.rows.len() <= group {
            self.rows.resize(group + 1, Vec::new());
        }
        let rows = &mut self.rows[group];
        if rows.len() <= row {
            let blank = RowEta {
                cost: Cost::NOTHING,
                started: 0,
                finished: 0,
                finished_s: 0.0,
                stopped: false,
                rounds: None,
            };
            rows.resize(row + 1, blank);
        }
        &mut rows[row]
    }

    pub fn set_cost(&mut self, group: usize, row: usize, cost: Cost) {
        self.row(group, row).cost = cost;
    }

    /// The row runs `rounds` times in all, not the command's number.
    pub fn set_rounds(&mut self, group: usize, row: usize, rounds: usize) {
        self.row(group, row).rounds = Some(rounds);
    }

    /// A run of the row begins (or its turn passes, if it does not run).
    pub fn started(&mut self, group: usize, row: usize) {
        self.row(group, row).started += 1;
    }

    /// A run of the row took `secs`; a `failed` row does not run again.
    pub fn finished(&mut self, group: usize, row: usize, secs: f64, failed: bool) {
        let r = self.row(group, row);
        r.finished += 1;
        r.finished_s += secs;
        r.stopped |= failed;
    }

    /// Finished runs' time ÷ their estimates, over the rows of `kind` that ran and did not
    /// fail (a failure's time says nothing of a run's): 1 until one has finished.
    fn correction(&self, kind: Kind) -> f64 {
        let (took, guessed) = self
            .rows
            .iter()
            .flatten()
            .filter(|r| r.cost.kind == Some(kind) && r.finished > 0 && r.cost.secs > 0.0)
            .filter(|r| !r.stopped)
            .fold((0.0, 0.0), |(t, g), r| (t + r.finished_s, g + r.cost.secs * r.finished as f64));
        if guessed > 0.0 { took / guessed } else { 1.0 }
    }

    /// Seconds the runs not yet started should take.
    pub fn left_s(&self) -> f64 {
        let kinds = [Kind::Io, Kind::PythonIo, Kind::RustCpu, Kind::PythonCpu];
        let corrections = kinds.map(|k| (k, self.correction(k)));
        self.rows
            .iter()
            .flatten()
            .filter(|r| !r.stopped)
            .map(|r| {
                let per_run = if r.finished > 0 {
                    r.finished_s / r.finished as f64
                } else {
                    let correct = corrections.iter().find(|(k, _)| Some(*k) == r.cost.kind);
                    r.cost.secs * correct.map_or(1.0, |(_, c)| *c)
                };
                let runs = if r.cost.once { 1 } else { r.rounds.unwrap_or(self.rounds) };
                runs.saturating_sub(r.started) as f64 * per_run
            })
            .sum()
    }
}

/// Why `row` should not run, if it should not: it timed out at a smaller point already, or
/// its estimated time is over the cap. (A row that failed otherwise runs again: its failure
/// at this point is worth showing, and comes quickly.)
pub fn skip_reason(row: &Row, done: &[GroupSummary], cap: f64) -> Option<String> {
    let size = |params: &avt_common::Params| params.tasks.unwrap_or(0).max(params.threads);
    let timed_out = done.iter().flat_map(|g| &g.rows).find(|r| {
        r.approach == row.approach
            && r.example == row.example
            && size(&r.params) < size(&row.params)
            && matches!(r.failure, Some(Failure::TimedOut { .. }))
    });
    if let Some(earlier) = timed_out {
        let at = match earlier.params.tasks {
            Some(tasks) => format!("{tasks} tasks"),
            None => format!("{} threads", earlier.params.threads),
        };
        return Some(format!("timed out at {at} already"));
    }
    let failed_smaller = done.iter().flat_map(|g| &g.rows).any(|r| {
        r.approach == row.approach
            && r.example == row.example
            && size(&r.params) < size(&row.params)
            && r.failure.is_some()
    });
    if failed_smaller {
        return None;
    }
    let secs = estimate_s(row, done).filter(|&s| s > cap)?;
    Some(format!("would take ~{secs:.0} s per run, over the {cap:.0} s cap"))
}

/// How many timeouts' worth a row's estimate must reach before run-all skips it: the model
/// knows nothing of this machine yet, so a row near the timeout runs, and is timed out as
/// before.
const OVER_TIMEOUT: f64 = 10.0;

/// Why run-all should not run `row`, if it should not: one run of it, as its sizes alone put
/// it ([`estimate_s`] with nothing run before), would outlast `timeout_s` many times over, and
/// only be killed (rayon's io at `--tasks 10000`: ⌈N/T⌉ waits one after another).
pub fn over_timeout(row: &Row, timeout_s: u64) -> Option<String> {
    let secs = estimate_s(row, &[]).filter(|&s| s > OVER_TIMEOUT * timeout_s as f64)?;
    Some(format!("would take ~{secs:.0} s per run, over the {timeout_s} s timeout (--timeout-s)"))
}

/// How long one run of `row` should take, in seconds, from what ran before it.
///
/// rayon's io runs T fetches at a time: ⌈N/T⌉ waits. Other io rows: one wait plus what
/// their largest earlier point took beyond its wait, as a fixed cost below 1000 tasks (process
/// start-up dominates there) and per task from 1000 up. cpu rows: their slowest earlier run.
/// None where nothing is known.
pub fn estimate_s(row: &Row, done: &[GroupSummary]) -> Option<f64> {
    let earlier = || {
        done.iter()
            .flat_map(|g| &g.rows)
            .filter(|r| r.approach == row.approach && r.example == row.example)
            .filter_map(|r| Some((r, r.wall_ms?)))
    };
    let p = &row.params;
    match row.example {
        Example::Io => {
            let (tasks, delay_s) = (p.tasks? as f64, p.delay_ms? as f64 / 1e3);
            if row.approach == Approach::Rayon.name() {
                return Some((tasks / p.threads as f64).ceil() * delay_s);
            }
            let extra = earlier().max_by_key(|(r, _)| r.params.tasks).map_or(0.0, |(r, wall)| {
                let (n, wait) =
                    (r.params.tasks.unwrap_or(1) as f64, r.params.delay_ms.unwrap_or(0));
                let beyond = (wall.median - wait as f64).max(0.0) / 1e3;
                if n < 1000.0 { beyond } else { beyond * tasks / n }
            });
            Some(delay_s + extra)
        }
        _ => earlier().map(|(_, wall)| wall.max / 1e3).reduce(f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::group::Group;
    use crate::model::plan::{Contender, CpuParams, IoParams};

    #[test]
    fn a_row_takes_what_its_finished_runs_took_and_failed_rows_cost_nothing() {
        let io = Cost { secs: 2.0, kind: Some(Kind::Io), once: false };
        let python = Cost { secs: 2.0, kind: Some(Kind::PythonIo), once: false };
        let mut eta = Eta::new(3);
        eta.set_cost(0, 0, io);
        eta.set_cost(0, 1, python);
        eta.set_cost(1, 0, io);
        assert_eq!(eta.left_s(), 18.0);
        eta.started(0, 0);
        eta.finished(0, 0, 3.0, false);
        // Row 0: two runs left at the 3 s it took; the next Rust io row is scaled as it was
        // (3 s for 2), Python's is not.
        assert_eq!(eta.left_s(), 2.0 * 3.0 + 3.0 * 2.0 + 3.0 * 3.0);
        eta.started(0, 1);
        eta.finished(0, 1, 0.5, true);
        assert_eq!(eta.left_s(), 2.0 * 3.0 + 3.0 * 3.0, "a failed row does not run again");
    }

    #[test]
    fn finished_cpu_runs_correct_the_model_for_the_rows_still_to_come() {
        let rust = |secs| Cost { secs, kind: Some(Kind::RustCpu), once: false };
        let mut eta = Eta::new(1);
        eta.set_cost(0, 0, rust(1.0));
        eta.set_cost(1, 0, rust(0.5));
        eta.set_cost(1, 1, Cost { secs: 4.0, kind: Some(Kind::PythonCpu), once: false });
        eta.started(0, 0);
        eta.finished(0, 0, 2.0, false);
        // This machine is twice as slow as the model: 0.5 s becomes 1 s; Python's is not
        // corrected by Rust's runs.
        assert_eq!(eta.left_s(), 1.0 + 4.0);
    }

    #[test]
    fn costs_come_from_the_wait_the_cpu_model_and_the_cap() {
        let bin = std::path::Path::new("/bin");
        let io = IoParams { tasks: 1000, delay_ms: 2000 }.with_threads(2);
        let tokio = Contender::rust(bin, Approach::Tokio).row(Example::Io, io.clone());
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let tokio_cost = cost(&tokio, &[], None, 2);
        assert!(
            near(tokio_cost.secs, 2.001) && tokio_cost.kind == Some(Kind::Io),
            "{tokio_cost:?}"
        );
        // CPython's threads cost some 0.7 ms a task beyond the wait.
        let python =
            crate::model::plan::Python { program: "python3".into(), version: "Python 3".into() };
        let threading = Contender::python(&python, bin)[1].row(Example::Io, io.clone());
        assert!(near(cost(&threading, &[], None, 2).secs, 2.0 + 0.7 + PYTHON_START_S));
        // rayon waits ⌈1000/2⌉ times: over a 60 s cap the sweep skips it, so it costs nothing.
        let rayon = Contender::rust(bin, Approach::Rayon).row(Example::Io, io);
        assert_eq!(cost(&rayon, &[], None, 2).secs, 1000.0);
        assert_eq!(cost(&rayon, &[], Some(60), 2), Cost::NOTHING);

        let cpu = CpuParams { limit: avt_common::LIMIT, jobs: 64 };
        let smol = |t| Contender::rust(bin, Approach::Smol).row(Example::Cpu, cpu.with_threads(t));
        let one = cost(&smol(1), &[], None, 2);
        assert_eq!(one, Cost { secs: CPU_S_AT_DEFAULT, kind: Some(Kind::RustCpu), once: false });
        assert_eq!(cost(&smol(2), &[], None, 2).secs, CPU_S_AT_DEFAULT / 2.0);
        assert_eq!(cost(&smol(4), &[], None, 2).secs, CPU_S_AT_DEFAULT / 2.0, "2 cores");
        // A tenth of the limit is some 30 times less work.
        let tenth = sequential_cpu_s(avt_common::LIMIT / 10) / CPU_S_AT_DEFAULT;
        assert!((0.03..0.04).contains(&tenth), "{tenth}");
    }

    /// run-all's mistakes and shared rows: a blocking sleep waits out the fetches a thread at a
    /// time, the counting on one thread has one core, a shared run its increments at its way's
    /// rate, a deadlock its watchdog; and groups with runs of their own count theirs.
    #[test]
    fn the_mistakes_and_shared_rows_cost_what_their_variant_does() {
        let bin = std::path::Path::new("/bin");
        let tokio = Contender::rust(bin, Approach::Tokio);
        let io = IoParams { tasks: 3, delay_ms: 500 };
        let row = |variant: &str, t| {
            tokio.with_variant(variant, variant.into()).row(Example::Io, io.with_threads(t))
        };
        let secs = |row: &Row| cost(row, &[], None, 2).secs;
        assert!((secs(&row("join-set", 2)) - 0.5).abs() < 0.01);
        assert!((secs(&row("blocking-sleep", 2)) - 1.0).abs() < 0.01, "⌈3/2⌉ waits");
        assert!((secs(&row("blocking-sleep", 1)) - 1.5).abs() < 0.01, "3 waits");
        let cpu = CpuParams { limit: avt_common::LIMIT, jobs: 64 };
        let on_one = tokio.with_variant("current-thread", "ct".into());
        assert_eq!(secs(&on_one.row(Example::Cpu, cpu.with_threads(2))), CPU_S_AT_DEFAULT);

        let shared = crate::model::plan::SharedParams { workers: 8, increments: 250_000 };
        let way =
            |v: &str| tokio.with_variant(v, v.into()).row(Example::Shared, shared.with_threads(2));
        assert!(secs(&way("async-mutex")) > 1.0 && secs(&way("atomic")) < 0.1);
        let mut deadlock = way("deadlock");
        deadlock.spec.args.extend(["--watchdog-ms".into(), "500".into()]);
        assert!((secs(&deadlock) - 0.55).abs() < 0.01);

        let mut eta = Eta::new(6);
        let one = Cost { secs: 1.0, kind: None, once: false };
        eta.set_cost(0, 0, one);
        eta.set_cost(1, 0, one);
        eta.set_cost(1, 1, one);
        // The second group's rows run 2 rounds of their own (`Row::rounds`).
        eta.set_rounds(1, 0, 2);
        eta.set_rounds(1, 1, 2);
        assert_eq!(eta.left_s(), 6.0 + 2.0 * 2.0);
    }

    /// Replays a committed sweep (every run's wall time, in order) through the estimate, as
    /// the runner would, and gives (seconds the sweep took, the estimate at its start, the
    /// estimate when half of that time had passed and the time really left then).
    fn replay(sample: &str) -> (f64, f64, f64, f64) {
        let path = crate::run::binaries::project_root().join("results/sample").join(sample);
        let r: crate::model::results::Results =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let spec = crate::model::measurement::Spec {
            program: "x".into(),
            args: Vec::new(),
            env: Vec::new(),
        };
        let groups: Vec<Group> = r
            .groups
            .iter()
            .map(|g| Group {
                label: g.label.clone(),
                short: g.label.clone(),
                section: g.section,
                example: g.example,
                rows: (g.rows.iter())
                    .map(|row| Row {
                        approach: row.approach.clone(),
                        example: row.example,
                        params: row.params.clone(),
                        spec: spec.clone(),
                        skip: row.skipped.clone(),
                        baseline: row.baseline,
                        python: row.python,
                        expect: row.expect.clone(),
                        bare: row.bare.clone(),
                        rounds: None,
                        own: None,
                    })
                    .collect(),
            })
            .collect();
        let cap = r.settings.sweep.as_ref().map(|s| s.cap_s);
        let rounds = r.settings.runs + r.settings.warmup;
        let total: f64 = r.runs.iter().map(|run| run.measurement.wall_ms / 1e3).sum();
        let mut eta = Eta::new(rounds);
        let (mut elapsed, mut at_start, mut at_half) = (0.0, None, None);
        for (g, group) in groups.iter().enumerate() {
            for (i, later) in groups[g..].iter().enumerate() {
                for (j, row) in later.rows.iter().enumerate() {
                    eta.set_cost(
                        g + i,
                        j,
                        cost(row, &r.groups[..g], cap, r.environment.logical_cpus),
                    );
                }
            }
            for round in 0..rounds {
                for (j, row) in group.rows.iter().enumerate() {
                    at_start.get_or_insert(eta.left_s());
                    if elapsed >= total / 2.0 && at_half.is_none() {
                        at_half = Some((eta.left_s(), total - elapsed));
                    }
                    eta.started(g, j);
                    let run = r.runs.iter().find(|run| {
                        run.group == g
                            && run.approach == row.approach
                            && run.run + if run.warmup { 0 } else { r.settings.warmup } == round + 1
                    });
                    if let Some(run) = run {
                        let secs = run.measurement.wall_ms / 1e3;
                        elapsed += secs;
                        eta.finished(g, j, secs, run.failure.is_some());
                    }
                }
            }
        }
        let (half, really) = at_half.unwrap();
        (total, at_start.unwrap(), half, really)
    }

    /// The per-task floors come from the committed 2-core sweep, so its start is no test of
    /// them; the rest is: how the estimate moves as runs finish, skips, and failures.
    #[test]
    fn the_estimate_holds_on_the_committed_sweeps() {
        let within = |estimate: f64, really: f64| (0.65..1.5).contains(&(estimate / really));
        let (total, start, half, really) = replay("sweep.json");
        eprintln!(
            "sweep: {total:.0} s; {start:.0} s estimated at the start, {half:.0} s left at half time ({really:.0} s really)"
        );
        assert!(within(start, total) && within(half, really));
        // Over tcp the runtimes stop at the open-file limit at 100 000 tasks, quickly: until
        // they do, the estimate counts their runs in full (one takes 24 s, one fails in 1 s).
        let (total, start, half, really) = replay("sweep-tcp.json");
        eprintln!(
            "sweep-tcp: {total:.0} s; {start:.0} s estimated at the start, {half:.0} s left at half time ({really:.0} s really)"
        );
        assert!(within(start, total) && half > really);
    }
}
