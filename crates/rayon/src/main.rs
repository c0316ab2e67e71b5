//! rayon: data parallelism. `par_iter` splits a collection over a pool of T threads that
//! steal work from each other. It has no timers and no I/O: a job that waits blocks its thread.
//!
//! Choose it for CPU-bound work over collections: it is the right tool for the cpu example.
//! It is the wrong tool for the io example, shown here on purpose: only T fetches wait at a
//! time, so N fetches take ⌈N/T⌉ × the delay (3 fetches on 2 threads: 4 s, not 2 s).
//!
//! Run with:
//!
//! ```text
//! just run rayon cpu               # cargo run --release -p avt-rayon -- cpu
//! just run rayon io                # cargo run --release -p avt-rayon -- io
//! ```

use std::ops::Range;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Approach, Cpu, Io, Outcome, count_primes_in, split, url};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The article's `fetch_data`: one simulated fetch, blocking its pool thread while it waits.
fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        println!("Fetching data from {}", url(id));
    }
    thread::sleep(delay);
    if log {
        println!("Data fetched from {}", url(id));
    }
    id
}

/// Fetches ids `0..tasks` on the pool, T at a time; returns the ids fetched.
fn fetch_all(pool: &ThreadPool, tasks: usize, delay: Duration, log: bool) -> Vec<usize> {
    // A sleeping rayon thread cannot run anything else, so at most T fetches wait at once.
    // `with_max_len(1)` makes each fetch its own job, so no thread idles while any remain.
    pool.install(|| {
        (0..tasks)
            .into_par_iter()
            .with_max_len(1)
            .map(|id| fetch(id, delay, log))
            .collect()
    })
}

/// Counts the primes in every job on the pool's threads.
fn count_primes(pool: &ThreadPool, jobs: &[Range<u64>]) -> u64 {
    // par_iter hands the jobs to the pool's threads, and an idle thread steals from a busy
    // one, so the unequal jobs balance out without a queue of our own.
    pool.install(|| {
        jobs.par_iter()
            .map(|job| count_primes_in(job.clone()))
            .sum()
    })
}

/// A pool of exactly `threads` threads (rayon's global pool has one per core).
fn pool(threads: usize) -> Result<ThreadPool> {
    Ok(ThreadPoolBuilder::new().num_threads(threads).build()?)
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let pool = pool(args.threads)?;
    let ids = fetch_all(&pool, args.tasks, args.delay, args.log);
    Ok(Outcome {
        value: ids,
        worker_threads: pool.current_num_threads(),
    })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    let pool = pool(args.threads)?;
    let count = count_primes(&pool, &split(args.limit, args.jobs));
    Ok(Outcome {
        value: count,
        worker_threads: pool.current_num_threads(),
    })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "rayon",
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: None,
    })
}
