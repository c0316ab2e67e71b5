//! `run-all`: every approach × example, timed the same way, in one comparison.

use std::process::ExitCode;

use anyhow::Result;
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;

use crate::plan::{self, CpuParams, IoParams, Rounds, Section};
use crate::sections::{self, MistakesSizes};

/// Counted runs per row of run-all's mixed section.
const MIXED_RUNS: usize = 3;

/// Tasks in flight in run-all's scale section.
pub const SCALE_TASKS: usize = 100_000;
use crate::setup::{Command, Setup, SharedArgs};

/// Options of `run-all`.
#[derive(Args, Debug)]
pub struct RunAllArgs {
    /// Counted runs per row [default: 5; mistakes 2, shared and mixed 3, scale 2; --quick: 1]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: Option<u64>,
    /// Uncounted warm-up runs per row, before the counted ones [default: 1; mistakes,
    /// shared, mixed and scale 0; --quick: 0]
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

/// Runs `run-all`; exit status 0 when every row is verified, 1 when any failed.
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
    let setup = Setup::new(Command::RunAll, args.shared)?;
    let mut groups = Vec::new();
    if setup.has(Section::Io) {
        let (n, d) = (io.tasks, io.delay_ms);
        let label = format!(
            "io{}: {n} fetches × {d} ms wait · ideal {d} ms (all at once) · one after another \
             {} ms",
            setup.over(),
            d * n as u64
        );
        groups.push(setup.io_group(label, "io".into(), io.with_threads(threads)));
    }
    if setup.has(Section::Cpu) {
        groups.extend(setup.cpu_groups(cpu, threads));
    }
    // The sections with runs of their own (fewer, no warm-up: their rows are slow on purpose).
    let given = (args.runs, args.warmup);
    let mut rounds = Vec::new();
    let mut mixed = None;
    if setup.has(Section::Mistakes) {
        let r = sections::rounds(Section::Mistakes, sections::MISTAKES_RUNS, given, quick);
        groups.extend(setup.mistakes_groups(MistakesSizes::new(threads, cpu, quick), &r));
        rounds.push(r);
    }
    if setup.has(Section::Shared) {
        let r = sections::rounds(Section::Shared, sections::SHARED_RUNS, given, quick);
        groups.extend(setup.shared_groups(threads, quick, &r));
        rounds.push(r);
    }
    if setup.has(Section::Scale) {
        // Each async crate beside its bare program at many tasks: one wait each, so two
        // counted runs and no warm-up keep the section near 30 s on 2 cores.
        let scale = IoParams {
            tasks: if quick { 1_000 } else { SCALE_TASKS },
            delay_ms: pick(args.delay_ms, avt_common::DELAY.as_millis() as u64, 100),
        };
        let rounds = Rounds { warmup: 0, runs: pick(args.runs, 2, 1).min(2) as usize };
        let label = format!(
            "scale: {} tasks × {} ms wait, each async crate (--no-ticker) beside its bare \
             runtime (one sleep per task, nothing else) · {} run(s) each",
            scale.tasks, scale.delay_ms, rounds.runs
        );
        groups.extend(setup.scale_group(label, scale.with_threads(threads), rounds));
    }
    if setup.has(Section::Mixed) {
        // Capacity measured once, then the rows at 50% of it. Each run is seconds of
        // open-loop arrivals and measures its own steady state: 3 runs, no warm-up.
        let r = sections::rounds(Section::Mixed, MIXED_RUNS, given, quick);
        let (mixed_groups, mixed_settings) = crate::mixed::run_all_section(&setup, threads, quick)?;
        groups.extend(mixed_groups);
        mixed = Some(mixed_settings);
        rounds.push(r);
    }
    let runs = pick(args.runs, 5, 1) as usize;
    let mut settings =
        setup.settings(runs, pick(args.warmup, 1, 0) as usize, threads, args.timeout_s);
    settings.quick = quick;
    settings.rounds = rounds;
    settings.io = setup.has(Section::Io).then_some(io);
    if setup.has(Section::Cpu) {
        settings.cpu = Some(cpu);
        settings.python_cpu = setup.python_cpu(cpu);
    }
    settings.mixed = mixed;
    setup.run(groups, settings, |_, _| {})
}
