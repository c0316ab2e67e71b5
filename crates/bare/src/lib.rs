//! Bare-runtime reference programs for the io example: on each async runtime, spawn one
//! `sleep` per task and wait for them all, in the waiting shape the runtime's example crate
//! uses, and nothing else (no logging, no ticker, no sockets). Each binary takes the io
//! example's flags and prints its verified report, so the harness runs it as a row; the
//! example's wall time and peak RSS over its bare program's are what the example's own code
//! costs.
//!
//! This library only hands a binary's io function to [`avt_common::main`]: the other
//! examples are not in a bare program.

use std::process::ExitCode;

use anyhow::{Result, bail};
use avt_common::{
    Cancel, Completions, Cpu, Example, Io, Kept, Laps, Mixed, Outcome, Shared, Source, Spawn,
    Spawned, Switch, Variant,
};

/// Runs a bare program: `name` in reports (`bare-tokio`, …), its io function and its shapes.
pub fn main(
    name: &'static str,
    package: &'static str,
    io: fn(&Io) -> Result<Outcome<Vec<usize>>>,
    variants: &'static [Variant],
) -> ExitCode {
    avt_common::main(avt_common::Approach {
        name,
        package,
        version: env!("CARGO_PKG_VERSION"),
        about: "A bare-runtime reference: one sleep per task, io only (no ticker, no log lines)",
        io: Example { run: io, variants },
        cpu: Example { run: io_only::<Cpu, u64>, variants: NONE },
        shared: Example { run: io_only::<Shared, u64>, variants: NONE },
        mixed: Example { run: io_only::<Mixed, Completions>, variants: NONE },
        switch: Example { run: io_only::<Switch, Laps>, variants: NONE },
        spawn: Example { run: io_only::<Spawn, Spawned>, variants: NONE },
        cancel: Example { run: io_only::<Cancel, Kept>, variants: NONE },
        sequential: None,
    })
}

const NONE: &[Variant] =
    &[Variant { name: "none", about: "a bare program has the io example only" }];

fn io_only<A, T>(_: &A) -> Result<Outcome<T>> {
    bail!("a bare program has the io example only")
}

/// The fetches' wait, or an error for a source a bare program does not have.
pub fn sleep_only(args: &Io) -> Result<std::time::Duration> {
    match args.source {
        Source::Sleep => Ok(args.delay),
        Source::Tcp { .. } => bail!("a bare program sleeps; it has no --source tcp"),
    }
}
