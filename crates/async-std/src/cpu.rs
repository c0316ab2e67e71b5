//! async-std, cpu: count the primes in [0, L] in J jobs. The right way first
//! (`task::spawn_blocking` workers), then the mistakes.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use async_std::task;
use avt_common::{Cpu, Jobs, Outcome, Variant, count_primes_in};

use crate::{set_executor_threads, ticker};

/// The ways this crate runs the cpu example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "spawn-blocking",
        about: "T task::spawn_blocking workers count, so the executor stays free",
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
    // CPU work on an executor thread would stall the tasks queued behind it, so it runs on
    // the blocking pool; T closures keep it to T threads at a time.
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            task::spawn_blocking(move || jobs.work())
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
/// ticker waits behind whole jobs.
async fn count_primes_inline(jobs: &[Range<u64>]) -> u64 {
    let workers: Vec<_> =
        jobs.iter().cloned().map(|job| task::spawn(async move { count_primes_in(job) })).collect();
    let mut count = 0;
    for worker in workers {
        count += worker.await;
    }
    count
}

/// Runs the cpu example the way `args.variant` says, with the ticker task beside it.
pub fn run(args: &Cpu) -> Result<Outcome<u64>> {
    let threads = if args.variant == "current-thread" { 1 } else { args.threads };
    set_executor_threads(threads)?;
    if let Some(ticks) = &args.ticker {
        // The probe is a task on the same executor; its handle is dropped, which detaches it.
        task::spawn(ticker(ticks.clone()));
    }
    let jobs = Jobs::new(args.limit, args.jobs);
    let count = match args.variant {
        "current-thread" | "cpu-inline" => task::block_on(count_primes_inline(jobs.ranges())),
        // The T executor threads idle here (but for the ticker) while T blocking threads count.
        _ => task::block_on(count_primes(Arc::new(jobs), args.threads)),
    };
    Ok(Outcome { value: count, worker_threads: threads })
}
