//! `load`: the mixed example under load, its rows from 10% to 120% of the measured capacity,
//! every row allowed late requests (an overloaded run is the measurement); `--vary work`: at
//! one load, over the CPU a request costs (`crate::commands::load_work`).

use std::process::ExitCode;

use anyhow::Result;
use avt_common::{MAX_DELAY_MS, MAX_THREADS};
use clap::{Args, ValueEnum};

use crate::commands::SharedArgs;
use crate::commands::load_work::{self, WorkArgs};
use crate::model::plan::{self, Section};
use crate::model::results::MixedSettings;
use crate::pipeline::setup::{Command, Setup};
use crate::sections;
use crate::sections::mixed::{self, DELAY_MS, LOADS, WORK};
use crate::sections::mixed_work::{MAX_PROBE_US, PROBE_US};

/// What `load` varies from row to row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Vary {
    /// The offered load, at one W (results/load.*)
    Load,
    /// The CPU a request costs, at one load (results/load-work.*)
    Work,
}

/// Options of `load`.
#[derive(Args, Debug)]
pub struct LoadArgs {
    /// What varies: the offered load, or the CPU per request at one load
    #[arg(long, value_enum, default_value_t = Vary::Load)]
    vary: Vary,
    /// --vary work: the offered load, percent of the capacity measured at each W [default: 50]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    load: Option<u64>,
    /// --vary work: CPU per request, µs, comma-separated
    /// [default: 50,100,200,500,1000,2000,5000,10000,20000]
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    cpu_us: Vec<u64>,
    /// --vary work: the wake probe's period, µs (every run's `wake` figures)
    #[arg(long, default_value_t = PROBE_US, value_parser = clap::value_parser!(u64).range(1..=MAX_PROBE_US))]
    probe_us: u64,
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
    if args.vary == Vary::Work {
        let given = [("--loads", !args.loads.is_empty()), ("--work", args.work != WORK)];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            return Err(plan::UsageError(format!(
                "{flag} is for --vary load; --vary work takes --load and --cpu-us"
            ))
            .into());
        }
        let work = WorkArgs {
            cpu_us: args.cpu_us,
            load: args.load.map_or(load_work::LOAD, |l| l as f64 / 100.0),
            probe_us: args.probe_us,
            runs: args.runs as usize,
            seconds: args.seconds,
            deadline_ms: args.deadline_ms,
            delay_ms: args.delay_ms,
            threads,
            timeout_s: args.timeout_s,
        };
        return load_work::load_work(work, args.shared);
    }
    if let Some((flag, _)) =
        [("--load", args.load.is_some()), ("--cpu-us", !args.cpu_us.is_empty())]
            .iter()
            .find(|(_, given)| *given)
    {
        return Err(plan::UsageError(format!("{flag} is for --vary work")).into());
    }
    let loads: Vec<f64> = if args.loads.is_empty() {
        LOADS.to_vec()
    } else {
        args.loads.iter().map(|&l| l as f64 / 100.0).collect()
    };
    let mut shared = args.shared;
    if shared.sections.iter().any(|&s| s != Section::Mixed) {
        return Err(plan::UsageError(
            "load runs only the mixed section: --sections is for run-all and sweep".into(),
        )
        .into());
    }
    shared.sections = vec![Section::Mixed];
    let setup = Setup::new(Command::Load, shared.options(vec![Section::Mixed]))?;
    let (rust, python) = mixed::measure_capacity(&setup, args.work, threads, false)?;
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
        loads.iter().flat_map(|&load| mixed::groups(&setup, &mixed, load, threads, true)).collect();
    let mut settings = setup.settings(args.runs as usize, 0, threads, args.timeout_s);
    settings.mixed = Some(mixed);
    setup.run(groups, settings, &sections::all(), |_, _| {})
}
