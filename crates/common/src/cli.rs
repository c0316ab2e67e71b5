//! The command line every example crate shares: `io` and `cpu`, their flags, and their checks.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::Approach;
use crate::out::{EXIT_CLOSED_PIPE, complain};
use crate::workload::{DELAY, LIMIT, default_jobs};

/// The most worker threads `--threads` accepts.
pub const MAX_THREADS: u64 = 4096;
/// The most fetches `--tasks` accepts.
pub const MAX_TASKS: u64 = 10_000_000;
/// The longest simulated wait `--delay-ms` accepts: one hour.
pub const MAX_DELAY_MS: u64 = 3_600_000;
/// The highest `--limit`: trial division up to 10^12 already takes days.
pub const MAX_LIMIT: u64 = 1_000_000_000_000;
/// The most jobs `--jobs` accepts: every job's range is held in memory (16 bytes each), and
/// a million jobs of the default limit are ten numbers each, far past any gain in balance.
pub const MAX_JOBS: u64 = 1_000_000;

/// What `--help` says about exit statuses.
const EXIT_STATUSES: &str = "Exit status: 0 done and checked; 1 failed, with a one-line \
    reason (a wrong result, an OS limit, failed requests, output that cannot be written); \
    2 bad command line; 141 stdout closed by its reader (e.g. `| head`), quietly.";

#[derive(Parser, Debug)]
#[command(subcommand_required = true, arg_required_else_help = false)]
#[command(disable_help_subcommand = true, after_help = EXIT_STATUSES)]
struct Cli {
    #[command(subcommand)]
    example: Example,
}

#[derive(Subcommand, Debug)]
enum Example {
    /// The I/O-bound example: fetch N URLs, each a simulated wait, all in flight at once
    Io(IoArgs),
    /// The CPU-bound example: count the primes in [0, LIMIT] by trial division, in JOBS jobs
    Cpu(CpuArgs),
}

#[derive(Args, Debug)]
struct Shared {
    /// Worker threads, where the approach has a pool [default: available parallelism]
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Print one JSON line instead of the human-readable lines
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct IoArgs {
    /// Number of fetches, all in flight at once (the article fetches 3)
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    tasks: u64,
    /// Simulated I/O wait of each fetch, in milliseconds (the article's 2 s)
    #[arg(long, value_name = "D", default_value_t = DELAY.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// Print every fetch's start and end (on by default for 10 fetches or fewer)
    #[arg(long)]
    verbose: bool,
    /// Where each fetch waits: a timer (the article's sleep), or a request to the delay server
    #[arg(long, value_enum, default_value_t = SourceArg::Sleep)]
    source: SourceArg,
    /// The delay server's address, with --source tcp (start one with avt-delay-server)
    #[arg(long, value_name = "ADDR")]
    server: Option<SocketAddr>,
    /// With --source tcp: fail a request that takes longer, in ms (std-threads and rayon:
    /// per connect and per read) [default: D + 10000]
    #[arg(long, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=2 * MAX_DELAY_MS))]
    timeout_ms: Option<u64>,
    #[command(flatten)]
    shared: Shared,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum SourceArg {
    Sleep,
    Tcp,
}

#[derive(Args, Debug)]
struct CpuArgs {
    /// Count the primes in [0, L]
    #[arg(long, value_name = "L", default_value_t = LIMIT,
          value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT))]
    limit: u64,
    /// Split [0, L] into J equal-width jobs, handed out costliest (highest numbers) first
    /// (J <= L + 1) [default: max(64, 16 × T), at most L + 1]
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
    jobs: Option<u64>,
    /// Run the jobs one after another on the main thread: the 1x baseline
    #[arg(long)]
    sequential: bool,
    #[command(flatten)]
    shared: Shared,
}

/// Where an io fetch's wait comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// A timer: the article's `asyncio.sleep`.
    Sleep,
    /// A real HTTP request to the delay server at `server`, which answers after the delay;
    /// a request that takes longer than `timeout` fails.
    Tcp { server: SocketAddr, timeout: Duration },
}

/// The io example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Io {
    /// Number of fetches; fetch ids are `0..tasks`.
    pub tasks: usize,
    /// The simulated wait of each fetch.
    pub delay: Duration,
    /// Worker threads, where the approach has a pool.
    pub threads: usize,
    /// Print a line when each fetch starts and ends.
    pub log: bool,
    /// A sleep, or requests to the delay server.
    pub source: Source,
}

