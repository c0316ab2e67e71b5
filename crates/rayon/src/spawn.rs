//! rayon, spawn: N jobs that only record when they first ran. A spawn queues a closure for
//! the pool's T threads; no thread is created. The jobs must not wait on each other (N > T
//! waiting jobs would deadlock the pool, as the switch example shows), so they are never all
//! alive at once: this row reports the spawn cost and the first run, no memory per unit.

use anyhow::Result;
use avt_common::{Outcome, Spawn, Spawned, Variant};

/// The ways this crate runs the spawns.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "pool",
    about: "N jobs spawned into a pool of T threads from outside it, each run to its end",
}];

/// Spawns N jobs into a pool of T threads; each records its first run and ends.
fn spawn_all(args: &Spawn, pool: &rayon::ThreadPool) -> Spawned {
    let mut clock = args.clock();
    // `in_place_scope`: the spawning loop runs here, outside the pool, so the pool's threads
    // start jobs while it spawns; the scope then waits for every job.
    pool.in_place_scope(|s| {
        for id in 0..args.units {
            let unit = clock.unit(id);
            s.spawn(move |_| unit.ran());
        }
        clock.spawned();
    });
    clock.finish()
}

/// The spawn example.
pub fn spawn(args: &Spawn) -> Result<Outcome<Spawned>> {
    let pool = crate::pool(args.threads)?;
    let spawned = spawn_all(args, &pool);
    Ok(Outcome { value: spawned, worker_threads: pool.current_num_threads() })
}
