//! async-std: one global multi-threaded executor behind an API shaped like std's
//! (`task::spawn`, `task::sleep`). A task is a future, not a thread.
//!
//! **Discontinued upstream** (RUSTSEC-2025-0052): its maintainers point users to smol, the
//! runtime it was built from. It stays here because much existing code and writing uses it,
//! and its numbers beside smol's show what moving over changes. Do not start new code on it.
//!
//! Each example lives in its own file, its right way first and the mistakes after it:
//! `src/io.rs` (fetch N URLs) and `src/cpu.rs` (count primes). A ticker task beside the work
//! measures how late the executor runs other tasks.
//!
//! Run with:
//!
//! ```text
//! just run async-std io            # cargo run --release -p avt-async-std -- io
//! just run async-std cpu           # cargo run --release -p avt-async-std -- cpu
//! ```

mod cancel;
mod cpu;
mod io;
mod mixed;
mod shared;
mod spawn;
mod switch;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use async_std::task;
use avt_common::{Approach, Example, Ticker};

/// The latency probe: a task that wants to wake every period, recording how late it ran.
/// It shares the executor threads with everything else, so one that blocks or computes
/// delays it.
async fn ticker(ticks: Ticker) {
    while let Some(due) = ticks.next_due() {
        task::sleep(due.saturating_duration_since(Instant::now())).await;
        ticks.record(Instant::now());
    }
}

/// async-std has no runtime builder: its executor reads ASYNC_STD_THREAD_COUNT when it
/// first starts, so `--threads` (and the one thread of `current-thread`) is passed that way.
/// It panics if the OS refuses one of them (or async-io's reactor thread), so the room for
/// them all is checked first.
fn set_executor_threads(threads: usize) -> Result<()> {
    avt_common::threads::ensure_room(threads + 1)?;
    // SAFETY: called before the runtime (or any other thread) starts, so nothing can read
    // the environment while it changes.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("ASYNC_STD_THREAD_COUNT", threads.to_string());
    }
    Ok(())
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "async-std",
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
