//! The mixed example over the CPU a request costs (`avt-harness load --vary work`): one load
//! (half the capacity measured at each W), CPU per request from about 50 µs to 20 ms, every
//! async crate's offloaded way against its inline mistake, std threads as the reference, and
//! asyncio's `to_thread` against counting on the loop. Besides each request's latency, every
//! run's wake probe says how long any other task waits to run: where that grows past 1 ms
//! (and 10 ms) for the inline way is the crossover ([`crate::sections::crossover`]).
//!
//! W is chosen per point from the measured cost: a first guess from the cost at the examples'
//! W, then one correction from the cost measured at the guess. Below about 50 µs the arrival
//! rate would pass what one process generates, so it is capped (and the load with it).

use anyhow::Result;
use avt_common::Params;

use crate::model::group::Group;
use crate::model::outcome::Expect;
use crate::model::plan::{Approach, Contender, Example, Section, UsageError};
use crate::model::results::{Capacity, Results, Settings, WorkPoint, WorkSweep};
use crate::model::summary::RowSummary;
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll};
use crate::render::columns::{CPU, Column, RUNS, THREADS, Width, us_as_ms};
use crate::run::binaries;
use crate::sections::crossover::{self, Crossover, Figures, Pair, crossover, sentence};
use crate::sections::mixed::{
    self, ACHIEVED, LATE, P50, P99, PYTHON_WORK_DIVISOR, WAY, WORK, python_contenders,
    rust_contenders,
};
use crate::sections::mixed_work_charts;

/// The default points: CPU per request, µs, log-spaced (1, 2, 5 a decade) from 50 µs to 20 ms.
pub const CPU_US: [u64; 9] = [50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000];
/// The default load, a fraction of each point's capacity.
pub const LOAD: f64 = 0.5;
/// The highest arrival rates a run is given, Rust and Python, a second: what one process
/// generates with room to spare (at 50 µs a request, 50% of 2 cores would be 20 000/s).
pub const RATE_CAP: (f64, f64) = (5_000.0, 1_000.0);
/// The wake probe's default period, µs (the examples' `--probe-us`), and its longest: a second.
pub const PROBE_US: u64 = 1_000;
pub const MAX_PROBE_US: u64 = 1_000_000;
/// Fewest requests a run must see for its p99 to mean something.
const MIN_REQUESTS: f64 = 10.0;

/// The ways the sweep runs, by row name: each runtime's offloaded way, its inline mistake.
const RUST_WAYS: [&str; 8] = [
    "std-threads",
    "tokio",
    "tokio rayon-bridge",
    "tokio cpu-inline",
    "async-std",
    "async-std cpu-inline",
    "smol",
    "smol cpu-inline",
];
const PYTHON_WAYS: [&str; 2] = ["python-asyncio", "python-asyncio cpu-inline"];

/// The runtimes whose crossover is computed: (runtime, its offloaded row and what that does,
/// its inline row).
pub const RUNTIMES: [(&str, &str, &str); 4] = [
    ("tokio", "spawn_blocking", "tokio cpu-inline"),
    ("async-std", "spawn_blocking", "async-std cpu-inline"),
    ("smol", "unblock", "smol cpu-inline"),
    ("python-asyncio", "to_thread", "python-asyncio cpu-inline"),
];

// The section's name, as `Section::LoadWork`.
#[allow(non_upper_case_globals)]
impl Section {
    pub const LoadWork: Section = Section::named("load-work");
}

const WAKE_P50: Column =
    Column::metric("wake p50 ms", None, "wake.p50_us", us_as_ms).only_if_reported();
const WAKE_P99: Column =
    Column::metric("wake p99 ms", Some(("wake p99", Width::Right(8))), "wake.p99_us", us_as_ms)
        .only_if_reported();
const WAKE_MAX: Column =
    Column::metric("wake max ms", Some(("wake max", Width::Right(8))), "wake.max_us", us_as_ms)
        .only_if_reported();

/// The work sweep's section: its tables, the crossover under them, its two charts.
pub struct LoadWork;

impl Plugin for LoadWork {
    fn section(&self) -> Section {
        Section::LoadWork
    }

    fn help(&self) -> &'static str {
        "The mixed example over the CPU a request costs (avt-harness load --vary work; not in run-all)"
    }

    /// None: the sweep runs under `avt-harness load --vary work` (ten minutes on 2 cores),
    /// not as part of run-all.
    fn run_all(&self, _: &Setup, _: &RunAll, _: &mut Settings) -> Result<Vec<Group>> {
        Ok(Vec::new())
    }

    fn in_run_all(&self) -> bool {
        false
    }

    fn columns(&self) -> Vec<Column> {
        vec![WAY, P50, P99, LATE, WAKE_P50, WAKE_P99, WAKE_MAX, ACHIEVED, CPU, THREADS, RUNS]
    }

    fn footnotes(&self, r: &Results) -> String {
        footnotes(r)
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        let all = crossovers(r);
        let crossings: Vec<(&str, f64)> =
            all.iter().filter_map(|(rt, _, _, c)| Some((*rt, c.wake[0]?.at.0))).collect();
        mixed_work_charts::charts(r, name, &crossings)
    }
}

