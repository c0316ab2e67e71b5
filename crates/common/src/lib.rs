//! What is the same in every approach: the article's two workloads, the command line, the
//! result checks and the report format.
//!
//! No concurrency code lives here. Each example crate spawns, waits and joins in plain view,
//! then hands its two functions to [`main`], which parses the command line, times the run,
//! checks the result and prints the report. Every line an example prints goes through
//! [`say!`], which never panics on a closed pipe or a full disk.

pub mod cancel;
mod cli;
mod flags;
pub mod http;
pub mod latency;
pub mod limits;
mod mixed;
pub mod out;
mod report;
pub mod shared;
pub mod switch;
pub mod threads;
mod ticker;
pub mod workload;

use std::collections::BTreeMap;
use std::io;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

pub use cancel::{Cancel, CancelReport, Fetches, Held, Kept, Leftover, Running, cancel_checksum};
pub use cli::{Cpu, Io, usage_exit};
pub use flags::{MAX_DELAY_MS, MAX_JOBS, MAX_LIMIT, MAX_TASKS, MAX_THREADS, Source};
pub use latency::{Lateness, Percentiles};
pub use mixed::{
    Completions, Mixed, MixedReport, Schedule, Served, Tally, check_served, mixed_checksum,
    request_numbers,
};
pub use report::{Params, Report};
pub use shared::{Progress, Shared};
pub use switch::{Clock, Laps, Spawn, SpawnClock, Spawned, Switch, Unit, Via};
pub use ticker::{MAX_TICK_MS, TICK_MS, Ticker, TickerReport};
pub use workload::{
    DELAY, JOBS, JOBS_PER_THREAD, Jobs, KNOWN_PI, LIMIT, URLS, check_fetched, count_primes_in,
    cpu_checksum, default_jobs, io_checksum, is_prime, known_pi, split, url,
};

/// What an example did, and on how many worker threads.
#[derive(Debug)]
pub struct Outcome<T> {
    /// io: the ids fetched, in any order; cpu: the number of primes counted.
    pub value: T,
    /// Threads that did the work (the runtime's workers, the pool's threads, …).
    pub worker_threads: usize,
}

/// A way to run an example, chosen with `--variant NAME`: a crate's right way, or a
/// mistake shown on purpose. The same mistake has the same name in every crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// The name on the command line and in reports (`params.variant`).
    pub name: &'static str,
    /// One sentence for `--help`: what it does, and for a mistake what goes wrong and why.
    pub about: &'static str,
}

/// One example of an approach: the function that runs it, and the ways it can be run, the
/// crate's right way first (the default).
pub struct Example<A, T> {
    pub run: fn(&A) -> Result<Outcome<T>>,
    pub variants: &'static [Variant],
}

/// One approach: its name and its examples.
pub struct Approach {
    /// The name in reports: `std-threads`, `tokio`, `async-std`, `smol` or `rayon`.
    pub name: &'static str,
    /// The crate's package name for `--version`: `env!("CARGO_PKG_NAME")`, expanded in the
    /// crate itself (here it would say avt-common).
    pub package: &'static str,
    /// The crate's version for `--version`: `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// One line for `--help`: the crate's description.
    pub about: &'static str,
    /// The io example: fetch ids `0..tasks`, all in flight at once.
    pub io: Example<Io, Vec<usize>>,
    /// The cpu example: count the primes in [0, limit] in `jobs` jobs.
    pub cpu: Example<Cpu, u64>,
    /// The shared-state example: W workers add 1 to one counter M times each.
    pub shared: Example<Shared, u64>,
    /// The mixed example: requests arrive at a rate, each fetches and then computes.
    pub mixed: Example<Mixed, Completions>,
    /// The switch example: K members in a ring pass one token for M laps.
    pub switch: Example<Switch, Laps>,
    /// The spawn example: N units that only record when they first ran.
    pub spawn: Example<Spawn, Spawned>,
    /// The cancel example: N fetches, one in K slow, under one deadline; what it kept by
    /// then, and what it left running.
    pub cancel: Example<Cancel, Kept>,
    /// The sequential cpu baseline, offered as `cpu --sequential` (the std-threads crate).
    pub sequential: Option<fn(&Cpu) -> u64>,
}

/// Runs an example crate: parse the command line, run the example, check, report.
///
/// Exit codes: 0 done and checked, 1 failed (with a one-line reason, also when the output
/// could not be written), 2 usage error, 141 stdout closed by its reader (`| head`).
pub fn main(approach: Approach) -> ExitCode {
    threads::exit_on_refused_spawn(approach.name);
    let parsed = match cli::parse(&approach) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    // The ticker's schedule starts with the timed run (the sequential baseline has none).
    let ticker = parsed.tick.map(Ticker::start);
    let report = match parsed.command {
        cli::Command::Io(io) => run_io(&approach, io, ticker),
        cli::Command::Cpu(cpu) => run_cpu(&approach, cpu, ticker),
        cli::Command::Sequential(cpu) => run_sequential(&approach, cpu),
        cli::Command::Shared(args) => run_shared(&approach, &args),
        cli::Command::Mixed(args) => {
            return mixed::main(approach.name, &approach.mixed, &args, parsed.json);
        }
        cli::Command::Switch(args) => {
            return switch::main_switch(approach.name, &approach.switch, &args, parsed.json);
        }
        cli::Command::Spawn(args) => {
            return switch::main_spawn(approach.name, &approach.spawn, &args, parsed.json);
        }
        cli::Command::Cancel(args) => {
            return cancel::main(approach.name, &approach.cancel, &args, parsed.json);
        }
    };
    match report {
        Ok(report) if parsed.json => say!("{}", report.to_json()),
        Ok(report) => say!("{}", report.summary()),
        Err(e) => {
            out::complain(format_args!("{}: error: {e:#}", approach.name));
            return ExitCode::FAILURE;
        }
    }
    out::finish(approach.name)
}

