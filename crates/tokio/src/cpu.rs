//! tokio, cpu: count the primes in [0, L] in J jobs. The right way first (`spawn_blocking`
//! workers), then the mistakes and the rayon bridge.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use avt_common::{Cpu, Jobs, Outcome, Variant, count_primes_in};
use rayon::ThreadPool;
use rayon::prelude::*;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::{current_thread, rayon_pool, runtime, ticker};

/// The ways this crate runs the cpu example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "spawn-blocking",
        about: "T spawn_blocking workers count, so the async workers stay free",
    },
    Variant {
        name: "current-thread",
        about: "the article's model: counting in tasks on one thread; no speedup, ticker waits",
    },
    Variant {
        name: "cpu-inline",
        about: "mistake: a task per job counts on the async workers; as fast, but the ticker waits",
    },
    Variant {
        name: "rayon-inline",
        about: "mistake: par_iter inside a task blocks its worker until rayon is done",
    },
    Variant {
        name: "rayon-bridge",
        about: "rayon's pool.spawn does the fan-out, a oneshot brings the answer back to the task",
    },
];

/// Counts the primes in every job on `threads` blocking threads sharing one job queue.
async fn count_primes(jobs: Arc<Jobs>, threads: usize) -> u64 {
    let mut set = JoinSet::new();
    for _ in 0..threads {
        let jobs = Arc::clone(&jobs);
        // CPU work on an async worker would stall every task queued behind it, so it runs on
        // tokio's blocking pool. That pool grows to 512 threads, and tokio's docs ask many
        // CPU-bound computations to limit themselves: T closures sharing one job queue are
        // that limit (one `spawn_blocking` per job would need `max_blocking_threads(T)`,
        // which caps every other blocking call of the runtime too).
        set.spawn_blocking(move || jobs.work());
    }
    set.join_all().await.into_iter().sum()
}

/// `cpu-inline` (and `current-thread`), the mistake: one task per job counts on the async
/// workers; a task only gives its thread back at an `.await`, and counting has none, so the
/// ticker waits behind whole jobs.
async fn count_primes_inline(jobs: &[Range<u64>]) -> u64 {
    let mut set = JoinSet::new();
    for job in jobs.iter().cloned() {
        set.spawn(async move { count_primes_in(job) });
    }
    set.join_all().await.into_iter().sum()
}

/// The jobs on rayon's pool: `par_iter` runs them on the pool's threads, which steal from
/// each other (`with_max_len(1)`: each job can be stolen on its own).
fn par_count(jobs: &[Range<u64>]) -> u64 {
    jobs.par_iter().with_max_len(1).map(|job| count_primes_in(job.clone())).sum()
}

/// `rayon-inline`, the mistake: a task calls rayon directly; the worker running it blocks
/// until rayon is done, and the tasks queued on it wait (with one worker: everything waits).
async fn count_primes_rayon_inline(pool: Arc<ThreadPool>, jobs: Vec<Range<u64>>) -> u64 {
    pool.install(|| par_count(&jobs))
}

/// `rayon-bridge`: rayon runs the fan-out on its own threads and sends the answer back on a
/// oneshot channel, so the task awaits it without holding its worker (tokio's docs' bridge).
async fn count_primes_rayon_bridge(pool: Arc<ThreadPool>, jobs: Vec<Range<u64>>) -> Result<u64> {
    let (send, answer) = oneshot::channel();
    pool.spawn(move || {
        // The receiver only goes away if the task was cancelled: then nobody wants the count.
        let _ = send.send(par_count(&jobs));
    });
    Ok(answer.await?)
}

/// Runs the cpu example the way `args.variant` says, with the ticker task beside it.
pub fn run(args: &Cpu) -> Result<Outcome<u64>> {
    let rt = match args.variant {
        "current-thread" => current_thread()?,
        _ => runtime(args.threads)?,
    };
    if let Some(ticks) = &args.ticker {
        // The probe is a task on the same runtime; dropping the runtime cancels it.
        rt.spawn(ticker(ticks.clone()));
    }
    let jobs = Jobs::new(args.limit, args.jobs);
    let count = match args.variant {
        "current-thread" | "cpu-inline" => rt.block_on(count_primes_inline(jobs.ranges())),
        // The rayon variants run in a spawned task, as a request handler would: `block_on`'s
        // own future runs on this thread, not on a worker.
        "rayon-inline" => {
            let work = count_primes_rayon_inline(rayon_pool(args.threads)?, jobs.ranges().to_vec());
            rt.block_on(rt.spawn(work))?
        }
        "rayon-bridge" => {
            let work = count_primes_rayon_bridge(rayon_pool(args.threads)?, jobs.ranges().to_vec());
            rt.block_on(rt.spawn(work))??
        }
        // The T async workers idle here while T blocking threads count: 2T + 1 threads.
        _ => rt.block_on(count_primes(Arc::new(jobs), args.threads)),
    };
    Ok(Outcome { value: count, worker_threads: rt.metrics().num_workers() })
}