/// The cpu example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Cpu {
    /// Count the primes in [0, limit].
    pub limit: u64,
    /// Number of jobs [0, limit] is split into.
    pub jobs: usize,
    /// Worker threads.
    pub threads: usize,
}

/// A parsed, checked command line.
#[derive(Debug)]
pub(crate) enum Command {
    Io(Io),
    Cpu(Cpu),
    Sequential(Cpu),
}

/// Parsed options that apply to both examples.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub command: Command,
    pub json: bool,
}

/// Parses the command line; on a usage error prints one line and gives exit code 2.
pub(crate) fn parse(approach: &Approach) -> Result<Parsed, ExitCode> {
    let has_sequential = approach.sequential.is_some();
    let bin = std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0).file_name().map(|f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "example".into());
    // Name and version are the example crate's own, not this library's.
    let mut cmd = Cli::command()
        .name(approach.package)
        .display_name(approach.package)
        .version(approach.version)
        .bin_name(bin)
        .about(approach.about);
    if !has_sequential {
        // Only the std-threads crate offers the sequential baseline; elsewhere the flag is an
        // error, and hidden from --help.
        cmd = cmd.mut_subcommand("cpu", |cpu| cpu.mut_arg("sequential", |arg| arg.hide(true)));
    }
    let fail = |cmd: &mut clap::Command, message: String| {
        usage_exit(cmd.error(ErrorKind::ValueValidation, message))
    };
    let matches = cmd.try_get_matches_from_mut(std::env::args_os()).map_err(usage_exit)?;
    let cli = Cli::from_arg_matches(&matches).map_err(usage_exit)?;
    let threads = |shared: &Shared| match shared.threads {
        Some(t) => t as usize,
        None => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
    };
    let (command, json) = match cli.example {
        Example::Io(a) => {
            let source = match (a.source, a.server) {
                (SourceArg::Sleep, None) => Source::Sleep,
                (SourceArg::Tcp, Some(server)) => {
                    let ms = a.timeout_ms.unwrap_or(a.delay_ms + 10_000);
                    Source::Tcp { server, timeout: Duration::from_millis(ms) }
                }
                (SourceArg::Tcp, None) => {
                    let msg = "--source tcp needs --server ADDR (start one with avt-delay-server)";
                    return Err(fail(&mut cmd, msg.into()));
                }
                (SourceArg::Sleep, Some(_)) => {
                    return Err(fail(&mut cmd, "--server goes with --source tcp".into()));
                }
            };
            let io = Io {
                source,
                tasks: a.tasks as usize,
                delay: Duration::from_millis(a.delay_ms),
                threads: threads(&a.shared),
                log: (a.verbose || a.tasks <= 10) && !a.shared.json,
            };
            (Command::Io(io), a.shared.json)
        }
        Example::Cpu(a) => {
            let threads = threads(&a.shared);
            let jobs = match a.jobs {
                Some(jobs) if jobs > a.limit + 1 => {
                    let msg = format!(
                        "--jobs {jobs} is more than the {} numbers in [0, {}]",
                        a.limit + 1,
                        a.limit
                    );
                    return Err(fail(&mut cmd, msg));
                }
                Some(jobs) => jobs as usize,
                None => default_jobs(threads, a.limit),
            };
            if a.sequential && !has_sequential {
                let msg = "--sequential is the std-threads crate's baseline: \
                           run `avt-std cpu --sequential`"
                    .to_string();
                return Err(fail(&mut cmd, msg));
            }
            let cpu = Cpu { limit: a.limit, jobs, threads };
            let command = if a.sequential { Command::Sequential(cpu) } else { Command::Cpu(cpu) };
            (command, a.shared.json)
        }
    };
    Ok(Parsed { command, json })
}

/// Prints a clap error as one line (help and version as they are) and returns the exit code:
/// 2 for usage errors.
pub fn usage_exit(error: clap::Error) -> ExitCode {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return match error.print() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                ExitCode::from(EXIT_CLOSED_PIPE)
            }
            Err(e) => {
                complain(format_args!("error: cannot write the help: {e}"));
                ExitCode::FAILURE
            }
            Ok(()) => ExitCode::SUCCESS,
        };
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or("error: bad command line");
    complain(format_args!("{first} (see --help)"));
    ExitCode::from(2)
}
