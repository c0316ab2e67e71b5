//! The std-only baseline: every fetch gets its own OS thread, and the CPU jobs run on T
//! scoped worker threads. There is no runtime: the kernel schedules everything.
//!
//! Choose it when what is in flight at once is modest (up to a few thousand) or the work is
//! CPU-bound and you want no dependency: threads are simple, and unlike CPython's they run
//! truly in parallel. Each costs a stack and a kernel task, and the OS caps how many exist.
//!
//! Run with:
//!
//! ```text
//! just run std io                  # cargo run --release -p avt-std -- io
//! just run std cpu                 # cargo run --release -p avt-std -- cpu
//! just run std cpu --sequential    # the 1x baseline every speedup is measured against
//! ```

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Approach, Cpu, Io, Jobs, Outcome, count_primes_in, limits, url};

/// The article's `fetch_data`: one simulated fetch, blocking its thread while it waits.
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

/// Fetches ids `0..tasks` concurrently, one OS thread per fetch; returns the ids fetched.
///
/// At the OS thread limit it stops spawning, waits for the threads already started, and
/// fails naming the limit.
fn fetch_all(tasks: usize, delay: Duration, log: bool) -> Result<Vec<usize>> {
    let room = limits::threads_before_map_limit().unwrap_or(usize::MAX);
    thread::scope(|s| {
        let mut threads = Vec::with_capacity(tasks.min(room));
        for id in 0..tasks {
            // Past vm.max_map_count a new thread cannot map its signal stack and std aborts
            // the process, so stop short of it. (Leaving the scope joins what started.)
            if threads.len() == room {
                return Err(limits::thread_limit_hit(room, tasks, "vm.max_map_count"));
            }
            // One thread per fetch: while one sleeps the kernel runs the others, so the waits
            // overlap. `Builder` returns the OS's refusal where `s.spawn` would panic.
            match thread::Builder::new().spawn_scoped(s, move || fetch(id, delay, log)) {
                Ok(thread) => threads.push(thread),
                Err(e) => return Err(limits::thread_limit_hit(threads.len(), tasks, e)),
            }
        }
        Ok(threads
            .into_iter()
            .map(|t| t.join().expect("a fetch thread panicked"))
            .collect())
    })
}

/// Counts the primes in every job on `threads` worker threads sharing one job queue.
fn count_primes(jobs: &Jobs, threads: usize) -> u64 {
    thread::scope(|s| {
        // T workers, each taking the next job until none are left: a worker that drew a
        // costly job takes fewer, so they all finish at about the same time.
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(|| jobs.work())).collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .sum()
    })
}

/// The 1x baseline: every job, one after another, on this thread.
fn count_primes_sequential(jobs: &Jobs) -> u64 {
    jobs.ranges().iter().cloned().map(count_primes_in).sum()
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let ids = fetch_all(args.tasks, args.delay, args.log)?;
    Ok(Outcome {
        value: ids,
        worker_threads: args.tasks,
    })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    let jobs = Jobs::new(args.limit, args.jobs);
    Ok(Outcome {
        value: count_primes(&jobs, args.threads),
        worker_threads: args.threads,
    })
}

fn sequential(args: &Cpu) -> u64 {
    count_primes_sequential(&Jobs::new(args.limit, args.jobs))
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "std-threads",
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: Some(sequential),
    })
}
