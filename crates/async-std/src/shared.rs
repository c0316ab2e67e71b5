//! async-std, shared: W tasks on T executor threads each add 1 to one counter M times. The
//! tasks run in parallel, so they need what threads need; and a task can also be paused at
//! any `.await`, which is where an async mutex comes in.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};

use anyhow::{Result, bail};
use async_std::channel;
use async_std::task::{self, JoinHandle};
use avt_common::{Outcome, Shared, Variant};

/// The ways this crate shares the counter, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "atomic", about: "one AtomicU64 every task adds to: no lock (the right way)" },
    Variant {
        name: "mutex",
        about: "a std::sync::Mutex<u64>: right in async code while no guard lives across an .await",
    },
    Variant {
        name: "async-mutex",
        about: "async_std::sync::Mutex (async-lock's): for a guard held across an .await",
    },
    Variant { name: "sharded", about: "each task counts on its own; the counts are summed" },
    Variant { name: "channel", about: "one owner keeps the count; the tasks send it 1s" },
];

/// atomic: choose it for a counter or a flag: the CPU adds atomically, no task ever waits.
async fn count_atomic(workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(AtomicU64::new(0));
    on_tasks(workers, || {
        let counter = Arc::clone(&counter);
        async move {
            for _ in 0..increments {
                // Relaxed: only the total matters, and joining the tasks makes it visible.
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
    .await;
    counter.load(Ordering::Relaxed)
}

/// mutex: choose it for shared state updated in a few steps that never await in between.
async fn count_mutex(workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(std::sync::Mutex::new(0_u64));
    on_tasks(workers, || {
        let counter = Arc::clone(&counter);
        async move {
            for _ in 0..increments {
                // A std guard held briefly, never across an .await (it is dropped at the end
                // of the statement), so a blocking lock is right. (A lock is poisoned only if
                // a task panicked holding it.)
                *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            }
        }
    })
    .await;
    *counter.lock().unwrap_or_else(PoisonError::into_inner)
}

/// async-mutex: choose it only when the guard must live across an `.await`: waiting for it
/// yields the thread instead of blocking it. It is async-lock's Mutex, the one smol uses.
async fn count_async_mutex(workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(async_std::sync::Mutex::new(0_u64));
    on_tasks(workers, || {
        let counter = Arc::clone(&counter);
        async move {
            for _ in 0..increments {
                *counter.lock().await += 1;
            }
        }
    })
    .await;
    *counter.lock().await
}

/// sharded: choose it when the parts can be counted apart and only the total is read, at the
/// end: nothing is shared while the tasks count.
async fn count_sharded(workers: usize, increments: u64) -> u64 {
    let counts = on_tasks(workers, || async move {
        let mut mine = 0_u64;
        for _ in 0..increments {
            mine += 1;
            // Keeps the loop a loop: without it the compiler adds M at once and times nothing.
            black_box(&mut mine);
        }
        mine
    })
    .await;
    counts.into_iter().sum()
}

/// channel: choose it when one owner should hold the state and others only ask for changes:
/// no lock, but a message per update.
async fn count_channel(workers: usize, increments: u64) -> u64 {
    // Bounded, so senders wait for the owner instead of queueing W × M messages.
    let (tx, rx) = channel::bounded::<u64>(1024);
    let senders: Vec<JoinHandle<()>> = (0..workers)
        .map(|_| {
            let tx = tx.clone();
            // One task per sender, running on the executor while the owner below receives.
            task::spawn(async move {
                for _ in 0..increments {
                    if tx.send(1).await.is_err() {
                        break; // the owner is gone; the check will count what is missing
                    }
                }
            })
        })
        .collect();
    drop(tx); // the owner's loop ends when the last sender is dropped
    // The owner: this future, the only code that touches the count.
    let mut total = 0;
    while let Ok(n) = rx.recv().await {
        total += n;
    }
    for sender in senders {
        sender.await;
    }
    total
}

/// Runs `work()` as `workers` tasks at once; returns what each returned.
async fn on_tasks<F>(workers: usize, work: impl Fn() -> F) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // One task per worker: the executor's T threads run them in parallel, so every task
    // contends for the counter as threads would. (Dropping an async-std JoinHandle detaches
    // its task; these are all awaited.)
    let handles: Vec<_> = (0..workers).map(|_| task::spawn(work())).collect();
    let mut results = Vec::with_capacity(workers);
    for handle in handles {
        results.push(handle.await);
    }
    results
}

/// The shared-state example: the variant asked for, as W tasks on T executor threads.
pub fn shared(args: &Shared) -> Result<Outcome<u64>> {
    crate::set_executor_threads(args.threads)?;
    let (workers, increments) = (args.workers, args.increments);
    let total = match args.variant {
        "atomic" => task::block_on(count_atomic(workers, increments)),
        "mutex" => task::block_on(count_mutex(workers, increments)),
        "async-mutex" => task::block_on(count_async_mutex(workers, increments)),
        "sharded" => task::block_on(count_sharded(workers, increments)),
        "channel" => task::block_on(count_channel(workers, increments)),
        other => bail!("no shared variant '{other}' in this crate"),
    };
    Ok(Outcome { value: total, worker_threads: args.threads })
}
