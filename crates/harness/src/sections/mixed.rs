//! The mixed example in the harness: run-all's `mixed` section (every crate's right way and
//! its mistakes at 50% load) and the load sweep (`avt-harness load`: the same rows from 10% to
//! 120% of capacity, with the charts of p99 latency and achieved rate against offered load).
//!
//! Capacity is measured once per command, from the harness's own `wait4` figures: the CPU
//! time (user + sys) of N requests run one after another on one thread with no wait, less
//! that of one request (the process's start), ÷ (N − 1) is the cost c of a request. T threads
//! serve T / c requests a second; the Python rows count W/20 numbers on the one core the GIL
//! gives them, so theirs is 1 / c_py, and they run at the same *relative* load.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use avt_common::Params;

use crate::model::group::Group;
use crate::model::measurement::{End, Spec};
use crate::model::outcome::Expect;
use crate::model::plan::{Approach, Contender, Example, Python, Row, Section};
use crate::model::results::{Results, Settings};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::render::chart::kit::{
    Entry, IDEAL, Missing, grouped, log_axis, machine, number, series, why_missing,
};
use crate::render::chart::line::{Frame, Line, line_chart};
use crate::render::columns::{CPU, Column, RSS, RUNS, THREADS, Width, us_as_ms};
use crate::render::count;
use crate::run::{binaries, measure};
use crate::sections::{guide_ms, guide_row, metric, rounds};

// The mixed settings, where the results file holds them (`Settings::mixed`).
pub use crate::model::results::{Capacity, MixedSettings};

/// Counted runs per row of run-all's mixed section.
pub const MIXED_RUNS: usize = 3;
/// The fetch wait, ms (the examples' default).
pub const DELAY_MS: u64 = 50;
/// Numbers each Rust request counts primes in (the examples' default: ~2.3 ms of one core).
pub const WORK: u64 = 20_000;
/// The Python rows count W ÷ this (CPython's trial division is some 70 times slower).
pub const PYTHON_WORK_DIVISOR: u64 = 20;
/// run-all's load, a fraction of the measured capacity.
pub const LOAD: f64 = 0.5;
/// The load sweep's points, fractions of the measured capacity.
pub const LOADS: [f64; 7] = [0.10, 0.25, 0.50, 0.75, 0.90, 1.00, 1.20];

/// The mixed rows' names: the approach and its variant ("async-std current-thread").
pub(crate) const WAY: Column =
    Column::new("approach", Some(("approach", Width::Left(24))), |r, _, _| r.approach.clone());
pub(crate) const P50: Column =
    Column::metric("p50 ms", Some(("p50 ms", Width::Right(7))), "latency.p50_us", us_as_ms);
pub(crate) const P99: Column =
    Column::metric("p99 ms", Some(("p99 ms", Width::Right(7))), "latency.p99_us", us_as_ms);
const MAX_LATENCY: Column =
    Column::metric("max ms", Some(("max ms", Width::Right(7))), "latency.max_us", us_as_ms);
pub(crate) const LATE: Column =
    Column::metric("late", Some(("late", Width::Right(5))), "late", count);
pub(crate) const ACHIEVED: Column =
    Column::metric("achieved /s", Some(("got /s", Width::Right(6))), "achieved_rate", |v| {
        format!("{v:.0}")
    });
/// Verified, or the expected outcome its runs ended in (requests late), and in how many.
const OUTCOME: Column =
    Column::new("outcome", Some(("outcome", Width::Left(9))), |r, _, _| {
        match (&r.outcome, r.outcome_runs) {
            (Some(_), n) if n == r.runs => "late".into(),
            (Some(_), n) => format!("late {n}/{}", r.runs),
            (None, _) => "verified".into(),
        }
    });

// The section's name, as `Section::Mixed` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Mixed: Section = Section::named("mixed");
}

/// The mixed section.
pub struct Mixed;

impl Plugin for Mixed {
    fn section(&self) -> Section {
        Section::Mixed
    }

