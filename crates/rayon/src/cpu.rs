//! rayon, cpu: count the primes in [0, L] in J jobs with `par_iter`, the right tool.

use std::ops::Range;

use anyhow::Result;
use avt_common::{Cpu, Outcome, Variant, count_primes_in, split};
use rayon::ThreadPool;
use rayon::prelude::*;

use crate::{pool, with_ticker};

/// The ways this crate runs the cpu example, its right way first.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "par-iter",
    about: "par_iter over the jobs in a pool of T threads that steal work",
}];

/// Counts the primes in every job on the pool's threads.
fn count_primes(pool: &ThreadPool, jobs: &[Range<u64>]) -> u64 {
    // par_iter hands the jobs to the pool's threads, and an idle thread steals from a busy
    // one. By default it cuts them into about T runs of adjacent jobs (more only when a run
    // is stolen), and a thread works through its run alone, so more jobs would not balance
    // better. `with_max_len(1)` cuts down to single jobs: an idle thread can steal any job
    // not yet started, for a split of microseconds per job.
    pool.install(|| jobs.par_iter().with_max_len(1).map(|job| count_primes_in(job.clone())).sum())
}

/// Runs the cpu example, with the ticker thread beside the pool.
pub fn run(args: &Cpu) -> Result<Outcome<u64>> {
    let pool = pool(args.threads)?;
    let jobs = split(args.limit, args.jobs);
    let count = with_ticker(args.ticker.as_ref(), || Ok(count_primes(&pool, &jobs)))?;
    Ok(Outcome { value: count, worker_threads: pool.current_num_threads() })
}
