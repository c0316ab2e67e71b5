//! tokio, spawn: N tasks that only record when they first ran, all alive at once behind a
//! barrier. A spawn allocates the task and queues it; no thread is created.

use std::sync::Arc;

use anyhow::Result;
use avt_common::{Outcome, Spawn, Spawned, Variant};
use tokio::runtime::Builder;
use tokio::sync::Barrier;
use tokio::task::JoinHandle;

/// The ways this crate runs the spawns, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "multi-thread",
        about: "N tasks on a multi-thread runtime of T workers (tokio's default)",
    },
    Variant {
        name: "current-thread",
        about: "N tasks on one thread: none runs before the spawning loop awaits",
    },
];

/// Spawns N tasks; each records its first run, then waits with the others.
async fn spawn_all(args: &Spawn) -> Result<Spawned> {
    let units = args.units;
    // The spawner and every unit meet twice: once all are alive, and to let them go.
    let (alive, go) = (Arc::new(Barrier::new(units + 1)), Arc::new(Barrier::new(units + 1)));
    let mut clock = args.clock();
    // A Vec of JoinHandles rather than a JoinSet: cheaper per task, and nothing to abort.
    let mut handles: Vec<JoinHandle<()>> = Vec::with_capacity(units);
    for id in 0..units {
        let (unit, alive, go) = (clock.unit(id), Arc::clone(&alive), Arc::clone(&go));
        handles.push(tokio::spawn(async move {
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
        handle.await?;
    }
    Ok(clock.finish())
}

/// The spawn example, as the variant asks.
pub fn spawn(args: &Spawn) -> Result<Outcome<Spawned>> {
    let rt = match args.variant {
        "current-thread" => Builder::new_current_thread().enable_all().build()?,
        _ => crate::runtime(args.threads)?,
    };
    let spawned = rt.block_on(spawn_all(args))?;
    Ok(Outcome { value: spawned, worker_threads: rt.metrics().num_workers() })
}