fn run_io(approach: &Approach, mut io: Io, ticker: Option<Ticker>) -> Result<Report> {
    let start = Instant::now();
    io.ticker = ticker;
    let out = (approach.io.run)(&io)?;
    let elapsed_ms = end_run(start, io.ticker.as_ref());
    let checksum = check_fetched(&out.value, io.tasks).map_err(anyhow::Error::msg)?;
    Ok(Report {
        approach: approach.name.into(),
        example: "io".into(),
        params: Params {
            threads: io.threads,
            tasks: Some(io.tasks),
            delay_ms: Some(io.delay.as_millis() as u64),
            source: matches!(io.source, Source::Tcp { .. }).then(|| "tcp".into()),
            variant: Some(io.variant.into()),
            ..Params::default()
        },
        result: out.value.len() as u64,
        checksum: format!("{checksum:016x}"),
        verified: true,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ticker: ticker_report(io.ticker.as_ref()),
        ..Report::default()
    })
}

fn run_cpu(approach: &Approach, mut cpu: Cpu, ticker: Option<Ticker>) -> Result<Report> {
    let start = Instant::now();
    cpu.ticker = ticker;
    let out = (approach.cpu.run)(&cpu)?;
    let elapsed_ms = end_run(start, cpu.ticker.as_ref());
    cpu_report(approach.name, &cpu, out, elapsed_ms)
}

fn run_sequential(approach: &Approach, cpu: Cpu) -> Result<Report> {
    let Some(sequential) = approach.sequential else {
        bail!("this approach has no sequential baseline");
    };
    let start = Instant::now();
    let cpu = Cpu { threads: 1, ..cpu };
    let out = Outcome { value: sequential(&cpu), worker_threads: 1 };
    cpu_report("sequential", &cpu, out, ms_since(start))
}

fn run_shared(approach: &Approach, args: &Shared) -> Result<Report> {
    let start = Instant::now();
    if shared::watched(args) {
        shared::watchdog(approach.name, args);
    }
    let out = (approach.shared.run)(args)?;
    shared::report(approach.name, args, out, ms_since(start))
}

/// The ids of a tcp run's fetches, or, if any failed, an error that counts the failures by
/// kind, says how many succeeded, and quotes the first.
pub fn all_fetched(results: Vec<io::Result<usize>>) -> Result<Vec<usize>> {
    let tasks = results.len();
    let mut ids = Vec::with_capacity(tasks);
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut first = None;
    for result in results {
        match result {
            Ok(id) => ids.push(id),
            Err(e) => {
                let kind = http::failure_kind(&e);
                *kinds.entry(kind).or_default() += 1;
                first.get_or_insert((kind, e));
            }
        }
    }
    match first {
        None => Ok(ids),
        Some((kind, first)) => {
            let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
            bail!(
                "{} of {tasks} fetches failed ({}); {} succeeded; first error ({kind}): {first}",
                tasks - ids.len(),
                counts.join(", "),
                ids.len()
            )
        }
    }
}

fn cpu_report(name: &str, cpu: &Cpu, out: Outcome<u64>, elapsed_ms: f64) -> Result<Report> {
    let verified = match known_pi(cpu.limit) {
        Some(pi) if pi != out.value => {
            bail!("counted {} primes in [0, {}], but π({}) = {pi}", out.value, cpu.limit, cpu.limit)
        }
        Some(_) => true,
        None => false,
    };
    Ok(Report {
        approach: name.into(),
        example: "cpu".into(),
        params: Params {
            threads: cpu.threads,
            limit: Some(cpu.limit),
            jobs: Some(cpu.jobs),
            variant: (name != "sequential").then(|| cpu.variant.into()),
            ..Params::default()
        },
        result: out.value,
        checksum: format!("{:016x}", cpu_checksum(cpu.limit, out.value)),
        verified,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ticker: ticker_report(cpu.ticker.as_ref()),
        ..Report::default()
    })
}

/// The timed run is over: ends the ticker's schedule at the same instant (if the example
/// has not already ended it) and returns the run's wall time in ms.
fn end_run(start: Instant, ticker: Option<&Ticker>) -> f64 {
    let end = Instant::now();
    if let Some(ticker) = ticker {
        ticker.stop_at(end);
    }
    (end - start).as_secs_f64() * 1e3
}

/// What the ticker saw.
fn ticker_report(ticker: Option<&Ticker>) -> Option<TickerReport> {
    ticker.map(Ticker::report)
}

/// How this binary was built: `release`, or `dev` when debug assertions are on.
pub(crate) fn build() -> &'static str {
    if cfg!(debug_assertions) { "dev" } else { "release" }
}

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}
