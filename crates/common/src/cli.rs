//! The command line every example crate shares: `io` and `cpu`, their flags, and their checks.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::flags::{MAX_DELAY_MS, MAX_JOBS, MAX_LIMIT, MAX_TASKS, Shared, Source, SourceArg};
use crate::out::{EXIT_CLOSED_PIPE, complain};
use crate::ticker::{MAX_TICK_MS, TICK_MS, Ticker};
use crate::workload::{DELAY, LIMIT, default_jobs};
use crate::{Approach, Variant};

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
    /// The shared-state example: W workers add 1 to one counter M times each; the total must
    /// be W × M
    #[command(name = "shared")]
    SharedState {
        #[command(flatten)]
        args: crate::shared::SharedArgs,
        #[command(flatten)]
        shared: Shared,
    },
    /// The mixed example: requests arrive at a steady rate, each fetches, then counts primes
    Mixed(crate::mixed::MixedArgs),
    /// The ring: K workers pass one token for M laps; what one wait-and-wake costs
    Switch(crate::switch::SwitchArgs),
    /// N units that only record when they first ran: what one spawn costs
    Spawn(crate::switch::SpawnArgs),
    /// The cancel example: N fetches, one in K slow, under one deadline; what is still
    /// running, and still held, after the deadline
    Cancel(crate::cancel::CancelArgs),
}

/// The latency probe's flags, for the io and cpu examples.
#[derive(Args, Debug)]
struct Probe {
    /// The latency probe's period: a ticker beside the work wants to wake every MS
    /// milliseconds, and the report says how late it ran [default: 10]
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=MAX_TICK_MS))]
    tick_ms: Option<u64>,
    /// Run no ticker beside the work
    #[arg(long, conflicts_with = "tick_ms")]
    no_ticker: bool,
}

impl Probe {
    /// The ticker's period the flags ask for (`None`: no ticker).
    fn tick(&self) -> Option<Duration> {
        let ms = self.tick_ms.unwrap_or(TICK_MS);
        (!self.no_ticker).then(|| Duration::from_millis(ms))
    }
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
    #[command(flatten)]
    probe: Probe,
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
    #[command(flatten)]
    probe: Probe,
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
    /// The way to run it (`--variant`): the crate's right way unless a mistake was asked for.
    pub variant: &'static str,
    /// The latency probe to run beside the fetches (`None` with `--no-ticker`); its schedule
    /// starts with the timed run.
    pub ticker: Option<Ticker>,
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
    /// The way to run it (`--variant`): the crate's right way unless a mistake was asked for.
    pub variant: &'static str,
    /// The latency probe to run beside the counting (`None` with `--no-ticker`, and for
    /// `--sequential`: the baseline stays one thread).
    pub ticker: Option<Ticker>,
}

/// A parsed, checked command line.
#[derive(Debug)]
pub(crate) enum Command {
    Io(Io),
    Cpu(Cpu),
    Sequential(Cpu),
    Shared(crate::Shared),
    Mixed(crate::Mixed),
    Switch(crate::Switch),
    Spawn(crate::Spawn),
    Cancel(crate::Cancel),
}

