//! smol: a small runtime assembled from parts. An `Executor` runs tasks (futures, not
//! threads) only on threads that call `Executor::run`: it starts none of its own (unlike
//! `smol::spawn`'s global executor, which starts SMOL_THREADS, default 1).
//!
//! Choose it for I/O-bound programs that want a small, explicit runtime: it is what
//! async-std was built from, and where its maintainers send async-std's users. Blocking or
//! CPU-heavy work goes to `unblock`, its thread pool for code that does not await.
//!
//! Each example lives in its own file, its right way first and the mistakes after it:
//! `src/io.rs` (fetch N URLs) and `src/cpu.rs` (count primes). A ticker task on the same
//! executor measures how late it runs other tasks.
//!
//! Run with:
//!
//! ```text
//! just run smol io                 # cargo run --release -p avt-smol -- io
//! just run smol cpu                # cargo run --release -p avt-smol -- cpu
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
use smol::{Executor, Timer, channel};

/// The latency probe: a task that wants to wake every period, recording how late it ran.
/// It shares the executor's threads with everything else, so one that blocks or computes
/// delays it.
async fn ticker(ticks: Ticker) {
    while let Some(due) = ticks.next_due() {
        Timer::at(due).await;
        ticks.record(Instant::now());
    }
}

/// An executor for `threads` threads (and async-io's reactor thread, and as many on the
/// blocking pool): smol panics, or its blocking pool waits forever, when the OS refuses one,
/// so the room for them is checked first.
fn executor(threads: usize) -> Result<Executor<'static>> {
    avt_common::threads::ensure_room(threads + 1)?;
    Ok(Executor::new())
}

/// Runs `future` on this thread while `threads` threads run the executor's tasks, then
/// stops them: smol only runs tasks on threads that call `Executor::run`.
fn block_on_threads<T>(ex: &Executor<'_>, threads: usize, future: impl Future<Output = T>) -> T {
    let (stop, stopped) = channel::unbounded::<()>();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| smol::block_on(ex.run(stopped.recv())));
        }
        let output = smol::block_on(future);
        drop(stop); // closing the channel ends every `ex.run`
        output
    })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "smol",
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
