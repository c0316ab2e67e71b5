//! tokio, shared: W tasks on T worker threads each add 1 to one counter M times. The tasks
//! run in parallel, so they need what threads need; and a task can also be paused at any
//! `.await`, which is where tokio's own mutex comes in.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};

use anyhow::{Result, bail};
use avt_common::{Outcome, Progress, Shared, Variant};
use tokio::sync::{Barrier, mpsc};
use tokio::task::JoinSet;

/// The ways this crate shares the counter, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "atomic", about: "one AtomicU64 every task adds to: no lock (the right way)" },
    Variant {
        name: "mutex",
        about: "a std::sync::Mutex<u64>: right in async code while no guard lives across an .await",
    },
    Variant {
        name: "async-mutex",
        about: "a tokio::sync::Mutex<u64>: for a guard held across an .await; slower here",
    },
    Variant { name: "sharded", about: "each task counts on its own; the counts are summed" },
    Variant { name: "channel", about: "one owner keeps the count; the tasks send it 1s (mpsc)" },
    Variant {
        name: "deadlock",
        about: "two tasks take two tokio Mutexes in opposite orders: a deadlock, caught by a watchdog",
    },
    Variant { name: "lock-order", about: "the same two locks, always taken in one order" },
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
                // tokio's docs: "it is ok and often preferred to use the ordinary Mutex from
                // the standard library in asynchronous code"; the async one is for a guard
                // held across an .await. This guard is dropped at the end of the statement.
                // (A lock is poisoned only if a task panicked holding it.)
                *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            }
        }
    })
    .await;
    *counter.lock().unwrap_or_else(PoisonError::into_inner)
}

/// async-mutex: choose it only when the guard must live across an `.await` (a connection
/// written to while locked): waiting for it yields the thread instead of blocking it.
async fn count_async_mutex(workers: usize, increments: u64) -> u64 {
    let counter = Arc::new(tokio::sync::Mutex::new(0_u64));
    on_tasks(workers, || {
        let counter = Arc::clone(&counter);
        async move {
            for _ in 0..increments {
                // Waiting tasks queue in order (it is fair), each woken in turn: this costs.
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

/// channel: choose it when one owner should hold the state and others only ask for changes
/// (tokio's tutorial does this for a shared client): no lock, but a message per update.
async fn count_channel(workers: usize, increments: u64) -> u64 {
    // Bounded, so senders wait for the owner instead of queueing W × M messages.
    let (tx, mut rx) = mpsc::channel::<u64>(1024);
    let mut senders = JoinSet::new();
    for _ in 0..workers {
        let tx = tx.clone();
        // One task per sender, running on the workers while the owner below receives.
        senders.spawn(async move {
            for _ in 0..increments {
                if tx.send(1).await.is_err() {
                    break; // the owner is gone; the check will count what is missing
                }
            }
        });
    }
    drop(tx); // the owner's loop ends when the last sender is dropped
    // The owner: this future, the only code that touches the count.
    let mut total = 0;
    while let Some(n) = rx.recv().await {
        total += n;
    }
    senders.join_all().await;
    total
}

/// deadlock (a mistake shown on purpose): one task takes `a` then `b`, the other `b` then
/// `a`, and a barrier makes sure each holds its first lock before it asks for the second.
/// tokio's Mutex, because the guard lives across `.await`s (the barrier, the second lock),
/// and an async mutex deadlocks just like a blocking one: the tasks wait forever, the
/// workers sit idle, and the watchdog thread ends the run with exit 1.
async fn deadlock(increments: u64, progress: &Progress) -> Result<u64> {
    let (a, b) = (Arc::new(tokio::sync::Mutex::new(0)), Arc::new(tokio::sync::Mutex::new(0)));
    let both_hold_one = Arc::new(Barrier::new(2));
    let mut set = JoinSet::new();
    set.spawn(add_to_both(
        a.clone(),
        b.clone(),
        increments,
        Some(both_hold_one.clone()),
        progress.clone(),
    ));
    set.spawn(add_to_both(b.clone(), a.clone(), increments, Some(both_hold_one), progress.clone()));
    set.join_all().await;
    both_equal(&a, &b).await
}

/// lock-order: choose it whenever code holds two locks at once: every task takes them in the
/// same order (`a` before `b`), so no two tasks each hold what the other waits for.
async fn lock_order(workers: usize, increments: u64, progress: &Progress) -> Result<u64> {
    let (a, b) = (Arc::new(tokio::sync::Mutex::new(0)), Arc::new(tokio::sync::Mutex::new(0)));
    // No barrier here: a task waiting for `a` holds nothing, so it blocks no one.
    on_tasks(workers, || add_to_both(a.clone(), b.clone(), increments, None, progress.clone()))
        .await;
    both_equal(&a, &b).await
}

type Counter = Arc<tokio::sync::Mutex<u64>>;

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

/// Runs `work()` as `workers` tasks at once; returns what each returned.
async fn on_tasks<F>(workers: usize, work: impl Fn() -> F) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = JoinSet::new();
    for _ in 0..workers {
        // One task per worker: the runtime's T workers run them in parallel, so every task
        // contends for the counter as threads would.
        set.spawn(work());
    }
    set.join_all().await
}

/// The shared-state example: the variant asked for, as W tasks on a runtime of T workers.
pub fn shared(args: &Shared) -> Result<Outcome<u64>> {
    let rt = crate::runtime(args.threads)?;
    let (workers, increments) = (args.workers, args.increments);
    let total = rt.block_on(async {
        Ok(match args.variant {
            "atomic" => count_atomic(workers, increments).await,
            "mutex" => count_mutex(workers, increments).await,
            "async-mutex" => count_async_mutex(workers, increments).await,
            "sharded" => count_sharded(workers, increments).await,
            "channel" => count_channel(workers, increments).await,
            "deadlock" => deadlock(increments, &args.progress).await?,
            "lock-order" => lock_order(workers, increments, &args.progress).await?,
            other => bail!("no shared variant '{other}' in this crate"),
        })
    })?;
    Ok(Outcome { value: total, worker_threads: rt.metrics().num_workers() })
}
