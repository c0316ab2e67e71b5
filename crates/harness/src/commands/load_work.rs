//! `load --vary work`: the mixed example at one load (half the capacity measured at each W),
//! over the CPU a request costs, with the crossover under the table and its two charts
//! (`crate::sections::mixed_work`). Its results are results/load-work.*, beside `load`'s.

use std::process::ExitCode;

use anyhow::Result;

use crate::commands::SharedArgs;
use crate::model::plan::Section;
use crate::pipeline::setup::{Command, Setup};
use crate::sections;
use crate::sections::mixed_work::{self, CPU_US, Plan};

/// The default load of `--vary work`, a fraction of each point's capacity.
pub const LOAD: f64 = mixed_work::LOAD;

/// What `load --vary work` was given (checked by `load`).
pub struct WorkArgs {
    /// CPU per request, µs (empty: [`CPU_US`]).
    pub cpu_us: Vec<u64>,
    pub load: f64,
    pub probe_us: u64,
    pub runs: usize,
    pub seconds: f64,
    pub deadline_ms: u64,
    pub delay_ms: u64,
    pub threads: usize,
    pub timeout_s: u64,
}

/// Runs the work sweep: W measured per point, then every point's groups; exit 0 unless a run
/// went wrong otherwise than by late requests.
pub fn load_work(args: WorkArgs, mut shared: SharedArgs) -> Result<ExitCode> {
    let mut cpu_us = if args.cpu_us.is_empty() { CPU_US.to_vec() } else { args.cpu_us };
    cpu_us.sort_unstable();
    cpu_us.dedup();
    shared.sections = vec![Section::LoadWork];
    let setup = Setup::new(Command::LoadWork, shared.options(vec![Section::LoadWork]))?;
    let plan = Plan {
        cpu_us,
        load: args.load,
        delay_ms: args.delay_ms,
        deadline_ms: args.deadline_ms,
        seconds: args.seconds,
        probe_us: args.probe_us,
        threads: args.threads,
    };
    let sweep = mixed_work::measure_points(&setup, &plan)?;
    let groups = mixed_work::groups(&setup, &sweep, args.threads);
    let mut settings = setup.settings(args.runs, 0, args.threads, args.timeout_s);
    settings.load_work = Some(sweep);
    setup.run(groups, settings, &sections::all(), |_, _| {})
}
