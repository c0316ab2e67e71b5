//! The std-only baseline: every fetch gets its own OS thread, and the CPU jobs run on T
//! scoped worker threads. There is no runtime: the kernel schedules everything.
//!
//! Choose it when what is in flight at once is modest (up to a few thousand) or the work is
//! CPU-bound and you want no dependency: threads are simple, and unlike CPython's under the GIL they run
//! truly in parallel. Each costs a stack and a kernel task, and the OS caps how many exist.
//!
//! Each example lives in its own file, its right way first and the variants after it:
//! `src/io.rs` (fetch N URLs) and `src/cpu.rs` (count primes). A ticker thread beside the
//! work measures how late the kernel runs it.
//!
//! Run with:
//!
//! ```text
//! just run std io                  # cargo run --release -p avt-std -- io
//! just run std cpu                 # cargo run --release -p avt-std -- cpu
//! just run std cpu --sequential    # the 1x baseline every speedup is measured against
//! ```

mod cancel;
mod cpu;
mod io;
mod mixed;
mod shared;
mod spawn;
mod switch;

use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use anyhow::Result;
use avt_common::{Approach, Example, Ticker};

/// The latency probe: an OS thread that wants to wake every period, recording how late it
/// ran. The kernel preempts threads, so busy threads beside it hold it back only briefly.
fn ticker(ticks: &Ticker) {
    while let Some(due) = ticks.next_due() {
        // Parked rather than slept, so the end of the run can wake it at once (a wake before
        // the due time records nothing).
        thread::park_timeout(due.saturating_duration_since(Instant::now()));
        ticks.record(Instant::now());
    }
}

/// Runs `work` with the ticker thread beside it, if one is asked for, and ends the ticker
/// when the work is done.
fn with_ticker<T>(ticks: Option<&Ticker>, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let Some(ticks) = ticks else { return work() };
    thread::scope(|s| {
        let probe = thread::Builder::new().name("ticker".into()).spawn_scoped(s, || ticker(ticks));
        let probe = probe.map_err(|e| avt_common::threads::refused("the ticker's thread", e))?;
        let output = work();
        ticks.stop(); // the work is done: end the schedule,
        probe.thread().unpark(); // and wake the ticker, so the scope joins it now
        output
    })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "std-threads",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io: Example { run: io::run, variants: io::VARIANTS },
        cpu: Example { run: cpu::run, variants: cpu::VARIANTS },
        shared: Example { run: shared::shared, variants: shared::VARIANTS },
        sequential: Some(cpu::sequential),
        mixed: Example { run: mixed::mixed, variants: mixed::VARIANTS },
        switch: Example { run: switch::switch, variants: switch::VARIANTS },
        spawn: Example { run: spawn::spawn, variants: spawn::VARIANTS },
        cancel: Example { run: cancel::cancel, variants: cancel::VARIANTS },
    })
}