    fn help(&self) -> &'static str {
        "The mixed example: requests that fetch, then compute, and their tail latency"
    }

    /// Capacity measured once, then the rows at 50% of it. Each run is seconds of open-loop
    /// arrivals and measures its own steady state: 3 runs, no warm-up.
    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let r = rounds(Section::Mixed, MIXED_RUNS, (plan.runs, plan.warmup), plan.quick);
        let (groups, mixed) = run_all_section(setup, plan.threads, plan.quick)?;
        settings.mixed = Some(mixed);
        settings.rounds.push(r);
        Ok(groups)
    }

    fn runs_last(&self) -> bool {
        true
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        wait_then_compute(s.run_all).into_iter().collect()
    }

    fn columns(&self) -> Vec<Column> {
        vec![WAY, P50, P99, MAX_LATENCY, LATE, ACHIEVED, CPU, THREADS, RSS, OUTCOME, RUNS]
    }

    fn footnotes(&self, r: &Results) -> String {
        footnotes(r)
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        load_charts(r, name)
    }
}

/// A way a contender runs `mixed`: its variant (None: the crate's right way) and what its
/// runs may end in at 50% load. The right ways expect success; the wrong ways and rayon's
/// one pool may leave requests late (measured, not failed).
struct Way {
    variant: Option<&'static str>,
    right: bool,
}

const fn way(variant: Option<&'static str>, right: bool) -> Way {
    Way { variant, right }
}

/// Each crate's right way first, then its mistakes (docs/mixed.md).
fn rust_ways(approach: Approach) -> &'static [Way] {
    match approach {
        Approach::StdThreads => &[Way { variant: None, right: true }],
        Approach::Tokio => &[
            Way { variant: None, right: true },
            Way { variant: Some("rayon-bridge"), right: true },
            Way { variant: Some("cpu-inline"), right: false },
            Way { variant: Some("rayon-inline"), right: false },
            Way { variant: Some("current-thread"), right: false },
        ],
        Approach::AsyncStd | Approach::Smol => &[
            Way { variant: None, right: true },
            Way { variant: Some("cpu-inline"), right: false },
            Way { variant: Some("current-thread"), right: false },
        ],
        // One pool for the fetch and the count: the wrong tool, late whenever R > T/(D + c).
        Approach::Rayon => &[Way { variant: None, right: false }],
    }
}

/// The contender running `way`: named after the approach, and its variant if it has one (a
/// row's name is unique in its group).
fn contender(base: &Contender, way: &Way) -> (Contender, bool) {
    let name = match way.variant {
        None => base.name.clone(),
        Some(v) => format!("{} {v}", base.name),
    };
    let variant = way.variant.map(String::from);
    (Contender { name, variant, examples: vec![Example::Mixed], ..base.clone() }, way.right)
}

/// The Rust contenders of the mixed rows, with whether each is a right way.
pub fn rust_contenders(bin_dir: &Path, approaches: &[Approach]) -> Vec<(Contender, bool)> {
    approaches
        .iter()
        .flat_map(|&a| {
            let base = Contender::rust(bin_dir, a);
            rust_ways(a).iter().map(move |w| contender(&base, w))
        })
        .collect()
}

/// The Python contenders: asyncio's `to_thread` (its right way), its process pool and
/// counting on the loop, and the threading original.
pub fn python_contenders(python: &Python, scripts: &Path) -> Vec<(Contender, bool)> {
    let base = |name: &str, file: &str| Contender {
        name: name.into(),
        program: python.program.clone(),
        prefix: vec![scripts.join(file).to_string_lossy().into_owned()],
        baseline: false,
        python: true,
        variant: None,
        examples: vec![Example::Mixed],
    };
    let asyncio = base("python-asyncio", "asyncio_example.py");
    let threading = base("python-threading", "threading_example.py");
    vec![
        contender(&asyncio, &way(None, true)),
        contender(&asyncio, &way(Some("process-pool"), true)),
        contender(&asyncio, &way(Some("cpu-inline"), false)),
        contender(&threading, &way(None, true)),
    ]
}

