//! `sweep`: how each approach scales. io at growing numbers of tasks in flight, cpu at
//! growing numbers of worker threads; the same measurements and checks as run-all, a point
//! per group, and a point whose estimated time is over the cap skipped with its estimate.

use std::process::ExitCode;

use anyhow::Result;
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;

use crate::commands::SharedArgs;
use crate::model::group::Group;
use crate::model::outcome::Expect;
use crate::model::plan::{self, CpuParams, IoParams, Section};
use crate::model::results::SweepSettings;
use crate::model::summary::GroupSummary;
use crate::pipeline::setup::{Command, Setup};
use crate::progress::estimate::skip_reason;
use crate::sections;

/// The io points of a default sweep: tasks in flight.
pub const TASKS: [usize; 5] = [3, 1_000, 10_000, 100_000, 1_000_000];

/// The io points that get the bare-runtime rows beside the async crates.
pub const BARE_TASKS: [usize; 2] = [100_000, 1_000_000];

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
    /// io: wait per fetch, in ms
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// io: worker threads passed to every approach [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// cpu: count primes in [0, L] (the Python rows: L/10)
    #[arg(long, default_value_t = avt_common::LIMIT, value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT))]
    limit: u64,
    /// cpu: jobs [0, L] is split into [default: 64]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: Option<u64>,
    /// Skip a point whose estimated time per run is above this many seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    cap_s: u64,
    /// Kill a run (and its process group) after this many seconds [default: twice the cap]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_s: Option<u64>,
    #[command(flatten)]
    shared: SharedArgs,
}

/// Runs `sweep`; exit status 0 unless a run went wrong. A point an approach cannot reach
/// (an OS limit, or the timeout) is a result, shown as failed with its reason; a skipped
/// point is shown with its estimate.
pub fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let cores = plan::default_threads();
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
    // Every cpu point's parameters, checked before anything is built or run.
    let jobs = args.jobs.map(|j| j as usize);
    let cpu_points = cpu_threads
        .iter()
        .map(|&t| Ok((CpuParams::new(args.limit, jobs, t)?, t)))
        .collect::<Result<Vec<_>>>()?;
    let cpu = CpuParams::new(args.limit, jobs, threads)?;
    let setup = Setup::new(Command::Sweep, args.shared.options(vec![Section::Io, Section::Cpu]))?;
    let mut groups = Vec::new();
    if setup.has(Section::Io) {
        for &n in &tasks {
            let io = IoParams { tasks: n, delay_ms: args.delay_ms };
            let label =
                format!("io{}: {n} tasks in flight × {} ms wait", setup.over(), io.delay_ms);
            let mut group =
                setup.io_group(label, format!("io {n} tasks"), io.with_threads(threads));
            // The bare-runtime rows, where the runtimes' own costs show (not over tcp: they
            // only sleep).
            if BARE_TASKS.contains(&n) && setup.server.is_none() {
                setup.add_bare_rows(&mut group);
            }
            groups.push(group);
        }
    }
    if setup.has(Section::Cpu) {
        for &(cpu, t) in &cpu_points {
            groups.extend(setup.cpu_groups(cpu, t));
        }
    }
    // A sweep asks how far each approach gets: a point it cannot reach is a result.
    for row in groups.iter_mut().flat_map(|g| &mut g.rows) {
        if row.expect.is_success() {
            row.expect = Expect::SuccessOrLimit;
        }
    }
    let timeout_s = args.timeout_s.unwrap_or(2 * args.cap_s);
    let mut settings = setup.settings(args.runs as usize, args.warmup as usize, threads, timeout_s);
    if setup.has(Section::Io) {
        settings.io = Some(IoParams { tasks: 0, delay_ms: args.delay_ms });
    }
    if setup.has(Section::Cpu) {
        settings.cpu = Some(cpu);
        settings.python_cpu = setup.python_cpu(cpu);
    }
    settings.sweep = Some(SweepSettings { tasks, cpu_threads, cap_s: args.cap_s });
    let cap = args.cap_s as f64;
    let skip_over_cap = |group: &mut Group, done: &[GroupSummary]| {
        for row in &mut group.rows {
            row.skip = skip_reason(row, done, cap);
        }
    };
    setup.run(groups, settings, &sections::all(), skip_over_cap)
}
