//! avt-harness: runs and times every approach the same way, and prints a comparison.
//!
//! ```text
//! just run-all                     # cargo run --release -p avt-harness -- run-all
//! just run-all --quick             # a smoke test of the whole pipeline in seconds
//! just sweep                       # cargo run --release -p avt-harness -- sweep
//! ```

mod fake;

use std::process::ExitCode;

use anyhow::Result;
use avt_harness::run_all::{RunAllArgs, run_all};
use avt_harness::sweep::{SweepArgs, sweep};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(version, about, subcommand_required = true, arg_required_else_help = false)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every approach × example, interleaved, measured and checked, and compare them
    RunAll(RunAllArgs),
    /// Measure how each approach scales: io by tasks in flight, cpu by worker threads
    Sweep(SweepArgs),
    /// A stand-in example with known behaviour, for the harness's own tests
    #[command(hide = true)]
    Fake(fake::FakeArgs),
    /// Redraw the charts of a results JSON (e.g. a committed sample)
    #[command(hide = true)]
    Charts(avt_harness::charts::ChartsArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return avt_common::usage_exit(e),
    };
    match try_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("avt-harness: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::RunAll(args) => run_all(args),
        Command::Sweep(args) => sweep(args),
        Command::Fake(args) => fake::fake(args),
        Command::Charts(args) => avt_harness::charts::redraw(args),
    }
}
