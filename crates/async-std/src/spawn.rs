//! async-std, spawn: N tasks that only record when they first ran, all alive at once behind
//! an async barrier (async-lock's; async-std's own is unstable). A spawn allocates the task
//! and queues it for the executor's threads; no thread is created.

use std::sync::Arc;

use anyhow::Result;
use async_lock::Barrier;
use async_std::task;
use avt_common::{Outcome, Spawn, Spawned, Variant};

/// The ways this crate runs the spawns, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "multi-thread",
        about: "N tasks on async-std's executor of T threads (its default: one per CPU)",
    },
    Variant {
        name: "current-thread",
        about: "N tasks on one executor thread, spawned from the main thread",
    },
];

/// Spawns N tasks; each records its first run, then waits with the others.
async fn spawn_all(args: &Spawn) -> Spawned {
    let units = args.units;
    // The spawner and every unit meet twice: once all are alive, and to let them go.
    let (alive, go) = (Arc::new(Barrier::new(units + 1)), Arc::new(Barrier::new(units + 1)));
    let mut clock = args.clock();
    let mut handles = Vec::with_capacity(units);
    for id in 0..units {
        let (unit, alive, go) = (clock.unit(id), Arc::clone(&alive), Arc::clone(&go));
        // Each handle is awaited below: a dropped async-std JoinHandle would detach its task.
        handles.push(task::spawn(async move {
            unit.ran();
            alive.wait().await;
            go.wait().await;
        }));
    }
    clock.spawned();
    alive.wait().await; // every task has run and is parked at the barrier
    clock.all_alive();
    go.wait().await;
    for handle in handles {
        handle.await;
    }
    clock.finish()
}

/// The spawn example, as the variant asks.
pub fn spawn(args: &Spawn) -> Result<Outcome<Spawned>> {
    let threads = if args.variant == "current-thread" { 1 } else { args.threads };
    crate::set_executor_threads(threads)?;
    let spawned = task::block_on(spawn_all(args));
    Ok(Outcome { value: spawned, worker_threads: threads })
}