/// What `load --vary work` asks for.
pub struct Plan {
    pub cpu_us: Vec<u64>,
    pub load: f64,
    pub delay_ms: u64,
    pub deadline_ms: u64,
    pub seconds: f64,
    pub probe_us: u64,
    pub threads: usize,
}

/// Measures the W of every point (Rust's, and Python's when its rows run), and checks that
/// each can be served at the load: a usage error naming the point where one cannot.
pub fn measure_points(setup: &Setup, plan: &Plan) -> Result<WorkSweep> {
    let n = |target_ms: f64, most: f64| (300.0 / target_ms).clamp(20.0, most) as usize;
    note!(
        "load-work: measuring W for {} points of CPU per request (a few hundred ms of CPU each)",
        plan.cpu_us.len()
    );
    let tokio = setup.bin_dir.join(Approach::Tokio.binary());
    let rust_cost = |w: u64, t: f64| mixed::cost_ms(&tokio, &[], "current-thread", w, n(t, 2e3));
    let reference = rust_cost(WORK, 2.0)?;
    let python = setup.python_interpreter().map(|p| {
        let script = binaries::project_root().join("scripts/python/asyncio_example.py");
        (p.program.clone(), vec![script.to_string_lossy().into_owned()])
    });
    let mut points = Vec::new();
    for &us in &plan.cpu_us {
        let target = us as f64 / 1e3;
        let (w, cost) = settle(WORK as f64 * target / reference, target, 20, &rust_cost)?;
        if !(0.5..=2.0).contains(&(cost / target)) {
            return Err(UsageError(format!(
                "--cpu-us {us}: the nearest this machine gets is {:.0} µs a request (W = {w})",
                cost * 1e3
            ))
            .into());
        }
        let rust = Capacity::new(cost, w, plan.threads, n(target, 2e3));
        let python = match &python {
            None => None,
            Some((program, prefix)) => {
                let cost = |w: u64, t: f64| {
                    mixed::cost_ms(program, prefix, "cpu-inline", w, n(t / 3.0, 3e3))
                };
                let guess = (w / PYTHON_WORK_DIVISOR).max(1) as f64;
                let (w, c) = settle(guess, target, 1, &cost)?;
                Some(Capacity::new(c, w, 1, n(target / 3.0, 3e3)))
            }
        };
        for (c, cap) in [(Some(rust), RATE_CAP.0), (python, RATE_CAP.1)] {
            let Some(c) = c else { continue };
            let rate = c.rate(plan.load).min(cap);
            if rate * plan.seconds < MIN_REQUESTS {
                return Err(UsageError(format!(
                    "--cpu-us {us}: at {:.0}% load the {:.1} ms a request allows {:.1} requests \
                     a second, fewer than {MIN_REQUESTS} in --seconds {}; raise --seconds or \
                     lower --cpu-us",
                    plan.load * 100.0,
                    c.cost_ms,
                    rate,
                    plan.seconds
                ))
                .into());
            }
        }
        points.push(WorkPoint { cpu_us: us as f64, rust, python });
    }
    Ok(WorkSweep {
        load: plan.load,
        delay_ms: plan.delay_ms,
        deadline_ms: plan.deadline_ms,
        seconds: plan.seconds,
        probe_us: plan.probe_us,
        rate_cap: RATE_CAP,
        points,
    })
}

/// W for a CPU per request of `target` ms: the guess, then one correction from the cost
/// measured there (the cost is not quite linear in W: bigger W, bigger numbers); W ≥ `least`.
fn settle(
    guess: f64,
    target: f64,
    least: u64,
    cost: &dyn Fn(u64, f64) -> Result<f64>,
) -> Result<(u64, f64)> {
    let w0 = (guess.round() as u64).max(least);
    let c0 = cost(w0, target)?;
    if (c0 / target - 1.0).abs() < 0.1 {
        return Ok((w0, c0));
    }
    let w1 = ((w0 as f64 * target / c0).round() as u64).clamp(least, 100_000_000);
    if w1 == w0 {
        return Ok((w0, c0));
    }
    Ok((w1, cost(w1, target)?))
}