/// The mixed parameters at `rate`: N = seconds × R (at least 10), the same W and D for all.
pub fn params(
    capacity: &Capacity,
    load: f64,
    seconds: f64,
    delay_ms: u64,
    deadline_ms: u64,
    threads: usize,
) -> Params {
    let rate = capacity.rate(load);
    Params {
        threads,
        delay_ms: Some(delay_ms),
        requests: Some(((seconds * rate).round() as usize).max(10)),
        rate: Some(rate),
        work: Some(capacity.work),
        deadline_ms: Some(deadline_ms),
        ..Params::default()
    }
}

/// Runs `program prefix… mixed` with no wait, every request due at once, on one thread,
/// `requests` of them and then one; gives the CPU ms of one request.
pub fn cost_ms(
    program: &Path,
    prefix: &[String],
    variant: &str,
    work: u64,
    requests: usize,
) -> Result<f64> {
    let run = |n: usize| -> Result<f64> {
        let mut args = prefix.to_vec();
        let flags = [
            "mixed",
            "--variant",
            variant,
            "--delay-ms",
            "0",
            "--rate",
            "1000000",
            "--requests",
            &n.to_string(),
            "--work",
            &work.to_string(),
            "--threads",
            "1",
            "--deadline-ms",
            "600000",
            "--json",
        ];
        args.extend(flags.iter().map(|s| s.to_string()));
        let spec = Spec { program: program.to_path_buf(), args, env: Vec::new() };
        let m = measure::measure(&spec, Duration::from_secs(600))?;
        if m.end != End::Exited(0) {
            let said = m.stderr.lines().last().unwrap_or("").to_string();
            bail!("measuring the mixed capacity: {} ended {:?}: {said}", program.display(), m.end);
        }
        Ok(m.user_ms + m.sys_ms)
    };
    let (one, many) = (run(1)?, run(requests)?);
    // (CPython's start alone takes some 300 ms of CPU.) A stand-in that does no work still
    // gets a finite capacity.
    Ok(((many - one) / (requests - 1) as f64).max(0.01))
}

/// Measures the Rust cost (`avt-tokio mixed --variant current-thread`) and, when the Python
/// rows run, Python's (`asyncio_example.py mixed --variant cpu-inline`); says so on stderr.
pub fn measure_capacity(
    setup: &Setup,
    work: u64,
    threads: usize,
    quick: bool,
) -> Result<(Capacity, Option<Capacity>)> {
    let n = if quick { 100 } else { 200 };
    note!("mixed: measuring the CPU cost of a request ({n} requests one after another, 1 thread)");
    let tokio = setup.bin_dir.join(Approach::Tokio.binary());
    let rust = Capacity::new(cost_ms(&tokio, &[], "current-thread", work, n)?, work, threads, n);
    let python = match setup.python_interpreter() {
        None => None,
        Some(python) => {
            let script = binaries::project_root().join("scripts/python/asyncio_example.py");
            let prefix = [script.to_string_lossy().into_owned()];
            let pwork = (work / PYTHON_WORK_DIVISOR).max(1);
            let n = if quick { 300 } else { 60 };
            let cost = cost_ms(&python.program, &prefix, "cpu-inline", pwork, n)?;
            Some(Capacity::new(cost, pwork, 1, n))
        }
    };
    Ok((rust, python))
}

