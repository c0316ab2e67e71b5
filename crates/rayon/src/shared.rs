//! rayon, shared: W parallel jobs in a pool of T threads each add 1 to one counter M times.
//! rayon's own answer is not to share the counter at all: a parallel reduction, where each
//! job counts its part and `sum` adds the parts.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread;

use anyhow::{Result, bail};
use avt_common::{Outcome, Shared, Variant};
use rayon::ThreadPool;
use rayon::prelude::*;

/// The ways this crate shares the counter, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "sharded",
        about: "par_iter map + sum: each job counts its part (the right way)",
    },
    Variant { name: "atomic", about: "one AtomicU64 every job adds to: no lock" },
    Variant { name: "mutex", about: "a std::sync::Mutex<u64>, locked for every increment" },
    Variant { name: "channel", about: "one owner thread keeps the count; the jobs send it 1s" },
];

/// sharded: choose it whenever the parts can be counted apart: rayon's natural form, a
/// reduction. Nothing is shared while the jobs count.
fn count_sharded(pool: &ThreadPool, workers: usize, increments: u64) -> u64 {
    pool.install(|| {
        (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut mine = 0_u64;
                for _ in 0..increments {
                    mine += 1;
                    // Keeps the loop a loop: without it the compiler adds M at once.
                    black_box(&mut mine);
                }
                mine
            })
            .sum()
    })
}

/// atomic: choose it for a counter that must be read while the jobs still run.
fn count_atomic(pool: &ThreadPool, workers: usize, increments: u64) -> u64 {
    let counter = AtomicU64::new(0);
    pool.install(|| {
        (0..workers).into_par_iter().for_each(|_| {
            for _ in 0..increments {
                // Relaxed: only the total matters, and the end of `install` makes it visible.
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
    });
    counter.into_inner()
}

/// mutex: choose it when the shared state is more than one number, or its update more than
/// one step.
fn count_mutex(pool: &ThreadPool, workers: usize, increments: u64) -> u64 {
    let counter = Mutex::new(0_u64);
    pool.install(|| {
        (0..workers).into_par_iter().for_each(|_| {
            for _ in 0..increments {
                // A lock is poisoned only if a job panicked holding it; the count is still good.
                *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            }
        });
    });
    counter.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// channel: choose it when one owner should hold the state and the jobs only report to it:
/// `for_each_with` gives each job a clone of the sender, as rayon's docs show.
fn count_channel(pool: &ThreadPool, workers: usize, increments: u64) -> Result<u64> {
    // Bounded, so senders wait for the owner instead of queueing W × M messages.
    let (tx, rx) = mpsc::sync_channel::<u64>(1024);
    thread::scope(|s| {
        // The owner gets a thread of its own: the pool's threads are all busy sending.
        let owner = thread::Builder::new().spawn_scoped(s, move || rx.iter().sum::<u64>())?;
        pool.install(|| {
            (0..workers).into_par_iter().for_each_with(tx, |tx, _| {
                for _ in 0..increments {
                    if tx.send(1).is_err() {
                        break; // the owner is gone; the check will count what is missing
                    }
                }
            });
        }); // every sender is dropped here, which ends the owner's loop
        Ok(owner.join().expect("the owner thread panicked"))
    })
}

/// The shared-state example: the variant asked for, as W jobs in a pool of T threads.
pub fn shared(args: &Shared) -> Result<Outcome<u64>> {
    let pool = crate::pool(args.threads)?;
    let (workers, increments) = (args.workers, args.increments);
    let total = match args.variant {
        "sharded" => count_sharded(&pool, workers, increments),
        "atomic" => count_atomic(&pool, workers, increments),
        "mutex" => count_mutex(&pool, workers, increments),
        "channel" => count_channel(&pool, workers, increments)?,
        other => bail!("no shared variant '{other}' in this crate"),
    };
    Ok(Outcome { value: total, worker_threads: pool.current_num_threads() })
}
