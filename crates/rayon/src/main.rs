//! rayon: data parallelism. `par_iter` splits a collection over a pool of T threads that
//! steal work from each other. It has no timers and no I/O: a job that waits blocks its thread.
//!
//! Choose it for CPU-bound work over collections: it is the right tool for the cpu example.
//! It is the wrong tool for the io example, shown here on purpose: only T fetches wait at a
//! time, so N fetches take ⌈N/T⌉ × the delay (3 fetches on 2 threads: 4 s, not 2 s).
//!
//! Each example lives in its own file: `src/io.rs` (fetch N URLs) and `src/cpu.rs` (count
//! primes). A ticker thread beside the pool measures how late the kernel runs it.
//!
//! Run with:
//!
//! ```text
//! just run rayon cpu               # cargo run --release -p avt-rayon -- cpu
//! just run rayon io                # cargo run --release -p avt-rayon -- io
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
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The latency probe: an OS thread that wants to wake every period, recording how late it
/// ran. The kernel preempts threads, so the busy pool beside it holds it back only briefly.
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

/// A pool of exactly `threads` threads (rayon's global pool has one per logical CPU, or
/// RAYON_NUM_THREADS).
fn pool(threads: usize) -> Result<ThreadPool> {
    // rayon reports a refused thread as a bare OS error: check the room first, to name the limit.
    avt_common::threads::ensure_room(threads + 1)?; // and the ticker's thread beside it
    Ok(ThreadPoolBuilder::new().num_threads(threads).build()?)
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "rayon",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io: Example { run: io::run, variants: io::VARIANTS },
        cpu: Example { run: cpu::run, variants: cpu::VARIANTS },
        shared: Example { run: shared::shared, variants: shared::VARIANTS },
        mixed: Example { run: mixed::mixed, variants: mixed::VARIANTS },
        switch: Example { run: switch::switch, variants: switch::VARIANTS },
        spawn: Example { run: spawn::spawn, variants: spawn::VARIANTS },
        cancel: Example { run: cancel::cancel, variants: cancel::VARIANTS },
        sequential: None,
    })
}
