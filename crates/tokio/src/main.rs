//! tokio: a work-stealing runtime whose T worker threads run any number of tasks. A task is
//! a future, not a thread: a waiting fetch costs a few hundred bytes, not a stack.
//!
//! Choose it for I/O-bound programs with many connections or timers: it is the ecosystem's
//! default (hyper, axum, tonic, reqwest). CPU-heavy work goes to `spawn_blocking` so it does
//! not stall the workers; for large CPU fan-out tokio's own docs point to rayon.
//!
//! Each example lives in its own file, its right way first and the mistakes after it:
//! `src/io.rs` (fetch N URLs) and `src/cpu.rs` (count primes). A ticker task beside the work
//! measures how late the runtime runs other tasks.
//!
//! Run with:
//!
//! ```text
//! just run tokio io                # cargo run --release -p avt-tokio -- io
//! just run tokio cpu               # cargo run --release -p avt-tokio -- cpu
//! just run tokio cpu --variant cpu-inline --threads 1   # a mistake: watch the ticker's max
//! ```

mod cancel;
mod cpu;
mod io;
mod mixed;
mod shared;
mod spawn;
mod switch;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use avt_common::{Approach, Example, Ticker};
use rayon::{ThreadPool, ThreadPoolBuilder};
use tokio::runtime::{Builder, Runtime};
use tokio::time::sleep_until;

/// The latency probe: a task that wants to wake every period, recording how late it ran.
/// It shares the workers with everything else, so a worker that blocks or computes delays it.
async fn ticker(ticks: Ticker) {
    while let Some(due) = ticks.next_due() {
        sleep_until(due.into()).await;
        ticks.record(Instant::now());
    }
}

/// A multi-thread runtime with `threads` workers (`#[tokio::main]` builds one per CPU, or
/// TOKIO_WORKER_THREADS).
fn runtime(threads: usize) -> Result<Runtime> {
    // tokio panics if the OS refuses a worker: make sure there is room first.
    avt_common::threads::ensure_room(threads)?;
    Ok(Builder::new_multi_thread().worker_threads(threads).enable_all().build()?)
}

/// A rayon pool of exactly `threads` threads, beside the runtime's workers (the rayon
/// variants of cpu and mixed).
fn rayon_pool(threads: usize) -> Result<Arc<ThreadPool>> {
    avt_common::threads::ensure_room(threads)?;
    Ok(Arc::new(ThreadPoolBuilder::new().num_threads(threads).build()?))
}

/// The article's model: one thread runs every task (`#[tokio::main(flavor = "current_thread")]`).
fn current_thread() -> Result<Runtime> {
    Ok(Builder::new_current_thread().enable_all().build()?)
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "tokio",
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
