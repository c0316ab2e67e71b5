//! smol, spawn: N tasks that only record when they first ran, all alive at once behind an
//! async barrier (async-lock's, as `smol::lock`). A spawn allocates the task and queues it on
//! the `Executor`; no thread is created.

use std::sync::Arc;

use anyhow::Result;
use avt_common::{Outcome, Spawn, Spawned, Variant};
use smol::Executor;
use smol::lock::Barrier;

/// The ways this crate runs the spawns, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "multi-thread", about: "N tasks on an Executor run by T threads" },
    Variant {
        name: "current-thread",
        about: "N tasks on an Executor run by this thread alone: none runs before it awaits",
    },
];

/// Spawns N tasks on `ex`; each records its first run, then waits with the others.
async fn spawn_all(ex: &Executor<'_>, args: &Spawn) -> Spawned {
    let units = args.units;
    // The spawner and every unit meet twice: once all are alive, and to let them go.
    let (alive, go) = (Arc::new(Barrier::new(units + 1)), Arc::new(Barrier::new(units + 1)));
    let mut clock = args.clock();
    let mut tasks = Vec::with_capacity(units);
    for id in 0..units {
        let (unit, alive, go) = (clock.unit(id), Arc::clone(&alive), Arc::clone(&go));
        // Kept and awaited below: dropping a smol Task cancels it.
        tasks.push(ex.spawn(async move {
            unit.ran();
            alive.wait().await;
            go.wait().await;
        }));
    }
    clock.spawned();
    alive.wait().await; // every task has run and is parked at the barrier
    clock.all_alive();
    go.wait().await;
    for task in tasks {
        task.await;
    }
    clock.finish()
}

/// The spawn example, as the variant asks.
pub fn spawn(args: &Spawn) -> Result<Outcome<Spawned>> {
    let ex = crate::executor(args.threads)?;
    let (spawned, threads) = match args.variant {
        // This thread alone runs the executor: `ex.run` polls the tasks while it waits.
        "current-thread" => (smol::block_on(ex.run(spawn_all(&ex, args))), 1),
        _ => (crate::block_on_threads(&ex, args.threads, spawn_all(&ex, args)), args.threads),
    };
    Ok(Outcome { value: spawned, worker_threads: threads })
}
