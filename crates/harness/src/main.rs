//! avt-harness: runs and times every approach the same way, and prints a comparison.
//!
//! ```text
//! just run-all                     # cargo run --release -p avt-harness -- run-all
//! just run-all --quick             # a smoke test of the whole pipeline in seconds
//! just sweep                       # cargo run --release -p avt-harness -- sweep
//! just load                        # cargo run --release -p avt-harness -- load
//! ```

mod fake;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use avt_harness::commands::guide::guide_of;
use avt_harness::commands::load::{LoadArgs, load};
use avt_harness::commands::run_all::{RunAllArgs, run_all};
use avt_harness::commands::sweep::{SweepArgs, sweep};
use avt_harness::model::plan::UsageError;
use avt_harness::pipeline::Samples;
use avt_harness::pipeline::setup::CLOSED_PIPE;
use avt_harness::run::measure;
use avt_harness::{note, sink};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};

/// What the exit status says, for `--help`.
const EXIT_STATUS: &str = "\
Exit status: 0 every row verified; 1 a row failed, or a file could not be written;
2 a usage error (a bad option, an --out folder that cannot be written), found before anything
runs; 130 interrupted (what was measured is kept, marked partial); 141 stdout closed before
the table was printed (e.g. `| head`: the result files are written regardless).";

#[derive(Parser, Debug)]
#[command(version, about, after_help = EXIT_STATUS)]
#[command(subcommand_required = true, arg_required_else_help = false)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every approach × example, interleaved, measured and checked, and compare them
    #[command(after_help = EXIT_STATUS)]
    RunAll(RunAllArgs),
    /// Measure how each approach scales: io by tasks in flight, cpu by worker threads
    #[command(after_help = EXIT_STATUS)]
    Sweep(SweepArgs),
    /// The mixed example under load: p99 latency and achieved rate from 10% to 120% of the
    /// measured capacity, with charts (--vary work: at one load, over the CPU per request)
    #[command(after_help = EXIT_STATUS)]
    Load(LoadArgs),
    /// A stand-in example with known behaviour, for the harness's own tests
    #[command(hide = true)]
    Fake(fake::FakeArgs),
    /// Regenerate the .md, .csv and charts of each results JSON, as this version renders
    /// them (beside the JSON, or in --out)
    #[command(hide = true)]
    Render {
        #[arg(required = true)]
        json: Vec<PathBuf>,
        /// Folder for the files [default: each JSON's folder]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the README's guide ("if your program …, choose …") from run-all's results
    /// and, where given, the sweep's
    #[command(hide = true)]
    Guide {
        run_all: PathBuf,
        #[arg(long, value_name = "JSON")]
        sweep: Option<PathBuf>,
        /// The tcp sweep's results (`sweep --source tcp`): real sockets beside the sleeps
        #[arg(long, value_name = "JSON")]
        sweep_tcp: Option<PathBuf>,
        /// The work sweep's results (`load --vary work`): the line on computing in async
        /// tasks states its measured threshold
        #[arg(long, value_name = "JSON")]
        load_work: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    measure::wait_for_children_normally();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_exit(e),
    };
    match try_main(cli) {
        Ok(code) => code,
        Err(e) => {
            note!("avt-harness: error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn try_main(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::RunAll(args) => run_all(args),
        Command::Sweep(args) => sweep(args),
        Command::Load(args) => load(args),
        Command::Fake(args) => fake::fake(args),
        Command::Render { json, out } => {
            for file in json {
                let written = avt_harness::output::render(&file, out.as_deref())?;
                let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
                note!("rendered {}", names.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Guide { run_all, sweep, sweep_tcp, load_work } => {
            let load = |p: Option<PathBuf>| p.map(|p| sink::load(&p)).transpose();
            let (run_all, sweep) = (sink::load(&run_all)?, load(sweep)?);
            let sweep_tcp = load(sweep_tcp)?;
            let load_work = load_work
                .iter()
                .map(|p| sink::load(p))
                .collect::<Result<Vec<avt_harness::Results>>>()?;
            let samples = Samples {
                run_all: &run_all,
                sweep: sweep.as_ref(),
                sweep_tcp: sweep_tcp.as_ref(),
                load_work: load_work.iter().collect(),
            };
            let guide = guide_of(&avt_harness::sections::all(), &samples);
            match sink::to_stdout(&guide) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                // `| head`: the reader has what it wanted; quiet, as a SIGPIPE would be.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    Ok(ExitCode::from(CLOSED_PIPE))
                }
                Err(e) => Err(anyhow::Error::new(e).context("cannot print the guide to stdout")),
            }
        }
    }
}

/// A usage error as one line, exit status 2; an invalid value names the valid ones on that
/// line (clap lists them on lines of their own).
fn usage_exit(error: clap::Error) -> ExitCode {
    if error.kind() == ErrorKind::InvalidValue
        && let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue)
    {
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or("error: invalid value");
        note!("{first}; valid values: {} (see --help)", valid.join(", "));
        return ExitCode::from(2);
    }
    avt_common::usage_exit(error)
}
