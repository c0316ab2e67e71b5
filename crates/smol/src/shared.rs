//! smol, shared: W tasks on an Executor run by T threads each add 1 to one counter M times.
//! The tasks run in parallel, so they need what threads need; and a task can also be paused
//! at any `.await`, which is where an async mutex comes in.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};

use anyhow::{Result, bail};
use avt_common::{Outcome, Progress, Shared, Variant};
use smol::lock::{Barrier, Mutex};
use smol::{Executor, channel};

/// The ways this crate shares the counter, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "atomic", about: "one AtomicU64 every task adds to: no lock (the right way)" },
    Variant {
        name: "mutex",
        about: "a std::sync::Mutex<u64>: right in async code while no guard lives across an .await",
    },
    Variant {
        name: "async-mutex",
        about: "smol::lock::Mutex (async-lock's): for a guard held across an .await",
    },
    Variant { name: "sharded", about: "each task counts on its own; the counts are summed" },
    Variant { name: "channel", about: "one owner keeps the count; the tasks send it 1s" },
    Variant {
        name: "deadlock",
        about: "two tasks take two async Mutexes in opposite orders: a deadlock, caught by a watchdog",
    },
    Variant { name: "lock-order", about: "the same two locks, always taken in one order" },
];

/// atomic: choose it for a counter or a flag: the CPU adds atomically, no task ever waits.
async fn count_atomic(ex: &Executor<'_>, workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(AtomicU64::new(0));
    on_tasks(ex, workers, || {
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
async fn count_mutex(ex: &Executor<'_>, workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(std::sync::Mutex::new(0_u64));
    on_tasks(ex, workers, || {
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
/// yields the thread instead of blocking it. It is async-lock's Mutex, as async-std's is.
async fn count_async_mutex(ex: &Executor<'_>, workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(Mutex::new(0_u64));
    on_tasks(ex, workers, || {
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
async fn count_sharded(ex: &Executor<'_>, workers: usize, increments: u64) -> u64 {
    let counts = on_tasks(ex, workers, || async move {
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
async fn count_channel(ex: &Executor<'_>, workers: usize, increments: u64) -> u64 {
    // Bounded, so senders wait for the owner instead of queueing W × M messages.
    let (tx, rx) = channel::bounded::<u64>(1024);
    let senders: Vec<_> = (0..workers)
        .map(|_| {
            let tx = tx.clone();
            // One task per sender, running on the executor while the owner below receives.
            ex.spawn(async move {
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

/// deadlock (a mistake shown on purpose): one task takes `a` then `b`, the other `b` then
/// `a`, and a barrier makes sure each holds its first lock before it asks for the second.
/// An async Mutex, because the guard lives across `.await`s (the barrier, the second lock),
/// and it deadlocks just like a blocking one: the tasks wait forever, the executor threads
/// sit idle, and the watchdog thread ends the run with exit 1.
async fn deadlock(ex: &Executor<'_>, increments: u64, progress: &Progress) -> Result<u64> {
    let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let both = Arc::new(Barrier::new(2));
    let first = ex.spawn(add_to_both(
        a.clone(),
        b.clone(),
        increments,
        Some(both.clone()),
        progress.clone(),
    ));
    let second =
        ex.spawn(add_to_both(b.clone(), a.clone(), increments, Some(both), progress.clone()));
    first.await;
    second.await;
    both_equal(&a, &b).await
}

/// lock-order: choose it whenever code holds two locks at once: every task takes them in the
/// same order (`a` before `b`), so no two tasks each hold what the other waits for.
async fn lock_order(
    ex: &Executor<'_>,
    workers: usize,
    increments: u64,
    progress: &Progress,
) -> Result<u64> {
    let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    // No barrier here: a task waiting for `a` holds nothing, so it blocks no one.
    on_tasks(ex, workers, || add_to_both(a.clone(), b.clone(), increments, None, progress.clone()))
        .await;
    both_equal(&a, &b).await
}

type Counter = Arc<Mutex<u64>>;

/// Adds 1 to two counters kept equal, holding `first`, then `second`, for each increment.
async fn add_to_both(
    first: Counter,
    second: Counter,
    increments: u64,
    hold_first: Option<Arc<Barrier>>,
    progress: Progress,
) {
    for i in 0..increments {
        let mut one = first.lock().await;
        if let (0, Some(barrier)) = (i, &hold_first) {
            barrier.wait().await; // both tasks now hold their first lock
        }
        let mut other = second.lock().await;
        (*one, *other) = (*one + 1, *other + 1);
        progress.tick();
    }
}

/// The count two locked counters reached, if they agree.
async fn both_equal(a: &Counter, b: &Counter) -> Result<u64> {
    let (a, b) = (*a.lock().await, *b.lock().await);
    if a != b {
        bail!("the two counters differ: {a} and {b}");
    }
    Ok(a)
}

/// Runs `work()` as `workers` tasks at once on `ex`; returns what each returned.
async fn on_tasks<F>(ex: &Executor<'_>, workers: usize, work: impl Fn() -> F) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // One task per worker: the executor's T threads run them in parallel, so every task
    // contends for the counter as threads would. (Dropping a smol Task cancels it; these
    // are all awaited.)
    let tasks: Vec<_> = (0..workers).map(|_| ex.spawn(work())).collect();
    let mut results = Vec::with_capacity(workers);
    for task in tasks {
        results.push(task.await);
    }
    results
}

/// The shared-state example: the variant asked for, as W tasks on an Executor run by T
/// threads.
pub fn shared(args: &Shared) -> Result<Outcome<u64>> {
    let ex = crate::executor(args.threads)?;
    let (workers, increments, progress) = (args.workers, args.increments, &args.progress);
    let run = async {
        Ok(match args.variant {
            "atomic" => count_atomic(&ex, workers, increments).await,
            "mutex" => count_mutex(&ex, workers, increments).await,
            "async-mutex" => count_async_mutex(&ex, workers, increments).await,
            "sharded" => count_sharded(&ex, workers, increments).await,
            "channel" => count_channel(&ex, workers, increments).await,
            "deadlock" => deadlock(&ex, increments, progress).await?,
            "lock-order" => lock_order(&ex, workers, increments, progress).await?,
            other => bail!("no shared variant '{other}' in this crate"),
        })
    };
    let total = crate::block_on_threads(&ex, args.threads, run)?;
    Ok(Outcome { value: total, worker_threads: args.threads })
}
