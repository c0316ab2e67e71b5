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
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use avt_common::{MAX_DELAY_MS, MAX_THREADS, Params};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::measure::{self, End, Spec};
use crate::outcome::Expect;
use crate::plan::{self, Approach, Contender, Example, Python, Row, Section};
use crate::runner::Group;
use crate::setup::{Command, Setup, SharedArgs};
use crate::summary::{GroupSummary, RowSummary};
use crate::{Results, binaries, note};

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
    fn new(cost_ms: f64, work: u64, cores: usize, measured_on: usize) -> Capacity {
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
fn cost_ms(
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

/// Options of `load`.
#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Offered loads, percent of the measured capacity, comma-separated
    /// [default: 10,25,50,75,90,100,120]
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=1000))]
    loads: Vec<u64>,
    /// Counted runs per row and load
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,
    /// Seconds of arrivals per run: N = seconds × R
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// End each run this long after its start; unfinished requests count as late
    #[arg(long, default_value_t = 4_000, value_parser = clap::value_parser!(u64).range(1..=4 * MAX_DELAY_MS))]
    deadline_ms: u64,
    /// Numbers each Rust request counts primes in (the Python rows: W/20)
    #[arg(long, default_value_t = WORK, value_parser = clap::value_parser!(u64).range(20..=100_000_000))]
    work: u64,
    /// Each request's fetch wait, ms
    #[arg(long, default_value_t = DELAY_MS, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// Worker threads passed to every approach [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Kill a run (and its process group) after this many seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_s: u64,
    #[command(flatten)]
    shared: SharedArgs,
}

/// Runs `load`: the mixed rows at each load, every row allowed late requests (an overloaded
/// run is the measurement); exit 0 unless a run went wrong otherwise.
pub fn load(args: LoadArgs) -> Result<ExitCode> {
    if !(args.seconds > 0.0 && args.seconds <= 3_600.0) {
        return Err(plan::UsageError(format!(
            "--seconds {} must be above 0 and at most 3600",
            args.seconds
        ))
        .into());
    }
    if args.deadline_ms <= args.delay_ms {
        return Err(plan::UsageError(format!(
            "--deadline-ms {} must be longer than --delay-ms {}",
            args.deadline_ms, args.delay_ms
        ))
        .into());
    }
    let threads = args.threads.map_or_else(plan::default_threads, |t| t as usize);
    let loads: Vec<f64> = if args.loads.is_empty() {
        LOADS.to_vec()
    } else {
        args.loads.iter().map(|&l| l as f64 / 100.0).collect()
    };
    let mut shared = args.shared;
    shared.sections = vec![Section::Mixed];
    let setup = Setup::new(Command::Load, shared)?;
    let (rust, python) = measure_capacity(&setup, args.work, threads, false)?;
    let mixed = MixedSettings {
        rust,
        python,
        delay_ms: args.delay_ms,
        seconds: args.seconds,
        deadline_ms: args.deadline_ms,
        loads: loads.clone(),
        sweep: true,
    };
    let groups =
        loads.iter().flat_map(|&load| groups(&setup, &mixed, load, threads, true)).collect();
    let mut settings = setup.settings(args.runs as usize, 0, threads, args.timeout_s);
    settings.mixed = Some(mixed);
    setup.run(groups, settings, |_, _| {})
}

/// The load sweep's groups of `r`, if it is one.
pub fn load_groups(r: &Results) -> Option<(&MixedSettings, Vec<&GroupSummary>)> {
    let m = r.settings.mixed.as_ref().filter(|m| m.sweep)?;
    Some((m, r.groups.iter().filter(|g| g.example == Example::Mixed).collect()))
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
            crate::progress::cost(&row, &[], None, 2).secs
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