/// The parameters of a run at `c` and the sweep's load: the rate capped, N = seconds × R.
fn params(c: &Capacity, sweep: &WorkSweep, cap: f64, threads: usize) -> Params {
    let rate = c.rate(sweep.load).min(cap);
    Params {
        threads,
        delay_ms: Some(sweep.delay_ms),
        requests: Some(((sweep.seconds * rate).round() as usize).max(MIN_REQUESTS as usize)),
        rate: Some(rate),
        work: Some(c.work),
        deadline_ms: Some(sweep.deadline_ms),
        ..Params::default()
    }
}

/// The groups of every point: the Rust ways, then the Python ones at their own W. Every row
/// may end with requests late (an inline way at 20 ms is the measurement, not a failure).
pub fn groups(setup: &Setup, sweep: &WorkSweep, threads: usize) -> Vec<Group> {
    let pick = |all: Vec<(Contender, bool)>, names: &[&str]| -> Vec<Contender> {
        all.into_iter().map(|(c, _)| c).filter(|c| names.contains(&c.name.as_str())).collect()
    };
    let rust = pick(rust_contenders(&setup.bin_dir, &setup.approaches), &RUST_WAYS);
    let python = setup.python_interpreter().map(|p| {
        let scripts = binaries::project_root().join("scripts/python");
        pick(python_contenders(p, &scripts), &PYTHON_WAYS)
    });
    let rows = |contenders: &[Contender], params: &Params| {
        let mut rows = Vec::new();
        for c in contenders {
            let mut row = c.row(Example::Mixed, params.clone());
            let json = row.spec.args.len() - 1;
            row.spec.args.splice(json..json, ["--probe-us".into(), sweep.probe_us.to_string()]);
            row.expect = Expect::Late;
            rows.push(row);
        }
        rows
    };
    let group = |who: &str, c: &Capacity, cap: f64, t: usize, contenders: &[Contender]| {
        let p = params(c, sweep, cap, t);
        let rate = p.rate.unwrap_or(0.0);
        let capped = if rate < c.rate(sweep.load) { " (capped)" } else { "" };
        Group {
            label: format!(
                "load-work{who}: c = {:.3} ms CPU a request (W = {}), {:.0}% of the {:.0}/s {} \
                 serve: N = {} at R = {rate}/s{capped}, D = {} ms, deadline {} ms, wake probe \
                 every {} µs",
                c.cost_ms,
                c.work,
                rate / c.per_s * 100.0,
                c.per_s,
                if c.cores == 1 {
                    "the GIL's one core".to_string()
                } else {
                    format!("{t} threads")
                },
                p.requests.unwrap_or(0),
                sweep.delay_ms,
                sweep.deadline_ms,
                sweep.probe_us,
            ),
            short: format!("work {}", crossover::cpu(c.cost_ms * 1e3)),
            section: Section::LoadWork,
            example: Example::Mixed,
            rows: rows(contenders, &p),
        }
    };
    let mut out = Vec::new();
    for point in &sweep.points {
        if !rust.is_empty() {
            out.push(group("", &point.rust, sweep.rate_cap.0, threads, &rust));
        }
        if let (Some(python), Some(c)) = (&python, &point.python) {
            out.push(group(", the Python originals", c, sweep.rate_cap.1, 1, python));
        }
    }
    out
}

/// A row's figures for the crossover.
fn figures(row: &RowSummary) -> Figures {
    let get = |key: &str| row.metrics.get(key).map(|s| s.median);
    let late = row.metrics.get("late").is_some_and(|s| s.max > 0.0);
    let failed = row.failed() || row.skipped.is_some();
    Figures {
        p99_us: get("latency.p99_us").filter(|_| !failed),
        wake_p99_us: get("wake.p99_us").filter(|_| !failed),
        late: late && !failed,
    }
}

/// Each runtime's points (offloaded and inline at each CPU per request, as measured), and its
/// crossover; a runtime with no point of both is left out.
pub fn crossovers(r: &Results) -> Vec<(&'static str, &'static str, Vec<Pair>, Crossover)> {
    let Some(sweep) = &r.settings.load_work else { return Vec::new() };
    let mut out = Vec::new();
    for (runtime, off, inline) in RUNTIMES {
        let mut pairs = Vec::new();
        for group in r.groups.iter().filter(|g| g.section == Section::LoadWork) {
            let (Some(o), Some(i)) = (group.row(runtime), group.row(inline)) else { continue };
            let Some(c) = sweep.capacity(o) else { continue };
            pairs.push(Pair { cpu_us: c.cost_ms * 1e3, offloaded: figures(o), inline: figures(i) });
        }
        if !pairs.is_empty() {
            let c = crossover(&pairs);
            out.push((runtime, off, pairs, c));
        }
    }
    out
}

