//! `run-all`: every approach × example, timed the same way, in one comparison.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;

use crate::plan::{self, Approach, CpuParams, Example, IoParams};
use crate::runner::{self, Expected, Group};
use crate::{Results, Settings, binaries, machine, measure, output, summary};

/// Options of `run-all`.
#[derive(Args, Debug)]
pub struct RunAllArgs {
    /// Counted runs per row [default: 5; --quick: 1]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: Option<u64>,
    /// Uncounted warm-up runs per row, before the counted ones [default: 1; --quick: 0]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=100))]
    warmup: Option<u64>,
    /// Only these approaches (comma-separated); cpu always adds the sequential baseline
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Approach>,
    /// Only these examples (comma-separated) [default: io,cpu]
    #[arg(long, value_enum, value_delimiter = ',')]
    examples: Vec<Example>,
    /// io: fetches per run [default: 3, the article's; --quick: 20]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    tasks: Option<u64>,
    /// io: simulated wait per fetch in ms [default: 2000, the article's; --quick: 100]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: Option<u64>,
    /// cpu: count primes in [0, L] [default: 10000000; --quick: 100000]
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
    /// Folder for run-all.json, run-all.md and run-all.csv [default: <project>/results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the example binaries in DIR as they are, instead of building them beside the
    /// harness
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

/// Runs `run-all`; exit status 0 when every row is verified, 1 when any failed.
pub fn run_all(args: RunAllArgs) -> Result<ExitCode> {
    let quick = args.quick;
    let pick = |given: Option<u64>, default: u64, quick_default: u64| {
        given.unwrap_or(if quick { quick_default } else { default })
    };
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    let io = IoParams {
        tasks: pick(args.tasks, 3, 20) as usize,
        delay_ms: pick(args.delay_ms, avt_common::DELAY.as_millis() as u64, 100),
    };
    let cpu = CpuParams {
        limit: pick(args.limit, avt_common::LIMIT, 100_000),
        jobs: pick(args.jobs, avt_common::JOBS as u64, 16) as usize,
    };
    if cpu.jobs as u64 > cpu.limit + 1 {
        bail!(
            "--jobs {} is more than the {} numbers in [0, {}]",
            cpu.jobs,
            cpu.limit + 1,
            cpu.limit
        );
    }
    let approaches = if args.only.is_empty() {
        Approach::ALL.to_vec()
    } else {
        args.only
    };
    let examples = if args.examples.is_empty() {
        vec![Example::Io, Example::Cpu]
    } else {
        args.examples
    };

    let bin_dir = match args.bin_dir {
        Some(dir) => dir,
        None => {
            let dir = binaries::own_dir()?;
            binaries::build(&dir)?;
            dir
        }
    };
    let mut groups = Vec::new();
    if examples.contains(&Example::Io) {
        groups.push(Group {
            label: format!(
                "io: {} fetches × {} ms wait · ideal {} ms (all at once) · one after another {} ms",
                io.tasks,
                io.delay_ms,
                io.delay_ms,
                io.delay_ms * io.tasks as u64
            ),
            short: "io".into(),
            example: Example::Io,
            rows: approaches
                .iter()
                .map(|&a| plan::io_row(&bin_dir, a, io, threads))
                .collect(),
        });
    }
    if examples.contains(&Example::Cpu) {
        let baseline = std::iter::once(None);
        groups.push(Group {
            label: format!(
                "cpu: primes in [0, {}] by trial division, {} jobs",
                cpu.limit, cpu.jobs
            ),
            short: "cpu".into(),
            example: Example::Cpu,
            rows: baseline
                .chain(approaches.iter().map(|&a| Some(a)))
                .map(|a| plan::cpu_row(&bin_dir, a, cpu, threads))
                .collect(),
        });
    }
    for row in groups.iter().flat_map(|g| &g.rows) {
        if !row.spec.program.is_file() {
            bail!(
                "missing example binary {}: build it with `cargo build --release`",
                row.spec.program.display()
            );
        }
    }

    let settings = Settings {
        runs: pick(args.runs, 5, 1) as usize,
        warmup: pick(args.warmup, 1, 0) as usize,
        threads,
        timeout_s: args.timeout_s,
        approaches: approaches.iter().map(|a| a.name().to_string()).collect(),
        io: examples.contains(&Example::Io).then_some(io),
        cpu: examples.contains(&Example::Cpu).then_some(cpu),
        quick,
        bin_dir: bin_dir.clone(),
    };
    let environment =
        machine::Environment::read(&binaries::project_root(), &binaries::profile_of(&bin_dir));
    let mut expected: Vec<Expected> = groups.iter().map(Expected::for_group).collect();
    measure::catch_interrupts();
    let timeout = Duration::from_secs(settings.timeout_s);
    let Ok(runs) = runner::run_groups(
        &groups,
        &mut expected,
        settings.runs,
        settings.warmup,
        timeout,
    ) else {
        eprintln!("run-all: interrupted; the run was killed and no results were written");
        return Ok(ExitCode::from(130));
    };
    let summaries: Vec<_> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| summary::summarize(i, g, &expected[i], &runs))
        .collect();
    let results = Results {
        command: "run-all".into(),
        ok: summaries.iter().all(|g| g.ok()),
        environment,
        settings,
        groups: summaries,
        runs,
    };
    print!("{}", output::terminal(&results));
    let out = args
        .out
        .unwrap_or_else(|| binaries::project_root().join("results"));
    let written = output::write_files(&results, &out, "run-all")?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("results written to {}", names.join(", "));
    Ok(if results.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
