//! `sweep`: how each approach scales. io at growing numbers of tasks in flight, cpu at
//! growing numbers of worker threads; the same measurements and checks as run-all, a point
//! per group, and a point whose estimated time is over the cap skipped with its estimate.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::plan::{self, Approach, Contender, CpuParams, Example, IoParams, Row};
use crate::runner::Group;
use crate::server::Source;
use crate::summary::GroupSummary;
use crate::{Results, Settings, binaries, charts, machine, output};

/// The io points of a default sweep: tasks in flight.
pub const TASKS: [usize; 5] = [3, 1_000, 10_000, 100_000, 1_000_000];

/// Options of `sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// io points: tasks in flight, comma-separated [default: 3,1000,10000,100000,1000000]
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    tasks: Vec<u64>,
    /// cpu points: worker threads, comma-separated [default: 1,2,…,cores,2×cores]
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    cpu_threads: Vec<u64>,
    /// Counted runs per row and point
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,
    /// Uncounted warm-up runs per row and point
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=100))]
    warmup: u64,
    /// Only these approaches (comma-separated); cpu always adds the sequential baseline
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Approach>,
    /// Only these examples (comma-separated) [default: io,cpu]
    #[arg(long, value_enum, value_delimiter = ',')]
    examples: Vec<Example>,
    /// io: simulated wait per fetch, in ms
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// io: worker threads passed to every approach [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// cpu: count primes in [0, L] (the Python rows: L/10)
    #[arg(long, default_value_t = avt_common::LIMIT, value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT))]
    limit: u64,
    /// cpu: jobs [0, L] is split into
    #[arg(long, default_value_t = avt_common::JOBS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: u64,
    /// Skip a point whose estimated time per run is above this many seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    cap_s: u64,
    /// Kill a run (and its process group) after this many seconds [default: twice the cap]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_s: Option<u64>,
    /// io: wait on a timer (the article's) or on real requests to a delay server
    #[arg(long, value_enum, default_value_t = Source::Sleep)]
    source: Source,
    /// Leave out the article's Python originals (added when python3 is on PATH)
    #[arg(long)]
    no_python: bool,
    /// Folder for sweep.json, .md, .csv and the sweep-*.svg charts [default: <project>/results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the example binaries in DIR as they are, instead of building them beside the
    /// harness
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

/// The sweep's points and cap, as recorded in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSettings {
    pub tasks: Vec<usize>,
    pub cpu_threads: Vec<usize>,
    pub cap_s: u64,
}