/// The mixed groups at `load`: the Rust rows, then the Python rows at their own capacity.
/// `late_ok`: every row may end with requests late (the load sweep); otherwise only the
/// wrong ways may.
pub fn groups(
    setup: &Setup,
    settings: &MixedSettings,
    load: f64,
    threads: usize,
    late_ok: bool,
) -> Vec<Group> {
    let pct = load * 100.0;
    let (d, deadline, s) = (settings.delay_ms, settings.deadline_ms, settings.seconds);
    let rows = |contenders: Vec<(Contender, bool)>, capacity: &Capacity| -> Vec<Row> {
        let params = params(capacity, load, s, d, deadline, threads);
        contenders
            .into_iter()
            .map(|(c, right)| {
                let mut row = c.row(Example::Mixed, params.clone());
                if late_ok || !right {
                    row.expect = Expect::Late;
                }
                row
            })
            .collect()
    };
    let describe = |c: &Capacity, cores: &str| {
        let p = params(c, load, s, d, deadline, threads);
        format!(
            "c = {:.2} ms CPU a request (W = {}; user+sys of {} requests in a row on 1 thread, \
             less 1's), so {cores} serve {:.0}/s; at {pct:.0}% load: N = {} requests at R = \
             {}/s, D = {d} ms, deadline {deadline} ms; p99 target D + 5c = {:.1} ms",
            c.cost_ms,
            c.work,
            c.measured_on,
            c.per_s,
            p.requests.unwrap_or(0),
            p.rate.unwrap_or(0.0),
            c.target_ms(d),
        )
    };
    let mut out = Vec::new();
    let rust = rust_contenders(&setup.bin_dir, &setup.approaches);
    if !rust.is_empty() {
        out.push(Group {
            label: format!(
                "mixed: {}",
                describe(&settings.rust, &format!("{} threads", settings.rust.cores))
            ),
            short: format!("mixed {pct:.0}%"),
            section: Section::Mixed,
            example: Example::Mixed,
            rows: rows(rust, &settings.rust),
        });
    }
    if let (Some(python), Some(capacity)) = (setup.python_interpreter(), &settings.python) {
        let scripts = binaries::project_root().join("scripts/python");
        out.push(Group {
            label: format!(
                "mixed, the Python originals: {}",
                describe(capacity, "the GIL's one core")
            ),
            short: format!("mixed python {pct:.0}%"),
            section: Section::Mixed,
            example: Example::Mixed,
            rows: rows(python_contenders(python, &scripts), capacity),
        });
    }
    out
}

/// run-all's mixed section: capacity measured, then the groups at 50% load (about a second of
/// arrivals, deadline 2 s; --quick: a quarter second at a tenth of the work).
pub fn run_all_section(
    setup: &Setup,
    threads: usize,
    quick: bool,
) -> Result<(Vec<Group>, MixedSettings)> {
    let work = if quick { WORK / 10 } else { WORK };
    let (rust, python) = measure_capacity(setup, work, threads, quick)?;
    let settings = MixedSettings {
        rust,
        python,
        delay_ms: DELAY_MS,
        seconds: if quick { 0.25 } else { 1.0 },
        deadline_ms: if quick { 1_500 } else { 2_000 },
        loads: vec![LOAD],
        sweep: false,
    };
    Ok((groups(setup, &settings, LOAD, threads, false), settings))
}

/// Footnotes of the mixed tables: the targets at 50% load as measured (never asserted), and
/// what the process pool's figures cover.
pub fn footnotes(r: &Results) -> String {
    let Some(m) = &r.settings.mixed else { return String::new() };
    let mut out = String::new();
    let p99 = |row: &RowSummary| row.metrics.get("latency.p99_us").map(|s| s.median / 1e3);
    let late = |row: &RowSummary| row.metrics.get("late").is_some_and(|s| s.max > 0.0);
    for group in r.groups.iter().filter(|g| g.example == Example::Mixed) {
        let Some(first) = group.rows.first() else { continue };
        let at_half = m.load_of(first).is_some_and(|l| (l - LOAD).abs() < 0.01);
        if m.sweep || !at_half {
            continue;
        }
        let Some(capacity) = m.capacity(first) else { continue };
        let target = capacity.target_ms(m.delay_ms);
        let right: Vec<String> = group
            .rows
            .iter()
            .filter(|row| row.expect.is_success())
            .map(|row| match p99(row) {
                Some(v) if !late(row) => {
                    let met = if v <= target { "met" } else { "not met" };
                    format!("{} {v:.1} ms ({met})", row.approach)
                }
                _ => format!("{} – (no p99: failed or late)", row.approach),
            })
            .collect();
        let who = if first.python { "Python" } else { "Rust" };
        out += &format!(
            "\nTarget at 50% load ({who}; measured, not asserted): every right way's p99 ≤ D + \
             5c = {} + 5 × {:.2} = {target:.1} ms: {}.\n",
            m.delay_ms,
            capacity.cost_ms,
            right.join(", ")
        );
        if let (Some(tokio), Some(std)) = (group.row("tokio"), group.row("std-threads"))
            && let (Some(t), Some(s)) = (p99(tokio), p99(std))
        {
            let within = if (t - s).abs() <= 0.1 * s { "within" } else { "not within" };
            out += &format!(
                "\nTarget: tokio spawn-blocking's p99 within 10% of std-threads': {t:.1} vs \
                 {s:.1} ms ({:.2}×, {within} 10%).\n",
                t / s
            );
        }
    }
    let pool = r.groups.iter().flat_map(|g| &g.rows).any(|row| {
        row.example == Example::Mixed && row.params.variant.as_deref() == Some("process-pool")
    });
    if pool {
        out += "\npython-asyncio process-pool: its peak RSS and threads (and CPU time) cover the \
                parent process only; the worker processes are not counted.\n";
    }
    out
}