/// The crossover lines under the tables, with the margins and what they come from.
fn footnotes(r: &Results) -> String {
    let Some(sweep) = &r.settings.load_work else { return String::new() };
    let lines = crossovers(r);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nThe crossover, per runtime, at {:.0}% load (wake p99: how long a task woken from outside \
         waited to run, every {} µs; request p99 of a way with requests late counts as \
         infinite):\n\n",
        sweep.load * 100.0,
        sweep.probe_us
    );
    for (runtime, off, _, c) in &lines {
        out += &format!("- {}\n", sentence(runtime, off, c));
    }
    out
}

/// Where the guide's line points.
const MIXED_DOC: &str = "docs/mixed.md";

/// The guide's "computes inside async tasks" line, stating the measured threshold from work
/// sweeps' results (one per load): the CPU per request up to which every Rust runtime's
/// inline way kept other tasks' wake p99 within 1 ms of its offloaded way's, at every load
/// given, and what each load measured. None where no sweep has a Rust runtime's pairs.
pub fn guide_line(sweeps: &[&Results]) -> Option<String> {
    const RUST: [&str; 3] = ["tokio", "async-std", "smol"];
    // Per sweep (one per load): each Rust runtime's first point over 1 ms, and the point
    // before it; the runtimes that never crossed; the dearest point measured.
    struct AtLoad {
        load: f64,
        crossed: Vec<(&'static str, Option<f64>, f64)>,
        never: Vec<&'static str>,
        most: f64,
    }
    let mut loads: Vec<AtLoad> = sweeps
        .iter()
        .filter_map(|r| {
            let load = r.settings.load_work.as_ref()?.load * 100.0;
            let all = crossovers(r);
            let rust: Vec<_> = all.iter().filter(|(rt, ..)| RUST.contains(rt)).collect();
            let most = rust.iter().flat_map(|(_, _, pairs, _)| pairs.iter().map(|p| p.cpu_us));
            let most = most.fold(0.0, f64::max);
            let mut at = AtLoad { load, crossed: Vec::new(), never: Vec::new(), most };
            for (runtime, _, _, c) in rust {
                match c.wake[0] {
                    Some(e) => at.crossed.push((runtime, e.before.map(|(cpu, _)| cpu), e.at.0)),
                    None => at.never.push(runtime),
                }
            }
            (!at.crossed.is_empty() || !at.never.is_empty()).then_some(at)
        })
        .collect();
    loads.sort_by(|a, b| a.load.total_cmp(&b.load));
    // The threshold is the most cautious runtime's, at any load: the last point before the
    // cheapest crossing.
    let lowest = loads
        .iter()
        .flat_map(|l| l.crossed.iter().map(move |c| (l, c)))
        .min_by(|a, b| a.1.2.total_cmp(&b.1.2));
    let fine = match lowest {
        None => {
            let most = loads.iter().map(|l| l.most).fold(0.0, f64::max);
            format!("up to at least {} of CPU between awaits here", crossover::cpu(most))
        }
        Some((l, (_, Some(before), at))) => {
            // Every runtime that crossed at that same point, at that load.
            let same: Vec<&str> = l.crossed.iter().filter(|c| c.2 == *at).map(|c| c.0).collect();
            let who = if same.len() > 1 && same.len() == l.crossed.len() + l.never.len() {
                "every runtime".to_string()
            } else {
                same.join(", ")
            };
            format!(
                "up to about {} of CPU between awaits here ({who} at {:.0}% load)",
                crossover::cpu(*before),
                l.load
            )
        }
        Some((l, (rt, None, at))) => format!(
            "nowhere measured ({rt} at {:.0}% load already at {})",
            l.load,
            crossover::cpu(*at)
        ),
    };
    let measured: Vec<String> = loads
        .iter()
        .map(|l| {
            let from: Vec<String> = l
                .crossed
                .iter()
                .map(|(rt, _, at)| format!("{rt} {}", crossover::cpu(*at)))
                .collect();
            let never = (!l.never.is_empty())
                .then(|| format!("{}: not up to {}", l.never.join(", "), crossover::cpu(l.most)));
            let parts: Vec<String> =
                [(!from.is_empty()).then(|| format!("from {}", from.join(", "))), never]
                    .into_iter()
                    .flatten()
                    .collect();
            format!("at {:.0}% load {}", l.load, parts.join("; "))
        })
        .collect();
    (!loads.is_empty()).then(|| {
        format!(
            "| computes inside async tasks | inline is fine {fine}; above that, `spawn_blocking` / \
             `unblock` | inline's wake p99 over the offloaded way's by > 1 ms, {} \
             ([mixed]({MIXED_DOC})) |",
            measured.join(" · ")
        )
    })
}