/// Runs `sweep`; exit status 0 when no run failed (skipped points are not failures; failed
/// points, like std threads past the OS thread limit, are).
pub fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.threads.map_or(cores, |t| t as usize);
    let tasks: Vec<usize> = if args.tasks.is_empty() {
        TASKS.to_vec()
    } else {
        args.tasks.iter().map(|&t| t as usize).collect()
    };
    let cpu_threads: Vec<usize> = if args.cpu_threads.is_empty() {
        (1..=cores).chain([2 * cores]).collect()
    } else {
        args.cpu_threads.iter().map(|&t| t as usize).collect()
    };
    let cpu = CpuParams { limit: args.limit, jobs: args.jobs as usize };
    if cpu.jobs as u64 > cpu.limit + 1 {
        bail!(
            "--jobs {} is more than the {} numbers in [0, {}]",
            cpu.jobs,
            cpu.limit + 1,
            cpu.limit
        );
    }
    let approaches = if args.only.is_empty() { Approach::ALL.to_vec() } else { args.only };
    let examples =
        if args.examples.is_empty() { vec![Example::Io, Example::Cpu] } else { args.examples };
    let (python, mut python_missing) = crate::python_rows(!args.no_python);
    let python_cpu = python.as_ref().map(|_| plan::python_cpu(cpu));

    let bin_dir = binaries::bin_dir(args.bin_dir)?;
    let (server, name) = crate::source(args.source, &bin_dir, "sweep")?;
    let over = if server.is_some() { " over tcp" } else { "" };
    if server.is_some() && python.is_some() {
        python_missing =
            Some("they only sleep (no sockets), so they are left out of the tcp io rows".into());
    }
    let rust: Vec<Contender> = approaches.iter().map(|&a| Contender::rust(&bin_dir, a)).collect();
    let scripts = binaries::project_root().join("scripts/python");
    let pythons = python.as_ref().map(|p| Contender::python(p, &scripts));
    let mut groups = Vec::new();
    if examples.contains(&Example::Io) {
        let python_io = pythons
            .iter()
            .flatten()
            .filter(|c| c.examples.contains(&Example::Io) && server.is_none());
        let contenders: Vec<&Contender> = rust.iter().chain(python_io).collect();
        for &n in &tasks {
            let io = IoParams { tasks: n, delay_ms: args.delay_ms };
            groups.push(Group {
                label: format!("io{over}: {n} tasks in flight × {} ms wait", io.delay_ms),
                short: format!("io {n} tasks"),
                example: Example::Io,
                rows: contenders
                    .iter()
                    .map(|c| {
                        crate::over_tcp(
                            c.row(Example::Io, io.with_threads(threads)),
                            server.as_ref(),
                        )
                    })
                    .collect(),
                baseline: None,
            });
        }
    }
    if examples.contains(&Example::Cpu) {
        let sequential = Contender::sequential(&bin_dir);
        for &t in &cpu_threads {
            groups.push(Group {
                label: format!(
                    "cpu: {t} worker threads, primes in [0, {}], {} jobs",
                    cpu.limit, cpu.jobs
                ),
                short: format!("cpu {t} threads"),
                example: Example::Cpu,
                rows: std::iter::once(&sequential)
                    .chain(&rust)
                    .map(|c| c.row(Example::Cpu, cpu.with_threads(t)))
                    .collect(),
                baseline: Some(sequential.name.clone()),
            });
            if let (Some([_, threading, seq]), Some(pcpu)) = (&pythons, python_cpu) {
                groups.push(Group {
                    label: format!(
                        "cpu, Python: {t} threads, primes in [0, {}], {} jobs",
                        pcpu.limit, pcpu.jobs
                    ),
                    short: format!("cpu python {t} threads"),
                    example: Example::Cpu,
                    rows: [seq, threading]
                        .iter()
                        .map(|c| c.row(Example::Cpu, pcpu.with_threads(t)))
                        .collect(),
                    baseline: Some(seq.name.clone()),
                });
            }
        }
    }
    crate::check_programs(&groups)?;

    let settings = Settings {
        runs: args.runs as usize,
        warmup: args.warmup as usize,
        threads,
        timeout_s: args.timeout_s.unwrap_or(2 * args.cap_s),
        approaches: approaches.iter().map(|a| a.name().to_string()).collect(),
        io: examples
            .contains(&Example::Io)
            .then_some(IoParams { tasks: 0, delay_ms: args.delay_ms }),
        cpu: examples.contains(&Example::Cpu).then_some(cpu),
        python_cpu,
        python_missing,
        quick: false,
        bin_dir: bin_dir.clone(),
        source: args.source,
        sweep: Some(SweepSettings { tasks, cpu_threads, cap_s: args.cap_s }),
    };
    let environment = machine::Environment::read(
        &binaries::project_root(),
        &binaries::profile_of(&bin_dir),
        python.map(|p| p.version),
    );
    let cap = args.cap_s as f64;
    let timeout = Duration::from_secs(settings.timeout_s);
    let Ok((summaries, runs)) =
        crate::execute(&mut groups, settings.runs, settings.warmup, timeout, |group, done| {
            for row in &mut group.rows {
                if let Some(secs) = estimate_s(row, done).filter(|&s| s > cap) {
                    row.skip =
                        Some(format!("would take ~{secs:.0} s per run, over the {cap:.0} s cap"));
                }
            }
        })
    else {
        eprintln!("sweep: interrupted; the run was killed and no results were written");
        return Ok(ExitCode::from(130));
    };
    let results = Results {
        command: name.clone(),
        ok: summaries.iter().all(|g| g.ok()),
        environment,
        settings,
        groups: summaries,
        runs,
    };
    print!("{}", output::sweep_terminal(&results));
    let out = args.out.unwrap_or_else(|| binaries::project_root().join("results"));
    let mut written = output::write_files(&results, &out, &name)?;
    written.extend(charts::write_sweep(&results, &out, &name)?);
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("results written to {}", names.join(", "));
    Ok(if results.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
        Example::Cpu => earlier().map(|(_, wall)| wall.max / 1e3).reduce(f64::max),
    }
}