/// Parsed options that apply to both examples.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub command: Command,
    pub json: bool,
    /// The ticker's period (`None`: no ticker); its schedule starts with the timed run.
    pub tick: Option<Duration>,
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
    let examples = [
        ("io", approach.io.variants),
        ("cpu", approach.cpu.variants),
        ("shared", approach.shared.variants),
        ("mixed", approach.mixed.variants),
        ("switch", approach.switch.variants),
        ("spawn", approach.spawn.variants),
        ("cancel", approach.cancel.variants),
    ];
    for (name, variants) in examples {
        cmd = cmd.mut_subcommand(name, |sub| sub.after_help(variant_help(variants)));
    }
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
    let variant = |cmd: &mut clap::Command, example: &str, shared: &Shared, variants| {
        pick_variant(example, shared.variant.as_deref(), variants).map_err(|m| fail(cmd, m))
    };
    let threads = |shared: &Shared| match shared.threads {
        Some(t) => t as usize,
        None => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
    };
    let (command, json, tick) = match cli.example {
        Example::Io(a) => {
            let timeout = Duration::from_millis(a.timeout_ms.unwrap_or(a.delay_ms + 10_000));
            let source = a.source.with_server(a.server, timeout).map_err(|m| fail(&mut cmd, m))?;
            let variant = variant(&mut cmd, "io", &a.shared, approach.io.variants)?;
            if variant == "blocking-sleep" && source != Source::Sleep {
                return Err(fail(
                    &mut cmd,
                    "--variant blocking-sleep is a sleep: no --source tcp".into(),
                ));
            }
            let io = Io {
                variant,
                source,
                tasks: a.tasks as usize,
                delay: Duration::from_millis(a.delay_ms),
                threads: threads(&a.shared),
                log: (a.verbose || a.tasks <= 10) && !a.shared.json,
                ticker: None,
            };
            (Command::Io(io), a.shared.json, a.probe.tick())
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
            if a.sequential && a.shared.variant.is_some() {
                return Err(fail(&mut cmd, "--sequential takes no --variant".into()));
            }
            if a.sequential && a.probe.tick_ms.is_some() {
                return Err(fail(&mut cmd, "--sequential runs no ticker: drop --tick-ms".into()));
            }
            let variant = variant(&mut cmd, "cpu", &a.shared, approach.cpu.variants)?;
            let cpu = Cpu { limit: a.limit, jobs, threads, variant, ticker: None };
            let command = if a.sequential { Command::Sequential(cpu) } else { Command::Cpu(cpu) };
            let tick = if a.sequential { None } else { a.probe.tick() };
            (command, a.shared.json, tick)
        }
        Example::SharedState { args, shared } => {
            let variant = variant(&mut cmd, "shared", &shared, approach.shared.variants)?;
            let checked = args.check(threads(&shared), variant).map_err(|m| fail(&mut cmd, m))?;
            (Command::Shared(checked), shared.json, None)
        }
        Example::Mixed(a) => {
            let variant = variant(&mut cmd, "mixed", &a.shared, approach.mixed.variants)?;
            let mixed = a.check(threads(&a.shared), variant).map_err(|m| fail(&mut cmd, m))?;
            (Command::Mixed(mixed), a.shared.json, None)
        }
        Example::Switch(a) => {
            let variant = variant(&mut cmd, "switch", &a.shared, approach.switch.variants)?;
            let checked = a.check(threads(&a.shared), variant).map_err(|m| fail(&mut cmd, m))?;
            (Command::Switch(checked), a.shared.json, None)
        }
        Example::Spawn(a) => {
            let variant = variant(&mut cmd, "spawn", &a.shared, approach.spawn.variants)?;
            let checked = a.check(threads(&a.shared), variant).map_err(|m| fail(&mut cmd, m))?;
            (Command::Spawn(checked), a.shared.json, None)
        }
        Example::Cancel(a) => {
            let variant = variant(&mut cmd, "cancel", &a.shared, approach.cancel.variants)?;
            let cancel = a.check(threads(&a.shared), variant).map_err(|m| fail(&mut cmd, m))?;
            (Command::Cancel(cancel), a.shared.json, None)
        }
    };
    Ok(Parsed { command, json, tick })
}

/// The `--help` text that lists an example's variants, one line each.
fn variant_help(variants: &[Variant]) -> String {
    let width = variants.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut help = String::from("Variants (--variant NAME; the first is the default):");
    for v in variants {
        help.push_str(&format!("\n  {:width$}  {}", v.name, v.about));
    }
    help
}

/// The variant named `asked` among `variants` (the first when none is asked for), or a
/// one-line error naming the valid ones.
fn pick_variant(
    example: &str,
    asked: Option<&str>,
    variants: &[Variant],
) -> Result<&'static str, String> {
    let Some(asked) = asked else {
        return Ok(variants.first().map_or("default", |v| v.name));
    };
    match variants.iter().find(|v| v.name == asked) {
        Some(v) => Ok(v.name),
        None => {
            let valid: Vec<&str> = variants.iter().map(|v| v.name).collect();
            Err(format!("no variant '{asked}' for {example} here; valid: {}", valid.join(", ")))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const WAYS: &[Variant] = &[
        Variant { name: "right", about: "the right way" },
        Variant { name: "mistake", about: "a mistake" },
    ];

    #[test]
    fn no_variant_asked_is_the_first_and_a_listed_one_is_taken() {
        assert_eq!(pick_variant("io", None, WAYS), Ok("right"));
        assert_eq!(pick_variant("io", Some("mistake"), WAYS), Ok("mistake"));
    }

    #[test]
    fn an_unknown_variant_names_the_valid_ones() {
        let err = pick_variant("cpu", Some("nope"), WAYS).unwrap_err();
        assert_eq!(err, "no variant 'nope' for cpu here; valid: right, mistake");
    }

    #[test]
    fn help_lists_every_variant_on_its_own_line() {
        let help = variant_help(WAYS);
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with("right") && l.contains("the right way"))
        );
        assert!(
            help.lines().any(|l| l.trim_start().starts_with("mistake") && l.contains("a mistake"))
        );
    }
}
