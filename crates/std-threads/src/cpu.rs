//! std threads, cpu: count the primes in [0, L] in J jobs on T scoped worker threads; the
//! sequential baseline; and the same on four times as many threads as asked.

use std::thread;

use anyhow::Result;
use avt_common::{Cpu, Jobs, Outcome, Variant, count_primes_in};

use crate::with_ticker;

/// The ways this crate runs the cpu example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "scoped-workers", about: "T scoped threads take jobs from one atomic counter" },
    Variant {
        name: "oversubscribed",
        about: "4 × T threads on T's work: the kernel time-slices them, the ticker stays on time",
    },
];

/// Counts the primes in every job on `threads` worker threads sharing one job queue.
fn count_primes(jobs: &Jobs, threads: usize) -> u64 {
    thread::scope(|s| {
        // T workers, each taking the next job until none are left: a worker that drew a
        // costly job takes fewer, so they all finish at about the same time.
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(|| jobs.work())).collect();
        workers.into_iter().map(|w| w.join().expect("a worker thread panicked")).sum()
    })
}

/// `oversubscribed`: 4 × T workers on the same job queue. More threads than cores cost
/// little here: the kernel time-slices them fairly, and a thread ticker still runs on time.
fn count_primes_oversubscribed(jobs: &Jobs, threads: usize) -> u64 {
    count_primes(jobs, 4 * threads)
}

/// The 1x baseline: every job, one after another, on this thread.
fn count_primes_sequential(jobs: &Jobs) -> u64 {
    jobs.ranges().iter().cloned().map(count_primes_in).sum()
}

/// Runs the cpu example the way `args.variant` says, with the ticker thread beside it.
pub fn run(args: &Cpu) -> Result<Outcome<u64>> {
    let jobs = Jobs::new(args.limit, args.jobs);
    let workers = if args.variant == "oversubscribed" { 4 * args.threads } else { args.threads };
    // `thread::scope`'s `spawn` panics if the OS refuses a thread: check the room first.
    avt_common::threads::ensure_room(workers + 1)?; // and the ticker's thread beside them
    let (count, threads) = with_ticker(args.ticker.as_ref(), || {
        Ok(match args.variant {
            "oversubscribed" => {
                (count_primes_oversubscribed(&jobs, args.threads), 4 * args.threads)
            }
            _ => (count_primes(&jobs, args.threads), args.threads),
        })
    })?;
    Ok(Outcome { value: count, worker_threads: threads })
}

/// The sequential baseline, on this thread (no ticker: the baseline stays one thread).
pub fn sequential(args: &Cpu) -> u64 {
    count_primes_sequential(&Jobs::new(args.limit, args.jobs))
}
