//! smol, cpu: count the primes in [0, L] in J jobs. The right way first (`unblock` workers),
//! then the mistakes.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use avt_common::{Cpu, Jobs, Outcome, Variant, count_primes_in};
use smol::{Executor, unblock};

use crate::{block_on_threads, executor, ticker};

/// The ways this crate runs the cpu example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "unblock",
        about: "T unblock workers count on the blocking pool, so executor threads stay free",
    },
    Variant {
        name: "current-thread",
        about: "the article's model: counting in tasks on one thread; no speedup, ticker waits",
    },
    Variant {
        name: "cpu-inline",
        about: "mistake: a task per job counts on the executor threads; as fast, but the ticker waits",
    },
];

/// Counts the primes in every job on `threads` blocking threads sharing one job queue.
async fn count_primes(jobs: Arc<Jobs>, threads: usize) -> u64 {
    // CPU work inside a task would hold an executor thread, so it runs on the blocking pool;
    // T closures keep it to T threads at a time.
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            unblock(move || jobs.work())
        })
        .collect();
    let mut count = 0;
    for worker in workers {
        count += worker.await;
    }
    count
}

/// `cpu-inline` (and `current-thread`), the mistake: one task per job counts on the executor
/// threads; a task only gives its thread back at an `.await`, and counting has none, so the
/// ticker waits behind whole jobs (smol's queue is first in, first out).
async fn count_primes_inline(ex: &Executor<'_>, jobs: &[Range<u64>]) -> u64 {
    let workers: Vec<_> =
        jobs.iter().cloned().map(|job| ex.spawn(async move { count_primes_in(job) })).collect();
    let mut count = 0;
    for worker in workers {
        count += worker.await;
    }
    count
}

/// Runs the cpu example the way `args.variant` says, with the ticker task beside it.
pub fn run(args: &Cpu) -> Result<Outcome<u64>> {
    let ex = executor(args.threads)?;
    // The probe is a task on the executor. Held to the end: dropping a smol `Task` cancels it.
    let _ticker = args.ticker.clone().map(|ticks| ex.spawn(ticker(ticks)));
    let jobs = Jobs::new(args.limit, args.jobs);
    let (count, threads) = match args.variant {
        "current-thread" => (block_on_threads(&ex, 1, count_primes_inline(&ex, jobs.ranges())), 1),
        "cpu-inline" => {
            let count =
                block_on_threads(&ex, args.threads, count_primes_inline(&ex, jobs.ranges()));
            (count, args.threads)
        }
        // This thread runs the executor (the ticker) while it waits for the blocking pool.
        _ => (smol::block_on(ex.run(count_primes(Arc::new(jobs), args.threads))), args.threads),
    };
    Ok(Outcome { value: count, worker_threads: threads })
}
