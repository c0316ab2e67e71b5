//! `run-all`: every approach × example, timed the same way, in one comparison.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use avt_common::{MAX_DELAY_MS, MAX_LIMIT, MAX_TASKS, MAX_THREADS};
use clap::Args;

use crate::plan::{self, Approach, Contender, CpuParams, Example, IoParams};
use crate::runner::Group;
use crate::server::Source;
use crate::{Results, Settings, binaries, charts, machine, output};

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
    /// cpu: count primes in [0, L] (the Python rows: L/10) [default: 10000000; --quick: 100000]
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT))]
    limit: Option<u64>,
    /// cpu: jobs [0, L] is split into [default: 64; --quick: 16]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: Option<u64>,
    /// Worker threads passed to every approach [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// io: wait on a timer (the article's) or on real requests to a delay server
    #[arg(long, value_enum, default_value_t = Source::Sleep)]
    source: Source,
    /// Leave out the article's Python originals (added when python3 is on PATH)
    #[arg(long)]
    no_python: bool,
    /// Tiny sizes and one run: a smoke test of the whole pipeline in seconds
    #[arg(long)]
    quick: bool,
    /// Kill a run (and its process group) after this many seconds
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_s: u64,
    /// Folder for run-all.json, .md, .csv and the chart run-all.svg [default: <project>/results]
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
    let approaches = if args.only.is_empty() { Approach::ALL.to_vec() } else { args.only };
    let examples =
        if args.examples.is_empty() { vec![Example::Io, Example::Cpu] } else { args.examples };
    let (python, mut python_missing) = crate::python_rows(!args.no_python);
    let python_cpu = python.as_ref().map(|_| plan::python_cpu(cpu));

    let bin_dir = binaries::bin_dir(args.bin_dir)?;
    let (server, name) = crate::source(args.source, &bin_dir, "run-all")?;
    let over = if server.is_some() { " over tcp" } else { "" };
    if server.is_some() && python.is_some() {
        python_missing =
            Some("they only sleep (no sockets), so they are left out of the tcp io rows".into());
    }
    let rust: Vec<Contender> = approaches.iter().map(|&a| Contender::rust(&bin_dir, a)).collect();
    let pythons = python
        .as_ref()
        .map(|p| Contender::python(p, &binaries::project_root().join("scripts/python")));
    let python_for = |example: Example| {
        pythons.iter().flatten().filter(move |c| c.examples.contains(&example) && !c.sequential)
    };
    let mut groups = Vec::new();
    if examples.contains(&Example::Io) {
        groups.push(Group {
            label: format!(
                "io{over}: {} fetches × {} ms wait · ideal {} ms (all at once) · one after another {} ms",
                io.tasks,
                io.delay_ms,
                io.delay_ms,
                io.delay_ms * io.tasks as u64
            ),
            short: "io".into(),
            example: Example::Io,
            rows: rust
                .iter()
                .chain(python_for(Example::Io).filter(|_| server.is_none()))
                .map(|c| crate::over_tcp(c.row(Example::Io, io.with_threads(threads)), server.as_ref()))
                .collect(),
            baseline: None,
        });
    }
    if examples.contains(&Example::Cpu) {
        let sequential = Contender::sequential(&bin_dir);
        groups.push(Group {
            label: format!(
                "cpu: primes in [0, {}] by trial division, {} jobs",
                cpu.limit, cpu.jobs
            ),
            short: "cpu".into(),
            example: Example::Cpu,
            rows: std::iter::once(&sequential)
                .chain(&rust)
                .map(|c| c.row(Example::Cpu, cpu.with_threads(threads)))
                .collect(),
            baseline: Some(sequential.name),
        });
        if let (Some(pythons), Some(pcpu)) = (&pythons, python_cpu) {
            let [_, threading, sequential] = pythons;
            groups.push(Group {
                label: format!(
                    "cpu, the Python originals: primes in [0, {}] (a tenth of the Rust limit), {} jobs",
                    pcpu.limit, pcpu.jobs
                ),
                short: "cpu python".into(),
                example: Example::Cpu,
                rows: [sequential, threading]
                    .iter()
                    .map(|c| c.row(Example::Cpu, pcpu.with_threads(threads)))
                    .collect(),
                baseline: Some(sequential.name.clone()),
            });
        }
    }
    crate::check_programs(&groups)?;

    let settings = Settings {
        runs: pick(args.runs, 5, 1) as usize,
        warmup: pick(args.warmup, 1, 0) as usize,
        threads,
        timeout_s: args.timeout_s,
        approaches: approaches.iter().map(|a| a.name().to_string()).collect(),
        io: examples.contains(&Example::Io).then_some(io),
        cpu: examples.contains(&Example::Cpu).then_some(cpu),
        python_cpu,
        python_missing,
        quick,
        bin_dir: bin_dir.clone(),
        source: args.source,
        sweep: None,
    };
    let environment = machine::Environment::read(
        &binaries::project_root(),
        &binaries::profile_of(&bin_dir),
        python.map(|p| p.version),
    );
    let timeout = Duration::from_secs(settings.timeout_s);
    let Ok((summaries, runs)) =
        crate::execute(&mut groups, settings.runs, settings.warmup, timeout, |_, _| {})
    else {
        eprintln!("run-all: interrupted; the run was killed and no results were written");
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
    print!("{}", output::terminal(&results));
    let out = args.out.unwrap_or_else(|| binaries::project_root().join("results"));
    let mut written = output::write_files(&results, &out, &name)?;
    written.extend(charts::write_run_all(&results, &out, &name)?);
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("results written to {}", names.join(", "));
    Ok(if results.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