/// The load sweep's charts, `<name>-p99.svg` (p99 latency against offered load, log y) and
/// `<name>-achieved.svg` (achieved against offered rate), as (file name, SVG); none for
/// results that are not a load sweep.
pub fn load_charts(r: &Results, name: &str) -> Result<Vec<(String, String)>> {
    let Some((m, groups)) = load_groups(r) else { return Ok(Vec::new()) };
    let offered = |row: &RowSummary| m.load_of(row).unwrap_or(0.0) * 100.0;
    let late = |row: &RowSummary| row.metrics.get("late").map_or(0.0, |s| s.max);
    // A p99 of the requests that finished says nothing once some did not: an ✕ there.
    let p99 = |row: &RowSummary| -> Result<f64, Missing> {
        let value = row.metrics.get("latency.p99_us").map(|s| s.median / 1e3);
        match (late(row), value) {
            (n, _) if n > 0.0 && row.failure.is_none() => {
                let of = row.params.requests.unwrap_or(0);
                Err(Missing { label: format!("late: {n:.0} of {}", grouped(of as u64)) })
            }
            (_, Some(v)) => Ok(v),
            _ => Err(why_missing(row)),
        }
    };
    let achieved = |row: &RowSummary| -> Option<f64> {
        let got = row.metrics.get("achieved_rate")?.median;
        Some(got / m.capacity(row)?.per_s * 100.0)
    };
    let lines = |value: &dyn Fn(&RowSummary) -> Result<f64, Missing>| -> Vec<Line> {
        series(&groups)
            .into_iter()
            .map(|(name, rows)| {
                let points = rows.iter().map(|row| (offered(row), value(row))).collect();
                Line { name, detail: None, points }
            })
            .collect()
    };
    let xmax = groups.iter().flat_map(|g| &g.rows).map(offered).fold(100.0, f64::max) * 1.1;
    let who = |c: &Capacity| format!("{:.0}/s", c.per_s);
    let capacities = match &m.python {
        Some(p) => format!("Rust {}, Python {}", who(&m.rust), who(p)),
        None => format!("Rust {}", who(&m.rust)),
    };
    let x_desc = format!("offered load, % of the measured capacity ({capacities})");

    let p99_lines = lines(&p99);
    let values = p99_lines.iter().flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()));
    let target = m.rust.target_ms(m.delay_ms);
    let (lo, hi) = values.fold((target, target), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let target_entry =
        Entry::line(IDEAL, "target: D + 5c (Rust)", Some(format!("{} ms", number(target))));
    let frame = Frame {
        title: format!(
            "mixed: p99 latency by offered load ({} ms fetch, then W = {}) — {}",
            m.delay_ms,
            grouped(m.rust.work),
            machine(r)
        ),
        x_desc: &x_desc,
        y_desc: "p99 latency, ms (median of runs, log scale)".into(),
        x_label: &|x| format!("{x:.0}%"),
        y_label: &|y| number(*y),
        references: vec![(vec![(0.0, target), (xmax, target)], target_entry)],
        lines: p99_lines,
        floor: lo,
    };
    let y = log_axis(lo * 0.8..hi * 1.6, &[1.0, 2.0, 5.0]);
    let p99_svg = line_chart(frame, 0f64..xmax, y, 12)?;

    let got_lines = lines(&|row| achieved(row).ok_or_else(|| why_missing(row)));
    let ymax = got_lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()))
        .fold(xmax, f64::max)
        * 1.05;
    let ideal = Entry::line(IDEAL, "ideal: achieved = offered", None);
    let frame = Frame {
        title: format!("mixed: achieved against offered rate — {}", machine(r)),
        x_desc: &x_desc,
        y_desc: "achieved rate, % of capacity (median)".into(),
        x_label: &|x| format!("{x:.0}%"),
        y_label: &|y| format!("{y:.0}%"),
        references: vec![(vec![(0.0, 0.0), (xmax, xmax)], ideal)],
        lines: got_lines,
        floor: 0.0,
    };
    let got_svg = line_chart(frame, 0f64..xmax, 0f64..ymax, 12)?;
    Ok(vec![(format!("{name}-p99.svg"), p99_svg), (format!("{name}-achieved.svg"), got_svg)])
}

