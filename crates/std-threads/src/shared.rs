//! std threads, shared: W OS threads each add 1 to one counter M times. Rust will not compile
//! the article's unsynchronised `counter += 1` on two threads (see `avt_common::shared::races`):
//! every way below is one the compiler accepts, and each is checked to reach W × M.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, PoisonError, mpsc};
use std::thread;

use anyhow::{Result, bail};
use avt_common::{Outcome, Progress, Shared, Variant, limits};

/// The ways this crate shares the counter, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "atomic",
        about: "one AtomicU64 every thread adds to: no lock (the right way)",
    },
    Variant { name: "mutex", about: "a std::sync::Mutex<u64>, locked for every increment" },
    Variant { name: "sharded", about: "each thread counts on its own; the counts are summed" },
    Variant { name: "channel", about: "one owner thread keeps the count; the others send it 1s" },
    Variant {
        name: "deadlock",
        about: "two threads take two locks in opposite orders: a deadlock, caught by a watchdog",
    },
    Variant { name: "lock-order", about: "the same two locks, always taken in one order" },
];

/// atomic: choose it for a counter or a flag, one number that threads update: the CPU adds
/// atomically, no thread ever waits for a lock.
fn count_atomic(workers: usize, increments: u64) -> Result<u64> {
    let counter = AtomicU64::new(0);
    on_threads(workers, || {
        for _ in 0..increments {
            // Relaxed: only the total matters, and joining the threads makes it visible.
            counter.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    Ok(counter.into_inner())
}

/// mutex: choose it when the shared state is more than one number, or its update more than
/// one step: the lock makes the whole update one step for every other thread.
fn count_mutex(workers: usize, increments: u64) -> Result<u64> {
    let counter = Mutex::new(0_u64);
    on_threads(workers, || {
        for _ in 0..increments {
            // A lock is poisoned only if a thread panicked holding it; the count is still good.
            *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        }
    })?;
    Ok(counter.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// sharded: choose it when the parts can be counted apart and only the total is read, at the
/// end: nothing is shared while the threads count.
fn count_sharded(workers: usize, increments: u64) -> Result<u64> {
    let counts = on_threads(workers, || {
        let mut mine = 0_u64;
        for _ in 0..increments {
            mine += 1;
            // Keeps the loop a loop: without it the compiler adds M at once and times nothing.
            black_box(&mut mine);
        }
        mine
    })?;
    Ok(counts.into_iter().sum())
}

/// channel: choose it when one owner should hold the state and others only ask for changes
/// ("share memory by communicating"): no lock, but a message per update.
fn count_channel(workers: usize, increments: u64) -> Result<u64> {
    // Bounded, so senders wait for the owner instead of queueing W × M messages.
    let (tx, rx) = mpsc::sync_channel::<u64>(1024);
    thread::scope(|s| {
        let mut refused = None;
        for _ in 0..workers {
            let tx = tx.clone();
            let send = move || {
                for _ in 0..increments {
                    if tx.send(1).is_err() {
                        break; // the owner is gone; the check will count what is missing
                    }
                }
            };
            if let Err(e) = thread::Builder::new().spawn_scoped(s, send) {
                refused = Some(e);
                break;
            }
        }
        drop(tx); // the owner's loop ends when the last sender is dropped
        // The owner: this thread, the only one that touches the count.
        let total = rx.iter().sum();
        match refused {
            Some(e) => bail!("the OS refused a worker thread: {e}"),
            None => Ok(total),
        }
    })
}

/// deadlock (a mistake shown on purpose): one thread takes `a` then `b`, the other `b` then
/// `a`, and a barrier makes sure each holds its first lock before it asks for the second, so
/// each waits for the other forever. The watchdog ends the run with exit 1.
fn deadlock(increments: u64, progress: &Progress) -> Result<u64> {
    let (a, b) = (Mutex::new(0), Mutex::new(0));
    let both_hold_one = Barrier::new(2);
    thread::scope(|s| {
        thread::Builder::new()
            .spawn_scoped(s, || add_to_both(&a, &b, increments, Some(&both_hold_one), progress))?;
        thread::Builder::new()
            .spawn_scoped(s, || add_to_both(&b, &a, increments, Some(&both_hold_one), progress))?;
        anyhow::Ok(())
    })?;
    both_equal(a, b)
}

/// lock-order: choose it whenever code holds two locks at once: every thread takes them in
/// the same order (`a` before `b`), so no two threads each hold what the other waits for.
fn lock_order(workers: usize, increments: u64, progress: &Progress) -> Result<u64> {
    let (a, b) = (Mutex::new(0), Mutex::new(0));
    // No barrier here: a thread waiting for `a` holds nothing, so it blocks no one.
    on_threads(workers, || add_to_both(&a, &b, increments, None, progress))?;
    both_equal(a, b)
}

/// Adds 1 to two counters kept equal, holding `first`, then `second`, for each increment.
fn add_to_both(
    first: &Mutex<u64>,
    second: &Mutex<u64>,
    increments: u64,
    hold_first: Option<&Barrier>,
    progress: &Progress,
) {
    for i in 0..increments {
        let mut one = first.lock().unwrap_or_else(PoisonError::into_inner);
        if let (0, Some(barrier)) = (i, hold_first) {
            barrier.wait(); // both threads now hold their first lock
        }
        let mut other = second.lock().unwrap_or_else(PoisonError::into_inner);
        (*one, *other) = (*one + 1, *other + 1);
        progress.tick();
    }
}

/// The count two locked counters reached, if they agree.
fn both_equal(a: Mutex<u64>, b: Mutex<u64>) -> Result<u64> {
    let a = a.into_inner().unwrap_or_else(PoisonError::into_inner);
    let b = b.into_inner().unwrap_or_else(PoisonError::into_inner);
    if a != b {
        bail!("the two counters differ: {a} and {b}");
    }
    Ok(a)
}

/// Runs `work` on `workers` scoped OS threads at once; returns what each returned.
fn on_threads<T: Send>(workers: usize, work: impl Fn() -> T + Sync) -> Result<Vec<T>> {
    let work = &work;
    thread::scope(|s| {
        let mut threads = Vec::with_capacity(workers);
        for started in 0..workers {
            // `Builder` returns the OS's refusal where `s.spawn` would panic; leaving the
            // scope joins the threads already started.
            match thread::Builder::new().spawn_scoped(s, work) {
                Ok(thread) => threads.push(thread),
                Err(e) => return Err(limits::thread_limit_hit(started, workers, e)),
            }
        }
        Ok(threads.into_iter().map(|t| t.join().expect("a worker thread panicked")).collect())
    })
}

/// The shared-state example: the variant asked for, on one OS thread per worker.
pub fn shared(args: &Shared) -> Result<Outcome<u64>> {
    let (workers, increments) = (args.workers, args.increments);
    let total = match args.variant {
        "atomic" => count_atomic(workers, increments)?,
        "mutex" => count_mutex(workers, increments)?,
        "sharded" => count_sharded(workers, increments)?,
        "channel" => count_channel(workers, increments)?,
        "deadlock" => deadlock(increments, &args.progress)?,
        "lock-order" => lock_order(workers, increments, &args.progress)?,
        other => bail!("no shared variant '{other}' in this crate"),
    };
    Ok(Outcome { value: total, worker_threads: workers })
}
