//! std threads, spawn: N OS threads that only record when they first ran, all alive at once
//! behind a `Barrier`. A spawn is a `clone` system call, a stack mapped (std's default 2 MiB,
//! reserved, touched only as used) and a kernel task the scheduler must then start.

use std::sync::Barrier;
use std::thread;

use anyhow::Result;
use avt_common::switch::exit_with;
use avt_common::{Outcome, Spawn, Spawned, Variant, limits};

/// The ways this crate runs the spawns.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "threads",
    about: "one OS thread per unit (std's default 2 MiB stack) in a thread::scope",
}];

/// Spawns N scoped threads; each records its first run, then waits with the others. At the
/// OS thread limit it stops, lets the started ones go, and fails naming the limit.
fn spawn_all(args: &Spawn) -> Result<Spawned> {
    let units = args.units;
    let room = limits::thread_room();
    if units > room.threads {
        return Err(limits::thread_limit_hit(0, units, room.limit));
    }
    // The spawner and every unit meet twice: once all are alive, and to let them go.
    let (alive, go) = (Barrier::new(units + 1), Barrier::new(units + 1));
    let mut clock = args.clock();
    thread::scope(|s| {
        for id in 0..units {
            let (unit, alive, go) = (clock.unit(id), &alive, &go);
            // `Builder` returns the OS's refusal where `s.spawn` would panic.
            let spawned = thread::Builder::new().spawn_scoped(s, move || {
                unit.ran();
                alive.wait();
                go.wait();
            });
            if let Err(e) = spawned {
                // The started threads wait at a barrier that will never fill: nothing can
                // release them, so end the process with the one-line error here.
                exit_with("std-threads", &limits::thread_limit_hit(id, units, e));
            }
        }
        clock.spawned();
        alive.wait(); // every thread has run and is blocked at the barrier
        clock.all_alive();
        go.wait();
    }); // leaving the scope joins every thread
    Ok(clock.finish())
}

/// The spawn example.
pub fn spawn(args: &Spawn) -> Result<Outcome<Spawned>> {
    let spawned = spawn_all(args)?;
    Ok(Outcome { value: spawned, worker_threads: args.units })
}
