//! `run-all`: every approach × example, timed the same way, in one comparison.

use std::process::ExitCode;

use anyhow::Result;
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;

use crate::commands::SharedArgs;
use crate::model::group::Group;
use crate::model::plan::{self, CpuParams, IoParams, Section};
use crate::model::summary::GroupSummary;
use crate::pipeline::RunAll;
use crate::pipeline::setup::{Command, Setup};
use crate::progress::estimate::over_timeout;
use crate::sections;

/// Options of `run-all`.
#[derive(Args, Debug)]
pub struct RunAllArgs {
    /// Counted runs per row [default: 5 (io, cpu); mistakes, switch, cancel and scale 2,
    /// mixed 3, shared 5; --quick: 1]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: Option<u64>,
    /// Uncounted warm-up runs per row, before the counted ones [default: 1 (io, cpu); the
    /// other sections 0; --quick: 0]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=100))]
    warmup: Option<u64>,
    /// io: fetches per run [default: 3, the article's; --quick: 20]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    tasks: Option<u64>,
    /// io: simulated wait per fetch in ms [default: 2000, the article's; --quick: 100]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: Option<u64>,
    /// cpu: count primes in [0, L] (the Python rows: L/10) [default: 10000000; --quick: 100000]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT))]
    limit: Option<u64>,
    /// cpu: jobs [0, L] is split into [default: 64; --quick: 16]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: Option<u64>,
    /// Worker threads passed to every approach [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Tiny sizes and one run: a smoke test of the whole pipeline in seconds
    #[arg(long)]
    quick: bool,
    /// Kill a run (and its process group) after this many seconds
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_s: u64,
    #[command(flatten)]
    shared: SharedArgs,
}

/// Runs `run-all`; exit status 0 when every row is verified, 1 when any failed. A row that
/// cannot finish in `--timeout-s` is skipped, with its estimate.
pub fn run_all(args: RunAllArgs) -> Result<ExitCode> {
    let quick = args.quick;
    let pick = |given: Option<u64>, default: u64, quick_default: u64| {
        given.unwrap_or(if quick { quick_default } else { default })
    };
    let threads = args.threads.map_or_else(plan::default_threads, |t| t as usize);
    let io = IoParams {
        tasks: pick(args.tasks, 3, 20) as usize,
        delay_ms: pick(args.delay_ms, avt_common::DELAY.as_millis() as u64, 100),
    };
    let jobs = args.jobs.map(|j| j as usize).or(quick.then_some(16));
    let cpu = CpuParams::new(pick(args.limit, avt_common::LIMIT, 100_000), jobs, threads)?;
    let setup = Setup::new(Command::RunAll, args.shared.options(run_all_sections()))?;
    let runs = pick(args.runs, 5, 1) as usize;
    let mut settings =
        setup.settings(runs, pick(args.warmup, 1, 0) as usize, threads, args.timeout_s);
    settings.quick = quick;
    let plan = RunAll { threads, io, cpu, quick, runs: args.runs, warmup: args.warmup };
    let sections = sections::all();
    let mut groups = Vec::new();
    for section in sections.in_run_order().filter(|s| setup.has(s.section())) {
        groups.extend(section.run_all(&setup, &plan, &mut settings)?);
    }
    // A row that cannot finish in the timeout is skipped, with its estimate, as the sweep
    // skips one over its cap: it would only time out and fail the run.
    let timeout_s = args.timeout_s;
    let skip_over_timeout = |group: &mut Group, _: &[GroupSummary]| {
        for row in group.rows.iter_mut().filter(|row| row.skip.is_none()) {
            row.skip = over_timeout(row, timeout_s);
        }
    };
    setup.run(groups, settings, &sections, skip_over_timeout)
}

/// run-all's sections when none are asked for: every one, in the order their groups run.
fn run_all_sections() -> Vec<Section> {
    sections::all().in_run_order().filter(|s| s.in_run_all()).map(|s| s.section()).collect()
}