/// The load sweep's groups of `r`, if it is one.
fn load_groups(r: &Results) -> Option<(&MixedSettings, Vec<&GroupSummary>)> {
    let m = r.settings.mixed.as_ref().filter(|m| m.sweep)?;
    Some((m, r.groups.iter().filter(|g| g.example == Example::Mixed).collect()))
}

/// Where the guide's line on the mixed example points.
const MIXED_DOC: &str = "docs/mixed.md";

fn wait_then_compute(r: &Results) -> Option<String> {
    let p99 =
        |name: &str| guide_row(r, Section::Mixed, name).and_then(|s| metric(s, "latency.p99_us"));
    let right = p99("tokio")?;
    let std = p99("std-threads")?;
    let one_thread = p99("tokio current-thread")
        .map_or(String::new(), |v| format!("; all on one thread (current-thread) {}", guide_ms(v)));
    Some(format!(
        "| waits, then computes, under load (the article's FAQ) | a runtime for the waits and \
         `spawn_blocking` for the work | p99 at half load: tokio {}, a thread per request \
         {}{one_thread} ([mixed]({MIXED_DOC})) |",
        guide_ms(right),
        guide_ms(std),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_sizes_follow_the_measured_capacity() {
        let c = Capacity::new(2.3, WORK, 2, 200);
        assert!((c.per_s - 869.565).abs() < 0.01);
        assert_eq!(c.rate(0.5), 434.8);
        assert!((c.target_ms(50) - 61.5).abs() < 1e-9);
        let p = params(&c, 0.5, 1.0, 50, 2000, 2);
        assert_eq!(
            (p.requests, p.rate, p.work, p.deadline_ms),
            (Some(435), Some(434.8), Some(WORK), Some(2000))
        );
        // At least ten requests, however slow.
        assert_eq!(params(&c, 0.01, 0.1, 50, 2000, 2).requests, Some(10));
    }

    #[test]
    fn a_mixed_run_is_estimated_from_its_arrivals_and_its_deadline() {
        let bin = Path::new("/bin");
        let c = Capacity::new(2.3, WORK, 2, 200);
        let (tokio, _) = &rust_contenders(bin, &[Approach::Tokio])[0];
        let at = |load, deadline| {
            let row = tokio.row(Example::Mixed, params(&c, load, 1.0, 50, deadline, 2));
            crate::progress::estimate::cost(&row, &[], None, 2).secs
        };
        assert!((at(0.5, 2000) - 1.1).abs() < 0.01, "{}", at(0.5, 2000));
        assert!((at(0.5, 600) - 0.6).abs() < 1e-9, "bounded by the deadline");
    }

    #[test]
    fn every_crate_shows_its_right_way_first_and_only_the_wrong_ways_may_be_late() {
        let rows = rust_contenders(Path::new("/bin"), &Approach::ALL);
        assert_eq!(rows.len(), 13);
        let right: Vec<&str> =
            rows.iter().filter(|(_, right)| *right).map(|(c, _)| c.name.as_str()).collect();
        assert_eq!(right, ["std-threads", "tokio", "tokio rayon-bridge", "async-std", "smol"]);
        assert!(rows.iter().all(|(c, _)| c.examples == [Example::Mixed]));
    }
}
